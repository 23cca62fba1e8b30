//! The simulated org driven by jsforce, a popular Salesforce client library, unmodified:
//! `sim/tests/clients/salesforce/drive.js` (package.json pins the version).

use std::path::PathBuf;

use sim::salesforce::{Config, SalesforceSim};

#[tokio::test]
async fn jsforce_drives_the_simulated_org() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/salesforce");
    assert!(
        dir.join("node_modules/jsforce").is_dir(),
        "jsforce is not installed in {}: run `cargo xtask test` (it runs `npm ci --prefix sim/tests/clients/salesforce`)",
        dir.display()
    );
    // Enough contacts (2,800) for the query to span two pages of 2,000.
    let sim = SalesforceSim::start(Config {
        seed: sim::Seed::Scale(8_000),
        ..Config::default()
    })
    .await
    .unwrap();
    let output = tokio::process::Command::new("node")
        .arg("drive.js")
        .current_dir(&dir)
        .env("SF_URL", sim.url())
        .env("SF_TOKEN", sim.access_token())
        .env("SF_CLIENT_ID", sim.client_id())
        .env("SF_CLIENT_SECRET", sim.client_secret())
        .output()
        .await
        .expect("node runs (install Node.js 20 or later)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "jsforce run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .expect("a JSON report line");
    assert_eq!(report["ok"], true);
    assert_eq!(report["contacts"], 2_800);
    // Its Bulk API 2.0 query read every contact from one job.
    assert_eq!(report["bulkContacts"], 2_800);
    let (query_jobs, ingest_jobs) = sim.bulk_jobs();
    assert_eq!(
        (query_jobs, ingest_jobs),
        (2, 3),
        "jsforce's bulk jobs reached the org"
    );
    assert!(sim.api_calls() > 10, "jsforce's calls were counted");
    sim.shutdown().await;
}
