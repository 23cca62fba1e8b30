//! What a case form submits: the values as typed, keyed by field, and the form instance's id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The teammate's input, keyed by the field's api name, as typed: a checkbox is "true" or
/// "false", a multipicklist its values joined by `;`, a lookup the record id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormValues(BTreeMap<String, String>);

impl FormValues {
    pub fn get(&self, api_name: &str) -> Option<&str> {
        self.0.get(api_name).map(String::as_str)
    }

    /// Sets a field's value; an empty value clears it (an empty input is no value).
    pub fn set(&mut self, api_name: &str, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            self.0.remove(api_name);
        } else {
            self.0.insert(api_name.to_owned(), value);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for FormValues {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut values = FormValues::default();
        for (k, v) in iter {
            values.set(&k.into(), v);
        }
        values
    }
}

/// One opening of the form, made when the form is shown and sent with every submit of it, so
/// a double click, a retry or a reload of the same form files one case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FormInstanceId(String);

/// The id is not 16 to 64 letters, digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFormInstanceId;

impl std::fmt::Display for InvalidFormInstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a form instance id is 16 to 64 letters, digits, '-' or '_'")
    }
}

impl std::error::Error for InvalidFormInstanceId {}

impl FormInstanceId {
    /// Accepts what the browser makes (`crypto.randomUUID()`) and nothing a guess could hit
    /// by accident: at least 16 characters.
    pub fn parse(id: &str) -> Result<Self, InvalidFormInstanceId> {
        let well_formed = (16..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Self(id.to_owned()))
        } else {
            Err(InvalidFormInstanceId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FormInstanceId {
    type Error = InvalidFormInstanceId;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        Self::parse(&id)
    }
}

impl From<FormInstanceId> for String {
    fn from(id: FormInstanceId) -> Self {
        id.0
    }
}

impl std::fmt::Display for FormInstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Body of `POST /api/cases`: the form the teammate filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSubmission {
    pub conversation_id: String,
    pub form_instance_id: FormInstanceId,
    /// The chosen record type; `None` for a form without one.
    pub record_type_id: Option<String>,
    pub values: FormValues,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_value_is_no_value() {
        let mut values: FormValues = [("Subject", "Hi"), ("Origin", "")].into_iter().collect();
        assert_eq!(values.get("Subject"), Some("Hi"));
        assert_eq!(values.get("Origin"), None);
        values.set("Subject", "");
        assert_eq!(values.iter().count(), 0);
    }

    #[test]
    fn form_instance_ids_are_checked_on_the_way_in() {
        let uuid = "3f2b8c1e-9a4d-4e1f-8b2a-0c6d5e4f3a21";
        assert_eq!(FormInstanceId::parse(uuid).unwrap().as_str(), uuid);
        assert_eq!(FormInstanceId::parse("short"), Err(InvalidFormInstanceId));
        assert_eq!(
            FormInstanceId::parse("has spaces in it, sixteen+"),
            Err(InvalidFormInstanceId)
        );
        assert!(FormInstanceId::parse(&"a".repeat(65)).is_err());
        let body = serde_json::json!({
            "conversation_id": "215",
            "form_instance_id": uuid,
            "record_type_id": "012000000000002AAA",
            "values": {"Subject": "Refund", "IsEscalated__c": "true"},
        });
        let submission: CaseSubmission = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(submission.values.get("IsEscalated__c"), Some("true"));
        assert_eq!(serde_json::to_value(&submission).unwrap(), body);
        let forged = serde_json::json!({
            "conversation_id": "215", "form_instance_id": "x", "record_type_id": null, "values": {},
        });
        assert!(serde_json::from_value::<CaseSubmission>(forged).is_err());
    }
}
