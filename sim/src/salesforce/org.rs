//! The org's data: records per object, and every write (insert, update, delete, undelete)
//! with Salesforce's rules: validation, defaults, derived fields, system fields, assignment
//! and duplicate rules, and a change event per committed write.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::error::SfError;
use super::ids;
use super::record::{self, Record};
use super::schema::{Field, OPPORTUNITY_STAGES, Object, schema};
use super::soql::{self, FieldKind, Row};

pub const API_VERSION: &str = "62.0";

/// Salesforce keeps record times to the second (`.000` on the wire), so rows changed within
/// one second share their `SystemModstamp` and only the Id orders them.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    soql::format_datetime(t.timestamp() * 1000)
}

/// Parses the dateTime forms the API accepts (`Z`, `+0000`, `+00:00`, with or without millis).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Who is writing and how: drives system fields, assignment, duplicate rules and CDC origin.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub user_id: String,
    /// `Sforce-Call-Options: client=..`
    pub client: Option<String>,
    /// Whether the active assignment rules run on this create or update. Over the API this is
    /// `Sforce-Auto-Assign`: absent, TRUE or a rule id run them, FALSE keeps the given owner.
    /// In the UI it is the "Assign using active assignment rule" checkbox.
    pub auto_assign: bool,
    /// `Sforce-Duplicate-Rule-Header: allowSave=true`
    pub allow_duplicates: bool,
    /// `None` for a person in the UI; `Some(version)` for the REST API.
    pub api_version: Option<String>,
}

impl WriteCtx {
    pub fn ui(user_id: &str) -> WriteCtx {
        WriteCtx {
            user_id: user_id.into(),
            client: None,
            // A person editing a record does not re-run assignment unless they tick the box.
            auto_assign: false,
            allow_duplicates: false,
            api_version: None,
        }
    }
    fn change_origin(&self) -> String {
        match &self.api_version {
            Some(v) => match &self.client {
                Some(c) => format!("com/salesforce/api/rest/{v};client={c}"),
                None => format!("com/salesforce/api/rest/{v}"),
            },
            None => String::new(),
        }
    }
}

/// A committed change, as CDC and the control surface see it.
#[derive(Debug, Clone)]
pub struct Change {
    pub entity: &'static str,
    pub record_id: String,
    pub change_type: &'static str,
    pub changed_fields: Vec<String>,
    /// New values of the changed fields (all non-null fields on create).
    pub values: Map<String, Value>,
    pub origin: String,
    pub commit_user: String,
    pub commit_timestamp: i64,
    pub transaction_key: String,
    pub sequence_number: u64,
}

/// A record being written: every field it has, as JSON. Writes work on drafts (validation,
/// derived fields, the changed-field diff) and store the result as a compact [`Record`].
pub type Draft = Map<String, Value>;

/// An id's case-sensitive 15-character form: what tells records apart (the 3-character
/// suffix of an 18-character id only repeats the case of the first 15).
type IdKey = [u8; 15];

fn id_key(id: &str) -> Option<IdKey> {
    if !matches!(id.len(), 15 | 18) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    id.as_bytes()[..15].try_into().ok()
}

enum Undo {
    Inserted(String),
    Replaced(String, Box<Record>),
}

/// A unit of work: rolled back as a whole (allOrNone), or committed and its changes published.
#[derive(Default)]
pub struct Journal {
    undo: Vec<Undo>,
    pub changes: Vec<Change>,
}

impl Journal {
    /// Appends a later unit of work, so that both roll back together.
    pub fn absorb(&mut self, later: Journal) {
        self.undo.extend(later.undo);
        self.changes.extend(later.changes);
    }
}

#[derive(Debug, Clone)]
pub struct Deletion {
    pub id: String,
    pub object: &'static str,
    pub at: DateTime<Utc>,
}

pub struct Org {
    pub org_id: String,
    pub admin_user_id: String,
    /// Records per object, in the schema's object order.
    tables: Vec<Vec<Record>>,
    /// Where each record is: (object's position in the schema, position in its table).
    index: HashMap<IdKey, (u8, u32)>,
    counters: HashMap<&'static str, u64>,
    case_number: u64,
    pub deletions: Vec<Deletion>,
    pub created_at: DateTime<Utc>,
    /// Seeds write with fixed timestamps so that the demo world is the same on every start.
    pub clock_override: Option<DateTime<Utc>>,
    txn_counter: u64,
    /// Users by lower-case username and email, to route login and assignment.
    pub assignment_users: AssignmentUsers,
    /// Validation rules an admin added ([`ValidationRule`]), checked on every write.
    pub validation_rules: Vec<ValidationRule>,
    /// API record writes still to be refused with `UNABLE_TO_LOCK_ROW`, as when another
    /// transaction holds the row (or its parent) for longer than Salesforce waits.
    pub locked_writes: u64,
}

/// A validation rule as an admin writes one in Setup, reduced to "this field holds one of
/// these values": a write leaving the record so is refused with
/// `FIELD_CUSTOM_VALIDATION_EXCEPTION` and the rule's message.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ValidationRule {
    /// The object's API name (`Lead`).
    pub object: String,
    pub field: String,
    /// The values the rule refuses; `""` stands for a blank field.
    pub values: Vec<String>,
    /// The rule's error message, as Salesforce returns it.
    pub message: String,
    /// Whether the error shows at the field (the API then names it in `fields`) or at the
    /// top of the page (`fields` empty).
    #[serde(default)]
    pub at_field: bool,
}

#[derive(Debug, Clone, Default)]
pub struct AssignmentUsers {
    /// Default owner for new Cases from the active assignment rule.
    pub case_default: Option<String>,
    /// Owner for Bug Report cases.
    pub case_bug: Option<String>,
    pub lead_default: Option<String>,
    pub bug_record_type: Option<String>,
}

impl Org {
    pub fn new(org_id: String) -> Org {
        Org {
            org_id,
            admin_user_id: String::new(),
            tables: schema().objects.iter().map(|_| Vec::new()).collect(),
            index: HashMap::new(),
            counters: HashMap::new(),
            case_number: 0,
            deletions: Vec::new(),
            created_at: Utc::now(),
            clock_override: None,
            txn_counter: 0,
            assignment_users: AssignmentUsers::default(),
            validation_rules: Vec::new(),
            locked_writes: 0,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock_override.unwrap_or_else(Utc::now)
    }

    pub fn reserve(&mut self, object: &str, additional: usize) {
        if let Some(t) = schema().index_of(object) {
            self.tables[t].reserve(additional);
        }
        self.index.reserve(additional);
    }

    /// A record by its 15- or 18-character id, deleted or not.
    pub fn get(&self, id: &str) -> Option<&Record> {
        let (t, i) = *self.index.get(&id_key(id)?)?;
        self.tables.get(usize::from(t))?.get(i as usize)
    }

    pub fn object_of(&self, id: &str) -> Option<&'static str> {
        let (t, _) = *self.index.get(&id_key(id)?)?;
        Some(schema().objects[usize::from(t)].name)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Record> {
        let (t, i) = *self.index.get(&id_key(id)?)?;
        self.tables.get_mut(usize::from(t))?.get_mut(i as usize)
    }

    pub fn row_mut(&mut self, id: &str) -> Option<&mut Record> {
        self.get_mut(id)
    }

    pub fn set_case_number(&mut self, n: u64) {
        self.case_number = n;
    }

    pub fn table(&self, object: &str) -> &[Record] {
        schema()
            .index_of(object)
            .and_then(|t| self.tables.get(t))
            .map_or(&[], Vec::as_slice)
    }

    pub fn count(&self, object: &str) -> usize {
        self.table(object).len()
    }

    pub fn next_id(&mut self, prefix_object: &'static Object) -> String {
        let n = self.counters.entry(prefix_object.name).or_insert(0);
        *n += 1;
        ids::make(prefix_object.key_prefix, *n + 1000)
    }

    /// Stores a record built elsewhere (the seed), bypassing validation and events.
    pub fn put_raw(&mut self, row: Record) {
        let key = id_key(row.id()).expect("records carry an id");
        let t = schema()
            .objects
            .iter()
            .position(|o| std::ptr::eq(o, row.object()))
            .expect("records are of described objects");
        let table = &mut self.tables[t];
        let at = u32::try_from(table.len()).expect("fewer than 4 billion records per object");
        self.index.insert(key, (t as u8, at));
        table.push(row);
    }

    /// Finds records of `object` whose `field` equals `value` (case-insensitive, live rows only).
    pub fn find_by(&self, object: &str, field: &str, value: &str) -> Vec<&Record> {
        let Some(obj) = schema().object(object) else {
            return Vec::new();
        };
        let (Some(deleted), Some(at)) = (obj.position("IsDeleted"), obj.position(field)) else {
            return Vec::new();
        };
        self.table(obj.name)
            .iter()
            .filter(|r| r.get_at(deleted) != soql::FieldValue::Bool(true))
            .filter(|r| {
                r.get_at(at)
                    .as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
            .collect()
    }

    pub fn commit(&mut self, journal: Journal) -> Vec<Change> {
        journal.changes
    }

    /// Undoes every write of `journal` and forgets its changes (allOrNone).
    pub fn rollback(&mut self, journal: &mut Journal) {
        journal.changes.clear();
        for undo in std::mem::take(&mut journal.undo).into_iter().rev() {
            match undo {
                Undo::Inserted(id) => {
                    let found = id_key(&id).and_then(|k| self.index.remove(&k));
                    if let Some((t, _)) = found {
                        self.tables[usize::from(t)].pop();
                    }
                }
                Undo::Replaced(id, old) => {
                    if let Some(row) = self.get_mut(&id) {
                        *row = *old;
                    }
                }
            }
        }
    }

    fn transaction_key(&mut self) -> String {
        self.txn_counter += 1;
        format!(
            "{:05x}-{:04x}-{:012x}",
            self.txn_counter & 0xfffff,
            0x5f00,
            self.txn_counter
        )
    }

    // ---- writes ----

    pub fn insert(
        &mut self,
        object: &str,
        input: &Map<String, Value>,
        ctx: &WriteCtx,
        journal: &mut Journal,
    ) -> Result<String, Vec<SfError>> {
        let obj = writable_object(object)?;
        if !obj.createable {
            return Err(vec![SfError::new(
                "INVALID_TYPE",
                format!("Cannot create {}", obj.name),
            )]);
        }
        self.take_lock(ctx, None)?;
        let input = clean_input(input);
        if input.keys().any(|k| k.eq_ignore_ascii_case("Id")) {
            return Err(vec![
                SfError::new(
                    "INVALID_FIELD",
                    "Record ID: cannot specify Id in an insert call",
                )
                .with_fields(&["Id"]),
            ]);
        }
        let values = self.check_fields(obj, &input, true)?;
        let now = self.now();
        let stamp = format_datetime(now);
        let id = self.next_id(obj);
        let mut row = Draft::new();
        for f in &obj.fields {
            let v = match f.kind {
                FieldKind::Boolean => Value::Bool(false),
                _ => f.default_value().map(|d| json!(d)).unwrap_or(Value::Null),
            };
            row.insert(f.name.into(), v);
        }
        if let Some(rt) = obj.default_record_type() {
            row.insert("RecordTypeId".into(), json!(rt.id));
            for (field, value) in &rt.defaults {
                row.insert((*field).into(), json!(value));
            }
        }
        if obj.name == "User" {
            row.insert("IsActive".into(), Value::Bool(true));
        }
        for (k, v) in values {
            row.insert(k, v);
        }
        row.insert("Id".into(), json!(id));
        row.insert("IsDeleted".into(), json!(false));
        row.insert("CreatedDate".into(), json!(stamp));
        row.insert("CreatedById".into(), json!(ctx.user_id));
        row.insert("LastModifiedDate".into(), json!(stamp));
        row.insert("LastModifiedById".into(), json!(ctx.user_id));
        row.insert("SystemModstamp".into(), json!(stamp));
        if obj.has_owner() && row.get("OwnerId").is_none_or(Value::is_null) {
            row.insert("OwnerId".into(), json!(ctx.user_id));
        }
        if obj.name == "Case" {
            self.case_number += 1;
            row.insert(
                "CaseNumber".into(),
                json!(format!("{:08}", self.case_number)),
            );
        }
        if ctx.auto_assign {
            self.assign(obj, &mut row);
        }
        derive(obj, &mut row, None, &stamp);
        self.check_rules(obj, &row, None, ctx)?;
        let values: Map<String, Value> = row
            .iter()
            .filter(|(k, v)| {
                !v.is_null() && *k != "Id" && *k != "IsDeleted" && *k != "SystemModstamp"
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let changed: Vec<String> = values.keys().cloned().collect();
        self.put_raw(Record::from_map(obj, &row));
        journal.undo.push(Undo::Inserted(id.clone()));
        let change = self.change(obj.name, &id, "CREATE", changed, values, ctx, now);
        journal.changes.push(change);
        Ok(id)
    }

    pub fn update(
        &mut self,
        object: &str,
        id: &str,
        input: &Map<String, Value>,
        ctx: &WriteCtx,
        journal: &mut Journal,
    ) -> Result<(), Vec<SfError>> {
        let obj = writable_object(object)?;
        let id = ids::to18(id).ok_or_else(|| vec![malformed_id(id)])?;
        let Some(stored) = self.get(&id).cloned() else {
            return Err(vec![SfError::new(
                "NOT_FOUND",
                "The requested resource does not exist",
            )]);
        };
        if self.object_of(&id) != Some(obj.name) {
            return Err(vec![malformed_id(&id)]);
        }
        let old = stored.to_map();
        if old.get("IsDeleted") == Some(&json!(true)) {
            return Err(vec![SfError::new("ENTITY_IS_DELETED", "entity is deleted")]);
        }
        if !obj.updateable {
            return Err(vec![SfError::new(
                "INVALID_TYPE",
                format!("Cannot update {}", obj.name),
            )]);
        }
        if obj.name == "Lead" && old.get("IsConverted") == Some(&json!(true)) {
            return Err(vec![SfError::new(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
            )]);
        }
        self.take_lock(ctx, Some(&id))?;
        let mut input = clean_input(input);
        if let Some(given) = input.remove("Id")
            && given.as_str().and_then(ids::to18).as_deref() != Some(id.as_str())
        {
            return Err(vec![SfError::new(
                "INVALID_ID_FIELD",
                "The Id field should not be specified in the sobject data.",
            )]);
        }
        let values = self.check_fields(obj, &input, false)?;
        let now = self.now();
        let stamp = format_datetime(now);
        let mut row = old.clone();
        for (k, v) in values {
            row.insert(k, v);
        }
        if ctx.auto_assign {
            self.assign(obj, &mut row);
        }
        derive(obj, &mut row, Some(&old), &stamp);
        self.check_rules(obj, &row, Some(&old), ctx)?;
        let mut changed: Vec<String> = row
            .iter()
            .filter(|(k, v)| old.get(*k).unwrap_or(&Value::Null) != *v)
            .map(|(k, _)| k.clone())
            .collect();
        row.insert("LastModifiedDate".into(), json!(stamp));
        row.insert("LastModifiedById".into(), json!(ctx.user_id));
        row.insert("SystemModstamp".into(), json!(stamp));
        changed.push("LastModifiedDate".into());
        if old.get("LastModifiedById") != Some(&json!(ctx.user_id)) {
            changed.push("LastModifiedById".into());
        }
        let values = changed
            .iter()
            .map(|k| (k.clone(), row[k].clone()))
            .collect();
        *self.get_mut(&id).expect("row exists") = Record::from_map(obj, &row);
        journal
            .undo
            .push(Undo::Replaced(id.clone(), Box::new(stored)));
        let change = self.change(obj.name, &id, "UPDATE", changed, values, ctx, now);
        journal.changes.push(change);
        Ok(())
    }

    /// Converts a lead as the UI's Convert button does: a Contact from the lead's name, email,
    /// phone and title, owned by the lead's owner, under `account_id`; the lead marked
    /// converted. Both changes raise their events. Returns the contact's id.
    pub fn convert_lead(
        &mut self,
        lead_id: &str,
        account_id: Option<&str>,
        ctx: &WriteCtx,
        journal: &mut Journal,
    ) -> Result<String, Vec<SfError>> {
        let id = ids::to18(lead_id).ok_or_else(|| vec![malformed_id(lead_id)])?;
        if self.object_of(&id) != Some("Lead") {
            return Err(vec![malformed_id(&id)]);
        }
        let stored = self.get(&id).cloned().expect("indexed");
        let old = stored.to_map();
        if old.get("IsConverted") == Some(&json!(true)) {
            return Err(vec![SfError::new(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
            )]);
        }
        let mut contact = Map::new();
        for field in [
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Title",
            "OwnerId",
        ] {
            if let Some(value) = old.get(field).filter(|v| !v.is_null()) {
                contact.insert(field.into(), value.clone());
            }
        }
        if let Some(account) = account_id {
            contact.insert("AccountId".into(), json!(account));
        }
        let contact_id = self.insert("Contact", &contact, ctx, journal)?;
        let now = self.now();
        let stamp = format_datetime(now);
        let mut row = old.clone();
        let converted = [
            ("IsConverted", json!(true)),
            ("ConvertedContactId", json!(contact_id)),
            (
                "ConvertedAccountId",
                account_id.map_or(Value::Null, |a| json!(a)),
            ),
            ("ConvertedDate", json!(now.format("%Y-%m-%d").to_string())),
            ("Status", json!("Closed - Converted")),
            ("LastModifiedDate", json!(stamp)),
            ("LastModifiedById", json!(ctx.user_id)),
            ("SystemModstamp", json!(stamp)),
        ];
        let mut changed = Vec::new();
        for (field, value) in converted {
            if old.get(field) != Some(&value) {
                changed.push(field.to_owned());
            }
            row.insert(field.into(), value);
        }
        let values = changed
            .iter()
            .filter(|k| *k != "SystemModstamp")
            .map(|k| (k.clone(), row[k].clone()))
            .collect();
        changed.retain(|k| k != "SystemModstamp");
        let obj = schema().object("Lead").expect("leads are described");
        *self.get_mut(&id).expect("row exists") = Record::from_map(obj, &row);
        journal
            .undo
            .push(Undo::Replaced(id.clone(), Box::new(stored)));
        let change = self.change("Lead", &id, "UPDATE", changed, values, ctx, now);
        journal.changes.push(change);
        Ok(contact_id)
    }

    /// Moves a record to the recycle bin (IsDeleted = true; still visible to queryAll).
    pub fn delete(
        &mut self,
        id: &str,
        ctx: &WriteCtx,
        journal: &mut Journal,
    ) -> Result<&'static str, Vec<SfError>> {
        let id = ids::to18(id).ok_or_else(|| vec![malformed_id(id)])?;
        let Some(obj_name) = self.object_of(&id) else {
            return Err(vec![SfError::new(
                "NOT_FOUND",
                "The requested resource does not exist",
            )]);
        };
        let obj = schema()
            .object(obj_name)
            .expect("stored objects are described");
        let old = self.get(&id).cloned().expect("indexed");
        if old.is_deleted() {
            return Err(vec![SfError::new("ENTITY_IS_DELETED", "entity is deleted")]);
        }
        if !obj.deletable {
            return Err(vec![SfError::new(
                "INVALID_TYPE",
                format!("Cannot delete {}", obj.name),
            )]);
        }
        let now = self.now();
        let stamp = format_datetime(now);
        let row = self.get_mut(&id).expect("indexed");
        row.set("IsDeleted", &json!(true));
        row.set("SystemModstamp", &json!(stamp));
        row.set("LastModifiedDate", &json!(stamp));
        row.set("LastModifiedById", &json!(ctx.user_id));
        journal.undo.push(Undo::Replaced(id.clone(), Box::new(old)));
        self.deletions.push(Deletion {
            id: id.clone(),
            object: obj.name,
            at: now,
        });
        let change = self.change(obj.name, &id, "DELETE", Vec::new(), Map::new(), ctx, now);
        journal.changes.push(change);
        Ok(obj.name)
    }

    /// Checks that `id` is a record of `object` that a hard delete may remove (live or in the
    /// recycle bin); [`Org::purge`] then removes it.
    pub fn check_hard_delete(&self, object: &str, id: &str) -> Result<String, Vec<SfError>> {
        let id = ids::to18(id).ok_or_else(|| vec![malformed_id(id)])?;
        match self.object_of(&id) {
            None => Err(vec![SfError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
            )]),
            Some(found) if !found.eq_ignore_ascii_case(object) => Err(vec![malformed_id(&id)]),
            Some(found) => {
                let obj = schema()
                    .object(found)
                    .expect("stored objects are described");
                if obj.deletable {
                    Ok(id)
                } else {
                    Err(vec![SfError::new(
                        "INVALID_TYPE",
                        format!("Cannot delete {}", obj.name),
                    )])
                }
            }
        }
    }

    /// Removes records for good, as Bulk API's hardDelete does: no recycle bin, gone from
    /// queryAll, no change event (Change Data Capture publishes none for hard deletes). The
    /// deletion stays in the log the replication endpoints read.
    pub fn purge(&mut self, purged: &[String]) {
        let now = self.now();
        let mut by_table: HashMap<u8, std::collections::HashSet<u32>> = HashMap::new();
        for id in purged {
            let Some((t, at)) = id_key(id).and_then(|k| self.index.remove(&k)) else {
                continue;
            };
            by_table.entry(t).or_default().insert(at);
            self.deletions.retain(|d| d.id != *id);
            self.deletions.push(Deletion {
                id: id.clone(),
                object: schema().objects[usize::from(t)].name,
                at: now,
            });
        }
        for (t, gone) in by_table {
            let table = &mut self.tables[usize::from(t)];
            let mut at = 0u32;
            table.retain(|_| {
                let keep = !gone.contains(&at);
                at += 1;
                keep
            });
            for (i, row) in table.iter().enumerate() {
                if let Some(key) = id_key(row.id()) {
                    self.index.insert(key, (t, i as u32));
                }
            }
        }
    }

    /// Restores a record from the recycle bin.
    pub fn undelete(
        &mut self,
        id: &str,
        ctx: &WriteCtx,
        journal: &mut Journal,
    ) -> Result<(), Vec<SfError>> {
        let id = ids::to18(id).ok_or_else(|| vec![malformed_id(id)])?;
        let Some(old) = self.get(&id).cloned() else {
            return Err(vec![SfError::new(
                "NOT_FOUND",
                "The requested resource does not exist",
            )]);
        };
        if !old.is_deleted() {
            return Err(vec![SfError::new(
                "UNDELETE_FAILED",
                "Entity is not in the recycle bin",
            )]);
        }
        let obj_name = self.object_of(&id).expect("indexed");
        let now = self.now();
        let stamp = format_datetime(now);
        let row = self.get_mut(&id).expect("indexed");
        row.set("IsDeleted", &json!(false));
        row.set("SystemModstamp", &json!(stamp));
        journal.undo.push(Undo::Replaced(id.clone(), Box::new(old)));
        self.deletions.retain(|d| d.id != id);
        let values = self.get(&id).map(Record::to_map).unwrap_or_default();
        let change = self.change(obj_name, &id, "UNDELETE", Vec::new(), values, ctx, now);
        journal.changes.push(change);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn change(
        &mut self,
        entity: &'static str,
        id: &str,
        change_type: &'static str,
        changed_fields: Vec<String>,
        values: Map<String, Value>,
        ctx: &WriteCtx,
        at: DateTime<Utc>,
    ) -> Change {
        Change {
            entity,
            record_id: id.to_owned(),
            change_type,
            changed_fields,
            values,
            origin: ctx.change_origin(),
            commit_user: ctx.user_id.clone(),
            commit_timestamp: at.timestamp_millis(),
            transaction_key: self.transaction_key(),
            sequence_number: 1,
        }
    }

    /// The org's active assignment rules: Cases by record type, Leads to the sales owner.
    fn assign(&self, obj: &Object, row: &mut Draft) {
        let users = &self.assignment_users;
        let owner = match obj.name {
            "Case" => {
                let bug = users.bug_record_type.as_deref();
                if bug.is_some() && row.get("RecordTypeId").and_then(Value::as_str) == bug {
                    users.case_bug.clone()
                } else {
                    users.case_default.clone()
                }
            }
            "Lead" => users.lead_default.clone(),
            _ => None,
        };
        if let Some(owner) = owner {
            row.insert("OwnerId".into(), json!(owner));
        }
    }

    /// Field-level checks of an input: known, writable, well-typed, within length, allowed values.
    fn check_fields(
        &self,
        obj: &Object,
        input: &Map<String, Value>,
        create: bool,
    ) -> Result<Map<String, Value>, Vec<SfError>> {
        let mut unknown = None;
        let mut not_writable = Vec::new();
        let mut errors = Vec::new();
        let mut out = Map::new();
        for (key, value) in input {
            let Some(field) = obj.field(key) else {
                unknown.get_or_insert(key.clone());
                continue;
            };
            let writable = if create {
                field.createable
            } else {
                field.updateable
            };
            if !writable {
                not_writable.push(field.name);
                continue;
            }
            match self.check_value(obj, field, value) {
                Ok(v) => {
                    out.insert(field.name.into(), v);
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(key) = unknown {
            return Err(vec![SfError::new(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", obj.name),
            )]);
        }
        if !not_writable.is_empty() {
            return Err(vec![SfError::new(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!(
                    "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    not_writable.join(", ")
                ),
            )
            .with_fields(&not_writable)]);
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn check_value(&self, obj: &Object, field: &Field, value: &Value) -> Result<Value, SfError> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let parse_error = || {
            SfError::new(
                "JSON_PARSER_ERROR",
                format!(
                    "Cannot deserialize instance of {} from {} value {value}",
                    field.type_name(),
                    json_kind(value)
                ),
            )
        };
        match field.kind {
            FieldKind::Boolean => value.as_bool().map(Value::Bool).ok_or_else(parse_error),
            FieldKind::Int
            | FieldKind::Long
            | FieldKind::Double
            | FieldKind::Currency
            | FieldKind::Percent => {
                let n = match value {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                }
                .ok_or_else(parse_error)?;
                if matches!(field.kind, FieldKind::Int | FieldKind::Long) {
                    Ok(json!(n as i64))
                } else {
                    Ok(json!(n))
                }
            }
            FieldKind::Date => {
                let s = value.as_str().ok_or_else(parse_error)?;
                let d = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map_err(
                    |_| {
                        SfError::new(
                            "INVALID_TYPE_ON_FIELD_IN_RECORD",
                            format!("{}: value not of required type: {s}", field.label),
                        )
                        .with_fields(&[field.name])
                    },
                )?;
                Ok(json!(d.format("%Y-%m-%d").to_string()))
            }
            FieldKind::DateTime => {
                let s = value.as_str().ok_or_else(parse_error)?;
                let t = parse_datetime(s).ok_or_else(|| {
                    SfError::new(
                        "INVALID_TYPE_ON_FIELD_IN_RECORD",
                        format!("{}: value not of required type: {s}", field.label),
                    )
                    .with_fields(&[field.name])
                })?;
                Ok(json!(format_datetime(t)))
            }
            FieldKind::Reference | FieldKind::Id => {
                let s = value.as_str().ok_or_else(parse_error)?;
                if s.is_empty() {
                    return Ok(Value::Null);
                }
                let id = ids::to18(s).ok_or_else(|| {
                    SfError::new(
                        "MALFORMED_ID",
                        format!("{}: id value of incorrect type: {s}", field.label),
                    )
                    .with_fields(&[field.name])
                })?;
                let target = schema().object_for_id(&id).map(|o| o.name);
                if !target.is_some_and(|t| field.reference_to.contains(&t)) {
                    return Err(SfError::new(
                        "FIELD_INTEGRITY_EXCEPTION",
                        format!("{}: id value of incorrect type: {s}", field.label),
                    )
                    .with_fields(&[field.name]));
                }
                match self.get(&id) {
                    Some(r) if r.is_deleted() => {
                        Err(SfError::new("ENTITY_IS_DELETED", "entity is deleted")
                            .with_fields(&[field.name]))
                    }
                    Some(_) => Ok(json!(id)),
                    None => Err(SfError::new(
                        "INVALID_CROSS_REFERENCE_KEY",
                        "invalid cross reference id",
                    )
                    .with_fields(&[field.name])),
                }
            }
            FieldKind::Picklist | FieldKind::Multipicklist => {
                let s = value.as_str().ok_or_else(parse_error)?;
                if field.restricted
                    && !s
                        .split(';')
                        .all(|part| field.picklist.iter().any(|p| p.value == part))
                {
                    return Err(SfError::new(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        format!(
                            "{}: bad value for restricted picklist field: {s}",
                            field.label
                        ),
                    )
                    .with_fields(&[field.name]));
                }
                let _ = obj;
                Ok(json!(s))
            }
            _ => {
                let s = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(parse_error()),
                };
                // Salesforce counts the limit in bytes through the API.
                if field.length > 0 && s.len() > field.length as usize {
                    return Err(SfError::new(
                        "STRING_TOO_LONG",
                        format!(
                            "{}: data value too large: {s} (max length={})",
                            field.label, field.length
                        ),
                    )
                    .with_fields(&[field.name]));
                }
                if field.kind == FieldKind::Email && !s.is_empty() && !valid_email(&s) {
                    return Err(SfError::new(
                        "INVALID_EMAIL_ADDRESS",
                        format!("{}: invalid email address: {s}", field.label),
                    )
                    .with_fields(&[field.name]));
                }
                Ok(if s.is_empty() { Value::Null } else { json!(s) })
            }
        }
    }

    /// Refuses an API write while [`Org::locked_writes`] says a row is held elsewhere.
    fn take_lock(&mut self, ctx: &WriteCtx, id: Option<&str>) -> Result<(), Vec<SfError>> {
        if ctx.api_version.is_none() || self.locked_writes == 0 {
            return Ok(());
        }
        self.locked_writes -= 1;
        let message = match id {
            Some(id) => {
                format!("unable to obtain exclusive access to this record or 1 records: {id}")
            }
            None => "unable to obtain exclusive access to this record".to_owned(),
        };
        Err(vec![SfError::new("UNABLE_TO_LOCK_ROW", message)])
    }

    /// Record-level rules after defaults: required fields, record-type picklists, dependent
    /// picklists, the Case validation rule, the admin's validation rules and the
    /// Lead/Contact duplicate rule.
    fn check_rules(
        &self,
        obj: &Object,
        row: &Draft,
        old: Option<&Draft>,
        ctx: &WriteCtx,
    ) -> Result<(), Vec<SfError>> {
        let missing: Vec<&str> = obj
            .fields
            .iter()
            .filter(|f| !f.nillable && f.createable && f.kind != FieldKind::Boolean)
            .filter(|f| row.get(f.name).is_none_or(Value::is_null))
            .map(|f| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(vec![
                SfError::new(
                    "REQUIRED_FIELD_MISSING",
                    format!("Required fields are missing: [{}]", missing.join(", ")),
                )
                .with_fields(&missing),
            ]);
        }
        let mut errors = Vec::new();
        if let Some(rt) = row
            .get("RecordTypeId")
            .and_then(Value::as_str)
            .and_then(|id| obj.record_type(id))
        {
            for (field, allowed) in &rt.picklists {
                if let Some(v) = row.get(*field).and_then(Value::as_str)
                    && old.and_then(|o| o.get(*field)) != row.get(*field)
                    && !allowed.contains(&v)
                {
                    let f = obj.field(field).expect("record type fields exist");
                    errors.push(
                        SfError::new(
                            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                            format!("{}: bad value for restricted picklist field: {v}", f.label),
                        )
                        .with_fields(&[f.name]),
                    );
                }
            }
        }
        for f in obj.fields.iter().filter(|f| f.controller.is_some()) {
            let controller = f.controller.expect("filtered");
            if let Some(v) = row.get(f.name).and_then(Value::as_str) {
                let ctrl = row.get(controller).and_then(Value::as_str).unwrap_or("");
                let ok = f
                    .picklist
                    .iter()
                    .any(|p| p.value == v && p.valid_for.contains(&ctrl));
                if !ok {
                    errors.push(
                        SfError::new(
                            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                            format!("{}: bad value for restricted picklist field: {v}", f.label),
                        )
                        .with_fields(&[f.name]),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if obj.name == "Case"
            && row.get("Status").and_then(Value::as_str) == Some("Closed")
            && row
                .get("Description")
                .and_then(Value::as_str)
                .is_none_or(|d| d.trim().is_empty())
        {
            // The rule's error is shown at the Description field, so the API names that field.
            return Err(vec![
                SfError::new(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "Describe the resolution in the Description before closing the case.",
                )
                .with_fields(&["Description"]),
            ]);
        }
        for rule in self
            .validation_rules
            .iter()
            .filter(|r| r.object.eq_ignore_ascii_case(obj.name))
        {
            let held = row
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&rule.field))
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("");
            if rule.values.iter().any(|v| v == held) {
                let mut error = SfError::new("FIELD_CUSTOM_VALIDATION_EXCEPTION", &rule.message);
                if rule.at_field
                    && let Some(f) = obj.field(&rule.field)
                {
                    error = error.with_fields(&[f.name]);
                }
                return Err(vec![error]);
            }
        }
        if matches!(obj.name, "Lead" | "Contact") && !ctx.allow_duplicates {
            let email = row.get("Email").and_then(Value::as_str);
            let email_changed = old.is_none_or(|o| o.get("Email") != row.get("Email"));
            if let Some(email) = email.filter(|_| email_changed) {
                let own_id = row.get("Id").and_then(Value::as_str);
                let matches: Vec<&Record> = self
                    .find_by(obj.name, "Email", email)
                    .into_iter()
                    .filter(|r| Some(r.id()) != own_id)
                    .collect();
                if !matches.is_empty() {
                    return Err(vec![duplicate_error(obj.name, &matches)]);
                }
            }
        }
        Ok(())
    }
}

fn duplicate_error(object: &str, matches: &[&Record]) -> SfError {
    let message =
        "You're creating a duplicate record. We recommend you use an existing record instead.";
    let records: Vec<Value> = matches
        .iter()
        .map(|r| {
            let id = r.id();
            json!({
                "additionalInformation": [],
                "fieldDiffs": [],
                "matchConfidence": 100.0,
                "record": {
                    "attributes": {"type": object, "url": format!("/services/data/v{API_VERSION}/sobjects/{object}/{id}")},
                    "Id": id,
                }
            })
        })
        .collect();
    let mut e = SfError::new("DUPLICATES_DETECTED", message);
    e.extra.insert(
        "duplicateResult".into(),
        json!({
            "allowSave": true,
            "duplicateRule": format!("Standard_{object}_Duplicate_Rule"),
            "duplicateRuleEntityType": object,
            "errorMessage": message,
            "matchResults": [{
                "entityType": object,
                "errors": [],
                "matchEngine": "ExactMatchEngine",
                "matchRecords": records,
                "rule": format!("Standard_{object}_Match_Rule_v1_1"),
                "size": matches.len(),
                "success": true,
            }],
        }),
    );
    e
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "VALUE_STRING",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::Null => "VALUE_NULL",
    }
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(' ')
}

pub fn malformed_id(id: &str) -> SfError {
    SfError::new("MALFORMED_ID", format!("malformed id {id}"))
}

fn writable_object(name: &str) -> Result<&'static Object, Vec<SfError>> {
    schema().object(name).ok_or_else(|| {
        vec![SfError::new(
            "NOT_FOUND",
            "The requested resource does not exist",
        )]
    })
}

/// Drops `attributes` (clients send it in collections) and keeps keys as given.
fn clean_input(input: &Map<String, Value>) -> Map<String, Value> {
    input
        .iter()
        .filter(|(k, _)| *k != "attributes")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Fields Salesforce computes: names, compound addresses, stage-derived values, formulas.
pub fn derive(obj: &Object, row: &mut Draft, old: Option<&Draft>, stamp: &str) {
    let s = |row: &Draft, k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
    if obj.field("FirstName").is_some() && obj.field("LastName").is_some() {
        let name = [s(row, "FirstName"), s(row, "LastName")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        row.insert(
            "Name".into(),
            if name.is_empty() {
                Value::Null
            } else {
                json!(name)
            },
        );
    }
    for compound in obj.fields.iter().filter(|f| f.kind == FieldKind::Address) {
        let address = record::address(compound, |part| {
            row.get(part).cloned().unwrap_or(Value::Null)
        });
        row.insert(compound.name.into(), address);
    }
    match obj.name {
        "Opportunity" => {
            let stage = s(row, "StageName");
            let stage_changed = old.is_none_or(|o| o.get("StageName") != row.get("StageName"));
            if let Some((_, p, closed, won)) = OPPORTUNITY_STAGES
                .iter()
                .find(|st| Some(st.0) == stage.as_deref())
            {
                let given = row.get("Probability").filter(|v| !v.is_null()).cloned();
                let prob_unchanged =
                    old.is_none_or(|o| o.get("Probability") == row.get("Probability"));
                if given.is_none() || (stage_changed && prob_unchanged) {
                    row.insert("Probability".into(), json!(*p as f64));
                }
                row.insert("IsClosed".into(), json!(closed));
                row.insert("IsWon".into(), json!(won));
            }
        }
        "Case" => {
            let closed = s(row, "Status").as_deref() == Some("Closed");
            let was_closed = old.is_some_and(|o| o.get("IsClosed") == Some(&json!(true)));
            row.insert("IsClosed".into(), json!(closed));
            if closed && !was_closed {
                row.insert("ClosedDate".into(), json!(stamp));
            } else if !closed {
                row.insert("ClosedDate".into(), Value::Null);
            }
        }
        "Task" => {
            let closed = s(row, "Status").as_deref() == Some("Completed");
            row.insert("IsClosed".into(), json!(closed));
        }
        "Contact" => {
            let domain = s(row, "Email").and_then(|e| e.split_once('@').map(|(_, d)| d.to_owned()));
            row.insert(
                "Email_Domain__c".into(),
                domain.map(Value::from).unwrap_or(Value::Null),
            );
        }
        _ => {}
    }
}

impl soql::Source for Org {
    fn object_name(&self, name: &str) -> Option<String> {
        schema().object(name).map(|o| o.name.to_owned())
    }
    fn field(&self, object: &str, field: &str) -> Option<soql::FieldInfo> {
        let f = schema().object(object)?.field(field)?;
        Some(soql::FieldInfo {
            name: f.name.to_owned(),
            kind: f.kind,
        })
    }
    fn parent_relationship(&self, object: &str, name: &str) -> Option<soql::ParentRelationship> {
        let obj = schema().object(object)?;
        let f = obj.fields.iter().find(|f| {
            f.relationship_name
                .is_some_and(|r| r.eq_ignore_ascii_case(name))
        })?;
        Some(soql::ParentRelationship {
            name: f.relationship_name?.to_owned(),
            field: f.name.to_owned(),
            targets: f.reference_to.iter().map(|t| t.to_string()).collect(),
        })
    }
    fn child_relationship(&self, object: &str, name: &str) -> Option<soql::ChildRelationship> {
        let obj = schema().object(object)?;
        let c = obj
            .children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))?;
        Some(soql::ChildRelationship {
            name: c.name.to_owned(),
            object: c.object.to_owned(),
            field: c.field.to_owned(),
        })
    }
    fn rows(&self, object: &str, include_deleted: bool) -> Vec<&Row> {
        self.table(object)
            .iter()
            .filter(|r| include_deleted || !r.is_deleted())
            .map(|r| r as &Row)
            .collect()
    }
    fn row(&self, id: &str) -> Option<&Row> {
        self.get(id).map(|r| r as &Row)
    }
}
