//! The real `sfbridge serve` over HTTP: probes, the connections JSON, and refusing bad input.

use std::process::Stdio;

use sfbridge_tests::{Sfbridge, paths, server::isolate_env, server::random_key};

#[tokio::test]
async fn serve_answers_probes_and_the_connections_view() {
    let server = Sfbridge::serve().await.unwrap();

    for probe in ["/healthz", "/readyz"] {
        let response = reqwest::get(server.url(probe)).await.unwrap();
        assert_eq!(response.status(), 200, "GET {probe}");
    }

    // A new database has no installations: the way in is the setup link it printed.
    let setup = server.printed("sfbridge setup: ").await.unwrap();
    assert!(setup.contains("/setup?token="), "{setup}");
    let options: serde_json::Value = reqwest::get(server.url("/auth/options"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(options["needs_setup"], true, "{options}");
    // The API is closed to anyone not signed in.
    let closed = reqwest::get(server.url("/api/connections")).await.unwrap();
    assert_eq!(closed.status(), 401);
    let error: shared::ApiError = closed.json().await.unwrap();
    assert_eq!(error.error.code, "sign_in_required");
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    let server = Sfbridge::serve().await.unwrap();
    let url = server.url("/healthz");
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);

    let (status, stderr) = server.terminate().await.unwrap();
    assert!(status.success(), "exit after SIGTERM: {status}");
    assert!(
        reqwest::get(&url).await.is_err(),
        "nothing listens on {url} any more"
    );
    assert!(stderr.contains("stopped"), "logs say it stopped: {stderr}");
}

#[tokio::test]
async fn a_bad_database_url_exits_2_with_one_line_naming_the_key() {
    let mut cmd = tokio::process::Command::new(paths::sfbridge_bin().unwrap());
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--database-url", "nope://x"])
        .env("SFBRIDGE_SECRET_KEY", random_key());
    isolate_env(cmd.as_std_mut());
    let output = cmd
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {stderr}");
    assert!(lines[0].contains("database_url"), "names the key: {stderr}");
    assert!(
        String::from_utf8_lossy(&output.stdout).trim().is_empty(),
        "nothing on stdout: it never listened"
    );
}
