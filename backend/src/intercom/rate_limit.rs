//! Intercom's rate limit as its answers report it (`X-RateLimit-Limit`, `-Remaining`, `-Reset`),
//! and what a client does about it before its next call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

/// The rate limit as of Intercom's latest answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per minute.
    pub limit: u32,
    /// Calls left in the current window.
    pub remaining: u32,
    /// When the window ends and the calls are refilled.
    pub reset_at: DateTime<Utc>,
}

impl RateLimit {
    /// Reads the three headers; `None` unless all are there and numeric.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<i64>().ok();
        Some(RateLimit {
            limit: u32::try_from(number("x-ratelimit-limit")?).ok()?,
            remaining: u32::try_from(number("x-ratelimit-remaining")?).ok()?,
            reset_at: DateTime::from_timestamp(number("x-ratelimit-reset")?, 0)?,
        })
    }
}

/// What to do before a call, given the latest rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Before {
    Go,
    /// The window is spent but refills soon enough: wait this long, then call.
    Wait(Duration),
    /// The window is spent for longer than a caller should wait.
    Refuse(DateTime<Utc>),
}

/// Waits out a spent window when it ends within `max_wait`; otherwise refuses at once, so that a
/// card request does not hang for a minute.
pub(super) fn before_call(
    latest: Option<RateLimit>,
    now: DateTime<Utc>,
    max_wait: Duration,
) -> Before {
    let Some(limit) = latest.filter(|l| l.remaining == 0 && l.reset_at > now) else {
        return Before::Go;
    };
    let wait = (limit.reset_at - now).to_std().unwrap_or_default();
    if wait <= max_wait {
        Before::Wait(wait)
    } else {
        Before::Refuse(limit.reset_at)
    }
}

/// The latest rate limit seen by a client and all its clones (Intercom counts per app).
#[derive(Debug, Clone, Default)]
pub(super) struct Tracker(Arc<Mutex<Option<RateLimit>>>);

impl Tracker {
    pub fn latest(&self) -> Option<RateLimit> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn record(&self, limit: RateLimit) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn spent_until(secs: i64) -> Option<RateLimit> {
        Some(RateLimit {
            limit: 600,
            remaining: 0,
            reset_at: at(secs),
        })
    }

    #[test]
    fn reads_the_three_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", "10000".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "1665".parse().unwrap());
        assert_eq!(RateLimit::from_headers(&headers), None);
        headers.insert("x-ratelimit-reset", "1767603610".parse().unwrap());
        assert_eq!(
            RateLimit::from_headers(&headers),
            Some(RateLimit {
                limit: 10_000,
                remaining: 1665,
                reset_at: at(1_767_603_610)
            })
        );
        headers.insert("x-ratelimit-remaining", "-1".parse().unwrap());
        assert_eq!(RateLimit::from_headers(&headers), None);
    }

    #[test]
    fn a_spent_window_is_waited_out_only_when_it_ends_soon() {
        let max = Duration::from_secs(10);
        assert_eq!(before_call(None, at(100), max), Before::Go);
        let left = Some(RateLimit {
            remaining: 3,
            ..spent_until(105).unwrap()
        });
        assert_eq!(before_call(left, at(100), max), Before::Go);
        assert_eq!(
            before_call(spent_until(104), at(100), max),
            Before::Wait(Duration::from_secs(4))
        );
        assert_eq!(
            before_call(spent_until(110), at(100), max),
            Before::Wait(max)
        );
        assert_eq!(
            before_call(spent_until(111), at(100), max),
            Before::Refuse(at(111))
        );
        // A window that has already ended is refilled.
        assert_eq!(before_call(spent_until(100), at(100), max), Before::Go);
    }
}
