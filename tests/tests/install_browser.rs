//! Installing as a new operator would, in headless Chromium against the real `sfbridge serve`
//! and both simulators, from an empty database: the setup link, Intercom by OAuth (and, in the
//! second test, by a pasted private-app token), a Salesforce sandbox, both connected; signing
//! out; a teammate signing in with Intercom sees the card and is refused the admin pages; an
//! admin adding a second workspace (of the same public app) from the Connections page.

use fantoccini::Locator;
use sfbridge_tests::{Browser, Sfbridge, paths};
use sim::intercom::IntercomSim;
use sim::intercom::demo::TEAMMATES;
use sim::salesforce::SalesforceSim;

fn require_built_pages() {
    if let Err(error) = paths::built_dist_dir() {
        panic!("{error:#}");
    }
}

/// `sfbridge serve` with the simulators as Intercom (its workspace's app as the public app)
/// and Salesforce (the login host of production and sandboxes alike).
async fn serve(salesforce: &SalesforceSim, intercom: &IntercomSim) -> Sfbridge {
    let server = Sfbridge::serve_with(&[
        ("SFBRIDGE_INTERCOM_API_URL", intercom.url()),
        ("SFBRIDGE_INTERCOM_OAUTH_URL", intercom.url()),
        ("SFBRIDGE_INTERCOM_CLIENT_ID", intercom.client_id()),
        ("SFBRIDGE_INTERCOM_CLIENT_SECRET", intercom.client_secret()),
        ("SFBRIDGE_SALESFORCE_CLIENT_ID", salesforce.client_id()),
        (
            "SFBRIDGE_SALESFORCE_CLIENT_SECRET",
            salesforce.client_secret(),
        ),
        ("SFBRIDGE_SALESFORCE_LOGIN_URL", salesforce.url()),
        ("SFBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL", salesforce.url()),
        (
            "SFBRIDGE_SALESFORCE_ALLOWED_HOSTS",
            salesforce.addr().to_string(),
        ),
    ])
    .await
    .unwrap();
    intercom
        .add_redirect_url(&server.url("/oauth/intercom/callback"))
        .unwrap();
    server
}

async fn click(browser: &Browser, testid: &str) {
    browser
        .wait_for_text(&format!("[data-testid={testid}]"), "to be there", |_| true)
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css(&format!("[data-testid={testid}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn type_into(browser: &Browser, testid: &str, text: &str) {
    browser
        .wait_for_text(&format!("[data-testid={testid}]"), "to be there", |_| true)
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css(&format!("[data-testid={testid}]")))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Connect a sandbox at step 2, then leave step 3 for the Connections page, which shows both
/// sides connected.
async fn salesforce_sandbox_then_connections(browser: &Browser) {
    browser
        .wait_for_path("to be step 2", |p| p == "/setup/salesforce")
        .await
        .unwrap();
    click(browser, "salesforce-login-sandbox").await;
    click(browser, "salesforce-connect-submit").await;
    browser
        .wait_for_text(
            "[data-testid=setup-salesforce-connected]",
            "to say Salesforce is connected",
            |t| t.contains("connected"),
        )
        .await
        .unwrap();
    browser
        .wait_for_text(
            "[data-testid=webhooks-url]",
            "to show the webhook URL",
            |t| t.ends_with("/webhooks/intercom"),
        )
        .await
        .unwrap();
    click(browser, "setup-done").await;
    for side in ["salesforce-state", "intercom-state"] {
        browser
            .wait_for_text(
                &format!("[data-testid=installation] [data-testid={side}]"),
                "to say connected",
                |t| t.trim() == "Connected",
            )
            .await
            .unwrap();
    }
    let environment = browser.page_text().await.unwrap();
    assert!(environment.contains("Sandbox"), "{environment}");
}

#[tokio::test]
async fn an_operator_installs_with_intercom_oauth_and_a_teammate_signs_in() {
    require_built_pages();
    let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
    let intercom = IntercomSim::start(Default::default()).await.unwrap();
    let server = serve(&salesforce, &intercom).await;
    let setup = server.printed("sfbridge setup: ").await.unwrap();
    let browser = Browser::start().await.unwrap();

    // Step 1: Intercom, approved by the teammate who installs.
    intercom.approve_next_as(TEAMMATES[0].0);
    browser.goto(&setup).await.unwrap();
    click(&browser, "intercom-oauth").await;
    salesforce_sandbox_then_connections(&browser).await;
    browser
        .wait_for_text("[data-testid=signed-in-as]", "to name the admin", |t| {
            t.contains(TEAMMATES[0].1) && t.contains("Admin")
        })
        .await
        .unwrap();

    // Sign out: the pages want a session again.
    click(&browser, "sign-out").await;
    browser
        .wait_for_path("to be the sign-in page", |p| p == "/signin")
        .await
        .unwrap();
    browser.goto(&server.url("/connections")).await.unwrap();
    browser
        .wait_for_path("to be sent to sign in", |p| p == "/signin")
        .await
        .unwrap();
    browser.goto(&server.url("/signin")).await.unwrap();

    // A teammate signs in with Intercom: the inbox and its card, not the admin pages.
    intercom.approve_next_as(TEAMMATES[1].0);
    click(&browser, "signin-intercom").await;
    browser
        .wait_for_path("to land in the inbox", |p| p.starts_with("/inbox"))
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=signed-in-as]", "to name the teammate", |t| {
            t.contains(TEAMMATES[1].1) && t.contains("Teammate")
        })
        .await
        .unwrap();
    let items = browser
        .wait_for_text("[data-testid=conversation-list]", "to list Maya", |t| {
            t.contains("Maya Patel")
        })
        .await;
    items.unwrap();
    for item in browser
        .client()
        .find_all(Locator::Css("[data-testid=conversation-item]"))
        .await
        .unwrap()
    {
        if item.text().await.unwrap().contains("Maya Patel") {
            item.click().await.unwrap();
            break;
        }
    }
    browser
        .wait_for_text(
            "[data-testid=card-person-name]",
            "to show Maya's card",
            |t| t.contains("Maya Patel"),
        )
        .await
        .unwrap();
    let nav = browser.page_text().await.unwrap();
    assert!(!nav.contains("Connections"), "no admin navigation: {nav}");
    browser.goto(&server.url("/connections")).await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=connections-error]",
            "to refuse a teammate",
            |t| t.contains("admins"),
        )
        .await
        .unwrap();

    browser.close().await.unwrap();
    server.terminate().await.unwrap();
    salesforce.shutdown().await;
    intercom.shutdown().await;
}

#[tokio::test]
async fn an_operator_installs_with_a_pasted_private_app_token() {
    require_built_pages();
    let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
    let intercom = IntercomSim::start(Default::default()).await.unwrap();
    let server = serve(&salesforce, &intercom).await;
    let setup = server.printed("sfbridge setup: ").await.unwrap();
    let browser = Browser::start().await.unwrap();

    browser.goto(&setup).await.unwrap();
    // A wrong token: a clear message, and the form stays.
    type_into(&browser, "intercom-access-token", "not-a-token").await;
    type_into(&browser, "intercom-client-secret", "whatever").await;
    click(&browser, "intercom-connect-submit").await;
    browser
        .wait_for_text("[data-testid=setup-error]", "to refuse the token", |t| {
            t.contains("nothing was stored")
        })
        .await
        .unwrap();
    browser.goto(&setup).await.unwrap();
    type_into(&browser, "intercom-access-token", &intercom.access_token()).await;
    type_into(
        &browser,
        "intercom-client-secret",
        &intercom.client_secret(),
    )
    .await;
    click(&browser, "intercom-connect-submit").await;
    salesforce_sandbox_then_connections(&browser).await;

    browser.close().await.unwrap();
    server.terminate().await.unwrap();
    salesforce.shutdown().await;
    intercom.shutdown().await;
}

#[tokio::test]
async fn an_admin_adds_a_second_workspace_from_the_connections_page() {
    require_built_pages();
    let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
    let intercom = IntercomSim::start(Default::default()).await.unwrap();
    // Another workspace the same public app will be installed in.
    let second = intercom.add_workspace(sim::Seed::Demo).unwrap();
    let server = serve(&salesforce, &intercom).await;
    let setup = server.printed("sfbridge setup: ").await.unwrap();
    let browser = Browser::start().await.unwrap();

    // The first installation, as an operator makes it.
    intercom.approve_next_as(TEAMMATES[0].0);
    browser.goto(&setup).await.unwrap();
    click(&browser, "intercom-oauth").await;
    salesforce_sandbox_then_connections(&browser).await;

    // "Add another installation": the second workspace's admin approves; its installation
    // is made, and they are signed in to it, on to its Salesforce step.
    click(&browser, "add-installation").await;
    browser
        .wait_for_text("[data-testid=setup-page] h1", "to add", |t| {
            t.contains("Add an installation")
        })
        .await
        .unwrap();
    intercom.approve_next_as(second.installer_admin_id());
    click(&browser, "intercom-oauth").await;
    browser
        .wait_for_path("to be the new installation's step 2", |p| {
            p == "/setup/salesforce"
        })
        .await
        .unwrap();
    browser.goto(&server.url("/connections")).await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=installation] [data-testid=intercom-workspace-id]",
            "to be the second workspace",
            |t| t.trim() == second.workspace_id(),
        )
        .await
        .unwrap();
    browser
        .wait_for_text(
            "[data-testid=installation] [data-testid=salesforce-state]",
            "to wait for its own org",
            |t| t.trim() != "Connected",
        )
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=signed-in-as]", "to be its admin", |t| {
            t.contains("Admin")
        })
        .await
        .unwrap();

    // Adding a workspace that has one already is refused, on the Connections page.
    click(&browser, "add-installation").await;
    intercom.approve_next_as(TEAMMATES[0].0);
    click(&browser, "intercom-oauth").await;
    browser
        .wait_for_text(
            "[data-testid=connections-refused]",
            "to say it has one",
            |t| t.contains("already has an installation"),
        )
        .await
        .unwrap();

    browser.close().await.unwrap();
    server.terminate().await.unwrap();
    salesforce.shutdown().await;
    intercom.shutdown().await;
}
