//! Intercom's JSON as the REST API (2.11) sends it: only the fields this client reads.

use serde::{Deserialize, Deserializer};

/// Ids are strings on the wire, but some (admins, conversation ids in Canvas Kit contexts)
/// arrive as numbers in places; both read as the same string.
pub(super) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

/// Like [`id`], for ids that may be `null` or absent.
pub(super) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "id")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `GET /me`
#[derive(Deserialize)]
pub(super) struct MeBody {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<bool>,
    pub app: MeApp,
}

#[derive(Deserialize)]
pub(super) struct MeApp {
    pub id_code: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /admins`
#[derive(Deserialize)]
pub(super) struct AdminList {
    pub admins: Vec<Admin>,
}

#[derive(Deserialize)]
pub(super) struct Admin {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// `GET /contacts/{id}`
#[derive(Deserialize)]
pub(super) struct Contact {
    pub id: String,
    pub role: String,
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub owner_id: Option<String>,
    pub updated_at: i64,
    #[serde(default)]
    pub companies: Option<RefList>,
}

/// A contact's `companies` (and `tags`): `{"type":"list","data":[{"type":"company","id":..}]}`.
#[derive(Deserialize)]
pub(super) struct RefList {
    #[serde(default)]
    pub data: Vec<Ref>,
}

#[derive(Deserialize)]
pub(super) struct Ref {
    #[serde(deserialize_with = "id")]
    pub id: String,
}

/// `GET /conversations`
#[derive(Deserialize)]
pub(super) struct ConversationList {
    pub conversations: Vec<Conversation>,
    pub pages: Option<Pages>,
}

#[derive(Deserialize)]
pub(super) struct Pages {
    pub next: Option<NextPage>,
}

#[derive(Deserialize)]
pub(super) struct NextPage {
    pub starting_after: Option<String>,
}

/// A conversation, with its parts on `GET /conversations/{id}` (lists leave them out).
#[derive(Deserialize)]
pub(super) struct Conversation {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub state: String,
    #[serde(default)]
    pub title: Option<String>,
    pub source: Source,
    pub contacts: ContactRefs,
    /// The teammate the conversation is assigned to (a number on the wire, or `null`).
    #[serde(default, deserialize_with = "opt_id")]
    pub admin_assignee_id: Option<String>,
    #[serde(default)]
    pub conversation_parts: Option<Parts>,
    #[serde(default)]
    pub statistics: Option<Statistics>,
}

/// A conversation's `statistics`: `count_conversation_parts` counts every part, the opening
/// message included, also those past the 500 latest that `conversation_parts` shows.
#[derive(Deserialize)]
pub(super) struct Statistics {
    #[serde(default)]
    pub count_conversation_parts: Option<u64>,
}

/// The conversation's first message.
#[derive(Deserialize)]
pub(super) struct Source {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub author: Author,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
pub(super) struct Author {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Attachment {
    pub url: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ContactRefs {
    pub contacts: Vec<ContactRef>,
}

#[derive(Deserialize)]
pub(super) struct ContactRef {
    pub id: String,
}

#[derive(Deserialize)]
pub(super) struct Parts {
    pub conversation_parts: Vec<Part>,
}

#[derive(Deserialize)]
pub(super) struct Part {
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// `comment`, `note`, `close`, `assignment`..
    #[serde(default)]
    pub part_type: Option<String>,
    pub body: Option<String>,
    pub author: Author,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    pub created_at: i64,
}
