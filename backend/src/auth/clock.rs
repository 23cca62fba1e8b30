//! The time every expiry is measured on: the system clock in production, a hand-moved one in
//! tests, so no test waits for a token to expire or depends on the calendar.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Now, in unix milliseconds. Cheap to clone.
#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    Manual(Arc<AtomicI64>),
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::System"),
            Source::Manual(at) => write!(f, "Clock::Manual({})", at.load(Ordering::SeqCst)),
        }
    }
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock that stands at `at_ms` until moved by its [`ManualTime`].
    pub fn manual(at_ms: i64) -> (Clock, ManualTime) {
        let at = Arc::new(AtomicI64::new(at_ms));
        (Clock(Source::Manual(at.clone())), ManualTime(at))
    }

    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Source::System => chrono::Utc::now().timestamp_millis(),
            Source::Manual(at) => at.load(Ordering::SeqCst),
        }
    }
}

/// Moves a manual [`Clock`].
#[derive(Clone, Debug)]
pub struct ManualTime(Arc<AtomicI64>);

impl ManualTime {
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let (clock, time) = Clock::manual(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        time.advance(Duration::from_secs(2));
        assert_eq!(clock.clone().now_ms(), 3_000);
    }
}
