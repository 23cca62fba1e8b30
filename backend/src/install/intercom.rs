//! Connecting an Intercom workspace, and signing in with Intercom.
//!
//! A private app's access token and client secret are checked at once with `GET /me` (a wrong
//! token stores nothing). The public app's OAuth sends the browser to Intercom's authorize
//! page, bound to it by a cookie, and exchanges the code on the way back. Either way `/me`
//! names the workspace and the admin: at setup (or when an admin adds one) a new installation
//! whose first admin is that teammate; on a reconnect the same workspace only; on a sign-in a
//! session in the workspace's installation.

use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use shared::SalesforceEnvironment;

use super::Installer;
use crate::auth::audit::Action;
use crate::auth::{AuthError, IntercomConnection, SignedIn, rules, tokens};
use crate::clients::ClientError;
use crate::installations::{Pairing, context};
use crate::intercom::{self, IntercomError, Me, OAuthApp};
use crate::store::{ContactOutcome, IntercomFlowRow, Service, StoreError};

pub const CALLBACK_PATH: &str = "/oauth/intercom/callback";

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("Intercom refused this access token ({0}); nothing was stored")]
    TokenRefused(IntercomError),
    #[error("{0} is empty")]
    Missing(&'static str),
    #[error("Intercom workspace {0} already has an installation here: sign in to it instead")]
    AlreadyInstalled(String),
    #[error(
        "this token belongs to Intercom workspace {offered}, but the installation is connected to \
         workspace {connected}; nothing was changed"
    )]
    WrongWorkspace { connected: String, offered: String },
    #[error(
        "no public Intercom app is configured (intercom_client_id and intercom_client_secret): \
         paste a private app's access token instead"
    )]
    NoOAuthApp,
    #[error("this Intercom sign-in is unknown or was already used; start again")]
    UnknownFlow,
    #[error("this Intercom sign-in took longer than 15 minutes; start again")]
    FlowExpired,
    #[error("this Intercom sign-in was started in another browser; start again here")]
    OtherBrowser,
    #[error("Intercom did not grant access: {0}")]
    Denied(String),
    #[error(transparent)]
    Intercom(#[from] IntercomError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Why a workspace is being connected.
#[derive(Debug, Clone, Copy)]
pub enum Purpose<'a> {
    /// The first installation, with the setup link's token.
    Setup { token: &'a str },
    /// Another installation, added by an admin of one.
    Add { by: &'a SignedIn },
    /// The admin's own installation, again (a revoked token, a new secret).
    Reconnect { by: &'a SignedIn },
}

/// Why an Intercom OAuth flow is started.
#[derive(Debug, Clone, Copy)]
pub enum FlowPurpose<'a> {
    Connect(Purpose<'a>),
    SignIn,
}

/// What connecting or signing in came to.
pub struct Connected {
    /// A new session (the installing teammate, or the one signing in).
    pub session: Option<(SecretString, SignedIn)>,
    /// The page to go to now.
    pub next: String,
}

/// An OAuth flow started: the authorize page and the cookie binding it to this browser.
pub struct Started {
    pub authorize_url: String,
    pub binding: SecretString,
}

/// What the Intercom callback brings.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A callback that failed, and the page that says so.
pub struct Failed {
    pub landing: &'static str,
    pub error: InstallError,
}

/// The landing page of each purpose (failures are shown there).
fn landing(purpose: &str) -> &'static str {
    match purpose {
        "setup" => "/setup",
        "sign_in" => "/signin",
        _ => "/connections",
    }
}

impl Installer<'_> {
    fn oauth_app(&self) -> Result<OAuthApp, InstallError> {
        let app = self
            .services
            .intercom_app
            .as_ref()
            .ok_or(InstallError::NoOAuthApp)?;
        Ok(OAuthApp {
            oauth_url: self.services.intercom_oauth_url.clone(),
            api_url: self.services.intercom_api_url.clone(),
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
        })
    }

    fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.public_url.trim_end_matches('/'))
    }

    /// Connects a workspace with a private app's access token and client secret.
    pub async fn connect_with_token(
        &self,
        purpose: Purpose<'_>,
        access_token: SecretString,
        client_secret: SecretString,
    ) -> Result<Connected, InstallError> {
        if access_token.expose_secret().trim().is_empty() {
            return Err(InstallError::Missing("the access token"));
        }
        if client_secret.expose_secret().trim().is_empty() {
            return Err(InstallError::Missing("the client secret"));
        }
        self.check_purpose(purpose).await?;
        let me = self
            .me(&access_token)
            .await
            .map_err(InstallError::TokenRefused)?;
        self.adopt(
            purpose,
            &me,
            access_token,
            client_secret,
            IntercomConnection::Token,
        )
        .await
    }

    /// Starts an Intercom OAuth flow.
    pub async fn start_oauth(
        &self,
        purpose: FlowPurpose<'_>,
        next: Option<&str>,
    ) -> Result<Started, InstallError> {
        let app = self.oauth_app()?;
        let (kind, installation, setup_token, started_by) = match purpose {
            FlowPurpose::SignIn => ("sign_in", None, None, None),
            FlowPurpose::Connect(purpose) => {
                self.check_purpose(purpose).await?;
                match purpose {
                    Purpose::Setup { token } => {
                        ("setup", None, Some(tokens::hash(token.trim())), None)
                    }
                    Purpose::Add { by } => (
                        "add_installation",
                        Some(by.installation_id.clone()),
                        None,
                        Some(by.teammate.id.clone()),
                    ),
                    Purpose::Reconnect { by } => (
                        "reconnect",
                        Some(by.installation_id.clone()),
                        None,
                        Some(by.teammate.id.clone()),
                    ),
                }
            }
        };
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        let state = hex::encode(bytes);
        let binding = tokens::new_token();
        self.clients
            .store()
            .save_intercom_flow(&IntercomFlowRow {
                state: state.clone(),
                purpose: kind.to_owned(),
                installation_id: installation,
                setup_token_hash: setup_token,
                started_by,
                binding_hash: tokens::hash_secret(&binding),
                next_path: next.map(|n| shared::access::local_path(Some(n), "/")),
                created_at: self.auth.now(),
            })
            .await?;
        Ok(Started {
            authorize_url: app.authorize_url(&state, &self.redirect_uri()),
            binding,
        })
    }

    /// Finishes an Intercom OAuth flow: the code exchanged, `/me` read, the purpose carried out.
    pub async fn finish_oauth(
        &self,
        callback: Callback,
        binding: Option<&str>,
    ) -> Result<Connected, Failed> {
        let state = callback.state.clone().unwrap_or_default();
        let flow = match self.clients.store().take_intercom_flow(&state).await {
            Ok(Some(flow)) => flow,
            Ok(None) => {
                return Err(Failed {
                    landing: "/signin",
                    error: InstallError::UnknownFlow,
                });
            }
            Err(error) => {
                return Err(Failed {
                    landing: "/signin",
                    error: error.into(),
                });
            }
        };
        let landing = landing(&flow.purpose);
        self.finish_flow(&flow, callback, binding)
            .await
            .map_err(|error| Failed { landing, error })
    }

    async fn finish_flow(
        &self,
        flow: &IntercomFlowRow,
        callback: Callback,
        binding: Option<&str>,
    ) -> Result<Connected, InstallError> {
        if self.auth.now() - flow.created_at > rules::FLOW_LIFETIME_MS {
            return Err(InstallError::FlowExpired);
        }
        if binding.map(tokens::hash).as_deref() != Some(flow.binding_hash.as_str()) {
            return Err(InstallError::OtherBrowser);
        }
        if let Some(error) = callback.error {
            let description = callback.error_description.unwrap_or_default();
            return Err(InstallError::Denied(format!("{error}: {description}")));
        }
        let code = callback
            .code
            .filter(|c| !c.is_empty())
            .ok_or(InstallError::Denied("the callback has no code".into()))?;
        let app = self.oauth_app()?;
        let token = app.exchange_code(self.clients.http(), &code).await?;
        let me = self.me(&token).await?;
        if flow.purpose == "sign_in" {
            let session = self
                .auth
                .sign_in_with_intercom(self.clients.store(), &me)
                .await?;
            return Ok(Connected {
                session: Some(session),
                next: flow.next_path.clone().unwrap_or_else(|| "/".to_owned()),
            });
        }
        // The admin who started an add or a reconnect must still hold their session.
        let by = match (&flow.purpose[..], &flow.started_by) {
            ("setup", _) => None,
            (_, Some(admin)) => Some(self.starter(flow, admin).await?),
            (_, None) => return Err(InstallError::UnknownFlow),
        };
        let setup_token;
        let purpose = match (&flow.purpose[..], &by) {
            ("setup", _) => {
                // The flow holds the token's hash only: check that it is still good.
                let hash = flow.setup_token_hash.clone().unwrap_or_default();
                let expiry = self.clients.store().setup_token_expiry(&hash).await?;
                if !expiry.is_some_and(|at| rules::unexpired(at, self.auth.now())) {
                    return Err(AuthError::SetupTokenInvalid.into());
                }
                setup_token = hash;
                Purpose::Setup {
                    token: &setup_token,
                }
            }
            ("reconnect", Some(by)) => Purpose::Reconnect { by },
            (_, Some(by)) => Purpose::Add { by },
            _ => return Err(InstallError::UnknownFlow),
        };
        let secret = app.client_secret.clone();
        self.adopt_checked(
            purpose,
            &me,
            token,
            secret,
            IntercomConnection::OAuth,
            flow.purpose == "setup",
        )
        .await
    }

    /// The admin who started a flow (from the installation they were signed in to), who must
    /// still be an admin there.
    async fn starter(&self, flow: &IntercomFlowRow, admin: &str) -> Result<SignedIn, InstallError> {
        let installation = flow
            .installation_id
            .clone()
            .ok_or(InstallError::UnknownFlow)?;
        if !self.clients.store().is_admin(&installation, admin).await? {
            return Err(AuthError::AdminOnly.into());
        }
        Ok(SignedIn {
            installation_id: installation,
            teammate: crate::auth::teammate(admin, None, None),
            role: shared::access::Role::Admin,
            token_hash: String::new(),
        })
    }

    async fn me(&self, token: &SecretString) -> Result<Me, IntercomError> {
        intercom::Client::new(&self.services.intercom_api_url, token.clone())
            .me()
            .await
    }

    /// Refuses early what cannot succeed: a bad setup token, an admin of another installation.
    async fn check_purpose(&self, purpose: Purpose<'_>) -> Result<(), InstallError> {
        match purpose {
            Purpose::Setup { token } => {
                self.auth
                    .check_setup_token(self.clients.store(), token)
                    .await?;
            }
            Purpose::Add { by } | Purpose::Reconnect { by } => {
                if !by.is_admin() {
                    return Err(AuthError::AdminOnly.into());
                }
            }
        }
        Ok(())
    }

    async fn adopt(
        &self,
        purpose: Purpose<'_>,
        me: &Me,
        access_token: SecretString,
        client_secret: SecretString,
        connection: IntercomConnection,
    ) -> Result<Connected, InstallError> {
        self.adopt_checked(purpose, me, access_token, client_secret, connection, false)
            .await
    }

    /// Carries out the purpose for the workspace `/me` named. `hashed_setup`: the setup
    /// purpose holds the token's hash (an OAuth flow), not the token.
    async fn adopt_checked(
        &self,
        purpose: Purpose<'_>,
        me: &Me,
        access_token: SecretString,
        client_secret: SecretString,
        connection: IntercomConnection,
        hashed_setup: bool,
    ) -> Result<Connected, InstallError> {
        let store = self.clients.store();
        match purpose {
            Purpose::Reconnect { by } => {
                let row = store
                    .installation(&by.installation_id)
                    .await?
                    .ok_or_else(|| ClientError::NoInstallation(by.installation_id.clone()))?;
                if let Some(connected) = &row.intercom_workspace_id
                    && *connected != me.workspace_id
                {
                    return Err(InstallError::WrongWorkspace {
                        connected: connected.clone(),
                        offered: me.workspace_id.clone(),
                    });
                }
                let cipher = self.clients.cipher();
                let seal =
                    |s: &SecretString, column: &str| cipher.seal(s, &context(&row.id, column));
                store
                    .save_intercom_connection(
                        &row.id,
                        &seal(&access_token, "intercom_access_token"),
                        &seal(&client_secret, "intercom_client_secret"),
                        connection.as_str(),
                        self.auth.now(),
                    )
                    .await?;
                self.clients.forget(&row.id);
                self.cards.invalidate_installation(&row.id);
                self.auth
                    .record(
                        store,
                        by,
                        Action::IntercomReconnected,
                        &format!("workspace {}", me.workspace_id),
                    )
                    .await;
                Ok(Connected {
                    session: None,
                    next: "/connections?connected=intercom".to_owned(),
                })
            }
            Purpose::Setup { token } => {
                if !hashed_setup {
                    self.auth.check_setup_token(store, token).await?;
                }
                let connected = self
                    .create(me, access_token, client_secret, connection)
                    .await?;
                // There is an installation now: further ones are added by an admin.
                store.delete_setup_tokens().await?;
                Ok(connected)
            }
            Purpose::Add { by } => {
                let connected = self
                    .create(me, access_token, client_secret, connection)
                    .await?;
                // In the log of the installation whose admin added it.
                self.auth
                    .record(
                        store,
                        by,
                        Action::InstallationAdded,
                        &format!(
                            "workspace {} connected ({})",
                            me.workspace_id,
                            connection.as_str()
                        ),
                    )
                    .await;
                Ok(connected)
            }
        }
    }

    /// A new installation for the workspace, its installing teammate its first admin, signed in.
    async fn create(
        &self,
        me: &Me,
        access_token: SecretString,
        client_secret: SecretString,
        connection: IntercomConnection,
    ) -> Result<Connected, InstallError> {
        let store = self.clients.store();
        if store
            .installation_by_workspace(&me.workspace_id)
            .await?
            .is_some()
        {
            return Err(InstallError::AlreadyInstalled(me.workspace_id.clone()));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let salesforce_app = self.services.salesforce_app.as_ref();
        let pairing = Pairing {
            id: id.clone(),
            name: me
                .app_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("Intercom workspace {}", me.workspace_id)),
            salesforce_environment: SalesforceEnvironment::Production,
            salesforce_login_url: self.services.salesforce_login_url.clone(),
            salesforce_instance_url: None,
            salesforce_client_id: salesforce_app.map(|a| a.client_id.clone()),
            salesforce_client_secret: salesforce_app.and_then(|a| a.client_secret.clone()),
            salesforce_access_token: None,
            salesforce_refresh_token: None,
            intercom_api_base_url: self.services.intercom_api_url.clone(),
            intercom_access_token: Some(access_token),
            intercom_client_secret: Some(client_secret),
            intercom_workspace_id: Some(me.workspace_id.clone()),
            intercom_connection: connection,
            installer_admin_id: Some(me.admin_id.clone()),
        };
        let now = self.auth.now();
        store
            .save_installation(&pairing.seal(self.clients.cipher()), now)
            .await?;
        store
            .record_contact(
                &id,
                Service::Intercom,
                &ContactOutcome::Reached {
                    remote_id: me.workspace_id.clone(),
                    user_id: None,
                },
                now,
            )
            .await?;
        store.grant_admin(&id, &me.admin_id, None, now).await?;
        let teammate = me.teammate();
        self.auth
            .record_as(
                store,
                &id,
                &teammate.id,
                &teammate.name,
                Action::Installed,
                &format!(
                    "workspace {} connected ({})",
                    me.workspace_id,
                    connection.as_str()
                ),
            )
            .await;
        tracing::info!(installation = %id, workspace = %me.workspace_id, "installed");
        let session = self.auth.open_session(store, &id, &teammate).await?;
        Ok(Connected {
            session: Some(session),
            next: "/setup/salesforce".to_owned(),
        })
    }
}
