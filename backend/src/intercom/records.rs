//! People and companies as the sync keeps them: the identity fields, and every attribute by its
//! full name (`phone`, `custom_attributes.plan_tier`) with the value Intercom sent. Built from
//! webhook items and REST answers alike; stored as our own JSON, read back with
//! [`PersonRecord::value`] in the attribute's declared type.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared::sync::{IntercomAttribute, IntercomDataType, SyncValue};

use super::{ContactRole, IntercomError};

/// An Intercom person (user or lead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub id: String,
    pub role: ContactRole,
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Intercom ids of the person's companies, first one first.
    #[serde(default)]
    pub company_ids: Vec<String>,
    /// Every scalar attribute by full name, as sent.
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
}

/// An Intercom company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub id: String,
    /// The workspace's own id for the company (the identity key).
    pub company_id: String,
    pub name: Option<String>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
}

impl CompanyRecord {
    /// Intercom creates companies while qualifying leads (their `company_id` says so); the
    /// articles leave them out of the sync.
    pub fn created_by_qualification(&self) -> bool {
        self.company_id.ends_with("-qualification-company")
    }

    pub fn value(&self, attribute: &IntercomAttribute) -> SyncValue {
        typed(self.attributes.get(&attribute.name), attribute.data_type)
    }
}

impl PersonRecord {
    pub fn value(&self, attribute: &IntercomAttribute) -> SyncValue {
        typed(self.attributes.get(&attribute.name), attribute.data_type)
    }
}

/// A value read in the attribute's declared type. Dates arrive as unix seconds (REST, custom
/// attributes) or ISO-8601 text (webhooks' own timestamps).
pub fn typed(value: Option<&Value>, data_type: IntercomDataType) -> SyncValue {
    let Some(value) = value else {
        return SyncValue::Empty;
    };
    match (data_type, value) {
        (_, Value::Null) => SyncValue::Empty,
        (IntercomDataType::Date, Value::Number(n)) => n
            .as_i64()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .map_or(SyncValue::Empty, SyncValue::DateTime),
        (IntercomDataType::Date, Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| SyncValue::DateTime(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| SyncValue::Text(s.clone())),
        (_, Value::String(s)) => SyncValue::Text(s.clone()),
        (_, Value::Bool(b)) => SyncValue::Boolean(*b),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => SyncValue::Integer(i),
            None => n.as_f64().map_or(SyncValue::Empty, SyncValue::Decimal),
        },
        (_, other) => SyncValue::Text(other.to_string()),
    }
}

/// `updated_at`: ISO-8601 text in webhooks, unix seconds in REST answers.
fn moment(value: Option<&Value>, what: &str) -> Result<DateTime<Utc>, IntercomError> {
    let parsed = match value {
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Some(Value::Number(n)) => n.as_i64().and_then(|s| DateTime::from_timestamp(s, 0)),
        _ => None,
    };
    parsed.ok_or_else(|| IntercomError::Unexpected(format!("{what} has no readable updated_at")))
}

/// Scalars at the top level and under `custom_attributes`, by full name.
fn attributes(item: &Map<String, Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (key, value) in item {
        match value {
            Value::Object(custom) if key == "custom_attributes" => {
                for (name, v) in custom {
                    if !v.is_object() && !v.is_array() {
                        out.insert(format!("custom_attributes.{name}"), v.clone());
                    }
                }
            }
            Value::Object(_) | Value::Array(_) => {}
            scalar => {
                out.insert(key.clone(), scalar.clone());
            }
        }
    }
    out
}

fn text(item: &Map<String, Value>, key: &str) -> Option<String> {
    item.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn id_of(item: &Map<String, Value>, what: &str) -> Result<String, IntercomError> {
    match item.get("id") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(IntercomError::Unexpected(format!("{what} without an id"))),
    }
}

/// A contact object (webhook item or REST answer).
pub(super) fn person(item: &Map<String, Value>) -> Result<PersonRecord, IntercomError> {
    let id = id_of(item, "a contact")?;
    let role = item
        .get("role")
        .and_then(Value::as_str)
        .and_then(ContactRole::parse)
        .ok_or_else(|| IntercomError::Unexpected(format!("contact {id} has no known role")))?;
    let company_ids = item
        .get("companies")
        .and_then(|c| c.get("data"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| c.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(PersonRecord {
        role,
        external_id: text(item, "external_id"),
        email: text(item, "email"),
        updated_at: moment(item.get("updated_at"), &format!("contact {id}"))?,
        company_ids,
        attributes: attributes(item),
        id,
    })
}

/// A company object (webhook item or REST answer).
pub(super) fn company(item: &Map<String, Value>) -> Result<CompanyRecord, IntercomError> {
    let id = id_of(item, "a company")?;
    let company_id = text(item, "company_id")
        .ok_or_else(|| IntercomError::Unexpected(format!("company {id} has no company_id")))?;
    Ok(CompanyRecord {
        company_id,
        name: text(item, "name"),
        updated_at: moment(item.get("updated_at"), &format!("company {id}"))?,
        attributes: attributes(item),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_in_the_declared_type() {
        let date = typed(Some(&Value::from(1_767_603_600)), IntercomDataType::Date);
        assert_eq!(
            date,
            SyncValue::DateTime(DateTime::from_timestamp(1_767_603_600, 0).unwrap())
        );
        let iso = typed(
            Some(&Value::from("2026-01-10T04:22:28.240+00:00")),
            IntercomDataType::Date,
        );
        assert!(matches!(iso, SyncValue::DateTime(_)));
        assert_eq!(
            typed(Some(&Value::from(3)), IntercomDataType::Float),
            SyncValue::Integer(3)
        );
        assert_eq!(
            typed(Some(&Value::from(2.5)), IntercomDataType::Float),
            SyncValue::Decimal(2.5)
        );
        assert_eq!(
            typed(Some(&Value::Null), IntercomDataType::String),
            SyncValue::Empty
        );
        assert_eq!(typed(None, IntercomDataType::Boolean), SyncValue::Empty);
    }

    #[test]
    fn a_webhook_contact_reads_with_its_custom_attributes() {
        let item: Map<String, Value> = serde_json::from_str(
            r#"{"type":"contact","id":"abc","role":"lead","email":" x@y.z ","external_id":"",
                "updated_at":"2026-01-10T04:22:28.240+00:00","name":"X",
                "location":{"country":null},"custom_attributes":{"plan_tier":"gold","seats":5},
                "companies":{"type":"list","data":[{"type":"company","id":"c1"}]}}"#,
        )
        .unwrap();
        let p = person(&item).unwrap();
        assert_eq!(p.role, ContactRole::Lead);
        assert_eq!(p.email.as_deref(), Some("x@y.z"));
        assert_eq!(p.external_id, None);
        assert_eq!(p.company_ids, ["c1"]);
        assert_eq!(p.updated_at.timestamp_subsec_millis(), 240);
        assert_eq!(p.attributes["custom_attributes.seats"], Value::from(5));
        assert!(!p.attributes.contains_key("location"));
    }
}
