//! Where each installation's Salesforce change feed stands.

use super::{Store, StoreError, on_db};

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SalesforceCursors {
    /// The last replay id handled from the change stream.
    pub replay_id: Option<i64>,
    /// The sweep's per-object cursors, as JSON.
    pub sweep: Option<String>,
    pub swept_at: Option<i64>,
}

impl Store {
    pub async fn salesforce_cursors(
        &self,
        installation_id: &str,
    ) -> Result<SalesforceCursors, StoreError> {
        const SQL: &str = "SELECT replay_id, sweep, swept_at FROM salesforce_cursors
            WHERE installation_id = $1";
        let row: Option<SalesforceCursors> = on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .fetch_optional(pool)
            .await?);
        Ok(row.unwrap_or_default())
    }

    /// Records the last replay id handled; never moves backwards.
    pub async fn save_replay_id(
        &self,
        installation_id: &str,
        replay_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO salesforce_cursors (installation_id, replay_id, updated_at)
            VALUES ($1, $2, $3)
            ON CONFLICT (installation_id) DO UPDATE SET
                replay_id = CASE WHEN salesforce_cursors.replay_id IS NULL
                    OR salesforce_cursors.replay_id < excluded.replay_id
                    THEN excluded.replay_id ELSE salesforce_cursors.replay_id END,
                updated_at = excluded.updated_at";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL).bind(installation_id).bind(replay_id).bind(now).execute(pool).await?;
        });
        Ok(())
    }

    /// Forgets the replay id (Salesforce can no longer replay from it).
    pub async fn clear_replay_id(&self, installation_id: &str, now: i64) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE salesforce_cursors SET replay_id = NULL, updated_at = $2
            WHERE installation_id = $1";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL).bind(installation_id).bind(now).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn save_sweep(
        &self,
        installation_id: &str,
        sweep: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str =
            "INSERT INTO salesforce_cursors (installation_id, sweep, swept_at, updated_at)
            VALUES ($1, $2, $3, $3)
            ON CONFLICT (installation_id) DO UPDATE SET sweep = excluded.sweep,
                swept_at = excluded.swept_at, updated_at = excluded.updated_at";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL).bind(installation_id).bind(sweep).bind(now).execute(pool).await?;
        });
        Ok(())
    }
}
