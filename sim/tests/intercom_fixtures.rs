//! Proof that the simulator's webhooks look like the real ones: every capture in
//! `tests/fixtures/intercom/webhooks/` and `intercom_support/captures/` parses into the strict
//! types of `sim::intercom::payloads`, so does the simulator's delivery for the same event,
//! and both have the same keys with the same value types all the way down. Every conversation
//! topic is held against the captured conversation item (they share one shape; only the
//! triggering parts differ).

mod intercom_support;

use std::path::PathBuf;
use std::time::Duration;

use intercom_support::receiver;
use intercom_support::*;
use serde_json::{Value, json};
use sim::intercom::payloads::Notification;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/intercom/webhooks")
}

/// Captures kept with the simulator's tests (see its README).
fn captures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/intercom_support/captures")
}

fn capture(name: &str) -> Value {
    let path = [fixtures_dir(), captures_dir()]
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("no capture {name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("capture is JSON")
}

/// Maps whose keys are data, not schema.
fn free_form(path: &str) -> bool {
    ["custom_attributes", "metadata", "event_details", "links"]
        .iter()
        .any(|k| path.ends_with(k))
}

/// Same keys, same value types (null matches anything: the value is just absent there).
fn compare(path: &str, real: &Value, ours: &Value, errors: &mut Vec<String>) {
    match (real, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(b)) => {
            if free_form(path) {
                return;
            }
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                errors.push(format!("{path}.{k}: missing in the simulator's payload"));
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                errors.push(format!("{path}.{k}: not in the real payload"));
            }
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    compare(&format!("{path}.{k}"), v, w, errors);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                compare(&format!("{path}[0]"), x, y, errors);
            }
        }
        (a, b) if kind(a) != kind(b) => {
            errors.push(format!("{path}: real {} vs simulator {}", kind(a), kind(b)))
        }
        _ => {}
    }
}

fn parse_strict(v: &Value, what: &str) -> Notification {
    let n: Notification =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{what}: envelope: {e}"));
    n.item()
        .unwrap_or_else(|e| panic!("{what}: item of {}: {e}", n.topic));
    n
}

/// Runs `act` against a fresh demo simulator and returns the delivery for `topic`.
async fn sim_delivery(topic: &str, act: impl AsyncFnOnce(&TestSim)) -> Value {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, &[topic]);
    act(&t).await;
    let log = t
        .sim
        .wait_for_deliveries(Duration::from_secs(5), |log| {
            log.iter().any(|d| d.topic == topic)
        })
        .await;
    let delivery = log
        .iter()
        .find(|d| d.topic == topic)
        .unwrap_or_else(|| panic!("no {topic} delivered"));
    let arrived = rx.next().await;
    assert_eq!(
        arrived.body,
        delivery.body.as_bytes(),
        "the log holds the body as sent"
    );
    delivery.json()
}

async fn check(file: &str, topic: &str, act: impl AsyncFnOnce(&TestSim)) {
    let real = capture(file);
    parse_strict(&real, file);
    let ours = sim_delivery(topic, act).await;
    let n = parse_strict(&ours, topic);
    assert_eq!(n.topic, topic);
    let mut errors = Vec::new();
    compare("$", &real, &ours, &mut errors);
    // Topics differ where the capture's event has a sibling topic in the simulator.
    errors.retain(|e| !e.starts_with("$.topic"));
    assert!(
        errors.is_empty(),
        "{file} vs simulator {topic}:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_capture_is_covered_here() {
    let mut names: Vec<String> = [fixtures_dir(), captures_dir()]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).expect("captures folder"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "company_contact_attached.json",
            "company_contact_detached.json",
            "company_deleted.json",
            "company_updated.json",
            "contact_lead_created.json",
            "contact_user_created.json",
            "contacts_merged.json",
            "conversation_admin_open_assigned.json",
            "conversation_operator_replied.json",
        ],
        "a new capture needs a comparison below"
    );
    for name in &names {
        parse_strict(&capture(name), name);
    }
}

#[tokio::test]
async fn contact_user_created() {
    check("contact_user_created.json", "contact.user.created", async |t| {
        t.post("/contacts", json!({"role": "user", "external_id": "24", "email": "user@example.com", "name": "Sample User"})).await;
    })
    .await;
}

#[tokio::test]
async fn contact_lead_created() {
    check(
        "contact_lead_created.json",
        "contact.lead.created",
        async |t| {
            t.post(
                "/contacts",
                json!({"role": "lead", "email": "shuz@gmail.com", "name": "shuuuuz"}),
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn contacts_merged() {
    check("contacts_merged.json", "contact.merged", async |t| {
        let lead = t
            .post(
                "/contacts",
                json!({"role": "lead", "email": "merge_user_fixture@example.com"}),
            )
            .await;
        let user = t
            .post(
                "/contacts",
                json!({"role": "user", "name": "Merge User Fixture", "external_id": "m1"}),
            )
            .await;
        t.post(
            "/contacts/merge",
            json!({"from": lead["id"], "into": user["id"]}),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn company_updated() {
    check("company_updated.json", "company.updated", async |t| {
        t.post(
            "/companies",
            json!({"company_id": "ACC-0006", "name": "Acme Enterprises"}),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn company_deleted() {
    check("company_deleted.json", "company.deleted", async |t| {
        let c = t
            .post("/companies", json!({"company_id": "GONE", "name": "Gone"}))
            .await;
        t.delete(&format!("/companies/{}", c["id"].as_str().unwrap()))
            .await;
    })
    .await;
}

const CONVERSATION: &str = "conversation_admin_open_assigned.json";
const AVA: &str = "ava.garcia@northwindlabs.example.com";
const BOB: u64 = 991_267_402;

/// Ava writes in; the conversation's id.
async fn ava_writes_in(t: &TestSim) -> String {
    let contact = t.contact_id(AVA).await;
    t.sim
        .contact_starts_conversation(&contact, "<p>helklo</p>", vec![])
        .unwrap()
}

async fn manage(t: &TestSim, conv: &str, body: Value) {
    t.post(&format!("/conversations/{conv}/parts"), body).await;
}

#[tokio::test]
async fn conversation_admin_open_assigned() {
    check(CONVERSATION, "conversation.admin.open.assigned", async |t| {
        let conv = ava_writes_in(t).await;
        manage(t, &conv, json!({"message_type": "assignment", "type": "admin", "admin_id": BOB, "assignee_id": BOB, "body": "aMSIJJO"})).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_admin_assigned() {
    check(CONVERSATION, "conversation.admin.assigned", async |t| {
        let conv = ava_writes_in(t).await;
        manage(t, &conv, json!({"message_type": "assignment", "type": "admin", "admin_id": BOB, "assignee_id": BOB, "body": "aMSIJJO"})).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_replied() {
    check("conversation_operator_replied.json", "conversation.admin.replied", async |t| {
        let conv = ava_writes_in(t).await;
        t.post(&format!("/conversations/{conv}/reply"), json!({"message_type": "comment", "type": "admin", "admin_id": BOB, "body": "will reply soon"})).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_user_created() {
    check(CONVERSATION, "conversation.user.created", async |t| {
        ava_writes_in(t).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_admin_single_created() {
    check(CONVERSATION, "conversation.admin.single.created", async |t| {
        let contact = t.contact_id(AVA).await;
        t.post("/messages", json!({"message_type": "inapp", "body": "Hello Ava", "from": {"type": "admin", "id": BOB.to_string()}, "to": {"type": "lead", "id": contact}})).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_user_replied() {
    check(CONVERSATION, "conversation.user.replied", async |t| {
        let conv = ava_writes_in(t).await;
        let contact = t.contact_id(AVA).await;
        let image = "<p>See <img src=\"https://downloads.intercomcdn.com/i/o/x/a.png\"></p>";
        t.post(&format!("/conversations/{conv}/reply"), json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": image, "attachment_urls": ["https://downloads.intercomcdn.com/i/o/x/b.png"]})).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_admin_noted() {
    check(CONVERSATION, "conversation.admin.noted", async |t| {
        let conv = ava_writes_in(t).await;
        t.post(
            &format!("/conversations/{conv}/reply"),
            json!({"message_type": "note", "type": "admin", "admin_id": BOB, "body": "VIP"}),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn conversation_admin_closed() {
    check(CONVERSATION, "conversation.admin.closed", async |t| {
        let conv = ava_writes_in(t).await;
        manage(
            t,
            &conv,
            json!({"message_type": "close", "type": "admin", "admin_id": BOB, "body": "Goodbye"}),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn conversation_admin_opened() {
    check(CONVERSATION, "conversation.admin.opened", async |t| {
        let conv = ava_writes_in(t).await;
        manage(
            t,
            &conv,
            json!({"message_type": "close", "type": "admin", "admin_id": BOB}),
        )
        .await;
        manage(t, &conv, json!({"message_type": "open", "admin_id": BOB})).await;
    })
    .await;
}

#[tokio::test]
async fn conversation_admin_snoozed_and_unsnoozed() {
    let until = chrono::Utc::now().timestamp() + 3600;
    for topic in ["conversation.admin.snoozed", "conversation.admin.unsnoozed"] {
        check(CONVERSATION, topic, async |t| {
            let conv = ava_writes_in(t).await;
            manage(
                t,
                &conv,
                json!({"message_type": "snoozed", "admin_id": BOB, "snoozed_until": until}),
            )
            .await;
            manage(t, &conv, json!({"message_type": "open", "admin_id": BOB})).await;
        })
        .await;
    }
}

/// A lead, a company with a plan and tags, attached through the API.
async fn lead_and_company(t: &TestSim) -> (String, String) {
    let lead = t
        .post(
            "/contacts",
            json!({"role": "lead", "email": "lead@example.com", "name": "Jane Lead", "phone": "+1 555-123-4567"}),
        )
        .await;
    let company = t
        .post(
            "/companies",
            json!({"company_id": "ACME-1", "name": "Acme Corp", "plan": "Pro"}),
        )
        .await;
    (
        lead["id"].as_str().unwrap().to_owned(),
        company["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn company_contact_attached() {
    check(
        "company_contact_attached.json",
        "company.contact.attached",
        async |t| {
            let (lead, company) = lead_and_company(t).await;
            t.post(
                &format!("/contacts/{lead}/companies"),
                json!({"id": company}),
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn company_contact_detached() {
    check(
        "company_contact_detached.json",
        "company.contact.detached",
        async |t| {
            let (lead, company) = lead_and_company(t).await;
            t.post(
                &format!("/contacts/{lead}/companies"),
                json!({"id": company}),
            )
            .await;
            t.delete(&format!("/contacts/{lead}/companies/{company}"))
                .await;
        },
    )
    .await;
}

#[tokio::test]
async fn company_contact_attached_by_the_messenger() {
    check(
        "company_contact_attached.json",
        "company.contact.attached",
        async |t| {
            t.sim
                .messenger_lead(sim::intercom::MessengerLead {
                    email: "lead@example.com".into(),
                    name: Some("Jane Lead".into()),
                    company: Some(sim::intercom::MessengerCompany {
                        company_id: None,
                        name: Some("Acme Enterprises".into()),
                    }),
                    ..Default::default()
                })
                .await
                .unwrap();
        },
    )
    .await;
}
