//! Stored installations: one Intercom workspace paired with one Salesforce org.

use crate::crypto::Sealed;

use super::{Store, StoreError, StoreTx, on_db};

/// An installation as stored. Secret columns are sealed; see [`crate::installations`] to open them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstallationRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub salesforce_environment: String,
    pub salesforce_login_url: String,
    pub salesforce_instance_url: Option<String>,
    pub salesforce_org_id: Option<String>,
    pub salesforce_user_id: Option<String>,
    pub salesforce_client_id: Option<String>,
    pub salesforce_client_secret: Option<Vec<u8>>,
    pub salesforce_access_token: Option<Vec<u8>>,
    pub salesforce_refresh_token: Option<Vec<u8>>,
    pub salesforce_state: String,
    pub salesforce_last_contact_at: Option<i64>,
    pub salesforce_last_error: Option<String>,
    pub intercom_workspace_id: Option<String>,
    pub intercom_api_base_url: String,
    pub intercom_access_token: Option<Vec<u8>>,
    pub intercom_client_secret: Option<Vec<u8>>,
    pub intercom_state: String,
    pub intercom_last_contact_at: Option<i64>,
    pub intercom_last_error: Option<String>,
    /// `token` (a private app's pasted access token) or `oauth` (the public app).
    pub intercom_connection: String,
    /// The Intercom admin who connected the workspace: the first admin, the owner rule's fallback.
    pub installer_admin_id: Option<String>,
}

/// What an admin provides to pair a workspace with an org. Secrets arrive already sealed.
#[derive(Debug, Clone)]
pub struct NewInstallation {
    pub id: String,
    pub name: String,
    pub salesforce_environment: shared::SalesforceEnvironment,
    pub salesforce_login_url: String,
    pub salesforce_instance_url: Option<String>,
    pub salesforce_client_id: Option<String>,
    pub salesforce_client_secret: Option<Sealed>,
    pub salesforce_access_token: Option<Sealed>,
    pub salesforce_refresh_token: Option<Sealed>,
    pub intercom_api_base_url: String,
    pub intercom_access_token: Option<Sealed>,
    pub intercom_client_secret: Option<Sealed>,
    /// Known once `/me` answered for the token.
    pub intercom_workspace_id: Option<String>,
    /// `token` or `oauth`.
    pub intercom_connection: String,
    pub installer_admin_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Salesforce,
    Intercom,
}

/// The result of talking to one side of an installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactOutcome {
    /// `remote_id` is the org id (Salesforce) or workspace id (Intercom); `user_id` the
    /// connected Salesforce user, when known.
    Reached {
        remote_id: String,
        user_id: Option<String>,
    },
    Failed {
        error: String,
    },
}

const COLUMNS: &str = "id, name, created_at, updated_at, salesforce_environment, salesforce_login_url, \
    salesforce_instance_url, salesforce_org_id, salesforce_user_id, salesforce_client_id, \
    salesforce_client_secret, salesforce_access_token, salesforce_refresh_token, salesforce_state, \
    salesforce_last_contact_at, salesforce_last_error, intercom_workspace_id, intercom_api_base_url, \
    intercom_access_token, intercom_client_secret, intercom_state, intercom_last_contact_at, \
    intercom_last_error, intercom_connection, installer_admin_id";

/// Insert, or replace the connection settings of an installation with the same id.
/// What was learnt by talking to the services (ids, states, errors) is kept.
const SAVE: &str = "INSERT INTO installations (id, name, created_at, updated_at, salesforce_environment, \
    salesforce_login_url, salesforce_instance_url, salesforce_client_id, salesforce_client_secret, \
    salesforce_access_token, salesforce_refresh_token, intercom_api_base_url, intercom_access_token, \
    intercom_client_secret, intercom_workspace_id, intercom_connection, installer_admin_id)
    VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at,
        salesforce_environment = excluded.salesforce_environment,
        salesforce_login_url = excluded.salesforce_login_url,
        salesforce_instance_url = excluded.salesforce_instance_url,
        salesforce_client_id = excluded.salesforce_client_id,
        salesforce_client_secret = excluded.salesforce_client_secret,
        salesforce_access_token = excluded.salesforce_access_token,
        salesforce_refresh_token = excluded.salesforce_refresh_token,
        intercom_api_base_url = excluded.intercom_api_base_url,
        intercom_access_token = excluded.intercom_access_token,
        intercom_client_secret = excluded.intercom_client_secret,
        intercom_workspace_id = COALESCE(excluded.intercom_workspace_id, installations.intercom_workspace_id),
        intercom_connection = excluded.intercom_connection,
        installer_admin_id = COALESCE(excluded.installer_admin_id, installations.installer_admin_id)";

impl StoreTx {
    pub async fn save_installation(
        &mut self,
        new: &NewInstallation,
        now: i64,
    ) -> Result<(), StoreError> {
        let sealed = |s: &Option<Sealed>| s.as_ref().map(|s| s.0.clone());
        on_db!(&mut self.tx, tx => {
            sqlx::query(SAVE)
                .bind(&new.id)
                .bind(&new.name)
                .bind(now)
                .bind(new.salesforce_environment.as_str())
                .bind(&new.salesforce_login_url)
                .bind(&new.salesforce_instance_url)
                .bind(&new.salesforce_client_id)
                .bind(sealed(&new.salesforce_client_secret))
                .bind(sealed(&new.salesforce_access_token))
                .bind(sealed(&new.salesforce_refresh_token))
                .bind(&new.intercom_api_base_url)
                .bind(sealed(&new.intercom_access_token))
                .bind(sealed(&new.intercom_client_secret))
                .bind(&new.intercom_workspace_id)
                .bind(&new.intercom_connection)
                .bind(&new.installer_admin_id)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
}

impl Store {
    pub async fn save_installation(
        &self,
        new: &NewInstallation,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.save_installation(new, now).await?;
        tx.commit().await
    }

    pub async fn installations(&self) -> Result<Vec<InstallationRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM installations ORDER BY created_at, id"
        ));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    pub async fn installation(&self, id: &str) -> Result<Option<InstallationRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM installations WHERE id = $1"));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    /// Record how the last contact with one side went. Returns false if there is no such installation.
    pub async fn record_contact(
        &self,
        id: &str,
        service: Service,
        outcome: &ContactOutcome,
        now: i64,
    ) -> Result<bool, StoreError> {
        let side = match service {
            Service::Salesforce => "salesforce",
            Service::Intercom => "intercom",
        };
        let remote = match service {
            Service::Salesforce => "salesforce_org_id",
            Service::Intercom => "intercom_workspace_id",
        };
        // On failure the remote ids stay as they were: they still name the org or workspace.
        let (sql, text, user_id) = match outcome {
            ContactOutcome::Reached { remote_id, user_id } => {
                let user_id = user_id.as_ref().filter(|_| service == Service::Salesforce);
                (
                    format!(
                        "UPDATE installations SET {side}_state = 'connected', {remote} = $2,
                     {side}_last_contact_at = $3, {side}_last_error = NULL, updated_at = $3{}
                     WHERE id = $1",
                        if user_id.is_some() {
                            ", salesforce_user_id = $4"
                        } else {
                            ""
                        }
                    ),
                    remote_id,
                    user_id,
                )
            }
            ContactOutcome::Failed { error } => (
                format!(
                    "UPDATE installations SET {side}_state = 'error', {side}_last_error = $2,
                     {side}_last_contact_at = $3, updated_at = $3 WHERE id = $1"
                ),
                error,
                None,
            ),
        };
        let sql = sqlx::AssertSqlSafe(sql);
        let done = on_db!(&self.pool, pool => {
            let mut query = sqlx::query(sql).bind(id).bind(text).bind(now);
            if let Some(user_id) = user_id {
                query = query.bind(user_id);
            }
            query.execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }
}

/// An OAuth web-server flow in flight.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OAuthFlow {
    pub state: String,
    pub installation_id: String,
    pub code_verifier: Vec<u8>,
    pub redirect_uri: String,
    pub created_at: i64,
    /// The login host chosen (production, sandbox, My Domain): kept once the flow succeeds.
    pub login_url: Option<String>,
    /// `production` or `sandbox`.
    pub environment: Option<String>,
    /// `connect` (the same org only) or `switch` (another org, confirmed).
    pub purpose: String,
    /// The hash of the cookie the starting browser holds.
    pub binding_hash: Option<String>,
    /// The admin who started it.
    pub started_by: Option<String>,
    /// The page to land on afterwards.
    pub next_path: Option<String>,
}

/// Tokens a grant produced, sealed, and the connected app and login host that got them.
pub struct SalesforceGrant {
    pub instance_url: String,
    pub org_id: String,
    pub user_id: String,
    pub access_token: Sealed,
    pub refresh_token: Option<Sealed>,
    pub login_url: String,
    pub environment: shared::SalesforceEnvironment,
    pub client_id: String,
    pub client_secret: Option<Sealed>,
}

/// How many rows of each kind an installation holds: what uninstalling deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint {
    /// (table, rows) for every table keyed by installation, in a fixed order.
    pub tables: Vec<(&'static str, u64)>,
}

/// Every table keyed by installation, with the words the confirmation uses.
pub const INSTALLATION_TABLES: &[(&str, &str)] = &[
    ("person_links", "person links"),
    ("company_links", "company links"),
    ("intercom_records", "Intercom records kept for the sync"),
    ("webhook_receipts", "webhook receipts"),
    ("jobs", "queued or parked jobs"),
    ("sync_ledger", "sync ledger entries"),
    ("case_submissions", "case submissions"),
    (
        "conversation_tasks",
        "conversations sent to Salesforce as Tasks",
    ),
    ("settings", "settings documents"),
    ("salesforce_cursors", "Salesforce change-feed positions"),
    (
        "salesforce_streamed",
        "records the Salesforce change stream handed on",
    ),
    ("listener_leases", "Salesforce listener leases"),
    ("oauth_flows", "Salesforce sign-ins in flight"),
    ("intercom_flows", "Intercom sign-ins in flight"),
    ("sessions", "sessions"),
    ("sign_in_links", "sign-in links"),
    ("installation_admins", "admins"),
    ("audit_log", "audit log entries"),
];

impl Store {
    /// Stores the tokens of a completed OAuth flow and marks Salesforce connected. With
    /// `drop_links` (a confirmed switch to another org) every link, the change feed's position,
    /// the state agreed with the old org and the waiting jobs go in the same transaction.
    pub async fn save_salesforce_grant(
        &self,
        id: &str,
        grant: &SalesforceGrant,
        drop_links: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE installations SET salesforce_instance_url = $2,
            salesforce_org_id = $3, salesforce_user_id = $4, salesforce_access_token = $5,
            salesforce_refresh_token = COALESCE($6, salesforce_refresh_token),
            salesforce_state = 'connected', salesforce_last_contact_at = $7,
            salesforce_last_error = NULL, updated_at = $7, salesforce_login_url = $8,
            salesforce_environment = $9, salesforce_client_id = $10,
            salesforce_client_secret = COALESCE($11, salesforce_client_secret) WHERE id = $1";
        const DROPS: &[&str] = &[
            "DELETE FROM person_links WHERE installation_id = $1",
            "DELETE FROM company_links WHERE installation_id = $1",
            "DELETE FROM conversation_tasks WHERE installation_id = $1",
            "DELETE FROM salesforce_cursors WHERE installation_id = $1",
            "DELETE FROM salesforce_streamed WHERE installation_id = $1",
            "DELETE FROM jobs WHERE installation_id = $1",
            "UPDATE intercom_records SET synced_body = NULL WHERE installation_id = $1",
        ];
        let mut tx = self.begin().await?;
        let done = on_db!(&mut tx.tx, tx => {
            if drop_links {
                for sql in DROPS {
                    sqlx::query(sqlx::AssertSqlSafe(*sql)).bind(id).execute(&mut **tx).await?;
                }
            }
            sqlx::query(SQL)
                .bind(id)
                .bind(&grant.instance_url)
                .bind(&grant.org_id)
                .bind(&grant.user_id)
                .bind(&grant.access_token.0)
                .bind(grant.refresh_token.as_ref().map(|s| s.0.clone()))
                .bind(now)
                .bind(&grant.login_url)
                .bind(grant.environment.as_str())
                .bind(&grant.client_id)
                .bind(grant.client_secret.as_ref().map(|s| s.0.clone()))
                .execute(&mut **tx)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Replaces the access token after a refresh (and the refresh token, if it rotated).
    pub async fn save_salesforce_access_token(
        &self,
        id: &str,
        access_token: &Sealed,
        refresh_token: Option<&Sealed>,
        now: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE installations SET salesforce_access_token = $2,
            salesforce_refresh_token = COALESCE($3, salesforce_refresh_token), updated_at = $4
            WHERE id = $1";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(id)
                .bind(&access_token.0)
                .bind(refresh_token.map(|s| s.0.clone()))
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Replaces the Intercom token and client secret of an installation (a reconnect of the
    /// same workspace) and marks Intercom connected.
    pub async fn save_intercom_connection(
        &self,
        id: &str,
        access_token: &Sealed,
        client_secret: &Sealed,
        connection: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE installations SET intercom_access_token = $2,
            intercom_client_secret = $3, intercom_connection = $4, intercom_state = 'connected',
            intercom_last_contact_at = $5, intercom_last_error = NULL, updated_at = $5
            WHERE id = $1";
        let done = on_db!(&self.pool, pool => sqlx::query(SQL)
            .bind(id)
            .bind(&access_token.0)
            .bind(&client_secret.0)
            .bind(connection)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// The installation of an Intercom workspace, if there is one.
    pub async fn installation_by_workspace(
        &self,
        workspace_id: &str,
    ) -> Result<Option<InstallationRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM installations WHERE intercom_workspace_id = $1"
        ));
        Ok(
            on_db!(&self.pool, pool => sqlx::query_as(sql).bind(workspace_id).fetch_optional(pool).await?),
        )
    }

    /// Whether any installation exists.
    pub async fn has_installations(&self) -> Result<bool, StoreError> {
        let row: Option<(String,)> = on_db!(&self.pool, pool =>
            sqlx::query_as("SELECT id FROM installations LIMIT 1").fetch_optional(pool).await?);
        Ok(row.is_some())
    }

    /// How many rows of each kind the installation holds.
    pub async fn footprint(&self, id: &str) -> Result<Footprint, StoreError> {
        let mut tables = Vec::with_capacity(INSTALLATION_TABLES.len());
        for (table, _) in INSTALLATION_TABLES {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {table} WHERE installation_id = $1"
            ));
            let (n,): (i64,) =
                on_db!(&self.pool, pool => sqlx::query_as(sql).bind(id).fetch_one(pool).await?);
            tables.push((*table, u64::try_from(n).unwrap_or_default()));
        }
        Ok(Footprint { tables })
    }

    /// Deletes the installation and, by cascade, every row keyed by it.
    pub async fn delete_installation(&self, id: &str) -> Result<bool, StoreError> {
        Ok(
            on_db!(&self.pool, pool => sqlx::query("DELETE FROM installations WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected())
                == 1,
        )
    }

    /// When the newest webhook notification of the installation arrived, if one has.
    pub async fn last_webhook_at(&self, id: &str) -> Result<Option<i64>, StoreError> {
        let (at,): (Option<i64>,) = on_db!(&self.pool, pool => sqlx::query_as(
                "SELECT MAX(received_at) FROM webhook_receipts WHERE installation_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await?);
        Ok(at)
    }

    pub async fn save_oauth_flow(&self, flow: &OAuthFlow) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO oauth_flows (state, installation_id, code_verifier,
            redirect_uri, created_at, login_url, environment, purpose, binding_hash, started_by,
            next_path) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(&flow.state)
                .bind(&flow.installation_id)
                .bind(&flow.code_verifier)
                .bind(&flow.redirect_uri)
                .bind(flow.created_at)
                .bind(&flow.login_url)
                .bind(&flow.environment)
                .bind(&flow.purpose)
                .bind(&flow.binding_hash)
                .bind(&flow.started_by)
                .bind(&flow.next_path)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes and returns the flow for `state`: a state is good for one callback only.
    pub async fn take_oauth_flow(&self, state: &str) -> Result<Option<OAuthFlow>, StoreError> {
        const SQL: &str = "DELETE FROM oauth_flows WHERE state = $1
            RETURNING state, installation_id, code_verifier, redirect_uri, created_at, login_url,
                environment, purpose, binding_hash, started_by, next_path";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL).bind(state).fetch_optional(pool).await?))
    }
}
