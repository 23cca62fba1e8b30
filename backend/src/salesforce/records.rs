//! Reading and writing Leads, Contacts and Accounts for the sync: many SOQL queries in one
//! `/composite` call, and writes through sObject Collections (up to 200 records per call,
//! each record succeeding or failing on its own). Values travel as `shared::sync::SyncValue`,
//! converted here to and from Salesforce's JSON per field type.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::owner::SalesforceUser;
use shared::sync::{SalesforceField, SalesforceFieldType, SalesforceObject, SyncValue};

use super::soql::{Field, Query};
use super::{API_VERSION, Call, Client, QueryBody, Refusal, SalesforceError, error, parse};

/// The most records one sObject Collections call takes.
pub const COLLECTION_LIMIT: usize = 200;
/// The most subrequests one `/composite` call takes.
pub const COMPOSITE_LIMIT: usize = 25;

/// A record as read: its id, when it last changed, and the fields asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesforceRecord {
    pub object: SalesforceObject,
    pub id: String,
    pub last_modified: Option<DateTime<Utc>>,
    /// Field values by lower-cased API name (Salesforce names are case-insensitive).
    values: HashMap<String, Value>,
    /// The row as read, relationships nested, for [`SalesforceRecord::user`].
    nested: Map<String, Value>,
}

/// A key of a JSON object, matched as Salesforce matches names: ignoring case.
fn field_of<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// What a person's owner rule reads: the record's owner, with name and email.
pub const OWNER_FIELDS: [&str; 4] = ["OwnerId", "Owner.Name", "Owner.Email", "Owner.IsActive"];
/// What a contact's owner rule reads besides [`OWNER_FIELDS`]: its account's owner.
pub const ACCOUNT_OWNER_FIELDS: [&str; 5] = [
    "AccountId",
    "Account.OwnerId",
    "Account.Owner.Name",
    "Account.Owner.Email",
    "Account.Owner.IsActive",
];

impl SalesforceRecord {
    /// The field's value in the field's type; `Empty` when null or not read.
    pub fn value(&self, field: &SalesforceField) -> SyncValue {
        from_json(
            self.values.get(&field.name.to_ascii_lowercase()),
            field.field_type,
        )
    }

    /// A record as if read, for unit tests of the rules that choose between records.
    #[doc(hidden)]
    pub fn for_tests(
        object: SalesforceObject,
        id: &str,
        last_modified: DateTime<Utc>,
        values: Value,
    ) -> SalesforceRecord {
        let nested = values.as_object().cloned().unwrap_or_default();
        SalesforceRecord {
            object,
            id: id.to_owned(),
            last_modified: Some(last_modified),
            values: nested
                .clone()
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            nested,
        }
    }

    /// A checkbox field's value, by name (`IsConverted`); `None` when not read.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.values
            .get(&name.to_ascii_lowercase())
            .and_then(Value::as_bool)
    }

    /// The user a lookup names, through relationships: `Owner`, or `Account.Owner` (the
    /// contact's account's owner), with the name and email read alongside (see
    /// [`OWNER_FIELDS`]); `None` when the lookup is empty or was not read.
    pub fn user(&self, path: &str) -> Option<SalesforceUser> {
        let mut steps = path.split('.').collect::<Vec<_>>();
        let last = steps.pop()?;
        let mut holder: &Map<String, Value> = &self.nested;
        for step in steps {
            holder = field_of(holder, step)?.as_object()?;
        }
        let id = field_of(holder, &format!("{last}Id"))?.as_str()?.to_owned();
        let user = field_of(holder, last).and_then(Value::as_object);
        let text = |name: &str| {
            user.and_then(|u| field_of(u, name))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let is_active = user
            .and_then(|u| field_of(u, "IsActive"))
            .and_then(Value::as_bool);
        Some(SalesforceUser {
            name: text("Name").unwrap_or_else(|| id.clone()),
            email: text("Email"),
            active: SalesforceUser::can_own(&id, is_active),
            id,
        })
    }

    /// A text field's value, by name (`Email`), trimmed; `None` when empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values
            .get(&name.to_ascii_lowercase())
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// One query of a batch read, answered under `reference`.
#[derive(Debug, Clone)]
pub struct RecordQuery {
    pub reference: String,
    pub object: SalesforceObject,
    pub query: Query,
}

/// A record to write: an update when `id` is set, else a create.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub object: SalesforceObject,
    pub id: Option<String>,
    /// Field API names and the values to write, already in the fields' types.
    pub values: Vec<(String, SyncValue)>,
}

/// What became of one record of a write: its id, or Salesforce's refusals verbatim.
pub type WriteResult = Result<String, Vec<Refusal>>;

/// Reads a value of Salesforce's JSON in the field's type.
pub fn from_json(value: Option<&Value>, field_type: SalesforceFieldType) -> SyncValue {
    use SalesforceFieldType as S;
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return SyncValue::Empty;
    };
    let text = value.as_str();
    match field_type {
        S::Boolean => value.as_bool().map_or(SyncValue::Empty, SyncValue::Boolean),
        S::Int | S::Long => match value.as_i64() {
            Some(n) => SyncValue::Integer(n),
            None => value.as_f64().map_or(SyncValue::Empty, SyncValue::Decimal),
        },
        S::Double | S::Currency | S::Percent => {
            value.as_f64().map_or(SyncValue::Empty, SyncValue::Decimal)
        }
        S::Date => text
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map_or(SyncValue::Empty, SyncValue::Date),
        S::Datetime => text
            .and_then(parse_datetime)
            .map_or(SyncValue::Empty, SyncValue::DateTime),
        S::Time => text
            .and_then(|s| NaiveTime::parse_from_str(s.trim_end_matches('Z'), "%H:%M:%S%.f").ok())
            .map_or(SyncValue::Empty, SyncValue::Time),
        _ => match value {
            Value::String(s) => SyncValue::Text(s.clone()),
            Value::Number(n) => SyncValue::Text(n.to_string()),
            Value::Bool(b) => SyncValue::Text(b.to_string()),
            _ => SyncValue::Empty,
        },
    }
}

/// `2011-07-07T00:37:00.000+0000` (and the RFC 3339 spelling).
pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A value as Salesforce's JSON takes it.
pub fn to_json(value: &SyncValue) -> Value {
    match value {
        SyncValue::Empty => Value::Null,
        SyncValue::Text(s) => json!(s),
        SyncValue::Integer(n) => json!(n),
        SyncValue::Decimal(x) => json!(x),
        SyncValue::Boolean(b) => json!(b),
        SyncValue::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
        SyncValue::DateTime(t) => json!(t.to_rfc3339_opts(SecondsFormat::Millis, true)),
        SyncValue::Time(t) => json!(format!("{}Z", t.format("%H:%M:%S%.3f"))),
    }
}

fn record(object: SalesforceObject, row: Map<String, Value>) -> Option<SalesforceRecord> {
    let id = row.get("Id").and_then(Value::as_str)?.to_owned();
    let last_modified = row
        .get("LastModifiedDate")
        .and_then(Value::as_str)
        .and_then(parse_datetime);
    let values = row
        .iter()
        .filter(|(k, _)| *k != "attributes")
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    Some(SalesforceRecord {
        object,
        id,
        last_modified,
        values,
        nested: row,
    })
}

/// The SELECT list for `fields` plus `Id` and `LastModifiedDate`, each once.
pub fn select(object: SalesforceObject, fields: &[&SalesforceField]) -> Query {
    select_with(object, fields, &[])
}

/// [`select`], and `extra` names (relationship paths such as [`OWNER_FIELDS`]), each once.
pub fn select_with(
    object: SalesforceObject,
    fields: &[&SalesforceField],
    extra: &[&'static str],
) -> Query {
    let object_name: &'static str = object.api_name();
    let mut query = Query::select(object_name, &["Id", "LastModifiedDate"]);
    let mut seen = vec!["id".to_owned(), "lastmodifieddate".to_owned()];
    let names = fields
        .iter()
        .map(|f| f.name.as_str())
        .chain(extra.iter().copied());
    for name in names {
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            continue;
        }
        if let Ok(parsed) = Field::parse(name) {
            seen.push(lower);
            query = query.field(parsed);
        }
    }
    query
}

impl Client {
    /// Runs every query, 25 to a `/composite` call; the rows of each, by reference.
    pub async fn read_records(
        &self,
        queries: &[RecordQuery],
    ) -> Result<HashMap<String, Vec<SalesforceRecord>>, SalesforceError> {
        let mut out = HashMap::new();
        for chunk in queries.chunks(COMPOSITE_LIMIT) {
            let requests: Vec<(&str, String)> = chunk
                .iter()
                .map(|q| (q.reference.as_str(), q.query.to_string()))
                .collect();
            let answers = self.composite_queries(&requests).await?;
            for (reference, answer) in answers {
                let Some(asked) = chunk.iter().find(|q| q.reference == reference) else {
                    continue;
                };
                let body = answer.map_err(|refusals| SalesforceError::Refused {
                    status: 400,
                    refusals,
                })?;
                let rows: QueryBody<Map<String, Value>> = serde_json::from_value(body)
                    .map_err(|e| SalesforceError::Unexpected(format!("query records: {e}")))?;
                let records: Vec<SalesforceRecord> = rows
                    .records
                    .into_iter()
                    .filter_map(|row| record(asked.object, row))
                    .collect();
                out.insert(reference, records);
            }
        }
        Ok(out)
    }

    /// Updates records through sObject Collections, 200 to a call, each on its own
    /// (`allOrNone: false`). Sending the same values again is harmless, so lost answers are
    /// retried. Results are in the order given.
    pub async fn update_records(
        &self,
        records: &[RecordWrite],
    ) -> Result<Vec<WriteResult>, SalesforceError> {
        self.collections(reqwest::Method::PATCH, records, true)
            .await
    }

    /// Creates records through sObject Collections, 200 to a call, each on its own. Never
    /// repeated after a lost answer (that could create twice): callers find what was created
    /// by matching again.
    pub async fn create_records(
        &self,
        records: &[RecordWrite],
    ) -> Result<Vec<WriteResult>, SalesforceError> {
        self.collections(reqwest::Method::POST, records, false)
            .await
    }

    async fn collections(
        &self,
        method: reqwest::Method,
        records: &[RecordWrite],
        idempotent: bool,
    ) -> Result<Vec<WriteResult>, SalesforceError> {
        #[derive(Deserialize)]
        struct Saved {
            id: Option<String>,
            success: bool,
            #[serde(default)]
            errors: Value,
        }
        let mut results = Vec::with_capacity(records.len());
        for chunk in records.chunks(COLLECTION_LIMIT) {
            let body_records: Vec<Value> = chunk
                .iter()
                .map(|r| {
                    let mut fields = Map::new();
                    fields.insert("attributes".into(), json!({"type": r.object.api_name()}));
                    if let Some(id) = &r.id {
                        fields.insert("id".into(), json!(id));
                    }
                    for (name, value) in &r.values {
                        fields.insert(name.clone(), to_json(value));
                    }
                    Value::Object(fields)
                })
                .collect();
            let body = json!({"allOrNone": false, "records": body_records});
            let call = Call {
                method: method.clone(),
                path: format!("/services/data/{API_VERSION}/composite/sobjects"),
                query: Vec::new(),
                body: Some(&body),
                // Assignment rules must not move owners on a sync write.
                headers: vec![("Sforce-Auto-Assign", "FALSE".to_owned())],
                idempotent,
                timeout: None,
            };
            let saved: Vec<Saved> = parse(&self.send(call).await?.body)?;
            if saved.len() != chunk.len() {
                return Err(SalesforceError::Unexpected(format!(
                    "sObject Collections answered {} results for {} records",
                    saved.len(),
                    chunk.len()
                )));
            }
            for (sent, result) in chunk.iter().zip(saved) {
                results.push(if result.success {
                    Ok(result.id.or_else(|| sent.id.clone()).unwrap_or_default())
                } else {
                    Err(error::batch_refusals(&result.errors))
                });
            }
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_salesforce_json_per_type() {
        use SalesforceFieldType as S;
        let at = from_json(Some(&json!("2011-07-07T00:37:00.000+0000")), S::Datetime);
        let SyncValue::DateTime(t) = at else {
            panic!("a date-time");
        };
        assert_eq!(
            to_json(&SyncValue::DateTime(t)),
            json!("2011-07-07T00:37:00.000Z")
        );
        assert_eq!(
            from_json(Some(&json!("2010-01-01")), S::Date),
            SyncValue::Date(NaiveDate::from_ymd_opt(2010, 1, 1).unwrap())
        );
        let time = from_json(Some(&json!("13:05:00.000Z")), S::Time);
        assert_eq!(to_json(&time), json!("13:05:00.000Z"));
        assert_eq!(
            from_json(Some(&json!(5.0)), S::Int),
            SyncValue::Decimal(5.0)
        );
        assert_eq!(from_json(Some(&json!(5)), S::Int), SyncValue::Integer(5));
        assert_eq!(
            from_json(Some(&json!(12.5)), S::Currency),
            SyncValue::Decimal(12.5)
        );
        assert_eq!(from_json(Some(&Value::Null), S::String), SyncValue::Empty);
        assert_eq!(from_json(None, S::Boolean), SyncValue::Empty);
        assert_eq!(
            from_json(Some(&json!("a;b")), S::Multipicklist),
            SyncValue::Text("a;b".into())
        );
        assert_eq!(to_json(&SyncValue::Empty), Value::Null);
    }

    #[test]
    fn the_select_list_names_each_field_once() {
        let email = SalesforceField::new(
            SalesforceObject::Contact,
            "Email",
            SalesforceFieldType::Email,
        );
        let id = SalesforceField::new(SalesforceObject::Contact, "id", SalesforceFieldType::Id);
        let q = select(SalesforceObject::Contact, &[&email, &id, &email]).to_string();
        assert_eq!(q, "SELECT Id, LastModifiedDate, Email FROM Contact");
    }
}
