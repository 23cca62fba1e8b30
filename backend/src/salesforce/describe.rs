//! Object describes, cached per client and revalidated with `If-Modified-Since` (a 304 is cheap
//! for Salesforce and for us, though it still counts as a call).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Deserialize;
use serde::de::DeserializeOwned;

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

/// Metadata kept per client by request path, each entry revalidated with `If-Modified-Since`.
pub(crate) struct Revalidated<T>(Mutex<HashMap<String, Entry<T>>>);

impl<T> Default for Revalidated<T> {
    fn default() -> Self {
        Revalidated(Mutex::new(HashMap::new()))
    }
}

struct Entry<T> {
    value: Arc<T>,
    /// The answer's `Last-Modified` (or `Date`), sent back as `If-Modified-Since`.
    validator: Option<String>,
    /// `None` once expired by hand.
    checked_at: Option<Instant>,
}

impl<T> Revalidated<T> {
    /// Makes every entry revalidate on its next use.
    pub(crate) fn expire(&self) {
        for entry in self.0.lock().values_mut() {
            entry.checked_at = None;
        }
    }
}

impl Client {
    /// The object's describe: from the cache while fresh, else revalidated (304) or fetched.
    pub async fn describe(&self, object: &str) -> Result<Arc<ObjectDescribe>, SalesforceError> {
        let object =
            Field::parse(object).map_err(|e| SalesforceError::Unexpected(e.to_string()))?;
        let path = format!(
            "/services/data/{API_VERSION}/sobjects/{}/describe",
            object.as_str()
        );
        self.revalidated(&self.inner.describes, path, |d: ObjectDescribe| d)
            .await
    }

    /// Forgets every cached describe, so the next use revalidates.
    pub fn expire_describes(&self) {
        self.inner.describes.expire();
    }

    /// `path`'s answer from `cache` while fresh, else revalidated (304) or fetched and `read`.
    pub(crate) async fn revalidated<T, W: DeserializeOwned>(
        &self,
        cache: &Revalidated<T>,
        path: String,
        read: fn(W) -> T,
    ) -> Result<Arc<T>, SalesforceError> {
        let cached = cache
            .0
            .lock()
            .get(&path)
            .map(|e| (e.value.clone(), e.validator.clone(), e.checked_at));
        if let Some((value, _, Some(checked_at))) = &cached
            && checked_at.elapsed() < FRESH_FOR
        {
            return Ok(value.clone());
        }
        let mut call = Call::get(path.clone());
        if let Some((_, Some(validator), _)) = &cached {
            call.headers.push(("If-Modified-Since", validator.clone()));
        }
        let answer = self.send(call).await?;
        let fresh_validator = ["last-modified", "date"].iter().find_map(|name| {
            answer
                .headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let (value, validator) = match (answer.status, cached) {
            (304, Some((value, validator, _))) => (value, validator),
            (304, None) => {
                return Err(SalesforceError::Unexpected(format!(
                    "304 Not Modified for {path}, which was never fetched"
                )));
            }
            _ => (Arc::new(read(parse::<W>(&answer.body)?)), fresh_validator),
        };
        cache.0.lock().insert(
            path,
            Entry {
                value: value.clone(),
                validator,
                checked_at: Some(Instant::now()),
            },
        );
        Ok(value)
    }
}
