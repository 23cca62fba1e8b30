//! The admin bundle's router: the pages only admins open, loaded apart from the teammate
//! bundle. A new admin page is a module of this crate (like `connections/`) with a route
//! here and its first path segment in `shared::pages::ADMIN_SECTIONS`, so the server answers
//! its address with this bundle.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Redirect, Route, Router};
use leptos_router::path;
use shared::pages::Bundle;

use crate::api;
use crate::app::{Bare, NotFound, Shell, provide_bundle};
use crate::connections::ConnectionsPage;
use crate::settings::accounts::AccountSyncPage;
use crate::settings::cases::CaseSettingsPage;
use crate::settings::health::SyncHealthPage;
use crate::settings::owners::OwnersPage;
use crate::settings::people::PeopleSyncPage;
use crate::settings::transfer::TransferPage;
use crate::settings::usage::ApiUsagePage;
use crate::setup::{SetupPage, SetupSalesforcePage, SetupWebhooksPage};
use crate::signin::{SessionProvider, SignedInOnly, use_session};
use crate::team::TeamPage;

/// Every admin page inside the shared [`Shell`] (setup bare); the home page leads admins to
/// Connections and teammates to their inbox. Every page but setup's first step needs a
/// session; without one the reader is sent to `/signin`.
#[component]
pub fn AdminApp() -> impl IntoView {
    provide_bundle(Bundle::Admin);
    view! {
        <SessionProvider>
            <Router>
                <FlatRoutes fallback=|| view! { <Shell><NotFound /></Shell> }>
                    <Route path=path!("/") view=Home />
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
                    <Route path=path!("/settings") view=|| view! { <Redirect path="/settings/people" /> } />
                    <Route
                        path=path!("/settings/people")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><PeopleSyncPage /></AdminOnly></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/settings/accounts")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><AccountSyncPage /></AdminOnly></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/settings/owners")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><OwnersPage /></AdminOnly></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/settings/cases")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><CaseSettingsPage /></AdminOnly></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/settings/usage")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><ApiUsagePage /></AdminOnly></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/settings/health")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><SyncHealthPage /></AdminOnly></SignedInOnly></Shell> }
                    />
                    <Route
                        path=path!("/settings/transfer")
                        view=|| view! { <Shell><SignedInOnly><AdminOnly><TransferPage /></AdminOnly></SignedInOnly></Shell> }
                    />
                </FlatRoutes>
            </Router>
        </SessionProvider>
    }
}

/// A page only admins may see: a teammate is told so (the API refuses them too) and has no
/// settings navigation.
#[component]
fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let session = use_session().map(|s| s.0);
    let admin = move || session.is_none_or(|s| s.get().shows_admin_areas());
    view! {
        <Show
            when=admin
            fallback=|| view! {
                <section class="not-found" data-testid="admins-only">
                    <h1>"Admins only"</h1>
                    <p>"Settings are changed by the workspace's sfbridge admins."</p>
                </section>
            }
        >
            {children()}
        </Show>
    }
}

/// `/`: admins to Connections, teammates to the inbox (the teammate bundle: a full page load).
#[component]
fn Home() -> impl IntoView {
    let session = use_session().map(|s| s.0);
    view! {
        <SignedInOnly>
            {move || {
                if session.is_none_or(|s| s.get().shows_admin_areas()) {
                    view! { <Redirect path="/connections" /> }.into_any()
                } else {
                    api::go_to("/inbox");
                    ().into_any()
                }
            }}
        </SignedInOnly>
    }
}
