//! `POST /webhooks/intercom`: Intercom's signed notifications (`X-Hub-Signature`), answered
//! 200 once stored (a repeat or a late delivery too), 401 when no installation signed it
//! (nothing is stored). `HEAD` answers the Developer Hub's probe.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::{AppError, AppState};
use crate::store::Intake;
use crate::sync::intake::{self, IntakeError};

impl From<IntakeError> for AppError {
    fn from(error: IntakeError) -> Self {
        let message = error.to_string();
        match error {
            IntakeError::Unsigned => AppError::refused(
                StatusCode::UNAUTHORIZED,
                "webhook_signature_invalid",
                message,
            ),
            IntakeError::Malformed(_) => {
                AppError::refused(StatusCode::BAD_REQUEST, "webhook_malformed", message)
            }
            IntakeError::Store(_) | IntakeError::Client(_) => AppError::Internal(message),
        }
    }
}

pub async fn intercom(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    let intake = intake::receive(&state.clients, &state.sync, &body, signature).await;
    let taken = match &intake {
        Ok(Intake::Repeated) => "repeated",
        Ok(Intake::Stale) => "stale",
        Ok(Intake::Stored(_)) => "stored",
        Ok(Intake::Receipted) => "ignored",
        Err(IntakeError::Unsigned) => "unsigned",
        Err(IntakeError::Malformed(_)) => "malformed",
        Err(_) => "failed",
    };
    crate::metrics::metrics()
        .webhooks
        .get_or_create(&crate::metrics::Status { status: taken })
        .inc();
    intake?;
    Ok(Json(json!({ "status": taken })))
}

pub async fn probe() -> StatusCode {
    StatusCode::OK
}
