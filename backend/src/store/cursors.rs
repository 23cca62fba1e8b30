//! Where each installation's Salesforce change feed stands.

use super::{Store, StoreError, on_db};

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SalesforceCursors {
    /// The last replay id handled from the change stream.
    pub replay_id: Option<i64>,
    /// The sweep's per-object cursors, as JSON.
    pub sweep: Option<String>,
    pub swept_at: Option<i64>,
    /// Since when (unix ms) the stream has missed nothing, up to `replay_id`: a listener that
    /// resumes from `replay_id` may leave rows changed since then to the stream.
    pub streamed_since: Option<i64>,
}

/// Rows per statement when storing what the stream handed on.
const STREAMED_CHUNK: usize = 500;

impl Store {
    pub async fn salesforce_cursors(
        &self,
        installation_id: &str,
    ) -> Result<SalesforceCursors, StoreError> {
        const SQL: &str = "SELECT replay_id, sweep, swept_at, streamed_since
            FROM salesforce_cursors WHERE installation_id = $1";
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

    /// Forgets the replay id (Salesforce can no longer replay from it), and with it since when
    /// the stream missed nothing.
    pub async fn clear_replay_id(&self, installation_id: &str, now: i64) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE salesforce_cursors SET replay_id = NULL,
            streamed_since = NULL, updated_at = $2 WHERE installation_id = $1";
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

    /// Records since when (unix ms) the stream has missed nothing.
    pub async fn save_streamed_since(
        &self,
        installation_id: &str,
        since: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str =
            "INSERT INTO salesforce_cursors (installation_id, streamed_since, updated_at)
            VALUES ($1, $2, $3)
            ON CONFLICT (installation_id) DO UPDATE SET streamed_since = excluded.streamed_since,
                updated_at = excluded.updated_at";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL).bind(installation_id).bind(since).bind(now).execute(pool).await?;
        });
        Ok(())
    }

    /// Records that the stream handed on a change of each record, committed at the time given
    /// (unix ms); a record keeps its latest.
    pub async fn save_streamed(
        &self,
        installation_id: &str,
        streamed: &[(String, i64)],
    ) -> Result<(), StoreError> {
        for chunk in streamed.chunks(STREAMED_CHUNK) {
            let values = (0..chunk.len())
                .map(|i| format!("($1, ${}, ${})", 2 + 2 * i, 3 + 2 * i))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = sqlx::AssertSqlSafe(format!(
                "INSERT INTO salesforce_streamed (installation_id, record_id, committed_at)
                 VALUES {values}
                 ON CONFLICT (installation_id, record_id) DO UPDATE SET committed_at =
                     CASE WHEN excluded.committed_at > salesforce_streamed.committed_at
                     THEN excluded.committed_at ELSE salesforce_streamed.committed_at END"
            ));
            on_db!(&self.pool, pool => {
                let mut q = sqlx::query(sql).bind(installation_id);
                for (id, at) in chunk {
                    q = q.bind(id).bind(at);
                }
                q.execute(pool).await?;
            });
        }
        Ok(())
    }

    /// The records the stream handed on a change of committed at `since` or later, each with
    /// its latest.
    pub async fn streamed(
        &self,
        installation_id: &str,
        since: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        const SQL: &str = "SELECT record_id, committed_at FROM salesforce_streamed
            WHERE installation_id = $1 AND committed_at >= $2";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(since)
            .fetch_all(pool)
            .await?))
    }

    /// Forgets what the stream handed on before `before` (unix ms): no sweep looks that far
    /// back.
    pub async fn forget_streamed(
        &self,
        installation_id: &str,
        before: i64,
    ) -> Result<u64, StoreError> {
        const SQL: &str =
            "DELETE FROM salesforce_streamed WHERE installation_id = $1 AND committed_at < $2";
        Ok(on_db!(&self.pool, pool => sqlx::query(SQL)
            .bind(installation_id)
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()))
    }
}
