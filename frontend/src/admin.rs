//! The admin bundle's router: the pages only admins open, loaded apart from the teammate
//! bundle. A new admin page is a module of this crate (like `connections/`) with a route
//! here and its first path segment in `shared::pages::ADMIN_SECTIONS`, so the server answers
//! its address with this bundle.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Redirect, Route, Router};
use leptos_router::path;
use shared::pages::Bundle;

use crate::app::{NotFound, Shell, provide_bundle};
use crate::connections::ConnectionsPage;

/// Every admin page inside the shared [`Shell`]; the home page leads to Connections.
#[component]
pub fn AdminApp() -> impl IntoView {
    provide_bundle(Bundle::Admin);
    view! {
        <Router>
            <FlatRoutes fallback=|| view! { <Shell><NotFound /></Shell> }>
                <Route path=path!("/") view=|| view! { <Redirect path="/connections" /> } />
                <Route
                    path=path!("/connections")
                    view=|| view! { <Shell><ConnectionsPage /></Shell> }
                />
            </FlatRoutes>
        </Router>
    }
}
