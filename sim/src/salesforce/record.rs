//! How the org holds a record in memory: one compact cell per field that has a value, in the
//! object's field order, so that a million records fit in well under two gigabytes.
//!
//! Field names live once in the schema; a record keeps a bitmap of which fields are set and
//! their cells. Ids, names and picklist values (up to 22 bytes) sit inline in their cell;
//! dates and dateTimes are numbers. Reading a field gives back exactly the JSON the REST API
//! sends: a string is only turned into a date or a dateTime when it prints back the same.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::schema::{Field, Object};
use super::soql::{self, FieldKind, FieldValue};

/// Bits for up to 128 fields per object (the schema checks that no object has more).
pub const MAX_FIELDS: usize = 128;

/// Text this short is held inside the cell itself (18-character ids fit).
const INLINE: usize = 22;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Inline {
    len: u8,
    bytes: [u8; INLINE],
}

impl Inline {
    fn new(s: &str) -> Option<Inline> {
        let len = s.len();
        (len <= INLINE).then(|| {
            let mut bytes = [0; INLINE];
            bytes[..len].copy_from_slice(s.as_bytes());
            Inline {
                len: len as u8,
                bytes,
            }
        })
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)])
            .expect("built from a str, cut at its end")
    }
}

/// One field's value (never null: a null field has no cell).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Bool(bool),
    Int(i64),
    Double(f64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since the epoch, UTC.
    DateTime(i64),
    Inline(Inline),
    Text(Box<str>),
    /// Anything else JSON can hold (no stored field needs it today).
    Json(Box<Value>),
}

impl Cell {
    /// The cell for a field's JSON value, `None` for null.
    fn of(kind: FieldKind, value: &Value) -> Option<Cell> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.is_f64()) {
                (Some(i), _) => Cell::Int(i),
                (None, true) => Cell::Double(n.as_f64().unwrap_or_default()),
                // A whole number above i64::MAX: keep it exactly as given.
                (None, false) => Cell::Json(Box::new(value.clone())),
            },
            Value::String(s) => Cell::text(kind, s),
            Value::Array(_) | Value::Object(_) => Cell::Json(Box::new(value.clone())),
        })
    }

    fn text(kind: FieldKind, s: &str) -> Cell {
        match kind {
            FieldKind::Date => {
                if let Some(days) = soql::parse_date(s).filter(|d| soql::format_date(*d) == s) {
                    return Cell::Date(days);
                }
            }
            FieldKind::DateTime => {
                if let Some(ms) = soql::parse_datetime(s).filter(|t| soql::format_datetime(*t) == s)
                {
                    return Cell::DateTime(ms);
                }
            }
            _ => {}
        }
        match Inline::new(s) {
            Some(inline) => Cell::Inline(inline),
            None => Cell::Text(s.into()),
        }
    }

    fn view(&self) -> FieldValue<'_> {
        match self {
            Cell::Bool(b) => FieldValue::Bool(*b),
            Cell::Int(i) => FieldValue::Int(*i),
            Cell::Double(d) => FieldValue::Double(*d),
            Cell::Date(d) => FieldValue::Date(*d),
            Cell::DateTime(t) => FieldValue::DateTime(*t),
            Cell::Inline(s) => FieldValue::Text(s.as_str()),
            Cell::Text(s) => FieldValue::Text(s),
            Cell::Json(v) => FieldValue::Json(Cow::Borrowed(v)),
        }
    }
}

/// A stored record of one object.
#[derive(Debug, Clone)]
pub struct Record {
    object: &'static Object,
    /// Bit `i` is set when the object's field `i` has a value; `cells` holds the values of
    /// the set bits in field order.
    present: [u64; 2],
    cells: Box<[Cell]>,
}

impl Record {
    /// Builds a record from JSON fields (API names as the schema spells them). Nulls and
    /// compound fields (derived from their parts when read) are not stored.
    pub fn from_map(object: &'static Object, fields: &Map<String, Value>) -> Record {
        let mut cells: Vec<(usize, Cell)> = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let Some(i) = object.position(name) else {
                debug_assert!(false, "{name} is not a field of {}", object.name);
                continue;
            };
            let field = &object.fields[i];
            if is_compound(field) {
                continue;
            }
            if let Some(cell) = Cell::of(field.kind, value) {
                cells.push((i, cell));
            }
        }
        cells.sort_by_key(|(i, _)| *i);
        cells.dedup_by_key(|(i, _)| *i);
        let mut present = [0u64; 2];
        for (i, _) in &cells {
            present[i / 64] |= 1 << (i % 64);
        }
        Record {
            object,
            present,
            cells: cells.into_iter().map(|(_, c)| c).collect(),
        }
    }

    pub fn object(&self) -> &'static Object {
        self.object
    }

    /// Where field `i`'s cell is, if it has one.
    fn slot(&self, i: usize) -> Option<usize> {
        let (word, bit) = (i / 64, i % 64);
        if self.present[word] & (1 << bit) == 0 {
            return None;
        }
        let below = self.present[word] & ((1u64 << bit) - 1);
        let before: u32 = self.present[..word].iter().map(|w| w.count_ones()).sum();
        Some((before + below.count_ones()) as usize)
    }

    /// The value of the object's field `i` (its position in the schema).
    pub fn get_at(&self, i: usize) -> FieldValue<'_> {
        let field = &self.object.fields[i];
        if is_compound(field) {
            return match address(field, |part| self.value(part)) {
                Value::Null => FieldValue::Null,
                v => FieldValue::Json(Cow::Owned(v)),
            };
        }
        self.slot(i)
            .map_or(FieldValue::Null, |s| self.cells[s].view())
    }

    /// A field's value; `Null` when it is empty or not a field of the object.
    pub fn get(&self, field: &str) -> FieldValue<'_> {
        self.object
            .position(field)
            .map_or(FieldValue::Null, |i| self.get_at(i))
    }

    /// A field's value as the REST API sends it.
    pub fn value(&self, field: &str) -> Value {
        self.get(field).to_json()
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.get(field).as_str()
    }

    pub fn id(&self) -> &str {
        self.text("Id").unwrap_or_default()
    }

    pub fn is_deleted(&self) -> bool {
        self.get("IsDeleted") == FieldValue::Bool(true)
    }

    /// Every field with a value, in the object's field order (compound fields included).
    pub fn to_map(&self) -> Map<String, Value> {
        (0..self.object.fields.len())
            .filter_map(|i| {
                let v = self.get_at(i).to_json();
                (!v.is_null()).then(|| (self.object.fields[i].name.to_owned(), v))
            })
            .collect()
    }

    /// Sets one field (null empties it). Unknown and compound fields are ignored.
    pub fn set(&mut self, field: &str, value: &Value) {
        let Some(i) = self.object.position(field) else {
            return;
        };
        let f = &self.object.fields[i];
        if is_compound(f) {
            return;
        }
        let cell = Cell::of(f.kind, value);
        let mut cells = std::mem::take(&mut self.cells).into_vec();
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        match (self.slot(i), cell) {
            (Some(s), Some(c)) => cells[s] = c,
            (Some(s), None) => {
                cells.remove(s);
                self.present[word] &= !bit;
            }
            (None, Some(c)) => {
                self.present[word] |= bit;
                let s = self.slot(i).expect("just set");
                cells.insert(s, c);
            }
            (None, None) => {}
        }
        self.cells = cells.into_boxed_slice();
    }
}

impl soql::Fields for Record {
    fn get(&self, field: &str) -> FieldValue<'_> {
        Record::get(self, field)
    }
}

fn is_compound(field: &Field) -> bool {
    matches!(field.kind, FieldKind::Address | FieldKind::Location)
}

/// A compound address (`BillingAddress`) from its parts (`BillingStreet`..), as the REST API
/// shows it: null when every part is empty.
pub fn address(field: &Field, part: impl Fn(&str) -> Value) -> Value {
    let prefix = field.name.trim_end_matches("Address");
    let [street, city, state, postal_code, country, accuracy] = [
        "Street",
        "City",
        "State",
        "PostalCode",
        "Country",
        "GeocodeAccuracy",
    ]
    .map(|p| part(&format!("{prefix}{p}")));
    if [&street, &city, &state, &postal_code, &country, &accuracy]
        .iter()
        .all(|v| v.is_null())
    {
        return Value::Null;
    }
    serde_json::json!({"city": city, "country": country, "geocodeAccuracy": accuracy, "latitude": null,
                       "longitude": null, "postalCode": postal_code, "state": state, "street": street})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::salesforce::schema::schema;

    fn account(fields: Value) -> Record {
        let obj = schema().object("Account").expect("Account is described");
        Record::from_map(obj, fields.as_object().expect("an object"))
    }

    #[test]
    fn cells_stay_small() {
        assert_eq!(std::mem::size_of::<Cell>(), 24);
    }

    #[test]
    fn values_read_back_as_the_json_they_were_given() {
        let given = json!({"Id": "0015g000000001AAAA", "IsDeleted": false, "Name": "A name longer than twenty-two bytes",
            "CreatedDate": "2026-01-05T09:00:00.000+0000", "NumberOfEmployees": 50, "AnnualRevenue": 5000.0,
            "BillingCity": "Gotham", "Health_Score__c": 7});
        let r = account(given.clone());
        let mut expected = given.as_object().cloned().expect("an object");
        expected.insert(
            "BillingAddress".into(),
            json!({"city": "Gotham", "country": null, "geocodeAccuracy": null, "latitude": null,
                   "longitude": null, "postalCode": null, "state": null, "street": null}),
        );
        assert_eq!(Value::Object(r.to_map()), Value::Object(expected.clone()));
        // Same keys in the schema's order, same bytes once printed.
        let order: Vec<&str> = schema()
            .object("Account")
            .expect("described")
            .fields
            .iter()
            .map(|f| f.name)
            .filter(|n| expected.contains_key(*n))
            .collect();
        let keys: Vec<String> = r.to_map().keys().cloned().collect();
        assert_eq!(keys, order);
        assert_eq!(r.value("AnnualRevenue").to_string(), "5000.0");
        assert_eq!(r.value("NumberOfEmployees").to_string(), "50");
        assert_eq!(
            r.get("CreatedDate"),
            FieldValue::DateTime(1_767_603_600_000)
        );
        assert_eq!(r.value("ShippingAddress"), Value::Null);
        assert_eq!(r.id(), "0015g000000001AAAA");
    }

    #[test]
    fn strings_that_would_not_print_back_the_same_stay_strings() {
        let r =
            account(json!({"CreatedDate": "2026-01-05T09:00:00Z", "Description": "2026-01-05"}));
        assert_eq!(
            r.get("CreatedDate"),
            FieldValue::Text("2026-01-05T09:00:00Z")
        );
        assert_eq!(r.get("Description"), FieldValue::Text("2026-01-05"));
    }

    #[test]
    fn set_adds_replaces_and_clears_in_field_order() {
        let mut r = account(json!({"Id": "0015g000000001AAAA", "Name": "Acme"}));
        r.set("Phone", &json!("+1 555 0100"));
        r.set("Name", &json!("Acme Corp"));
        r.set("IsDeleted", &json!(true));
        assert!(r.is_deleted());
        assert_eq!(r.text("Name"), Some("Acme Corp"));
        r.set("Phone", &Value::Null);
        assert_eq!(r.value("Phone"), Value::Null);
        let keys: Vec<String> = r.to_map().keys().cloned().collect();
        assert_eq!(keys, ["Id", "IsDeleted", "Name"]);
    }
}
