//! The official `intercom-client` npm library (pinned in `tests/clients/intercom/`), unmodified
//! and pointed at the simulator, works for contacts, companies, conversations and search.

mod intercom_support;

use std::path::PathBuf;

use intercom_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_node_client_works_against_the_simulator() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/intercom");
    assert!(
        dir.join("node_modules/intercom-client").is_dir(),
        "{}/node_modules is missing: run `cargo xtask test` (it runs `npm ci --prefix sim/tests/clients/intercom`), \
         or run that npm command yourself",
        dir.display()
    );
    let t = start().await;
    let out = tokio::process::Command::new("node")
        .arg("check.mjs")
        .current_dir(&dir)
        .env("INTERCOM_URL", t.sim.url())
        .env("INTERCOM_TOKEN", t.sim.access_token())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs (install Node.js 18 or later)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node check.mjs failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("")).expect("summary line");
    assert_eq!(summary["ok"], true);
    assert_eq!(
        summary["steps"].as_array().map(Vec::len),
        Some(9),
        "{summary}"
    );
    let counts = t.sim.request_counts();
    for route in [
        "POST /contacts/search",
        "POST /conversations/search",
        "POST /companies",
        "GET /conversations/{id}",
    ] {
        assert!(
            counts.get(route).copied().unwrap_or(0) > 0,
            "{route} was called: {counts:?}"
        );
    }
}
