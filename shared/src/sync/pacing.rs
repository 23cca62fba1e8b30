//! How long a due batch waits so that event sync keeps to its Salesforce budget.
//!
//! Batching follows the load: an idle worker starts on a change at once, and what arrives
//! while a batch is in flight waits for the next one (a database's group commit). Calls then
//! trade against delay, and the budget decides: while less than half of the last hour's
//! budget is spent, no batch waits; past it, the calls left are spread over a short horizon,
//! so batches are spaced out (and so widen) as spending nears the budget, and settle just
//! under it. The budget is never passed at any rate: a batch starts only while the last hour
//! leaves room for it.

/// Over how long the calls left in the budget are spread. Shorter reacts sooner to a burst;
/// at a steady overload spending settles at `3600 / (3600 + HORIZON)` of the budget (91%).
pub const HORIZON_MS: i64 = 360_000;

/// The longest single wait: the worker looks again (calls age out of the hour).
pub const MAX_WAIT_MS: i64 = 60_000;

/// What the worker knows when a batch is due.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    /// The installation's event-sync budget, Salesforce calls per hour.
    pub budget_per_hour: f64,
    /// Calls its event sync made in the last hour.
    pub spent_last_hour: f64,
    /// What a batch costs, on recent form (at least one call).
    pub calls_per_batch: f64,
    /// Since its last batch started (ms); `None` when it has had none.
    pub since_last_batch_ms: Option<i64>,
}

/// How long the due batch waits before it starts (ms): 0 while the budget is far from used.
pub fn wait_ms(spend: Spend) -> i64 {
    let remaining = spend.budget_per_hour - spend.spent_last_hour;
    let cost = spend.calls_per_batch.max(1.0);
    if remaining < cost {
        return MAX_WAIT_MS;
    }
    if spend.spent_last_hour < spend.budget_per_hour / 2.0 {
        return 0;
    }
    // The batch may start once the time it "buys" at the allowed rate has passed.
    let spacing = (cost * HORIZON_MS as f64 / remaining).ceil() as i64;
    let waited = spend.since_last_batch_ms.unwrap_or(i64::MAX);
    spacing.saturating_sub(waited).clamp(0, MAX_WAIT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spend(budget: f64, spent: f64, since: Option<i64>) -> Spend {
        Spend {
            budget_per_hour: budget,
            spent_last_hour: spent,
            calls_per_batch: 1.0,
            since_last_batch_ms: since,
        }
    }

    #[test]
    fn a_generous_budget_never_delays_a_batch() {
        // A million calls an hour: back-to-back batches 50 ms apart start at once.
        assert_eq!(wait_ms(spend(1_000_000.0, 20_000.0, Some(50))), 0);
        assert_eq!(wait_ms(spend(1_000_000.0, 0.0, None)), 0);
    }

    #[test]
    fn the_first_batch_after_a_quiet_spell_starts_at_once() {
        assert_eq!(wait_ms(spend(1_000.0, 600.0, None)), 0);
        assert_eq!(wait_ms(spend(1_000.0, 600.0, Some(60_000))), 0);
    }

    #[test]
    fn batches_space_out_as_spending_nears_the_budget() {
        // 1,000 calls an hour: under half spent, back to back; with 500 left a batch may
        // follow 720 ms after the last; with 100 left, 3.6 s; with 10 left, 36 s.
        assert_eq!(wait_ms(spend(1_000.0, 499.0, Some(0))), 0);
        assert_eq!(wait_ms(spend(1_000.0, 500.0, Some(0))), 720);
        assert_eq!(wait_ms(spend(1_000.0, 900.0, Some(600))), 3_000);
        assert_eq!(wait_ms(spend(1_000.0, 990.0, Some(0))), 36_000);
    }

    #[test]
    fn a_spent_budget_waits_the_longest_and_looks_again() {
        assert_eq!(wait_ms(spend(1_000.0, 1_000.0, Some(0))), MAX_WAIT_MS);
        assert_eq!(wait_ms(spend(1_000.0, 1_500.0, None)), MAX_WAIT_MS);
        assert_eq!(wait_ms(spend(0.0, 0.0, None)), MAX_WAIT_MS);
    }

    #[test]
    fn dearer_batches_wait_longer() {
        let mut dear = spend(1_000.0, 500.0, Some(0));
        dear.calls_per_batch = 3.0;
        assert_eq!(wait_ms(dear), 2_160);
    }

    /// Whatever the load, three simulated hours of batches never spend more than the budget in
    /// any hour, and a steady overload settles close under it.
    #[test]
    fn no_load_passes_the_budget_in_any_hour() {
        const HOUR: i64 = 3_600_000;
        for (budget, every_ms) in [(1_000.0, 10), (1_000.0, 1_000), (200.0, 50), (5_000.0, 5)] {
            let mut batches: Vec<i64> = Vec::new();
            let mut oldest = 0; // the first batch inside the last hour
            let mut now = 0i64;
            while now < 3 * HOUR {
                while oldest < batches.len() && batches[oldest] <= now - HOUR {
                    oldest += 1;
                }
                let wait = wait_ms(Spend {
                    budget_per_hour: budget,
                    spent_last_hour: (batches.len() - oldest) as f64,
                    calls_per_batch: 1.0,
                    since_last_batch_ms: batches.last().map(|l| now - l),
                });
                if wait == 0 {
                    batches.push(now);
                    now += every_ms;
                } else {
                    now += wait;
                }
            }
            // The busiest hour: a window starting at each batch.
            let (mut worst, mut end) = (0, 0);
            for (start, &at) in batches.iter().enumerate() {
                while end < batches.len() && batches[end] < at + HOUR {
                    end += 1;
                }
                worst = worst.max(end - start);
            }
            let worst = worst as f64;
            assert!(
                worst <= budget,
                "{budget}/h at every {every_ms} ms: {worst}"
            );
            assert!(
                worst >= budget * 0.85,
                "{budget}/h at every {every_ms} ms: only {worst}"
            );
        }
    }
}
