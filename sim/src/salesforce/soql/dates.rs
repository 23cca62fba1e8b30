//! Calendar arithmetic for SOQL: stored date/dateTime strings to numbers, and the relative
//! date literals (`TODAY`, `LAST_N_DAYS:30`...) to half-open day ranges.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// Days since 1970-01-01 of a valid civil date (Howard Hinnant's algorithm), `None` if invalid.
pub fn days_from_ymd(y: i32, m: u32, d: u32) -> Option<i32> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The civil date (year, month, day) of a day count since 1970-01-01 (the inverse of
/// [`days_from_ymd`], same algorithm).
fn ymd_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A date as the REST API writes it: `2010-01-01`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = ymd_from_days(days.into());
    format!("{y:04}-{m:02}-{d:02}")
}

/// A dateTime as the REST API writes it: `2011-07-07T00:37:00.000+0000` (always UTC).
pub fn format_datetime(millis: i64) -> String {
    let day = 86_400_000;
    let (y, mo, d) = ymd_from_days(millis.div_euclid(day));
    let t = millis.rem_euclid(day);
    let (h, mi, s, ms) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}+0000")
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(b: &[u8]) -> Option<i32> {
    b.iter().try_fold(0i32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0'))
    })
}

/// A stored date (`2010-01-01`) as days since the epoch.
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    days_from_ymd(
        num(&b[0..4])?,
        num(&b[5..7])? as u32,
        num(&b[8..10])? as u32,
    )
}

/// A stored dateTime (`2011-07-07T00:37:00.000+0000`, or any RFC 3339 form) as epoch millis.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Fast path for the REST API's own format, which is what the store holds.
    if b.len() == 28 && b[10] == b'T' && b[19] == b'.' && &b[23..] == b"+0000" {
        let days = parse_date(s)?;
        let h = num(&b[11..13])?;
        let m = num(&b[14..16])?;
        let sec = num(&b[17..19])?;
        let ms = num(&b[20..23])?;
        return Some(
            i64::from(days) * 86_400_000
                + i64::from((h * 60 + m) * 60 + sec) * 1000
                + i64::from(ms),
        );
    }
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|d| d.timestamp_millis())
}

fn days_of(d: NaiveDate) -> i32 {
    days_from_ymd(d.year(), d.month(), d.day()).unwrap_or(0)
}

/// First day of the month `index` months after January of year 0.
fn month_start(index: i32) -> i32 {
    days_from_ymd(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(0)
}

/// Whether `name` is a relative date literal, and whether it takes `:n`.
pub fn literal_arity(name: &str) -> Option<bool> {
    let upper = name.to_ascii_uppercase();
    const PLAIN: &[&str] = &[
        "YESTERDAY",
        "TODAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "THIS_QUARTER",
        "LAST_QUARTER",
        "NEXT_QUARTER",
        "THIS_YEAR",
        "LAST_YEAR",
        "NEXT_YEAR",
    ];
    const WITH_N: &[&str] = &[
        "LAST_N_DAYS",
        "NEXT_N_DAYS",
        "N_DAYS_AGO",
        "LAST_N_WEEKS",
        "NEXT_N_WEEKS",
        "N_WEEKS_AGO",
        "LAST_N_MONTHS",
        "NEXT_N_MONTHS",
        "N_MONTHS_AGO",
        "LAST_N_QUARTERS",
        "NEXT_N_QUARTERS",
        "N_QUARTERS_AGO",
        "LAST_N_YEARS",
        "NEXT_N_YEARS",
        "N_YEARS_AGO",
    ];
    if PLAIN.contains(&upper.as_str()) {
        Some(false)
    } else if WITH_N.contains(&upper.as_str()) {
        Some(true)
    } else {
        None
    }
}

/// The half-open day range `[start, end)` a relative date literal covers at `now` (UTC, weeks
/// starting on Sunday as in the en_US locale).
pub fn literal_range(name: &str, n: i32, now: DateTime<Utc>) -> Option<(i32, i32)> {
    let today_date = now.date_naive();
    let today = days_of(today_date);
    // 1970-01-01 was a Thursday: Sunday-based weekday index.
    let week_start = today - (today + 4).rem_euclid(7);
    let month_index = today_date.year() * 12 + today_date.month0() as i32;
    let quarter_index = month_index - month_index.rem_euclid(3);
    let year_index = today_date.year() * 12;
    let months = |from: i32, count: i32| (month_start(from), month_start(from + count));
    let range = match name.to_ascii_uppercase().as_str() {
        "YESTERDAY" => (today - 1, today),
        "TODAY" => (today, today + 1),
        "TOMORROW" => (today + 1, today + 2),
        "LAST_WEEK" => (week_start - 7, week_start),
        "THIS_WEEK" => (week_start, week_start + 7),
        "NEXT_WEEK" => (week_start + 7, week_start + 14),
        "LAST_MONTH" => months(month_index - 1, 1),
        "THIS_MONTH" => months(month_index, 1),
        "NEXT_MONTH" => months(month_index + 1, 1),
        "LAST_90_DAYS" => (today - 90, today + 1),
        "NEXT_90_DAYS" => (today + 1, today + 91),
        "LAST_QUARTER" => months(quarter_index - 3, 3),
        "THIS_QUARTER" => months(quarter_index, 3),
        "NEXT_QUARTER" => months(quarter_index + 3, 3),
        "LAST_YEAR" => months(year_index - 12, 12),
        "THIS_YEAR" => months(year_index, 12),
        "NEXT_YEAR" => months(year_index + 12, 12),
        // "Starts 00:00:00 of the current day and continues for the past n days": today counts.
        "LAST_N_DAYS" => (today - n, today + 1),
        "NEXT_N_DAYS" => (today + 1, today + 1 + n),
        "N_DAYS_AGO" => (today - n, today - n + 1),
        "LAST_N_WEEKS" => (week_start - 7 * n, week_start),
        "NEXT_N_WEEKS" => (week_start + 7, week_start + 7 + 7 * n),
        "N_WEEKS_AGO" => (week_start - 7 * n, week_start - 7 * n + 7),
        "LAST_N_MONTHS" => months(month_index - n, n),
        "NEXT_N_MONTHS" => months(month_index + 1, n),
        "N_MONTHS_AGO" => months(month_index - n, 1),
        "LAST_N_QUARTERS" => months(quarter_index - 3 * n, 3 * n),
        "NEXT_N_QUARTERS" => months(quarter_index + 3, 3 * n),
        "N_QUARTERS_AGO" => months(quarter_index - 3 * n, 3),
        "LAST_N_YEARS" => months(year_index - 12 * n, 12 * n),
        "NEXT_N_YEARS" => months(year_index + 12, 12 * n),
        "N_YEARS_AGO" => months(year_index - 12 * n, 12),
        _ => return None,
    };
    Some(range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_ymd(1970, 1, 1), Some(0));
        assert_eq!(days_from_ymd(2000, 2, 29), Some(11016));
        assert_eq!(days_from_ymd(2001, 2, 29), None);
        assert_eq!(parse_date("2026-01-01"), Some(20454));
    }

    #[test]
    fn stored_datetimes() {
        let fast = parse_datetime("2011-07-07T00:37:00.000+0000").unwrap();
        let slow = parse_datetime("2011-07-07T02:37:00+02:00").unwrap();
        assert_eq!(fast, slow);
        assert_eq!(fast, 1_309_999_020_000);
        assert_eq!(parse_datetime("nope"), None);
    }

    #[test]
    fn formats_print_back_what_parses() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2026-12-31",
            "1969-07-20",
            "0001-01-01",
        ] {
            assert_eq!(format_date(parse_date(s).unwrap()), s);
        }
        for s in [
            "2011-07-07T00:37:00.000+0000",
            "2026-01-05T09:00:00.123+0000",
            "1969-12-31T23:59:59.999+0000",
            "2000-02-29T12:00:00.000+0000",
        ] {
            assert_eq!(format_datetime(parse_datetime(s).unwrap()), s);
        }
    }

    #[test]
    fn relative_ranges() {
        // Wednesday 2026-11-18.
        let now = Utc.with_ymd_and_hms(2026, 11, 18, 15, 0, 0).unwrap();
        let d = |y, m, dd| days_from_ymd(y, m, dd).unwrap();
        assert_eq!(
            literal_range("today", 0, now),
            Some((d(2026, 11, 18), d(2026, 11, 19)))
        );
        assert_eq!(
            literal_range("THIS_WEEK", 0, now),
            Some((d(2026, 11, 15), d(2026, 11, 22)))
        );
        assert_eq!(
            literal_range("LAST_N_DAYS", 7, now),
            Some((d(2026, 11, 11), d(2026, 11, 19)))
        );
        assert_eq!(
            literal_range("LAST_MONTH", 0, now),
            Some((d(2026, 10, 1), d(2026, 11, 1)))
        );
        assert_eq!(
            literal_range("THIS_QUARTER", 0, now),
            Some((d(2026, 10, 1), d(2027, 1, 1)))
        );
        assert_eq!(
            literal_range("LAST_N_YEARS", 2, now),
            Some((d(2024, 1, 1), d(2026, 1, 1)))
        );
        assert_eq!(literal_arity("last_n_days"), Some(true));
        assert_eq!(literal_arity("TODAY"), Some(false));
        assert_eq!(literal_arity("Name"), None);
    }
}
