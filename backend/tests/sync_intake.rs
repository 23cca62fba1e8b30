//! Webhook intake: the signature is checked before anything is stored; a repeated delivery is
//! a no-op; a late delivery never overwrites newer data; the answer comes at once.

mod support;
mod sync_support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sim::intercom::{DeliveryMode, hub_signature};
use support::World;
use sync_support::*;

fn envelope(world: &World, id: &str, topic: &str, item: Value) -> String {
    json!({
        "type": "notification_event", "app_id": world.intercom.workspace_id(),
        "data": {"type": "notification_event_data", "item": item},
        "links": {}, "id": id, "topic": topic, "delivery_status": "pending",
        "delivery_attempts": 1, "delivered_at": 0, "first_sent_at": 0, "created_at": 0,
    })
    .to_string()
}

async fn deliver(world: &World, body: &str, signature: Option<&str>) -> (u16, Value) {
    let mut request = world
        .http
        .post(format!("{}/webhooks/intercom", world.app))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An Intercom `updated_at` (webhook form) `seconds` past a day from now: newer than anything
/// the workspace holds, on any day the test runs.
fn ahead(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(1) + chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
        .to_string()
}

fn signed(world: &World, body: &str) -> String {
    hub_signature(&world.intercom.client_secret(), body.as_bytes())
}

/// Maya as Intercom sends her in webhooks, with `phone` and `updated_at` set.
async fn maya_item(world: &World, phone: &str, updated_at: &str) -> Value {
    let id = person(world, "maya.patel@globex.example.com");
    let mut item = intercom(
        world,
        reqwest::Method::GET,
        &format!("/contacts/{id}"),
        Value::Null,
    )
    .await;
    item["phone"] = json!(phone);
    item["updated_at"] = json!(updated_at);
    item
}

#[tokio::test]
async fn the_signature_is_checked_before_anything_is_stored() {
    let world = World::start().await;
    let item = maya_item(&world, "+1 555 0000", &ahead(0)).await;
    let body = envelope(&world, "notif_forged", "contact.user.updated", item);
    let before = world.store.job_counts().await.unwrap();
    let forged = hub_signature("not-the-secret", body.as_bytes());
    for signature in [Some(forged.as_str()), None, Some("sha1=")] {
        let (status, answer) = deliver(&world, &body, signature).await;
        assert_eq!(status, 401, "{answer}");
        assert_eq!(answer["error"]["code"], "webhook_signature_invalid");
    }
    // A body changed after signing is refused too.
    let tampered = body.replace("+1 555 0000", "+1 555 9999");
    let (status, _) = deliver(&world, &tampered, Some(&signed(&world, &body))).await;
    assert_eq!(status, 401);
    assert_eq!(
        world.store.job_counts().await.unwrap(),
        before,
        "nothing stored"
    );

    // Signed right: stored once; the same notification again changes nothing.
    let started = Instant::now();
    let (status, answer) = deliver(&world, &body, Some(&signed(&world, &body))).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered at once"
    );
    assert_eq!(status, 200);
    assert_eq!(answer["status"], "stored");
    let (status, answer) = deliver(&world, &body, Some(&signed(&world, &body))).await;
    assert_eq!(status, 200);
    assert_eq!(answer["status"], "repeated");

    // A signed body (of the workspace) that is not a notification is refused as malformed.
    let bare = json!({"app_id": world.intercom.workspace_id()}).to_string();
    let (status, answer) = deliver(&world, &bare, Some(&signed(&world, &bare))).await;
    assert_eq!(status, 400, "{answer}");
    // Topics the sync does not use are taken and ignored.
    let ping = envelope(&world, "notif_ping", "ping", json!({"message": "hi"}));
    let (status, answer) = deliver(&world, &ping, Some(&signed(&world, &ping))).await;
    assert_eq!((status, answer["status"].clone()), (200, json!("ignored")));
    // The Developer Hub's probe.
    let probe = world
        .http
        .head(format!("{}/webhooks/intercom", world.app))
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 200);
    world.stop().await;
}

#[tokio::test]
async fn a_late_delivery_never_overwrites_newer_data() {
    let world = World::start().await;
    let maya = person(&world, "maya.patel@globex.example.com");
    let newer = maya_item(&world, "+1 555 0002", &ahead(2)).await;
    let older = maya_item(&world, "+1 555 0001", &ahead(1)).await;
    let first = envelope(&world, "notif_newer", "contact.user.updated", newer);
    let (_, answer) = deliver(&world, &first, Some(&signed(&world, &first))).await;
    assert_eq!(answer["status"], "stored");
    let late = envelope(&world, "notif_older", "contact.user.updated", older);
    let (status, answer) = deliver(&world, &late, Some(&signed(&world, &late))).await;
    assert_eq!(status, 200);
    assert_eq!(answer["status"], "stale");
    let entry = ledger_entry(&world, &maya, |e| e["outcome"] == "updated").await;
    assert_eq!(
        world
            .salesforce
            .record(entry["salesforce_id"].as_str().unwrap())
            .unwrap()["Phone"],
        "+1 555 0002"
    );

    // Through the simulator: every notification twice, each swapped with the next.
    world.intercom.set_delivery_mode(DeliveryMode {
        duplicate: true,
        out_of_order: true,
    });
    let liam = person(&world, "liam.silva@initech.example.com");
    for n in 0..6 {
        update_contact(&world, &liam, json!({"phone": format!("+1 555 010{n}")})).await;
    }
    let contact = one(
        &world,
        "SELECT Id FROM Contact WHERE Intercom_Contact_Id__c = 'u-1002'",
    )
    .await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    eventually(Duration::from_secs(15), "the last phone number", || async {
        let phone = world.salesforce.record(&contact).unwrap()["Phone"].clone();
        (phone == "+1 555 0105").then_some(())
    })
    .await;
    // And it stays the last one once every delivery is in.
    world
        .intercom
        .wait_for_deliveries(Duration::from_secs(10), |log| {
            log.iter()
                .filter(|d| d.url.ends_with("/webhooks/intercom"))
                .count()
                >= 12
        })
        .await;
    eventually(Duration::from_secs(10), "the queue to empty", || async {
        let c = world.store.job_counts().await.unwrap();
        (c.queued == 0 && c.running == 0).then_some(())
    })
    .await;
    assert_eq!(
        world.salesforce.record(&contact).unwrap()["Phone"],
        "+1 555 0105"
    );
    world.stop().await;
}

#[tokio::test]
async fn a_new_conversation_is_taken_in_with_its_routing_and_task_jobs_once() {
    let world = World::start_with(|c| c.sync.gather = Duration::from_millis(50)).await;
    // Liam's demo conversation is open and nobody's.
    let id = world
        .conversation_of("liam.silva@initech.example.com")
        .await;
    let item = intercom(
        &world,
        reqwest::Method::GET,
        &format!("/conversations/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(item["admin_assignee_id"], Value::Null);

    // Other conversation topics keep only their receipt.
    let other = envelope(
        &world,
        "notif_assigned",
        "conversation.admin.assigned",
        item.clone(),
    );
    let (status, answer) = deliver(&world, &other, Some(&signed(&world, &other))).await;
    assert_eq!((status, answer["status"].clone()), (200, json!("ignored")));

    let created = envelope(&world, "notif_created", "conversation.user.created", item);
    let (status, answer) = deliver(&world, &created, Some(&signed(&world, &created))).await;
    assert_eq!((status, answer["status"].clone()), (200, json!("stored")));
    let (status, answer) = deliver(&world, &created, Some(&signed(&world, &created))).await;
    assert_eq!((status, answer["status"].clone()), (200, json!("repeated")));

    let entry = ledger_entry(&world, &id, |e| {
        e["object"] == "conversation" && e["direction"] == "to_intercom"
    })
    .await;
    assert_eq!(entry["outcome"], "updated", "{entry}");
    eventually(Duration::from_secs(10), "the queue to empty", || async {
        let c = world.store.job_counts().await.unwrap();
        (c.queued == 0 && c.running == 0).then_some(())
    })
    .await;
    let rows = ledger_of(&world, &id).await;
    let of = |direction: &str| {
        rows.iter()
            .filter(|e| e["object"] == "conversation" && e["direction"] == direction)
            .count()
    };
    assert_eq!(of("to_intercom"), 1, "one routing job, run once");
    // The same delivery's other job: the conversation's Salesforce Task (on in the demo).
    assert_eq!(of("to_salesforce"), 1, "one Task job, run once");
    let conversation = intercom(
        &world,
        reqwest::Method::GET,
        &format!("/conversations/{id}"),
        Value::Null,
    )
    .await;
    let assignments = conversation["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["part_type"] == "assignment")
        .count();
    assert_eq!(assignments, 1);
    world.stop().await;
}
