//! Leases: which process runs each installation's Salesforce listener. Several processes on one
//! database each try to take the lease; the database decides, so exactly one listens.

use super::{Store, StoreError, on_db};

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LeaseRow {
    pub installation_id: String,
    /// The process holding it (its id for this run).
    pub holder: String,
    /// Unix ms after which another process may take it.
    pub expires_at: i64,
}

impl Store {
    /// Takes or renews the installation's listener lease for `holder` until `expires_at`:
    /// `true` when `holder` holds it now (it was free, expired at `now`, or already its own).
    pub async fn take_lease(
        &self,
        installation_id: &str,
        holder: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        // One statement, so two processes racing for an expired lease cannot both win: the
        // conflict arm updates only a lease that is this holder's or has run out.
        const SQL: &str =
            "INSERT INTO listener_leases (installation_id, holder, expires_at, taken_at)
            VALUES ($1, $2, $4, $3)
            ON CONFLICT (installation_id) DO UPDATE SET
                taken_at = CASE WHEN listener_leases.holder = excluded.holder
                    THEN listener_leases.taken_at ELSE excluded.taken_at END,
                holder = excluded.holder,
                expires_at = excluded.expires_at
            WHERE listener_leases.holder = excluded.holder OR listener_leases.expires_at <= $3";
        let done = on_db!(&self.pool, pool => sqlx::query(SQL)
            .bind(installation_id)
            .bind(holder)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// Gives the lease up at once (a clean shutdown, a stopped listener), so another process
    /// need not wait for it to expire. A lease already taken by another is left alone.
    pub async fn release_lease(
        &self,
        installation_id: &str,
        holder: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "DELETE FROM listener_leases WHERE installation_id = $1 AND holder = $2";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL).bind(installation_id).bind(holder).execute(pool).await?;
        });
        Ok(())
    }

    /// Every lease, for `/readyz` and tests.
    pub async fn leases(&self) -> Result<Vec<LeaseRow>, StoreError> {
        const SQL: &str = "SELECT installation_id, holder, expires_at FROM listener_leases
            ORDER BY installation_id";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL).fetch_all(pool).await?))
    }
}
