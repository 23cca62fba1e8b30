//! What every Intercom answer has in common: `error.list` bodies, id styles, timestamps, paging cursors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

/// An API error as Intercom sends it: one `error.list` with a stable `code`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Access Token Invalid",
        )
    }
    pub fn not_found(message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn parameter_invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "parameter_invalid", message)
    }
    pub fn parameter_not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "parameter_not_found", message)
    }
    pub fn body(&self) -> Value {
        json!({
            "type": "error.list",
            "request_id": uuid::Uuid::new_v4().to_string(),
            "errors": [{"code": self.code, "message": self.message}],
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

pub type ApiResult = Result<axum::Json<Value>, ApiError>;

/// Parses a JSON request body; malformed input gets Intercom's own error body, not axum's.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))
}

/// Contacts and companies have Mongo-style ids: 8 hex digits of creation time, 16 of sequence.
/// Fixed width keeps string order equal to creation order, which cursors rely on.
pub fn hex_id(created_at: i64, seq: u64) -> String {
    format!("{:08x}{:016x}", created_at as u32, seq)
}

/// Webhook payloads carry contact and company times as ISO-8601 with milliseconds.
pub fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
        .to_string()
}

/// Conversation statistics use the `Z` form.
pub fn iso_z(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Cursors are opaque to clients; inside they are a position in a listing.
pub fn encode_cursor(position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
}

pub fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::parameter_invalid("starting_after is invalid"))
}

/// API versions the `Intercom-Version` header accepts.
pub const VERSIONS: &[&str] = &[
    "1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
    "2.8", "2.9", "2.10", "2.11", "Unstable",
];
pub const DEFAULT_VERSION: &str = "2.11";

/// The `pages` object of cursor listings; `next` is left out on the last page.
pub fn cursor_pages(page: usize, per_page: usize, total: usize, next: Option<String>) -> Value {
    let total_pages = total
        .div_ceil(per_page.max(1))
        .max(if total == 0 { 0 } else { 1 });
    let mut pages =
        json!({"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages});
    if let Some(next) = next {
        pages["next"] = json!({"per_page": per_page, "starting_after": next});
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_hex_and_ordered() {
        let a = hex_id(1_767_225_600, 9);
        let b = hex_id(1_767_225_600, 10);
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(a < b);
    }

    #[test]
    fn iso_has_millis_and_offset() {
        assert_eq!(
            iso_millis(1_768_018_948_240),
            "2026-01-10T04:22:28.240+00:00"
        );
        assert_eq!(iso_z(1_768_031_789), "2026-01-10T07:56:29.000Z");
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(decode_cursor(&encode_cursor("abc:1")).unwrap(), "abc:1");
        assert!(decode_cursor("!!").is_err());
    }
}
