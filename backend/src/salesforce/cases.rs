//! Filing a case: the edit layout and the UI API picklist values of each Case record type
//! (cached per client and revalidated with `If-Modified-Since`, like describes), the Salesforce
//! user a case may be assigned to, and the create with its CaseNumber read back, in one call.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::case_form::FieldValue;

use super::describe::Revalidated;
use super::soql::{Condition, Field, Order, Query};
use super::{API_VERSION, Client, Refusal, SalesforceError, SubAnswer, error};

/// The record type every org has; its layout and picklists apply when no other is available.
pub const MASTER_RECORD_TYPE: &str = "012000000000000AAA";

/// A record type's edit layout with its sections flattened: the fields in tab order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub items: Vec<LayoutItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutItem {
    pub field: String,
    /// Required by the layout, on top of the field's own `nillable:false`.
    pub required: bool,
    pub editable_for_new: bool,
}

/// One record type's picklist values, by field api name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordTypePicklists {
    pub fields: HashMap<String, FieldPicklist>,
}

/// A picklist's values for one record type, in Salesforce's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPicklist {
    pub values: Vec<PicklistEntry>,
    /// The record type's default value.
    pub default: Option<String>,
    /// A dependent picklist's controlling values and their indexes, as `valid_for` names them.
    pub controller_values: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PicklistEntry {
    pub value: String,
    pub label: String,
    /// Indexes into `controller_values` of the controlling values that allow this value.
    pub valid_for: Vec<usize>,
}

impl FieldPicklist {
    /// For a dependent picklist: each controlling value and the values it allows. Controlling
    /// values that allow none are left out.
    pub fn valid_values(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (controlling, index) in &self.controller_values {
            let allowed: Vec<String> = self
                .values
                .iter()
                .filter(|v| v.valid_for.contains(index))
                .map(|v| v.value.clone())
                .collect();
            if !allowed.is_empty() {
                out.insert(controlling.clone(), allowed);
            }
        }
        out
    }
}

/// An active user with edit access to cases, who may own one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOwner {
    pub id: String,
    pub name: String,
}

/// A case to create. `owner_id: None` lets Salesforce's assignment rules choose the owner.
#[derive(Debug, Clone, Copy)]
pub struct NewCase<'a> {
    pub record_type_id: Option<&'a str>,
    pub fields: &'a [(String, FieldValue)],
    pub owner_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCase {
    pub id: String,
    pub case_number: String,
    pub owner_id: Option<String>,
}

/// Layouts and picklists of one client's org, by request path.
#[derive(Default)]
pub(crate) struct Cache {
    layouts: Revalidated<Layout>,
    picklists: Revalidated<RecordTypePicklists>,
}

impl Client {
    /// The Case edit layout of a record type (the master one: [`MASTER_RECORD_TYPE`]).
    pub async fn case_layout(&self, record_type_id: &str) -> Result<Arc<Layout>, SalesforceError> {
        let id = checked_id(record_type_id)?;
        let path = format!("/services/data/{API_VERSION}/sobjects/Case/describe/layouts/{id}");
        self.revalidated(&self.inner.case_metadata.layouts, path, layout)
            .await
    }

    /// The Case picklist values of a record type, from the UI API.
    pub async fn case_picklists(
        &self,
        record_type_id: &str,
    ) -> Result<Arc<RecordTypePicklists>, SalesforceError> {
        let id = checked_id(record_type_id)?;
        let path =
            format!("/services/data/{API_VERSION}/ui-api/object-info/Case/picklist-values/{id}");
        self.revalidated(&self.inner.case_metadata.picklists, path, picklists)
            .await
    }

    /// Forgets every cached layout and picklist, so the next use revalidates.
    pub fn expire_case_metadata(&self) {
        self.inner.case_metadata.layouts.expire();
        self.inner.case_metadata.picklists.expire();
    }

    /// The active user with this email whose profile may edit cases, in one query; `None` when
    /// there is no such user (none with the email, inactive, or no permission).
    pub async fn case_owner(&self, email: &str) -> Result<Option<CaseOwner>, SalesforceError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Row {
            id: String,
            name: Option<String>,
        }
        let rows: Vec<Row> = self.query_rows(&owner_query(email)).await?;
        Ok(rows.into_iter().next().map(|row| CaseOwner {
            name: row.name.unwrap_or_else(|| row.id.clone()),
            id: row.id,
        }))
    }

    /// Creates the case and reads its CaseNumber back in one `/composite` call (all or none).
    /// With an owner, `Sforce-Auto-Assign: FALSE` keeps it; without, the assignment rules run.
    /// Not retried after a lost answer: the case may exist.
    pub async fn create_case(&self, case: &NewCase<'_>) -> Result<CreatedCase, SalesforceError> {
        let body = create_request(case);
        // Not idempotent: a create whose answer was lost may have happened.
        let responses = self.composite(&body, false).await?;
        let failed: Vec<&SubAnswer> = responses
            .iter()
            .filter(|s| !(200..300).contains(&s.status))
            .collect();
        if !failed.is_empty() {
            // The subrequest that failed says why; the others only say they were rolled back.
            let all: Vec<(u16, Vec<Refusal>)> = failed
                .iter()
                .map(|s| (s.status, error::batch_refusals(&s.body)))
                .collect();
            let cause = all
                .iter()
                .find(|(_, r)| {
                    r.iter()
                        .any(|r| r.code != super::ErrorCode::ProcessingHalted)
                })
                .or(all.first())
                .cloned()
                .unwrap_or_default();
            return Err(SalesforceError::Refused {
                status: cause.0,
                refusals: cause.1,
            });
        }
        #[derive(Deserialize)]
        struct Created {
            id: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct ReadBack {
            case_number: String,
            owner_id: Option<String>,
        }
        let sub = |reference: &str| {
            responses
                .iter()
                .find(|s| s.reference == reference)
                .map(|s| s.body.clone())
                .ok_or_else(|| {
                    SalesforceError::Unexpected(format!("composite did not answer {reference:?}"))
                })
        };
        let unexpected = |e: serde_json::Error| SalesforceError::Unexpected(e.to_string());
        let created: Created = serde_json::from_value(sub(CREATE)?).map_err(unexpected)?;
        let read: ReadBack = serde_json::from_value(sub(READ_BACK)?).map_err(unexpected)?;
        Ok(CreatedCase {
            id: created.id,
            case_number: read.case_number,
            owner_id: read.owner_id,
        })
    }
}

const CREATE: &str = "newCase";
const READ_BACK: &str = "caseNumber";

/// `Id` alphanumerics only: a record type id goes into a path.
fn checked_id(id: &str) -> Result<&str, SalesforceError> {
    if matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(SalesforceError::Unexpected(format!(
            "{id:?} is not a Salesforce record id"
        )))
    }
}

/// Users whose profile's own permission set grants Edit on Case.
fn owner_query(email: &str) -> Query {
    let editors = Query::select("ObjectPermissions", &["Parent.ProfileId"]).filter(
        Condition::eq(Field::known("SobjectType"), "Case")
            .and(Condition::eq(Field::known("PermissionsEdit"), true))
            .and(Condition::eq(Field::known("Parent.IsOwnedByProfile"), true)),
    );
    Query::select("User", &["Id", "Name"])
        .filter(
            Condition::eq(Field::known("Email"), email.trim())
                .and(Condition::eq(Field::known("IsActive"), true))
                .and(Condition::InQuery(
                    Field::known("ProfileId"),
                    Box::new(editors),
                )),
        )
        .order_by("CreatedDate", Order::Asc)
        .order_by("Id", Order::Asc)
        .limit(1)
}

fn create_request(case: &NewCase<'_>) -> Value {
    let mut record = Map::new();
    if let Some(id) = case.record_type_id {
        record.insert("RecordTypeId".into(), json!(id));
    }
    for (name, value) in case.fields {
        record.insert(name.clone(), field_json(value));
    }
    if let Some(owner) = case.owner_id {
        record.insert("OwnerId".into(), json!(owner));
    }
    let auto_assign = if case.owner_id.is_some() {
        "FALSE"
    } else {
        "TRUE"
    };
    let base = format!("/services/data/{API_VERSION}/sobjects/Case");
    json!({
        "allOrNone": true,
        "compositeRequest": [
            {"method": "POST", "url": base, "referenceId": CREATE, "body": record,
             "httpHeaders": {"Sforce-Auto-Assign": auto_assign}},
            {"method": "GET", "url": format!("{base}/@{{{CREATE}.id}}?fields=CaseNumber,OwnerId"),
             "referenceId": READ_BACK},
        ],
    })
}

/// A checked value as Salesforce's JSON writes it.
fn field_json(value: &FieldValue) -> Value {
    match value {
        FieldValue::Text(text) | FieldValue::Picklist(text) | FieldValue::Id(text) => json!(text),
        FieldValue::Bool(b) => json!(b),
        // A plain decimal is valid JSON; Salesforce reads it as its number type.
        FieldValue::Decimal(number) => serde_json::from_str::<serde_json::Number>(number)
            .map_or_else(|_| json!(number), Value::Number),
        FieldValue::Date(date) => json!(date.format("%Y-%m-%d").to_string()),
        FieldValue::DateTime(at) => json!(salesforce_datetime(*at)),
        FieldValue::MultiPicklist(values) => json!(values.join(";")),
    }
}

/// `2011-07-07T00:37:00.000+0000`, as Salesforce writes dateTimes.
fn salesforce_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLayout {
    #[serde(default)]
    edit_layout_sections: Vec<WireSection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSection {
    #[serde(default)]
    layout_rows: Vec<WireRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRow {
    #[serde(default)]
    layout_items: Vec<WireItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireItem {
    #[serde(default)]
    required: bool,
    #[serde(default)]
    editable_for_new: bool,
    #[serde(default)]
    layout_components: Vec<WireComponent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireComponent {
    #[serde(rename = "type")]
    kind: String,
    value: Option<String>,
    tab_order: Option<u32>,
}

/// Sections in order; within a section, the tab order (a two-column section may run down the
/// first column before the second), else the rows' order.
fn layout(wire: WireLayout) -> Layout {
    let mut items = Vec::new();
    for section in wire.edit_layout_sections {
        let mut fields: Vec<(u32, usize, LayoutItem)> = Vec::new();
        for item in section.layout_rows.into_iter().flat_map(|r| r.layout_items) {
            for component in &item.layout_components {
                let (true, Some(field)) = (component.kind == "Field", &component.value) else {
                    continue;
                };
                if fields.iter().any(|(_, _, i)| &i.field == field) {
                    continue;
                }
                let position = fields.len();
                fields.push((
                    component.tab_order.unwrap_or(u32::MAX),
                    position,
                    LayoutItem {
                        field: field.clone(),
                        required: item.required,
                        editable_for_new: item.editable_for_new,
                    },
                ));
            }
        }
        fields.sort_by_key(|(tab, position, _)| (*tab, *position));
        items.extend(fields.into_iter().map(|(_, _, item)| item));
    }
    Layout { items }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePicklists {
    #[serde(default)]
    picklist_field_values: HashMap<String, WireFieldPicklist>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFieldPicklist {
    #[serde(default)]
    controller_values: BTreeMap<String, usize>,
    default_value: Option<WireValue>,
    #[serde(default)]
    values: Vec<WireValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireValue {
    label: Option<String>,
    value: String,
    #[serde(default)]
    valid_for: Vec<usize>,
}

fn picklists(wire: WirePicklists) -> RecordTypePicklists {
    RecordTypePicklists {
        fields: wire
            .picklist_field_values
            .into_iter()
            .map(|(name, field)| {
                let picklist = FieldPicklist {
                    default: field.default_value.map(|d| d.value),
                    controller_values: field.controller_values,
                    values: field
                        .values
                        .into_iter()
                        .map(|v| PicklistEntry {
                            label: v.label.unwrap_or_else(|| v.value.clone()),
                            value: v.value,
                            valid_for: v.valid_for,
                        })
                        .collect(),
                };
                (name, picklist)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::parse;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../tests/fixtures/salesforce/ui-api/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_the_recorded_picklists_by_record_type() {
        let wire: WirePicklists = parse(&fixture("getPicklistValuesByRecordType.json")).unwrap();
        let all = picklists(wire);
        let source = &all.fields["AccountSource"];
        assert_eq!(source.default, None);
        assert!(source.controller_values.is_empty());
        assert_eq!(source.values[0].value, "Web");
        assert_eq!(source.values[0].label, "Web");
        // Labels and values differ where Salesforce says so.
        let clean = &all.fields["CleanStatus"];
        let in_sync = clean.values.iter().find(|v| v.value == "Matched").unwrap();
        assert_eq!(in_sync.label, "In Sync");
    }

    #[test]
    fn dependent_values_follow_the_controller_indexes() {
        let wire: WirePicklists = serde_json::from_value(json!({"picklistFieldValues": {
            "Product_Area__c": {
                "controllerValues": {"Platform": 0, "Mobile App": 1, "Integrations": 2},
                "defaultValue": null,
                "values": [
                    {"label": "API", "value": "API", "validFor": [0, 2]},
                    {"label": "Sync", "value": "Sync", "validFor": [1, 2]},
                    {"label": "Login", "value": "Login", "validFor": [0, 1]},
                ],
            },
            "Priority": {"controllerValues": {}, "defaultValue": {"label": "High", "value": "High"},
                         "values": [{"label": "High", "value": "High", "validFor": []}]},
        }}))
        .unwrap();
        let all = picklists(wire);
        assert_eq!(all.fields["Priority"].default.as_deref(), Some("High"));
        let valid = all.fields["Product_Area__c"].valid_values();
        assert_eq!(valid["Platform"], ["API", "Login"]);
        assert_eq!(valid["Mobile App"], ["Sync", "Login"]);
        assert_eq!(valid["Integrations"], ["API", "Sync"]);
    }

    #[test]
    fn a_layout_is_flattened_in_tab_order() {
        let item = |field: &str, tab: u32, required: bool| {
            json!({"required": required, "editableForNew": true, "placeholder": false,
                   "layoutComponents": [{"type": "Field", "value": field, "tabOrder": tab}]})
        };
        let wire: WireLayout = serde_json::from_value(json!({"editLayoutSections": [
            // Two columns, top to bottom: the left column's fields come first.
            {"columns": 2, "layoutRows": [
                {"layoutItems": [item("Subject", 1, true), item("Priority", 3, false)]},
                {"layoutItems": [item("Status", 2, true),
                    {"required": false, "editableForNew": false, "placeholder": true,
                     "layoutComponents": [{"type": "EmptySpace"}]}]},
            ]},
            {"columns": 1, "layoutRows": [{"layoutItems": [item("Description", 4, false)]}]},
        ]}))
        .unwrap();
        let flat = layout(wire);
        let names: Vec<&str> = flat.items.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(names, ["Subject", "Status", "Priority", "Description"]);
        assert!(flat.items[0].required);
        assert!(!flat.items[2].required);
    }

    #[test]
    fn the_owner_query_asks_for_an_active_case_editor_by_email() {
        let soql = owner_query(" o'brien@example.com ").to_string();
        assert_eq!(
            soql,
            "SELECT Id, Name FROM User WHERE Email = 'o\\'brien@example.com' AND IsActive = true \
             AND ProfileId IN (SELECT Parent.ProfileId FROM ObjectPermissions WHERE SobjectType = \
             'Case' AND PermissionsEdit = true AND Parent.IsOwnedByProfile = true) \
             ORDER BY CreatedDate, Id LIMIT 1"
        );
    }

    #[test]
    fn the_create_reads_its_case_number_back_and_says_who_assigns() {
        let fields = vec![
            ("Subject".to_owned(), FieldValue::Text("Refund".into())),
            ("IsEscalated".to_owned(), FieldValue::Bool(true)),
            ("Hours__c".to_owned(), FieldValue::Decimal("7.50".into())),
            (
                "Due__c".to_owned(),
                FieldValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()),
            ),
            (
                "Seen__c".to_owned(),
                FieldValue::DateTime(
                    DateTime::parse_from_rfc3339("2026-03-31T14:30:00+02:00")
                        .unwrap()
                        .with_timezone(&Utc),
                ),
            ),
            (
                "Tags__c".to_owned(),
                FieldValue::MultiPicklist(vec!["a".into(), "b".into()]),
            ),
        ];
        let assigned = create_request(&NewCase {
            record_type_id: Some("012000000000002AAA"),
            fields: &fields,
            owner_id: Some("005000000000003AAA"),
        });
        let create = &assigned["compositeRequest"][0];
        assert_eq!(create["httpHeaders"]["Sforce-Auto-Assign"], "FALSE");
        assert_eq!(
            create["body"],
            json!({"RecordTypeId": "012000000000002AAA", "Subject": "Refund", "IsEscalated": true,
                   "Hours__c": 7.5, "Due__c": "2026-03-31", "Seen__c": "2026-03-31T12:30:00.000+0000",
                   "Tags__c": "a;b", "OwnerId": "005000000000003AAA"})
        );
        assert_eq!(
            assigned["compositeRequest"][1]["url"],
            format!(
                "/services/data/{API_VERSION}/sobjects/Case/@{{newCase.id}}?fields=CaseNumber,OwnerId"
            )
        );
        assert_eq!(assigned["allOrNone"], true);
        let by_rules = create_request(&NewCase {
            record_type_id: None,
            fields: &fields[..1],
            owner_id: None,
        });
        let create = &by_rules["compositeRequest"][0];
        assert_eq!(create["httpHeaders"]["Sforce-Auto-Assign"], "TRUE");
        assert_eq!(create["body"], json!({"Subject": "Refund"}));
    }

    #[test]
    fn record_type_ids_are_checked_before_they_reach_a_path() {
        assert!(checked_id("012000000000002AAA").is_ok());
        assert!(checked_id("012000000000002").is_ok());
        assert!(checked_id("../../limits").is_err());
        assert!(checked_id("012000000000002AA/").is_err());
    }
}
