//! sObject REST: versions, limits, create/read/update/delete, upsert by external id and the
//! `updated/` and `deleted/` replication endpoints.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Map, Value, json};

use super::api::{AppState, Caller, check_version, record_json, write_ctx};
use super::error::{ApiError, SfError};
use super::org::{format_datetime, parse_datetime};
use super::schema::{Object, schema};
use super::{bulk, ids};

pub async fn versions(State(shared): State<AppState>) -> Response {
    let _ = shared;
    let list: Vec<Value> = (20..=66)
        .map(|v| {
            let idx = v - 20;
            let season = ["Winter", "Spring", "Summer"][idx % 3];
            json!({"label": format!("{season} '{:02}", 11 + idx / 3), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")})
        })
        .collect();
    axum::Json(list).into_response()
}

pub async fn resources(Path(version): Path<String>) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let base = format!("/services/data/v{v}");
    let names = [
        "sobjects",
        "query",
        "queryAll",
        "limits",
        "composite",
        "ui-api",
    ];
    let m: Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), json!(format!("{base}/{n}"))))
        .collect();
    Ok(axum::Json(Value::Object(m)).into_response())
}

pub async fn limits(
    State(shared): State<AppState>,
    Path(version): Path<String>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let max = shared.config.daily_api_limit;
    let used = shared.api_calls();
    let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    Ok(axum::Json(json!({
        "ConcurrentAsyncGetReportInstances": pair(200, 200),
        "ConcurrentSyncReportRuns": pair(20, 20),
        "DailyApiRequests": pair(max, max.saturating_sub(used)),
        "DailyAsyncApexExecutions": pair(250000, 250000),
        "DailyBulkApiBatches": pair(bulk::DAILY_BATCHES, bulk::DAILY_BATCHES.saturating_sub(shared.bulk.batches_used())),
        "DailyBulkV2QueryFileStorageMB": pair(976562, 976562),
        "DailyBulkV2QueryJobs": pair(bulk::DAILY_QUERY_JOBS, bulk::DAILY_QUERY_JOBS.saturating_sub(shared.bulk.query_jobs_used())),
        "DailyStreamingApiEvents": pair(10000, 10000),
        "DataStorageMB": pair(5, 5),
        "FileStorageMB": pair(20, 20),
        "HourlyPublishedStandardVolumePlatformEvents": pair(100000, 100000),
        "MonthlyPlatformEventsUsageEntitlement": pair(0, 0),
        "SingleEmail": pair(15, 15),
        "StreamingApiConcurrentClients": pair(20, 20),
    }))
    .into_response())
}

pub fn object(name: &str) -> Result<&'static Object, ApiError> {
    schema().object(name).ok_or_else(ApiError::not_found)
}

fn dml_status(errors: &[SfError]) -> StatusCode {
    match errors.first().map(|e| e.code) {
        Some("NOT_FOUND") | Some("ENTITY_IS_DELETED") => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}

pub fn dml_error(errors: Vec<SfError>) -> ApiError {
    let status = dml_status(&errors);
    ApiError {
        status,
        errors,
        dml: true,
    }
}

pub fn parse_body(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request(
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of object from a non-object value",
        )),
        Err(e) => Err(ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!(
                "Unexpected character: {e} at [line:{},column:{}]",
                e.line(),
                e.column()
            ),
        )),
    }
}

pub async fn create(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let input = parse_body(&body)?;
    let ctx = write_ctx(&caller, &headers, &v);
    let id = shared
        .write(|org, j| org.insert(obj.name, &input, &ctx, j))
        .map_err(dml_error)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "success": true, "errors": []})),
    )
        .into_response())
}

fn not_external(value: &str) -> ApiError {
    ApiError::one(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("Provided external ID field does not exist or is not accessible: {value}"),
    )
}

/// Parses `?fields=A,B` against the object, INVALID_FIELD for unknown names.
pub fn field_list(obj: &Object, fields: Option<&String>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for f in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let field = obj.field(f).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{f}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", obj.name),
            )
        })?;
        out.push(field.name.to_owned());
    }
    Ok(Some(out))
}

pub async fn read(
    State(shared): State<AppState>,
    Path((version, sobject, id)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let fields = field_list(obj, params.get("fields"))?;
    let org = shared.org.read();
    let row = ids::to18(&id)
        .filter(|id| id.starts_with(obj.key_prefix))
        .and_then(|id| org.get(&id))
        .ok_or_else(|| {
            if ids::to18(&id).is_some() {
                ApiError::not_found()
            } else {
                not_external(&id)
            }
        })?;
    if row.is_deleted() {
        return Err(ApiError::one(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        ));
    }
    Ok(axum::Json(record_json(obj.name, row, &v, fields.as_deref())).into_response())
}

pub async fn update(
    State(shared): State<AppState>,
    Path((version, sobject, id)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let input = parse_body(&body)?;
    let ctx = write_ctx(&caller, &headers, &v);
    if ids::to18(&id).is_none_or(|i| !i.starts_with(obj.key_prefix)) {
        return Err(not_external(&id));
    }
    shared
        .write(|org, j| org.update(obj.name, &id, &input, &ctx, j))
        .map_err(dml_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(shared): State<AppState>,
    Path((version, sobject, id)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let ctx = write_ctx(&caller, &headers, &v);
    if ids::to18(&id).is_none_or(|i| !i.starts_with(obj.key_prefix)) {
        return Err(not_external(&id));
    }
    shared
        .write(|org, j| org.delete(&id, &ctx, j))
        .map_err(dml_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Ids of live `obj` rows whose external-id `field` equals `value`.
pub fn external_matches(shared: &AppState, obj: &Object, field: &str, value: &str) -> Vec<String> {
    let org = shared.org.read();
    if field == "Id" {
        return ids::to18(value)
            .and_then(|id| org.get(&id))
            .filter(|r| !r.is_deleted())
            .map(|r| vec![r.id().to_owned()])
            .unwrap_or_default();
    }
    org.find_by(obj.name, field, value)
        .into_iter()
        .map(|r| r.id().to_owned())
        .collect()
}

pub fn external_field(obj: &Object, field: &str) -> Option<&'static str> {
    let f = obj.field(field)?;
    (f.external_id || f.name == "Id").then_some(f.name)
}

pub async fn read_by_external_id(
    State(shared): State<AppState>,
    Path((version, sobject, field, value)): Path<(String, String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let field = external_field(obj, &field).ok_or_else(|| not_external(&field))?;
    let fields = field_list(obj, params.get("fields"))?;
    let matches = external_matches(&shared, obj, field, &value);
    match matches.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => {
            let org = shared.org.read();
            let row = org.get(id).ok_or_else(ApiError::not_found)?;
            Ok(axum::Json(record_json(obj.name, row, &v, fields.as_deref())).into_response())
        }
        many => Ok(multiple(obj, &v, many)),
    }
}

fn multiple(obj: &Object, v: &str, ids: &[String]) -> Response {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/v{v}/sobjects/{}/{id}", obj.name))
        .collect();
    (StatusCode::MULTIPLE_CHOICES, axum::Json(urls)).into_response()
}

/// Result of one upsert: the id and whether it was created, or errors.
pub enum Upserted {
    Done { id: String, created: bool },
    Multiple(Vec<String>),
}

pub fn upsert_one(
    obj: &'static Object,
    field: &'static str,
    value: &str,
    mut input: Map<String, Value>,
    ctx: &super::org::WriteCtx,
    org: &mut super::org::Org,
    journal: &mut super::org::Journal,
) -> Result<Upserted, Vec<SfError>> {
    let matches: Vec<String> = if value.is_empty() {
        Vec::new()
    } else if field == "Id" {
        ids::to18(value)
            .filter(|id| org.get(id).is_some())
            .into_iter()
            .collect()
    } else {
        org.find_by(obj.name, field, value)
            .into_iter()
            .map(|r| r.id().to_owned())
            .collect()
    };
    match matches.as_slice() {
        [] => {
            if field != "Id" {
                input.insert(field.to_owned(), json!(value));
            } else if !value.is_empty() {
                return Err(vec![SfError::new(
                    "NOT_FOUND",
                    "The requested resource does not exist",
                )]);
            }
            let id = org.insert(obj.name, &input, ctx, journal)?;
            Ok(Upserted::Done { id, created: true })
        }
        [id] => {
            input.retain(|k, _| !k.eq_ignore_ascii_case(field));
            org.update(obj.name, id, &input, ctx, journal)?;
            Ok(Upserted::Done {
                id: id.clone(),
                created: false,
            })
        }
        many => Ok(Upserted::Multiple(many.to_vec())),
    }
}

pub async fn upsert(
    State(shared): State<AppState>,
    Path((version, sobject, field, value)): Path<(String, String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let field = external_field(obj, &field).ok_or_else(|| not_external(&field))?;
    let input = parse_body(&body)?;
    let ctx = write_ctx(&caller, &headers, &v);
    let done = shared
        .write(|org, j| upsert_one(obj, field, &value, input, &ctx, org, j))
        .map_err(dml_error)?;
    let version: f64 = v.parse().unwrap_or(62.0);
    match done {
        Upserted::Done { id, created: true } => Ok((
            StatusCode::CREATED,
            axum::Json(json!({"id": id, "success": true, "errors": [], "created": true})),
        )
            .into_response()),
        // Before v46 an update by upsert answered 204 without a body.
        Upserted::Done { .. } if version < 46.0 => Ok(StatusCode::NO_CONTENT.into_response()),
        Upserted::Done { id, created: false } => Ok((
            StatusCode::OK,
            axum::Json(json!({"id": id, "success": true, "errors": [], "created": false})),
        )
            .into_response()),
        Upserted::Multiple(ids) => Ok(multiple(obj, &v, &ids)),
    }
}

pub async fn delete_by_external_id(
    State(shared): State<AppState>,
    Path((version, sobject, field, value)): Path<(String, String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let field = external_field(obj, &field).ok_or_else(|| not_external(&field))?;
    let ctx = write_ctx(&caller, &headers, &v);
    let matches = external_matches(&shared, obj, field, &value);
    match matches.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => {
            shared
                .write(|org, j| org.delete(id, &ctx, j))
                .map_err(dml_error)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        many => Ok(multiple(obj, &v, many)),
    }
}

/// (start, end, latestDateCovered) of a replication request.
type Window = (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>);

fn replication_window(
    shared: &AppState,
    params: &HashMap<String, String>,
) -> Result<Window, ApiError> {
    let get = |k: &str| {
        let raw = params.get(k).ok_or_else(|| {
            ApiError::bad_request("MISSING_ARGUMENT", format!("{k} not specified"))
        })?;
        parse_datetime(raw).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_REPLICATION_DATE",
                format!("{k} is not a valid dateTime: {raw}"),
            )
        })
    };
    let (start, end) = (get("start")?, get("end")?);
    if start >= end {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than 1 minute",
        ));
    }
    let now = shared.org.read().now();
    if start < now - Duration::days(30) {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate cannot be more than 30 days ago",
        ));
    }
    // Salesforce covers whole minutes, never past the present.
    let covered = end
        .min(now)
        .duration_trunc(Duration::minutes(1))
        .unwrap_or(end);
    Ok((start, end.min(covered), covered))
}

pub async fn updated(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let obj = object(&sobject)?;
    let (start, end, covered) = replication_window(&shared, &params)?;
    let org = shared.org.read();
    let (start, end) = (start.timestamp_millis(), end.timestamp_millis());
    let ids: Vec<&str> = org
        .table(obj.name)
        .iter()
        .filter(|r| !r.is_deleted())
        .filter(|r| {
            r.get("SystemModstamp")
                .millis()
                .is_some_and(|t| t >= start && t < end)
        })
        .map(|r| r.id())
        .collect();
    if ids.len() > 600_000 {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. narrow the date range",
        ));
    }
    Ok(
        axum::Json(json!({"ids": ids, "latestDateCovered": format_datetime(covered)}))
            .into_response(),
    )
}

pub async fn deleted(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let obj = object(&sobject)?;
    let (start, end, covered) = replication_window(&shared, &params)?;
    let org = shared.org.read();
    let earliest = org.now() - Duration::days(15);
    let records: Vec<Value> = org
        .deletions
        .iter()
        .filter(|d| d.object == obj.name && d.at >= start && d.at < end)
        .map(|d| json!({"id": d.id, "deletedDate": format_datetime(d.at)}))
        .collect();
    let earliest = earliest
        .duration_trunc(Duration::minutes(1))
        .unwrap_or(earliest);
    Ok(axum::Json(json!({
        "deletedRecords": records,
        "earliestDateAvailable": format_datetime(earliest),
        "latestDateCovered": format_datetime(covered),
    }))
    .into_response())
}
