//! The control surface under `/__sim/`: act as a person in the UI, read counters, inject
//! faults. Not part of Salesforce's API, so not counted against the allocation.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use serde_json::{Map, Value, json};

use super::api::AppState;
use super::error::SfError;
use super::org::WriteCtx;
use super::state::{Fault, FaultKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-calls", get(api_calls))
        .route("/api-calls/reset", post(reset_calls))
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/sessions/expire", post(expire))
        .route("/ui/{sobject}", post(ui_create))
        .route("/ui/{sobject}/{id}", patch(ui_update).delete(ui_delete))
        .route("/ui/{sobject}/{id}/undelete", post(ui_undelete))
        .route("/records/{id}", get(record))
        .route("/cdc", get(cdc_state))
        .route("/cdc/expire", post(cdc_expire))
        .route("/faults/all", delete(clear_faults))
        .route("/bulk", get(bulk_state))
        .route("/bulk/hold", post(bulk_hold))
        .route("/bulk/fail-next", post(bulk_fail_next))
        .route(
            "/validation-rules",
            post(add_validation_rule).delete(clear_validation_rules),
        )
        .route("/locked-writes", post(lock_writes))
}

/// `{"object":"Lead","field":"Company","values":["[not provided]"],"message":"..","at_field":true}`:
/// a validation rule, as an admin adds one in Setup.
async fn add_validation_rule(
    State(shared): State<AppState>,
    axum::Json(rule): axum::Json<super::org::ValidationRule>,
) -> Response {
    shared.org.write().validation_rules.push(rule);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_validation_rules(State(shared): State<AppState>) -> Response {
    shared.org.write().validation_rules.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `{"next":N}`: the next N API record writes are refused with `UNABLE_TO_LOCK_ROW`.
async fn lock_writes(
    State(shared): State<AppState>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(n) = body.get("next").and_then(Value::as_u64) else {
        return bad("next (a count) is required");
    };
    shared.org.write().locked_writes = n;
    StatusCode::NO_CONTENT.into_response()
}

async fn api_calls(State(shared): State<AppState>) -> Response {
    axum::Json(json!({"apiCalls": shared.api_calls(), "limit": shared.config.daily_api_limit}))
        .into_response()
}

/// A new day: API calls and the bulk allocations start again from zero.
async fn reset_calls(State(shared): State<AppState>) -> Response {
    shared
        .api_calls
        .store(0, std::sync::atomic::Ordering::Relaxed);
    shared.bulk.reset_allocations();
    StatusCode::NO_CONTENT.into_response()
}

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": message.into()})),
    )
        .into_response()
}

/// `{"kind":"500"|"503"|"limit"|"expired_session"|"latency"|"drop"|"lose_answer", "next":N | "rate":0.1, "latencyMs":.., "method"?:"POST", "path"?:"/composite/sobjects"}`
/// (`method` and `path`, the end of the path, pick the calls it hits).
async fn add_fault(
    State(shared): State<AppState>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let kind = match body.get("kind").and_then(Value::as_str) {
        Some("500") => FaultKind::ServerError,
        Some("503") => FaultKind::Unavailable,
        Some("limit") | Some("403") => FaultKind::LimitExceeded,
        Some("expired_session") | Some("401") => FaultKind::ExpiredSession,
        Some("drop") => FaultKind::Drop,
        Some("lose_answer") => FaultKind::LoseAnswer,
        Some("latency") => FaultKind::Latency(Duration::from_millis(
            body.get("latencyMs")
                .and_then(Value::as_u64)
                .unwrap_or(1000),
        )),
        other => return bad(format!("unknown fault kind {other:?}")),
    };
    let fault = match (
        body.get("next").and_then(Value::as_u64),
        body.get("rate").and_then(Value::as_f64),
    ) {
        (Some(n), _) if n > 0 => Fault::next(kind, n),
        (_, Some(rate)) if (0.0..=1.0).contains(&rate) => Fault::rate(kind, rate),
        _ => return bad("give `next` (calls) or `rate` (0..1)"),
    };
    let fault = match (
        body.get("method").and_then(Value::as_str),
        body.get("path").and_then(Value::as_str),
    ) {
        (None, None) => fault,
        (Some(method), Some(path)) => fault.only(method, path),
        _ => return bad("give both `method` and `path`, or neither"),
    };
    shared.faults.lock().push(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(shared): State<AppState>) -> Response {
    shared.faults.lock().clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn expire(State(shared): State<AppState>) -> Response {
    shared.expire_sessions();
    StatusCode::NO_CONTENT.into_response()
}

/// The acting user: `as` is a user id or email; the admin by default.
fn acting_user(shared: &AppState, body: &Map<String, Value>) -> Option<String> {
    let org = shared.org.read();
    match body.get("as").and_then(Value::as_str) {
        None => Some(org.admin_user_id.clone()),
        Some(who) if who.contains('@') => org
            .find_by("User", "Email", who)
            .first()
            .map(|u| u.id().to_owned()),
        Some(id) => org.get(id).map(|u| u.id().to_owned()),
    }
}

fn errors(e: Vec<SfError>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(Value::Array(e.iter().map(|e| e.rest_json(true)).collect())),
    )
        .into_response()
}

fn split(body: Value) -> (Map<String, Value>, Map<String, Value>) {
    let body = body.as_object().cloned().unwrap_or_default();
    let fields = body
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    (body, fields)
}

/// `"assign": true|false`: the "Assign using active assignment rule" checkbox of the edit page.
/// Left alone it is ticked on new records and unticked on edits, as on a default page layout.
fn assign_box(body: &Map<String, Value>) -> Option<bool> {
    body.get("assign").and_then(Value::as_bool)
}

async fn ui_create(
    State(shared): State<AppState>,
    Path(sobject): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let (body, fields) = split(body);
    let Some(user) = acting_user(&shared, &body) else {
        return bad("unknown user");
    };
    match shared.ui_create(&user, &sobject, &fields, assign_box(&body)) {
        Ok(id) => (StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response(),
        Err(e) => errors(e),
    }
}

async fn ui_update(
    State(shared): State<AppState>,
    Path((sobject, id)): Path<(String, String)>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let (body, fields) = split(body);
    let Some(user) = acting_user(&shared, &body) else {
        return bad("unknown user");
    };
    match shared.ui_update(&user, &sobject, &id, &fields, assign_box(&body)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => errors(e),
    }
}

async fn ui_delete(
    State(shared): State<AppState>,
    Path((_sobject, id)): Path<(String, String)>,
) -> Response {
    let user = shared.org.read().admin_user_id.clone();
    match shared.write(|org, j| org.delete(&id, &WriteCtx::ui(&user), j)) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => errors(e),
    }
}

async fn ui_undelete(
    State(shared): State<AppState>,
    Path((_sobject, id)): Path<(String, String)>,
) -> Response {
    let user = shared.org.read().admin_user_id.clone();
    match shared.write(|org, j| org.undelete(&id, &WriteCtx::ui(&user), j)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => errors(e),
    }
}

async fn record(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    match shared.org.read().get(&id) {
        Some(r) => axum::Json(Value::Object(r.to_map())).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn cdc_state(State(shared): State<AppState>) -> Response {
    axum::Json(json!({"lastReplayId": shared.cdc.last_replay_id(),
        "subscriptionsAccepted": shared.cdc.subscriptions_accepted()}))
    .into_response()
}

/// Every retained change event leaves the retention window (see `SalesforceSim::expire_retained_events`).
async fn cdc_expire(State(shared): State<AppState>) -> Response {
    shared.cdc.expire_retained();
    StatusCode::NO_CONTENT.into_response()
}

/// Bulk API 2.0 jobs and allocations: `{"holding", "queryJobs", "ingestJobs", "batchesUsed",
/// "queryJobsUsed"}`.
async fn bulk_state(State(shared): State<AppState>) -> Response {
    let (query, ingest) = shared.bulk.count();
    axum::Json(json!({
        "holding": shared.bulk.holding(),
        "queryJobs": query,
        "ingestJobs": ingest,
        "batchesUsed": shared.bulk.batches_used(),
        "queryJobsUsed": shared.bulk.query_jobs_used(),
    }))
    .into_response()
}

/// `{"hold": true}` keeps Bulk API 2.0 jobs `InProgress` until `{"hold": false}`.
async fn bulk_hold(
    State(shared): State<AppState>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(hold) = body.get("hold").and_then(Value::as_bool) else {
        return bad("give `hold`: true or false");
    };
    shared.bulk.set_hold(hold);
    StatusCode::NO_CONTENT.into_response()
}

/// `{"jobs": N, "message": ".."}`: the next N Bulk API 2.0 jobs fail when they start (an
/// ingest job with `message` as its `errorMessage`).
async fn bulk_fail_next(
    State(shared): State<AppState>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(n) = body.get("jobs").and_then(Value::as_u64) else {
        return bad("give `jobs`: how many of the next jobs fail");
    };
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned);
    shared.bulk.fail_next(n, message);
    StatusCode::NO_CONTENT.into_response()
}
