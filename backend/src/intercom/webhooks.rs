//! Webhook notifications: the `X-Hub-Signature` check (HMAC-SHA1 of the raw body keyed with
//! the app's client secret, `sha1=<hex>`), then the envelope and its item.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::conversations::{ConversationAssignment, assignee};
use super::records::{self, CompanyRecord, PersonRecord};
use super::{IntercomError, wire};

/// The workspace (`app_id`) a notification names: read before its signature is checked, only
/// to choose whose secret checks it.
pub fn app_id_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Routing {
        app_id: Option<String>,
    }
    serde_json::from_slice::<Routing>(body)
        .ok()?
        .app_id
        .filter(|a| !a.is_empty())
}

/// Whether `header` is the body's signature under `client_secret`, compared in constant time.
pub fn verify_hub_signature(
    client_secret: &SecretString,
    body: &[u8],
    header: Option<&str>,
) -> bool {
    let Some(given) = header
        .and_then(|h| h.trim().strip_prefix("sha1="))
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(client_secret.expose_secret().as_bytes())
    else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// Which kind of record a delete topic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletedModel {
    Person,
    Company,
}

/// What a notification is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A person created or changed (created, updated, signed up, email changed, merged into,
    /// attached to or detached from a company).
    Person(Box<PersonRecord>),
    Company(Box<CompanyRecord>),
    Deleted {
        model: DeletedModel,
        id: String,
    },
    /// A contact started a conversation (`conversation.user.created`): routing's cue, and
    /// its Salesforce Task's.
    NewConversation(ConversationAssignment),
    /// A teammate started a conversation with a contact (`conversation.admin.single.created`)
    /// or closed one (`conversation.admin.closed`): the conversation's Task is due.
    ConversationTask {
        id: String,
    },
    /// A topic the sync does not use (other conversation topics, tags, `ping`).
    Other,
}

/// A verified notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The delivery's idempotency key: a retry repeats it.
    pub id: String,
    pub topic: String,
    /// When Intercom made the notification (unix seconds).
    pub created_at: i64,
    pub item: Item,
}

impl Notification {
    /// The topic announces a record's creation.
    pub fn announces_creation(&self) -> bool {
        self.topic.ends_with(".created")
    }
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    topic: String,
    #[serde(default)]
    created_at: i64,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    item: Value,
}

/// What routing reads of a conversation notification's item.
#[derive(Deserialize)]
struct ConversationItem {
    #[serde(deserialize_with = "wire::id")]
    id: String,
    #[serde(default)]
    contacts: Option<wire::ContactRefs>,
    #[serde(default, deserialize_with = "wire::opt_id")]
    admin_assignee_id: Option<String>,
}

fn new_conversation(item: Map<String, Value>) -> Result<Item, IntercomError> {
    let c: ConversationItem = serde_json::from_value(Value::Object(item)).map_err(malformed)?;
    Ok(Item::NewConversation(ConversationAssignment {
        id: c.id,
        contact_id: c
            .contacts
            .and_then(|list| list.contacts.into_iter().next())
            .map(|r| r.id),
        admin_assignee_id: assignee(c.admin_assignee_id),
    }))
}

fn conversation_task(item: &Map<String, Value>, topic: &str) -> Result<Item, IntercomError> {
    #[derive(Deserialize)]
    struct Id {
        #[serde(deserialize_with = "wire::id")]
        id: String,
    }
    let item = Value::Object(item.clone());
    let Id { id } =
        serde_json::from_value(item).map_err(|_| malformed(format!("{topic} without an id")))?;
    Ok(Item::ConversationTask { id })
}

/// A contact attached to or detached from a company (`company.contact.attached`,
/// `.detached`): the contact as it is after the change. The item has only `company` and
/// `contact`; a detached item still lists the company under the contact (as captured), so it
/// is taken off here, and an attached one is sure to list it.
fn company_contact(item: &Map<String, Value>, topic: &str) -> Result<Item, IntercomError> {
    let mut contact = item
        .get("contact")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| malformed(format!("{topic} without a contact")))?;
    // Only these items carry it; the contact topics' shape is what is stored.
    contact.remove("formatted_phone");
    let company = item
        .get("company")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("{topic} without a company id")))?
        .to_owned();
    let mut person = records::person(&contact)?;
    person.company_ids.retain(|id| *id != company);
    if topic == "company.contact.attached" {
        person.company_ids.push(company);
    }
    Ok(Item::Person(Box::new(person)))
}

fn malformed(what: impl std::fmt::Display) -> IntercomError {
    IntercomError::Unexpected(format!("webhook notification: {what}"))
}

/// Reads a notification whose signature was checked.
pub fn parse_notification(body: &[u8]) -> Result<Notification, IntercomError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(malformed)?;
    let item = match envelope.data.item {
        Value::Object(item) => item,
        _ => Map::new(),
    };
    let topic = envelope.topic.as_str();
    let deleted = |model| -> Result<Item, IntercomError> {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(format!("{topic} without an id")))?;
        Ok(Item::Deleted {
            model,
            id: id.to_owned(),
        })
    };
    let parsed = match topic {
        "contact.deleted" => deleted(DeletedModel::Person)?,
        "company.deleted" => deleted(DeletedModel::Company)?,
        "contact.user.created"
        | "contact.user.updated"
        | "contact.lead.created"
        | "contact.lead.updated"
        | "contact.lead.signed_up"
        | "contact.email.updated"
        | "contact.merged" => Item::Person(Box::new(records::person(&item)?)),
        "company.created" | "company.updated" => Item::Company(Box::new(records::company(&item)?)),
        "company.contact.attached" | "company.contact.detached" => company_contact(&item, topic)?,
        "conversation.user.created" => new_conversation(item)?,
        "conversation.admin.single.created" | "conversation.admin.closed" => {
            conversation_task(&item, topic)?
        }
        _ => Item::Other,
    };
    Ok(Notification {
        id: envelope.id,
        topic: envelope.topic,
        created_at: envelope.created_at,
        item: parsed,
    })
}

/// The topics the sync subscribes to (a new conversation is routed to its person's owner; a
/// started or closed one is sent to Salesforce as a Task; a person's company attached or
/// detached re-syncs what the person's mappings take from the company).
pub const SYNC_TOPICS: [&str; 16] = [
    "contact.user.created",
    "contact.user.updated",
    "contact.lead.created",
    "contact.lead.updated",
    "contact.lead.signed_up",
    "contact.email.updated",
    "contact.merged",
    "contact.deleted",
    "company.created",
    "company.updated",
    "company.deleted",
    "company.contact.attached",
    "company.contact.detached",
    "conversation.user.created",
    "conversation.admin.single.created",
    "conversation.admin.closed",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../tests/fixtures/intercom/webhooks/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn the_textbook_sha1_vector_verifies_and_forgeries_fail() {
        // HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog").
        let fox = b"The quick brown fox jumps over the lazy dog";
        let key = SecretString::from("key");
        let good = "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9";
        assert!(verify_hub_signature(&key, fox, Some(good)));
        assert!(!verify_hub_signature(&key, b"other body", Some(good)));
        assert!(!verify_hub_signature(
            &key,
            fox,
            Some("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9")
        ));
        assert!(!verify_hub_signature(&key, fox, Some("sha1=zz")));
        assert!(!verify_hub_signature(&key, fox, None));
        assert!(!verify_hub_signature(
            &SecretString::from("other"),
            fox,
            Some(good)
        ));
    }

    #[test]
    fn recorded_notifications_parse() {
        let created = parse_notification(&fixture("contact_user_created.json")).unwrap();
        assert!(created.announces_creation());
        assert!(matches!(created.item, Item::Person(_)));
        let updated = parse_notification(&fixture("company_updated.json")).unwrap();
        let Item::Company(company) = updated.item else {
            panic!("a company");
        };
        assert!(company.created_by_qualification());
        let deleted = parse_notification(&fixture("company_deleted.json")).unwrap();
        assert!(matches!(
            deleted.item,
            Item::Deleted {
                model: DeletedModel::Company,
                ..
            }
        ));
        let merged = parse_notification(&fixture("contacts_merged.json")).unwrap();
        assert!(matches!(merged.item, Item::Person(_)));
        let conversation =
            parse_notification(&fixture("conversation_admin_open_assigned.json")).unwrap();
        assert_eq!(conversation.item, Item::Other);
        // Closed, or started by a teammate: the same item under another topic.
        for topic in [
            "conversation.admin.closed",
            "conversation.admin.single.created",
        ] {
            let mut recorded: Value =
                serde_json::from_slice(&fixture("conversation_admin_open_assigned.json")).unwrap();
            recorded["topic"] = topic.into();
            let parsed = parse_notification(&serde_json::to_vec(&recorded).unwrap()).unwrap();
            assert_eq!(
                parsed.item,
                Item::ConversationTask {
                    id: "215472621202693".to_owned()
                },
                "{topic}"
            );
            recorded["data"]["item"]
                .as_object_mut()
                .unwrap()
                .remove("id");
            assert!(parse_notification(&serde_json::to_vec(&recorded).unwrap()).is_err());
        }
    }

    fn capture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../sim/tests/intercom_support/captures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_company_attached_or_detached_is_the_contact_with_its_companies_after() {
        let attached = parse_notification(&capture("company_contact_attached.json")).unwrap();
        assert!(!attached.announces_creation());
        let Item::Person(person) = attached.item else {
            panic!("a person");
        };
        assert_eq!(person.id, "6961d162fb0ef1f1ac90ce8c");
        assert_eq!(person.company_ids, ["6961d175205cf6a4438f0c21"]);
        assert!(!person.attributes.contains_key("formatted_phone"));

        // As captured, the detached item still lists the company: it is taken off.
        let detached = parse_notification(&capture("company_contact_detached.json")).unwrap();
        let Item::Person(person) = detached.item else {
            panic!("a person");
        };
        assert_eq!(person.id, "6961cf78fb9d13be07871c78");
        assert!(person.company_ids.is_empty(), "{:?}", person.company_ids);

        let mut broken: Value =
            serde_json::from_slice(&capture("company_contact_attached.json")).unwrap();
        broken["data"]["item"]
            .as_object_mut()
            .unwrap()
            .remove("company");
        assert!(parse_notification(&serde_json::to_vec(&broken).unwrap()).is_err());
    }

    /// There is no recorded `conversation.user.created`; its item is a conversation like the
    /// recorded `conversation.admin.open_assigned` one, so that recording stands in for it.
    #[test]
    fn a_new_conversation_names_its_contact_and_assignee() {
        let recorded: Value =
            serde_json::from_slice(&fixture("conversation_admin_open_assigned.json")).unwrap();
        let mut created = recorded.clone();
        created["topic"] = "conversation.user.created".into();
        let body = serde_json::to_vec(&created).unwrap();
        let notification = parse_notification(&body).unwrap();
        assert!(notification.announces_creation());
        assert_eq!(
            notification.item,
            Item::NewConversation(ConversationAssignment {
                id: "215472621202693".to_owned(),
                contact_id: Some("696205460674dbb9050aa7fd".to_owned()),
                admin_assignee_id: Some("9608799".to_owned()),
            })
        );

        // As a new conversation arrives: nobody assigned yet (`null`, or `0` after an
        // unassignment), a numeric id.
        for unassigned in [Value::Null, Value::from(0)] {
            let mut fresh = created.clone();
            let item = &mut fresh["data"]["item"];
            item["id"] = Value::from(215_472_621_202_694_u64);
            item["admin_assignee_id"] = unassigned;
            let notification = parse_notification(&serde_json::to_vec(&fresh).unwrap()).unwrap();
            let Item::NewConversation(conversation) = notification.item else {
                panic!("a new conversation");
            };
            assert_eq!(conversation.id, "215472621202694");
            assert_eq!(conversation.admin_assignee_id, None);
        }

        // Without an id there is nothing to route.
        let mut broken = created;
        broken["data"]["item"].as_object_mut().unwrap().remove("id");
        assert!(parse_notification(&serde_json::to_vec(&broken).unwrap()).is_err());
    }
}
