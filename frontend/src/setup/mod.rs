//! Installing from the pages: `/setup` connects Intercom (a private app's token pasted in, or
//! "Sign in with Intercom"), `/setup/salesforce` connects the org (production, sandbox or a
//! My Domain), `/setup/webhooks` says what to subscribe and checks that a notification came.
//! The same forms reconnect, switch and add installations from the Connections page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::access::{
    ConnectSalesforce, IntercomToken, Redirect, SalesforceLogin, SetupStatus, SetupToken,
    SignInOptions, SignedIn, WebhookSetup,
};

use crate::api;

/// Where the setup link's token is kept while the browser visits Intercom, so a refusal can
/// come back to the form.
const SETUP_TOKEN_KEY: &str = "sfbridge.setup_token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The setup token: from the address, else the one kept from it.
fn setup_token() -> Option<String> {
    match api::query_param("token") {
        Some(token) => {
            if let Some(storage) = storage() {
                let _ = storage.set_item(SETUP_TOKEN_KEY, &token);
            }
            Some(token)
        }
        None => storage()?.get_item(SETUP_TOKEN_KEY).ok()?,
    }
}

/// The `?error=` a refused step came back with.
#[component]
fn StepError(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <div class="alert alert-error" role="alert" data-testid="setup-error">
                    <p class="alert-message">{message}</p>
                </div>
            }
        })
    }
}

/// Why a workspace is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntercomMode {
    /// The first installation, with the setup link's token.
    Setup(String),
    /// Another installation, by an admin.
    Add,
    /// The signed-in admin's installation again.
    Reconnect,
}

impl IntercomMode {
    fn token_path(&self) -> &'static str {
        match self {
            IntercomMode::Setup(_) => "/auth/setup/intercom/token",
            IntercomMode::Add => "/api/installations/intercom/token",
            IntercomMode::Reconnect => "/api/connections/intercom/token",
        }
    }

    fn oauth_path(&self) -> &'static str {
        match self {
            IntercomMode::Setup(_) => "/auth/setup/intercom/oauth",
            IntercomMode::Add => "/api/installations/intercom/oauth",
            IntercomMode::Reconnect => "/api/connections/intercom/oauth",
        }
    }
}

/// `/setup`: step 1, connect Intercom (with `?add=1`, an admin adds an installation).
#[component]
pub fn SetupPage() -> impl IntoView {
    let error = RwSignal::new(api::query_param("error"));
    // From the router, not the window: the Connections page's link arrives by the router,
    // which renders this page before the address bar changes.
    let adding = use_query_map().with_untracked(|query| query.get("add").is_some());
    let token = setup_token();
    let mode = match (adding, token) {
        (true, _) => Some(IntercomMode::Add),
        (false, Some(token)) => Some(IntercomMode::Setup(token)),
        (false, None) => None,
    };
    let Some(mode) = mode else {
        return view! {
            <section class="setup" data-testid="setup-page">
                <h1>"Set up sfbridge"</h1>
                <StepError error=error />
                <p data-testid="setup-token-missing">
                    "Open the setup link " <code>"sfbridge serve"</code>
                    " printed when it started; it carries a one-time token."
                </p>
            </section>
        }
        .into_any();
    };
    // Whether "Sign in with Intercom" is offered (and, at setup, whether the link is good).
    let checked = {
        let mode = mode.clone();
        LocalResource::new(move || {
            let mode = mode.clone();
            async move {
                match mode {
                    IntercomMode::Setup(token) => {
                        api::post_json::<_, SetupStatus>("/auth/setup/check", &SetupToken { token })
                            .await
                            .map(|status| status.intercom_oauth)
                    }
                    _ => api::fetch::<SignInOptions>("/auth/options")
                        .await
                        .map(|options| options.intercom_oauth),
                }
            }
        })
    };
    let heading = if mode == IntercomMode::Add {
        "Add an installation"
    } else {
        "Set up sfbridge"
    };
    view! {
        <section class="setup" data-testid="setup-page">
            <h1>{heading}</h1>
            <Steps current=1 />
            <StepError error=error />
            <Suspense fallback=|| ()>
                {move || {
                    let mode = mode.clone();
                    Suspend::new(async move {
                        match checked.await {
                            Ok(oauth) => view! { <IntercomConnect mode=mode oauth=oauth error=error /> }
                                .into_any(),
                            Err(failure) => view! {
                                <div class="alert alert-error" role="alert" data-testid="setup-token-error">
                                    <p class="alert-message">{failure.to_string()}</p>
                                </div>
                            }
                                .into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
    .into_any()
}

/// The three steps, the current one marked.
#[component]
fn Steps(current: u8) -> impl IntoView {
    let steps = ["Connect Intercom", "Connect Salesforce", "Webhooks"];
    view! {
        <ol class="steps">
            {steps
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let here = usize::from(current) == i + 1;
                    view! {
                        <li class:step-current=here aria-current=here.then_some("step")>{*name}</li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

/// Connects a workspace: a private app's access token and client secret, or OAuth.
#[component]
pub fn IntercomConnect(
    mode: IntercomMode,
    /// "Sign in with Intercom" is offered (a public app is configured).
    oauth: bool,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let access_token = RwSignal::new(String::new());
    let client_secret = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = {
        let mode = mode.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mode = mode.clone();
            busy.set(true);
            let body = IntercomToken {
                setup_token: match &mode {
                    IntercomMode::Setup(token) => Some(token.clone()),
                    _ => None,
                },
                access_token: access_token.get_untracked(),
                client_secret: client_secret.get_untracked(),
            };
            api::send_json_then(
                "POST",
                mode.token_path().to_owned(),
                &body,
                move |answer: Result<SignedIn, _>| match answer {
                    Ok(done) => api::go_to(&done.next),
                    Err(failure) => {
                        error.set(Some(failure.to_string()));
                        busy.set(false);
                    }
                },
            );
        }
    };
    let with_oauth = {
        let mode = mode.clone();
        move |_| {
            let mode = mode.clone();
            let body = api::Intent {
                token: match &mode {
                    IntercomMode::Setup(token) => Some(token.as_str()),
                    _ => None,
                },
            };
            api::send_json_then(
                "POST",
                mode.oauth_path().to_owned(),
                &body,
                move |answer: Result<Redirect, _>| match answer {
                    Ok(redirect) => api::go_to(&redirect.url),
                    Err(failure) => error.set(Some(failure.to_string())),
                },
            );
        }
    };
    view! {
        <div class="connect-intercom" data-testid="intercom-connect">
            {oauth.then(|| view! {
                <p>
                    <button type="button" class="button" data-testid="intercom-oauth" on:click=with_oauth.clone()>
                        "Sign in with Intercom"
                    </button>
                </p>
                <p class="muted">"Or connect a private app of your workspace:"</p>
            })}
            <form class="form" on:submit=submit>
                <label class="form-field">
                    <span>"Access token"</span>
                    <input
                        type="password"
                        autocomplete="off"
                        data-testid="intercom-access-token"
                        prop:value=move || access_token.get()
                        on:input=move |ev| access_token.set(event_target_value(&ev))
                    />
                </label>
                <label class="form-field">
                    <span>"Client secret"</span>
                    <input
                        type="password"
                        autocomplete="off"
                        data-testid="intercom-client-secret"
                        prop:value=move || client_secret.get()
                        on:input=move |ev| client_secret.set(event_target_value(&ev))
                    />
                </label>
                <p class="muted">
                    "From the app's Authentication and Basic information pages in the Intercom "
                    "Developer Hub. The token is checked with Intercom at once and stored encrypted."
                </p>
                <button type="submit" class="button" data-testid="intercom-connect-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Connecting…" } else { "Connect Intercom" }}
                </button>
            </form>
        </div>
    }
}

/// `/setup/salesforce`: step 2.
#[component]
pub fn SetupSalesforcePage() -> impl IntoView {
    let error = RwSignal::new(api::query_param("error"));
    view! {
        <section class="setup" data-testid="setup-salesforce-page">
            <h1>"Set up sfbridge"</h1>
            <Steps current=2 />
            <StepError error=error />
            <SalesforceConnect switch_org=false next="/setup/webhooks" error=error />
        </section>
    }
}

/// Connects (or switches) the org through Salesforce's sign-in, at the login host chosen.
#[component]
pub fn SalesforceConnect(
    /// Another org may replace the connected one (every link drops).
    switch_org: bool,
    /// Where to land once connected.
    next: &'static str,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let kind = RwSignal::new("production".to_owned());
    let my_domain = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let login = match kind.get_untracked().as_str() {
            "sandbox" => SalesforceLogin::Sandbox,
            "my_domain" => SalesforceLogin::MyDomain {
                url: my_domain.get_untracked(),
            },
            _ => SalesforceLogin::Production,
        };
        busy.set(true);
        let body = ConnectSalesforce {
            login: Some(login),
            switch_org,
            next: Some(next.to_owned()),
        };
        api::send_json_then(
            "POST",
            "/api/connections/salesforce".to_owned(),
            &body,
            move |answer: Result<Redirect, _>| match answer {
                Ok(redirect) => api::go_to(&redirect.url),
                Err(failure) => {
                    error.set(Some(failure.to_string()));
                    busy.set(false);
                }
            },
        );
    };
    let choice = move |value: &'static str, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="salesforce-login"
                    value=value
                    data-testid=format!("salesforce-login-{value}")
                    prop:checked=move || kind.get() == value
                    on:change=move |_| kind.set(value.to_owned())
                />
                {label}
            </label>
        }
    };
    view! {
        <form class="form connect-salesforce" data-testid="salesforce-connect" on:submit=connect>
            <fieldset class="form-field">
                <legend>"Where your org signs in"</legend>
                {choice("production", "Production (login.salesforce.com)")}
                {choice("sandbox", "Sandbox (test.salesforce.com)")}
                {choice("my_domain", "My Domain")}
            </fieldset>
            <Show when=move || kind.get() == "my_domain">
                <label class="form-field">
                    <span>"My Domain URL"</span>
                    <input
                        type="url"
                        placeholder="https://acme.my.salesforce.com"
                        data-testid="salesforce-my-domain"
                        prop:value=move || my_domain.get()
                        on:input=move |ev| my_domain.set(event_target_value(&ev))
                    />
                </label>
            </Show>
            <p class="muted">
                "You sign in at Salesforce as the user sfbridge acts as. The org needs API access "
                "(Enterprise, Unlimited, Performance and Developer editions, or Professional with the API add-on)."
            </p>
            <button type="submit" class="button" data-testid="salesforce-connect-submit" disabled=move || busy.get()>
                {if switch_org { "Switch org" } else { "Connect Salesforce" }}
            </button>
        </form>
    }
}

/// `/setup/webhooks`: step 3.
#[component]
pub fn SetupWebhooksPage() -> impl IntoView {
    let connected = api::query_param("connected").is_some();
    let error = RwSignal::new(api::query_param("error"));
    view! {
        <section class="setup" data-testid="setup-webhooks-page">
            <h1>"Set up sfbridge"</h1>
            <Steps current=3 />
            <StepError error=error />
            {connected.then(|| view! {
                <div class="alert alert-success" role="status" data-testid="setup-salesforce-connected">
                    <p class="alert-message">"Salesforce is connected."</p>
                </div>
            })}
            <Webhooks />
            <a href="/connections" class="button" data-testid="setup-done">"Go to Connections"</a>
        </section>
    }
}

/// The webhook URL and topics, the Canvas Kit URLs, and whether a notification arrived.
#[component]
pub fn Webhooks() -> impl IntoView {
    let setup = api::resource(Box::new(|| "/api/connections/webhooks".to_owned()));
    view! {
        <div class="webhooks" data-testid="webhooks">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match setup.await.and_then(|a| a.read::<WebhookSetup>()) {
                        Ok(setup) => {
                            let received = setup.last_received_at;
                            view! {
                                <p>"In the Intercom Developer Hub, under Webhooks, set the endpoint URL to"</p>
                                <p><code data-testid="webhooks-url">{setup.url}</code></p>
                                <p>"and subscribe to these topics:"</p>
                                <ul class="topics" data-testid="webhooks-topics">
                                    {setup.topics.into_iter().map(|t| view! { <li><code>{t}</code></li> }).collect_view()}
                                </ul>
                                <p>"For the inbox card, under Canvas Kit, set the initialize URL to "
                                    <code>{setup.canvas_initialize_url}</code> " and the submit URL to "
                                    <code>{setup.canvas_submit_url}</code> "."</p>
                                <p data-testid="webhooks-status" data-received=received.is_some().to_string()>
                                    {match received {
                                        Some(_) => "A signed notification has arrived: webhooks work.",
                                        None => "No signed notification has arrived yet.",
                                    }}
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! {
                            <p class="alert alert-error" data-testid="webhooks-error">{error.to_string()}</p>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
            <button type="button" class="button button-small" data-testid="webhooks-check" on:click=move |_| setup.refetch()>
                "Check"
            </button>
        </div>
    }
}
