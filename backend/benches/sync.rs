//! Intercom -> Salesforce sync: Salesforce API calls per 1,000 Intercom-side changes, and the
//! latency from an Intercom change to the value in Salesforce (p50/p99), with 50 ms added to
//! every Salesforce call at the simulator, at several rates. The demo world, its webhooks and
//! its worker, as is, with event sync's budget generous (a million calls an hour) or as
//! `SYNC_CALLS_PER_HOUR` says (`SYNC_CALLS_PER_HOUR=1000` for a tight one).
//!
//! `cargo bench -p sfbridge --bench sync`

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sfbridge::demo::DEMO_INSTALLATION_ID;
use sim::salesforce::{Fault, FaultKind};

mod common;
use common::{World, quantile, start};

const SALESFORCE_LATENCY: Duration = Duration::from_millis(50);
const PEOPLE: usize = 1_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

impl World {
    /// One call to the simulated workspace, waiting out its rate limit as a client should.
    async fn intercom(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        loop {
            let response = self
                .http
                .request(
                    method.clone(),
                    format!("{}{path}", self.demo.intercom.url()),
                )
                .bearer_auth(self.demo.intercom.access_token())
                .header("Intercom-Version", "2.11")
                .json(&body)
                .send()
                .await
                .expect("Intercom answers");
            if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
                let reset = sfbridge::intercom::RateLimit::from_headers(response.headers())
                    .map_or(0, |limit| limit.reset_at.timestamp());
                let wait = (reset - chrono::Utc::now().timestamp()).clamp(0, 10) as u64;
                tokio::time::sleep(Duration::from_millis(wait * 1000 + 50)).await;
                continue;
            }
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            return response.json().await.expect("JSON");
        }
    }

    /// The Salesforce phone of each person (through the simulator, not the API).
    async fn phone(&self, intercom_id: &str) -> Option<Value> {
        let link = self
            .demo
            .store
            .person_link(DEMO_INSTALLATION_ID, intercom_id)
            .await
            .expect("the store answers")?;
        self.demo
            .salesforce
            .record(&link.salesforce_id)
            .map(|r| r["Phone"].clone())
    }
}

/// Sends one phone change per person, `per_second` of them a second (0: as fast as possible,
/// within Intercom's rate limit), while a watcher notes when each reaches Salesforce. Returns
/// (Salesforce calls, sorted latencies, wall time).
async fn round(
    world: &World,
    links: &Arc<HashMap<String, String>>,
    people: &[String],
    tag: u32,
    per_second: u32,
) -> (u64, Vec<Duration>, Duration) {
    let calls_before = world.demo.salesforce.api_calls();
    let started = Instant::now();
    let gap = (per_second > 0).then(|| Duration::from_secs(1) / per_second);
    let (sent_tx, mut sent_rx) =
        tokio::sync::mpsc::unbounded_channel::<(String, String, Instant)>();
    let total = people.len();
    let watch = async {
        let mut pending: Vec<(String, String, Instant)> = Vec::new();
        let mut latencies = Vec::with_capacity(total);
        let deadline = Instant::now() + Duration::from_secs(300);
        while latencies.len() < total {
            assert!(Instant::now() < deadline, "changes never arrived");
            while let Ok(item) = sent_rx.try_recv() {
                pending.push(item);
            }
            pending.retain(|(id, phone, at)| {
                let now = world
                    .demo
                    .salesforce
                    .record(&links[id])
                    .map(|r| r["Phone"].clone());
                let landed = now == Some(Value::String(phone.clone()));
                if landed {
                    latencies.push(at.elapsed());
                }
                !landed
            });
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies
    };
    let send = async {
        for (n, id) in people.iter().enumerate() {
            let phone = format!("+1 555 {tag}{n:05}");
            world
                .intercom(
                    reqwest::Method::PUT,
                    &format!("/contacts/{id}"),
                    json!({"phone": phone}),
                )
                .await;
            // The change exists in Intercom from its answer on.
            let _ = sent_tx.send((id.clone(), phone, Instant::now()));
            if let Some(gap) = gap {
                tokio::time::sleep_until((started + gap * (n as u32 + 1)).into()).await;
            }
        }
    };
    let (mut latencies, ()) = futures_util::future::join(watch, send).await;
    let elapsed = started.elapsed();
    latencies.sort();
    (
        world.demo.salesforce.api_calls() - calls_before,
        latencies,
        elapsed,
    )
}

async fn bench() {
    let budget: u64 = std::env::var("SYNC_CALLS_PER_HOUR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("event sync's budget: {budget} Salesforce calls an hour");
    let world = start(|c| c.sync.calls_per_hour = Some(budget)).await;
    // Lead Company from a plain attribute, so each person needs no Intercom company.
    world
        .intercom(
            reqwest::Method::POST,
            "/data_attributes",
            json!({"name": "company_name", "model": "contact", "data_type": "string"}),
        )
        .await;
    world
        .edit_mappings(|m| {
            if m["salesforce_field"] == "Company" {
                m["intercom_attribute"] = json!("custom_attributes.company_name");
            }
        })
        .await;
    world
        .demo
        .salesforce
        .inject(Fault::rate(FaultKind::Latency(SALESFORCE_LATENCY), 1.0));

    // Warm-up (not measured): 1,000 Intercom leads, each becoming a Salesforce Lead.
    let created_at = Instant::now();
    let calls_before = world.demo.salesforce.api_calls();
    let mut people = Vec::with_capacity(PEOPLE);
    for n in 0..PEOPLE {
        let made = world
            .intercom(
                reqwest::Method::POST,
                "/contacts",
                json!({"role": "lead", "email": format!("bench{n}@sync.example"),
                       "name": format!("Bench {n}"),
                       "custom_attributes": {"region": "AMER", "company_name": format!("Bench Co {n}")}}),
            )
            .await;
        people.push(made["id"].as_str().expect("an id").to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    for id in &people {
        while world.phone(id).await.is_none() {
            assert!(Instant::now() < deadline, "{id} was never created");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    println!(
        "lead creation: {PEOPLE} new Intercom leads -> {PEOPLE} Salesforce Leads in {:.2?}, {} Salesforce calls",
        created_at.elapsed(),
        world.demo.salesforce.api_calls() - calls_before
    );

    let mut links = HashMap::new();
    for id in &people {
        let link = world
            .demo
            .store
            .person_link(DEMO_INSTALLATION_ID, id)
            .await
            .expect("the store answers")
            .expect("linked");
        links.insert(id.clone(), link.salesforce_id);
    }
    let links = Arc::new(links);
    for (tag, rate, changes, label) in [
        (1, 0, PEOPLE, "burst (as fast as the client sends)"),
        (2, 200, PEOPLE, "steady 200 changes/s"),
        (3, 50, PEOPLE, "steady 50 changes/s"),
        (4, 10, 300, "steady 10 changes/s"),
        (5, 1, 40, "steady 1 change/s"),
    ] {
        // A fresh window of Intercom's rate limit (10 s) for each round.
        tokio::time::sleep(Duration::from_secs(10)).await;
        let (calls, latencies, elapsed) =
            round(&world, &links, &people[..changes], tag, rate).await;
        println!(
            "{label}: {changes} Intercom changes in {elapsed:.2?}: {calls} Salesforce calls ({:.1} per 1,000); latency p50 {} ms, p99 {} ms, max {} ms",
            calls as f64 * 1000.0 / changes as f64,
            quantile(&latencies, 0.5).as_millis(),
            quantile(&latencies, 0.99).as_millis(),
            latencies.last().copied().unwrap_or_default().as_millis()
        );
    }
    let counts = world
        .demo
        .store
        .job_counts()
        .await
        .expect("the store answers");
    println!(
        "queue: {} queued, {} running, {} parked",
        counts.queued, counts.running, counts.parked
    );
    world.print_worker_stats();
    world.finish().await;
}
