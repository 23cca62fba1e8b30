//! What keeps the server standing whoever calls it: request timeouts, a limit on requests in
//! flight, request body limits (a default here, tighter or looser ones per route), and the
//! security headers every response carries. Each is a tower or tower-http layer; what they
//! refuse is answered with the API's JSON error body. The header-read timeout is set on the
//! connections themselves (`server.rs`), and each page's frame rules in `pages.rs`.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::map_response_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use super::AppError;

/// The server's own limits (configuration keys `header_read_timeout_seconds`,
/// `request_timeout_seconds`, `max_concurrent_requests`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serving {
    /// How long a client may take to send a request's headers; then the connection is closed
    /// (a client trickling headers cannot hold a connection open).
    pub header_read_timeout: Duration,
    /// How long one request may take, its body and the answer included; then 504.
    pub request_timeout: Duration,
    /// Requests handled at once; more are refused with 503 at once rather than queued.
    pub max_concurrent_requests: usize,
}

pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 10;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 60;
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 512;

impl Default for Serving {
    fn default() -> Self {
        Serving {
            // Real clients send their headers in milliseconds; ten seconds forgives slow links.
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
            // Outlasts one Salesforce call at its client's own 30 s timeout.
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            // Most requests wait on Salesforce or Intercom, not on the CPU; each may hold a
            // body of up to 1 MiB, so this bounds buffered bodies to about half a GiB.
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

/// The most bytes a request body may have, per kind of route. The body is read whole before
/// anything else (a signature is checked over all of it), so these bound what an anonymous
/// caller can make the server buffer.
pub mod body_limit {
    /// Intercom's notifications carry one record, or the conversation parts that raised them:
    /// a few KB as recorded; 256 KiB leaves room for records with many custom attributes.
    pub const WEBHOOK: usize = 256 * 1024;
    /// Canvas Kit requests carry the conversation and contact, and a Submit the current canvas
    /// (up to 64 KB of content and 64 KB of stored data) and the case form's inputs.
    pub const CANVAS: usize = 512 * 1024;
    /// Mappings saved or imported whole: at most 500 per object, a few hundred bytes each.
    pub const MAPPINGS: usize = 1024 * 1024;
    /// Everything else: settings and cases, whose longest field (a case's description of
    /// 32,000 characters) fits several times over.
    pub const DEFAULT: usize = 256 * 1024;
}

/// `route` taking request bodies of at most `max` bytes; a larger one gets 413 with the JSON
/// error body naming the limit.
pub fn limited<S>(route: MethodRouter<S>, max: usize) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route
        .layer::<_, Infallible>(map_response_with_state(max, too_large))
        .layer(DefaultBodyLimit::max(max))
}

/// The layers every response passes through, innermost first: the limit on requests in
/// flight, the request timeout, the default body limit, the security headers.
pub fn layers<S>(router: Router<S>, serving: &Serving) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overloaded))
                .layer(LoadShedLayer::new())
                .layer(GlobalConcurrencyLimitLayer::new(
                    serving.max_concurrent_requests,
                )),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            serving.request_timeout,
        ))
        .layer(map_response_with_state(serving.request_timeout, timed_out))
        .layer(DefaultBodyLimit::max(body_limit::DEFAULT))
        .layer(map_response_with_state(body_limit::DEFAULT, too_large))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Our own origin still gets the page's URL (and same-origin writes their `Origin`);
        // Salesforce links and every other site get nothing.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Pages set their own policy (`pages.rs`); JSON and the rest load nothing and are
        // never framed.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
}

/// A response the layers made, not a handler: it has no JSON body of its own.
fn from_a_layer(response: &Response, status: StatusCode) -> bool {
    response.status() == status
        && !response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
}

async fn too_large(State(max): State<usize>, response: Response) -> Response {
    if !from_a_layer(&response, StatusCode::PAYLOAD_TOO_LARGE) {
        return response;
    }
    AppError::refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "the request body is larger than {} KiB, the most this endpoint takes",
            max / 1024
        ),
    )
    .into_response()
}

async fn timed_out(State(after): State<Duration>, response: Response) -> Response {
    if !from_a_layer(&response, StatusCode::GATEWAY_TIMEOUT) {
        return response;
    }
    AppError::refused(
        StatusCode::GATEWAY_TIMEOUT,
        "request_timeout",
        format!(
            "the request did not complete within {} s; try again",
            after.as_secs_f64()
        ),
    )
    .into_response()
}

/// The only error the limit's stack raises: every permit is taken.
async fn overloaded(_: BoxError) -> Response<Body> {
    (
        [(header::RETRY_AFTER, HeaderValue::from_static("1"))],
        AppError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is handling as many requests as it can; try again in a moment",
        ),
    )
        .into_response()
}
