//! What became of the jobs a worker ran: each job's outcome, and what the batch learnt on the
//! way (the API limit, the records it touched, the Salesforce calls it made).

use std::collections::BTreeSet;

use crate::store::{JobId, JobResult};

/// What became of one job.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    /// Done: leave the queue with these ledger rows, links and synced state.
    Done(JobResult),
    /// A transient failure (Salesforce or Intercom unavailable): try again later.
    Retry(String),
    /// Not tried: the installation's API budget is spent. Give the job back.
    Release,
}

/// The records a batch wrote or linked, for the card cache.
#[derive(Debug, Clone, Default)]
pub struct Touched {
    pub intercom_ids: BTreeSet<String>,
    pub salesforce_ids: BTreeSet<String>,
}

/// The outcome of a batch.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub jobs: Vec<(JobId, JobOutcome)>,
    /// Salesforce refused with REQUEST_LIMIT_EXCEEDED: pause the installation.
    pub limit_exceeded: bool,
    pub touched: Touched,
    /// Salesforce API calls the batch made.
    pub salesforce_calls: u32,
}

impl BatchOutcome {
    /// Gives every one of `jobs` the same outcome (a read they all waited on failed, say).
    pub fn all(&mut self, jobs: impl IntoIterator<Item = JobId>, outcome: &JobOutcome) {
        self.jobs
            .extend(jobs.into_iter().map(|job| (job, outcome.clone())));
    }
}
