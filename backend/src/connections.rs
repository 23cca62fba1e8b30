//! Connection state: what the Connections page shows, and checking both sides of an installation.

use shared::{ConnectionsView, DatabaseHealth, Health};

use crate::clients::{ClientError, Clients};
use crate::crypto::Cipher;
use crate::store::{ContactOutcome, InstallationRow, Service, Store, StoreError};
use crate::{installations, intercom, salesforce};

async fn identity(
    clients: &Clients,
    installation_id: &str,
) -> Result<salesforce::Identity, ClientError> {
    Ok(clients
        .salesforce(installation_id)
        .await?
        .identity()
        .await?)
}

/// The back end's health and the connection state of one installation (the signed-in
/// teammate's: installations never see each other).
pub async fn view(store: &Store, installation_id: &str) -> Result<ConnectionsView, StoreError> {
    let rows: Vec<_> = store
        .installation(installation_id)
        .await?
        .into_iter()
        .collect();
    let counts = store.job_counts().await?;
    Ok(ConnectionsView {
        health: Health {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: DatabaseHealth {
                kind: store.kind(),
                reachable: true,
            },
            queued_jobs: counts.queued + counts.running,
            parked_jobs: counts.parked,
        },
        installations: rows.iter().map(installations::status).collect(),
    })
}

/// Talk to both services of every installation and record how it went.
/// Costs no Salesforce API call: the userinfo endpoint is not counted against the allocation.
pub async fn check_all(store: &Store, cipher: &Cipher) -> Result<(), StoreError> {
    // Clients that refresh an expired session (and store the new token) like every other call.
    let clients = Clients::new(store.clone(), cipher.clone());
    for row in store.installations().await? {
        check_installation(&clients, &row).await?;
    }
    Ok(())
}

/// Checks one installation now (the Connections page's *Check now*), with the server's own
/// clients; as free of API calls as [`check_all`].
pub async fn check_one(clients: &Clients, installation_id: &str) -> Result<(), StoreError> {
    match clients.store().installation(installation_id).await? {
        Some(row) => check_installation(clients, &row).await,
        None => Ok(()),
    }
}

async fn check_installation(clients: &Clients, row: &InstallationRow) -> Result<(), StoreError> {
    let store = clients.store();
    let now = || chrono::Utc::now().timestamp_millis();
    let (salesforce, intercom) = match installations::credentials(row, clients.cipher()) {
        Ok(credentials) => check(clients, &row.id, &credentials).await,
        Err(error) => {
            let failed = ContactOutcome::Failed {
                error: error.to_string(),
            };
            (failed.clone(), failed)
        }
    };
    if let ContactOutcome::Failed { error } = &salesforce {
        tracing::warn!(installation = %row.id, %error, "Salesforce connection check failed");
    }
    if let ContactOutcome::Failed { error } = &intercom {
        tracing::warn!(installation = %row.id, %error, "Intercom connection check failed");
    }
    store
        .record_contact(&row.id, Service::Salesforce, &salesforce, now())
        .await?;
    store
        .record_contact(&row.id, Service::Intercom, &intercom, now())
        .await?;
    Ok(())
}

async fn check(
    clients: &Clients,
    installation_id: &str,
    credentials: &installations::Credentials,
) -> (ContactOutcome, ContactOutcome) {
    let salesforce = match (
        &credentials.salesforce_instance_url,
        &credentials.salesforce_access_token,
    ) {
        (Some(_), Some(_)) => match identity(clients, installation_id).await {
            Ok(identity) => ContactOutcome::Reached {
                remote_id: identity.org_id,
                user_id: Some(identity.user_id),
            },
            Err(error) => ContactOutcome::Failed {
                error: error.to_string(),
            },
        },
        _ => ContactOutcome::Failed {
            error: "not authorised yet: connect the Salesforce org".into(),
        },
    };
    let intercom = match &credentials.intercom_access_token {
        Some(token) => {
            match intercom::Client::new(&credentials.intercom_api_base_url, token.clone())
                .me()
                .await
            {
                Ok(me) => ContactOutcome::Reached {
                    remote_id: me.workspace_id,
                    user_id: None,
                },
                Err(error) => ContactOutcome::Failed {
                    error: error.to_string(),
                },
            }
        }
        None => ContactOutcome::Failed {
            error: "no access token yet: connect the Intercom workspace".into(),
        },
    };
    (salesforce, intercom)
}
