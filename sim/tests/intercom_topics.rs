//! Which webhooks each action raises, in order: a conversation's life, a company attached to
//! and detached from a contact (by the API and by the website Messenger), and delivery modes
//! chosen per topic.

mod intercom_support;

use intercom_support::receiver::{self, Receiver};
use intercom_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim::intercom::api::PartInput;
use sim::intercom::{DeliveryMode, MessengerCompany, MessengerLead};

const BOB: u64 = 991_267_402;
const SUPPORT: u64 = 5_017_691;

const CONVERSATION_TOPICS: &[&str] = &[
    "conversation.user.created",
    "conversation.user.replied",
    "conversation.admin.single.created",
    "conversation.admin.replied",
    "conversation.admin.noted",
    "conversation.admin.assigned",
    "conversation.admin.open.assigned",
    "conversation.admin.closed",
    "conversation.admin.opened",
    "conversation.admin.snoozed",
    "conversation.admin.unsnoozed",
];

const COMPANY_TOPICS: &[&str] = &[
    "contact.lead.created",
    "company.created",
    "company.updated",
    "company.contact.attached",
    "company.contact.detached",
];

/// The next `n` notifications' topics and items.
async fn next(rx: &mut Receiver, n: usize) -> Vec<(String, Value)> {
    let mut got = Vec::with_capacity(n);
    for _ in 0..n {
        let env = rx.next().await.json();
        got.push((
            env["topic"].as_str().unwrap().to_owned(),
            env["data"]["item"].clone(),
        ));
    }
    got
}

fn topics(got: &[(String, Value)]) -> Vec<&str> {
    got.iter().map(|(t, _)| t.as_str()).collect()
}

fn part_types(item: &Value) -> Vec<&str> {
    item["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["part_type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_conversations_life_raises_its_topics_in_order() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, CONVERSATION_TOPICS);
    let liam = t.contact_id("liam.silva@initech.example.com").await;
    let conv = t
        .sim
        .contact_starts_conversation(&liam, "<p>Hi</p>", vec![])
        .unwrap();
    let until = chrono::Utc::now().timestamp() + 3600;
    let manage = format!("/conversations/{conv}/parts");
    let reply = format!("/conversations/{conv}/reply");
    t.post(
        &reply,
        json!({"message_type": "comment", "type": "admin", "admin_id": BOB, "body": "Hello"}),
    )
    .await;
    t.post(
        &reply,
        json!({"message_type": "note", "type": "admin", "admin_id": BOB, "body": "VIP"}),
    )
    .await;
    t.post(
        &manage,
        json!({"message_type": "assignment", "type": "admin", "admin_id": BOB, "assignee_id": BOB}),
    )
    .await;
    t.post(
        &manage,
        json!({"message_type": "snoozed", "admin_id": BOB, "snoozed_until": until}),
    )
    .await;
    t.post(&manage, json!({"message_type": "open", "admin_id": BOB}))
        .await;
    t.post(
        &manage,
        json!({"message_type": "close", "type": "admin", "admin_id": BOB, "body": "Solved"}),
    )
    .await;
    t.post(&reply, json!({"message_type": "comment", "type": "user", "intercom_user_id": liam, "body": "One more thing"}))
        .await;
    t.post(
        &manage,
        json!({"message_type": "close", "type": "admin", "admin_id": BOB}),
    )
    .await;
    t.post(&manage, json!({"message_type": "assignment", "type": "team", "admin_id": BOB, "assignee_id": SUPPORT}))
        .await;
    t.post(
        &manage,
        json!({"message_type": "close", "type": "admin", "admin_id": BOB}),
    )
    .await;
    t.post(&manage, json!({"message_type": "open", "admin_id": BOB}))
        .await;

    let got = next(&mut rx, 14).await;
    assert_eq!(
        topics(&got),
        [
            "conversation.user.created",
            "conversation.admin.replied",
            "conversation.admin.noted",
            "conversation.admin.assigned",
            "conversation.admin.open.assigned",
            "conversation.admin.snoozed",
            "conversation.admin.unsnoozed",
            "conversation.admin.closed",
            "conversation.user.replied",
            "conversation.admin.closed",
            "conversation.admin.assigned",
            "conversation.admin.open.assigned",
            "conversation.admin.closed",
            "conversation.admin.opened",
        ]
    );
    let item = |i: usize| &got[i].1;
    assert!(
        part_types(item(0)).is_empty(),
        "a new conversation carries no part"
    );
    let triggering: Vec<Vec<&str>> = (1..14).map(|i| part_types(item(i))).collect();
    assert_eq!(
        triggering,
        [
            vec!["comment"],
            vec!["note"],
            vec!["assignment"],
            vec!["assignment"],
            vec!["snoozed"],
            vec!["unsnoozed"],
            vec!["close"],
            vec!["comment"],
            vec!["close"],
            vec!["assign_and_reopen"],
            vec!["assign_and_reopen"],
            vec!["close"],
            vec!["open"],
        ]
    );
    // Both assignment topics carry the same part.
    let part = |i: usize| item(i)["conversation_parts"]["conversation_parts"][0].clone();
    assert_eq!(part(3), part(4));
    assert_eq!(item(3)["admin_assignee_id"], BOB);
    assert_eq!(item(5)["state"], "snoozed");
    assert_eq!(item(5)["snoozed_until"], until);
    assert_eq!(part(7)["body"], "<p>Solved</p>");
    assert_eq!(item(7)["open"], false);
    assert_eq!(item(8)["state"], "open", "the contact's reply reopens it");
    assert_eq!(part(8)["author"]["type"], "user");
    assert_eq!(part(10)["assigned_to"]["type"], "team");
    assert_eq!(item(10)["team_assignee_id"], SUPPORT);
    assert_eq!(item(10)["state"], "open");
    for (topic, item) in &got {
        assert_eq!(item["id"], json!(conv), "{topic}");
        assert!(
            item["updated_at"].is_i64() && item["created_at"].is_i64(),
            "{topic}"
        );
        assert_eq!(
            item["contacts"]["contacts"][0]["id"],
            json!(liam),
            "{topic}"
        );
        assert!(item["statistics"].is_object(), "{topic}");
    }
}

#[tokio::test]
async fn a_contact_replies_as_the_messenger_would() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim
        .subscribe_webhooks(&rx.url, &["conversation.user.replied"]);
    let liam = t.contact_id("liam.silva@initech.example.com").await;
    let conv = t
        .sim
        .contact_starts_conversation(&liam, "<p>Hi</p>", vec![])
        .unwrap();
    let (status, answer) = t
        .control(
            Method::POST,
            &format!("/__sim/conversations/{conv}/contact_reply"),
            json!({"body": "<p>Are you there?</p>"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let got = next(&mut rx, 1).await;
    let part = &got[0].1["conversation_parts"]["conversation_parts"][0];
    assert_eq!(part["body"], "<p>Are you there?</p>");
    assert_eq!(part["author"]["id"], json!(liam));
    t.sim
        .teammate_acts(&conv, PartInput::admin("close", BOB, None))
        .unwrap();
    t.sim
        .contact_replies(&conv, &liam, "<p>Back again</p>", vec![])
        .unwrap();
    let got = next(&mut rx, 1).await;
    assert_eq!(got[0].1["state"], "open");
}

async fn lead(t: &TestSim, email: &str) -> String {
    t.post("/contacts", json!({"role": "lead", "email": email}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn attaching_and_detaching_a_company() {
    let t = start().await;
    let mut rx = receiver::start().await;
    let lead = lead(&t, "jane@acme.example").await;
    let acme = t
        .post(
            "/companies",
            json!({"company_id": "ACME-1", "name": "Acme"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = t
        .post(
            "/companies",
            json!({"company_id": "OTHER-1", "name": "Other"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.sim.subscribe_webhooks(&rx.url, COMPANY_TOPICS);
    let before = t.get(&format!("/contacts/{lead}")).await["updated_at"].clone();

    let answer = t
        .post(&format!("/contacts/{lead}/companies"), json!({"id": acme}))
        .await;
    assert_eq!(answer["type"], "company");
    assert_eq!(answer["user_count"], 1);
    let got = next(&mut rx, 1).await;
    assert_eq!(topics(&got), ["company.contact.attached"]);
    let item = &got[0].1;
    assert!(item.get("type").is_none(), "{item}");
    assert_eq!(item["company"]["id"], json!(acme));
    assert_eq!(item["company"]["company_id"], "ACME-1");
    assert_eq!(item["company"]["user_count"], 1);
    assert_eq!(item["contact"]["id"], json!(lead));
    assert_eq!(item["contact"]["role"], "lead");
    assert_eq!(item["contact"]["companies"]["data"][0]["id"], json!(acme));
    assert!(
        item["contact"]["updated_at"].is_string(),
        "ISO-8601 in webhooks"
    );
    assert!(t.get(&format!("/contacts/{lead}")).await["updated_at"].as_i64() >= before.as_i64());

    // Attaching again changes nothing and raises nothing: the next event is the detach.
    t.post(&format!("/contacts/{lead}/companies"), json!({"id": acme}))
        .await;
    t.delete(&format!("/contacts/{lead}/companies/{acme}"))
        .await;
    let got = next(&mut rx, 1).await;
    assert_eq!(topics(&got), ["company.contact.detached"]);
    let item = &got[0].1;
    // As captured: the item still shows the attachment it reports the end of.
    assert_eq!(item["contact"]["companies"]["data"][0]["id"], json!(acme));
    assert_eq!(item["company"]["user_count"], 1);
    // The API shows it gone.
    let companies = t.get(&format!("/contacts/{lead}/companies")).await;
    assert_eq!(companies["total_count"], 0);
    assert_eq!(t.get(&format!("/companies/{acme}")).await["user_count"], 0);

    // Detaching what is not attached raises nothing either.
    t.delete(&format!("/contacts/{lead}/companies/{acme}"))
        .await;
    t.post(&format!("/contacts/{lead}/companies"), json!({"id": other}))
        .await;
    let got = next(&mut rx, 1).await;
    assert_eq!(topics(&got), ["company.contact.attached"]);
    assert_eq!(got[0].1["company"]["company_id"], "OTHER-1");

    let (status, body) = t
        .call(
            Method::POST,
            &format!("/contacts/{lead}/companies"),
            Some(json!({"id": "000000000000000000000000"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "company_not_found");
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/contacts/{lead}/companies"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_not_found");
}

#[tokio::test]
async fn the_messenger_attaches_a_company_a_moment_after_the_lead() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, COMPANY_TOPICS);

    // The page names the company: upserted by its id, then attached, a second after the lead.
    let url = format!("{}/__sim/messenger/leads", t.sim.url());
    let http = t.http.clone();
    let call = tokio::spawn(async move {
        http.post(url)
            .json(
                &json!({"email": "sam@initech.example.com", "name": "Sam Lee",
                          "company": {"company_id": "ACC-0002", "name": "Initech"},
                          "attach_after_ms": 1000}),
            )
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    let got = next(&mut rx, 1).await;
    assert_eq!(topics(&got), ["contact.lead.created"]);
    assert!(!call.is_finished(), "the company comes a moment later");
    let answer = call.await.unwrap();
    let got = next(&mut rx, 2).await;
    assert_eq!(
        topics(&got),
        ["company.updated", "company.contact.attached"]
    );
    let attached = &got[1].1;
    assert_eq!(attached["contact"]["id"], answer["contact_id"]);
    assert_eq!(attached["contact"]["email"], "sam@initech.example.com");
    assert_eq!(attached["company"]["id"], answer["company_id"]);
    assert_eq!(attached["company"]["company_id"], "ACC-0002");

    // A qualification answer: a new nameless company, attached, then named.
    let outcome = t
        .sim
        .messenger_lead(MessengerLead {
            email: "ann@newco.example".into(),
            name: None,
            company: Some(MessengerCompany {
                company_id: None,
                name: Some("NewCo".into()),
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let got = next(&mut rx, 4).await;
    assert_eq!(
        topics(&got),
        [
            "contact.lead.created",
            "company.created",
            "company.contact.attached",
            "company.updated"
        ]
    );
    let company_id = got[1].1["company_id"].as_str().unwrap();
    assert!(
        company_id.ends_with("-qualification-company"),
        "{company_id}"
    );
    assert!(got[1].1["name"].is_null());
    assert!(got[2].1["company"]["name"].is_null());
    assert_eq!(got[3].1["name"], "NewCo");
    assert_eq!(got[2].1["contact"]["id"], json!(outcome.contact_id));
    assert_eq!(
        t.get(&format!("/contacts/{}/companies", outcome.contact_id))
            .await["data"][0]["id"],
        json!(outcome.company_id.unwrap())
    );

    // A lead alone.
    let alone = t
        .sim
        .messenger_lead(MessengerLead {
            email: "solo@example.org".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(alone.company_id, None);
    assert_eq!(topics(&next(&mut rx, 1).await), ["contact.lead.created"]);
}

#[tokio::test]
async fn delivery_modes_can_be_chosen_per_topic() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(&rx.url, CONVERSATION_TOPICS);
    t.sim.set_delivery_mode_for(
        &["conversation.user.created"],
        DeliveryMode {
            duplicate: false,
            out_of_order: true,
        },
    );
    t.sim.set_delivery_mode_for(
        &["conversation.admin.closed"],
        DeliveryMode {
            duplicate: true,
            out_of_order: false,
        },
    );
    let liam = t.contact_id("liam.silva@initech.example.com").await;
    let conv = t
        .sim
        .contact_starts_conversation(&liam, "<p>Hi</p>", vec![])
        .unwrap();
    t.sim
        .teammate_acts(&conv, PartInput::admin("comment", BOB, Some("Hello")))
        .unwrap();
    t.sim
        .teammate_acts(&conv, PartInput::admin("close", BOB, None))
        .unwrap();
    let mut envelopes = Vec::new();
    for _ in 0..4 {
        envelopes.push(rx.next().await.json());
    }
    let order: Vec<&str> = envelopes
        .iter()
        .map(|e| e["topic"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "conversation.admin.replied",
            "conversation.user.created",
            "conversation.admin.closed",
            "conversation.admin.closed",
        ],
        "the creation arrives after the reply; the close twice"
    );
    assert_eq!(
        envelopes[2]["id"], envelopes[3]["id"],
        "a repeat keeps its id"
    );

    // Over the control surface; one mode for every topic forgets the topics' own.
    let (status, answer) = t
        .control(
            Method::POST,
            "/__sim/webhooks/mode",
            json!({"duplicate": true, "topics": ["conversation.admin.noted"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for note in ["one", "two"] {
        t.sim
            .teammate_acts(&conv, PartInput::admin("note", BOB, Some(note)))
            .unwrap();
    }
    t.sim
        .teammate_acts(&conv, PartInput::admin("open", BOB, None))
        .unwrap();
    let got = next(&mut rx, 5).await;
    assert_eq!(
        topics(&got),
        [
            "conversation.admin.noted",
            "conversation.admin.noted",
            "conversation.admin.noted",
            "conversation.admin.noted",
            "conversation.admin.opened",
        ]
    );
    t.sim.set_delivery_mode(DeliveryMode::default());
    t.sim
        .teammate_acts(&conv, PartInput::admin("note", BOB, Some("three")))
        .unwrap();
    for action in ["close", "open"] {
        t.sim
            .teammate_acts(&conv, PartInput::admin(action, BOB, None))
            .unwrap();
    }
    assert_eq!(
        topics(&next(&mut rx, 3).await),
        [
            "conversation.admin.noted",
            "conversation.admin.closed",
            "conversation.admin.opened"
        ],
        "once each again"
    );
}
