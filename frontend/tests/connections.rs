//! The Connections page rendered in a real browser: from given data, from a failed answer,
//! and end to end through its own fetch.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use leptos::mount::mount_to;
use leptos::prelude::*;
use sfbridge_frontend::api::{LoadError, classify_failure};
use sfbridge_frontend::connections::{ConnectionsOverview, ConnectionsPage, LoadFailure};
use shared::{
    ConnectionState, ConnectionsView, DatabaseHealth, DatabaseKind, Health, InstallationStatus,
    IntercomWorkspace, SalesforceEnvironment, SalesforceOrg,
};
use support::{
    all_by_testid, by_testid, container, maybe_by_testid, text, wait_for, wait_for_testid,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn health(database: DatabaseHealth, queued_jobs: i64, parked_jobs: i64) -> Health {
    Health {
        version: "0.1.0".into(),
        database,
        queued_jobs,
        parked_jobs,
    }
}

/// One installation fully connected, one whose Intercom token was revoked.
fn two_installations() -> ConnectionsView {
    ConnectionsView {
        health: health(
            DatabaseHealth {
                kind: DatabaseKind::Sqlite,
                reachable: true,
            },
            3,
            1,
        ),
        installations: vec![
            InstallationStatus {
                id: "inst-acme".into(),
                name: "Acme Support".into(),
                salesforce: SalesforceOrg {
                    org_id: Some("00D5g000004XyZaEAK".into()),
                    instance_url: Some("https://acme.my.salesforce.com".into()),
                    environment: SalesforceEnvironment::Production,
                    state: ConnectionState::Connected,
                    last_contact_at: Some(now() - Duration::minutes(5)),
                    last_error: None,
                },
                intercom: IntercomWorkspace {
                    workspace_id: Some("ecahpwf5".into()),
                    api_base_url: "https://api.intercom.io".into(),
                    state: ConnectionState::Connected,
                    last_contact_at: Some(now() - Duration::seconds(10)),
                    last_error: None,
                },
                created_at: now() - Duration::days(3),
            },
            InstallationStatus {
                id: "inst-globex".into(),
                name: "Globex Sandbox".into(),
                salesforce: SalesforceOrg {
                    org_id: None,
                    instance_url: None,
                    environment: SalesforceEnvironment::Sandbox,
                    state: ConnectionState::NotConnected,
                    last_contact_at: None,
                    last_error: None,
                },
                intercom: IntercomWorkspace {
                    workspace_id: Some("gx42".into()),
                    api_base_url: "https://api.eu.intercom.io".into(),
                    state: ConnectionState::Error,
                    last_contact_at: Some(now() - Duration::hours(2)),
                    last_error: Some("401 Unauthorized: the access token was revoked".into()),
                },
                created_at: now() - Duration::hours(1),
            },
        ],
    }
}

/// The database's kind and its reachability, as shown under `health-database`.
fn database_parts(root: &Element) -> (String, String) {
    let database = by_testid(root, "health-database");
    let part = |class: &str| {
        let element = database.query_selector(class).unwrap().unwrap();
        support::visible_text(&element)
    };
    (part(".stat-value"), part(".stat-sub"))
}

#[wasm_bindgen_test]
fn shows_health_and_every_installations_connection_state() {
    let root = container();
    let data = two_installations();
    let _mounted = mount_to(root.clone(), move || {
        view! { <ConnectionsOverview view=data now=now() /> }
    });

    assert_eq!(text(&root, "health-version"), "v0.1.0");
    assert_eq!(database_parts(&root), ("SQLite".into(), "Reachable".into()));
    assert_eq!(text(&root, "health-queued-jobs"), "3");
    assert_eq!(text(&root, "health-parked-jobs"), "1");
    assert!(maybe_by_testid(&root, "installations-empty").is_none());

    let cards = all_by_testid(&root, "installation");
    assert_eq!(cards.len(), 2, "{}", root.inner_html());

    let acme = &cards[0];
    let acme_text = support::visible_text(acme);
    assert!(acme_text.contains("Acme Support"), "{acme_text}");
    assert!(acme_text.contains("Created 3 days ago"), "{acme_text}");
    assert!(
        acme_text.contains("https://acme.my.salesforce.com"),
        "{acme_text}"
    );
    assert!(acme_text.contains("Production"), "{acme_text}");
    assert!(acme_text.contains("5 minutes ago"), "{acme_text}");
    assert!(acme_text.contains("https://api.intercom.io"), "{acme_text}");
    assert_eq!(text(acme, "salesforce-state"), "Connected");
    assert_eq!(text(acme, "salesforce-org-id"), "00D5g000004XyZaEAK");
    assert_eq!(text(acme, "intercom-state"), "Connected");
    assert_eq!(text(acme, "intercom-workspace-id"), "ecahpwf5");
    assert_eq!(
        by_testid(acme, "salesforce-state").class_name(),
        "badge badge-ok"
    );
    assert!(maybe_by_testid(acme, "salesforce-error").is_none());
    assert!(maybe_by_testid(acme, "intercom-error").is_none());
    let instance_link = acme
        .query_selector("a[href=\"https://acme.my.salesforce.com\"]")
        .unwrap();
    assert!(instance_link.is_some(), "{}", acme.inner_html());

    let globex = &cards[1];
    let globex_text = support::visible_text(globex);
    assert!(globex_text.contains("Globex Sandbox"), "{globex_text}");
    assert!(globex_text.contains("Sandbox"), "{globex_text}");
    assert!(globex_text.contains("Never"), "{globex_text}");
    assert!(globex_text.contains("2 hours ago"), "{globex_text}");
    assert_eq!(text(globex, "salesforce-state"), "Not connected");
    assert_eq!(text(globex, "salesforce-org-id"), "Not connected yet");
    assert_eq!(text(globex, "intercom-state"), "Error");
    assert_eq!(
        by_testid(globex, "intercom-state").class_name(),
        "badge badge-error"
    );
    assert_eq!(text(globex, "intercom-workspace-id"), "gx42");
    assert_eq!(
        text(globex, "intercom-error"),
        "Last error 401 Unauthorized: the access token was revoked"
    );

    root.remove();
}

#[wasm_bindgen_test]
fn an_unreachable_database_and_no_installations_say_what_to_do() {
    let root = container();
    let data = ConnectionsView {
        health: health(
            DatabaseHealth {
                kind: DatabaseKind::Postgres,
                reachable: false,
            },
            0,
            0,
        ),
        installations: vec![],
    };
    let _mounted = mount_to(root.clone(), move || {
        view! { <ConnectionsOverview view=data now=now() /> }
    });

    assert_eq!(
        database_parts(&root),
        ("PostgreSQL".into(), "Unreachable".into())
    );
    assert_eq!(
        by_testid(&root, "health-database").get_attribute("data-reachable"),
        Some("false".into())
    );
    assert_eq!(
        root.query_selector("[data-testid=health-database] .status-dot")
            .unwrap()
            .unwrap()
            .class_name(),
        "status-dot status-error"
    );
    assert!(all_by_testid(&root, "installation").is_empty());
    let empty = text(&root, "installations-empty");
    assert!(empty.starts_with("No installations yet"), "{empty}");
    assert!(empty.contains("sfbridge demo"), "{empty}");
    assert!(
        !by_testid(&root, "health-parked-jobs")
            .parent_element()
            .unwrap()
            .class_name()
            .contains("stat-warn"),
        "no parked jobs, no warning"
    );

    root.remove();
}

#[wasm_bindgen_test]
fn a_failed_answer_shows_the_back_ends_message_and_code() {
    let root = container();
    let error = classify_failure(
        503,
        "Service Unavailable",
        r#"{"error":{"code":"database_unavailable","message":"The database is not reachable."}}"#,
    );
    let _mounted = mount_to(root.clone(), move || view! { <LoadFailure error=error /> });

    let shown = text(&root, "connections-error");
    assert!(shown.contains("Could not load connections"), "{shown}");
    assert!(shown.contains("The database is not reachable."), "{shown}");
    assert!(
        shown.contains("Error code database_unavailable, HTTP 503"),
        "{shown}"
    );
    assert_eq!(
        by_testid(&root, "connections-error").get_attribute("role"),
        Some("alert".into())
    );

    root.remove();
}

#[wasm_bindgen_test]
fn a_network_failure_is_shown_without_a_status() {
    let root = container();
    let error = LoadError::Network("TypeError: Failed to fetch".into());
    let _mounted = mount_to(root.clone(), move || view! { <LoadFailure error=error /> });

    let shown = text(&root, "connections-error");
    assert!(
        shown.contains("Could not reach the sfbridge server: TypeError: Failed to fetch"),
        "{shown}"
    );
    assert!(!shown.contains("HTTP"), "{shown}");

    root.remove();
}

/// The page fetches `/api/connections` from wherever it is served. The test runner's own web
/// server has no such endpoint and answers 404 without our error body, so the real fetch,
/// loading state and error rendering all run here; the success path against the real back
/// end is covered by the browser tests in `tests/`.
#[wasm_bindgen_test]
async fn the_page_fetches_and_reports_an_http_failure() {
    let root = container();
    let _mounted = mount_to(root.clone(), || view! { <ConnectionsPage /> });

    let error = wait_for_testid(&root, "connections-error").await;
    let shown = support::visible_text(&error);
    assert!(shown.contains("The server answered HTTP 404"), "{shown}");
    assert!(maybe_by_testid(&root, "connections-loading").is_none());
    assert!(maybe_by_testid(&root, "health-version").is_none());

    root.remove();
}

fn connections_requests() -> u32 {
    support::requests_to(sfbridge_frontend::api::CONNECTIONS_PATH)
}

#[wasm_bindgen_test]
async fn refresh_asks_the_server_again() {
    let root = container();
    let _mounted = mount_to(root.clone(), || view! { <ConnectionsPage /> });
    wait_for_testid(&root, "connections-error").await;
    let button = by_testid(&root, "connections-refresh");
    wait_for(&root, "the Refresh button to be ready", || {
        (!button.has_attribute("disabled")).then_some(())
    })
    .await;
    let before = connections_requests();
    assert!(before >= 1, "the page's first load is on record");

    button.unchecked_ref::<web_sys::HtmlElement>().click();

    wait_for(&root, "a second request to /api/connections", || {
        (connections_requests() > before).then_some(())
    })
    .await;
    // The answer is the same failure, shown again once the refresh is over.
    wait_for(&root, "the refresh to finish", || {
        (!button.has_attribute("disabled")).then_some(())
    })
    .await;
    assert_eq!(support::visible_text(&button), "Refresh");
    assert!(text(&root, "connections-error").contains("The server answered HTTP 404"));

    root.remove();
}
