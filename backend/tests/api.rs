//! The HTTP surface driven without a socket: probes, the JSON API, its errors, the pages.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use secrecy::SecretString;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::http::router;
use sfbridge::installations::Pairing;
use sfbridge::store::{ContactOutcome, Service, Store};
use shared::{ApiError, ConnectionState, ConnectionsView, SalesforceEnvironment};
use tower::ServiceExt;

struct TestApp {
    router: axum::Router,
    store: Store,
    cipher: Arc<Cipher>,
    _dir: tempfile::TempDir,
}

async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    // Each bundle's HTML entry, told apart by the script it loads.
    for (entry, bundle) in [("index.html", "teammate"), ("admin.html", "admin")] {
        std::fs::write(
            dist.join(entry),
            format!("<!doctype html><title>sfbridge</title><script src=\"/pkg/{bundle}.js\">"),
        )
        .unwrap();
    }
    // Big enough to be worth compressing.
    std::fs::write(dist.join("style.css"), "body { margin: 0; }\n".repeat(200)).unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let store = Store::open(&url.parse().unwrap()).await.unwrap();
    let cipher = Arc::new(Cipher::new(&SecretKey::generate()));
    let config = sfbridge::config::parse(Default::default(), |_| None).unwrap();
    let router = router(
        sfbridge::app::state(
            &config,
            store.clone(),
            (*cipher).clone(),
            "http://127.0.0.1:8080".to_owned(),
        ),
        &dist,
    );
    TestApp {
        router,
        store,
        cipher,
        _dir: dir,
    }
}

impl TestApp {
    async fn get(
        &self,
        path: &str,
        accept_encoding: Option<&str>,
    ) -> (StatusCode, http::HeaderMap, Vec<u8>) {
        let mut request = Request::get(path);
        if let Some(encoding) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }
}

#[tokio::test]
async fn probes_answer() {
    let app = spawn_app().await;
    let (status, _, body) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, br#"{"status":"ok"}"#);
    let (status, _, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains(r#""database":"sqlite""#)
    );

    app.store.close().await;
    let (status, _, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let error: ApiError = serde_json::from_slice(&body).unwrap();
    assert_eq!(error.error.code, "database_unreachable");
}

#[tokio::test]
async fn connections_show_each_installation_without_its_secrets() {
    let app = spawn_app().await;
    let pairing = Pairing {
        id: "acme".into(),
        name: "Acme support".into(),
        salesforce_environment: SalesforceEnvironment::Production,
        salesforce_login_url: "https://login.salesforce.com".into(),
        salesforce_instance_url: Some("https://acme.my.salesforce.com".into()),
        salesforce_client_id: None,
        salesforce_client_secret: None,
        salesforce_access_token: Some(SecretString::from("00Dsecret-token")),
        salesforce_refresh_token: None,
        intercom_api_base_url: "https://api.intercom.io".into(),
        intercom_access_token: Some(SecretString::from("intercom-secret-token")),
        intercom_client_secret: None,
    };
    app.store
        .save_installation(&pairing.seal(&app.cipher), 1_700_000_000_000)
        .await
        .unwrap();
    app.store
        .record_contact(
            "acme",
            Service::Salesforce,
            &ContactOutcome::Reached {
                remote_id: "00D5g000004ABCDEAA".into(),
                user_id: None,
            },
            1_700_000_001_000,
        )
        .await
        .unwrap();

    let (status, headers, body) = app.get("/api/connections", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("secret-token"), "{text}");
    let view: ConnectionsView = serde_json::from_str(&text).unwrap();
    assert_eq!(view.health.version, env!("CARGO_PKG_VERSION"));
    assert!(view.health.database.reachable);
    let acme = &view.installations[0];
    assert_eq!(acme.name, "Acme support");
    assert_eq!(acme.salesforce.state, ConnectionState::Connected);
    assert_eq!(
        acme.salesforce.org_id.as_deref(),
        Some("00D5g000004ABCDEAA")
    );
    assert_eq!(acme.intercom.state, ConnectionState::NotConnected);
}

#[tokio::test]
async fn unknown_api_paths_get_a_json_error_naming_them() {
    let app = spawn_app().await;
    let (status, _, body) = app.get("/api/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error: ApiError = serde_json::from_slice(&body).unwrap();
    assert_eq!(error.error.code, "not_found");
    assert_eq!(error.error.message, "no API endpoint GET /api/nothing-here");
}

#[tokio::test]
async fn deep_links_get_the_app_and_assets_are_compressed() {
    let app = spawn_app().await;
    let (status, _, body) = app.get("/connections/acme", None).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("<title>sfbridge</title>"));
    assert!(page.contains("/pkg/admin.js"), "an admin page: {page}");

    // Teammates' pages, and paths no bundle knows, get the teammate bundle; the home page
    // leads to Connections, an admin page.
    for (path, bundle) in [
        ("/card/215", "teammate"),
        ("/inbox", "teammate"),
        ("/no/such/page", "teammate"),
        ("/", "admin"),
    ] {
        let (status, _, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let page = String::from_utf8(body).unwrap();
        assert!(
            page.contains(&format!("/pkg/{bundle}.js")),
            "{path}: {page}"
        );
    }

    let (status, headers, body) = app.get("/style.css", Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(body.len() < 200 * 20, "compressed to {} bytes", body.len());
}
