//! An installation pairing both simulators, saved straight into a database as `serve` will
//! find it: tokens pasted (no OAuth), sealed with the server's key, with its sync settings.

use anyhow::Result;
use secrecy::SecretString;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::installations::Pairing;
use sfbridge::store::Store;
use shared::SalesforceEnvironment;
use shared::sync::SyncSettings;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

/// Saves installation `id` (named `name`) pairing `salesforce` and `intercom`, sealed with the
/// base64 secret `key`, and `settings` as its sync settings.
pub async fn save_paired(
    store: &Store,
    key: &str,
    installation: (&str, &str),
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
    settings: &SyncSettings,
) -> Result<()> {
    save(
        store,
        key,
        installation,
        salesforce,
        intercom,
        settings,
        false,
    )
    .await
}

/// [`save_paired`] with the connected app and a refresh token too, so the installation outlives
/// an expired session (`SalesforceSim::expire_sessions`).
pub async fn save_paired_refreshing(
    store: &Store,
    key: &str,
    installation: (&str, &str),
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
    settings: &SyncSettings,
) -> Result<()> {
    save(
        store,
        key,
        installation,
        salesforce,
        intercom,
        settings,
        true,
    )
    .await
}

async fn save(
    store: &Store,
    key: &str,
    (id, name): (&str, &str),
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
    settings: &SyncSettings,
    refreshing: bool,
) -> Result<()> {
    let secret = SecretKey::from_base64(&SecretString::from(key.to_owned()))?;
    let pairing = Pairing {
        id: id.to_owned(),
        name: name.to_owned(),
        salesforce_environment: SalesforceEnvironment::Production,
        salesforce_login_url: salesforce.url(),
        salesforce_instance_url: Some(salesforce.url()),
        salesforce_client_id: refreshing.then(|| salesforce.client_id()),
        salesforce_client_secret: refreshing
            .then(|| SecretString::from(salesforce.client_secret())),
        salesforce_access_token: Some(SecretString::from(salesforce.access_token())),
        salesforce_refresh_token: refreshing
            .then(|| SecretString::from(salesforce.refresh_token())),
        intercom_api_base_url: intercom.url(),
        intercom_access_token: Some(SecretString::from(intercom.access_token())),
        intercom_client_secret: Some(SecretString::from(intercom.client_secret())),
        intercom_workspace_id: Some(intercom.workspace_id()),
        intercom_connection: sfbridge::auth::IntercomConnection::Token,
        installer_admin_id: None,
    };
    store
        .save_installation(&pairing.seal(&Cipher::new(&secret)), 1)
        .await?;
    sfbridge::settings::save_unchecked(store, id, settings, 1).await?;
    Ok(())
}
