//! A JSON request body whose refusal is the API's own error body (400 naming what is wrong).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::AppError;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            AppError::refused(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            AppError::refused(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the request body is not what this endpoint takes: {e}"),
            )
        })
    }
}
