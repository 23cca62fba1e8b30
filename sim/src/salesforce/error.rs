//! Errors as Salesforce sends them: a JSON array of `{message, errorCode, fields}` for REST,
//! `statusCode` instead of `errorCode` inside batch save results.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct SfError {
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
    /// Extra keys next to the code (e.g. `duplicateResult`); boxed to keep results small.
    pub extra: Box<Map<String, Value>>,
}

impl SfError {
    pub fn new(code: &'static str, message: impl Into<String>) -> SfError {
        SfError {
            code,
            message: message.into(),
            fields: Vec::new(),
            extra: Box::default(),
        }
    }
    pub fn with_fields(mut self, fields: &[&str]) -> SfError {
        self.fields = fields.iter().map(|f| f.to_string()).collect();
        self
    }
    /// REST shape. `fields` is present on DML errors only, as in Salesforce.
    pub fn rest_json(&self, with_fields: bool) -> Value {
        let mut m = (*self.extra).clone();
        m.insert("message".into(), json!(self.message));
        m.insert("errorCode".into(), json!(self.code));
        if with_fields {
            m.insert("fields".into(), json!(self.fields));
        }
        Value::Object(m)
    }
    /// Batch save-result shape.
    pub fn status_json(&self) -> Value {
        let mut m = (*self.extra).clone();
        m.insert("statusCode".into(), json!(self.code));
        m.insert("message".into(), json!(self.message));
        m.insert("fields".into(), json!(self.fields));
        Value::Object(m)
    }
}

/// An error answer of the REST API.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<SfError>,
    pub dml: bool,
}

impl ApiError {
    pub fn one(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            errors: vec![SfError::new(code, message)],
            dml: false,
        }
    }
    pub fn dml(errors: Vec<SfError>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            errors,
            dml: true,
        }
    }
    pub fn not_found() -> ApiError {
        ApiError::one(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::one(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn session() -> ApiError {
        ApiError::one(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }
    pub fn limit() -> ApiError {
        ApiError::one(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }
    pub fn body(&self) -> Value {
        Value::Array(self.errors.iter().map(|e| e.rest_json(self.dml)).collect())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
