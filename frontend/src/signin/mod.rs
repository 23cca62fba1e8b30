//! Signing in and who is signed in: the session every page checks ([`SessionProvider`],
//! [`SignedInOnly`]), the `/signin` page (sign-in links, Canvas Kit tickets, "Sign in with
//! Intercom"), and signing out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use shared::access::{Redeem, Redirect, SessionView, SignInOptions, SignedIn};

use crate::api;

/// Who is signed in.
pub const SESSION_PATH: &str = "/api/session";

/// What the app knows of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    Loading,
    SignedIn(SessionView),
    /// 401: the pages send the reader to `/signin`.
    SignedOut,
    /// The server did not say (it is down, or this is not the real back end): pages render
    /// and show their own failures.
    Unknown,
}

impl SessionState {
    /// Whether admin areas are shown: to admins, and while the role is unknown (the server
    /// refuses teammates anyway).
    pub fn shows_admin_areas(&self) -> bool {
        match self {
            SessionState::SignedIn(view) => view.role.is_admin(),
            SessionState::Unknown | SessionState::Loading => true,
            SessionState::SignedOut => false,
        }
    }
}

/// The session, shared by every page through context.
#[derive(Debug, Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>);

pub fn use_session() -> Option<Session> {
    use_context::<Session>()
}

/// Loads the session once and offers it to the pages below.
#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let state = RwSignal::new(SessionState::Loading);
    provide_context(Session(state));
    api::get_then(
        SESSION_PATH.to_owned(),
        Box::new(move |answer| {
            let loaded = match answer.and_then(|a| a.read::<SessionView>()) {
                Ok(view) => SessionState::SignedIn(view),
                Err(error) if api::is_signed_out(&error) => SessionState::SignedOut,
                Err(_) => SessionState::Unknown,
            };
            state.set(loaded);
        }),
    );
    children()
}

/// The address of the sign-in page that comes back to the current page.
pub fn sign_in_href() -> String {
    let here = web_sys::window()
        .and_then(|w| {
            let location = w.location();
            Some(format!(
                "{}{}",
                location.pathname().ok()?,
                location.search().ok()?
            ))
        })
        .unwrap_or_else(|| "/".to_owned());
    let next = String::from(js_sys::encode_uri_component(&here));
    format!("/signin?next={next}")
}

/// The page's content once the session is known; signed out, the reader goes to `/signin`.
#[component]
pub fn SignedInOnly(children: ChildrenFn) -> impl IntoView {
    let state = use_session().map(|s| s.0);
    move || {
        let current = state.map(|s| s.get()).unwrap_or(SessionState::Unknown);
        match current {
            SessionState::Loading => view! {
                <div class="loading" role="status" data-testid="session-loading">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading…"
                </div>
            }
            .into_any(),
            SessionState::SignedOut => {
                api::go_to(&sign_in_href());
                ().into_any()
            }
            SessionState::SignedIn(_) | SessionState::Unknown => children().into_any(),
        }
    }
}

/// What to send to start signing in with Intercom: where to come back to.
#[derive(Serialize)]
struct Next<'a> {
    next: Option<&'a str>,
}

/// Redeems a sign-in link's token or a Canvas Kit ticket, then goes where the answer says;
/// a refusal is shown in `failure`.
fn redeem(
    path: &'static str,
    token: String,
    next: Option<String>,
    failure: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
) {
    busy.set(true);
    spawn_local(async move {
        let redeem = Redeem { token, next };
        match api::post_json::<_, SignedIn>(path, &redeem).await {
            Ok(signed_in) => api::go_to(&signed_in.next),
            Err(error) => {
                failure.set(Some(error.to_string()));
                busy.set(false);
            }
        }
    });
}

/// `/signin`: with `?link=`, a one-time sign-in link, a "Sign in" button that redeems it (so
/// a chat app or mail scanner fetching the link, scripts and all, does not use it up); with
/// `?ticket=` (the Canvas Kit card's: signed, short-lived, not used up) signs in at once;
/// else the ways in.
#[component]
pub fn SignInPage() -> impl IntoView {
    let next = api::query_param("next");
    let failure = RwSignal::new(api::query_param("error"));
    let redeeming = RwSignal::new(false);
    let link = api::query_param("link");
    if let Some(ticket) = api::query_param("ticket") {
        redeem("/auth/ticket", ticket, next.clone(), failure, redeeming);
    }
    let options = LocalResource::new(|| api::fetch::<SignInOptions>("/auth/options"));
    let with_intercom = {
        let next = next.clone();
        Callback::new(move |()| {
            let next = next.clone();
            spawn_local(async move {
                let body = Next {
                    next: next.as_deref(),
                };
                match api::post_json::<_, Redirect>("/auth/intercom", &body).await {
                    Ok(redirect) => api::go_to(&redirect.url),
                    Err(error) => failure.set(Some(error.to_string())),
                }
            });
        })
    };
    let ways = move || {
        view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(options) => view! { <Ways options=options on_intercom=with_intercom /> }.into_any(),
                        Err(error) => view! {
                            <p class="muted" data-testid="signin-options-error">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        }
    };
    let body = match link {
        Some(token) => view! {
            <OneTimeLink token=token next=next failure=failure redeeming=redeeming />
        }
        .into_any(),
        None => view! {
            <Show when=move || !redeeming.get() fallback=Redeeming>
                {ways()}
            </Show>
        }
        .into_any(),
    };
    view! {
        <section class="signin" data-testid="signin-page">
            <h1>"Sign in to sfbridge"</h1>
            {move || {
                failure
                    .get()
                    .map(|message| {
                        view! {
                            <div class="alert alert-error" role="alert" data-testid="signin-error">
                                <p class="alert-message">{message}</p>
                            </div>
                        }
                    })
            }}
            {body}
        </section>
    }
}

#[component]
fn Redeeming() -> impl IntoView {
    view! {
        <div class="loading" role="status" data-testid="signin-redeeming">
            <span class="spinner" aria-hidden="true"></span>
            "Signing in…"
        </div>
    }
}

/// A one-time sign-in link: used only when its holder presses "Sign in".
#[component]
fn OneTimeLink(
    token: String,
    next: Option<String>,
    failure: RwSignal<Option<String>>,
    redeeming: RwSignal<bool>,
) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        redeem(
            "/auth/link",
            token.clone(),
            next.clone(),
            failure,
            redeeming,
        );
    };
    view! {
        <form class="form signin-link" data-testid="signin-link" on:submit=submit>
            <p>"This one-time link from an sfbridge admin signs you in. It works once, within a day of being made."</p>
            <button type="submit" class="button" data-testid="signin-link-submit" disabled=move || redeeming.get()>
                {move || if redeeming.get() { "Signing in…" } else { "Sign in" }}
            </button>
        </form>
    }
}

/// The ways in this server offers.
#[component]
fn Ways(options: SignInOptions, on_intercom: Callback<()>) -> impl IntoView {
    if options.needs_setup {
        return view! {
            <div class="empty" data-testid="signin-setup-needed">
                <h2>"sfbridge is not installed yet"</h2>
                <p>
                    "Open the setup link " <code>"sfbridge serve"</code>
                    " printed when it started (" <code>"sfbridge setup: …"</code>
                    "): it connects your Intercom workspace and Salesforce org."
                </p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="signin-ways">
            {options.intercom_oauth.then(|| view! {
                <button type="button" class="button" data-testid="signin-intercom" on:click=move |_| on_intercom.run(())>
                    "Sign in with Intercom"
                </button>
            })}
            <p class="muted">
                "Teammates can also open sfbridge from its card in the Intercom inbox, or with a "
                "one-time sign-in link from an sfbridge admin."
            </p>
        </div>
    }
    .into_any()
}

/// Signs out, then shows the sign-in page.
#[component]
pub fn SignOut() -> impl IntoView {
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = api::post_json::<_, serde::de::IgnoredAny>(
                "/api/session/sign-out",
                &api::Intent::default(),
            )
            .await;
            api::go_to("/signin");
        });
    };
    view! {
        <button type="button" class="nav-link nav-button" data-testid="sign-out" on:click=sign_out>
            "Sign out"
        </button>
    }
}
