//! Connecting a Salesforce org: the OAuth web-server flow with PKCE, from the admin's click to
//! sealed tokens in the store.

use rand::RngCore as _;
use secrecy::SecretString;

use crate::clients::{ClientError, Clients};
use crate::crypto::Sealed;
use crate::installations::context;
use crate::salesforce::{self, Pkce, SalesforceError};
use crate::store::{OAuthFlow, SalesforceGrant, StoreError};

/// A flow must come back within this long.
const FLOW_LIFETIME_MS: i64 = 15 * 60 * 1000;

pub const CALLBACK_PATH: &str = "/oauth/salesforce/callback";

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("there is no installation {0:?}")]
    NoInstallation(String),
    #[error("the installation has no Salesforce connected-app client id; set it before connecting")]
    NoClientId,
    #[error("this sign-in link is unknown or was already used; start connecting again")]
    UnknownState,
    #[error("this sign-in took longer than 15 minutes; start connecting again")]
    Expired,
    #[error("Salesforce did not grant access: {0}")]
    Denied(String),
    #[error("the callback has neither a code nor an error")]
    NoCode,
    #[error(transparent)]
    Salesforce(#[from] SalesforceError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What Salesforce sends the browser back with.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn redirect_uri(public_url: &str) -> String {
    format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/'))
}

fn app(credentials: &crate::installations::Credentials) -> Result<salesforce::App, OAuthError> {
    Ok(salesforce::App {
        login_url: credentials.salesforce_login_url.clone(),
        client_id: credentials
            .salesforce_client_id
            .clone()
            .ok_or(OAuthError::NoClientId)?,
        client_secret: credentials.salesforce_client_secret.clone(),
    })
}

fn flow_context(state: &str) -> String {
    format!("oauth_flows/{state}/code_verifier")
}

/// Records a new flow and returns where to send the admin's browser.
pub async fn start(
    clients: &Clients,
    public_url: &str,
    installation_id: &str,
) -> Result<String, OAuthError> {
    let credentials = clients
        .credentials(installation_id)
        .await
        .map_err(|e| match e {
            ClientError::NoInstallation(id) => OAuthError::NoInstallation(id),
            other => OAuthError::Client(other),
        })?;
    let app = app(&credentials)?;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let state = hex::encode(bytes);
    let pkce = Pkce::new();
    let redirect_uri = redirect_uri(public_url);
    clients
        .store()
        .save_oauth_flow(&OAuthFlow {
            state: state.clone(),
            installation_id: installation_id.to_owned(),
            code_verifier: clients
                .cipher()
                .seal(&pkce.verifier, &flow_context(&state))
                .0,
            redirect_uri: redirect_uri.clone(),
            created_at: now(),
        })
        .await?;
    Ok(app.authorize_url(&redirect_uri, &state, &pkce))
}

/// Completes a flow: exchanges the code, stores the sealed tokens, returns the installation id.
pub async fn finish(clients: &Clients, callback: Callback) -> Result<String, OAuthError> {
    let state = callback.state.as_deref().ok_or(OAuthError::UnknownState)?;
    // Taken whatever happens next: a state is good for one callback only.
    let flow = clients
        .store()
        .take_oauth_flow(state)
        .await?
        .ok_or(OAuthError::UnknownState)?;
    if now() - flow.created_at > FLOW_LIFETIME_MS {
        return Err(OAuthError::Expired);
    }
    if let Some(error) = callback.error {
        let description = callback.error_description.unwrap_or_default();
        return Err(OAuthError::Denied(format!("{error}: {description}")));
    }
    let code = callback.code.ok_or(OAuthError::NoCode)?;
    let verifier = clients
        .cipher()
        .open(&Sealed(flow.code_verifier), &flow_context(&flow.state))
        .map_err(ClientError::from)?;
    let credentials = clients.credentials(&flow.installation_id).await?;
    let app = app(&credentials)?;
    let tokens = app
        .exchange_code(clients.http(), &code, &flow.redirect_uri, &verifier)
        .await?;
    let id = &flow.installation_id;
    let seal =
        |secret: &SecretString, column: &str| clients.cipher().seal(secret, &context(id, column));
    let grant = SalesforceGrant {
        instance_url: tokens.instance_url.clone(),
        org_id: tokens.org_id.clone(),
        user_id: tokens.user_id.clone(),
        access_token: seal(&tokens.access_token, "salesforce_access_token"),
        refresh_token: tokens
            .refresh_token
            .as_ref()
            .map(|t| seal(t, "salesforce_refresh_token")),
    };
    if !clients
        .store()
        .save_salesforce_grant(id, &grant, now())
        .await?
    {
        return Err(OAuthError::NoInstallation(id.clone()));
    }
    // Later calls must use the new tokens.
    clients.forget(id);
    tracing::info!(installation = %id, org = %tokens.org_id, "Salesforce connected");
    Ok(flow.installation_id)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
