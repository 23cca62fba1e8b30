//! The settings pages (admins only, admin bundle), each under the settings navigation:
//! People sync (`people.rs`), Account sync (`accounts.rs`), Sync health (`health.rs`), Mappings as code
//! (`transfer.rs`). The mapping table and its editor
//! (`mappings.rs`) and the identity choice with its confirmation (`identity.rs`) are shared by
//! both; the required Lead fields' fallbacks (`fallbacks.rs`) are People sync's. Every rule is checked here by `shared::sync`, the same code the server runs, as the
//! admin chooses; the server checks again on save.

pub mod accounts;
pub mod fallbacks;
pub mod health;
pub mod identity;
pub mod mappings;
pub mod people;
pub mod transfer;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use shared::sync::{
    AttributeMapping, IdentitySettings, LeadFallbacks, SettingsProblem, SyncMetadata, SyncSettings,
    validate_settings,
};

use crate::api::{self, LoadError};
use crate::problem::LoadProblem;

/// The sync settings and their problems.
pub const SETTINGS_PATH: &str = "/api/settings/sync";
/// The fields and attributes the rules check against.
pub const METADATA_PATH: &str = "/api/settings/sync/metadata";

/// What the pages read of the settings API's answers: the settings alone. The answer's
/// `problems` are found again here by the same code, so their (large) decoders stay out of
/// the bundle.
#[derive(serde::Deserialize)]
struct Saved {
    identity: IdentitySettings,
    mappings: Vec<AttributeMapping>,
    #[serde(default)]
    lead_fallbacks: LeadFallbacks,
}

impl From<Saved> for SyncSettings {
    fn from(saved: Saved) -> Self {
        SyncSettings {
            identity: saved.identity,
            mappings: saved.mappings,
            lead_fallbacks: saved.lead_fallbacks,
        }
    }
}

/// The settings pages, in the navigation's order.
pub const PAGES: [(&str, &str); 4] = [
    ("/settings/people", "People sync"),
    ("/settings/accounts", "Account sync"),
    ("/settings/health", "Sync health"),
    ("/settings/transfer", "Mappings as code"),
];

/// Whether the page shown holds changes not saved; the navigation and the browser ask before
/// they are lost.
#[derive(Clone, Copy)]
pub struct Unsaved(pub RwSignal<bool>);

/// Asks the admin whether unsaved changes may be dropped.
pub fn confirm_leave() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.confirm_with_message("Your changes are not saved. Leave this page and lose them?")
                .ok()
        })
        .unwrap_or(true)
}

/// A settings page: the settings navigation beside `children`. Leaving with unsaved changes
/// (another settings page, a reload, closing the tab) asks first.
#[component]
pub fn SettingsFrame(children: Children) -> impl IntoView {
    let unsaved = RwSignal::new(false);
    provide_context(Unsaved(unsaved));
    let handle = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if unsaved.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("unsaved");
        }
    });
    on_cleanup(move || handle.remove());
    let location = use_location();
    view! {
        <div class="settings">
            <nav class="settings-nav" aria-label="Settings" data-testid="settings-nav">
                {PAGES
                    .iter()
                    .map(|(href, label)| {
                        let href = *href;
                        view! {
                            <a
                                href=href
                                class="settings-link"
                                aria-current=move || (location.pathname.get() == href).then_some("page")
                                on:click=move |ev| {
                                    if unsaved.get_untracked() && !confirm_leave() {
                                        ev.prevent_default();
                                    }
                                }
                            >
                                {*label}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <div class="settings-page">{children()}</div>
        </div>
    }
}

/// The settings as saved, the admin's draft, and what the rules check them against.
#[derive(Clone, Copy)]
pub struct Settings {
    pub saved: RwSignal<SyncSettings>,
    pub draft: RwSignal<SyncSettings>,
    pub metadata: StoredValue<SyncMetadata>,
    /// Every problem of the draft, by `shared::sync::validate_settings`.
    pub problems: Memo<Vec<SettingsProblem>>,
    /// What the last save said.
    pub status: RwSignal<Option<Status>>,
}

/// The outcome of a save, shown under the page's buttons.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Saved(String),
    Refused(Vec<String>),
}

impl Settings {
    fn new(settings: SyncSettings, metadata: SyncMetadata) -> Self {
        let saved = RwSignal::new(settings.clone());
        let draft = RwSignal::new(settings);
        let metadata = StoredValue::new(metadata);
        let problems = Memo::new(move |_| {
            draft.with(|d| {
                metadata.with_value(|m| validate_settings(d, m).err().unwrap_or_default())
            })
        });
        if let Some(Unsaved(unsaved)) = use_context::<Unsaved>() {
            Effect::new(move |_| {
                let changed = draft.with(|d| saved.with(|s| d != s));
                unsaved.set(changed);
            });
        }
        Self {
            saved,
            draft,
            metadata,
            problems,
            status: RwSignal::new(None),
        }
    }

    /// Saves the draft's mappings and required Lead fields' fallbacks: refused here with every reason when a rule is broken
    /// (no request), else `PUT` and the confirmation, or the server's refusal.
    pub fn save_mappings(self) {
        let problems = self.problems.get_untracked();
        if !problems.is_empty() {
            self.status.set(Some(Status::Refused(
                problems.iter().map(ToString::to_string).collect(),
            )));
            return;
        }
        #[derive(serde::Serialize)]
        struct Body {
            mappings: Vec<shared::sync::AttributeMapping>,
            lead_fallbacks: LeadFallbacks,
        }
        let body = self.draft.with_untracked(|d| Body {
            mappings: d.mappings.clone(),
            lead_fallbacks: d.lead_fallbacks.clone(),
        });
        spawn_local(async move {
            let path = format!("{SETTINGS_PATH}/mappings");
            match api::send_json::<_, Saved>("PUT", &path, &body).await {
                Ok(answer) => {
                    let settings = SyncSettings::from(answer);
                    let count = settings.mappings.len() as u64;
                    self.saved.set(settings.clone());
                    self.draft.update(|d| {
                        d.mappings = settings.mappings;
                        d.lead_fallbacks = settings.lead_fallbacks;
                    });
                    self.status.set(Some(Status::Saved(format!(
                        "Settings saved: {} in place.",
                        crate::format::count(count, "mapping")
                    ))));
                }
                Err(failure) => self
                    .status
                    .set(Some(Status::Refused(vec![failure.to_string()]))),
            }
        });
    }

    /// Puts the saved mappings and fallbacks back in the draft.
    pub fn discard(self) {
        let saved = self.saved.get_untracked();
        self.draft.update(|d| {
            d.mappings = saved.mappings;
            d.lead_fallbacks = saved.lead_fallbacks;
        });
        self.status.set(None);
    }

    /// Whether the draft's mappings or fallbacks differ from the saved ones.
    pub fn mappings_changed(self) -> bool {
        self.draft.with(|d| {
            self.saved
                .with(|s| d.mappings != s.mappings || d.lead_fallbacks != s.lead_fallbacks)
        })
    }
}

/// The settings and the metadata, loaded together.
async fn load() -> Result<(SyncSettings, SyncMetadata), LoadError> {
    let saved = api::fetch::<Saved>(SETTINGS_PATH).await?;
    let metadata = api::fetch::<SyncMetadata>(METADATA_PATH).await?;
    Ok((saved.into(), metadata))
}

/// Loads the settings and renders `page` with them; the loading and failure states.
#[component]
pub fn WithSettings(page: fn(Settings) -> AnyView) -> impl IntoView {
    let data = LocalResource::new(load);
    view! {
        <Transition fallback=|| view! { <p class="loading" data-testid="settings-loading">"Loading the settings…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((settings, metadata)) => page(Settings::new(settings, metadata)),
                    Err(error) => view! {
                        <LoadProblem
                            error=error
                            what="the settings"
                            testid="settings"
                            on_retry=move |_| data.refetch()
                        />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// The save bar under a mapping table: Save settings, Discard, and what the last save said.
#[component]
pub fn SaveBar(settings: Settings) -> impl IntoView {
    view! {
        <div class="save-bar">
            <button
                type="button"
                class="button"
                data-testid="save-mappings"
                on:click=move |_| settings.save_mappings()
            >
                "Save settings"
            </button>
            <button
                type="button"
                class="button button-secondary"
                data-testid="discard-mappings"
                disabled=move || !settings.mappings_changed()
                on:click=move |_| settings.discard()
            >
                "Discard changes"
            </button>
            <span class="muted" data-testid="unsaved-note">
                {move || settings.mappings_changed().then_some("Unsaved changes")}
            </span>
        </div>
        <StatusView status=settings.status testid="save-status" />
    }
}

/// What a save said: a confirmation, or the reasons it was refused.
#[component]
pub fn StatusView(status: RwSignal<Option<Status>>, testid: &'static str) -> impl IntoView {
    move || {
        status.get().map(|status| match status {
            Status::Saved(message) => view! {
                <div class="alert alert-success" role="status" data-testid=testid data-outcome="saved">
                    <p class="alert-message">{message}</p>
                </div>
            }
            .into_any(),
            Status::Refused(reasons) => view! {
                <div class="alert alert-error" role="alert" data-testid=testid data-outcome="refused">
                    <p class="alert-title">"Not saved:"</p>
                    <ul>
                        {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any(),
        })
    }
}
