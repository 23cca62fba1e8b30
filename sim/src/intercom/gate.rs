//! What stands in front of every API call: request counters, injected faults, the bearer
//! token, the `Intercom-Version` header and the rate limit with its `X-RateLimit-*` headers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use rand::Rng;

use super::State;
use super::control::{Fault, FaultKind};
use super::wire::{ApiError, DEFAULT_VERSION, VERSIONS};

/// The real API enforces its per-minute limit in 10-second windows.
const WINDOW_SECS: i64 = 10;

pub(crate) struct Gate {
    per_window: u64,
    per_minute: u32,
    window: Mutex<(i64, u64)>,
    faults: Mutex<Vec<Fault>>,
    counts: Mutex<BTreeMap<String, u64>>,
    total: AtomicU64,
}

impl Gate {
    pub fn new(per_minute: u32) -> Gate {
        Gate {
            per_window: (u64::from(per_minute) / 6).max(1),
            per_minute,
            window: Mutex::new((0, 0)),
            faults: Mutex::new(Vec::new()),
            counts: Mutex::new(BTreeMap::new()),
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

    fn count(&self, route: String) {
        self.total.fetch_add(1, Ordering::Relaxed);
        *self.counts.lock().entry(route).or_default() += 1;
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

/// Middleware for the public API.
pub(crate) async fn api_gate(
    axum::extract::State(state): axum::extract::State<State>,
    req: Request,
    next: Next,
) -> Response {
    let gate = &state.gate;
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| req.uri().path().to_owned(), |m| m.as_str().to_owned());
    gate.count(format!("{} {route}", req.method()));

    let (allowed, remaining, reset) = gate.take();
    let limit = gate.per_minute;
    let finish = |mut resp: Response| {
        rate_headers(&mut resp, limit, remaining, reset);
        resp
    };

    match gate.pick_fault() {
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let err = ApiError::new(status, "server_error", "Simulated failure");
            return finish(err.into_response());
        }
        Some(FaultKind::RateLimited) => {
            return finish(rate_limited());
        }
        Some(FaultKind::Latency(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
        None => {}
    }

    let token = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if token != Some(state.creds.access_token.as_str()) {
        return finish(ApiError::unauthorized().into_response());
    }
    let version = match req.headers().get("intercom-version") {
        None => DEFAULT_VERSION.to_owned(),
        Some(v) => match v.to_str() {
            Ok(v) if VERSIONS.contains(&v.trim()) => v.trim().to_owned(),
            _ => {
                let err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "intercom_version_invalid",
                    "The requested version could not be found",
                );
                return finish(err.into_response());
            }
        },
    };
    if allowed.is_err() {
        return finish(rate_limited());
    }
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&version) {
        resp.headers_mut().insert("intercom-version", v);
    }
    finish(resp)
}

fn rate_limited() -> Response {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_exceeded",
        "Exceeded rate limit of 10000 in 60 seconds",
    )
    .into_response()
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
