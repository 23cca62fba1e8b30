//! The Intercom client. Only this module knows Intercom's JSON.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The API version every call asks for.
pub const API_VERSION: &str = "2.11";

/// The workspace and admin behind an access token (`GET /me`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub workspace_id: String,
    pub admin_email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntercomError {
    /// Intercom answered with an `error.list`; `code` is its first error's code verbatim.
    #[error("Intercom refused ({status}): {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("Intercom could not be reached: {0}")]
    Transport(String),
    #[error("Intercom sent an answer this client does not understand: {0}")]
    Unexpected(String),
}

#[derive(Deserialize)]
struct MeBody {
    email: Option<String>,
    app: MeApp,
}

#[derive(Deserialize)]
struct MeApp {
    id_code: String,
}

#[derive(Deserialize)]
struct ErrorList {
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    code: String,
    message: Option<String>,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a TLS backend is compiled in"),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    pub async fn me(&self, token: &SecretString) -> Result<Me, IntercomError> {
        let response = self
            .http
            .get(format!("{}/me", self.base_url))
            .bearer_auth(token.expose_secret())
            .header("Accept", "application/json")
            .header("Intercom-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| IntercomError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| IntercomError::Transport(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(api_error(status.as_u16(), &body));
        }
        let me: MeBody =
            serde_json::from_str(&body).map_err(|e| IntercomError::Unexpected(e.to_string()))?;
        Ok(Me {
            workspace_id: me.app.id_code,
            admin_email: me.email,
        })
    }
}

fn api_error(status: u16, body: &str) -> IntercomError {
    match serde_json::from_str::<ErrorList>(body) {
        Ok(list) if !list.errors.is_empty() => {
            let first = &list.errors[0];
            IntercomError::Api {
                status,
                code: first.code.clone(),
                message: first.message.clone().unwrap_or_default(),
            }
        }
        _ => IntercomError::Api {
            status,
            code: format!("http_{status}"),
            message: body.chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_error_list() {
        let body = r#"{"type":"error.list","request_id":"r1","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}"#;
        match api_error(401, body) {
            IntercomError::Api { code, message, .. } => {
                assert_eq!(code, "unauthorized");
                assert_eq!(message, "Access Token Invalid");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
