//! Filing a case from the inbox in headless Chromium against the real `sfbridge demo`: the
//! simulated org's three Case record types, its validation rule and its assignment rules decide
//! what the page shows and what the created case holds (read back from the simulator).

use anyhow::Result;
use fantoccini::{Locator, elements::Element};
use serde_json::{Value, json};
use sfbridge_tests::browser::PAGE_TIMEOUT;
use sfbridge_tests::{Browser, Sfbridge, paths, poll};
use shared::ConnectionsView;
use sim::intercom::demo::TEAMMATES;
use sim::salesforce::schema::record_type_id;
use sim::salesforce::seed::user_id;

const MAYA: &str = "maya.patel@globex.example.com";

/// The demo, connected, with the case settings given; the simulated org's URL.
async fn demo(form_mode: Value, owner_mode: &str) -> (Sfbridge, String) {
    if let Err(error) = paths::built_dist_dir() {
        panic!("{error:#}");
    }
    let server = Sfbridge::demo().await.unwrap();
    let org = poll("the demo's Salesforce org", PAGE_TIMEOUT, || async {
        let view: ConnectionsView = server.get_json("/api/connections").await?;
        let connected = view
            .installations
            .iter()
            .find(|i| i.salesforce.org_id.is_some())
            .and_then(|i| i.salesforce.instance_url.clone());
        Ok(connected)
    })
    .await
    .unwrap();
    settings(&server, form_mode, owner_mode).await;
    (server, org)
}

async fn settings(server: &Sfbridge, form_mode: Value, owner_mode: &str) {
    let response = server
        .admin()
        .await
        .unwrap()
        .put(server.url("/api/settings/cases"))
        .json(&json!({"form_mode": form_mode, "owner_mode": owner_mode}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn conversation_of(server: &Sfbridge, email: &str) -> String {
    let list: Value = server.get_json("/api/inbox/conversations").await.unwrap();
    list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact"]["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A record as the simulated org stores it.
async fn record(org: &str, id: &str) -> Value {
    reqwest::get(format!("{org}/__sim/records/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn find(browser: &Browser, testid: &str) -> Result<Element> {
    Ok(browser
        .client()
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await?)
}

/// Waits for the element and returns it.
async fn wait(browser: &Browser, testid: &str) -> Element {
    poll(&format!("[data-testid={testid}]"), PAGE_TIMEOUT, || async {
        Ok(Some(find(browser, testid).await?))
    })
    .await
    .unwrap()
}

async fn absent(browser: &Browser, testid: &str) -> Result<bool> {
    let all = browser
        .client()
        .find_all(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await?;
    Ok(all.is_empty())
}

/// The values a field's `<select>` offers (its blank entry left out).
async fn options(browser: &Browser, field: &str) -> Result<Vec<String>> {
    let select = find(browser, &format!("case-input-{field}")).await?;
    let mut out = Vec::new();
    for option in select.find_all(Locator::Css("option")).await? {
        if let Some(value) = option.attr("value").await?.filter(|v| !v.is_empty()) {
            out.push(value);
        }
    }
    Ok(out)
}

async fn submit_enabled(browser: &Browser) -> Result<bool> {
    Ok(find(browser, "case-submit").await?.is_enabled().await?)
}

/// Picks by the option's label, as a person reads it.
async fn choose(browser: &Browser, testid: &str, label: &str) {
    wait(browser, testid)
        .await
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("cannot choose {label:?} in {testid}: {e}"));
}

/// Replaces a text field's content as typing would (an `input` event per change).
async fn type_text(browser: &Browser, field: &str, text: &str) {
    let input = wait(browser, &format!("case-input-{field}")).await;
    browser
        .client()
        .execute(
            "arguments[0].value = ''; \
             arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::to_value(&input).unwrap()],
        )
        .await
        .unwrap();
    if !text.is_empty() {
        input.send_keys(text).await.unwrap();
    }
}

async fn until(browser: &Browser, what: &str, check: impl AsyncFn(&Browser) -> Result<bool>) {
    poll(what, PAGE_TIMEOUT, || async {
        check(browser).await.map(|ok| ok.then_some(()))
    })
    .await
    .unwrap();
}

/// Files the form as it stands; the created case as the simulator holds it.
async fn file(browser: &Browser, org: &str) -> (Value, String) {
    until(browser, "submit to be enabled", async |b: &Browser| {
        submit_enabled(b).await
    })
    .await;
    find(browser, "case-submit")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = wait(browser, "case-link").await;
    let id = link.attr("data-case-id").await.unwrap().unwrap();
    let number = link.text().await.unwrap();
    let case = record(org, &id).await;
    assert_eq!(case["CaseNumber"], number.trim());
    let owner = find(browser, "case-owner")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (case, owner)
}

#[tokio::test]
async fn record_types_switch_fields_required_fields_block_and_the_rule_shows_on_its_field() {
    let (server, org) = demo(json!({"mode": "record_types"}), "assign_teammate").await;
    let conversation = conversation_of(&server, MAYA).await;
    let card: Value = server
        .get_json(&format!("/api/card?conversation_id={conversation}"))
        .await
        .unwrap();
    let browser = Browser::start().await.unwrap();

    // Reached from the card, signed in as the installing teammate.
    browser
        .sign_in(
            &server
                .admin_link(&format!("/card/{conversation}"))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    wait(&browser, "card-create-case")
        .await
        .click()
        .await
        .unwrap();
    wait(&browser, "case-form").await;
    assert!(
        browser
            .client()
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with(&format!("/case/{conversation}"))
    );

    // Support, the default: its fields and picklist values.
    until(&browser, "the Support form", async |b: &Browser| {
        Ok(!absent(b, "case-field-Origin").await?)
    })
    .await;
    assert_eq!(
        options(&browser, "Type").await.unwrap(),
        ["Question", "Problem", "Feature Request"]
    );
    // Billing: no Origin, its own Type values.
    choose(&browser, "case-record-type", "Billing").await;
    until(&browser, "the Billing form", async |b: &Browser| {
        absent(b, "case-field-Origin").await
    })
    .await;
    assert_eq!(
        options(&browser, "Type").await.unwrap(),
        ["Question", "Billing"]
    );
    // Bug Report: the product and its area are required and empty, so submit waits.
    choose(&browser, "case-record-type", "Bug Report").await;
    wait(&browser, "case-field-Product__c").await;
    until(&browser, "submit to be blocked", async |b: &Browser| {
        Ok(!submit_enabled(b).await?)
    })
    .await;
    let hint = wait(&browser, "case-submit-hint")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        hint.contains("Product") && hint.contains("Product Area"),
        "{hint}"
    );
    choose(&browser, "case-input-Product__c", "Mobile App").await;
    until(&browser, "Mobile App's areas", async |b: &Browser| {
        Ok(options(b, "Product_Area__c").await? == ["Login", "Notifications", "Sync"])
    })
    .await;
    choose(&browser, "case-input-Product_Area__c", "Sync").await;
    until(&browser, "submit to be enabled", async |b: &Browser| {
        submit_enabled(b).await
    })
    .await;

    // Back to Support: closing without a description trips the org's validation rule, and
    // Salesforce's message shows beside the Description.
    choose(&browser, "case-record-type", "Support").await;
    choose(&browser, "case-input-Origin", "Web").await;
    choose(&browser, "case-input-Status", "Closed").await;
    type_text(&browser, "Description", "").await;
    until(&browser, "submit to be enabled", async |b: &Browser| {
        submit_enabled(b).await
    })
    .await;
    find(&browser, "case-submit")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let beside = wait(&browser, "case-error-Description").await;
    assert_eq!(
        beside.text().await.unwrap(),
        "Describe the resolution in the Description before closing the case."
    );
    // The input stays; with a description the same form files.
    let subject = find(&browser, "case-input-Subject")
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        subject.as_deref(),
        Some("Our last invoice shows the wrong amount. Can you check?")
    );
    type_text(&browser, "Description", "Refunded the difference.").await;
    let (case, owner) = file(&browser, &org).await;
    assert_eq!(case["RecordTypeId"], record_type_id(1));
    assert_eq!(case["Status"], "Closed");
    assert_eq!(case["ContactId"], card["person"]["id"]);
    assert_eq!(case["AccountId"], card["account"]["id"]);
    // Filed by the installer (Alice), whose profile may edit cases: she owns it.
    assert_eq!(case["OwnerId"], user_id(0));
    assert_eq!(owner, "Owned by Alice Anders.");

    browser.close().await.unwrap();
    server.terminate().await.unwrap();
}

#[tokio::test]
async fn the_owner_follows_the_setting_and_falls_back_to_salesforce_s_rules() {
    let (server, org) = demo(json!({"mode": "record_types"}), "assign_teammate").await;
    let conversation = conversation_of(&server, MAYA).await;
    let browser = Browser::start().await.unwrap();
    let case_page = format!("/case/{conversation}");
    // Opens the case form signed in as the teammate: the case is filed as them.
    let open_as = |n: usize| {
        let (browser, server, case_page) = (&browser, &server, &case_page);
        async move {
            let link = server
                .sign_in_link(&TEAMMATES[n].0.to_string(), case_page)
                .await
                .unwrap();
            browser.sign_in(&link).await.unwrap();
            wait(browser, "case-form").await;
            choose(browser, "case-input-Origin", "Phone").await;
        }
    };

    // Carol may edit cases: hers.
    open_as(2).await;
    let (case, owner) = file(&browser, &org).await;
    assert_eq!(case["OwnerId"], user_id(2));
    assert_eq!(owner, "Owned by Carol Chen.");

    // Bob's profile may not edit cases: Salesforce's rules (Support cases go to Carol).
    open_as(1).await;
    let (case, owner) = file(&browser, &org).await;
    assert_eq!(case["OwnerId"], user_id(2));
    assert!(owner.contains("bob@example.com"), "{owner}");
    assert!(owner.contains("assignment rules"), "{owner}");

    // Dave has no Salesforce user with his Intercom email any more: Salesforce's rules too.
    let response = reqwest::Client::new()
        .patch(format!("{org}/__sim/ui/User/{}", user_id(3)))
        .json(&json!({"fields": {"Email": "dave.diaz@elsewhere.example"}}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    open_as(3).await;
    let (case, owner) = file(&browser, &org).await;
    assert_eq!(case["OwnerId"], user_id(2));
    assert!(owner.contains("dave@example.com"), "{owner}");

    // A bug report filed by Alice, who may edit cases, stays hers (the rules would give it
    // to Dave's user).
    open_as(0).await;
    choose(&browser, "case-record-type", "Bug Report").await;
    choose(&browser, "case-input-Product__c", "Platform").await;
    choose(&browser, "case-input-Product_Area__c", "API").await;
    let (case, _) = file(&browser, &org).await;
    assert_eq!(case["RecordTypeId"], record_type_id(3));
    assert_eq!(case["OwnerId"], user_id(0));

    // "Use my Salesforce configuration": the rules decide whoever files.
    settings(&server, json!({"mode": "record_types"}), "salesforce_rules").await;
    open_as(0).await;
    assert!(absent(&browser, "case-filed-by").await.unwrap());
    let (case, owner) = file(&browser, &org).await;
    assert_eq!(case["OwnerId"], user_id(2));
    assert_eq!(owner, "Salesforce's assignment rules chose the owner.");

    browser.close().await.unwrap();
    server.terminate().await.unwrap();
}
