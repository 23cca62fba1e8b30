//! What each installation's event sync spent in Salesforce calls over the last hour, as this
//! process saw it: the input of `shared::sync::pacing`, which decides how long a due batch
//! waits. Kept in memory: a restart forgets at most an hour of it, and the org's own count
//! (`Sforce-Limit-Info`, the hard pause) still holds.

use std::collections::{HashMap, VecDeque};

use shared::sync::pacing::Spend;

const HOUR_MS: i64 = 3_600_000;
/// Batches whose cost makes the estimate of the next one's.
const RECENT: usize = 8;

#[derive(Debug, Default)]
pub struct Spending {
    installations: HashMap<String, Record>,
}

#[derive(Debug, Default)]
struct Record {
    /// Batch start (unix ms) and the calls it made, oldest first, within the last hour.
    batches: VecDeque<(i64, u32)>,
    /// Sum of `batches`' calls.
    spent: u64,
    last_start: Option<i64>,
}

impl Spending {
    /// A batch of the installation started at `at` and made `calls` Salesforce calls.
    pub fn record(&mut self, installation_id: &str, at: i64, calls: u32) {
        let record = self
            .installations
            .entry(installation_id.to_owned())
            .or_default();
        record.batches.push_back((at, calls));
        record.spent += u64::from(calls);
        record.last_start = Some(record.last_start.map_or(at, |l| l.max(at)));
        record.forget_before(at - HOUR_MS);
    }

    /// The installation's spending at `now`, against a budget of `budget_per_hour`.
    pub fn spend(&mut self, installation_id: &str, now: i64, budget_per_hour: f64) -> Spend {
        let Some(record) = self.installations.get_mut(installation_id) else {
            return Spend {
                budget_per_hour,
                spent_last_hour: 0.0,
                calls_per_batch: 1.0,
                since_last_batch_ms: None,
            };
        };
        record.forget_before(now - HOUR_MS);
        let recent: Vec<u32> = record
            .batches
            .iter()
            .rev()
            .take(RECENT)
            .map(|(_, calls)| *calls)
            .collect();
        let calls_per_batch = if recent.is_empty() {
            1.0
        } else {
            f64::from(recent.iter().sum::<u32>()) / recent.len() as f64
        };
        Spend {
            budget_per_hour,
            spent_last_hour: record.spent as f64,
            calls_per_batch: calls_per_batch.max(1.0),
            since_last_batch_ms: record.last_start.map(|l| (now - l).max(0)),
        }
    }

    /// Whether the installation spent anything in the last hour (no budget to look up if not).
    pub fn spent_any(&self, installation_id: &str) -> bool {
        self.installations
            .get(installation_id)
            .is_some_and(|r| r.spent > 0)
    }
}

impl Record {
    fn forget_before(&mut self, cutoff: i64) {
        while let Some(&(at, calls)) = self.batches.front() {
            if at > cutoff {
                break;
            }
            self.batches.pop_front();
            self.spent -= u64::from(calls);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installation_never_seen_has_spent_nothing() {
        let mut spending = Spending::default();
        let spend = spending.spend("i1", 1_000, 500.0);
        assert_eq!(spend.spent_last_hour, 0.0);
        assert_eq!(spend.since_last_batch_ms, None);
        assert!(!spending.spent_any("i1"));
    }

    #[test]
    fn the_last_hour_counts_and_older_batches_age_out() {
        let mut spending = Spending::default();
        spending.record("i1", 0, 3);
        spending.record("i1", 1_000, 1);
        spending.record("i2", 1_000, 5);
        let spend = spending.spend("i1", 2_000, 500.0);
        assert_eq!(spend.spent_last_hour, 4.0);
        assert_eq!(spend.calls_per_batch, 2.0);
        assert_eq!(spend.since_last_batch_ms, Some(1_000));
        // An hour after the first batch, only the second is left.
        let later = spending.spend("i1", HOUR_MS + 500, 500.0);
        assert_eq!(later.spent_last_hour, 1.0);
        assert_eq!(spending.spend("i2", 2_000, 500.0).spent_last_hour, 5.0);
    }

    #[test]
    fn a_batch_that_made_no_call_still_counts_as_one_for_the_estimate() {
        let mut spending = Spending::default();
        spending.record("i1", 0, 0);
        let spend = spending.spend("i1", 10, 500.0);
        assert_eq!(spend.calls_per_batch, 1.0);
        assert!(!spending.spent_any("i1"));
    }
}
