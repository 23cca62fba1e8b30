//! Writing synced values to Intercom: read a person or company as the sync keeps them, and
//! update a contact or company with the values Salesforce holds. Custom attributes travel
//! under `custom_attributes`; dates as unix seconds.

use reqwest::Method;
use serde_json::{Map, Value};
use shared::sync::SyncValue;

use super::records::{self, CompanyRecord, PersonRecord};
use super::{Client, IntercomError};

/// An attribute's full name (`phone`, `custom_attributes.plan_tier`) and its new value.
pub type AttributeValue = (String, SyncValue);

fn json_value(value: &SyncValue) -> Value {
    match value {
        SyncValue::Empty => Value::Null,
        SyncValue::Text(s) => Value::from(s.clone()),
        SyncValue::Integer(n) => Value::from(*n),
        SyncValue::Decimal(x) => Value::from(*x),
        SyncValue::Boolean(b) => Value::from(*b),
        SyncValue::Date(d) => Value::from(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()),
        SyncValue::DateTime(t) => Value::from(t.timestamp()),
        SyncValue::Time(t) => Value::from(t.to_string()),
    }
}

/// The body of a contact or company update.
fn update_body(values: &[AttributeValue]) -> Value {
    let mut body = Map::new();
    let mut custom = Map::new();
    for (name, value) in values {
        match name.strip_prefix("custom_attributes.") {
            Some(custom_name) => custom.insert(custom_name.to_owned(), json_value(value)),
            None => body.insert(name.clone(), json_value(value)),
        };
    }
    if !custom.is_empty() {
        body.insert("custom_attributes".to_owned(), Value::Object(custom));
    }
    Value::Object(body)
}

impl Client {
    /// `GET /contacts/{id}`, as the sync keeps people.
    pub async fn person_record(&self, id: &str) -> Result<PersonRecord, IntercomError> {
        let item: Map<String, Value> = self.get_json(&["contacts", id], &[]).await?;
        records::person(&item)
    }

    /// `PUT /contacts/{id}` with these attribute values; the contact as it is now.
    pub async fn update_contact(
        &self,
        id: &str,
        values: &[AttributeValue],
    ) -> Result<PersonRecord, IntercomError> {
        let item: Map<String, Value> = self
            .send_json(Method::PUT, &["contacts", id], &update_body(values))
            .await?;
        records::person(&item)
    }

    /// `PUT /companies/{id}` with these attribute values; the company as it is now.
    pub async fn update_company(
        &self,
        id: &str,
        values: &[AttributeValue],
    ) -> Result<CompanyRecord, IntercomError> {
        let item: Map<String, Value> = self
            .send_json(Method::PUT, &["companies", id], &update_body(values))
            .await?;
        records::company(&item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_attributes_go_under_their_own_key_and_dates_as_seconds() {
        let at = chrono::DateTime::from_timestamp(1_767_603_600, 0).unwrap();
        let body = update_body(&[
            ("phone".to_owned(), SyncValue::Text("+1 555".to_owned())),
            (
                "custom_attributes.renewal".to_owned(),
                SyncValue::DateTime(at),
            ),
            ("custom_attributes.seats".to_owned(), SyncValue::Empty),
        ]);
        assert_eq!(
            body,
            json!({"phone": "+1 555",
                   "custom_attributes": {"renewal": 1_767_603_600, "seats": null}})
        );
    }
}
