//! `/settings/transfer`: the mappings as code. Download them as JSON (the export endpoint);
//! upload a file, see how it differs from what is saved and what the rules say of it (checked
//! here by `shared::sync`), then apply it (the import endpoint, which checks again) or cancel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sync::{AttributeMapping, SyncSettings, validate_settings};
use wasm_bindgen::JsCast;

use super::{SETTINGS_PATH, Settings, SettingsFrame, Status, StatusView, WithSettings};
use crate::api;
use crate::format::count;

/// A version 1 mappings file as this page reads and sends it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct File {
    version: u64,
    mappings: Vec<AttributeMapping>,
}

/// One line of the difference: `+` added, `-` removed.
fn describe(mapping: &AttributeMapping) -> String {
    format!(
        "{}: {} {} {}",
        mapping.object,
        mapping.intercom_attribute,
        match mapping.direction {
            shared::sync::Direction::ToSalesforce => "→",
            shared::sync::Direction::ToIntercom => "←",
        },
        mapping.salesforce_field
    )
}

#[component]
pub fn TransferPage() -> impl IntoView {
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"Mappings as code"</h1>
                    <p class="page-intro">
                        "Download the attribute mappings as JSON, keep them with your code, and load them into another installation."
                    </p>
                </div>
            </div>
            <WithSettings page=|settings| view! { <Transfer settings=settings /> }.into_any() />
        </SettingsFrame>
    }
}

#[component]
fn Transfer(settings: Settings) -> impl IntoView {
    let file = RwSignal::new(None::<File>);
    let status = RwSignal::new(None::<Status>);
    let read = move |ev: leptos::ev::Event| {
        status.set(None);
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(chosen) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(chosen.text())
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            match api::from_json::<File>(&text) {
                Ok(parsed) if parsed.version == 1 => file.set(Some(parsed)),
                Ok(parsed) => status.set(Some(Status::Refused(vec![format!(
                    "This mappings file is version {}; this sfbridge reads version 1 only.",
                    parsed.version
                )]))),
                Err(error) => status.set(Some(Status::Refused(vec![format!(
                    "This is not a mappings file: {error}"
                )]))),
            }
        });
    };
    let diff = move || {
        file.get().map(|file| {
            let saved = settings.saved.get();
            let added: Vec<String> = file
                .mappings
                .iter()
                .filter(|m| !saved.mappings.contains(m))
                .map(describe)
                .collect();
            let removed: Vec<String> = saved
                .mappings
                .iter()
                .filter(|m| !file.mappings.contains(m))
                .map(describe)
                .collect();
            let candidate = SyncSettings {
                identity: saved.identity.clone(),
                mappings: file.mappings.clone(),
                lead_fallbacks: Default::default(),
            };
            let problems: Vec<String> = settings.metadata.with_value(|meta| {
                validate_settings(&candidate, meta)
                    .err()
                    .unwrap_or_default()
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            });
            (added, removed, problems)
        })
    };
    let apply = move |_| {
        let Some(body) = file.get_untracked() else {
            return;
        };
        let path = format!("{SETTINGS_PATH}/mappings/import");
        let sent = body.clone();
        api::send_then(
            "POST",
            path,
            api::to_json(&sent).unwrap_or_default(),
            Box::new(move |answer| match answer {
                Ok(_) => {
                    let mappings = body.mappings;
                    let n = mappings.len() as u64;
                    settings.saved.update(|s| s.mappings = mappings.clone());
                    settings.draft.update(|d| d.mappings = mappings);
                    file.set(None);
                    status.set(Some(Status::Saved(format!(
                        "Imported: {} in place.",
                        count(n, "mapping")
                    ))));
                }
                Err(failure) => status.set(Some(Status::Refused(vec![failure.to_string()]))),
            }),
        );
    };
    view! {
        <section class="settings-section" aria-labelledby="export-title">
            <h2 class="section-title" id="export-title">"Download"</h2>
            <a class="button" href=format!("{SETTINGS_PATH}/mappings/export") download="sfbridge-mappings.json" data-testid="export-mappings">
                "Download mappings (JSON)"
            </a>
        </section>
        <section class="settings-section" aria-labelledby="import-title">
            <h2 class="section-title" id="import-title">"Upload"</h2>
            <label class="field">
                <span class="field-label">"Mappings file"</span>
                <input type="file" accept=".json,application/json" data-testid="import-file" on:change=read />
            </label>
            {move || diff().map(|(added, removed, problems)| {
                let refused = !problems.is_empty();
                view! {
                    <div class="transfer-diff" data-testid="import-diff">
                        <p data-testid="import-summary">
                            {format!("{} added, {} removed against what is saved.", added.len(), removed.len())}
                        </p>
                        <ul class="diff">
                            {added.into_iter().map(|l| view! { <li class="ok" data-testid="diff-added">{format!("+ {l}")}</li> }).collect_view()}
                            {removed.into_iter().map(|l| view! { <li class="rule" data-testid="diff-removed">{format!("- {l}")}</li> }).collect_view()}
                        </ul>
                        <ul class="rule-problems" data-testid="import-problems">
                            {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                        <div class="save-bar">
                            <button type="button" class="button" data-testid="import-apply" disabled=refused on:click=apply>
                                "Apply"
                            </button>
                            <button type="button" class="button button-secondary" data-testid="import-cancel" on:click=move |_| file.set(None)>
                                "Cancel"
                            </button>
                        </div>
                    </div>
                }
            })}
            <StatusView status=status testid="import-status" />
        </section>
    }
}
