//! The mapping table of one object (Leads, Contacts or Accounts) and its editor: rows with
//! the rule each breaks beside it, "Map new attribute", edit and remove; the pickers show each
//! attribute's and field's type in brackets and disable what is already used or the identity
//! key. The editor checks the candidate with `shared::sync::validate_mapping` as it changes.

use leptos::prelude::*;
use shared::sync::mapping::STANDARD_REQUIRED_LEAD_FIELDS;
use shared::sync::{
    AttributeMapping, Direction, SalesforceObject, SettingsProblem, Side, SyncMetadata,
    required_lead_fields, validate_mapping,
};

use super::Settings;

/// `Label (type)` of an Intercom attribute, or its name when the workspace has none such.
pub fn attribute_label(meta: &SyncMetadata, object: SalesforceObject, name: &str) -> String {
    match meta.intercom_attribute(object.intercom_model(), name) {
        Some(a) => format!("{} ({})", a.label, a.data_type),
        None => format!("{name} (not in Intercom)"),
    }
}

/// `Label (type)` of a Salesforce field, or its name when the org has none such.
pub fn field_label(meta: &SyncMetadata, object: SalesforceObject, name: &str) -> String {
    match meta.salesforce_field(object, name) {
        Some(f) => format!("{} ({})", f.label, f.field_type),
        None => format!("{name} (not in Salesforce)"),
    }
}

fn direction_value(direction: Direction) -> &'static str {
    match direction {
        Direction::ToSalesforce => "to_salesforce",
        Direction::ToIntercom => "to_intercom",
    }
}

/// A required Lead field's mapping: it syncs Intercom to Salesforce and stays. The standard
/// ones (`LastName`, `Company`) are fixed; a custom required field's may be edited.
fn required_field(required: &[String], mapping: &AttributeMapping) -> Option<bool> {
    (mapping.object == SalesforceObject::Lead
        && required
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&mapping.salesforce_field)))
    .then(|| {
        STANDARD_REQUIRED_LEAD_FIELDS
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&mapping.salesforce_field))
    })
}

/// The row being edited: its index in the draft (`None` for a new one) and its values.
type Editing = Option<(Option<usize>, AttributeMapping)>;

#[component]
pub fn MappingTable(settings: Settings, object: SalesforceObject) -> impl IntoView {
    let required = settings.metadata.with_value(required_lead_fields);
    let required = StoredValue::new(required);
    let editing = RwSignal::new(Editing::None);
    let open = Memo::new(move |_| editing.with(|e| e.as_ref().map(|(index, _)| *index)));
    let object_name = object.api_name();
    let rows = move || {
        let problems = settings.problems.get();
        let mappings = settings.draft.with(|d| {
            d.mappings
                .iter()
                .enumerate()
                .filter(|(_, m)| m.object == object)
                .map(|(i, m)| (i, m.clone()))
                .collect::<Vec<_>>()
        });
        if mappings.is_empty() {
            return view! {
                <tr><td colspan="5" class="empty" data-testid="mappings-empty">"No attributes are mapped yet."</td></tr>
            }
            .into_any();
        }
        mappings
            .into_iter()
            .map(|(index, mapping)| {
                let words: Vec<(&'static str, String)> = problems
                    .iter()
                    .filter_map(|p| match p {
                        SettingsProblem::Mapping { index: i, refusal } if *i == index => {
                            Some((refusal.rule(), refusal.to_string()))
                        }
                        _ => None,
                    })
                    .collect();
                view! { <MappingRow settings=settings index=index mapping=mapping words=words required=required editing=editing /> }
            })
            .collect_view()
            .into_any()
    };
    // Problems that belong to no row: the identity, a required Lead field left unmapped.
    let general = move || {
        settings
            .problems
            .get()
            .into_iter()
            .filter(|p| match p {
                // Shown under the required field's row.
                SettingsProblem::Mapping { .. } | SettingsProblem::LeadFallback { .. } => false,
                SettingsProblem::RequiredLeadFieldUnmapped { .. } => {
                    object == SalesforceObject::Lead
                }
                SettingsProblem::TooManyMappings { object: o, .. } => *o == object,
                SettingsProblem::PeopleIdentity { .. } => object != SalesforceObject::Account,
                SettingsProblem::CompanyIdentity { .. } => object == SalesforceObject::Account,
            })
            .map(|p| view! { <li data-testid="settings-problem">{p.to_string()}</li> })
            .collect_view()
    };
    view! {
        <ul class="rule-problems" data-testid="settings-problems">{general}</ul>
        <div class="table-scroll">
            <table class="mappings" data-testid="mappings" data-object=object_name>
                <caption class="visually-hidden">{format!("{object_name} attribute mappings")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Intercom attribute"</th>
                        <th scope="col">"Direction"</th>
                        <th scope="col">{format!("Salesforce {object_name} field")}</th>
                        <th scope="col">"Don't sync if"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {move || match open.get() {
            Some(index) => view! { <Editor settings=settings object=object index=index editing=editing required=required /> }.into_any(),
            None => view! {
                <button
                    type="button"
                    class="button button-secondary"
                    data-testid="map-new-attribute"
                    on:click=move |_| {
                        settings.status.set(None);
                        editing.set(Some((None, AttributeMapping::new(object, "", "", Direction::ToSalesforce))));
                    }
                >
                    "Map new attribute"
                </button>
            }
            .into_any(),
        }}
    }
}

#[component]
fn MappingRow(
    settings: Settings,
    index: usize,
    mapping: AttributeMapping,
    words: Vec<(&'static str, String)>,
    required: StoredValue<Vec<String>>,
    editing: RwSignal<Editing>,
) -> impl IntoView {
    let object = mapping.object;
    let (attribute, field) = settings.metadata.with_value(|m| {
        (
            attribute_label(m, object, &mapping.intercom_attribute),
            field_label(m, object, &mapping.salesforce_field),
        )
    });
    let fixed = required.with_value(|r| required_field(r, &mapping));
    let mut skips = Vec::new();
    if mapping.skip_if_source_empty {
        skips.push("the source is empty");
    }
    if mapping.skip_if_destination_has_value {
        skips.push("the destination has a value");
    }
    let invalid = !words.is_empty();
    let edit = {
        let mapping = mapping.clone();
        move |_| {
            settings.status.set(None);
            editing.set(Some((Some(index), mapping.clone())));
        }
    };
    let remove = move |_| {
        settings.status.set(None);
        editing.set(None);
        settings.draft.update(|d| {
            d.mappings.remove(index);
        });
    };
    let label = format!(
        "{} and {}",
        mapping.intercom_attribute, mapping.salesforce_field
    );
    view! {
        <tr
            class=if invalid { "mapping-row mapping-invalid" } else { "mapping-row" }
            data-testid="mapping-row"
            data-attribute=mapping.intercom_attribute.clone()
            data-field=mapping.salesforce_field.clone()
            data-direction=direction_value(mapping.direction)
        >
            <td>{attribute}</td>
            <td class="direction">{match mapping.direction {
                Direction::ToSalesforce => "Intercom → Salesforce",
                Direction::ToIntercom => "Salesforce → Intercom",
            }}</td>
            <td>{field}</td>
            <td>{if skips.is_empty() { "—".to_owned() } else { skips.join("; ") }}</td>
            <td class="actions">
                {match fixed {
                    Some(true) => view! { <span class="badge badge-idle" data-testid="required-field">"Required"</span> }.into_any(),
                    other => view! {
                        {other.map(|_| view! { <span class="badge badge-idle" data-testid="required-field">"Required"</span> })}
                        <button type="button" class="button button-small" data-testid="edit-mapping" aria-label=format!("Edit the mapping of {label}") on:click=edit>
                            "Edit"
                        </button>
                        {other.is_none().then(|| view! {
                            <button type="button" class="button button-small button-secondary" data-testid="remove-mapping" aria-label=format!("Remove the mapping of {label}") on:click=remove>
                                "Remove"
                            </button>
                        })}
                    }
                    .into_any(),
                }}
            </td>
        </tr>
        {fixed.is_some().then(|| {
            let field = mapping.salesforce_field.clone();
            view! { <super::fallbacks::FallbackRow settings=settings field=field /> }
        })}
        {invalid.then(|| view! {
            <tr class="mapping-problems">
                <td colspan="5">
                    <ul>
                        {words.into_iter().map(|(rule, text)| view! {
                            <li class="rule" data-testid="mapping-problem" data-rule=rule>{text}</li>
                        }).collect_view()}
                    </ul>
                </td>
            </tr>
        })}
    }
}

/// One option of a picker: its value, label, and why it is disabled.
struct Choice {
    value: String,
    label: String,
    disabled: bool,
}

/// The editor of a new or an existing row. Its rules are checked on every change and shown
/// in the rule's words; Add stays disabled until the candidate keeps them all.
#[component]
fn Editor(
    settings: Settings,
    object: SalesforceObject,
    index: Option<usize>,
    editing: RwSignal<Editing>,
    required: StoredValue<Vec<String>>,
) -> impl IntoView {
    let (others, identity) = settings.draft.with_untracked(|d| {
        let others: Vec<AttributeMapping> = d
            .mappings
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != index)
            .map(|(_, m)| m.clone())
            .collect();
        (others, d.identity.clone())
    });
    let locked = editing.with_untracked(|e| {
        e.as_ref()
            .and_then(|(_, m)| required.with_value(|r| required_field(r, m)))
            .is_some()
    });
    let (attributes, fields) = settings.metadata.with_value(|meta| {
        let attributes: Vec<Choice> = meta
            .intercom_attributes
            .iter()
            .filter(|a| a.model == object.intercom_model())
            .map(|a| {
                let used = others
                    .iter()
                    .any(|m| m.uses_intercom_attribute(object, &a.name));
                let key = identity.is_key(object, Side::Intercom, &a.name);
                Choice {
                    value: a.name.clone(),
                    label: format!(
                        "{} ({}){}",
                        a.label,
                        a.data_type,
                        if key {
                            " · identity key"
                        } else if used {
                            " · already mapped"
                        } else {
                            ""
                        }
                    ),
                    disabled: used || key,
                }
            })
            .collect();
        let fields: Vec<Choice> = meta
            .fields_of(object)
            .map(|f| {
                let used = others
                    .iter()
                    .any(|m| m.uses_salesforce_field(object, &f.name));
                let key = identity.is_key(object, Side::Salesforce, &f.name);
                Choice {
                    value: f.name.clone(),
                    label: format!(
                        "{} ({}){}",
                        f.label,
                        f.field_type,
                        if key {
                            " · identity key"
                        } else if used {
                            " · already mapped"
                        } else {
                            ""
                        }
                    ),
                    disabled: used || key,
                }
            })
            .collect();
        (attributes, fields)
    });
    let others = StoredValue::new(others);
    let identity = StoredValue::new(identity);
    let candidate = move || editing.with(|e| e.as_ref().map(|(_, m)| m.clone()));
    // None: not yet both picked; Some(words): the rules it breaks (none: it may be added).
    let refusals = Memo::new(move |_| {
        let mapping = candidate()?;
        if mapping.intercom_attribute.is_empty() || mapping.salesforce_field.is_empty() {
            return None;
        }
        let words: Vec<(&'static str, String)> = others.with_value(|others| {
            identity.with_value(|identity| {
                settings.metadata.with_value(|meta| {
                    validate_mapping(&mapping, others, identity, meta)
                        .err()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| (r.rule(), r.to_string()))
                        .collect()
                })
            })
        });
        Some(words)
    });
    let set = move |change: &dyn Fn(&mut AttributeMapping)| {
        editing.update(|e| {
            if let Some((_, m)) = e {
                change(m);
            }
        });
    };
    let current = move |read: fn(&AttributeMapping) -> String| {
        editing.with(|e| e.as_ref().map(|(_, m)| read(m)).unwrap_or_default())
    };
    let options = |choices: Vec<Choice>, read: fn(&AttributeMapping) -> String| {
        choices
            .into_iter()
            .map(|c| {
                let value = c.value.clone();
                view! {
                    <option
                        value=c.value
                        disabled=c.disabled
                        prop:selected=move || current(read) == value
                    >
                        {c.label}
                    </option>
                }
            })
            .collect_view()
    };
    let attribute_of: fn(&AttributeMapping) -> String = |m| m.intercom_attribute.clone();
    let field_of: fn(&AttributeMapping) -> String = |m| m.salesforce_field.clone();
    let direction_of: fn(&AttributeMapping) -> String = |m| direction_value(m.direction).to_owned();
    let add = move || {
        if refusals.get_untracked().is_some_and(|w| w.is_empty())
            && let Some(mapping) = candidate()
        {
            settings.draft.update(|d| match index {
                Some(i) if i < d.mappings.len() => d.mappings[i] = mapping,
                _ => d.mappings.push(mapping),
            });
            editing.set(None);
        }
    };
    let source = move || {
        editing.with(|e| match e.as_ref().map(|(_, m)| m.direction) {
            Some(Direction::ToIntercom) => "Salesforce",
            _ => "Intercom",
        })
    };
    let destination = move || {
        if source() == "Intercom" {
            "Salesforce"
        } else {
            "Intercom"
        }
    };
    view! {
        <form
            class="mapping-editor"
            data-testid="mapping-editor"
            aria-label=if index.is_some() { "Edit the mapping" } else { "Map new attribute" }
            on:submit=move |ev| {
                ev.prevent_default();
                add();
            }
        >
            <div class="editor-fields">
                <label class="field">
                    <span class="field-label">"Intercom attribute"</span>
                    <select
                        data-testid="pick-attribute"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            set(&|m| m.intercom_attribute = value.clone());
                        }
                    >
                        <option value="" prop:selected=move || current(attribute_of).is_empty()>"Choose an attribute"</option>
                        {options(attributes, attribute_of)}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">"Direction"</span>
                    <select
                        data-testid="pick-direction"
                        disabled=locked
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            set(&|m| {
                                m.direction = if value == "to_intercom" { Direction::ToIntercom } else { Direction::ToSalesforce }
                            });
                        }
                    >
                        <option value="to_salesforce" prop:selected=move || current(direction_of) == "to_salesforce">"Intercom to Salesforce"</option>
                        <option value="to_intercom" prop:selected=move || current(direction_of) == "to_intercom">"Salesforce to Intercom"</option>
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{format!("Salesforce {} field", object.api_name())}</span>
                    <select
                        data-testid="pick-field"
                        disabled=locked
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            set(&|m| m.salesforce_field = value.clone());
                        }
                    >
                        <option value="" prop:selected=move || current(field_of).is_empty()>"Choose a field"</option>
                        {options(fields, field_of)}
                    </select>
                </label>
            </div>
            <fieldset class="editor-skips">
                <legend>"Don't sync if"</legend>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="skip-source-empty"
                        prop:checked=move || editing.with(|e| e.as_ref().is_some_and(|(_, m)| m.skip_if_source_empty))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            set(&|m| m.skip_if_source_empty = on);
                        }
                    />
                    {move || format!("the source ({}) is empty", source())}
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="skip-destination-has-value"
                        prop:checked=move || editing.with(|e| e.as_ref().is_some_and(|(_, m)| m.skip_if_destination_has_value))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            set(&|m| m.skip_if_destination_has_value = on);
                        }
                    />
                    {move || format!("the destination ({}) already has a value", destination())}
                </label>
            </fieldset>
            <div role="status" aria-live="polite" data-testid="editor-refusals">
                {move || match refusals.get() {
                    None => view! { <p class="muted">"Choose an attribute and a field."</p> }.into_any(),
                    Some(words) if words.is_empty() => view! { <p class="ok" data-testid="editor-ok">"This mapping keeps every rule."</p> }.into_any(),
                    Some(words) => view! {
                        <ul class="rule-problems">
                            {words.into_iter().map(|(rule, text)| view! {
                                <li class="rule" data-testid="editor-refusal" data-rule=rule>{text}</li>
                            }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                }}
            </div>
            <div class="editor-actions">
                <button
                    type="submit"
                    class="button"
                    data-testid="add-mapping"
                    disabled=move || !refusals.get().is_some_and(|w| w.is_empty())
                >
                    {if index.is_some() { "Update" } else { "Add" }}
                </button>
                <button type="button" class="button button-secondary" data-testid="cancel-mapping" on:click=move |_| editing.set(None)>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
