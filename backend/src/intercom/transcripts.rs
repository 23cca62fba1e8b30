//! A conversation as its Salesforce Task needs it: `GET /conversations/{id}` once, every part
//! Intercom shows (its 500 latest; it has no way to read older ones, so how many it left out
//! is counted from `statistics.count_conversation_parts`), with notes marked and attachments
//! as links.

use chrono::{DateTime, Utc};
use shared::tasks::{Attachment, Speaker, TaskConversation, TranscriptPart};

use super::contacts::non_empty;
use super::conversations::assignee;
use super::text::html_to_text;
use super::{Client, IntercomError, wire};

/// What one read of a conversation gives its Task: the conversation (its assignee's email
/// still to be filled from the teammates) and the assignee's admin id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSource {
    pub conversation: TaskConversation,
    pub assignee_id: Option<String>,
}

/// The conversation in Intercom's inbox, for the workspace's region (from the API's host).
pub fn inbox_url(api_base_url: &str, workspace_id: &str, conversation_id: &str) -> String {
    let app = if api_base_url.contains("api.eu.intercom.io") {
        "https://app.eu.intercom.com"
    } else if api_base_url.contains("api.au.intercom.io") {
        "https://app.au.intercom.com"
    } else {
        "https://app.intercom.com"
    };
    format!("{app}/a/inbox/{workspace_id}/inbox/conversation/{conversation_id}")
}

impl Client {
    /// One call: the conversation with every part Intercom shows, oldest first.
    pub async fn task_conversation(
        &self,
        id: &str,
        workspace_id: &str,
    ) -> Result<TaskSource, IntercomError> {
        let c: wire::Conversation = self.get_json(&["conversations", id], &[]).await?;
        let url = inbox_url(&self.config.base_url, workspace_id, &c.id);
        task_source(c, url)
    }
}

fn speaker(author: &wire::Author) -> Result<Speaker, IntercomError> {
    match author.kind.as_str() {
        "user" | "lead" | "contact" => Ok(Speaker::Customer),
        "admin" | "team" => Ok(Speaker::Teammate),
        "bot" => Ok(Speaker::Bot),
        other => Err(IntercomError::Unexpected(format!(
            "a conversation part has author type {other:?}"
        ))),
    }
}

fn time(secs: i64, what: &str) -> Result<DateTime<Utc>, IntercomError> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| IntercomError::Unexpected(format!("{what} has the time {secs}")))
}

fn attachments(list: &[wire::Attachment]) -> Vec<Attachment> {
    list.iter()
        .filter(|a| !a.url.is_empty())
        .map(|a| Attachment {
            name: non_empty(a.name.clone()),
            url: a.url.clone(),
        })
        .collect()
}

fn task_source(c: wire::Conversation, url: String) -> Result<TaskSource, IntercomError> {
    let mut parts = Vec::new();
    let opening = c
        .source
        .body
        .as_deref()
        .map(html_to_text)
        .unwrap_or_default();
    let opening_files = attachments(&c.source.attachments);
    if !opening.is_empty() || !opening_files.is_empty() {
        parts.push(TranscriptPart {
            speaker: speaker(&c.source.author)?,
            name: non_empty(c.source.author.name.clone()),
            at: time(c.created_at, &c.id)?,
            text: opening,
            note: false,
            attachments: opening_files,
        });
    }
    let shown: Vec<&wire::Part> = c
        .conversation_parts
        .iter()
        .flat_map(|l| &l.conversation_parts)
        .collect();
    let mut later = Vec::new();
    for p in &shown {
        let text = p.body.as_deref().map(html_to_text).unwrap_or_default();
        let files = attachments(&p.attachments);
        if text.is_empty() && files.is_empty() {
            continue;
        }
        later.push(TranscriptPart {
            speaker: speaker(&p.author)?,
            name: non_empty(p.author.name.clone()),
            at: time(p.created_at, &p.id)?,
            text,
            note: p.part_type.as_deref() == Some("note"),
            attachments: files,
        });
    }
    // Stable: parts of one second keep Intercom's order.
    later.sort_by_key(|p| p.at);
    parts.extend(later);
    let all = c
        .statistics
        .as_ref()
        .and_then(|s| s.count_conversation_parts)
        .unwrap_or(0);
    let unavailable_parts = all.saturating_sub(1 + shown.len() as u64);
    let title = [c.title.as_deref(), c.source.subject.as_deref()]
        .into_iter()
        .flatten()
        .map(html_to_text)
        .find(|t| !t.is_empty());
    Ok(TaskSource {
        assignee_id: assignee(c.admin_assignee_id.clone()),
        conversation: TaskConversation {
            title,
            started_at: time(c.created_at, &c.id)?,
            url,
            contact_id: c.contacts.contacts.first().map(|r| r.id.clone()),
            assignee_email: None,
            parts,
            unavailable_parts,
            id: c.id,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded() -> serde_json::Value {
        let text = std::fs::read_to_string(format!(
            "{}/../tests/fixtures/intercom/webhooks/conversation_admin_open_assigned.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
        envelope["data"]["item"].clone()
    }

    #[test]
    fn a_recorded_conversation_reads_as_a_transcript() {
        let mut item = recorded();
        let parts = item["conversation_parts"]["conversation_parts"]
            .as_array_mut()
            .unwrap();
        let mut note = parts[0].clone();
        note["id"] = "2".into();
        note["part_type"] = "note".into();
        note["body"] = "<p>Internal: <b>VIP</b></p>".into();
        note["created_at"] = 1768032100.into();
        note["attachments"] = serde_json::json!([{"type": "upload", "name": "a.png",
            "url": "https://downloads.intercomcdn.com/a.png", "content_type": "image/png"}]);
        let mut closing = parts[0].clone();
        closing["id"] = "3".into();
        closing["part_type"] = "close".into();
        closing["body"] = serde_json::Value::Null;
        parts.push(note);
        parts.push(closing);
        let c: wire::Conversation = serde_json::from_value(item).unwrap();
        let source = task_source(c, "https://app.intercom.com/x".to_owned()).unwrap();
        assert_eq!(source.assignee_id.as_deref(), Some("9608799"));
        let t = source.conversation;
        assert_eq!(t.id, "215472621202693");
        assert_eq!(t.contact_id.as_deref(), Some("696205460674dbb9050aa7fd"));
        let texts: Vec<(Speaker, &str, bool)> = t
            .parts
            .iter()
            .map(|p| (p.speaker, p.text.as_str(), p.note))
            .collect();
        assert_eq!(
            texts,
            [
                (Speaker::Customer, "helklo", false),
                (Speaker::Teammate, "aMSIJJO", false),
                (Speaker::Teammate, "Internal: VIP", true),
            ]
        );
        assert_eq!(t.parts[2].attachments[0].name.as_deref(), Some("a.png"));
        // 6 parts in all, the opening and 3 shown: 2 older ones Intercom does not show.
        assert_eq!(t.unavailable_parts, 2);
    }

    #[test]
    fn the_inbox_link_follows_the_region() {
        assert_eq!(
            inbox_url("https://api.eu.intercom.io", "ws1", "215"),
            "https://app.eu.intercom.com/a/inbox/ws1/inbox/conversation/215"
        );
        assert_eq!(
            inbox_url("http://127.0.0.1:4000", "ws1", "215"),
            "https://app.intercom.com/a/inbox/ws1/inbox/conversation/215"
        );
    }
}
