//! Query jobs: `POST /jobs/query` checks the SOQL (the simulator's engine, plus Bulk API
//! 2.0's own limits) and starts the job; once it is `JobComplete`, `GET ../results` serves
//! its rows as CSV pages of `maxRecords`, chained by `Sforce-Locator` (`null` on the last).
//!
//! A finished job keeps only the ids of its rows, in order; each page is rendered from the
//! org when it is read and streamed in chunks, so a 100,000-row answer costs about 2 MB
//! between polls, not its CSV. (Values are therefore those of the moment a page is read.)

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::super::api::{AppState, Caller, check_version};
use super::super::error::ApiError;
use super::super::soql::{Column, Matches, PreparedQuery, Row};
use super::{JobInfo, JobState, dialect, json_body, list_page, not_found, text};

/// Rows per results page when the client gives no `maxRecords`.
const DEFAULT_PAGE: usize = 50_000;
/// Rows rendered per chunk of a streamed page (the org's read lock is held per chunk).
const CHUNK: usize = 1_000;

type RowId = [u8; 18];

pub struct QueryJob {
    pub info: JobInfo,
    prepared: Arc<PreparedQuery>,
    columns: Arc<Vec<Column>>,
    /// The answer's row ids, in order, once the job is complete.
    rows: Option<Arc<[RowId]>>,
}

impl QueryJob {
    fn json(&self) -> Value {
        let mut m = self.info.basic();
        m.insert("jobType".into(), json!("V2Query"));
        m.insert(
            "lineEnding".into(),
            json!(self.info.dialect.line_ending.name()),
        );
        m.insert(
            "columnDelimiter".into(),
            json!(self.info.dialect.delimiter.name()),
        );
        m.insert("numberRecordsProcessed".into(), json!(self.info.processed));
        m.insert("retries".into(), json!(0));
        m.insert("totalProcessingTime".into(), json!(self.info.processing_ms));
        m.insert("isPkChunkingSupported".into(), json!(true));
        Value::Object(m)
    }

    fn created_json(&self) -> Value {
        let mut m = self.info.basic();
        m.insert(
            "lineEnding".into(),
            json!(self.info.dialect.line_ending.name()),
        );
        m.insert(
            "columnDelimiter".into(),
            json!(self.info.dialect.delimiter.name()),
        );
        Value::Object(m)
    }
}

pub async fn create(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let body = json_body(&body)?;
    let all = match text(&body, "operation")? {
        Some("query") => false,
        Some("queryAll") => true,
        Some(other) => {
            return Err(super::invalid_job(format!(
                "Invalid operation: {other}. Use query or queryAll"
            )));
        }
        None => {
            return Err(super::invalid_job(
                "The operation is missing: query or queryAll",
            ));
        }
    };
    let soql = text(&body, "query")?
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| super::invalid_job("The query is missing"))?
        .to_owned();
    let dialect = super::dialect(&body)?;
    let (prepared, columns, now) = {
        let org = shared.org.read();
        let now = org.now();
        let prepared = PreparedQuery::new(&*org, &soql, all, now)
            .map_err(|e| ApiError::bad_request(e.code, e.message))?;
        let columns = prepared
            .bulk_columns(&*org)
            .map_err(|reason| ApiError::bad_request("API_ERROR", reason))?;
        (prepared, columns, now)
    };
    shared.bulk.expire(now);
    if !shared.bulk.take_query_job() {
        return Err(ApiError::bad_request(
            "LIMIT_EXCEEDED",
            format!(
                "Exceeded the limit of {} Bulk API 2.0 query jobs in 24 hours",
                super::DAILY_QUERY_JOBS
            ),
        ));
    }
    let id = shared.bulk.next_id();
    let job = QueryJob {
        info: JobInfo {
            id: id.clone(),
            operation: if all { "queryAll" } else { "query" },
            object: prepared.object().to_owned(),
            created_by: caller.user_id.clone(),
            created: now,
            modstamp: now,
            state: JobState::UploadComplete,
            api_version: v,
            dialect,
            processed: 0,
            failed: 0,
            processing_ms: 0,
            error_message: None,
        },
        prepared: Arc::new(prepared),
        columns: Arc::new(columns),
        rows: None,
    };
    let answer = job.created_json();
    let prepared = job.prepared.clone();
    shared.bulk.query.lock().insert(id.clone(), job);
    tokio::spawn(process(shared.clone(), id, prepared));
    Ok(axum::Json(answer).into_response())
}

/// Runs a job: `InProgress`, then (unless held, aborted or made to fail) its rows.
async fn process(shared: AppState, id: String, prepared: Arc<PreparedQuery>) {
    let started = Instant::now();
    let set = |state: JobState| {
        let now = shared.org.read().now();
        let mut jobs = shared.bulk.query.lock();
        match jobs.get_mut(&id) {
            Some(job) if !job.info.state.terminal() => {
                job.info.set_state(state, now);
                true
            }
            _ => false,
        }
    };
    if !set(JobState::InProgress) {
        return;
    }
    if shared.bulk.start_processing().await.is_some() {
        set(JobState::Failed);
        return;
    }
    let reader = shared.clone();
    let rows = tokio::task::spawn_blocking(move || {
        let org = reader.org.read();
        match prepared.execute(&*org) {
            Matches::Rows(rows) => rows.iter().filter_map(|r| row_id(*r)).collect::<Vec<_>>(),
            Matches::Count(_) | Matches::Aggregates(_) => Vec::new(),
        }
    })
    .await
    .unwrap_or_default();
    let now = shared.org.read().now();
    let mut jobs = shared.bulk.query.lock();
    if let Some(job) = jobs.get_mut(&id)
        && !job.info.state.terminal()
    {
        job.info.processed = rows.len() as u64;
        job.info.processing_ms = started.elapsed().as_millis() as u64;
        job.rows = Some(rows.into());
        job.info.set_state(JobState::JobComplete, now);
    }
}

fn row_id(row: &Row) -> Option<RowId> {
    row.get("Id").as_str()?.as_bytes().try_into().ok()
}

fn find<T>(shared: &AppState, id: &str, f: impl FnOnce(&mut QueryJob) -> T) -> Result<T, ApiError> {
    // A job past its retention is gone, whoever asks first.
    shared.bulk.expire(shared.org.read().now());
    let mut jobs = shared.bulk.query.lock();
    jobs.get_mut(id).map(f).ok_or_else(not_found)
}

pub async fn info(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let body = find(&shared, &id, |job| job.json())?;
    Ok(axum::Json(body).into_response())
}

/// `GET /jobs/query`: every query job, 1,000 a page.
pub async fn list(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    shared.bulk.expire(shared.org.read().now());
    let wanted = params.get("jobType").is_none_or(|t| t == "V2Query");
    let records: Vec<Value> = if wanted {
        let jobs = shared.bulk.query.lock();
        jobs.values().map(QueryJob::json).collect()
    } else {
        Vec::new()
    };
    let page = list_page(records, &params, &format!("/services/data/v{v}/jobs/query"))?;
    Ok(axum::Json(page).into_response())
}

/// `PATCH {"state":"Aborted"}`: stops a job that has not finished.
pub async fn abort(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let state = super::requested_state(&body)?;
    if state != "Aborted" {
        return Err(super::invalid_state(format!(
            "A query job can only be set to Aborted, not {state}"
        )));
    }
    let now = shared.org.read().now();
    let body = find(&shared, &id, |job| {
        if job.info.state.terminal() {
            return Err(super::invalid_state(format!(
                "Aborting already {} Job not allowed",
                job.info.state.name()
            )));
        }
        job.info.set_state(JobState::Aborted, now);
        Ok(job.json())
    })??;
    Ok(axum::Json(body).into_response())
}

pub async fn delete(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let mut jobs = shared.bulk.query.lock();
    let job = jobs.get(&id).ok_or_else(not_found)?;
    if job.info.state == JobState::InProgress {
        return Err(super::invalid_state(
            "Deleting a job in state InProgress is not allowed; abort it first",
        ));
    }
    jobs.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET ../results?locator=..&maxRecords=..`: one page of CSV.
pub async fn results(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let (rows, columns, dialect) = find(&shared, &id, |job| {
        if job.info.api_version != v {
            return Err(ApiError::one(
                StatusCode::CONFLICT,
                "API_ERROR",
                format!(
                    "Results must be read with the API version the job was created with: v{}",
                    job.info.api_version
                ),
            ));
        }
        match (&job.rows, job.info.state) {
            (Some(rows), JobState::JobComplete) => {
                Ok((rows.clone(), job.columns.clone(), job.info.dialect))
            }
            (_, state) => Err(ApiError::one(
                StatusCode::PRECONDITION_FAILED,
                "JOB_NOT_COMPLETE",
                format!(
                    "can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: {}",
                    state.shouted()
                ),
            )),
        }
    })??;
    let start = match params.get("locator").filter(|l| !l.is_empty()) {
        None => 0,
        Some(locator) => decode_locator(locator)
            .filter(|n| *n <= rows.len())
            .ok_or_else(|| {
                ApiError::bad_request("INVALID_LOCATOR", format!("Invalid locator: {locator}"))
            })?,
    };
    let page = match params.get("maxRecords") {
        None => DEFAULT_PAGE,
        Some(n) => n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::bad_request(
                "INVALIDREQUEST",
                format!("maxRecords must be a whole number above 0, not {n}"),
            )
        })?,
    };
    let end = (start + page).min(rows.len());
    let locator = if end < rows.len() {
        encode_locator(end)
    } else {
        "null".to_owned()
    };
    let body = Body::from_stream(page_stream(
        shared.clone(),
        rows,
        columns,
        dialect,
        start,
        end,
    ));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    if let Ok(value) = HeaderValue::from_str(&locator) {
        headers.insert("sforce-locator", value);
    }
    headers.insert("sforce-numberofrecords", HeaderValue::from(end - start));
    Ok(response)
}

/// Locators are opaque strings to clients; here, the page's first row as base64 (`MTAwMDA`).
fn encode_locator(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(offset.to_string())
}

fn decode_locator(locator: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(locator.trim_end_matches('='))
        .ok()?;
    std::str::from_utf8(&raw).ok()?.parse().ok()
}

/// The header, then rows `start..end` rendered `CHUNK` at a time.
fn page_stream(
    shared: AppState,
    rows: Arc<[RowId]>,
    columns: Arc<Vec<Column>>,
    dialect: dialect::Dialect,
    start: usize,
    end: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let mut header = Vec::new();
    dialect.write(&mut header, [columns.iter().map(|c| c.name.as_str())]);
    let head = futures_util::stream::once(async move { Ok(Bytes::from(header)) });
    let chunks = (start..end).step_by(CHUNK).map(move |from| {
        let to = (from + CHUNK).min(end);
        let org = shared.org.read();
        let mut out = Vec::new();
        let lines = rows[from..to].iter().filter_map(|id| {
            let id = std::str::from_utf8(id).ok()?;
            let row: &Row = org.get(id)?;
            Some(
                columns
                    .iter()
                    .map(|c| c.text(&*org, row))
                    .collect::<Vec<_>>(),
            )
        });
        dialect.write(&mut out, lines);
        Ok(Bytes::from(out))
    });
    futures_util::StreamExt::chain(head, futures_util::stream::iter(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_round_trip_and_look_like_salesforce_s() {
        assert_eq!(encode_locator(10_000), "MTAwMDA");
        assert_eq!(decode_locator("MTAwMDA"), Some(10_000));
        assert_eq!(decode_locator("not a locator"), None);
    }
}
