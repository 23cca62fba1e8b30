//! The official `intercom-client` npm library (pinned in `tests/clients/intercom/`), unmodified
//! and pointed at the simulator, works for contacts, companies, conversations and search, and
//! with a token obtained through OAuth (the library has no call for the exchange itself).

mod intercom_support;

use std::path::PathBuf;

use intercom_support::*;
use sim::Seed;
use sim::intercom::{Config, IntercomSim};

fn client_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/intercom");
    assert!(
        dir.join("node_modules/intercom-client").is_dir(),
        "{}/node_modules is missing: run `cargo xtask test` (it runs `npm ci --prefix sim/tests/clients/intercom`), \
         or run that npm command yourself",
        dir.display()
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_node_client_works_against_the_simulator() {
    let dir = client_dir();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_node_client_works_with_a_token_from_oauth() {
    let sim = IntercomSim::start(Config {
        redirect_urls: vec!["http://127.0.0.1:9/oauth/intercom/callback".into()],
        ..Config::default()
    })
    .await
    .expect("simulator starts");
    let second = sim.add_workspace(Seed::Demo).expect("second workspace");
    let bob = second
        .teammates()
        .into_iter()
        .find(|t| t.email == "bob@example.com")
        .expect("bob")
        .id;
    let token = oauth_install(&sim, bob).await;
    let foreign = sim
        .contact_id_by_email("maya.patel@globex.example.com")
        .expect("a contact of the first workspace");
    let out = tokio::process::Command::new("node")
        .arg("oauth.mjs")
        .current_dir(client_dir())
        .env("INTERCOM_URL", sim.url())
        .env("INTERCOM_TOKEN", &token)
        .env("EXPECT_ADMIN_ID", bob.to_string())
        .env("EXPECT_WORKSPACE_ID", second.workspace_id())
        .env("FOREIGN_CONTACT_ID", &foreign)
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs (install Node.js 18 or later)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node oauth.mjs failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("")).expect("summary line");
    assert_eq!(
        summary["steps"].as_array().map(Vec::len),
        Some(3),
        "{summary}"
    );
    assert!(second.request_counts()["GET /me"] >= 1);
    assert!(second.request_counts()["GET /contacts/{id}"] >= 1);
}
