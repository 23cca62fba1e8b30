//! Owners, end to end: Salesforce users matched to Intercom teammates by email, each linked
//! person's owner chosen by the rule (account owner, else contact owner, else lead owner, else
//! the installing teammate; an unmatched account owner clears it) and written to Intercom's
//! `owner_id` when it changes in Salesforce, including when an account's owner or a user's
//! email changes. The owner write's own webhook costs no Salesforce call.

mod support;
mod sync_support;

use std::time::Duration;

use serde_json::{Value, json};
use support::World;
use sync_support::*;

const ALICE: u64 = 991_267_401;
const BOB: u64 = 991_267_402;
const CAROL: u64 = 991_267_403;
const DAVE: u64 = 991_267_404;

const MAYA: &str = "maya.patel@globex.example.com";

async fn world() -> World {
    World::start_with(|c| c.sync.gather = Duration::from_millis(50)).await
}

async fn user_id(world: &World, email: &str) -> String {
    one(
        world,
        &format!("SELECT Id FROM User WHERE Email = '{email}'"),
    )
    .await["Id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn record_id(world: &World, query: &str) -> String {
    one(world, query).await["Id"].as_str().unwrap().to_owned()
}

/// Changes a record in Salesforce as its admin would in the UI.
fn salesforce_edit(world: &World, object: &str, id: &str, fields: Value) {
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(&admin, object, id, fields)
        .unwrap_or_else(|e| panic!("editing {object} {id}: {e:?}"));
}

async fn owner_in_intercom(world: &World, intercom_id: &str) -> Value {
    intercom(
        world,
        reqwest::Method::GET,
        &format!("/contacts/{intercom_id}"),
        Value::Null,
    )
    .await["owner_id"]
        .clone()
}

/// Waits until Intercom holds `owner` as the person's owner.
async fn owner_becomes(world: &World, intercom_id: &str, owner: Value) {
    eventually(Duration::from_secs(10), "the owner in Intercom", || async {
        (owner_in_intercom(world, intercom_id).await == owner).then_some(())
    })
    .await;
}

/// Maya's Intercom and Salesforce ids, linked by a change to her Contact (her Intercom owner
/// already agrees with Salesforce's rule, so linking writes nothing).
async fn linked_maya(world: &World) -> (String, String) {
    let maya = person(world, MAYA);
    let contact = record_id(
        world,
        "SELECT Id FROM Contact WHERE Intercom_Contact_Id__c = 'u-1001'",
    )
    .await;
    salesforce_edit(
        world,
        "Contact",
        &contact,
        json!({"Description": "linking"}),
    );
    let entry = ledger_entry(world, &contact, |e| e["direction"] == "to_intercom").await;
    assert_eq!(entry["intercom_id"], maya.as_str(), "{entry}");
    assert_eq!(entry["outcome"], "unchanged", "{entry}");
    assert_eq!(owner_in_intercom(world, &maya).await, json!(ALICE));
    (maya, contact)
}

#[tokio::test]
async fn an_account_owner_change_reaches_its_contacts_and_overrides_the_contact_owner() {
    let world = world().await;
    let (maya, contact) = linked_maya(&world).await;
    let account = record_id(
        &world,
        "SELECT Id FROM Account WHERE AccountNumber = 'ACC-0001'",
    )
    .await;
    let dave = user_id(&world, "dave@example.com").await;
    let before = world.salesforce.api_calls();
    salesforce_edit(&world, "Account", &account, json!({"OwnerId": dave}));
    owner_becomes(&world, &maya, json!(DAVE)).await;
    let entry = ledger_entry(&world, &contact, |e| e["fields"] == json!(["Owner"])).await;
    assert_eq!(entry["outcome"], "updated");
    assert_eq!(entry["detail"], "Owner: Dave Diaz (account owner).");

    // The owner write raises a webhook; taking it in costs Salesforce nothing.
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.topic == "contact.user.updated" && d.body.contains(&DAVE.to_string()))
        })
        .await;
    queue_drained(&world).await;
    let calls = world.salesforce.api_calls() - before;
    // The account's own job and its contacts' page share one /composite read.
    assert!(calls <= 2, "{calls} Salesforce calls");

    // The account owner overrides the contact owner: moving the contact changes nothing.
    let carol = user_id(&world, "carol@example.com").await;
    salesforce_edit(&world, "Contact", &contact, json!({"OwnerId": carol}));
    let entry = ledger_entry(&world, &contact, |e| e["outcome"] == "unchanged").await;
    assert_eq!(entry["direction"], "to_intercom");
    assert_eq!(owner_in_intercom(&world, &maya).await, json!(DAVE));
    world.stop().await;
}

#[tokio::test]
async fn a_user_whose_email_no_longer_matches_a_teammate_clears_the_account_owner() {
    let world = world().await;
    let (maya, contact) = linked_maya(&world).await;
    let alice = user_id(&world, "alice@example.com").await;
    // Alice owns Maya's account; her Salesforce email stops matching her teammate profile.
    salesforce_edit(
        &world,
        "User",
        &alice,
        json!({"Email": "alice.anders@elsewhere.example"}),
    );
    owner_becomes(&world, &maya, Value::Null).await;
    let entry = ledger_entry(&world, &contact, |e| e["fields"] == json!(["Owner"])).await;
    assert_eq!(
        entry["detail"],
        "Owner cleared: the account owner Alice Anders matches no teammate."
    );
    // Matched again: the owner comes back.
    salesforce_edit(
        &world,
        "User",
        &alice,
        json!({"Email": "alice@example.com"}),
    );
    owner_becomes(&world, &maya, json!(ALICE)).await;
    world.stop().await;
}

#[tokio::test]
async fn a_deactivated_account_owner_counts_as_none_and_the_contact_owner_takes_over() {
    let world = world().await;
    let (maya, contact) = linked_maya(&world).await;
    let account = record_id(
        &world,
        "SELECT Id FROM Account WHERE AccountNumber = 'ACC-0001'",
    )
    .await;
    let dave = user_id(&world, "dave@example.com").await;
    salesforce_edit(&world, "Account", &account, json!({"OwnerId": dave}));
    owner_becomes(&world, &maya, json!(DAVE)).await;
    // Dave leaves: deactivated, he owns nothing; Maya's contact owner (Bob) is next.
    salesforce_edit(&world, "User", &dave, json!({"IsActive": false}));
    owner_becomes(&world, &maya, json!(BOB)).await;
    let entry = ledger_entry(&world, &contact, |e| {
        e["detail"] == "Owner: Bob Baker (contact owner)."
    })
    .await;
    assert_eq!(entry["fields"], json!(["Owner"]));
    world.stop().await;
}

#[tokio::test]
async fn a_contact_without_an_account_takes_its_contact_owner() {
    let world = world().await;
    let (maya, contact) = linked_maya(&world).await;
    salesforce_edit(&world, "Contact", &contact, json!({"AccountId": null}));
    // Every demo contact belongs to Bob.
    owner_becomes(&world, &maya, json!(BOB)).await;
    let entry = ledger_entry(&world, &contact, |e| e["fields"] == json!(["Owner"])).await;
    assert_eq!(entry["detail"], "Owner: Bob Baker (contact owner).");
    world.stop().await;
}

#[tokio::test]
async fn a_lead_takes_its_lead_owner_else_the_installing_teammate() {
    let world = world().await;
    let email = "ava.garcia@northwindlabs.example.com";
    let ava = person(&world, email);
    let lead = record_id(
        &world,
        &format!("SELECT Id FROM Lead WHERE Email = '{email}'"),
    )
    .await;
    let carol = user_id(&world, "carol@example.com").await;
    salesforce_edit(&world, "Lead", &lead, json!({"OwnerId": carol}));
    owner_becomes(&world, &ava, json!(CAROL)).await;
    let entry = ledger_entry(&world, &lead, |e| e["fields"] == json!(["Owner"])).await;
    assert_eq!(entry["intercom_id"], ava.as_str());
    assert!(
        entry["detail"]
            .as_str()
            .unwrap()
            .ends_with("Owner: Carol Chen (lead owner)."),
        "{entry}"
    );
    // Carol no longer matches a teammate: the lead falls back to the installing teammate.
    salesforce_edit(
        &world,
        "User",
        &carol,
        json!({"Email": "carol@elsewhere.example"}),
    );
    owner_becomes(&world, &ava, json!(ALICE)).await;
    let entry = ledger_entry(&world, &lead, |e| {
        e["detail"] == "Owner: Alice Anders (installing teammate)."
    })
    .await;
    assert_eq!(entry["outcome"], "updated");
    world.stop().await;
}

#[tokio::test]
async fn a_converted_lead_hands_its_person_to_the_new_contact_and_its_account_owner() {
    let world = world().await;
    let email = "ava.garcia@northwindlabs.example.com";
    let ava = person(&world, email);
    let lead = record_id(
        &world,
        &format!("SELECT Id FROM Lead WHERE Email = '{email}'"),
    )
    .await;
    let carol = user_id(&world, "carol@example.com").await;
    salesforce_edit(&world, "Lead", &lead, json!({"OwnerId": carol}));
    owner_becomes(&world, &ava, json!(CAROL)).await;
    // Sales converts her into a contact of Globex, whose owner is Alice.
    let globex = record_id(
        &world,
        "SELECT Id FROM Account WHERE AccountNumber = 'ACC-0001'",
    )
    .await;
    let admin = world.salesforce.admin_user_id();
    let contact = world
        .salesforce
        .ui_convert_lead(&admin, &lead, Some(&globex))
        .unwrap();
    owner_becomes(&world, &ava, json!(ALICE)).await;
    let moved = ledger_entry(&world, &lead, |e| e["outcome"] == "unlinked").await;
    assert_eq!(
        moved["detail"],
        json!(format!(
            "The Lead was converted: now linked to Contact {contact}."
        ))
    );
    let link = world
        .state
        .store
        .person_link("demo", &ava)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (link.salesforce_object.as_str(), link.salesforce_id.as_str()),
        ("Contact", contact.as_str())
    );
    let entry = ledger_entry(&world, &contact, |e| e["fields"] == json!(["Owner"])).await;
    assert_eq!(entry["detail"], "Owner: Alice Anders (account owner).");
    world.stop().await;
}

#[tokio::test]
async fn with_owner_sync_off_intercom_owners_stay_as_they_are() {
    let world = world().await;
    let (maya, contact) = linked_maya(&world).await;
    let response = world
        .http
        .put(format!("{}/api/settings/owners", world.app))
        .json(&json!({"sync_owners": false, "route_conversations": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let account = record_id(
        &world,
        "SELECT Id FROM Account WHERE AccountNumber = 'ACC-0001'",
    )
    .await;
    let dave = user_id(&world, "dave@example.com").await;
    salesforce_edit(&world, "Account", &account, json!({"OwnerId": dave}));
    // A later change of the contact itself is synced (nothing mapped: unchanged), the owner not.
    salesforce_edit(&world, "Contact", &contact, json!({"Description": "later"}));
    ledger_entry(&world, &contact, |e| {
        e["direction"] == "to_intercom" && e["outcome"] == "unchanged"
    })
    .await;
    queue_drained(&world).await;
    assert_eq!(owner_in_intercom(&world, &maya).await, json!(ALICE));
    world.stop().await;
}

#[tokio::test]
async fn the_owner_settings_list_users_with_their_teammates_and_refuse_bad_input() {
    let world = world().await;
    let (status, view) = world.get("/api/settings/owners").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        view["settings"],
        json!({"sync_owners": true, "route_conversations": true})
    );
    assert_eq!(view["installer"]["id"], ALICE.to_string());
    let matches = view["matches"].as_array().unwrap();
    let teammate_of = |email: &str| {
        matches
            .iter()
            .find(|m| m["salesforce_user"]["email"] == email)
            .map(|m| m["teammate"]["id"].clone())
    };
    assert_eq!(
        teammate_of("dave@example.com"),
        Some(json!(DAVE.to_string()))
    );
    // Inactive users are not listed.
    assert_eq!(teammate_of("erin@example.com"), None);

    let put = |body: Value| {
        world
            .http
            .put(format!("{}/api/settings/owners", world.app))
            .json(&body)
            .send()
    };
    let refused = put(json!({"sync_owner": false})).await.unwrap();
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_body");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `sync_owner`"),
        "{error}"
    );
    // Both choices are named: a missing one is an error, not a silent default.
    let partial = put(json!({"route_conversations": false})).await.unwrap();
    assert_eq!(partial.status(), 400);
    let error: Value = partial.json().await.unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing field `sync_owners`"),
        "{error}"
    );
    let saved = put(json!({"sync_owners": true, "route_conversations": false}))
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let (_, view) = world.get("/api/settings/owners").await;
    assert_eq!(
        view["settings"],
        json!({"sync_owners": true, "route_conversations": false})
    );
    world.stop().await;
}
