//! Object describes, cached per client and revalidated with `If-Modified-Since` (a 304 is cheap
//! for Salesforce and for us, though it still counts as a call).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Deserialize;

use super::soql::Field;
use super::{API_VERSION, Call, Client, SalesforceError, parse};

/// How long a describe is used without asking Salesforce whether it changed.
pub const FRESH_FOR: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDescribe {
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    pub fields: Vec<FieldDescribe>,
    #[serde(default)]
    pub record_type_infos: Vec<RecordTypeInfo>,
}

impl ObjectDescribe {
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub byte_length: u32,
    /// An integer field's digits (`precision` is for decimals).
    #[serde(default)]
    pub digits: u32,
    #[serde(default)]
    pub precision: u32,
    #[serde(default)]
    pub scale: u32,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub nillable: bool,
    #[serde(default)]
    pub defaulted_on_create: bool,
    #[serde(default)]
    pub calculated: bool,
    pub compound_field_name: Option<String>,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub picklist_values: Vec<PicklistValue>,
    #[serde(default)]
    pub restricted_picklist: bool,
    #[serde(default)]
    pub dependent_picklist: bool,
    pub controller_name: Option<String>,
    #[serde(default)]
    pub reference_to: Vec<String>,
    pub relationship_name: Option<String>,
    #[serde(default)]
    pub auto_number: bool,
    /// The value a new record gets when it is left out (a checkbox's `true`/`false`).
    #[serde(default)]
    pub default_value: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    pub active: bool,
    #[serde(default)]
    pub default_value: bool,
    pub label: Option<String>,
    pub value: String,
    pub valid_for: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordTypeInfo {
    pub active: bool,
    pub available: bool,
    pub default_record_type_mapping: bool,
    pub developer_name: String,
    pub master: bool,
    pub name: String,
    pub record_type_id: String,
}

#[derive(Default)]
pub(crate) struct Cache(Mutex<HashMap<String, Entry>>);

struct Entry {
    describe: Arc<ObjectDescribe>,
    /// The answer's `Last-Modified` (or `Date`), sent back as `If-Modified-Since`.
    validator: Option<String>,
    /// `None` once expired by hand.
    checked_at: Option<Instant>,
}

impl Client {
    /// The object's describe: from the cache while fresh, else revalidated (304) or fetched.
    pub async fn describe(&self, object: &str) -> Result<Arc<ObjectDescribe>, SalesforceError> {
        let object = Field::parse(object)
            .map_err(|e| SalesforceError::Unexpected(e.to_string()))?
            .as_str()
            .to_owned();
        let cached = {
            let cache = self.inner.describes.0.lock();
            cache
                .get(&object)
                .map(|e| (e.describe.clone(), e.validator.clone(), e.checked_at))
        };
        if let Some((describe, _, Some(checked_at))) = &cached
            && checked_at.elapsed() < FRESH_FOR
        {
            return Ok(describe.clone());
        }
        let mut call = Call::get(format!(
            "/services/data/{API_VERSION}/sobjects/{object}/describe"
        ));
        if let Some((_, Some(validator), _)) = &cached {
            call.headers.push(("If-Modified-Since", validator.clone()));
        }
        let answer = self.send(call).await?;
        let validator = ["last-modified", "date"].iter().find_map(|name| {
            answer
                .headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let describe = match (answer.status, cached) {
            (304, Some((describe, old_validator, _))) => {
                self.store(&object, describe.clone(), old_validator);
                return Ok(describe);
            }
            (304, None) => {
                return Err(SalesforceError::Unexpected(
                    "304 Not Modified for a describe that was never fetched".to_owned(),
                ));
            }
            _ => Arc::new(parse::<ObjectDescribe>(&answer.body)?),
        };
        self.store(&object, describe.clone(), validator);
        Ok(describe)
    }

    fn store(&self, object: &str, describe: Arc<ObjectDescribe>, validator: Option<String>) {
        self.inner.describes.0.lock().insert(
            object.to_owned(),
            Entry {
                describe,
                validator,
                checked_at: Some(Instant::now()),
            },
        );
    }

    /// Forgets every cached describe, so the next use revalidates.
    pub fn expire_describes(&self) {
        for entry in self.inner.describes.0.lock().values_mut() {
            entry.checked_at = None;
        }
    }
}
