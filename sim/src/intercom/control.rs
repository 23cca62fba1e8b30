//! The control surface under `/__sim/` (no auth): act as a contact or a teammate, manage
//! webhook subscriptions and read deliveries, inject faults, read request counters.

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::State;
use super::api::{PartInput, add_part, start_conversation};
use super::store::Attachment;
use super::webhooks::DeliveryMode;
use super::wire::{ApiResult, parse_body};

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

pub(crate) fn router(state: State) -> Router {
    Router::new()
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
        .with_state(state)
}

type AxState = axum::extract::State<State>;

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

async fn subscribe(st: AxState, body: Bytes) -> ApiResult {
    let b: SubscribeBody = parse_body(&body)?;
    let topics: Vec<&str> = b.topics.iter().map(String::as_str).collect();
    Ok(Json(json!(st.hub.subscribe(&b.url, &topics))))
}

async fn list_subscriptions(st: AxState) -> ApiResult {
    Ok(Json(json!(st.hub.subscriptions())))
}

async fn deliveries(st: AxState) -> ApiResult {
    Ok(Json(json!(st.hub.deliveries())))
}

async fn set_mode(st: AxState, body: Bytes) -> ApiResult {
    let mode: DeliveryMode = parse_body(&body)?;
    st.hub.set_mode(mode);
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
