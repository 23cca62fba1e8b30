//! One batch of Intercom -> Salesforce jobs: each job names a person or company whose latest
//! state is stored; the batch reads what Salesforce holds for all of them in one `/composite`
//! call, links who is unlinked by the priority rules, decides every mapped value with the shared
//! rules (conversions, both skip flags, no write when Salesforce already holds the value), and
//! sends the writes together through sObject Collections: one call per object for updates, one
//! for new Leads.
//!
//! The batch runs in stages, and only the first, second and last await:
//! - `load`: the jobs' stored records and links; deletes and unreadable records settle here.
//! - `read`: one `/composite` read of the linked records and the matches of the unlinked (a
//!   second only for links found broken), then the links the matches hold and the names of the
//!   people's companies, a batch at a time.
//! - `link`: links whose record is gone or converted are dropped and matched anew (pure).
//! - `plan`: links by the priority rules, every value decided, new Leads or why not (pure).
//! - `write`: the writes, then each job settled by its record's result.
//!
//! Every step is safe to repeat: a job that runs twice reads Salesforce again and finds its
//! values held (nothing written), or finds the Lead it created by matching again.

mod link;
mod load;
mod plan;
mod read;
mod write;

use std::collections::BTreeMap;

use shared::sync::{Direction, Outcome, SalesforceObject, SyncMetadata, SyncSettings};

use crate::intercom;
use crate::salesforce::{self, Refusal, SalesforceError};
use crate::store::{Job, JobId, JobResult, LinkChange, NewLedgerRow, RecordModel, Store, Synced};

pub use crate::jobs::Touched;
use crate::jobs::{BatchOutcome, JobKind, JobOutcome, SyncToSalesforce};

/// What a batch works with.
pub struct Context<'a> {
    pub installation_id: &'a str,
    pub settings: &'a SyncSettings,
    pub metadata: &'a SyncMetadata,
    pub salesforce: &'a salesforce::Client,
    pub intercom: &'a intercom::Client,
    pub store: &'a Store,
    /// The Intercom teammates; loaded for the jobs that choose owners.
    pub team: Option<&'a crate::card::Team>,
    /// Attempts a job this batch hands on gets.
    pub max_attempts: i64,
    pub now: i64,
}

impl<'a> Context<'a> {
    /// What the pure stages decide with.
    pub(in crate::sync) fn frame(&self) -> Frame<'a> {
        Frame {
            installation_id: self.installation_id,
            now: self.now,
            settings: self.settings,
            metadata: self.metadata,
        }
    }
}

/// What the pure stages decide with: the installation and the time its ledger rows carry,
/// the settings and the metadata the rules read.
#[derive(Clone, Copy)]
pub(in crate::sync) struct Frame<'a> {
    pub(in crate::sync) installation_id: &'a str,
    pub(in crate::sync) now: i64,
    pub(in crate::sync) settings: &'a SyncSettings,
    pub(in crate::sync) metadata: &'a SyncMetadata,
}

/// Runs one batch. Never fails as a whole: each job gets its outcome.
pub async fn run_batch(ctx: &Context<'_>, jobs: &[Job]) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let mut ids = (Vec::new(), Vec::new());
    for job in jobs {
        match SyncToSalesforce::decode(job) {
            Ok(SyncToSalesforce {
                model: RecordModel::Person,
                id,
            }) => ids.0.push((job.id, id)),
            Ok(SyncToSalesforce {
                model: RecordModel::Company,
                id,
            }) => ids.1.push((job.id, id)),
            // A job this version cannot read will not read better later: finish it.
            Err(_) => out.jobs.push((job.id, done(Vec::new(), Vec::new(), None))),
        }
    }
    let (people, companies) = match load::load(ctx, &ids.0, &ids.1, &mut out).await {
        Ok(work) => work,
        Err(message) => {
            let jobs = ids.0.iter().chain(&ids.1).map(|(job, _)| *job);
            out.all(jobs, &JobOutcome::Retry(message));
            return out;
        }
    };
    if people.is_empty() && companies.is_empty() {
        return out;
    }
    let mut people: BTreeMap<JobId, load::PersonWork> =
        people.into_iter().map(|p| (p.job, p)).collect();
    let mut companies: BTreeMap<JobId, load::CompanyWork> =
        companies.into_iter().map(|c| (c.job, c)).collect();
    let frame = ctx.frame();

    let mut reads = read::Reads::default();
    let queries = read::first_queries(frame, &people, &companies);
    if let Err(stop) = read::records(ctx, queries, &mut reads, &mut out).await {
        stop_all(&mut out, &people, &companies, &stop);
        return out;
    }
    let rematch = link::repair(frame, &mut people, &mut companies, &reads);
    let queries = read::rematch_queries(frame, &people, &companies, &rematch);
    if let Err(stop) = read::records(ctx, queries, &mut reads, &mut out).await {
        stop_all(&mut out, &people, &companies, &stop);
        return out;
    }
    if let Err(stop) = read::around(ctx, &people, &mut reads).await {
        stop_all(&mut out, &people, &companies, &stop);
        return out;
    }
    let planned = plan::plan(frame, people, companies, &reads, &mut out);
    write::send(ctx, planned, &mut out).await;
    out
}

/// A failure that fails every job it touches the same way.
#[derive(Debug)]
enum Stop {
    Limit,
    Retry(String),
}

impl From<SalesforceError> for Stop {
    fn from(error: SalesforceError) -> Self {
        match error {
            SalesforceError::LimitExceeded(_) => Stop::Limit,
            other => Stop::Retry(other.to_string()),
        }
    }
}

/// Fails every job still open with `stop`.
fn stop_all(
    out: &mut BatchOutcome,
    people: &BTreeMap<JobId, load::PersonWork>,
    companies: &BTreeMap<JobId, load::CompanyWork>,
    stop: &Stop,
) {
    for job in people.keys().chain(companies.keys()) {
        stop_job(out, *job, stop);
    }
}

fn stop_job(out: &mut BatchOutcome, job: JobId, stop: &Stop) {
    match stop {
        Stop::Limit => {
            out.limit_exceeded = true;
            out.jobs.push((job, JobOutcome::Release));
        }
        Stop::Retry(message) => out.jobs.push((job, JobOutcome::Retry(message.clone()))),
    }
}

/// The ledger row of one record change, filled in as the job goes.
fn row(
    frame: Frame<'_>,
    object: SalesforceObject,
    intercom_id: &str,
    salesforce_id: Option<&str>,
    outcome: Outcome,
) -> NewLedgerRow {
    super::ledger::new_row(
        frame.installation_id,
        frame.now,
        Direction::ToSalesforce,
        object.api_name(),
        Some(intercom_id),
        salesforce_id,
        outcome,
    )
}

fn with_detail(mut row: NewLedgerRow, detail: impl Into<String>) -> NewLedgerRow {
    row.detail = Some(detail.into());
    row
}

fn with_fields(mut row: NewLedgerRow, fields: &[String]) -> NewLedgerRow {
    row.fields = serde_json::to_string(fields).expect("names serialise");
    row
}

fn with_refusals(mut row: NewLedgerRow, refusals: &[Refusal]) -> NewLedgerRow {
    if let Some(first) = refusals.first() {
        row.error_code = Some(first.code.as_str().to_owned());
    }
    row.error_message = Some(
        refusals
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    row
}

fn done(ledger: Vec<NewLedgerRow>, links: Vec<LinkChange>, synced: Option<Synced>) -> JobOutcome {
    JobOutcome::Done(JobResult {
        ledger,
        links,
        synced: synced.into_iter().collect(),
        follow_ups: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
