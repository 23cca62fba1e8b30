//! The fallback of a required Lead field, under its fixed row on People sync: what a new Lead
//! gets when Intercom has no value, by default `[not provided]` or the picklist's default or
//! first value. The admin may give another (a picklist's from its active values) or switch it
//! off; `shared::sync::leads::FALLBACK_RULES` checks it here as the server does.

use leptos::prelude::*;
use shared::sync::leads::default_fallback;
use shared::sync::{SalesforceFieldType, SalesforceObject, SettingsProblem};

use super::Settings;

#[component]
pub fn FallbackRow(settings: Settings, field: String) -> impl IntoView {
    let described = settings
        .metadata
        .with_value(|m| m.salesforce_field(SalesforceObject::Lead, &field).cloned());
    let default = described.as_ref().and_then(default_fallback);
    let choices: Vec<String> = described
        .as_ref()
        .filter(|f| {
            matches!(
                f.field_type,
                SalesforceFieldType::Picklist | SalesforceFieldType::Multipicklist
            )
        })
        .map(|f| f.picklist_values.clone())
        .unwrap_or_default();
    let field = StoredValue::new(field);
    let default = StoredValue::new(default);
    // The admin's choice: `None` none made, `Some(None)` switched off.
    let choice =
        move || field.with_value(|f| settings.draft.with(|d| d.lead_fallbacks.choice(f).cloned()));
    let on = move || !matches!(choice(), Some(None));
    let value = move || match choice() {
        Some(Some(v)) => v,
        _ => default.get_value().unwrap_or_default(),
    };
    let set = move |value: Option<String>| {
        settings.status.set(None);
        field.with_value(|f| settings.draft.update(|d| d.lead_fallbacks.set(f, value)));
    };
    let problem = move || {
        field.with_value(|f| {
            settings.problems.with(|all| {
                all.iter().find_map(|p| match p {
                    SettingsProblem::LeadFallback { field, rule }
                        if field.eq_ignore_ascii_case(f) =>
                    {
                        Some(rule.sentence(f))
                    }
                    _ => None,
                })
            })
        })
    };
    let name = field.get_value();
    let input = if choices.is_empty() {
        view! {
            <input
                type="text"
                data-testid="fallback-value"
                aria-label=format!("Fallback of {name}")
                disabled=move || !on()
                prop:value=value
                on:change=move |ev| set(Some(event_target_value(&ev)))
            />
        }
        .into_any()
    } else {
        view! {
            <select
                data-testid="fallback-value"
                aria-label=format!("Fallback of {name}")
                disabled=move || !on()
                on:change=move |ev| set(Some(event_target_value(&ev)))
            >
                {choices
                    .into_iter()
                    .map(|c| {
                        let selected = c.clone();
                        let label = c.clone();
                        view! { <option value=c prop:selected=move || value() == selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any()
    };
    view! {
        <tr class="fallback-row" data-testid="fallback-row" data-field=name.clone()>
            <td colspan="5">
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="fallback-on"
                        prop:checked=on
                        on:change=move |ev| {
                            if event_target_checked(&ev) {
                                // Back to the default.
                                field.with_value(|f| settings.draft.update(|d| d.lead_fallbacks.0.retain(|k, _| !k.eq_ignore_ascii_case(f))));
                            } else {
                                set(None);
                            }
                        }
                    />
                    "When Intercom has no value, create the Lead with "
                </label>
                {input}
                {move || (!on()).then(|| view! {
                    <p class="hint" data-testid="fallback-off">"Off: a person without a value gets no Lead until they have one."</p>
                })}
                {move || problem().map(|text| view! {
                    <p class="rule" data-testid="fallback-problem">{text}</p>
                })}
            </td>
        </tr>
    }
}
