//! Simple-request throughput of the simulated org: concurrent keep-alive clients reading
//! records by id (whole or `?fields=`) and the limits, over a 100,000-record org; then the
//! latency of a selective SOQL query over the same data, reported apart because its cost is
//! the query engine's full scan, not the server's.
//!
//! `cargo bench -p sfbridge-sim --bench salesforce_throughput` prints requests per second.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sim::salesforce::{Config, SalesforceSim};

const CLIENTS: usize = 32;
const REQUESTS: usize = 60_000;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sim = SalesforceSim::start(Config { seed: sim::Seed::Scale(100_000), daily_api_limit: u64::MAX, ..Config::default() }).await?;
        let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build()?;
        let base = format!("{}/services/data/v62.0", sim.url());
        let token = sim.access_token();
        let first: serde_json::Value = http
            .get(format!("{base}/query?q=SELECT+Id+FROM+Contact+LIMIT+500"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        let ids: Arc<Vec<String>> = Arc::new(
            first["records"].as_array().expect("records").iter().map(|r| r["Id"].as_str().expect("id").to_owned()).collect(),
        );
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (http, base, token, ids, next) = (http.clone(), base.clone(), token.clone(), ids.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= REQUESTS {
                        return Ok::<(), reqwest::Error>(());
                    }
                    let url = match n % 10 {
                        0 => format!("{base}/limits/"),
                        1..=4 => format!("{base}/sobjects/Contact/{}", ids[n % ids.len()]),
                        _ => format!("{base}/sobjects/Contact/{}?fields=Id,Email,LastName", ids[n % ids.len()]),
                    };
                    let resp = http.get(url).bearer_auth(&token).send().await?.error_for_status()?;
                    resp.bytes().await?;
                }
            }));
        }
        for t in tasks {
            t.await??;
        }
        let elapsed = started.elapsed();
        let rate = REQUESTS as f64 / elapsed.as_secs_f64();
        println!("salesforce_throughput: {REQUESTS} requests ({CLIENTS} clients) in {:.2}s = {rate:.0} requests/s", elapsed.as_secs_f64());
        assert_eq!(sim.api_calls(), REQUESTS as u64 + 1, "every request was answered and counted");

        let queries = 200;
        let started = Instant::now();
        for n in 0..queries {
            let soql = format!("SELECT+Id,Email,Account.Name+FROM+Contact+WHERE+Id='{}'", ids[n % ids.len()]);
            let resp = http.get(format!("{base}/query?q={soql}")).bearer_auth(&token).send().await?.error_for_status()?;
            resp.bytes().await?;
        }
        let per_query = started.elapsed().as_secs_f64() * 1000.0 / queries as f64;
        println!("salesforce_throughput: selective SOQL over 35,000 contacts: {per_query:.2} ms per query (sequential)");
        sim.shutdown().await;
        anyhow::Ok(())
    })
}
