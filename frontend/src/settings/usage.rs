//! `/settings/usage`: today's Salesforce calls by this installation and by the whole org (from
//! `Sforce-Limit-Info`), the org's daily allocation, the app's share of it as a gauge, and
//! whether the sync is paused and until when.

use leptos::prelude::*;
use shared::usage::{ApiUsageView, percent_text};

use super::{Loaded, SettingsFrame};
use crate::clock;
use crate::moment::Moment;

const USAGE_PATH: &str = "/api/sync/usage";

#[component]
pub fn ApiUsagePage() -> impl IntoView {
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"API usage"</h1>
                    <p class="page-intro">
                        "Salesforce gives each org a daily allocation of API calls, shared by every app and user. sfbridge counts its own calls and reads the org's from Salesforce's answers, without spending a call to ask."
                    </p>
                </div>
            </div>
            <Loaded
                path=USAGE_PATH
                what="the API usage"
                testid="usage"
                page=|usage: ApiUsageView| view! { <Usage usage=usage /> }.into_any()
            />
        </SettingsFrame>
    }
}

#[component]
fn Usage(usage: ApiUsageView) -> impl IntoView {
    let now = clock::now();
    let share = usage.installation_permille();
    let org_share = usage.org_permille();
    let stat = |label: &'static str, value: String, sub: String, testid: &'static str| {
        view! {
            <div class="stat">
                <span class="stat-label">{label}</span>
                <span class="stat-value" data-testid=testid>{value}</span>
                <span class="stat-sub">{sub}</span>
            </div>
        }
    };
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or(now);
    let pause = match (usage.paused_until, usage.budget_share_used) {
        (Some(until), _) => view! {
            <p class="alert alert-warn" role="status" data-testid="sync-pause" data-state="limit_reached">
                "Salesforce refused a call for the org's API limit: the sync is paused until "
                <Moment at=at(until) now=now />
                "."
            </p>
        }
        .into_any(),
        (None, true) => view! {
            <p class="alert alert-warn" role="status" data-testid="sync-pause" data-state="budget_share_used">
                {format!("The sync is paused: the org has used {}% of its allocation or more. It resumes when usage falls below that; the inbox card and cases keep working.", usage.pause_at_percent)}
            </p>
        }
        .into_any(),
        (None, false) => view! {
            <p class="alert alert-success" role="status" data-testid="sync-pause" data-state="not_paused">
                {format!("The sync is not paused. It pauses when the org has used {}% of its allocation, leaving the rest for the inbox card and cases.", usage.pause_at_percent)}
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="health" aria-label="Salesforce API calls" data-testid="usage-counters">
            {stat("This installation", usage.installation_calls.to_string(), "calls today (UTC)".to_owned(), "installation-calls")}
            {match usage.org {
                Some(org) => view! {
                    {stat("The whole org", org.used.to_string(), "calls in the last 24 hours".to_owned(), "org-calls")}
                    {stat("Daily allocation", org.allocation.to_string(), "calls a day for the org".to_owned(), "allocation")}
                }
                .into_any(),
                None => stat("The whole org", "—".to_owned(), "no answer from Salesforce yet".to_owned(), "org-calls").into_any(),
            }}
        </section>
        {match (usage.org, share, org_share) {
            (Some(org), Some(share), Some(org_share)) => view! {
                <section class="settings-section" aria-labelledby="usage-share">
                    <h2 class="section-title" id="usage-share">"sfbridge's share of the allocation"</h2>
                    <meter
                        class="usage-gauge"
                        data-testid="usage-gauge"
                        min="0"
                        max=org.allocation.to_string()
                        high=(org.allocation / 100 * u64::from(usage.pause_at_percent)).to_string()
                        value=usage.installation_calls.to_string()
                        aria-label="sfbridge's share of the daily allocation"
                    >
                        {percent_text(share)}
                    </meter>
                    <p class="hint" data-testid="usage-share-text">
                        {format!("sfbridge: {} of the allocation; the whole org: {}.", percent_text(share), percent_text(org_share))}
                    </p>
                    <p class="hint">"As of " <Moment at=at(org.seen_at) now=now /> ", Salesforce's last answer."</p>
                </section>
            }
            .into_any(),
            _ => view! {
                <p class="empty" data-testid="usage-empty">"No answer from Salesforce since the server started: the org's figures show after its first call."</p>
            }
            .into_any(),
        }}
        {pause}
    }
}
