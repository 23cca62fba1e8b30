//! `query` and `queryAll`: the SOQL engine's answer paged into `nextRecordsUrl` batches.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::api::{AppState, check_version};
use super::error::ApiError;
use super::ids;
use super::soql::{self, Matches, PreparedQuery};

const DEFAULT_BATCH: usize = 2000;

/// The rest of a query's rows, read page by page through `nextRecordsUrl`.
pub struct Cursor {
    query: PreparedQuery,
    /// Ids of the rows not yet sent, in order.
    ids: Vec<String>,
    total: usize,
    batch: usize,
    offset: usize,
    all: bool,
    /// Salesforce drops a locator after 15 idle minutes; so does the simulator.
    last_used: std::time::Instant,
}

const CURSOR_IDLE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// `Sforce-Query-Options: batchSize=N` (200..=2000; a hint, clamped as Salesforce does).
fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',').find_map(|p| {
                let (k, n) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("batchSize")
                    .then(|| n.trim().parse::<usize>().ok())
                    .flatten()
            })
        })
        .map(|n| n.clamp(200, 2000))
        .unwrap_or(DEFAULT_BATCH)
}

fn soql_error(e: soql::SoqlError) -> ApiError {
    ApiError::bad_request(e.code, e.message)
}

pub async fn query(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(shared, version, params, headers, false)
}

pub async fn query_all(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(shared, version, params, headers, true)
}

pub fn run(
    shared: AppState,
    version: String,
    params: HashMap<String, String>,
    headers: HeaderMap,
    all: bool,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let q = params.get("q").ok_or_else(|| {
        ApiError::bad_request("MALFORMED_QUERY", "A query string must be provided.")
    })?;
    let batch = batch_size(&headers);
    let org = shared.org.read();
    // Relative date literals (`TODAY`, `LAST_N_DAYS:n`) follow the org's clock, as the
    // replication endpoints do, so a test that fixes the clock fixes them too.
    let prepared = PreparedQuery::new(&*org, q, all, org.now()).map_err(soql_error)?;
    let body = match prepared.execute(&*org) {
        Matches::Count(n) => json!({"totalSize": n, "done": true, "records": []}),
        Matches::Aggregates(records) => {
            json!({"totalSize": records.len(), "done": true, "records": records})
        }
        Matches::Rows(rows) => {
            let total = rows.len();
            let page = &rows[..total.min(batch)];
            let records = prepared.render(&*org, page, &v);
            if total <= batch {
                json!({"totalSize": total, "done": true, "records": records})
            } else {
                let rest: Vec<String> = rows[batch..]
                    .iter()
                    .filter_map(|r| r.get("Id").as_str().map(str::to_owned))
                    .collect();
                drop(org);
                let n = shared.cursor_counter.fetch_add(1, Ordering::Relaxed) + 1;
                let locator = ids::make("01g", n);
                let next = format!(
                    "/services/data/v{v}/{}/{locator}-{batch}",
                    if all { "queryAll" } else { "query" }
                );
                let mut cursors = shared.cursors.lock();
                cursors.retain(|_, c| c.last_used.elapsed() < CURSOR_IDLE);
                let last_used = std::time::Instant::now();
                let cursor = Cursor {
                    query: prepared,
                    ids: rest,
                    total,
                    batch,
                    offset: batch,
                    all,
                    last_used,
                };
                cursors.insert(locator, cursor);
                json!({"totalSize": total, "done": false, "nextRecordsUrl": next, "records": records})
            }
        }
    };
    Ok(axum::Json(body).into_response())
}

pub async fn more(
    State(shared): State<AppState>,
    Path((version, locator)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let invalid = || {
        ApiError::one(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    };
    let (base, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let mut cursors = shared.cursors.lock();
    let cursor = cursors.get_mut(base).ok_or_else(invalid)?;
    if offset != cursor.offset || cursor.last_used.elapsed() >= CURSOR_IDLE {
        return Err(invalid());
    }
    cursor.last_used = std::time::Instant::now();
    let take = cursor.batch.min(cursor.ids.len());
    let page: Vec<String> = cursor.ids.drain(..take).collect();
    cursor.offset += take;
    let org = shared.org.read();
    let rows: Vec<&soql::Row> = page
        .iter()
        .filter_map(|id| org.get(id).map(|r| r as &soql::Row))
        .collect();
    let records = cursor.query.render(&*org, &rows, &v);
    let body = if cursor.ids.is_empty() {
        let total = cursor.total;
        cursors.remove(base);
        json!({"totalSize": total, "done": true, "records": records})
    } else {
        let next = format!(
            "/services/data/v{v}/{}/{base}-{}",
            if cursor.all { "queryAll" } else { "query" },
            cursor.offset
        );
        json!({"totalSize": cursor.total, "done": false, "nextRecordsUrl": next, "records": records})
    };
    Ok(axum::Json(body).into_response())
}
