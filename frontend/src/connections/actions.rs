//! What an admin can do to the installation from the Connections page: reconnect either side,
//! switch the Salesforce org (after a confirmation that every link drops), disconnect and
//! delete (after a confirmation naming what goes), and add another installation.

use leptos::prelude::*;
use shared::access::{
    ConfirmUninstall, ConnectSalesforce, Redirect, SignInOptions, UninstallPreview,
};

use crate::api;
use crate::setup::{IntercomConnect, IntercomMode, SalesforceConnect};

/// Which panel is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    SwitchOrg,
    ReconnectIntercom,
    Disconnect,
}

/// The actions under the installation's card.
#[component]
pub fn InstallationActions() -> impl IntoView {
    let open = RwSignal::new(Open::Nothing);
    let error = RwSignal::new(None::<String>);
    let toggle = move |panel: Open| {
        move |_| {
            error.set(None);
            open.update(|o| *o = if *o == panel { Open::Nothing } else { panel });
        }
    };
    let reconnect_salesforce = move |_| {
        let body = ConnectSalesforce {
            login: None,
            switch_org: false,
            next: Some("/connections".to_owned()),
        };
        api::send_json_then(
            "POST",
            "/api/connections/salesforce".to_owned(),
            &body,
            move |answer: Result<Redirect, _>| match answer {
                Ok(redirect) => api::go_to(&redirect.url),
                Err(failure) => error.set(Some(failure.to_string())),
            },
        );
    };
    view! {
        <div class="installation-actions" data-testid="installation-actions">
            <div class="actions">
                <button type="button" class="button button-small" data-testid="reconnect-salesforce" on:click=reconnect_salesforce>
                    "Reconnect Salesforce"
                </button>
                <button type="button" class="button button-small" data-testid="switch-org" on:click=toggle(Open::SwitchOrg)>
                    "Switch org"
                </button>
                <button type="button" class="button button-small" data-testid="reconnect-intercom" on:click=toggle(Open::ReconnectIntercom)>
                    "Reconnect Intercom"
                </button>
                <button type="button" class="button button-small button-danger" data-testid="disconnect" on:click=toggle(Open::Disconnect)>
                    "Disconnect…"
                </button>
            </div>
            {move || error.get().map(|message| view! {
                <div class="alert alert-error" role="alert" data-testid="connections-action-error">
                    <p class="alert-message">{message}</p>
                </div>
            })}
            {move || match open.get() {
                Open::Nothing => ().into_any(),
                Open::SwitchOrg => view! {
                    <div class="panel" data-testid="switch-org-panel">
                        <p class="alert alert-warning" data-testid="switch-org-warning">
                            "Switching to another Salesforce org drops every link between Intercom "
                            "people and companies and Salesforce records, and the sync starts over "
                            "with the new org. Links form again by the identity rules."
                        </p>
                        <SalesforceConnect switch_org=true next="/connections" error=error />
                    </div>
                }
                    .into_any(),
                Open::ReconnectIntercom => view! { <ReconnectIntercom error=error /> }.into_any(),
                Open::Disconnect => view! { <Disconnect error=error /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn ReconnectIntercom(error: RwSignal<Option<String>>) -> impl IntoView {
    let options = api::resource(Box::new(|| "/auth/options".to_owned()));
    view! {
        <div class="panel" data-testid="reconnect-intercom-panel">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let oauth = options.await.and_then(|a| a.read::<SignInOptions>()).map(|o| o.intercom_oauth).unwrap_or(false);
                    view! { <IntercomConnect mode=IntercomMode::Reconnect oauth=oauth error=error /> }
                })}
            </Suspense>
        </div>
    }
}

/// The confirmation: what is deleted, and the installation's name typed again.
#[component]
fn Disconnect(error: RwSignal<Option<String>>) -> impl IntoView {
    let preview = api::resource(Box::new(|| "/api/installation/uninstall".to_owned()));
    let typed = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let confirm = move |_| {
        busy.set(true);
        let body = ConfirmUninstall {
            confirm_name: typed.get_untracked(),
        };
        api::send_then(
            "POST",
            "/api/installation/uninstall".to_owned(),
            api::to_json(&body).unwrap_or_default(),
            Box::new(move |answer| match answer {
                Ok(_) => api::go_to("/signin"),
                Err(failure) => {
                    error.set(Some(failure.to_string()));
                    busy.set(false);
                }
            }),
        );
    };
    view! {
        <div class="panel" data-testid="disconnect-panel">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match preview.await.and_then(|a| a.read::<UninstallPreview>()) {
                        Ok(preview) => {
                            let name = preview.installation_name.clone();
                            view! {
                                <div class="alert alert-warning" data-testid="disconnect-preview">
                                    <p>
                                        {if preview.revokes_salesforce {
                                            "Salesforce's tokens are revoked at Salesforce, "
                                        } else {
                                            ""
                                        }}
                                        "the Intercom token and every secret are deleted, the sync stops, and this "
                                        "installation's data is deleted for good:"
                                    </p>
                                    <ul>
                                        {preview
                                            .deletes
                                            .into_iter()
                                            .filter(|kind| kind.count > 0)
                                            .map(|kind| view! { <li>{format!("{} {}", kind.count, kind.what)}</li> })
                                            .collect_view()}
                                    </ul>
                                    <label class="form-field">
                                        <span>"Type the installation's name, " <strong>{name}</strong> ", to confirm"</span>
                                        <input
                                            type="text"
                                            data-testid="disconnect-name"
                                            prop:value=move || typed.get()
                                            on:input=move |ev| typed.set(event_target_value(&ev))
                                        />
                                    </label>
                                </div>
                            }
                                .into_any()
                        }
                        Err(failure) => view! { <p class="alert alert-error">{failure.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <button type="button" class="button button-danger" data-testid="disconnect-confirm" disabled=move || busy.get() on:click=confirm>
                "Disconnect and delete"
            </button>
        </div>
    }
}
