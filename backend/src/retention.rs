//! How long what the sync leaves behind is kept: ledger rows for the configured days (the sync
//! health page's history), webhook receipts a week (Intercom has long stopped retrying a
//! notification by then). Jobs leave nothing: a finished job is deleted as it finishes; parked
//! ones wait for an admin.

use std::time::Duration;

use crate::store::{Pruned, Store, StoreError};

/// How long webhook receipts are kept, whatever the ledger's retention.
pub const RECEIPTS_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Rows deleted per statement: small enough that no lock is held for long.
const BATCH: i64 = 1_000;

/// What is kept, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub ledger: Duration,
}

impl Retention {
    /// The times (unix ms) before which ledger rows and webhook receipts go, at `now`.
    pub fn cutoffs(&self, now: i64) -> (i64, i64) {
        let before = |kept: Duration| now.saturating_sub(kept.as_millis() as i64).max(0);
        (before(self.ledger), before(RECEIPTS_KEPT))
    }

    /// Deletes what is past its retention at `now`.
    pub async fn prune(&self, store: &Store, now: i64) -> Result<Pruned, StoreError> {
        let (ledger, receipts) = self.cutoffs(now);
        store.prune(ledger, receipts, BATCH).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_keeps_its_days_and_receipts_a_week() {
        const DAY: i64 = 24 * 3600 * 1000;
        let retention = Retention {
            ledger: Duration::from_secs(30 * 24 * 3600),
        };
        let now = 100 * DAY;
        assert_eq!(retention.cutoffs(now), (70 * DAY, 93 * DAY));
        assert_eq!(retention.cutoffs(DAY), (0, 0), "never before the epoch");
    }
}
