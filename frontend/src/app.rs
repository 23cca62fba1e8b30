//! The app shell: the router, the header every page shares, and the page for unknown paths.

use leptos::prelude::*;
use leptos_router::components::{A, FlatRoutes, Redirect, Route, Router};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::card::CardPage;
use crate::case::CasePage;
use crate::connections::ConnectionsPage;
use crate::inbox::InboxPage;
use crate::setup::{SetupPage, SetupSalesforcePage, SetupWebhooksPage};
use crate::signin::{
    SessionProvider, SessionState, SignInPage, SignOut, SignedInOnly, use_session,
};
use crate::team::TeamPage;

/// The whole app: the card page alone, every other page inside the shared [`Shell`]. Every
/// page but sign-in and setup's first step needs a session; without one the reader is sent to
/// `/signin`.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <SessionProvider>
            <Router>
                // Flat routes: no page nests another, and the flat router is the smaller one.
                <FlatRoutes fallback=|| view! { <Shell><NotFound /></Shell> }>
                    // Without the shell, so an inbox can show the card in a narrow side panel.
                    <Route
                        path=path!("/card/:conversation_id")
                        view=|| view! { <SignedInOnly><CardPage /></SignedInOnly> }
                    />
                    // Reached from the card, so as narrow and as bare.
                    <Route
                        path=path!("/case/:conversation_id")
                        view=|| view! { <SignedInOnly><CasePage /></SignedInOnly> }
                    />
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/signin") view=|| view! { <Bare><SignInPage /></Bare> } />
                    <Route path=path!("/setup") view=|| view! { <Bare><SetupPage /></Bare> } />
                    <Route
                        path=path!("/setup/salesforce")
                        view=|| view! { <Bare><SignedInOnly><SetupSalesforcePage /></SignedInOnly></Bare> }
                    />
                    <Route
                        path=path!("/setup/webhooks")
                        view=|| view! { <Bare><SignedInOnly><SetupWebhooksPage /></SignedInOnly></Bare> }
                    />
                    <Route
                        path=path!("/connections")
                        view=|| view! { <Shell><SignedInOnly><ConnectionsPage /></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/team")
                        view=|| view! { <Shell><SignedInOnly><TeamPage /></SignedInOnly></Shell> }
                    />
                    // One route for the list alone and with a selection, so selecting keeps the list.
                    <Route
                        path=path!("/inbox/:conversation_id?")
                        view=|| view! { <Shell><SignedInOnly><InboxPage /></SignedInOnly></Shell> }
                    />
                </FlatRoutes>
            </Router>
        </SessionProvider>
    }
}

/// `/`: admins to Connections, teammates to the inbox.
#[component]
fn Home() -> impl IntoView {
    let session = use_session().map(|s| s.0);
    view! {
        <SignedInOnly>
            {move || {
                let admin = session.is_none_or(|s| s.get().shows_admin_areas());
                let path = if admin { "/connections" } else { "/inbox" };
                view! { <Redirect path=path /> }
            }}
        </SignedInOnly>
    }
}

/// A page without navigation (signing in, setup), under the product's name.
#[component]
fn Bare(children: Children) -> impl IntoView {
    view! {
        <div class="shell">
            <header class="topbar">
                <div class="topbar-inner">
                    <span class="brand">
                        <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                        <span class="brand-name">"sfbridge"</span>
                    </span>
                </div>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

/// Header with the product name and navigation (the admin areas only for admins), who is
/// signed in, then the page.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session().map(|s| s.0);
    let admin = move || session.is_none_or(|s| s.get().shows_admin_areas());
    let who = move || match session.map(|s| s.get()) {
        Some(SessionState::SignedIn(view)) => Some(view),
        _ => None,
    };
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
                        <Show when=admin>
                            <A href="/connections" attr:class="nav-link">
                                "Connections"
                            </A>
                            <A href="/team" attr:class="nav-link">
                                "Team"
                            </A>
                        </Show>
                    </nav>
                    {move || who().map(|view| view! {
                        <div class="who" data-testid="signed-in-as" data-role=if view.role.is_admin() { "admin" } else { "teammate" }>
                            <span class="who-name">{view.teammate.name}</span>
                            <span class="who-role">{view.role.label()}</span>
                            <SignOut />
                        </div>
                    })}
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
