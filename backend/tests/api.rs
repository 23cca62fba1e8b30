//! The HTTP surface driven without a socket: probes, the JSON API, its errors, the pages.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use secrecy::SecretString;
use sfbridge::auth::{Clock, IntercomConnection, ManualTime};
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::http::router;
use sfbridge::installations::Pairing;
use sfbridge::store::{ContactOutcome, Service, Store};
use shared::pages::Bundle;
use shared::{ApiError, ConnectionState, ConnectionsView, SalesforceEnvironment};
use tower::ServiceExt;

struct TestApp {
    router: axum::Router,
    store: Store,
    cipher: Arc<Cipher>,
    state: sfbridge::http::AppState,
    time: ManualTime,
    _dir: tempfile::TempDir,
}

/// The app's public URL in these tests, and so its Host and Origin.
const PUBLIC: &str = "http://127.0.0.1:8080";
const HOST: &str = "127.0.0.1:8080";

async fn spawn_app() -> TestApp {
    spawn_app_with(sfbridge::config::RawConfig::default()).await
}

/// The app with more configuration (apps at Intercom and Salesforce, say); its public URL is
/// always [`PUBLIC`].
async fn spawn_app_with(raw: sfbridge::config::RawConfig) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    // Each bundle's HTML entry, told apart by the script it loads.
    for bundle in Bundle::ALL {
        let (entry, bundle) = (bundle.entry(), bundle.name());
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
    let config = sfbridge::config::parse(
        sfbridge::config::RawConfig {
            public_url: Some(PUBLIC.to_owned()),
            ..raw
        },
        |_| None,
    )
    .unwrap();
    let (clock, time) = Clock::manual(1_800_000_000_000);
    let state = sfbridge::app::state_on(
        &config,
        store.clone(),
        (*cipher).clone(),
        PUBLIC.to_owned(),
        clock,
    );
    let router = router(state.clone(), &dist);
    TestApp {
        router,
        store,
        cipher,
        state,
        time,
        _dir: dir,
    }
}

impl TestApp {
    async fn get(
        &self,
        path: &str,
        accept_encoding: Option<&str>,
    ) -> (StatusCode, http::HeaderMap, Vec<u8>) {
        let mut request = Request::get(path).header(header::HOST, HOST);
        if let Some(encoding) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A session for the teammate in the installation (an admin if `admin`): its cookie.
    async fn sign_in(&self, installation: &str, teammate: &str, admin: bool) -> String {
        if admin {
            self.store
                .grant_admin(installation, teammate, None, 0)
                .await
                .unwrap();
        }
        let (token, _) = self
            .state
            .auth
            .open_session(
                &self.store,
                installation,
                &sfbridge::auth::teammate(teammate, Some("Tess"), None),
            )
            .await
            .unwrap();
        format!(
            "sfbridge_session={}",
            secrecy::ExposeSecret::expose_secret(&token)
        )
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, http::HeaderMap, Vec<u8>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
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
        intercom_workspace_id: None,
        intercom_connection: IntercomConnection::Token,
        installer_admin_id: None,
    };
    app.store
        .save_installation(&pairing.seal(&app.cipher), 1_700_000_000_000)
        .await
        .unwrap();
    let cookie = app.sign_in("acme", "7", true).await;
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

    let (status, headers, body) = app
        .send(
            Request::get("/api/connections")
                .header(header::HOST, HOST)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let cookie = app.sign_in("acme", "7", false).await;
    let (status, _, body) = app
        .send(
            Request::get("/api/nothing-here")
                .header(header::HOST, HOST)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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

    // The card and the case form get their own bundles; the other teammates' pages, and
    // paths no bundle knows, the teammate bundle; the home page leads to Connections, an
    // admin page.
    for (path, bundle) in [
        ("/card/215", "card"),
        ("/card/215/more", "card"),
        ("/case/215", "case"),
        ("/inbox", "teammate"),
        ("/signin", "teammate"),
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

/// An installation with nothing connected.
fn pairing(id: &str) -> Pairing {
    Pairing {
        id: id.into(),
        name: format!("{id} support"),
        salesforce_environment: SalesforceEnvironment::Production,
        salesforce_login_url: "https://login.salesforce.com".into(),
        salesforce_instance_url: None,
        salesforce_client_id: None,
        salesforce_client_secret: None,
        salesforce_access_token: None,
        salesforce_refresh_token: None,
        intercom_api_base_url: "http://127.0.0.1:9".into(),
        intercom_access_token: None,
        intercom_client_secret: None,
        intercom_workspace_id: Some(format!("ws-{id}")),
        intercom_connection: IntercomConnection::Token,
        installer_admin_id: None,
    }
}

/// A request as the app's own pages send it: this server's Host and Origin, a JSON body.
fn from_pages(method: &http::Method, path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, PUBLIC);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if matches!(*method, http::Method::GET | http::Method::HEAD) {
        request.body(Body::empty()).unwrap()
    } else {
        request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap()
    }
}

/// Every route of the table, with its path parameters filled in.
fn concrete(route: &sfbridge::http::ApiRoute) -> String {
    format!("/api{}", route.path.replace("{id}", "991267401"))
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<ApiError>(body)
        .unwrap_or_else(|e| {
            panic!(
                "not an API error body ({e}): {}",
                String::from_utf8_lossy(body)
            )
        })
        .error
        .code
}

#[tokio::test]
async fn every_api_route_answers_401_to_anonymous_requests() {
    let app = spawn_app().await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let routes = sfbridge::http::api_routes();
    assert!(routes.len() >= 30, "the whole table: {routes:?}");
    for route in &routes {
        let path = concrete(route);
        let (status, _, body) = app.send(from_pages(&route.method, &path, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {path}", route.method);
        assert_eq!(code(&body), "sign_in_required", "{} {path}", route.method);
        // A cookie that names no session is no better.
        let (status, _, _) = app
            .send(from_pages(
                &route.method,
                &path,
                Some("sfbridge_session=forged"),
            ))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {path}", route.method);
    }
    // Paths no route has yet are closed too.
    let (status, _, _) = app
        .send(from_pages(&http::Method::GET, "/api/added-later", None))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_open_routes_are_declared_with_their_reason_and_reveal_no_installation() {
    use sfbridge::http::Open::{MetricsToken, OAuthCallback, Probe, SignedByIntercom, WayIn};
    let app = spawn_app().await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let open = sfbridge::http::open_routes();
    let declared: Vec<(String, &str, sfbridge::http::Open)> = open
        .iter()
        .map(|r| (r.method.to_string(), r.path, r.why))
        .collect();
    // Each is open on purpose, for its reason: opening another one changes this list.
    let expected = [
        ("GET", "/healthz", Probe),
        ("GET", "/readyz", Probe),
        ("GET", "/metrics", MetricsToken),
        ("POST", "/webhooks/intercom", SignedByIntercom),
        ("HEAD", "/webhooks/intercom", SignedByIntercom),
        ("POST", "/canvas/initialize", SignedByIntercom),
        ("POST", "/canvas/submit", SignedByIntercom),
        ("GET", "/oauth/salesforce/callback", OAuthCallback),
        ("GET", "/oauth/intercom/callback", OAuthCallback),
        ("GET", "/auth/options", WayIn),
        ("POST", "/auth/link", WayIn),
        ("POST", "/auth/ticket", WayIn),
        ("POST", "/auth/intercom", WayIn),
        ("POST", "/auth/setup/check", WayIn),
        ("POST", "/auth/setup/intercom/token", WayIn),
        ("POST", "/auth/setup/intercom/oauth", WayIn),
    ]
    .map(|(method, path, why)| (method.to_owned(), path, why));
    assert_eq!(declared, expected);

    for route in &open {
        let what = format!("{} {}", route.method, route.path);
        assert!(
            !route.path.starts_with("/api/"),
            "{what} would skip the session"
        );
        // Anonymous, as the pages (or Intercom, or a browser coming back) would send it, but
        // with nothing that proves anything.
        let (status, _, body) = app.send(from_pages(&route.method, route.path, None)).await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("sign_in_required"),
            "{what}: {status} {text}"
        );
        if route.why == SignedByIntercom && route.method == http::Method::POST {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: unsigned");
        }
        // Nothing of the installation: no id, name or workspace.
        assert!(!text.contains("acme"), "{what}: {text}");
    }

    // The sign-in page's options: the two things it shows, no more.
    let (status, _, body) = app.get("/auth/options", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"intercom_oauth": false, "needs_setup": false})
    );
}

#[tokio::test]
async fn admin_routes_answer_403_to_teammates() {
    let app = spawn_app().await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let teammate = app.sign_in("acme", "8", false).await;
    let admin_routes: Vec<_> = sfbridge::http::api_routes()
        .into_iter()
        .filter(|r| r.access == sfbridge::http::Access::Admin)
        .collect();
    assert!(admin_routes.iter().any(|r| r.path == "/connections"));
    assert!(
        admin_routes
            .iter()
            .any(|r| r.path == "/settings/sync/mappings")
    );
    for method in [http::Method::GET, http::Method::PUT] {
        assert!(
            admin_routes
                .iter()
                .any(|r| r.path == "/settings/tasks" && r.method == method),
            "{method} /settings/tasks is an admin route"
        );
    }
    assert!(
        admin_routes
            .iter()
            .any(|r| r.path == "/settings/sync/identity/preview")
    );
    // The owners, cases and API usage pages' reads and writes, and Check now.
    for (method, path) in [
        (http::Method::GET, "/settings/owners"),
        (http::Method::PUT, "/settings/owners"),
        (http::Method::GET, "/settings/cases"),
        (http::Method::PUT, "/settings/cases"),
        (http::Method::GET, "/sync/usage"),
        (http::Method::POST, "/connections/check"),
    ] {
        assert!(
            admin_routes
                .iter()
                .any(|r| r.path == path && r.method == method),
            "{method} {path} is an admin route"
        );
    }
    for route in &admin_routes {
        let path = concrete(route);
        let (status, _, body) = app
            .send(from_pages(&route.method, &path, Some(&teammate)))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{} {path}", route.method);
        assert_eq!(code(&body), "admin_only");
    }
    let (status, _, body) = app
        .send(from_pages(
            &http::Method::GET,
            "/api/session",
            Some(&teammate),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let session: shared::access::SessionView = serde_json::from_slice(&body).unwrap();
    assert_eq!(session.role, shared::access::Role::Teammate);
    assert_eq!(session.installation_id, "acme");
}

#[tokio::test]
async fn conversations_as_tasks_are_off_until_an_admin_switches_them_on() {
    let app = spawn_app().await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let admin = app.sign_in("acme", "7", true).await;
    let path = "/api/settings/tasks";
    let (status, _, body) = app
        .send(from_pages(&http::Method::GET, path, Some(&admin)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"send_conversations": false}),
        "off for a fresh installation"
    );
    let put = |body: &'static str| {
        Request::put(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, PUBLIC)
            .header(header::COOKIE, &admin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, body) = app.send(put(r#"{"send_conversations":true}"#)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (_, _, body) = app
        .send(from_pages(&http::Method::GET, path, Some(&admin)))
        .await;
    let saved: shared::tasks::TaskSettings = serde_json::from_slice(&body).unwrap();
    assert!(saved.send_conversations);
    // A misspelt switch is refused by name, and nothing changes.
    let (status, _, body) = app.send(put(r#"{"send_conversation":false}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "invalid_body");
    assert!(String::from_utf8_lossy(&body).contains("send_conversation"));
    let (_, _, body) = app
        .send(from_pages(&http::Method::GET, path, Some(&admin)))
        .await;
    let kept: shared::tasks::TaskSettings = serde_json::from_slice(&body).unwrap();
    assert!(kept.send_conversations);
}

#[tokio::test]
async fn a_forged_host_a_missing_origin_and_a_cross_site_text_post_are_refused() {
    let app = spawn_app().await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let admin = app.sign_in("acme", "7", true).await;
    let owners = "/api/settings/owners";
    let body = r#"{"sync_owners":false,"route_conversations":false}"#;
    let write = |host: &str, origin: Option<&str>, content_type: &str| {
        let mut request = Request::put(owners)
            .header(header::HOST, host)
            .header(header::COOKIE, &admin)
            .header(header::CONTENT_TYPE, content_type);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.body(Body::from(body)).unwrap()
    };

    // DNS rebinding: a name that resolves here, but is not this server's.
    let (status, _, body_) = app
        .send(write(
            "rebound.evil.example:8080",
            Some(PUBLIC),
            "application/json",
        ))
        .await;
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(code(&body_), "host_refused");
    let (status, _, _) = app
        .send(
            Request::get("/connections")
                .header(header::HOST, "rebound.evil.example:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "pages too");

    // A write without an Origin, or from another site.
    let (status, _, body_) = app.send(write(HOST, None, "application/json")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body_), "origin_refused");
    let (status, _, _) = app
        .send(write(
            HOST,
            Some("https://evil.example"),
            "application/json",
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A cross-site form: text/plain from another origin, and even from ours.
    let (status, _, _) = app
        .send(write(HOST, Some("https://evil.example"), "text/plain"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body_) = app.send(write(HOST, Some(PUBLIC), "text/plain")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(code(&body_), "json_required");

    // Nothing was saved by any of them; the same write from the pages is.
    assert_eq!(app.store.setting("acme", "owners").await.unwrap(), None);
    let (status, _, _) = app
        .send(write(HOST, Some(PUBLIC), "application/json"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.setting("acme", "owners").await.unwrap().is_some());

    // Probes answer whatever the Host.
    let (status, _, _) = app
        .send(
            Request::get("/healthz")
                .header(header::HOST, "10.0.0.7:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_end_when_idle_after_their_lifetime_and_on_sign_out() {
    use sfbridge::auth::rules::{SESSION_IDLE_MS, SESSION_LIFETIME_MS};
    let app = spawn_app().await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    let status_of = |cookie: String| {
        let app = &app;
        async move {
            app.send(from_pages(
                &http::Method::GET,
                "/api/session",
                Some(&cookie),
            ))
            .await
            .0
        }
    };
    let ms = |ms: i64| std::time::Duration::from_millis(ms as u64);

    // Idle: used just before the idle limit keeps it; a full idle period ends it.
    let cookie = app.sign_in("acme", "7", false).await;
    app.time.advance(ms(SESSION_IDLE_MS - 60_000));
    assert_eq!(status_of(cookie.clone()).await, StatusCode::OK);
    app.time.advance(ms(SESSION_IDLE_MS - 60_000));
    assert_eq!(status_of(cookie.clone()).await, StatusCode::OK);
    app.time.advance(ms(SESSION_IDLE_MS));
    assert_eq!(status_of(cookie).await, StatusCode::UNAUTHORIZED);

    // Absolute: however busy, a session ends after its lifetime.
    let cookie = app.sign_in("acme", "7", false).await;
    let mut used = 0;
    while used + SESSION_IDLE_MS / 2 < SESSION_LIFETIME_MS {
        app.time.advance(ms(SESSION_IDLE_MS / 2));
        used += SESSION_IDLE_MS / 2;
        assert_eq!(status_of(cookie.clone()).await, StatusCode::OK);
    }
    app.time.advance(ms(SESSION_LIFETIME_MS - used));
    assert_eq!(status_of(cookie).await, StatusCode::UNAUTHORIZED);

    // Signing out ends it at once, and clears the cookie.
    let cookie = app.sign_in("acme", "7", false).await;
    let (status, headers, _) = app
        .send(from_pages(
            &http::Method::POST,
            "/api/session/sign-out",
            Some(&cookie),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let cleared = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.contains("sfbridge_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(status_of(cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_setup_token_is_stored_hashed_and_lasts_a_day() {
    let app = spawn_app().await;
    let token = app.state.auth.issue_setup_token(&app.store).await.unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
    let check = |token: String| {
        let app = &app;
        async move {
            let request = Request::post("/auth/setup/check")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, PUBLIC)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({ "token": token }).to_string(),
                ))
                .unwrap();
            app.send(request).await.0
        }
    };
    assert_eq!(check(token.clone()).await, StatusCode::OK);
    assert_eq!(check("guessed".into()).await, StatusCode::UNAUTHORIZED);
    // Only the hash is stored.
    assert_eq!(app.store.setup_token_expiry(&token).await.unwrap(), None);
    app.time.advance(std::time::Duration::from_millis(
        sfbridge::auth::rules::SETUP_TOKEN_LIFETIME_MS as u64,
    ));
    assert_eq!(check(token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_sessions_setup_tokens_links_and_flows_are_purged() {
    use sfbridge::auth::rules::{FLOW_LIFETIME_MS, SIGN_IN_LINK_LIFETIME_MS};
    use sfbridge::store::Purged;
    // Apps at both services, so both OAuth flows can start (neither is reached).
    let app = spawn_app_with(sfbridge::config::RawConfig {
        intercom_client_id: Some("intercom-app".into()),
        intercom_client_secret: Some(SecretString::from("intercom-secret")),
        salesforce_client_id: Some("salesforce-app".into()),
        salesforce_client_secret: Some(SecretString::from("salesforce-secret")),
        ..Default::default()
    })
    .await;
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    app.sign_in("acme", "7", false).await;
    let admin = app.sign_in("acme", "8", true).await;
    app.state.auth.issue_setup_token(&app.store).await.unwrap();
    // Two links: one is tried once expired (which uses it up), the other left to the purge.
    let mut links = Vec::new();
    for _ in 0..2 {
        links.push(
            app.state
                .auth
                .make_installer_link(&app.store, "acme", "7")
                .await
                .unwrap(),
        );
    }
    // An anonymous "Sign in with Intercom", and an admin connecting Salesforce: a flow each.
    let start = |path: &str, cookie: Option<&str>| {
        let mut request = from_pages(&http::Method::POST, path, cookie);
        *request.body_mut() = Body::from(r#"{"next":"/connections"}"#);
        app.send(request)
    };
    assert_eq!(start("/auth/intercom", None).await.0, StatusCode::OK);
    assert_eq!(
        start("/api/connections/salesforce", Some(&admin)).await.0,
        StatusCode::OK
    );

    let purge = || app.state.auth.purge(&app.store);
    assert_eq!(purge().await.unwrap(), Purged::default(), "nothing expired");
    let ms = |ms: i64| std::time::Duration::from_millis(ms as u64);
    // Flows last minutes: past their lifetime, both go and nothing else does.
    app.time.advance(ms(FLOW_LIFETIME_MS + 1));
    assert_eq!(
        purge().await.unwrap(),
        Purged {
            oauth_flows: 2,
            ..Purged::default()
        }
    );
    // A day later the setup token and the sign-in link are past theirs, and both sessions
    // have been idle too long.
    app.time.advance(ms(SIGN_IN_LINK_LIFETIME_MS));
    let mut redeem = from_pages(&http::Method::POST, "/auth/link", None);
    *redeem.body_mut() = Body::from(
        serde_json::json!({ "token": secrecy::ExposeSecret::expose_secret(&links[0]) }).to_string(),
    );
    let (status, _, body) = app.send(redeem).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a day old");
    assert_eq!(code(&body), "sign_in_link_invalid");
    assert_eq!(
        purge().await.unwrap(),
        Purged {
            sessions: 2,
            setup_tokens: 1,
            sign_in_links: 1,
            oauth_flows: 0,
        }
    );
    assert_eq!(purge().await.unwrap(), Purged::default(), "all gone");
}

#[tokio::test]
async fn each_installation_sees_only_its_own_connection() {
    let app = spawn_app().await;
    for id in ["acme", "globex"] {
        app.store
            .save_installation(&pairing(id).seal(&app.cipher), 0)
            .await
            .unwrap();
    }
    let acme = app.sign_in("acme", "7", true).await;
    let (status, _, body) = app
        .send(from_pages(
            &http::Method::GET,
            "/api/connections",
            Some(&acme),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let view: ConnectionsView = serde_json::from_slice(&body).unwrap();
    let ids: Vec<_> = view.installations.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["acme"]);
    // A query parameter naming another installation changes nothing.
    let (_, _, body) = app
        .send(from_pages(
            &http::Method::GET,
            "/api/connections?installation_id=globex",
            Some(&acme),
        ))
        .await;
    let view: ConnectionsView = serde_json::from_slice(&body).unwrap();
    assert_eq!(view.installations[0].id, "acme");
    // An admin of acme is nobody in globex.
    assert!(!app.store.is_admin("globex", "7").await.unwrap());
}

#[tokio::test]
async fn metrics_answer_only_the_operators_token() {
    const TOKEN: &str = "scrape-token-0123456789";
    let off = spawn_app().await;
    let (status, _, body) = off.get("/metrics", None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "{}",
        String::from_utf8_lossy(&body)
    );

    let app = spawn_app_with(sfbridge::config::RawConfig {
        metrics_token: Some(secrecy::SecretString::from(TOKEN)),
        ..Default::default()
    })
    .await;
    let scrape = |token: Option<&str>| {
        let mut request = Request::get("/metrics").header(header::HOST, "10.0.0.7:8080");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    for wrong in [None, Some("scrape-token-0123456788")] {
        let (status, _, body) = app.send(scrape(wrong)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        let error: ApiError = serde_json::from_slice(&body).unwrap();
        assert_eq!(error.error.code, "metrics_token_invalid");
    }
    // A job in the queue shows by kind and state; scraped by address, not the public Host.
    app.store
        .save_installation(&pairing("acme").seal(&app.cipher), 0)
        .await
        .unwrap();
    app.store
        .execute_for_tests(
            "INSERT INTO jobs (installation_id, kind, payload, state, attempts, max_attempts,
             run_at, created_at, updated_at)
             VALUES ('acme', 'sync.to_salesforce', '{}', 'parked', 8, 8, 0, 0, 0)",
        )
        .await
        .unwrap();
    let unsigned = Request::post("/webhooks/intercom")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"type":"notification_event"}"#))
        .unwrap();
    assert_eq!(app.send(unsigned).await.0, StatusCode::UNAUTHORIZED);
    let (status, headers, body) = app.send(scrape(Some(TOKEN))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text; version=1.0.0")
    );
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains(r#"sfbridge_jobs{kind="sync.to_salesforce",state="parked"} 1"#),
        "{text}"
    );
    assert!(text.contains("sfbridge_card_requests_total "), "{text}");
    assert!(
        text.contains(r#"sfbridge_webhooks_total{status="unsigned"} "#),
        "the unsigned webhook above: {text}"
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}
