//! The sync ledger as the API lists it: stored rows to `shared::sync::LedgerEntry`, filtered
//! and paged newest first.

use chrono::DateTime;
use shared::sync::ledger::{direction_str, parse_direction, parse_object};
use shared::sync::{Direction, LedgerEntry, LedgerFilter, LedgerPage, Outcome};

use shared::sync::health::{ParkedJob, ParkedJobs};

use crate::clients::{ClientError, Clients};
use crate::intercom::IntercomError;
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

/// Why the ledger could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Intercom(#[from] IntercomError),
}

/// Whose history a search asks for: the Intercom id and the Salesforce id of one person (either
/// may be unknown), their link giving the other side of the one searched for.
async fn person(
    clients: &Clients,
    installation_id: &str,
    filter: &LedgerFilter,
) -> Result<Option<(Option<String>, Option<String>)>, LedgerError> {
    let store = clients.store();
    if let Some(email) = &filter.email {
        let intercom = clients.intercom(installation_id).await?;
        let found = intercom
            .people_with("email", &[email.trim().to_owned()])
            .await?;
        let Some(person) = found.into_iter().find(|p| {
            p.email
                .as_deref()
                .is_some_and(|e| shared::sync::same_key(e, email))
        }) else {
            // Nobody has this email: an empty history, not everyone's.
            return Ok(Some((Some(String::new()), Some(String::new()))));
        };
        let link = store.person_link(installation_id, &person.id).await?;
        return Ok(Some((Some(person.id), link.map(|l| l.salesforce_id))));
    }
    let Some(id) = &filter.record_id else {
        return Ok(None);
    };
    if let Some(link) = store.person_link(installation_id, id).await? {
        return Ok(Some((Some(id.clone()), Some(link.salesforce_id))));
    }
    if let Some(link) = store
        .person_link_by_salesforce_id(installation_id, id)
        .await?
    {
        return Ok(Some((Some(link.intercom_contact_id), Some(id.clone()))));
    }
    Ok(Some((Some(id.clone()), Some(id.clone()))))
}

/// One page of the installation's ledger; a search by email or id lists the person's whole
/// history (rows naming either side of their link).
pub async fn list(
    clients: &Clients,
    installation_id: &str,
    filter: &LedgerFilter,
) -> Result<LedgerPage, LedgerError> {
    let store = clients.store();
    let limit = filter.limit();
    let (intercom_id, salesforce_id) = person(clients, installation_id, filter)
        .await?
        .unwrap_or_default();
    let query = LedgerQuery {
        direction: filter.direction.map(|d| direction_str(d).to_owned()),
        object: filter.object.map(|o| o.as_str().to_owned()),
        outcome: filter.outcome.map(|o| o.as_str().to_owned()),
        record_id: None,
        before: filter.before,
        since: filter.since,
        intercom_id,
        salesforce_id,
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

/// The installation's parked jobs, each read by its kind (what it was about); a job no kind of
/// this version reads is left out (it is never parked, see the worker).
pub async fn parked(store: &Store, installation_id: &str) -> Result<ParkedJobs, StoreError> {
    let kinds = crate::jobs::sync_registry();
    let jobs = store
        .parked_jobs(installation_id)
        .await?
        .into_iter()
        .filter_map(|job| {
            let (subject, detail) = kinds.parked(&job).ok()?;
            Some(ParkedJob {
                id: job.id,
                kind: job.kind,
                direction: subject.direction,
                object: parse_object(subject.object)?,
                intercom_id: subject.intercom_id,
                salesforce_id: subject.salesforce_id,
                detail,
                last_error: job.last_error,
                attempts: u32::try_from(job.attempts).unwrap_or_default(),
                parked_at: DateTime::from_timestamp_millis(job.updated_at)?,
            })
        })
        .collect();
    Ok(ParkedJobs { jobs })
}
