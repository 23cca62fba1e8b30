//! The API's one error type: each variant has a status and a stable code, and internals
//! never reach the response body (they are logged instead).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::ApiError;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("the database is not reachable")]
    DatabaseUnreachable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::DatabaseUnreachable => {
                (StatusCode::SERVICE_UNAVAILABLE, "database_unreachable")
            }
            AppError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            AppError::Store(error) => {
                tracing::error!(error = %error, "request failed");
                "the server could not complete the request; the error is in its log".to_owned()
            }
            other => other.to_string(),
        };
        (status, Json(ApiError::new(code, message))).into_response()
    }
}
