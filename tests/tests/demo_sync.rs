//! The README's demo walkthrough against the real `sfbridge demo`: a change made in the
//! simulated org through its REST API, as any Salesforce client would, shows in the simulated
//! Intercom workspace within seconds (the demo streams from the start and maps a contact's
//! Department to Intercom).

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use sfbridge_tests::{Sfbridge, poll};

const MAYA: &str = "maya.patel@globex.example.com";

#[tokio::test]
async fn a_salesforce_change_in_the_demo_reaches_intercom_within_seconds() -> Result<()> {
    let server = Sfbridge::demo().await?;
    let demo = server.demo_credentials().await?;
    let http = reqwest::Client::new();
    let salesforce = |path: &str| format!("{}/services/data/v62.0{path}", demo.salesforce.url);

    let found: Value = http
        .get(salesforce("/query"))
        .query(&[(
            "q",
            format!("SELECT Id FROM Contact WHERE Email = '{MAYA}'"),
        )])
        .bearer_auth(&demo.salesforce.access_token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let contact = found["records"][0]["Id"]
        .as_str()
        .context("Maya's contact")?
        .to_owned();
    let searched: Value = http
        .post(format!("{}/contacts/search", demo.intercom.url))
        .bearer_auth(&demo.intercom.access_token)
        .json(&json!({"query": {"field": "email", "operator": "=", "value": MAYA}}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let person = searched["data"][0]["id"]
        .as_str()
        .context("Maya in Intercom")?
        .to_owned();

    http.patch(salesforce(&format!("/sobjects/Contact/{contact}")))
        .bearer_auth(&demo.salesforce.access_token)
        .json(&json!({"Department": "Research"}))
        .send()
        .await?
        .error_for_status()?;

    let department = poll(
        "Maya's department in Intercom",
        Duration::from_secs(10),
        || async {
            let person: Value = http
                .get(format!("{}/contacts/{person}", demo.intercom.url))
                .bearer_auth(&demo.intercom.access_token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let department = person["custom_attributes"]["department"].clone();
            Ok((department == "Research").then_some(department))
        },
    )
    .await
    .with_context(|| format!("server log:\n{}", server.stderr()))?;
    assert_eq!(department, "Research");
    Ok(())
}
