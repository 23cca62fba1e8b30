//! A query's answer as flat columns, the shape of Bulk API 2.0's CSV results: one column per
//! selected field, parent fields named by their path (`Account.Name`), every value as text.
//! Bulk API 2.0 refuses what does not fit that shape (aggregates, child subqueries, compound
//! fields) and OFFSET; [`bulk_refusal`] says which.

use super::plan::{OutItem, Output, Plan};
use super::{FieldKind, FieldValue, Row, Source, format_date, parse_datetime};

/// One column of a flat answer.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header: canonical names joined by dots (`Account.Owner.Name`).
    pub name: String,
    /// Lookup fields followed from the queried row, in order.
    hops: Vec<String>,
    field: String,
    kind: FieldKind,
}

impl Column {
    /// The value of this column for `row`, as Bulk API 2.0 writes it: empty for null,
    /// `true`/`false`, dates `2024-01-31`, dateTimes `2024-01-31T08:00:00.000Z` (UTC).
    pub fn text(&self, source: &dyn Source, row: &Row) -> String {
        let mut current = row;
        for hop in &self.hops {
            match current.get(hop).as_str().and_then(|id| source.row(id)) {
                Some(parent) => current = parent,
                None => return String::new(),
            }
        }
        let value = current.get(&self.field);
        match (value, self.kind) {
            (FieldValue::Null, _) => String::new(),
            (FieldValue::Bool(b), _) => b.to_string(),
            (FieldValue::Int(i), _) => i.to_string(),
            (FieldValue::Double(d), _) => serde_json::Value::from(d).to_string(),
            (FieldValue::Date(d), _) => format_date(d),
            (FieldValue::DateTime(ms), _) => zulu(ms),
            (FieldValue::Text(s), FieldKind::DateTime) => {
                parse_datetime(s).map_or_else(|| s.to_owned(), zulu)
            }
            (FieldValue::Text(s), _) => s.to_owned(),
            (FieldValue::Json(v), _) => v.to_string(),
        }
    }
}

/// `2024-01-31T08:00:00.000Z`: how the Bulk APIs write a dateTime.
fn zulu(millis: i64) -> String {
    let rest = super::format_datetime(millis);
    format!("{}Z", rest.trim_end_matches("+0000"))
}

/// Why Bulk API 2.0 refuses this plan, if it does (its documented SOQL limits).
pub(crate) fn bulk_refusal(plan: &Plan) -> Option<&'static str> {
    let items = match &plan.output {
        Output::CountOnly | Output::Aggregate { .. } => {
            return Some("Aggregate queries are not supported in Bulk V2 Query");
        }
        Output::Records(items) => items,
    };
    if plan.offset > 0 {
        return Some("OFFSET clause is not supported in Bulk V2 Query");
    }
    if items.iter().any(|i| matches!(i, OutItem::Children(_))) {
        return Some(
            "Aggregate Relationships not supported in Bulk V2 Query with CSV content type.",
        );
    }
    None
}

/// The flat columns of a records plan; compound fields (addresses, locations) refuse.
pub(crate) fn columns(source: &dyn Source, plan: &Plan) -> Result<Vec<Column>, &'static str> {
    let Output::Records(items) = &plan.output else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    walk(
        source,
        &plan.object,
        items,
        &mut Vec::new(),
        &mut Vec::new(),
        &mut out,
    )?;
    Ok(out)
}

fn walk(
    source: &dyn Source,
    object: &str,
    items: &[OutItem],
    names: &mut Vec<String>,
    hops: &mut Vec<String>,
    out: &mut Vec<Column>,
) -> Result<(), &'static str> {
    for item in items {
        match item {
            OutItem::Field(field) => {
                let kind = source
                    .field(object, field)
                    .map_or(FieldKind::String, |f| f.kind);
                if matches!(kind, FieldKind::Address | FieldKind::Location) {
                    return Err("Selecting compound data not supported in Bulk Query");
                }
                let mut name = names.join(".");
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(field);
                out.push(Column {
                    name,
                    hops: hops.clone(),
                    field: field.clone(),
                    kind,
                });
            }
            OutItem::Parent {
                name,
                lookup,
                targets,
                items,
            } => {
                // A polymorphic lookup answers as the `Name` entity: its fields share types.
                let target = targets.first().map_or("", String::as_str);
                names.push(name.clone());
                hops.push(lookup.clone());
                walk(source, target, items, names, hops, out)?;
                names.pop();
                hops.pop();
            }
            OutItem::Children(_) => {}
        }
    }
    Ok(())
}
