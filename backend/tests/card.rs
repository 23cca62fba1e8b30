//! The inbox card end to end: the app, the simulated org and workspace, real HTTP. Salesforce
//! calls are counted at the simulator.

mod support;

use serde_json::Value;
use sim::salesforce::{Fault, FaultKind};
use support::World;

async fn card(world: &World, conversation: &str) -> (u16, Value) {
    world
        .get(&format!("/api/card?conversation_id={conversation}"))
        .await
}

#[tokio::test]
async fn a_cold_card_costs_one_call_a_warm_one_none_and_matches_the_org() {
    let world = World::start().await;
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let before = world.salesforce.api_calls();
    let (status, cold) = card(&world, &conversation).await;
    assert_eq!(status, 200, "{cold}");
    assert_eq!(
        world.salesforce.api_calls() - before,
        1,
        "a cold card is one call"
    );
    let (_, warm) = card(&world, &conversation).await;
    assert_eq!(
        world.salesforce.api_calls() - before,
        1,
        "a warm card is free"
    );
    assert_eq!(cold, warm);

    assert_eq!(cold["state"], "found");
    assert_eq!(cold["matched_by"], "external_id");
    let person = &cold["person"];
    assert_eq!(person["kind"], "Contact");
    assert_eq!(person["name"], "Maya Patel");
    let contact = world
        .salesforce
        .record(person["id"].as_str().unwrap())
        .unwrap();
    let account = world
        .salesforce
        .record(contact["AccountId"].as_str().unwrap())
        .unwrap();
    assert_eq!(cold["account"]["name"], account["Name"]);
    assert_eq!(cold["account"]["number"], account["AccountNumber"]);
    // Maya's account is owned by Bob, who is an Intercom teammate.
    let owner = world
        .salesforce
        .record(account["OwnerId"].as_str().unwrap())
        .unwrap();
    assert_eq!(cold["owner"]["name"], owner["Name"]);
    assert_eq!(cold["owner"]["source"], "account_owner");
    assert!(cold["owner"]["teammate_id"].is_string());

    let opportunities = cold["opportunities"].as_array().unwrap();
    assert!(!opportunities.is_empty(), "{cold}");
    for shown in opportunities {
        let record = world
            .salesforce
            .record(shown["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(shown["stage"], record["StageName"]);
        assert_eq!(shown["amount"], record["Amount"]);
        assert_eq!(shown["close_date"], record["CloseDate"]);
        assert_eq!(record["AccountId"], account["Id"]);
        assert_eq!(shown["is_closed"], false);
    }
    // Closed ones on demand, from the same cached read.
    let (_, all) = world
        .get(&format!(
            "/api/card?conversation_id={conversation}&closed=true"
        ))
        .await;
    let closed = all["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["is_closed"] == true)
        .count();
    assert_eq!(
        closed,
        cold["closed_opportunities"].as_u64().unwrap() as usize
    );
    assert_eq!(world.salesforce.api_calls() - before, 1);
    world.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_cold_requests_make_one_call() {
    let world = World::start().await;
    let conversation = world
        .conversation_of("liam.silva@initech.example.com")
        .await;
    let before = world.salesforce.api_calls();
    let requests = (0..20).map(|_| card(&world, &conversation));
    let answers = futures_util::future::join_all(requests).await;
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && body["state"] == "found")
    );
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(world.salesforce.api_calls() - before, 1);
    world.stop().await;
}

#[tokio::test]
async fn a_lead_shows_its_status_and_a_stranger_the_reason() {
    let world = World::start().await;
    let lead_conversation = world
        .conversation_of("ava.garcia@northwindlabs.example.com")
        .await;
    let (status, lead) = card(&world, &lead_conversation).await;
    assert_eq!(status, 200, "{lead}");
    assert_eq!(lead["person"]["kind"], "Lead", "{lead}");
    let record = world
        .salesforce
        .record(lead["person"]["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(lead["person"]["lead_status"], record["Status"]);
    assert_eq!(lead["matched_by"], "email");

    let stranger = world.conversation_of("nora@nowhere.example").await;
    let (status, empty) = card(&world, &stranger).await;
    assert_eq!(status, 200);
    assert_eq!(empty["state"], "not_in_salesforce");
    assert_eq!(empty["reason"], "no_match");
    world.stop().await;
}

#[tokio::test]
async fn an_unknown_conversation_is_a_404_naming_it() {
    let world = World::start().await;
    let before = world.salesforce.api_calls();
    let (status, body) = card(&world, "999999999").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "conversation_not_found");
    assert_eq!(world.salesforce.api_calls(), before);
    world.stop().await;
}

#[tokio::test]
async fn a_session_refused_after_refresh_asks_to_reconnect_and_calls_nothing_more() {
    let world = World::start().await;
    let conversation = world
        .conversation_of("noah.haddad@umbrella.example.com")
        .await;
    // The call and its retry after a (successful) refresh both meet an invalid session.
    world
        .salesforce
        .inject(Fault::next(FaultKind::ExpiredSession, 2));
    let (status, body) = card(&world, &conversation).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "salesforce_reconnect_needed");
    // Both faulted calls were spent and nothing else was sent.
    let before = world.salesforce.api_calls();
    let (status, _) = card(&world, &conversation).await;
    assert_eq!(
        status, 200,
        "the connection works again once Salesforce does"
    );
    assert_eq!(world.salesforce.api_calls() - before, 1);
    world.stop().await;
}

#[tokio::test]
async fn salesforce_down_is_unreachable_then_retry_works() {
    let world = World::start().await;
    let conversation = world
        .conversation_of("ethan.jensen@tyrell.example.com")
        .await;
    world
        .salesforce
        .inject(Fault::next(FaultKind::Unavailable, 3));
    let (status, body) = card(&world, &conversation).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "salesforce_unreachable");
    let (status, body) = card(&world, &conversation).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "found");
    world.stop().await;
}

#[tokio::test]
async fn canvas_kit_renders_the_card_and_refuses_a_forged_signature() {
    let world = World::start().await;
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let admin = world.intercom.installer_admin_id();
    let verdict = world
        .intercom
        .canvas_initialize(
            &format!("{}/canvas/initialize", world.app),
            &conversation,
            admin,
        )
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let text = serde_json::to_string(&verdict.components()).unwrap();
    assert!(text.contains("Maya Patel"), "{text}");

    // A forged signature: 401, and neither service is asked anything.
    let salesforce_before = world.salesforce.api_calls();
    let intercom_before = world.intercom.request_counts()["total"];
    let response = world
        .http
        .post(format!("{}/canvas/initialize", world.app))
        .header("X-Body-Signature", "0".repeat(64))
        .header("Content-Type", "application/json")
        .body(verdict.request_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let unsigned = world
        .http
        .post(format!("{}/canvas/submit", world.app))
        .body(verdict.request_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(world.salesforce.api_calls(), salesforce_before);
    assert_eq!(world.intercom.request_counts()["total"], intercom_before);
    world.stop().await;
}

#[tokio::test]
async fn a_change_in_salesforce_reaches_the_card_within_seconds() {
    let world = World::start().await;
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let (_, before) = card(&world, &conversation).await;
    let contact = before["person"]["id"].as_str().unwrap().to_owned();
    world
        .salesforce
        .ui_update(
            &world.salesforce.admin_user_id(),
            "Contact",
            &contact,
            serde_json::json!({"Title": "Head of Streaming"}),
        )
        .unwrap();
    let started = std::time::Instant::now();
    let after = world
        .eventually(
            "the new title on the card",
            std::time::Duration::from_secs(10),
            || async {
                let (_, now) = card(&world, &conversation).await;
                (now["person"]["title"] == "Head of Streaming").then_some(now)
            },
        )
        .await;
    assert_eq!(after["person"]["id"], contact.as_str());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    world.stop().await;
}
