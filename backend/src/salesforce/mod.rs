//! The Salesforce client. Only this module knows Salesforce's JSON.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The API version every call uses.
pub const API_VERSION: &str = "v62.0";

/// Who the connected user is, from the OpenID Connect userinfo endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub org_id: String,
    pub user_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// Salesforce answered with its error array; `code` is its `errorCode` verbatim.
    #[error("Salesforce refused ({status}): {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("Salesforce could not be reached: {0}")]
    Transport(String),
    #[error("Salesforce sent an answer this client does not understand: {0}")]
    Unexpected(String),
}

#[derive(Deserialize)]
struct UserInfo {
    organization_id: String,
    user_id: String,
}

/// One entry of Salesforce's REST error array (`[{"message":..,"errorCode":..}]`).
#[derive(Deserialize)]
struct ApiErrorEntry {
    message: String,
    #[serde(rename = "errorCode")]
    error_code: String,
}

/// A client for one org. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    instance_url: String,
}

impl Client {
    pub fn new(instance_url: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a TLS backend is compiled in"),
            instance_url: instance_url.trim_end_matches('/').to_owned(),
        }
    }

    /// `GET /services/oauth2/userinfo`: the org and user behind `token`.
    pub async fn identity(&self, token: &SecretString) -> Result<Identity, SalesforceError> {
        let response = self
            .http
            .get(format!("{}/services/oauth2/userinfo", self.instance_url))
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .map_err(|e| SalesforceError::Transport(without_url(e)))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| SalesforceError::Transport(without_url(e)))?;
        if !status.is_success() {
            return Err(api_error(status.as_u16(), &body));
        }
        let info: UserInfo =
            serde_json::from_str(&body).map_err(|e| SalesforceError::Unexpected(e.to_string()))?;
        Ok(Identity {
            org_id: info.organization_id,
            user_id: info.user_id,
        })
    }
}

/// Read Salesforce's error array, or an OAuth-style `{"error":..}` body, keeping its code verbatim.
fn api_error(status: u16, body: &str) -> SalesforceError {
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
        error_description: Option<String>,
    }
    if let Ok(entries) = serde_json::from_str::<Vec<ApiErrorEntry>>(body)
        && let Some(first) = entries.into_iter().next()
    {
        return SalesforceError::Api {
            status,
            code: first.error_code,
            message: first.message,
        };
    }
    if let Ok(error) = serde_json::from_str::<OAuthError>(body) {
        return SalesforceError::Api {
            status,
            code: error.error,
            message: error.error_description.unwrap_or_default(),
        };
    }
    SalesforceError::Api {
        status,
        code: format!("HTTP_{status}"),
        message: body.chars().take(200).collect(),
    }
}

/// reqwest errors can carry the URL; ours never carry tokens, but keep messages short.
fn without_url(error: reqwest::Error) -> String {
    error.without_url().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_recorded_expired_session_body() {
        let body = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/salesforce/restforce/expired_session_response.json"
        ))
        .unwrap();
        match api_error(401, &body) {
            SalesforceError::Api { code, status, .. } => {
                assert_eq!(code, "INVALID_SESSION_ID");
                assert_eq!(status, 401);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn reads_the_recorded_oauth_error_body() {
        let body = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/salesforce/restforce/refresh_error_response.json"
        ))
        .unwrap();
        assert!(matches!(api_error(400, &body), SalesforceError::Api { .. }));
    }
}
