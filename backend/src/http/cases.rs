//! `GET /api/cases/form?conversation_id=..`, `POST /api/cases` (filed as the signed-in
//! teammate), and `GET|PUT /api/settings/cases`, in the session's installation.
//!
//! Refusals with something to fix per field answer a [`CaseRefusal`] (an API error with the
//! field errors beside it); refused settings a [`CaseSettingsRefusal`].

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::api_error::ApiErrorBody;
use shared::case_form::api::codes;
use shared::case_form::{
    CaseFormView, CaseRefusal, CaseSettings, CaseSettingsRefusal, CaseSettingsView, CaseSubmission,
    FieldErrors, FiledCase,
};

use super::body::JsonBody;
use super::guard::{Installation, SignedIn};
use super::{AppError, AppState};
use crate::auth::audit::Action;
use crate::cases::{CaseError, Cases, Who};

#[derive(Deserialize)]
pub struct FormQuery {
    conversation_id: String,
}

fn cases(state: &AppState) -> Cases<'_> {
    Cases {
        clients: &state.clients,
        cards: &state.cards,
        inbox: &state.inbox,
    }
}

pub async fn form(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Query(query): Query<FormQuery>,
) -> Result<Json<CaseFormView>, CaseResponseError> {
    Ok(Json(
        cases(&state)
            .form(&installation, &query.conversation_id, Who::Conversation)
            .await?,
    ))
}

pub async fn file(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(submission): JsonBody<CaseSubmission>,
) -> Result<(StatusCode, Json<FiledCase>), CaseResponseError> {
    let filed = cases(&state)
        .file(
            &who.installation_id,
            &submission,
            Who::Conversation,
            &who.teammate.id,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(filed)))
}

pub async fn get_settings(
    State(state): State<AppState>,
    Installation(installation): Installation,
) -> Result<Json<CaseSettingsView>, CaseResponseError> {
    Ok(Json(cases(&state).settings(&installation).await?))
}

pub async fn put_settings(
    State(state): State<AppState>,
    who: SignedIn,
    JsonBody(settings): JsonBody<CaseSettings>,
) -> Result<Json<CaseSettings>, CaseResponseError> {
    let saved = cases(&state)
        .save_settings(&who.installation_id, &settings)
        .await?;
    state
        .auth
        .record(&state.store, &who, Action::SettingsSaved, "case settings")
        .await;
    Ok(Json(saved))
}

/// A case endpoint's failure: field errors travel with it.
pub enum CaseResponseError {
    Case(CaseError),
    App(AppError),
}

impl From<CaseError> for CaseResponseError {
    fn from(error: CaseError) -> Self {
        CaseResponseError::Case(error)
    }
}

impl From<AppError> for CaseResponseError {
    fn from(error: AppError) -> Self {
        CaseResponseError::App(error)
    }
}

fn body(code: &str, message: impl Into<String>) -> ApiErrorBody {
    ApiErrorBody {
        code: code.to_owned(),
        message: message.into(),
    }
}

fn with_fields(status: StatusCode, code: &str, message: &str, errors: FieldErrors) -> Response {
    let refusal = CaseRefusal {
        error: body(code, message),
        errors,
    };
    (status, Json(refusal)).into_response()
}

impl From<CaseError> for AppError {
    fn from(error: CaseError) -> Self {
        let message = error.to_string();
        let refused = |status, code| AppError::refused(status, code, message.clone());
        match error {
            CaseError::Invalid(_) => refused(StatusCode::BAD_REQUEST, codes::CASE_INVALID),
            CaseError::Refused(_) => refused(StatusCode::UNPROCESSABLE_ENTITY, codes::CASE_REFUSED),
            CaseError::RecordTypeUnavailable(_) => {
                refused(StatusCode::BAD_REQUEST, codes::RECORD_TYPE_UNAVAILABLE)
            }
            CaseError::InProgress => refused(StatusCode::CONFLICT, codes::CASE_IN_PROGRESS),
            CaseError::OutcomeUnknown | CaseError::NoAnswer(_) => {
                refused(StatusCode::CONFLICT, codes::CASE_OUTCOME_UNKNOWN)
            }
            CaseError::InvalidSettings(_) => {
                refused(StatusCode::BAD_REQUEST, codes::CASE_SETTINGS_INVALID)
            }
            CaseError::Salesforce(e) => e.into(),
            CaseError::Card(e) => e.into(),
            CaseError::Client(e) => e.into(),
            CaseError::Store(e) => e.into(),
            CaseError::Settings(e) => e.into(),
            CaseError::Corrupt(_) => AppError::Internal(message),
        }
    }
}

impl IntoResponse for CaseResponseError {
    fn into_response(self) -> Response {
        let error = match self {
            CaseResponseError::App(error) => return error.into_response(),
            CaseResponseError::Case(error) => error,
        };
        let message = error.to_string();
        match error {
            CaseError::Invalid(errors) => with_fields(
                StatusCode::BAD_REQUEST,
                codes::CASE_INVALID,
                "Fix the marked fields: the case was not sent to Salesforce.",
                errors,
            ),
            CaseError::Refused(errors) => with_fields(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::CASE_REFUSED,
                "Salesforce refused the case: fix the marked fields and file it again.",
                errors,
            ),
            CaseError::RecordTypeUnavailable(_) => {
                let mut errors = FieldErrors::default();
                errors.add_form(message.clone());
                with_fields(
                    StatusCode::BAD_REQUEST,
                    codes::RECORD_TYPE_UNAVAILABLE,
                    &message,
                    errors,
                )
            }
            CaseError::InvalidSettings(problems) => {
                let refusal = CaseSettingsRefusal {
                    error: body(
                        codes::CASE_SETTINGS_INVALID,
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    problems,
                };
                (StatusCode::BAD_REQUEST, Json(refusal)).into_response()
            }
            other => AppError::from(other).into_response(),
        }
    }
}
