//! What the Connections page shows: the back end's health and, for every installation,
//! the state of its Salesforce org and Intercom workspace connections.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Answer of `GET /api/connections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsView {
    pub health: Health,
    pub installations: Vec<InstallationStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The back end's version (`CARGO_PKG_VERSION`).
    pub version: String,
    pub database: DatabaseHealth,
    /// Jobs waiting to run, across installations.
    pub queued_jobs: i64,
    /// Jobs that failed too often and wait for a person.
    pub parked_jobs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseHealth {
    pub kind: DatabaseKind,
    pub reachable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn label(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "SQLite",
            DatabaseKind::Postgres => "PostgreSQL",
        }
    }
}

/// One Intercom workspace paired with one Salesforce org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationStatus {
    pub id: String,
    pub name: String,
    pub salesforce: SalesforceOrg,
    pub intercom: IntercomWorkspace,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceOrg {
    /// The 18-character Organization id (`00D...`), once connected.
    pub org_id: Option<String>,
    pub instance_url: Option<String>,
    pub environment: SalesforceEnvironment,
    pub state: ConnectionState,
    pub last_contact_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntercomWorkspace {
    pub workspace_id: Option<String>,
    pub api_base_url: String,
    pub state: ConnectionState,
    pub last_contact_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Which login host the org authenticates against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SalesforceEnvironment {
    Production,
    Sandbox,
}

impl SalesforceEnvironment {
    pub fn label(self) -> &'static str {
        match self {
            SalesforceEnvironment::Production => "Production",
            SalesforceEnvironment::Sandbox => "Sandbox",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "production" => Some(Self::Production),
            "sandbox" => Some(Self::Sandbox),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SalesforceEnvironment::Production => "production",
            SalesforceEnvironment::Sandbox => "sandbox",
        }
    }
}

/// A connection's state as people read it.
///
/// `Error` means the last contact failed; the credentials are kept so a retry can succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    NotConnected,
    Connected,
    Error,
}

impl ConnectionState {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionState::NotConnected => "Not connected",
            ConnectionState::Connected => "Connected",
            ConnectionState::Error => "Error",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::NotConnected => "not_connected",
            ConnectionState::Connected => "connected",
            ConnectionState::Error => "error",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "not_connected" => Some(Self::NotConnected),
            "connected" => Some(Self::Connected),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_stored_names() {
        for state in [
            ConnectionState::NotConnected,
            ConnectionState::Connected,
            ConnectionState::Error,
        ] {
            assert_eq!(ConnectionState::parse(state.as_str()), Some(state));
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::String(state.as_str().into())
            );
        }
        assert_eq!(ConnectionState::parse("connecting"), None);
    }

    #[test]
    fn environments_round_trip() {
        for env in [
            SalesforceEnvironment::Production,
            SalesforceEnvironment::Sandbox,
        ] {
            assert_eq!(SalesforceEnvironment::parse(env.as_str()), Some(env));
        }
    }
}
