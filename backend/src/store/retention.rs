//! Retention: what the sync leaves behind is deleted once old, in small batches by indexed
//! time, so pruning never holds a long lock on either database.

use super::{Store, StoreError, on_db};

/// What one pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub ledger_rows: u64,
    pub webhook_receipts: u64,
}

impl Store {
    /// Deletes ledger rows recorded before `ledger_before` and webhook receipts taken in before
    /// `receipts_before` (unix ms), `batch` rows per statement until none is left.
    pub async fn prune(
        &self,
        ledger_before: i64,
        receipts_before: i64,
        batch: i64,
    ) -> Result<Pruned, StoreError> {
        const LEDGER: &str = "DELETE FROM sync_ledger WHERE id IN
            (SELECT id FROM sync_ledger WHERE at < $1 LIMIT $2)";
        const RECEIPTS: &str = "DELETE FROM webhook_receipts
            WHERE (installation_id, notification_id) IN
            (SELECT installation_id, notification_id FROM webhook_receipts
             WHERE received_at < $1 LIMIT $2)";
        Ok(Pruned {
            ledger_rows: self.delete_in_batches(LEDGER, ledger_before, batch).await?,
            webhook_receipts: self
                .delete_in_batches(RECEIPTS, receipts_before, batch)
                .await?,
        })
    }

    async fn delete_in_batches(
        &self,
        sql: &'static str,
        before: i64,
        batch: i64,
    ) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let deleted = on_db!(&self.pool, pool => sqlx::query(sql)
                .bind(before)
                .bind(batch)
                .execute(pool)
                .await?
                .rows_affected());
            total += deleted;
            if deleted < batch.max(1) as u64 {
                return Ok(total);
            }
        }
    }
}
