//! Salesforce -> Intercom sync: the latency from a change in Salesforce to the value written
//! in Intercom (p50/p99 over 500 changes, 50 ms added to every Salesforce call at the
//! simulator), and the Salesforce calls an idle installation spends (the reconciling sweep).
//! The demo world as is, with the Contact's `Title` mapped to Intercom's job title, and event
//! sync's budget generous (a million calls an hour) or as `SYNC_CALLS_PER_HOUR` says.
//!
//! Changes are made as a person in the Salesforce UI would (a change event, no API call), in
//! rounds: every Contact that carries an Intercom user id changes once, and the next round
//! starts when all have landed (a record changed again before its last change landed would
//! be one job, not two).
//!
//! `cargo bench -p sfbridge --bench sync_back`

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sfbridge::demo::DEMO_INSTALLATION_ID;
use sfbridge::store::LedgerQuery;
use sim::salesforce::{Fault, FaultKind};

mod common;
use common::{World, quantile, start};

const SALESFORCE_LATENCY: Duration = Duration::from_millis(50);
const CHANGES: usize = 500;
/// The idle window measured, with a sweep this often; calls per hour are scaled to the
/// default period.
const IDLE_WINDOW: Duration = Duration::from_secs(30);
const IDLE_SWEEP: Duration = Duration::from_secs(10);
const DEFAULT_SWEEP: Duration = Duration::from_secs(300);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

impl World {
    async fn contacts_with_keys(&self) -> Vec<String> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/services/data/{}/query",
                self.demo.salesforce.url(),
                sfbridge::salesforce::API_VERSION
            ))
            .query(&[(
                "q",
                "SELECT Id FROM Contact WHERE Intercom_Contact_Id__c != null ORDER BY Id",
            )])
            .bearer_auth(self.demo.salesforce.access_token())
            .send()
            .await
            .expect("Salesforce answers")
            .json()
            .await
            .expect("JSON");
        answer["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| r["Id"].as_str().expect("an id").to_owned())
            .collect()
    }

    /// How many Salesforce -> Intercom writes the ledger holds, per Salesforce record.
    async fn writes(&self) -> HashMap<String, usize> {
        let rows = self
            .demo
            .store
            .ledger(
                DEMO_INSTALLATION_ID,
                &LedgerQuery {
                    direction: Some("to_intercom".to_owned()),
                    outcome: Some("updated".to_owned()),
                    limit: 100_000,
                    ..LedgerQuery::default()
                },
            )
            .await
            .expect("the store answers");
        let mut counts = HashMap::new();
        for row in rows {
            *counts
                .entry(row.salesforce_id.unwrap_or_default())
                .or_insert(0) += 1;
        }
        counts
    }
}

async fn bench() {
    // Shorter than the configurable minimum, so a half-minute window sees several sweeps.
    let budget: u64 = std::env::var("SYNC_CALLS_PER_HOUR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("event sync's budget: {budget} Salesforce calls an hour");
    let world = start(|c| {
        c.sweep_every = IDLE_SWEEP;
        c.sync.calls_per_hour = Some(budget);
    })
    .await;
    world
        .edit_mappings(|m| {
            if m["object"] == "contact" && m["salesforce_field"] == "Title" {
                m["direction"] = json!("to_intercom");
            }
        })
        .await;
    let contacts = world.contacts_with_keys().await;
    assert!(!contacts.is_empty());
    let admin = world.demo.salesforce.admin_user_id();

    // Idle: nothing changes; only the sweep calls Salesforce.
    tokio::time::sleep(IDLE_SWEEP).await;
    let idle_before = world.demo.salesforce.api_calls();
    tokio::time::sleep(IDLE_WINDOW).await;
    let idle_calls = world.demo.salesforce.api_calls() - idle_before;
    let sweeps = IDLE_WINDOW.as_secs_f64() / IDLE_SWEEP.as_secs_f64();
    let per_sweep = idle_calls as f64 / sweeps;
    println!(
        "idle: {idle_calls} Salesforce calls in {IDLE_WINDOW:?} with a sweep every {IDLE_SWEEP:?} \
         ({per_sweep:.1} per sweep) -> {:.0} calls per hour at the default sweep ({DEFAULT_SWEEP:?})",
        per_sweep * 3600.0 / DEFAULT_SWEEP.as_secs_f64()
    );

    world
        .demo
        .salesforce
        .inject(Fault::rate(FaultKind::Latency(SALESFORCE_LATENCY), 1.0));
    let calls_before = world.demo.salesforce.api_calls();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(CHANGES);
    let mut round = 0;
    while latencies.len() < CHANGES {
        round += 1;
        let this_round = (CHANGES - latencies.len()).min(contacts.len());
        let seen = world.writes().await;
        let mut pending: Vec<(&String, usize, Instant)> = Vec::with_capacity(this_round);
        for contact in &contacts[..this_round] {
            world
                .demo
                .salesforce
                .ui_update(
                    &admin,
                    "Contact",
                    contact,
                    json!({"Title": format!("Round {round}")}),
                )
                .expect("the change is made");
            pending.push((
                contact,
                seen.get(contact).copied().unwrap_or(0),
                Instant::now(),
            ));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while !pending.is_empty() {
            assert!(Instant::now() < deadline, "changes never arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
            let now = world.writes().await;
            pending.retain(|(contact, before, at)| {
                let landed = now.get(*contact).copied().unwrap_or(0) > *before;
                if landed {
                    latencies.push(at.elapsed());
                }
                !landed
            });
        }
    }
    let elapsed = started.elapsed();
    let calls = world.demo.salesforce.api_calls() - calls_before;
    latencies.sort();
    println!(
        "{CHANGES} Salesforce changes ({round} rounds over {} Contacts) in {elapsed:.2?}: \
         {calls} Salesforce calls; latency to Intercom p50 {} ms, p99 {} ms, max {} ms",
        contacts.len(),
        quantile(&latencies, 0.5).as_millis(),
        quantile(&latencies, 0.99).as_millis(),
        latencies.last().copied().unwrap_or_default().as_millis()
    );
    world.print_worker_stats();
    world.finish().await;
}
