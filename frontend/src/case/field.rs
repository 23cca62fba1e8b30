//! One field of the case form: its label, the input its type calls for, and its error beside it.
//! Test ids: `case-field-{api name}` around it, `case-input-{api name}` on the input,
//! `case-error-{api name}` on the error.

use leptos::prelude::*;
use shared::case_form::{CaseForm, FieldType, FormField, FormValues, LookupTarget};

#[component]
pub fn FieldRow(
    field: FormField,
    /// The whole form: a dependent picklist's options follow another field.
    form: CaseForm,
    values: RwSignal<FormValues>,
    /// `(api name, new value)`.
    on_change: Callback<(String, String)>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let name = field.api_name.clone();
    let id = format!("case-{name}");
    let required = field.required.then(|| {
        view! {
            <span class="case-required" title="Required">
                "*"
            </span>
        }
    });
    let label = field.label.clone();
    let input = input(&field, form, values, on_change, &id);
    let error_id = format!("case-error-{name}");
    view! {
        <div
            class="case-field"
            class:case-field-invalid=move || error.with(Option::is_some)
            data-testid=format!("case-field-{name}")
        >
            <label class="case-label" for=id>
                {label}
                {required}
            </label>
            {input}
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="case-error" id=error_id.clone() data-testid=error_id.clone()>
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

fn input(
    field: &FormField,
    form: CaseForm,
    values: RwSignal<FormValues>,
    on_change: Callback<(String, String)>,
    id: &str,
) -> AnyView {
    let name = field.api_name.clone();
    let testid = format!("case-input-{name}");
    // Copy closures: every input shape uses them in several handlers.
    let stored = StoredValue::new(name);
    let current =
        move || values.with(|v| stored.with_value(|n| v.get(n).unwrap_or_default().to_owned()));
    let change = move |value: String| on_change.run((stored.get_value(), value));
    let id = id.to_owned();
    match &field.field_type {
        FieldType::TextArea { .. } => view! {
            <textarea
                id=id
                class="case-input case-textarea"
                rows="6"
                data-testid=testid
                prop:value=current
                on:input=move |ev| change(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        FieldType::Checkbox => view! {
            <input
                id=id
                type="checkbox"
                class="case-checkbox"
                data-testid=testid
                prop:checked=move || current() == "true"
                on:change=move |ev| change(event_target_checked(&ev).to_string())
            />
        }
        .into_any(),
        FieldType::Picklist(_) => {
            let field = field.clone();
            let none = !field.required;
            let options = move || {
                let chosen = current();
                values
                    .with(|v| {
                        form.options(&field, v)
                            .into_iter()
                            .map(|o| (o.value.clone(), o.label.clone()))
                            .collect::<Vec<_>>()
                    })
                    .into_iter()
                    .map(|(value, label)| {
                        let selected = value == chosen;
                        view! {
                            <option value=value prop:selected=selected>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()
            };
            let blank = move || {
                let empty = current().is_empty();
                (none || empty).then(|| {
                    view! {
                        <option value="" prop:selected=empty>
                            {if none { "— None —" } else { "Choose…" }}
                        </option>
                    }
                })
            };
            view! {
                <select
                    id=id
                    class="case-input"
                    data-testid=testid
                    on:change=move |ev| change(event_target_value(&ev))
                >
                    {blank}
                    {options}
                </select>
            }
            .into_any()
        }
        FieldType::MultiPicklist(_) => {
            let field = field.clone();
            let options = move || {
                let chosen = current();
                let picked: Vec<String> = chosen
                    .split(';')
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect();
                values
                    .with(|v| {
                        form.options(&field, v)
                            .into_iter()
                            .map(|o| (o.value.clone(), o.label.clone()))
                            .collect::<Vec<_>>()
                    })
                    .into_iter()
                    .map(|(value, label)| {
                        let checked = picked.contains(&value);
                        let others = picked.clone();
                        let option_testid = format!("{testid}-{value}");
                        view! {
                            <label class="case-choice">
                                <input
                                    type="checkbox"
                                    data-testid=option_testid
                                    prop:checked=checked
                                    on:change=move |ev| {
                                        let mut next: Vec<String> = others
                                            .iter()
                                            .filter(|v| **v != value)
                                            .cloned()
                                            .collect();
                                        if event_target_checked(&ev) {
                                            next.push(value.clone());
                                        }
                                        change(next.join(";"));
                                    }
                                />
                                {label}
                            </label>
                        }
                    })
                    .collect_view()
            };
            view! {
                <div id=id class="case-choices" role="group">
                    {options}
                </div>
            }
            .into_any()
        }
        FieldType::Lookup(lookup) => {
            let object = match lookup.to {
                LookupTarget::Contact => "contact",
                LookupTarget::Account => "account",
            };
            match lookup.prefill.clone() {
                None => view! {
                    <p id=id class="case-lookup-none" data-testid=testid>
                        {format!("No Salesforce {object} is linked to this conversation.")}
                    </p>
                }
                .into_any(),
                Some(record) => {
                    let none = (!field.required).then(|| {
                        view! {
                            <option value="" prop:selected=move || current().is_empty()>
                                "— None —"
                            </option>
                        }
                    });
                    let record_id = record.id.clone();
                    view! {
                        <select
                            id=id
                            class="case-input"
                            data-testid=testid
                            on:change=move |ev| change(event_target_value(&ev))
                        >
                            <option value=record.id prop:selected=move || current() == record_id>
                                {record.name}
                            </option>
                            {none}
                        </select>
                    }
                    .into_any()
                }
            }
        }
        other => {
            let (kind, hint) = match other {
                FieldType::Email { .. } => ("email", ""),
                FieldType::Phone { .. } => ("tel", ""),
                FieldType::Url { .. } => ("url", "https://"),
                FieldType::Date => ("date", "YYYY-MM-DD"),
                FieldType::DateTime => ("text", "2025-03-31T14:30:00Z"),
                FieldType::Number(_) | FieldType::Currency(_) | FieldType::Percent(_) => {
                    ("text", "")
                }
                _ => ("text", ""),
            };
            let numeric = matches!(
                other,
                FieldType::Number(_) | FieldType::Currency(_) | FieldType::Percent(_)
            );
            view! {
                <input
                    id=id
                    type=kind
                    class="case-input"
                    placeholder=hint
                    inputmode=numeric.then_some("decimal")
                    data-testid=testid
                    prop:value=current
                    on:input=move |ev| change(event_target_value(&ev))
                />
            }
            .into_any()
        }
    }
}
