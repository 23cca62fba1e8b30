//! The REST API: contacts, companies, conversations, admins, teams, tags, data attributes, `/me`.
//! Handlers parse, change the workspace under its lock, render, and queue webhooks.

use std::ops::Bound;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::State;
use super::search::{self, Fv};
use super::store::{
    Attachment, Author, AuthorKind, Company, ConvState, Contact, Conversation, Part, Role, Style, Workspace,
};
use super::wire::{ApiError, ApiResult, cursor_pages, decode_cursor, encode_cursor, now_millis, parse_body};

type AxState = axum::extract::State<State>;

pub(crate) fn router(state: State) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/admins", get(list_admins))
        .route("/admins/{id}", get(get_admin))
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
        .route("/tags", get(list_tags).post(create_tag))
        .route("/data_attributes", get(list_data_attributes).post(create_data_attribute))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/search", post(search_contacts))
        .route("/contacts/merge", post(merge_contacts))
        .route("/contacts/{id}", get(get_contact).put(update_contact).delete(delete_contact))
        .route("/contacts/{id}/archive", post(archive_contact))
        .route("/contacts/{id}/unarchive", post(unarchive_contact))
        .route("/contacts/{id}/companies", get(contact_companies).post(attach_company))
        .route("/contacts/{id}/companies/{company_id}", delete(detach_company))
        .route("/contacts/{id}/tags", get(contact_tags).post(tag_contact))
        .route("/contacts/{id}/tags/{tag_id}", delete(untag_contact))
        .route("/companies", get(list_companies).post(upsert_company))
        .route("/companies/list", post(list_companies_post))
        .route("/companies/scroll", get(scroll_companies))
        .route("/companies/{id}", get(get_company).put(update_company).delete(delete_company))
        .route("/companies/{id}/contacts", get(company_contacts))
        .route("/conversations", get(list_conversations).post(create_conversation))
        .route("/conversations/search", post(search_conversations))
        .route("/conversations/{id}", get(get_conversation))
        .route("/conversations/{id}/reply", post(reply))
        .route("/conversations/{id}/parts", post(manage))
        .route("/messages", post(create_message))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), super::gate::api_gate))
        .fallback(|| async { ApiError::not_found("Resource Not Found") })
        .with_state(state)
}

fn now_s() -> i64 {
    now_millis().div_euclid(1000)
}

// ---------- admins, teams, tags, /me ----------

async fn me(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    let admin = ws.admin(st.installer).ok_or_else(|| ApiError::not_found("Admin Not Found"))?;
    let mut v = admin.json();
    v["email_verified"] = json!(true);
    v["app"] = json!({"type": "app", "id_code": ws.app_id, "name": "Sfbridge Demo", "created_at": 1_767_225_600,
                      "secure": false, "identity_verification": false, "timezone": "Europe/London", "region": "US"});
    Ok(Json(v))
}

async fn list_admins(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    Ok(Json(json!({"type": "admin.list", "admins": ws.admins.iter().map(|a| a.json()).collect::<Vec<_>>()})))
}

async fn get_admin(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let admin = id.parse().ok().and_then(|id| ws.admin(id));
    admin.map(|a| Json(a.json())).ok_or_else(|| ApiError::new(http::StatusCode::NOT_FOUND, "admin_not_found", "Admin not found"))
}

fn team_json(t: &super::store::Team) -> Value {
    json!({"type": "team", "id": t.id.to_string(), "name": t.name,
           "admin_ids": t.admin_ids, "admin_priority_level": {"primary_admin_ids": [], "secondary_admin_ids": []}})
}

async fn list_teams(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    Ok(Json(json!({"type": "team.list", "teams": ws.teams.iter().map(team_json).collect::<Vec<_>>()})))
}

async fn get_team(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    ws.teams
        .iter()
        .find(|t| t.id.to_string() == id)
        .map(|t| Json(team_json(t)))
        .ok_or_else(|| ApiError::new(http::StatusCode::NOT_FOUND, "team_not_found", "Team not found"))
}

async fn list_tags(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    Ok(Json(json!({"type": "list", "data": ws.tags.iter().map(|t| t.json()).collect::<Vec<_>>()})))
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
    let name = body.name.filter(|n| !n.trim().is_empty()).ok_or_else(|| ApiError::parameter_not_found("name is required"))?;
    let mut events = Vec::new();
    let tag = {
        let mut ws = st.ws.write();
        let tag = ws.tag_by_name(&name);
        for c in &body.companies {
            let untag = c.get("untag").and_then(Value::as_bool).unwrap_or(false);
            let id = match (c.get("id").and_then(Value::as_str), c.get("company_id").and_then(Value::as_str)) {
                (Some(id), _) => Some(id.to_owned()),
                (None, Some(cid)) => ws.companies_by_company_id.get(cid).cloned(),
                _ => None,
            };
            let Some(company) = id.and_then(|id| ws.companies.get_mut(&id)) else {
                return Err(ApiError::new(http::StatusCode::NOT_FOUND, "company_not_found", "Company Not Found"));
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
                events.push(("company.updated".to_owned(), ws.company_json(&company, Style::Webhook)));
            }
        }
        for u in &body.users {
            let Some(id) = u.get("id").and_then(Value::as_str) else { continue };
            if let Some(e) = apply_contact_tag(&mut ws, id, tag.id)? {
                events.push(e);
            }
        }
        tag
    };
    for (topic, item) in events {
        st.hub.emit(&topic, item);
    }
    Ok(Json(tag.json()))
}

// ---------- data attributes ----------

#[derive(Deserialize)]
struct AttributeQuery {
    model: Option<String>,
    #[serde(default)]
    include_archived: bool,
}

async fn list_data_attributes(st: AxState, Query(q): Query<AttributeQuery>) -> ApiResult {
    let ws = st.ws.read();
    let data: Vec<Value> = ws
        .data_attributes
        .iter()
        .filter(|a| q.model.as_deref().is_none_or(|m| m == a.model))
        .filter(|a| q.include_archived || !a.archived)
        .map(|a| a.json())
        .collect();
    Ok(Json(json!({"type": "list", "data": data})))
}

#[derive(Deserialize)]
struct AttributeBody {
    name: Option<String>,
    model: Option<String>,
    data_type: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    options: Vec<Value>,
}

/// Custom attribute names may not contain these (they would break `custom_attributes.<name>`).
const FORBIDDEN_IN_NAME: &[char] = &['.', '$', '[', ']', '"', '\''];

async fn create_data_attribute(st: AxState, body: Bytes) -> ApiResult {
    let body: AttributeBody = parse_body(&body)?;
    let name = body.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).ok_or_else(|| ApiError::parameter_not_found("Name is required"))?;
    let model: &'static str = match body.model.as_deref() {
        Some("contact") => "contact",
        Some("company") => "company",
        _ => return Err(ApiError::parameter_invalid("Model must be either 'contact' or 'company'")),
    };
    let data_type = body.data_type.unwrap_or_default();
    if !["string", "integer", "float", "boolean", "datetime", "date"].contains(&data_type.as_str()) {
        return Err(ApiError::parameter_invalid(
            "Data Type isn't an option. Options are string, integer, float, boolean, datetime, date",
        ));
    }
    if name.contains(FORBIDDEN_IN_NAME) || name.len() > 190 {
        return Err(ApiError::parameter_invalid(format!(
            "Your name for this attribute must only contain alphanumeric characters, spaces, hyphens and underscores: {name:?}"
        )));
    }
    let options: Vec<String> = body
        .options
        .iter()
        .filter_map(|o| o.get("value").and_then(Value::as_str).or(o.as_str()).map(str::to_owned))
        .collect();
    if !options.is_empty() && data_type != "string" {
        return Err(ApiError::parameter_invalid("Options can only be given for string attributes"));
    }
    let mut ws = st.ws.write();
    let other_model = if model == "contact" { "company" } else { "people" };
    if ws.data_attributes.iter().any(|a| a.model == model && a.name.eq_ignore_ascii_case(&name)) {
        let data = if model == "contact" { "people" } else { "company" };
        return Err(ApiError::parameter_invalid(format!(
            "You already have '{name}' in your {data} data. To save this as new {other_model} data, use a different name."
        )));
    }
    let installer = st.installer;
    let attr = ws.add_custom_attribute(model, &name, &data_type, options, Some(installer), now_s());
    attr.description = body.description;
    Ok(Json(attr.json()))
}

/// Checks custom attribute values against the workspace's definitions (names and types).
fn check_custom_attributes(ws: &Workspace, model: &str, attrs: &Map<String, Value>) -> Result<(), ApiError> {
    for (name, value) in attrs {
        let Some(def) = ws.custom_attribute(model, name) else {
            return Err(ApiError::parameter_not_found(format!("Custom attribute '{name}' does not exist")));
        };
        let ok = match (def.data_type.as_str(), value) {
            (_, Value::Null) => true,
            ("string", Value::String(s)) => def.options.is_empty() || def.options.contains(s),
            ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
            ("float", Value::Number(_)) => true,
            ("boolean", Value::Bool(_)) => true,
            ("date" | "datetime", Value::Number(n)) => n.is_i64(),
            ("date" | "datetime", Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            _ => false,
        };
        if !ok {
            return Err(ApiError::parameter_invalid(format!(
                "Custom attribute '{name}' must be of type {}",
                def.data_type
            )));
        }
    }
    Ok(())
}

// ---------- contacts ----------

#[derive(Deserialize, Default)]
struct ContactBody {
    role: Option<String>,
    external_id: Option<Value>,
    email: Option<String>,
    phone: Option<Value>,
    name: Option<Value>,
    owner_id: Option<Value>,
    signed_up_at: Option<Value>,
    last_seen_at: Option<Value>,
    unsubscribed_from_emails: Option<bool>,
    custom_attributes: Option<Map<String, Value>>,
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
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn contact_not_found() -> ApiError {
    ApiError::not_found("User Not Found")
}

fn conflict(id: &str) -> ApiError {
    ApiError::new(http::StatusCode::CONFLICT, "conflict", format!("A contact matching those details already exists with id={id}"))
}

/// The user (other than `except`) that already holds this email or external id.
fn duplicate_user(ws: &Workspace, email: Option<&str>, external_id: Option<&str>, except: &str) -> Option<String> {
    let by_email = email.and_then(|e| ws.users_by_email.get(&e.to_lowercase()));
    let by_ext = external_id.and_then(|x| ws.users_by_external_id.get(x));
    by_email.or(by_ext).filter(|id| *id != except).cloned()
}

fn apply_contact_body(ws: &Workspace, c: &mut Contact, b: &ContactBody) -> Result<(), ApiError> {
    if let Some(x) = &b.external_id {
        c.external_id = opt_string(x);
    }
    if let Some(e) = &b.email {
        c.email = Some(e.trim().to_owned()).filter(|e| !e.is_empty());
    }
    if let Some(p) = &b.phone {
        c.phone = opt_string(p);
    }
    if let Some(n) = &b.name {
        c.name = opt_string(n);
    }
    if let Some(o) = &b.owner_id {
        c.owner_id = match opt_int(o) {
            None if o.is_null() => None,
            Some(id) if ws.admin(id as u64).is_some() => Some(id as u64),
            _ => return Err(ApiError::parameter_invalid("owner_id must be the id of a teammate")),
        };
    }
    if let Some(v) = &b.signed_up_at {
        c.signed_up_at = opt_int(v);
    }
    if let Some(v) = &b.last_seen_at {
        c.last_seen_at = opt_int(v);
    }
    if let Some(u) = b.unsubscribed_from_emails {
        c.unsubscribed_from_emails = u;
    }
    if let Some(attrs) = &b.custom_attributes {
        check_custom_attributes(ws, "contact", attrs)?;
        for (k, v) in attrs {
            c.custom_attributes.insert(k.clone(), v.clone());
        }
    }
    Ok(())
}

async fn create_contact(st: AxState, body: Bytes) -> ApiResult {
    let b: ContactBody = parse_body(&body)?;
    let role = match b.role.as_deref() {
        None => Role::User,
        Some(r) => Role::parse(r).ok_or_else(|| ApiError::parameter_invalid(format!("Role must be either user or lead, got {r:?}")))?,
    };
    let external_id = b.external_id.as_ref().and_then(opt_string);
    if b.email.is_none() && external_id.is_none() && b.role.is_none() {
        return Err(ApiError::parameter_invalid("Please provide an email, external_id or role"));
    }
    let (item, json) = {
        let mut ws = st.ws.write();
        if role == Role::User
            && let Some(id) = duplicate_user(&ws, b.email.as_deref(), external_id.as_deref(), "")
        {
            return Err(conflict(&id));
        }
        let now = now_millis();
        let id = ws.next_hex_id(now);
        let mut c = Contact::new(id, role, now);
        if role == Role::User {
            c.signed_up_at = Some(now.div_euclid(1000));
        }
        apply_contact_body(&ws, &mut c, &b)?;
        let out = (ws.contact_json(&c, Style::Webhook), ws.contact_json(&c, Style::Rest));
        ws.insert_contact(c);
        out
    };
    st.hub.emit(&format!("contact.{}.created", role.as_str()), item);
    Ok(Json(json))
}

async fn get_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws.contacts.get(&id).ok_or_else(contact_not_found)?;
    Ok(Json(ws.contact_json(c, Style::Rest)))
}

async fn update_contact(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let b: ContactBody = parse_body(&body)?;
    let mut events = Vec::new();
    let json = {
        let mut ws = st.ws.write();
        let old = ws.contacts.get(&id).cloned().ok_or_else(contact_not_found)?;
        let mut c = old.clone();
        if let Some(r) = b.role.as_deref() {
            let role = Role::parse(r).ok_or_else(|| ApiError::parameter_invalid("Role must be either user or lead"))?;
            if old.role == Role::User && role == Role::Lead {
                return Err(ApiError::parameter_invalid("A user cannot be converted to a lead"));
            }
            c.role = role;
        }
        apply_contact_body(&ws, &mut c, &b)?;
        if c.role == Role::User
            && let Some(dup) = duplicate_user(&ws, c.email.as_deref(), c.external_id.as_deref(), &c.id)
        {
            return Err(conflict(&dup));
        }
        c.updated_ms = now_millis().max(old.updated_ms + 1);
        let signed_up = old.role == Role::Lead && c.role == Role::User;
        if signed_up {
            c.signed_up_at = Some(c.updated_ms.div_euclid(1000));
        }
        ws.unindex_contact(&old);
        ws.index_contact(&c);
        let item = ws.contact_json(&c, Style::Webhook);
        if signed_up {
            events.push(("contact.lead.signed_up".to_owned(), item.clone()));
        }
        if old.email != c.email {
            events.push(("contact.email.updated".to_owned(), item.clone()));
        }
        events.push((format!("contact.{}.updated", c.role.as_str()), item));
        let json = ws.contact_json(&c, Style::Rest);
        ws.contacts.insert(id, c);
        json
    };
    for (topic, item) in events {
        st.hub.emit(&topic, item);
    }
    Ok(Json(json))
}

/// Removes a contact and everything that points at it.
fn remove_contact(ws: &mut Workspace, id: &str) -> Option<Contact> {
    let c = ws.contacts.get(id).cloned()?;
    for company in c.company_ids.clone() {
        ws.detach(id, &company);
    }
    ws.unindex_contact(&c);
    ws.contacts.remove(id)
}

async fn delete_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    let c = remove_contact(&mut st.ws.write(), &id).ok_or_else(contact_not_found)?;
    st.hub.emit("contact.deleted", json!({"id": c.id, "type": "contact", "deleted": true}));
    Ok(Json(json!({"id": c.id, "external_id": c.external_id, "type": "contact", "deleted": true})))
}

async fn set_archived(st: &State, id: &str, archived: bool) -> ApiResult {
    let mut ws = st.ws.write();
    let c = ws.contacts.get_mut(id).ok_or_else(contact_not_found)?;
    c.archived = archived;
    Ok(Json(json!({"id": c.id, "external_id": c.external_id, "type": "contact", "archived": archived})))
}

async fn archive_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    set_archived(&st, &id, true).await
}

async fn unarchive_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    set_archived(&st, &id, false).await
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
        Some(_) => Err(ApiError::parameter_invalid("per_page must be between 1 and 150")),
    }
}

/// `GET /contacts`: cursor pages in creation order; the cursor holds the last id and page number.
async fn list_contacts(st: AxState, Query(q): Query<PageQuery>) -> ApiResult {
    let per = per_page(q.per_page, 50)?;
    let (after, page) = match q.starting_after.as_deref() {
        None | Some("") => (None, 1),
        Some(cur) => {
            let raw = decode_cursor(cur)?;
            let (id, page) = raw.split_once('|').ok_or_else(|| ApiError::parameter_invalid("starting_after is invalid"))?;
            (Some(id.to_owned()), page.parse::<usize>().unwrap_or(1) + 1)
        }
    };
    let ws = st.ws.read();
    let lower = after.as_ref().map_or(Bound::Unbounded, |id| Bound::Excluded(id.clone()));
    let mut rows: Vec<&Contact> =
        ws.contacts.range((lower, Bound::Unbounded)).map(|(_, c)| c).filter(|c| !c.archived).take(per + 1).collect();
    let more = rows.len() > per;
    rows.truncate(per);
    let total = ws.contacts.values().filter(|c| !c.archived).count();
    let next = (more).then(|| encode_cursor(&format!("{}|{page}", rows.last().map_or("", |c| c.id.as_str()))));
    let data: Vec<Value> = rows.iter().map(|c| ws.contact_json(c, Style::Rest)).collect();
    Ok(Json(json!({"type": "list", "data": data, "total_count": total, "pages": cursor_pages(page, per, total, next)})))
}

fn contact_field<'a>(ws: &'a Workspace, c: &'a Contact, field: &str) -> Fv<'a> {
    match field {
        "id" => Fv::Str(c.id.as_str().into()),
        "external_id" => c.external_id.as_deref().into(),
        "role" => Fv::Str(c.role.as_str().into()),
        "name" => c.name.as_deref().into(),
        "email" => c.email.as_deref().into(),
        "email_domain" => c.email_domain().into(),
        "phone" => c.phone.as_deref().into(),
        "owner_id" => c.owner_id.map(|o| o as i64).into(),
        "created_at" => Fv::Date(c.created_ms.div_euclid(1000)),
        "updated_at" => Fv::Date(c.updated_ms.div_euclid(1000)),
        "signed_up_at" => c.signed_up_at.map_or(Fv::Null, Fv::Date),
        "last_seen_at" => c.last_seen_at.map_or(Fv::Null, Fv::Date),
        "unsubscribed_from_emails" => Fv::Bool(c.unsubscribed_from_emails),
        "tag_id" => Fv::List(c.tag_ids.iter().map(|t| Fv::Str(t.to_string().into())).collect()),
        "companies.id" | "company_id" => Fv::List(c.company_ids.iter().map(|id| Fv::Str(id.as_str().into())).collect()),
        "companies.company_id" => Fv::List(
            c.company_ids
                .iter()
                .filter_map(|id| ws.companies.get(id))
                .map(|co| Fv::Str(co.company_id.as_str().into()))
                .collect(),
        ),
        f => match f.strip_prefix("custom_attributes.") {
            Some(name) => match c.custom_attributes.get(name) {
                Some(Value::Number(n))
                    if ws.custom_attribute("contact", name).is_some_and(|d| d.data_type.starts_with("date")) =>
                {
                    n.as_i64().map_or(Fv::Null, Fv::Date)
                }
                Some(v) => Fv::of_json(v),
                None => Fv::Null,
            },
            None => Fv::Null,
        },
    }
}

const CONTACT_FIELDS: &[&str] = &[
    "id", "external_id", "role", "name", "email", "email_domain", "phone", "owner_id", "created_at", "updated_at",
    "signed_up_at", "last_seen_at", "unsubscribed_from_emails", "tag_id", "company_id", "companies.id",
    "companies.company_id",
];

#[derive(Deserialize)]
struct SearchBody {
    query: Option<Value>,
    #[serde(default)]
    pagination: Option<PageQuery>,
    sort: Option<Sort>,
}

#[derive(Deserialize)]
struct Sort {
    field: String,
    #[serde(default)]
    order: Option<String>,
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

async fn search_contacts(st: AxState, body: Bytes) -> ApiResult {
    let b: SearchBody = parse_body(&body)?;
    let query = b.query.ok_or_else(|| ApiError::parameter_not_found("query is required"))?;
    let ws = st.ws.read();
    let known = |f: &str| {
        CONTACT_FIELDS.contains(&f) || f.strip_prefix("custom_attributes.").is_some_and(|n| ws.custom_attribute("contact", n).is_some())
    };
    let query = search::parse(&query, &known)?;
    let (per, offset) = search_window(b.pagination.as_ref())?;
    let mut hits: Vec<&Contact> =
        ws.contacts.values().filter(|c| !c.archived && query.matches(&|f| contact_field(&ws, c, f))).collect();
    if let Some(sort) = &b.sort {
        if !known(&sort.field) {
            return Err(ApiError::parameter_invalid(format!("{} is not a sortable field", sort.field)));
        }
        hits.sort_by(|a, b| cmp_fv(&contact_field(&ws, a, &sort.field), &contact_field(&ws, b, &sort.field)));
        if sort.order.as_deref() == Some("descending") {
            hits.reverse();
        }
    }
    let total = hits.len();
    let data: Vec<Value> = hits.iter().skip(offset).take(per).map(|c| ws.contact_json(c, Style::Rest)).collect();
    Ok(Json(json!({"type": "list", "data": data, "total_count": total, "pages": search_pages(per, offset, total)})))
}

#[derive(Deserialize)]
struct MergeBody {
    from: String,
    into: String,
}

async fn merge_contacts(st: AxState, body: Bytes) -> ApiResult {
    let b: MergeBody = parse_body(&body)?;
    let (item, json) = {
        let mut ws = st.ws.write();
        let lead = ws.contacts.get(&b.from).cloned().ok_or_else(contact_not_found)?;
        let user = ws.contacts.get(&b.into).cloned().ok_or_else(contact_not_found)?;
        if lead.role != Role::Lead || user.role != Role::User {
            return Err(ApiError::parameter_invalid("Only a lead can be merged, and only into a user"));
        }
        remove_contact(&mut ws, &lead.id);
        let mut merged = user.clone();
        merged.email = merged.email.or(lead.email.clone());
        merged.name = merged.name.or(lead.name.clone());
        merged.phone = merged.phone.or(lead.phone.clone());
        merged.owner_id = merged.owner_id.or(lead.owner_id);
        for (k, v) in &lead.custom_attributes {
            merged.custom_attributes.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for t in &lead.tag_ids {
            if !merged.tag_ids.contains(t) {
                merged.tag_ids.push(*t);
            }
        }
        merged.updated_ms = now_millis().max(user.updated_ms + 1);
        ws.unindex_contact(&user);
        ws.index_contact(&merged);
        ws.contacts.insert(merged.id.clone(), merged.clone());
        for company in &lead.company_ids {
            ws.attach(&merged.id, company);
        }
        // The lead's conversations now belong to the user.
        for conv in ws.conversations.values_mut() {
            for cid in conv.contact_ids.iter_mut().filter(|c| **c == lead.id) {
                *cid = merged.id.clone();
            }
        }
        let merged = ws.contacts.get(&merged.id).cloned().expect("just inserted");
        (ws.contact_json(&merged, Style::Webhook), ws.contact_json(&merged, Style::Rest))
    };
    st.hub.emit("contact.merged", item);
    Ok(Json(json))
}

async fn contact_companies(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws.contacts.get(&id).ok_or_else(contact_not_found)?;
    let companies: Vec<Value> =
        c.company_ids.iter().filter_map(|id| ws.companies.get(id)).map(|co| ws.company_json(co, Style::Rest)).collect();
    let n = companies.len();
    Ok(Json(json!({"type": "list", "data": companies, "total_count": n,
                    "pages": {"type": "pages", "next": null, "page": 1, "per_page": 50, "total_pages": 1}})))
}

fn company_not_found() -> ApiError {
    ApiError::new(http::StatusCode::NOT_FOUND, "company_not_found", "Company Not Found")
}

#[derive(Deserialize)]
struct IdBody {
    id: Option<Value>,
}

async fn attach_company(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let b: IdBody = parse_body(&body)?;
    let company_id = b.id.as_ref().and_then(opt_string).ok_or_else(|| ApiError::parameter_not_found("company not specified"))?;
    let mut ws = st.ws.write();
    if !ws.contacts.contains_key(&id) {
        return Err(contact_not_found());
    }
    if !ws.companies.contains_key(&company_id) {
        return Err(company_not_found());
    }
    ws.attach(&id, &company_id);
    let company = ws.companies.get(&company_id).expect("checked");
    Ok(Json(ws.company_json(company, Style::Rest)))
}

async fn detach_company(st: AxState, Path((id, company_id)): Path<(String, String)>) -> ApiResult {
    let mut ws = st.ws.write();
    if !ws.contacts.contains_key(&id) {
        return Err(contact_not_found());
    }
    if !ws.companies.contains_key(&company_id) {
        return Err(company_not_found());
    }
    ws.detach(&id, &company_id);
    let company = ws.companies.get(&company_id).expect("checked");
    Ok(Json(ws.company_json(company, Style::Rest)))
}

async fn contact_tags(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws.contacts.get(&id).ok_or_else(contact_not_found)?;
    let tags: Vec<Value> = c.tag_ids.iter().filter_map(|t| ws.tag(*t)).map(|t| t.json()).collect();
    Ok(Json(json!({"type": "list", "data": tags})))
}

/// Tags a contact; returns the `contact.<role>.tag.created` event when the tag is new on it.
fn apply_contact_tag(ws: &mut Workspace, contact_id: &str, tag_id: u64) -> Result<Option<(String, Value)>, ApiError> {
    let tag = ws.tag(tag_id).cloned().ok_or_else(|| ApiError::not_found("Resource Not Found"))?;
    let c = ws.contacts.get_mut(contact_id).ok_or_else(contact_not_found)?;
    if c.tag_ids.contains(&tag_id) {
        return Ok(None);
    }
    c.tag_ids.push(tag_id);
    let c = c.clone();
    let item = json!({"type": "contact_tag", "created_at": now_s(), "tag": tag.json(),
                      "contact": ws.contact_json(&c, Style::Webhook)});
    Ok(Some((format!("contact.{}.tag.created", c.role.as_str()), item)))
}

async fn tag_contact(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let b: IdBody = parse_body(&body)?;
    let tag_id: u64 = b.id.as_ref().and_then(opt_int).ok_or_else(|| ApiError::parameter_not_found("tag id is required"))? as u64;
    let (event, tag) = {
        let mut ws = st.ws.write();
        let event = apply_contact_tag(&mut ws, &id, tag_id)?;
        (event, ws.tag(tag_id).cloned().expect("checked"))
    };
    if let Some((topic, item)) = event {
        st.hub.emit(&topic, item);
    }
    let mut v = tag.json();
    v["applied_at"] = json!(now_s());
    v["applied_by"] = json!({"type": "admin", "id": st.installer.to_string()});
    Ok(Json(v))
}

async fn untag_contact(st: AxState, Path((id, tag_id)): Path<(String, String)>) -> ApiResult {
    let mut ws = st.ws.write();
    let tag = tag_id.parse().ok().and_then(|t| ws.tag(t).cloned()).ok_or_else(|| ApiError::not_found("Resource Not Found"))?;
    let c = ws.contacts.get_mut(&id).ok_or_else(contact_not_found)?;
    c.tag_ids.retain(|t| *t != tag.id);
    Ok(Json(tag.json()))
}

// ---------- companies ----------

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
        check_custom_attributes(ws, "company", attrs)?;
        for (k, v) in attrs {
            c.custom_attributes.insert(k.clone(), v.clone());
        }
    }
    Ok(())
}

/// `POST /companies`: creates or updates by `company_id`.
async fn upsert_company(st: AxState, body: Bytes) -> ApiResult {
    let b: CompanyBody = parse_body(&body)?;
    let company_id = b.company_id.as_ref().and_then(opt_string);
    if company_id.is_none() && b.name.is_none() {
        return Err(ApiError::parameter_invalid("company_id or name is required"));
    }
    let (topic, item, json) = {
        let mut ws = st.ws.write();
        let now = now_millis();
        let existing = company_id.as_ref().and_then(|cid| ws.companies_by_company_id.get(cid)).cloned();
        let (topic, mut c) = match existing {
            Some(id) => ("company.updated", ws.companies.get(&id).cloned().expect("indexed")),
            None => {
                let id = ws.next_hex_id(now);
                let cid = company_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
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
        let out = (topic, ws.company_json(&c, Style::Webhook), ws.company_json(&c, Style::Rest));
        ws.insert_company(c);
        out
    };
    st.hub.emit(topic, item);
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
        let mut c = ws.companies.get(&id).cloned().ok_or_else(company_not_found)?;
        if let Some(cid) = b.company_id.as_ref().and_then(opt_string)
            && cid != c.company_id
        {
            return Err(ApiError::parameter_invalid("company_id cannot be changed"));
        }
        apply_company_body(&ws, &mut c, &b)?;
        c.updated_ms = now_millis().max(c.updated_ms + 1);
        let out = (ws.company_json(&c, Style::Webhook), ws.company_json(&c, Style::Rest));
        ws.insert_company(c);
        out
    };
    st.hub.emit("company.updated", item);
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
    st.hub.emit("company.deleted", json!({"id": id, "type": "company", "deleted": true}));
    Ok(Json(json!({"id": id, "object": "company", "deleted": true})))
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
        let data: Vec<Value> = found.iter().map(|c| ws.company_json(c, Style::Rest)).collect();
        let n = data.len();
        return Ok(Json(json!({"type": "list", "data": data, "total_count": n,
            "pages": {"type": "pages", "next": null, "page": 1, "per_page": 15, "total_pages": 1}})));
    }
    let per = per_page(q.per_page, 15)?;
    let page = q.page.unwrap_or(1).max(1);
    let mut with_users: Vec<&Company> = ws.companies.values().filter(|c| c.user_count > 0).collect();
    if q.order.as_deref() != Some("asc") {
        with_users.reverse();
    }
    let total = with_users.len();
    let total_pages = total.div_ceil(per);
    let data: Vec<Value> = with_users.iter().skip((page - 1) * per).take(per).map(|c| ws.company_json(c, Style::Rest)).collect();
    let next = (page < total_pages).then(|| format!("/companies?page={}&per_page={per}", page + 1));
    Ok(Json(json!({"type": "list", "data": data, "total_count": total,
        "pages": {"type": "pages", "next": next, "page": page, "per_page": per, "total_pages": total_pages}})))
}

/// `POST /companies/list?page=&per_page=&order=`: the listing the 2.11 clients use.
async fn list_companies_post(st: AxState, Query(q): Query<CompanyListQuery>) -> ApiResult {
    list_companies(st, Query(CompanyListQuery { company_id: None, name: None, ..q })).await
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
    if scroll.as_ref().is_some_and(|s| s.used.elapsed() > SCROLL_TTL) {
        *scroll = None;
    }
    let after = match (&q.scroll_param, scroll.as_ref()) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(ApiError::bad_request("scroll already exists: finish it, or wait a minute for it to expire"));
        }
        (Some(p), Some(s)) if *p == s.param => s.after.clone(),
        (Some(_), _) => return Err(ApiError::not_found("scroll parameter not found or expired")),
    };
    let ws = st.ws.read();
    let lower = after.as_ref().map_or(Bound::Unbounded, |id| Bound::Excluded(id.clone()));
    let page: Vec<&Company> = ws.companies.range((lower, Bound::Unbounded)).map(|(_, c)| c).take(SCROLL_PAGE).collect();
    let param = match (&q.scroll_param, page.is_empty()) {
        (_, true) => {
            // The last (empty) page ends the scroll so a new one can start.
            let p = q.scroll_param.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            *scroll = None;
            p
        }
        (Some(p), false) => p.clone(),
        (None, false) => uuid::Uuid::new_v4().to_string(),
    };
    if let Some(last) = page.last() {
        *scroll = Some(Scroll { param: param.clone(), after: Some(last.id.clone()), used: std::time::Instant::now() });
    }
    let data: Vec<Value> = page.iter().map(|c| ws.company_json(c, Style::Rest)).collect();
    Ok(Json(json!({"type": "list", "data": data, "pages": null, "total_count": null, "scroll_param": param})))
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
    Ok(Json(json!({"type": "list", "data": data, "total_count": n, "pages": cursor_pages(1, MAX_PER_PAGE, n, None)})))
}

// ---------- conversations ----------

/// Starts a customer-initiated conversation; returns the `user_message` answer.
pub(crate) fn start_conversation(st: &State, contact_id: &str, body: &str, attachments: Vec<Attachment>) -> Result<Value, ApiError> {
    let (item, answer) = {
        let mut ws = st.ws.write();
        let contact = ws.contacts.get(contact_id).cloned().ok_or_else(contact_not_found)?;
        let now = now_s();
        let id = ws.next_conversation_id();
        let source_id = ws.next_part_id();
        let conv = Conversation {
            id,
            created_at: now,
            updated_at: now,
            state: ConvState::Open,
            read: false,
            snoozed_until: None,
            waiting_since: Some(now),
            admin_assignee_id: None,
            team_assignee_id: None,
            contact_ids: vec![contact.id.clone()],
            source_id,
            delivered_as: "customer_initiated",
            subject: String::new(),
            body: html(body),
            author: Author::of_contact(&contact),
            attachments,
            parts: vec![],
            tag_ids: vec![],
        };
        let item = ws.conversation_json(&conv, Some(&[]));
        let answer = json!({"type": "user_message", "id": source_id.to_string(), "created_at": now, "body": body,
                            "message_type": "inapp", "conversation_id": id.to_string()});
        ws.conversations.insert(id, conv);
        (item, answer)
    };
    st.hub.emit("conversation.user.created", item);
    Ok(answer)
}

/// Bodies are HTML; plain text gets wrapped in a paragraph like the inbox does.
fn html(body: &str) -> String {
    if body.trim_start().starts_with('<') { body.to_owned() } else { format!("<p>{body}</p>") }
}

#[derive(Deserialize)]
struct FromRef {
    #[serde(rename = "type")]
    kind: String,
    id: Value,
}

#[derive(Deserialize)]
struct ConversationBody {
    from: Option<FromRef>,
    body: Option<String>,
}

async fn create_conversation(st: AxState, body: Bytes) -> ApiResult {
    let b: ConversationBody = parse_body(&body)?;
    let from = b.from.ok_or_else(|| ApiError::parameter_not_found("from is required"))?;
    if !["user", "lead", "contact"].contains(&from.kind.as_str()) {
        return Err(ApiError::parameter_invalid("from.type must be user, lead or contact"));
    }
    let text = b.body.filter(|b| !b.is_empty()).ok_or_else(|| ApiError::parameter_invalid("Body is required"))?;
    let id = opt_string(&from.id).unwrap_or_default();
    start_conversation(&st, &id, &text, vec![]).map(Json)
}

#[derive(Deserialize)]
struct MessageBody {
    message_type: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    from: Option<FromRef>,
    to: Option<FromRef>,
}

/// `POST /messages`: an admin starts a conversation with a contact (or a contact writes in).
async fn create_message(st: AxState, body: Bytes) -> ApiResult {
    let b: MessageBody = parse_body(&body)?;
    let from = b.from.ok_or_else(|| ApiError::parameter_not_found("from is required"))?;
    let text = b.body.filter(|b| !b.is_empty()).ok_or_else(|| ApiError::parameter_invalid("Body is required"))?;
    if from.kind != "admin" {
        let id = opt_string(&from.id).unwrap_or_default();
        return start_conversation(&st, &id, &text, vec![]).map(Json);
    }
    if b.message_type.as_deref() == Some("email") && b.subject.is_none() {
        return Err(ApiError::new(http::StatusCode::UNPROCESSABLE_ENTITY, "parameter_not_found", "No subject supplied for email message"));
    }
    let to = b.to.ok_or_else(|| ApiError::parameter_not_found("to is required"))?;
    let (item, answer) = {
        let mut ws = st.ws.write();
        let admin_id = opt_int(&from.id).unwrap_or(0) as u64;
        let admin = ws.admin(admin_id).cloned().ok_or_else(|| ApiError::new(http::StatusCode::NOT_FOUND, "admin_not_found", "Admin not found"))?;
        let to_id = opt_string(&to.id).unwrap_or_default();
        let contact = ws.contacts.get(&to_id).cloned().ok_or_else(contact_not_found)?;
        let now = now_s();
        let id = ws.next_conversation_id();
        let source_id = ws.next_part_id();
        let conv = Conversation {
            id,
            created_at: now,
            updated_at: now,
            state: ConvState::Open,
            read: false,
            snoozed_until: None,
            waiting_since: None,
            admin_assignee_id: None,
            team_assignee_id: None,
            contact_ids: vec![contact.id.clone()],
            source_id,
            delivered_as: "admin_initiated",
            subject: b.subject.clone().unwrap_or_default(),
            body: html(&text),
            author: admin.author(),
            attachments: vec![],
            parts: vec![],
            tag_ids: vec![],
        };
        let item = ws.conversation_json(&conv, Some(&[]));
        ws.conversations.insert(id, conv);
        let answer = json!({"type": "admin_message", "id": source_id.to_string(), "created_at": now,
            "subject": b.subject, "body": text, "message_type": b.message_type.unwrap_or_else(|| "inapp".into()),
            "conversation_id": id.to_string()});
        (item, answer)
    };
    st.hub.emit("conversation.admin.single.created", item);
    Ok(Json(answer))
}

fn conversation_not_found() -> ApiError {
    ApiError::not_found("Resource Not Found")
}

fn conversation_id(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| conversation_not_found())
}

async fn get_conversation(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws.conversations.get(&conversation_id(&id)?).ok_or_else(conversation_not_found)?;
    Ok(Json(ws.conversation_json(c, None)))
}

/// Conversations in lists carry no parts, as on the real API.
fn conversation_summary(ws: &Workspace, c: &Conversation) -> Value {
    let mut v = ws.conversation_json(c, Some(&[]));
    if let Some(o) = v.as_object_mut() {
        o.remove("conversation_parts");
    }
    v
}

async fn list_conversations(st: AxState, Query(q): Query<PageQuery>) -> ApiResult {
    let per = per_page(q.per_page, 20)?;
    let (after, page) = match q.starting_after.as_deref() {
        None | Some("") => (None, 1),
        Some(cur) => {
            let raw = decode_cursor(cur)?;
            let (id, page) = raw.split_once('|').ok_or_else(|| ApiError::parameter_invalid("starting_after is invalid"))?;
            (Some(id.parse::<u64>().map_err(|_| ApiError::parameter_invalid("starting_after is invalid"))?), page.parse::<usize>().unwrap_or(1) + 1)
        }
    };
    let ws = st.ws.read();
    // Newest first, like the real listing.
    let upper = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut rows: Vec<&Conversation> = ws.conversations.range((Bound::Unbounded, upper)).rev().map(|(_, c)| c).take(per + 1).collect();
    let more = rows.len() > per;
    rows.truncate(per);
    let total = ws.conversations.len();
    let next = more.then(|| encode_cursor(&format!("{}|{page}", rows.last().map_or(0, |c| c.id))));
    let data: Vec<Value> = rows.iter().map(|c| conversation_summary(&ws, c)).collect();
    Ok(Json(json!({"type": "conversation.list", "conversations": data, "total_count": total,
                    "pages": cursor_pages(page, per, total, next)})))
}

fn conversation_field<'a>(c: &'a Conversation, field: &str) -> Fv<'a> {
    match field {
        "id" => Fv::Str(c.id.to_string().into()),
        "created_at" => Fv::Date(c.created_at),
        "updated_at" => Fv::Date(c.updated_at),
        "state" => Fv::Str(c.state.as_str().into()),
        "open" => Fv::Bool(c.state != ConvState::Closed),
        "read" => Fv::Bool(c.read),
        "waiting_since" => c.waiting_since.into(),
        "snoozed_until" => c.snoozed_until.into(),
        "admin_assignee_id" => c.admin_assignee_id.map(|a| a as i64).into(),
        "team_assignee_id" => c.team_assignee_id.map(|a| a as i64).into(),
        "source.id" => Fv::Str(c.source_id.to_string().into()),
        "source.delivered_as" => Fv::Str(c.delivered_as.into()),
        "source.subject" => Fv::Str(c.subject.as_str().into()),
        "source.body" => Fv::Str(c.body.as_str().into()),
        "source.author.id" => Fv::Str(c.author.id.as_str().into()),
        "source.author.type" => Fv::Str(c.author.kind.as_str().into()),
        "source.author.name" => c.author.name.as_deref().into(),
        "source.author.email" => c.author.email.as_deref().into(),
        "contact_ids" => Fv::List(c.contact_ids.iter().map(|id| Fv::Str(id.as_str().into())).collect()),
        "teammate_ids" => Fv::List(
            c.parts.iter().filter(|p| p.author.kind == AuthorKind::Admin).map(|p| Fv::Str(p.author.id.as_str().into())).collect(),
        ),
        "tag_ids" => Fv::List(c.tag_ids.iter().map(|t| Fv::Str(t.to_string().into())).collect()),
        _ => Fv::Null,
    }
}

const CONVERSATION_FIELDS: &[&str] = &[
    "id", "created_at", "updated_at", "state", "open", "read", "waiting_since", "snoozed_until", "admin_assignee_id",
    "team_assignee_id", "source.id", "source.delivered_as", "source.subject", "source.body", "source.author.id",
    "source.author.type", "source.author.name", "source.author.email", "contact_ids", "teammate_ids", "tag_ids",
];

async fn search_conversations(st: AxState, body: Bytes) -> ApiResult {
    let b: SearchBody = parse_body(&body)?;
    let query = b.query.ok_or_else(|| ApiError::parameter_not_found("query is required"))?;
    let query = search::parse(&query, &|f| CONVERSATION_FIELDS.contains(&f))?;
    let (per, offset) = search_window(b.pagination.as_ref())?;
    let ws = st.ws.read();
    let mut hits: Vec<&Conversation> = ws.conversations.values().filter(|c| query.matches(&|f| conversation_field(c, f))).collect();
    if let Some(sort) = &b.sort {
        hits.sort_by(|a, b| cmp_fv(&conversation_field(a, &sort.field), &conversation_field(b, &sort.field)));
        if sort.order.as_deref() == Some("descending") {
            hits.reverse();
        }
    }
    let total = hits.len();
    let data: Vec<Value> = hits.iter().skip(offset).take(per).map(|c| conversation_summary(&ws, c)).collect();
    Ok(Json(json!({"type": "conversation.list", "conversations": data, "total_count": total,
                    "pages": search_pages(per, offset, total)})))
}

/// Something a contact or teammate does in a conversation.
#[derive(Debug, Clone, Deserialize)]
pub struct PartInput {
    /// `comment`, `note`, `close`, `open`, `snoozed` or `assignment`.
    pub message_type: String,
    /// `admin` or `user` (for replies).
    #[serde(rename = "type", default)]
    pub author_type: Option<String>,
    #[serde(default)]
    pub admin_id: Option<Value>,
    #[serde(default)]
    pub intercom_user_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub assignee_id: Option<Value>,
    #[serde(default)]
    pub snoozed_until: Option<i64>,
    #[serde(default)]
    pub attachment_urls: Vec<String>,
    /// Control surface only: full attachments (the API takes `attachment_urls`).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl PartInput {
    pub fn contact_reply(contact_id: &str, body: &str, attachments: Vec<Attachment>) -> PartInput {
        PartInput { intercom_user_id: Some(contact_id.to_owned()), attachments, ..PartInput::admin("comment", 0, Some(body)) }
            .written_by_contact()
    }

    fn written_by_contact(mut self) -> PartInput {
        self.author_type = Some("user".into());
        self.admin_id = None;
        self
    }

    /// A teammate's action: `comment` (reply), `note`, `close`, `open`, `snoozed`, `assignment`.
    pub fn admin(message_type: &str, admin_id: u64, body: Option<&str>) -> PartInput {
        PartInput {
            message_type: message_type.to_owned(),
            author_type: Some("admin".into()),
            admin_id: Some(json!(admin_id)),
            intercom_user_id: None,
            user_id: None,
            email: None,
            body: body.map(str::to_owned),
            assignee_id: None,
            snoozed_until: None,
            attachment_urls: vec![],
            attachments: vec![],
        }
    }

    pub fn assign(admin_id: u64, assignee_id: u64) -> PartInput {
        PartInput { assignee_id: Some(json!(assignee_id)), ..PartInput::admin("assignment", admin_id, None) }
    }
}

fn attachment_from_url(url: &str) -> Attachment {
    let name = url.rsplit('/').next().unwrap_or("file").split('?').next().unwrap_or("file").to_owned();
    let ext = name.rsplit('.').next().unwrap_or("").to_lowercase();
    let content_type = match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    };
    let image = content_type.starts_with("image/");
    Attachment {
        name,
        url: url.to_owned(),
        content_type: content_type.to_owned(),
        filesize: 48_213,
        width: image.then_some(640),
        height: image.then_some(480),
    }
}

/// Adds a part to a conversation (reply, note, state change, assignment) and emits its topic.
pub(crate) fn add_part(st: &State, id: &str, input: PartInput) -> Result<Value, ApiError> {
    let conv_id = conversation_id(id)?;
    let (topic, item, json) = {
        let mut ws = st.ws.write();
        let conv = ws.conversations.get(&conv_id).cloned().ok_or_else(conversation_not_found)?;
        let by_admin = input.author_type.as_deref() != Some("user") && input.author_type.as_deref() != Some("contact");
        let author = if by_admin {
            let admin_id = input.admin_id.as_ref().and_then(opt_int).ok_or_else(|| ApiError::parameter_not_found("admin_id is required"))?;
            ws.admin(admin_id as u64)
                .map(|a| a.author())
                .ok_or_else(|| ApiError::new(http::StatusCode::NOT_FOUND, "admin_not_found", "Admin not found"))?
        } else {
            let contact = if let Some(cid) = &input.intercom_user_id {
                ws.contacts.get(cid)
            } else if let Some(x) = &input.user_id {
                ws.users_by_external_id.get(x).and_then(|id| ws.contacts.get(id))
            } else if let Some(e) = &input.email {
                ws.users_by_email.get(&e.to_lowercase()).and_then(|id| ws.contacts.get(id))
            } else {
                None
            };
            Author::of_contact(contact.ok_or_else(contact_not_found)?)
        };
        let mut attachments: Vec<Attachment> = input.attachment_urls.iter().map(|u| attachment_from_url(u)).collect();
        attachments.extend(input.attachments.iter().cloned());
        let now = now_s().max(conv.updated_at);
        let mut conv = conv;
        let mut part = Part {
            id: ws.next_part_id(),
            part_type: input.message_type.clone(),
            body: input.body.as_deref().filter(|b| !b.is_empty()).map(html),
            author: author.clone(),
            attachments,
            assigned_to: None,
            created_at: now,
            state: conv.state,
        };
        let topic = match (input.message_type.as_str(), by_admin) {
            ("comment", false) => {
                if part.body.is_none() && part.attachments.is_empty() {
                    return Err(ApiError::parameter_invalid("Body is required"));
                }
                if conv.state != ConvState::Open {
                    conv.state = ConvState::Open;
                    conv.snoozed_until = None;
                }
                conv.waiting_since = Some(now);
                "conversation.user.replied"
            }
            ("comment", true) => {
                if part.body.is_none() && part.attachments.is_empty() {
                    return Err(ApiError::parameter_invalid("Body is required"));
                }
                conv.waiting_since = None;
                "conversation.admin.replied"
            }
            ("note", true) => {
                if part.body.is_none() {
                    return Err(ApiError::parameter_invalid("Body is required"));
                }
                "conversation.admin.noted"
            }
            ("close", true) => {
                conv.state = ConvState::Closed;
                conv.snoozed_until = None;
                conv.waiting_since = None;
                "conversation.admin.closed"
            }
            ("open", true) => {
                conv.state = ConvState::Open;
                conv.snoozed_until = None;
                "conversation.admin.opened"
            }
            ("snoozed", true) => {
                let until = input.snoozed_until.ok_or_else(|| ApiError::parameter_not_found("snoozed_until is required"))?;
                if until <= now {
                    return Err(ApiError::parameter_invalid("snoozed_until must be in the future"));
                }
                conv.state = ConvState::Snoozed;
                conv.snoozed_until = Some(until);
                "conversation.admin.snoozed"
            }
            ("assignment", true) => {
                let assignee = input.assignee_id.as_ref().and_then(opt_int).ok_or_else(|| ApiError::parameter_not_found("assignee_id is required"))?;
                let assignee = assignee as u64;
                if assignee == 0 {
                    conv.admin_assignee_id = None;
                } else if ws.admin(assignee).is_some() {
                    conv.admin_assignee_id = Some(assignee);
                } else if ws.teams.iter().any(|t| t.id == assignee) {
                    conv.team_assignee_id = Some(assignee);
                } else {
                    return Err(ApiError::new(http::StatusCode::NOT_FOUND, "admin_not_found", "Assignee not found"));
                }
                part.assigned_to = Some(assignee).filter(|a| *a != 0);
                "conversation.admin.assigned"
            }
            (other, _) => return Err(ApiError::parameter_invalid(format!("message_type {other:?} is not supported here"))),
        };
        part.state = conv.state;
        conv.updated_at = now;
        conv.parts.push(part.clone());
        let item = ws.conversation_json(&conv, Some(std::slice::from_ref(&part)));
        let json = ws.conversation_json(&conv, None);
        ws.conversations.insert(conv_id, conv);
        (topic, item, json)
    };
    st.hub.emit(topic, item);
    Ok(json)
}

async fn reply(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let input: PartInput = parse_body(&body)?;
    if !["comment", "note", "quick_reply"].contains(&input.message_type.as_str()) {
        return Err(ApiError::parameter_invalid("message_type must be comment or note"));
    }
    add_part(&st, &id, PartInput { attachments: vec![], ..input }).map(Json)
}

async fn manage(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let input: PartInput = parse_body(&body)?;
    if !["close", "open", "snoozed", "assignment"].contains(&input.message_type.as_str()) {
        return Err(ApiError::parameter_invalid("message_type must be close, open, snoozed or assignment"));
    }
    add_part(&st, &id, PartInput { author_type: Some("admin".into()), attachments: vec![], ..input }).map(Json)
}
