//! The web pages in headless Chromium against the real server: what the page shows came from
//! the back end.

use sfbridge_tests::browser::PAGE_TIMEOUT;
use sfbridge_tests::{Browser, Sfbridge, paths, poll};
use shared::ConnectionsView;

/// The built pages are required here; say how to build them instead of failing obscurely.
fn require_built_pages() {
    if let Err(error) = paths::built_dist_dir() {
        panic!("{error:#}");
    }
}

#[tokio::test]
async fn a_server_without_installations_sends_the_browser_to_its_setup_link() {
    require_built_pages();
    let server = Sfbridge::serve().await.unwrap();
    let setup = server.printed("sfbridge setup: ").await.unwrap();
    assert!(setup.starts_with(&server.url("/setup?token=")), "{setup}");
    let browser = Browser::start().await.unwrap();

    // Not signed in: Connections sends the browser to sign in, which says how to set up.
    browser.goto(&server.url("/connections")).await.unwrap();
    browser
        .wait_for_path("to be the sign-in page", |path| path == "/signin")
        .await
        .unwrap();
    let empty = browser
        .wait_for_text(
            "[data-testid=signin-setup-needed]",
            "to say there is no installation yet",
            |text| text.contains("setup link"),
        )
        .await
        .unwrap();
    assert!(empty.contains("sfbridge serve"), "{empty}");

    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_deep_link_serves_the_app_which_shows_its_not_found_page() {
    require_built_pages();
    let server = Sfbridge::serve().await.unwrap();

    // The server answers unknown paths with index.html, so the app's router decides.
    let response = reqwest::get(server.url("/some/deep/link")).await.unwrap();
    assert_eq!(response.status(), 200);
    let index = std::fs::read_to_string(paths::dist_dir().join("index.html")).unwrap();
    assert_eq!(response.text().await.unwrap(), index);

    let browser = Browser::start().await.unwrap();
    browser.goto(&server.url("/some/deep/link")).await.unwrap();
    let not_found = browser
        .wait_for_text(
            "[data-testid=not-found]",
            "to show the app's not-found page",
            |text| !text.trim().is_empty(),
        )
        .await
        .unwrap();
    assert!(!not_found.trim().is_empty());

    browser.close().await.unwrap();
}

#[tokio::test]
async fn demo_page_shows_the_simulated_salesforce_org() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    // The demo checks its connections in the background: wait until the org is known.
    let org_ids: Vec<String> = poll(
        "the demo's Salesforce org id in /api/connections",
        PAGE_TIMEOUT,
        || async {
            let view: ConnectionsView = server.get_json("/api/connections").await?;
            let ids: Vec<String> = view
                .installations
                .iter()
                .filter_map(|i| i.salesforce.org_id.clone())
                .collect();
            if ids.is_empty() {
                anyhow::bail!("no installation with an org id yet: {view:?}");
            }
            Ok(Some(ids))
        },
    )
    .await
    .unwrap();
    let browser = Browser::start().await.unwrap();

    browser
        .sign_in(&server.admin_link("/connections").await.unwrap())
        .await
        .unwrap();
    let shown = browser
        .wait_for_text(
            "[data-testid=installation] [data-testid=salesforce-org-id]",
            "to show the org id from /api/connections",
            |text| org_ids.iter().any(|id| text.trim() == id),
        )
        .await
        .unwrap();
    assert!(org_ids.contains(&shown.trim().to_string()), "{shown:?}");

    browser.close().await.unwrap();
}

/// Clicks the element `css` names, once it is there.
async fn click_css(browser: &Browser, css: &str) {
    browser
        .wait_for_text(css, "to be there", |_| true)
        .await
        .unwrap();
    browser
        .client()
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_grants_and_revokes_admin_and_a_teammate_signs_in_with_a_one_time_link() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let (bob_id, bob_name, _) = sim::intercom::demo::TEAMMATES[1];
    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/team").await.unwrap())
        .await
        .unwrap();
    let row = format!("[data-testid=team-member][data-teammate-id=\"{bob_id}\"]");
    browser
        .wait_for_text(&row, "to list Bob as a teammate", |t| {
            t.contains(bob_name) && t.contains("Teammate")
        })
        .await
        .unwrap();

    // A one-time sign-in link for Bob, made on the page.
    click_css(&browser, &format!("{row} [data-testid=make-sign-in-link]")).await;
    let link = browser
        .wait_for_text("[data-testid=sign-in-link-url]", "to show the link", |t| {
            t.contains("/signin?link=")
        })
        .await
        .unwrap();

    // Make him admin, then take it back: the row, the server and the audit log agree.
    let bob_key = bob_id.to_string();
    let role_on_server = || async {
        let team: serde_json::Value = server.get_json("/api/admin/team").await.unwrap();
        team["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["teammate"]["id"] == bob_key.as_str())
            .unwrap()["role"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (role, label, logged) in [
        ("admin", "Admin", "admin granted"),
        ("teammate", "Teammate", "admin revoked"),
    ] {
        click_css(&browser, &format!("{row} [data-testid=toggle-admin]")).await;
        browser
            .wait_for_text(
                &format!("{row}[data-role={role}]"),
                &format!("to say {label}"),
                |t| t.contains(label),
            )
            .await
            .unwrap();
        browser
            .wait_for_text("[data-testid=audit-entry]", "to log it first", |t| {
                t.contains(logged)
            })
            .await
            .unwrap();
        assert_eq!(role_on_server().await, role);
    }

    // Signed out, Bob opens his link: the page waits for his "Sign in", so opening it (as a
    // chat app's preview would) uses nothing up.
    browser.click("sign-out").await.unwrap();
    browser
        .wait_for_path("to be the sign-in page", |p| p == "/signin")
        .await
        .unwrap();
    browser.goto(&link).await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=signin-link]",
            "to offer the link's Sign in",
            |t| t.contains("Sign in"),
        )
        .await
        .unwrap();
    browser.sign_in(&link).await.unwrap();
    browser
        .wait_for_text("[data-testid=signed-in-as]", "to name Bob", |t| {
            t.contains(bob_name) && t.contains("Teammate")
        })
        .await
        .unwrap();
    // A teammate: no admin page for him.
    browser.goto(&server.url("/team")).await.unwrap();
    browser
        .wait_for_text(".alert-error", "to refuse a teammate", |t| {
            t.contains("admins")
        })
        .await
        .unwrap();

    // The link worked once.
    browser.goto(&link).await.unwrap();
    browser.click("signin-link-submit").await.unwrap();
    browser
        .wait_for_text("[data-testid=signin-error]", "to say it was used", |t| {
            t.contains("already used")
        })
        .await
        .unwrap();

    browser.close().await.unwrap();
}

/// Types `text` into the input `[data-testid=<testid>]`, replacing what it held.
async fn type_into(browser: &Browser, testid: &str, text: &str) {
    let css = format!("[data-testid={testid}]");
    browser
        .wait_for_text(&css, "to be there", |_| true)
        .await
        .unwrap();
    let input = browser
        .client()
        .find(fantoccini::Locator::Css(&css))
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn connections_warns_before_a_switch_and_a_disconnect_names_what_goes() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let admin = server.admin().await.unwrap().clone();
    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/connections").await.unwrap())
        .await
        .unwrap();

    // Switching orgs: the panel says every link drops before the button is pressed.
    browser.click("switch-org").await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=switch-org-warning]",
            "to say every link drops",
            |t| t.contains("drops every link"),
        )
        .await
        .unwrap();
    browser
        .wait_for_text(
            "[data-testid=switch-org-panel] [data-testid=salesforce-connect-submit]",
            "to be the switch",
            |t| t.contains("Switch org"),
        )
        .await
        .unwrap();

    // Disconnecting: what goes, by name and count, and the installation's name to type.
    browser.click("disconnect").await.unwrap();
    let preview = browser
        .wait_for_text(
            "[data-testid=disconnect-preview]",
            "to name what is deleted",
            |t| t.contains("admins") && t.contains("Demo workspace"),
        )
        .await
        .unwrap();
    assert!(preview.contains("revoked at Salesforce"), "{preview}");
    type_into(&browser, "disconnect-name", "Demo").await;
    browser.click("disconnect-confirm").await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=connections-action-error]",
            "to refuse another name",
            |t| t.contains("nothing was deleted"),
        )
        .await
        .unwrap();
    let still: shared::ConnectionsView = server.get_json("/api/connections").await.unwrap();
    assert_eq!(still.installations.len(), 1);

    type_into(&browser, "disconnect-name", "Demo workspace").await;
    browser.click("disconnect-confirm").await.unwrap();
    browser
        .wait_for_path("to be sent to sign in", |p| p == "/signin")
        .await
        .unwrap();
    // Gone, with every session in it.
    let answer = admin
        .get(server.url("/api/connections"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);

    browser.close().await.unwrap();
}
