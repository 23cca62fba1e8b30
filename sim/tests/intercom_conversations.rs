//! Conversations as the Intercom simulator serves them: the 500-part window of a long
//! conversation (and that nothing reads past it), part types and authors, attachments and
//! inline images, teammate-started conversations, and how each action moves a conversation.

mod intercom_support;

use intercom_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim::intercom::api::PartInput;
use sim::intercom::{Attachment, NewPart, PartAssignee, PartAuthor};

const BOB: u64 = 991_267_402;
const CAROL: u64 = 991_267_403;
const SUPPORT: u64 = 5_017_691;

fn parts(conversation: &Value) -> &Vec<Value> {
    conversation["conversation_parts"]["conversation_parts"]
        .as_array()
        .expect("a part list")
}

fn bodies(conversation: &Value) -> Vec<String> {
    parts(conversation)
        .iter()
        .map(|p| p["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// A conversation Maya starts; its id.
async fn maya_writes_in(t: &TestSim) -> String {
    let maya = t.contact_id("maya.patel@globex.example.com").await;
    t.sim
        .contact_starts_conversation(&maya, "<p>Hello</p>", vec![])
        .unwrap()
}

#[tokio::test]
async fn a_long_conversation_shows_only_its_latest_500_parts() {
    let t = start().await;
    let conv = maya_writes_in(&t).await;
    let (status, imported) = t
        .control(
            Method::POST,
            &format!("/__sim/conversations/{conv}/history"),
            json!({"sample": 1200}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{imported}");
    let ids = imported["part_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 1200);
    t.post(
        &format!("/conversations/{conv}/parts"),
        json!({"message_type": "close", "type": "admin", "admin_id": BOB}),
    )
    .await;

    let full = t.get(&format!("/conversations/{conv}")).await;
    let shown = parts(&full);
    assert_eq!(shown.len(), 500);
    assert_eq!(full["conversation_parts"]["total_count"], 500);
    assert_eq!(
        full["statistics"]["count_conversation_parts"], 1202,
        "every part counts: the opening message, 1,200 imported and the close"
    );
    // The newest 500, oldest first: imported parts 702..=1200, then the close.
    assert_eq!(shown[0]["id"], ids[701]);
    assert_eq!(shown[0]["body"], "<p>Teammate reply 702</p>");
    assert_eq!(shown[498]["id"], ids[1199]);
    assert_eq!(shown[499]["part_type"], "close");
    let created: Vec<i64> = shown
        .iter()
        .map(|p| p["created_at"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));

    // Intercom pages nothing here: paging parameters change nothing and the list answers no parts.
    for query in [
        "?page=2",
        "?per_page=150&starting_after=x",
        "?display_as=plaintext",
    ] {
        let again = t.get(&format!("/conversations/{conv}{query}")).await;
        assert_eq!(parts(&again).len(), 500, "{query}");
        assert_eq!(parts(&again)[0]["id"], ids[701], "{query}");
    }
    let listed = t.get("/conversations").await;
    let summary = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(conv))
        .unwrap();
    assert!(summary.get("conversation_parts").is_none());
    assert_eq!(summary["statistics"]["count_conversation_parts"], 1202);
}

#[tokio::test]
async fn a_sample_holds_notes_bots_inline_images_and_uploads() {
    let t = start().await;
    let conv = maya_writes_in(&t).await;
    t.sim.import_sample_parts(&conv, 80).unwrap();
    let full = t.get(&format!("/conversations/{conv}")).await;
    let shown = parts(&full);
    assert_eq!(shown.len(), 80);
    let kinds: Vec<(&str, &str)> = shown[..4]
        .iter()
        .map(|p| {
            (
                p["part_type"].as_str().unwrap(),
                p["author"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("comment", "user"),
            ("comment", "admin"),
            ("note", "admin"),
            ("comment", "bot")
        ]
    );
    assert!(
        shown[0]["body"]
            .as_str()
            .unwrap()
            .contains("<img src=\"https://downloads.intercomcdn.com/i/o/sfbdemo1/inline-1.png\">")
    );
    let upload = &shown[1]["attachments"][0];
    assert_eq!(upload["type"], "upload");
    assert_eq!(
        upload["url"],
        "https://downloads.intercomcdn.com/i/o/sfbdemo1/upload-2.png"
    );
    assert_eq!(upload["content_type"], "image/png");
    assert_eq!(upload["name"], "upload-2.png");
    let bot = &shown[3]["author"];
    assert_eq!(bot["name"], "Fin");
    assert_eq!(bot["email"], "operator+sfbdemo1@intercom.io");
    // Maya's conversation is unassigned: the sample's teammate is the workspace's first.
    assert_eq!(shown[1]["author"]["id"], "991267401");
    assert_eq!(full["custom_attributes"]["Has attachments"], true);
}

#[tokio::test]
async fn history_takes_any_part_type_and_author() {
    let t = start().await;
    let conv = maya_writes_in(&t).await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(
        &rx.url,
        &[
            "conversation.user.replied",
            "conversation.admin.replied",
            "conversation.admin.assigned",
            "conversation.admin.closed",
            "conversation.admin.noted",
        ],
    );
    let lead = t
        .post(
            "/contacts",
            json!({"role": "lead", "email": "visitor@example.org"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pdf = Attachment {
        name: "terms.pdf".into(),
        url: "https://downloads.intercomcdn.com/i/o/sfbdemo1/terms.pdf".into(),
        content_type: "application/pdf".into(),
        filesize: 12_345,
        width: None,
        height: None,
    };
    let history = vec![
        NewPart::comment(PartAuthor::Contact { id: lead.clone() }, "<p>Me too</p>")
            .at(1_767_700_000),
        NewPart::comment(PartAuthor::Team { id: SUPPORT }, "<p>The Support team</p>")
            .with_attachment(pdf),
        NewPart::assignment(
            "away_mode_assignment",
            PartAuthor::Bot,
            PartAssignee::Team { id: SUPPORT },
        ),
        NewPart::new("close", PartAuthor::Admin { id: BOB }),
    ];
    let ids = t.sim.import_parts(&conv, history).unwrap();
    assert_eq!(ids.len(), 4);
    let full = t.get(&format!("/conversations/{conv}")).await;
    let shown = parts(&full);
    assert_eq!(shown[0]["author"]["type"], "lead");
    assert_eq!(shown[0]["author"]["id"], json!(lead));
    assert_eq!(shown[0]["created_at"], 1_767_700_000);
    assert_eq!(shown[1]["author"]["type"], "team");
    assert_eq!(shown[1]["author"]["name"], "Support");
    assert_eq!(
        shown[1]["attachments"][0]["content_type"],
        "application/pdf"
    );
    assert!(shown[1]["attachments"][0]["width"].is_null());
    assert_eq!(shown[2]["part_type"], "away_mode_assignment");
    assert_eq!(
        shown[2]["assigned_to"],
        json!({"type": "team", "id": SUPPORT.to_string()})
    );
    assert_eq!(full["team_assignee_id"], SUPPORT);
    assert_eq!(full["state"], "closed");
    assert_eq!(shown[3]["state"], "closed");
    assert_eq!(full["statistics"]["last_closed_by_id"], BOB.to_string());

    // Someone the workspace does not have: nothing is added.
    let (status, body) = t
        .control(
            Method::POST,
            &format!("/__sim/conversations/{conv}/history"),
            json!({"parts": [
                {"part_type": "comment", "author": {"type": "admin", "id": BOB}, "body": "fine"},
                {"part_type": "comment", "author": {"type": "admin", "id": 1}, "body": "ghost"},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        parts(&t.get(&format!("/conversations/{conv}")).await).len(),
        4
    );
    // History raised no webhooks: the first to arrive is the note that follows it.
    t.sim
        .teammate_acts(&conv, PartInput::admin("note", BOB, Some("after")))
        .unwrap();
    assert_eq!(rx.next().await.json()["topic"], "conversation.admin.noted");
}

#[tokio::test]
async fn the_opening_message_keeps_its_attachments_and_inline_images() {
    let t = start().await;
    let maya = t.contact_id("maya.patel@globex.example.com").await;
    let started = t
        .post(
            "/conversations",
            json!({"from": {"type": "user", "id": maya}, "body": "Broken, see attached",
                   "attachment_urls": ["https://downloads.intercomcdn.com/i/o/sfbdemo1/shot.jpg"]}),
        )
        .await;
    let conv = started["conversation_id"].as_str().unwrap();
    let full = t.get(&format!("/conversations/{conv}")).await;
    assert_eq!(full["source"]["body"], "<p>Broken, see attached</p>");
    let shot = &full["source"]["attachments"][0];
    assert_eq!(shot["type"], "upload");
    assert_eq!(shot["name"], "shot.jpg");
    assert_eq!(shot["content_type"], "image/jpeg");
    assert!(shot["filesize"].is_u64() && shot["width"].is_u64());

    let (status, body) = t
        .call(
            Method::POST,
            "/conversations",
            Some(json!({"from": {"type": "user", "id": maya}, "body": "x",
                        "attachment_urls": vec!["https://example.org/a.png"; 11]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_invalid");
}

#[tokio::test]
async fn plaintext_bodies_on_request() {
    let t = start().await;
    let maya = t.contact_id("maya.patel@globex.example.com").await;
    let conv = t
        .sim
        .contact_starts_conversation(
            &maya,
            "<p>Tom &amp; Jerry<br>said &lt;hi&gt;</p><p>Bye</p>",
            vec![],
        )
        .unwrap();
    t.sim
        .contact_replies(
            &conv,
            &maya,
            "<p>Look <img src=\"https://downloads.intercomcdn.com/i/o/x/a.png\"></p>",
            vec![],
        )
        .unwrap();
    let plain = t
        .get(&format!("/conversations/{conv}?display_as=plaintext"))
        .await;
    assert_eq!(plain["source"]["body"], "Tom & Jerry\nsaid <hi>\nBye");
    assert_eq!(bodies(&plain), ["Look "]);
    let html = t.get(&format!("/conversations/{conv}")).await;
    assert!(bodies(&html)[0].contains("<img"));
}

#[tokio::test]
async fn replies_may_say_when_they_happened() {
    let t = start().await;
    let conv = maya_writes_in(&t).await;
    let maya = t.contact_id("maya.patel@globex.example.com").await;
    let replied = t
        .post(
            &format!("/conversations/{conv}/reply"),
            json!({"message_type": "comment", "type": "user", "intercom_user_id": maya,
                   "body": "Earlier", "created_at": 1_767_800_000}),
        )
        .await;
    assert_eq!(parts(&replied)[0]["created_at"], 1_767_800_000);
    assert!(replied["updated_at"].as_i64().unwrap() > 1_767_800_000);
}

#[tokio::test]
async fn a_conversation_a_teammate_starts_is_closed_and_theirs_until_the_contact_replies() {
    let t = start().await;
    let mut rx = receiver::start().await;
    t.sim.subscribe_webhooks(
        &rx.url,
        &[
            "conversation.admin.single.created",
            "conversation.user.replied",
        ],
    );
    let ava = t.contact_id("ava.garcia@northwindlabs.example.com").await;
    let message = t
        .post(
            "/messages",
            json!({"message_type": "inapp", "body": "Can we help?",
                   "from": {"type": "admin", "id": BOB.to_string()}, "to": {"type": "lead", "id": ava}}),
        )
        .await;
    assert_eq!(message["type"], "admin_message");
    assert_eq!(message["owner"]["id"], BOB.to_string());
    let conv = message["conversation_id"].as_str().unwrap().to_owned();
    let created = rx.next().await.json();
    assert_eq!(created["topic"], "conversation.admin.single.created");
    let item = &created["data"]["item"];
    assert_eq!(item["id"], json!(conv));
    assert_eq!(item["state"], "closed");
    assert_eq!(item["open"], false);
    assert_eq!(item["admin_assignee_id"], BOB);
    assert_eq!(item["source"]["delivered_as"], "admin_initiated");
    assert_eq!(item["source"]["author"]["type"], "admin");
    assert!(item["first_contact_reply"].is_null());
    assert_eq!(item["contacts"]["contacts"][0]["id"], json!(ava));
    assert_eq!(item["conversation_parts"]["total_count"], 0);

    // The same from Rust.
    let other = t
        .sim
        .teammate_starts_conversation(CAROL, &ava, "Following up")
        .unwrap();
    assert_ne!(other, conv);
    rx.next().await;

    t.sim
        .contact_replies(&conv, &ava, "Yes please", vec![])
        .unwrap();
    let replied = rx.next().await.json();
    assert_eq!(replied["topic"], "conversation.user.replied");
    let item = &replied["data"]["item"];
    assert_eq!(item["state"], "open");
    assert!(item["waiting_since"].is_i64());
    assert_eq!(
        item["first_contact_reply"]["created_at"],
        item["conversation_parts"]["conversation_parts"][0]["created_at"]
    );
}

#[tokio::test]
async fn assigning_reopens_and_opening_unsnoozes() {
    let t = start().await;
    let conv = maya_writes_in(&t).await;
    let path = format!("/conversations/{conv}/parts");
    let last = |c: &Value| parts(c).last().unwrap().clone();

    t.post(
        &path,
        json!({"message_type": "close", "type": "admin", "admin_id": BOB}),
    )
    .await;
    let assigned = t
        .post(&path, json!({"message_type": "assignment", "type": "admin", "admin_id": BOB, "assignee_id": CAROL}))
        .await;
    assert_eq!(last(&assigned)["part_type"], "assign_and_reopen");
    assert_eq!(assigned["state"], "open");
    assert_eq!(assigned["admin_assignee_id"], CAROL);

    let until = chrono::Utc::now().timestamp() + 3600;
    let snoozed = t
        .post(
            &path,
            json!({"message_type": "snoozed", "admin_id": BOB, "snoozed_until": until}),
        )
        .await;
    assert_eq!(snoozed["state"], "snoozed");
    assert_eq!(snoozed["open"], true);
    assert_eq!(snoozed["snoozed_until"], until);
    let to_team = t
        .post(&path, json!({"message_type": "assignment", "type": "team", "admin_id": BOB, "assignee_id": SUPPORT}))
        .await;
    assert_eq!(last(&to_team)["part_type"], "assign_and_unsnooze");
    assert_eq!(
        last(&to_team)["assigned_to"],
        json!({"type": "team", "id": SUPPORT.to_string()})
    );
    assert_eq!(to_team["team_assignee_id"], SUPPORT);
    assert_eq!(
        to_team["admin_assignee_id"], CAROL,
        "a team and a teammate at once"
    );
    assert!(to_team["snoozed_until"].is_null());

    t.sim
        .teammate_acts(&conv, PartInput::snooze(BOB, until))
        .unwrap();
    let woken = t
        .post(&path, json!({"message_type": "open", "admin_id": BOB}))
        .await;
    assert_eq!(last(&woken)["part_type"], "unsnoozed");
    assert_eq!(woken["state"], "open");

    let unassigned = t
        .sim
        .teammate_acts(&conv, PartInput::assign(BOB, 0))
        .unwrap();
    assert!(unassigned["admin_assignee_id"].is_null());
    assert_eq!(unassigned["team_assignee_id"], SUPPORT);
    let no_team = t
        .sim
        .teammate_acts(&conv, PartInput::assign_team(BOB, 0))
        .unwrap();
    assert!(no_team["team_assignee_id"].is_null());

    // A contact writing wakes a snoozed conversation and reopens a closed one.
    let maya = t.contact_id("maya.patel@globex.example.com").await;
    t.sim
        .teammate_acts(&conv, PartInput::snooze(BOB, until))
        .unwrap();
    let replied = t
        .sim
        .contact_replies(&conv, &maya, "Still there?", vec![])
        .unwrap();
    assert_eq!(replied["state"], "open");
    assert!(replied["snoozed_until"].is_null());
}

#[tokio::test]
async fn statistics_follow_the_parts() {
    let t = start().await;
    let conv = maya_writes_in(&t).await;
    let path = format!("/conversations/{conv}/parts");
    let fresh = t.get(&format!("/conversations/{conv}")).await;
    let stats = &fresh["statistics"];
    assert!(stats["first_contact_reply_at"].is_string());
    assert!(stats["first_admin_reply_at"].is_null());
    assert_eq!(stats["count_conversation_parts"], 1);
    assert!(fresh["waiting_since"].is_i64());

    // An assignment with a message is the first reply, as in the capture.
    let assigned = t
        .post(&path, json!({"message_type": "assignment", "type": "admin", "admin_id": BOB, "assignee_id": BOB, "body": "Let me look"}))
        .await;
    let stats = &assigned["statistics"];
    assert_eq!(stats["count_assignments"], 1);
    assert_eq!(stats["first_admin_reply_at"], stats["first_assignment_at"]);
    assert_eq!(
        stats["last_assignment_admin_reply_at"],
        stats["first_assignment_at"]
    );
    assert!(stats["time_to_assignment"].is_i64());
    assert!(assigned["waiting_since"].is_null());

    t.post(
        &path,
        json!({"message_type": "close", "type": "admin", "admin_id": CAROL}),
    )
    .await;
    let reopened = t
        .post(&path, json!({"message_type": "open", "admin_id": BOB}))
        .await;
    let stats = &reopened["statistics"];
    assert_eq!(stats["count_reopens"], 1);
    assert_eq!(stats["last_closed_by_id"], CAROL.to_string());
    assert!(stats["first_close_at"].is_string());
    assert_eq!(stats["count_conversation_parts"], 4);
    let teammates: Vec<&str> = reopened["teammates"]["admins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(teammates, ["991267402", "991267403"]);
}
