//! The control surface under `/__sim/` (no auth): act as a contact or a teammate, manage
//! webhook subscriptions and read deliveries, inject faults, read request counters (each in the
//! workspace `?workspace_id=` names, the first by default); list the workspaces, decide the
//! next OAuth authorization, add an app's redirect URLs.

use std::sync::Arc;

use axum::extract::{Path, Query, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{PartInput, add_part, start_conversation};
use super::auth::Decision;
use super::store::Attachment;
use super::webhooks::DeliveryMode;
use super::wire::{ApiError, ApiResult, parse_body};
use super::{Server, State};

/// What an injected fault does to an API call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (e.g. 500, 503) and an `error.list` body.
    Status(u16),
    /// Answer 429 `rate_limit_exceeded`.
    RateLimited,
    /// Answer normally, this many milliseconds late.
    Latency(u64),
}

/// A fault for the next `remaining` calls, or for a share (`rate`, 0..1) of all calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub rate: f64,
    pub remaining: Option<u32>,
}

impl Fault {
    pub fn next(n: u32, kind: FaultKind) -> Fault {
        Fault {
            kind,
            rate: 1.0,
            remaining: Some(n),
        }
    }
    pub fn rate(rate: f64, kind: FaultKind) -> Fault {
        Fault {
            kind,
            rate,
            remaining: None,
        }
    }
}

pub(crate) fn router(server: Arc<Server>) -> Router {
    let per_workspace = Router::new()
        .route("/__sim/contacts/{id}/conversations", post(contact_starts))
        .route(
            "/__sim/conversations/{id}/contact_reply",
            post(contact_replies),
        )
        .route("/__sim/conversations/{id}/teammate", post(teammate_acts))
        .route("/__sim/webhooks", get(list_subscriptions).post(subscribe))
        .route("/__sim/webhooks/deliveries", get(deliveries))
        .route("/__sim/webhooks/mode", post(set_mode))
        .route("/__sim/faults", post(add_fault).delete(clear_faults))
        .route("/__sim/counters", get(counters))
        .route("/__sim/counters/writes", get(write_counters))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            pick_workspace,
        ));
    Router::new()
        .route("/__sim/workspaces", get(list_workspaces))
        .route("/__sim/oauth/next", post(next_decision))
        .route(
            "/__sim/apps/{client_id}/redirect_urls",
            post(add_redirect_url),
        )
        .with_state(server)
        .merge(per_workspace)
}

/// The workspace a per-workspace control acts on.
type AxState = Extension<State>;

#[derive(Deserialize)]
struct WorkspaceQuery {
    workspace_id: Option<String>,
}

/// Finds the workspace `?workspace_id=` names (the first without it) for the handler.
async fn pick_workspace(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    Query(q): Query<WorkspaceQuery>,
    mut req: Request,
    next: Next,
) -> Response {
    let ws = match q.workspace_id {
        None => server.primary(),
        Some(id) => match server.workspace(&id) {
            Some(ws) => ws,
            None => {
                return ApiError::not_found(&format!("No workspace has the id {id:?}"))
                    .into_response();
            }
        },
    };
    req.extensions_mut().insert(ws);
    next.run(req).await
}

#[derive(Deserialize)]
struct ContactMessage {
    body: String,
    #[serde(default)]
    attachments: Vec<Attachment>,
    /// Replies only: which contact writes (defaults to the conversation's first contact).
    #[serde(default)]
    contact_id: Option<String>,
}

/// `POST /__sim/contacts/{id}/conversations {"body","attachments":[..]}`
async fn contact_starts(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let m: ContactMessage = parse_body(&body)?;
    start_conversation(&st, &id, &m.body, m.attachments).map(Json)
}

/// `POST /__sim/conversations/{id}/contact_reply {"body","attachments":[..],"contact_id"?}`
async fn contact_replies(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let m: ContactMessage = parse_body(&body)?;
    let contact = match m.contact_id {
        Some(c) => c,
        None => {
            let ws = st.ws.read();
            id.parse::<u64>()
                .ok()
                .and_then(|cid| ws.conversations.get(&cid))
                .and_then(|c| c.contact_ids.first().cloned())
                .unwrap_or_default()
        }
    };
    add_part(
        &st,
        &id,
        PartInput::contact_reply(&contact, &m.body, m.attachments),
    )
    .map(Json)
}

/// `POST /__sim/conversations/{id}/teammate {"message_type":"comment|note|assignment|close|open|snoozed","admin_id",..}`
async fn teammate_acts(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let input: PartInput = parse_body(&body)?;
    add_part(
        &st,
        &id,
        PartInput {
            author_type: Some("admin".into()),
            ..input
        },
    )
    .map(Json)
}

#[derive(Deserialize)]
struct SubscribeBody {
    url: String,
    topics: Vec<String>,
}

/// Subscribes the workspace's own app.
async fn subscribe(st: AxState, body: Bytes) -> ApiResult {
    let b: SubscribeBody = parse_body(&body)?;
    let topics: Vec<&str> = b.topics.iter().map(String::as_str).collect();
    Ok(Json(json!(st.home_app.hub.subscribe(&b.url, &topics))))
}

async fn list_subscriptions(st: AxState) -> ApiResult {
    Ok(Json(json!(st.home_app.hub.subscriptions())))
}

async fn deliveries(st: AxState) -> ApiResult {
    Ok(Json(json!(st.home_app.hub.deliveries())))
}

async fn set_mode(st: AxState, body: Bytes) -> ApiResult {
    let mode: DeliveryMode = parse_body(&body)?;
    st.home_app.hub.set_mode(mode);
    Ok(Json(json!(mode)))
}

#[derive(Deserialize)]
struct FaultBody {
    #[serde(flatten)]
    kind: FaultKind,
    #[serde(default)]
    rate: Option<f64>,
    #[serde(default)]
    next: Option<u32>,
}

/// `POST /__sim/faults {"kind":"status","value":503,"next":2}` or `{"kind":"latency","value":300,"rate":0.5}`
/// or `{"kind":"rate_limited","next":1}`.
async fn add_fault(st: AxState, body: Bytes) -> ApiResult {
    let b: FaultBody = parse_body(&body)?;
    let fault = match (b.next, b.rate) {
        (Some(n), _) => Fault::next(n, b.kind),
        (None, Some(r)) => Fault::rate(r.clamp(0.0, 1.0), b.kind),
        (None, None) => Fault::next(1, b.kind),
    };
    st.gate.add_fault(fault);
    Ok(Json(json!({"ok": true})))
}

async fn clear_faults(st: AxState) -> ApiResult {
    st.gate.clear_faults();
    Ok(Json(json!({"ok": true})))
}

async fn counters(st: AxState) -> Json<Value> {
    Json(json!(st.gate.counts()))
}

async fn write_counters(st: AxState) -> Json<Value> {
    Json(json!(st.gate.write_counts()))
}

/// `GET /__sim/workspaces`: every workspace with its own app's credentials and its teammates.
async fn list_workspaces(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
) -> Json<Value> {
    let workspaces: Vec<Value> = server
        .workspaces()
        .iter()
        .map(|w| {
            let admins: Vec<Value> =
                w.ws.read()
                    .admins
                    .iter()
                    .map(|a| json!({"id": a.id.to_string(), "name": a.name, "email": a.email}))
                    .collect();
            json!({
                "workspace_id": w.id, "name": w.name,
                "access_token": server.newest_token(&w.id, &w.home_app.client_id),
                "client_id": w.home_app.client_id, "client_secret": w.home_app.client_secret,
                "redirect_urls": w.home_app.redirect_urls(),
                "installer_admin_id": w.installer.to_string(), "admins": admins,
            })
        })
        .collect();
    Json(json!(workspaces))
}

#[derive(Deserialize)]
struct NextDecision {
    #[serde(default)]
    admin_id: Option<Value>,
    #[serde(default)]
    deny: bool,
}

/// `POST /__sim/oauth/next {"admin_id":".."}` or `{"deny":true}`: how the next `GET /oauth`
/// ends, without the page.
async fn next_decision(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    body: Bytes,
) -> ApiResult {
    let b: NextDecision = parse_body(&body)?;
    let decision = match (b.deny, b.admin_id.as_ref()) {
        (true, _) => Decision::Deny,
        (false, Some(id)) => {
            let id = id
                .as_u64()
                .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| ApiError::parameter_invalid("admin_id must be a teammate id"))?;
            if server.workspace_of_admin(id).is_none() {
                return Err(ApiError::not_found(&format!(
                    "No workspace has the teammate {id}"
                )));
            }
            Decision::ApproveAs(id)
        }
        (false, None) => {
            return Err(ApiError::parameter_not_found(
                "admin_id (or \"deny\": true) is required",
            ));
        }
    };
    server.set_next_decision(decision);
    Ok(Json(json!({"ok": true})))
}

#[derive(Deserialize)]
struct RedirectUrlBody {
    url: String,
}

/// `POST /__sim/apps/{client_id}/redirect_urls {"url"}`: what the Developer Hub's
/// Authentication page does.
async fn add_redirect_url(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let b: RedirectUrlBody = parse_body(&body)?;
    let app = server
        .app(&client_id)
        .ok_or_else(|| ApiError::not_found(&format!("No app has the client id {client_id:?}")))?;
    app.add_redirect_url(&b.url)
        .map_err(ApiError::parameter_invalid)?;
    Ok(Json(json!({"redirect_urls": app.redirect_urls()})))
}
