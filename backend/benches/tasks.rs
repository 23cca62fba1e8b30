//! Conversations as Salesforce Tasks: the Salesforce calls 1,000 closes cost and the latency
//! from a close in Intercom to the Task's Description rewritten in Salesforce (p50/p99), with
//! 50 ms added to every Salesforce call at the simulator; and what one close costs alone.
//!
//! The demo world as is (the switch is on), routing off so that only the Tasks call
//! Salesforce. 1,000 conversations are started by the demo's people and their Tasks created
//! (not measured); then each gets a teammate's reply and is closed, all at once, and each
//! close is timed until the ledger shows its Task rewritten.
//!
//! `cargo bench -p sfbridge --bench tasks`

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sfbridge::demo::DEMO_INSTALLATION_ID;
use sfbridge::store::LedgerQuery;
use shared::owner::OwnerSettings;
use sim::intercom::api::PartInput;
use sim::salesforce::{Fault, FaultKind};

mod common;
use common::{World, quantile, start};

const SALESFORCE_LATENCY: Duration = Duration::from_millis(50);
const CONVERSATIONS: usize = 1_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

impl World {
    /// The Task rows of the ledger with this outcome, counted per conversation.
    async fn task_rows(&self, outcome: &str) -> HashMap<String, usize> {
        let rows = self
            .demo
            .store
            .ledger(
                DEMO_INSTALLATION_ID,
                &LedgerQuery {
                    direction: Some("to_salesforce".to_owned()),
                    object: Some("Conversation".to_owned()),
                    outcome: Some(outcome.to_owned()),
                    limit: 100_000,
                    ..LedgerQuery::default()
                },
            )
            .await
            .expect("the store answers");
        let mut counts = HashMap::new();
        for row in rows {
            *counts
                .entry(row.intercom_id.unwrap_or_default())
                .or_insert(0) += 1;
        }
        counts
    }

    async fn wait_for(&self, outcome: &str, ids: &[String], at_least: usize) {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let rows = self.task_rows(outcome).await;
            if ids
                .iter()
                .all(|id| rows.get(id).copied().unwrap_or(0) >= at_least)
            {
                return;
            }
            assert!(Instant::now() < deadline, "the Tasks never all landed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn bench() {
    let world = start(|c| c.sweep_every = Duration::from_secs(3600)).await;
    sfbridge::settings::save_owners(
        &world.demo.store,
        DEMO_INSTALLATION_ID,
        &OwnerSettings {
            sync_owners: true,
            route_conversations: false,
        },
        chrono::Utc::now().timestamp_millis(),
    )
    .await
    .expect("owners saved");
    let intercom = &world.demo.intercom;
    let people: Vec<String> = sim::intercom::demo::USERS
        .iter()
        .take(11)
        .map(|u| intercom.contact_id_by_email(u.1).expect("a demo person"))
        .collect();
    let bob = sim::intercom::demo::TEAMMATES[1].0;

    // Started and their Tasks created: not measured.
    let started = Instant::now();
    let mut ids = Vec::with_capacity(CONVERSATIONS);
    for n in 0..CONVERSATIONS {
        let person = &people[n % people.len()];
        ids.push(
            intercom
                .contact_starts_conversation(person, &format!("<p>Question {n}</p>"), vec![])
                .expect("a conversation starts"),
        );
    }
    world.wait_for("created", &ids, 1).await;
    println!(
        "{CONVERSATIONS} conversations started and their Tasks created in {:?}",
        started.elapsed()
    );

    world
        .demo
        .salesforce
        .inject(Fault::rate(FaultKind::Latency(SALESFORCE_LATENCY), 1.0));

    // One close alone.
    let alone = &ids[0];
    let calls_before = world.demo.salesforce.api_calls();
    intercom
        .teammate_acts(
            alone,
            PartInput::admin("comment", bob, Some("<p>Alone.</p>")),
        )
        .expect("a reply");
    intercom
        .teammate_acts(alone, PartInput::admin("close", bob, None))
        .expect("a close");
    world
        .wait_for("updated", std::slice::from_ref(alone), 1)
        .await;
    println!(
        "one close alone: {} Salesforce call(s)",
        world.demo.salesforce.api_calls() - calls_before
    );

    // 1,000 closes at once.
    let rest = &ids[1..];
    let seen = world.task_rows("updated").await;
    let calls_before = world.demo.salesforce.api_calls();
    let closing = Instant::now();
    let mut pending: HashMap<&String, Instant> = HashMap::with_capacity(rest.len());
    for id in rest {
        intercom
            .teammate_acts(
                id,
                PartInput::admin("comment", bob, Some("<p>Answered.</p>")),
            )
            .expect("a reply");
        intercom
            .teammate_acts(id, PartInput::admin("close", bob, None))
            .expect("a close");
        pending.insert(id, Instant::now());
    }
    let mut latencies = Vec::with_capacity(rest.len());
    let deadline = Instant::now() + Duration::from_secs(600);
    while !pending.is_empty() {
        let rows = world.task_rows("updated").await;
        pending.retain(|id, closed| {
            let landed = rows.get(*id).copied().unwrap_or(0) > seen.get(*id).copied().unwrap_or(0);
            if landed {
                latencies.push(closed.elapsed());
            }
            !landed
        });
        assert!(Instant::now() < deadline, "the closes never all landed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let calls = world.demo.salesforce.api_calls() - calls_before;
    latencies.sort();
    println!(
        "{} closes in {:?}: {calls} Salesforce calls ({:.1} per 1,000); close -> Description p50 {:?}, p99 {:?}, max {:?}",
        rest.len(),
        closing.elapsed(),
        calls as f64 * 1000.0 / rest.len() as f64,
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
    world.print_worker_stats();
    world.finish().await;
}
