//! What can go wrong talking to Intercom, and how its `error.list` bodies map to it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use shared::api_error::codes;

/// A failed Intercom call. Messages carry Intercom's own codes verbatim and never a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntercomError {
    /// 401: the access token is invalid or revoked (`unauthorized`, `token_revoked`).
    #[error("Intercom refused the access token: {code}: {message}")]
    Unauthorized {
        /// Intercom's code, verbatim.
        code: String,
        /// Intercom's message.
        message: String,
    },
    /// 404: no such record (`not_found`, `admin_not_found`, `company_not_found`, ..).
    #[error("Intercom has no such record: {code}: {message}")]
    NotFound {
        /// Intercom's code, verbatim.
        code: String,
        /// Intercom's message.
        message: String,
    },
    /// The rate limit is spent until `reset_at` (unknown when Intercom did not say).
    #[error("Intercom's rate limit is spent{}", until(.reset_at))]
    RateLimited {
        /// When the window refills (from `X-RateLimit-Reset`).
        reset_at: Option<DateTime<Utc>>,
    },
    /// Any other `error.list`; `code` is its first error's code verbatim.
    #[error("Intercom refused ({status}): {code}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// Intercom's code, verbatim (`http_<status>` when the body was not an `error.list`).
        code: String,
        /// Intercom's message.
        message: String,
    },
    /// No answer: connection refused or dropped, or the request timed out.
    #[error("Intercom could not be reached: {0}")]
    Transport(String),
    /// An answer this client does not understand.
    #[error("Intercom sent an answer this client does not understand: {0}")]
    Unexpected(String),
}

fn until(reset_at: &Option<DateTime<Utc>>) -> String {
    reset_at
        .map(|at| format!(" until {}", at.format("%H:%M:%S UTC")))
        .unwrap_or_default()
}

impl IntercomError {
    /// The stable code of the back end's own API that this failure calls for, when it is about
    /// the connection rather than the record asked for: reconnect, or try again later.
    pub fn api_code(&self) -> Option<&'static str> {
        match self {
            IntercomError::Unauthorized { .. } => Some(codes::INTERCOM_RECONNECT_NEEDED),
            IntercomError::RateLimited { .. } | IntercomError::Transport(_) => {
                Some(codes::INTERCOM_UNREACHABLE)
            }
            IntercomError::Api { status, .. } if *status >= 500 => {
                Some(codes::INTERCOM_UNREACHABLE)
            }
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct ErrorList {
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    code: String,
    #[serde(default)]
    message: Option<String>,
}

/// The typed error for a non-success answer (429 is handled by the caller, which knows the reset).
pub(super) fn from_answer(status: u16, body: &str) -> IntercomError {
    let (code, message) = match serde_json::from_str::<ErrorList>(body) {
        Ok(list) if !list.errors.is_empty() => {
            let first = list.errors.into_iter().next().expect("not empty");
            (first.code, first.message.unwrap_or_default())
        }
        // Not Intercom's body (a proxy's page, say): keep a short excerpt for the log.
        _ => (format!("http_{status}"), body.chars().take(200).collect()),
    };
    match status {
        401 => IntercomError::Unauthorized { code, message },
        404 => IntercomError::NotFound { code, message },
        _ => IntercomError::Api {
            status,
            code,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_error_list() {
        let body = r#"{"type":"error.list","request_id":"r1","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}"#;
        assert_eq!(
            from_answer(401, body),
            IntercomError::Unauthorized {
                code: "unauthorized".into(),
                message: "Access Token Invalid".into()
            }
        );
        let body = r#"{"type":"error.list","errors":[{"code":"admin_not_found","message":"Admin not found"}]}"#;
        assert!(
            matches!(from_answer(404, body), IntercomError::NotFound { code, .. } if code == "admin_not_found")
        );
        let body = r#"{"type":"error.list","errors":[{"code":"conflict","message":"A contact matching those details already exists with id=1"}]}"#;
        assert!(
            matches!(from_answer(409, body), IntercomError::Api { status: 409, code, .. } if code == "conflict")
        );
    }

    #[test]
    fn a_foreign_body_keeps_the_status_as_code() {
        let error = from_answer(502, "<html>Bad Gateway</html>");
        assert_eq!(
            error,
            IntercomError::Api {
                status: 502,
                code: "http_502".into(),
                message: "<html>Bad Gateway</html>".into()
            }
        );
        assert_eq!(error.api_code(), Some(codes::INTERCOM_UNREACHABLE));
    }

    #[test]
    fn connection_failures_map_to_the_api_s_codes() {
        let refused = from_answer(401, r#"{"errors":[{"code":"token_revoked"}]}"#);
        assert_eq!(refused.api_code(), Some(codes::INTERCOM_RECONNECT_NEEDED));
        assert_eq!(
            IntercomError::RateLimited { reset_at: None }.api_code(),
            Some(codes::INTERCOM_UNREACHABLE)
        );
        assert_eq!(
            from_answer(404, r#"{"errors":[{"code":"not_found"}]}"#).api_code(),
            None
        );
    }
}
