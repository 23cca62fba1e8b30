//! The sync's health at a glance (`GET /api/sync/health`), the parked jobs an admin may retry
//! (`GET /api/sync/jobs/parked`), and a hint of the fix for each error code the ledger shows.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::Direction;
use super::ledger::{LedgerEntry, LedgerObject, direction_str};

/// Counters over the installation's ledger and queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHealth {
    /// Changes written to Salesforce since the start of the day asked for (created, updated
    /// or unlinked records).
    pub synced_today_to_salesforce: u64,
    /// Changes written to Intercom since then.
    pub synced_today_to_intercom: u64,
    /// Ledger rows that failed since then.
    pub failed_today: u64,
    /// Jobs given up on, waiting for a retry.
    pub parked: u64,
    /// The delay from a change's job being queued to its ledger row, over the last hour:
    /// the median and the 99th percentile (nearest rank), in milliseconds; `None` without rows.
    pub delay_p50_ms: Option<u64>,
    pub delay_p99_ms: Option<u64>,
    /// How many ledger rows of the last hour the delays are taken from.
    pub delays_counted: u64,
}

/// The nearest-rank index (0-based) of percentile `p` (0 < p <= 100) among `n` sorted values.
pub fn nearest_rank(n: u64, p: u64) -> Option<u64> {
    if n == 0 || p == 0 || p > 100 {
        return None;
    }
    Some((n * p).div_ceil(100) - 1)
}

/// A job given up on after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedJob {
    pub id: i64,
    /// The job kind (`sync.to_salesforce`), for retrying every one of a kind.
    pub kind: String,
    pub direction: Direction,
    pub object: LedgerObject,
    pub intercom_id: Option<String>,
    pub salesforce_id: Option<String>,
    /// What the job was about, in a sentence.
    pub detail: String,
    /// The last attempt's error, verbatim.
    pub last_error: Option<String>,
    pub attempts: u32,
    pub parked_at: DateTime<Utc>,
}

/// The installation's parked jobs, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedJobs {
    pub jobs: Vec<ParkedJob>,
}

/// What to do about an error code the ledger shows (Salesforce's codes verbatim, and the
/// sync's own). The code itself is always shown as it came.
pub const ERROR_HINTS: &[(&str, &str)] = &[
    (
        "STRING_TOO_LONG",
        "The value is longer than the Salesforce field allows: lengthen the field or map a shorter attribute.",
    ),
    (
        "REQUIRED_FIELD_MISSING",
        "Salesforce requires a field the sync did not fill: map an Intercom attribute to it (People sync).",
    ),
    (
        "INVALID_EMAIL_ADDRESS",
        "Salesforce refuses the email's form: correct it in Intercom, or stop mapping it to an email field.",
    ),
    (
        "DUPLICATE_VALUE",
        "Another record already holds this unique value: merge the duplicates or choose another identity field.",
    ),
    (
        "DUPLICATES_DETECTED",
        "A Salesforce duplicate rule blocked the write: merge the records or let the rule allow the sync's user.",
    ),
    (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "A validation rule of the org refused the value: change the rule or the mapped value.",
    ),
    (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "The value is not one of the picklist's: add it to the picklist or map another attribute.",
    ),
    (
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "The field cannot be written by the sync's user: give it edit access or remove the mapping.",
    ),
    (
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "The connected Salesforce user may not edit this record: share it or connect a user who may.",
    ),
    (
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "The connected user cannot see a related record (an owner, an account): widen its sharing.",
    ),
    (
        "ENTITY_IS_DELETED",
        "The Salesforce record was deleted: the link goes at the next change, or relink the person.",
    ),
    (
        "UNABLE_TO_LOCK_ROW",
        "Another process held the record: retry the job.",
    ),
    (
        "NUMBER_OUTSIDE_VALID_RANGE",
        "The number does not fit the field's precision: widen the field or map another attribute.",
    ),
    (
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "The value does not convert to the field's type: fix the mapping's types (People or Account sync).",
    ),
    (
        "REQUEST_LIMIT_EXCEEDED",
        "The org's daily API allocation is spent: the sync resumes when it frees; retry parked jobs then.",
    ),
    (
        "INVALID_SESSION_ID",
        "Salesforce no longer accepts the connection: reconnect Salesforce on the Connections page.",
    ),
    (
        "job_parked",
        "The job failed on every attempt: fix the cause its message names, then retry it.",
    ),
];

/// The hint for `code`, if the table has one.
pub fn error_hint(code: &str) -> Option<&'static str> {
    ERROR_HINTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, hint)| *hint)
}

/// The CSV export's columns, in order.
pub const CSV_HEADER: [&str; 10] = [
    "at",
    "direction",
    "object",
    "intercom_id",
    "salesforce_id",
    "outcome",
    "fields",
    "error_code",
    "error_message",
    "detail",
];

/// A moment as `2026-11-21T04:55:00Z`.
pub fn iso_moment(at: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// One entry's cells, in [`CSV_HEADER`]'s order (the fields joined by `;`).
pub fn csv_cells(entry: &LedgerEntry) -> [String; 10] {
    [
        iso_moment(entry.at),
        direction_str(entry.direction).to_owned(),
        entry.object.as_str().to_owned(),
        entry.intercom_id.clone().unwrap_or_default(),
        entry.salesforce_id.clone().unwrap_or_default(),
        entry.outcome.as_str().to_owned(),
        entry.fields.join(";"),
        entry.error_code.clone().unwrap_or_default(),
        entry.error_message.clone().unwrap_or_default(),
        entry.detail.clone().unwrap_or_default(),
    ]
}

/// The entries as CSV (RFC 4180: CRLF line ends, a cell quoted when it holds a comma, a quote
/// or a line break, quotes doubled), a header line first.
pub fn ledger_csv(entries: &[LedgerEntry]) -> String {
    fn cell(out: &mut String, text: &str) {
        if text.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&text.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(text);
        }
    }
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for entry in entries {
        for (i, text) in csv_cells(entry).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            cell(&mut out, text);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_takes_the_value_at_or_above_the_percentile() {
        assert_eq!(nearest_rank(0, 50), None);
        assert_eq!(nearest_rank(1, 50), Some(0));
        assert_eq!(nearest_rank(1, 99), Some(0));
        assert_eq!(nearest_rank(4, 50), Some(1));
        assert_eq!(nearest_rank(100, 99), Some(98));
        assert_eq!(nearest_rank(101, 99), Some(99));
        assert_eq!(nearest_rank(10, 100), Some(9));
    }

    #[test]
    fn every_code_has_one_hint() {
        for (i, (code, hint)) in ERROR_HINTS.iter().enumerate() {
            assert!(!hint.is_empty());
            assert_eq!(error_hint(code), Some(*hint));
            assert!(
                ERROR_HINTS[i + 1..].iter().all(|(c, _)| c != code),
                "{code} twice"
            );
        }
        assert_eq!(error_hint("NOT_A_CODE"), None);
    }

    #[test]
    fn the_csv_quotes_what_needs_quoting() {
        use crate::sync::{Direction, Outcome};
        let entry = LedgerEntry {
            id: 7,
            at: DateTime::from_timestamp_millis(1_764_000_000_000).unwrap(),
            direction: Direction::ToSalesforce,
            object: LedgerObject::Lead,
            intercom_id: Some("c1".into()),
            salesforce_id: None,
            fields: vec!["Title".into(), "Phone".into()],
            outcome: Outcome::Failed,
            detail: None,
            error_code: Some("STRING_TOO_LONG".into()),
            error_message: Some("Title: data value too large: \"x, y\"".into()),
        };
        assert_eq!(
            ledger_csv(&[entry]),
            "at,direction,object,intercom_id,salesforce_id,outcome,fields,error_code,error_message,detail\r\n\
             2025-11-24T16:00:00Z,to_salesforce,Lead,c1,,failed,Title;Phone,STRING_TOO_LONG,\"Title: data value too large: \"\"x, y\"\"\",\r\n"
        );
    }
}
