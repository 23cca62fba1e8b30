//! The API usage page's figures: this installation's Salesforce calls today and the org's
//! last `Sforce-Limit-Info`, both as the installation's client counted them (no call is made
//! to find out), and whether the worker pauses the sync.

use chrono::DateTime;
use shared::usage::{ApiUsageView, OrgUsage, SyncPause};

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

/// The view of what the client counted: paused until the limit pause ends, else while the
/// org's usage is past the budget share (the worker's rule), else not paused.
fn view(today: &UsageToday, paused_until: Option<i64>, budget_share: f64, now: i64) -> ApiUsageView {
    let org = today
        .org
        .zip(today.org_seen_at.and_then(DateTime::from_timestamp_millis))
        .map(|(usage, seen_at)| OrgUsage {
            used: usage.used,
            allocation: usage.max,
            seen_at,
        });
    let pause = match paused_until.and_then(DateTime::from_timestamp_millis) {
        Some(until) => SyncPause::LimitReached { until },
        None if today.org.is_some_and(|u| u.fraction() >= budget_share) => {
            SyncPause::BudgetShareUsed
        }
        None => SyncPause::NotPaused,
    };
    ApiUsageView {
        installation_calls: today.calls_today(now),
        org,
        pause_at_percent: (budget_share * 100.0).round() as u32,
        pause,
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
        assert_eq!(view.pause, SyncPause::NotPaused);
        assert_eq!(view.pause_at_percent, 80);
    }

    #[test]
    fn the_org_figure_and_the_calls_come_from_what_was_counted() {
        let today = counted(3, Some(ApiUsage { used: 40, max: 100 }));
        let view = view(&today, None, 0.8, NOW);
        assert_eq!(view.installation_calls, 3);
        let org = view.org.unwrap();
        assert_eq!((org.used, org.allocation), (40, 100));
        assert_eq!(org.seen_at.timestamp_millis(), NOW - 500);
        assert_eq!(view.installation_permille(), Some(30));
        assert_eq!(view.pause, SyncPause::NotPaused);
    }

    #[test]
    fn a_limit_pause_names_its_end_and_a_spent_share_pauses_too() {
        let today = counted(1, Some(ApiUsage { used: 85, max: 100 }));
        assert_eq!(view(&today, None, 0.8, NOW).pause, SyncPause::BudgetShareUsed);
        let until = NOW + 300_000;
        assert_eq!(
            view(&today, Some(until), 0.8, NOW).pause,
            SyncPause::LimitReached {
                until: DateTime::from_timestamp_millis(until).unwrap()
            }
        );
    }
}
