//! The sync ledger as the API lists it: stored rows to `shared::sync::LedgerEntry`, filtered
//! and paged newest first.

use chrono::DateTime;
use shared::sync::ledger::{direction_str, parse_direction, parse_object};
use shared::sync::{Direction, LedgerEntry, LedgerFilter, LedgerPage, Outcome};

use crate::store::{LedgerQuery, LedgerRow, NewLedgerRow, Store, StoreError};

/// A ledger row as a job leaves it, its fields, detail and error still to fill in.
pub fn new_row(
    installation_id: &str,
    at: i64,
    direction: Direction,
    object: &str,
    intercom_id: Option<&str>,
    salesforce_id: Option<&str>,
    outcome: Outcome,
) -> NewLedgerRow {
    NewLedgerRow {
        installation_id: installation_id.to_owned(),
        at,
        direction: direction_str(direction).to_owned(),
        object: object.to_owned(),
        intercom_id: intercom_id.map(str::to_owned),
        salesforce_id: salesforce_id.map(str::to_owned),
        fields: "[]".to_owned(),
        outcome: outcome.as_str().to_owned(),
        detail: None,
        error_code: None,
        error_message: None,
    }
}

fn entry(row: LedgerRow) -> Option<LedgerEntry> {
    Some(LedgerEntry {
        id: row.id,
        at: DateTime::from_timestamp_millis(row.at)?,
        direction: parse_direction(&row.direction)?,
        object: parse_object(&row.object)?,
        intercom_id: row.intercom_id,
        salesforce_id: row.salesforce_id,
        fields: serde_json::from_str(&row.fields).unwrap_or_default(),
        outcome: Outcome::parse(&row.outcome)?,
        detail: row.detail,
        error_code: row.error_code,
        error_message: row.error_message,
    })
}

/// One page of the installation's ledger.
pub async fn list(
    store: &Store,
    installation_id: &str,
    filter: &LedgerFilter,
) -> Result<LedgerPage, StoreError> {
    let limit = filter.limit();
    let query = LedgerQuery {
        direction: filter.direction.map(|d| direction_str(d).to_owned()),
        object: filter.object.map(|o| o.as_str().to_owned()),
        outcome: filter.outcome.map(|o| o.as_str().to_owned()),
        record_id: filter.record_id.clone(),
        before: filter.before,
        limit: i64::from(limit) + 1,
    };
    let mut rows = store.ledger(installation_id, &query).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_before = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(LedgerPage {
        entries: rows.into_iter().filter_map(entry).collect(),
        next_before,
    })
}
