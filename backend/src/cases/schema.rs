//! Building the case form from Salesforce's metadata: for each record type its layout's fields
//! (sections flattened, tab order), required flags and UI API picklists; or the admin's custom
//! field list with describe's picklists. Pure, so every rule is tested without a network.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;
use shared::case_form::{
    CaseDescribe, CaseForm, Dependency, DescribedField, FieldType, FormField, Lookup, LookupRecord,
    LookupTarget, NumberFormat, Picklist, PicklistValue, RecordType, Requiredness,
};

use crate::salesforce::cases::{FieldPicklist, Layout, RecordTypePicklists};
use crate::salesforce::describe::{FieldDescribe, ObjectDescribe};

/// The conversation's person in Salesforce, for the lookups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub contact: Option<LookupRecord>,
    pub account: Option<LookupRecord>,
}

/// Fields the form never shows: Salesforce or the owner setting fills them.
const NOT_ON_FORMS: &[&str] = &["OwnerId", "RecordTypeId"];

/// The Case record types the connected user may choose: active, available, not the master.
pub fn available_record_types(describe: &ObjectDescribe) -> Vec<RecordType> {
    describe
        .record_type_infos
        .iter()
        .filter(|r| r.active && r.available && !r.master)
        .map(|r| RecordType {
            id: r.record_type_id.clone(),
            name: r.name.clone(),
            default: r.default_record_type_mapping,
        })
        .collect()
}

/// One record type's form (`None`: the master layout of an org without record types).
pub fn record_type_form(
    describe: &ObjectDescribe,
    record_type: Option<RecordType>,
    layout: &Layout,
    picklists: &RecordTypePicklists,
    person: &Person,
) -> CaseForm {
    let mut names: Vec<(String, bool)> = Vec::new();
    for item in layout.items.iter().filter(|i| i.editable_for_new) {
        add_once(&mut names, &item.field, item.required);
    }
    // A field Salesforce cannot leave empty must be on the form even if the layout lacks it.
    for field in required_fields(describe) {
        add_once(&mut names, &field.name, false);
    }
    let names = with_controllers(describe, names);
    let fields = names
        .iter()
        .filter_map(|(name, required_on_layout)| {
            let field = describe.field(name).filter(|f| f.createable)?;
            let source = Source::RecordType(picklists.fields.get(&field.name));
            form_field(describe, field, *required_on_layout, source, person)
        })
        .collect();
    CaseForm {
        record_type,
        fields,
    }
}

/// The admin's custom form: their fields in their order, plus any required field the describe
/// gained since the settings were saved. No record type is sent: Salesforce uses the default.
pub fn custom_form(describe: &ObjectDescribe, chosen: &[String], person: &Person) -> CaseForm {
    let mut names: Vec<(String, bool)> = chosen.iter().map(|n| (n.clone(), false)).collect();
    for field in required_fields(describe) {
        add_once(&mut names, &field.name, false);
    }
    let names = with_controllers(describe, names);
    let fields = names
        .iter()
        .filter_map(|(name, _)| {
            let field = describe.field(name).filter(|f| f.createable)?;
            form_field(describe, field, false, Source::Describe, person)
        })
        .collect();
    CaseForm {
        record_type: None,
        fields,
    }
}

/// What the settings rules need of the Case describe.
pub fn case_describe(describe: &ObjectDescribe) -> CaseDescribe {
    CaseDescribe {
        fields: describe
            .fields
            .iter()
            .map(|f| DescribedField {
                api_name: f.name.clone(),
                label: f.label.clone(),
                createable: f.createable,
                nillable: f.nillable,
                defaulted_on_create: f.defaulted_on_create,
                has_input: has_input(f),
            })
            .collect(),
    }
}

fn has_input(field: &FieldDescribe) -> bool {
    field_type(field, Source::Describe, &Person::default(), None).is_some()
}

/// Adds a field to the form's list unless it is there already (names ignore case).
fn add_once(names: &mut Vec<(String, bool)>, name: &str, required: bool) {
    if !names.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
        names.push((name.to_owned(), required));
    }
}

/// Createable fields Salesforce neither leaves empty nor fills itself, that a form can show.
fn required_fields(describe: &ObjectDescribe) -> impl Iterator<Item = &FieldDescribe> {
    describe.fields.iter().filter(|f| {
        f.createable && !f.nillable && !f.defaulted_on_create && f.kind != "boolean" && has_input(f)
    })
}

/// A dependent picklist needs its controlling field: it goes in just before, if missing.
fn with_controllers(describe: &ObjectDescribe, names: Vec<(String, bool)>) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::with_capacity(names.len());
    for (name, required) in names {
        let controller = describe
            .field(&name)
            .and_then(|f| f.controller_name.clone())
            .filter(|c| {
                !out.iter().any(|(n, _)| n.eq_ignore_ascii_case(c))
                    && describe.field(c).is_some_and(|f| f.createable)
            });
        if let Some(controller) = controller {
            out.push((controller, false));
        }
        if !out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            out.push((name, required));
        } else if required {
            // Listed as a controller first; the layout's requirement still holds.
            if let Some(entry) = out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                entry.1 = true;
            }
        }
    }
    out
}

/// Where a picklist's values come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// The record type's values from the UI API (`None`: the field has none there).
    RecordType(Option<&'a FieldPicklist>),
    /// The describe's active values (custom forms).
    Describe,
}

fn form_field(
    describe: &ObjectDescribe,
    field: &FieldDescribe,
    required_on_layout: bool,
    source: Source<'_>,
    person: &Person,
) -> Option<FormField> {
    if NOT_ON_FORMS.contains(&field.name.as_str()) {
        return None;
    }
    let controller = field
        .controller_name
        .as_deref()
        .and_then(|c| describe.field(c));
    let field_type = field_type(field, source, person, controller)?;
    let requiredness = Requiredness {
        required_on_layout,
        nillable: field.nillable,
        // A checkbox is never empty: unticked is false.
        defaulted_on_create: field.defaulted_on_create || field.kind == "boolean",
    };
    let mut form_field = FormField::new(&field.name, &field.label, field_type, requiredness);
    if let Some(default) = static_default(field) {
        form_field = form_field.with_default(default);
    }
    Some(form_field)
}

/// The input for a describe type; `None` when the form has none (ids, formulas, addresses,
/// lookups to other objects than Contact and Account).
fn field_type(
    field: &FieldDescribe,
    source: Source<'_>,
    person: &Person,
    controller: Option<&FieldDescribe>,
) -> Option<FieldType> {
    if field.calculated || field.auto_number {
        return None;
    }
    let max_bytes = field.length;
    let number = |precision: u32, scale: u32| NumberFormat { precision, scale };
    Some(match field.kind.as_str() {
        "string" | "combobox" | "encryptedstring" => FieldType::Text { max_bytes },
        "textarea" => FieldType::TextArea { max_bytes },
        "email" => FieldType::Email { max_bytes },
        "phone" => FieldType::Phone { max_bytes },
        "url" => FieldType::Url { max_bytes },
        "boolean" => FieldType::Checkbox,
        "date" => FieldType::Date,
        "datetime" => FieldType::DateTime,
        "int" | "long" => FieldType::Number(number(field.digits.max(field.precision), 0)),
        "double" => FieldType::Number(number(field.precision, field.scale)),
        "currency" => FieldType::Currency(number(field.precision, field.scale)),
        "percent" => FieldType::Percent(number(field.precision, field.scale)),
        "picklist" => FieldType::Picklist(picklist(field, source, controller)),
        "multipicklist" => FieldType::MultiPicklist(picklist(field, source, controller)),
        "reference" => {
            let to = match field.reference_to.as_slice() {
                [one] if one == "Contact" => LookupTarget::Contact,
                [one] if one == "Account" => LookupTarget::Account,
                _ => return None,
            };
            let prefill = match to {
                LookupTarget::Contact => person.contact.clone(),
                LookupTarget::Account => person.account.clone(),
            };
            FieldType::Lookup(Lookup { to, prefill })
        }
        _ => return None,
    })
}

fn picklist(
    field: &FieldDescribe,
    source: Source<'_>,
    controller: Option<&FieldDescribe>,
) -> Picklist {
    match source {
        Source::RecordType(Some(values)) => Picklist {
            values: values
                .values
                .iter()
                .map(|v| PicklistValue {
                    default: values.default.as_deref() == Some(v.value.as_str()),
                    ..PicklistValue::new(&v.value, &v.label)
                })
                .collect(),
            controlled_by: controller.map(|c| Dependency {
                controlling_field: c.name.clone(),
                valid_values: values.valid_values(),
            }),
        },
        Source::RecordType(None) | Source::Describe => describe_picklist(field, controller),
    }
}

/// The describe's active values; a dependent one's `validFor` is a bitmap over the controlling
/// field's values (a checkbox controller: bit 0 is false, bit 1 true).
fn describe_picklist(field: &FieldDescribe, controller: Option<&FieldDescribe>) -> Picklist {
    let active: Vec<_> = field.picklist_values.iter().filter(|v| v.active).collect();
    let values = active
        .iter()
        .map(|v| PicklistValue {
            default: v.default_value,
            ..PicklistValue::new(&v.value, v.label.as_deref().unwrap_or(&v.value))
        })
        .collect();
    let controlled_by = controller.map(|c| {
        let controlling: Vec<String> = if c.kind == "boolean" {
            vec!["false".to_owned(), "true".to_owned()]
        } else {
            c.picklist_values.iter().map(|v| v.value.clone()).collect()
        };
        let mut valid_values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for value in &active {
            let bits = value
                .valid_for
                .as_deref()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .unwrap_or_default();
            for (index, controlling) in controlling.iter().enumerate() {
                let set = bits
                    .get(index / 8)
                    .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0);
                if set {
                    valid_values
                        .entry(controlling.clone())
                        .or_default()
                        .push(value.value.clone());
                }
            }
        }
        Dependency {
            controlling_field: c.name.clone(),
            valid_values,
        }
    });
    Picklist {
        values,
        controlled_by,
    }
}

/// A non-picklist field's static default, as the form holds it.
fn static_default(field: &FieldDescribe) -> Option<String> {
    if matches!(field.kind.as_str(), "picklist" | "multipicklist") {
        return None;
    }
    match field.default_value.as_ref()? {
        Value::Bool(b) => Some(b.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shared::case_form::ConversationPrefill;

    use super::*;
    use crate::salesforce::cases::LayoutItem;

    fn describe() -> ObjectDescribe {
        let field = |name: &str, kind: &str, extra: Value| {
            let mut f = json!({"name": name, "label": name.replace("__c", "").replace('_', " "),
                               "type": kind, "createable": true, "nillable": true});
            if let (Value::Object(f), Value::Object(extra)) = (&mut f, extra) {
                f.extend(extra);
            }
            f
        };
        serde_json::from_value(json!({
            "name": "Case", "label": "Case",
            "fields": [
                field("Id", "id", json!({"createable": false, "nillable": false})),
                field("OwnerId", "reference", json!({"referenceTo": ["Group", "User"], "nillable": false, "defaultedOnCreate": true})),
                field("RecordTypeId", "reference", json!({"referenceTo": ["RecordType"]})),
                field("CaseNumber", "string", json!({"createable": false, "autoNumber": true, "length": 30})),
                field("Subject", "string", json!({"length": 255})),
                field("Hours__c", "double", json!({"precision": 6, "scale": 2})),
                field("Seats__c", "int", json!({"digits": 9})),
                field("Urgent__c", "boolean", json!({"nillable": false, "defaultedOnCreate": true, "defaultValue": true})),
                field("Severity__c", "picklist", json!({"nillable": false, "picklistValues": [
                    {"active": true, "defaultValue": false, "label": "Sev 1", "value": "S1"},
                    {"active": false, "defaultValue": false, "label": "Old", "value": "S0"},
                    {"active": true, "defaultValue": true, "label": "Sev 2", "value": "S2"}]})),
                field("Area__c", "picklist", json!({"controllerName": "Urgent__c", "dependentPicklist": true,
                    "picklistValues": [
                        // validFor bitmaps over the checkbox: bit 0 false, bit 1 true.
                        {"active": true, "label": "Anything", "value": "Any", "validFor": "wA=="},
                        {"active": true, "label": "Pager", "value": "Pager", "validFor": "QA=="}]})),
                field("ContactId", "reference", json!({"referenceTo": ["Contact"]})),
                field("ParentId", "reference", json!({"referenceTo": ["Case"]})),
                field("Score__c", "double", json!({"calculated": true, "createable": false})),
            ],
            "recordTypeInfos": [
                {"active": true, "available": true, "defaultRecordTypeMapping": false, "developerName": "Master",
                 "master": true, "name": "Master", "recordTypeId": MASTER},
                {"active": true, "available": false, "defaultRecordTypeMapping": false, "developerName": "Hidden",
                 "master": false, "name": "Hidden", "recordTypeId": "012000000000009AAA"},
                {"active": true, "available": true, "defaultRecordTypeMapping": true, "developerName": "Support",
                 "master": false, "name": "Support", "recordTypeId": "012000000000001AAA"},
            ],
        }))
        .unwrap()
    }

    const MASTER: &str = crate::salesforce::cases::MASTER_RECORD_TYPE;

    fn person() -> Person {
        Person {
            contact: Some(LookupRecord {
                id: "003000000000001AAA".to_owned(),
                name: "Ada Lovelace".to_owned(),
            }),
            account: None,
        }
    }

    fn item(field: &str, required: bool) -> LayoutItem {
        LayoutItem {
            field: field.to_owned(),
            required,
            editable_for_new: true,
        }
    }

    fn names(form: &CaseForm) -> Vec<&str> {
        form.fields.iter().map(|f| f.api_name.as_str()).collect()
    }

    #[test]
    fn only_available_record_types_are_offered() {
        let types = available_record_types(&describe());
        assert_eq!(types.len(), 1);
        assert_eq!(types[0].name, "Support");
        assert!(types[0].default);
    }

    #[test]
    fn a_layout_form_adds_what_salesforce_requires_and_leaves_out_what_it_cannot_show() {
        let layout = Layout {
            items: vec![
                item("Subject", true),
                item("OwnerId", false),
                item("Area__c", false),
                item("ParentId", false),
                item("Score__c", false),
                LayoutItem {
                    editable_for_new: false,
                    ..item("Hours__c", false)
                },
                item("ContactId", false),
            ],
        };
        let form = record_type_form(
            &describe(),
            None,
            &layout,
            &RecordTypePicklists::default(),
            &person(),
        );
        // The controlling checkbox comes just before its dependent; the required Severity,
        // missing from the layout, comes last.
        assert_eq!(
            names(&form),
            [
                "Subject",
                "Urgent__c",
                "Area__c",
                "ContactId",
                "Severity__c"
            ]
        );
        let urgent = form.field("Urgent__c").unwrap();
        assert_eq!(urgent.field_type, FieldType::Checkbox);
        assert!(!urgent.required, "an unticked checkbox is an answer");
        assert_eq!(urgent.default_value.as_deref(), Some("true"));
        let severity = form.field("Severity__c").unwrap();
        assert!(severity.required);
        // Describe's active values, its default flagged.
        let picklist = severity.field_type.picklist().unwrap();
        let values: Vec<(&str, bool)> = picklist
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.default))
            .collect();
        assert_eq!(values, [("S1", false), ("S2", true)]);
        let area = form
            .field("Area__c")
            .unwrap()
            .field_type
            .picklist()
            .unwrap();
        let dependency = area.controlled_by.as_ref().unwrap();
        assert_eq!(dependency.valid_values["true"], ["Any", "Pager"]);
        assert_eq!(dependency.valid_values["false"], ["Any"]);
        assert_eq!(
            form.field("ContactId").unwrap().initial_value().as_deref(),
            Some("003000000000001AAA")
        );
        let values = form.initial_values(&ConversationPrefill {
            title: Some("Printer on fire".to_owned()),
            transcript: String::new(),
        });
        assert_eq!(values.get("Subject"), Some("Printer on fire"));
        assert_eq!(values.get("Urgent__c"), Some("true"));
    }

    #[test]
    fn numbers_keep_their_digits_and_the_settings_see_which_fields_have_inputs() {
        let form = custom_form(
            &describe(),
            &["Hours__c".to_owned(), "Seats__c".to_owned()],
            &Person::default(),
        );
        assert_eq!(names(&form), ["Hours__c", "Seats__c", "Severity__c"]);
        assert_eq!(
            form.fields[0].field_type,
            FieldType::Number(NumberFormat {
                precision: 6,
                scale: 2
            })
        );
        assert_eq!(
            form.fields[1].field_type,
            FieldType::Number(NumberFormat {
                precision: 9,
                scale: 0
            })
        );
        let described = case_describe(&describe());
        let inputs: Vec<&str> = described
            .fields
            .iter()
            .filter(|f| f.has_input)
            .map(|f| f.api_name.as_str())
            .collect();
        assert_eq!(
            inputs,
            [
                "Subject",
                "Hours__c",
                "Seats__c",
                "Urgent__c",
                "Severity__c",
                "Area__c",
                "ContactId"
            ]
        );
    }

    #[test]
    fn record_type_picklists_replace_the_describes() {
        let picklists: RecordTypePicklists = RecordTypePicklists {
            fields: [(
                "Severity__c".to_owned(),
                FieldPicklist {
                    values: vec![crate::salesforce::cases::PicklistEntry {
                        value: "S1".to_owned(),
                        label: "Sev 1".to_owned(),
                        valid_for: vec![],
                    }],
                    default: Some("S1".to_owned()),
                    controller_values: Default::default(),
                },
            )]
            .into(),
        };
        let form = record_type_form(
            &describe(),
            Some(available_record_types(&describe()).remove(0)),
            &Layout {
                items: vec![item("Severity__c", false)],
            },
            &picklists,
            &person(),
        );
        let severity = form.field("Severity__c").unwrap();
        let values = &severity.field_type.picklist().unwrap().values;
        assert_eq!(values.len(), 1);
        assert!(values[0].default);
        assert_eq!(form.record_type.as_ref().unwrap().name, "Support");
    }
}
