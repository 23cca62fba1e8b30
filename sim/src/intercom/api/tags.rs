//! Tags: listing, creating, renaming, deleting, and tagging contacts or companies in bulk.

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::AxState;
use super::contacts::apply_contact_tag;
use crate::intercom::store::Style;
use crate::intercom::wire::{ApiError, ApiResult, now_millis, parse_body};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route("/tags", get(list_tags).post(create_tag))
        .route("/tags/{id}", get(get_tag).delete(delete_tag))
}

async fn list_tags(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    Ok(Json(
        json!({"type": "list", "data": ws.tags.iter().map(|t| t.json()).collect::<Vec<_>>()}),
    ))
}

fn tag_not_found() -> ApiError {
    ApiError::new(
        http::StatusCode::NOT_FOUND,
        "tag_not_found",
        "Resource Not Found",
    )
}

async fn get_tag(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    id.parse()
        .ok()
        .and_then(|id| ws.tag(id))
        .map(|t| Json(t.json()))
        .ok_or_else(tag_not_found)
}

/// `DELETE /tags/{id}`: answers 200 with an empty body, and untags everything.
async fn delete_tag(st: AxState, Path(id): Path<String>) -> Result<http::StatusCode, ApiError> {
    let mut ws = st.ws.write();
    let id: u64 = id.parse().map_err(|_| tag_not_found())?;
    if ws.tag(id).is_none() {
        return Err(tag_not_found());
    }
    ws.tags.retain(|t| t.id != id);
    for c in ws.contacts.values_mut() {
        c.tag_ids.retain(|t| *t != id);
    }
    for c in ws.companies.values_mut() {
        c.tag_ids.retain(|t| *t != id);
    }
    for c in ws.conversations.values_mut() {
        c.tag_ids.retain(|t| *t != id);
    }
    Ok(http::StatusCode::OK)
}

#[derive(Deserialize)]
struct TagBody {
    name: Option<String>,
    #[serde(default)]
    companies: Vec<Map<String, Value>>,
    #[serde(default)]
    users: Vec<Map<String, Value>>,
}

/// `POST /tags`: creates a tag, or applies (`untag: true` removes) it to companies or contacts.
async fn create_tag(st: AxState, body: Bytes) -> ApiResult {
    let body: TagBody = parse_body(&body)?;
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::parameter_not_found("name is required"))?;
    let mut events = Vec::new();
    let tag = {
        let mut ws = st.ws.write();
        let tag = ws.tag_by_name(&name);
        for c in &body.companies {
            let untag = c.get("untag").and_then(Value::as_bool).unwrap_or(false);
            let id = match (
                c.get("id").and_then(Value::as_str),
                c.get("company_id").and_then(Value::as_str),
            ) {
                (Some(id), _) => Some(id.to_owned()),
                (None, Some(cid)) => ws.companies_by_company_id.get(cid).cloned(),
                _ => None,
            };
            let Some(company) = id.and_then(|id| ws.companies.get_mut(&id)) else {
                return Err(ApiError::new(
                    http::StatusCode::NOT_FOUND,
                    "company_not_found",
                    "Company Not Found",
                ));
            };
            let had = company.tag_ids.contains(&tag.id);
            if untag {
                company.tag_ids.retain(|t| *t != tag.id);
            } else if !had {
                company.tag_ids.push(tag.id);
            }
            if had == untag {
                company.updated_ms = now_millis();
                let company = company.clone();
                events.push((
                    "company.updated".to_owned(),
                    ws.company_json(&company, Style::Webhook),
                ));
            }
        }
        for u in &body.users {
            let Some(id) = u.get("id").and_then(Value::as_str) else {
                continue;
            };
            if let Some(e) = apply_contact_tag(&mut ws, id, tag.id)? {
                events.push(e);
            }
        }
        tag
    };
    for (topic, item) in events {
        st.emit(&topic, item);
    }
    Ok(Json(tag.json()))
}
