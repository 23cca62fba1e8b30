//! The built front end: its files from the static folder, for any other path the HTML entry
//! of the bundle whose router owns it (`shared::pages`: deep links open the right page and
//! teammates' pages never load the admin bundle), and each page's Content Security Policy.
//!
//! The policy lets the wasm app run (`'wasm-unsafe-eval'` for `WebAssembly.instantiate`, its
//! module scripts and fetches from this origin only) and nothing else load. Who may frame a
//! page depends on the page: the inbox card and the case form (`/card/*`, `/case/*`) are
//! embedded by Intercom's inbox, every other page by nobody.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use shared::pages::Bundle;
use tower::{ServiceBuilder, ServiceExt, service_fn};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The origins of Intercom's inbox (US, EU and Australian hosting).
pub const INBOX_ORIGINS: [&str; 3] = [
    "https://app.intercom.com",
    "https://app.eu.intercom.com",
    "https://app.au.intercom.com",
];

/// The app paths an inbox may frame, as route patterns.
pub const FRAMED_PATHS: [&str; 2] = ["/card/{*rest}", "/case/{*rest}"];

/// The policy of a page that `frame_ancestors` may frame (a CSP source list, or `'none'`).
pub fn policy(frame_ancestors: &str) -> HeaderValue {
    HeaderValue::try_from(format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {frame_ancestors}"
    ))
    .expect("a policy of fixed ASCII text")
}

/// The pages, to serve as the router's fallback.
pub fn router(static_dir: &Path) -> Router {
    // A page's HTML entry is its bundle's (the card's and the case form's are their own).
    let dir = static_dir.to_path_buf();
    let entry = service_fn(move |request: Request| {
        let file = dir.join(Bundle::of(request.uri().path()).entry());
        ServeFile::new(file).oneshot(request)
    });
    let files = ServeDir::new(static_dir)
        .append_index_html_on_directories(false)
        .fallback(entry.clone());
    let framed = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            policy(&INBOX_ORIGINS.join(" ")),
        ))
        .service(entry);
    let mut pages = Router::new();
    for path in FRAMED_PATHS {
        pages = pages.route_service(path, framed.clone());
    }
    pages.fallback_service(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                header::CONTENT_SECURITY_POLICY,
                policy("'none'"),
            ))
            .service(files),
    )
}
