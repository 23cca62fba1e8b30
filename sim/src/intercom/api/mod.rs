//! The REST API: contacts, companies, conversations, admins, teams, tags, data attributes, `/me`,
//! `/auth/uninstall`. Handlers parse, change the workspace under its lock, render, and queue
//! webhooks. Each resource's module brings its own routes; this one joins them behind the gate
//! (which finds the caller's workspace from the token) and keeps the paging helpers.

mod admins;
mod companies;
mod contacts;
mod conversation_parts;
mod conversations;
mod data_attributes;
mod tags;

pub(crate) use companies::Scroll;
pub use conversation_parts::PartInput;
pub(crate) use conversation_parts::add_part;
pub(crate) use conversations::start_conversation;

use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use super::search::Fv;
use super::wire::{ApiError, cursor_pages, decode_cursor, encode_cursor, now_millis};
use super::{Server, State};

/// The caller's workspace, as the gate found it from the bearer token.
type AxState = axum::Extension<State>;

pub(crate) fn router(server: std::sync::Arc<Server>) -> Router {
    Router::new()
        .merge(admins::routes())
        .merge(tags::routes())
        .merge(data_attributes::routes())
        .merge(contacts::routes())
        .merge(companies::routes())
        .merge(conversations::routes())
        .merge(conversation_parts::routes())
        .merge(super::oauth::api_routes())
        .fallback(|| async { ApiError::not_found("Resource Not Found") })
        // `layer` after the fallback, not `route_layer`: unknown routes and wrong methods go
        // through the gate too (token, counters, rate limit), as on the real API.
        .layer(axum::middleware::from_fn_with_state(
            server,
            super::gate::api_gate,
        ))
}

fn now_s() -> i64 {
    now_millis().div_euclid(1000)
}

/// A JSON value as an optional string (Intercom accepts numbers where ids are strings).
fn opt_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn opt_int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[derive(Deserialize)]
struct PageQuery {
    per_page: Option<usize>,
    starting_after: Option<String>,
}

const MAX_PER_PAGE: usize = 150;

fn per_page(asked: Option<usize>, default: usize) -> Result<usize, ApiError> {
    match asked {
        None => Ok(default),
        Some(n) if (1..=MAX_PER_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::parameter_invalid(
            "per_page must be between 1 and 150",
        )),
    }
}

#[derive(Deserialize)]
struct SearchBody {
    query: Option<Value>,
    #[serde(default)]
    pagination: Option<PageQuery>,
    sort: Option<Sort>,
}

impl SearchBody {
    /// The query, which every search requires.
    fn query(&self) -> Result<&Value, ApiError> {
        self.query
            .as_ref()
            .ok_or_else(|| ApiError::parameter_not_found("query is required"))
    }
}

#[derive(Deserialize)]
struct Sort {
    field: String,
    #[serde(default)]
    order: Option<String>,
}

impl Sort {
    /// Orders hits by this sort's field, nulls first, reversed when the order is `descending`.
    fn apply<'a, T>(&self, hits: &mut [&'a T], field: impl Fn(&'a T, &str) -> Fv<'a>) {
        hits.sort_by(|a, b| cmp_fv(&field(a, &self.field), &field(b, &self.field)));
        if self.order.as_deref() == Some("descending") {
            hits.reverse();
        }
    }
}

/// Lists page by key: the opaque cursor holds `<last id>|<page>`. Gives the id to start after
/// (none on the first page) and this page's number.
fn list_position(starting_after: Option<&str>) -> Result<(Option<String>, usize), ApiError> {
    match starting_after {
        None | Some("") => Ok((None, 1)),
        Some(cur) => {
            let raw = decode_cursor(cur)?;
            let (id, page) = raw
                .split_once('|')
                .ok_or_else(|| ApiError::parameter_invalid("starting_after is invalid"))?;
            Ok((Some(id.to_owned()), page.parse::<usize>().unwrap_or(1) + 1))
        }
    }
}

/// The cursor to the page after `page`, which ended at `last_id`.
fn list_cursor(last_id: impl std::fmt::Display, page: usize) -> String {
    encode_cursor(&format!("{last_id}|{page}"))
}

/// Search answers page by offset; the opaque cursor holds `o:<offset>`.
fn search_window(p: Option<&PageQuery>) -> Result<(usize, usize), ApiError> {
    let per = per_page(p.and_then(|p| p.per_page), 50)?;
    let offset = match p.and_then(|p| p.starting_after.as_deref()) {
        None | Some("") => 0,
        Some(c) => decode_cursor(c)?
            .strip_prefix("o:")
            .and_then(|o| o.parse().ok())
            .ok_or_else(|| ApiError::parameter_invalid("starting_after is invalid"))?,
    };
    Ok((per, offset))
}

fn search_pages(per: usize, offset: usize, total: usize) -> Value {
    let next = (offset + per < total).then(|| encode_cursor(&format!("o:{}", offset + per)));
    cursor_pages(offset / per + 1, per, total, next)
}

fn cmp_fv(a: &Fv<'_>, b: &Fv<'_>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Fv::Int(x), Fv::Int(y)) | (Fv::Date(x), Fv::Date(y)) => x.cmp(y),
        (Fv::Float(x), Fv::Float(y)) => x.partial_cmp(y).unwrap_or(Equal),
        (Fv::Str(x), Fv::Str(y)) => x.cmp(y),
        (Fv::Bool(x), Fv::Bool(y)) => x.cmp(y),
        (Fv::Null, Fv::Null) => Equal,
        (Fv::Null, _) => Less,
        (_, Fv::Null) => Greater,
        _ => Equal,
    }
}
