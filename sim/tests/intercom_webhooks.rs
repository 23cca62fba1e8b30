//! Webhooks from the Intercom simulator: topics, envelopes, quirks, signatures, retries,
//! 410, duplicate and out-of-order delivery, and the delivery log.

mod intercom_support;

use std::time::Duration;

use intercom_support::receiver;
use intercom_support::*;
use reqwest::Method;
use serde_json::{Value, json};
use sim::intercom::{DeliveryMode, hub_signature};

const ALL: &[&str] = &[
    "contact.user.created",
    "contact.user.updated",
    "contact.lead.created",
    "contact.lead.updated",
    "contact.lead.signed_up",
    "contact.email.updated",
    "contact.merged",
    "contact.deleted",
    "contact.user.tag.created",
    "contact.lead.tag.created",
    "company.created",
    "company.updated",
    "company.deleted",
    "conversation.user.created",
    "conversation.user.replied",
    "conversation.admin.replied",
    "conversation.admin.noted",
    "conversation.admin.assigned",
    "conversation.admin.closed",
    "conversation.admin.opened",
    "conversation.admin.snoozed",
    "conversation.admin.single.created",
];

fn is_iso(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with("+00:00") && s.contains('.')
    })
}

#[tokio::test]
async fn contact_events_are_signed_envelopes_with_iso_times() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, ALL);
    let created = t
        .post(
            "/contacts",
            json!({"role": "user", "email": "hook@example.org", "external_id": "hook-1"}),
        )
        .await;

    let got = rx.next().await;
    assert_eq!(got.method, "POST");
    assert_eq!(got.headers["content-type"], "application/json");
    let sig = got.headers["x-hub-signature"].to_str().unwrap();
    assert_eq!(
        sig,
        hub_signature(&t.sim.client_secret(), &got.body),
        "sha1=HMAC of the raw body"
    );
    assert!(sig.starts_with("sha1=") && sig.len() == 45);
    let env = got.json();
    assert_eq!(env["type"], "notification_event");
    assert_eq!(env["topic"], "contact.user.created");
    assert_eq!(env["app_id"], t.sim.workspace_id());
    assert_eq!(env["delivery_attempts"], 1);
    assert!(env["id"].as_str().unwrap().starts_with("notif_"));
    assert!(env["created_at"].is_i64() && env["first_sent_at"].is_i64());
    let item = &env["data"]["item"];
    assert_eq!(env["data"]["type"], "notification_event_data");
    assert_eq!(item["id"], created["id"]);
    assert!(
        is_iso(&item["created_at"]) && is_iso(&item["updated_at"]),
        "ISO-8601 in webhooks: {item}"
    );
    assert!(created["created_at"].is_i64(), "unix seconds in REST");

    let id = created["id"].as_str().unwrap();
    t.put(
        &format!("/contacts/{id}"),
        json!({"email": "hook2@example.org"}),
    )
    .await;
    let topics = [
        rx.next().await.json()["topic"].clone(),
        rx.next().await.json()["topic"].clone(),
    ];
    assert_eq!(
        topics,
        [
            json!("contact.email.updated"),
            json!("contact.user.updated")
        ]
    );

    t.delete(&format!("/contacts/{id}")).await;
    let deleted = rx.next().await.json();
    assert_eq!(deleted["topic"], "contact.deleted");
    assert_eq!(
        deleted["data"]["item"],
        json!({"id": id, "type": "contact", "deleted": true})
    );

    let log = t
        .sim
        .wait_for_deliveries(Duration::from_secs(5), |log| log.len() >= 4)
        .await;
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|d| d.succeeded() && d.attempt == 1));
}

#[tokio::test]
async fn lead_events_sign_up_tags_and_merge() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, ALL);
    let lead = t
        .post(
            "/contacts",
            json!({"role": "lead", "email": "lead@example.org"}),
        )
        .await;
    assert_eq!(rx.next().await.json()["topic"], "contact.lead.created");
    let vip = t.get("/tags").await["data"][0]["id"].clone();
    t.post(
        &format!("/contacts/{}/tags", lead["id"].as_str().unwrap()),
        json!({"id": vip}),
    )
    .await;
    let tagged = rx.next().await.json();
    assert_eq!(tagged["topic"], "contact.lead.tag.created");
    assert_eq!(tagged["data"]["item"]["type"], "contact_tag");
    assert_eq!(tagged["data"]["item"]["tag"]["id"], vip);
    assert_eq!(tagged["data"]["item"]["contact"]["id"], lead["id"]);

    let user = t
        .post(
            "/contacts",
            json!({"role": "user", "external_id": "into-1"}),
        )
        .await;
    assert_eq!(rx.next().await.json()["topic"], "contact.user.created");
    t.post(
        "/contacts/merge",
        json!({"from": lead["id"], "into": user["id"]}),
    )
    .await;
    let merged = rx.next().await.json();
    assert_eq!(merged["topic"], "contact.merged");
    assert_eq!(merged["data"]["item"]["id"], user["id"]);
    assert_eq!(merged["data"]["item"]["email"], "lead@example.org");

    let lead2 = t
        .post(
            "/contacts",
            json!({"role": "lead", "email": "lead2@example.org"}),
        )
        .await;
    rx.next().await;
    t.put(
        &format!("/contacts/{}", lead2["id"].as_str().unwrap()),
        json!({"role": "user"}),
    )
    .await;
    assert_eq!(rx.next().await.json()["topic"], "contact.lead.signed_up");
    assert_eq!(rx.next().await.json()["topic"], "contact.user.updated");
}

#[tokio::test]
async fn company_events_carry_tag_ids_and_null_plan() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, ALL);
    let c = t
        .post(
            "/companies",
            json!({"company_id": "HOOK-1", "name": "Hook Co", "plan": "Pro"}),
        )
        .await;
    let created = rx.next().await.json();
    assert_eq!(created["topic"], "company.created");
    let item = &created["data"]["item"];
    assert_eq!(item["plan"], Value::Null);
    assert_eq!(item["tag_ids"], json!([]));
    assert!(is_iso(&item["created_at"]));
    t.post(
        "/tags",
        json!({"name": "Key account", "companies": [{"company_id": "HOOK-1"}]}),
    )
    .await;
    let updated = rx.next().await.json();
    assert_eq!(updated["topic"], "company.updated");
    assert_eq!(
        updated["data"]["item"]["tag_ids"].as_array().unwrap().len(),
        1
    );
    assert!(updated["data"]["item"]["tag_ids"][0].is_string());
    let id = c["id"].as_str().unwrap();
    t.delete(&format!("/companies/{id}")).await;
    let deleted = rx.next().await.json();
    assert_eq!(deleted["topic"], "company.deleted");
    assert_eq!(
        deleted["data"]["item"],
        json!({"id": id, "type": "company", "deleted": true})
    );
}

#[tokio::test]
async fn conversation_events_carry_only_the_triggering_part() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, ALL);
    let contact = t.contact_id("maya.patel@globex.example.com").await;
    let conv = t
        .sim
        .contact_starts_conversation(&contact, "<p>Hi</p>", vec![])
        .unwrap();
    let created = rx.next().await.json();
    assert_eq!(created["topic"], "conversation.user.created");
    assert_eq!(created["data"]["item"]["id"], json!(conv));
    assert_eq!(
        created["data"]["item"]["conversation_parts"]["total_count"],
        0
    );
    assert!(
        created["data"]["item"]["created_at"].is_i64(),
        "conversations keep unix seconds"
    );

    let bob = 991_267_402u64;
    for (body, topic, part_type) in [
        (
            json!({"message_type": "comment", "type": "admin", "admin_id": bob, "body": "One"}),
            "conversation.admin.replied",
            "comment",
        ),
        (
            json!({"message_type": "note", "type": "admin", "admin_id": bob, "body": "Two"}),
            "conversation.admin.noted",
            "note",
        ),
    ] {
        t.post(&format!("/conversations/{conv}/reply"), body).await;
        let env = rx.next().await.json();
        assert_eq!(env["topic"], topic);
        let parts = &env["data"]["item"]["conversation_parts"];
        assert_eq!(parts["total_count"], 1, "only the triggering part");
        assert_eq!(parts["conversation_parts"][0]["part_type"], part_type);
    }
    for (body, topic) in [
        (
            json!({"message_type": "assignment", "admin_id": bob, "assignee_id": bob}),
            "conversation.admin.assigned",
        ),
        (
            json!({"message_type": "close", "admin_id": bob}),
            "conversation.admin.closed",
        ),
        (
            json!({"message_type": "open", "admin_id": bob}),
            "conversation.admin.opened",
        ),
    ] {
        t.post(&format!("/conversations/{conv}/parts"), body).await;
        let env = rx.next().await.json();
        assert_eq!(env["topic"], topic);
        assert_eq!(
            env["data"]["item"]["conversation_parts"]["conversation_parts"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    t.post(&format!("/conversations/{conv}/reply"), json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": "Thanks"})).await;
    let env = rx.next().await.json();
    assert_eq!(env["topic"], "conversation.user.replied");
    assert_eq!(
        env["data"]["item"]["conversation_parts"]["conversation_parts"][0]["author"]["type"],
        "user"
    );
}

#[tokio::test]
async fn only_subscribed_topics_are_sent() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, &["company.created"]);
    t.post("/contacts", json!({"email": "quiet@example.org"}))
        .await;
    t.post("/companies", json!({"company_id": "ONLY-1"})).await;
    assert_eq!(rx.next().await.json()["topic"], "company.created");
    let log = t.sim.deliveries();
    assert!(log.iter().all(|d| d.topic == "company.created"), "{log:?}");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_once_with_the_same_id() {
    let t = start_with(fast_retry()).await;
    let mut rx = receiver::start().await;
    rx.script
        .lock()
        .extend([(500, json!({})), (503, json!({}))]);
    t.sim.subscribe_webhooks(&rx.url, ALL);
    t.post("/companies", json!({"company_id": "RETRY-1"})).await;
    let first = rx.next().await.json();
    let second = rx.next().await.json();
    assert_eq!(first["id"], second["id"], "the id is the idempotency key");
    assert_eq!(first["delivery_attempts"], 1);
    assert_eq!(second["delivery_attempts"], 2);
    let log = t
        .sim
        .wait_for_deliveries(Duration::from_secs(5), |log| log.len() >= 2)
        .await;
    assert_eq!(
        log.iter().map(|d| d.status).collect::<Vec<_>>(),
        [Some(500), Some(503)]
    );
    // Retried only once: a later event is delivered, but nothing more for the first.
    t.post("/companies", json!({"company_id": "RETRY-2"})).await;
    let third = rx.next().await.json();
    assert_ne!(third["id"], first["id"]);
}

#[tokio::test]
async fn gone_disables_the_subscription() {
    let t = start_with(fast_retry()).await;
    let mut rx = receiver::start().await;
    rx.script.lock().push_back((410, json!({})));
    let sub = t.sim.subscribe_webhooks(&rx.url, ALL);
    t.post("/companies", json!({"company_id": "GONE-1"})).await;
    rx.next().await;
    let log = t
        .sim
        .wait_for_deliveries(Duration::from_secs(5), |log| !log.is_empty())
        .await;
    assert_eq!(log[0].status, Some(410));
    let subs = t.sim.subscriptions();
    assert!(!subs.iter().find(|s| s.id == sub.id).unwrap().active);
    t.post("/companies", json!({"company_id": "GONE-2"})).await;
    // Follow with an event to a second, live subscriber: once it arrives, the first would have too.
    let mut other = receiver::start().await;
    t.sim.subscribe_webhooks(&other.url, &["company.created"]);
    t.post("/companies", json!({"company_id": "GONE-3"})).await;
    assert_eq!(
        other.next().await.json()["data"]["item"]["company_id"],
        "GONE-3"
    );
    assert!(
        rx.arrivals.try_recv().is_err(),
        "disabled subscription gets nothing more"
    );
    assert_eq!(
        t.sim
            .deliveries()
            .iter()
            .filter(|d| d.url == rx.url)
            .count(),
        1
    );
}

#[tokio::test]
async fn duplicate_and_out_of_order_delivery_can_be_switched_on() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, ALL);
    t.sim.set_delivery_mode(DeliveryMode {
        duplicate: true,
        out_of_order: false,
    });
    t.post("/companies", json!({"company_id": "DUP-1"})).await;
    let a = rx.next().await.json();
    let b = rx.next().await.json();
    assert_eq!(a, b, "same notification twice");

    t.sim.set_delivery_mode(DeliveryMode {
        duplicate: false,
        out_of_order: true,
    });
    t.post("/companies", json!({"company_id": "ORD-1"})).await;
    t.post("/companies", json!({"company_id": "ORD-2"})).await;
    let first = rx.next().await.json();
    let second = rx.next().await.json();
    assert_eq!(first["data"]["item"]["company_id"], "ORD-2");
    assert_eq!(second["data"]["item"]["company_id"], "ORD-1");

    // Through the control surface too.
    let (status, _) = t
        .control(
            Method::POST,
            "/__sim/webhooks/mode",
            json!({"duplicate": false, "out_of_order": false}),
        )
        .await;
    assert!(status.is_success());
    t.post("/companies", json!({"company_id": "ORD-3"})).await;
    assert_eq!(
        rx.next().await.json()["data"]["item"]["company_id"],
        "ORD-3"
    );
}

#[tokio::test]
async fn api_answers_do_not_wait_for_slow_receivers() {
    let t = start().await;
    // A receiver that never answers within the 5-second window.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    t.sim.subscribe_webhooks(&url, ALL);
    let started = std::time::Instant::now();
    for i in 0..5 {
        t.post("/companies", json!({"company_id": format!("SLOW-{i}")}))
            .await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answers took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn subscriptions_and_the_log_over_the_control_surface() {
    let t = start().await;
    let mut rx = receiver::start().await;
    let (status, sub) = t
        .control(
            Method::POST,
            "/__sim/webhooks",
            json!({"url": rx.url, "topics": ["company.created"]}),
        )
        .await;
    assert!(status.is_success());
    assert_eq!(sub["active"], true);
    t.post("/companies", json!({"company_id": "CTL-1"})).await;
    rx.next().await;
    t.sim
        .wait_for_deliveries(Duration::from_secs(5), |log| !log.is_empty())
        .await;
    let resp = t
        .http
        .get(format!("{}/__sim/webhooks/deliveries", t.sim.url()))
        .send()
        .await
        .unwrap();
    let log: Value = resp.json().await.unwrap();
    assert_eq!(log[0]["topic"], "company.created");
    assert_eq!(log[0]["status"], 200);
    assert!(log[0]["signature"].as_str().unwrap().starts_with("sha1="));
}

#[tokio::test]
async fn credentials_can_be_chosen() {
    let config = sim::intercom::Config {
        access_token: "tok_custom".into(),
        client_secret: "secret_custom".into(),
        ..sim::intercom::Config::default()
    };
    let t = start_with(config).await;
    assert_eq!(t.sim.access_token(), "tok_custom");
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, &["company.created"]);
    t.post("/companies", json!({"company_id": "SECRET-1"}))
        .await;
    let got = rx.next().await;
    assert_eq!(
        got.headers["x-hub-signature"].to_str().unwrap(),
        hub_signature("secret_custom", &got.body)
    );
    assert_ne!(
        hub_signature(sim::intercom::demo::CLIENT_SECRET, &got.body),
        hub_signature("secret_custom", &got.body)
    );
}

#[tokio::test]
async fn registering_an_endpoint_probes_it_with_head() {
    let t = start().await;
    let mut rx = receiver::start().await;
    let sub = t
        .sim
        .register_webhook_endpoint(&rx.url, &["company.created"])
        .await
        .unwrap();
    assert!(sub.active);
    assert_eq!(rx.next().await.method, "HEAD");
    rx.script.lock().push_back((405, json!({})));
    let err = t
        .sim
        .register_webhook_endpoint(&rx.url, &["company.created"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("405"), "{err}");
    assert_eq!(t.sim.subscriptions().len(), 1);
}
