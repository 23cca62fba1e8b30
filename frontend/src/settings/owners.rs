//! `/settings/owners`: the two owner switches (sync owners to Intercom, route new
//! conversations to their person's owner), and the org's active Salesforce users with the
//! teammate each matches by email; the unmatched are marked, and the installing teammate,
//! whom owners fall back to, is named.

use leptos::prelude::*;
use shared::owner::{OwnerSettings, OwnersView, UserMatch};

use super::{Draft, DraftBar, Loaded, SettingsFrame, Switch, track_unsaved};
use crate::format::count;

const OWNERS_PATH: &str = "/api/settings/owners";

#[component]
pub fn OwnersPage() -> impl IntoView {
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"Owners"</h1>
                    <p class="page-intro">
                        "Keep Intercom owners the same as Salesforce's, and send new conversations to the person's owner. Salesforce users are matched to teammates by email."
                    </p>
                </div>
            </div>
            <Loaded
                path=OWNERS_PATH
                what="the owner settings"
                testid="owners"
                page=|view: OwnersView| view! { <Owners view=view /> }.into_any()
            />
        </SettingsFrame>
    }
}

#[component]
fn Owners(view: OwnersView) -> impl IntoView {
    let OwnersView {
        settings,
        matches,
        installer,
    } = view;
    let draft = Draft::new(settings);
    track_unsaved(move || draft.changed());
    let switch = |testid: &'static str,
                  label: &'static str,
                  hint: &'static str,
                  get: fn(&OwnerSettings) -> bool,
                  set: fn(&mut OwnerSettings, bool)| {
        view! {
            <Switch
                testid=testid
                label=label
                checked=Signal::derive(move || draft.draft.with(get))
                on_toggle=Callback::new(move |on| draft.draft.update(|d| set(d, on)))
            />
            <p class="hint indent">{hint}</p>
        }
    };
    let matched = matches.iter().filter(|m| m.teammate.is_some()).count() as u64;
    let summary = format!(
        "{} of {} match a teammate.",
        matched,
        count(matches.len() as u64, "active user")
    );
    let fallback = match installer {
        Some(t) => format!(
            "A person whose Salesforce owner matches no teammate falls back to {}{}, who installed sfbridge.",
            t.name,
            t.email.map(|e| format!(" ({e})")).unwrap_or_default()
        ),
        None => "The teammate who installed sfbridge is not known: a person whose Salesforce owner matches no teammate keeps no owner.".to_owned(),
    };
    view! {
        <section class="settings-section" aria-labelledby="owner-switches">
            <h2 class="section-title" id="owner-switches">"Maintain lead and account ownership"</h2>
            {switch(
                "sync-owners",
                "Sync owners from Salesforce to Intercom",
                "When a person's owner changes in Salesforce, their Intercom owner follows: the account's owner first, then the contact's or lead's.",
                |s| s.sync_owners,
                |s, on| s.sync_owners = on,
            )}
            {switch(
                "route-conversations",
                "Assign new conversations to the person's owner",
                "A conversation nobody is assigned to goes to the teammate who owns its person in Salesforce.",
                |s| s.route_conversations,
                |s, on| s.route_conversations = on,
            )}
            <DraftBar
                draft=draft
                path=OWNERS_PATH
                confirmation="Owner settings saved."
                testid="owners"
                status_testid="owners-status"
            />
        </section>
        <section class="settings-section" aria-labelledby="owner-matches">
            <h2 class="section-title" id="owner-matches">"Salesforce users and their teammates"</h2>
            <p class="hint" data-testid="owners-summary">{summary}</p>
            <p class="hint" data-testid="installer-fallback">{fallback}</p>
            {if matches.is_empty() {
                view! { <p class="empty" data-testid="owners-empty">"The org has no active user."</p> }.into_any()
            } else {
                view! { <MatchTable matches=matches /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn MatchTable(matches: Vec<UserMatch>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="mappings" data-testid="owner-matches">
                <thead>
                    <tr>
                        <th scope="col">"Salesforce user"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Intercom teammate"</th>
                    </tr>
                </thead>
                <tbody>
                    {matches
                        .into_iter()
                        .map(|m| {
                            let user = m.salesforce_user;
                            let email = user.email.unwrap_or_default();
                            let teammate_id = m.teammate.as_ref().map(|t| t.id.clone()).unwrap_or_default();
                            view! {
                                <tr
                                    data-testid="owner-row"
                                    data-user-id=user.id
                                    data-teammate-id=teammate_id
                                >
                                    <td>{user.name}</td>
                                    <td>{email}</td>
                                    <td>
                                        {match m.teammate {
                                            Some(t) => view! { <span>{t.name}</span> }.into_any(),
                                            None => view! {
                                                <span class="badge badge-warn" data-testid="unmatched">"No teammate"</span>
                                            }
                                            .into_any(),
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
