//! The case settings as stored: one settings document of kind `cases` per installation.

use shared::case_form::CaseSettings;

use crate::settings::SettingsError;
use crate::store::Store;

pub const KIND: &str = "cases";

/// The saved settings; `None` before an admin saved any.
pub async fn stored(
    store: &Store,
    installation_id: &str,
) -> Result<Option<CaseSettings>, SettingsError> {
    crate::settings::document(store, installation_id, KIND).await
}

/// Saves settings the shared rules accepted.
pub async fn save(
    store: &Store,
    installation_id: &str,
    settings: &CaseSettings,
    now: i64,
) -> Result<(), SettingsError> {
    let body = serde_json::to_string(settings).expect("settings serialise");
    Ok(store
        .save_setting(installation_id, KIND, &body, now)
        .await?)
}
