//! The type-compatibility tables of the people article, one per direction, cell for cell.
//!
//! A type missing from a table (`long`, `combobox`, `base64`, `anyType`, and `id` as a
//! destination) is compatible with nothing in that direction. Other rules (compound, read-only,
//! formula) are layered on top by [`super::mapping`]; these tables speak of types only.

use super::fields::{IntercomDataType as I, SalesforceFieldType as S};

/// Intercom ➡️ Salesforce: each Intercom type and the Salesforce types it may be written to.
pub const INTERCOM_TO_SALESFORCE: [(I, &[S]); 5] = [
    (
        I::String,
        &[
            S::String,
            S::Textarea,
            S::Phone,
            S::Url,
            S::Email,
            S::Reference,
            S::Encryptedstring,
            S::Picklist,
            S::Multipicklist,
        ],
    ),
    (I::Integer, NUMBER_TO_SALESFORCE),
    (I::Float, NUMBER_TO_SALESFORCE),
    (
        I::Boolean,
        &[S::Boolean, S::String, S::Textarea, S::Encryptedstring],
    ),
    (
        I::Date,
        &[
            S::Datetime,
            S::Date,
            S::Time,
            S::String,
            S::Textarea,
            S::Encryptedstring,
        ],
    ),
];

// "Number, Decimal" share one row.
const NUMBER_TO_SALESFORCE: &[S] = &[
    S::Int,
    S::Double,
    S::Currency,
    S::Percent,
    S::String,
    S::Textarea,
    S::Encryptedstring,
];

/// Salesforce ➡️ Intercom: each group of Salesforce types and the Intercom types they may be
/// written to.
pub const SALESFORCE_TO_INTERCOM: [(&[S], &[I]); 5] = [
    (
        &[
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
        ],
        &[I::String],
    ),
    (&[S::Boolean], &[I::Boolean, I::String]),
    (
        &[S::Int, S::Double, S::Currency, S::Percent],
        &[I::Integer, I::Float, I::String],
    ),
    (&[S::Datetime, S::Date], &[I::Date, I::String]),
    (&[S::Time], &[I::String]),
];

/// Whether an Intercom attribute of type `from` may be written to a Salesforce field of type `to`.
pub fn intercom_to_salesforce(from: I, to: S) -> bool {
    salesforce_types_for(from).contains(&to)
}

/// Whether a Salesforce field of type `from` may be written to an Intercom attribute of type `to`.
pub fn salesforce_to_intercom(from: S, to: I) -> bool {
    intercom_types_for(from).contains(&to)
}

/// The Salesforce types an Intercom type may be written to (for the settings page's choices).
pub fn salesforce_types_for(from: I) -> &'static [S] {
    INTERCOM_TO_SALESFORCE
        .iter()
        .find(|(t, _)| *t == from)
        .map_or(&[], |(_, to)| *to)
}

/// The Intercom types a Salesforce type may be written to.
pub fn intercom_types_for(from: S) -> &'static [I] {
    SALESFORCE_TO_INTERCOM
        .iter()
        .find(|(types, _)| types.contains(&from))
        .map_or(&[], |(_, to)| *to)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts a row exactly: the listed cells compatible, every other cell not.
    fn assert_intercom_row(from: I, listed: &[S]) {
        for to in S::ALL {
            assert_eq!(
                intercom_to_salesforce(from, to),
                listed.contains(&to),
                "Intercom {from} -> Salesforce {to}"
            );
        }
    }

    fn assert_salesforce_row(from: S, listed: &[I]) {
        for to in I::ALL {
            assert_eq!(
                salesforce_to_intercom(from, to),
                listed.contains(&to),
                "Salesforce {from} -> Intercom {to}"
            );
        }
    }

    const TEXTUAL: [S; 9] = [
        S::String,
        S::Textarea,
        S::Phone,
        S::Url,
        S::Email,
        S::Reference,
        S::Encryptedstring,
        S::Picklist,
        S::Multipicklist,
    ];

    #[test]
    fn intercom_text_row() {
        assert_intercom_row(I::String, &TEXTUAL);
    }

    #[test]
    fn intercom_number_row() {
        assert_intercom_row(
            I::Integer,
            &[
                S::Int,
                S::Double,
                S::Currency,
                S::Percent,
                S::String,
                S::Textarea,
                S::Encryptedstring,
            ],
        );
    }

    #[test]
    fn intercom_decimal_row() {
        assert_intercom_row(
            I::Float,
            &[
                S::Int,
                S::Double,
                S::Currency,
                S::Percent,
                S::String,
                S::Textarea,
                S::Encryptedstring,
            ],
        );
    }

    #[test]
    fn intercom_true_or_false_row() {
        assert_intercom_row(
            I::Boolean,
            &[S::Boolean, S::String, S::Textarea, S::Encryptedstring],
        );
    }

    #[test]
    fn intercom_date_row() {
        assert_intercom_row(
            I::Date,
            &[
                S::Datetime,
                S::Date,
                S::Time,
                S::String,
                S::Textarea,
                S::Encryptedstring,
            ],
        );
    }

    #[test]
    fn salesforce_textual_row() {
        for from in [
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
            assert_salesforce_row(from, &[I::String]);
        }
    }

    #[test]
    fn salesforce_boolean_row() {
        assert_salesforce_row(S::Boolean, &[I::Boolean, I::String]);
    }

    #[test]
    fn salesforce_number_row() {
        for from in [S::Int, S::Double, S::Currency, S::Percent] {
            assert_salesforce_row(from, &[I::Integer, I::Float, I::String]);
        }
    }

    #[test]
    fn salesforce_date_row() {
        for from in [S::Datetime, S::Date] {
            assert_salesforce_row(from, &[I::Date, I::String]);
        }
    }

    #[test]
    fn salesforce_time_row() {
        assert_salesforce_row(S::Time, &[I::String]);
    }

    #[test]
    fn types_outside_the_tables_are_compatible_with_nothing() {
        for s in [S::Long, S::Combobox, S::Base64, S::AnyType] {
            assert_salesforce_row(s, &[]);
            for i in I::ALL {
                assert!(!intercom_to_salesforce(i, s), "{i} -> {s}");
            }
        }
        // An id is readable (Salesforce -> Intercom Text) but no Intercom type is written to one.
        for i in I::ALL {
            assert!(!intercom_to_salesforce(i, S::Id));
        }
        assert!(!salesforce_to_intercom(S::Encryptedstring, I::String));
    }
}
