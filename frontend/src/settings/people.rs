//! `/settings/people`: how Intercom people find their Salesforce leads and contacts (a unique
//! email or text field with the email fallback, or email alone), and the Leads and Contacts
//! mapping tables. Switching tabs keeps the draft: both tables edit one.

use leptos::prelude::*;
use shared::sync::{PeopleIdentity, SalesforceFieldType, SalesforceObject, SyncMetadata};

use super::identity::{SaveIdentity, Which};
use super::mappings::MappingTable;
use super::{SaveBar, Settings, SettingsFrame, WithSettings};

#[component]
pub fn PeopleSyncPage() -> impl IntoView {
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"People sync"</h1>
                    <p class="page-intro">
                        "How Intercom users and leads find their Salesforce contacts and leads, and which attributes sync between them."
                    </p>
                </div>
            </div>
            <WithSettings page=|settings| view! { <PeopleSettings settings=settings /> }.into_any() />
        </SettingsFrame>
    }
}

/// The Contact fields that may identify people: email or text, and of the same kind on Leads
/// when Leads have the field too.
pub fn identity_fields(meta: &SyncMetadata) -> Vec<(String, String)> {
    let fits = |t: SalesforceFieldType| {
        matches!(t, SalesforceFieldType::Email | SalesforceFieldType::String)
    };
    meta.fields_of(SalesforceObject::Contact)
        .filter(|f| fits(f.field_type) && !f.is_compound())
        .filter(|f| {
            meta.salesforce_field(SalesforceObject::Lead, &f.name)
                .is_none_or(|l| fits(l.field_type))
        })
        .map(|f| (f.name.clone(), format!("{} ({})", f.label, f.field_type)))
        .collect()
}

#[component]
fn PeopleSettings(settings: Settings) -> impl IntoView {
    let tab = RwSignal::new(SalesforceObject::Lead);
    let tab_button = move |object: SalesforceObject, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class="tab"
                id=format!("tab-{}", object.api_name())
                data-testid=format!("tab-{}", object.api_name())
                aria-selected=move || if tab.get() == object { "true" } else { "false" }
                aria-controls="mapping-panel"
                on:click=move |_| tab.set(object)
            >
                {label}
            </button>
        }
    };
    view! {
        <section class="settings-section" aria-labelledby="people-matching">
            <h2 class="section-title" id="people-matching">"Map leads and contacts"</h2>
            <PeopleIdentityForm settings=settings />
            <SaveIdentity settings=settings which=Which::People />
        </section>
        <section class="settings-section" aria-labelledby="people-mappings">
            <h2 class="section-title" id="people-mappings">"Map attributes for leads and contacts"</h2>
            <div class="tabs" role="tablist" aria-label="Salesforce object">
                {tab_button(SalesforceObject::Lead, "Leads")}
                {tab_button(SalesforceObject::Contact, "Contacts")}
            </div>
            <div id="mapping-panel" role="tabpanel" data-testid="mapping-panel">
                {move || {
                    let object = tab.get();
                    view! {
                        {(object == SalesforceObject::Lead).then(|| view! {
                            <p class="hint">"Salesforce needs the required Lead fields to create leads: they sync from Intercom to Salesforce and stay mapped."</p>
                        })}
                        <MappingTable settings=settings object=object />
                    }
                }}
            </div>
            <SaveBar settings=settings />
        </section>
    }
}

#[component]
fn PeopleIdentityForm(settings: Settings) -> impl IntoView {
    let fields = settings.metadata.with_value(identity_fields);
    // The field a unique-identifier choice starts from: the saved one, else the first that fits.
    let first = fields
        .first()
        .map(|(name, _)| name.clone())
        .unwrap_or_default();
    let remembered = RwSignal::new(settings.saved.with_untracked(|s| match &s.identity.people {
        PeopleIdentity::ExternalId {
            salesforce_field, ..
        } => salesforce_field.clone(),
        PeopleIdentity::Email => first.clone(),
    }));
    let people = move || settings.draft.with(|d| d.identity.people.clone());
    let by_id = move || matches!(people(), PeopleIdentity::ExternalId { .. });
    let fallback = move || match people() {
        PeopleIdentity::ExternalId { email_fallback, .. } => email_fallback,
        PeopleIdentity::Email => true,
    };
    let set = move |value: PeopleIdentity| {
        if let PeopleIdentity::ExternalId {
            salesforce_field, ..
        } = &value
        {
            remembered.set(salesforce_field.clone());
        }
        settings.draft.update(|d| d.identity.people = value);
    };
    // Fields a Lead or Contact mapping uses are disabled, as the article says.
    let used = move |name: &str| {
        settings.draft.with(|d| {
            d.mappings.iter().any(|m| {
                m.object != SalesforceObject::Account
                    && m.salesforce_field.eq_ignore_ascii_case(name)
            })
        })
    };
    view! {
        <fieldset class="identity" data-testid="people-identity">
            <legend class="visually-hidden">"How people are matched"</legend>
            <label class="radio">
                <input
                    type="radio"
                    name="people-match"
                    data-testid="match-by-id"
                    prop:checked=by_id
                    on:change=move |_| set(PeopleIdentity::ExternalId {
                        salesforce_field: remembered.get_untracked(),
                        email_fallback: true,
                    })
                />
                "Map using a unique identifier (with User ID in Intercom): recommended"
            </label>
            <div class="indent" class:muted=move || !by_id()>
                <label class="field">
                    <span class="field-label">"Salesforce unique field"</span>
                    <select
                        data-testid="identity-field"
                        disabled=move || !by_id()
                        on:change=move |ev| {
                            let salesforce_field = event_target_value(&ev);
                            set(PeopleIdentity::ExternalId { salesforce_field, email_fallback: fallback() });
                        }
                    >
                        {fields
                            .into_iter()
                            .map(|(name, label)| {
                                let selected = name.clone();
                                let disabled = name.clone();
                                view! {
                                    <option
                                        value=name
                                        prop:disabled=move || used(&disabled)
                                        prop:selected=move || remembered.get().eq_ignore_ascii_case(&selected)
                                    >
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="hint">"Only Salesforce email or text fields can identify leads and contacts."</p>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="email-fallback"
                        disabled=move || !by_id()
                        prop:checked=fallback
                        on:change=move |ev| {
                            let email_fallback = event_target_checked(&ev);
                            set(PeopleIdentity::ExternalId { salesforce_field: remembered.get_untracked(), email_fallback });
                        }
                    />
                    "Map using email address when User ID isn't set in Intercom"
                </label>
                <Show when=move || by_id() && !fallback()>
                    <p class="alert alert-warn" role="note" data-testid="fallback-warning">
                        "Unchecked, only Intercom users are matched with Salesforce, not leads: lead creation from Intercom will not work."
                    </p>
                </Show>
            </div>
            <label class="radio">
                <input
                    type="radio"
                    name="people-match"
                    data-testid="match-by-email"
                    prop:checked=move || !by_id()
                    on:change=move |_| settings.draft.update(|d| d.identity.people = PeopleIdentity::Email)
                />
                "Map using email address"
            </label>
            <p class="hint">
                "By email, users are preferred over leads; between two users or two leads, the one updated last is matched."
            </p>
        </fieldset>
    }
}
