//! When Salesforce still refuses a case (a validation rule, a duplicate rule, a permission): its
//! words go on the fields it names, or on the form when it names none of the form's fields.

use serde::{Deserialize, Serialize};

use super::schema::CaseForm;
use super::validate::FieldErrors;

/// One error of Salesforce's answer, as the back end's Salesforce client hands it over
/// (`errorCode`, or `statusCode` inside batch results; `message`; `fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceRefusal {
    pub error_code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Puts each refusal on the form fields it names (api names match ignoring case, as in
/// Salesforce) and the rest on the form.
pub fn refusal_errors(form: &CaseForm, refusals: &[SalesforceRefusal]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for refusal in refusals {
        let mut placed = false;
        for named in &refusal.fields {
            if let Some(field) = form
                .fields
                .iter()
                .find(|f| f.api_name.eq_ignore_ascii_case(named))
            {
                errors.add_field(&field.api_name, field_message(refusal));
                placed = true;
            }
        }
        // Also when it names only fields the form does not show: the teammate must see it.
        let names_others = refusal.fields.iter().any(|n| {
            form.fields
                .iter()
                .all(|f| !f.api_name.eq_ignore_ascii_case(n))
        });
        if !placed || names_others {
            errors.add_form(form_message(refusal));
        }
    }
    errors
}

/// Beside a field: Salesforce's message, reworded where it is written for developers.
fn field_message(refusal: &SalesforceRefusal) -> String {
    match refusal.error_code.as_str() {
        "REQUIRED_FIELD_MISSING" => "Complete this field.".to_owned(),
        // "Subject: data value too large: <the whole value> (max length=255)"
        "STRING_TOO_LONG" => match max_length(&refusal.message) {
            Some(max) => format!("Too long: Salesforce takes at most {max} bytes here."),
            None => form_message(refusal),
        },
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" => {
            "Salesforce does not accept this value here: choose another.".to_owned()
        }
        _ => form_message(refusal),
    }
}

/// Above the form: Salesforce's message (validation and duplicate rules speak to people).
fn form_message(refusal: &SalesforceRefusal) -> String {
    if refusal.message.trim().is_empty() {
        format!("Salesforce refused the case ({}).", refusal.error_code)
    } else {
        refusal.message.trim().to_owned()
    }
}

fn max_length(message: &str) -> Option<u32> {
    let (_, after) = message.rsplit_once("max length=")?;
    after.trim_end_matches(')').trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_form::schema::tests::simulator_schema;

    fn refusal(code: &str, message: &str, fields: &[&str]) -> SalesforceRefusal {
        SalesforceRefusal {
            error_code: code.to_owned(),
            message: message.to_owned(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn a_validation_rule_on_a_field_shows_beside_it() {
        let form = &simulator_schema().forms[0];
        let errors = refusal_errors(
            form,
            &[refusal(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "Describe the resolution in the Description before closing the case.",
                &["description"],
            )],
        );
        assert_eq!(
            errors.field("Description"),
            Some("Describe the resolution in the Description before closing the case.")
        );
        assert!(errors.form.is_empty());
    }

    #[test]
    fn a_refusal_naming_no_field_goes_on_the_form() {
        let form = &simulator_schema().forms[0];
        let errors = refusal_errors(
            form,
            &[
                refusal(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "Describe the resolution in the Description before closing the case.",
                    &[],
                ),
                refusal("INSUFFICIENT_ACCESS_OR_READONLY", "", &[]),
            ],
        );
        assert!(errors.fields.is_empty());
        assert_eq!(
            errors.form,
            [
                "Describe the resolution in the Description before closing the case.",
                "Salesforce refused the case (INSUFFICIENT_ACCESS_OR_READONLY).",
            ]
        );
    }

    #[test]
    fn developer_messages_are_reworded_per_field() {
        let form = &simulator_schema().forms[0];
        let errors = refusal_errors(
            form,
            &[
                refusal(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [Subject, Origin]",
                    &["Subject", "Origin"],
                ),
                refusal(
                    "STRING_TOO_LONG",
                    "Subject: data value too large: aaaa (max length=255)",
                    &["Subject"],
                ),
                refusal(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    "Case Type: bad value for restricted picklist field: Billing",
                    &["Type"],
                ),
            ],
        );
        assert_eq!(
            errors.field("Subject"),
            Some("Complete this field. Too long: Salesforce takes at most 255 bytes here.")
        );
        assert_eq!(errors.field("Origin"), Some("Complete this field."));
        assert_eq!(
            errors.field("Type"),
            Some("Salesforce does not accept this value here: choose another.")
        );
        assert!(errors.form.is_empty());
    }

    #[test]
    fn a_field_the_form_does_not_show_is_reported_on_the_form() {
        let form = &simulator_schema().forms[0];
        let errors = refusal_errors(
            form,
            &[refusal(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [Subject, Severity__c]",
                &["Subject", "Severity__c"],
            )],
        );
        assert_eq!(errors.field("Subject"), Some("Complete this field."));
        assert_eq!(
            errors.form,
            ["Required fields are missing: [Subject, Severity__c]"]
        );
    }
}
