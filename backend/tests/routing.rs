//! Routing end to end: a contact starts a conversation in the simulated workspace, its
//! `conversation.user.created` webhook reaches the app, and the worker assigns the conversation
//! to the person's owner as the owner rule finds it in the simulated org. One test per rule,
//! and the cases where nothing is assigned.
//!
//! The demo's teammates are Alice (who installed the app), Bob, Carol and Dave; the org's users
//! carry the same emails. Its accounts are owned by Alice or Bob, its contacts and leads by Bob.

mod support;
mod sync_support;

use std::time::Duration;

use serde_json::{Value, json};
use sfbridge::demo::DEMO_INSTALLATION_ID;
use shared::owner::OwnerSettings;
use sim::intercom::{DeliveryMode, hub_signature};
use support::World;
use sync_support::*;

/// The demo world, batching for 50 ms only, with conversations as Salesforce Tasks off: their
/// calls and ledger rows are `tasks.rs`'s to test.
async fn world() -> World {
    let world = World::start_with(|c| c.sync.gather = Duration::from_millis(50)).await;
    sfbridge::settings::save_tasks(
        &world.store,
        DEMO_INSTALLATION_ID,
        &shared::tasks::TaskSettings::default(),
        chrono::Utc::now().timestamp_millis(),
    )
    .await
    .unwrap();
    world
}

/// The demo teammate's admin id, by first name.
fn teammate(name: &str) -> String {
    sim::intercom::demo::TEAMMATES
        .iter()
        .find(|(_, full, _)| full.starts_with(name))
        .unwrap_or_else(|| panic!("no teammate {name}"))
        .0
        .to_string()
}

/// The org's user with this email.
async fn user(world: &World, email: &str) -> String {
    one(
        world,
        &format!("SELECT Id FROM User WHERE Email = '{email}'"),
    )
    .await["Id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A new active user of the org whose email is no teammate's: Frank, from sales ops.
fn frank(world: &World) -> String {
    let admin = world.salesforce.admin_user_id();
    let profile = world.salesforce.record(&admin).unwrap()["ProfileId"].clone();
    world
        .salesforce
        .ui_create(
            &admin,
            "User",
            json!({"Username": "frank@elsewhere.example.sfsim", "FirstName": "Frank",
                   "LastName": "Foster", "Email": "frank@elsewhere.example", "Alias": "ffoster",
                   "ProfileId": profile, "TimeZoneSidKey": "Europe/London"}),
        )
        .unwrap()
}

/// The org's contact for demo Intercom user `external_id` (`u-1001`..).
async fn contact_of(world: &World, external_id: &str) -> Value {
    one(
        world,
        &format!(
            "SELECT Id, AccountId, OwnerId FROM Contact WHERE Intercom_Contact_Id__c = '{external_id}'"
        ),
    )
    .await
}

/// Changes a record as someone in Salesforce's UI would.
fn edit(world: &World, object: &str, id: &str, fields: Value) {
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_update(&admin, object, id, fields)
        .unwrap();
}

/// The person with this email starts a conversation; its id.
fn starts_conversation(world: &World, email: &str) -> String {
    world
        .intercom
        .contact_starts_conversation(&person(world, email), "<p>Hello, can you help?</p>", vec![])
        .unwrap()
}

/// The ledger row routing left for a conversation.
async fn routed(world: &World, conversation: &str) -> Value {
    ledger_entry(world, conversation, |e| {
        e["object"] == "conversation" && e["direction"] == "to_intercom"
    })
    .await
}

/// The conversation as Intercom holds it.
async fn conversation(world: &World, id: &str) -> Value {
    intercom(
        world,
        reqwest::Method::GET,
        &format!("/conversations/{id}"),
        Value::Null,
    )
    .await
}

/// The teammate the conversation is assigned to.
async fn assignee(world: &World, id: &str) -> Option<String> {
    let c = conversation(world, id).await;
    c["admin_assignee_id"]
        .as_u64()
        .map(|a| a.to_string())
        .or_else(|| c["admin_assignee_id"].as_str().map(str::to_owned))
}

/// How many assignments the conversation has seen.
async fn assignments(world: &World, id: &str) -> usize {
    conversation(world, id).await["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["part_type"] == "assignment")
        .count()
}

fn detail(entry: &Value) -> &str {
    entry["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_account_owner_gets_the_conversation_and_the_card_is_warm() {
    let world = world().await;
    // Maya's account (Globex) is owned by Alice, her contact by Bob: the account owner wins.
    let maya = contact_of(&world, "u-1001").await;
    let account = world
        .salesforce
        .record(maya["AccountId"].as_str().unwrap())
        .unwrap();
    assert_eq!(account["OwnerId"], user(&world, "alice@example.com").await);
    assert_eq!(maya["OwnerId"], user(&world, "bob@example.com").await);

    let before = world.salesforce.api_calls();
    let id = starts_conversation(&world, "maya.patel@globex.example.com");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(entry["direction"], "to_intercom");
    assert_eq!(entry["intercom_id"], id.as_str());
    assert_eq!(entry["salesforce_id"], maya["Id"]);
    assert_eq!(
        detail(&entry),
        "Assigned to Alice Anders, the account owner."
    );
    assert_eq!(assignee(&world, &id).await, Some(teammate("Alice")));

    // Routing read the card: one Salesforce call, and the teammate opening it costs none.
    let (status, card) = world.get(&format!("/api/card?conversation_id={id}")).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["owner"]["teammate_id"], teammate("Alice").as_str());
    assert_eq!(world.salesforce.api_calls() - before, 1, "one cold card");
    world.stop().await;
}

#[tokio::test]
async fn the_account_owner_wins_over_the_contact_owner() {
    let world = world().await;
    // Liam's account (Initech) is owned by Bob; his contact goes to Dave.
    let liam = contact_of(&world, "u-1002").await;
    let dave = user(&world, "dave@example.com").await;
    edit(
        &world,
        "Contact",
        liam["Id"].as_str().unwrap(),
        json!({"OwnerId": dave}),
    );
    let id = starts_conversation(&world, "liam.silva@initech.example.com");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(detail(&entry), "Assigned to Bob Baker, the account owner.");
    assert_eq!(assignee(&world, &id).await, Some(teammate("Bob")));
    world.stop().await;
}

#[tokio::test]
async fn without_an_account_the_contact_owner_gets_it() {
    let world = world().await;
    let emma = contact_of(&world, "u-1004").await;
    let carol = user(&world, "carol@example.com").await;
    edit(
        &world,
        "Contact",
        emma["Id"].as_str().unwrap(),
        json!({"AccountId": null, "OwnerId": carol}),
    );
    let id = starts_conversation(&world, "emma.garcia@stark.example.com");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(entry["salesforce_id"], emma["Id"]);
    assert_eq!(detail(&entry), "Assigned to Carol Chen, the contact owner.");
    assert_eq!(assignee(&world, &id).await, Some(teammate("Carol")));
    world.stop().await;
}

#[tokio::test]
async fn a_lead_goes_to_the_lead_owner() {
    let world = world().await;
    let email = "ava.garcia@northwindlabs.example.com";
    let lead = one(
        &world,
        &format!("SELECT Id FROM Lead WHERE Email = '{email}'"),
    )
    .await;
    let dave = user(&world, "dave@example.com").await;
    edit(
        &world,
        "Lead",
        lead["Id"].as_str().unwrap(),
        json!({"OwnerId": dave}),
    );
    let id = starts_conversation(&world, email);
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(entry["salesforce_id"], lead["Id"]);
    assert_eq!(detail(&entry), "Assigned to Dave Diaz, the lead owner.");
    assert_eq!(assignee(&world, &id).await, Some(teammate("Dave")));
    world.stop().await;
}

#[tokio::test]
async fn when_no_salesforce_owner_is_a_teammate_the_installing_teammate_gets_it() {
    let world = world().await;
    let zoe = contact_of(&world, "u-1010").await;
    let frank = frank(&world);
    edit(
        &world,
        "Contact",
        zoe["Id"].as_str().unwrap(),
        json!({"AccountId": null, "OwnerId": frank}),
    );
    let id = starts_conversation(&world, "zoe.nguyen@hooli.example.com");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    assert_eq!(entry["salesforce_id"], zoe["Id"]);
    assert!(
        detail(&entry).starts_with("Assigned to Alice Anders, the installing teammate"),
        "{entry}"
    );
    let installer = world.intercom.installer_admin_id().to_string();
    assert_eq!(installer, teammate("Alice"));
    assert_eq!(assignee(&world, &id).await, Some(installer));
    world.stop().await;
}

#[tokio::test]
async fn an_account_owner_who_is_no_teammate_leaves_it_unassigned() {
    let world = world().await;
    // Amir's contact is Bob's, but his account goes to Frank: the account owner clears it.
    let amir = contact_of(&world, "u-1011").await;
    let frank = frank(&world);
    edit(
        &world,
        "Account",
        amir["AccountId"].as_str().unwrap(),
        json!({"OwnerId": frank}),
    );
    let id = starts_conversation(&world, "amir.tanaka@piedpiper.example.com");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "skipped", "{entry}");
    assert_eq!(entry["salesforce_id"], amir["Id"]);
    assert_eq!(
        detail(&entry),
        "The account owner Frank Foster is not an Intercom teammate, which clears the owner."
    );
    assert_eq!(assignee(&world, &id).await, None);
    assert_eq!(assignments(&world, &id).await, 0);
    world.stop().await;
}

#[tokio::test]
async fn a_person_not_in_salesforce_is_not_assigned() {
    let world = world().await;
    let id = starts_conversation(&world, "zed@unmatched.example");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "skipped", "{entry}");
    assert_eq!(entry["salesforce_id"], Value::Null);
    assert_eq!(
        detail(&entry),
        "No Salesforce contact or lead matches this person."
    );
    assert_eq!(assignee(&world, &id).await, None);
    world.stop().await;
}

#[tokio::test]
async fn an_assigned_conversation_is_left_alone() {
    let world = world().await;
    // Maya's demo conversation is Bob's.
    let seeded = world.conversation_of("maya.patel@globex.example.com").await;
    // Carol takes a new conversation as it comes in, before routing gets to it.
    let id = starts_conversation(&world, "maya.patel@globex.example.com");
    let carol: u64 = teammate("Carol").parse().unwrap();
    world
        .intercom
        .teammate_acts(&id, sim::intercom::api::PartInput::assign(carol, carol))
        .unwrap();
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "skipped", "{entry}");
    assert_eq!(
        detail(&entry),
        "The conversation is already assigned to Carol Chen."
    );
    assert_eq!(assignee(&world, &id).await, Some(teammate("Carol")));
    assert_eq!(assignments(&world, &id).await, 1);

    // A late delivery that still shows a conversation unassigned changes nothing either:
    // routing reads the conversation afresh.
    let before = assignments(&world, &seeded).await;
    let owner = assignee(&world, &seeded)
        .await
        .expect("an assigned demo conversation");
    let mut item = conversation(&world, &seeded).await;
    item["admin_assignee_id"] = Value::Null;
    let body = json!({
        "type": "notification_event", "app_id": world.intercom.workspace_id(),
        "data": {"type": "notification_event_data", "item": item},
        "id": "notif_late_new_conversation", "topic": "conversation.user.created",
        "delivery_attempts": 1, "first_sent_at": 0, "created_at": 0,
    })
    .to_string();
    let response = world
        .http
        .post(format!("{}/webhooks/intercom", world.app))
        .header("Content-Type", "application/json")
        .header(
            "X-Hub-Signature",
            hub_signature(&world.intercom.client_secret(), body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let entry = routed(&world, &seeded).await;
    assert_eq!(entry["outcome"], "skipped", "{entry}");
    assert!(
        detail(&entry).starts_with("The conversation is already assigned to"),
        "{entry}"
    );
    assert_eq!(assignee(&world, &seeded).await, Some(owner));
    assert_eq!(assignments(&world, &seeded).await, before);
    world.stop().await;
}

#[tokio::test]
async fn with_routing_off_nothing_is_assigned() {
    let world = world().await;
    let off = OwnerSettings {
        route_conversations: false,
        ..OwnerSettings::default()
    };
    let now = chrono::Utc::now().timestamp_millis();
    sfbridge::settings::save_owners(&world.store, DEMO_INSTALLATION_ID, &off, now)
        .await
        .unwrap();
    let id = starts_conversation(&world, "maya.patel@globex.example.com");
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "skipped", "{entry}");
    assert_eq!(detail(&entry), "Conversation routing is off.");
    assert_eq!(assignee(&world, &id).await, None);
    assert_eq!(assignments(&world, &id).await, 0);
    world.stop().await;
}

#[tokio::test]
async fn a_repeated_delivery_assigns_once() {
    let world = world().await;
    world.intercom.set_delivery_mode(DeliveryMode {
        duplicate: true,
        out_of_order: false,
    });
    let id = starts_conversation(&world, "liam.silva@initech.example.com");
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |log| {
            log.iter()
                .filter(|d| d.topic == "conversation.user.created" && d.status == Some(200))
                .count()
                >= 2
        })
        .await;
    let entry = routed(&world, &id).await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    queue_drained(&world).await;
    let rows: Vec<Value> = ledger_of(&world, &id)
        .await
        .into_iter()
        .filter(|e| e["object"] == "conversation")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(assignee(&world, &id).await, Some(teammate("Bob")));
    assert_eq!(assignments(&world, &id).await, 1);
    world.stop().await;
}
