//! The browser's clock, read once per render so every relative time on a page agrees.

use chrono::{DateTime, Utc};

/// Now, from `Date.now()`: chrono's own clock needs a feature this workspace leaves off.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}
