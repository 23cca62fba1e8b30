//! The job layer: every kind of job is a type ([`JobKind`]) with its name, its typed payload,
//! its dedup key and the subject its ledger rows name; a [`Registry`] lists the kinds one
//! worker runs. The queue itself (enqueue, claim, finish, fail, retry) is `store/jobs.rs`.
//!
//! API boundary: a payload is written only by [`JobKind::job`] and read only by
//! [`JobKind::decode`]; nothing else looks inside a job's JSON.

pub mod kinds;
pub mod outcome;
mod retry;

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::sync::Direction;

use crate::store::{Job, JobId, NewJob};

pub use kinds::{ConversationTask, Fan, RouteConversation, SyncToIntercom, SyncToSalesforce};
pub use outcome::{BatchOutcome, JobOutcome, Touched};
pub use retry::RetryPolicy;

/// What a job is about, as its ledger rows name it (a parked job's row, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub direction: Direction,
    /// The ledger's object: `Lead`, `Contact`, `Account` or `Conversation`.
    pub object: &'static str,
    pub intercom_id: Option<String>,
    pub salesforce_id: Option<String>,
}

/// One kind of job: a serde payload with its name in the queue.
pub trait JobKind: Serialize + DeserializeOwned {
    /// The `kind` the queue stores; never changed once jobs of it may be waiting.
    const NAME: &'static str;

    /// While a job of this kind with the same key waits, enqueueing another is a no-op.
    fn dedup_key(&self) -> Option<String>;

    /// What the job is about.
    fn subject(&self) -> Subject;

    /// What the ledger says when job `id` is parked after `attempts` failures: what to retry.
    fn parked_detail(&self, id: JobId, attempts: i64) -> String {
        format!("Parked after {attempts} attempts; retry job {id} once the cause is fixed.")
    }

    /// The job to enqueue for this payload.
    fn job(&self, installation_id: &str, max_attempts: i64, now: i64) -> NewJob {
        NewJob {
            installation_id: installation_id.to_owned(),
            kind: Self::NAME.to_owned(),
            payload: serde_json::to_value(self).expect("job payloads serialise"),
            dedup_key: self.dedup_key(),
            max_attempts,
            run_at: now,
        }
    }

    /// The payload of a stored job of this kind. An error means a job this version cannot
    /// read; it will not read better later.
    fn decode(job: &Job) -> Result<Self, DecodeError> {
        if job.kind != Self::NAME {
            return Err(DecodeError::OtherKind(job.kind.clone()));
        }
        serde_json::from_str(&job.payload).map_err(|e| DecodeError::Payload(e.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("a job of kind {0:?} is not of this kind")]
    OtherKind(String),
    #[error("the job's payload cannot be read: {0}")]
    Payload(String),
}

/// A registered kind: its name, and how to read what any job of it is about.
#[derive(Clone, Copy)]
pub struct Kind {
    pub name: &'static str,
    parked: fn(&Job) -> Result<(Subject, String), DecodeError>,
}

impl Kind {
    pub fn of<K: JobKind>() -> Kind {
        Kind {
            name: K::NAME,
            parked: |job| {
                let payload = K::decode(job)?;
                Ok((
                    payload.subject(),
                    payload.parked_detail(job.id, job.max_attempts),
                ))
            },
        }
    }
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kind").field("name", &self.name).finish()
    }
}

/// The kinds one worker runs, in the order it takes them in turns.
#[derive(Debug, Clone)]
pub struct Registry {
    kinds: Vec<Kind>,
}

impl Registry {
    pub fn new(kinds: Vec<Kind>) -> Registry {
        Registry { kinds }
    }

    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// The registered kind of this name.
    pub fn get(&self, name: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.name == name)
    }

    /// The names, for messages listing what is accepted.
    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.name).collect()
    }

    /// What a stored job is about and what its parked ledger row says, read by its kind.
    pub fn parked(&self, job: &Job) -> Result<(Subject, String), DecodeError> {
        let kind = self
            .get(&job.kind)
            .ok_or_else(|| DecodeError::OtherKind(job.kind.clone()))?;
        (kind.parked)(job)
    }
}

/// The kinds the sync worker runs: Intercom -> Salesforce, Salesforce -> Intercom, routing,
/// conversations as Salesforce Tasks.
pub fn sync_registry() -> Registry {
    Registry::new(vec![
        Kind::of::<SyncToSalesforce>(),
        Kind::of::<SyncToIntercom>(),
        Kind::of::<RouteConversation>(),
        Kind::of::<ConversationTask>(),
    ])
}
