//! Saving an identity choice (how people, or companies, are matched): checked here first by
//! `shared::sync`, then, when the key changes, the number of links it drops asked of the
//! server (`POST /api/settings/sync/identity/preview`) and confirmed by the admin before the
//! `PUT`.

use leptos::prelude::*;
use shared::sync::settings::{IdentitySaved, Unlinked};
use shared::sync::{
    IdentitySettings, MappingRefusal, SettingsProblem, SyncSettings, unlinks_needed,
    validate_settings,
};

use super::{SETTINGS_PATH, Settings, Status, StatusView};
use crate::api;
use crate::format::count;

/// Which identity a form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    People,
    Companies,
}

/// The saved identity with the draft's choice for `which` in place.
fn candidate(settings: Settings, which: Which) -> IdentitySettings {
    let mut identity = settings.saved.with_untracked(|s| s.identity.clone());
    settings.draft.with_untracked(|d| match which {
        Which::People => identity.people = d.identity.people.clone(),
        Which::Companies => identity.companies = d.identity.companies.clone(),
    });
    identity
}

/// What the rules say of the candidate: its own refusal, and any saved mapping that uses the
/// new key (the server refuses the same).
fn problems(settings: Settings, identity: &IdentitySettings, which: Which) -> Vec<String> {
    settings.metadata.with_value(|meta| {
        let mut words = Vec::new();
        let own = match which {
            Which::People => identity.people.validate(meta),
            Which::Companies => identity.companies.validate(meta),
        };
        if let Err(refusal) = own {
            words.push(refusal.to_string());
        }
        let with_saved = SyncSettings {
            identity: identity.clone(),
            mappings: settings.saved.with_untracked(|s| s.mappings.clone()),
            lead_fallbacks: Default::default(),
        };
        if let Err(all) = validate_settings(&with_saved, meta) {
            words.extend(
                all.into_iter()
                    .filter(|p| {
                        matches!(
                            p,
                            SettingsProblem::Mapping {
                                refusal: MappingRefusal::IdentityKey { .. },
                                ..
                            }
                        )
                    })
                    .map(|p| p.to_string()),
            );
        }
        words
    })
}

/// Whether the draft's choice for `which` differs from the saved one.
pub fn changed(settings: Settings, which: Which) -> bool {
    settings.draft.with(|d| {
        settings.saved.with(|s| match which {
            Which::People => d.identity.people != s.identity.people,
            Which::Companies => d.identity.companies != s.identity.companies,
        })
    })
}

/// The sentence a confirmation shows for `unlinked`.
pub fn drop_sentence(unlinked: &Unlinked, which: Which) -> String {
    match which {
        Which::People => format!(
            "Changing how people are matched drops {} between Intercom people and Salesforce leads and contacts; new links form going forward.",
            count(unlinked.people, "link")
        ),
        Which::Companies => format!(
            "Changing how companies are matched drops {} between Intercom companies and Salesforce accounts; new links form going forward.",
            count(unlinked.companies, "link")
        ),
    }
}

/// The Save button of an identity choice, its confirmation and its outcome.
#[component]
pub fn SaveIdentity(settings: Settings, which: Which) -> impl IntoView {
    let status = RwSignal::new(None::<Status>);
    let confirming = RwSignal::new(None::<(IdentitySettings, Unlinked)>);
    let busy = RwSignal::new(false);
    let put = move |identity: IdentitySettings| {
        busy.set(true);
        let path = format!("{SETTINGS_PATH}/identity");
        api::send_json_then(
            "PUT",
            path,
            &identity,
            move |answer: Result<IdentitySaved, _>| {
                match answer {
                    Ok(saved) => {
                        settings
                            .saved
                            .update(|s| s.identity = saved.identity.clone());
                        settings.draft.update(|d| d.identity = saved.identity);
                        let dropped = match which {
                            Which::People => saved.unlinked.people,
                            Which::Companies => saved.unlinked.companies,
                        };
                        let mut message = "Matching saved.".to_owned();
                        if dropped > 0 {
                            message.push_str(&format!(" {} dropped.", count(dropped, "link")));
                        }
                        status.set(Some(Status::Saved(message)));
                    }
                    Err(failure) => status.set(Some(Status::Refused(vec![failure.to_string()]))),
                }
                busy.set(false);
            },
        );
    };
    let save = move |_| {
        confirming.set(None);
        let identity = candidate(settings, which);
        let words = problems(settings, &identity, which);
        if !words.is_empty() {
            status.set(Some(Status::Refused(words)));
            return;
        }
        let before = settings.saved.with_untracked(|s| s.identity.clone());
        let needed = unlinks_needed(&before, &identity);
        let drops = match which {
            Which::People => needed.people,
            Which::Companies => needed.companies,
        };
        if !drops {
            put(identity);
            return;
        }
        busy.set(true);
        let path = format!("{SETTINGS_PATH}/identity/preview");
        let sent = identity.clone();
        api::send_json_then("POST", path, &sent, move |answer: Result<Unlinked, _>| {
            match answer {
                Ok(unlinked) => confirming.set(Some((identity, unlinked))),
                Err(failure) => status.set(Some(Status::Refused(vec![failure.to_string()]))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="save-bar">
            <button
                type="button"
                class="button"
                data-testid="save-identity"
                disabled=move || busy.get() || !changed(settings, which)
                on:click=save
            >
                "Save matching"
            </button>
        </div>
        {move || confirming.get().map(|(identity, unlinked)| view! {
            <div class="alert alert-warn confirm" role="alertdialog" aria-label="Confirm the change" data-testid="identity-confirm">
                <p class="alert-message" data-testid="identity-confirm-text">{drop_sentence(&unlinked, which)}</p>
                <div class="confirm-actions">
                    <button
                        type="button"
                        class="button"
                        data-testid="identity-confirm-yes"
                        on:click=move |_| {
                            confirming.set(None);
                            put(identity.clone());
                        }
                    >
                        "Change and drop the links"
                    </button>
                    <button type="button" class="button button-secondary" data-testid="identity-confirm-no" on:click=move |_| confirming.set(None)>
                        "Cancel"
                    </button>
                </div>
            </div>
        })}
        <StatusView status=status testid="identity-status" />
    }
}
