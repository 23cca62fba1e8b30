//! Salesforce -> Intercom, end to end: a change made in the simulated org reaches the app over
//! the change stream, becomes a job, and the worker writes the linked Intercom record. Echoes
//! of the engine's own writes cost no further calls, in either direction.

mod support;
mod sync_support;

use std::time::Duration;

use serde_json::{Value, json};
use support::World;
use sync_support::*;

/// The demo world with a short batching wait, the Contact's `Title` mapped to Intercom's job
/// title, the Account's `Industry` to the company's, and `Department` (with both skip flags)
/// to the person's region.
async fn world_mapping_titles_to_intercom() -> World {
    let world = World::start_with(|c| c.sync.gather = Duration::from_millis(50)).await;
    let mut mappings = world.get("/api/settings/sync").await.1["mappings"]
        .as_array()
        .unwrap()
        .clone();
    for m in &mut mappings {
        let back = (m["object"] == "contact" && m["salesforce_field"] == "Title")
            || (m["object"] == "account" && m["salesforce_field"] == "Industry");
        if back {
            m["direction"] = json!("to_intercom");
        }
    }
    mappings.push(
        json!({"object": "contact", "intercom_attribute": "custom_attributes.region",
        "salesforce_field": "Department", "direction": "to_intercom",
        "skip_if_source_empty": true, "skip_if_destination_has_value": true}),
    );
    let response = world
        .http
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({ "mappings": mappings }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    world
}

async fn contact_id(world: &World, external_id: &str) -> String {
    one(
        world,
        &format!("SELECT Id FROM Contact WHERE Intercom_Contact_Id__c = '{external_id}'"),
    )
    .await["Id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn intercom_contact(world: &World, id: &str) -> Value {
    intercom(
        world,
        reqwest::Method::GET,
        &format!("/contacts/{id}"),
        Value::Null,
    )
    .await
}

/// Links Maya to her Contact through an Intercom -> Salesforce sync; her ids.
async fn linked_maya(world: &World) -> (String, String) {
    let maya = person(world, "maya.patel@globex.example.com");
    let contact = contact_id(world, "u-1001").await;
    update_contact(world, &maya, json!({"phone": "+1 555 0198"})).await;
    let entry = ledger_entry(world, &maya, |e| e["outcome"] == "updated").await;
    assert_eq!(entry["salesforce_id"], contact.as_str());
    (maya, contact)
}

#[tokio::test]
async fn a_salesforce_change_reaches_the_linked_contact_and_its_webhook_costs_no_call() {
    let world = world_mapping_titles_to_intercom().await;
    let (maya, contact) = linked_maya(&world).await;
    let admin = world.salesforce.admin_user_id();
    let before = world.salesforce.api_calls();
    world
        .salesforce
        .ui_update(
            &admin,
            "Contact",
            &contact,
            json!({"Title": "Chief Tinkerer"}),
        )
        .unwrap();
    let entry = ledger_entry(&world, &contact, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "updated"
    })
    .await;
    assert_eq!(entry["intercom_id"], maya.as_str());
    assert_eq!(entry["fields"], json!(["Title"]));
    let person = intercom_contact(&world, &maya).await;
    assert_eq!(person["custom_attributes"]["job_title"], "Chief Tinkerer");
    // One read of the changed record; the echo of our own earlier write (Phone) cost nothing.
    let after_sync = world.salesforce.api_calls();
    assert_eq!(after_sync - before, 1, "one /composite read");

    // Our Intercom write raises a webhook; syncing it back must not touch Salesforce.
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.topic == "contact.user.updated" && d.body.contains("Chief Tinkerer"))
        })
        .await;
    queue_drained(&world).await;
    assert_eq!(
        world.salesforce.api_calls(),
        after_sync,
        "no call for the echo"
    );
    world.stop().await;
}

#[tokio::test]
async fn our_own_salesforce_write_does_not_come_back_to_intercom() {
    let world = world_mapping_titles_to_intercom().await;
    let (maya, contact) = linked_maya(&world).await;
    let before = world.salesforce.api_calls();
    // An Intercom change written to Salesforce by the engine: its change event is ours.
    update_contact(&world, &maya, json!({"phone": "+1 555 0142"})).await;
    ledger_entry(&world, &maya, |e| {
        e["outcome"] == "updated" && e["fields"] == json!(["Phone"])
    })
    .await;
    let after_write = world.salesforce.api_calls();
    assert!(after_write > before);
    // A later change by someone else: events arrive in order, so once it is synced the echo
    // before it has been handled, and it cost no call.
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(&admin, "Contact", &contact, json!({"Title": "Owl"}))
        .unwrap();
    ledger_entry(&world, &contact, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "updated"
    })
    .await;
    assert_eq!(
        world.salesforce.api_calls() - after_write,
        1,
        "only the Title read"
    );
    let to_intercom: Vec<Value> = ledger_of(&world, &contact)
        .await
        .into_iter()
        .filter(|e| e["direction"] == "to_intercom")
        .collect();
    assert_eq!(to_intercom.len(), 1, "{to_intercom:?}");
    world.stop().await;
}

#[tokio::test]
async fn held_values_and_skip_flags_send_no_intercom_write() {
    let world = world_mapping_titles_to_intercom().await;
    let (maya, contact) = linked_maya(&world).await;
    let admin = world.salesforce.admin_user_id();
    update_contact(
        &world,
        &maya,
        json!({"custom_attributes": {"region": "EMEA"}}),
    )
    .await;
    queue_drained(&world).await;
    let writes_before = world
        .intercom
        .request_counts()
        .get("PUT /contacts/{id}")
        .copied()
        .unwrap_or(0);
    // Department maps to a region Intercom already has (skip), Title to what it holds.
    let title = intercom_contact(&world, &maya).await["custom_attributes"]["job_title"].clone();
    let title = if title.is_null() { json!("") } else { title };
    world
        .salesforce
        .ui_update(
            &admin,
            "Contact",
            &contact,
            json!({"Department": "Research", "Title": title}),
        )
        .unwrap();
    let entry = ledger_entry(&world, &contact, |e| e["direction"] == "to_intercom").await;
    assert_eq!(entry["outcome"], "skipped", "{entry}");
    assert_eq!(entry["fields"], json!(["Department"]));
    let person = intercom_contact(&world, &maya).await;
    assert_eq!(person["custom_attributes"]["region"], "EMEA");
    let writes_after = world
        .intercom
        .request_counts()
        .get("PUT /contacts/{id}")
        .copied()
        .unwrap_or(0);
    assert_eq!(writes_after, writes_before, "no Intercom write");
    world.stop().await;
}

#[tokio::test]
async fn an_unlinked_contact_is_linked_by_its_key_then_synced() {
    let world = world_mapping_titles_to_intercom().await;
    let maya = person(&world, "maya.patel@globex.example.com");
    let contact = contact_id(&world, "u-1001").await;
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(&admin, "Contact", &contact, json!({"Title": "Navigator"}))
        .unwrap();
    let entry = ledger_entry(&world, &contact, |e| e["direction"] == "to_intercom").await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(entry["intercom_id"], maya.as_str());
    assert_eq!(
        entry["detail"],
        json!(format!("Linked to Intercom person {maya}."))
    );
    let link = world
        .state
        .store
        .person_link("demo", &maya)
        .await
        .unwrap()
        .expect("a link");
    assert_eq!(link.salesforce_id, contact);
    assert_eq!(
        intercom_contact(&world, &maya).await["custom_attributes"]["job_title"],
        "Navigator"
    );
    // The webhook of that first write to her costs Salesforce nothing either.
    let calls = world.salesforce.api_calls();
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.topic == "contact.user.updated" && d.body.contains("Navigator"))
        })
        .await;
    queue_drained(&world).await;
    assert_eq!(world.salesforce.api_calls(), calls, "no call for the echo");
    world.stop().await;
}

#[tokio::test]
async fn an_account_change_links_its_company_by_key_and_updates_it() {
    let world = world_mapping_titles_to_intercom().await;
    let account = one(
        &world,
        "SELECT Id FROM Account WHERE AccountNumber = 'ACC-0002'",
    )
    .await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(&admin, "Account", &account, json!({"Industry": "Robotics"}))
        .unwrap();
    let entry = ledger_entry(&world, &account, |e| e["direction"] == "to_intercom").await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(entry["object"], "account");
    assert_eq!(entry["fields"], json!(["Industry"]));
    let companies = intercom(
        &world,
        reqwest::Method::GET,
        "/companies?company_id=ACC-0002",
        Value::Null,
    )
    .await;
    let company = &companies["data"][0];
    assert_eq!(company["industry"], "Robotics");
    assert_eq!(entry["intercom_id"], company["id"]);
    world.stop().await;
}

/// A new Account matching "Nowhere Widgets" (`ZZ000001`), synced and linked; its id and the
/// company's.
async fn linked_new_account(world: &World) -> (String, String) {
    let account = create_record(
        world,
        "Account",
        json!({"Name": "Nowhere Widgets", "AccountNumber": "ZZ000001", "Industry": "Shipping"}),
    )
    .await;
    let entry = ledger_entry(world, &account, |e| e["direction"] == "to_intercom").await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    let company = entry["intercom_id"].as_str().unwrap().to_owned();
    assert_eq!(
        entry["detail"],
        json!(format!("Linked to Intercom company {company}."))
    );
    (account, company)
}

#[tokio::test]
async fn a_deleted_account_loses_its_link() {
    let world = world_mapping_titles_to_intercom().await;
    let (account, company) = linked_new_account(&world).await;
    // The webhook our company write raised is synced first.
    queue_drained(&world).await;
    let response = world
        .http
        .delete(format!(
            "{}/services/data/v62.0/sobjects/Account/{account}",
            world.salesforce.url()
        ))
        .bearer_auth(world.salesforce.access_token())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let entry = ledger_entry(&world, &account, |e| e["outcome"] == "unlinked").await;
    assert_eq!(entry["intercom_id"], company.as_str());
    assert_eq!(entry["direction"], "to_intercom", "{entry}");
    let link = world
        .state
        .store
        .company_link("demo", &company)
        .await
        .unwrap();
    assert_eq!(link, None);
    world.stop().await;
}

#[tokio::test]
async fn a_deleted_contact_loses_its_link_and_the_person_stays_in_intercom() {
    let world = world_mapping_titles_to_intercom().await;
    let (maya, contact) = linked_maya(&world).await;
    queue_drained(&world).await;
    let response = world
        .http
        .delete(format!(
            "{}/services/data/v62.0/sobjects/Contact/{contact}",
            world.salesforce.url()
        ))
        .bearer_auth(world.salesforce.access_token())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let entry = ledger_entry(&world, &contact, |e| e["outcome"] == "unlinked").await;
    assert_eq!(entry["intercom_id"], maya.as_str());
    assert_eq!(entry["detail"], "The Contact was deleted in Salesforce.");
    let link = world.state.store.person_link("demo", &maya).await.unwrap();
    assert_eq!(link, None);
    // Nothing is deleted on the Intercom side.
    assert_eq!(intercom_contact(&world, &maya).await["id"], maya.as_str());
    world.stop().await;
}

#[tokio::test]
async fn a_changed_account_key_relinks_to_the_company_it_now_names() {
    let world = world_mapping_titles_to_intercom().await;
    let (account, old_company) = linked_new_account(&world).await;
    queue_drained(&world).await;
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(
            &admin,
            "Account",
            &account,
            json!({"AccountNumber": "ZZ000002", "Industry": "Salvage"}),
        )
        .unwrap();
    let entry = ledger_entry(&world, &account, |e| {
        e["detail"].as_str().is_some_and(|d| d.contains("relinked"))
    })
    .await;
    let new_company = entry["intercom_id"].as_str().unwrap().to_owned();
    assert_ne!(new_company, old_company);
    assert_eq!(entry["outcome"], "updated");
    let store = &world.state.store;
    assert_eq!(
        store.company_link("demo", &old_company).await.unwrap(),
        None
    );
    let link = store
        .company_link("demo", &new_company)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.salesforce_id, account);
    let moved = intercom(
        &world,
        reqwest::Method::GET,
        &format!("/companies/{new_company}"),
        Value::Null,
    )
    .await;
    assert_eq!(moved["company_id"], "ZZ000002");
    assert_eq!(moved["industry"], "Salvage");
    queue_drained(&world).await;

    // A key that names no company unlinks.
    world
        .salesforce
        .ui_update(
            &admin,
            "Account",
            &account,
            json!({"AccountNumber": "NONE-1"}),
        )
        .unwrap();
    let entry = ledger_entry(&world, &account, |e| e["outcome"] == "unlinked").await;
    assert_eq!(entry["intercom_id"], new_company.as_str());
    assert_eq!(
        store.company_link("demo", &new_company).await.unwrap(),
        None
    );
    world.stop().await;
}

/// Up to `n` Contacts of the demo org that carry an Intercom user id.
async fn keyed_contacts(world: &World, n: usize) -> Vec<String> {
    soql(
        world,
        &format!(
            "SELECT Id FROM Contact WHERE Intercom_Contact_Id__c != null ORDER BY Id LIMIT {n}"
        ),
    )
    .await
    .iter()
    .map(|r| r["Id"].as_str().unwrap().to_owned())
    .collect()
}

async fn to_intercom_rows(world: &World, salesforce_id: &str) -> Vec<Value> {
    ledger_of(world, salesforce_id)
        .await
        .into_iter()
        .filter(|e| e["direction"] == "to_intercom")
        .collect()
}

#[tokio::test]
async fn changes_made_while_the_listener_is_down_each_arrive_once_after_it_starts() {
    let world = world_mapping_titles_to_intercom().await;
    let contacts = keyed_contacts(&world, 4).await;
    assert_eq!(contacts.len(), 4);
    let admin = world.salesforce.admin_user_id();
    let title = |c: &str, t: &str| {
        world
            .salesforce
            .ui_update(&admin, "Contact", c, json!({ "Title": t }))
            .unwrap();
    };
    title(&contacts[0], "Before the stop");
    ledger_entry(&world, &contacts[0], |e| e["direction"] == "to_intercom").await;

    world.state.listeners.stop_all().await;
    for (n, contact) in contacts[1..].iter().enumerate() {
        title(contact, &format!("While down {n}"));
    }
    let state = &world.state;
    let listeners = sfbridge::listener::Listeners::new(
        state.clients.clone(),
        sfbridge::sync::changes::SyncSink::new(
            state.store.clone(),
            state.cards.clone(),
            state.sync.clone(),
        ),
        sfbridge::listener::ListenerConfig::default(),
    );
    listeners.start_connected().await.unwrap();
    for (n, contact) in contacts[1..].iter().enumerate() {
        let entry = ledger_entry(&world, contact, |e| e["direction"] == "to_intercom").await;
        assert_eq!(entry["outcome"], "updated", "{entry}");
        let person = intercom_contact(&world, entry["intercom_id"].as_str().unwrap()).await;
        assert_eq!(
            person["custom_attributes"]["job_title"],
            format!("While down {n}")
        );
    }
    queue_drained(&world).await;
    for contact in &contacts {
        assert_eq!(
            to_intercom_rows(&world, contact).await.len(),
            1,
            "{contact}"
        );
    }
    listeners.stop_all().await;
    world.stop().await;
}

#[tokio::test]
async fn a_dropped_stream_falls_back_to_the_sweep_and_recovers() {
    let world = world_mapping_titles_to_intercom().await;
    let contacts = keyed_contacts(&world, 2).await;
    let admin = world.salesforce.admin_user_id();
    world.salesforce.streaming_outage(true);
    world
        .salesforce
        .ui_update(
            &admin,
            "Contact",
            &contacts[0],
            json!({"Title": "During the outage"}),
        )
        .unwrap();
    // Only the sweep can carry it: the stream is down for as long as this waits.
    let entry = eventually(Duration::from_secs(30), "the sweep's change", || async {
        to_intercom_rows(&world, &contacts[0])
            .await
            .into_iter()
            .find(|e| e["outcome"] == "updated")
    })
    .await;
    let person = intercom_contact(&world, entry["intercom_id"].as_str().unwrap()).await;
    assert_eq!(
        person["custom_attributes"]["job_title"],
        "During the outage"
    );
    let cursors = world.state.store.salesforce_cursors("demo").await.unwrap();
    assert!(cursors.sweep.is_some(), "a sweep ran");

    world.salesforce.streaming_outage(false);
    tokio::time::timeout(Duration::from_secs(60), world.state.listeners.live("demo"))
        .await
        .expect("the stream is back");
    let after = std::time::Instant::now();
    world
        .salesforce
        .ui_update(
            &admin,
            "Contact",
            &contacts[1],
            json!({"Title": "Back live"}),
        )
        .unwrap();
    let entry = ledger_entry(&world, &contacts[1], |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "updated"
    })
    .await;
    // Seconds, not a sweep period: the stream carried it.
    assert!(after.elapsed() < Duration::from_secs(10));
    let person = intercom_contact(&world, entry["intercom_id"].as_str().unwrap()).await;
    assert_eq!(person["custom_attributes"]["job_title"], "Back live");
    world.stop().await;
}

#[tokio::test]
async fn the_sweep_skips_what_the_stream_already_handed_on() {
    let world = world_mapping_titles_to_intercom().await;
    let (maya, contact) = linked_maya(&world).await;
    let admin = world.salesforce.admin_user_id();
    // A few seconds on, as in life: the stream has been up since well before the change
    // (record times have whole seconds).
    world
        .salesforce
        .set_clock(Some(chrono::Utc::now() + chrono::Duration::seconds(5)));
    world
        .salesforce
        .ui_update(&admin, "Contact", &contact, json!({"Title": "Streamed"}))
        .unwrap();
    ledger_entry(&world, &contact, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "updated"
    })
    .await;
    // Our Intercom write's webhook comes back (its job costs Salesforce nothing).
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.topic == "contact.user.updated" && d.body.contains("Streamed"))
        })
        .await;
    queue_drained(&world).await;
    let rows = ledger_of(&world, &contact).await.len();
    let before = world.salesforce.api_calls();
    // The sweep sees the contact changed within its window, and the stream took that change.
    assert!(world.state.listeners.sweep("demo").await.unwrap());
    assert_eq!(
        world.salesforce.api_calls() - before,
        1,
        "the sweep's one call"
    );
    let counts = world.state.store.job_counts().await.unwrap();
    assert_eq!((counts.queued, counts.running), (0, 0), "no job for it");

    // A change the stream missed (it is down) is still the sweep's to find.
    world.salesforce.streaming_outage(true);
    world
        .salesforce
        .ui_update(&admin, "Contact", &contact, json!({"Title": "Swept"}))
        .unwrap();
    assert!(world.state.listeners.sweep("demo").await.unwrap());
    eventually(
        Duration::from_secs(10),
        "the swept title in Intercom",
        || async {
            let person = intercom_contact(&world, &maya).await;
            (person["custom_attributes"]["job_title"] == "Swept").then_some(())
        },
    )
    .await;
    queue_drained(&world).await;
    // Written once. The listener's own sweep, woken by the outage, may look at the contact
    // again and find nothing to write (a quiet row): that costs a read, never a write.
    let entries = ledger_of(&world, &contact).await;
    let new = &entries[..entries.len() - rows];
    let written: Vec<_> = new.iter().filter(|e| e["outcome"] == "updated").collect();
    assert_eq!(written.len(), 1, "{entries:?}");
    assert_eq!(written[0]["fields"], json!(["Title"]));
    assert!(
        new.iter()
            .all(|e| ["updated", "unchanged", "skipped"].contains(&e["outcome"].as_str().unwrap())),
        "{entries:?}"
    );
    world.salesforce.streaming_outage(false);
    world.stop().await;
}

#[tokio::test]
async fn after_a_restart_the_first_sweep_leaves_what_the_stream_handed_on() {
    let world = world_mapping_titles_to_intercom().await;
    let (_maya, contact) = linked_maya(&world).await;
    let admin = world.salesforce.admin_user_id();
    // As above: the stream has been up since well before the change.
    world
        .salesforce
        .set_clock(Some(chrono::Utc::now() + chrono::Duration::seconds(5)));
    world
        .salesforce
        .ui_update(
            &admin,
            "Contact",
            &contact,
            json!({"Title": "Streamed once"}),
        )
        .unwrap();
    ledger_entry(&world, &contact, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "updated"
    })
    .await;
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.topic == "contact.user.updated" && d.body.contains("Streamed once"))
        })
        .await;
    queue_drained(&world).await;

    // A restart: a new listener, nothing in memory, resuming from the stored replay id.
    world.state.listeners.stop_all().await;
    world.state.listeners.ensure("demo");
    assert!(world.state.listeners.live("demo").await);
    let before = world.salesforce.api_calls();
    assert!(world.state.listeners.sweep("demo").await.unwrap());
    assert_eq!(
        world.salesforce.api_calls() - before,
        1,
        "the sweep's one call"
    );
    let counts = world.state.store.job_counts().await.unwrap();
    assert_eq!(
        (counts.queued, counts.running),
        (0, 0),
        "the stream handed the change on before the restart: no job for it"
    );
    world.stop().await;
}

/// The id of the workspace's custom attribute `name` on `model` (`contact`, `company`).
async fn data_attribute_id(world: &World, model: &str, name: &str) -> Value {
    let list = intercom(
        world,
        reqwest::Method::GET,
        &format!("/data_attributes?model={model}"),
        Value::Null,
    )
    .await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no {model} attribute {name}: {list}"))["id"]
        .clone()
}

#[tokio::test]
async fn an_intercom_refusal_leaves_a_failed_row_and_no_retry() {
    let world = world_mapping_titles_to_intercom().await;
    let (maya, contact) = linked_maya(&world).await;
    // The link's own syncs (the owner) are done before the workspace changes.
    queue_drained(&world).await;
    let job_title = data_attribute_id(&world, "contact", "job_title").await;
    // The job title becomes a list: Intercom now refuses any title not on it.
    intercom(
        &world,
        reqwest::Method::PUT,
        &format!("/data_attributes/{job_title}"),
        json!({"options": [{"value": "Engineer"}]}),
    )
    .await;
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(
            &admin,
            "Contact",
            &contact,
            json!({"Title": "Chief Tinkerer"}),
        )
        .unwrap();
    let entry = ledger_entry(&world, &contact, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "failed"
    })
    .await;
    assert_eq!(entry["intercom_id"], maya.as_str(), "{entry}");
    assert_eq!(entry["object"], "contact");
    assert_eq!(entry["error_code"], "intercom_refused");
    assert_eq!(entry["fields"], json!(["Title"]));
    let message = entry["error_message"].as_str().unwrap();
    assert!(message.contains("job_title"), "{message}");
    // Refused is final: the job finished with its row, it is not tried again.
    queue_drained(&world).await;
    let failed: Vec<Value> = ledger_of(&world, &contact)
        .await
        .into_iter()
        .filter(|e| e["direction"] == "to_intercom" && e["outcome"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let person = intercom_contact(&world, &maya).await;
    assert_ne!(person["custom_attributes"]["job_title"], "Chief Tinkerer");
    world.stop().await;
}

#[tokio::test]
async fn a_value_intercom_cannot_hold_leaves_a_failed_row_and_the_rest_is_written() {
    let world = world_mapping_titles_to_intercom().await;
    intercom(
        &world,
        reqwest::Method::POST,
        "/data_attributes",
        json!({"name": "revenue", "model": "company", "data_type": "integer"}),
    )
    .await;
    let mut mappings = world.get("/api/settings/sync").await.1["mappings"]
        .as_array()
        .unwrap()
        .clone();
    mappings.push(
        json!({"object": "account", "intercom_attribute": "custom_attributes.revenue",
        "salesforce_field": "AnnualRevenue", "direction": "to_intercom",
        "skip_if_source_empty": false, "skip_if_destination_has_value": false}),
    );
    let response = world
        .http
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({ "mappings": mappings }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let account = one(
        &world,
        "SELECT Id FROM Account WHERE AccountNumber = 'ACC-0002'",
    )
    .await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = world.salesforce.admin_user_id();
    // Revenue with cents: no whole number Intercom's integer attribute could hold.
    world
        .salesforce
        .ui_update(
            &admin,
            "Account",
            &account,
            json!({"Industry": "Robotics", "AnnualRevenue": 1234.5}),
        )
        .unwrap();
    let failed = ledger_entry(&world, &account, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "failed"
    })
    .await;
    assert_eq!(failed["object"], "account");
    assert_eq!(failed["error_code"], "value_not_convertible", "{failed}");
    let message = failed["error_message"].as_str().unwrap();
    assert!(message.starts_with("AnnualRevenue: "), "{message}");
    // The value that converts is written all the same, in the same job.
    let updated = ledger_entry(&world, &account, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "updated"
    })
    .await;
    assert_eq!(updated["fields"], json!(["Industry"]));
    assert_eq!(updated["intercom_id"], failed["intercom_id"]);
    let companies = intercom(
        &world,
        reqwest::Method::GET,
        "/companies?company_id=ACC-0002",
        Value::Null,
    )
    .await;
    let company = &companies["data"][0];
    assert_eq!(company["industry"], "Robotics");
    assert_eq!(company["custom_attributes"]["revenue"], Value::Null);
    world.stop().await;
}
