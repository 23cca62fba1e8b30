//! Conversation parts: replies, notes, assignments and state changes, and their webhooks.
//! [`effect`] is the rule table (what an action adds and which topics it raises, by who acts
//! and the state before); [`settle`] is what any new part does to its conversation, whether
//! an action added it or a test imported it as history.

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
use crate::intercom::store::{
    Assignee, Attachment, Author, AuthorKind, ConvState, Conversation, Part, Workspace,
};
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
    /// When the part happened (replies only; unix seconds). Now when absent.
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub attachment_urls: Vec<String>,
    /// Control surface only: full attachments (the API takes `attachment_urls`).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Assignments: the assignee is a team (the manage endpoint's `"type": "team"`).
    #[serde(skip)]
    pub assign_team: bool,
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
            created_at: None,
            attachment_urls: vec![],
            attachments: vec![],
            assign_team: false,
        }
    }

    /// A teammate assigns the conversation to a teammate (`0`: to nobody).
    pub fn assign(admin_id: u64, assignee_id: u64) -> PartInput {
        PartInput {
            assignee_id: Some(json!(assignee_id)),
            ..PartInput::admin("assignment", admin_id, None)
        }
    }

    /// A teammate assigns the conversation to a team (`0`: to no team).
    pub fn assign_team(admin_id: u64, team_id: u64) -> PartInput {
        PartInput {
            assign_team: true,
            ..PartInput::assign(admin_id, team_id)
        }
    }

    /// A teammate snoozes the conversation until `until` (unix seconds, in the future).
    pub fn snooze(admin_id: u64, until: i64) -> PartInput {
        PartInput {
            snoozed_until: Some(until),
            ..PartInput::admin("snoozed", admin_id, None)
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Contact,
    Teammate,
}

const ASSIGNED: &[&str] = &[
    "conversation.admin.assigned",
    "conversation.admin.open.assigned",
];

/// The rule table: the part an action adds and the topics it raises, by who acts and the
/// conversation's state before. Opening a snoozed conversation unsnoozes it; assigning a
/// closed or snoozed one reopens it (`assign_and_reopen`, `assign_and_unsnooze`, as the
/// OpenAPI's examples show), so every assignment leaves it open and raises both assignment
/// topics. `None`: the action does not exist for that actor.
fn effect(
    message_type: &str,
    actor: Actor,
    before: ConvState,
) -> Option<(&'static str, &'static [&'static str])> {
    use Actor::{Contact, Teammate};
    use ConvState::{Closed, Open, Snoozed};
    Some(match (message_type, actor, before) {
        ("comment", Contact, _) => ("comment", &["conversation.user.replied"]),
        ("comment", Teammate, _) => ("comment", &["conversation.admin.replied"]),
        ("note", Teammate, _) => ("note", &["conversation.admin.noted"]),
        ("close", Teammate, _) => ("close", &["conversation.admin.closed"]),
        ("open", Teammate, Snoozed) => ("unsnoozed", &["conversation.admin.unsnoozed"]),
        ("open", Teammate, Open | Closed) => ("open", &["conversation.admin.opened"]),
        ("snoozed", Teammate, _) => ("snoozed", &["conversation.admin.snoozed"]),
        ("assignment", Teammate, Open) => ("assignment", ASSIGNED),
        ("assignment", Teammate, Closed) => ("assign_and_reopen", ASSIGNED),
        ("assignment", Teammate, Snoozed) => ("assign_and_unsnooze", ASSIGNED),
        _ => return None,
    })
}

/// The state a part leaves its conversation in, whoever added it.
pub(crate) fn state_after(part_type: &str, author: AuthorKind, before: ConvState) -> ConvState {
    match part_type {
        "close" => ConvState::Closed,
        "snoozed" => ConvState::Snoozed,
        "open" | "unsnoozed" | "assign_and_reopen" | "assign_and_unsnooze" => ConvState::Open,
        // A contact writing reopens a closed conversation and wakes a snoozed one.
        "comment" if author.is_contact() => ConvState::Open,
        _ => before,
    }
}

/// What a new part does to its conversation: state, snooze, waiting time, assignee, and the
/// part's own `state`. Appends it.
pub(crate) fn settle(conv: &mut Conversation, mut part: Part, snoozed_until: Option<i64>) {
    conv.state = state_after(&part.part_type, part.author.kind, conv.state);
    conv.snoozed_until = match conv.state {
        ConvState::Snoozed => snoozed_until.or(conv.snoozed_until),
        _ => None,
    };
    let message = part.part_type == "comment"
        || (part.body.is_some() && (part.is_assignment() || part.part_type == "close"));
    if part.author.kind.is_contact() && part.part_type == "comment" {
        conv.waiting_since = conv.waiting_since.or(Some(part.created_at));
    } else if part.author.kind == AuthorKind::Admin && message {
        conv.waiting_since = None;
    }
    if conv.state == ConvState::Closed {
        conv.waiting_since = None;
    }
    match part.assigned_to {
        Some(Assignee::Admin(id)) => conv.admin_assignee_id = Some(id),
        Some(Assignee::Team(id)) => conv.team_assignee_id = Some(id),
        None => {}
    }
    conv.updated_at = conv.updated_at.max(part.created_at).max(now_s());
    part.state = conv.state;
    conv.parts.push(part);
}

/// Who an assignment gives the conversation to.
enum Target {
    To(Assignee),
    NoAdmin,
    NoTeam,
}

fn assignment_target(ws: &Workspace, input: &PartInput) -> Result<Target, ApiError> {
    let id = input
        .assignee_id
        .as_ref()
        .and_then(opt_int)
        .ok_or_else(|| ApiError::parameter_not_found("assignee_id is required"))?
        as u64;
    let not_found = || {
        ApiError::new(
            http::StatusCode::NOT_FOUND,
            "admin_not_found",
            "Assignee not found",
        )
    };
    Ok(match (id, input.assign_team) {
        (0, false) => Target::NoAdmin,
        (0, true) => Target::NoTeam,
        (id, true) => ws
            .team(id)
            .map(|t| Target::To(Assignee::Team(t.id)))
            .ok_or_else(not_found)?,
        (id, false) if ws.admin(id).is_some() => Target::To(Assignee::Admin(id)),
        (id, false) => ws
            .team(id)
            .map(|t| Target::To(Assignee::Team(t.id)))
            .ok_or_else(not_found)?,
    })
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

/// Files given by URL (at most 10, as the API allows).
pub(super) fn attachments_from_urls(urls: &[String]) -> Result<Vec<Attachment>, ApiError> {
    if urls.len() > 10 {
        return Err(ApiError::parameter_invalid(
            "attachment_urls can hold at most 10 URLs",
        ));
    }
    Ok(urls.iter().map(|u| attachment_from_url(u)).collect())
}

/// Who writes the part: the teammate `admin_id` names, or the contact named by
/// `intercom_user_id`, `user_id` or `email`.
fn author(ws: &Workspace, input: &PartInput) -> Result<(Actor, Author), ApiError> {
    let by_contact = matches!(input.author_type.as_deref(), Some("user" | "contact"));
    if !by_contact {
        let admin_id = input
            .admin_id
            .as_ref()
            .and_then(opt_int)
            .ok_or_else(|| ApiError::parameter_not_found("admin_id is required"))?;
        let admin = ws.admin(admin_id as u64).ok_or_else(admin_not_found)?;
        return Ok((Actor::Teammate, admin.author()));
    }
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
    let contact = contact.ok_or_else(contact_not_found)?;
    Ok((Actor::Contact, Author::of_contact(contact)))
}

/// Adds a part to a conversation (reply, note, state change, assignment) and emits its topics.
/// Answers the conversation as `GET /conversations/{id}` would.
pub(crate) fn add_part(st: &State, id: &str, input: PartInput) -> Result<Value, ApiError> {
    let conv_id = conversation_id(id)?;
    let (topics, item, answer) = {
        let mut ws = st.ws.write();
        let before = ws
            .conversations
            .get(&conv_id)
            .ok_or_else(conversation_not_found)?
            .state;
        let (actor, author) = author(&ws, &input)?;
        let (part_type, topics) = effect(&input.message_type, actor, before).ok_or_else(|| {
            ApiError::parameter_invalid(format!(
                "message_type {:?} is not supported here",
                input.message_type
            ))
        })?;
        let mut attachments = attachments_from_urls(&input.attachment_urls)?;
        attachments.extend(input.attachments.iter().cloned());
        let body = input.body.as_deref().filter(|b| !b.is_empty()).map(html);
        match input.message_type.as_str() {
            "comment" if body.is_none() && attachments.is_empty() => {
                return Err(ApiError::parameter_invalid("Body is required"));
            }
            "note" if body.is_none() => {
                return Err(ApiError::parameter_invalid("Body is required"));
            }
            _ => {}
        }
        let now = now_s();
        let snoozed_until = match input.message_type.as_str() {
            "snoozed" => {
                let until = input
                    .snoozed_until
                    .ok_or_else(|| ApiError::parameter_not_found("snoozed_until is required"))?;
                if until <= now {
                    return Err(ApiError::parameter_invalid(
                        "snoozed_until must be in the future",
                    ));
                }
                Some(until)
            }
            _ => None,
        };
        let target = match input.message_type.as_str() {
            "assignment" => Some(assignment_target(&ws, &input)?),
            _ => None,
        };
        let part = Part {
            id: ws.next_part_id(),
            part_type: part_type.to_owned(),
            body,
            author,
            attachments,
            assigned_to: match target {
                Some(Target::To(a)) => Some(a),
                _ => None,
            },
            created_at: input.created_at.unwrap_or(now),
            state: before,
        };
        let conv = ws.conversations.get_mut(&conv_id).expect("checked above");
        match target {
            Some(Target::NoAdmin) => conv.admin_assignee_id = None,
            Some(Target::NoTeam) => conv.team_assignee_id = None,
            _ => {}
        }
        settle(conv, part, snoozed_until);
        let conv = &ws.conversations[&conv_id];
        let item = ws.conversation_json(conv, Some(&conv.parts[conv.parts.len() - 1..]));
        (topics, item, ws.conversation_json(conv, None))
    };
    for topic in topics {
        st.emit(topic, item.clone());
    }
    Ok(answer)
}

/// `POST /conversations/{id}/reply`: a teammate's comment or note, or a contact's comment.
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
            assign_team: false,
            ..input
        },
    )
    .map(Json)
}

/// `POST /conversations/{id}/parts`: a teammate closes, opens, snoozes or assigns. For an
/// assignment, `type` names the assignee's kind (`admin` or `team`).
async fn manage(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let input: PartInput = parse_body(&body)?;
    if !["close", "open", "snoozed", "assignment"].contains(&input.message_type.as_str()) {
        return Err(ApiError::parameter_invalid(
            "message_type must be close, open, snoozed or assignment",
        ));
    }
    let assign_team =
        input.message_type == "assignment" && input.author_type.as_deref() == Some("team");
    add_part(
        &st,
        &id,
        PartInput {
            author_type: Some("admin".into()),
            attachments: vec![],
            created_at: None,
            assign_team,
            ..input
        },
    )
    .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_teammate_action_in_every_state() {
        use ConvState::*;
        let rows: &[(&str, ConvState, &str, &[&str])] = &[
            (
                "comment",
                Closed,
                "comment",
                &["conversation.admin.replied"],
            ),
            ("note", Snoozed, "note", &["conversation.admin.noted"]),
            ("close", Open, "close", &["conversation.admin.closed"]),
            ("open", Closed, "open", &["conversation.admin.opened"]),
            (
                "open",
                Snoozed,
                "unsnoozed",
                &["conversation.admin.unsnoozed"],
            ),
            ("snoozed", Open, "snoozed", &["conversation.admin.snoozed"]),
            ("assignment", Open, "assignment", ASSIGNED),
            ("assignment", Closed, "assign_and_reopen", ASSIGNED),
            ("assignment", Snoozed, "assign_and_unsnooze", ASSIGNED),
        ];
        for (action, before, part, topics) in rows {
            assert_eq!(
                effect(action, Actor::Teammate, *before),
                Some((*part, *topics)),
                "{action} when {before:?}"
            );
        }
        assert_eq!(effect("close", Actor::Contact, Open), None);
        assert_eq!(effect("note", Actor::Contact, Open), None);
        assert_eq!(
            effect("comment", Actor::Contact, Closed),
            Some(("comment", &["conversation.user.replied"][..]))
        );
    }

    #[test]
    fn states_after_each_part() {
        use ConvState::*;
        assert_eq!(state_after("comment", AuthorKind::Lead, Closed), Open);
        assert_eq!(state_after("comment", AuthorKind::Admin, Closed), Closed);
        assert_eq!(state_after("note", AuthorKind::Admin, Snoozed), Snoozed);
        assert_eq!(
            state_after("assign_and_unsnooze", AuthorKind::Admin, Snoozed),
            Open
        );
        assert_eq!(
            state_after("away_mode_assignment", AuthorKind::Bot, Open),
            Open
        );
        assert_eq!(state_after("close", AuthorKind::Bot, Open), Closed);
    }
}
