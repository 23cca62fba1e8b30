//! `/settings/cases`: which form teammates fill in to file a case (the org's record types, or
//! a custom list of Case fields: added, removed and reordered, Salesforce's required fields
//! locked in), who owns a filed case (with the permission the teammate option needs), and
//! beside them the switch that sends conversations to Salesforce as Tasks. The page offers
//! only what the rules of `shared::case_form` accept (fields Salesforce lets a new case set,
//! required ones never removable, never an empty form); the server checks again on save.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::case_form::{CaseDescribe, CaseSettings, DescribedField, FormMode, OwnerMode};
use shared::tasks::TaskSettings;

use super::{Choice, Draft, DraftBar, SettingsFrame, Switch, track_unsaved};
use crate::api::{self, LoadError};
use crate::problem::LoadProblem;

const CASES_PATH: &str = "/api/settings/cases";
const TASKS_PATH: &str = "/api/settings/tasks";

/// The case settings as the API spells them (`shared::case_form::CaseSettings`), read as
/// plain structs: serde's internally tagged enums buffer what they read, which weighs on the
/// bundle.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    form_mode: Form,
    owner_mode: OwnerMode,
}

/// `{"mode": "record_types"}` or `{"mode": "custom", "fields": [..]}`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct Form {
    mode: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<String>,
}

const CUSTOM: &str = "custom";

/// `GET /api/settings/cases`: the settings and the Case fields a form may show.
#[derive(Clone, Deserialize)]
pub struct View {
    settings: Settings,
    fields: Vec<DescribedField>,
}

fn read(cases: api::Answer, tasks: api::Answer) -> Result<(View, TaskSettings), LoadError> {
    Ok((cases?.read()?, tasks?.read()?))
}

#[component]
pub fn CaseSettingsPage() -> impl IntoView {
    let cases = api::resource(Box::new(|| CASES_PATH.to_owned()));
    let tasks = api::resource(Box::new(|| TASKS_PATH.to_owned()));
    view! {
        <SettingsFrame>
            <div class="page-header">
                <div>
                    <h1>"Cases"</h1>
                    <p class="page-intro">
                        "The form teammates fill in to file a Salesforce case from a conversation, who owns the case, and whether conversations reach Salesforce as Tasks."
                    </p>
                </div>
            </div>
            <Transition fallback=|| view! { <p class="loading" data-testid="cases-loading">"Loading the case settings…"</p> }>
                {move || Suspend::new(async move {
                    match read(cases.await, tasks.await) {
                        Ok((cases, tasks)) => view! { <CaseSettingsForm view=cases tasks=tasks /> }.into_any(),
                        Err(error) => view! {
                            <LoadProblem error=error what="the case settings" testid="cases" on_retry=move |_| { cases.refetch(); tasks.refetch(); } />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </SettingsFrame>
    }
}

/// The custom form's fields, when the draft has a custom form.
fn custom_fields(settings: &Settings) -> Option<&Vec<String>> {
    (settings.form_mode.mode == CUSTOM).then_some(&settings.form_mode.fields)
}

/// The custom form edited in place (nothing happens to a record-type form).
fn edit(draft: Draft<Settings>, change: impl FnOnce(&mut Vec<String>)) {
    draft.draft.update(|s| {
        if s.form_mode.mode == CUSTOM {
            change(&mut s.form_mode.fields);
        }
    });
}

#[component]
pub fn CaseSettingsForm(view: View, tasks: TaskSettings) -> impl IntoView {
    let View { settings, fields } = view;
    let describe = StoredValue::new(CaseDescribe { fields });
    // The list a custom form starts from: the saved one, else Subject, Description and the
    // required fields.
    let starting_list = match custom_fields(&settings) {
        Some(fields) => fields.clone(),
        None => describe.with_value(|d| match CaseSettings::initial(d).form_mode {
            FormMode::Custom { fields } => fields,
            FormMode::RecordTypes => Vec::new(),
        }),
    };
    let remembered = StoredValue::new(starting_list);
    let cases = Draft::new(settings);
    let tasks = Draft::new(tasks);
    track_unsaved(move || cases.changed() || tasks.changed());
    let is_custom = move || cases.draft.with(|s| custom_fields(s).is_some());
    let set_mode = move |custom: bool| {
        cases.draft.update(|s| {
            if let Some(fields) = custom_fields(s) {
                remembered.set_value(fields.clone());
            }
            s.form_mode = Form {
                mode: if custom { CUSTOM } else { "record_types" }.to_owned(),
                fields: if custom {
                    remembered.get_value()
                } else {
                    Vec::new()
                },
            };
        });
    };
    let owner = move || cases.draft.with(|s| s.owner_mode);
    let set_owner = move |mode: OwnerMode| cases.draft.update(|s| s.owner_mode = mode);
    view! {
        <section class="settings-section" aria-labelledby="case-form">
            <h2 class="section-title" id="case-form">"Case form"</h2>
            <fieldset class="identity">
                <legend class="visually-hidden">"Which form teammates fill in"</legend>
                <Choice name="case-form" testid="form-record-types" label="Use my Salesforce case record types"
                    checked=Signal::derive(move || !is_custom()) on_choose=Callback::new(move |()| set_mode(false)) />
                <p class="hint indent">"Teammates choose a record type (the default one preselected) and fill in its layout's fields, with its picklist values and required fields."</p>
                <Choice name="case-form" testid="form-custom" label="Use a custom form"
                    checked=Signal::derive(is_custom) on_choose=Callback::new(move |()| set_mode(true)) />
            </fieldset>
            {move || is_custom().then(|| view! { <CustomFields cases=cases describe=describe /> })}
        </section>
        <section class="settings-section" aria-labelledby="case-owner">
            <h2 class="section-title" id="case-owner">"Case owner"</h2>
            <fieldset class="identity">
                <legend class="visually-hidden">"Who owns a filed case"</legend>
                <Choice name="case-owner" testid="owner-salesforce" label="Use my Salesforce configuration"
                    checked=Signal::derive(move || owner() == OwnerMode::SalesforceRules) on_choose=Callback::new(move |()| set_owner(OwnerMode::SalesforceRules)) />
                <p class="hint indent">"sfbridge sets no owner: your assignment rules and workflows decide."</p>
                <Choice name="case-owner" testid="owner-teammate" label="Assign the teammate who files the case"
                    checked=Signal::derive(move || owner() == OwnerMode::AssignTeammate) on_choose=Callback::new(move |()| set_owner(OwnerMode::AssignTeammate)) />
                <p class="hint indent" data-testid="owner-permission">
                    "Needs an active Salesforce user with the teammate's email address and permission to edit cases. Without one, Salesforce's rules decide and the teammate is told."
                </p>
            </fieldset>
            <DraftBar
                draft=cases
                path=CASES_PATH
                confirmation="Case settings saved."
                testid="cases"
                status_testid="cases-status"
            />
        </section>
        <section class="settings-section" aria-labelledby="case-tasks">
            <h2 class="section-title" id="case-tasks">"Conversations as Salesforce Tasks"</h2>
            <Switch
                testid="send-conversations"
                label="Send conversations to Salesforce as Tasks"
                checked=Signal::derive(move || tasks.draft.with(|t| t.send_conversations))
                on_toggle=Callback::new(move |on| tasks.draft.update(|t| t.send_conversations = on))
            />
            <p class="hint indent">
                "Each conversation that starts becomes a completed Task on its person's lead or contact, owned by the Salesforce user of the assigned teammate. Its transcript is rewritten every time the conversation closes."
            </p>
            <DraftBar
                draft=tasks
                path=TASKS_PATH
                confirmation="Conversations as Tasks saved."
                testid="tasks"
                status_testid="tasks-status"
            />
        </section>
    }
}

/// The custom form's fields in order: move, remove (never a required one), add.
#[component]
fn CustomFields(cases: Draft<Settings>, describe: StoredValue<CaseDescribe>) -> impl IntoView {
    let field = move |name: &str| -> Option<DescribedField> {
        describe.with_value(|d| {
            d.fields
                .iter()
                .find(|f| f.api_name.eq_ignore_ascii_case(name))
                .cloned()
        })
    };
    let list = move || {
        cases
            .draft
            .with(|s| custom_fields(s).cloned().unwrap_or_default())
    };
    let addable = move || {
        let chosen = list();
        describe.with_value(|d| {
            d.fields
                .iter()
                .filter(|f| !chosen.iter().any(|c| c.eq_ignore_ascii_case(&f.api_name)))
                .map(|f| (f.api_name.clone(), f.label.clone()))
                .collect::<Vec<_>>()
        })
    };
    let pick = RwSignal::new(String::new());
    view! {
        <ol class="case-fields" data-testid="case-fields">
            {move || {
                let names = list();
                let last = names.len().saturating_sub(1);
                names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let described = field(&name);
                        let label = described.as_ref().map(|f| f.label.clone()).unwrap_or_else(|| name.clone());
                        let required = described.as_ref().is_some_and(DescribedField::required);
                        view! {
                            <li class="case-field" data-testid="case-field" data-field=name.clone()>
                                <span class="case-field-name">{label}" "<code>{name.clone()}</code></span>
                                {required.then(|| view! { <span class="badge badge-idle" data-testid="required-case-field">"Required"</span> })}
                                <span class="case-field-actions">
                                    <button type="button" class="button button-small button-secondary" data-testid="move-up" aria-label=format!("Move {name} up") disabled=i == 0
                                        on:click=move |_| edit(cases, |f| f.swap(i, i - 1))>"↑"</button>
                                    <button type="button" class="button button-small button-secondary" data-testid="move-down" aria-label=format!("Move {name} down") disabled=i == last
                                        on:click=move |_| edit(cases, |f| f.swap(i, i + 1))>"↓"</button>
                                    <button
                                        type="button"
                                        class="button button-small button-secondary"
                                        data-testid="remove-case-field"
                                        disabled=required || last == 0
                                        title=required.then_some("Salesforce requires this field: it stays on the form.")
                                        on:click=move |_| edit(cases, |f| { f.remove(i); })
                                    >
                                        "Remove"
                                    </button>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ol>
        <div class="save-bar">
            <label class="field">
                <span class="field-label">"Add a field"</span>
                <select data-testid="add-case-field-pick" on:change=move |ev| pick.set(event_target_value(&ev))>
                    <option value="" prop:selected=move || pick.get().is_empty()>"Choose a Case field…"</option>
                    {move || addable().into_iter().map(|(name, label)| view! { <option value=name.clone()>{format!("{label} ({name})")}</option> }).collect_view()}
                </select>
            </label>
            <button
                type="button"
                class="button button-small"
                data-testid="add-case-field"
                disabled=move || pick.get().is_empty()
                on:click=move |_| {
                    let name = pick.get_untracked();
                    edit(cases, |f| f.push(name));
                    pick.set(String::new());
                }
            >
                "Add"
            </button>
        </div>
    }
}
