//! Value conversion between the two systems, per the type tables, and the decision whether a
//! mapped value is written at all (the skip flags, and no write when the destination already
//! holds the value).
//!
//! Values are typed by the side they come from: the back end reads an Intercom attribute or a
//! Salesforce field into a [`SyncValue`] of its type, converts it here to the destination's
//! type, and writes what comes out.

use std::fmt;

/// The ledger's error code, in both directions, for a mapped value that cannot be converted to
/// its destination's type.
pub const NOT_CONVERTIBLE: &str = "value_not_convertible";

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::compat;
use super::fields::{IntercomAttribute, IntercomDataType, SalesforceField, SalesforceFieldType};
use super::mapping::AttributeMapping;

/// One attribute's or field's value.
///
/// Intercom dates are moments ([`SyncValue::DateTime`]); Salesforce has dates, date-times and
/// times of day. Multi-select picklists are text, `;`-separated, as Salesforce sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SyncValue {
    Empty,
    Text(String),
    Integer(i64),
    Decimal(f64),
    Boolean(bool),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Time(NaiveTime),
}

impl SyncValue {
    /// No value: null, or text with nothing but spaces.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Text(_) => "text",
            Self::Integer(_) => "integer",
            Self::Decimal(_) => "decimal",
            Self::Boolean(_) => "boolean",
            Self::Date(_) => "date",
            Self::DateTime(_) => "date-time",
            Self::Time(_) => "time",
        }
    }
}

/// Why a value cannot be written to its destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ConversionError {
    /// The tables do not allow this pair of types.
    IncompatibleTypes { from: String, to: String },
    /// The value is not of the type its source declares.
    UnexpectedValue { expected: String, found: String },
    /// A number with a fraction cannot go to a whole-number destination.
    NotWhole { value: f64, to: String },
    /// The number does not fit the destination.
    OutOfRange { value: String, to: String },
    /// Not a number (NaN) or infinite.
    NotFinite,
    /// The text is longer than the Salesforce field allows.
    TooLong {
        field: String,
        length: usize,
        max: u32,
    },
    /// The Salesforce field cannot be emptied (not nillable).
    EmptyIntoRequired { field: String },
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IncompatibleTypes { from, to } => {
                write!(f, "{from} values cannot be synced to {to}.")
            }
            Self::UnexpectedValue { expected, found } => {
                write!(f, "Expected a {expected} value, found {found}.")
            }
            Self::NotWhole { value, to } => {
                write!(f, "{value} has a fraction; {to} holds whole numbers only.")
            }
            Self::OutOfRange { value, to } => write!(f, "{value} does not fit {to}."),
            Self::NotFinite => f.write_str("The number is not finite."),
            Self::TooLong { field, length, max } => write!(
                f,
                "The text has {length} characters; {field} holds at most {max}."
            ),
            Self::EmptyIntoRequired { field } => {
                write!(f, "{field} cannot be emptied in Salesforce.")
            }
        }
    }
}

fn salesforce_name(t: SalesforceFieldType) -> String {
    format!("Salesforce {t}")
}

fn intercom_name(t: IntercomDataType) -> String {
    format!("Intercom {t}")
}

fn fits_intercom(value: &SyncValue, t: IntercomDataType) -> bool {
    use IntercomDataType as I;
    match value {
        SyncValue::Empty => true,
        SyncValue::Text(_) => t == I::String,
        // JSON does not tell 3 from 3.0: either number fits either numeric type.
        SyncValue::Integer(_) | SyncValue::Decimal(_) => matches!(t, I::Integer | I::Float),
        SyncValue::Boolean(_) => t == I::Boolean,
        SyncValue::DateTime(_) => t == I::Date,
        SyncValue::Date(_) | SyncValue::Time(_) => false,
    }
}

fn fits_salesforce(value: &SyncValue, t: SalesforceFieldType) -> bool {
    use SalesforceFieldType as S;
    match value {
        SyncValue::Empty => true,
        SyncValue::Text(_) => t.holds_text() || matches!(t, S::Address | S::Location),
        SyncValue::Integer(_) | SyncValue::Decimal(_) => {
            matches!(t, S::Int | S::Double | S::Currency | S::Percent)
        }
        SyncValue::Boolean(_) => t == S::Boolean,
        SyncValue::Date(_) => t == S::Date,
        SyncValue::DateTime(_) => t == S::Datetime,
        SyncValue::Time(_) => t == S::Time,
    }
}

/// Text for a number: whole numbers without a point, others as short as they round-trip.
fn decimal_text(value: f64) -> Result<String, ConversionError> {
    if value.is_finite() {
        Ok(value.to_string())
    } else {
        Err(ConversionError::NotFinite)
    }
}

fn whole(value: f64, to: &str) -> Result<i64, ConversionError> {
    if !value.is_finite() {
        return Err(ConversionError::NotFinite);
    }
    if value.fract() != 0.0 {
        return Err(ConversionError::NotWhole {
            value,
            to: to.to_owned(),
        });
    }
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    if value < i64::MIN as f64 || value >= i64::MAX as f64 {
        return Err(ConversionError::OutOfRange {
            value: value.to_string(),
            to: to.to_owned(),
        });
    }
    Ok(value as i64)
}

/// The text form of any value, for a text destination on either side.
fn as_text(value: &SyncValue) -> Result<String, ConversionError> {
    Ok(match value {
        SyncValue::Empty => String::new(),
        SyncValue::Text(text) => text.clone(),
        SyncValue::Integer(n) => n.to_string(),
        SyncValue::Decimal(x) => decimal_text(*x)?,
        SyncValue::Boolean(b) => b.to_string(),
        SyncValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        SyncValue::DateTime(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        SyncValue::Time(t) => t.to_string(),
    })
}

/// Converts an Intercom attribute's value for a Salesforce field, per the Intercom ➡️
/// Salesforce table.
pub fn to_salesforce(
    value: &SyncValue,
    from: &IntercomAttribute,
    to: &SalesforceField,
) -> Result<SyncValue, ConversionError> {
    use SalesforceFieldType as S;
    let target = salesforce_name(to.field_type);
    if !compat::intercom_to_salesforce(from.data_type, to.field_type) {
        return Err(ConversionError::IncompatibleTypes {
            from: intercom_name(from.data_type),
            to: target,
        });
    }
    if !fits_intercom(value, from.data_type) {
        return Err(ConversionError::UnexpectedValue {
            expected: intercom_name(from.data_type),
            found: value.kind().to_owned(),
        });
    }
    if value.is_empty() {
        return if to.nillable {
            Ok(SyncValue::Empty)
        } else {
            Err(ConversionError::EmptyIntoRequired {
                field: to.name.clone(),
            })
        };
    }
    match (to.field_type, value) {
        (S::Int, SyncValue::Integer(n)) => salesforce_int(*n as f64, &target),
        (S::Int, SyncValue::Decimal(x)) => salesforce_int(*x, &target),
        (S::Double | S::Currency | S::Percent, SyncValue::Integer(n)) => {
            salesforce_number(*n as f64, to, &target)
        }
        (S::Double | S::Currency | S::Percent, SyncValue::Decimal(x)) => {
            salesforce_number(*x, to, &target)
        }
        (S::Boolean, SyncValue::Boolean(b)) => Ok(SyncValue::Boolean(*b)),
        // Salesforce keeps milliseconds; dates and times of day are read in UTC.
        (S::Datetime, SyncValue::DateTime(t)) => Ok(SyncValue::DateTime(t.trunc_subsecs(3))),
        (S::Date, SyncValue::DateTime(t)) => Ok(SyncValue::Date(t.date_naive())),
        (S::Time, SyncValue::DateTime(t)) => Ok(SyncValue::Time(t.trunc_subsecs(3).time())),
        (t, value) if t.holds_text() => {
            let text = as_text(value)?;
            let length = text.chars().count();
            if to.length > 0 && length > to.length as usize {
                return Err(ConversionError::TooLong {
                    field: to.name.clone(),
                    length,
                    max: to.length,
                });
            }
            Ok(SyncValue::Text(text))
        }
        (_, value) => Err(ConversionError::UnexpectedValue {
            expected: intercom_name(from.data_type),
            found: value.kind().to_owned(),
        }),
    }
}

fn salesforce_int(value: f64, target: &str) -> Result<SyncValue, ConversionError> {
    let n = whole(value, target)?;
    // The API's `int` is 32 bits.
    if i32::try_from(n).is_err() {
        return Err(ConversionError::OutOfRange {
            value: n.to_string(),
            to: target.to_owned(),
        });
    }
    Ok(SyncValue::Integer(n))
}

/// Rounds to the field's scale, as Salesforce would on save, so the comparison with what it
/// then holds is exact; refuses what exceeds its precision.
fn salesforce_number(
    value: f64,
    field: &SalesforceField,
    target: &str,
) -> Result<SyncValue, ConversionError> {
    if !value.is_finite() {
        return Err(ConversionError::NotFinite);
    }
    if field.precision == 0 {
        return Ok(SyncValue::Decimal(value));
    }
    let factor = 10f64.powi(field.scale as i32);
    let rounded = (value * factor).round() / factor;
    let integer_digits = field.precision.saturating_sub(field.scale) as i32;
    if rounded.abs() >= 10f64.powi(integer_digits) {
        return Err(ConversionError::OutOfRange {
            value: decimal_text(value)?,
            to: format!("{target}({},{})", field.precision, field.scale),
        });
    }
    Ok(SyncValue::Decimal(rounded))
}

/// Converts a Salesforce field's value for an Intercom attribute, per the Salesforce ➡️
/// Intercom table. A reference field's value is the id it holds.
pub fn to_intercom(
    value: &SyncValue,
    from: &SalesforceField,
    to: &IntercomAttribute,
) -> Result<SyncValue, ConversionError> {
    use IntercomDataType as I;
    let target = intercom_name(to.data_type);
    if !compat::salesforce_to_intercom(from.field_type, to.data_type) {
        return Err(ConversionError::IncompatibleTypes {
            from: salesforce_name(from.field_type),
            to: target,
        });
    }
    if !fits_salesforce(value, from.field_type) {
        return Err(ConversionError::UnexpectedValue {
            expected: salesforce_name(from.field_type),
            found: value.kind().to_owned(),
        });
    }
    if value.is_empty() {
        return Ok(SyncValue::Empty);
    }
    match (to.data_type, value) {
        (I::String, value) => Ok(SyncValue::Text(as_text(value)?)),
        (I::Integer, SyncValue::Integer(n)) => Ok(SyncValue::Integer(*n)),
        (I::Integer, SyncValue::Decimal(x)) => Ok(SyncValue::Integer(whole(*x, &target)?)),
        (I::Float, SyncValue::Integer(n)) => Ok(SyncValue::Decimal(*n as f64)),
        (I::Float, SyncValue::Decimal(x)) if x.is_finite() => Ok(SyncValue::Decimal(*x)),
        (I::Float, SyncValue::Decimal(_)) => Err(ConversionError::NotFinite),
        (I::Boolean, SyncValue::Boolean(b)) => Ok(SyncValue::Boolean(*b)),
        // Intercom dates are unix seconds: a Salesforce date is its midnight, UTC.
        (I::Date, SyncValue::Date(d)) => {
            Ok(SyncValue::DateTime(d.and_time(NaiveTime::MIN).and_utc()))
        }
        (I::Date, SyncValue::DateTime(t)) => Ok(SyncValue::DateTime(t.trunc_subsecs(0))),
        (_, value) => Err(ConversionError::UnexpectedValue {
            expected: salesforce_name(from.field_type),
            found: value.kind().to_owned(),
        }),
    }
}

/// Whether the destination's `current` value already is `wanted` (both in the destination's
/// type, `wanted` fresh from [`to_salesforce`] or [`to_intercom`]). Empty text and no value
/// are the same, as are equal whole and decimal numbers.
pub fn holds_same_value(current: &SyncValue, wanted: &SyncValue) -> bool {
    match (current, wanted) {
        (a, b) if a.is_empty() || b.is_empty() => a.is_empty() && b.is_empty(),
        (SyncValue::Integer(a), SyncValue::Decimal(b))
        | (SyncValue::Decimal(b), SyncValue::Integer(a)) => *a as f64 == *b,
        (SyncValue::Decimal(a), SyncValue::Decimal(b)) => {
            a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
        }
        (a, b) => a == b,
    }
}

/// Salesforce stores a multi-select picklist's values in its own order.
fn same_selection(a: &str, b: &str) -> bool {
    let set = |s: &str| {
        let mut items: Vec<String> = s
            .split(';')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_owned)
            .collect();
        items.sort();
        items.dedup();
        items
    };
    set(a) == set(b)
}

/// What to do with one mapped value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "value", rename_all = "snake_case")]
pub enum WriteDecision {
    /// Send this value (already converted to the destination's type).
    Write(SyncValue),
    /// "Don't sync if the source is empty", and it is.
    SkipSourceEmpty,
    /// "Don't sync if the destination has a value", and it has.
    SkipDestinationHasValue,
    /// The destination already holds the value: no write is sent.
    AlreadyHeld,
}

fn decide(
    mapping: &AttributeMapping,
    source: &SyncValue,
    current: &SyncValue,
    convert: impl FnOnce() -> Result<SyncValue, ConversionError>,
    same: impl Fn(&SyncValue, &SyncValue) -> bool,
) -> Result<WriteDecision, ConversionError> {
    if mapping.skip_if_source_empty && source.is_empty() {
        return Ok(WriteDecision::SkipSourceEmpty);
    }
    if mapping.skip_if_destination_has_value && !current.is_empty() {
        return Ok(WriteDecision::SkipDestinationHasValue);
    }
    let wanted = convert()?;
    if same(current, &wanted) {
        Ok(WriteDecision::AlreadyHeld)
    } else {
        Ok(WriteDecision::Write(wanted))
    }
}

/// Decides an Intercom -> Salesforce write: `source` is the Intercom value, `current` what the
/// Salesforce field holds now.
pub fn decide_salesforce_write(
    mapping: &AttributeMapping,
    source: &SyncValue,
    from: &IntercomAttribute,
    current: &SyncValue,
    to: &SalesforceField,
) -> Result<WriteDecision, ConversionError> {
    let multi = to.field_type == SalesforceFieldType::Multipicklist;
    decide(
        mapping,
        source,
        current,
        || to_salesforce(source, from, to),
        |a, b| match (a, b) {
            (SyncValue::Text(a), SyncValue::Text(b)) if multi => same_selection(a, b),
            _ => holds_same_value(a, b),
        },
    )
}

/// Decides a Salesforce -> Intercom write: `source` is the Salesforce value, `current` what the
/// Intercom attribute holds now.
pub fn decide_intercom_write(
    mapping: &AttributeMapping,
    source: &SyncValue,
    from: &SalesforceField,
    current: &SyncValue,
    to: &IntercomAttribute,
) -> Result<WriteDecision, ConversionError> {
    decide(
        mapping,
        source,
        current,
        || to_intercom(source, from, to),
        holds_same_value,
    )
}
