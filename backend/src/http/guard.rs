//! Who may reach what, enforced around the handlers rather than in them:
//!
//! - [`same_site`] (every request but the probes): the `Host` must name this server (DNS
//!   rebinding), and a state-changing request to `/api/*` or `/auth/*` must carry an `Origin`
//!   equal to the public URL's and a JSON body (no cross-site form can send either).
//! - [`require_session`] (all of `/api/*`, unknown paths included): a live session, or 401.
//! - [`require_admin`] (admin routes): the session's teammate is an admin, or 403.
//!
//! Handlers then take [`SignedIn`] or [`Installation`]: the installation always comes from
//! the session, never from the request.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use shared::api_error::codes;

use super::{AppError, AppState, cookies};
use crate::auth::{AuthError, SESSION_COOKIE};

pub use crate::auth::SignedIn;

/// Paths that answer whatever the Host says: orchestrators probe and scrape by address.
const PROBES: &[&str] = &["/healthz", "/readyz", "/metrics"];

fn refuse(status: StatusCode, code: &'static str, message: &str) -> Response {
    AppError::refused(status, code, message).into_response()
}

/// Whether the method changes something.
fn writes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

pub async fn same_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if PROBES.contains(&path) {
        return next.run(request).await;
    }
    let origins = &state.auth.origins;
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if !origins.host_allowed(host) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "host_refused",
            "this server answers only under its public URL (the Host header names another)",
        );
    }
    let guarded = path.starts_with("/api/") || path.starts_with("/auth/");
    if guarded && writes(request.method()) {
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        if !origins.origin_allowed(origin) {
            return refuse(
                StatusCode::FORBIDDEN,
                "origin_refused",
                "a change must come from this server's own pages (the Origin header is missing or names another site)",
            );
        }
        if *request.method() != Method::DELETE && !is_json(request.headers()) {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_required",
                "a change must send a JSON body (Content-Type: application/json)",
            );
        }
    }
    next.run(request).await
}

pub async fn require_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = cookies::read(request.headers(), SESSION_COOKIE).map(SecretString::from);
    let signed_in = match token {
        Some(token) => state.auth.session(&state.store, &token).await,
        None => Ok(None),
    };
    match signed_in {
        Ok(Some(signed_in)) => {
            request.extensions_mut().insert(signed_in);
            next.run(request).await
        }
        Ok(None) => AppError::from(AuthError::SignInRequired).into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

pub async fn require_admin(request: Request, next: Next) -> Response {
    match request.extensions().get::<SignedIn>() {
        Some(who) if who.is_admin() => next.run(request).await,
        Some(_) => AppError::from(AuthError::AdminOnly).into_response(),
        None => AppError::from(AuthError::SignInRequired).into_response(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SignedIn>()
            .cloned()
            .ok_or_else(|| AuthError::SignInRequired.into())
    }
}

/// The installation of the signed-in teammate's session.
pub struct Installation(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Installation {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        Ok(Installation(who.installation_id))
    }
}

impl From<AuthError> for AppError {
    fn from(error: AuthError) -> Self {
        let message = error.to_string();
        let refused = |status, code| AppError::refused(status, code, message.clone());
        match error {
            AuthError::SignInRequired => refused(StatusCode::UNAUTHORIZED, codes::SIGN_IN_REQUIRED),
            AuthError::AdminOnly => refused(StatusCode::FORBIDDEN, codes::ADMIN_ONLY),
            AuthError::SetupTokenInvalid => {
                refused(StatusCode::UNAUTHORIZED, "setup_token_invalid")
            }
            AuthError::LinkInvalid => refused(StatusCode::UNAUTHORIZED, "sign_in_link_invalid"),
            AuthError::TicketInvalid => refused(StatusCode::UNAUTHORIZED, "ticket_invalid"),
            AuthError::NotATeammate(_) => refused(StatusCode::FORBIDDEN, "not_a_teammate"),
            AuthError::EmailUnverified => refused(StatusCode::FORBIDDEN, "email_unverified"),
            AuthError::LinksUnavailable => {
                refused(StatusCode::CONFLICT, "sign_in_links_unavailable")
            }
            AuthError::NoInstallation(_) => {
                refused(StatusCode::NOT_FOUND, codes::INSTALLATION_NOT_FOUND)
            }
            AuthError::Role(_) => refused(StatusCode::CONFLICT, "role_refused"),
            AuthError::Store(e) => e.into(),
            AuthError::Client(e) => e.into(),
        }
    }
}
