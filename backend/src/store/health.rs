//! The sync-health counters, computed in the database: the same statements on SQLite and
//! PostgreSQL (percentiles by nearest rank with `ORDER BY .. LIMIT 1 OFFSET`, which both have,
//! rather than PostgreSQL's `percentile_disc`).

use shared::sync::health::{SyncHealth, nearest_rank};

use super::{Store, StoreError, on_db};

/// The outcomes that wrote something to the other side.
const WROTE: &str = "('created', 'updated', 'unlinked')";

impl Store {
    /// Counters over the installation's ledger and queue: rows written to each side and rows
    /// failed since `today_since`, jobs parked now, and the median and 99th-percentile delay
    /// (ledger row time minus its job's queueing time) of rows since `hour_since`.
    pub async fn sync_health(
        &self,
        installation_id: &str,
        today_since: i64,
        hour_since: i64,
    ) -> Result<SyncHealth, StoreError> {
        let counts = sqlx::AssertSqlSafe(format!(
            "SELECT
                COALESCE(SUM(CASE WHEN at >= $2 AND direction = 'to_salesforce'
                    AND outcome IN {WROTE} THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN at >= $2 AND direction = 'to_intercom'
                    AND outcome IN {WROTE} THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN at >= $2 AND outcome = 'failed' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN at >= $3 AND queued_at IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM sync_ledger WHERE installation_id = $1 AND at >= $4"
        ));
        let (to_salesforce, to_intercom, failed, delays): (i64, i64, i64, i64) = on_db!(&self.pool, pool => sqlx::query_as(counts)
                .bind(installation_id)
                .bind(today_since)
                .bind(hour_since)
                .bind(today_since.min(hour_since))
                .fetch_one(pool)
                .await?);
        const PARKED: &str =
            "SELECT COUNT(*) FROM jobs WHERE installation_id = $1 AND state = 'parked'";
        let (parked,): (i64,) = on_db!(&self.pool, pool => sqlx::query_as(PARKED)
            .bind(installation_id)
            .fetch_one(pool)
            .await?);
        let delays = u64::try_from(delays).unwrap_or_default();
        let mut percentiles = [None, None];
        for (slot, p) in percentiles.iter_mut().zip([50, 99]) {
            let Some(rank) = nearest_rank(delays, p) else {
                continue;
            };
            const NTH: &str = "SELECT at - queued_at AS delay FROM sync_ledger
                WHERE installation_id = $1 AND at >= $2 AND queued_at IS NOT NULL
                ORDER BY delay LIMIT 1 OFFSET $3";
            let row: Option<(i64,)> = on_db!(&self.pool, pool => sqlx::query_as(NTH)
                .bind(installation_id)
                .bind(hour_since)
                .bind(i64::try_from(rank).unwrap_or(i64::MAX))
                .fetch_optional(pool)
                .await?);
            *slot = row.map(|(d,)| u64::try_from(d).unwrap_or_default());
        }
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(SyncHealth {
            synced_today_to_salesforce: count(to_salesforce),
            synced_today_to_intercom: count(to_intercom),
            failed_today: count(failed),
            parked: count(parked),
            delay_p50_ms: percentiles[0],
            delay_p99_ms: percentiles[1],
            delays_counted: delays,
        })
    }
}
