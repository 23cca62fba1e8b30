//! Companies -> Accounts, end to end, one test per row of the company article's trigger table
//! (Intercom side), plus the rows' special cases: qualification companies, no matching
//! account, and several accounts with one key.

mod support;
mod sync_support;

use std::time::Duration;

use serde_json::{Value, json};
use support::World;
use sync_support::*;

async fn company(world: &World, company_id: &str) -> Value {
    let list = intercom(
        world,
        reqwest::Method::GET,
        &format!("/companies?company_id={company_id}"),
        Value::Null,
    )
    .await;
    list["data"][0].clone()
}

async fn update_company(world: &World, id: &str, body: Value) -> Value {
    intercom(
        world,
        reqwest::Method::PUT,
        &format!("/companies/{id}"),
        body,
    )
    .await
}

async fn upsert_company(world: &World, body: Value) -> Value {
    intercom(world, reqwest::Method::POST, "/companies", body).await
}

async fn account(world: &World, number: &str) -> Value {
    one(
        world,
        &format!("SELECT Id, Name, Website, Industry, NumberOfEmployees FROM Account WHERE AccountNumber = '{number}'"),
    )
    .await
}

/// Waits until no sync job is waiting or running.
async fn settled(world: &World) {
    eventually(Duration::from_secs(10), "the queue to empty", || async {
        let counts = world.store.job_counts().await.unwrap();
        (counts.queued == 0 && counts.running == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn updated_without_a_link_links_then_updated_with_one_syncs_only_the_changes() {
    let world = World::start().await;
    let globex = company(&world, "ACC-0001").await;
    let id = globex["id"].as_str().unwrap().to_owned();
    let sf_account = account(&world, "ACC-0001").await;
    // Row "updated, no identity mapping": create the mapping, sync the attributes (all of
    // them: this is the first state the app sees).
    update_company(&world, &id, json!({"industry": "Technology"})).await;
    let first = ledger_entry(&world, &id, |e| e["outcome"] == "updated").await;
    assert_eq!(first["object"], "account");
    assert_eq!(first["salesforce_id"], sf_account["Id"]);
    assert!(
        first["detail"]
            .as_str()
            .unwrap()
            .starts_with("Linked to Account")
    );
    let link = world
        .store
        .company_link("demo", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.salesforce_id, sf_account["Id"].as_str().unwrap());
    let after = account(&world, "ACC-0001").await;
    assert_eq!(after["Industry"], "Technology");
    assert_eq!(after["Name"], "Globex Corporation");

    // Row "updated, identity mapping exists": only the updated attributes.
    world
        .salesforce
        .ui_update(
            &world.salesforce.admin_user_id(),
            "Account",
            sf_account["Id"].as_str().unwrap(),
            json!({"Website": "https://globex.example.org"}),
        )
        .unwrap();
    update_company(&world, &id, json!({"size": 77})).await;
    let second = ledger_entry(&world, &id, |e| e["fields"] == json!(["NumberOfEmployees"])).await;
    assert_eq!(second["outcome"], "updated");
    assert_eq!(second["detail"], Value::Null);
    let after = account(&world, "ACC-0001").await;
    assert_eq!(after["NumberOfEmployees"], 77);
    assert_eq!(after["Website"], "https://globex.example.org");
    world.stop().await;
}

#[tokio::test]
async fn created_links_and_syncs_every_mapped_attribute() {
    let world = World::start().await;
    let account_id = create_record(
        &world,
        "Account",
        json!({"Name": "Acme (Salesforce name)", "AccountNumber": "ACC-9001"}),
    )
    .await;
    let made = upsert_company(
        &world,
        json!({"company_id": "ACC-9001", "name": "Acme", "website": "https://acme.example",
               "industry": "Retail", "size": 42}),
    )
    .await;
    let id = made["id"].as_str().unwrap();
    let entry = ledger_entry(&world, id, |e| e["outcome"] == "updated").await;
    assert_eq!(entry["salesforce_id"], account_id.as_str());
    let mut fields: Vec<String> = serde_json::from_value(entry["fields"].clone()).unwrap();
    fields.sort();
    assert_eq!(fields, ["Industry", "Name", "NumberOfEmployees", "Website"]);
    let acme = account(&world, "ACC-9001").await;
    assert_eq!(acme["Name"], "Acme");
    assert_eq!(acme["Website"], "https://acme.example");
    assert_eq!(acme["Industry"], "Retail");
    assert_eq!(acme["NumberOfEmployees"], 42);
    world.stop().await;
}

#[tokio::test]
async fn created_when_already_linked_syncs_every_mapped_attribute() {
    // The table's "not applicable" cell, reached by a repeated or reordered delivery.
    let world = World::start().await;
    let initech = company(&world, "ACC-0002").await;
    let id = initech["id"].as_str().unwrap().to_owned();
    update_company(&world, &id, json!({"industry": "Consulting"})).await;
    ledger_entry(&world, &id, |e| e["outcome"] == "updated").await;
    let sf_account = account(&world, "ACC-0002").await;
    world
        .salesforce
        .ui_update(
            &world.salesforce.admin_user_id(),
            "Account",
            sf_account["Id"].as_str().unwrap(),
            json!({"Website": "https://changed.example"}),
        )
        .unwrap();
    let mut item = update_company(&world, &id, json!({})).await;
    settled(&world).await;
    // Newer than anything the workspace holds, on any day the test runs.
    item["updated_at"] = json!(
        (chrono::Utc::now() + chrono::Duration::days(1))
            .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
            .to_string()
    );
    let envelope = json!({
        "type": "notification_event", "app_id": world.intercom.workspace_id(),
        "data": {"type": "notification_event_data", "item": item},
        "id": "notif_created_again", "topic": "company.created",
        "delivery_status": "pending", "delivery_attempts": 1, "first_sent_at": 0, "created_at": 0,
    })
    .to_string();
    let signature =
        sim::intercom::hub_signature(&world.intercom.client_secret(), envelope.as_bytes());
    let answer = world
        .http
        .post(format!("{}/webhooks/intercom", world.app))
        .header("X-Hub-Signature", signature)
        .body(envelope)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let entry = ledger_entry(&world, &id, |e| e["fields"] == json!(["Website"])).await;
    assert_eq!(entry["outcome"], "updated");
    assert_eq!(
        account(&world, "ACC-0002").await["Website"],
        "https://initech.example.com"
    );
    world.stop().await;
}

#[tokio::test]
async fn deleted_deletes_the_link_or_does_nothing_without_one() {
    let world = World::start().await;
    let umbrella = company(&world, "ACC-0003").await;
    let id = umbrella["id"].as_str().unwrap().to_owned();
    update_company(&world, &id, json!({"size": 151})).await;
    ledger_entry(&world, &id, |e| e["outcome"] == "updated").await;
    assert!(
        world
            .store
            .company_link("demo", &id)
            .await
            .unwrap()
            .is_some()
    );
    intercom(
        &world,
        reqwest::Method::DELETE,
        &format!("/companies/{id}"),
        Value::Null,
    )
    .await;
    let entry = ledger_entry(&world, &id, |e| e["outcome"] == "unlinked").await;
    assert_eq!(entry["object"], "account");
    assert!(
        world
            .store
            .company_link("demo", &id)
            .await
            .unwrap()
            .is_none()
    );
    // The Account itself stays: deleting a company never deletes Salesforce data.
    assert_eq!(account(&world, "ACC-0003").await["Name"], "Umbrella Health");

    // Deleted without a link: nothing to do.
    let shell = company(&world, "ZZ000002").await;
    let shell_id = shell["id"].as_str().unwrap().to_owned();
    intercom(
        &world,
        reqwest::Method::DELETE,
        &format!("/companies/{shell_id}"),
        Value::Null,
    )
    .await;
    settled(&world).await;
    assert!(ledger_of(&world, &shell_id).await.is_empty());
    world.stop().await;
}

#[tokio::test]
async fn qualification_companies_and_companies_without_an_account_are_skipped() {
    let world = World::start().await;
    let qualified = upsert_company(
        &world,
        json!({"company_id": "6961d175-qualification-company", "name": "Auto Co"}),
    )
    .await;
    let entry = ledger_entry(&world, qualified["id"].as_str().unwrap(), |e| {
        e["outcome"] == "skipped"
    })
    .await;
    assert!(entry["detail"].as_str().unwrap().contains("qualification"));

    let nowhere = company(&world, "ZZ000001").await;
    let id = nowhere["id"].as_str().unwrap();
    update_company(&world, id, json!({"size": 13})).await;
    let entry = ledger_entry(&world, id, |e| e["outcome"] == "skipped").await;
    assert!(
        entry["detail"].as_str().unwrap().contains("ZZ000001"),
        "{entry}"
    );
    assert!(
        world
            .store
            .company_link("demo", id)
            .await
            .unwrap()
            .is_none()
    );
    world.stop().await;
}

#[tokio::test]
async fn several_accounts_with_one_key_resolve_to_the_most_recently_updated() {
    let world = World::start().await;
    let first = create_record(
        &world,
        "Account",
        json!({"Name": "Dup One", "AccountNumber": "ACC-DUP"}),
    )
    .await;
    let second = create_record(
        &world,
        "Account",
        json!({"Name": "Dup Two", "AccountNumber": "ACC-DUP"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    world
        .salesforce
        .ui_update(
            &world.salesforce.admin_user_id(),
            "Account",
            &first,
            json!({"Rating": "Hot"}),
        )
        .unwrap();
    let made = upsert_company(&world, json!({"company_id": "ACC-DUP", "name": "Dup"})).await;
    let id = made["id"].as_str().unwrap();
    let entry = ledger_entry(&world, id, |e| e["salesforce_id"].is_string()).await;
    assert_eq!(entry["salesforce_id"], first.as_str(), "not {second}");
    world.stop().await;
}
