//! sObject Collections (`/composite/sobjects`, 200 records per call, `allOrNone`) and
//! `/composite` (25 subrequests with `@{ref.path}` references).

use std::collections::HashMap;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use super::api::{AppState, Caller, Internal, check_version, record_json, write_ctx};
use super::error::{ApiError, SfError};
use super::ids;
use super::org::{Journal, Org, WriteCtx};
use super::rest::{Upserted, external_field, field_list, object, parse_body, upsert_one};
use super::schema::schema;
use super::state::COMPOSITE_TXN;

const MAX_RECORDS: usize = 200;

fn rolled_back() -> Value {
    json!({"success": false, "errors": [SfError::new(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
    ).status_json()]})
}

fn failure(errors: &[SfError], id: Option<&str>) -> Value {
    let mut v = json!({"success": false, "errors": errors.iter().map(SfError::status_json).collect::<Vec<_>>()});
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    v
}

struct Batch {
    all_or_none: bool,
    records: Vec<Map<String, Value>>,
}

fn parse_batch(body: &Bytes) -> Result<Batch, ApiError> {
    let body = parse_body(body)?;
    let all_or_none = body
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let records: Vec<Map<String, Value>> = body
        .get("records")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|r| r.as_object().cloned()).collect())
        .unwrap_or_default();
    if records.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records in this operation",
        ));
    }
    Ok(Batch {
        all_or_none,
        records,
    })
}

/// Runs `op` per record in one transaction; with allOrNone any failure undoes every record.
fn run_batch(
    shared: &AppState,
    all_or_none: bool,
    count: usize,
    mut op: impl FnMut(&mut Org, &mut Journal, usize) -> Result<Value, Value>,
) -> Vec<Value> {
    shared.write(|org, journal| {
        let mut results = Vec::with_capacity(count);
        let mut failed = false;
        for i in 0..count {
            let mut own = Journal::default();
            match op(org, &mut own, i) {
                Ok(v) => {
                    journal.absorb(own);
                    results.push(Ok(v));
                }
                Err(v) => {
                    failed = true;
                    results.push(Err(v));
                }
            }
        }
        if failed && all_or_none {
            org.rollback(journal);
            return results
                .into_iter()
                .map(|r| r.err().unwrap_or_else(rolled_back))
                .collect();
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| e))
            .collect()
    })
}

fn record_type(record: &Map<String, Value>) -> Option<String> {
    record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn missing_type() -> Value {
    failure(
        &[SfError::new(
            "INVALID_TYPE",
            "Must specify a type in the attributes of each record",
        )],
        None,
    )
}

pub async fn create(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let batch = parse_batch(&body)?;
    let ctx = write_ctx(&caller, &headers, &v);
    let results = run_batch(
        &shared,
        batch.all_or_none,
        batch.records.len(),
        |org, j, i| {
            let record = &batch.records[i];
            let Some(ty) = record_type(record) else {
                return Err(missing_type());
            };
            if record.contains_key("id") || record.contains_key("Id") {
                return Err(failure(
                    &[SfError::new(
                        "INVALID_FIELD",
                        "Record ID: cannot specify Id in an insert call",
                    )
                    .with_fields(&["Id"])],
                    None,
                ));
            }
            org.insert(&ty, record, &ctx, j)
                .map(|id| json!({"id": id, "success": true, "errors": []}))
                .map_err(|e| failure(&e, None))
        },
    );
    Ok(axum::Json(results).into_response())
}

pub async fn update(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let batch = parse_batch(&body)?;
    let ctx = write_ctx(&caller, &headers, &v);
    let results = run_batch(
        &shared,
        batch.all_or_none,
        batch.records.len(),
        |org, j, i| {
            let mut record = batch.records[i].clone();
            let Some(ty) = record_type(&record) else {
                return Err(missing_type());
            };
            let id = record
                .remove("id")
                .or_else(|| record.remove("Id"))
                .and_then(|v| v.as_str().map(str::to_owned));
            let Some(id) = id else {
                return Err(failure(
                    &[SfError::new(
                        "MISSING_ARGUMENT",
                        "Id not specified in an update call",
                    )],
                    None,
                ));
            };
            org.update(&ty, &id, &record, &ctx, j)
            .map(|()| json!({"id": ids::to18(&id).unwrap_or(id.clone()), "success": true, "errors": []}))
            .map_err(|e| failure(&e, Some(&id)))
        },
    );
    Ok(axum::Json(results).into_response())
}

pub async fn delete(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let ctx = write_ctx(&caller, &headers, &v);
    let ids_param: Vec<String> = params
        .get("ids")
        .map(|s| {
            s.split(',')
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids_param.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records in this operation",
        ));
    }
    let all_or_none = params
        .get("allOrNone")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let results = run_batch(&shared, all_or_none, ids_param.len(), |org, j, i| {
        let id = &ids_param[i];
        org.delete(id, &ctx, j)
            .map(|_| json!({"id": ids::to18(id).unwrap_or(id.clone()), "success": true, "errors": []}))
            .map_err(|e| failure(&e, Some(id)))
    });
    Ok(axum::Json(results).into_response())
}

fn retrieve_rows(
    shared: &AppState,
    sobject: &str,
    version: &str,
    ids_list: &[String],
    fields: Option<&String>,
) -> Result<Response, ApiError> {
    let v = check_version(version)?;
    let obj = object(sobject)?;
    let fields = field_list(obj, fields)?
        .ok_or_else(|| ApiError::bad_request("MISSING_ARGUMENT", "fields not specified"))?;
    if ids_list.len() > 2000 {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 2000 records in this operation",
        ));
    }
    let org = shared.org.read();
    let out: Vec<Value> = ids_list
        .iter()
        .map(|id| {
            ids::to18(id)
                .and_then(|id| org.get(&id))
                .filter(|r| !r.is_deleted() && r.object().name == obj.name)
                .map(|r| record_json(obj.name, r, &v, Some(&fields)))
                .unwrap_or(Value::Null)
        })
        .collect();
    Ok(axum::Json(out).into_response())
}

pub async fn retrieve(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let ids_list: Vec<String> = params
        .get("ids")
        .map(|s| s.split(',').map(|i| i.trim().to_owned()).collect())
        .unwrap_or_default();
    retrieve_rows(&shared, &sobject, &version, &ids_list, params.get("fields"))
}

pub async fn retrieve_post(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    let list = |k: &str| -> Vec<String> {
        body.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let fields = list("fields").join(",");
    retrieve_rows(&shared, &sobject, &version, &list("ids"), Some(&fields))
}

pub async fn upsert(
    State(shared): State<AppState>,
    Path((version, sobject, field)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = object(&sobject)?;
    let field = external_field(obj, &field).ok_or_else(|| {
        ApiError::one(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {field}"),
        )
    })?;
    let batch = parse_batch(&body)?;
    let ctx: WriteCtx = write_ctx(&caller, &headers, &v);
    let values: Vec<String> = batch
        .records
        .iter()
        .map(|record| {
            record
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, v)| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        })
        .collect();
    // Salesforce refuses every record whose external id appears twice in one request, rather
    // than creating with the first and updating with the second.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for value in values.iter().filter(|v| !v.is_empty()) {
        *seen.entry(value.as_str()).or_default() += 1;
    }
    let results = run_batch(
        &shared,
        batch.all_or_none,
        batch.records.len(),
        |org, j, i| {
            let mut record = batch.records[i].clone();
            if record_type(&record).is_some_and(|t| !t.eq_ignore_ascii_case(obj.name)) {
                return Err(missing_type());
            }
            let value = values[i].clone();
            if seen.get(value.as_str()).is_some_and(|n| *n > 1) {
                return Err(failure(
                    &[SfError::new(
                        "DUPLICATE_EXTERNAL_ID",
                        format!("Duplicate external id specified: {value}"),
                    )
                    .with_fields(&[field])],
                    None,
                ));
            }
            record.retain(|k, _| !k.eq_ignore_ascii_case(field));
            match upsert_one(obj, field, &value, record, &ctx, org, j) {
                Ok(Upserted::Done { id, created }) => {
                    Ok(json!({"id": id, "success": true, "errors": [], "created": created}))
                }
                Ok(Upserted::Multiple(_)) => Err(failure(
                    &[SfError::new(
                        "DUPLICATE_EXTERNAL_ID",
                        format!(
                            "{field}: more than one record found for external id field: {value}"
                        ),
                    )
                    .with_fields(&[field])],
                    None,
                )),
                Err(e) => Err(failure(&e, None)),
            }
        },
    );
    Ok(axum::Json(results).into_response())
}

/// Replaces `@{ref.path}` in a string; a string that is only a reference takes the value's type.
fn resolve(text: &str, done: &HashMap<String, Value>) -> Result<Value, String> {
    if let Some(inner) = text.strip_prefix("@{").and_then(|t| t.strip_suffix('}'))
        && !inner.contains('}')
    {
        return lookup(inner, done);
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("Invalid reference specified: {text}"))?;
        match lookup(&after[..end], done)? {
            Value::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn lookup(reference: &str, done: &HashMap<String, Value>) -> Result<Value, String> {
    let mut parts = reference.splitn(2, '.');
    let name = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    let mut cur = done.get(name).ok_or_else(|| {
        format!("Invalid reference specified. No value for {reference} found in {name}.")
    })?;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (key, indexes) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key).ok_or_else(|| {
                format!("Invalid reference specified. No value for {reference} found in {name}.")
            })?;
        }
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let n: usize = idx
                .trim_end_matches(']')
                .parse()
                .map_err(|_| format!("Invalid reference specified: {reference}"))?;
            cur = cur.get(n).ok_or_else(|| {
                format!("Invalid reference specified. No value for {reference} found in {name}.")
            })?;
        }
    }
    Ok(cur.clone())
}

fn resolve_value(v: &Value, done: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if s.contains("@{") => resolve(s, done)?,
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| resolve_value(x, done))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), resolve_value(x, done)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn halted(reference: &str, message: &str) -> Value {
    json!({"body": [{"errorCode": "PROCESSING_HALTED", "message": message}], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference})
}

pub async fn composite(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let body = parse_body(&body)?;
    let all_or_none = body
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let requests = body
        .get("compositeRequest")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if requests.is_empty() {
        return Err(ApiError::bad_request(
            "JSON_PARSER_ERROR",
            "compositeRequest: Required field is missing",
        ));
    }
    if requests.len() > 25 {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            "Composite request may contain at most 25 subrequests",
        ));
    }
    let router = shared
        .router
        .get()
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let run = async {
        let mut done: HashMap<String, Value> = HashMap::new();
        let mut out: Vec<Value> = Vec::new();
        let mut failed_at = None;
        for (i, sub) in requests.iter().enumerate() {
            let reference = sub
                .get("referenceId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if failed_at.is_some() && all_or_none {
                out.push(halted(&reference, "The transaction was rolled back since another operation in the same transaction failed."));
                continue;
            }
            let method = sub
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_uppercase();
            let url = match sub
                .get("url")
                .and_then(Value::as_str)
                .map(|u| resolve(u, &done))
            {
                Some(Ok(Value::String(u))) => u,
                Some(Err(message)) => {
                    out.push(halted(&reference, &message));
                    failed_at.get_or_insert(i);
                    continue;
                }
                _ => {
                    out.push(halted(&reference, "url is required"));
                    failed_at.get_or_insert(i);
                    continue;
                }
            };
            let sub_body = match sub.get("body").map(|b| resolve_value(b, &done)).transpose() {
                Ok(b) => b,
                Err(message) => {
                    out.push(halted(&reference, &message));
                    failed_at.get_or_insert(i);
                    continue;
                }
            };
            let mut req = Request::builder().method(method.as_str()).uri(&url);
            for (k, v) in headers
                .iter()
                .filter(|(k, _)| k.as_str().starts_with("sforce-") || *k == "authorization")
            {
                req = req.header(k, v);
            }
            if let Some(Value::Object(h)) = sub.get("httpHeaders") {
                for (k, v) in h {
                    if let Some(v) = v.as_str() {
                        req = req.header(k.as_str(), v);
                    }
                }
            }
            let bytes = sub_body.map(|b| b.to_string()).unwrap_or_default();
            let mut req = req
                .header("content-type", "application/json")
                .body(Body::from(bytes))
                .expect("valid subrequest");
            req.extensions_mut().insert(Internal);
            req.extensions_mut().insert(caller.clone());
            let resp = router
                .clone()
                .oneshot(req)
                .await
                .expect("router is infallible");
            let status = resp.status();
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body_bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            let value: Value = serde_json::from_slice(&body_bytes).unwrap_or(Value::Null);
            if status.is_success() {
                done.insert(reference.clone(), value.clone());
            } else {
                failed_at.get_or_insert(i);
            }
            let mut http_headers = Map::new();
            if let Some(l) = location {
                http_headers.insert("Location".into(), json!(l));
            }
            out.push(json!({"body": value, "httpHeaders": http_headers, "httpStatusCode": status.as_u16(), "referenceId": reference}));
        }
        if all_or_none && let Some(failed) = failed_at {
            for (i, entry) in out.iter_mut().enumerate() {
                if i < failed {
                    let reference = entry["referenceId"].as_str().unwrap_or_default().to_owned();
                    *entry = halted(
                        &reference,
                        "The transaction was rolled back since another operation in the same transaction failed.",
                    );
                }
            }
        }
        (out, failed_at.is_some())
    };
    let (out, failed) = if all_or_none {
        let ((out, failed), journal) = COMPOSITE_TXN
            .scope(std::cell::RefCell::new(Journal::default()), async {
                let r = run.await;
                let j = COMPOSITE_TXN.with(|t| std::mem::take(&mut *t.borrow_mut()));
                (r, j)
            })
            .await;
        shared.finish(journal, failed);
        (out, failed)
    } else {
        run.await
    };
    let _ = (failed, schema());
    Ok(axum::Json(json!({"compositeResponse": out})).into_response())
}
