//! `/settings/health`: the sync at a glance (counters), the ledger as a table with filters,
//! a search by email, Intercom id or Salesforce id (a person's whole history), each error code
//! verbatim with a hint of the fix, the parked jobs with Retry (one, or all of a kind), and
//! the filtered rows as CSV.

use leptos::prelude::*;
use shared::sync::health::{ParkedJobs, SyncHealth, csv_cells, error_hint, ledger_csv};
use shared::sync::{JobsRetried, LedgerEntry, LedgerObject, LedgerPage, Outcome};

use super::SettingsFrame;
use crate::api;
use crate::format::count;
use crate::problem::LoadProblem;

const HOUR_MS: f64 = 3_600_000.0;

/// The browser's local midnight, in milliseconds: where "today" starts for the reader.
fn local_midnight() -> f64 {
    let now = js_sys::Date::new_0();
    now.set_hours(0);
    now.set_minutes(0);
    now.set_seconds(0);
    now.set_milliseconds(0);
    now.get_time()
}

/// The ledger's filters as the page holds them (empty: any).
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    direction: String,
    object: String,
    outcome: String,
    /// `hour`, `today`, `week` or empty (any time).
    period: String,
    /// An email, an Intercom id or a Salesforce id.
    search: String,
}

impl Filters {
    fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (name, value) in [
            ("direction", &self.direction),
            ("object", &self.object),
            ("outcome", &self.outcome),
        ] {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        let now = js_sys::Date::now();
        let since = match self.period.as_str() {
            "hour" => Some(now - HOUR_MS),
            "today" => Some(local_midnight()),
            "week" => Some(now - 7.0 * 24.0 * HOUR_MS),
            _ => None,
        };
        if let Some(since) = since {
            pairs.push(("since", crate::format::number(since.floor())));
        }
        let search = self.search.trim();
        if !search.is_empty() {
            let name = if search.contains('@') {
                "email"
            } else {
                "record_id"
            };
            pairs.push((name, search.to_owned()));
        }
        pairs.push(("limit", "500".to_owned()));
        pairs
            .into_iter()
            .map(|(name, value)| {
                format!(
                    "{name}={}",
                    String::from(js_sys::encode_uri_component(&value))
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[component]
pub fn SyncHealthPage() -> impl IntoView {
    let filters = RwSignal::new(Filters::default());
    let health = api::resource(Box::new(|| {
        format!(
            "/api/sync/health?since={}",
            crate::format::number(local_midnight())
        )
    }));
    let ledger = api::resource(Box::new(move || {
        format!("/api/sync/ledger?{}", filters.get().query())
    }));
    let parked = api::resource(Box::new(|| "/api/sync/jobs/parked".to_owned()));
    let message = RwSignal::new(None::<Result<String, String>>);
    let refresh = move || {
        health.refetch();
        ledger.refetch();
        parked.refetch();
    };
    let retry = move |path: String| {
        api::send_then(
            "POST",
            path,
            "{}".to_owned(),
            Box::new(move |answer| {
                match answer.and_then(|a| a.read::<JobsRetried>()) {
                    Ok(done) => message.set(Some(Ok(format!(
                        "{} back in the queue.",
                        count(done.retried, "job")
                    )))),
                    Err(failure) => message.set(Some(Err(failure.to_string()))),
                }
                refresh();
            }),
        );
    };
    let set = move |change: fn(&mut Filters, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            filters.update(|f| change(f, value));
        }
    };
    let search = RwSignal::new(String::new());
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"Sync health"</h1>
                    <p class="page-intro">"What the sync did, what it could not do and why, and what waits for a retry."</p>
                </div>
                <button type="button" class="button button-secondary" data-testid="health-refresh" on:click=move |_| refresh()>"Refresh"</button>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading the counters…"</p> }>
                {move || Suspend::new(async move {
                    match health.await.and_then(|a| a.read::<SyncHealth>()) {
                        Ok(h) => view! { <Counters health=h /> }.into_any(),
                        Err(error) => view! { <LoadProblem error=error what="the counters" testid="health" on_retry=move |_| health.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <div class="alert alert-success" role="status" data-testid="retry-status">{text}</div> }.into_any(),
                Err(text) => view! { <div class="alert alert-error" role="alert" data-testid="retry-status">{text}</div> }.into_any(),
            })}
            <section class="settings-section" aria-labelledby="parked-title">
                <h2 class="section-title" id="parked-title">"Parked jobs"</h2>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match parked.await.and_then(|a| a.read::<ParkedJobs>()) {
                            Ok(list) if list.jobs.is_empty() => view! { <p class="empty" data-testid="parked-empty">"No job waits for a retry."</p> }.into_any(),
                            Ok(list) => {
                                let mut kinds: Vec<String> = list.jobs.iter().map(|j| j.kind.clone()).collect();
                                kinds.dedup();
                                view! {
                                    <div class="save-bar">
                                        {kinds.into_iter().map(|kind| {
                                            let path = format!("/api/sync/jobs/retry?kind={}", String::from(js_sys::encode_uri_component(&kind)));
                                            view! {
                                                <button type="button" class="button button-small" data-testid="retry-kind" data-kind=kind.clone() on:click=move |_| retry(path.clone())>
                                                    {format!("Retry all {kind}")}
                                                </button>
                                            }
                                        }).collect_view()}
                                    </div>
                                    <div class="table-scroll">
                                        <table class="mappings" data-testid="parked-jobs">
                                            <thead><tr><th scope="col">"Job"</th><th scope="col">"About"</th><th scope="col">"Last error"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                            <tbody>
                                                {list.jobs.into_iter().map(|job| {
                                                    let path = format!("/api/sync/jobs/{}/retry", job.id);
                                                    view! {
                                                        <tr data-testid="parked-job" data-job-id=job.id.to_string()>
                                                            <td>{format!("{} #{}", job.kind, job.id)}<br /><span class="muted">{format!("{} · {}", job.direction, count(u64::from(job.attempts), "attempt"))}</span></td>
                                                            <td>{job.detail}</td>
                                                            <td><code>{job.last_error.unwrap_or_default()}</code></td>
                                                            <td><button type="button" class="button button-small" data-testid="retry-job" on:click=move |_| retry(path.clone())>"Retry"</button></td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }
                                .into_any()
                            }
                            Err(error) => view! { <LoadProblem error=error what="the parked jobs" testid="parked" on_retry=move |_| parked.refetch() /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section class="settings-section" aria-labelledby="ledger-title">
                <h2 class="section-title" id="ledger-title">"Ledger"</h2>
                <form
                    class="ledger-filters"
                    role="search"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        let value = search.get_untracked();
                        filters.update(|f| f.search = value);
                    }
                >
                    <label class="field">
                        <span class="field-label">"Direction"</span>
                        <select data-testid="filter-direction" on:change=set(|f, v| f.direction = v)>
                            <option value="">"Both"</option>
                            <option value="to_salesforce">"Intercom to Salesforce"</option>
                            <option value="to_intercom">"Salesforce to Intercom"</option>
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">"Object"</span>
                        <select data-testid="filter-object" on:change=set(|f, v| f.object = v)>
                            <option value="">"Any"</option>
                            {LedgerObject::ALL.into_iter().map(|o| view! { <option value=o.as_str()>{o.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">"Outcome"</span>
                        <select data-testid="filter-outcome" on:change=set(|f, v| f.outcome = v)>
                            <option value="">"Any"</option>
                            {Outcome::ALL.into_iter().map(|o| view! { <option value=o.as_str()>{o.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">"Time"</span>
                        <select data-testid="filter-period" on:change=set(|f, v| f.period = v)>
                            <option value="">"Any time"</option>
                            <option value="hour">"Last hour"</option>
                            <option value="today">"Today"</option>
                            <option value="week">"Last 7 days"</option>
                        </select>
                    </label>
                    <label class="field field-wide">
                        <span class="field-label">"Email, Intercom id or Salesforce id"</span>
                        <input
                            type="search"
                            data-testid="ledger-search"
                            prop:value=move || search.get()
                            on:input=move |ev| search.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" class="button" data-testid="ledger-search-submit">"Search"</button>
                </form>
                <Transition fallback=|| view! { <p class="loading">"Loading the ledger…"</p> }>
                    {move || Suspend::new(async move {
                        match ledger.await.and_then(|a| a.read::<LedgerPage>()) {
                            Ok(page) => view! { <LedgerTable entries=page.entries /> }.into_any(),
                            Err(error) => view! { <LoadProblem error=error what="the ledger" testid="ledger" on_retry=move |_| ledger.refetch() /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </SettingsFrame>
    }
}

/// A delay in words: `850 ms`, `4.2 s`.
fn delay(ms: Option<u64>) -> String {
    match ms {
        None => "—".to_owned(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{}.{} s", ms / 1000, (ms % 1000) / 100),
    }
}

#[component]
fn Counters(health: SyncHealth) -> impl IntoView {
    let stat = |label: &'static str, value: String, sub: &'static str, testid: &'static str| {
        view! {
            <div class="stat">
                <span class="stat-label">{label}</span>
                <span class="stat-value" data-testid=testid>{value}</span>
                <span class="stat-sub">{sub}</span>
            </div>
        }
    };
    view! {
        <section class="health" aria-label="Sync counters" data-testid="sync-counters">
            {stat("To Salesforce", health.synced_today_to_salesforce.to_string(), "changes synced today", "count-to-salesforce")}
            {stat("To Intercom", health.synced_today_to_intercom.to_string(), "changes synced today", "count-to-intercom")}
            {stat("Failures", health.failed_today.to_string(), "today", "count-failed")}
            {stat("Parked", health.parked.to_string(), "jobs waiting for a retry", "count-parked")}
            {stat("Delay p50 / p99", format!("{} / {}", delay(health.delay_p50_ms), delay(health.delay_p99_ms)), "last hour", "delay")}
        </section>
    }
}

#[component]
fn LedgerTable(entries: Vec<LedgerEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty" data-testid="ledger-empty">"No ledger rows match."</p> }
            .into_any();
    }
    let csv = format!(
        "data:text/csv;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&ledger_csv(&entries)))
    );
    let shown = entries.len() as u64;
    view! {
        <div class="save-bar">
            <a class="button button-secondary" href=csv download="sfbridge-ledger.csv" data-testid="ledger-csv">
                "Export CSV"
            </a>
            <span class="muted" data-testid="ledger-count">{count(shown, "row")}</span>
        </div>
        <div class="table-scroll">
            <table class="mappings ledger" data-testid="ledger">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Direction"</th>
                        <th scope="col">"Record"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Fields"</th>
                        <th scope="col">"Error"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let cells = csv_cells(&entry);
                            let hint = entry.error_code.as_deref().and_then(error_hint);
                            view! {
                                <tr data-testid="ledger-row" data-outcome=entry.outcome.as_str() data-csv=cells.join("\u{1f}")>
                                    <td><time datetime=cells[0].clone()>{cells[0].clone()}</time></td>
                                    <td>{entry.direction.to_string()}</td>
                                    <td>
                                        {entry.object.as_str()}
                                        {entry.intercom_id.map(|id| view! { <br /><span class="muted">"Intercom " <code>{id}</code></span> })}
                                        {entry.salesforce_id.map(|id| view! { <br /><span class="muted">"Salesforce " <code>{id}</code></span> })}
                                    </td>
                                    <td>{entry.outcome.as_str()} {entry.detail.map(|d| view! { <br /><span class="muted">{d}</span> })}</td>
                                    <td>{entry.fields.join(", ")}</td>
                                    <td>
                                        {entry.error_code.map(|code| view! { <code data-testid="error-code">{code}</code> })}
                                        {entry.error_message.map(|m| view! { <br /><span>{m}</span> })}
                                        {hint.map(|h| view! { <p class="hint" data-testid="error-hint">{h}</p> })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
