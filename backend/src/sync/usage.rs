//! The API usage page's figures: this installation's Salesforce calls today and the org's
//! last `Sforce-Limit-Info`, both as the installation's client counted them (no call is made
//! to find out), and whether the worker pauses the sync.

use shared::usage::{ApiUsageView, OrgUsage};

use super::SyncState;
use crate::clients::{ClientError, Clients};
use crate::salesforce::UsageToday;

/// The installation's usage at `now` (unix ms).
pub async fn usage(
    clients: &Clients,
    sync: &SyncState,
    installation_id: &str,
    now: i64,
) -> Result<ApiUsageView, ClientError> {
    let today = clients.salesforce(installation_id).await?.usage_today();
    Ok(view(
        &today,
        sync.pauses.until(installation_id, now),
        sync.config.budget_share,
        now,
    ))
}

/// The view of what the client counted: paused until the limit pause ends, and while the
/// org's usage is past the budget share (the worker's rule).
fn view(
    today: &UsageToday,
    paused_until: Option<i64>,
    budget_share: f64,
    now: i64,
) -> ApiUsageView {
    let org = today
        .org
        .zip(today.org_seen_at)
        .map(|(usage, seen_at)| OrgUsage {
            used: usage.used,
            allocation: usage.max,
            seen_at,
        });
    ApiUsageView {
        installation_calls: today.calls_today(now),
        org,
        pause_at_percent: (budget_share * 100.0).round() as u32,
        paused_until,
        budget_share_used: today.org.is_some_and(|u| u.fraction() >= budget_share),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::ApiUsage;

    const NOW: i64 = 1_780_000_000_000;

    fn counted(calls: u64, org: Option<ApiUsage>) -> UsageToday {
        let mut today = UsageToday::default();
        for _ in 0..calls {
            today.record(NOW - 1_000, true, None);
        }
        if org.is_some() {
            today.record(NOW - 500, false, org);
        }
        today
    }

    #[test]
    fn before_any_answer_there_is_no_org_figure_and_no_pause() {
        let view = view(&UsageToday::default(), None, 0.8, NOW);
        assert_eq!(view.installation_calls, 0);
        assert_eq!(view.org, None);
        assert_eq!((view.paused_until, view.budget_share_used), (None, false));
        assert_eq!(view.pause_at_percent, 80);
    }

    #[test]
    fn the_org_figure_and_the_calls_come_from_what_was_counted() {
        let today = counted(3, Some(ApiUsage { used: 40, max: 100 }));
        let view = view(&today, None, 0.8, NOW);
        assert_eq!(view.installation_calls, 3);
        let org = view.org.unwrap();
        assert_eq!((org.used, org.allocation), (40, 100));
        assert_eq!(org.seen_at, NOW - 500);
        assert_eq!(view.installation_permille(), Some(30));
        assert_eq!((view.paused_until, view.budget_share_used), (None, false));
    }

    #[test]
    fn a_limit_pause_names_its_end_and_a_spent_share_pauses_too() {
        let today = counted(1, Some(ApiUsage { used: 85, max: 100 }));
        assert!(view(&today, None, 0.8, NOW).budget_share_used);
        let until = NOW + 300_000;
        assert_eq!(
            view(&today, Some(until), 0.8, NOW).paused_until,
            Some(until)
        );
    }
}
