//! Conversations and messages: starting, fetching, listing and searching them.

use std::ops::Bound;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::admins::admin_not_found;
use super::contacts::contact_not_found;
use super::{
    AxState, PageQuery, SearchBody, list_cursor, list_position, now_s, opt_int, opt_string,
    per_page, search_pages, search_window,
};
use crate::intercom::State;
use crate::intercom::search::{self, Fv};
use crate::intercom::store::{Attachment, Author, AuthorKind, ConvState, Conversation, Workspace};
use crate::intercom::wire::{ApiError, ApiResult, cursor_pages, parse_body};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route(
            "/conversations",
            get(list_conversations).post(create_conversation),
        )
        .route("/conversations/search", post(search_conversations))
        .route("/conversations/{id}", get(get_conversation))
        .route("/messages", post(create_message))
}

/// Starts a customer-initiated conversation; returns the `user_message` answer.
pub(crate) fn start_conversation(
    st: &State,
    contact_id: &str,
    body: &str,
    attachments: Vec<Attachment>,
) -> Result<Value, ApiError> {
    let (item, answer) = {
        let mut ws = st.ws.write();
        let contact = ws
            .contacts
            .get(contact_id)
            .cloned()
            .ok_or_else(contact_not_found)?;
        let now = now_s();
        let id = ws.next_conversation_id();
        let source_id = ws.next_part_id();
        let conv = Conversation {
            waiting_since: Some(now),
            body: html(body),
            attachments,
            ..Conversation::started(
                id,
                source_id,
                now,
                contact.id.clone(),
                Author::of_contact(&contact),
                "customer_initiated",
            )
        };
        let item = ws.conversation_json(&conv, Some(&[]));
        let answer = json!({"type": "user_message", "id": source_id.to_string(), "created_at": now, "body": body,
                            "message_type": "inapp", "conversation_id": id.to_string()});
        ws.conversations.insert(id, conv);
        (item, answer)
    };
    st.emit("conversation.user.created", item);
    Ok(answer)
}

/// Bodies are HTML; plain text gets wrapped in a paragraph like the inbox does.
pub(super) fn html(body: &str) -> String {
    if body.trim_start().starts_with('<') {
        body.to_owned()
    } else {
        format!("<p>{body}</p>")
    }
}

#[derive(Deserialize)]
struct FromRef {
    #[serde(rename = "type")]
    kind: String,
    id: Value,
}

/// Who writes a new conversation's first message, which the API requires.
fn sender(from: Option<FromRef>) -> Result<FromRef, ApiError> {
    from.ok_or_else(|| ApiError::parameter_not_found("from is required"))
}

/// A contact (named by `from`) starts a conversation, as through the Messenger.
fn contact_writes_in(st: &State, from: &FromRef, text: &str) -> ApiResult {
    let id = opt_string(&from.id).unwrap_or_default();
    start_conversation(st, &id, text, vec![]).map(Json)
}

/// A new conversation's first message, which may not be empty.
fn message_text(body: Option<String>) -> Result<String, ApiError> {
    body.filter(|b| !b.is_empty())
        .ok_or_else(|| ApiError::parameter_invalid("Body is required"))
}

#[derive(Deserialize)]
struct ConversationBody {
    from: Option<FromRef>,
    body: Option<String>,
}

async fn create_conversation(st: AxState, body: Bytes) -> ApiResult {
    let b: ConversationBody = parse_body(&body)?;
    let from = sender(b.from)?;
    if !["user", "lead", "contact"].contains(&from.kind.as_str()) {
        return Err(ApiError::parameter_invalid(
            "from.type must be user, lead or contact",
        ));
    }
    let text = message_text(b.body)?;
    contact_writes_in(&st, &from, &text)
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
    let from = sender(b.from)?;
    let text = message_text(b.body)?;
    if from.kind != "admin" {
        return contact_writes_in(&st, &from, &text);
    }
    if b.message_type.as_deref() == Some("email") && b.subject.is_none() {
        return Err(ApiError::new(
            http::StatusCode::UNPROCESSABLE_ENTITY,
            "parameter_not_found",
            "No subject supplied for email message",
        ));
    }
    let to =
        b.to.ok_or_else(|| ApiError::parameter_not_found("to is required"))?;
    let (item, answer) = {
        let mut ws = st.ws.write();
        let admin_id = opt_int(&from.id).unwrap_or(0) as u64;
        let admin = ws.admin(admin_id).cloned().ok_or_else(admin_not_found)?;
        let to_id = opt_string(&to.id).unwrap_or_default();
        let contact = ws
            .contacts
            .get(&to_id)
            .cloned()
            .ok_or_else(contact_not_found)?;
        let now = now_s();
        let id = ws.next_conversation_id();
        let source_id = ws.next_part_id();
        let conv = Conversation {
            subject: b.subject.clone().unwrap_or_default(),
            body: html(&text),
            ..Conversation::started(
                id,
                source_id,
                now,
                contact.id.clone(),
                admin.author(),
                "admin_initiated",
            )
        };
        let item = ws.conversation_json(&conv, Some(&[]));
        ws.conversations.insert(id, conv);
        let answer = json!({"type": "admin_message", "id": source_id.to_string(), "created_at": now,
            "subject": b.subject, "body": text, "message_type": b.message_type.unwrap_or_else(|| "inapp".into()),
            "conversation_id": id.to_string()});
        (item, answer)
    };
    st.emit("conversation.admin.single.created", item);
    Ok(Json(answer))
}

pub(super) fn conversation_not_found() -> ApiError {
    ApiError::not_found("Resource Not Found")
}

pub(super) fn conversation_id(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| conversation_not_found())
}

async fn get_conversation(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let c = ws
        .conversations
        .get(&conversation_id(&id)?)
        .ok_or_else(conversation_not_found)?;
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
    let (after, page) = list_position(q.starting_after.as_deref())?;
    let after = after
        .map(|id| id.parse::<u64>())
        .transpose()
        .map_err(|_| ApiError::parameter_invalid("starting_after is invalid"))?;
    let ws = st.ws.read();
    // Newest first, like the real listing.
    let upper = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut rows: Vec<&Conversation> = ws
        .conversations
        .range((Bound::Unbounded, upper))
        .rev()
        .map(|(_, c)| c)
        .take(per + 1)
        .collect();
    let more = rows.len() > per;
    rows.truncate(per);
    let total = ws.conversations.len();
    let next = more.then(|| list_cursor(rows.last().map_or(0, |c| c.id), page));
    let data: Vec<Value> = rows.iter().map(|c| conversation_summary(&ws, c)).collect();
    Ok(Json(
        json!({"type": "conversation.list", "conversations": data, "total_count": total,
                    "pages": cursor_pages(page, per, total, next)}),
    ))
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
        "contact_ids" => Fv::List(
            c.contact_ids
                .iter()
                .map(|id| Fv::Str(id.as_str().into()))
                .collect(),
        ),
        "teammate_ids" => Fv::List(
            c.parts
                .iter()
                .filter(|p| p.author.kind == AuthorKind::Admin)
                .map(|p| Fv::Str(p.author.id.as_str().into()))
                .collect(),
        ),
        "tag_ids" => Fv::List(
            c.tag_ids
                .iter()
                .map(|t| Fv::Str(t.to_string().into()))
                .collect(),
        ),
        _ => Fv::Null,
    }
}

const CONVERSATION_FIELDS: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "state",
    "open",
    "read",
    "waiting_since",
    "snoozed_until",
    "admin_assignee_id",
    "team_assignee_id",
    "source.id",
    "source.delivered_as",
    "source.subject",
    "source.body",
    "source.author.id",
    "source.author.type",
    "source.author.name",
    "source.author.email",
    "contact_ids",
    "teammate_ids",
    "tag_ids",
];

async fn search_conversations(st: AxState, body: Bytes) -> ApiResult {
    let b: SearchBody = parse_body(&body)?;
    let query = search::parse(b.query()?, &|f| CONVERSATION_FIELDS.contains(&f))?;
    let (per, offset) = search_window(b.pagination.as_ref())?;
    let ws = st.ws.read();
    let mut hits: Vec<&Conversation> = ws
        .conversations
        .values()
        .filter(|c| query.matches(&|f| conversation_field(c, f)))
        .collect();
    if let Some(sort) = &b.sort {
        sort.apply(&mut hits, conversation_field);
    }
    let total = hits.len();
    let data: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(per)
        .map(|c| conversation_summary(&ws, c))
        .collect();
    Ok(Json(
        json!({"type": "conversation.list", "conversations": data, "total_count": total,
                    "pages": search_pages(per, offset, total)}),
    ))
}
