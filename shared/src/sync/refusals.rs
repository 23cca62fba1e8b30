//! What Salesforce refusing one record's write calls for, by its error code, as one table:
//! the refusal stands (a ledger row with the code verbatim; trying again would be refused
//! the same way), the job is tried again later (the record was busy, the request was cut
//! short), or the record is gone and its link goes.

use serde::{Deserialize, Serialize};

/// What a refused write calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterRefusal {
    /// The refusal stands until someone changes the data, the mapping or the org's rules.
    Stands,
    /// Trying again later can succeed.
    Retry,
    /// The Salesforce record is gone (deleted, or a converted Lead): unlink.
    Gone,
}

/// Error codes and what each calls for. A code not listed stands: only codes known to pass
/// are retried, so an org's own refusals are never repeated against its limits.
pub const REFUSALS: [(&str, AfterRefusal); 23] = [
    // The record or the request, not the data.
    ("UNABLE_TO_LOCK_ROW", AfterRefusal::Retry),
    ("ALL_OR_NONE_OPERATION_ROLLED_BACK", AfterRefusal::Retry),
    ("PROCESSING_HALTED", AfterRefusal::Retry),
    ("REQUEST_RUNNING_TOO_LONG", AfterRefusal::Retry),
    ("SERVER_UNAVAILABLE", AfterRefusal::Retry),
    ("UNKNOWN_EXCEPTION", AfterRefusal::Retry),
    ("QUERY_TIMEOUT", AfterRefusal::Retry),
    // The record is gone.
    ("ENTITY_IS_DELETED", AfterRefusal::Gone),
    ("NOT_FOUND", AfterRefusal::Gone),
    ("CANNOT_UPDATE_CONVERTED_LEAD", AfterRefusal::Gone),
    // The org's rules or the data: the same write is refused again.
    ("FIELD_CUSTOM_VALIDATION_EXCEPTION", AfterRefusal::Stands),
    ("DUPLICATES_DETECTED", AfterRefusal::Stands),
    ("DUPLICATE_VALUE", AfterRefusal::Stands),
    ("REQUIRED_FIELD_MISSING", AfterRefusal::Stands),
    ("STRING_TOO_LONG", AfterRefusal::Stands),
    (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        AfterRefusal::Stands,
    ),
    ("INVALID_EMAIL_ADDRESS", AfterRefusal::Stands),
    ("INVALID_FIELD_FOR_INSERT_UPDATE", AfterRefusal::Stands),
    ("INVALID_FIELD", AfterRefusal::Stands),
    ("INVALID_TYPE_ON_FIELD_IN_RECORD", AfterRefusal::Stands),
    ("NUMBER_OUTSIDE_VALID_RANGE", AfterRefusal::Stands),
    ("INSUFFICIENT_ACCESS_OR_READONLY", AfterRefusal::Stands),
    (
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        AfterRefusal::Stands,
    ),
];

/// What a refusal with `code` calls for.
pub fn after_refusal(code: &str) -> AfterRefusal {
    REFUSALS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(AfterRefusal::Stands, |(_, after)| *after)
}

/// What a write refused with all of `codes` calls for: gone if any says so, retried only when
/// every one can pass on a retry (one that stands would stop it again), else it stands.
pub fn after_refusals<'a>(codes: impl IntoIterator<Item = &'a str>) -> AfterRefusal {
    let mut all_retry = true;
    let mut any = false;
    for code in codes {
        any = true;
        match after_refusal(code) {
            AfterRefusal::Gone => return AfterRefusal::Gone,
            AfterRefusal::Retry => {}
            AfterRefusal::Stands => all_retry = false,
        }
    }
    if any && all_retry {
        AfterRefusal::Retry
    } else {
        AfterRefusal::Stands
    }
}
