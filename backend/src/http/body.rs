//! A JSON request body whose refusal is the API's own error body (400 naming what is wrong;
//! a body past the route's limit is left to the limit's layer, which answers 413 naming it).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::AppError;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                // Plain, so `hardening`'s layer words it with the limit that applied.
                e.into_response()
            } else {
                AppError::refused(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
                    .into_response()
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            AppError::refused(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the request body is not what this endpoint takes: {e}"),
            )
            .into_response()
        })
    }
}
