//! The settings pages (admins only, admin bundle), each under the settings navigation:
//! People sync (`people.rs`), Account sync (`accounts.rs`), Sync health (`health.rs`), Mappings as code
//! (`transfer.rs`). The mapping table and its editor
//! (`mappings.rs`) and the identity choice with its confirmation (`identity.rs`) are shared by
//! both; the required Lead fields' fallbacks (`fallbacks.rs`) are People sync's. Every rule is checked here by `shared::sync`, the same code the server runs, as the
//! admin chooses; the server checks again on save.

pub mod accounts;
pub mod cases;
pub mod fallbacks;
pub mod health;
pub mod identity;
pub mod mappings;
pub mod owners;
pub mod people;
pub mod transfer;
pub mod usage;

use leptos::prelude::*;
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
pub const PAGES: [(&str, &str); 7] = [
    ("/settings/people", "People sync"),
    ("/settings/accounts", "Account sync"),
    ("/settings/owners", "Owners"),
    ("/settings/cases", "Cases"),
    ("/settings/health", "Sync health"),
    ("/settings/usage", "API usage"),
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

/// Marks the page unsaved while `changed` says so (the navigation and the browser ask first).
pub fn track_unsaved(changed: impl Fn() -> bool + Send + Sync + 'static) {
    if let Some(Unsaved(unsaved)) = use_context::<Unsaved>() {
        Effect::new(move |_| unsaved.set(changed()));
    }
}

/// One settings document a page edits: as saved, the admin's draft, what the last save said.
pub struct Draft<T: Send + Sync + 'static> {
    pub saved: RwSignal<T>,
    pub draft: RwSignal<T>,
    pub status: RwSignal<Option<Status>>,
}

impl<T: Send + Sync + 'static> Clone for Draft<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Draft<T> {}

impl<T> Draft<T>
where
    T: Clone + PartialEq + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    pub fn new(value: T) -> Self {
        Draft {
            saved: RwSignal::new(value.clone()),
            draft: RwSignal::new(value),
            status: RwSignal::new(None),
        }
    }

    /// Whether the draft differs from what is saved.
    pub fn changed(self) -> bool {
        self.draft.with(|d| self.saved.with(|s| d != s))
    }

    /// Puts what is saved back in the draft.
    pub fn discard(self) {
        self.draft.set(self.saved.get_untracked());
        self.status.set(None);
    }

    /// `PUT`s the draft to `path`: what the server accepted becomes saved (and the draft), with
    /// `confirmation`; a refusal keeps the draft and shows the server's words.
    pub fn save(self, path: &'static str, confirmation: &'static str) {
        let body = match api::to_json(&self.draft.get_untracked()) {
            Ok(body) => body,
            Err(error) => {
                self.status.set(Some(Status::Refused(vec![error])));
                return;
            }
        };
        api::send_then(
            "PUT",
            path.to_owned(),
            body,
            Box::new(move |answer| match answer.and_then(|a| a.read::<T>()) {
                Ok(accepted) => {
                    self.saved.set(accepted.clone());
                    self.draft.set(accepted);
                    self.status
                        .set(Some(Status::Saved(confirmation.to_owned())));
                }
                Err(failure) => self
                    .status
                    .set(Some(Status::Refused(vec![failure.to_string()]))),
            }),
        );
    }
}

/// Save and Discard for a [`Draft`] (`{testid}-save`, `{testid}-discard`), and what the last
/// save said (`status_testid`).
#[component]
pub fn DraftBar<T>(
    draft: Draft<T>,
    path: &'static str,
    confirmation: &'static str,
    testid: &'static str,
    status_testid: &'static str,
) -> impl IntoView
where
    T: Clone + PartialEq + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    let save = move |_| draft.save(path, confirmation);
    view! {
        <div class="save-bar">
            <button type="button" class="button" data-testid=format!("{testid}-save") on:click=save>
                "Save"
            </button>
            <button
                type="button"
                class="button button-secondary"
                data-testid=format!("{testid}-discard")
                disabled=move || !draft.changed()
                on:click=move |_| draft.discard()
            >
                "Discard changes"
            </button>
            <span class="muted">{move || draft.changed().then_some("Unsaved changes")}</span>
        </div>
        <StatusView status=draft.status testid=status_testid />
    }
}

/// A radio button and its label: one copy of its code for every choice of every page.
#[component]
pub fn Choice(
    name: &'static str,
    testid: &'static str,
    label: &'static str,
    checked: Signal<bool>,
    on_choose: Callback<()>,
) -> impl IntoView {
    view! {
        <label class="radio">
            <input type="radio" name=name data-testid=testid prop:checked=move || checked.get() on:change=move |_| on_choose.run(()) />
            {label}
        </label>
    }
}

/// A checkbox and its label, like [`Choice`].
#[component]
pub fn Switch(
    testid: &'static str,
    label: &'static str,
    checked: Signal<bool>,
    on_toggle: Callback<bool>,
) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" data-testid=testid prop:checked=move || checked.get() on:change=move |ev| on_toggle.run(event_target_checked(&ev)) />
            {label}
        </label>
    }
}

/// Loads `T` from `path` and renders `page` with it; the loading and failure states.
#[component]
pub fn Loaded<T>(
    path: &'static str,
    what: &'static str,
    testid: &'static str,
    page: fn(T) -> AnyView,
) -> impl IntoView
where
    T: Clone + serde::de::DeserializeOwned + 'static,
{
    let data = api::resource(Box::new(move || path.to_owned()));
    view! {
        <Transition fallback=move || view! { <p class="loading" data-testid=format!("{testid}-loading")>{format!("Loading {what}…")}</p> }>
            {move || Suspend::new(async move {
                match data.await.and_then(|answer| answer.read::<T>()) {
                    Ok(value) => page(value),
                    Err(error) => view! {
                        <LoadProblem error=error what=what testid=testid on_retry=move |_| data.refetch() />
                    }
                    .into_any(),
                }
            })}
        </Transition>
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
        let path = format!("{SETTINGS_PATH}/mappings");
        api::send_json_then(
            "PUT",
            path,
            &body,
            move |answer: Result<Saved, _>| match answer {
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
            },
        );
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

/// The settings and the metadata, read from their answers.
fn read(
    saved: api::Answer,
    metadata: api::Answer,
) -> Result<(SyncSettings, SyncMetadata), LoadError> {
    let saved = saved?.read::<Saved>()?;
    let metadata = metadata?.read::<SyncMetadata>()?;
    Ok((saved.into(), metadata))
}

/// Loads the settings and renders `page` with them; the loading and failure states.
#[component]
pub fn WithSettings(page: fn(Settings) -> AnyView) -> impl IntoView {
    let saved = api::resource(Box::new(|| SETTINGS_PATH.to_owned()));
    let metadata = api::resource(Box::new(|| METADATA_PATH.to_owned()));
    let refetch = move || {
        saved.refetch();
        metadata.refetch();
    };
    view! {
        <Transition fallback=|| view! { <p class="loading" data-testid="settings-loading">"Loading the settings…"</p> }>
            {move || Suspend::new(async move {
                match read(saved.await, metadata.await) {
                    Ok((settings, metadata)) => page(Settings::new(settings, metadata)),
                    Err(error) => view! {
                        <LoadProblem
                            error=error
                            what="the settings"
                            testid="settings"
                            on_retry=move |_| refetch()
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
