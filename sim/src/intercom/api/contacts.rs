//! Contacts: CRUD, archive, list and search, merge, and their companies and tags.

use std::ops::Bound;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::companies::company_not_found;
use super::data_attributes::set_custom_attributes;
use super::{
    AxState, PageQuery, SearchBody, list_cursor, list_position, now_s, opt_int, opt_string,
    per_page, search_pages, search_window,
};
use crate::intercom::State;
use crate::intercom::auth::Caller;
use crate::intercom::search::{self, Fv};
use crate::intercom::store::{Contact, Role, Style, Workspace};
use crate::intercom::wire::{ApiError, ApiResult, cursor_pages, now_millis, parse_body};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/search", post(search_contacts))
        .route("/contacts/merge", post(merge_contacts))
        .route(
            "/contacts/{id}",
            get(get_contact).put(update_contact).delete(delete_contact),
        )
        .route("/contacts/{id}/archive", post(archive_contact))
        .route("/contacts/{id}/unarchive", post(unarchive_contact))
        .route(
            "/contacts/{id}/companies",
            get(contact_companies).post(attach_company),
        )
        .route(
            "/contacts/{id}/companies/{company_id}",
            delete(detach_company),
        )
        .route("/contacts/{id}/tags", get(contact_tags).post(tag_contact))
        .route("/contacts/{id}/tags/{tag_id}", delete(untag_contact))
}

/// Absent stays `None`; a present `null` is `Some(Null)`, which clears the attribute.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Deserialize, Default)]
struct ContactBody {
    role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    external_id: Option<Value>,
    email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    phone: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    owner_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    signed_up_at: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    last_seen_at: Option<Value>,
    unsubscribed_from_emails: Option<bool>,
    custom_attributes: Option<Map<String, Value>>,
}

pub(super) fn contact_not_found() -> ApiError {
    ApiError::not_found("User Not Found")
}

fn conflict(id: &str) -> ApiError {
    ApiError::new(
        http::StatusCode::CONFLICT,
        "conflict",
        format!("A contact matching those details already exists with id={id}"),
    )
}

/// The user (other than `except`) that already holds this email or external id.
fn duplicate_user(
    ws: &Workspace,
    email: Option<&str>,
    external_id: Option<&str>,
    except: &str,
) -> Option<String> {
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
            _ => {
                return Err(ApiError::parameter_invalid(
                    "owner_id must be the id of a teammate",
                ));
            }
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
        set_custom_attributes(ws, "contact", attrs, &mut c.custom_attributes)?;
    }
    Ok(())
}

async fn create_contact(st: AxState, body: Bytes) -> ApiResult {
    let b: ContactBody = parse_body(&body)?;
    let role = match b.role.as_deref() {
        None => Role::User,
        Some(r) => Role::parse(r).ok_or_else(|| {
            ApiError::parameter_invalid(format!("Role must be either user or lead, got {r:?}"))
        })?,
    };
    let external_id = b.external_id.as_ref().and_then(opt_string);
    if b.email.is_none() && external_id.is_none() && b.role.is_none() {
        return Err(ApiError::parameter_invalid(
            "Please provide an email, external_id or role",
        ));
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
        let out = (
            ws.contact_json(&c, Style::Webhook),
            ws.contact_json(&c, Style::Rest),
        );
        ws.insert_contact(c);
        out
    };
    st.emit(&format!("contact.{}.created", role.as_str()), item);
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
        let old = ws
            .contacts
            .get(&id)
            .cloned()
            .ok_or_else(contact_not_found)?;
        let mut c = old.clone();
        if let Some(r) = b.role.as_deref() {
            let role = Role::parse(r)
                .ok_or_else(|| ApiError::parameter_invalid("Role must be either user or lead"))?;
            if old.role == Role::User && role == Role::Lead {
                return Err(ApiError::parameter_invalid(
                    "A user cannot be converted to a lead",
                ));
            }
            c.role = role;
        }
        apply_contact_body(&ws, &mut c, &b)?;
        if c.role == Role::User
            && let Some(dup) =
                duplicate_user(&ws, c.email.as_deref(), c.external_id.as_deref(), &c.id)
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
        st.emit(&topic, item);
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
    if c.archived {
        ws.archived_count -= 1;
    }
    ws.contacts.remove(id)
}

async fn delete_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    let c = remove_contact(&mut st.ws.write(), &id).ok_or_else(contact_not_found)?;
    st.emit(
        "contact.deleted",
        json!({"id": c.id, "type": "contact", "deleted": true}),
    );
    Ok(Json(
        json!({"id": c.id, "external_id": c.external_id, "type": "contact", "deleted": true}),
    ))
}

async fn set_archived(st: &State, id: &str, archived: bool) -> ApiResult {
    let mut ws = st.ws.write();
    let c = ws.contacts.get_mut(id).ok_or_else(contact_not_found)?;
    let changed = c.archived != archived;
    c.archived = archived;
    let c = c.clone();
    if changed {
        if archived {
            ws.archived_count += 1;
        } else {
            ws.archived_count -= 1;
        }
    }
    Ok(Json(
        json!({"id": c.id, "external_id": c.external_id, "type": "contact", "archived": archived}),
    ))
}

async fn archive_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    set_archived(&st, &id, true).await
}

async fn unarchive_contact(st: AxState, Path(id): Path<String>) -> ApiResult {
    set_archived(&st, &id, false).await
}

/// `GET /contacts`: cursor pages in creation order; the cursor holds the last id and page number.
async fn list_contacts(st: AxState, Query(q): Query<PageQuery>) -> ApiResult {
    let per = per_page(q.per_page, 50)?;
    let (after, page) = list_position(q.starting_after.as_deref())?;
    let ws = st.ws.read();
    let lower = after
        .as_ref()
        .map_or(Bound::Unbounded, |id| Bound::Excluded(id.clone()));
    let mut rows: Vec<&Contact> = ws
        .contacts
        .range((lower, Bound::Unbounded))
        .map(|(_, c)| c)
        .filter(|c| !c.archived)
        .take(per + 1)
        .collect();
    let more = rows.len() > per;
    rows.truncate(per);
    // Counted, not scanned: a million-contact workspace pages through quickly.
    let total = ws.contacts.len() - ws.archived_count;
    let next = more.then(|| list_cursor(rows.last().map_or("", |c| c.id.as_str()), page));
    let data: Vec<Value> = rows
        .iter()
        .map(|c| ws.contact_json(c, Style::Rest))
        .collect();
    Ok(Json(
        json!({"type": "list", "data": data, "total_count": total, "pages": cursor_pages(page, per, total, next)}),
    ))
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
        "tag_id" => Fv::List(
            c.tag_ids
                .iter()
                .map(|t| Fv::Str(t.to_string().into()))
                .collect(),
        ),
        "companies.id" | "company_id" => Fv::List(
            c.company_ids
                .iter()
                .map(|id| Fv::Str(id.as_str().into()))
                .collect(),
        ),
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
                    if ws
                        .custom_attribute("contact", name)
                        .is_some_and(|d| d.data_type.starts_with("date")) =>
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
    "id",
    "external_id",
    "role",
    "name",
    "email",
    "email_domain",
    "phone",
    "owner_id",
    "created_at",
    "updated_at",
    "signed_up_at",
    "last_seen_at",
    "unsubscribed_from_emails",
    "tag_id",
    "company_id",
    "companies.id",
    "companies.company_id",
];

async fn search_contacts(st: AxState, body: Bytes) -> ApiResult {
    let b: SearchBody = parse_body(&body)?;
    let query = b.query()?;
    let ws = st.ws.read();
    let known = |f: &str| {
        CONTACT_FIELDS.contains(&f)
            || f.strip_prefix("custom_attributes.")
                .is_some_and(|n| ws.custom_attribute("contact", n).is_some())
    };
    let query = search::parse(query, &known)?;
    let (per, offset) = search_window(b.pagination.as_ref())?;
    let mut hits: Vec<&Contact> = ws
        .contacts
        .values()
        .filter(|c| !c.archived && query.matches(&|f| contact_field(&ws, c, f)))
        .collect();
    if let Some(sort) = &b.sort {
        if !known(&sort.field) {
            return Err(ApiError::parameter_invalid(format!(
                "{} is not a sortable field",
                sort.field
            )));
        }
        sort.apply(&mut hits, |c, f| contact_field(&ws, c, f));
    }
    let total = hits.len();
    let data: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(per)
        .map(|c| ws.contact_json(c, Style::Rest))
        .collect();
    Ok(Json(
        json!({"type": "list", "data": data, "total_count": total, "pages": search_pages(per, offset, total)}),
    ))
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
        let lead = ws
            .contacts
            .get(&b.from)
            .cloned()
            .ok_or_else(contact_not_found)?;
        let user = ws
            .contacts
            .get(&b.into)
            .cloned()
            .ok_or_else(contact_not_found)?;
        if lead.role != Role::Lead || user.role != Role::User {
            return Err(ApiError::parameter_invalid(
                "Only a lead can be merged, and only into a user",
            ));
        }
        remove_contact(&mut ws, &lead.id);
        let mut merged = user.clone();
        merged.email = merged.email.or(lead.email.clone());
        merged.name = merged.name.or(lead.name.clone());
        merged.phone = merged.phone.or(lead.phone.clone());
        merged.owner_id = merged.owner_id.or(lead.owner_id);
        for (k, v) in &lead.custom_attributes {
            merged
                .custom_attributes
                .entry(k.clone())
                .or_insert_with(|| v.clone());
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
        (
            ws.contact_json(&merged, Style::Webhook),
            ws.contact_json(&merged, Style::Rest),
        )
    };
    st.emit("contact.merged", item);
    Ok(Json(json))
}

async fn contact_companies(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws.contacts.get(&id).ok_or_else(contact_not_found)?;
    let companies: Vec<Value> = c
        .company_ids
        .iter()
        .filter_map(|id| ws.companies.get(id))
        .map(|co| ws.company_json(co, Style::Rest))
        .collect();
    let n = companies.len();
    Ok(Json(
        json!({"type": "list", "data": companies, "total_count": n,
                    "pages": {"type": "pages", "next": null, "page": 1, "per_page": 50, "total_pages": 1}}),
    ))
}

#[derive(Deserialize)]
struct IdBody {
    id: Option<Value>,
}

async fn attach_company(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let b: IdBody = parse_body(&body)?;
    let company_id =
        b.id.as_ref()
            .and_then(opt_string)
            .ok_or_else(|| ApiError::parameter_not_found("company not specified"))?;
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
    let tags: Vec<Value> = c
        .tag_ids
        .iter()
        .filter_map(|t| ws.tag(*t))
        .map(|t| t.json())
        .collect();
    Ok(Json(json!({"type": "list", "data": tags})))
}

/// Tags a contact; returns the `contact.<role>.tag.created` event when the tag is new on it.
pub(super) fn apply_contact_tag(
    ws: &mut Workspace,
    contact_id: &str,
    tag_id: u64,
) -> Result<Option<(String, Value)>, ApiError> {
    let tag = ws
        .tag(tag_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("Resource Not Found"))?;
    let c = ws
        .contacts
        .get_mut(contact_id)
        .ok_or_else(contact_not_found)?;
    if c.tag_ids.contains(&tag_id) {
        return Ok(None);
    }
    c.tag_ids.push(tag_id);
    let c = c.clone();
    let item = json!({"type": "contact_tag", "created_at": now_s(), "tag": tag.json(),
                      "contact": ws.contact_json(&c, Style::Webhook)});
    Ok(Some((
        format!("contact.{}.tag.created", c.role.as_str()),
        item,
    )))
}

async fn tag_contact(
    st: AxState,
    caller: axum::Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let b: IdBody = parse_body(&body)?;
    let tag_id: u64 =
        b.id.as_ref()
            .and_then(opt_int)
            .ok_or_else(|| ApiError::parameter_not_found("tag id is required"))? as u64;
    let (event, tag) = {
        let mut ws = st.ws.write();
        let event = apply_contact_tag(&mut ws, &id, tag_id)?;
        (event, ws.tag(tag_id).cloned().expect("checked"))
    };
    if let Some((topic, item)) = event {
        st.emit(&topic, item);
    }
    let mut v = tag.json();
    v["applied_at"] = json!(now_s());
    v["applied_by"] = json!({"type": "admin", "id": caller.admin_id.to_string()});
    Ok(Json(v))
}

async fn untag_contact(st: AxState, Path((id, tag_id)): Path<(String, String)>) -> ApiResult {
    let mut ws = st.ws.write();
    let tag = tag_id
        .parse()
        .ok()
        .and_then(|t| ws.tag(t).cloned())
        .ok_or_else(|| ApiError::not_found("Resource Not Found"))?;
    let c = ws.contacts.get_mut(&id).ok_or_else(contact_not_found)?;
    c.tag_ids.retain(|t| *t != tag.id);
    Ok(Json(tag.json()))
}
