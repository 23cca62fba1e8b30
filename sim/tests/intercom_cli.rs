//! `sfbridge-sim intercom --port 0 --seed demo --redirect-url URL --workspaces 2
//! --credentials-json PATH` prints and writes its URL and every workspace's credentials, and
//! serves the API and OAuth with them.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn cli_prints_and_writes_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let creds_path = dir.path().join("intercom.json");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sfbridge-sim"))
        .args([
            "intercom",
            "--port",
            "0",
            "--seed",
            "demo",
            "--redirect-url",
            "http://127.0.0.1:9/callback",
            "--workspaces",
            "2",
            "--credentials-json",
        ])
        .arg(&creds_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.starts_with("client_secret:");
            printed.push(line);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("ready within 30 s");
    let field = |name: &str| {
        printed
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("{name} printed: {printed:?}"))
    };
    let (url, token, secret) = (field("url"), field("access_token"), field("client_secret"));
    let client_id = field("client_id");
    assert!(url.starts_with("http://127.0.0.1:"));
    let written: Value = serde_json::from_slice(&std::fs::read(&creds_path).unwrap()).unwrap();
    assert_eq!(written["url"], url.as_str());
    assert_eq!(written["access_token"], token.as_str());
    assert_eq!(written["client_secret"], secret.as_str());
    assert_eq!(written["client_id"], client_id.as_str());
    assert_eq!(written["workspace_id"], field("workspace_id").as_str());
    assert_eq!(
        written["redirect_urls"],
        serde_json::json!(["http://127.0.0.1:9/callback"])
    );
    let authorized = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!(
            "{url}/oauth?client_id={client_id}&state=s&sim_admin_id=991267401"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(authorized.status(), reqwest::StatusCode::FOUND);
    let location = authorized.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9/callback?code="),
        "{location}"
    );
    let me = |token: String| {
        let url = url.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{url}/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let first = me(token.clone()).await;
    assert_eq!(first["email"], "alice@example.com");
    assert_eq!(first["app"]["id_code"], "sfbdemo1");
    let listed = written["workspaces"].as_array().expect("every workspace");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["access_token"], token.as_str());
    let second = &listed[1];
    assert_ne!(second["client_id"], listed[0]["client_id"]);
    let second_me = me(second["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(second_me["email"], "alice@example.com");
    assert_eq!(second_me["app"]["id_code"], second["workspace_id"]);
    assert_ne!(second_me["id"], first["id"]);
    child.kill().await.unwrap();
}
