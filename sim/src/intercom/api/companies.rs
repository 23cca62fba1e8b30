//! Companies: upsert, list, scroll, and the contacts attached to each.

use std::ops::Bound;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::data_attributes::set_custom_attributes;
use super::{AxState, MAX_PER_PAGE, opt_string, per_page};
use crate::intercom::store::{Company, Style, Workspace};
use crate::intercom::wire::{ApiError, ApiResult, cursor_pages, now_millis, parse_body};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route("/companies", get(list_companies).post(upsert_company))
        .route("/companies/list", post(list_companies_post))
        .route("/companies/scroll", get(scroll_companies))
        .route(
            "/companies/{id}",
            get(get_company).put(update_company).delete(delete_company),
        )
        .route("/companies/{id}/contacts", get(company_contacts))
}

pub(super) fn company_not_found() -> ApiError {
    ApiError::new(
        http::StatusCode::NOT_FOUND,
        "company_not_found",
        "Company Not Found",
    )
}

#[derive(Deserialize, Default)]
struct CompanyBody {
    company_id: Option<Value>,
    name: Option<String>,
    plan: Option<String>,
    size: Option<i64>,
    website: Option<String>,
    industry: Option<String>,
    monthly_spend: Option<f64>,
    remote_created_at: Option<i64>,
    custom_attributes: Option<Map<String, Value>>,
}

fn apply_company_body(ws: &Workspace, c: &mut Company, b: &CompanyBody) -> Result<(), ApiError> {
    if let Some(n) = &b.name {
        c.name = Some(n.clone());
    }
    if let Some(p) = &b.plan {
        c.plan = Some(p.clone());
    }
    if b.size.is_some() {
        c.size = b.size;
    }
    if let Some(w) = &b.website {
        c.website = Some(w.clone());
    }
    if let Some(i) = &b.industry {
        c.industry = Some(i.clone());
    }
    if let Some(m) = b.monthly_spend {
        c.monthly_spend = m;
    }
    if b.remote_created_at.is_some() {
        c.remote_created_at = b.remote_created_at;
    }
    if let Some(attrs) = &b.custom_attributes {
        set_custom_attributes(ws, "company", attrs, &mut c.custom_attributes)?;
    }
    Ok(())
}

/// `POST /companies`: creates or updates by `company_id`.
async fn upsert_company(st: AxState, body: Bytes) -> ApiResult {
    let b: CompanyBody = parse_body(&body)?;
    let company_id = b.company_id.as_ref().and_then(opt_string);
    if company_id.is_none() && b.name.is_none() {
        return Err(ApiError::parameter_invalid(
            "company_id or name is required",
        ));
    }
    let (topic, item, json) = {
        let mut ws = st.ws.write();
        let now = now_millis();
        let existing = company_id
            .as_ref()
            .and_then(|cid| ws.companies_by_company_id.get(cid))
            .cloned();
        let (topic, mut c) = match existing {
            Some(id) => (
                "company.updated",
                ws.companies.get(&id).cloned().expect("indexed"),
            ),
            None => {
                let id = ws.next_hex_id(now);
                let cid = company_id
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                let c = Company {
                    id,
                    company_id: cid,
                    name: None,
                    plan: None,
                    size: None,
                    website: None,
                    industry: None,
                    monthly_spend: 0.0,
                    session_count: 0,
                    remote_created_at: None,
                    created_ms: now,
                    updated_ms: now,
                    custom_attributes: Map::new(),
                    tag_ids: vec![],
                    user_count: 0,
                };
                ("company.created", c)
            }
        };
        apply_company_body(&ws, &mut c, &b)?;
        c.updated_ms = now.max(c.updated_ms);
        let out = (
            topic,
            ws.company_json(&c, Style::Webhook),
            ws.company_json(&c, Style::Rest),
        );
        ws.insert_company(c);
        out
    };
    st.emit(topic, item);
    Ok(Json(json))
}

async fn get_company(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws.companies.get(&id).ok_or_else(company_not_found)?;
    Ok(Json(ws.company_json(c, Style::Rest)))
}

async fn update_company(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let b: CompanyBody = parse_body(&body)?;
    let (item, json) = {
        let mut ws = st.ws.write();
        let mut c = ws
            .companies
            .get(&id)
            .cloned()
            .ok_or_else(company_not_found)?;
        if let Some(cid) = b.company_id.as_ref().and_then(opt_string)
            && cid != c.company_id
        {
            return Err(ApiError::parameter_invalid("company_id cannot be changed"));
        }
        apply_company_body(&ws, &mut c, &b)?;
        c.updated_ms = now_millis().max(c.updated_ms + 1);
        let out = (
            ws.company_json(&c, Style::Webhook),
            ws.company_json(&c, Style::Rest),
        );
        ws.insert_company(c);
        out
    };
    st.emit("company.updated", item);
    Ok(Json(json))
}

async fn delete_company(st: AxState, Path(id): Path<String>) -> ApiResult {
    {
        let mut ws = st.ws.write();
        let c = ws.companies.remove(&id).ok_or_else(company_not_found)?;
        ws.companies_by_company_id.remove(&c.company_id);
        for contact in ws.contacts.values_mut() {
            contact.company_ids.retain(|x| *x != id);
        }
    }
    st.emit(
        "company.deleted",
        json!({"id": id, "type": "company", "deleted": true}),
    );
    Ok(Json(
        json!({"id": id, "object": "company", "deleted": true}),
    ))
}

#[derive(Deserialize)]
struct CompanyListQuery {
    company_id: Option<String>,
    name: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    order: Option<String>,
}

/// `GET /companies`: with `company_id` or `name` a one-item list (404 when none); otherwise
/// page-numbered listing of companies that have users, newest first unless `order=asc`.
async fn list_companies(st: AxState, Query(q): Query<CompanyListQuery>) -> ApiResult {
    let ws = st.ws.read();
    if q.company_id.is_some() || q.name.is_some() {
        let found: Vec<&Company> = ws
            .companies
            .values()
            .filter(|c| q.company_id.as_ref().is_none_or(|cid| *cid == c.company_id))
            .filter(|c| q.name.as_ref().is_none_or(|n| c.name.as_ref() == Some(n)))
            .collect();
        if found.is_empty() {
            return Err(company_not_found());
        }
        let data: Vec<Value> = found
            .iter()
            .map(|c| ws.company_json(c, Style::Rest))
            .collect();
        let n = data.len();
        return Ok(Json(json!({"type": "list", "data": data, "total_count": n,
            "pages": {"type": "pages", "next": null, "page": 1, "per_page": 15, "total_pages": 1}})));
    }
    let per = per_page(q.per_page, 15)?;
    let page = q.page.unwrap_or(1).max(1);
    let mut with_users: Vec<&Company> =
        ws.companies.values().filter(|c| c.user_count > 0).collect();
    if q.order.as_deref() != Some("asc") {
        with_users.reverse();
    }
    let total = with_users.len();
    let total_pages = total.div_ceil(per);
    let data: Vec<Value> = with_users
        .iter()
        .skip((page - 1) * per)
        .take(per)
        .map(|c| ws.company_json(c, Style::Rest))
        .collect();
    let next = (page < total_pages).then(|| format!("/companies?page={}&per_page={per}", page + 1));
    Ok(Json(
        json!({"type": "list", "data": data, "total_count": total,
        "pages": {"type": "pages", "next": next, "page": page, "per_page": per, "total_pages": total_pages}}),
    ))
}

/// `POST /companies/list?page=&per_page=&order=`: the listing the 2.11 clients use.
async fn list_companies_post(st: AxState, Query(q): Query<CompanyListQuery>) -> ApiResult {
    list_companies(
        st,
        Query(CompanyListQuery {
            company_id: None,
            name: None,
            ..q
        }),
    )
    .await
}

/// The one scroll the real API allows at a time; it expires a minute after its last use.
pub(crate) struct Scroll {
    param: String,
    after: Option<String>,
    used: std::time::Instant,
}

const SCROLL_PAGE: usize = 15;
const SCROLL_TTL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Deserialize)]
struct ScrollQuery {
    scroll_param: Option<String>,
}

async fn scroll_companies(st: AxState, Query(q): Query<ScrollQuery>) -> ApiResult {
    let mut scroll = st.scroll.lock();
    if scroll
        .as_ref()
        .is_some_and(|s| s.used.elapsed() > SCROLL_TTL)
    {
        *scroll = None;
    }
    let after = match (&q.scroll_param, scroll.as_ref()) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(ApiError::bad_request(
                "scroll already exists: finish it, or wait a minute for it to expire",
            ));
        }
        (Some(p), Some(s)) if *p == s.param => s.after.clone(),
        (Some(_), _) => return Err(ApiError::not_found("scroll parameter not found or expired")),
    };
    let ws = st.ws.read();
    let lower = after
        .as_ref()
        .map_or(Bound::Unbounded, |id| Bound::Excluded(id.clone()));
    let page: Vec<&Company> = ws
        .companies
        .range((lower, Bound::Unbounded))
        .map(|(_, c)| c)
        .take(SCROLL_PAGE)
        .collect();
    let param = match (&q.scroll_param, page.is_empty()) {
        (_, true) => {
            // The last (empty) page ends the scroll so a new one can start.
            let p = q
                .scroll_param
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            *scroll = None;
            p
        }
        (Some(p), false) => p.clone(),
        (None, false) => uuid::Uuid::new_v4().to_string(),
    };
    if let Some(last) = page.last() {
        *scroll = Some(Scroll {
            param: param.clone(),
            after: Some(last.id.clone()),
            used: std::time::Instant::now(),
        });
    }
    let data: Vec<Value> = page
        .iter()
        .map(|c| ws.company_json(c, Style::Rest))
        .collect();
    Ok(Json(
        json!({"type": "list", "data": data, "pages": null, "total_count": null, "scroll_param": param}),
    ))
}

async fn company_contacts(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    if !ws.companies.contains_key(&id) {
        return Err(company_not_found());
    }
    let data: Vec<Value> = ws
        .contacts
        .values()
        .filter(|c| c.company_ids.contains(&id))
        .take(MAX_PER_PAGE)
        .map(|c| ws.contact_json(c, Style::Rest))
        .collect();
    let n = data.len();
    Ok(Json(
        json!({"type": "list", "data": data, "total_count": n, "pages": cursor_pages(1, MAX_PER_PAGE, n, None)}),
    ))
}
