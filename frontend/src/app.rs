//! What both bundles' pages share: the header with the navigation, the page for unknown
//! paths, links that cross from one bundle to the other, and mounting an app.
//!
//! Each bundle has its own router ([`crate::teammate::TeammateApp`],
//! [`crate::admin::AdminApp`]) and its own entry in `src/bin/`; `shared::pages` says which
//! paths are whose.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use shared::pages::Bundle;

use crate::signin::{SessionState, SignOut, use_session};

/// Mounts `app` on `<body>`: what each bundle's `main` does.
pub fn mount<V: IntoView + 'static>(app: fn() -> V) {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app);
}

/// The bundle the running app is, so links know whether the router can follow them.
/// Each app provides it above its router.
pub fn provide_bundle(bundle: Bundle) {
    provide_context(bundle);
}

/// A link to a page of either bundle: within the running bundle the router follows it (and
/// marks the current page); to the other bundle it is a plain link, a full page load.
#[component]
pub fn PageLink(
    href: &'static str,
    #[prop(into)] class: String,
    children: Children,
) -> impl IntoView {
    let here = use_context::<Bundle>().unwrap_or(Bundle::Teammate);
    if Bundle::of(href) == here {
        view! { <A href=href attr:class=class>{children()}</A> }.into_any()
    } else {
        view! { <a href=href class=class rel="external">{children()}</a> }.into_any()
    }
}

/// A page without navigation (signing in, setup), under the product's name.
#[component]
pub fn Bare(children: Children) -> impl IntoView {
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
                    <PageLink href="/" class="brand">
                        <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                        <span class="brand-name">"sfbridge"</span>
                    </PageLink>
                    <nav class="nav" aria-label="Main">
                        <PageLink href="/inbox" class="nav-link">
                            "Inbox"
                        </PageLink>
                        <Show when=admin>
                            <PageLink href="/connections" class="nav-link">
                                "Connections"
                            </PageLink>
                            <PageLink href="/team" class="nav-link">
                                "Team"
                            </PageLink>
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
            <PageLink href="/connections" class="button">
                "Go to Connections"
            </PageLink>
        </section>
    }
}
