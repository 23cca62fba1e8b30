//! The one validation of a case form: the browser runs it as the teammate types, the back end
//! before it calls Salesforce. Salesforce's own rules, checked early: required fields, lengths
//! in UTF-8 bytes, the record type's picklist values, dependent values, number and date formats.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::schema::{
    CaseForm, FieldType, FormField, LookupTarget, NumberFormat, Picklist, truncate_to_bytes,
};
use super::values::FormValues;

/// What stops a form from being filed, in words for the teammate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    /// Field api name -> what to fix, shown beside the field.
    pub fields: BTreeMap<String, String>,
    /// Problems that belong to no field of the form, shown above it.
    pub form: Vec<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_empty()
    }

    pub fn field(&self, api_name: &str) -> Option<&str> {
        self.fields.get(api_name).map(String::as_str)
    }

    /// Adds a field's message; a second, different one for the same field is appended.
    pub fn add_field(&mut self, api_name: &str, message: impl Into<String>) {
        let message = message.into();
        match self.fields.get_mut(api_name) {
            Some(existing) if !existing.contains(&message) => {
                existing.push(' ');
                existing.push_str(&message);
            }
            Some(_) => {}
            None => {
                self.fields.insert(api_name.to_owned(), message);
            }
        }
    }

    pub fn add_form(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.form.contains(&message) {
            self.form.push(message);
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = self.fields.iter().map(|(k, v)| format!("{k}: {v}"));
        let all: Vec<String> = self.form.iter().cloned().chain(fields).collect();
        f.write_str(&all.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// A checked value, in the type Salesforce stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Text, text area, email, phone and url.
    Text(String),
    Bool(bool),
    /// A plain decimal (`-12.5`, never `.5` or `1e3`), kept as text so no digit is lost.
    Decimal(String),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Picklist(String),
    MultiPicklist(Vec<String>),
    /// A lookup's record id.
    Id(String),
}

/// A form that passed validation: the values to send, in the form's order. Blank fields are
/// left out so that Salesforce applies its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCase {
    pub record_type_id: Option<String>,
    pub fields: Vec<(String, FieldValue)>,
}

/// Checks the values against the form of the chosen record type.
pub fn validate(form: &CaseForm, values: &FormValues) -> Result<(), FieldErrors> {
    parse(form, values).map(|_| ())
}

/// [`validate`], keeping the checked values for the request to Salesforce.
pub fn parse(form: &CaseForm, values: &FormValues) -> Result<ValidCase, FieldErrors> {
    let mut errors = FieldErrors::default();
    for (name, _) in values.iter() {
        if form.field(name).is_none() {
            errors.add_form(format!(
                "The field “{name}” is not on this form any more: reload the form."
            ));
        }
    }
    let mut fields = Vec::new();
    for field in &form.fields {
        match check_field(form, field, values) {
            Ok(Some(value)) => fields.push((field.api_name.clone(), value)),
            Ok(None) => {}
            Err(message) => errors.add_field(&field.api_name, message),
        }
    }
    if errors.is_empty() {
        Ok(ValidCase {
            record_type_id: form.record_type.as_ref().map(|rt| rt.id.clone()),
            fields,
        })
    } else {
        Err(errors)
    }
}

fn check_field(
    form: &CaseForm,
    field: &FormField,
    values: &FormValues,
) -> Result<Option<FieldValue>, String> {
    let raw = values.get(&field.api_name).unwrap_or("");
    if raw.trim().is_empty() {
        // An unticked checkbox is an answer, not a missing one.
        return if field.required && field.field_type != FieldType::Checkbox {
            Err("Complete this field.".to_owned())
        } else {
            Ok(None)
        };
    }
    let trimmed = raw.trim();
    let value = match &field.field_type {
        FieldType::Text { max_bytes } | FieldType::TextArea { max_bytes } => {
            check_length(raw, *max_bytes)?;
            FieldValue::Text(raw.to_owned())
        }
        FieldType::Email { max_bytes } => {
            check_length(trimmed, *max_bytes)?;
            if !is_email(trimmed) {
                return Err("Enter an email address, e.g. ada@example.com.".to_owned());
            }
            FieldValue::Text(trimmed.to_owned())
        }
        FieldType::Phone { max_bytes } => {
            check_length(trimmed, *max_bytes)?;
            if !is_phone(trimmed) {
                return Err("Enter a phone number, e.g. +44 20 7946 0958.".to_owned());
            }
            FieldValue::Text(trimmed.to_owned())
        }
        FieldType::Url { max_bytes } => {
            check_length(trimmed, *max_bytes)?;
            if !is_url(trimmed) {
                return Err("Enter a web address, e.g. https://example.com/page.".to_owned());
            }
            FieldValue::Text(trimmed.to_owned())
        }
        FieldType::Picklist(picklist) => {
            check_choice(form, picklist, values, raw)?;
            FieldValue::Picklist(raw.to_owned())
        }
        FieldType::MultiPicklist(picklist) => {
            let chosen: Vec<String> = raw.split(';').map(str::to_owned).collect();
            for choice in &chosen {
                check_choice(form, picklist, values, choice)?;
            }
            FieldValue::MultiPicklist(chosen)
        }
        FieldType::Checkbox => match raw {
            "true" => FieldValue::Bool(true),
            "false" => FieldValue::Bool(false),
            _ => return Err("A checkbox is either ticked (true) or not (false).".to_owned()),
        },
        FieldType::Date => FieldValue::Date(
            parse_date(trimmed)
                .ok_or_else(|| "Enter a date as YYYY-MM-DD, e.g. 2025-03-31.".to_owned())?,
        ),
        FieldType::DateTime => FieldValue::DateTime(parse_datetime(trimmed).ok_or_else(|| {
            "Enter a date and time with its time zone, e.g. 2025-03-31T14:30:00Z.".to_owned()
        })?),
        FieldType::Number(format) | FieldType::Currency(format) => {
            FieldValue::Decimal(parse_decimal(trimmed, *format)?)
        }
        FieldType::Percent(format) => {
            // "15%" means 15: Salesforce stores percent fields as the number before the sign.
            let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim_end();
            FieldValue::Decimal(parse_decimal(number, *format)?)
        }
        FieldType::Lookup(lookup) => {
            if !is_record_id(trimmed, lookup.to) {
                let object = match lookup.to {
                    LookupTarget::Contact => "contact",
                    LookupTarget::Account => "account",
                };
                return Err(format!("This is not the id of a Salesforce {object}."));
            }
            FieldValue::Id(trimmed.to_owned())
        }
    };
    Ok(Some(value))
}

/// Salesforce counts a text limit in UTF-8 bytes through the API (STRING_TOO_LONG).
fn check_length(text: &str, max_bytes: u32) -> Result<(), String> {
    let fits = truncate_to_bytes(text, max_bytes);
    if fits.len() == text.len() {
        return Ok(());
    }
    let remove = text.chars().count() - fits.chars().count();
    let characters = if remove == 1 {
        "character"
    } else {
        "characters"
    };
    Err(if text.is_ascii() {
        format!("Too long: at most {max_bytes} characters; remove {remove}.")
    } else {
        format!(
            "Too long: Salesforce takes at most {max_bytes} bytes here, and accented letters \
             and emoji take 2 to 4 each; remove {remove} {characters}."
        )
    })
}

fn check_choice(
    form: &CaseForm,
    picklist: &Picklist,
    values: &FormValues,
    choice: &str,
) -> Result<(), String> {
    // The form offers only the record type's values: anything else comes from a stale form
    // or a forged request, and Salesforce refuses it for this record type.
    if !picklist.values.iter().any(|v| v.value == choice) {
        return Err(format!("“{choice}” is not one of the listed values."));
    }
    let Some(dependency) = &picklist.controlled_by else {
        return Ok(());
    };
    let controlling_label = form
        .field(&dependency.controlling_field)
        .map_or(dependency.controlling_field.as_str(), |f| f.label.as_str());
    match values
        .get(&dependency.controlling_field)
        .filter(|v| !v.trim().is_empty())
    {
        None => Err(format!("Choose {controlling_label} first.")),
        Some(controlling) if !dependency.allows(controlling, choice) => Err(format!(
            "“{choice}” is not available for {controlling_label} “{controlling}”."
        )),
        Some(_) => Ok(()),
    }
}

/// Exactly `YYYY-MM-DD`, a real day.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    // The digits are checked above; from numbers, not a format string, to keep chrono's
    // format parser out of the browser's wasm.
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )
}

/// ISO-8601 with a zone: `Z`, `+02:00` or `+0200` (Salesforce's own form), with or without
/// seconds and fractions. A time without a zone is refused: it would be read in the wrong one.
/// Brought to RFC 3339 (seconds, `+hh:mm`) and read by chrono's RFC 3339 parser.
fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let (date, rest) = text.split_once('T')?;
    let zone_at = rest.find(['Z', '+', '-'])?;
    let (time, zone) = rest.split_at(zone_at);
    let seconds = if time.len() == 5 { ":00" } else { "" };
    let zone = match zone.as_bytes() {
        [b'Z'] => "+00:00".to_owned(),
        [sign, h1, h2, m1, m2] if m1.is_ascii_digit() => format!(
            "{}{}{}:{}{}",
            *sign as char, *h1 as char, *h2 as char, *m1 as char, *m2 as char
        ),
        [_, _, _] => format!("{zone}:00"),
        _ => zone.to_owned(),
    };
    DateTime::parse_from_rfc3339(&format!("{date}T{time}{seconds}{zone}"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A plain decimal within `precision` and `scale`, normalised (`+007.50` -> `7.50`).
fn parse_decimal(text: &str, format: NumberFormat) -> Result<String, String> {
    let example = if format.scale == 0 {
        "Enter a whole number, e.g. 42.".to_owned()
    } else {
        format!(
            "Enter a number, e.g. 1234.{}.",
            "5".repeat(format.scale as usize)
        )
    };
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits_only(whole) || !digits_only(fraction) {
        return Err(example);
    }
    if fraction.len() > format.scale as usize {
        return Err(if format.scale == 0 {
            example
        } else {
            format!("Use at most {} decimal places.", format.scale)
        });
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > format.integer_digits() as usize {
        return Err(format!(
            "Too large: at most {} digits before the decimal point.",
            format.integer_digits()
        ));
    }
    let mut normal = String::new();
    if negative {
        normal.push('-');
    }
    normal.push_str(if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        normal.push('.');
        normal.push_str(fraction);
    }
    Ok(normal)
}

/// `local@domain.tld`, no spaces: what Salesforce's email fields accept, roughly.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !text.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// Digits and the usual separators, at least three digits, an optional extension
/// (`x12`, `ext. 12`).
fn is_phone(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let (number, extension) = match lower.rfind("ext").or_else(|| lower.rfind('x')) {
        Some(at) => {
            let rest = lower[at..].trim_start_matches(['e', 'x', 't', '.', ' ']);
            (&lower[..at], Some(rest))
        }
        None => (lower.as_str(), None),
    };
    let separators_only = number
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()./".contains(c));
    let digits = number.chars().filter(char::is_ascii_digit).count();
    separators_only
        && digits >= 3
        && extension.is_none_or(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
}

/// A host with a dot (or `localhost`), optionally after a scheme, no spaces. Salesforce's url
/// fields take `www.example.com` as well as `https://..`.
fn is_url(text: &str) -> bool {
    if text.chars().any(char::is_whitespace) {
        return false;
    }
    let rest = match text.split_once("://") {
        Some((scheme, rest)) => {
            let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
            if !scheme_ok {
                return false;
            }
            rest
        }
        None => text,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    host == "localhost" || (host.contains('.') && host.split('.').all(|label| !label.is_empty()))
}

/// A 15- or 18-character Salesforce id of the lookup's object.
fn is_record_id(text: &str, target: LookupTarget) -> bool {
    matches!(text.len(), 15 | 18)
        && text.bytes().all(|b| b.is_ascii_alphanumeric())
        && text.starts_with(target.key_prefix())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_form::schema::tests::simulator_schema;
    use crate::case_form::schema::{Dependency, Lookup, PicklistValue, RecordType, Requiredness};

    const OPTIONAL: Requiredness = Requiredness {
        required_on_layout: false,
        nillable: true,
        defaulted_on_create: false,
    };

    /// A form with one optional field of the given type.
    fn one(field_type: FieldType) -> CaseForm {
        CaseForm {
            record_type: None,
            fields: vec![FormField::new("F", "Field", field_type, OPTIONAL)],
        }
    }

    fn check(form: &CaseForm, value: &str) -> Result<Option<FieldValue>, String> {
        let values: FormValues = [("F", value)].into_iter().collect();
        match parse(form, &values) {
            Ok(valid) => Ok(valid.fields.into_iter().next().map(|(_, v)| v)),
            Err(errors) => Err(errors.field("F").unwrap_or_default().to_owned()),
        }
    }

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let schema = simulator_schema();
        let support = &schema.forms[0];
        let errors = validate(support, &values(&[("Status", "New")])).unwrap_err();
        assert_eq!(errors.field("Subject"), Some("Complete this field."));
        assert_eq!(errors.field("Origin"), Some("Complete this field."));
        assert_eq!(errors.field("Priority"), None, "optional");
        assert_eq!(errors.fields.len(), 2);
        // Blank is missing too.
        let blank = values(&[("Subject", "   "), ("Status", "New"), ("Origin", "Web")]);
        assert_eq!(
            validate(support, &blank).unwrap_err().field("Subject"),
            Some("Complete this field.")
        );
        let filled = values(&[("Subject", "Refund"), ("Status", "New"), ("Origin", "Web")]);
        assert_eq!(validate(support, &filled), Ok(()));
    }

    #[test]
    fn a_required_checkbox_left_unticked_is_an_answer() {
        let mut form = one(FieldType::Checkbox);
        form.fields[0].required = true;
        assert_eq!(check(&form, ""), Ok(None));
    }

    #[test]
    fn text_length_is_counted_in_bytes_not_characters() {
        let form = one(FieldType::Text { max_bytes: 10 });
        assert_eq!(
            check(&form, "0123456789"),
            Ok(Some(FieldValue::Text("0123456789".into())))
        );
        assert_eq!(
            check(&form, "0123456789ab"),
            Err("Too long: at most 10 characters; remove 2.".into())
        );
        // Five characters, ten bytes: fits exactly.
        assert!(check(&form, "ééééé").is_ok());
        // Six characters but twelve bytes: too long although far below ten characters.
        let six = check(&form, "éééééé").unwrap_err();
        assert!(six.contains("at most 10 bytes"), "{six}");
        assert!(six.ends_with("remove 1 character."), "{six}");
        // Emoji take four bytes: three of them (12 bytes) must lose one.
        assert!(check(&form, "😀😀😀").unwrap_err().contains("remove 1 "));
        let area = one(FieldType::TextArea { max_bytes: 4 });
        assert!(check(&area, "ab\ncd").is_err(), "a newline is a byte too");
        assert_eq!(
            check(&area, "  ab"),
            Ok(Some(FieldValue::Text("  ab".into())))
        );
    }

    #[test]
    fn picklist_values_are_the_record_types() {
        let schema = simulator_schema();
        let base = [("Subject", "S"), ("Status", "New"), ("Description", "D")];
        let with = |extra: (&str, &str)| {
            let mut v = values(&base);
            v.set(extra.0, extra.1);
            v.set("ContactId", "003000000000001AAA");
            v
        };
        // "Billing" is a Type on the Billing record type but not on Support.
        let billing = &schema.forms[1];
        assert_eq!(validate(billing, &with(("Type", "Billing"))), Ok(()));
        let support = &schema.forms[0];
        let errors = validate(support, &with(("Type", "Billing"))).unwrap_err();
        assert_eq!(
            errors.field("Type"),
            Some("“Billing” is not one of the listed values.")
        );
        // Billing offers only Medium and High priorities.
        let errors = validate(billing, &with(("Priority", "Low"))).unwrap_err();
        assert!(errors.field("Priority").is_some());
        assert!(
            errors.field("Type").is_some(),
            "Type is required on Billing"
        );
    }

    #[test]
    fn dependent_values_must_suit_the_controlling_value() {
        let schema = simulator_schema();
        let bug = &schema.forms[2];
        let with = |product: Option<&str>, area: &str| {
            let mut v = values(&[
                ("Subject", "Crash"),
                ("Status", "New"),
                ("Priority", "High"),
                ("Description", "Steps"),
                ("Product_Area__c", area),
            ]);
            if let Some(p) = product {
                v.set("Product__c", p);
            }
            v
        };
        assert_eq!(validate(bug, &with(Some("Mobile App"), "Sync")), Ok(()));
        let errors = validate(bug, &with(Some("Mobile App"), "Webhooks")).unwrap_err();
        assert_eq!(
            errors.field("Product_Area__c"),
            Some("“Webhooks” is not available for Product “Mobile App”.")
        );
        let errors = validate(bug, &with(None, "Sync")).unwrap_err();
        assert_eq!(
            errors.field("Product_Area__c"),
            Some("Choose Product first.")
        );
        assert_eq!(errors.field("Product__c"), Some("Complete this field."));
    }

    fn multipicklist() -> CaseForm {
        let values = ["Email", "Chat", "Phone"]
            .into_iter()
            .map(|v| PicklistValue::new(v, v))
            .collect();
        one(FieldType::MultiPicklist(Picklist {
            values,
            controlled_by: None,
        }))
    }

    #[test]
    fn each_multipicklist_value_is_checked() {
        let form = multipicklist();
        assert_eq!(
            check(&form, "Email;Chat"),
            Ok(Some(FieldValue::MultiPicklist(vec![
                "Email".into(),
                "Chat".into()
            ])))
        );
        assert_eq!(
            check(&form, "Email;Fax"),
            Err("“Fax” is not one of the listed values.".into())
        );
        assert!(
            check(&form, "Email;;Chat").is_err(),
            "an empty value is no value of the list"
        );
    }

    #[test]
    fn a_dependent_multipicklist_checks_every_value() {
        let mut form = multipicklist();
        form.fields.insert(
            0,
            FormField::new("On", "Enabled", FieldType::Checkbox, OPTIONAL),
        );
        let FieldType::MultiPicklist(p) = &mut form.fields[1].field_type else {
            unreachable!("built above")
        };
        p.controlled_by = Some(Dependency {
            controlling_field: "On".into(),
            valid_values: [(
                "true".to_owned(),
                vec!["Email".to_owned(), "Chat".to_owned()],
            )]
            .into_iter()
            .collect(),
        });
        let ok = values(&[("On", "true"), ("F", "Email;Chat")]);
        assert_eq!(validate(&form, &ok), Ok(()));
        let bad = values(&[("On", "true"), ("F", "Email;Phone")]);
        assert_eq!(
            validate(&form, &bad).unwrap_err().field("F"),
            Some("“Phone” is not available for Enabled “true”.")
        );
        let off = values(&[("On", "false"), ("F", "Email")]);
        assert!(validate(&form, &off).is_err());
    }

    #[test]
    fn numbers_honour_precision_and_scale() {
        let number = one(FieldType::Number(NumberFormat {
            precision: 5,
            scale: 2,
        }));
        let ok = |s: &str| check(&number, s).map(|v| v.unwrap());
        assert_eq!(ok("123.45"), Ok(FieldValue::Decimal("123.45".into())));
        assert_eq!(ok("+007.5"), Ok(FieldValue::Decimal("7.5".into())));
        assert_eq!(ok("-.5"), Ok(FieldValue::Decimal("-0.5".into())));
        assert_eq!(ok("12."), Ok(FieldValue::Decimal("12".into())));
        assert_eq!(
            ok("1234.5"),
            Err("Too large: at most 3 digits before the decimal point.".into())
        );
        assert_eq!(ok("1.234"), Err("Use at most 2 decimal places.".into()));
        for bad in ["abc", "1,5", "1e3", "1.2.3", ".", "-", "12 3"] {
            assert_eq!(
                ok(bad),
                Err("Enter a number, e.g. 1234.55.".into()),
                "{bad}"
            );
        }
        let whole = one(FieldType::Number(NumberFormat {
            precision: 3,
            scale: 0,
        }));
        assert_eq!(
            check(&whole, "999"),
            Ok(Some(FieldValue::Decimal("999".into())))
        );
        assert_eq!(
            check(&whole, "1.5"),
            Err("Enter a whole number, e.g. 42.".into())
        );
    }

    #[test]
    fn currency_and_percent_are_numbers_with_their_own_scale() {
        let currency = one(FieldType::Currency(NumberFormat {
            precision: 18,
            scale: 2,
        }));
        assert_eq!(
            check(&currency, " 1250000.50 "),
            Ok(Some(FieldValue::Decimal("1250000.50".into())))
        );
        assert_eq!(
            check(&currency, "$12"),
            Err("Enter a number, e.g. 1234.55.".into())
        );
        assert_eq!(
            check(&currency, "0.125"),
            Err("Use at most 2 decimal places.".into())
        );
        let percent = one(FieldType::Percent(NumberFormat {
            precision: 3,
            scale: 0,
        }));
        assert_eq!(
            check(&percent, "15%"),
            Ok(Some(FieldValue::Decimal("15".into())))
        );
        assert_eq!(
            check(&percent, "15 %"),
            Ok(Some(FieldValue::Decimal("15".into())))
        );
        assert!(check(&percent, "1000%").is_err());
    }

    #[test]
    fn dates_are_yyyy_mm_dd() {
        let form = one(FieldType::Date);
        let day = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(check(&form, "2025-03-31"), Ok(Some(FieldValue::Date(day))));
        for bad in [
            "2025-3-31",
            "31/03/2025",
            "2025-02-30",
            "+2025-03-3",
            "2025-03-31T00:00",
        ] {
            assert_eq!(
                check(&form, bad),
                Err("Enter a date as YYYY-MM-DD, e.g. 2025-03-31.".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn datetimes_are_iso_8601_with_a_zone() {
        let form = one(FieldType::DateTime);
        let at = |s: &str| match check(&form, s) {
            Ok(Some(FieldValue::DateTime(t))) => Some(t.to_rfc3339()),
            _ => None,
        };
        assert_eq!(
            at("2025-03-31T14:30:00Z").as_deref(),
            Some("2025-03-31T14:30:00+00:00")
        );
        assert_eq!(
            at("2025-03-31T16:30:00+02:00").as_deref(),
            Some("2025-03-31T14:30:00+00:00")
        );
        // Salesforce's own form: milliseconds, offset without a colon.
        assert_eq!(
            at("2011-07-07T00:37:00.000+0000").as_deref(),
            Some("2011-07-07T00:37:00+00:00")
        );
        assert_eq!(
            at("2025-03-31T14:30Z").as_deref(),
            Some("2025-03-31T14:30:00+00:00")
        );
        assert_eq!(at("2025-03-31T14:30:00"), None, "no zone");
        assert_eq!(at("2025-03-31"), None);
        assert_eq!(at("yesterday"), None);
    }

    #[test]
    fn emails_have_a_local_part_and_a_dotted_domain() {
        let form = one(FieldType::Email { max_bytes: 80 });
        assert_eq!(
            check(&form, " ada@example.com "),
            Ok(Some(FieldValue::Text("ada@example.com".into())))
        );
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada @example.com",
            "a@b@c.io",
            "ada@example..com",
        ] {
            assert!(check(&form, bad).is_err(), "{bad}");
        }
        let short = one(FieldType::Email { max_bytes: 10 });
        assert!(
            check(&short, "ada@example.com")
                .unwrap_err()
                .starts_with("Too long")
        );
    }

    #[test]
    fn phones_are_digits_and_separators() {
        let form = one(FieldType::Phone { max_bytes: 40 });
        for ok in [
            "+44 20 7946 0958",
            "(415) 555-0100",
            "415.555.0100",
            "555-0100 x12",
            "555-0100 ext. 12",
        ] {
            assert!(check(&form, ok).is_ok(), "{ok}");
        }
        for bad in [
            "call me",
            "12",
            "555-0100 x",
            "555-0100 ext abc",
            "+1 415 five",
        ] {
            assert!(check(&form, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_need_a_host() {
        let form = one(FieldType::Url { max_bytes: 255 });
        for ok in [
            "https://example.com/a?b=c",
            "www.example.com",
            "http://localhost:8080/x",
            "ftp://files.example.org",
        ] {
            assert!(check(&form, ok).is_ok(), "{ok}");
        }
        for bad in [
            "example",
            "https://",
            "http://exa mple.com",
            "1http://example.com",
            "https://.com",
        ] {
            assert!(check(&form, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checkboxes_are_true_or_false() {
        let form = one(FieldType::Checkbox);
        assert_eq!(check(&form, "true"), Ok(Some(FieldValue::Bool(true))));
        assert_eq!(check(&form, "false"), Ok(Some(FieldValue::Bool(false))));
        assert!(check(&form, "yes").is_err());
        assert!(check(&form, "TRUE").is_err());
    }

    #[test]
    fn lookups_hold_an_id_of_their_object() {
        let form = one(FieldType::Lookup(Lookup {
            to: LookupTarget::Account,
            prefill: None,
        }));
        assert_eq!(
            check(&form, "001000000000001AAA"),
            Ok(Some(FieldValue::Id("001000000000001AAA".into())))
        );
        assert!(check(&form, "001000000000001").is_ok(), "15 characters");
        assert_eq!(
            check(&form, "003000000000001AAA"),
            Err("This is not the id of a Salesforce account.".into())
        );
        assert!(check(&form, "001-bad").is_err());
    }

    #[test]
    fn a_value_for_no_field_of_the_form_is_a_form_error() {
        let form = one(FieldType::Checkbox);
        let errors = validate(&form, &values(&[("Gone__c", "x")])).unwrap_err();
        assert!(errors.fields.is_empty());
        assert_eq!(
            errors.form,
            ["The field “Gone__c” is not on this form any more: reload the form."]
        );
    }

    #[test]
    fn a_valid_form_yields_its_values_in_form_order_without_blanks() {
        let schema = simulator_schema();
        let mut billing = schema.forms[1].clone();
        billing.record_type = Some(RecordType {
            id: "012000000000002AAA".into(),
            name: "Billing".into(),
            default: false,
        });
        let input = values(&[
            ("Description", "Charged twice"),
            ("Subject", "Refund"),
            ("Status", "New"),
            ("Type", "Billing"),
            ("ContactId", "003000000000001AAA"),
        ]);
        let valid = parse(&billing, &input).unwrap();
        assert_eq!(valid.record_type_id.as_deref(), Some("012000000000002AAA"));
        let names: Vec<&str> = valid.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Subject", "Status", "Type", "ContactId", "Description"]
        );
        assert_eq!(
            valid.fields[3].1,
            FieldValue::Id("003000000000001AAA".into())
        );
    }

    #[test]
    fn errors_travel_as_json() {
        let mut errors = FieldErrors::default();
        errors.add_field("Subject", "Complete this field.");
        errors.add_field("Subject", "Complete this field.");
        errors.add_form("Reload.");
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            serde_json::json!({"fields": {"Subject": "Complete this field."}, "form": ["Reload."]})
        );
        assert_eq!(errors.to_string(), "Reload.; Subject: Complete this field.");
    }
}
