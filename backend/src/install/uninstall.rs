//! Uninstalling: after a confirmation that names what goes, the Salesforce grant is revoked at
//! Salesforce, the listener stops, and the installation's rows (sealed secrets, links, jobs,
//! ledger, settings, sessions..) are deleted in one statement by cascade.

use shared::access::{DataKind, UninstallPreview};

use super::Installer;
use crate::auth::SignedIn;
use crate::clients::ClientError;
use crate::oauth::{self, OAuthError};
use crate::store::{INSTALLATION_TABLES, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum UninstallError {
    #[error("the name typed does not match the installation's name {0:?}: nothing was deleted")]
    NotConfirmed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// What went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Uninstalled {
    pub revoked_salesforce: bool,
    pub deleted: Vec<DataKind>,
}

impl Installer<'_> {
    /// What uninstalling the installation would delete.
    pub async fn uninstall_preview(
        &self,
        installation_id: &str,
    ) -> Result<UninstallPreview, UninstallError> {
        let store = self.clients.store();
        let row = store
            .installation(installation_id)
            .await?
            .ok_or_else(|| ClientError::NoInstallation(installation_id.to_owned()))?;
        Ok(UninstallPreview {
            installation_name: row.name,
            revokes_salesforce: row.salesforce_refresh_token.is_some()
                || row.salesforce_access_token.is_some(),
            deletes: kinds(store.footprint(installation_id).await?.tables),
        })
    }

    /// Uninstalls the admin's installation once `confirm_name` is its name.
    pub async fn uninstall(
        &self,
        by: &SignedIn,
        confirm_name: &str,
    ) -> Result<Uninstalled, UninstallError> {
        let id = &by.installation_id;
        let store = self.clients.store();
        let preview = self.uninstall_preview(id).await?;
        if confirm_name.trim() != preview.installation_name.trim() {
            return Err(UninstallError::NotConfirmed(preview.installation_name));
        }
        self.listeners.stop(id);
        let revoked_salesforce = match oauth::revoke_installation(self, id).await {
            Ok(revoked) => revoked,
            Err(OAuthError::Client(e)) => return Err(e.into()),
            Err(error) => {
                // The sealed tokens go below whatever Salesforce said: nothing here can use
                // them again. Salesforce's session list still shows the grant until it expires.
                tracing::warn!(installation = %id, %error, "could not revoke the Salesforce grant");
                false
            }
        };
        store.delete_installation(id).await?;
        self.clients.forget(id);
        self.cards.invalidate_installation(id);
        tracing::info!(
            installation = %id,
            by = %by.teammate.id,
            revoked_salesforce,
            "uninstalled: {}",
            preview
                .deletes
                .iter()
                .map(|k| format!("{} {}", k.count, k.what))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(Uninstalled {
            revoked_salesforce,
            deleted: preview.deletes,
        })
    }
}

fn kinds(tables: Vec<(&'static str, u64)>) -> Vec<DataKind> {
    tables
        .into_iter()
        .map(|(table, count)| DataKind {
            what: INSTALLATION_TABLES
                .iter()
                .find(|(t, _)| *t == table)
                .map_or(table, |(_, words)| words)
                .to_owned(),
            count,
        })
        .collect()
}
