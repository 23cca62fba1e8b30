//! Connecting a Salesforce org: the OAuth web-server flow with PKCE, from an admin's click to
//! sealed tokens in the store. The admin chooses production, a sandbox or a My Domain; the
//! flow is bound to the browser that started it; the tokens are kept only if they come from
//! a Salesforce host, the org has API access, and it is the org already connected (another
//! org only after an explicit switch, which drops every link).

use rand::RngCore as _;
use secrecy::SecretString;
use shared::SalesforceEnvironment;
use shared::access::{ConnectSalesforce, SalesforceLogin};

use crate::auth::audit::Action;
use crate::auth::{SignedIn, rules, tokens};
use crate::clients::ClientError;
use crate::crypto::Sealed;
use crate::install::Installer;
use crate::installations::context;
use crate::salesforce::{self, Pkce, SalesforceError};
use crate::store::{OAuthFlow, SalesforceGrant, StoreError};

pub const CALLBACK_PATH: &str = "/oauth/salesforce/callback";

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("there is no installation {0:?}")]
    NoInstallation(String),
    #[error(
        "no Salesforce connected app is configured: set salesforce_client_id (and \
         salesforce_client_secret) before connecting"
    )]
    NoClientId,
    #[error("this sign-in link is unknown or was already used; start connecting again")]
    UnknownState,
    #[error("this sign-in took longer than 15 minutes; start connecting again")]
    Expired,
    #[error("this Salesforce sign-in was started in another browser; start connecting again here")]
    OtherBrowser,
    #[error("Salesforce did not grant access: {0}")]
    Denied(String),
    #[error("the callback has neither a code nor an error")]
    NoCode,
    #[error("{0}")]
    HostRefused(String),
    #[error(
        "you signed in to Salesforce org {offered}, but this installation is connected to org \
         {connected}: sign in to that org, or use \"Switch org\" (which drops every link)"
    )]
    OrgChanged { connected: String, offered: String },
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

/// A flow started: where to send the browser, and the cookie value binding the flow to it.
pub struct Started {
    pub authorize_url: String,
    pub binding: SecretString,
}

/// A flow refused, and the page to show it on.
pub struct Refused {
    pub next: String,
    pub error: OAuthError,
}

/// A flow finished.
pub struct Finished {
    pub installation_id: String,
    /// The page to land on.
    pub next: String,
}

fn redirect_uri(public_url: &str) -> String {
    format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/'))
}

fn flow_context(state: &str) -> String {
    format!("oauth_flows/{state}/code_verifier")
}

/// The connected app: the configured one, else the one stored with the installation.
fn app(
    installer: &Installer<'_>,
    credentials: &crate::installations::Credentials,
    login_url: &str,
) -> Result<salesforce::App, OAuthError> {
    let (client_id, client_secret) = match &installer.services.salesforce_app {
        Some(app) => (app.client_id.clone(), app.client_secret.clone()),
        None => (
            credentials
                .salesforce_client_id
                .clone()
                .ok_or(OAuthError::NoClientId)?,
            credentials.salesforce_client_secret.clone(),
        ),
    };
    Ok(salesforce::App {
        login_url: login_url.to_owned(),
        client_id,
        client_secret,
    })
}

/// The login host and environment a request asks for (`None`: the one in use).
fn login(
    installer: &Installer<'_>,
    asked: Option<&SalesforceLogin>,
    current: (&str, SalesforceEnvironment),
) -> Result<(String, SalesforceEnvironment), OAuthError> {
    let services = installer.services;
    let (url, environment) = match asked {
        None => (current.0.to_owned(), current.1),
        Some(SalesforceLogin::Production) => (
            services.salesforce_login_url.clone(),
            SalesforceEnvironment::Production,
        ),
        Some(SalesforceLogin::Sandbox) => (
            services.salesforce_sandbox_login_url.clone(),
            SalesforceEnvironment::Sandbox,
        ),
        Some(SalesforceLogin::MyDomain { url }) => {
            let origin = rules::salesforce_url(url, &services.salesforce_allowed_hosts)
                .map_err(OAuthError::HostRefused)?;
            let environment = rules::environment_of_my_domain(&origin);
            (origin, environment)
        }
    };
    let url = rules::salesforce_url(&url, &services.salesforce_allowed_hosts)
        .map_err(OAuthError::HostRefused)?;
    Ok((url, environment))
}

/// Records a new flow for the admin's installation and returns where to send the browser.
pub async fn start(
    installer: &Installer<'_>,
    by: &SignedIn,
    request: &ConnectSalesforce,
) -> Result<Started, OAuthError> {
    let clients = installer.clients;
    let installation_id = &by.installation_id;
    let row = clients
        .store()
        .installation(installation_id)
        .await?
        .ok_or_else(|| OAuthError::NoInstallation(installation_id.clone()))?;
    let credentials = clients.credentials(installation_id).await?;
    let current_environment = SalesforceEnvironment::parse(&row.salesforce_environment)
        .unwrap_or(SalesforceEnvironment::Production);
    let (login_url, environment) = login(
        installer,
        request.login.as_ref(),
        (&row.salesforce_login_url, current_environment),
    )?;
    let app = app(installer, &credentials, &login_url)?;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let state = hex::encode(bytes);
    let pkce = Pkce::new();
    let redirect_uri = redirect_uri(installer.public_url);
    let binding = tokens::new_token();
    clients
        .store()
        .save_oauth_flow(&OAuthFlow {
            state: state.clone(),
            installation_id: installation_id.clone(),
            code_verifier: clients
                .cipher()
                .seal(&pkce.verifier, &flow_context(&state))
                .0,
            redirect_uri: redirect_uri.clone(),
            created_at: installer.auth.now(),
            login_url: Some(login_url),
            environment: Some(environment.as_str().to_owned()),
            purpose: if request.switch_org {
                "switch"
            } else {
                "connect"
            }
            .to_owned(),
            binding_hash: Some(tokens::hash_secret(&binding)),
            started_by: Some(by.teammate.id.clone()),
            next_path: Some(shared::access::local_path(
                request.next.as_deref(),
                "/connections",
            )),
        })
        .await?;
    Ok(Started {
        authorize_url: app.authorize_url(&redirect_uri, &state, &pkce),
        binding,
    })
}

/// Completes a flow: exchanges the code, checks the tokens, stores them sealed.
pub async fn finish(
    installer: &Installer<'_>,
    callback: Callback,
    binding: Option<&str>,
) -> Result<Finished, Refused> {
    let refused = |next: &str| {
        let next = next.to_owned();
        move |error| Refused { next, error }
    };
    let state = callback.state.clone().unwrap_or_default();
    // Taken whatever happens next: a state is good for one callback only.
    let flow = installer
        .clients
        .store()
        .take_oauth_flow(&state)
        .await
        .map_err(|e| refused("/connections")(e.into()))?
        .ok_or_else(|| refused("/connections")(OAuthError::UnknownState))?;
    let next = flow
        .next_path
        .clone()
        .unwrap_or_else(|| "/connections".to_owned());
    finish_flow(installer, flow, callback, binding)
        .await
        .map_err(refused(&next))
}

async fn finish_flow(
    installer: &Installer<'_>,
    flow: OAuthFlow,
    callback: Callback,
    binding: Option<&str>,
) -> Result<Finished, OAuthError> {
    let clients = installer.clients;
    if installer.auth.now() - flow.created_at > rules::FLOW_LIFETIME_MS {
        return Err(OAuthError::Expired);
    }
    let bound = flow.binding_hash.as_deref();
    if bound.is_none() || bound != binding.map(tokens::hash).as_deref() {
        return Err(OAuthError::OtherBrowser);
    }
    if let Some(error) = callback.error {
        let description = callback.error_description.unwrap_or_default();
        return Err(OAuthError::Denied(format!("{error}: {description}")));
    }
    let code = callback.code.ok_or(OAuthError::NoCode)?;
    let verifier = clients
        .cipher()
        .open(
            &Sealed(flow.code_verifier.clone()),
            &flow_context(&flow.state),
        )
        .map_err(ClientError::from)?;
    let id = flow.installation_id.clone();
    let row = clients
        .store()
        .installation(&id)
        .await?
        .ok_or_else(|| OAuthError::NoInstallation(id.clone()))?;
    let credentials = clients.credentials(&id).await?;
    let login_url = flow
        .login_url
        .clone()
        .unwrap_or_else(|| row.salesforce_login_url.clone());
    let environment = flow
        .environment
        .as_deref()
        .and_then(SalesforceEnvironment::parse)
        .unwrap_or(SalesforceEnvironment::Production);
    let app = app(installer, &credentials, &login_url)?;
    let tokens = app
        .exchange_code(clients.http(), &code, &flow.redirect_uri, &verifier)
        .await?;
    if let Err(refusal) = accept(
        installer,
        &app,
        &tokens,
        row.salesforce_org_id.as_deref(),
        &flow,
    )
    .await
    {
        // Tokens that will not be kept are given back, so no grant lingers at Salesforce.
        revoke(installer, &app, &tokens).await;
        return Err(refusal);
    }
    let switched = flow.purpose == "switch"
        && row
            .salesforce_org_id
            .as_deref()
            .is_some_and(|org| org != tokens.org_id);
    let seal =
        |secret: &SecretString, column: &str| clients.cipher().seal(secret, &context(&id, column));
    let grant = SalesforceGrant {
        instance_url: tokens.instance_url.clone(),
        org_id: tokens.org_id.clone(),
        user_id: tokens.user_id.clone(),
        access_token: seal(&tokens.access_token, "salesforce_access_token"),
        refresh_token: tokens
            .refresh_token
            .as_ref()
            .map(|t| seal(t, "salesforce_refresh_token")),
        login_url,
        environment,
        client_id: app.client_id.clone(),
        client_secret: app
            .client_secret
            .as_ref()
            .map(|s| seal(s, "salesforce_client_secret")),
    };
    if !clients
        .store()
        .save_salesforce_grant(&id, &grant, switched, installer.auth.now())
        .await?
    {
        return Err(OAuthError::NoInstallation(id));
    }
    // Later calls must use the new tokens; a switched org starts its change feed afresh.
    clients.forget(&id);
    installer.cards.invalidate_installation(&id);
    if switched {
        installer.listeners.stop(&id);
    }
    installer.listeners.ensure(&id);
    let action = match (&row.salesforce_org_id, switched) {
        (_, true) => Action::SalesforceSwitched,
        (Some(_), false) => Action::SalesforceReconnected,
        (None, false) => Action::SalesforceConnected,
    };
    let actor = flow.started_by.clone().unwrap_or_default();
    installer
        .auth
        .record_as(
            clients.store(),
            &id,
            &actor,
            "",
            action,
            &format!("org {} at {}", tokens.org_id, tokens.instance_url),
        )
        .await;
    tracing::info!(installation = %id, org = %tokens.org_id, switched, "Salesforce connected");
    Ok(Finished {
        installation_id: id,
        next: flow.next_path.unwrap_or_else(|| "/connections".to_owned()),
    })
}

/// Whether the tokens may be kept: a Salesforce `instance_url`, API access, the same org.
async fn accept(
    installer: &Installer<'_>,
    app: &salesforce::App,
    tokens: &salesforce::Tokens,
    connected_org: Option<&str>,
    flow: &OAuthFlow,
) -> Result<(), OAuthError> {
    rules::salesforce_url(
        &tokens.instance_url,
        &installer.services.salesforce_allowed_hosts,
    )
    .map_err(|problem| OAuthError::HostRefused(format!("the token's instance_url: {problem}")))?;
    if let Some(connected) = connected_org
        && connected != tokens.org_id
        && flow.purpose != "switch"
    {
        return Err(OAuthError::OrgChanged {
            connected: connected.to_owned(),
            offered: tokens.org_id.clone(),
        });
    }
    let client = salesforce::Client::new(
        installer.clients.http().clone(),
        salesforce::Connection {
            instance_url: tokens.instance_url.clone(),
            access_token: tokens.access_token.clone(),
            refresh_token: None,
            app: Some(app.clone()),
        },
        None,
        salesforce::Retry::default(),
    );
    client.check_api_access().await?;
    Ok(())
}

async fn revoke(installer: &Installer<'_>, app: &salesforce::App, tokens: &salesforce::Tokens) {
    let token = tokens
        .refresh_token
        .as_ref()
        .unwrap_or(&tokens.access_token);
    if let Err(error) = app.revoke(installer.clients.http(), token).await {
        tracing::warn!(%error, "could not revoke Salesforce tokens that were refused");
    }
}

/// Revokes the installation's Salesforce grant (refresh and access token) at Salesforce.
pub async fn revoke_installation(
    installer: &Installer<'_>,
    installation_id: &str,
) -> Result<bool, OAuthError> {
    let credentials = installer.clients.credentials(installation_id).await?;
    let Some(client_id) = credentials.salesforce_client_id.clone() else {
        return Ok(false);
    };
    let app = salesforce::App {
        login_url: credentials.salesforce_login_url.clone(),
        client_id,
        client_secret: credentials.salesforce_client_secret.clone(),
    };
    let mut revoked = false;
    for token in [
        &credentials.salesforce_refresh_token,
        &credentials.salesforce_access_token,
    ]
    .into_iter()
    .flatten()
    {
        app.revoke(installer.clients.http(), token).await?;
        revoked = true;
    }
    Ok(revoked)
}
