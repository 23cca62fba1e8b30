//! Conversation history put straight into a workspace, as an import would: parts that have
//! already happened, any type and any author (contact, teammate, bot, team), with no webhooks.
//! Each part still moves its conversation's state and assignee as it would have live. Tests
//! build long conversations with it; [`sample`] makes a deterministic mix of any length.

use serde::{Deserialize, Serialize};

use super::State;
use super::api::{conversation_id, conversation_not_found, now_s, settle};
use super::store::{Assignee, Attachment, Author, Part, Workspace};
use super::wire::ApiError;

/// Who wrote a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PartAuthor {
    /// A user or lead, by Intercom id (`{"type": "contact"|"user"|"lead", "id": ".."}`).
    #[serde(alias = "user", alias = "lead")]
    Contact { id: String },
    /// A teammate, by id.
    Admin { id: u64 },
    /// The workspace's bot (Fin), which also writes workflow and away-mode parts.
    Bot,
    /// A team, by id (messages sent on a team's behalf).
    Team { id: u64 },
}

/// Whom an assignment part gives the conversation to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PartAssignee {
    Admin { id: u64 },
    Team { id: u64 },
}

/// One part of a conversation's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPart {
    /// `comment`, `note`, `close`, `open`, `snoozed`, `unsnoozed`, `assignment`,
    /// `away_mode_assignment`, `assign_and_reopen`, `quick_reply`, or any other Intercom part type.
    pub part_type: String,
    pub author: PartAuthor,
    /// HTML (inline images as `<img src="..">`).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Assignment parts: to whom.
    #[serde(default)]
    pub assigned_to: Option<PartAssignee>,
    /// Unix seconds; now when absent. Parts are kept in the order given.
    #[serde(default)]
    pub created_at: Option<i64>,
}

impl NewPart {
    /// A part of `part_type` by `author`, with no body.
    pub fn new(part_type: &str, author: PartAuthor) -> NewPart {
        NewPart {
            part_type: part_type.to_owned(),
            author,
            body: None,
            attachments: vec![],
            assigned_to: None,
            created_at: None,
        }
    }

    /// A message (`comment`) from anyone.
    pub fn comment(author: PartAuthor, body: &str) -> NewPart {
        NewPart::new("comment", author).with_body(body)
    }

    /// A teammate's internal note.
    pub fn note(admin_id: u64, body: &str) -> NewPart {
        NewPart::new("note", PartAuthor::Admin { id: admin_id }).with_body(body)
    }

    /// An assignment-like part (`assignment`, `away_mode_assignment`, ..) giving the
    /// conversation to `to`.
    pub fn assignment(part_type: &str, author: PartAuthor, to: PartAssignee) -> NewPart {
        NewPart {
            assigned_to: Some(to),
            ..NewPart::new(part_type, author)
        }
    }

    pub fn with_body(mut self, body: &str) -> NewPart {
        self.body = Some(body.to_owned());
        self
    }

    pub fn with_attachment(mut self, attachment: Attachment) -> NewPart {
        self.attachments.push(attachment);
        self
    }

    pub fn at(mut self, created_at: i64) -> NewPart {
        self.created_at = Some(created_at);
        self
    }
}

/// A snoozed part in history snoozes its conversation for a day from the part's time.
const HISTORY_SNOOZE: i64 = 24 * 3600;

/// `count` parts of a long conversation between `contact_id` and teammate `admin_id`, the
/// same every time. Part `i` (from 1) is, by `i % 4`:
/// - 1: the contact's `comment` `<p>Customer message {i}</p>`; when `i % 40 == 1` the body
///   also holds an inline image, `<img src="{images}/inline-{i}.png">`;
/// - 2: the teammate's `comment` `<p>Teammate reply {i}</p>`; when `i % 40 == 2` it carries
///   an uploaded image `upload-{i}.png` at `{images}/upload-{i}.png`;
/// - 3: the teammate's `note` `<p>Internal note {i}</p>`;
/// - 0: the bot's `comment` `<p>Operator message {i}</p>`.
pub fn sample(count: usize, contact_id: &str, admin_id: u64, images: &str) -> Vec<NewPart> {
    let contact = PartAuthor::Contact {
        id: contact_id.to_owned(),
    };
    let admin = PartAuthor::Admin { id: admin_id };
    (1..=count)
        .map(|i| match i % 4 {
            1 if i % 40 == 1 => NewPart::comment(
                contact.clone(),
                &format!("<p>Customer message {i}</p><p><img src=\"{images}/inline-{i}.png\"></p>"),
            ),
            1 => NewPart::comment(contact.clone(), &format!("<p>Customer message {i}</p>")),
            2 => {
                let reply = NewPart::comment(admin.clone(), &format!("<p>Teammate reply {i}</p>"));
                if i % 40 == 2 {
                    reply.with_attachment(Attachment {
                        name: format!("upload-{i}.png"),
                        url: format!("{images}/upload-{i}.png"),
                        content_type: "image/png".into(),
                        filesize: 52_114,
                        width: Some(1024),
                        height: Some(768),
                    })
                } else {
                    reply
                }
            }
            3 => NewPart::note(admin_id, &format!("<p>Internal note {i}</p>")),
            _ => NewPart::comment(PartAuthor::Bot, &format!("<p>Operator message {i}</p>")),
        })
        .collect()
}

fn resolve_author(ws: &Workspace, author: &PartAuthor) -> Result<Author, ApiError> {
    let missing = |what: String| ApiError::not_found(&format!("{what} not found"));
    Ok(match author {
        PartAuthor::Contact { id } => ws
            .contacts
            .get(id)
            .map(Author::of_contact)
            .ok_or_else(|| missing(format!("Contact {id}")))?,
        PartAuthor::Admin { id } => ws
            .admin(*id)
            .map(|a| a.author())
            .ok_or_else(|| missing(format!("Teammate {id}")))?,
        PartAuthor::Bot => ws.operator(),
        PartAuthor::Team { id } => ws
            .team(*id)
            .map(Author::of_team)
            .ok_or_else(|| missing(format!("Team {id}")))?,
    })
}

fn resolve_assignee(ws: &Workspace, to: PartAssignee) -> Result<Assignee, ApiError> {
    match to {
        PartAssignee::Admin { id } if ws.admin(id).is_some() => Ok(Assignee::Admin(id)),
        PartAssignee::Team { id } if ws.team(id).is_some() => Ok(Assignee::Team(id)),
        _ => Err(ApiError::not_found("Assignee not found")),
    }
}

/// Appends `parts` to a conversation, no webhooks; the new parts' ids. Nothing is added when
/// one part names someone the workspace does not have.
pub(crate) fn import(
    st: &State,
    conversation: &str,
    parts: Vec<NewPart>,
) -> Result<Vec<String>, ApiError> {
    let conv_id = conversation_id(conversation)?;
    let mut ws = st.ws.write();
    if !ws.conversations.contains_key(&conv_id) {
        return Err(conversation_not_found());
    }
    let now = now_s();
    let mut built = Vec::with_capacity(parts.len());
    for p in parts {
        if p.part_type.is_empty() {
            return Err(ApiError::parameter_invalid("part_type is required"));
        }
        let author = resolve_author(&ws, &p.author)?;
        let assigned_to = p
            .assigned_to
            .map(|to| resolve_assignee(&ws, to))
            .transpose()?;
        built.push((p, author, assigned_to));
    }
    let mut ids = Vec::with_capacity(built.len());
    for (p, author, assigned_to) in built {
        let id = ws.next_part_id();
        let created_at = p.created_at.unwrap_or(now);
        let snoozed_until = (p.part_type == "snoozed").then_some(created_at + HISTORY_SNOOZE);
        let conv = ws.conversations.get_mut(&conv_id).expect("checked above");
        let part = Part {
            id,
            part_type: p.part_type,
            body: p.body,
            author,
            attachments: p.attachments,
            assigned_to,
            created_at,
            state: conv.state,
        };
        settle(conv, part, snoozed_until);
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// The people a sample conversation is between: its first contact, and its assigned
/// teammate (else the workspace's first).
pub(crate) fn sample_for(
    st: &State,
    conversation: &str,
    count: usize,
) -> Result<Vec<NewPart>, ApiError> {
    let conv_id = conversation_id(conversation)?;
    let ws = st.ws.read();
    let conv = ws
        .conversations
        .get(&conv_id)
        .ok_or_else(conversation_not_found)?;
    let contact = conv.contact_ids.first().cloned().unwrap_or_default();
    let admin = conv
        .admin_assignee_id
        .or_else(|| ws.admins.first().map(|a| a.id))
        .unwrap_or_default();
    let images = format!("https://downloads.intercomcdn.com/i/o/{}", ws.app_id);
    Ok(sample(count, &contact, admin, &images))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_mixes_messages_notes_bots_and_images() {
        let parts = sample(80, "c1", 7, "https://img");
        assert_eq!(parts.len(), 80);
        assert_eq!(parts[0].author, PartAuthor::Contact { id: "c1".into() });
        assert!(
            parts[0]
                .body
                .as_deref()
                .unwrap()
                .contains("<img src=\"https://img/inline-1.png\">")
        );
        assert_eq!(parts[1].attachments[0].url, "https://img/upload-2.png");
        assert_eq!(parts[2].part_type, "note");
        assert_eq!(parts[3].author, PartAuthor::Bot);
        assert_eq!(parts[4].body.as_deref(), Some("<p>Customer message 5</p>"));
        assert!(parts[5].attachments.is_empty());
        let images = parts
            .iter()
            .filter(|p| p.body.as_deref().unwrap_or("").contains("<img"))
            .count();
        assert_eq!(images, 2);
    }

    #[test]
    fn parts_read_from_the_control_surface() {
        let p: NewPart = serde_json::from_value(serde_json::json!({
            "part_type": "away_mode_assignment", "author": {"type": "bot"},
            "assigned_to": {"type": "team", "id": 5}
        }))
        .unwrap();
        assert_eq!(
            p,
            NewPart::assignment(
                "away_mode_assignment",
                PartAuthor::Bot,
                PartAssignee::Team { id: 5 }
            )
        );
        let p: NewPart = serde_json::from_value(serde_json::json!({
            "part_type": "comment", "author": {"type": "lead", "id": "abc"}, "body": "<p>Hi</p>"
        }))
        .unwrap();
        assert_eq!(p.author, PartAuthor::Contact { id: "abc".into() });
    }
}
