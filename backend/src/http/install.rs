//! Connections and installing, for admins: `/api/connections` (the page), `POST
//! /api/connections/check` (both services asked again now), connecting or
//! switching Salesforce, reconnecting Intercom, the webhooks step, adding an installation, and
//! uninstalling.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use shared::access::{
    ConfirmUninstall, ConnectSalesforce, IntercomToken, UninstallPreview, WebhookSetup,
};

use super::auth::{connected, pasted, started};
use super::body::JsonBody;
use super::guard::{Installation, SignedIn};
use super::{AppError, AppState, cookies};
use crate::connections;
use crate::install::intercom::{FlowPurpose, InstallError, Purpose};
use crate::install::uninstall::{UninstallError, Uninstalled};

/// The health, and the signed-in teammate's installation.
pub async fn connections(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<shared::ConnectionsView>, AppError> {
    Ok(Json(connections::view(&state.store, &id).await?))
}

/// *Check now*: both services of the installation asked again (no counted Salesforce call),
/// then the page's view with what they said.
pub async fn check_connections(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<shared::ConnectionsView>, AppError> {
    connections::check_one(&state.clients, &id).await?;
    Ok(Json(connections::view(&state.store, &id).await?))
}

pub async fn connect_salesforce(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(request): JsonBody<ConnectSalesforce>,
) -> Result<Response, AppError> {
    let flow = crate::oauth::start(&state.installer(), &who, &request).await?;
    Ok(super::auth::started(
        &state,
        crate::install::intercom::Started {
            authorize_url: flow.authorize_url,
            binding: flow.binding,
        },
    ))
}

pub async fn reconnect_intercom_token(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(token): JsonBody<IntercomToken>,
) -> Result<Response, AppError> {
    let (access, secret) = pasted(token);
    let done = state
        .installer()
        .connect_with_token(Purpose::Reconnect { by: &who }, access, secret)
        .await?;
    Ok(connected(&state, done))
}

pub async fn reconnect_intercom_oauth(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(_): JsonBody<serde_json::Value>,
) -> Result<Response, AppError> {
    let flow = state
        .installer()
        .start_oauth(FlowPurpose::Connect(Purpose::Reconnect { by: &who }), None)
        .await?;
    Ok(started(&state, flow))
}

pub async fn webhooks(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<WebhookSetup>, AppError> {
    Ok(Json(state.installer().webhook_setup(&id).await?))
}

pub async fn add_with_token(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(token): JsonBody<IntercomToken>,
) -> Result<Response, AppError> {
    let (access, secret) = pasted(token);
    let done = state
        .installer()
        .connect_with_token(Purpose::Add { by: &who }, access, secret)
        .await?;
    Ok(connected(&state, done))
}

pub async fn add_with_oauth(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(_): JsonBody<serde_json::Value>,
) -> Result<Response, AppError> {
    let flow = state
        .installer()
        .start_oauth(FlowPurpose::Connect(Purpose::Add { by: &who }), None)
        .await?;
    Ok(started(&state, flow))
}

pub async fn uninstall_preview(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<UninstallPreview>, AppError> {
    Ok(Json(state.installer().uninstall_preview(&id).await?))
}

pub async fn uninstall(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(confirm): JsonBody<ConfirmUninstall>,
) -> Result<Response, AppError> {
    let gone: Uninstalled = state
        .installer()
        .uninstall(&who, &confirm.confirm_name)
        .await?;
    // The session went with the installation.
    Ok((
        AppendHeaders([(
            header::SET_COOKIE,
            cookies::clear_session(state.auth.origins.secure),
        )]),
        Json(gone),
    )
        .into_response())
}

impl From<InstallError> for AppError {
    fn from(error: InstallError) -> Self {
        let message = error.to_string();
        let refused = |status, code| AppError::refused(status, code, message.clone());
        match error {
            InstallError::Auth(e) => e.into(),
            InstallError::TokenRefused(_) => {
                refused(StatusCode::UNPROCESSABLE_ENTITY, "intercom_token_refused")
            }
            InstallError::Missing(_) => refused(StatusCode::BAD_REQUEST, "invalid_body"),
            InstallError::AlreadyInstalled(_) => {
                refused(StatusCode::CONFLICT, "workspace_already_installed")
            }
            InstallError::WrongWorkspace { .. } => {
                refused(StatusCode::CONFLICT, "workspace_changed")
            }
            InstallError::NoOAuthApp => {
                refused(StatusCode::CONFLICT, "intercom_oauth_not_configured")
            }
            InstallError::UnknownFlow | InstallError::FlowExpired | InstallError::OtherBrowser => {
                refused(StatusCode::BAD_REQUEST, "oauth_flow_invalid")
            }
            InstallError::Denied(_) => refused(StatusCode::FORBIDDEN, "intercom_access_denied"),
            InstallError::Intercom(e) => e.into(),
            InstallError::Store(e) => e.into(),
            InstallError::Client(e) => e.into(),
        }
    }
}

impl From<UninstallError> for AppError {
    fn from(error: UninstallError) -> Self {
        match error {
            UninstallError::NotConfirmed(_) => AppError::refused(
                StatusCode::BAD_REQUEST,
                "uninstall_not_confirmed",
                error.to_string(),
            ),
            UninstallError::Store(e) => e.into(),
            UninstallError::Client(e) => e.into(),
        }
    }
}
