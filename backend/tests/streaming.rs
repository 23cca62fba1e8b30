//! The Change Data Capture client against the simulated org's CometD endpoint.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use sfbridge::salesforce::streaming::{ChangeType, Replay, StreamError};
use sfbridge::salesforce::{self, Client};
use shared::sync::convert::SyncValue;
use sim::Seed;
use sim::salesforce::SalesforceSim;

async fn org() -> (SalesforceSim, Client) {
    let sim = SalesforceSim::start(sim::salesforce::Config {
        seed: Seed::Demo,
        // Quiet connects come back quickly, so a test never waits long for nothing.
        cometd_timeout: Duration::from_secs(2),
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::with_token(&sim.url(), SecretString::from(sim.access_token()));
    (sim, client)
}

/// Some contact of the demo org.
async fn a_contact(sim: &SalesforceSim) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/services/data/{}/query",
            sim.url(),
            salesforce::API_VERSION
        ))
        .query(&[("q", "SELECT Id FROM Contact ORDER BY Id LIMIT 1")])
        .bearer_auth(sim.access_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["records"][0]["Id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_ui_change_arrives_with_its_fields_and_no_client_name() {
    let (sim, client) = org().await;
    let contact = a_contact(&sim).await;
    let mut stream = client
        .stream(&[("/data/ContactChangeEvent".to_owned(), Replay::New)])
        .await
        .unwrap();
    sim.ui_update(
        &sim.admin_user_id(),
        "Contact",
        &contact,
        json!({"Title": "Chief Streaming Tester"}),
    )
    .unwrap();
    let events = stream.next_batch().await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.entity, "Contact");
    assert_eq!(event.record_ids, std::slice::from_ref(&contact));
    assert_eq!(event.change_type, ChangeType::Update);
    assert!(
        event.changed_fields.iter().any(|f| f == "Title"),
        "{event:?}"
    );
    assert!(event.values.contains(&(
        "Title".to_owned(),
        SyncValue::Text("Chief Streaming Tester".to_owned())
    )));
    assert_eq!(event.client, None);
    stream.disconnect().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn replay_from_a_stored_id_resumes_after_it_and_a_bad_id_asks_for_a_re_read() {
    let (sim, client) = org().await;
    let contact = a_contact(&sim).await;
    let mut stream = client
        .stream(&[("/data/ContactChangeEvent".to_owned(), Replay::New)])
        .await
        .unwrap();
    sim.ui_update(
        &sim.admin_user_id(),
        "Contact",
        &contact,
        json!({"Title": "One"}),
    )
    .unwrap();
    let first = stream.next_batch().await.unwrap();
    let stored = first.last().unwrap().replay_id;
    stream.disconnect().await;

    // Changes while nobody listens arrive on the next stream, from the stored position.
    sim.ui_update(
        &sim.admin_user_id(),
        "Contact",
        &contact,
        json!({"Title": "Two"}),
    )
    .unwrap();
    sim.ui_update(
        &sim.admin_user_id(),
        "Contact",
        &contact,
        json!({"Title": "Three"}),
    )
    .unwrap();
    let mut resumed = client
        .stream(&[("/data/ContactChangeEvent".to_owned(), Replay::After(stored))])
        .await
        .unwrap();
    let missed = resumed.next_batch().await.unwrap();
    let titles: Vec<_> = missed
        .iter()
        .flat_map(|e| e.values.iter())
        .filter(|(name, _)| name == "Title")
        .map(|(_, value)| value.clone())
        .collect();
    assert_eq!(
        titles,
        [
            SyncValue::Text("Two".into()),
            SyncValue::Text("Three".into())
        ]
    );
    assert!(missed.iter().all(|e| e.replay_id > stored));
    resumed.disconnect().await;

    let beyond = client
        .stream(&[(
            "/data/ContactChangeEvent".to_owned(),
            Replay::After(stored + 1_000_000),
        )])
        .await;
    assert!(matches!(beyond, Err(StreamError::ReplayUnavailable(_))));
    sim.shutdown().await;
}

#[tokio::test]
async fn our_own_writes_carry_our_client_name() {
    let (sim, client) = org().await;
    let mut stream = client
        .stream(&[("/data/ChangeEvents".to_owned(), Replay::New)])
        .await
        .unwrap();
    // A write through the API, tagged by the client as every call is.
    let created = reqwest::Client::new()
        .post(format!(
            "{}/services/data/{}/sobjects/Lead/",
            sim.url(),
            salesforce::API_VERSION
        ))
        .bearer_auth(sim.access_token())
        .header(
            "Sforce-Call-Options",
            format!("client={}", salesforce::CLIENT_NAME),
        )
        .json(&json!({"LastName": "Echo", "Company": "Loop Inc", "Region__c": "EMEA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let events = stream.next_batch().await.unwrap();
    let event = events.iter().find(|e| e.entity == "Lead").unwrap();
    assert_eq!(event.change_type, ChangeType::Create);
    assert_eq!(event.client.as_deref(), Some(salesforce::CLIENT_NAME));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_quiet_connect_returns_an_empty_batch_and_an_expired_session_is_reported() {
    let (sim, client) = org().await;
    let mut stream = client
        .stream(&[("/data/AccountChangeEvent".to_owned(), Replay::New)])
        .await
        .unwrap();
    assert!(stream.next_batch().await.unwrap().is_empty());
    sim.expire_sessions();
    // No refresh token on this client: the session is over.
    let error = stream.next_batch().await.unwrap_err();
    assert!(
        matches!(
            error,
            StreamError::Salesforce(salesforce::SalesforceError::ReconnectNeeded(_))
        ),
        "{error:?}"
    );
    sim.shutdown().await;
}
