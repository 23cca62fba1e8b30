//! The sync engine. Intercom -> Salesforce: webhooks are taken in durably ([`intake`]), jobs
//! sync each changed record in batches ([`to_salesforce`], run by the [`worker`]), identity
//! links follow the priority rules ([`matching`]). Salesforce -> Intercom: the listener's
//! changes become jobs ([`changes`]) that the same worker runs ([`to_intercom`]). A new
//! conversation is assigned to its person's owner ([`routing`]). Every record change and
//! routing lands in the [`ledger`]. The rules themselves are `shared::sync`'s; [`metadata`] feeds them each
//! installation's fields and attributes.

pub mod changes;
pub mod demo;
pub mod intake;
pub mod ledger;
pub mod matching;
pub mod metadata;
pub mod routing;
pub mod to_intercom;
pub mod to_salesforce;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use metadata::Metadata;
use worker::{Stats, WorkerConfig};

/// The job kind of an Intercom -> Salesforce record sync.
pub const JOB_KIND: &str = "sync.to_salesforce";
/// The job kind of a Salesforce -> Intercom record sync.
pub const TO_INTERCOM_JOB_KIND: &str = "sync.to_intercom";
/// The job kind of routing a new conversation to its person's owner.
pub const ROUTE_JOB_KIND: &str = "sync.route_conversation";

/// What the HTTP handlers and the worker share about the sync. Cheap to clone.
#[derive(Clone, Default)]
pub struct SyncState {
    pub metadata: Metadata,
    /// Wakes the worker when new work is stored.
    pub wake: Arc<Notify>,
    pub config: WorkerConfig,
    pub stats: Arc<Stats>,
}

impl SyncState {
    pub fn new(config: WorkerConfig) -> SyncState {
        SyncState {
            config,
            ..SyncState::default()
        }
    }
}
