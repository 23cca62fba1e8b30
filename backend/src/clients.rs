//! One Salesforce client per installation, built from its sealed credentials and kept, so
//! tokens, refreshes, limits and caches are shared by every request for that installation.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use secrecy::SecretString;

use crate::crypto::{Cipher, OpenError};
use crate::installations::{self, Credentials, context};
use crate::intercom::{self, IntercomError};
use crate::salesforce::{self, SalesforceError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("there is no installation {0:?}")]
    NoInstallation(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the installation's secrets cannot be opened: {0}")]
    Sealed(#[from] OpenError),
    #[error(transparent)]
    Salesforce(#[from] SalesforceError),
    #[error(transparent)]
    Intercom(#[from] IntercomError),
    /// A failure another request met first (a shared load), as text.
    #[error("{0}")]
    Shared(String),
}

/// The clients of every installation. Cheap to clone.
#[derive(Clone)]
pub struct Clients {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    cipher: Cipher,
    http: reqwest::Client,
    retry: salesforce::Retry,
    salesforce: Mutex<HashMap<String, salesforce::Client>>,
    intercom: Mutex<HashMap<String, intercom::Client>>,
}

impl Clients {
    pub fn new(store: Store, cipher: Cipher) -> Clients {
        Clients::with_retry(store, cipher, salesforce::Retry::default())
    }

    pub fn with_retry(store: Store, cipher: Cipher, retry: salesforce::Retry) -> Clients {
        Clients {
            inner: Arc::new(Inner {
                store,
                cipher,
                http: salesforce::http_client(),
                retry,
                salesforce: Mutex::new(HashMap::new()),
                intercom: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn cipher(&self) -> &Cipher {
        &self.inner.cipher
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The installation's secrets, opened.
    pub async fn credentials(&self, installation_id: &str) -> Result<Credentials, ClientError> {
        let row = self
            .inner
            .store
            .installation(installation_id)
            .await?
            .ok_or_else(|| ClientError::NoInstallation(installation_id.to_owned()))?;
        Ok(installations::credentials(&row, &self.inner.cipher)?)
    }

    /// The installation's Salesforce client; `ReconnectNeeded` when it was never connected.
    pub async fn salesforce(
        &self,
        installation_id: &str,
    ) -> Result<salesforce::Client, ClientError> {
        if let Some(client) = self.inner.salesforce.lock().get(installation_id) {
            return Ok(client.clone());
        }
        let credentials = self.credentials(installation_id).await?;
        let (Some(instance_url), Some(access_token)) = (
            credentials.salesforce_instance_url.clone(),
            credentials.salesforce_access_token.clone(),
        ) else {
            return Err(SalesforceError::ReconnectNeeded(
                "Salesforce is not connected yet".to_owned(),
            )
            .into());
        };
        let app = credentials
            .salesforce_client_id
            .clone()
            .map(|client_id| salesforce::App {
                login_url: credentials.salesforce_login_url.clone(),
                client_id,
                client_secret: credentials.salesforce_client_secret.clone(),
            });
        let client = salesforce::Client::new(
            self.inner.http.clone(),
            salesforce::Connection {
                instance_url,
                access_token,
                refresh_token: credentials.salesforce_refresh_token.clone(),
                app,
            },
            Some(self.token_sink(installation_id)),
            self.inner.retry,
        );
        // A concurrent first use may have built one too: keep the first, so both share state.
        Ok(self
            .inner
            .salesforce
            .lock()
            .entry(installation_id.to_owned())
            .or_insert(client)
            .clone())
    }

    /// The installation's Intercom client; `Unauthorized` when it has no token.
    pub async fn intercom(&self, installation_id: &str) -> Result<intercom::Client, ClientError> {
        if let Some(client) = self.inner.intercom.lock().get(installation_id) {
            return Ok(client.clone());
        }
        let credentials = self.credentials(installation_id).await?;
        let Some(token) = credentials.intercom_access_token else {
            return Err(IntercomError::Unauthorized {
                code: "not_connected".to_owned(),
                message: "Intercom is not connected yet".to_owned(),
            }
            .into());
        };
        let client = intercom::Client::new(&credentials.intercom_api_base_url, token);
        Ok(self
            .inner
            .intercom
            .lock()
            .entry(installation_id.to_owned())
            .or_insert(client)
            .clone())
    }

    /// The installation of the Intercom workspace a request names (Canvas Kit's
    /// `workspace_id`, a webhook's `app_id`), if that installation's client secret signed
    /// `body` by `verify` (`X-Body-Signature`, `X-Hub-Signature`). Only that installation's
    /// secret is tried: installations sharing one Intercom app never take each other's traffic.
    pub async fn installation_signing(
        &self,
        workspace_id: Option<&str>,
        body: &[u8],
        signature: Option<&str>,
        verify: fn(&SecretString, &[u8], Option<&str>) -> bool,
    ) -> Result<Option<String>, ClientError> {
        let (Some(workspace_id), Some(_)) = (workspace_id, signature) else {
            return Ok(None);
        };
        let Some(row) = self
            .inner
            .store
            .installation_by_workspace(workspace_id)
            .await?
        else {
            return Ok(None);
        };
        let secret = installations::intercom_client_secret(&row, &self.inner.cipher)?;
        Ok(secret
            .filter(|secret| verify(secret, body, signature))
            .map(|_| row.id))
    }

    /// Drops the installation's clients, after its connection settings changed.
    pub fn forget(&self, installation_id: &str) {
        self.inner.salesforce.lock().remove(installation_id);
        self.inner.intercom.lock().remove(installation_id);
    }

    /// Seals and stores tokens a refresh produced.
    fn token_sink(&self, installation_id: &str) -> salesforce::TokenSink {
        let store = self.inner.store.clone();
        let cipher = self.inner.cipher.clone();
        let id = installation_id.to_owned();
        Arc::new(move |tokens: salesforce::Tokens| {
            let store = store.clone();
            let cipher = cipher.clone();
            let id = id.clone();
            Box::pin(async move {
                let seal = |secret: &SecretString, column: &str| {
                    cipher.seal(secret, &context(&id, column))
                };
                let access = seal(&tokens.access_token, "salesforce_access_token");
                let refresh = tokens
                    .refresh_token
                    .as_ref()
                    .map(|t| seal(t, "salesforce_refresh_token"));
                let now = chrono::Utc::now().timestamp_millis();
                if let Err(error) = store
                    .save_salesforce_access_token(&id, &access, refresh.as_ref(), now)
                    .await
                {
                    // The new token still works in memory; the next start refreshes again.
                    tracing::warn!(installation = %id, %error, "could not store a refreshed Salesforce token");
                }
            })
        })
    }
}
