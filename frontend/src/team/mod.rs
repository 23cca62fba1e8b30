//! `/team` (admins): the workspace's teammates and their roles here, one-time sign-in links
//! for teammates (workspaces connected through a private app), and the audit log.

use leptos::prelude::*;
use shared::access::{AuditLog, NewSignInLink, Role, SetRole, SignInLink, TeamMember, TeamView};

use crate::api;

#[component]
pub fn TeamPage() -> impl IntoView {
    let team = api::resource(Box::new(|| "/api/admin/team".to_owned()));
    let audit = api::resource(Box::new(|| "/api/admin/audit".to_owned()));
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<SignInLink>);
    let changed = move || {
        team.refetch();
        audit.refetch();
    };
    view! {
        <div class="page-header">
            <div>
                <h1>"Team"</h1>
                <p class="page-intro">
                    "Teammates of the Intercom workspace use the card, cases and the inbox; admins also "
                    "connect the services, change settings and read sync health."
                </p>
            </div>
        </div>
        {move || error.get().map(|message| view! {
            <div class="alert alert-error" role="alert" data-testid="team-error"><p class="alert-message">{message}</p></div>
        })}
        {move || link.get().map(|link| view! {
            <div class="alert alert-success" role="status" data-testid="sign-in-link">
                <p class="alert-message">
                    {format!("A one-time sign-in link for {} (it works once, within 24 hours):", link.teammate.name)}
                </p>
                <p><code data-testid="sign-in-link-url">{link.url}</code></p>
            </div>
        })}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match team.await.and_then(|a| a.read::<TeamView>()) {
                    Ok(view) => {
                        let links = view.sign_in_links;
                        view! {
                            <table class="team" data-testid="team">
                                <thead><tr><th>"Teammate"</th><th>"Email"</th><th>"Role"</th><th></th></tr></thead>
                                <tbody>
                                    {view
                                        .members
                                        .into_iter()
                                        .map(|member| view! { <Member member=member links=links error=error link=link on_change=changed /> })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(failure) => view! { <p class="alert alert-error">{failure.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <h2 class="section-title">"Audit log"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match audit.await.and_then(|a| a.read::<AuditLog>()) {
                    Ok(log) => view! {
                        <ul class="audit" data-testid="audit-log">
                            {log.entries.into_iter().map(|entry| {
                                let when = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(entry.at as f64))
                                    .to_iso_string()
                                    .as_string()
                                    .unwrap_or_default();
                                view! {
                                    <li data-testid="audit-entry">
                                        <time>{when}</time> " " <strong>{entry.actor}</strong> " " {entry.action}
                                        {(!entry.detail.is_empty()).then(|| format!(": {}", entry.detail))}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                        .into_any(),
                    Err(failure) => view! { <p class="alert alert-error">{failure.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Member<F>(
    member: TeamMember,
    links: bool,
    error: RwSignal<Option<String>>,
    link: RwSignal<Option<SignInLink>>,
    on_change: F,
) -> impl IntoView
where
    F: Fn() + Clone + Send + Sync + 'static,
{
    let id = member.teammate.id.clone();
    let admin = member.role == Role::Admin;
    let set_role = {
        let id = id.clone();
        let on_change = on_change.clone();
        move |_| {
            let id = id.clone();
            let on_change = on_change.clone();
            let role = if admin { Role::Teammate } else { Role::Admin };
            let path = format!("{}/role", api::with_id("/api/admin/team", &id));
            api::send_json_then(
                "PUT",
                path,
                &SetRole { role },
                move |answer: Result<TeamView, _>| match answer {
                    Ok(_) => {
                        error.set(None);
                        on_change();
                    }
                    Err(failure) => error.set(Some(failure.to_string())),
                },
            );
        }
    };
    let make_link = {
        let id = id.clone();
        move |_| {
            let body = NewSignInLink {
                teammate_id: id.clone(),
            };
            let on_change = on_change.clone();
            api::send_json_then(
                "POST",
                "/api/admin/sign-in-links".to_owned(),
                &body,
                move |answer: Result<SignInLink, _>| match answer {
                    Ok(made) => {
                        link.set(Some(made));
                        on_change();
                    }
                    Err(failure) => error.set(Some(failure.to_string())),
                },
            );
        }
    };
    view! {
        <tr data-testid="team-member" data-teammate-id=id.clone() data-role=if admin { "admin" } else { "teammate" }>
            <td>{member.teammate.name.clone()} {member.installer.then_some(" (installed sfbridge)")}</td>
            <td>{member.teammate.email.clone().unwrap_or_default()}</td>
            <td>{member.role.label()}</td>
            <td class="actions">
                <button type="button" class="button button-small" data-testid="toggle-admin" on:click=set_role>
                    {if admin { "Remove admin" } else { "Make admin" }}
                </button>
                {links.then(|| view! {
                    <button type="button" class="button button-small" data-testid="make-sign-in-link" on:click=make_link.clone()>
                        "Sign-in link"
                    </button>
                })}
            </td>
        </tr>
    }
}
