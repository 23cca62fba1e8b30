//! Who may come in: setup tokens, sessions, admins, sign-in links, Intercom OAuth flows in
//! flight, and the audit log. Tokens arrive here already hashed (see [`crate::auth::tokens`]).

use super::{Store, StoreError, on_db};

/// A signed-in browser, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub installation_id: String,
    pub intercom_admin_id: String,
    pub name: String,
    pub email: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// A sign-in link, as stored (until used or expired).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInLinkRow {
    pub installation_id: String,
    pub intercom_admin_id: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An Intercom OAuth flow in flight.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntercomFlowRow {
    pub state: String,
    /// `setup`, `sign_in`, `add_installation` or `reconnect`.
    pub purpose: String,
    pub installation_id: Option<String>,
    pub setup_token_hash: Option<String>,
    /// The admin who started it (adding or reconnecting a workspace).
    pub started_by: Option<String>,
    pub binding_hash: String,
    pub next_path: Option<String>,
    pub created_at: i64,
}

/// One admin action.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub detail: String,
}

/// How many expired rows a purge removed, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub setup_tokens: u64,
    pub sign_in_links: u64,
    pub oauth_flows: u64,
}

const SESSION_COLUMNS: &str = "token_hash, installation_id, intercom_admin_id, name, email, \
    created_at, last_seen_at, expires_at";

impl Store {
    // Setup tokens.

    pub async fn save_setup_token(
        &self,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_db!(&self.pool, pool => {
            sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
                .bind(token_hash)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The token's expiry, if it is stored.
    pub async fn setup_token_expiry(&self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = on_db!(&self.pool, pool => sqlx::query_as(
                "SELECT expires_at FROM setup_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|(at,)| at))
    }

    /// Removes every setup token: there is an installation now, and another one is added by
    /// an admin from the pages.
    pub async fn delete_setup_tokens(&self) -> Result<u64, StoreError> {
        Ok(
            on_db!(&self.pool, pool => sqlx::query("DELETE FROM setup_tokens")
            .execute(pool)
            .await?
            .rows_affected()),
        )
    }

    // Sessions.

    pub async fn save_session(&self, session: &SessionRow) -> Result<(), StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ));
        on_db!(&self.pool, pool => {
            sqlx::query(sql)
                .bind(&session.token_hash)
                .bind(&session.installation_id)
                .bind(&session.intercom_admin_id)
                .bind(&session.name)
                .bind(&session.email)
                .bind(session.created_at)
                .bind(session.last_seen_at)
                .bind(session.expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"
        ));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?))
    }

    /// Marks the session used at `now` (its idle expiry starts again).
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        on_db!(&self.pool, pool => {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2")
                .bind(token_hash)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        Ok(
            on_db!(&self.pool, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await?
            .rows_affected())
                > 0,
        )
    }

    // Admins.

    /// Makes the teammate an admin of the installation (no change if they are one).
    pub async fn grant_admin(
        &self,
        installation_id: &str,
        intercom_admin_id: &str,
        granted_by: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "INSERT INTO installation_admins (installation_id, intercom_admin_id,
            granted_by, granted_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (installation_id, intercom_admin_id) DO NOTHING";
        Ok(on_db!(&self.pool, pool => sqlx::query(SQL)
            .bind(installation_id)
            .bind(intercom_admin_id)
            .bind(granted_by)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected())
            > 0)
    }

    /// Takes admin from the teammate, unless they are the installation's last admin. Whether
    /// it was taken.
    pub async fn revoke_admin(
        &self,
        installation_id: &str,
        intercom_admin_id: &str,
    ) -> Result<bool, StoreError> {
        // One statement, so two admins revoking each other at once cannot leave none.
        const SQL: &str = "DELETE FROM installation_admins WHERE installation_id = $1
            AND intercom_admin_id = $2
            AND (SELECT COUNT(*) FROM installation_admins WHERE installation_id = $1) > 1";
        Ok(on_db!(&self.pool, pool => sqlx::query(SQL)
            .bind(installation_id)
            .bind(intercom_admin_id)
            .execute(pool)
            .await?
            .rows_affected())
            > 0)
    }

    /// The Intercom admin ids of the installation's admins.
    pub async fn admins(&self, installation_id: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_db!(&self.pool, pool => sqlx::query_as(
                "SELECT intercom_admin_id FROM installation_admins WHERE installation_id = $1
                 ORDER BY granted_at, intercom_admin_id")
            .bind(installation_id)
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub async fn is_admin(
        &self,
        installation_id: &str,
        intercom_admin_id: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(String,)> = on_db!(&self.pool, pool => sqlx::query_as(
                "SELECT intercom_admin_id FROM installation_admins WHERE installation_id = $1 AND intercom_admin_id = $2")
            .bind(installation_id)
            .bind(intercom_admin_id)
            .fetch_optional(pool)
            .await?);
        Ok(row.is_some())
    }

    // Sign-in links.

    pub async fn save_sign_in_link(
        &self,
        token_hash: &str,
        link: &SignInLinkRow,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO sign_in_links (token_hash, installation_id,
            intercom_admin_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(token_hash)
                .bind(&link.installation_id)
                .bind(&link.intercom_admin_id)
                .bind(&link.created_by)
                .bind(link.created_at)
                .bind(link.expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes and returns the link: a link signs in once, whatever happens next.
    pub async fn take_sign_in_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<SignInLinkRow>, StoreError> {
        const SQL: &str = "DELETE FROM sign_in_links WHERE token_hash = $1
            RETURNING installation_id, intercom_admin_id, created_by, created_at, expires_at";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?))
    }

    // Intercom OAuth flows.

    pub async fn save_intercom_flow(&self, flow: &IntercomFlowRow) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO intercom_flows (state, purpose, installation_id,
            setup_token_hash, started_by, binding_hash, next_path, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(&flow.state)
                .bind(&flow.purpose)
                .bind(&flow.installation_id)
                .bind(&flow.setup_token_hash)
                .bind(&flow.started_by)
                .bind(&flow.binding_hash)
                .bind(&flow.next_path)
                .bind(flow.created_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes and returns the flow: a state is good for one callback only.
    pub async fn take_intercom_flow(
        &self,
        state: &str,
    ) -> Result<Option<IntercomFlowRow>, StoreError> {
        const SQL: &str = "DELETE FROM intercom_flows WHERE state = $1
            RETURNING state, purpose, installation_id, setup_token_hash, started_by, binding_hash,
                next_path, created_at";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(state)
            .fetch_optional(pool)
            .await?))
    }

    // Audit log.

    pub async fn record_audit(
        &self,
        installation_id: &str,
        at: i64,
        actor_id: &str,
        actor_name: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO audit_log (installation_id, at, actor_id, actor_name,
            action, detail) VALUES ($1, $2, $3, $4, $5, $6)";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(installation_id)
                .bind(at)
                .bind(actor_id)
                .bind(actor_name)
                .bind(action)
                .bind(detail)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub async fn audit_log(
        &self,
        installation_id: &str,
        limit: u32,
    ) -> Result<Vec<AuditRow>, StoreError> {
        const SQL: &str = "SELECT id, at, actor_id, actor_name, action, detail FROM audit_log
            WHERE installation_id = $1 ORDER BY id DESC LIMIT $2";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?))
    }

    // Purging.

    /// Deletes what expired: sessions past their absolute expiry or idle since `idle_before`,
    /// setup tokens and sign-in links past theirs, OAuth flows started before `flows_before`.
    pub async fn purge_expired(
        &self,
        now: i64,
        idle_before: i64,
        flows_before: i64,
    ) -> Result<Purged, StoreError> {
        let mut tx = self.begin().await?;
        let purged = on_db!(&mut tx.tx, tx => {
            let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(now)
                .bind(idle_before)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            let setup_tokens = sqlx::query("DELETE FROM setup_tokens WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            let sign_in_links = sqlx::query("DELETE FROM sign_in_links WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            let intercom = sqlx::query("DELETE FROM intercom_flows WHERE created_at <= $1")
                .bind(flows_before)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            let salesforce = sqlx::query("DELETE FROM oauth_flows WHERE created_at <= $1")
                .bind(flows_before)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            Purged { sessions, setup_tokens, sign_in_links, oauth_flows: intercom + salesforce }
        });
        tx.commit().await?;
        Ok(purged)
    }
}
