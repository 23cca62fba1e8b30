//! Ingest jobs: `POST /jobs/ingest` opens a job, `PUT ../batches` takes its one CSV upload,
//! `PATCH {"state":"UploadComplete"}` starts it. Rows are written through the org's normal
//! write path (validation, duplicate rules, system fields, change events) 200 at a time,
//! each row succeeding or failing alone; `successfulResults/`, `failedResults/` and
//! `unprocessedrecords/` then answer per row as CSV.
//!
//! CSV values follow Bulk API's rules: an empty value leaves the field as it is, `#N/A` empties
//! it. Assignment rules run only when the job names one (`assignmentRuleId`); the
//! `Sforce-Call-Options` client of the create call tags the writes' change events.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::super::api::{AppState, Caller, check_version, write_ctx};
use super::super::error::{ApiError, SfError};
use super::super::org::{Journal, Org, WriteCtx};
use super::super::rest::{Upserted, external_field, upsert_one};
use super::super::schema::{Field, Object, schema};
use super::super::soql::FieldKind;
use super::{BATCH_RECORDS, JobInfo, JobState, json_body, list_page, not_found, text};

/// Largest upload: 150 MB once base64-encoded, as Salesforce counts it.
const MAX_UPLOAD: usize = 150 * 1024 * 1024 / 4 * 3;
/// Rows written per transaction (and per hold of the org's write lock).
const CHUNK: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Insert,
    Update,
    Upsert,
    Delete,
    HardDelete,
}

impl Operation {
    fn parse(name: &str) -> Option<Operation> {
        Some(match name {
            "insert" => Operation::Insert,
            "update" => Operation::Update,
            "upsert" => Operation::Upsert,
            "delete" => Operation::Delete,
            "hardDelete" => Operation::HardDelete,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
            Operation::Delete => "delete",
            Operation::HardDelete => "hardDelete",
        }
    }
}

/// What became of one uploaded row.
#[derive(Debug, Clone)]
enum Outcome {
    Unprocessed,
    Done { id: String, created: bool },
    Failed { id: String, error: String },
}

pub struct IngestJob {
    pub info: JobInfo,
    operation: Operation,
    object: &'static Object,
    external_id: Option<&'static str>,
    ctx: WriteCtx,
    upload: Option<Bytes>,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
    outcomes: Vec<Outcome>,
    abort: Arc<AtomicBool>,
}

impl IngestJob {
    fn content_url(&self) -> String {
        format!(
            "services/data/v{}/jobs/ingest/{}/batches",
            self.info.api_version, self.info.id
        )
    }

    fn created_json(&self) -> Value {
        let mut m = self.info.basic();
        if let Some(field) = self.external_id {
            m.insert("externalIdFieldName".into(), json!(field));
        }
        m.insert("contentUrl".into(), json!(self.content_url()));
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

    fn json(&self) -> Value {
        let Value::Object(mut m) = self.created_json() else {
            return Value::Null;
        };
        m.insert("jobType".into(), json!("V2Ingest"));
        m.insert("retries".into(), json!(0));
        m.insert("numberRecordsProcessed".into(), json!(self.info.processed));
        m.insert("numberRecordsFailed".into(), json!(self.info.failed));
        m.insert("totalProcessingTime".into(), json!(self.info.processing_ms));
        m.insert(
            "apiActiveProcessingTime".into(),
            json!(self.info.processing_ms),
        );
        m.insert("apexProcessingTime".into(), json!(0));
        if let Some(message) = &self.info.error_message {
            m.insert("errorMessage".into(), json!(message));
        }
        Value::Object(m)
    }
}

pub async fn create(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let body = json_body(&body)?;
    let object_name =
        text(&body, "object")?.ok_or_else(|| super::invalid_job("The object is missing"))?;
    let object = schema()
        .object(object_name)
        .ok_or_else(|| super::invalid_job(format!("Unable to find object: {object_name}")))?;
    let operation = match text(&body, "operation")? {
        None => return Err(super::invalid_job("The operation is missing")),
        Some(name) => Operation::parse(name).ok_or_else(|| {
            super::invalid_job(format!(
                "Invalid operation: {name}. Use insert, update, upsert, delete or hardDelete"
            ))
        })?,
    };
    let external_id = match (operation, text(&body, "externalIdFieldName")?) {
        (Operation::Upsert, None) => {
            return Err(super::invalid_job(format!(
                "External ID was blank for {}. An External ID must be specified for upsert.",
                object.name
            )));
        }
        (Operation::Upsert, Some(name)) => Some(external_field(object, name).ok_or_else(|| {
            super::invalid_job(format!(
                "Field name provided, {name} does not match an External ID, Salesforce Id, or indexed field for {}",
                object.name
            ))
        })?),
        _ => None,
    };
    let dialect = super::dialect(&body)?;
    let mut ctx = write_ctx(&caller, &headers, &v);
    // Bulk API ignores Sforce-Auto-Assign: assignment rules run only when the job names one.
    ctx.auto_assign = text(&body, "assignmentRuleId")?.is_some();
    ctx.allow_duplicates = false;
    let now = shared.org.read().now();
    shared.bulk.expire(now);
    let id = shared.bulk.next_id();
    let job = IngestJob {
        info: JobInfo {
            id: id.clone(),
            operation: operation.name(),
            object: object.name.to_owned(),
            created_by: caller.user_id,
            created: now,
            modstamp: now,
            state: JobState::Open,
            api_version: v,
            dialect,
            processed: 0,
            failed: 0,
            processing_ms: 0,
            error_message: None,
        },
        operation,
        object,
        external_id,
        ctx,
        upload: None,
        header: Vec::new(),
        rows: Vec::new(),
        outcomes: Vec::new(),
        abort: Arc::new(AtomicBool::new(false)),
    };
    let answer = job.created_json();
    shared.bulk.ingest.lock().insert(id, job);
    Ok(axum::Json(answer).into_response())
}

fn find<T>(
    shared: &AppState,
    id: &str,
    f: impl FnOnce(&mut IngestJob) -> T,
) -> Result<T, ApiError> {
    // A job past its retention is gone, whoever asks first.
    shared.bulk.expire(shared.org.read().now());
    let mut jobs = shared.bulk.ingest.lock();
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

/// `GET /jobs/ingest`: every ingest job, 1,000 a page.
pub async fn list(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    shared.bulk.expire(shared.org.read().now());
    let wanted = params.get("jobType").is_none_or(|t| t == "V2Ingest");
    let records: Vec<Value> = if wanted {
        let jobs = shared.bulk.ingest.lock();
        jobs.values().map(IngestJob::json).collect()
    } else {
        Vec::new()
    };
    let page = list_page(
        records,
        &params,
        &format!("/services/data/v{v}/jobs/ingest"),
    )?;
    Ok(axum::Json(page).into_response())
}

/// `PUT ../batches`: the job's CSV, once.
pub async fn upload(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let data = axum::body::to_bytes(request.into_body(), MAX_UPLOAD)
        .await
        .map_err(|_| {
            ApiError::one(
                StatusCode::PAYLOAD_TOO_LARGE,
                "INVALIDREQUEST",
                "The upload exceeds 150 MB once base64-encoded (about 100 MB of CSV); split it across jobs",
            )
        })?;
    find(&shared, &id, |job| {
        if job.info.state != JobState::Open {
            return Err(super::invalid_state(format!(
                "Uploading data to a job in state {} is not allowed; only Open jobs take data",
                job.info.state.name()
            )));
        }
        if job.upload.is_some() {
            return Err(ApiError::bad_request(
                "BULK_API_ERROR",
                format!(
                    "Found multiple contents for job: <{}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.",
                    job.info.id
                ),
            ));
        }
        job.upload = Some(data);
        Ok(())
    })??;
    Ok(StatusCode::CREATED.into_response())
}

/// `PATCH {"state":"UploadComplete"|"Aborted"}`.
pub async fn set_state(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let wanted = super::requested_state(&body)?;
    let now = shared.org.read().now();
    let (body, start) = find(&shared, &id, |job| {
        let state = job.info.state;
        match wanted.as_str() {
            "UploadComplete" if state == JobState::Open => {
                job.info.set_state(JobState::UploadComplete, now);
                Ok((job.json(), true))
            }
            "UploadComplete" => Err(super::invalid_state(format!(
                "Closing already {} Job not allowed",
                state.name()
            ))),
            "Aborted" if !state.terminal() => {
                job.abort.store(true, Ordering::Relaxed);
                job.info.set_state(JobState::Aborted, now);
                Ok((job.json(), false))
            }
            "Aborted" => Err(super::invalid_state(format!(
                "Aborting already {} Job not allowed",
                state.name()
            ))),
            other => Err(super::invalid_state(format!(
                "An ingest job can be set to UploadComplete or Aborted, not {other}"
            ))),
        }
    })??;
    if start {
        tokio::spawn(process(shared.clone(), id));
    }
    Ok(axum::Json(body).into_response())
}

pub async fn delete(
    State(shared): State<AppState>,
    Path((version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let mut jobs = shared.bulk.ingest.lock();
    let job = jobs.get(&id).ok_or_else(not_found)?;
    if matches!(job.info.state, JobState::Open | JobState::InProgress) {
        return Err(super::invalid_state(format!(
            "Deleting a job in state {} is not allowed; close or abort it first",
            job.info.state.name()
        )));
    }
    job.abort.store(true, Ordering::Relaxed);
    jobs.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `successfulResults/`, `failedResults/`, `unprocessedrecords/`.
pub async fn results(
    State(shared): State<AppState>,
    Path((version, id, kind)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let mut out = Vec::new();
    find(&shared, &id, |job| -> Result<(), ApiError> {
        let dialect = job.info.dialect;
        let original = job.header.iter().map(String::as_str);
        let rows = job.rows.iter().zip(&job.outcomes);
        match kind.as_str() {
            "successfulResults" => {
                let header = ["sf__Id", "sf__Created"].into_iter().chain(original);
                let lines = rows.filter_map(|(row, outcome)| match outcome {
                    Outcome::Done { id, created } => Some(
                        [id.as_str(), if *created { "true" } else { "false" }]
                            .into_iter()
                            .chain(row.iter())
                            .map(str::to_owned)
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                });
                dialect.write(
                    &mut out,
                    std::iter::once(header.map(str::to_owned).collect()).chain(lines),
                );
            }
            "failedResults" => {
                let header = ["sf__Id", "sf__Error"].into_iter().chain(original);
                let lines = rows.filter_map(|(row, outcome)| match outcome {
                    Outcome::Failed { id, error } => Some(
                        [id.as_str(), error.as_str()]
                            .into_iter()
                            .chain(row.iter())
                            .map(str::to_owned)
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                });
                dialect.write(
                    &mut out,
                    std::iter::once(header.map(str::to_owned).collect()).chain(lines),
                );
            }
            "unprocessedrecords" => {
                let lines = rows
                    .filter(|(_, outcome)| matches!(outcome, Outcome::Unprocessed))
                    .map(|(row, _)| row.iter().map(str::to_owned).collect::<Vec<_>>());
                let header: Vec<String> = original.map(str::to_owned).collect();
                if !header.is_empty() {
                    dialect.write(&mut out, std::iter::once(header).chain(lines));
                }
            }
            _ => return Err(not_found()),
        }
        Ok(())
    })??;
    let mut response = (StatusCode::OK, Body::from(out)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    Ok(response)
}

/// How an uploaded column is written.
#[derive(Clone, Copy)]
enum Column {
    Field(&'static Field),
    /// `Id`: which record to update or delete.
    Id,
}

/// Runs an upload: parse it (its rows are then the job's, for the result files), wait while
/// jobs are held, then write 200 rows a transaction until done or aborted.
async fn process(shared: AppState, id: String) {
    let started = Instant::now();
    let now = shared.org.read().now();
    let claimed = find(&shared, &id, |job| {
        (job.info.state == JobState::UploadComplete).then(|| {
            job.info.set_state(JobState::InProgress, now);
            (job.upload.take(), job.info.dialect, job.abort.clone())
        })
    });
    let Ok(Some((upload, dialect, abort))) = claimed else {
        return;
    };
    let finish = |outcome: Result<(), String>| {
        let now = shared.org.read().now();
        let _ = find(&shared, &id, |job| {
            job.info.processing_ms = started.elapsed().as_millis() as u64;
            if job.info.state.terminal() {
                return;
            }
            match outcome {
                Ok(()) => job.info.set_state(JobState::JobComplete, now),
                Err(message) => {
                    job.info.error_message = Some(message);
                    job.info.set_state(JobState::Failed, now);
                }
            }
        });
    };
    let Some(upload) = upload else {
        finish(Err(
            "InvalidBatch : No data was uploaded for this job".into()
        ));
        return;
    };
    let (header, rows) = match dialect.read(&upload) {
        Ok(parsed) => parsed,
        Err(e) => {
            finish(Err(format!("InvalidBatch : Failed to parse CSV: {e}")));
            return;
        }
    };
    drop(upload);
    let total = rows.len();
    let prepared = find(&shared, &id, |job| {
        let columns = resolve_columns(job.object, &header);
        job.outcomes = vec![Outcome::Unprocessed; rows.len()];
        job.header = header;
        job.rows = rows;
        columns.map(|columns| Writer {
            operation: job.operation,
            object: job.object,
            external_id: job.external_id,
            ctx: job.ctx.clone(),
            columns,
        })
    });
    let writer = match prepared {
        Ok(Ok(writer)) => writer,
        Ok(Err(message)) => return finish(Err(message)),
        Err(_) => return,
    };
    if let Some(message) = shared.bulk.start_processing().await {
        return finish(Err(message));
    }
    let task_shared = shared.clone();
    let task_id = id.clone();
    let outcome =
        tokio::task::spawn_blocking(move || writer.run(&task_shared, &task_id, total, &abort))
            .await
            .unwrap_or_else(|e| Err(format!("InternalServerError : {e}")));
    finish(outcome);
}

/// Header names to fields; an unknown name fails the whole job, as in Salesforce.
fn resolve_columns(object: &'static Object, header: &[String]) -> Result<Vec<Column>, String> {
    header
        .iter()
        .map(|name| {
            if name.eq_ignore_ascii_case("Id") {
                return Ok(Column::Id);
            }
            object
                .field(name)
                .map(Column::Field)
                .ok_or_else(|| format!("InvalidBatch : Field name not found : {name}"))
        })
        .collect()
}

struct Writer {
    operation: Operation,
    object: &'static Object,
    external_id: Option<&'static str>,
    ctx: WriteCtx,
    columns: Vec<Column>,
}

impl Writer {
    /// Writes every row, a chunk per transaction, recording outcomes and counts as it goes.
    fn run(
        &self,
        shared: &AppState,
        id: &str,
        total: usize,
        abort: &AtomicBool,
    ) -> Result<(), String> {
        for batch in (0..total).step_by(BATCH_RECORDS) {
            if abort.load(Ordering::Relaxed) {
                return Ok(());
            }
            if !shared.bulk.take_batches(1) {
                return Err(format!(
                    "Exceeded the limit of {} batches in 24 hours",
                    super::DAILY_BATCHES
                ));
            }
            let batch_end = (batch + BATCH_RECORDS).min(total);
            for first in (batch..batch_end).step_by(CHUNK) {
                if abort.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let end = (first + CHUNK).min(batch_end);
                let Ok(chunk) = find(shared, id, |job| job.rows[first..end].to_vec()) else {
                    return Ok(());
                };
                let outcomes = shared.write(|org, journal| {
                    let mut purge = Vec::new();
                    let outcomes: Vec<Outcome> = chunk
                        .iter()
                        .map(|row| match self.write_row(org, journal, row, &mut purge) {
                            Ok((id, created)) => Outcome::Done { id, created },
                            Err((id, errors)) => Outcome::Failed {
                                id,
                                error: sf_error(&errors),
                            },
                        })
                        .collect();
                    org.purge(&purge);
                    outcomes
                });
                let gone = find(shared, id, |job| {
                    for (i, outcome) in outcomes.into_iter().enumerate() {
                        if matches!(outcome, Outcome::Failed { .. }) {
                            job.info.failed += 1;
                        }
                        job.info.processed += 1;
                        job.outcomes[first + i] = outcome;
                    }
                })
                .is_err();
                if gone {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// One row: its record id and whether it was created, or the id it named and its errors.
    fn write_row(
        &self,
        org: &mut Org,
        journal: &mut Journal,
        row: &csv::StringRecord,
        purge: &mut Vec<String>,
    ) -> Result<(String, bool), (String, Vec<SfError>)> {
        let given_id = self
            .columns
            .iter()
            .zip(row.iter())
            .find_map(|(c, v)| matches!(c, Column::Id).then(|| v.to_owned()))
            .unwrap_or_default();
        let fail = |errors: Vec<SfError>| (given_id.clone(), errors);
        let fields = self.fields(row).map_err(|e| fail(vec![e]))?;
        let ctx = &self.ctx;
        let object = self.object.name;
        let missing_id = |call: &str| {
            vec![SfError::new(
                "MISSING_ARGUMENT",
                format!("Id not specified in {call} call"),
            )]
        };
        match self.operation {
            Operation::Insert => {
                let mut fields = fields;
                if !given_id.is_empty() {
                    fields.insert("Id".into(), json!(given_id));
                }
                let id = org.insert(object, &fields, ctx, journal).map_err(fail)?;
                Ok((id, true))
            }
            Operation::Update => {
                if given_id.is_empty() {
                    return Err(fail(missing_id("an update")));
                }
                org.update(object, &given_id, &fields, ctx, journal)
                    .map_err(fail)?;
                Ok((normalised(&given_id), false))
            }
            Operation::Upsert => {
                let field = self.external_id.unwrap_or("Id");
                let value = if field == "Id" {
                    given_id.clone()
                } else {
                    self.columns
                        .iter()
                        .zip(row.iter())
                        .find_map(|(c, v)| match c {
                            Column::Field(f) if f.name == field => Some(v.to_owned()),
                            _ => None,
                        })
                        .unwrap_or_default()
                };
                if value.is_empty() && field != "Id" {
                    return Err(fail(vec![SfError::new(
                        "MISSING_ARGUMENT",
                        format!("{field} not specified"),
                    )]));
                }
                let mut fields = fields;
                fields.retain(|k, _| k != field);
                match upsert_one(self.object, field, &value, fields, ctx, org, journal) {
                    Ok(Upserted::Done { id, created }) => Ok((id, created)),
                    Ok(Upserted::Multiple(_)) => Err(fail(vec![
                        SfError::new(
                            "DUPLICATE_EXTERNAL_ID",
                            format!(
                                "{field}: more than one record found for external id field: {value}"
                            ),
                        )
                        .with_fields(&[field]),
                    ])),
                    Err(errors) => Err(fail(errors)),
                }
            }
            Operation::Delete => {
                if given_id.is_empty() {
                    return Err(fail(missing_id("a delete")));
                }
                let id = normalised(&given_id);
                if org.object_of(&id).is_some_and(|o| o != object) {
                    return Err(fail(vec![SfError::new(
                        "INVALID_CROSS_REFERENCE_KEY",
                        "invalid cross reference id",
                    )]));
                }
                org.delete(&id, ctx, journal).map_err(fail)?;
                Ok((id, false))
            }
            Operation::HardDelete => {
                if given_id.is_empty() {
                    return Err(fail(missing_id("a delete")));
                }
                let id = org.check_hard_delete(object, &given_id).map_err(fail)?;
                if purge.contains(&id) {
                    return Err(fail(vec![SfError::new(
                        "ENTITY_IS_DELETED",
                        "entity is deleted",
                    )]));
                }
                purge.push(id.clone());
                Ok((id, false))
            }
        }
    }

    /// The row's values as the write path takes them: empty values left out, `#N/A` as
    /// null, booleans and numbers checked as Bulk API reads them.
    fn fields(&self, row: &csv::StringRecord) -> Result<Map<String, Value>, SfError> {
        let mut out = Map::new();
        for (column, raw) in self.columns.iter().zip(row.iter()) {
            let Column::Field(field) = column else {
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            if raw == "#N/A" {
                // A checkbox is never null: emptied, it is false.
                let empty = match field.kind {
                    FieldKind::Boolean => Value::Bool(false),
                    _ => Value::Null,
                };
                out.insert(field.name.into(), empty);
                continue;
            }
            let wrong_type = || {
                SfError::new(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    format!("{}: value not of required type: {raw}", field.label),
                )
                .with_fields(&[field.name])
            };
            let value = match field.kind {
                FieldKind::Boolean => match raw.to_ascii_lowercase().as_str() {
                    "true" | "1" => Value::Bool(true),
                    "false" | "0" => Value::Bool(false),
                    _ => return Err(wrong_type()),
                },
                FieldKind::Int
                | FieldKind::Long
                | FieldKind::Double
                | FieldKind::Currency
                | FieldKind::Percent => {
                    if raw.trim().parse::<f64>().is_err() {
                        return Err(wrong_type());
                    }
                    Value::String(raw.trim().to_owned())
                }
                _ => Value::String(raw.to_owned()),
            };
            out.insert(field.name.into(), value);
        }
        Ok(out)
    }
}

fn normalised(id: &str) -> String {
    super::super::ids::to18(id).unwrap_or_else(|| id.to_owned())
}

/// `sf__Error` as Salesforce writes it: `CODE:message:Field1,Field2 --`.
fn sf_error(errors: &[SfError]) -> String {
    errors
        .iter()
        .map(|e| {
            if e.fields.is_empty() {
                format!("{}:{}:--", e.code, e.message)
            } else {
                format!("{}:{}:{} --", e.code, e.message, e.fields.join(","))
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_salesforce_writes_them() {
        let missing = SfError::new(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
        )
        .with_fields(&["LastName"]);
        assert_eq!(
            sf_error(&[missing]),
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
        );
        let bad = SfError::new("MISSING_ARGUMENT", "Id not specified in an update call");
        assert_eq!(
            sf_error(&[bad]),
            "MISSING_ARGUMENT:Id not specified in an update call:--"
        );
    }
}
