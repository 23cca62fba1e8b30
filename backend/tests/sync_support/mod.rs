//! Acting on both simulators the way people and services do, for the sync tests: Intercom
//! changes through its REST API (which sends the webhooks), Salesforce reads through SOQL, and
//! bounded polling for the sync to land.

#![allow(dead_code)] // each test binary uses part of it

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::World;

/// Polls `check` until it yields `Some`, at most `within`; panics naming `what` otherwise.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A call to the simulated Intercom workspace's REST API; the answer's JSON.
pub async fn intercom(world: &World, method: reqwest::Method, path: &str, body: Value) -> Value {
    let request = world
        .http
        .request(method, format!("{}{path}", world.intercom.url()))
        .bearer_auth(world.intercom.access_token())
        .header("Intercom-Version", "2.11")
        .header("Accept", "application/json");
    let request = if body.is_null() {
        request
    } else {
        request.json(&body)
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert!(status.is_success(), "Intercom {path}: {status} {answer}");
    answer
}

pub async fn update_contact(world: &World, id: &str, body: Value) -> Value {
    intercom(
        world,
        reqwest::Method::PUT,
        &format!("/contacts/{id}"),
        body,
    )
    .await
}

pub async fn create_contact(world: &World, body: Value) -> Value {
    intercom(world, reqwest::Method::POST, "/contacts", body).await
}

/// SOQL against the simulated org (an API call, like any reader's).
pub async fn soql(world: &World, query: &str) -> Vec<Value> {
    let response = world
        .http
        .get(format!(
            "{}/services/data/v62.0/query",
            world.salesforce.url()
        ))
        .query(&[("q", query)])
        .bearer_auth(world.salesforce.access_token())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{query}: {status} {body}");
    body["records"].as_array().cloned().unwrap_or_default()
}

/// Creates a record through the REST API, past duplicate rules (as an import would); its id.
pub async fn create_record(world: &World, object: &str, fields: Value) -> String {
    let response = world
        .http
        .post(format!(
            "{}/services/data/v62.0/sobjects/{object}/",
            world.salesforce.url()
        ))
        .bearer_auth(world.salesforce.access_token())
        .header("Sforce-Duplicate-Rule-Header", "allowSave=true")
        .json(&fields)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "create {object}: {status} {body}");
    body["id"].as_str().unwrap().to_owned()
}

/// The ledger entries of a record (either side's id), newest first.
pub async fn ledger_of(world: &World, record_id: &str) -> Vec<Value> {
    let (status, page) = world
        .get(&format!("/api/sync/ledger?record_id={record_id}"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["entries"].as_array().cloned().unwrap_or_default()
}

/// Waits until the ledger has an entry for `record_id` matching `pick`.
pub async fn ledger_entry(world: &World, record_id: &str, pick: impl Fn(&Value) -> bool) -> Value {
    eventually(Duration::from_secs(10), "a ledger entry", || async {
        ledger_of(world, record_id)
            .await
            .into_iter()
            .find(|e| pick(e))
    })
    .await
}

/// The Intercom id of the person with this email.
pub fn person(world: &World, email: &str) -> String {
    world
        .intercom
        .contact_id_by_email(email)
        .unwrap_or_else(|| panic!("no Intercom person {email}"))
}

/// The one Salesforce record `query` finds.
pub async fn one(world: &World, query: &str) -> Value {
    let mut rows = soql(world, query).await;
    assert_eq!(rows.len(), 1, "{query}: {rows:?}");
    rows.remove(0)
}

pub fn body(value: Value) -> Value {
    json!(value)
}

/// Waits until no job is queued or running.
pub async fn queue_drained(world: &World) {
    eventually(Duration::from_secs(10), "an empty job queue", || async {
        let counts = world.state.store.job_counts().await.unwrap();
        (counts.queued == 0 && counts.running == 0).then_some(())
    })
    .await;
}

/// Switches the Company fallback off, keeping the saved mappings, as an admin would on the
/// People sync page.
pub async fn company_fallback_off(world: &World) {
    let current = world.get("/api/settings/sync").await.1;
    let response = world
        .http
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({"mappings": current["mappings"], "lead_fallbacks": {"Company": null}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
