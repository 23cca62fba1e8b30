//! What stands in front of every API call: the bearer token, which names the caller's
//! workspace, then that workspace's request counters, injected faults, the `Intercom-Version`
//! header and the rate limit with its `X-RateLimit-*` headers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use rand::Rng;

use super::Server;
use super::auth::Access;
use super::control::{Fault, FaultKind};
use super::wire::{ApiError, DEFAULT_VERSION, VERSIONS};

/// The limit is set per minute, and the real API enforces it in 10-second windows of a sixth each.
const LIMIT_SECS: i64 = 60;
const WINDOWS_PER_LIMIT: u64 = 6;
const WINDOW_SECS: i64 = LIMIT_SECS / WINDOWS_PER_LIMIT as i64;

/// One write the API carried out: what a caller changed, and when.
#[derive(Debug, Clone)]
pub struct ApiWrite {
    /// `"PUT /contacts/6a1f.."`, as the write counters name it.
    pub request: String,
    /// The JSON body sent (`Null` when it was none or not JSON).
    pub body: serde_json::Value,
    /// When the answer was sent, in milliseconds since the epoch.
    pub at_ms: i64,
}

/// Bodies longer than this are not kept in the write log (they are read as `Null`).
const LOGGED_BODY_LIMIT: usize = 1 << 20;

pub(crate) struct Gate {
    per_window: u64,
    per_minute: u32,
    window: Mutex<(i64, u64)>,
    faults: Mutex<Vec<Fault>>,
    counts: Mutex<BTreeMap<String, u64>>,
    /// Writes per record path (`"PUT /contacts/abc"`), to tell which records were written.
    writes: Mutex<BTreeMap<String, u64>>,
    /// Every write the API carried out (answered 2xx), with its body.
    write_log: Mutex<Vec<ApiWrite>>,
    total: AtomicU64,
}

impl Gate {
    pub fn new(per_minute: u32) -> Gate {
        Gate {
            per_window: (u64::from(per_minute) / WINDOWS_PER_LIMIT).max(1),
            per_minute,
            window: Mutex::new((0, 0)),
            faults: Mutex::new(Vec::new()),
            counts: Mutex::new(BTreeMap::new()),
            writes: Mutex::new(BTreeMap::new()),
            write_log: Mutex::new(Vec::new()),
            total: AtomicU64::new(0),
        }
    }

    pub fn add_fault(&self, fault: Fault) {
        self.faults.lock().push(fault);
    }

    pub fn clear_faults(&self) {
        self.faults.lock().clear();
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut counts = self.counts.lock().clone();
        counts.insert("total".into(), self.total.load(Ordering::Relaxed));
        counts
    }

    /// Writes (every method but GET and HEAD) per concrete path, routed or not.
    pub fn write_counts(&self) -> BTreeMap<String, u64> {
        self.writes.lock().clone()
    }

    /// Every write carried out so far, in the order answered.
    pub fn write_log(&self) -> Vec<ApiWrite> {
        self.write_log.lock().clone()
    }

    fn count(&self, route: String) {
        self.total.fetch_add(1, Ordering::Relaxed);
        *self.counts.lock().entry(route).or_default() += 1;
    }

    fn count_write(&self, method: &http::Method, path: &str) {
        if method != http::Method::GET && method != http::Method::HEAD {
            *self
                .writes
                .lock()
                .entry(format!("{method} {path}"))
                .or_default() += 1;
        }
    }

    /// The fault, if any, that hits this call. Faults for the next N calls are used up first.
    fn pick_fault(&self) -> Option<FaultKind> {
        let mut faults = self.faults.lock();
        let mut rng = rand::rng();
        let hit = faults.iter_mut().position(|f| match f.remaining {
            Some(0) => false,
            Some(_) => true,
            None => rng.random::<f64>() < f.rate,
        })?;
        let fault = &mut faults[hit];
        if let Some(n) = fault.remaining.as_mut() {
            *n -= 1;
        }
        let kind = fault.kind.clone();
        faults.retain(|f| f.remaining != Some(0));
        Some(kind)
    }

    /// Takes one call from the current window; `Err` when the window is spent.
    fn take(&self) -> (Result<(), ()>, u64, i64) {
        let now = chrono::Utc::now().timestamp();
        let start = now - now.rem_euclid(WINDOW_SECS);
        let mut w = self.window.lock();
        if w.0 != start {
            *w = (start, 0);
        }
        let reset = start + WINDOW_SECS;
        if w.1 >= self.per_window {
            return (Err(()), 0, reset);
        }
        w.1 += 1;
        (Ok(()), self.per_window - w.1, reset)
    }
}

fn rate_headers(resp: &mut Response, limit: u32, remaining: u64, reset: i64) {
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Middleware for the whole public API, unknown routes and wrong methods included, since the
/// real API checks the token and counts the call before it knows whether the route exists.
/// A granted call reaches its handler with the workspace (`Extension<State>`), the caller
/// (`Extension<Caller>`) and the simulator (`Extension<Arc<Server>>`).
pub(crate) async fn api_gate(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    mut req: Request,
    next: Next,
) -> Response {
    let access = bearer(req.headers()).map_or(Access::Unknown, |t| server.access(t));
    // The token's workspace counts the call; a call no token ties to a workspace counts in the
    // first one.
    let (state, caller) = server.caller(access);
    let gate = &state.gate;
    // Unknown paths are counted under one label so that a scanner cannot grow the counters.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNKNOWN_ROUTE, |m| m.as_str())
        .to_owned();
    gate.count(format!("{} {route}", req.method()));
    gate.count_write(req.method(), req.uri().path());

    let asked = req.headers().get("intercom-version").map(|v| {
        v.to_str()
            .ok()
            .map(str::trim)
            .filter(|v| VERSIONS.contains(v))
            .map(str::to_owned)
    });
    // Errors, the gate's own included, answer in the asked version, or the default one when the
    // asked version does not exist.
    let version = asked.clone().flatten();
    let answered_version = version.as_deref().unwrap_or(DEFAULT_VERSION).to_owned();
    let (allowed, remaining, reset) = gate.take();
    let limit = gate.per_minute;
    let finish = |mut resp: Response, remaining: u64| {
        rate_headers(&mut resp, limit, remaining, reset);
        if let Ok(v) = HeaderValue::from_str(&answered_version) {
            resp.headers_mut().insert("intercom-version", v);
        }
        resp
    };

    match gate.pick_fault() {
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let err = ApiError::new(status, "server_error", "Simulated failure");
            return finish(err.into_response(), remaining);
        }
        // A 429 always says the window is spent, whatever the real window holds.
        Some(FaultKind::RateLimited) => return finish(gate.rate_limited(), 0),
        Some(FaultKind::Latency(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
        None => {}
    }

    let caller = match caller {
        Ok(caller) => caller,
        Err(refused) => return finish(refused.into_response(), remaining),
    };
    if asked.is_some() && version.is_none() {
        let err = ApiError::new(
            StatusCode::BAD_REQUEST,
            "intercom_version_invalid",
            "The requested version could not be found",
        );
        return finish(err.into_response(), remaining);
    }
    if allowed.is_err() {
        return finish(gate.rate_limited(), 0);
    }
    req.extensions_mut().insert(state.clone());
    req.extensions_mut().insert(caller);
    req.extensions_mut().insert(server.clone());
    if req.method() == http::Method::GET || req.method() == http::Method::HEAD {
        return finish(next.run(req).await, remaining);
    }
    let request = format!("{} {}", req.method(), req.uri().path());
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, LOGGED_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    let resp = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    if resp.status().is_success() {
        gate.write_log.lock().push(ApiWrite {
            request,
            body,
            at_ms: chrono::Utc::now().timestamp_millis(),
        });
    }
    finish(resp, remaining)
}

/// The counters' label for paths that match no route.
pub(crate) const UNKNOWN_ROUTE: &str = "(unknown route)";

impl Gate {
    /// The 429 names the limit as configured: calls per minute.
    fn rate_limited(&self) -> Response {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            format!(
                "Exceeded rate limit of {} in {} seconds",
                self.per_minute, LIMIT_SECS
            ),
        )
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_spends_a_sixth_of_the_minute() {
        let gate = Gate::new(60);
        for _ in 0..10 {
            assert!(gate.take().0.is_ok());
        }
        let (spent, remaining, reset) = gate.take();
        assert!(
            spent.is_err() || remaining < 10,
            "a new window may have begun"
        );
        assert!(reset > chrono::Utc::now().timestamp() - 1);
    }

    #[test]
    fn next_n_faults_are_used_up() {
        let gate = Gate::new(60);
        gate.add_fault(Fault::next(2, FaultKind::Status(503)));
        assert!(matches!(gate.pick_fault(), Some(FaultKind::Status(503))));
        assert!(matches!(gate.pick_fault(), Some(FaultKind::Status(503))));
        assert!(gate.pick_fault().is_none());
        gate.add_fault(Fault::rate(1.0, FaultKind::RateLimited));
        assert!(matches!(gate.pick_fault(), Some(FaultKind::RateLimited)));
        gate.clear_faults();
        assert!(gate.pick_fault().is_none());
    }
}
