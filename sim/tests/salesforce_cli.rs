//! `sfbridge-sim salesforce` prints its URL and token and writes them as JSON; the demo seed
//! is the same on every start.

use std::time::Duration;

use serde_json::Value;
use sim::salesforce::{Config, SalesforceSim};
use tokio::io::AsyncBufReadExt;

#[tokio::test]
async fn command_prints_and_writes_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sfbridge-sim"))
        .args([
            "salesforce",
            "--port",
            "0",
            "--seed",
            "demo",
            "--credentials-json",
        ])
        .arg(&creds)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let printed = tokio::time::timeout(Duration::from_secs(30), async {
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.starts_with("client_secret:");
            out.push(line);
            if done {
                break;
            }
        }
        out
    })
    .await
    .expect("the simulator starts within 30 s");
    let url = printed[0]
        .strip_prefix("Salesforce simulator at ")
        .unwrap()
        .to_owned();
    let token = printed[1]
        .strip_prefix("access token: ")
        .unwrap()
        .to_owned();
    let limits = reqwest::Client::new()
        .get(format!("{url}/services/data/v62.0/limits/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(limits.status(), reqwest::StatusCode::OK);
    // The command writes the file before printing, so it is complete by now.
    let written: Value = serde_json::from_slice(&std::fs::read(&creds).unwrap()).unwrap();
    assert_eq!(
        (written["url"].as_str(), written["access_token"].as_str()),
        (Some(url.as_str()), Some(token.as_str()))
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn demo_seed_is_deterministic_and_names_the_teammates() {
    let a = SalesforceSim::start(Config::default()).await.unwrap();
    let b = SalesforceSim::start(Config::default()).await.unwrap();
    let http = reqwest::Client::new();
    let query = |sim: &SalesforceSim, soql: &str| {
        http.get(format!(
            "{}/services/data/v62.0/query?q={}",
            sim.url(),
            urlencoding::encode(soql)
        ))
        .bearer_auth(sim.access_token())
        .send()
    };
    let soql = "SELECT Id, Name, AccountNumber, External_Id__c, CreatedDate FROM Account ORDER BY AccountNumber";
    let ra: Value = query(&a, soql).await.unwrap().json().await.unwrap();
    let rb: Value = query(&b, soql).await.unwrap().json().await.unwrap();
    assert_eq!(ra["records"], rb["records"]);
    assert_eq!(ra["totalSize"], 24);
    assert_eq!(ra["records"][0]["AccountNumber"], "ACC-0001");
    let users: Value = query(
        &a,
        "SELECT Email, IsActive, Profile.Name FROM User ORDER BY Email",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let emails: Vec<&str> = users["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["Email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "alice@example.com",
            "bob@example.com",
            "carol@example.com",
            "dave@example.com",
            "erin@example.com"
        ]
    );
    let stages: Value = query(
        &a,
        "SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        stages["totalSize"].as_u64().unwrap() >= 5,
        "opportunities in several stages"
    );
    let rts: Value = query(
        &a,
        "SELECT DeveloperName FROM RecordType WHERE SobjectType = 'Case'",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(rts["totalSize"], 3);
}
