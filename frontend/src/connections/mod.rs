//! The Connections page: the back end's health and the state of every installation's
//! Salesforce org and Intercom workspace.
//!
//! [`ConnectionsPage`] loads the data; [`ConnectionsOverview`] and [`LoadFailure`] only render
//! what they are given, so tests mount them with known values and no server.

mod actions;
mod health;
mod installation;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::ConnectionsView;

pub use actions::InstallationActions;
pub use health::HealthPanel;
pub use installation::InstallationCard;

use crate::api::{self, LoadError};
use crate::{clock, format};

/// Asks both services again (`POST`), answering the page's view.
const CHECK_PATH: &str = "/api/connections/check";

/// `/connections`: fetches `GET /api/connections` and shows it, with a Refresh button, what
/// the last connect came to (`?connected=`, `?error=`), the installation's actions, and *Check
/// now*, which has both services asked again.
#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let connections = api::resource(Box::new(|| api::CONNECTIONS_PATH.to_owned()));
    let connected = api::query_param("connected");
    let refused = api::query_param("error");
    let (refreshing, set_refreshing) = signal(false);
    let checking = RwSignal::new(false);
    let check_failed = RwSignal::new(None::<String>);
    // Both services asked again now, then the page shows what they said.
    let check_now = move |_| {
        checking.set(true);
        check_failed.set(None);
        api::send_then(
            "POST",
            CHECK_PATH.to_owned(),
            "{}".to_owned(),
            Box::new(move |answer| {
                if let Err(failure) = answer {
                    check_failed.set(Some(failure.to_string()));
                }
                checking.set(false);
                connections.refetch();
            }),
        );
    };
    view! {
        <div class="page-header">
            <div>
                <h1>"Connections"</h1>
                <p class="page-intro">
                    "Each installation pairs one Intercom workspace with one Salesforce org. "
                    "This page shows whether sfbridge can reach both, and the health of the server itself."
                </p>
            </div>
            <div class="save-bar">
            <button
                type="button"
                class="button button-secondary"
                data-testid="connections-check"
                title="Ask Salesforce and Intercom again now"
                disabled=move || checking.get()
                on:click=check_now
            >
                {move || if checking.get() { "Checking…" } else { "Check now" }}
            </button>
            <button
                type="button"
                class="button"
                data-testid="connections-refresh"
                disabled=move || refreshing.get()
                on:click=move |_| connections.refetch()
            >
                {move || if refreshing.get() { "Refreshing…" } else { "Refresh" }}
            </button>
            </div>
        </div>
        {move || check_failed.get().map(|message| view! {
            <div class="alert alert-error" role="alert" data-testid="connections-check-error">
                <p class="alert-message">{message}</p>
            </div>
        })}
        {connected.map(|side| view! {
            <div class="alert alert-success" role="status" data-testid="connections-connected">
                <p class="alert-message">{format!("{} is connected.", if side == "intercom" { "Intercom" } else { "Salesforce" })}</p>
            </div>
        })}
        {refused.map(|message| view! {
            <div class="alert alert-error" role="alert" data-testid="connections-refused">
                <p class="alert-message">{message}</p>
            </div>
        })}
        // A Transition keeps the last answer on screen while a refresh is under way.
        <Transition fallback=Loading set_pending=set_refreshing>
            {move || Suspend::new(async move {
                match connections.await.and_then(|a| a.read::<ConnectionsView>()) {
                    Ok(view) => {
                        let installed = !view.installations.is_empty();
                        view! {
                            <ConnectionsOverview view=view now=clock::now() />
                            {installed.then(|| view! { <InstallationActions /> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadFailure error=error /> }.into_any(),
                }
            })}
        </Transition>
        <p class="add-installation">
            <a href="/setup?add=1" class="button button-small" data-testid="add-installation">
                "Add another installation"
            </a>
            " Another Intercom workspace, paired with its own Salesforce org."
        </p>
    }
}

#[component]
fn Loading() -> impl IntoView {
    view! {
        <div class="loading" role="status" data-testid="connections-loading">
            <span class="spinner" aria-hidden="true"></span>
            "Loading connections…"
        </div>
    }
}

/// Health, then one card per installation (or how to get the first one).
#[component]
pub fn ConnectionsOverview(
    view: ConnectionsView,
    /// The moment relative times ("5 minutes ago") are measured from.
    now: DateTime<Utc>,
) -> impl IntoView {
    let ConnectionsView {
        health,
        installations,
    } = view;
    let heading = format::count(installations.len() as u64, "installation");
    let body = if installations.is_empty() {
        view! { <NoInstallations /> }.into_any()
    } else {
        installations
            .into_iter()
            .map(|installation| view! { <InstallationCard installation=installation now=now /> })
            .collect_view()
            .into_any()
    };
    view! {
        <HealthPanel health=health />
        <section class="installations" aria-labelledby="installations-heading">
            <h2 id="installations-heading" class="section-title">
                "Installations" <span class="section-count">{heading}</span>
            </h2>
            {body}
        </section>
    }
}

#[component]
fn NoInstallations() -> impl IntoView {
    view! {
        <div class="empty" data-testid="installations-empty">
            <h3>"No installations yet"</h3>
            <p>
                "An installation appears here once an Intercom workspace is paired with a Salesforce org. "
                "To see one right away, start the server with " <code>"sfbridge demo"</code>
                ": it pairs a simulated Salesforce org with a simulated Intercom workspace."
            </p>
        </div>
    }
}

/// Why the page has no data, in the back end's words when it gave any.
#[component]
pub fn LoadFailure(error: LoadError) -> impl IntoView {
    // Other failures already name their status in the message.
    let detail = error.code().map(|code| match error.status() {
        Some(status) => format!("Error code {code}, HTTP {status}"),
        None => format!("Error code {code}"),
    });
    view! {
        <div class="alert alert-error" role="alert" data-testid="connections-error">
            <h2 class="alert-title">"Could not load connections"</h2>
            <p class="alert-message">{error.to_string()}</p>
            {detail.map(|detail| view! { <p class="alert-detail">{detail}</p> })}
            <p class="alert-hint">"Use Refresh to try again."</p>
        </div>
    }
}
