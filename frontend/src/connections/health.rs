//! The server's own health: version, database, job queue.

use leptos::prelude::*;
use shared::Health;

use crate::format;

#[component]
pub fn HealthPanel(health: Health) -> impl IntoView {
    let Health {
        version,
        database,
        queued_jobs,
        parked_jobs,
    } = health;
    // Parked jobs need a person, so they stand out as soon as there is one.
    let parked_class = if parked_jobs > 0 {
        "stat stat-warn"
    } else {
        "stat"
    };
    view! {
        <section class="health" aria-label="Server health">
            <div class="stat">
                <span class="stat-label">"Version"</span>
                <span class="stat-value" data-testid="health-version">
                    {format!("v{version}")}
                </span>
                <span class="stat-sub">"sfbridge server"</span>
            </div>
            <div class="stat">
                <span class="stat-label">"Database"</span>
                <span
                    class="stat-body"
                    data-testid="health-database"
                    data-reachable=database.reachable.to_string()
                >
                    <span class="stat-value">
                        <span class=format::database_status_class(&database) aria-hidden="true"></span>
                        {database.kind.label()}
                    </span>
                    <span class="stat-sub">{format::reachability(&database)}</span>
                </span>
            </div>
            <div class="stat">
                <span class="stat-label">"Queued jobs"</span>
                <span class="stat-value" data-testid="health-queued-jobs">
                    {queued_jobs}
                </span>
                <span class="stat-sub">"Waiting to run"</span>
            </div>
            <div class=parked_class>
                <span class="stat-label">"Parked jobs"</span>
                <span class="stat-value" data-testid="health-parked-jobs">
                    {parked_jobs}
                </span>
                <span class="stat-sub">"Failed too often; need a person"</span>
            </div>
        </section>
    }
}
