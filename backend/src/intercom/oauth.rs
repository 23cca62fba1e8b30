//! OAuth of a public Intercom app: the authorize page, and the code exchanged for an access
//! token at `POST /auth/eagle/token` (no refresh token, no expiry). `GET /me` then names the
//! workspace and the admin ([`Client::me`](super::Client::me)).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::IntercomError;
use super::error::from_answer;

/// The public app's credentials and where Intercom runs it.
#[derive(Clone)]
pub struct OAuthApp {
    /// `https://app.intercom.com` (or a simulator's): the authorize page.
    pub oauth_url: String,
    /// `https://api.intercom.io` (or a simulator's): the token exchange.
    pub api_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("oauth_url", &self.oauth_url)
            .field("api_url", &self.api_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    /// Older answers carry only `token`.
    token: Option<String>,
}

impl OAuthApp {
    /// Where to send the browser: `<oauth_url>/oauth?client_id=..&state=..&redirect_uri=..`.
    pub fn authorize_url(&self, state: &str, redirect_uri: &str) -> String {
        let mut url = url::Url::parse(&format!("{}/oauth", self.oauth_url.trim_end_matches('/')))
            .expect("the OAuth URL was checked with the configuration");
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("state", state)
            .append_pair("redirect_uri", redirect_uri);
        url.into()
    }

    /// Exchanges the code the browser brought back for the workspace's access token.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
    ) -> Result<SecretString, IntercomError> {
        let response = http
            .post(format!(
                "{}/auth/eagle/token",
                self.api_url.trim_end_matches('/')
            ))
            .header("Accept", "application/json")
            .form(&[
                ("code", code),
                ("client_id", &self.client_id),
                ("client_secret", self.client_secret.expose_secret()),
            ])
            .send()
            .await
            .map_err(|e| IntercomError::Transport(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| IntercomError::Transport(e.without_url().to_string()))?;
        if status != 200 {
            return Err(from_answer(status, &body));
        }
        let body: TokenBody = serde_json::from_str(&body)
            .map_err(|e| IntercomError::Unexpected(format!("token answer: {e}")))?;
        body.access_token
            .or(body.token)
            .filter(|t| !t.is_empty())
            .map(SecretString::from)
            .ok_or_else(|| IntercomError::Unexpected("token answer without a token".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_carries_the_client_state_and_callback() {
        let app = OAuthApp {
            oauth_url: "https://app.intercom.com/".into(),
            api_url: "https://api.intercom.io".into(),
            client_id: "client 1".into(),
            client_secret: SecretString::from("s"),
        };
        let url = url::Url::parse(
            &app.authorize_url("st", "https://sfb.example/oauth/intercom/callback"),
        )
        .unwrap();
        assert_eq!(url.host_str(), Some("app.intercom.com"));
        assert_eq!(url.path(), "/oauth");
        let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(params["client_id"], "client 1");
        assert_eq!(params["state"], "st");
        assert_eq!(
            params["redirect_uri"],
            "https://sfb.example/oauth/intercom/callback"
        );
        assert!(!format!("{app:?}").contains("\"s\""));
    }
}
