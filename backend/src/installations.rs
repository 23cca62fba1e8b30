//! Installations: one Intercom workspace paired with one Salesforce org, with their secrets
//! sealed at rest and opened only here.

use chrono::{DateTime, TimeZone, Utc};
use secrecy::SecretString;
use shared::{
    ConnectionState, InstallationStatus, IntercomWorkspace, SalesforceEnvironment, SalesforceOrg,
};

use crate::crypto::{Cipher, OpenError, Sealed};
use crate::store::{InstallationRow, NewInstallation};

/// What a person supplies to pair a workspace with an org, secrets still in the clear.
#[derive(Debug, Clone)]
pub struct Pairing {
    pub id: String,
    pub name: String,
    pub salesforce_environment: SalesforceEnvironment,
    pub salesforce_login_url: String,
    pub salesforce_instance_url: Option<String>,
    pub salesforce_client_id: Option<String>,
    pub salesforce_client_secret: Option<SecretString>,
    pub salesforce_access_token: Option<SecretString>,
    pub salesforce_refresh_token: Option<SecretString>,
    pub intercom_api_base_url: String,
    pub intercom_access_token: Option<SecretString>,
    pub intercom_client_secret: Option<SecretString>,
    /// Known once `/me` answered for the token.
    pub intercom_workspace_id: Option<String>,
    pub intercom_connection: crate::auth::IntercomConnection,
    /// The Intercom admin who connected the workspace.
    pub installer_admin_id: Option<String>,
}

/// Where each secret lives, bound into its ciphertext.
pub fn context(id: &str, column: &str) -> String {
    format!("installations/{id}/{column}")
}

impl Pairing {
    /// Seal every secret for storage.
    pub fn seal(&self, cipher: &Cipher) -> NewInstallation {
        let seal = |secret: &Option<SecretString>, column: &str| {
            secret
                .as_ref()
                .map(|s| cipher.seal(s, &context(&self.id, column)))
        };
        NewInstallation {
            id: self.id.clone(),
            name: self.name.clone(),
            salesforce_environment: self.salesforce_environment,
            salesforce_login_url: self.salesforce_login_url.clone(),
            salesforce_instance_url: self.salesforce_instance_url.clone(),
            salesforce_client_id: self.salesforce_client_id.clone(),
            salesforce_client_secret: seal(
                &self.salesforce_client_secret,
                "salesforce_client_secret",
            ),
            salesforce_access_token: seal(&self.salesforce_access_token, "salesforce_access_token"),
            salesforce_refresh_token: seal(
                &self.salesforce_refresh_token,
                "salesforce_refresh_token",
            ),
            intercom_api_base_url: self.intercom_api_base_url.clone(),
            intercom_access_token: seal(&self.intercom_access_token, "intercom_access_token"),
            intercom_client_secret: seal(&self.intercom_client_secret, "intercom_client_secret"),
            intercom_workspace_id: self.intercom_workspace_id.clone(),
            intercom_connection: self.intercom_connection.as_str().to_owned(),
            installer_admin_id: self.installer_admin_id.clone(),
        }
    }
}

/// The secrets needed to call both services on an installation's behalf.
pub struct Credentials {
    pub salesforce_login_url: String,
    pub salesforce_instance_url: Option<String>,
    pub salesforce_client_id: Option<String>,
    pub salesforce_client_secret: Option<SecretString>,
    pub salesforce_access_token: Option<SecretString>,
    pub salesforce_refresh_token: Option<SecretString>,
    pub intercom_api_base_url: String,
    pub intercom_access_token: Option<SecretString>,
    pub intercom_client_secret: Option<SecretString>,
}

/// One sealed column of the row, opened.
fn open_column(
    row: &InstallationRow,
    cipher: &Cipher,
    sealed: &Option<Vec<u8>>,
    column: &str,
) -> Result<Option<SecretString>, OpenError> {
    sealed
        .as_ref()
        .map(|bytes| cipher.open(&Sealed(bytes.clone()), &context(&row.id, column)))
        .transpose()
}

/// Only the Intercom client secret (what signs webhooks and Canvas Kit requests): checking a
/// signature opens nothing else.
pub fn intercom_client_secret(
    row: &InstallationRow,
    cipher: &Cipher,
) -> Result<Option<SecretString>, OpenError> {
    open_column(
        row,
        cipher,
        &row.intercom_client_secret,
        "intercom_client_secret",
    )
}

pub fn credentials(row: &InstallationRow, cipher: &Cipher) -> Result<Credentials, OpenError> {
    let open = |sealed: &Option<Vec<u8>>, column: &str| open_column(row, cipher, sealed, column);
    Ok(Credentials {
        salesforce_login_url: row.salesforce_login_url.clone(),
        salesforce_instance_url: row.salesforce_instance_url.clone(),
        salesforce_client_id: row.salesforce_client_id.clone(),
        salesforce_client_secret: open(&row.salesforce_client_secret, "salesforce_client_secret")?,
        salesforce_access_token: open(&row.salesforce_access_token, "salesforce_access_token")?,
        salesforce_refresh_token: open(&row.salesforce_refresh_token, "salesforce_refresh_token")?,
        intercom_api_base_url: row.intercom_api_base_url.clone(),
        intercom_access_token: open(&row.intercom_access_token, "intercom_access_token")?,
        intercom_client_secret: intercom_client_secret(row, cipher)?,
    })
}

fn time(millis: Option<i64>) -> Option<DateTime<Utc>> {
    millis.and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

fn state(stored: &str) -> ConnectionState {
    // The column's CHECK constraint admits only known states.
    ConnectionState::parse(stored).unwrap_or(ConnectionState::Error)
}

/// How an installation reads on the Connections page. Never carries a secret.
pub fn status(row: &InstallationRow) -> InstallationStatus {
    InstallationStatus {
        id: row.id.clone(),
        name: row.name.clone(),
        salesforce: SalesforceOrg {
            org_id: row.salesforce_org_id.clone(),
            instance_url: row.salesforce_instance_url.clone(),
            environment: SalesforceEnvironment::parse(&row.salesforce_environment)
                .unwrap_or(SalesforceEnvironment::Production),
            state: state(&row.salesforce_state),
            last_contact_at: time(row.salesforce_last_contact_at),
            last_error: row.salesforce_last_error.clone(),
        },
        intercom: IntercomWorkspace {
            workspace_id: row.intercom_workspace_id.clone(),
            api_base_url: row.intercom_api_base_url.clone(),
            state: state(&row.intercom_state),
            last_contact_at: time(row.intercom_last_contact_at),
            last_error: row.intercom_last_error.clone(),
        },
        created_at: time(Some(row.created_at)).unwrap_or_default(),
    }
}
