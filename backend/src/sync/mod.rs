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
pub use crate::settings::metadata;
pub mod routing;
mod spending;
pub mod to_intercom;
pub mod to_salesforce;
pub mod usage;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use metadata::Metadata;

use crate::store::{JobId, Store, StoreError};
use worker::{Stats, WorkerConfig};

use crate::jobs::{JobKind, RouteConversation, SyncToIntercom, SyncToSalesforce};

/// The job kind of an Intercom -> Salesforce record sync.
pub const JOB_KIND: &str = SyncToSalesforce::NAME;
/// The job kind of a Salesforce -> Intercom record sync.
pub const TO_INTERCOM_JOB_KIND: &str = SyncToIntercom::NAME;
/// The job kind of routing a new conversation to its person's owner.
pub const ROUTE_JOB_KIND: &str = RouteConversation::NAME;

/// What the HTTP handlers and the worker share about the sync. Cheap to clone.
#[derive(Clone, Default)]
pub struct SyncState {
    pub metadata: Metadata,
    /// Wakes the worker when new work is stored.
    pub wake: Arc<Notify>,
    pub config: WorkerConfig,
    pub stats: Arc<Stats>,
    /// Installations whose jobs wait for the API limit, as the worker paused them.
    pub pauses: Pauses,
}

/// Until when (unix ms) each installation's sync waits after Salesforce refused a call for the
/// org's API limit: the worker writes it, the API usage page reads it.
#[derive(Clone, Default)]
pub struct Pauses(Arc<parking_lot::Mutex<std::collections::HashMap<String, i64>>>);

impl Pauses {
    pub fn pause(&self, installation_id: &str, until: i64) {
        self.0.lock().insert(installation_id.to_owned(), until);
    }

    /// Until when the installation's sync waits, if it still does at `now`.
    pub fn until(&self, installation_id: &str, now: i64) -> Option<i64> {
        let mut pauses = self.0.lock();
        pauses.retain(|_, until| *until > now);
        pauses.get(installation_id).copied()
    }
}

impl SyncState {
    pub fn new(config: WorkerConfig) -> SyncState {
        SyncState {
            config,
            ..SyncState::default()
        }
    }
}

/// Why parked jobs could not be retried.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("kind={kind:?} is not one of {}", known.join(", "))]
    UnknownKind {
        kind: String,
        known: Vec<&'static str>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncState {
    /// Puts a parked job of the installation back in the queue, due now, and wakes the
    /// worker; false if it has no such parked job.
    pub async fn retry_parked(
        &self,
        store: &Store,
        installation_id: &str,
        id: JobId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let retried = store.retry_parked(installation_id, id, now).await?;
        if retried {
            self.wake.notify_one();
        }
        Ok(retried)
    }

    /// Puts every parked job of `kind` of the installation back in the queue; how many.
    pub async fn retry_parked_of_kind(
        &self,
        store: &Store,
        installation_id: &str,
        kind: &str,
        now: i64,
    ) -> Result<u64, RetryError> {
        let kinds = crate::jobs::sync_registry();
        let Some(kind) = kinds.get(kind) else {
            return Err(RetryError::UnknownKind {
                kind: kind.to_owned(),
                known: kinds.names(),
            });
        };
        let retried = store
            .retry_parked_of_kind(installation_id, kind.name, now)
            .await?;
        if retried > 0 {
            self.wake.notify_one();
        }
        Ok(retried)
    }
}
