//! The HTTP surface: health probes, the JSON API under `/api/`, and the built front end.
//!
//! Handlers parse, call one function, and map the result to a response.

mod canvas;
mod card;
mod cases;
mod error;
mod inbox;
mod ledger;
mod oauth;
mod settings;
mod webhooks;

use std::convert::Infallible;
use std::path::Path;

use axum::extract::{OriginalUri, Request, State};
use axum::http::{Method, Response};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;
use shared::pages::Bundle;
use tower::{Service, ServiceExt, service_fn};
use tower_http::compression::CompressionLayer;
use tower_http::services::fs::ServeFileSystemResponseBody;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use error::AppError;

use crate::card::Cards;
use crate::clients::Clients;
use crate::connections;
use crate::inbox::Inbox;
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
}

/// The whole application, without a socket (tests drive it with `oneshot`).
pub fn router(state: AppState, static_dir: &Path) -> Router {
    let api = Router::new()
        .route("/connections", get(get_connections))
        .route("/card", get(card::get_card))
        .route("/cases", post(cases::file))
        .route("/cases/form", get(cases::form))
        .route(
            "/settings/cases",
            get(cases::get_settings).put(cases::put_settings),
        )
        .route("/inbox/conversations", get(inbox::list))
        .route("/inbox/conversations/{id}", get(inbox::one))
        .route("/sync/ledger", get(ledger::list))
        .route("/settings/sync", get(settings::get))
        .route(
            "/settings/owners",
            get(settings::get_owners).put(settings::put_owners),
        )
        .route("/settings/sync/metadata", get(settings::metadata))
        .route("/settings/sync/identity", put(settings::put_identity))
        .route("/settings/sync/mappings", put(settings::put_mappings))
        .route("/settings/sync/mappings/export", get(settings::export))
        .route("/settings/sync/mappings/import", post(settings::import))
        .fallback(api_not_found);
    let pages = pages(static_dir);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/webhooks/intercom",
            post(webhooks::intercom).head(webhooks::probe),
        )
        .route("/canvas/initialize", post(canvas::initialize))
        .route("/canvas/submit", post(canvas::submit))
        .route("/oauth/salesforce/start", get(oauth::start))
        .route(crate::oauth::CALLBACK_PATH, get(oauth::callback))
        .nest("/api", api)
        .fallback_service(pages)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

// ---- The web pages' bundles ----------------------------------------------------------

/// The built front end: its files as they are, and for any other path the HTML entry of the
/// bundle whose router owns it (`shared::pages`), so deep links open the right page and
/// teammates' pages never load the admin bundle.
fn pages(
    static_dir: &Path,
) -> ServeDir<
    impl Service<
        Request,
        Response = Response<ServeFileSystemResponseBody>,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static,
> {
    let dir = static_dir.to_path_buf();
    let entry = service_fn(move |request: Request| {
        let file = dir.join(Bundle::of(request.uri().path()).entry());
        ServeFile::new(file).oneshot(request)
    });
    ServeDir::new(static_dir)
        .append_index_html_on_directories(false)
        .fallback(entry)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    if state.store.ping().await {
        Ok(Json(
            json!({ "status": "ready", "database": state.store.kind() }),
        ))
    } else {
        Err(AppError::DatabaseUnreachable)
    }
}

async fn get_connections(
    State(state): State<AppState>,
) -> Result<Json<shared::ConnectionsView>, AppError> {
    Ok(Json(connections::view(&state.store).await?))
}

async fn api_not_found(method: Method, OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    AppError::NotFound(format!("no API endpoint {method} {}", uri.path()))
}
