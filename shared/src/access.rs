//! Who may use sfbridge, and what the sign-in, setup and installing pages exchange with the
//! back end. Times are unix milliseconds.

use serde::{Deserialize, Serialize};

use crate::owner::Teammate;

/// What a signed-in teammate may do. Admins also connect the services, change settings, read
/// sync health and the audit log, make sign-in links and grant roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Teammate,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Teammate => "Teammate",
        }
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

/// Answer of `GET /api/session`: who is signed in, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub installation_id: String,
    pub installation_name: String,
    pub teammate: Teammate,
    pub role: Role,
}

/// Answer of `GET /auth/options`: the ways in this server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// "Sign in with Intercom" works: a public Intercom app is configured.
    pub intercom_oauth: bool,
    /// No installation exists yet: the setup link printed by `sfbridge serve` is the way in.
    pub needs_setup: bool,
}

/// Body of `POST /auth/link` and `POST /auth/ticket`: a sign-in link's token or a Canvas Kit
/// ticket, and where to go afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redeem {
    pub token: String,
    #[serde(default)]
    pub next: Option<String>,
}

/// Answer of a sign-in: where the browser goes now (a path on this server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub next: String,
}

/// Answer of a step that continues at another site (an OAuth authorize page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub url: String,
}

/// Body of `POST /auth/setup/check` and `POST /auth/setup/intercom/oauth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupToken {
    pub token: String,
}

/// Answer of `POST /auth/setup/check`: the setup link is good; what connecting Intercom offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStatus {
    pub intercom_oauth: bool,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// A private Intercom app's credentials, pasted in: at setup (with the setup token), to add
/// an installation or to reconnect one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntercomToken {
    /// The setup token (setup only).
    #[serde(default)]
    pub setup_token: Option<String>,
    pub access_token: String,
    pub client_secret: String,
}

/// Which Salesforce login host to connect through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SalesforceLogin {
    Production,
    Sandbox,
    /// A My Domain URL such as `https://acme.my.salesforce.com`.
    MyDomain {
        url: String,
    },
}

/// Body of `POST /api/connections/salesforce`: connect, reconnect or switch the org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectSalesforce {
    /// `None`: the login host already in use (a reconnect).
    #[serde(default)]
    pub login: Option<SalesforceLogin>,
    /// Another org may replace the connected one: every link is dropped. Without it a
    /// different org at the callback is refused.
    #[serde(default)]
    pub switch_org: bool,
    /// Where to land once connected (a path on this server).
    #[serde(default)]
    pub next: Option<String>,
}

/// Answer of `GET /api/connections/webhooks`: what to subscribe in the Intercom Developer Hub,
/// and whether a signed notification arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSetup {
    pub url: String,
    pub topics: Vec<String>,
    /// When the newest signed notification arrived; `None` while none has.
    pub last_received_at: Option<i64>,
    /// The Canvas Kit URLs for the Messenger/Inbox app.
    pub canvas_initialize_url: String,
    pub canvas_submit_url: String,
}

/// One kind of stored data an uninstall deletes, and how many rows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataKind {
    pub what: String,
    pub count: u64,
}

/// Answer of `GET /api/installation/uninstall`: what uninstalling does, to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UninstallPreview {
    pub installation_name: String,
    /// Salesforce tokens are revoked at Salesforce.
    pub revokes_salesforce: bool,
    pub deletes: Vec<DataKind>,
}

/// Body of `POST /api/installation/uninstall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmUninstall {
    /// The installation's name, typed again.
    pub confirm_name: String,
}

/// One teammate of the workspace and their role here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub teammate: Teammate,
    pub role: Role,
    /// The one who connected the workspace.
    pub installer: bool,
}

/// Answer of `GET /api/admin/team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub members: Vec<TeamMember>,
    /// Admins may make sign-in links (a private Intercom app: no "Sign in with Intercom").
    pub sign_in_links: bool,
}

/// Body of `PUT /api/admin/team/{id}/role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRole {
    pub role: Role,
}

/// Body of `POST /api/admin/sign-in-links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSignInLink {
    pub teammate_id: String,
}

/// A sign-in link, shown once to the admin who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInLink {
    pub url: String,
    pub teammate: Teammate,
    pub expires_at: i64,
}

/// One admin action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Answer of `GET /api/admin/audit`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

/// A path on this server to go to after signing in: only local paths, never another site
/// (`//evil.example`, `https://..`), so a link cannot bounce a teammate elsewhere.
pub fn local_path(next: Option<&str>, default: &str) -> String {
    match next.map(str::trim) {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control()) =>
        {
            path.to_owned()
        }
        _ => default.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/card/12"), "/"), "/card/12");
        assert_eq!(local_path(Some("/inbox?x=1"), "/"), "/inbox?x=1");
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "card/12",
            "",
            "/a\nb",
        ] {
            assert_eq!(local_path(Some(bad), "/inbox"), "/inbox", "{bad:?}");
        }
        assert_eq!(local_path(None, "/connections"), "/connections");
    }

    #[test]
    fn logins_and_roles_read_as_the_api_writes_them() {
        let login: SalesforceLogin =
            serde_json::from_str(r#"{"kind":"my_domain","url":"https://acme.my.salesforce.com"}"#)
                .unwrap();
        assert_eq!(
            login,
            SalesforceLogin::MyDomain {
                url: "https://acme.my.salesforce.com".into()
            }
        );
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), r#""admin""#);
        let connect: ConnectSalesforce =
            serde_json::from_str(r#"{"login":{"kind":"sandbox"}}"#).unwrap();
        assert!(!connect.switch_org);
    }
}
