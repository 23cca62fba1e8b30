//! Inbox card latency and throughput, cold (Salesforce read) and warm (cached), through the
//! app's HTTP API, with 50 ms added to every Salesforce call at the simulator.
//!
//! `cargo bench -p sfbridge --bench card`

use std::time::{Duration, Instant};

use sfbridge::demo::DEMO_INSTALLATION_ID;
use sim::salesforce::{Fault, FaultKind};

mod common;
use common::{quantile, start};

const SALESFORCE_LATENCY: Duration = Duration::from_millis(50);
const COLD_ROUNDS: usize = 20;
const WARM_WORKERS: usize = 32;
const WARM_REQUESTS_PER_WORKER: usize = 300;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let world = start(|_| {}).await;
    let demo = &world.demo;
    let app = world.app();
    let http = world.http.clone();

    let list: serde_json::Value = http
        .get(format!("{app}/api/inbox/conversations"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the inbox answers")
        .json()
        .await
        .expect("JSON");
    let conversations: Vec<String> = list["conversations"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    // Warm the Intercom side (conversation -> contact, teammates): the figures are about Salesforce.
    for id in &conversations {
        get_card(&http, &app, id).await;
    }
    demo.salesforce
        .inject(Fault::rate(FaultKind::Latency(SALESFORCE_LATENCY), 1.0));

    // Cold, one at a time.
    let calls_before = demo.salesforce.api_calls();
    let mut cold = Vec::new();
    for _ in 0..COLD_ROUNDS {
        for id in &conversations {
            demo.state
                .cards
                .invalidate_installation(DEMO_INSTALLATION_ID);
            cold.push(get_card(&http, &app, id).await);
        }
    }
    let cold_calls = demo.salesforce.api_calls() - calls_before;

    // Cold, every conversation at once, round after round.
    let mut cold_parallel = Vec::new();
    let started = Instant::now();
    for _ in 0..COLD_ROUNDS {
        demo.state
            .cards
            .invalidate_installation(DEMO_INSTALLATION_ID);
        let round = conversations.iter().map(|id| get_card(&http, &app, id));
        cold_parallel.extend(futures_util::future::join_all(round).await);
    }
    let cold_parallel_rate = cold_parallel.len() as f64 / started.elapsed().as_secs_f64();

    // Warm.
    for id in &conversations {
        get_card(&http, &app, id).await;
    }
    let warm_calls_before = demo.salesforce.api_calls();
    let started = Instant::now();
    let workers = (0..WARM_WORKERS).map(|w| {
        let http = http.clone();
        let app = app.clone();
        let conversations = conversations.clone();
        tokio::spawn(async move {
            let mut took = Vec::with_capacity(WARM_REQUESTS_PER_WORKER);
            for i in 0..WARM_REQUESTS_PER_WORKER {
                let id = &conversations[(w + i) % conversations.len()];
                took.push(get_card(&http, &app, id).await);
            }
            took
        })
    });
    let mut warm = Vec::new();
    for worker in futures_util::future::join_all(workers).await {
        warm.extend(worker.expect("a worker"));
    }
    let warm_rate = warm.len() as f64 / started.elapsed().as_secs_f64();
    let warm_calls = demo.salesforce.api_calls() - warm_calls_before;

    println!(
        "inbox card, {} conversations, {} ms added per Salesforce call",
        conversations.len(),
        SALESFORCE_LATENCY.as_millis()
    );
    report("cold, sequential", &mut cold, None);
    report(
        "cold, all at once",
        &mut cold_parallel,
        Some(cold_parallel_rate),
    );
    report("warm, 32 clients", &mut warm, Some(warm_rate));
    println!(
        "Salesforce calls: cold {cold_calls} for {} cards ({:.2} per card); warm {warm_calls} for {} cards",
        cold.len(),
        cold_calls as f64 / cold.len() as f64,
        warm.len()
    );
    world.finish().await;
}

async fn get_card(http: &reqwest::Client, app: &str, conversation: &str) -> Duration {
    let started = Instant::now();
    let response = http
        .get(format!("{app}/api/card?conversation_id={conversation}"))
        .send()
        .await
        .expect("the app answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().await.expect("a body");
    started.elapsed()
}

fn report(name: &str, took: &mut [Duration], rate: Option<f64>) {
    took.sort();
    let at = |q: f64| quantile(took, q);
    println!(
        "{name:<20} n={:<6} p50 {:>8.2} ms  p99 {:>8.2} ms{}",
        took.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        rate.map(|r| format!("  {r:>8.0} req/s"))
            .unwrap_or_default()
    );
}
