//! The OAuth 2.0 web-server flow with PKCE, and token refresh.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::{SalesforceError, from_answer, refusals};

/// The app's connected-app credentials at one login host.
#[derive(Clone)]
pub struct App {
    /// `https://login.salesforce.com`, `https://test.salesforce.com`, or a My Domain.
    pub login_url: String,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
}

/// A fresh PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: SecretString,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let mut bytes = [0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = challenge_for(&verifier);
        Pkce {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

fn challenge_for(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Tokens from a successful grant.
pub struct Tokens {
    pub access_token: SecretString,
    /// Only the authorization-code grant (or refresh-token rotation) sends one.
    pub refresh_token: Option<SecretString>,
    pub instance_url: String,
    pub org_id: String,
    pub user_id: String,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    refresh_token: Option<String>,
    instance_url: String,
    /// `https://login.salesforce.com/id/{orgId}/{userId}`.
    id: String,
}

impl App {
    /// Where to send the admin's browser.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, pkce: &Pkce) -> String {
        let mut url = url::Url::parse(&format!(
            "{}/services/oauth2/authorize",
            self.login_url.trim_end_matches('/')
        ))
        .expect("the login URL was checked when the installation was saved");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        url.into()
    }

    /// Exchanges the code the browser brought back for tokens.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
        verifier: &SecretString,
    ) -> Result<Tokens, SalesforceError> {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("code_verifier", verifier.expose_secret().to_owned()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret().to_owned()));
        }
        self.grant(http, &form).await
    }

    /// A new access token from a refresh token.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        refresh_token: &SecretString,
    ) -> Result<Tokens, SalesforceError> {
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose_secret().to_owned()),
            ("client_id", self.client_id.clone()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret().to_owned()));
        }
        self.grant(http, &form).await
    }

    /// Revokes a token at the login host (`/services/oauth2/revoke`): revoking the refresh
    /// token ends the whole grant. A token Salesforce no longer knows is already revoked.
    pub async fn revoke(
        &self,
        http: &reqwest::Client,
        token: &SecretString,
    ) -> Result<(), SalesforceError> {
        let response = http
            .post(format!(
                "{}/services/oauth2/revoke",
                self.login_url.trim_end_matches('/')
            ))
            .form(&[("token", token.expose_secret())])
            .send()
            .await
            .map_err(|e| SalesforceError::Transport(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| SalesforceError::Transport(e.without_url().to_string()))?;
        match status {
            200 => Ok(()),
            400 if String::from_utf8_lossy(&body).contains("invalid_token") => Ok(()),
            _ => Err(from_answer(status, &body)),
        }
    }

    async fn grant(
        &self,
        http: &reqwest::Client,
        form: &[(&str, String)],
    ) -> Result<Tokens, SalesforceError> {
        let response = http
            .post(format!(
                "{}/services/oauth2/token",
                self.login_url.trim_end_matches('/')
            ))
            .form(form)
            .send()
            .await
            .map_err(|e| SalesforceError::Transport(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| SalesforceError::Transport(e.without_url().to_string()))?;
        if status >= 500 {
            return Err(from_answer(status, &body));
        }
        if status != 200 {
            // invalid_grant and friends: the grant is dead, a person must connect again.
            let refusal = refusals(status, &body).remove(0);
            return Err(SalesforceError::ReconnectNeeded(format!(
                "{}: {}",
                refusal.code.as_str(),
                refusal.message
            )));
        }
        let body: TokenBody = serde_json::from_slice(&body)
            .map_err(|e| SalesforceError::Unexpected(format!("token response: {e}")))?;
        let (org_id, user_id) = identity_ids(&body.id).ok_or_else(|| {
            SalesforceError::Unexpected(format!(
                "token response id {:?} has no org and user",
                body.id
            ))
        })?;
        Ok(Tokens {
            access_token: SecretString::from(body.access_token),
            refresh_token: body.refresh_token.map(SecretString::from),
            instance_url: body.instance_url,
            org_id,
            user_id,
        })
    }
}

/// `.../id/{orgId}/{userId}` -> the two ids.
fn identity_ids(id_url: &str) -> Option<(String, String)> {
    let mut parts = id_url.trim_end_matches('/').rsplit('/');
    let user = parts.next()?;
    let org = parts.next()?;
    (parts.next()? == "id" && !org.is_empty() && !user.is_empty())
        .then(|| (org.to_owned(), user.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_of_the_verifier() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let pkce = Pkce::new();
        assert_eq!(challenge_for(pkce.verifier.expose_secret()), pkce.challenge);
        assert!(pkce.verifier.expose_secret().len() >= 43);
    }

    #[test]
    fn reads_org_and_user_from_the_identity_url() {
        assert_eq!(
            identity_ids("https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P"),
            Some(("00Dx0000000BV7z".to_owned(), "005x00000012Q9P".to_owned()))
        );
        assert_eq!(identity_ids("https://x/005"), None);
    }

    #[test]
    fn the_authorize_url_carries_every_parameter() {
        let app = App {
            login_url: "https://login.salesforce.com/".to_owned(),
            client_id: "client id".to_owned(),
            client_secret: None,
        };
        let pkce = Pkce::new();
        let url =
            url::Url::parse(&app.authorize_url("http://localhost:8080/cb", "s1", &pkce)).unwrap();
        assert_eq!(url.path(), "/services/oauth2/authorize");
        let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(params["client_id"], "client id");
        assert_eq!(params["redirect_uri"], "http://localhost:8080/cb");
        assert_eq!(params["state"], "s1");
        assert_eq!(params["code_challenge"], pkce.challenge);
        assert_eq!(params["code_challenge_method"], "S256");
    }
}
