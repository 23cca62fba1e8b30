//! Contacts: the people who write in, users (with an `external_id`, usually) and leads.

use chrono::{DateTime, Utc};

use super::{Client, IntercomError, wire};

/// Intercom's `role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactRole {
    /// A signed-up user, usually with an `external_id`.
    User,
    /// A visitor who left details, usually without an `external_id`.
    Lead,
}

impl ContactRole {
    /// Reads the wire's `user` or `lead`.
    pub fn parse(role: &str) -> Option<ContactRole> {
        match role {
            "user" => Some(ContactRole::User),
            "lead" => Some(ContactRole::Lead),
            _ => None,
        }
    }

    /// As on the wire: `user` or `lead`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactRole::User => "user",
            ContactRole::Lead => "lead",
        }
    }
}

/// An Intercom contact as the card and sync need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Intercom's id (24 hex digits).
    pub id: String,
    /// User or lead.
    pub role: ContactRole,
    /// Empty strings read as none, here and below.
    pub email: Option<String>,
    /// The identity key matched to a Salesforce field; leads rarely have one.
    pub external_id: Option<String>,
    /// The contact's name.
    pub name: Option<String>,
    /// The contact's phone number.
    pub phone: Option<String>,
    /// The owning teammate's admin id.
    pub owner_id: Option<String>,
    /// Intercom ids of the companies the contact belongs to.
    pub company_ids: Vec<String>,
    /// When Intercom last changed the contact.
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    /// Reads Intercom's contact object.
    pub(super) fn from_wire(c: wire::Contact) -> Result<Contact, IntercomError> {
        let role = ContactRole::parse(&c.role).ok_or_else(|| {
            IntercomError::Unexpected(format!("contact {} has role {:?}", c.id, c.role))
        })?;
        let updated_at = DateTime::from_timestamp(c.updated_at, 0).ok_or_else(|| {
            IntercomError::Unexpected(format!("contact {} has updated_at {}", c.id, c.updated_at))
        })?;
        Ok(Contact {
            id: c.id,
            role,
            email: non_empty(c.email),
            external_id: non_empty(c.external_id),
            name: non_empty(c.name),
            phone: non_empty(c.phone),
            owner_id: c.owner_id,
            company_ids: c
                .companies
                .map(|list| list.data.into_iter().map(|r| r.id).collect())
                .unwrap_or_default(),
            updated_at,
        })
    }
}

/// Intercom sends `""` as well as `null` for "none".
pub(super) fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl Client {
    /// `GET /contacts/{id}`.
    pub async fn contact(&self, id: &str) -> Result<Contact, IntercomError> {
        let contact: wire::Contact = self.get_json(&["contacts", id], &[]).await?;
        Contact::from_wire(contact)
    }
}
