//! `Sforce-Limit-Info`: how much of the org's daily API allocation is used.

/// `api-usage=18/5000`: calls used today and the daily allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

impl ApiUsage {
    /// Reads the header tolerantly: entries split on `;` (or `,`), only `api-usage` is kept.
    pub fn parse(header: &str) -> Option<ApiUsage> {
        header.split([';', ',']).find_map(|entry| {
            let (key, value) = entry.trim().split_once('=')?;
            if key.trim() != "api-usage" {
                return None;
            }
            let (used, max) = value.trim().split_once('/')?;
            Some(ApiUsage {
                used: used.trim().parse().ok()?,
                max: max.trim().parse().ok()?,
            })
        })
    }

    /// The share of the allocation used, 0.0 to 1.0 (or more, past it).
    pub fn fraction(&self) -> f64 {
        if self.max == 0 {
            1.0
        } else {
            self.used as f64 / self.max as f64
        }
    }
}

/// Milliseconds in a day: "today" is the UTC day.
const DAY_MS: i64 = 86_400_000;

/// What one client knows of the day's usage without asking: the REST calls it made today (UTC)
/// and the org's last `Sforce-Limit-Info`, with when it came.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageToday {
    /// The UTC day (days since the epoch) `calls` counts.
    day: i64,
    calls: u64,
    /// The org's usage, as its last answer said.
    pub org: Option<ApiUsage>,
    /// When that answer came (unix ms).
    pub org_seen_at: Option<i64>,
}

impl UsageToday {
    /// One answered call at `now`: counted against the day when `counted` (REST calls are;
    /// OAuth and streaming are not), and the org's usage kept when the answer carried it.
    pub fn record(&mut self, now: i64, counted: bool, org: Option<ApiUsage>) {
        if counted {
            let day = now.div_euclid(DAY_MS);
            if day != self.day {
                self.day = day;
                self.calls = 0;
            }
            self.calls += 1;
        }
        if let Some(org) = org {
            self.org = Some(org);
            self.org_seen_at = Some(now);
        }
    }

    /// The calls made on the UTC day of `now`.
    pub fn calls_today(&self, now: i64) -> u64 {
        if now.div_euclid(DAY_MS) == self.day {
            self.calls
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_per_utc_day_and_the_org_usage_kept_with_its_time() {
        let mut usage = UsageToday::default();
        let noon = 20_000 * DAY_MS + DAY_MS / 2;
        usage.record(noon, true, Some(ApiUsage { used: 5, max: 100 }));
        usage.record(noon + 1, false, None);
        usage.record(noon + 2, true, None);
        assert_eq!(usage.calls_today(noon + 3), 2);
        assert_eq!(usage.org, Some(ApiUsage { used: 5, max: 100 }));
        assert_eq!(usage.org_seen_at, Some(noon));
        // The next day starts from nothing.
        assert_eq!(usage.calls_today(noon + DAY_MS), 0);
        usage.record(noon + DAY_MS, true, None);
        assert_eq!(usage.calls_today(noon + DAY_MS), 1);
    }

    #[test]
    fn reads_plain_and_per_app_forms() {
        assert_eq!(
            ApiUsage::parse("api-usage=18/5000"),
            Some(ApiUsage {
                used: 18,
                max: 5000
            })
        );
        assert_eq!(
            ApiUsage::parse("per-app-api-usage=17/250(appName=sfbridge); api-usage=25/15000"),
            Some(ApiUsage {
                used: 25,
                max: 15000
            })
        );
        assert_eq!(ApiUsage::parse("per-app-api-usage=17/250(appName=x)"), None);
        assert_eq!(ApiUsage::parse("api-usage=garbage"), None);
        assert!((ApiUsage { used: 40, max: 100 }.fraction() - 0.4).abs() < 1e-9);
    }
}
