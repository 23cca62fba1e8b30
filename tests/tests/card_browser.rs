//! The demo inbox in headless Chromium against the real `sfbridge demo`: what the card shows
//! equals what the simulated Salesforce org holds, read back through its own REST API.

use fantoccini::Locator;
use serde_json::Value;
use sfbridge_tests::browser::PAGE_TIMEOUT;
use sfbridge_tests::server::DemoCredentials;
use sfbridge_tests::{Browser, Sfbridge, paths, poll};

const API: &str = "/services/data/v62.0";

fn require_built_pages() {
    if let Err(error) = paths::built_dist_dir() {
        panic!("{error:#}");
    }
}

/// One SOQL query against the simulated org, as any client would send it.
async fn soql(credentials: &DemoCredentials, query: &str) -> Vec<Value> {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}{API}/query", credentials.salesforce.url))
        .query(&[("q", query)])
        .bearer_auth(&credentials.salesforce.access_token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["records"].as_array().unwrap().clone()
}

/// Clicks the conversation whose list entry names `who`, then waits for its card.
async fn open_conversation(browser: &Browser, who: &str) {
    browser
        .wait_for_text(
            "[data-testid=conversation-list]",
            &format!("to list {who}"),
            |text| text.contains(who),
        )
        .await
        .unwrap();
    let items = browser
        .client()
        .find_all(Locator::Css("[data-testid=conversation-item]"))
        .await
        .unwrap();
    for item in items {
        if item.text().await.unwrap().contains(who) {
            item.click().await.unwrap();
            return;
        }
    }
    panic!("no conversation item names {who}");
}

async fn attribute(browser: &Browser, css: &str, name: &str) -> Option<String> {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap()
        .attr(name)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_inbox_card_shows_what_salesforce_holds() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let credentials = server.demo_credentials().await.unwrap();
    let browser = Browser::start().await.unwrap();
    // The demo's inbox is a teammate page: the demo's link signs the browser in.
    browser
        .sign_in(&server.admin_link("/inbox").await.unwrap())
        .await
        .unwrap();

    // A contact with an account and open opportunities.
    open_conversation(&browser, "Maya Patel").await;
    browser
        .wait_for_text("[data-testid=card-person-name]", "to name Maya", |t| {
            t.contains("Maya Patel")
        })
        .await
        .unwrap();
    let contact = &soql(
        &credentials,
        "SELECT Id, AccountId, Account.Name, Account.Owner.Name FROM Contact \
         WHERE Email = 'maya.patel@globex.example.com'",
    )
    .await[0];
    let owner = browser
        .wait_for_text("[data-testid=card-owner]", "to name the owner", |t| {
            !t.is_empty()
        })
        .await
        .unwrap();
    assert!(
        owner.contains(contact["Account"]["Owner"]["Name"].as_str().unwrap()),
        "{owner:?} vs {contact}"
    );
    let account = browser
        .wait_for_text(
            "[data-testid=card-account-name]",
            "to name the account",
            |t| !t.is_empty(),
        )
        .await
        .unwrap();
    assert_eq!(account, contact["Account"]["Name"].as_str().unwrap());

    let open = soql(
        &credentials,
        &format!(
            "SELECT Id, StageName, Amount, CloseDate FROM Opportunity WHERE AccountId = '{}' \
             AND IsClosed = false",
            contact["AccountId"].as_str().unwrap()
        ),
    )
    .await;
    assert!(!open.is_empty(), "the demo account has open opportunities");
    let select = browser
        .client()
        .find(Locator::Css("[data-testid=opportunity-select]"))
        .await;
    for record in &open {
        let id = record["Id"].as_str().unwrap();
        if let Ok(select) = &select {
            select.clone().select_by_value(id).await.unwrap();
        }
        poll(
            "the chosen opportunity on the card",
            PAGE_TIMEOUT,
            || async {
                let shown = browser
                    .client()
                    .find(Locator::Css("[data-testid=opportunity]"))
                    .await?
                    .attr("data-id")
                    .await?;
                Ok((shown.as_deref() == Some(id)).then_some(()))
            },
        )
        .await
        .unwrap();
        let stage = attribute(&browser, "[data-testid=opportunity]", "data-stage").await;
        assert_eq!(stage.as_deref(), record["StageName"].as_str());
        let amount: f64 = attribute(&browser, "[data-testid=opportunity]", "data-amount")
            .await
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(amount, record["Amount"].as_f64().unwrap());
        let close = attribute(&browser, "[data-testid=opportunity]", "data-close-date").await;
        assert_eq!(close.as_deref(), record["CloseDate"].as_str());
        let stage_text = browser
            .client()
            .find(Locator::Css("[data-testid=opportunity-stage]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(stage_text, record["StageName"].as_str().unwrap());
    }

    // A lead shows its status.
    open_conversation(&browser, "Ava Garcia").await;
    let lead = &soql(
        &credentials,
        "SELECT Status FROM Lead WHERE Email = 'ava.garcia@northwindlabs.example.com'",
    )
    .await[0];
    let status = lead["Status"].as_str().unwrap().to_owned();
    browser
        .wait_for_text(
            "[data-testid=card-lead-status]",
            "to show the lead's status",
            |t| t == status,
        )
        .await
        .unwrap();

    // Nobody in Salesforce: the empty state says why.
    open_conversation(&browser, "Nora Nobody").await;
    browser
        .wait_for_text("[data-testid=card-empty-reason]", "to explain", |t| {
            !t.is_empty()
        })
        .await
        .unwrap();
    let reason = attribute(&browser, "[data-testid=card-empty-reason]", "data-reason").await;
    assert_eq!(reason.as_deref(), Some("no_match"));

    browser.close().await.unwrap();
    server.terminate().await.unwrap();
}
