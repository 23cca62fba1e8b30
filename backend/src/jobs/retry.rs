//! How long to wait before trying a failed job again.

use std::time::Duration;

/// Retry policy as data: exponential backoff from `base`, capped. How many attempts a job gets
/// travels with the job itself (`NewJob::max_attempts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(60 * 60),
        }
    }
}

impl RetryPolicy {
    /// Wait after the `attempts`-th failure: base, 2x base, 4x base... up to the cap.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(60),
        };
        let waits: Vec<u64> = (1..=6).map(|n| policy.backoff(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
        assert_eq!(policy.backoff(0).as_secs(), 5);
        assert_eq!(policy.backoff(i64::MAX).as_secs(), 60);
    }
}
