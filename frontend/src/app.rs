//! The app shell: the router, the header every page shares, and the page for unknown paths.

use leptos::prelude::*;
use leptos_router::components::{A, FlatRoutes, Redirect, Route, Router};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::card::CardPage;
use crate::case::CasePage;
use crate::connections::ConnectionsPage;
use crate::inbox::InboxPage;

/// The whole app: the card page alone, every other page inside the shared [`Shell`].
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            // Flat routes: no page nests another, and the flat router is the smaller one.
            <FlatRoutes fallback=|| view! { <Shell><NotFound /></Shell> }>
                // Without the shell, so an inbox can show the card in a narrow side panel.
                <Route path=path!("/card/:conversation_id") view=CardPage />
                // Reached from the card, so as narrow and as bare.
                <Route path=path!("/case/:conversation_id") view=CasePage />
                <Route path=path!("/") view=|| view! { <Redirect path="/connections" /> } />
                <Route
                    path=path!("/connections")
                    view=|| view! { <Shell><ConnectionsPage /></Shell> }
                />
                // One route for the list alone and with a selection, so selecting keeps the list.
                <Route
                    path=path!("/inbox/:conversation_id?")
                    view=|| view! { <Shell><InboxPage /></Shell> }
                />
            </FlatRoutes>
        </Router>
    }
}

/// Header with the product name and navigation, then the page.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <div class="shell">
            <header class="topbar">
                <div class="topbar-inner">
                    <A href="/connections" attr:class="brand">
                        <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                        <span class="brand-name">"sfbridge"</span>
                    </A>
                    <nav class="nav" aria-label="Main">
                        <A href="/inbox" attr:class="nav-link">
                            "Inbox"
                        </A>
                        <A href="/connections" attr:class="nav-link">
                            "Connections"
                        </A>
                    </nav>
                </div>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

/// Shown for any path no route matches, so a mistyped deep link says so instead of showing nothing.
#[component]
pub fn NotFound() -> impl IntoView {
    let location = use_location();
    view! {
        <section class="not-found" data-testid="not-found">
            <p class="not-found-code">"404"</p>
            <h1>"Page not found"</h1>
            <p>
                "There is no page at " <code>{move || location.pathname.get()}</code> "."
            </p>
            <A href="/connections" attr:class="button">
                "Go to Connections"
            </A>
        </section>
    }
}
