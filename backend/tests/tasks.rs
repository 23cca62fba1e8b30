//! Conversations as Salesforce Tasks end to end: conversations start and close in the
//! simulated workspace, their webhooks reach the app, and the worker creates and rewrites one
//! completed Task per conversation in the simulated org. Also: a person in no Salesforce
//! record, repeated and late webhooks, a create whose answer was lost, a close while the
//! create waits, a conversation that started while the switch was off, a lead merged into a
//! user.
//!
//! The demo's teammates are Alice (who installed the app), Bob, Carol and Dave; the org's users
//! carry the same emails. Maya Patel is a Contact of Globex.

mod support;
mod sync_support;

use std::time::Duration;

use serde_json::{Value, json};
use sim::intercom::DeliveryMode;
use sim::intercom::api::PartInput;
use sim::salesforce::{Fault, FaultKind};
use support::World;
use sync_support::*;

const MAYA: &str = "maya.patel@globex.example.com";

/// The demo world (the switch is on there), batching for 50 ms and retrying fast.
async fn world() -> World {
    World::start_with(|c| {
        c.sync.gather = Duration::from_millis(50);
        c.sync.task_gather = Duration::from_millis(50);
        c.sync.idle_poll = Duration::from_millis(50);
        c.sync.retry.base = Duration::from_millis(50);
        c.sync.retry.cap = Duration::from_millis(200);
    })
    .await
}

fn teammate(name: &str) -> u64 {
    sim::intercom::demo::TEAMMATES
        .iter()
        .find(|(_, full, _)| full.starts_with(name))
        .unwrap_or_else(|| panic!("no teammate {name}"))
        .0
}

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

fn starts(world: &World, email: &str, body: &str) -> String {
    world
        .intercom
        .contact_starts_conversation(&person(world, email), body, vec![])
        .unwrap()
}

fn acts(world: &World, conversation: &str, action: PartInput) {
    world.intercom.teammate_acts(conversation, action).unwrap();
}

fn close(world: &World, conversation: &str, who: &str) {
    acts(
        world,
        conversation,
        PartInput::admin("close", teammate(who), None),
    );
}

/// Every Task of the conversation, found by the Subject that carries its id.
async fn tasks_of(world: &World, conversation: &str) -> Vec<Value> {
    soql(
        world,
        &format!(
            "SELECT Id, Subject, Status, WhoId, WhatId, OwnerId, ActivityDate, Description \
             FROM Task WHERE Subject = 'Intercom conversation #{conversation}'"
        ),
    )
    .await
}

/// The conversation's rows toward Salesforce, newest first.
async fn task_rows(world: &World, conversation: &str) -> Vec<Value> {
    ledger_of(world, conversation)
        .await
        .into_iter()
        .filter(|e| e["direction"] == "to_salesforce" && e["object"] == "conversation")
        .collect()
}

/// Waits for the conversation's `n`th row toward Salesforce; all of them, newest first.
async fn rows_reach(world: &World, conversation: &str, n: usize) -> Vec<Value> {
    eventually(
        Duration::from_secs(15),
        "the Task's ledger rows",
        || async {
            let rows = task_rows(world, conversation).await;
            (rows.len() >= n).then_some(rows)
        },
    )
    .await
}

/// Waits until the conversation's only Task's Description holds `text`; that Task.
async fn task_holding(world: &World, conversation: &str, text: &str) -> Value {
    eventually(Duration::from_secs(15), "the Task's transcript", || async {
        let mut tasks = tasks_of(world, conversation).await;
        assert!(tasks.len() <= 1, "one Task per conversation: {tasks:?}");
        tasks
            .pop()
            .filter(|t| t["Description"].as_str().unwrap_or_default().contains(text))
    })
    .await
}

async fn contact_of(world: &World, email: &str) -> Value {
    one(
        world,
        &format!("SELECT Id, AccountId FROM Contact WHERE Email = '{email}'"),
    )
    .await
}

/// The conversation's day, as Intercom gives it (unix seconds, UTC).
async fn day_of(world: &World, conversation: &str) -> String {
    let c = intercom(
        world,
        reqwest::Method::GET,
        &format!("/conversations/{conversation}"),
        Value::Null,
    )
    .await;
    let at = chrono::DateTime::from_timestamp(c["created_at"].as_i64().unwrap(), 0).unwrap();
    at.format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn a_started_conversation_becomes_one_completed_task_on_its_person() {
    let world = world().await;
    let maya = contact_of(&world, MAYA).await;
    let id = starts(
        &world,
        MAYA,
        "<p>Our invoice shows the <b>wrong</b> amount.</p>",
    );
    let rows = rows_reach(&world, &id, 1).await;
    assert_eq!(rows[0]["outcome"], "created", "{rows:?}");
    let tasks = tasks_of(&world, &id).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(rows[0]["salesforce_id"], task["Id"]);
    assert_eq!(task["Status"], "Completed");
    assert_eq!(task["WhoId"], maya["Id"]);
    assert_eq!(task["WhatId"], maya["AccountId"], "a Contact's account");
    assert_eq!(task["ActivityDate"], day_of(&world, &id).await.as_str());
    // Alice is the installer, and routing gives Maya's conversations to Alice (her account's
    // owner): the owner is Alice's user either way.
    assert_eq!(task["OwnerId"], user(&world, "alice@example.com").await);
    let description = task["Description"].as_str().unwrap();
    assert!(
        description.contains("Customer (Maya Patel):\nOur invoice shows the wrong amount."),
        "{description}"
    );
    assert!(
        description.contains(&format!("/inbox/conversation/{id}")),
        "{description}"
    );
    world.stop().await;
}

#[tokio::test]
async fn each_close_rewrites_the_whole_transcript_and_the_owner_follows_the_assignee() {
    let world = world().await;
    let id = starts(&world, MAYA, "<p>Hello, the export fails.</p>");
    rows_reach(&world, &id, 1).await;
    let bob = teammate("Bob");
    acts(&world, &id, PartInput::assign(teammate("Alice"), bob));
    acts(
        &world,
        &id,
        PartInput::admin("comment", bob, Some("<p>Looking into it.</p>")),
    );
    acts(
        &world,
        &id,
        PartInput::admin("note", bob, Some("<p>Known bug, see ticket 42</p>")),
    );
    world
        .intercom
        .contact_replies(
            &id,
            &person(&world, MAYA),
            "<p>Here is a screenshot <img src=\"https://downloads.intercomcdn.com/i/o/x/shot.png\"></p>",
            vec![],
        )
        .unwrap();
    close(&world, &id, "Bob");
    let task = task_holding(&world, &id, "Here is a screenshot").await;
    let description = task["Description"].as_str().unwrap();
    for part in [
        "Customer (Maya Patel):\nHello, the export fails.",
        "Teammate (Bob Baker):\nLooking into it.",
        "Teammate (Bob Baker), internal note:\nKnown bug, see ticket 42",
        "https://downloads.intercomcdn.com/i/o/x/shot.png",
    ] {
        assert!(description.contains(part), "{part:?} in {description}");
    }
    assert_eq!(task["OwnerId"], user(&world, "bob@example.com").await);
    let rows = rows_reach(&world, &id, 2).await;
    assert_eq!(rows[0]["outcome"], "updated", "{rows:?}");
    assert_eq!(rows[0]["salesforce_id"], task["Id"]);

    // Reopened, answered, handed to Carol and closed again: rewritten again, one Task still.
    acts(&world, &id, PartInput::admin("open", bob, None));
    let carol = teammate("Carol");
    acts(&world, &id, PartInput::assign(bob, carol));
    acts(
        &world,
        &id,
        PartInput::admin("comment", carol, Some("<p>Fixed in 2.4.1.</p>")),
    );
    close(&world, &id, "Carol");
    let again = task_holding(&world, &id, "Fixed in 2.4.1.").await;
    assert_eq!(again["Id"], task["Id"]);
    assert_eq!(again["OwnerId"], user(&world, "carol@example.com").await);
    assert!(
        again["Description"]
            .as_str()
            .unwrap()
            .contains("Hello, the export fails.")
    );
    queue_drained(&world).await;
    assert_eq!(tasks_of(&world, &id).await.len(), 1);
    world.stop().await;
}

#[tokio::test]
async fn a_person_in_no_salesforce_record_gets_a_task_at_the_close_after_they_are_linked() {
    let world = world().await;
    // This admin switched the Company fallback off: a new lead with no company cannot be a
    // Lead (Salesforce requires one).
    company_fallback_off(&world).await;
    let created = create_contact(
        &world,
        json!({"role": "lead", "email": "nia.buyer@fresh.example", "name": "Nia Buyer",
               "custom_attributes": {"region": "EMEA"}}),
    )
    .await;
    let nia = created["id"].as_str().unwrap().to_owned();
    ledger_entry(&world, &nia, |e| e["outcome"] == "failed").await;
    let id = world
        .intercom
        .contact_starts_conversation(&nia, "<p>Do you ship to Norway?</p>", vec![])
        .unwrap();
    let rows = rows_reach(&world, &id, 1).await;
    assert_eq!(rows[0]["outcome"], "skipped", "{rows:?}");
    assert_eq!(rows[0]["error_code"], "not_in_salesforce");
    assert!(
        rows[0]["detail"]
            .as_str()
            .unwrap()
            .contains("in no Salesforce record"),
        "{rows:?}"
    );
    assert!(tasks_of(&world, &id).await.is_empty());

    // With a company the sync makes her a Lead and links her; the next close makes the Task.
    let globex = intercom(
        &world,
        reqwest::Method::GET,
        "/companies?company_id=ACC-0001",
        Value::Null,
    )
    .await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    intercom(
        &world,
        reqwest::Method::POST,
        &format!("/contacts/{nia}/companies"),
        json!({ "id": globex }),
    )
    .await;
    update_contact(&world, &nia, json!({"phone": "+47 555 0101"})).await;
    let made = ledger_entry(&world, &nia, |e| e["outcome"] == "created").await;
    let lead = made["salesforce_id"].as_str().unwrap().to_owned();
    assert!(lead.starts_with("00Q"), "{made}");
    close(&world, &id, "Alice");
    let task = task_holding(&world, &id, "Do you ship to Norway?").await;
    assert_eq!(task["WhoId"], lead.as_str());
    assert_eq!(
        task["WhatId"],
        Value::Null,
        "a Lead's Task relates to nothing"
    );
    let rows = rows_reach(&world, &id, 2).await;
    assert_eq!(rows[0]["outcome"], "created", "{rows:?}");
    world.stop().await;
}

#[tokio::test]
async fn repeated_and_late_webhooks_give_one_task() {
    let world = world().await;
    world.intercom.set_delivery_mode(DeliveryMode {
        duplicate: true,
        out_of_order: true,
    });
    let id = starts(&world, MAYA, "<p>First.</p>");
    let alice = teammate("Alice");
    acts(
        &world,
        &id,
        PartInput::admin("comment", alice, Some("<p>Reply one.</p>")),
    );
    close(&world, &id, "Alice");
    acts(&world, &id, PartInput::admin("open", alice, None));
    acts(
        &world,
        &id,
        PartInput::admin("comment", alice, Some("<p>Reply two.</p>")),
    );
    close(&world, &id, "Alice");
    task_holding(&world, &id, "Reply two.").await;
    queue_drained(&world).await;
    let tasks = tasks_of(&world, &id).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let rows = task_rows(&world, &id).await;
    assert_eq!(
        rows.iter().filter(|r| r["outcome"] == "created").count(),
        1,
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r["salesforce_id"] == tasks[0]["Id"]));
    world.stop().await;
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_by_its_subject_not_made_twice() {
    let world = world().await;
    world
        .salesforce
        .inject(Fault::next(FaultKind::LoseAnswer, 1).only("POST", "/composite/sobjects"));
    let id = starts(&world, MAYA, "<p>Is anyone there?</p>");
    let rows = rows_reach(&world, &id, 1).await;
    // The create was done but its answer lost: the retry found the Task and rewrote it.
    assert_eq!(rows[0]["outcome"], "updated", "{rows:?}");
    queue_drained(&world).await;
    let tasks = tasks_of(&world, &id).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(rows[0]["salesforce_id"], tasks[0]["Id"]);
    assert!(
        world
            .state
            .sync
            .stats
            .jobs_retried
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    );
    world.stop().await;
}

#[tokio::test]
async fn a_close_while_the_create_waits_is_absorbed_into_it() {
    // Batches wait up to 2 s for company: the start's job is still queued at the close.
    let world = World::start_with(|c| {
        c.sync.task_gather = Duration::from_secs(2);
        c.sync.idle_poll = Duration::from_millis(50);
    })
    .await;
    let id = starts(&world, MAYA, "<p>Quick question.</p>");
    acts(
        &world,
        &id,
        PartInput::admin("comment", teammate("Alice"), Some("<p>Quick answer.</p>")),
    );
    close(&world, &id, "Alice");
    let task = task_holding(&world, &id, "Quick answer.").await;
    queue_drained(&world).await;
    let rows = task_rows(&world, &id).await;
    assert_eq!(rows.len(), 1, "one job, one row: {rows:?}");
    assert_eq!(rows[0]["outcome"], "created");
    assert_eq!(rows[0]["salesforce_id"], task["Id"]);
    world.stop().await;
}

#[tokio::test]
async fn a_conversation_started_while_the_switch_was_off_gets_its_task_at_its_close() {
    let world = world().await;
    let off = world
        .http
        .put(format!("{}/api/settings/tasks", world.app))
        .json(&json!({"send_conversations": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 200);
    let id = starts(&world, MAYA, "<p>Before the switch.</p>");
    queue_drained(&world).await;
    assert!(tasks_of(&world, &id).await.is_empty());
    assert!(
        task_rows(&world, &id).await.is_empty(),
        "off: nothing to say"
    );
    let on = world
        .http
        .put(format!("{}/api/settings/tasks", world.app))
        .json(&json!({"send_conversations": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), 200);
    acts(
        &world,
        &id,
        PartInput::admin("comment", teammate("Alice"), Some("<p>After it.</p>")),
    );
    close(&world, &id, "Alice");
    let task = task_holding(&world, &id, "After it.").await;
    assert!(
        task["Description"]
            .as_str()
            .unwrap()
            .contains("Before the switch.")
    );
    world.stop().await;
}

/// A lead writes in and is then merged into a user (Intercom gives the lead's conversations to
/// the user): the next close moves the same Task to the user's record, its account with it.
#[tokio::test]
async fn a_lead_merged_into_a_user_moves_the_task_to_the_users_record_at_the_next_close() {
    let world = world().await;
    let email = "pat.prospect@fresh.example";
    let lead = create_record(
        &world,
        "Lead",
        json!({"LastName": "Prospect", "FirstName": "Pat", "Company": "Fresh", "Email": email,
               "Region__c": "EMEA"}),
    )
    .await;
    let created = create_contact(
        &world,
        json!({"role": "lead", "email": email, "name": "Pat Prospect"}),
    )
    .await;
    let pat = created["id"].as_str().unwrap().to_owned();
    let id = world
        .intercom
        .contact_starts_conversation(&pat, "<p>What does it cost?</p>", vec![])
        .unwrap();
    let task = task_holding(&world, &id, "What does it cost?").await;
    assert_eq!(task["WhoId"], lead.as_str(), "found by email: {task}");

    intercom(
        &world,
        reqwest::Method::POST,
        "/contacts/merge",
        json!({"from": pat, "into": person(&world, MAYA)}),
    )
    .await;
    acts(
        &world,
        &id,
        PartInput::admin(
            "comment",
            teammate("Alice"),
            Some("<p>After the merge.</p>"),
        ),
    );
    close(&world, &id, "Alice");
    let moved = task_holding(&world, &id, "After the merge.").await;
    let maya = contact_of(&world, MAYA).await;
    assert_eq!(moved["Id"], task["Id"], "the same Task");
    assert_eq!(moved["WhoId"], maya["Id"], "{moved}");
    assert_eq!(moved["WhatId"], maya["AccountId"]);
    queue_drained(&world).await;
    assert_eq!(tasks_of(&world, &id).await.len(), 1);
    world.stop().await;
}
