//! `POST /api/sync/jobs/{id}/retry` and `POST /api/sync/jobs/retry?kind=..`: parked jobs (the
//! ledger's `job_parked` rows) back in the queue, one or every one of a kind. Admins only.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::sync::JobsRetried;

use super::guard::Installation;
use super::{AppError, AppState};
use crate::sync::RetryError;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub async fn retry_one(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Path(id): Path<String>,
) -> Result<Json<JobsRetried>, AppError> {
    let id: i64 = id.parse().map_err(|_| {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_job_id",
            format!("{id:?} is not a job id"),
        )
    })?;
    if !state
        .sync
        .retry_parked(&state.store, &installation, id, now_ms())
        .await?
    {
        return Err(AppError::NotFound(format!("no parked job {id}")));
    }
    Ok(Json(JobsRetried { retried: 1 }))
}

#[derive(Deserialize)]
pub struct KindQuery {
    kind: Option<String>,
}

pub async fn retry_kind(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Query(query): Query<KindQuery>,
) -> Result<Json<JobsRetried>, AppError> {
    let invalid =
        |message: String| AppError::refused(StatusCode::BAD_REQUEST, "invalid_job_kind", message);
    let Some(kind) = query.kind.filter(|k| !k.is_empty()) else {
        return Err(invalid(format!(
            "kind= is required, one of {}",
            crate::jobs::sync_registry().names().join(", ")
        )));
    };
    match state
        .sync
        .retry_parked_of_kind(&state.store, &installation, &kind, now_ms())
        .await
    {
        Ok(retried) => Ok(Json(JobsRetried { retried })),
        Err(e @ RetryError::UnknownKind { .. }) => Err(invalid(e.to_string())),
        Err(RetryError::Store(e)) => Err(e.into()),
    }
}
