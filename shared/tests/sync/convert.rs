use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use shared::sync::convert::{
    ConversionError, SyncValue as V, WriteDecision, decide_intercom_write, decide_salesforce_write,
    holds_same_value, to_intercom, to_salesforce,
};
use shared::sync::fields::{
    IntercomAttribute, IntercomDataType as I, SalesforceField, SalesforceFieldType as S,
};
use shared::sync::mapping::AttributeMapping;
use shared::sync::{Direction, IntercomModel, SalesforceObject};

fn attr(t: I) -> IntercomAttribute {
    IntercomAttribute::new(IntercomModel::Person, "custom_attributes.x", t)
}

fn sf(t: S) -> SalesforceField {
    SalesforceField::new(SalesforceObject::Contact, "X__c", t)
}

fn sf_with(t: S, f: impl FnOnce(&mut SalesforceField)) -> SalesforceField {
    let mut field = sf(t);
    f(&mut field);
    field
}

fn text(s: &str) -> V {
    V::Text(s.to_owned())
}

fn moment() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 10, 4, 22, 28).unwrap()
}

fn to_sf(value: V, from: I, to: S) -> Result<V, ConversionError> {
    to_salesforce(&value, &attr(from), &sf(to))
}

fn to_ic(value: V, from: S, to: I) -> Result<V, ConversionError> {
    to_intercom(&value, &sf(from), &attr(to))
}

// Intercom ➡️ Salesforce

#[test]
fn intercom_text_goes_to_every_text_type_unchanged() {
    for t in [
        S::String,
        S::Textarea,
        S::Phone,
        S::Url,
        S::Email,
        S::Reference,
        S::Encryptedstring,
        S::Picklist,
        S::Multipicklist,
    ] {
        assert_eq!(
            to_sf(text("Gold; Silver"), I::String, t),
            Ok(text("Gold; Silver")),
            "{t}"
        );
    }
}

#[test]
fn text_longer_than_the_field_is_refused() {
    let field = sf_with(S::String, |f| f.length = 5);
    assert_eq!(
        to_salesforce(&text("ünïcø"), &attr(I::String), &field),
        Ok(text("ünïcø")),
        "length counts characters"
    );
    assert_eq!(
        to_salesforce(&text("123456"), &attr(I::String), &field),
        Err(ConversionError::TooLong {
            field: "X__c".to_owned(),
            length: 6,
            max: 5
        })
    );
}

#[test]
fn intercom_numbers_go_to_salesforce_numbers() {
    for from in [I::Integer, I::Float] {
        assert_eq!(to_sf(V::Integer(42), from, S::Int), Ok(V::Integer(42)));
        for to in [S::Double, S::Currency, S::Percent] {
            assert_eq!(to_sf(V::Integer(42), from, to), Ok(V::Decimal(42.0)));
            assert_eq!(to_sf(V::Decimal(2.5), from, to), Ok(V::Decimal(2.5)));
        }
    }
}

#[test]
fn a_decimal_goes_to_an_int_field_only_when_whole_and_in_range() {
    assert_eq!(to_sf(V::Decimal(7.0), I::Float, S::Int), Ok(V::Integer(7)));
    assert_eq!(
        to_sf(V::Decimal(7.5), I::Float, S::Int),
        Err(ConversionError::NotWhole {
            value: 7.5,
            to: "Salesforce int".to_owned()
        })
    );
    assert!(matches!(
        to_sf(V::Integer(3_000_000_000), I::Integer, S::Int),
        Err(ConversionError::OutOfRange { .. })
    ));
    assert_eq!(
        to_sf(V::Decimal(f64::NAN), I::Float, S::Double),
        Err(ConversionError::NotFinite)
    );
}

#[test]
fn numbers_are_rounded_to_the_field_scale_and_held_to_its_precision() {
    let currency = sf_with(S::Currency, |f| {
        f.precision = 6;
        f.scale = 2;
    });
    assert_eq!(
        to_salesforce(&V::Decimal(1234.567), &attr(I::Float), &currency),
        Ok(V::Decimal(1234.57))
    );
    assert_eq!(
        to_salesforce(&V::Decimal(12345.0), &attr(I::Float), &currency),
        Err(ConversionError::OutOfRange {
            value: "12345".to_owned(),
            to: "Salesforce currency(6,2)".to_owned()
        })
    );
}

#[test]
fn intercom_numbers_become_text() {
    for t in [S::String, S::Textarea, S::Encryptedstring] {
        assert_eq!(to_sf(V::Integer(42), I::Integer, t), Ok(text("42")));
        assert_eq!(to_sf(V::Decimal(3.5), I::Float, t), Ok(text("3.5")));
        assert_eq!(to_sf(V::Decimal(3.0), I::Float, t), Ok(text("3")));
    }
}

#[test]
fn intercom_booleans_go_to_checkboxes_and_text() {
    assert_eq!(
        to_sf(V::Boolean(true), I::Boolean, S::Boolean),
        Ok(V::Boolean(true))
    );
    for t in [S::String, S::Textarea, S::Encryptedstring] {
        assert_eq!(to_sf(V::Boolean(true), I::Boolean, t), Ok(text("true")));
        assert_eq!(to_sf(V::Boolean(false), I::Boolean, t), Ok(text("false")));
    }
}

#[test]
fn intercom_dates_go_to_datetime_date_time_and_text() {
    let at = moment();
    assert_eq!(
        to_sf(V::DateTime(at), I::Date, S::Datetime),
        Ok(V::DateTime(at))
    );
    assert_eq!(
        to_sf(V::DateTime(at), I::Date, S::Date),
        Ok(V::Date(NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()))
    );
    assert_eq!(
        to_sf(V::DateTime(at), I::Date, S::Time),
        Ok(V::Time(NaiveTime::from_hms_opt(4, 22, 28).unwrap()))
    );
    for t in [S::String, S::Textarea, S::Encryptedstring] {
        assert_eq!(
            to_sf(V::DateTime(at), I::Date, t),
            Ok(text("2026-01-10T04:22:28Z"))
        );
    }
}

#[test]
fn an_empty_source_empties_a_nillable_field_only() {
    assert_eq!(to_sf(V::Empty, I::String, S::String), Ok(V::Empty));
    assert_eq!(to_sf(text("  "), I::String, S::Phone), Ok(V::Empty));
    let last_name = sf_with(S::String, |f| f.nillable = false);
    assert_eq!(
        to_salesforce(&V::Empty, &attr(I::String), &last_name),
        Err(ConversionError::EmptyIntoRequired {
            field: "X__c".to_owned()
        })
    );
}

#[test]
fn conversions_outside_the_table_are_refused() {
    let refusal = to_sf(text("12"), I::String, S::Int).unwrap_err();
    assert_eq!(
        refusal,
        ConversionError::IncompatibleTypes {
            from: "Intercom Text".to_owned(),
            to: "Salesforce int".to_owned()
        }
    );
    assert_eq!(
        refusal.to_string(),
        "Intercom Text values cannot be synced to Salesforce int."
    );
    assert!(matches!(
        to_sf(V::Integer(1), I::Integer, S::Boolean),
        Err(ConversionError::IncompatibleTypes { .. })
    ));
}

#[test]
fn a_value_not_of_its_declared_type_is_refused() {
    assert_eq!(
        to_sf(text("yes"), I::Boolean, S::Boolean),
        Err(ConversionError::UnexpectedValue {
            expected: "Intercom True or false".to_owned(),
            found: "text".to_owned()
        })
    );
}

// Salesforce ➡️ Intercom

#[test]
fn salesforce_text_types_become_intercom_text() {
    for t in [
        S::String,
        S::Textarea,
        S::Phone,
        S::Url,
        S::Email,
        S::Reference,
        S::Id,
        S::Picklist,
        S::Multipicklist,
        S::Address,
        S::Location,
    ] {
        assert_eq!(
            to_ic(text("001A000001"), t, I::String),
            Ok(text("001A000001")),
            "{t}"
        );
    }
}

#[test]
fn salesforce_checkboxes_become_booleans_or_text() {
    assert_eq!(
        to_ic(V::Boolean(false), S::Boolean, I::Boolean),
        Ok(V::Boolean(false))
    );
    assert_eq!(
        to_ic(V::Boolean(true), S::Boolean, I::String),
        Ok(text("true"))
    );
}

#[test]
fn salesforce_numbers_become_numbers_decimals_or_text() {
    for t in [S::Int, S::Double, S::Currency, S::Percent] {
        assert_eq!(to_ic(V::Integer(12), t, I::Integer), Ok(V::Integer(12)));
        assert_eq!(to_ic(V::Decimal(12.0), t, I::Integer), Ok(V::Integer(12)));
        assert_eq!(to_ic(V::Integer(12), t, I::Float), Ok(V::Decimal(12.0)));
        assert_eq!(to_ic(V::Decimal(12.25), t, I::Float), Ok(V::Decimal(12.25)));
        assert_eq!(to_ic(V::Decimal(12.25), t, I::String), Ok(text("12.25")));
    }
}

#[test]
fn a_fraction_does_not_fit_an_intercom_number() {
    assert_eq!(
        to_ic(V::Decimal(12.25), S::Currency, I::Integer),
        Err(ConversionError::NotWhole {
            value: 12.25,
            to: "Intercom Number".to_owned()
        })
    );
}

#[test]
fn salesforce_datetimes_and_dates_become_intercom_dates_or_text() {
    let precise = moment() + chrono::Duration::milliseconds(250);
    assert_eq!(
        to_ic(V::DateTime(precise), S::Datetime, I::Date),
        Ok(V::DateTime(moment()))
    );
    assert_eq!(
        to_ic(V::DateTime(precise), S::Datetime, I::String),
        Ok(text("2026-01-10T04:22:28.250Z"))
    );
    let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
    assert_eq!(
        to_ic(V::Date(day), S::Date, I::Date),
        Ok(V::DateTime(
            Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap()
        ))
    );
    assert_eq!(
        to_ic(V::Date(day), S::Date, I::String),
        Ok(text("2026-01-10"))
    );
}

#[test]
fn salesforce_times_become_text() {
    let t = NaiveTime::from_hms_opt(13, 30, 0).unwrap();
    assert_eq!(to_ic(V::Time(t), S::Time, I::String), Ok(text("13:30:00")));
    assert!(matches!(
        to_ic(V::Time(t), S::Time, I::Date),
        Err(ConversionError::IncompatibleTypes { .. })
    ));
}

#[test]
fn salesforce_conversions_outside_the_table_are_refused() {
    assert_eq!(
        to_ic(text("secret"), S::Encryptedstring, I::String),
        Err(ConversionError::IncompatibleTypes {
            from: "Salesforce encryptedstring".to_owned(),
            to: "Intercom Text".to_owned()
        })
    );
    assert!(matches!(
        to_ic(V::Boolean(true), S::Boolean, I::Date),
        Err(ConversionError::IncompatibleTypes { .. })
    ));
    assert_eq!(
        to_ic(V::Integer(3), S::Date, I::Date),
        Err(ConversionError::UnexpectedValue {
            expected: "Salesforce date".to_owned(),
            found: "integer".to_owned()
        })
    );
}

#[test]
fn an_empty_salesforce_value_empties_the_attribute() {
    assert_eq!(to_ic(V::Empty, S::Double, I::Float), Ok(V::Empty));
}

// Equality and the write decision

#[test]
fn equal_values_compare_equal_across_empty_and_number_forms() {
    assert!(holds_same_value(&V::Empty, &text("")));
    assert!(holds_same_value(&V::Integer(42), &V::Decimal(42.0)));
    assert!(holds_same_value(&V::Decimal(0.1 + 0.2), &V::Decimal(0.3)));
    assert!(!holds_same_value(&V::Decimal(1.0), &V::Decimal(1.01)));
    assert!(!holds_same_value(&text("a"), &text("A")));
    assert!(!holds_same_value(&V::Empty, &V::Boolean(false)));
}

fn mapping(direction: Direction, skip_empty: bool, skip_held: bool) -> AttributeMapping {
    AttributeMapping {
        skip_if_source_empty: skip_empty,
        skip_if_destination_has_value: skip_held,
        ..AttributeMapping::new(
            SalesforceObject::Contact,
            "custom_attributes.x",
            "X__c",
            direction,
        )
    }
}

#[test]
fn dont_sync_if_the_source_is_empty() {
    let on = mapping(Direction::ToSalesforce, true, false);
    let off = mapping(Direction::ToSalesforce, false, false);
    let (from, to) = (attr(I::String), sf(S::String));
    assert_eq!(
        decide_salesforce_write(&on, &V::Empty, &from, &text("Old"), &to),
        Ok(WriteDecision::SkipSourceEmpty)
    );
    assert_eq!(
        decide_salesforce_write(&off, &V::Empty, &from, &text("Old"), &to),
        Ok(WriteDecision::Write(V::Empty))
    );
    let back = mapping(Direction::ToIntercom, true, false);
    assert_eq!(
        decide_intercom_write(&back, &V::Empty, &to, &text("Old"), &from),
        Ok(WriteDecision::SkipSourceEmpty)
    );
}

#[test]
fn dont_sync_if_the_destination_has_a_value() {
    let on = mapping(Direction::ToSalesforce, false, true);
    let (from, to) = (attr(I::String), sf(S::String));
    assert_eq!(
        decide_salesforce_write(&on, &text("New"), &from, &text("Old"), &to),
        Ok(WriteDecision::SkipDestinationHasValue)
    );
    assert_eq!(
        decide_salesforce_write(&on, &text("New"), &from, &V::Empty, &to),
        Ok(WriteDecision::Write(text("New")))
    );
    let back = mapping(Direction::ToIntercom, false, true);
    assert_eq!(
        decide_intercom_write(&back, &text("New"), &to, &text("Old"), &from),
        Ok(WriteDecision::SkipDestinationHasValue)
    );
}

#[test]
fn no_write_when_the_destination_already_holds_the_converted_value() {
    let m = mapping(Direction::ToSalesforce, false, false);
    assert_eq!(
        decide_salesforce_write(
            &m,
            &V::Integer(42),
            &attr(I::Integer),
            &V::Decimal(42.0),
            &sf(S::Double)
        ),
        Ok(WriteDecision::AlreadyHeld)
    );
    assert_eq!(
        decide_salesforce_write(
            &m,
            &V::Boolean(true),
            &attr(I::Boolean),
            &text("true"),
            &sf(S::String)
        ),
        Ok(WriteDecision::AlreadyHeld)
    );
    assert_eq!(
        decide_salesforce_write(
            &m,
            &text("B;A"),
            &attr(I::String),
            &text("A;B"),
            &sf(S::Multipicklist)
        ),
        Ok(WriteDecision::AlreadyHeld),
        "Salesforce orders a multi-select picklist itself"
    );
    assert_eq!(
        decide_salesforce_write(
            &m,
            &text("B;A"),
            &attr(I::String),
            &text("A;B"),
            &sf(S::String)
        ),
        Ok(WriteDecision::Write(text("B;A")))
    );
    let back = mapping(Direction::ToIntercom, false, false);
    let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
    let midnight = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
    assert_eq!(
        decide_intercom_write(
            &back,
            &V::Date(day),
            &sf(S::Date),
            &V::DateTime(midnight),
            &attr(I::Date)
        ),
        Ok(WriteDecision::AlreadyHeld)
    );
}

#[test]
fn an_impossible_conversion_is_an_error_not_a_write() {
    let m = mapping(Direction::ToSalesforce, false, false);
    assert!(matches!(
        decide_salesforce_write(
            &m,
            &V::Decimal(2.5),
            &attr(I::Float),
            &V::Empty,
            &sf(S::Int)
        ),
        Err(ConversionError::NotWhole { .. })
    ));
}

#[test]
fn values_serialise_with_their_kind() {
    assert_eq!(
        serde_json::to_value(V::Integer(3)).unwrap(),
        serde_json::json!({"kind": "integer", "value": 3})
    );
    assert_eq!(
        serde_json::to_value(WriteDecision::AlreadyHeld).unwrap(),
        serde_json::json!({"decision": "already_held"})
    );
}
