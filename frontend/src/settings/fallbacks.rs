//! The fallback of a required Lead field, under its fixed row on People sync: what a new Lead
//! gets when Intercom has no value, by default `[not provided]` or the picklist's default or
//! first value. The admin may give another (a picklist's active values are offered) or switch
//! it off; `shared::sync::leads::FALLBACK_RULES` checks it here as the server does.

use leptos::prelude::*;
use shared::sync::leads::default_fallback;
use shared::sync::{SalesforceObject, SettingsProblem};

use super::Settings;

#[component]
pub fn FallbackRow(settings: Settings, field: String) -> impl IntoView {
    let (default, choices) = settings.metadata.with_value(|m| {
        m.salesforce_field(SalesforceObject::Lead, &field)
            .map(|f| (default_fallback(f), f.picklist_values.clone()))
            .unwrap_or_default()
    });
    let list = format!("fallbacks-{field}");
    let field = StoredValue::new(field);
    let default = StoredValue::new(default);
    // The admin's choice: `None` none made (the default), `Some(None)` switched off.
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
                    SettingsProblem::LeadFallback { field, rule } if field == f => {
                        Some(rule.sentence(f))
                    }
                    _ => None,
                })
            })
        })
    };
    view! {
        <tr class="fallback-row" data-testid="fallback-row">
            <td colspan="5">
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="fallback-on"
                        prop:checked=on
                        on:change=move |ev| {
                            let checked = event_target_checked(&ev);
                            set(checked.then(value));
                        }
                    />
                    "When Intercom has no value, create the Lead with "
                </label>
                <input
                    type="text"
                    data-testid="fallback-value"
                    list=list.clone()
                    disabled=move || !on()
                    prop:value=value
                    on:change=move |ev| set(Some(event_target_value(&ev)))
                />
                <datalist id=list>
                    {choices.into_iter().map(|c| view! { <option value=c /> }).collect_view()}
                </datalist>
                <p class="rule" data-testid="fallback-problem">{problem}</p>
            </td>
        </tr>
    }
}
