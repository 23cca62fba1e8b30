//! Webhook intake: the signature first (nothing is read or stored before it checks out), then
//! the notification's record stored with its receipt and the job that syncs it, in one
//! transaction (a new conversation: its receipt, the job that routes it and the one that sends
//! it to Salesforce as a Task; a conversation a teammate started or closed: its Task's job). A repeated
//! delivery finds its receipt and changes nothing; a late one finds a newer state stored and
//! leaves it.

use crate::clients::{ClientError, Clients};
use crate::intercom::webhooks::{self, DeletedModel, Item, Notification};
use crate::store::{IncomingRecord, Intake, NewJob, Receipt, RecordModel, StoreError};

use super::{SyncState, routing};
use crate::jobs::{ConversationTask, JobKind, SyncToSalesforce};

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The workspace's installation did not sign the body (or there is none).
    #[error(
        "the webhook's X-Hub-Signature does not match the client secret of its workspace's installation"
    )]
    Unsigned,
    #[error("the webhook notification cannot be read: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the installations' secrets failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// The record a notification tells of, as stored.
fn incoming(notification: &Notification) -> Option<IncomingRecord> {
    let body = |value: serde_json::Result<String>| value.expect("our records serialise");
    match &notification.item {
        Item::Person(person) => Some(IncomingRecord {
            model: RecordModel::Person,
            intercom_id: person.id.clone(),
            updated_at: person.updated_at.timestamp_millis(),
            deleted: false,
            created: notification.announces_creation(),
            body: body(serde_json::to_string(person)),
        }),
        Item::Company(company) => Some(IncomingRecord {
            model: RecordModel::Company,
            intercom_id: company.id.clone(),
            updated_at: company.updated_at.timestamp_millis(),
            deleted: false,
            created: notification.announces_creation(),
            body: body(serde_json::to_string(company)),
        }),
        Item::Deleted { model, id } => Some(IncomingRecord {
            model: match model {
                DeletedModel::Person => RecordModel::Person,
                DeletedModel::Company => RecordModel::Company,
            },
            intercom_id: id.clone(),
            updated_at: notification.created_at.saturating_mul(1000),
            deleted: true,
            created: false,
            body: "{}".to_owned(),
        }),
        Item::NewConversation(_) | Item::ConversationTask { .. } | Item::Other => None,
    }
}

/// The job that syncs one record; while one waits, another for the same record is absorbed.
pub fn sync_job(
    installation_id: &str,
    model: RecordModel,
    intercom_id: &str,
    max_attempts: i64,
    now: i64,
) -> NewJob {
    SyncToSalesforce {
        model,
        id: intercom_id.to_owned(),
    }
    .job(installation_id, max_attempts, now)
}

/// The job that creates or rewrites a conversation's Salesforce Task; while one waits,
/// another for the same conversation is absorbed. Enqueued whatever the setting: the runner
/// reads it when it runs and finishes the job without a call while it is off.
pub fn task_job(
    installation_id: &str,
    conversation_id: &str,
    max_attempts: i64,
    now: i64,
) -> NewJob {
    ConversationTask {
        conversation: conversation_id.to_owned(),
    }
    .job(installation_id, max_attempts, now)
}

/// Takes in one webhook delivery.
pub async fn receive(
    clients: &Clients,
    sync: &SyncState,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Intake, IntakeError> {
    let workspace = webhooks::app_id_of(body);
    let signer = clients
        .installation_signing(
            workspace.as_deref(),
            body,
            signature,
            webhooks::verify_hub_signature,
        )
        .await?;
    let Some(installation_id) = signer else {
        return Err(IntakeError::Unsigned);
    };
    let notification =
        webhooks::parse_notification(body).map_err(|e| IntakeError::Malformed(e.to_string()))?;
    let record = incoming(&notification);
    let receipt = Receipt {
        notification_id: notification.id.clone(),
        topic: notification.topic.clone(),
    };
    let now = chrono::Utc::now().timestamp_millis();
    let max_attempts = sync.config.max_attempts;
    let store = clients.store();
    let intake = match &notification.item {
        // A conversation is not kept: its jobs read Intercom afresh when they run.
        Item::NewConversation(conversation) => {
            let jobs = [
                routing::route_job(&installation_id, conversation, max_attempts, now),
                task_job(&installation_id, &conversation.id, max_attempts, now),
            ];
            store
                .take_notification_jobs(&installation_id, &receipt, &jobs, now)
                .await?
        }
        Item::ConversationTask { id } => {
            let job = task_job(&installation_id, id, max_attempts, now);
            store
                .take_notification_jobs(&installation_id, &receipt, &[job], now)
                .await?
        }
        _ => {
            store
                .take_notification(
                    &installation_id,
                    &receipt,
                    record.as_ref(),
                    |r| sync_job(&installation_id, r.model, &r.intercom_id, max_attempts, now),
                    now,
                )
                .await?
        }
    };
    if let Intake::Stored(_) = intake {
        sync.wake.notify_one();
    }
    Ok(intake)
}
