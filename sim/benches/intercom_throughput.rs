//! Simple-request throughput of the Intercom simulator: many keep-alive clients doing
//! `GET /contacts/{id}` and `GET /me` for a few seconds, client and server on the same machine.
//!
//! `cargo bench -p sfbridge-sim --bench intercom_throughput` (INTERCOM_BENCH_SECS, INTERCOM_BENCH_CLIENTS).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sim::intercom::{Config, IntercomSim};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let secs = env_or("INTERCOM_BENCH_SECS", 5);
    let clients = env_or("INTERCOM_BENCH_CLIENTS", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // No rate limit here: this measures the simulator, not its 429s.
        let config = Config { rate_limit_per_minute: u32::MAX, ..Config::default() };
        let sim = IntercomSim::start(config).await?;
        let contact = sim.contact_id_by_email("maya.patel@globex.example.com").expect("demo contact");
        let paths = Arc::new([format!("{}/contacts/{contact}", sim.url()), format!("{}/me", sim.url())]);
        let token = sim.access_token();
        let done = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for i in 0..clients {
            let http = reqwest::Client::new();
            let (paths, token, done, failed) = (paths.clone(), token.clone(), done.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                let mut n = i as usize;
                while Instant::now() < deadline {
                    let resp = http.get(&paths[n % 2]).bearer_auth(&token).header("Intercom-Version", "2.11").send().await;
                    match resp {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    n += 1;
                }
            }));
        }
        let started = Instant::now();
        for t in tasks {
            t.await?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let ok = done.load(Ordering::Relaxed);
        let rate = ok as f64 / elapsed;
        println!(
            "intercom_throughput: {ok} requests in {elapsed:.1} s with {clients} clients = {rate:.0} requests/s ({} failed)",
            failed.load(Ordering::Relaxed)
        );
        println!("target >= 5000 requests/s: {}", if rate >= 5000.0 { "met" } else { "NOT met" });
        sim.shutdown().await;
        anyhow::Ok(())
    })
}
