//! Pure helpers that turn the back end's values into the words and classes the pages show.
//!
//! They take "now" as an argument instead of reading a clock, so tests give exact answers.

use chrono::{DateTime, Utc};
use shared::{ConnectionState, DatabaseHealth};

/// "just now", "5 minutes ago", "3 days ago"; the date itself after a month.
///
/// A time slightly ahead of `now` (the server's clock runs ahead of the browser's) still
/// reads "just now"; further ahead it reads "in 5 minutes".
pub fn relative_time(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    let future = seconds < 0;
    let distance = seconds.unsigned_abs();
    if distance < 45 {
        return "just now".to_owned();
    }
    // Rounded to the nearest unit, but never up into the next unit's range ("60 minutes").
    let phrase = match distance {
        45..3_600 => count(((distance + 30) / 60).clamp(1, 59), "minute"),
        3_600..86_400 => count(((distance + 1_800) / 3_600).clamp(1, 23), "hour"),
        86_400..2_592_000 => count(((distance + 43_200) / 86_400).clamp(1, 29), "day"),
        _ => return format!("on {}", then.format("%Y-%m-%d")),
    };
    if future {
        format!("in {phrase}")
    } else {
        format!("{phrase} ago")
    }
}

/// The exact time, for tooltips and for readers who want it: "2026-11-21 04:55 UTC".
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "1 job", "3 jobs".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// CSS classes of the badge that shows a connection's state.
pub fn state_badge_class(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "badge badge-ok",
        ConnectionState::NotConnected => "badge badge-idle",
        ConnectionState::Error => "badge badge-error",
    }
}

/// Whether the server can talk to its database right now.
pub fn reachability(database: &DatabaseHealth) -> &'static str {
    if database.reachable {
        "Reachable"
    } else {
        "Unreachable"
    }
}

/// CSS class of the dot next to the database: green when reachable, red when not.
pub fn database_status_class(database: &DatabaseHealth) -> &'static str {
    if database.reachable {
        "status-dot status-ok"
    } else {
        "status-dot status-error"
    }
}

/// When a connection last talked to its peer, or "Never" before the first contact.
pub fn last_contact(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        Some(at) => relative_time(at, now),
        None => "Never".to_owned(),
    }
}
