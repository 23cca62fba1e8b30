//! The demo inbox: conversations from the Intercom workspace, as the back end hands them out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Answer of `GET /api/inbox/conversations`: newest activity first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: String,
    pub title: Option<String>,
    pub contact: Option<ContactRef>,
    pub state: ConversationState,
    /// The first message, as plain text, cut short.
    pub preview: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRef {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Intercom's `role`: `user` or `lead`.
    pub role: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    Open,
    Closed,
    Snoozed,
}

/// Answer of `GET /api/inbox/conversations/{id}`: the transcript, oldest part first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub title: Option<String>,
    pub contact: Option<ContactRef>,
    pub state: ConversationState,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub id: String,
    pub author: Author,
    /// Plain text: Intercom's HTML with tags removed and entities decoded; images become their URLs.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub kind: AuthorKind,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// The customer (an Intercom user or lead).
    Contact,
    /// A teammate.
    Teammate,
    Bot,
}
