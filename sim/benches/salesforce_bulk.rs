//! A Bulk API 2.0 query job over 100,000 contacts, as a first sync reads them: the calls it
//! costs, how long the job and the download take, and what the simulator's memory does
//! meanwhile (a finished job keeps row ids; pages are rendered and streamed as they are read).
//!
//! `cargo bench -p sfbridge-sim --bench salesforce_bulk` prints the figures.

use std::time::{Duration, Instant};

use sim::salesforce::{Config, SalesforceSim};

/// `scale:N` holds 35% of N as contacts.
const SEED: u64 = 285_715;

/// Resident and peak resident memory of this process (Linux), in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sim = SalesforceSim::start(Config {
            seed: sim::Seed::Scale(SEED),
            daily_api_limit: u64::MAX,
            ..Config::default()
        })
        .await?;
        let (seeded, _) = memory();
        let http = reqwest::Client::new();
        let base = format!("{}/services/data/v62.0", sim.url());
        let token = sim.access_token();
        let calls = sim.api_calls();
        let started = Instant::now();
        let job: serde_json::Value = http
            .post(format!("{base}/jobs/query"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"operation": "query",
                "query": "SELECT Id, FirstName, LastName, Email, OwnerId, SystemModstamp, Account.Name, Account.OwnerId FROM Contact"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let id = job["id"].as_str().expect("job id").to_owned();
        let mut polls = 0;
        loop {
            polls += 1;
            let info: serde_json::Value = http
                .get(format!("{base}/jobs/query/{id}"))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            if info["state"] == "JobComplete" {
                break;
            }
            anyhow::ensure!(info["state"] != "Failed", "the job failed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let completed = started.elapsed();
        let (after_job, _) = memory();
        let download = Instant::now();
        let (mut rows, mut bytes, mut pages) = (0u64, 0u64, 0);
        let mut locator: Option<String> = None;
        loop {
            let url = match &locator {
                None => format!("{base}/jobs/query/{id}/results"),
                Some(l) => format!("{base}/jobs/query/{id}/results?locator={l}"),
            };
            let mut resp = http.get(url).bearer_auth(&token).send().await?.error_for_status()?;
            pages += 1;
            let next = resp
                .headers()
                .get("sforce-locator")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("null")
                .to_owned();
            // Count lines as they stream in; the header is one per page.
            while let Some(chunk) = resp.chunk().await? {
                bytes += chunk.len() as u64;
                rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
            }
            rows -= 1;
            if next == "null" {
                break;
            }
            locator = Some(next);
        }
        let downloaded = download.elapsed();
        let (_, peak) = memory();
        println!("bulk query job over {rows} contacts (scale:{SEED}):");
        println!("  job complete after      {:>8.0} ms ({polls} polls)", completed.as_secs_f64() * 1000.0);
        println!(
            "  download                {:>8.0} ms, {pages} pages, {:.1} MiB of CSV, {:.0} rows/s",
            downloaded.as_secs_f64() * 1000.0,
            bytes as f64 / 1_048_576.0,
            rows as f64 / downloaded.as_secs_f64()
        );
        println!("  API calls               {:>8}", sim.api_calls() - calls);
        println!("  memory (RSS)            seeded {seeded:.0} MiB, job done {after_job:.0} MiB, peak {peak:.0} MiB");
        sim.shutdown().await;
        Ok(())
    })
}
