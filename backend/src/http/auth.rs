//! Signing in and out, setup's first step, and the team: `/auth/*` (open: each checks its own
//! token) and `/api/session`, `/api/admin/*`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse, Response};
use secrecy::SecretString;
use serde_json::json;
use shared::access::{
    AuditLog, IntercomToken, NewSignInLink, Redeem, Redirect, SessionView, SetRole, SetupStatus,
    SetupToken, SignInLink, SignInOptions, SignedIn as SignedInAnswer, TeamView, local_path,
};

use super::body::JsonBody;
use super::guard::SignedIn;
use super::{AppError, AppState, cookies};
use crate::auth::{audit, team as teams};
use crate::install::intercom::{Connected, FlowPurpose, Purpose, Started};

/// The answer to a sign-in: the session cookie, and where to go.
fn signed_in(state: &AppState, token: &SecretString, next: String) -> Response {
    (
        AppendHeaders([(
            header::SET_COOKIE,
            cookies::session(token, state.auth.origins.secure),
        )]),
        Json(SignedInAnswer { next }),
    )
        .into_response()
}

/// The answer to a flow started: the flow cookie, and the authorize page to go to.
pub(super) fn started(state: &AppState, started: Started) -> Response {
    (
        AppendHeaders([(
            header::SET_COOKIE,
            cookies::flow(&started.binding, state.auth.origins.secure),
        )]),
        Json(Redirect {
            url: started.authorize_url,
        }),
    )
        .into_response()
}

/// A workspace connected: a new session if one was opened, and where to go.
pub(super) fn connected(state: &AppState, connected: Connected) -> Response {
    match connected.session {
        Some((token, _)) => signed_in(state, &token, connected.next),
        None => Json(SignedInAnswer {
            next: connected.next,
        })
        .into_response(),
    }
}

pub async fn options(State(state): State<AppState>) -> Result<Json<SignInOptions>, AppError> {
    Ok(Json(SignInOptions {
        intercom_oauth: state.services.intercom_app.is_some(),
        needs_setup: !state.store.has_installations().await?,
    }))
}

pub async fn redeem_link(
    State(state): State<AppState>,
    JsonBody(redeem): JsonBody<Redeem>,
) -> Result<Response, AppError> {
    let (token, _) = state
        .auth
        .sign_in_with_link(&state.clients, &state.inbox, &redeem.token)
        .await?;
    Ok(signed_in(
        &state,
        &token,
        local_path(redeem.next.as_deref(), "/"),
    ))
}

pub async fn redeem_ticket(
    State(state): State<AppState>,
    JsonBody(redeem): JsonBody<Redeem>,
) -> Result<Response, AppError> {
    let (token, _) = state
        .auth
        .sign_in_with_ticket(&state.clients, &state.inbox, &redeem.token)
        .await?;
    Ok(signed_in(
        &state,
        &token,
        local_path(redeem.next.as_deref(), "/inbox"),
    ))
}

#[derive(serde::Deserialize)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

pub async fn sign_in_with_intercom(
    State(state): State<AppState>,
    JsonBody(next): JsonBody<Next>,
) -> Result<Response, AppError> {
    let flow = state
        .installer()
        .start_oauth(FlowPurpose::SignIn, next.next.as_deref())
        .await?;
    Ok(started(&state, flow))
}

pub async fn setup_check(
    State(state): State<AppState>,
    JsonBody(setup): JsonBody<SetupToken>,
) -> Result<Json<SetupStatus>, AppError> {
    let (_, expires_at) = state
        .auth
        .check_setup_token(&state.store, &setup.token)
        .await?;
    Ok(Json(SetupStatus {
        intercom_oauth: state.services.intercom_app.is_some(),
        expires_at,
    }))
}

pub async fn setup_with_token(
    State(state): State<AppState>,
    JsonBody(pasted): JsonBody<IntercomToken>,
) -> Result<Response, AppError> {
    let token = pasted.setup_token.clone().unwrap_or_default();
    let done = state
        .installer()
        .connect_with_token(
            Purpose::Setup { token: &token },
            SecretString::from(pasted.access_token),
            SecretString::from(pasted.client_secret),
        )
        .await?;
    Ok(connected(&state, done))
}

pub async fn setup_with_oauth(
    State(state): State<AppState>,
    JsonBody(setup): JsonBody<SetupToken>,
) -> Result<Response, AppError> {
    let flow = state
        .installer()
        .start_oauth(
            FlowPurpose::Connect(Purpose::Setup {
                token: &setup.token,
            }),
            None,
        )
        .await?;
    Ok(started(&state, flow))
}

pub async fn session(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Json<SessionView>, AppError> {
    let name = state
        .store
        .installation(&who.installation_id)
        .await?
        .map(|row| row.name)
        .unwrap_or_default();
    Ok(Json(SessionView {
        installation_id: who.installation_id,
        installation_name: name,
        teammate: who.teammate,
        role: who.role,
    }))
}

pub async fn sign_out(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    state.auth.end_session(&state.store, &who).await?;
    Ok((
        AppendHeaders([(
            header::SET_COOKIE,
            cookies::clear_session(state.auth.origins.secure),
        )]),
        Json(json!({ "signed_out": true })),
    )
        .into_response())
}

pub async fn team(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Json<TeamView>, AppError> {
    Ok(Json(
        teams::view(&state.clients, &state.inbox, &who.installation_id).await?,
    ))
}

pub async fn set_role(
    State(state): State<AppState>,
    who: SignedIn,
    Path(teammate_id): Path<String>,
    JsonBody(set): JsonBody<SetRole>,
) -> Result<Json<TeamView>, AppError> {
    Ok(Json(
        state
            .auth
            .set_role(&state.clients, &state.inbox, &who, &teammate_id, set.role)
            .await?,
    ))
}

pub async fn sign_in_link(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(new): JsonBody<NewSignInLink>,
) -> Result<Json<SignInLink>, AppError> {
    Ok(Json(
        state
            .auth
            .sign_in_link(
                &state.clients,
                &state.inbox,
                &who,
                &new.teammate_id,
                &state.public_url,
            )
            .await?,
    ))
}

pub async fn audit(
    State(state): State<AppState>,
    who: SignedIn,
) -> Result<Json<AuditLog>, AppError> {
    Ok(Json(audit::log(&state.store, &who.installation_id).await?))
}

/// A pasted private app's access token and client secret, as secrets.
pub(super) fn pasted(token: IntercomToken) -> (SecretString, SecretString) {
    (
        SecretString::from(token.access_token),
        SecretString::from(token.client_secret),
    )
}
