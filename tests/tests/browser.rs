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
