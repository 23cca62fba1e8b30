//! SOQL errors in Salesforce's wire format: the query echoed, a caret under the offending
//! token, `ERROR at Row:r:Column:c`, then the reason.

use serde_json::{Value, json};

/// A failed query. `code` is the REST `errorCode` (`MALFORMED_QUERY`, `INVALID_FIELD`,
/// `INVALID_TYPE`, `INVALID_QUERY_FILTER_OPERATOR`, `NUMBER_OUTSIDE_VALID_RANGE`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SoqlError {
    pub code: &'static str,
    pub message: String,
}

pub const MALFORMED_QUERY: &str = "MALFORMED_QUERY";
pub const INVALID_FIELD: &str = "INVALID_FIELD";
pub const INVALID_TYPE: &str = "INVALID_TYPE";
pub const INVALID_QUERY_FILTER_OPERATOR: &str = "INVALID_QUERY_FILTER_OPERATOR";
pub const NUMBER_OUTSIDE_VALID_RANGE: &str = "NUMBER_OUTSIDE_VALID_RANGE";

impl SoqlError {
    /// An error pointing at byte offset `pos` of `soql`.
    pub fn at(code: &'static str, soql: &str, pos: usize, reason: impl AsRef<str>) -> Self {
        let pos = floor_char_boundary(soql, pos.min(soql.len()));
        let line_start = soql[..pos].rfind('\n').map_or(0, |i| i + 1);
        let row = soql[..pos].matches('\n').count() + 1;
        let column = soql[line_start..pos].chars().count() + 1;
        // Salesforce echoes the query up to the end of the offending line, then the caret line.
        let line_end = soql[pos..].find('\n').map_or(soql.len(), |i| pos + i);
        let echoed = soql[..line_end].trim_end_matches('\r');
        let message = format!(
            "\n{echoed}\n{caret:>width$}\nERROR at Row:{row}:Column:{column}\n{reason}",
            caret = "^",
            width = column,
            reason = reason.as_ref(),
        );
        SoqlError { code, message }
    }

    /// The REST error body: `[{"message":..,"errorCode":..}]`.
    pub fn to_json(&self) -> Value {
        json!([{ "message": self.message, "errorCode": self.code }])
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(crate) fn no_such_column(field: &str, entity: &str) -> String {
    format!(
        "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
    )
}

pub(crate) fn unsupported_object(name: &str) -> String {
    format!(
        "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
    )
}

pub(crate) fn unknown_parent_relationship(name: &str) -> String {
    format!(
        "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
    )
}

pub(crate) fn unknown_child_relationship(name: &str) -> String {
    format!(
        "Didn't understand relationship '{name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
    )
}
