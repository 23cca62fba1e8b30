//! The teammate bundle's router: the teammate pages other than the card and the case form
//! (which are bundles of their own, `crate::card::CardApp` and `crate::case::CaseApp`), kept
//! small (see the budget in `xtask/src/frontend.rs`). A new teammate page is a module of this
//! crate with a route here; it must not pull in an admin page's module.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::path;
use shared::pages::Bundle;

use crate::app::{Bare, NotFound, Shell, provide_bundle};
use crate::inbox::InboxPage;
use crate::signin::{SessionProvider, SignInPage, SignedInOnly};

/// Signing in bare, the demo inbox inside the shared [`Shell`]. The inbox needs a session;
/// without one the reader is sent to `/signin`.
#[component]
pub fn TeammateApp() -> impl IntoView {
    provide_bundle(Bundle::Teammate);
    view! {
        <SessionProvider>
            <Router>
                // Flat routes: no page nests another, and the flat router is the smaller one.
                <FlatRoutes fallback=|| view! { <Shell><NotFound /></Shell> }>
                    <Route path=path!("/signin") view=|| view! { <Bare><SignInPage /></Bare> } />
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
