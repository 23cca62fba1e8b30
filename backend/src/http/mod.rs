//! The HTTP surface: health probes, signed Intercom traffic, OAuth callbacks, the sign-in and
//! setup endpoints under `/auth/`, the JSON API under `/api/`, and the built front end.
//!
//! Handlers parse, call one function, and map the result to a response. Every `/api/*` route
//! needs a session (see [`guard`]); each is declared in `api()` with its access, teammate or
//! admin, and every route that answers without a session in `open()` with the reason it may,
//! so both tables can be walked by a test.

mod auth;
mod body;
mod canvas;
mod card;
mod cases;
mod cookies;
mod error;
pub mod guard;
pub mod hardening;
mod inbox;
mod install;
mod jobs;
mod ledger;
mod oauth;
mod pages;
mod settings;
mod webhooks;

use std::path::Path;

use axum::extract::{OriginalUri, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
use hardening::{body_limit, limited};

use crate::card::Cards;
use crate::clients::Clients;
use crate::config::Services;
use crate::inbox::Inbox;
use crate::install::Installer;
use crate::listener::Listeners;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clients: Clients,
    pub cards: Cards,
    pub inbox: Inbox,
    /// Salesforce change listeners, one per connected installation.
    pub listeners: Listeners,
    pub sync: crate::sync::SyncState,
    /// Where browsers reach this server.
    pub public_url: String,
    /// Timeouts and limits of the HTTP server.
    pub serving: hardening::Serving,
    /// Sessions, sign-in, the clock expiries run on.
    pub auth: crate::auth::Auth,
    /// Intercom's and Salesforce's addresses and this server's apps there.
    pub services: Services,
    /// What `/metrics` asks for; `None`: no metrics served.
    pub metrics_token: Option<secrecy::SecretString>,
}

impl AppState {
    pub fn installer(&self) -> Installer<'_> {
        Installer {
            clients: &self.clients,
            auth: &self.auth,
            services: &self.services,
            public_url: &self.public_url,
            cards: &self.cards,
            inbox: &self.inbox,
            listeners: &self.listeners,
        }
    }
}

/// Who may call an API route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any signed-in teammate of the installation.
    Teammate,
    /// Admins of the installation; teammates get 403.
    Admin,
}

/// One API route as declared: what the route-table test walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    pub method: Method,
    /// The path under `/api`, with `{name}` for path parameters.
    pub path: &'static str,
    pub access: Access,
}

/// Why a route answers without a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Health probes, for orchestrators (any `Host`).
    Probe,
    /// Intercom's webhooks and Canvas Kit: checked by the signature of the installation of the
    /// workspace they name.
    SignedByIntercom,
    /// OAuth callbacks: checked by the flow's `state` and the cookie of the browser that
    /// started it.
    OAuthCallback,
    /// `/metrics`: checked against the operator's bearer token from the configuration (and
    /// answered by address, like the probes, for scrapers).
    MetricsToken,
    /// The ways in: each checks the token it is given (setup link, sign-in link, ticket) or
    /// starts Intercom's sign-in; `/auth/options` says which ways this server offers.
    WayIn,
}

/// One route open without a session, as declared: what the route-table test walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRoute {
    pub method: Method,
    pub path: &'static str,
    pub why: Open,
}

/// The open routes' router and their table, built together like [`Api`].
struct Public {
    router: Router<AppState>,
    table: Vec<OpenRoute>,
}

impl Public {
    /// `route` answers `methods` at `path` without a session, because of `why`.
    fn add(
        mut self,
        methods: &[Method],
        path: &'static str,
        why: Open,
        route: MethodRouter<AppState>,
    ) -> Public {
        self.router = self.router.route(path, route);
        self.table.extend(methods.iter().map(|method| OpenRoute {
            method: method.clone(),
            path,
            why,
        }));
        self
    }
}

/// Every route that answers without a session, and why it may. Anything else outside `/api`
/// is the built front end (pages, which ask `/api/session` themselves, and static files).
fn open() -> Public {
    use Open::{MetricsToken, OAuthCallback, Probe, SignedByIntercom, WayIn};
    let public = Public {
        router: Router::new(),
        table: Vec::new(),
    };
    public
        .add(&[Method::GET], "/healthz", Probe, get(healthz))
        .add(&[Method::GET], "/readyz", Probe, get(readyz))
        .add(&[Method::GET], "/metrics", MetricsToken, get(metrics))
        .add(
            &[Method::POST, Method::HEAD],
            crate::install::webhooks::WEBHOOK_PATH,
            SignedByIntercom,
            limited(
                post(webhooks::intercom).head(webhooks::probe),
                body_limit::WEBHOOK,
            ),
        )
        .add(
            &[Method::POST],
            "/canvas/initialize",
            SignedByIntercom,
            limited(post(canvas::initialize), body_limit::CANVAS),
        )
        .add(
            &[Method::POST],
            "/canvas/submit",
            SignedByIntercom,
            limited(post(canvas::submit), body_limit::CANVAS),
        )
        .add(
            &[Method::GET],
            crate::oauth::CALLBACK_PATH,
            OAuthCallback,
            get(oauth::salesforce_callback),
        )
        .add(
            &[Method::GET],
            crate::install::intercom::CALLBACK_PATH,
            OAuthCallback,
            get(oauth::intercom_callback),
        )
        .add(&[Method::GET], "/auth/options", WayIn, get(auth::options))
        .add(
            &[Method::POST],
            "/auth/link",
            WayIn,
            post(auth::redeem_link),
        )
        .add(
            &[Method::POST],
            "/auth/ticket",
            WayIn,
            post(auth::redeem_ticket),
        )
        .add(
            &[Method::POST],
            "/auth/intercom",
            WayIn,
            post(auth::sign_in_with_intercom),
        )
        .add(
            &[Method::POST],
            "/auth/setup/check",
            WayIn,
            post(auth::setup_check),
        )
        .add(
            &[Method::POST],
            "/auth/setup/intercom/token",
            WayIn,
            post(auth::setup_with_token),
        )
        .add(
            &[Method::POST],
            "/auth/setup/intercom/oauth",
            WayIn,
            post(auth::setup_with_oauth),
        )
}

/// The routes open without a session, with the reason each may be.
pub fn open_routes() -> Vec<OpenRoute> {
    open().table
}

/// The API's router and its table, built together so neither can have a route the other lacks.
struct Api {
    router: Router<AppState>,
    table: Vec<ApiRoute>,
}

impl Api {
    fn new() -> Api {
        Api {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Api {
        let route = match access {
            Access::Teammate => route,
            Access::Admin => route.route_layer(from_fn(guard::require_admin)),
        };
        self.router = self.router.route(path, route);
        self.table.push(ApiRoute {
            method,
            path,
            access,
        });
        self
    }

    fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Api
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, get(handler))
    }

    fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Api
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, post(handler))
    }

    fn put<H, T>(self, path: &'static str, access: Access, handler: H) -> Api
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PUT, path, access, axum::routing::put(handler))
    }

    /// A route whose bodies may be larger (or must be smaller) than the default limit.
    fn with_limit(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
        max: usize,
    ) -> Api {
        self.add(method, path, access, limited(route, max))
    }
}

/// Every `/api` route with its access.
fn api() -> Api {
    use Access::{Admin, Teammate};
    Api::new()
        // Who is signed in; signing out.
        .get("/session", Teammate, auth::session)
        .post("/session/sign-out", Teammate, auth::sign_out)
        // The card, cases and the demo inbox: a teammate's pages.
        .get("/card", Teammate, card::get_card)
        .post("/cases", Teammate, cases::file)
        .get("/cases/form", Teammate, cases::form)
        .get("/inbox/conversations", Teammate, inbox::list)
        .get("/inbox/conversations/{id}", Teammate, inbox::one)
        // Connections and installing.
        .get("/connections", Admin, install::connections)
        .post("/connections/check", Admin, install::check_connections)
        .post(
            "/connections/salesforce",
            Admin,
            install::connect_salesforce,
        )
        .post(
            "/connections/intercom/token",
            Admin,
            install::reconnect_intercom_token,
        )
        .post(
            "/connections/intercom/oauth",
            Admin,
            install::reconnect_intercom_oauth,
        )
        .get("/connections/webhooks", Admin, install::webhooks)
        .post(
            "/installations/intercom/token",
            Admin,
            install::add_with_token,
        )
        .post(
            "/installations/intercom/oauth",
            Admin,
            install::add_with_oauth,
        )
        .get("/installation/uninstall", Admin, install::uninstall_preview)
        .post("/installation/uninstall", Admin, install::uninstall)
        // Settings and sync health.
        .get("/settings/cases", Admin, cases::get_settings)
        .put("/settings/cases", Admin, cases::put_settings)
        .get("/sync/ledger", Admin, ledger::list)
        .get("/sync/health", Admin, ledger::health)
        .get("/sync/jobs/parked", Admin, ledger::parked)
        .get("/sync/usage", Admin, ledger::usage)
        .post("/sync/jobs/{id}/retry", Admin, jobs::retry_one)
        .post("/sync/jobs/retry", Admin, jobs::retry_kind)
        .get("/settings/sync", Admin, settings::get)
        .get("/settings/owners", Admin, settings::get_owners)
        .put("/settings/owners", Admin, settings::put_owners)
        .get("/settings/tasks", Admin, settings::get_tasks)
        .put("/settings/tasks", Admin, settings::put_tasks)
        .get("/settings/sync/metadata", Admin, settings::metadata)
        .put("/settings/sync/identity", Admin, settings::put_identity)
        .post(
            "/settings/sync/identity/preview",
            Admin,
            settings::preview_identity,
        )
        .with_limit(
            Method::PUT,
            "/settings/sync/mappings",
            Admin,
            axum::routing::put(settings::put_mappings),
            body_limit::MAPPINGS,
        )
        .get("/settings/sync/mappings/export", Admin, settings::export)
        .with_limit(
            Method::POST,
            "/settings/sync/mappings/import",
            Admin,
            post(settings::import),
            body_limit::MAPPINGS,
        )
        // Team, sign-in links, audit.
        .get("/admin/team", Admin, auth::team)
        .put("/admin/team/{id}/role", Admin, auth::set_role)
        .post("/admin/sign-in-links", Admin, auth::sign_in_link)
        .get("/admin/audit", Admin, auth::audit)
}

/// The API's route table: every route under `/api` with its access.
pub fn api_routes() -> Vec<ApiRoute> {
    api().table
}

/// The whole application, without a socket (tests drive it with `oneshot`).
pub fn router(state: AppState, static_dir: &Path) -> Router {
    // Closed by default: the session layer wraps the fallback too, so an unknown (or future)
    // API path answers 401 to anyone not signed in.
    let api = api()
        .router
        .fallback(api_not_found)
        .layer(from_fn_with_state(state.clone(), guard::require_session));
    // Only the open table's routes answer without a session; everything else is the API
    // (closed) or the built front end.
    let app = open()
        .router
        .nest("/api", api)
        .fallback_service(pages::router(static_dir))
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), guard::same_site));
    hardening::layers(app, &state.serving)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready while the database answers; says how many Salesforce listeners this process runs
/// (the leases it holds), not which: the probe is open.
async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    match state.listeners.leases_held().await {
        Ok(held) => Ok(Json(json!({
            "status": "ready",
            "database": state.store.kind(),
            "listener_leases": held.len(),
        }))),
        Err(_) => Err(AppError::DatabaseUnreachable),
    }
}

/// The metrics in the OpenMetrics text format (which Prometheus reads), for the configured
/// bearer token only.
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    let Some(expected) = &state.metrics_token else {
        return Err(AppError::NotFound(
            "metrics are off: set metrics_token in the configuration".into(),
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let matches: bool = subtle::ConstantTimeEq::ct_eq(
        given.as_bytes(),
        secrecy::ExposeSecret::expose_secret(expected).as_bytes(),
    )
    .into();
    if !matches {
        return Err(AppError::refused(
            axum::http::StatusCode::UNAUTHORIZED,
            "metrics_token_invalid",
            "GET /metrics needs `Authorization: Bearer <metrics_token>`".to_owned(),
        ));
    }
    let unreachable = |_| AppError::DatabaseUnreachable;
    let jobs = state.store.jobs_by_kind().await.map_err(unreachable)?;
    let leases = state.listeners.leases_held().await.map_err(unreachable)?;
    let text = crate::metrics::render(jobs, leases, state.listeners.live_now());
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}

async fn api_not_found(method: Method, OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    AppError::NotFound(format!("no API endpoint {method} {}", uri.path()))
}
