//! `/settings/accounts`: the company key (Intercom `company_id` = an Account field: Account
//! Number recommended; never a text area or the record Id), the Account mapping table, and
//! the account article's two trigger tables, rendered from `shared::sync::triggers`.

use leptos::prelude::*;
use shared::sync::{
    AccountEvent, CompanyAction, CompanyEvent, CompanyIdentity, CompanyRecord,
    IntercomCompanyEvent, SalesforceFieldType, SalesforceObject, SyncMetadata, company_actions,
};

use super::identity::{SaveIdentity, Which};
use super::mappings::MappingTable;
use super::{SaveBar, Settings, SettingsFrame, WithSettings};

/// The recommended company key.
const RECOMMENDED: &str = "AccountNumber";

#[component]
pub fn AccountSyncPage() -> impl IntoView {
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"Account sync"</h1>
                    <p class="page-intro">
                        "How Intercom companies find their Salesforce accounts, which attributes sync, and what each change does."
                    </p>
                </div>
            </div>
            <WithSettings page=|settings| view! { <AccountSettings settings=settings /> }.into_any() />
        </SettingsFrame>
    }
}

/// The Account fields that may hold `company_id`: text, integer, double or id, never the
/// record Id; Account Number first.
pub fn company_key_fields(meta: &SyncMetadata) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = meta
        .fields_of(SalesforceObject::Account)
        .filter(|f| {
            !f.is_named("Id")
                && matches!(
                    f.field_type,
                    SalesforceFieldType::String
                        | SalesforceFieldType::Int
                        | SalesforceFieldType::Double
                        | SalesforceFieldType::Id
                )
        })
        .map(|f| {
            let recommended = if f.is_named(RECOMMENDED) {
                ": recommended"
            } else {
                ""
            };
            (
                f.name.clone(),
                format!("{} ({}){recommended}", f.label, f.field_type),
            )
        })
        .collect();
    fields.sort_by_key(|(name, _)| !name.eq_ignore_ascii_case(RECOMMENDED));
    fields
}

#[component]
fn AccountSettings(settings: Settings) -> impl IntoView {
    let fields = settings.metadata.with_value(company_key_fields);
    let key = move || {
        settings
            .draft
            .with(|d| d.identity.companies.salesforce_field.clone())
    };
    let used = move |name: &str| {
        settings.draft.with(|d| {
            d.mappings.iter().any(|m| {
                m.object == SalesforceObject::Account
                    && m.salesforce_field.eq_ignore_ascii_case(name)
            })
        })
    };
    view! {
        <section class="settings-section" aria-labelledby="company-matching">
            <h2 class="section-title" id="company-matching">"Map companies and accounts"</h2>
            <label class="field">
                <span class="field-label">"Salesforce Account field matched to the Intercom company ID"</span>
                <select
                    data-testid="company-key"
                    on:change=move |ev| {
                        let salesforce_field = event_target_value(&ev);
                        settings.draft.update(|d| d.identity.companies = CompanyIdentity { salesforce_field });
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
                                    prop:selected=move || key().eq_ignore_ascii_case(&selected)
                                >
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <p class="hint">"A text, number or id field that is unique per account; a text area or the record Id cannot identify accounts."</p>
            <SaveIdentity settings=settings which=Which::Companies />
        </section>
        <section class="settings-section" aria-labelledby="account-mappings">
            <h2 class="section-title" id="account-mappings">"Map attributes for companies and accounts"</h2>
            <MappingTable settings=settings object=SalesforceObject::Account />
            <SaveBar settings=settings />
        </section>
        <section class="settings-section" aria-labelledby="account-triggers">
            <h2 class="section-title" id="account-triggers">"What each change does"</h2>
            <TriggerTable
                title="A company changes in Intercom"
                testid="triggers-intercom"
                events=vec![
                    ("Created", CompanyEvent::Intercom(IntercomCompanyEvent::Created)),
                    ("Updated", CompanyEvent::Intercom(IntercomCompanyEvent::Updated)),
                    ("Deleted", CompanyEvent::Intercom(IntercomCompanyEvent::Deleted)),
                ]
            />
            <TriggerTable
                title="An account changes in Salesforce"
                testid="triggers-salesforce"
                events=vec![
                    ("Created", CompanyEvent::Salesforce(AccountEvent::Created)),
                    ("Updated", CompanyEvent::Salesforce(AccountEvent::Updated)),
                    ("Company key changed", CompanyEvent::Salesforce(AccountEvent::KeyChanged)),
                    ("Deleted", CompanyEvent::Salesforce(AccountEvent::Deleted)),
                ]
            />
            <p class="hint">
                "Only business accounts sync, and companies Intercom created during qualification are left alone: "
                {what(&company_actions(CompanyEvent::Salesforce(AccountEvent::Updated), false, CompanyRecord::PersonAccount))}
                "."
            </p>
        </section>
    }
}

/// The steps a change calls for, in words.
fn what(actions: &[CompanyAction]) -> String {
    if actions.is_empty() {
        return "nothing happens".to_owned();
    }
    actions
        .iter()
        .map(|a| match a {
            CompanyAction::Link => "link the matching record",
            CompanyAction::Relink => "drop the link and link by the new key",
            CompanyAction::Unlink => "delete the link",
            CompanyAction::SyncAllMapped => "sync every mapped attribute",
            CompanyAction::SyncChanged => "sync the changed mapped attributes",
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

#[component]
fn TriggerTable(
    title: &'static str,
    testid: &'static str,
    events: Vec<(&'static str, CompanyEvent)>,
) -> impl IntoView {
    let direction = events
        .first()
        .map(|(_, e)| e.direction().to_string())
        .unwrap_or_default();
    view! {
        <div class="table-scroll">
            <table class="triggers" data-testid=testid>
                <caption>{format!("{title} ({direction})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Change"</th>
                        <th scope="col">"Already linked"</th>
                        <th scope="col">"Not linked yet"</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|(label, event)| view! {
                            <tr data-testid="trigger-row">
                                <th scope="row">{label}</th>
                                <td>{what(&company_actions(event, true, CompanyRecord::Synced))}</td>
                                <td>{what(&company_actions(event, false, CompanyRecord::Synced))}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
