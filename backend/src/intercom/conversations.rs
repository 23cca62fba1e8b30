//! Conversations for the demo inbox: the list (newest activity first) and a transcript; and
//! for routing: who a conversation is with, who it is assigned to, and assigning it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;
use shared::inbox::{
    Author, AuthorKind, ContactRef, Conversation, ConversationList, ConversationState,
    ConversationSummary, Part,
};

use super::contacts::non_empty;
use super::text::html_to_text;
use super::{Client, IntercomError, wire};

/// Intercom's largest page.
const MAX_PAGE: usize = 150;
/// How much of the first message a list shows.
const PREVIEW_CHARS: usize = 140;

/// Who a conversation is with and which teammate it is assigned to: what routing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationAssignment {
    pub id: String,
    /// The conversation's (first) contact; `None` for one started to nobody yet.
    pub contact_id: Option<String>,
    /// The assigned teammate's admin id; `None` when unassigned (a team alone does not count).
    pub admin_assignee_id: Option<String>,
}

impl ConversationAssignment {
    fn from_wire(c: &wire::Conversation) -> ConversationAssignment {
        ConversationAssignment {
            id: c.id.clone(),
            contact_id: c.contacts.contacts.first().map(|r| r.id.clone()),
            admin_assignee_id: assignee(c.admin_assignee_id.clone()),
        }
    }
}

/// Intercom writes "unassigned" as `null`, and after an unassignment sometimes as `0`.
pub(super) fn assignee(id: Option<String>) -> Option<String> {
    id.filter(|id| !id.trim().is_empty() && id.trim() != "0")
}

impl Client {
    /// `GET /conversations/{id}`: its contact and its assignee as they are now.
    pub async fn conversation_assignment(
        &self,
        id: &str,
    ) -> Result<ConversationAssignment, IntercomError> {
        let c: wire::Conversation = self.get_json(&["conversations", id], &[]).await?;
        Ok(ConversationAssignment::from_wire(&c))
    }

    /// `POST /conversations/{id}/parts`: `admin_id` (the teammate acting, for us the one who
    /// installed the app) assigns the conversation to the teammate `assignee_id`. Returns the
    /// assignee Intercom then holds. A write: never repeated after a lost answer.
    pub async fn assign_conversation(
        &self,
        id: &str,
        admin_id: &str,
        assignee_id: &str,
    ) -> Result<ConversationAssignment, IntercomError> {
        let body = json!({
            "message_type": "assignment",
            "type": "admin",
            "admin_id": admin_id,
            "assignee_id": assignee_id,
        });
        let c: wire::Conversation = self
            .send_json(Method::POST, &["conversations", id, "parts"], &body)
            .await?;
        Ok(ConversationAssignment::from_wire(&c))
    }

    /// Up to `limit` conversations, newest activity first: follows the list's cursor
    /// (`pages.next.starting_after`) until `limit` are read or the list ends. Intercom lists by
    /// its own order, so the ones read are then sorted by `updated_at`.
    pub async fn conversations(&self, limit: usize) -> Result<ConversationList, IntercomError> {
        let mut found: Vec<wire::Conversation> = Vec::new();
        let mut cursor: Option<String> = None;
        while found.len() < limit {
            let per_page = (limit - found.len())
                .min(self.config.page_size)
                .clamp(1, MAX_PAGE);
            let mut query = vec![("per_page", per_page.to_string())];
            if let Some(after) = &cursor {
                query.push(("starting_after", after.clone()));
            }
            let page: wire::ConversationList = self.get_json(&["conversations"], &query).await?;
            let next = page
                .pages
                .and_then(|p| p.next)
                .and_then(|n| n.starting_after)
                .filter(|n| !n.is_empty());
            let empty = page.conversations.is_empty();
            found.extend(page.conversations);
            match next {
                Some(next) if !empty => cursor = Some(next),
                _ => break,
            }
        }
        found.truncate(limit);
        found.sort_by_key(|c| std::cmp::Reverse(c.updated_at));

        let mut contacts = HashMap::new();
        let mut conversations = Vec::with_capacity(found.len());
        for c in found {
            let contact = self.contact_ref(&c, &mut contacts).await?;
            let preview = preview(&message_text(
                c.source.body.as_deref(),
                &c.source.attachments,
            ));
            conversations.push(ConversationSummary {
                title: title(&c),
                state: state(&c)?,
                updated_at: time(c.updated_at, &c.id)?,
                id: c.id,
                contact,
                preview,
            });
        }
        Ok(ConversationList { conversations })
    }

    /// `GET /conversations/{id}`: the transcript, oldest first: the first message, then every
    /// part with something to read (assignments and state changes have none).
    pub async fn conversation(&self, id: &str) -> Result<Conversation, IntercomError> {
        let c: wire::Conversation = self.get_json(&["conversations", id], &[]).await?;
        let contact = self.contact_ref(&c, &mut HashMap::new()).await?;
        let mut parts = Vec::new();
        let opening = message_text(c.source.body.as_deref(), &c.source.attachments);
        if !opening.is_empty() {
            parts.push(Part {
                id: c.source.id.clone(),
                author: author(&c.source.author)?,
                body: opening,
                created_at: time(c.created_at, &c.id)?,
            });
        }
        let mut later = Vec::new();
        for p in c
            .conversation_parts
            .iter()
            .flat_map(|l| &l.conversation_parts)
        {
            let body = message_text(p.body.as_deref(), &p.attachments);
            if !body.is_empty() {
                later.push(Part {
                    id: p.id.clone(),
                    author: author(&p.author)?,
                    body,
                    created_at: time(p.created_at, &p.id)?,
                });
            }
        }
        later.sort_by_key(|p| p.created_at);
        parts.extend(later);
        Ok(Conversation {
            title: title(&c),
            state: state(&c)?,
            id: c.id,
            contact,
            parts,
        })
    }

    /// The conversation's (first) contact. The opening message's author is that contact in
    /// customer-initiated conversations, which spares a call; otherwise the contact is read
    /// (once per id in `known`). A contact deleted since shows as none.
    async fn contact_ref(
        &self,
        c: &wire::Conversation,
        known: &mut HashMap<String, Option<ContactRef>>,
    ) -> Result<Option<ContactRef>, IntercomError> {
        let Some(first) = c.contacts.contacts.first() else {
            return Ok(None);
        };
        let author = &c.source.author;
        if matches!(author.kind.as_str(), "user" | "lead")
            && author.id.as_deref() == Some(first.id.as_str())
        {
            return Ok(Some(ContactRef {
                id: first.id.clone(),
                name: non_empty(author.name.clone()),
                email: non_empty(author.email.clone()),
                role: author.kind.clone(),
            }));
        }
        if let Some(found) = known.get(&first.id) {
            return Ok(found.clone());
        }
        let found = match self.contact(&first.id).await {
            Ok(contact) => Some(ContactRef {
                id: contact.id,
                name: contact.name,
                email: contact.email,
                role: contact.role.as_str().to_owned(),
            }),
            Err(IntercomError::NotFound { .. }) => None,
            Err(other) => return Err(other),
        };
        known.insert(first.id.clone(), found.clone());
        Ok(found)
    }
}

/// A message as plain text, followed by the URLs of its attachments not already in the text.
fn message_text(body: Option<&str>, attachments: &[wire::Attachment]) -> String {
    let mut text = body.map(html_to_text).unwrap_or_default();
    for a in attachments {
        if !a.url.is_empty() && !text.contains(&a.url) {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&a.url);
        }
    }
    text
}

/// One line, cut short.
fn preview(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line,
    }
}

/// The conversation's title, else the first message's subject (email conversations).
fn title(c: &wire::Conversation) -> Option<String> {
    [c.title.as_deref(), c.source.subject.as_deref()]
        .into_iter()
        .flatten()
        .map(html_to_text)
        .find(|t| !t.is_empty())
}

fn state(c: &wire::Conversation) -> Result<ConversationState, IntercomError> {
    match c.state.as_str() {
        "open" => Ok(ConversationState::Open),
        "closed" => Ok(ConversationState::Closed),
        "snoozed" => Ok(ConversationState::Snoozed),
        other => Err(IntercomError::Unexpected(format!(
            "conversation {} has state {other:?}",
            c.id
        ))),
    }
}

fn author(a: &wire::Author) -> Result<Author, IntercomError> {
    let kind = match a.kind.as_str() {
        "user" | "lead" | "contact" => AuthorKind::Contact,
        "admin" | "team" => AuthorKind::Teammate,
        "bot" => AuthorKind::Bot,
        other => {
            return Err(IntercomError::Unexpected(format!(
                "a message has author type {other:?}"
            )));
        }
    };
    Ok(Author {
        kind,
        name: non_empty(a.name.clone()),
    })
}

/// Unix seconds as a time; `what` names the record in the error.
fn time(secs: i64, what: &str) -> Result<DateTime<Utc>, IntercomError> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| IntercomError::Unexpected(format!("{what} has the time {secs}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(url: &str) -> wire::Attachment {
        wire::Attachment {
            url: url.into(),
            name: None,
        }
    }

    #[test]
    fn attachments_follow_the_text_once() {
        let inline = "https://downloads.intercomcdn.com/i/o/a.png";
        let body = format!("<p>See:</p><p><img src=\"{inline}\"></p>");
        assert_eq!(
            message_text(
                Some(&body),
                &[attachment(inline), attachment("https://x.example/b.pdf")]
            ),
            format!("See:\n{inline}\nhttps://x.example/b.pdf")
        );
        assert_eq!(
            message_text(None, &[attachment("https://x.example/c.png")]),
            "https://x.example/c.png"
        );
        assert_eq!(message_text(Some("<p></p>"), &[]), "");
    }

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("Hello\nthere"), "Hello there");
        let long = "word ".repeat(100);
        let cut = preview(&long);
        assert!(cut.ends_with('…'));
        assert!(cut.chars().count() <= PREVIEW_CHARS + 1);
    }
}
