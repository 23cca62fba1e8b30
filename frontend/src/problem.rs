//! A part of a page that could not load: what went wrong, and the one thing the reader can do
//! about it (ask again, or have a service reconnected on the Connections page).

use leptos::prelude::*;
use shared::api_error::codes;

use crate::api::LoadError;
use crate::format;

/// What the reader can do about a failed load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Asking again may work: the peer was down, the network failed, the limit may have freed.
    Retry,
    /// An admin must act on the Connections page; the label names what to do there.
    Connections(&'static str),
    /// Nothing to do from here: the conversation does not exist.
    Nothing,
}

pub fn remedy(error: &LoadError) -> Remedy {
    match error.code() {
        Some(codes::CONVERSATION_NOT_FOUND) => Remedy::Nothing,
        Some(codes::SALESFORCE_RECONNECT_NEEDED) => Remedy::Connections("Reconnect Salesforce"),
        Some(codes::INTERCOM_RECONNECT_NEEDED) => Remedy::Connections("Reconnect Intercom"),
        Some(codes::INSTALLATION_NOT_FOUND) => Remedy::Connections("Open Connections"),
        _ => Remedy::Retry,
    }
}

/// The Connections page, where services are (re)connected.
pub const CONNECTIONS_HREF: &str = "/";

/// The failure panel. Its test ids are `{testid}-error`, `{testid}-retry` and `{testid}-reconnect`.
#[component]
pub fn LoadProblem(
    error: LoadError,
    /// What did not load, for the headline: "the card".
    what: &'static str,
    testid: &'static str,
    /// Asks the server again.
    #[prop(into)]
    on_retry: Callback<()>,
    /// True while a retry is under way.
    #[prop(optional, into)]
    retrying: Signal<bool>,
) -> impl IntoView {
    let title = format::problem_title(&error, what);
    let code = error.code().unwrap_or_default().to_owned();
    let status = error.status().map(|s| s.to_string()).unwrap_or_default();
    let action = match remedy(&error) {
        Remedy::Retry => view! {
            <button
                type="button"
                class="button button-small"
                data-testid=format!("{testid}-retry")
                disabled=move || retrying.get()
                on:click=move |_| on_retry.run(())
            >
                {move || if retrying.get() { "Retrying…" } else { "Retry" }}
            </button>
        }
        .into_any(),
        Remedy::Connections(label) => view! {
            // The admin bundle's page: `rel="external"` keeps a teammate page's router from
            // following the link, so the browser loads it.
            <a
                href=CONNECTIONS_HREF
                rel="external"
                class="button button-small"
                data-testid=format!("{testid}-reconnect")
            >
                {label}
            </a>
        }
        .into_any(),
        Remedy::Nothing => ().into_any(),
    };
    view! {
        <div
            class="problem"
            role="alert"
            data-testid=format!("{testid}-error")
            data-code=code
            data-status=status
        >
            <p class="problem-title">{title}</p>
            <p class="problem-message">{error.to_string()}</p>
            {action}
        </div>
    }
}
