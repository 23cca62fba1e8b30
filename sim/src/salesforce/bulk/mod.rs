//! Bulk API 2.0: query jobs (`/jobs/query`) that run a SOQL query and serve its answer as
//! CSV pages chained by `Sforce-Locator`, and ingest jobs (`/jobs/ingest`) that take a CSV
//! upload and write it through the org's normal write path.
//!
//! Jobs run in the background once they are ready (a query job at once, an ingest job when
//! its upload is complete) and clients poll their state, as with Salesforce. Each REST call
//! counts as one API call (the router's gate); the background work counts none. Ingest
//! writes raise change events like any API write (Change Data Capture's documented
//! exceptions are hard deletes, which publish none). Terminal jobs are removed 7 days after
//! they last changed, by the org's clock. Tests can hold jobs `InProgress` or make the next
//! ones fail (`SalesforceSim::bulk_hold`, `bulk_fail_next`, `/__sim/bulk/..`).

mod dialect;
mod ingest;
mod query;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, put};
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::{Map, Value, json};

use super::api::AppState;
use super::error::ApiError;
use super::ids;
use super::org::format_datetime;
use dialect::{Delimiter, Dialect, LineEnding};

/// Batches (10,000 ingested records each) the org may process per rolling day, shared by
/// Bulk API and Bulk API 2.0 (`DailyBulkApiBatches`).
pub const DAILY_BATCHES: u64 = 15_000;
/// Query jobs per rolling day (`DailyBulkV2QueryJobs`).
pub const DAILY_QUERY_JOBS: u64 = 10_000;
/// Records in one ingest batch.
const BATCH_RECORDS: usize = 10_000;
/// Jobs in a terminal state are deleted this long after their last change.
const RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(7);
/// Jobs listed per page of `GET /jobs/query` and `GET /jobs/ingest`.
const LIST_PAGE: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/jobs/query", get(query::list).post(query::create))
        .route("/jobs/query/", get(query::list).post(query::create))
        .route(
            "/jobs/query/{id}",
            get(query::info).patch(query::abort).delete(query::delete),
        )
        .route("/jobs/query/{id}/results", get(query::results))
        .route("/jobs/query/{id}/results/", get(query::results))
        .route("/jobs/ingest", get(ingest::list).post(ingest::create))
        .route("/jobs/ingest/", get(ingest::list).post(ingest::create))
        .route(
            "/jobs/ingest/{id}",
            get(ingest::info)
                .patch(ingest::set_state)
                .delete(ingest::delete),
        )
        .route("/jobs/ingest/{id}/batches", put(ingest::upload))
        .route("/jobs/ingest/{id}/batches/", put(ingest::upload))
        .route("/jobs/ingest/{id}/{results}", get(ingest::results))
        .route("/jobs/ingest/{id}/{results}/", get(ingest::results))
}

/// A job's state, as `state` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Open,
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
}

impl JobState {
    pub fn name(self) -> &'static str {
        match self {
            JobState::Open => "Open",
            JobState::UploadComplete => "UploadComplete",
            JobState::InProgress => "InProgress",
            JobState::JobComplete => "JobComplete",
            JobState::Failed => "Failed",
            JobState::Aborted => "Aborted",
        }
    }
    /// The upper-case form Salesforce's error messages use (`IN_PROGRESS`).
    fn shouted(self) -> &'static str {
        match self {
            JobState::Open => "OPEN",
            JobState::UploadComplete => "UPLOAD_COMPLETE",
            JobState::InProgress => "IN_PROGRESS",
            JobState::JobComplete => "JOB_COMPLETE",
            JobState::Failed => "FAILED",
            JobState::Aborted => "ABORTED",
        }
    }
    pub fn terminal(self) -> bool {
        matches!(
            self,
            JobState::JobComplete | JobState::Failed | JobState::Aborted
        )
    }
}

/// What every job carries, whatever its kind.
#[derive(Debug, Clone)]
pub struct JobInfo {
    pub id: String,
    pub operation: &'static str,
    pub object: String,
    pub created_by: String,
    pub created: DateTime<Utc>,
    pub modstamp: DateTime<Utc>,
    pub state: JobState,
    /// `62.0`: results must be read with the version the job was made with.
    pub api_version: String,
    pub dialect: Dialect,
    pub processed: u64,
    pub failed: u64,
    pub processing_ms: u64,
    pub error_message: Option<String>,
}

impl JobInfo {
    /// The fields of the create answer and of job lists.
    fn basic(&self) -> Map<String, Value> {
        let version: f64 = self.api_version.parse().unwrap_or(62.0);
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("operation".into(), json!(self.operation));
        m.insert("object".into(), json!(self.object));
        m.insert("createdById".into(), json!(self.created_by));
        m.insert("createdDate".into(), json!(format_datetime(self.created)));
        m.insert(
            "systemModstamp".into(),
            json!(format_datetime(self.modstamp)),
        );
        m.insert("state".into(), json!(self.state.name()));
        m.insert("concurrencyMode".into(), json!("Parallel"));
        m.insert("contentType".into(), json!("CSV"));
        m.insert("apiVersion".into(), json!(version));
        m
    }

    fn set_state(&mut self, state: JobState, now: DateTime<Utc>) {
        self.state = state;
        self.modstamp = now;
    }
}

/// Test switches: hold jobs `InProgress`, fail the next ones.
#[derive(Debug, Default)]
struct Controls {
    fail_next: u64,
    fail_message: Option<String>,
}

/// Every Bulk API 2.0 job of the org, and the day's allocations they use.
pub struct Jobs {
    query: Mutex<BTreeMap<String, query::QueryJob>>,
    ingest: Mutex<BTreeMap<String, ingest::IngestJob>>,
    counter: AtomicU64,
    controls: Mutex<Controls>,
    /// `true` while jobs are held `InProgress`.
    hold: tokio::sync::watch::Sender<bool>,
    batches_used: AtomicU64,
    query_jobs_used: AtomicU64,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            query: Mutex::new(BTreeMap::new()),
            ingest: Mutex::new(BTreeMap::new()),
            counter: AtomicU64::new(0),
            controls: Mutex::new(Controls::default()),
            hold: tokio::sync::watch::Sender::new(false),
            batches_used: AtomicU64::new(0),
            query_jobs_used: AtomicU64::new(0),
        }
    }
}

impl Jobs {
    fn next_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        ids::make("750", n)
    }

    /// Holds jobs `InProgress` (`true`) until released (`false`).
    pub fn set_hold(&self, hold: bool) {
        self.hold.send_replace(hold);
    }

    pub fn holding(&self) -> bool {
        *self.hold.borrow()
    }

    /// The next `n` jobs to start processing fail (ingest jobs with `message`).
    pub fn fail_next(&self, n: u64, message: Option<String>) {
        let mut c = self.controls.lock();
        c.fail_next = n;
        c.fail_message = message;
    }

    /// Waits while jobs are held; then whether this job is one made to fail, and its message.
    async fn start_processing(&self) -> Option<String> {
        let mut rx = self.hold.subscribe();
        let _ = rx.wait_for(|held| !*held).await;
        let mut c = self.controls.lock();
        if c.fail_next == 0 {
            return None;
        }
        c.fail_next -= 1;
        Some(
            c.fail_message
                .clone()
                .unwrap_or_else(|| "InternalServerError : simulated failure".into()),
        )
    }

    /// Batches used today (`DailyBulkApiBatches`).
    pub fn batches_used(&self) -> u64 {
        self.batches_used.load(Ordering::Relaxed)
    }

    /// Query jobs created today (`DailyBulkV2QueryJobs`).
    pub fn query_jobs_used(&self) -> u64 {
        self.query_jobs_used.load(Ordering::Relaxed)
    }

    /// Takes `n` batches from the day's allocation; `false` (nothing taken) when short.
    fn take_batches(&self, n: u64) -> bool {
        self.batches_used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used + n <= DAILY_BATCHES).then_some(used + n)
            })
            .is_ok()
    }

    fn take_query_job(&self) -> bool {
        self.query_jobs_used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used < DAILY_QUERY_JOBS).then_some(used + 1)
            })
            .is_ok()
    }

    /// Starts a new day of allocations.
    pub fn reset_allocations(&self) {
        self.batches_used.store(0, Ordering::Relaxed);
        self.query_jobs_used.store(0, Ordering::Relaxed);
    }

    /// Number of (query, ingest) jobs kept.
    pub fn count(&self) -> (usize, usize) {
        (self.query.lock().len(), self.ingest.lock().len())
    }

    /// Drops terminal jobs whose last change is older than the retention period.
    fn expire(&self, now: DateTime<Utc>) {
        let keep = |info: &JobInfo| !info.state.terminal() || now - info.modstamp < RETENTION;
        self.query.lock().retain(|_, j| keep(&j.info));
        self.ingest.lock().retain(|_, j| keep(&j.info));
    }
}

fn not_found() -> ApiError {
    ApiError::one(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

fn invalid_state(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOBSTATE", message)
}

fn invalid_job(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

/// The body of a job request, as a JSON object.
fn json_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    super::rest::parse_body(&bytes::Bytes::copy_from_slice(body))
}

/// An optional string property; another JSON type is refused as the parser refuses it.
fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!("Cannot deserialize value of type `String` for `{key}` from {other}"),
        )),
    }
}

/// The CSV flavour a create request asks for.
fn dialect(body: &Map<String, Value>) -> Result<Dialect, ApiError> {
    dialect::check_content_type(text(body, "contentType")?)?;
    Ok(Dialect {
        delimiter: Delimiter::parse(text(body, "columnDelimiter")?)?,
        line_ending: LineEnding::parse(text(body, "lineEnding")?)?,
    })
}

/// The `{"state": ..}` of a PATCH.
fn requested_state(body: &[u8]) -> Result<String, ApiError> {
    let body = json_body(body)?;
    text(&body, "state")?
        .map(str::to_owned)
        .ok_or_else(|| invalid_state("The request must give a state"))
}

/// One page of a job list: `{"done", "records", "nextRecordsUrl"}`.
fn list_page(
    mut records: Vec<Value>,
    params: &std::collections::HashMap<String, String>,
    next_base: &str,
) -> Result<Value, ApiError> {
    let start = match params.get("queryLocator") {
        None => 0,
        Some(locator) => locator
            .rsplit_once('-')
            .and_then(|(_, n)| n.parse::<usize>().ok())
            .filter(|n| *n <= records.len())
            .ok_or_else(|| {
                ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator")
            })?,
    };
    let end = (start + LIST_PAGE).min(records.len());
    let done = end == records.len();
    let page: Vec<Value> = records.drain(start..end).collect();
    let next = (!done).then(|| format!("{next_base}?queryLocator={}-{end}", ids::make("01g", 1)));
    Ok(json!({"done": done, "records": page, "nextRecordsUrl": next}))
}
