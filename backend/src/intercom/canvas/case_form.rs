//! The case form as Canvas Kit components: a record type dropdown, then each field as an input,
//! a textarea, a dropdown or checkboxes, within Canvas Kit's limits (a dropdown holds 2 to 10
//! options, checkboxes 1 to 10: longer lists become a text input the shared validation checks),
//! and the answer once the case exists. Also reads the teammate's input back from a Submit.

use serde_json::{Map, Value, json};
use shared::case_form::{
    CaseForm, FieldErrors, FieldType, FiledCase, FormField, FormSchema, FormValues, LookupTarget,
};

use super::component_ids;
use super::components::text;
use super::request::CanvasRequest;

/// Dropdown options, checkbox options.
const DROPDOWN: std::ops::RangeInclusive<usize> = 2..=10;
const CHECKBOXES: std::ops::RangeInclusive<usize> = 1..=10;
/// The option that stands for "no value" in a dropdown (option ids may not be empty).
const NONE: &str = "__none";
/// `stored_data` keys of the case form.
pub(super) const STORED_FORM: &str = "case_form";
pub(super) const STORED_RECORD_TYPE: &str = "case_record_type";

/// What the case form canvas shows.
pub struct CaseCanvas<'a> {
    pub conversation_id: &'a str,
    pub form_instance_id: &'a str,
    pub schema: &'a FormSchema,
    /// The chosen form; `None` while the teammate must choose a record type first.
    pub form: Option<&'a CaseForm>,
    pub values: &'a FormValues,
    pub errors: &'a FieldErrors,
    /// A failure that belongs to no field (Salesforce did not answer..).
    pub notice: Option<&'a str>,
}

/// The component id of a field's input.
pub fn field_component(api_name: &str) -> String {
    format!("{}{api_name}", component_ids::CASE_FIELD_PREFIX)
}

pub fn render_case_form(c: &CaseCanvas<'_>) -> Value {
    let mut components = vec![text("New Salesforce case", "header")];
    if let Some(notice) = c.notice {
        components.push(text(notice, "error"));
    }
    for message in &c.errors.form {
        components.push(text(message, "error"));
    }
    let record_types: Vec<(&str, &str)> = c
        .schema
        .record_types()
        .map(|rt| (rt.id.as_str(), rt.name.as_str()))
        .collect();
    let chosen = c
        .form
        .and_then(|f| f.record_type.as_ref())
        .map(|rt| rt.id.as_str());
    match record_types.as_slice() {
        [] => {}
        [(_, only)] => components.push(text(&format!("Type of case: {only}"), "muted")),
        several => {
            let mut options: Vec<&(&str, &str)> = several.iter().take(*DROPDOWN.end()).collect();
            if let Some(position) = several.iter().position(|(id, _)| Some(*id) == chosen)
                && position >= options.len()
            {
                options[DROPDOWN.end() - 1] = &several[position];
            }
            let mut dropdown = json!({
                "type": "dropdown",
                "id": component_ids::CASE_RECORD_TYPE,
                "label": "Type of case",
                "options": options.iter().map(|(id, name)| option(id, name)).collect::<Vec<_>>(),
                "action": {"type": "submit"},
            });
            if let Some(chosen) = chosen {
                dropdown["value"] = json!(chosen);
            }
            components.push(dropdown);
        }
    }
    match c.form {
        None => components.push(text("Choose the type of case first.", "muted")),
        Some(form) => {
            for field in &form.fields {
                components.extend(field_components(form, field, c.values));
                if let Some(error) = c.errors.field(&field.api_name) {
                    components.push(text(&format!("{}: {error}", field.label), "error"));
                }
            }
            components.push(json!({"type": "button", "id": component_ids::FILE_CASE,
                "label": "File case", "style": "primary", "action": {"type": "submit"}}));
        }
    }
    components.push(json!({"type": "button", "id": component_ids::CANCEL_CASE,
        "label": "Cancel", "style": "secondary", "action": {"type": "submit"}}));
    let stored = json!({
        super::render::STORED_CONVERSATION: c.conversation_id,
        STORED_FORM: c.form_instance_id,
        STORED_RECORD_TYPE: chosen,
    });
    canvas(components, stored)
}

/// The filed case: its number, who owns it, the way into Salesforce and back to the card.
pub fn render_case_filed(filed: &FiledCase, conversation_id: &str) -> Value {
    let components = vec![
        text(&format!("Case {} created", filed.case_number), "header"),
        text(&filed.owner.explain(), "muted"),
        json!({"type": "button", "id": component_ids::OPEN_CASE, "label": "Open in Salesforce",
               "style": "primary", "action": {"type": "url", "url": filed.url}}),
        json!({"type": "button", "id": component_ids::CANCEL_CASE, "label": "Back to the card",
               "style": "secondary", "action": {"type": "submit"}}),
    ];
    canvas(
        components,
        json!({ super::render::STORED_CONVERSATION: conversation_id }),
    )
}

/// The form instance and record type the canvas was drawn with.
pub fn stored_case(request: &CanvasRequest) -> (Option<&str>, Option<&str>) {
    let get = |key| request.stored_data.get(key).and_then(Value::as_str);
    (get(STORED_FORM), get(STORED_RECORD_TYPE))
}

/// The teammate's input for `form`: lookups keep the conversation's records (the canvas shows
/// them, it cannot change them); a field the canvas did not offer keeps `fallback`'s value.
pub fn read_values(request: &CanvasRequest, form: &CaseForm, fallback: &FormValues) -> FormValues {
    let mut values = FormValues::default();
    for field in &form.fields {
        let given = request.input_values.get(&field_component(&field.api_name));
        let value = match (&field.field_type, given) {
            (FieldType::Lookup(_), _) | (_, None) => {
                fallback.get(&field.api_name).unwrap_or_default().to_owned()
            }
            (FieldType::Checkbox, Some(Value::Array(ticked))) => {
                ticked.iter().any(|t| t == "true").to_string()
            }
            (_, Some(Value::Array(ticked))) => ticked
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(";"),
            (_, Some(Value::String(s))) if s == NONE => String::new(),
            (_, Some(Value::String(s))) => s.clone(),
            (_, Some(other)) => other.to_string(),
        };
        values.set(&field.api_name, value);
    }
    values
}

fn field_components(form: &CaseForm, field: &FormField, values: &FormValues) -> Vec<Value> {
    let id = field_component(&field.api_name);
    let label = if field.required {
        format!("{} *", field.label)
    } else {
        field.label.clone()
    };
    let current = values.get(&field.api_name).unwrap_or_default();
    let input = |placeholder: &str| {
        let mut input = json!({"type": "input", "id": id, "label": label, "value": current});
        if !placeholder.is_empty() {
            input["placeholder"] = json!(placeholder);
        }
        input
    };
    match &field.field_type {
        FieldType::TextArea { .. } => {
            vec![json!({"type": "textarea", "id": id, "label": label, "value": current})]
        }
        FieldType::Checkbox => {
            let mut checkbox = json!({"type": "checkbox", "id": id, "label": label,
                "options": [option("true", "Yes")]});
            if current == "true" {
                checkbox["value"] = json!(["true"]);
            }
            vec![checkbox]
        }
        FieldType::Picklist(picklist) => {
            let offered = form.options(field, values);
            if let Some(dependency) = &picklist.controlled_by
                && values.get(&dependency.controlling_field).is_none()
            {
                let controller = form
                    .field(&dependency.controlling_field)
                    .map_or(dependency.controlling_field.as_str(), |f| f.label.as_str());
                return vec![text(
                    &format!("{label}: choose {controller} first."),
                    "muted",
                )];
            }
            let mut options: Vec<Value> = Vec::new();
            if !field.required || current.is_empty() {
                options.push(option(
                    NONE,
                    if field.required {
                        "Choose…"
                    } else {
                        "— None —"
                    },
                ));
            }
            options.extend(offered.iter().map(|v| option(&v.value, &v.label)));
            if !DROPDOWN.contains(&options.len()) {
                let listed: Vec<&str> = offered.iter().map(|v| v.value.as_str()).collect();
                return vec![input(&listed.join(", "))];
            }
            // Choosing refreshes the canvas when another field's values depend on this one.
            let controls = form.fields.iter().any(|f| {
                f.field_type
                    .picklist()
                    .and_then(|p| p.controlled_by.as_ref())
                    .is_some_and(|d| d.controlling_field == field.api_name)
            });
            let mut dropdown = json!({"type": "dropdown", "id": id, "label": label,
                "options": options, "value": if current.is_empty() { NONE } else { current }});
            if controls {
                dropdown["action"] = json!({"type": "submit"});
            }
            vec![dropdown]
        }
        FieldType::MultiPicklist(_) => {
            let offered = form.options(field, values);
            if !CHECKBOXES.contains(&offered.len()) {
                return vec![input("values separated by ;")];
            }
            let chosen: Vec<&str> = current.split(';').filter(|v| !v.is_empty()).collect();
            vec![json!({"type": "checkbox", "id": id, "label": label,
                "options": offered.iter().map(|v| option(&v.value, &v.label)).collect::<Vec<_>>(),
                "value": chosen})]
        }
        FieldType::Lookup(lookup) => {
            let object = match lookup.to {
                LookupTarget::Contact => "contact",
                LookupTarget::Account => "account",
            };
            let shown = match &lookup.prefill {
                Some(record) if !current.is_empty() => record.name.clone(),
                _ => format!("No Salesforce {object} is linked to this conversation."),
            };
            vec![json!({"type": "data-table", "items": [
                {"type": "field-value", "field": field.label, "value": shown}]})]
        }
        FieldType::Date => vec![input("YYYY-MM-DD")],
        FieldType::DateTime => vec![input("2025-03-31T14:30:00Z")],
        FieldType::Url { .. } => vec![input("https://")],
        _ => vec![input("")],
    }
}

fn option(id: &str, text: &str) -> Value {
    json!({"type": "option", "id": id, "text": text})
}

fn canvas(components: Vec<Value>, stored_data: Value) -> Value {
    let mut stored = Map::new();
    if let Value::Object(given) = stored_data {
        stored.extend(given.into_iter().filter(|(_, v)| !v.is_null()));
    }
    json!({"canvas": {"content": {"components": components}, "stored_data": stored}})
}

#[cfg(test)]
mod tests {
    use serde_json::Map;
    use shared::case_form::{
        CaseOwnership, FieldType, Lookup, LookupRecord, NumberFormat, Picklist, PicklistValue,
        RecordType, Requiredness,
    };
    use sim::intercom::canvas::check_response;

    use super::*;
    use crate::intercom::canvas::components::shown;

    fn field(name: &str, field_type: FieldType, required: bool) -> FormField {
        FormField::new(
            name,
            name,
            field_type,
            Requiredness {
                required_on_layout: required,
                nillable: true,
                defaulted_on_create: false,
            },
        )
    }

    fn picklist(count: usize) -> FieldType {
        FieldType::Picklist(Picklist {
            values: (1..=count)
                .map(|n| PicklistValue::new(format!("v{n}"), format!("Value {n}")))
                .collect(),
            controlled_by: None,
        })
    }

    fn form() -> CaseForm {
        CaseForm {
            record_type: Some(RecordType {
                id: "012000000000001AAA".to_owned(),
                name: "Support".to_owned(),
                default: true,
            }),
            fields: vec![
                field("Subject", FieldType::Text { max_bytes: 255 }, true),
                field("Few", picklist(3), false),
                field("Many", picklist(14), false),
                field("Single", picklist(1), true),
                field(
                    "Tags",
                    FieldType::MultiPicklist(match picklist(4) {
                        FieldType::Picklist(p) => p,
                        _ => unreachable!(),
                    }),
                    false,
                ),
                field("Urgent", FieldType::Checkbox, false),
                field(
                    "Hours",
                    FieldType::Number(NumberFormat {
                        precision: 4,
                        scale: 1,
                    }),
                    false,
                ),
                field(
                    "ContactId",
                    FieldType::Lookup(Lookup {
                        to: LookupTarget::Contact,
                        prefill: Some(LookupRecord {
                            id: "003000000000001AAA".to_owned(),
                            name: "Maya Patel".to_owned(),
                        }),
                    }),
                    false,
                ),
                field("Notes", FieldType::TextArea { max_bytes: 1000 }, false),
            ],
        }
    }

    fn draw(values: &FormValues, errors: &FieldErrors) -> Value {
        let form = form();
        let schema = FormSchema {
            forms: vec![form.clone()],
        };
        render_case_form(&CaseCanvas {
            conversation_id: "215",
            form_instance_id: "3f2b8c1e-9a4d-4e1f-8b2a-0c6d5e4f3a21",
            schema: &schema,
            form: Some(&schema.forms[0]),
            values,
            errors,
            notice: Some("Salesforce did not answer."),
        })
    }

    fn by_id<'a>(canvas: &'a Value, id: &str) -> &'a Value {
        canvas["canvas"]["content"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {canvas:#}"))
    }

    #[test]
    fn every_field_fits_canvas_kit_s_components() {
        let values: FormValues = [("ContactId", "003000000000001AAA"), ("Single", "v1")]
            .into_iter()
            .collect();
        let mut errors = FieldErrors::default();
        errors.add_field("Subject", "Complete this field.");
        let canvas = draw(&values, &errors);
        assert_eq!(check_response(&canvas), vec![], "{canvas:#}");
        assert_eq!(by_id(&canvas, "case.Subject")["type"], "input");
        assert_eq!(by_id(&canvas, "case.Subject")["label"], "Subject *");
        let few = by_id(&canvas, "case.Few");
        assert_eq!(few["type"], "dropdown");
        assert_eq!(few["value"], NONE);
        assert_eq!(few["options"].as_array().unwrap().len(), 4);
        // Fourteen values, or a lone required one, do not fit a dropdown: typed and checked.
        assert_eq!(by_id(&canvas, "case.Many")["type"], "input");
        assert_eq!(by_id(&canvas, "case.Single")["type"], "input");
        assert_eq!(by_id(&canvas, "case.Single")["value"], "v1");
        assert_eq!(by_id(&canvas, "case.Tags")["type"], "checkbox");
        assert_eq!(by_id(&canvas, "case.Urgent")["options"][0]["id"], "true");
        assert_eq!(by_id(&canvas, "case.Notes")["type"], "textarea");
        let text = canvas.to_string();
        assert!(text.contains("Subject: Complete this field."));
        assert!(text.contains("Salesforce did not answer."));
        assert!(text.contains("Maya Patel"));
        assert_eq!(
            canvas["canvas"]["stored_data"],
            json!({"conversation_id": "215", "case_form": "3f2b8c1e-9a4d-4e1f-8b2a-0c6d5e4f3a21",
                   "case_record_type": "012000000000001AAA"})
        );
    }

    #[test]
    fn names_from_salesforce_show_as_text() {
        let mut form = form();
        form.record_type.as_mut().unwrap().name = "[Verify](https://evil.example)".to_owned();
        form.fields[0].label = "**Subject**".to_owned();
        let schema = FormSchema {
            forms: vec![form.clone()],
        };
        let mut errors = FieldErrors::default();
        errors.add_field("Subject", "Complete this field.");
        let canvas = render_case_form(&CaseCanvas {
            conversation_id: "215",
            form_instance_id: "3f2b8c1e-9a4d-4e1f-8b2a-0c6d5e4f3a21",
            schema: &schema,
            form: Some(&schema.forms[0]),
            values: &FormValues::default(),
            errors: &errors,
            notice: None,
        });
        let shown: Vec<String> = canvas["canvas"]["content"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "text")
            .map(|c| {
                let (text, markup) = shown(c["text"].as_str().unwrap());
                assert_eq!(markup, Vec::<String>::new(), "{c}");
                text
            })
            .collect();
        assert!(shown.contains(&"Type of case: [Verify](https://evil.example)".to_owned()));
        assert!(shown.contains(&"**Subject**: Complete this field.".to_owned()));
        // A label is not Markdown: it goes as it is.
        assert_eq!(by_id(&canvas, "case.Subject")["label"], "**Subject** *");
    }

    #[test]
    fn a_submit_is_read_back_into_form_values() {
        let body = json!({
            "workspace_id": "w", "admin": {"id": "1"},
            "component_id": "file_case",
            "input_values": {"case.Subject": "Printer", "case.Few": NONE, "case.Many": "v12",
                             "case.Tags": ["v1", "v3"], "case.Urgent": ["true"],
                             "case.ContactId": "003000000000999AAA"},
            "current_canvas": {"stored_data": {"case_form": "abc", "case_record_type": "012"}},
        });
        let request = CanvasRequest::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(stored_case(&request), (Some("abc"), Some("012")));
        let fallback: FormValues = [("ContactId", "003000000000001AAA"), ("Hours", "2.5")]
            .into_iter()
            .collect();
        let values = read_values(&request, &form(), &fallback);
        let got: Map<String, Value> = values
            .iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        assert_eq!(
            Value::Object(got),
            json!({"ContactId": "003000000000001AAA", "Hours": "2.5", "Many": "v12",
                   "Subject": "Printer", "Tags": "v1;v3", "Urgent": "true"})
        );
    }

    #[test]
    fn the_filed_case_links_into_salesforce() {
        let canvas = render_case_filed(
            &FiledCase {
                case_id: "500000000000001AAA".to_owned(),
                case_number: "00001027".to_owned(),
                url: "https://acme.my.salesforce.com/lightning/r/Case/500000000000001AAA/view"
                    .to_owned(),
                owner: CaseOwnership::SalesforceRules,
            },
            "215",
        );
        assert_eq!(check_response(&canvas), vec![]);
        assert_eq!(
            canvas["canvas"]["content"]["components"][0]["text"],
            "Case 00001027 created"
        );
        assert_eq!(by_id(&canvas, "open_case")["action"]["type"], "url");
    }
}
