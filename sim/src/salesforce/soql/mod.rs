//! SOQL: parse a query and run it over the org's records.
//!
//! Pure code: the store is reached only through [`Source`], so this module knows nothing of
//! HTTP, and the same engine serves `query`, `queryAll` and composite subrequests.
//!
//! Supported: field lists with parent paths (up to 5 relationships, polymorphic lookups
//! answered as the `Name` entity), child subqueries with their own WHERE/ORDER BY/LIMIT/OFFSET,
//! `COUNT()`, `COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX(field) [alias]` with GROUP BY on fields
//! (grouped fields may carry an alias),
//! HAVING and ORDER BY an aggregate; WHERE with `= != <> < <= > >= IN NOT IN LIKE INCLUDES
//! EXCLUDES`, semi-joins (`Id IN (SELECT ..)`), AND/OR/NOT and parentheses (mixing AND and OR
//! unparenthesised is refused, as in Salesforce), string/number/boolean/null/date/dateTime and
//! relative date literals (UTC); ORDER BY with ASC/DESC and NULLS FIRST/LAST; LIMIT; OFFSET (at
//! most 2000); `FROM Object alias`; `WITH SECURITY_ENFORCED|USER_MODE|SYSTEM_MODE` and
//! `FOR VIEW|REFERENCE|UPDATE` (accepted, no effect). Not supported: TYPEOF, FIELDS(), date
//! functions, toLabel/FORMAT/convertCurrency, USING SCOPE, time literals.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub mod ast;
mod dates;
mod error;
mod exec;
mod flat;
mod lexer;
mod parser;
mod plan;
mod values;

#[cfg(test)]
mod tests;

pub use dates::{format_date, format_datetime, parse_date, parse_datetime};
pub use error::{
    INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE, SoqlError,
};
pub use flat::Column;
pub use parser::parse;

/// A stored record, read one field at a time. It does not carry `attributes`; the engine
/// adds them to answers.
pub trait Fields {
    /// The value of `field` (canonical API name); `FieldValue::Null` when empty or unknown.
    fn get(&self, field: &str) -> FieldValue<'_>;
}

/// What the engine holds rows as: any store's records, through [`Fields`].
pub type Row = dyn Fields;

/// A stored value, borrowed from its record. Dates and dateTimes may be held as numbers or
/// as the REST API's strings (`2011-07-07T00:37:00.000+0000`); the engine accepts both.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since the epoch, UTC.
    DateTime(i64),
    /// Anything else (a compound address), as JSON.
    Json(Cow<'a, Value>),
}

impl<'a> FieldValue<'a> {
    /// A JSON value seen as a stored value (numbers stay whole or fractional as given).
    pub fn from_json(v: &'a Value) -> FieldValue<'a> {
        match v {
            Value::Null => FieldValue::Null,
            Value::Bool(b) => FieldValue::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.is_f64()) {
                (Some(i), _) => FieldValue::Int(i),
                (None, true) => FieldValue::Double(n.as_f64().unwrap_or_default()),
                (None, false) => FieldValue::Json(Cow::Borrowed(v)),
            },
            Value::String(s) => FieldValue::Text(s),
            _ => FieldValue::Json(Cow::Borrowed(v)),
        }
    }

    pub fn is_null(&self) -> bool {
        *self == FieldValue::Null
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// A dateTime as epoch milliseconds, whether held as a number or a string.
    pub fn millis(&self) -> Option<i64> {
        match self {
            FieldValue::DateTime(t) => Some(*t),
            FieldValue::Text(s) => parse_datetime(s),
            _ => None,
        }
    }

    /// The value as the REST API sends it (`2011-07-07T00:37:00.000+0000` for a dateTime).
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Null => Value::Null,
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Int(i) => Value::from(*i),
            FieldValue::Double(d) => Value::from(*d),
            FieldValue::Text(s) => Value::String((*s).to_owned()),
            FieldValue::Date(d) => Value::String(format_date(*d)),
            FieldValue::DateTime(t) => Value::String(format_datetime(*t)),
            FieldValue::Json(v) => v.as_ref().clone(),
        }
    }
}

/// The field types SOQL needs to compare and order values (describe's `type` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Id,
    Reference,
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Multipicklist,
    Combobox,
    EncryptedString,
    Boolean,
    Int,
    Long,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
    Time,
    Address,
    Location,
}

/// A field of an object as SOQL sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    /// Canonical API name (`Email`, `UTM_Source__c`).
    pub name: String,
    pub kind: FieldKind,
}

/// `Contact.Account` -> the `AccountId` field pointing at `Account`; `Owner` -> `OwnerId` at `User`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRelationship {
    /// Canonical relationship name (`Account`, `Owner`).
    pub name: String,
    /// The lookup field holding the parent's id (`AccountId`).
    pub field: String,
    /// Objects the lookup may point at (`["User"]`, or several for polymorphic `Who`/`What`).
    pub targets: Vec<String>,
}

/// `Account.Opportunities` -> `Opportunity` rows whose `AccountId` is the account's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRelationship {
    /// Canonical relationship name (`Opportunities`).
    pub name: String,
    pub object: String,
    pub field: String,
}

/// What the engine needs from the org. Every name lookup is case-insensitive, as in Salesforce.
pub trait Source {
    /// Canonical name of a queryable object (`contact` -> `Contact`), `None` if unsupported.
    fn object_name(&self, name: &str) -> Option<String>;
    /// A field of `object` (canonical object name), `None` if there is no such field.
    fn field(&self, object: &str, field: &str) -> Option<FieldInfo>;
    fn parent_relationship(&self, object: &str, name: &str) -> Option<ParentRelationship>;
    fn child_relationship(&self, object: &str, name: &str) -> Option<ChildRelationship>;
    /// Every row of `object`; deleted ones (`IsDeleted = true`) only when `include_deleted` (queryAll).
    fn rows(&self, object: &str, include_deleted: bool) -> Vec<&Row>;
    /// One row by its 18-character id (15 accepted), deleted or not; used to follow lookups.
    fn row(&self, id: &str) -> Option<&Row>;
}

/// A query's whole answer; the HTTP layer pages `records` into `nextRecordsUrl` batches.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutcome {
    /// `totalSize`: rows matched after OFFSET/LIMIT (for `COUNT()`, the count).
    pub total_size: usize,
    pub records: Vec<Value>,
}

/// Runs `soql` against `source` as `query` (`include_deleted = false`) or `queryAll` (`true`).
/// `version` (`"62.0"` or `"v62.0"`) goes into each record's `attributes.url`.
/// Relative date literals (`TODAY`) are evaluated at the current time, in UTC.
pub fn run(
    source: &dyn Source,
    soql: &str,
    version: &str,
    include_deleted: bool,
) -> Result<QueryOutcome, SoqlError> {
    run_at(source, soql, version, include_deleted, Utc::now())
}

/// [`run`] with relative date literals evaluated at `now`.
pub fn run_at(
    source: &dyn Source,
    soql: &str,
    version: &str,
    include_deleted: bool,
    now: DateTime<Utc>,
) -> Result<QueryOutcome, SoqlError> {
    let prepared = PreparedQuery::new(source, soql, include_deleted, now)?;
    let matches = prepared.execute(source);
    let total_size = matches.total_size();
    let records = match matches {
        Matches::Rows(rows) => prepared.render(source, &rows, version),
        Matches::Count(_) => Vec::new(),
        Matches::Aggregates(records) => records,
    };
    Ok(QueryOutcome {
        total_size,
        records,
    })
}

/// What a query matched, before rendering: lets the HTTP layer render one page at a time
/// (keep the ids of the rest for `nextRecordsUrl`) instead of building every record up front.
pub enum Matches<'s> {
    /// Matching rows, ordered and windowed; render with [`PreparedQuery::render`].
    Rows(Vec<&'s Row>),
    /// `SELECT COUNT() ..`: the count, no records.
    Count(usize),
    /// `AggregateResult` records, already rendered.
    Aggregates(Vec<Value>),
}

impl std::fmt::Debug for Matches<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matches::Rows(rows) => write!(f, "Rows({} rows)", rows.len()),
            Matches::Count(n) => write!(f, "Count({n})"),
            Matches::Aggregates(records) => f.debug_tuple("Aggregates").field(records).finish(),
        }
    }
}

impl Matches<'_> {
    pub fn total_size(&self) -> usize {
        match self {
            Matches::Rows(rows) => rows.len(),
            Matches::Count(n) => *n,
            Matches::Aggregates(records) => records.len(),
        }
    }
}

/// A query parsed and bound to the org's schema (names resolved, literals type-checked);
/// semi-join sub-selects (`Id IN (SELECT ..)`) are evaluated at this point.
#[derive(Debug, Clone)]
pub struct PreparedQuery {
    plan: plan::Plan,
    include_deleted: bool,
}

impl PreparedQuery {
    pub fn new(
        source: &dyn Source,
        soql: &str,
        include_deleted: bool,
        now: DateTime<Utc>,
    ) -> Result<Self, SoqlError> {
        let query = parse(soql)?;
        let binder = plan::Binder {
            source,
            soql,
            now,
            include_deleted,
        };
        Ok(PreparedQuery {
            plan: binder.plan(&query)?,
            include_deleted,
        })
    }

    /// Canonical name of the queried object (`Contact`).
    pub fn object(&self) -> &str {
        &self.plan.object
    }

    pub fn execute<'s>(&self, source: &'s dyn Source) -> Matches<'s> {
        match &self.plan.output {
            plan::Output::Records(_) => {
                Matches::Rows(exec::select_rows(source, &self.plan, self.include_deleted))
            }
            plan::Output::CountOnly => {
                let mut unwindowed = self.plan.clone();
                unwindowed.order.clear();
                let n = exec::select_rows(source, &unwindowed, self.include_deleted).len();
                Matches::Count(n)
            }
            plan::Output::Aggregate { .. } => {
                Matches::Aggregates(exec::aggregate(source, &self.plan, self.include_deleted))
            }
        }
    }

    /// Bulk API 2.0's view of the answer: its flat CSV columns, or the reason Bulk refuses
    /// the query (aggregates, child subqueries, OFFSET, compound fields).
    pub fn bulk_columns(&self, source: &dyn Source) -> Result<Vec<Column>, &'static str> {
        if let Some(reason) = flat::bulk_refusal(&self.plan) {
            return Err(reason);
        }
        flat::columns(source, &self.plan)
    }

    /// Renders rows returned by [`PreparedQuery::execute`] (any slice of them, e.g. one page)
    /// as REST records: `attributes` first, then the selected fields in the order selected.
    pub fn render(&self, source: &dyn Source, rows: &[&Row], version: &str) -> Vec<Value> {
        exec::Renderer::new(source, version, self.include_deleted).records(&self.plan, rows)
    }
}
