//! `GET /api/sync/ledger?[direction=to_salesforce|to_intercom]
//! [&object=Lead|Contact|Account][&outcome=created|updated|..][&record_id=..][&before=][&limit=]
//! [&since=MS][&email=..]`: the sync ledger, newest first (`record_id` and `email` give a
//! person's whole history: both sides' ids of their link). `GET /api/sync/health` the
//! counters, `GET /api/sync/jobs/parked` the parked jobs, `GET /api/sync/usage` the
//! Salesforce API usage and whether the sync is paused.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::sync::health::{ParkedJobs, SyncHealth};
use shared::sync::ledger::{parse_direction, parse_object};
use shared::sync::{LedgerFilter, LedgerPage, Outcome};

use super::guard::Installation;
use super::{AppError, AppState};
use crate::sync::ledger::LedgerError;

#[derive(Deserialize)]
pub struct LedgerQuery {
    direction: Option<String>,
    object: Option<String>,
    outcome: Option<String>,
    record_id: Option<String>,
    before: Option<i64>,
    since: Option<i64>,
    email: Option<String>,
    limit: Option<u32>,
}

fn invalid(name: &str, value: &str, allowed: &str) -> AppError {
    AppError::refused(
        StatusCode::BAD_REQUEST,
        "invalid_filter",
        format!("{name}={value:?} is not one of {allowed}"),
    )
}

impl LedgerQuery {
    fn filter(&self) -> Result<LedgerFilter, AppError> {
        let direction = match self.direction.as_deref() {
            None => None,
            Some(d) => Some(
                parse_direction(d)
                    .ok_or_else(|| invalid("direction", d, "to_salesforce, to_intercom"))?,
            ),
        };
        let object = match self.object.as_deref() {
            None => None,
            Some(o) => Some(
                parse_object(o)
                    .ok_or_else(|| invalid("object", o, "Lead, Contact, Account, Conversation"))?,
            ),
        };
        let outcome = match self.outcome.as_deref() {
            None => None,
            Some(o) => Some(Outcome::parse(o).ok_or_else(|| {
                invalid(
                    "outcome",
                    o,
                    "created, updated, unchanged, skipped, unlinked, failed",
                )
            })?),
        };
        Ok(LedgerFilter {
            direction,
            object,
            outcome,
            record_id: self.record_id.clone().filter(|r| !r.is_empty()),
            before: self.before,
            since: self.since,
            email: self.email.clone().filter(|e| !e.trim().is_empty()),
            limit: self.limit,
        })
    }
}

pub async fn list(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Query(query): Query<LedgerQuery>,
) -> Result<Json<LedgerPage>, AppError> {
    let filter = query.filter()?;
    Ok(Json(
        crate::sync::ledger::list(&state.clients, &installation, &filter)
            .await
            .map_err(|e| match e {
                LedgerError::Store(e) => AppError::from(e),
                LedgerError::Client(e) => e.into(),
                LedgerError::Intercom(e) => e.into(),
            })?,
    ))
}

/// `GET /api/sync/health?[since=<ms>]`: the counters; "today" starts at `since` (the
/// reader's midnight), UTC midnight without it.
#[derive(Deserialize)]
pub struct HealthQuery {
    since: Option<i64>,
}

pub async fn health(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Query(query): Query<HealthQuery>,
) -> Result<Json<SyncHealth>, AppError> {
    let now = chrono::Utc::now();
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|m| m.and_utc().timestamp_millis())
        .unwrap_or_default();
    let today = query.since.unwrap_or(midnight);
    let hour = now.timestamp_millis() - 3_600_000;
    Ok(Json(
        state.store.sync_health(&installation, today, hour).await?,
    ))
}

/// `GET /api/sync/jobs/parked`: the parked jobs, oldest first.
pub async fn parked(
    State(state): State<AppState>,
    Installation(installation): Installation,
) -> Result<Json<ParkedJobs>, AppError> {
    Ok(Json(
        crate::sync::ledger::parked(&state.store, &installation).await?,
    ))
}

/// Today's Salesforce calls, the org's last usage and allocation, the pause: no call is made.
pub async fn usage(
    State(state): State<AppState>,
    Installation(installation): Installation,
) -> Result<Json<shared::usage::ApiUsageView>, AppError> {
    let now = chrono::Utc::now().timestamp_millis();
    Ok(Json(
        crate::sync::usage::usage(&state.clients, &state.sync, &installation, now).await?,
    ))
}
