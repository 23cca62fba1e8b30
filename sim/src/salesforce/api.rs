//! Routing and what every REST call goes through: faults, the session check, the daily
//! allocation and the `Sforce-Limit-Info` header.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::org::WriteCtx;
use super::schema::schema;
use super::state::{FaultKind, Shared};
use super::{auth, bulk, composite, control, describe, query, rest};

pub type AppState = Arc<Shared>;

/// The authenticated user of an API call, set by [`guard`].
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
}

/// Marks `/composite` subrequests: already counted and authenticated as the parent call.
#[derive(Debug, Clone)]
pub struct Internal;

pub fn router(shared: AppState) -> Router {
    let data = Router::new()
        .route("/", get(rest::resources))
        .route("/limits", get(rest::limits))
        .route("/limits/", get(rest::limits))
        .route("/sobjects", get(describe::global))
        .route("/sobjects/", get(describe::global))
        .route(
            "/sobjects/{sobject}",
            get(describe::basic_info).post(rest::create),
        )
        .route(
            "/sobjects/{sobject}/",
            get(describe::basic_info).post(rest::create),
        )
        .route("/sobjects/{sobject}/describe", get(describe::object))
        .route("/sobjects/{sobject}/describe/", get(describe::object))
        .route(
            "/sobjects/{sobject}/describe/layouts",
            get(describe::layouts),
        )
        .route(
            "/sobjects/{sobject}/describe/layouts/",
            get(describe::layouts),
        )
        .route(
            "/sobjects/{sobject}/describe/layouts/{rt}",
            get(describe::layout),
        )
        .route("/sobjects/{sobject}/updated", get(rest::updated))
        .route("/sobjects/{sobject}/updated/", get(rest::updated))
        .route("/sobjects/{sobject}/deleted", get(rest::deleted))
        .route("/sobjects/{sobject}/deleted/", get(rest::deleted))
        .route(
            "/sobjects/{sobject}/{id}",
            get(rest::read).patch(rest::update).delete(rest::delete),
        )
        .route(
            "/sobjects/{sobject}/{field}/{*value}",
            get(rest::read_by_external_id)
                .patch(rest::upsert)
                .delete(rest::delete_by_external_id),
        )
        .route("/query", get(query::query))
        .route("/query/", get(query::query))
        .route("/query/{locator}", get(query::more))
        .route("/queryAll", get(query::query_all))
        .route("/queryAll/", get(query::query_all))
        .route("/queryAll/{locator}", get(query::more))
        .route("/composite", post(composite::composite))
        .route("/composite/", post(composite::composite))
        .route(
            "/composite/sobjects",
            post(composite::create)
                .patch(composite::update)
                .delete(composite::delete),
        )
        .route(
            "/composite/sobjects/{sobject}",
            get(composite::retrieve).post(composite::retrieve_post),
        )
        .route(
            "/composite/sobjects/{sobject}/{field}",
            axum::routing::patch(composite::upsert),
        )
        .route(
            "/ui-api/object-info/{sobject}/picklist-values/{rt}",
            get(describe::picklists),
        )
        .route(
            "/ui-api/object-info/{sobject}/picklist-values/{rt}/{field}",
            get(describe::picklist),
        )
        .merge(bulk::routes())
        .fallback(|| async { ApiError::not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), guard));

    let app = Router::new()
        .route("/services/data", get(rest::versions))
        .route("/services/data/", get(rest::versions))
        .nest("/services/data/{version}", data)
        .merge(auth::routes())
        .route("/cometd/{version}", post(cdc_http))
        .route("/cometd/{version}/{*kind}", post(cdc_http))
        .nest("/__sim", control::routes())
        .with_state(shared.clone());
    let _ = shared.router.set(app.clone());
    app
}

async fn cdc_http(
    State(shared): State<AppState>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    cdc_handler(shared, headers, body).await
}

/// The Bayeux endpoint: a batch of messages in, a batch of replies (and events) out.
async fn cdc_handler(shared: AppState, headers: HeaderMap, body: Value) -> Response {
    if shared.cdc.is_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "streaming is down").into_response();
    }
    let messages = match body {
        Value::Array(m) => m,
        other => vec![other],
    };
    let authed = bearer(&headers)
        .and_then(|t| shared.session_user(&t))
        .is_some();
    // CometD holds a connect as a long poll only when it travels alone: in a batch (faye
    // sends its first connect with its subscribe) every message is answered at once.
    let alone = messages.len() == 1;
    let mut out = Vec::new();
    for msg in messages {
        let channel = msg
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let id = msg.get("id").cloned().unwrap_or(Value::Null);
        let client = msg
            .get("clientId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !authed {
            // Salesforce answers an invalid or expired session with 401 and this body.
            let reply = json!([{
                "ext": {"sfdc": {"failureReason": "401::Authentication invalid"}, "replay": true, "payload.format": true},
                "advice": {"reconnect": "none"},
                "channel": channel, "id": id, "error": "403::Handshake denied", "successful": false,
            }]);
            return (StatusCode::UNAUTHORIZED, axum::Json(reply)).into_response();
        }
        match channel.as_str() {
            "/meta/handshake" => {
                let client_id = shared.cdc.handshake();
                out.push(json!({
                    "ext": {"replay": true, "payload.format": true}, "minimumVersion": "1.0", "clientId": client_id,
                    "supportedConnectionTypes": ["long-polling"], "channel": "/meta/handshake", "id": id,
                    "version": "1.0", "successful": true,
                    "advice": {"interval": 0, "timeout": shared.config.cometd_timeout.as_millis() as u64, "reconnect": "retry"},
                }));
            }
            "/meta/subscribe" => {
                let subscription = msg.get("subscription").and_then(Value::as_str).unwrap_or_default();
                let replay = msg
                    .pointer("/ext/replay")
                    .and_then(|r| r.get(subscription))
                    .and_then(Value::as_i64)
                    .unwrap_or(-1);
                match shared.cdc.subscribe(&client, subscription, replay) {
                    Ok(()) => out.push(json!({"clientId": client, "channel": "/meta/subscribe", "id": id,
                                             "subscription": subscription, "successful": true})),
                    Err(error) => out.push(json!({"clientId": client, "channel": "/meta/subscribe", "id": id,
                                                 "subscription": subscription, "successful": false, "error": error})),
                }
            }
            "/meta/unsubscribe" => {
                let subscription = msg.get("subscription").and_then(Value::as_str).unwrap_or_default();
                shared.cdc.unsubscribe(&client, subscription);
                out.push(json!({"clientId": client, "channel": "/meta/unsubscribe", "id": id,
                               "subscription": subscription, "successful": true}));
            }
            "/meta/connect" => {
                let timeout = shared.config.cometd_timeout;
                // The client may ask for a shorter poll (`advice.timeout`, 0 for none).
                let asked = msg
                    .pointer("/advice/timeout")
                    .and_then(Value::as_u64)
                    .map_or(timeout, |ms| timeout.min(Duration::from_millis(ms)));
                let hold = if alone { asked } else { Duration::ZERO };
                match shared.cdc.connect(&client, hold).await {
                    Some(events) => {
                        out.extend(events);
                        out.push(json!({"clientId": client, "channel": "/meta/connect", "id": id, "successful": true,
                                       "advice": {"interval": 0, "timeout": timeout.as_millis() as u64, "reconnect": "retry"}}));
                    }
                    None => out.push(json!({"clientId": client, "channel": "/meta/connect", "id": id, "successful": false,
                                           "error": "403::Unknown client", "advice": {"interval": 0, "reconnect": "handshake"}})),
                }
            }
            "/meta/disconnect" => {
                let ok = shared.cdc.disconnect(&client);
                out.push(json!({"clientId": client, "channel": "/meta/disconnect", "id": id, "successful": ok}));
            }
            other => out.push(json!({"channel": other, "id": id, "successful": false, "error": "400::Unknown channel"})),
        }
    }
    axum::Json(Value::Array(out)).into_response()
}

pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim().to_owned())
}

/// Faults, session, allocation, then the handler; `Sforce-Limit-Info` on the way out.
async fn guard(State(shared): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.extensions().get::<Internal>().is_some() {
        return next.run(req).await;
    }
    if shared
        .api_disabled
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        return with_limit_info(
            &shared,
            ApiError::one(
                StatusCode::FORBIDDEN,
                "API_DISABLED_FOR_ORG",
                "The REST API is not enabled for this Organization.",
            )
            .into_response(),
        );
    }
    let mut delay = None;
    let mut lose_answer = false;
    if let Some(fault) = shared.take_fault(req.method().as_str(), req.uri().path()) {
        let failed = match fault {
            FaultKind::ServerError => Some(ApiError::one(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
            )),
            FaultKind::Unavailable => Some(ApiError::one(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVER_UNAVAILABLE",
                "Server temporarily unavailable. Please try again later.",
            )),
            FaultKind::LimitExceeded => Some(ApiError::limit()),
            FaultKind::ExpiredSession => Some(ApiError::session()),
            FaultKind::Latency(d) => {
                delay = Some(d);
                None
            }
            FaultKind::Drop => return dropped(),
            FaultKind::LoseAnswer => {
                lose_answer = true;
                None
            }
        };
        if let Some(e) = failed {
            return with_limit_info(&shared, e.into_response());
        }
    }
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let Some(user_id) = bearer(req.headers()).and_then(|t| shared.session_user(&t)) else {
        return with_limit_info(&shared, ApiError::session().into_response());
    };
    if !shared.count_call() {
        return with_limit_info(&shared, ApiError::limit().into_response());
    }
    req.extensions_mut().insert(Caller { user_id });
    let resp = next.run(req).await;
    if lose_answer {
        // Done, and the answer never arrives.
        return dropped();
    }
    with_limit_info(&shared, resp)
}

fn with_limit_info(shared: &Shared, mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&shared.limit_info()) {
        resp.headers_mut().insert("sforce-limit-info", v);
    }
    resp
}

/// A response whose body fails: the server closes the connection without a complete answer.
fn dropped() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "dropped by fault",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-length", "100")
        .body(Body::from_stream(stream))
        .expect("valid response")
}

/// The writer's context from the request headers.
pub fn write_ctx(caller: &Caller, headers: &HeaderMap, version: &str) -> WriteCtx {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let client = header("sforce-call-options").and_then(|v| {
        v.split(',').find_map(|part| {
            let (k, val) = part.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("client")
                .then(|| val.trim().to_owned())
        })
    });
    // Absent means TRUE on create and update alike; an AssignmentRule id also runs the rules.
    let auto_assign = header("sforce-auto-assign").is_none_or(|v| !v.eq_ignore_ascii_case("false"));
    let allow_duplicates = header("sforce-duplicate-rule-header").is_some_and(|v| {
        v.split(',').any(|p| {
            let p = p.replace(' ', "");
            p.eq_ignore_ascii_case("allowSave=true")
        })
    });
    WriteCtx {
        user_id: caller.user_id.clone(),
        client,
        auto_assign,
        allow_duplicates,
        api_version: Some(version.trim_start_matches('v').to_owned()),
    }
}

/// `v62.0` -> `62.0`; unknown versions are NOT_FOUND as in Salesforce.
pub fn check_version(version: &str) -> Result<String, ApiError> {
    let v = version.strip_prefix('v').ok_or_else(ApiError::not_found)?;
    let n: f64 = v.parse().map_err(|_| ApiError::not_found())?;
    if !(20.0..=66.0).contains(&n) {
        return Err(ApiError::not_found());
    }
    Ok(v.to_owned())
}

/// A stored row as the REST API sends it: `attributes` first, optionally only `fields`.
pub fn record_json(
    object: &str,
    row: &super::record::Record,
    version: &str,
    fields: Option<&[String]>,
) -> Value {
    let id = row.id();
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": object, "url": format!("/services/data/v{version}/sobjects/{object}/{id}")}),
    );
    match fields {
        Some(fields) => {
            for f in fields {
                let name = schema()
                    .object(object)
                    .and_then(|o| o.field(f))
                    .map(|f| f.name.to_owned())
                    .unwrap_or_else(|| f.clone());
                out.insert(name.clone(), row.value(&name));
            }
        }
        None => {
            if let Some(obj) = schema().object(object) {
                for f in &obj.fields {
                    out.insert(f.name.into(), row.value(f.name));
                }
            }
        }
    }
    Value::Object(out)
}
