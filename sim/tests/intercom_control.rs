//! The Intercom simulator's control surface (people, faults, counters) and Canvas Kit caller.

mod intercom_support;

use std::time::Duration;

use intercom_support::receiver;
use intercom_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use sim::intercom::api::PartInput;
use sim::intercom::canvas::body_signature;
use sim::intercom::{Attachment, Fault, FaultKind};

#[tokio::test]
async fn acting_as_a_contact_with_an_image() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(
        &rx.url,
        &["conversation.user.created", "conversation.user.replied"],
    );
    let contact = t.contact_id("ava.garcia@northwindlabs.example.com").await;
    let image = json!({"name": "photo.jpg", "url": "https://downloads.intercomcdn.com/i/o/x/photo.jpg",
                       "content_type": "image/jpeg", "filesize": 1234, "width": 800, "height": 600});
    let (status, started) = t
        .control(
            Method::POST,
            &format!("/__sim/contacts/{contact}/conversations"),
            json!({"body": "Look at this", "attachments": [image]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let conv = started["conversation_id"].as_str().unwrap().to_owned();
    let env = rx.next().await.json();
    assert_eq!(env["topic"], "conversation.user.created");
    assert_eq!(env["data"]["item"]["source"]["author"]["type"], "lead");
    assert_eq!(
        env["data"]["item"]["source"]["attachments"][0]["width"],
        800
    );

    let (status, replied) = t
        .control(Method::POST, &format!("/__sim/conversations/{conv}/contact_reply"), json!({"body": "<p>And <img src=\"https://downloads.intercomcdn.com/i/o/x/b.png\"></p>"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{replied}");
    let env = rx.next().await.json();
    assert_eq!(env["topic"], "conversation.user.replied");
    assert!(
        env["data"]["item"]["conversation_parts"]["conversation_parts"][0]["body"]
            .as_str()
            .unwrap()
            .contains("<img src=")
    );

    // The same from Rust.
    let pic = Attachment {
        name: "a.png".into(),
        url: "https://downloads.intercomcdn.com/i/o/x/a.png".into(),
        content_type: "image/png".into(),
        filesize: 10,
        width: Some(1),
        height: Some(1),
    };
    t.sim
        .contact_replies(&conv, &contact, "again", vec![pic])
        .unwrap();
    let env = rx.next().await.json();
    assert_eq!(
        env["data"]["item"]["conversation_parts"]["conversation_parts"][0]["attachments"][0]["name"],
        "a.png"
    );
}

#[tokio::test]
async fn acting_as_a_teammate() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(
        &rx.url,
        &[
            "conversation.admin.replied",
            "conversation.admin.noted",
            "conversation.admin.assigned",
            "conversation.admin.closed",
            "conversation.admin.opened",
        ],
    );
    let contact = t.contact_id("mia.silva@fabrikamltd.example.com").await;
    let conv = t
        .sim
        .contact_starts_conversation(&contact, "help", vec![])
        .unwrap();
    let carol = 991_267_403u64;
    let steps = [
        (
            json!({"message_type": "comment", "admin_id": carol, "body": "On it"}),
            "conversation.admin.replied",
        ),
        (
            json!({"message_type": "note", "admin_id": carol, "body": "VIP"}),
            "conversation.admin.noted",
        ),
        (
            json!({"message_type": "assignment", "admin_id": carol, "assignee_id": 991_267_404u64}),
            "conversation.admin.assigned",
        ),
        (
            json!({"message_type": "close", "admin_id": carol}),
            "conversation.admin.closed",
        ),
        (
            json!({"message_type": "open", "admin_id": carol}),
            "conversation.admin.opened",
        ),
    ];
    for (body, topic) in steps {
        let (status, answer) = t
            .control(
                Method::POST,
                &format!("/__sim/conversations/{conv}/teammate"),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(rx.next().await.json()["topic"], topic);
    }
    t.sim
        .teammate_acts(&conv, PartInput::admin("close", carol, Some("bye")))
        .unwrap();
    let got = t.get(&format!("/conversations/{conv}")).await;
    assert_eq!(got["state"], "closed");
    assert_eq!(got["admin_assignee_id"], json!(991_267_404u64));
    t.sim
        .teammate_acts(&conv, PartInput::assign(carol, carol))
        .unwrap();
    assert_eq!(
        t.get(&format!("/conversations/{conv}")).await["admin_assignee_id"],
        json!(carol)
    );
}

#[tokio::test]
async fn faults_for_the_next_calls_and_by_rate() {
    let t = start().await;
    let (status, _) = t
        .control(
            Method::POST,
            "/__sim/faults",
            json!({"kind": "status", "value": 503, "next": 2}),
        )
        .await;
    assert!(status.is_success());
    for _ in 0..2 {
        let (status, body) = t.call(Method::GET, "/me", None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["type"], "error.list");
    }
    assert_eq!(t.call(Method::GET, "/me", None).await.0, StatusCode::OK);

    t.sim.inject_fault(Fault::next(1, FaultKind::RateLimited));
    let (status, body) = t.call(Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "rate_limit_exceeded");

    t.sim.inject_fault(Fault::rate(1.0, FaultKind::Status(500)));
    assert_eq!(
        t.call(Method::GET, "/me", None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        t.call(Method::GET, "/me", None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let (status, _) = t.control(Method::DELETE, "/__sim/faults", json!({})).await;
    assert!(status.is_success());
    assert_eq!(t.call(Method::GET, "/me", None).await.0, StatusCode::OK);

    t.sim.inject_fault(Fault::next(1, FaultKind::Latency(300)));
    let started = std::time::Instant::now();
    assert_eq!(t.call(Method::GET, "/me", None).await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn request_counters_per_route() {
    let t = start().await;
    t.get("/me").await;
    t.get("/me").await;
    let id = t.contact_id("maya.patel@globex.example.com").await;
    t.get(&format!("/contacts/{id}")).await;
    let counts = t.sim.request_counts();
    assert_eq!(counts["GET /me"], 2);
    assert_eq!(counts["GET /contacts/{id}"], 1);
    assert_eq!(counts["total"], 3);
    let resp = t
        .http
        .get(format!("{}/__sim/counters", t.sim.url()))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["total"], 3, "control calls are not counted");
}

#[tokio::test]
async fn write_counters_per_record() {
    let t = start().await;
    let maya = t.contact_id("maya.patel@globex.example.com").await;
    let liam = t.contact_id("liam.silva@initech.example.com").await;
    for phone in ["+1 555 0101", "+1 555 0102"] {
        let (status, body) = t
            .call(
                Method::PUT,
                &format!("/contacts/{maya}"),
                Some(json!({"phone": phone})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    t.get(&format!("/contacts/{liam}")).await;
    let writes = t.sim.write_counts();
    assert_eq!(writes[&format!("PUT /contacts/{maya}")], 2);
    assert_eq!(writes.len(), 1, "reads are not writes: {writes:?}");
    let body: Value = t
        .http
        .get(format!("{}/__sim/counters/writes", t.sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body[format!("PUT /contacts/{maya}")], 2);
}

fn good_card() -> Value {
    json!({"canvas": {"content": {"components": [
        {"type": "text", "text": "United Oil & Gas Corp.", "style": "header"},
        {"type": "data-table", "items": [{"type": "field-value", "field": "Stage", "value": "Negotiation"}]},
        {"type": "single-select", "id": "stage", "label": "Stage", "options": [
            {"type": "option", "id": "won", "text": "Won"}, {"type": "option", "id": "lost", "text": "Lost"}]},
        {"type": "button", "id": "save", "label": "Save", "style": "primary", "action": {"type": "submit"}},
    ]}, "stored_data": {"account": "001"}}})
}

#[tokio::test]
async fn canvas_kit_initialize_and_submit_are_signed_and_checked() {
    let t = start().await;
    let mut app = receiver::start().await;
    app.script.lock().extend([
        (200, good_card()),
        (
            200,
            json!({"canvas": {"content": {"components": [
        {"type": "dropdown", "id": "x", "options": [{"type": "option", "id": "a", "text": "A"}]},
        {"type": "button", "id": "b", "label": "B"},
    ]}, "stored_data": {"blob": "x".repeat(70_000)}}}),
        ),
    ]);
    let conv = t.get("/conversations").await["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice = t.sim.installer_admin_id();

    let verdict = t
        .sim
        .canvas_initialize(&app.url, &conv, alice)
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    assert_eq!(verdict.components().len(), 4);
    let got = app.next().await;
    let sig = got.headers["x-body-signature"].to_str().unwrap();
    assert_eq!(sig, body_signature(&t.sim.client_secret(), &got.body));
    assert_eq!(sig.len(), 64, "plain hex, no prefix");
    let body = got.json();
    assert_eq!(body["workspace_id"], t.sim.workspace_id());
    assert_eq!(body["admin"]["id"], alice.to_string());
    assert_eq!(body["conversation"]["id"], json!(conv));
    assert_eq!(body["contact"]["type"], "contact");
    assert_eq!(body["context"]["location"], "conversation");
    assert_eq!(
        body["context"]["conversation_id"],
        json!(conv.parse::<u64>().unwrap())
    );
    assert_eq!(body["card_creation_options"], json!({}));

    let mut inputs = Map::new();
    inputs.insert("stage".into(), json!("won"));
    let verdict = t
        .sim
        .canvas_submit(
            &app.url,
            &conv,
            alice,
            "save",
            inputs,
            good_card()["canvas"].clone(),
        )
        .await
        .unwrap();
    let got = app.next().await.json();
    assert_eq!(got["component_id"], "save");
    assert_eq!(got["input_values"]["stage"], "won");
    assert_eq!(got["current_canvas"]["stored_data"]["account"], "001");
    assert!(!verdict.is_valid());
    let at: Vec<&str> = verdict.problems.iter().map(|p| p.at.as_str()).collect();
    assert!(
        at.contains(&"/canvas/content/components/0/options"),
        "{at:?}"
    );
    assert!(
        at.contains(&"/canvas/content/components/1/action"),
        "{at:?}"
    );
    assert!(at.contains(&"/canvas/stored_data"), "{at:?}");

    app.script.lock().push_back((500, json!({})));
    let verdict = t
        .sim
        .canvas_initialize(&app.url, &conv, alice)
        .await
        .unwrap();
    assert_eq!(verdict.status, Some(500));
    assert!(!verdict.is_valid());
}
