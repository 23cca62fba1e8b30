//! The audit log: what admins did (connect, reconnect, switch, settings saved, roles, sign-in
//! links), readable by the installation's admins. A failure to record is logged; the action
//! itself already happened.

use shared::access::{AuditEntry, AuditLog};

use super::{Auth, SignedIn};
use crate::store::{Store, StoreError};

/// What an admin did, as the log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Installed,
    InstallationAdded,
    IntercomReconnected,
    SalesforceConnected,
    SalesforceReconnected,
    SalesforceSwitched,
    SettingsSaved,
    AdminGranted,
    AdminRevoked,
    SignInLinkCreated,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Installed => "installed",
            Action::InstallationAdded => "installation added",
            Action::IntercomReconnected => "Intercom reconnected",
            Action::SalesforceConnected => "Salesforce connected",
            Action::SalesforceReconnected => "Salesforce reconnected",
            Action::SalesforceSwitched => "Salesforce org switched",
            Action::SettingsSaved => "settings saved",
            Action::AdminGranted => "admin granted",
            Action::AdminRevoked => "admin revoked",
            Action::SignInLinkCreated => "sign-in link created",
        }
    }
}

impl Auth {
    /// Records what `by` did in their installation.
    pub async fn record(&self, store: &Store, by: &SignedIn, action: Action, detail: &str) {
        self.record_as(
            store,
            &by.installation_id,
            &by.teammate.id,
            &by.teammate.name,
            action,
            detail,
        )
        .await
    }

    /// Records an action by a teammate named by id and name (before they have a session).
    pub async fn record_as(
        &self,
        store: &Store,
        installation_id: &str,
        actor_id: &str,
        actor_name: &str,
        action: Action,
        detail: &str,
    ) {
        let at = self.now();
        if let Err(error) = store
            .record_audit(
                installation_id,
                at,
                actor_id,
                actor_name,
                action.as_str(),
                detail,
            )
            .await
        {
            tracing::error!(installation = installation_id, action = action.as_str(), %error, "could not record an admin action");
        }
    }
}

/// The newest entries, newest first.
pub async fn log(store: &Store, installation_id: &str) -> Result<AuditLog, StoreError> {
    Ok(AuditLog {
        entries: store
            .audit_log(installation_id, 200)
            .await?
            .into_iter()
            .map(|row| AuditEntry {
                at: row.at,
                actor: if row.actor_name.is_empty() {
                    row.actor_id
                } else {
                    row.actor_name
                },
                action: row.action,
                detail: row.detail,
            })
            .collect(),
    })
}
