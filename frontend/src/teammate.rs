//! The teammate bundle's router: the pages every teammate opens, kept small (see the budget
//! in `xtask/src/frontend.rs`). A new teammate page is a module of this crate with a route
//! here; it must not pull in an admin page's module.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::path;
use shared::pages::Bundle;

use crate::app::{Bare, NotFound, Shell, provide_bundle};
use crate::card::CardPage;
use crate::case::CasePage;
use crate::inbox::InboxPage;
use crate::signin::{SessionProvider, SignInPage, SignedInOnly};

/// The card page and the case form alone, signing in bare, the demo inbox inside the shared
/// [`Shell`]. Every page but sign-in needs a session; without one the reader is sent to
/// `/signin`.
#[component]
pub fn TeammateApp() -> impl IntoView {
    provide_bundle(Bundle::Teammate);
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
