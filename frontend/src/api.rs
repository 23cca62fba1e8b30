//! Talking to the back end: `GET /api/connections`, and what a failed answer means for people.

use std::fmt;

use gloo_net::http::Request;
use shared::{ApiError, ConnectionsView};
use web_sys::AbortSignal;

/// The endpoint behind the Connections page.
pub const CONNECTIONS_PATH: &str = "/api/connections";

/// Why the Connections page could not get its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The back end answered with its own error body.
    Api { status: u16, error: ApiError },
    /// An HTTP failure without the back end's error body (a proxy, a server that is starting).
    Http { status: u16, status_text: String },
    /// No answer at all: the server is down or the network failed.
    Network(String),
    /// A success status whose body is not what the page expects (front and back end out of step).
    Decode(String),
}

impl LoadError {
    /// The back end's stable error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            LoadError::Api { error, .. } => Some(&error.error.code),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            LoadError::Api { status, .. } | LoadError::Http { status, .. } => Some(*status),
            LoadError::Network(_) | LoadError::Decode(_) => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Api { error, .. } => f.write_str(&error.error.message),
            LoadError::Http {
                status,
                status_text,
            } if status_text.is_empty() => write!(f, "The server answered HTTP {status}."),
            LoadError::Http {
                status,
                status_text,
            } => write!(f, "The server answered HTTP {status} {status_text}."),
            LoadError::Network(detail) => {
                write!(f, "Could not reach the sfbridge server: {detail}")
            }
            LoadError::Decode(detail) => {
                write!(f, "The server's answer could not be read: {detail}")
            }
        }
    }
}

/// Reads the body of a successful answer.
pub fn decode_connections(body: &str) -> Result<ConnectionsView, LoadError> {
    serde_json::from_str(body).map_err(|e| LoadError::Decode(e.to_string()))
}

/// Turns an unsuccessful answer into a [`LoadError`], keeping the back end's message when
/// the body is its `{"error":{..}}` shape.
pub fn classify_failure(status: u16, status_text: &str, body: &str) -> LoadError {
    match serde_json::from_str::<ApiError>(body) {
        Ok(error) => LoadError::Api { status, error },
        Err(_) => LoadError::Http {
            status,
            status_text: status_text.to_owned(),
        },
    }
}

/// `GET /api/connections`. `abort` lets the caller cancel the request when the page goes away.
pub async fn fetch_connections(abort: Option<&AbortSignal>) -> Result<ConnectionsView, LoadError> {
    let response = Request::get(CONNECTIONS_PATH)
        .header("Accept", "application/json")
        .abort_signal(abort)
        .send()
        .await
        .map_err(|e| LoadError::Network(e.to_string()))?;
    let body = response
        .text()
        .await
        .map_err(|e| LoadError::Network(e.to_string()))?;
    if response.ok() {
        decode_connections(&body)
    } else {
        Err(classify_failure(
            response.status(),
            &response.status_text(),
            &body,
        ))
    }
}
