//! The API usage page: today's Salesforce calls by this installation and by the whole org
//! (from `Sforce-Limit-Info`), the org's daily allocation, and whether the sync is paused.

use serde::{Deserialize, Serialize};

/// Answer of `GET /api/settings/usage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsageView {
    /// REST calls this installation made today (UTC), counted by this server as it made them.
    pub installation_calls: u64,
    /// The org's usage as Salesforce's last answer said; `None` before any answer.
    pub org: Option<OrgUsage>,
    /// The share of the daily allocation, in percent, past which the event sync pauses,
    /// leaving the rest for the inbox card and cases.
    pub pause_at_percent: u32,
    /// Until when (unix ms) the sync waits: Salesforce refused a call for the org's API limit.
    pub paused_until: Option<i64>,
    /// The org used the share of its allocation past which the event sync waits, until usage
    /// falls below it again.
    pub budget_share_used: bool,
}

/// What `Sforce-Limit-Info` said last: `api-usage=used/allocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUsage {
    /// Calls by every app and user of the org in the last 24 hours.
    pub used: u64,
    /// The org's daily allocation.
    pub allocation: u64,
    /// When that answer came (unix ms).
    pub seen_at: i64,
}

impl ApiUsageView {
    /// This installation's calls as tenths of a percent of the org's allocation (the gauge).
    pub fn installation_permille(&self) -> Option<u64> {
        let org = self.org?;
        Some(permille(self.installation_calls, org.allocation))
    }

    /// The org's calls as tenths of a percent of its allocation.
    pub fn org_permille(&self) -> Option<u64> {
        let org = self.org?;
        Some(permille(org.used, org.allocation))
    }
}

/// `part` of `whole` in tenths of a percent, rounded down; a full gauge past the whole (or of
/// no allocation at all).
pub fn permille(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 1000;
    }
    (part.saturating_mul(1000) / whole).min(1000)
}

/// Tenths of a percent in words: `12.3%`, `0%`, `100%`.
pub fn percent_text(permille: u64) -> String {
    match permille % 10 {
        0 => format!("{}%", permille / 10),
        tenth => format!("{}.{tenth}%", permille / 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_tenths_of_a_percent_rounded_down_and_capped() {
        assert_eq!(permille(18, 5000), 3);
        assert_eq!(permille(2500, 5000), 500);
        assert_eq!(permille(9000, 5000), 1000);
        assert_eq!(permille(1, 0), 1000);
        assert_eq!(percent_text(3), "0.3%");
        assert_eq!(percent_text(500), "50%");
        assert_eq!(percent_text(0), "0%");
    }
}
