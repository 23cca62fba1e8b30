//! `GET /api/sync/ledger?[direction=to_salesforce|to_intercom]
//! [&object=Lead|Contact|Account][&outcome=created|updated|..][&record_id=..][&before=][&limit=]`:
//! the sync ledger, newest first.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::sync::ledger::{parse_direction, parse_object};
use shared::sync::{LedgerFilter, LedgerPage, Outcome};

use super::guard::Installation;
use super::{AppError, AppState};

#[derive(Deserialize)]
pub struct LedgerQuery {
    direction: Option<String>,
    object: Option<String>,
    outcome: Option<String>,
    record_id: Option<String>,
    before: Option<i64>,
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
        crate::sync::ledger::list(&state.store, &installation, &filter).await?,
    ))
}
