//! The sync's job kinds. Their payloads are the JSON the queue has always stored for them, so
//! jobs enqueued before an upgrade still read.

use serde::{Deserialize, Serialize};
use shared::sync::{Direction, SalesforceObject};

use super::{JobKind, Subject};
use crate::store::{JobId, RecordModel};

/// Intercom -> Salesforce: sync the stored newest state of one Intercom person or company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncToSalesforce {
    pub model: RecordModel,
    /// The Intercom id.
    pub id: String,
}

impl JobKind for SyncToSalesforce {
    const NAME: &'static str = "sync.to_salesforce";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("{}:{}", self.model.as_str(), self.id))
    }

    fn subject(&self) -> Subject {
        Subject {
            direction: Direction::ToSalesforce,
            object: match self.model {
                RecordModel::Person => SalesforceObject::Contact.api_name(),
                RecordModel::Company => SalesforceObject::Account.api_name(),
            },
            intercom_id: Some(self.id.clone()),
            salesforce_id: None,
        }
    }
}

/// Salesforce -> Intercom: one changed (or deleted) record, or a page of the people behind an
/// Account or User whose owner may have changed. Both ride in one batch (one `/composite`
/// read), so they are one kind; the payload's shape tells them apart (`fan` or `object`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SyncToIntercom {
    Fan(FanPage),
    Record(ChangedRecord),
}

/// One changed (or deleted) Lead, Contact or Account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedRecord {
    #[serde(with = "api_name")]
    pub object: SalesforceObject,
    /// The Salesforce id.
    pub id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// A page of the people behind an Account or User.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanPage {
    pub fan: Fan,
    /// The Account or User.
    pub id: String,
    /// The last person of the previous page (pages go by Id).
    #[serde(default)]
    pub after: Option<String>,
}

/// People whose owner may have changed without a change of their own: an account's contacts
/// (its owner changed), or the contacts and leads a user owns, directly or through their
/// accounts (the user's email, name or status changed, so their teammate match may have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fan {
    AccountContacts,
    /// Contacts the user owns themselves.
    OwnedContacts,
    /// Contacts of accounts the user owns (a separate, selective query: `OR` across the two
    /// owners would make Salesforce scan every contact).
    AccountOwnedContacts,
    OwnedLeads,
}

impl Fan {
    /// The object whose records the page reads.
    pub fn object(self) -> SalesforceObject {
        match self {
            Fan::AccountContacts | Fan::OwnedContacts | Fan::AccountOwnedContacts => {
                SalesforceObject::Contact
            }
            Fan::OwnedLeads => SalesforceObject::Lead,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Fan::AccountContacts => "account_contacts",
            Fan::OwnedContacts => "owned_contacts",
            Fan::AccountOwnedContacts => "account_owned_contacts",
            Fan::OwnedLeads => "owned_leads",
        }
    }
}

impl JobKind for SyncToIntercom {
    const NAME: &'static str = "sync.to_intercom";

    fn dedup_key(&self) -> Option<String> {
        Some(match self {
            // A delete is its own job: a waiting update must not absorb it.
            SyncToIntercom::Record(r) if r.deleted => {
                format!("{}:{}:deleted", r.object.api_name(), r.id)
            }
            SyncToIntercom::Record(r) => format!("{}:{}", r.object.api_name(), r.id),
            SyncToIntercom::Fan(f) => format!(
                "{}:{}:{}",
                f.fan.as_str(),
                f.id,
                f.after.as_deref().unwrap_or("")
            ),
        })
    }

    fn subject(&self) -> Subject {
        let (object, salesforce_id) = match self {
            SyncToIntercom::Record(r) => (r.object, Some(r.id.clone())),
            // The Account whose contacts are refreshed is the subject; a User is no ledger
            // object, so its fan-outs name the people's object alone.
            SyncToIntercom::Fan(f) if f.fan == Fan::AccountContacts => {
                (SalesforceObject::Account, Some(f.id.clone()))
            }
            SyncToIntercom::Fan(f) => (f.fan.object(), None),
        };
        Subject {
            direction: Direction::ToIntercom,
            object: object.api_name(),
            intercom_id: None,
            salesforce_id,
        }
    }

    fn parked_detail(&self, id: JobId, attempts: i64) -> String {
        match self {
            SyncToIntercom::Fan(f) => format!(
                "Refreshing the owners of the people behind {} was parked after {attempts} \
                 attempts; retry job {id} once the cause is fixed.",
                f.id
            ),
            SyncToIntercom::Record(_) => {
                format!("Parked after {attempts} attempts; retry job {id} once the cause is fixed.")
            }
        }
    }
}

/// Routing one new conversation to its person's owner, as the notification told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteConversation {
    pub conversation: String,
    #[serde(default)]
    pub contact: Option<String>,
    /// The admin it was assigned to as it started, if any.
    #[serde(default)]
    pub assignee: Option<String>,
}

impl JobKind for RouteConversation {
    const NAME: &'static str = "sync.route_conversation";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("conversation:{}", self.conversation))
    }

    fn subject(&self) -> Subject {
        Subject {
            direction: Direction::ToIntercom,
            object: "Conversation",
            intercom_id: Some(self.conversation.clone()),
            salesforce_id: None,
        }
    }
}

/// Conversations as Salesforce Tasks: create or rewrite one conversation's Task, as the
/// conversation started or closed. The runner reads the conversation afresh, so while one
/// job waits another for the same conversation (a close while the start waits) is absorbed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationTask {
    pub conversation: String,
}

impl JobKind for ConversationTask {
    const NAME: &'static str = "tasks.conversation";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("conversation:{}", self.conversation))
    }

    fn subject(&self) -> Subject {
        Subject {
            direction: Direction::ToSalesforce,
            object: "Conversation",
            intercom_id: Some(self.conversation.clone()),
            salesforce_id: None,
        }
    }

    fn parked_detail(&self, id: JobId, attempts: i64) -> String {
        format!(
            "Sending conversation {} to Salesforce as a Task was parked after {attempts} \
             attempts; retry job {id} once the cause is fixed.",
            self.conversation
        )
    }
}

/// A Salesforce object by its API name (`Lead`), as payloads spell it.
mod api_name {
    use serde::{Deserialize, Deserializer, Serializer};
    use shared::sync::SalesforceObject;

    pub fn serialize<S: Serializer>(object: &SalesforceObject, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(object.api_name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SalesforceObject, D::Error> {
        let name = String::deserialize(d)?;
        SalesforceObject::ALL
            .into_iter()
            .find(|o| o.api_name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("{name:?} is no synced object")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::sync_registry;
    use crate::store::Job;
    use serde_json::json;

    fn stored(kind: &str, payload: serde_json::Value) -> Job {
        Job::running_last_attempt(kind, payload)
    }

    #[test]
    fn payloads_keep_the_json_the_queue_stored_before() {
        let to_salesforce = SyncToSalesforce {
            model: RecordModel::Company,
            id: "c1".to_owned(),
        }
        .job("i", 3, 5);
        assert_eq!(to_salesforce.kind, "sync.to_salesforce");
        assert_eq!(
            to_salesforce.payload,
            json!({"model": "company", "id": "c1"})
        );
        assert_eq!(to_salesforce.dedup_key.as_deref(), Some("company:c1"));
        assert_eq!((to_salesforce.max_attempts, to_salesforce.run_at), (3, 5));

        let record = |deleted| {
            SyncToIntercom::Record(ChangedRecord {
                object: SalesforceObject::Lead,
                id: "00Q1".to_owned(),
                deleted,
            })
            .job("i", 3, 5)
        };
        assert_eq!(
            record(false).payload,
            json!({"object": "Lead", "id": "00Q1"})
        );
        assert_eq!(record(false).dedup_key.as_deref(), Some("Lead:00Q1"));
        assert_eq!(
            record(true).payload,
            json!({"object": "Lead", "id": "00Q1", "deleted": true})
        );
        assert_eq!(record(true).dedup_key.as_deref(), Some("Lead:00Q1:deleted"));

        let fan = SyncToIntercom::Fan(FanPage {
            fan: Fan::OwnedLeads,
            id: "005A".to_owned(),
            after: None,
        })
        .job("i", 3, 5);
        assert_eq!(
            fan.payload,
            json!({"fan": "owned_leads", "id": "005A", "after": null})
        );
        assert_eq!(fan.dedup_key.as_deref(), Some("owned_leads:005A:"));

        let route = RouteConversation {
            conversation: "215".to_owned(),
            contact: Some("c1".to_owned()),
            assignee: None,
        }
        .job("i", 3, 5);
        assert_eq!(
            route.payload,
            json!({"conversation": "215", "contact": "c1", "assignee": null})
        );
        assert_eq!(route.dedup_key.as_deref(), Some("conversation:215"));

        let task = ConversationTask {
            conversation: "215".to_owned(),
        }
        .job("i", 3, 5);
        assert_eq!(task.kind, "tasks.conversation");
        assert_eq!(task.payload, json!({"conversation": "215"}));
        assert_eq!(task.dedup_key.as_deref(), Some("conversation:215"));
        let parked = sync_registry()
            .parked(&stored(
                "tasks.conversation",
                json!({"conversation": "215"}),
            ))
            .unwrap();
        assert_eq!(
            (
                parked.0.direction,
                parked.0.object,
                parked.0.intercom_id.as_deref()
            ),
            (Direction::ToSalesforce, "Conversation", Some("215"))
        );
        assert!(parked.1.contains("conversation 215"), "{}", parked.1);
    }

    #[test]
    fn a_payload_is_read_by_its_kind_only() {
        let job = stored(
            "sync.to_intercom",
            json!({"object": "Account", "id": "001A"}),
        );
        assert_eq!(
            SyncToIntercom::decode(&job),
            Ok(SyncToIntercom::Record(ChangedRecord {
                object: SalesforceObject::Account,
                id: "001A".to_owned(),
                deleted: false,
            }))
        );
        assert!(matches!(
            SyncToSalesforce::decode(&job),
            Err(crate::jobs::DecodeError::OtherKind(_))
        ));
        let unknown = stored(
            "sync.to_intercom",
            json!({"object": "Opportunity", "id": "006"}),
        );
        assert!(SyncToIntercom::decode(&unknown).is_err());
        assert!(
            sync_registry()
                .parked(&stored("sync.unknown", json!({})))
                .is_err()
        );
    }
}
