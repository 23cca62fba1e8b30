//! Conversation parts: replies, notes, assignments and state changes, and their webhooks.

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::post;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::admins::admin_not_found;
use super::contacts::contact_not_found;
use super::conversations::{conversation_id, conversation_not_found, html};
use super::{AxState, now_s, opt_int};
use crate::intercom::State;
use crate::intercom::store::{Attachment, Author, ConvState, Part};
use crate::intercom::wire::{ApiError, ApiResult, parse_body};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route("/conversations/{id}/reply", post(reply))
        .route("/conversations/{id}/parts", post(manage))
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
        PartInput {
            intercom_user_id: Some(contact_id.to_owned()),
            attachments,
            ..PartInput::admin("comment", 0, Some(body))
        }
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
        PartInput {
            assignee_id: Some(json!(assignee_id)),
            ..PartInput::admin("assignment", admin_id, None)
        }
    }
}

fn attachment_from_url(url: &str) -> Attachment {
    let name = url
        .rsplit('/')
        .next()
        .unwrap_or("file")
        .split('?')
        .next()
        .unwrap_or("file")
        .to_owned();
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
        let conv = ws
            .conversations
            .get(&conv_id)
            .cloned()
            .ok_or_else(conversation_not_found)?;
        let by_admin = input.author_type.as_deref() != Some("user")
            && input.author_type.as_deref() != Some("contact");
        let author = if by_admin {
            let admin_id = input
                .admin_id
                .as_ref()
                .and_then(opt_int)
                .ok_or_else(|| ApiError::parameter_not_found("admin_id is required"))?;
            ws.admin(admin_id as u64)
                .map(|a| a.author())
                .ok_or_else(admin_not_found)?
        } else {
            let contact = if let Some(cid) = &input.intercom_user_id {
                ws.contacts.get(cid)
            } else if let Some(x) = &input.user_id {
                ws.users_by_external_id
                    .get(x)
                    .and_then(|id| ws.contacts.get(id))
            } else if let Some(e) = &input.email {
                ws.users_by_email
                    .get(&e.to_lowercase())
                    .and_then(|id| ws.contacts.get(id))
            } else {
                None
            };
            Author::of_contact(contact.ok_or_else(contact_not_found)?)
        };
        let mut attachments: Vec<Attachment> = input
            .attachment_urls
            .iter()
            .map(|u| attachment_from_url(u))
            .collect();
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
                let until = input
                    .snoozed_until
                    .ok_or_else(|| ApiError::parameter_not_found("snoozed_until is required"))?;
                if until <= now {
                    return Err(ApiError::parameter_invalid(
                        "snoozed_until must be in the future",
                    ));
                }
                conv.state = ConvState::Snoozed;
                conv.snoozed_until = Some(until);
                "conversation.admin.snoozed"
            }
            ("assignment", true) => {
                let assignee = input
                    .assignee_id
                    .as_ref()
                    .and_then(opt_int)
                    .ok_or_else(|| ApiError::parameter_not_found("assignee_id is required"))?;
                let assignee = assignee as u64;
                if assignee == 0 {
                    conv.admin_assignee_id = None;
                } else if ws.admin(assignee).is_some() {
                    conv.admin_assignee_id = Some(assignee);
                } else if ws.teams.iter().any(|t| t.id == assignee) {
                    conv.team_assignee_id = Some(assignee);
                } else {
                    return Err(ApiError::new(
                        http::StatusCode::NOT_FOUND,
                        "admin_not_found",
                        "Assignee not found",
                    ));
                }
                part.assigned_to = Some(assignee).filter(|a| *a != 0);
                "conversation.admin.assigned"
            }
            (other, _) => {
                return Err(ApiError::parameter_invalid(format!(
                    "message_type {other:?} is not supported here"
                )));
            }
        };
        part.state = conv.state;
        conv.updated_at = now;
        conv.parts.push(part.clone());
        let item = ws.conversation_json(&conv, Some(std::slice::from_ref(&part)));
        let json = ws.conversation_json(&conv, None);
        ws.conversations.insert(conv_id, conv);
        (topic, item, json)
    };
    st.emit(topic, item);
    Ok(json)
}

async fn reply(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let input: PartInput = parse_body(&body)?;
    if !["comment", "note", "quick_reply"].contains(&input.message_type.as_str()) {
        return Err(ApiError::parameter_invalid(
            "message_type must be comment or note",
        ));
    }
    add_part(
        &st,
        &id,
        PartInput {
            attachments: vec![],
            ..input
        },
    )
    .map(Json)
}

async fn manage(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let input: PartInput = parse_body(&body)?;
    if !["close", "open", "snoozed", "assignment"].contains(&input.message_type.as_str()) {
        return Err(ApiError::parameter_invalid(
            "message_type must be close, open, snoozed or assignment",
        ));
    }
    add_part(
        &st,
        &id,
        PartInput {
            author_type: Some("admin".into()),
            attachments: vec![],
            ..input
        },
    )
    .map(Json)
}
