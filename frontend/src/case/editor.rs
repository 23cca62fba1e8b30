//! The case form from data: choosing a record type re-renders the fields, the shared validation
//! runs as the teammate types, submit waits until nothing is missing, and every answer keeps the
//! teammate's input.

use std::collections::BTreeSet;

use leptos::prelude::*;
use shared::case_form::{
    CaseFormView, CaseSubmission, FieldErrors, FieldType, FiledCase, FormInstanceId, OwnerMode,
    validate,
};

use super::api::FileError;
use super::field::FieldRow;

/// Sends a filled-in form and answers through the callback it is given: the page's sends it to
/// the back end, tests answer themselves.
pub type Filer = Callback<(CaseSubmission, Callback<Result<FiledCase, FileError>>)>;

/// Where the form is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Editing,
    Sending,
    /// Refused: the message above the form; the field errors are beside their fields.
    Refused(String),
    /// No answer worth fields (Salesforce unreachable, the server down): say so, keep the form.
    Failed(String),
}

#[component]
pub fn CaseEditor(
    view: CaseFormView,
    form_instance_id: FormInstanceId,
    #[prop(into)] filer: Filer,
    /// Told once the case exists.
    #[prop(optional, into)]
    on_filed: Option<Callback<()>>,
    /// "File another case" after one was filed.
    #[prop(optional, into)]
    on_another: Option<Callback<()>>,
) -> impl IntoView {
    let CaseFormView {
        conversation_id,
        schema,
        conversation,
        owner_mode,
        teammates: _,
        installer_id: _,
    } = view;
    let selection = schema.initial_selection();
    let shows_chooser = selection.shows_chooser();
    let initial = selection
        .form()
        .and_then(|chosen| schema.forms.iter().position(|f| f == chosen));
    let initial_values = selection
        .form()
        .map(|f| f.initial_values(&conversation))
        .unwrap_or_default();
    let none_available = schema.forms.is_empty();
    let forms = StoredValue::new(schema.forms);
    let conversation = StoredValue::new(conversation);

    let selected = RwSignal::new(initial);
    let form = Memo::new(move |_| {
        selected
            .get()
            .and_then(|i| forms.with_value(|f| f.get(i).cloned()))
    });
    let values = RwSignal::new(initial_values);
    let touched = RwSignal::new(BTreeSet::<String>::new());
    let attempted = RwSignal::new(false);
    let refused = RwSignal::new(FieldErrors::default());
    let stage = RwSignal::new(Stage::Editing);
    let filed = RwSignal::new(None::<FiledCase>);
    // The one validation, the same the back end runs before it calls Salesforce.
    let local = Memo::new(move |_| {
        form.with(|f| {
            f.as_ref()
                .and_then(|f| values.with(|v| validate(f, v).err()))
                .unwrap_or_default()
        })
    });

    let choose = move |index: Option<usize>| {
        let next_form = index.and_then(|i| forms.with_value(|f| f.get(i).cloned()));
        let mut next = next_form
            .as_ref()
            .map(|f| conversation.with_value(|c| f.initial_values(c)))
            .unwrap_or_default();
        // What the teammate typed stays where the new form has the field; choices start
        // again from the record type's own values and defaults.
        if let Some(next_form) = &next_form {
            values.with_untracked(|old| {
                touched.with_untracked(|typed| {
                    for (name, value) in old.iter() {
                        let carries = next_form
                            .field(name)
                            .is_some_and(|f| typed.contains(name) && keeps_input(&f.field_type));
                        if carries {
                            next.set(name, value);
                        }
                    }
                })
            });
        }
        selected.set(index);
        values.set(next);
        refused.set(FieldErrors::default());
        stage.set(Stage::Editing);
    };

    let on_change = Callback::new(move |(name, value): (String, String)| {
        values.update(|v| {
            v.set(&name, value);
            if let Some(form) = form.get_untracked() {
                form.drop_disallowed(v);
            }
        });
        touched.update(|t| {
            t.insert(name.clone());
        });
        refused.update(|r| {
            r.fields.remove(&name);
        });
    });

    let conversation_id = StoredValue::new(conversation_id);
    let form_instance_id = StoredValue::new(form_instance_id);
    let submit = move || {
        attempted.set(true);
        let Some(form) = form.get_untracked() else {
            return;
        };
        if !local.with_untracked(FieldErrors::is_empty)
            || stage.with_untracked(|s| *s == Stage::Sending)
        {
            return;
        }
        stage.set(Stage::Sending);
        let submission = CaseSubmission {
            conversation_id: conversation_id.get_value(),
            form_instance_id: form_instance_id.get_value(),
            record_type_id: form.record_type.as_ref().map(|rt| rt.id.clone()),
            values: values.get_untracked(),
        };
        let reply = Callback::new(move |answer: Result<FiledCase, FileError>| match answer {
            Ok(case) => {
                stage.set(Stage::Editing);
                filed.set(Some(case));
                if let Some(on_filed) = on_filed {
                    on_filed.run(());
                }
            }
            Err(FileError::Refused { message, errors }) => {
                refused.set(errors);
                stage.set(Stage::Refused(message));
            }
            Err(FileError::Failed(error)) => stage.set(Stage::Failed(error.to_string())),
        });
        filer.run((submission, reply));
    };

    let error_of = move |name: String| {
        Signal::derive(move || {
            refused
                .with(|r| r.field(&name).map(str::to_owned))
                .or_else(|| {
                    let shown = attempted.get() || touched.with(|t| t.contains(&name));
                    shown
                        .then(|| local.with(|l| l.field(&name).map(str::to_owned)))
                        .flatten()
                })
        })
    };

    let missing = move || {
        form.with(|f| {
            let Some(f) = f else { return Vec::new() };
            local.with(|l| {
                f.fields
                    .iter()
                    .filter(|field| l.fields.contains_key(&field.api_name))
                    .map(|field| field.label.clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    let sending = move || stage.with(|s| *s == Stage::Sending);
    let blocked = move || form.with(Option::is_none) || !local.with(FieldErrors::is_empty);

    let record_types = forms.with_value(|forms| {
        forms
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.record_type.as_ref().map(|rt| (i, rt.name.clone())))
            .collect::<Vec<_>>()
    });
    let only_name = (!shows_chooser)
        .then(|| record_types.first().map(|(_, name)| name.clone()))
        .flatten();
    let chooser = shows_chooser.then(|| {
        view! {
            <label class="case-field" for="case-record-type">
                <span class="case-label">"Type of case"</span>
                <select
                    id="case-record-type"
                    class="case-input"
                    data-testid="case-record-type"
                    on:change=move |ev| choose(event_target_value(&ev).parse().ok())
                >
                    {selected
                        .get_untracked()
                        .is_none()
                        .then(|| view! { <option value="" selected>"Choose a type…"</option> })}
                    {record_types
                        .iter()
                        .map(|(i, name)| {
                            let i = *i;
                            view! {
                                <option
                                    value=i.to_string()
                                    selected=move || selected.get() == Some(i)
                                >
                                    {name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    });
    // Filed as the signed-in teammate: they may become its owner.
    let owner_choice = (owner_mode == OwnerMode::AssignTeammate).then(|| {
        view! {
            <p class="case-hint" data-testid="case-filed-by">
                "The case goes to your Salesforce user, if you have one that may edit cases."
            </p>
        }
    });

    let fields = move || {
        form.get().map(|f| {
            let shared = f.clone();
            f.fields
                .into_iter()
                .map(|field| {
                    let error = error_of(field.api_name.clone());
                    view! {
                        <FieldRow
                            field=field
                            form=shared.clone()
                            values=values
                            on_change=on_change
                            error=error
                        />
                    }
                })
                .collect_view()
        })
    };

    view! {
        {move || {
            filed.get().map(|case| view! { <Filed filed=case on_another=on_another /> })
        }}
            <form
                class="case-form"
                data-testid="case-form"
                style:display=move || if filed.with(Option::is_some) { "none" } else { "" }
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit();
                }
            >
                {chooser}
                {only_name
                    .map(|name| {
                        view! {
                            <p class="case-record-type-only" data-testid="case-record-type-only">
                                {name}
                            </p>
                        }
                    })}
                {none_available
                    .then(|| {
                        view! {
                            <p class="problem" data-testid="case-no-record-type">
                                "The connected Salesforce user may use no Case record type."
                            </p>
                        }
                    })}
                {move || {
                    let above: Vec<String> = refused
                        .with(|r| r.form.clone())
                        .into_iter()
                        .chain(
                            local.with(|l| l.form.clone()).into_iter().filter(|_| attempted.get()),
                        )
                        .collect();
                    let headline = stage
                        .with(|s| match s {
                            Stage::Refused(message) | Stage::Failed(message) => {
                                Some(message.clone())
                            }
                            _ => None,
                        });
                    (headline.is_some() || !above.is_empty())
                        .then(|| {
                            view! {
                                <div class="case-form-errors" role="alert" data-testid="case-form-errors">
                                    {headline.map(|h| view! { <p class="case-headline">{h}</p> })}
                                    <ul>
                                        {above
                                            .into_iter()
                                            .map(|m| view! { <li>{m}</li> })
                                            .collect_view()}
                                    </ul>
                                </div>
                            }
                        })
                }}
                <div class="case-fields">{fields}</div>
                {owner_choice}
                <div class="case-actions">
                    <button
                        type="submit"
                        class="button"
                        data-testid="case-submit"
                        disabled=move || blocked() || sending()
                    >
                        {move || if sending() { "Filing…" } else { "File case" }}
                    </button>
                    {move || {
                        let missing = missing();
                        (!missing.is_empty())
                            .then(|| {
                                view! {
                                    <p class="case-hint" data-testid="case-submit-hint">
                                        "Still to fix: " {missing.join(", ")} "."
                                    </p>
                                }
                            })
                    }}
                </div>
            </form>
    }
}

/// Inputs whose text carries over to another record type's form (choices do not).
fn keeps_input(field_type: &FieldType) -> bool {
    !matches!(
        field_type,
        FieldType::Picklist(_) | FieldType::MultiPicklist(_) | FieldType::Lookup(_)
    )
}

#[component]
fn Filed(filed: FiledCase, on_another: Option<Callback<()>>) -> impl IntoView {
    view! {
        <div class="case-filed" role="status" data-testid="case-filed">
            <p class="case-filed-title">
                "Case "
                <a
                    href=filed.url.clone()
                    target="_blank"
                    rel="noopener"
                    data-testid="case-link"
                    data-case-id=filed.case_id.clone()
                >
                    {filed.case_number.clone()}
                </a>
                " created in Salesforce."
            </p>
            <p class="case-hint" data-testid="case-owner">
                {filed.owner.explain()}
            </p>
            {on_another
                .map(|another| {
                    view! {
                        <button
                            type="button"
                            class="button button-small"
                            data-testid="case-another"
                            on:click=move |_| another.run(())
                        >
                            "File another case"
                        </button>
                    }
                })}
        </div>
    }
}
