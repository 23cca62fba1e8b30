//! Installation settings as stored: JSON documents, one per kind, read with their defaults.

use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError};

/// How Intercom people are matched to Salesforce people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleIdentity {
    /// The Salesforce field (on Contact and Lead) that holds the Intercom `external_id`;
    /// `None` matches by email alone.
    pub external_id_field: Option<String>,
    /// Match by email when the person has no `external_id`.
    #[serde(default = "yes")]
    pub email_fallback: bool,
}

fn yes() -> bool {
    true
}

impl Default for PeopleIdentity {
    fn default() -> Self {
        PeopleIdentity {
            external_id_field: None,
            email_fallback: true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default)]
    pub people: PeopleIdentity,
}

pub const IDENTITY: &str = "identity";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored {kind} settings cannot be read: {problem}")]
    Corrupt { kind: &'static str, problem: String },
}

pub async fn identity(store: &Store, installation_id: &str) -> Result<Identity, SettingsError> {
    match store.setting(installation_id, IDENTITY).await? {
        None => Ok(Identity::default()),
        Some(body) => serde_json::from_str(&body).map_err(|e| SettingsError::Corrupt {
            kind: IDENTITY,
            problem: e.to_string(),
        }),
    }
}

pub async fn save_identity(
    store: &Store,
    installation_id: &str,
    identity: &Identity,
    now: i64,
) -> Result<(), SettingsError> {
    let body = serde_json::to_string(identity).expect("settings serialise");
    Ok(store
        .save_setting(installation_id, IDENTITY, &body, now)
        .await?)
}
