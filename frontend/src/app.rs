//! What the bundles' pages share: the header with the navigation, the page for unknown
//! paths, links that cross from one bundle to another, the id a card or case page names,
//! and mounting an app.
//!
//! Each bundle has its own entry in `src/bin/`: the card and case pages mount directly
//! ([`crate::card::CardApp`], [`crate::case::CaseApp`]), the other teammate pages and the admin
//! pages have a router each ([`crate::teammate::TeammateApp`], [`crate::admin::AdminApp`]);
//! `shared::pages` says which paths are whose.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use shared::pages::Bundle;

use crate::signin::{SessionState, SignOut, use_session};

/// Mounts `app` on `<body>`: what each bundle's `main` does. Debug builds report a panic's
/// message and stack on the console; the release bundles leave the hook out (its formatting
/// and stack capture weigh more than it is worth there: a panic still stops the page with a
/// `RuntimeError: unreachable` in the console).
pub fn mount<V: IntoView + 'static>(app: fn() -> V) {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app);
}

/// The bundle the running app is, so links know whether the router can follow them.
/// Each app provides it above its router.
pub fn provide_bundle(bundle: Bundle) {
    provide_context(bundle);
}

/// A link to a page of any bundle: within the running bundle the router follows it (and
/// marks the current page); to another bundle it is a plain link the router leaves alone, a
/// full page load.
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
                            {shared::pages::ADMIN_NAV
                                .iter()
                                .map(|&(href, label)| view! { <PageLink href=href class="nav-link">{label}</PageLink> })
                                .collect_view()}
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
        <Missing path=Signal::derive(move || location.pathname.get())>
            <PageLink href="/connections" class="button">
                "Go to Connections"
            </PageLink>
        </Missing>
    }
}

/// What the not-found page says about `path`, with `children` (a way elsewhere) below.
#[component]
pub fn Missing(#[prop(into)] path: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <section class="not-found" data-testid="not-found">
            <p class="not-found-code">"404"</p>
            <h1>"Page not found"</h1>
            <p>
                "There is no page at " <code>{move || path.get()}</code> "."
            </p>
            {children()}
        </section>
    }
}

/// The not-found page of a bundle without a router (the card's, the case form's): no shell,
/// as narrow as the page that was asked for.
#[component]
pub fn PanelNotFound() -> impl IntoView {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    view! {
        <Missing path=path>
            <a href="/connections" class="button">
                "Go to Connections"
            </a>
        </Missing>
    }
}

/// The conversation id the current address names as a page of `bundle` (`/card/<id>`),
/// decoded; `None` when the address is not such a page.
pub fn page_id(bundle: Bundle) -> Option<String> {
    let path = web_sys::window()?.location().pathname().ok()?;
    let id = bundle.page_id(&path)?;
    js_sys::decode_uri_component(id)
        .ok()
        .map(String::from)
        .filter(|id| !id.is_empty())
}
