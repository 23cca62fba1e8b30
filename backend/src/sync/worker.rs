//! The sync worker: a background loop that claims due sync jobs in batches (one installation
//! at a time, up to 200 jobs), runs them, and settles each: finished with its ledger rows and
//! links, retried with backoff, parked after too many failures, or given back while the
//! installation's API budget is spent.
//!
//! Batching follows the load: an idle worker starts on a change at once, and what arrives
//! while a batch is in flight waits for the next one. As an installation's Salesforce calls of
//! the last hour near its event-sync budget, its batches are spaced out (`sync::pacing`), so
//! they widen and the budget is never passed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::card::{Cards, Team};
use crate::clients::{ClientError, Clients};
use crate::inbox::Inbox;
use crate::jobs::{
    BatchOutcome, ConversationTask, JobKind, JobOutcome, Registry, RetryPolicy, RouteConversation,
    SyncToIntercom, SyncToSalesforce, sync_registry,
};
use crate::salesforce::SalesforceError;
use crate::settings;
use crate::store::{FailOutcome, Job, JobId, NewLedgerRow, Store};

use super::spending::Spending;
use super::to_salesforce::{self, Context};
use super::{SyncState, routing, to_intercom};

/// How the worker batches, leases, retries and pauses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkerConfig {
    /// Jobs per batch: sObject Collections take 200 records per call.
    pub batch_size: usize,
    /// How long a smaller batch of sync jobs waits for more (from its oldest job's arrival)
    /// besides what the budget asks: 0 lets batching follow the load alone.
    pub gather: Duration,
    /// The same for conversations' Tasks, which no teammate waits for: a second's wait makes
    /// the closes of a busy inbox one sObject Collections call, not one each.
    pub task_gather: Duration,
    /// How long a claimed batch is the worker's; past it another worker may take it over.
    pub lease: Duration,
    pub retry: RetryPolicy,
    /// Attempts before a job is parked with its error.
    pub max_attempts: i64,
    /// How long an installation's jobs wait after Salesforce said its API limit is spent.
    pub limit_pause: Duration,
    /// The share of the org's daily allocation past which event sync pauses, leaving the rest
    /// for the inbox card and cases.
    pub budget_share: f64,
    /// Event sync's Salesforce calls per hour and installation, which pacing keeps under;
    /// `None`: `budget_share` of the org's daily allocation, spread over the day.
    pub calls_per_hour: Option<u64>,
    /// How often an idle worker looks for jobs whose retry time came (new jobs wake it at once).
    pub idle_poll: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            batch_size: 200,
            gather: Duration::ZERO,
            task_gather: Duration::from_secs(1),
            lease: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            max_attempts: 10,
            limit_pause: Duration::from_secs(5 * 60),
            budget_share: 0.8,
            calls_per_hour: None,
            idle_poll: Duration::from_secs(1),
        }
    }
}

/// Counters, for tests, benchmarks and health.
#[derive(Debug, Default)]
pub struct Stats {
    pub batches: AtomicU64,
    pub jobs_finished: AtomicU64,
    pub jobs_retried: AtomicU64,
    pub jobs_parked: AtomicU64,
    pub salesforce_calls: AtomicU64,
}

/// A running worker; [`WorkerHandle::stop`] lets its current batch finish.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the worker loop.
pub fn spawn(clients: Clients, cards: Cards, inbox: Inbox, sync: SyncState) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let worker = Worker {
        id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
        store: clients.store().clone(),
        clients,
        cards,
        inbox,
        config: sync.config,
        sync,
        paused: HashMap::new(),
        paced: HashMap::new(),
        gathering: HashMap::new(),
        spending: Spending::default(),
        stopped,
        turns: 0,
        kinds: sync_registry(),
    };
    WorkerHandle {
        stop,
        task: tokio::spawn(worker.run()),
    }
}

struct Worker {
    id: String,
    store: Store,
    clients: Clients,
    cards: Cards,
    /// The teammates, for owners and routing.
    inbox: Inbox,
    sync: SyncState,
    config: WorkerConfig,
    /// Installations whose jobs wait until then (unix ms): the API budget is spent.
    paused: HashMap<String, i64>,
    /// Installations whose next batch waits until then (unix ms): their budget paces them.
    paced: HashMap<String, i64>,
    /// A kind's small batch of an installation waits for company until then (unix ms).
    gathering: HashMap<(&'static str, String), i64>,
    /// What each installation spent in the last hour.
    spending: Spending,
    stopped: watch::Receiver<bool>,
    /// Which kind looks for work first this turn.
    turns: usize,
    /// The kinds it runs, taken in turns so none starves the others.
    kinds: Registry,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Worker {
    async fn run(mut self) {
        while !*self.stopped.borrow() {
            match self.turn().await {
                Ok(true) => {}
                Ok(false) => self.idle(self.idle_wait()).await,
                Err(error) => {
                    tracing::error!(%error, "the sync worker cannot reach the database");
                    self.idle(self.config.idle_poll).await;
                }
            }
        }
    }

    /// Until the poll interval, or the first paced installation's turn if sooner.
    fn idle_wait(&self) -> Duration {
        let now = now_ms();
        let paced = self
            .paced
            .values()
            .chain(self.gathering.values())
            .map(|until| (until - now).max(1) as u64)
            .min();
        let poll = self.config.idle_poll;
        paced.map_or(poll, |ms| poll.min(Duration::from_millis(ms)))
    }

    /// Waits for new work, the poll interval, or the stop signal.
    async fn idle(&mut self, wait: Duration) {
        let wake = self.sync.wake.clone();
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = self.stopped.changed() => {}
        }
    }

    /// One batch if one is due; `false` when there was nothing to do.
    async fn turn(&mut self) -> Result<bool, crate::store::StoreError> {
        let now = now_ms();
        self.paused.retain(|_, until| *until > now);
        self.paced.retain(|_, until| *until > now);
        self.gathering.retain(|_, until| *until > now);
        self.turns = self.turns.wrapping_add(1);
        let mut found = None;
        let kinds = self.kinds.kinds();
        for n in 0..kinds.len() {
            let kind = kinds[(self.turns + n) % kinds.len()].name;
            let due = self.store.due_work(kind, now).await?;
            if let Some(work) = due.into_iter().find(|w| {
                !self.paused.contains_key(&w.installation_id)
                    && !self.paced.contains_key(&w.installation_id)
                    && !self
                        .gathering
                        .contains_key(&(kind, w.installation_id.clone()))
            }) {
                found = Some((kind, work));
                break;
            }
        }
        let Some((kind, work)) = found else {
            return Ok(false);
        };
        let gather = if kind == ConversationTask::NAME {
            self.config.task_gather
        } else {
            self.config.gather
        };
        let gather_ms = gather.as_millis() as i64;
        if (work.due as usize) < self.config.batch_size && now - work.oldest < gather_ms {
            // Other kinds and installations go on meanwhile.
            self.gathering.insert(
                (kind, work.installation_id.clone()),
                work.oldest + gather_ms,
            );
            return Ok(true);
        }
        let pace = self.pace(&work.installation_id, now).await;
        if pace > 0 {
            self.paced
                .insert(work.installation_id.clone(), now + pace as i64);
            return Ok(true);
        }
        let jobs = self
            .store
            .claim_batch(
                kind,
                &work.installation_id,
                &self.id,
                self.config.lease.as_millis() as i64,
                now,
                self.config.batch_size as i64,
            )
            .await?;
        if jobs.is_empty() {
            return Ok(true);
        }
        let keep_leases = self.keep_leases(&jobs);
        let outcome = tokio::select! {
            outcome = self.run_batch(kind, &work.installation_id, &jobs) => outcome,
            never = keep_leases => match never {},
        };
        self.spending
            .record(&work.installation_id, now, outcome.salesforce_calls);
        self.settle(&work.installation_id, &jobs, outcome).await?;
        Ok(true)
    }

    /// How long (ms) the installation's due batch waits for its budget: 0 until its last
    /// hour's calls near it.
    async fn pace(&mut self, installation_id: &str, now: i64) -> u64 {
        if !self.spending.spent_any(installation_id) {
            return 0;
        }
        let budget = match self.config.calls_per_hour {
            Some(calls) => calls as f64,
            None => match self.clients.salesforce(installation_id).await {
                Ok(client) => match client.api_usage() {
                    Some(usage) => usage.max as f64 * self.config.budget_share / 24.0,
                    // No answer seen yet: nothing to pace by.
                    None => return 0,
                },
                Err(_) => return 0,
            },
        };
        let spend = self.spending.spend(installation_id, now, budget);
        shared::sync::pacing::wait_ms(spend) as u64
    }

    /// Renews the batch's leases every third of a lease while it runs (never returns): a batch
    /// slowed by rate limits and retries keeps its jobs instead of another worker running them
    /// at the same time.
    fn keep_leases(
        &self,
        jobs: &[Job],
    ) -> impl std::future::Future<Output = std::convert::Infallible> + use<> {
        let store = self.store.clone();
        let worker = self.id.clone();
        let lease = self.config.lease;
        let ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
        async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let now = now_ms();
                let until = now + lease.as_millis() as i64;
                if let Err(error) = store.renew_job_leases(&ids, &worker, until, now).await {
                    tracing::warn!(%error, "cannot renew the running batch's job leases");
                }
            }
        }
    }

    async fn run_batch(&mut self, kind: &str, installation_id: &str, jobs: &[Job]) -> BatchOutcome {
        let retry_all = |message: String| BatchOutcome {
            jobs: jobs
                .iter()
                .map(|j| (j.id, JobOutcome::Retry(message.clone())))
                .collect(),
            ..BatchOutcome::default()
        };
        let release_all = || BatchOutcome {
            jobs: jobs.iter().map(|j| (j.id, JobOutcome::Release)).collect(),
            limit_exceeded: true,
            ..BatchOutcome::default()
        };
        let (salesforce, intercom) = match (
            self.clients.salesforce(installation_id).await,
            self.clients.intercom(installation_id).await,
        ) {
            (Ok(s), Ok(i)) => (s, i),
            (Err(e), _) | (_, Err(e)) => return retry_all(e.to_string()),
        };
        if salesforce
            .api_usage()
            .is_some_and(|u| u.fraction() >= self.config.budget_share)
        {
            tracing::warn!(installation = %installation_id, "event sync pauses: the API budget share is used");
            return release_all();
        }
        if kind == RouteConversation::NAME {
            // Routing needs the teammates and the card, not the sync's mappings or metadata.
            let team = match self.inbox.team(&self.clients, installation_id).await {
                Ok(team) => team,
                Err(e) => return retry_all(e.to_string()),
            };
            let ctx = routing::Context {
                installation_id,
                salesforce: &salesforce,
                intercom: &intercom,
                store: &self.store,
                cards: &self.cards,
                team: &team,
                now: now_ms(),
            };
            return routing::run_batch(&ctx, jobs).await;
        }
        if kind == ConversationTask::NAME {
            return self
                .run_tasks(installation_id, &salesforce, &intercom, jobs)
                .await;
        }
        let settings = match settings::sync_settings(&self.store, installation_id).await {
            Ok(s) => s,
            Err(e) => return retry_all(e.to_string()),
        };
        let metadata = match self
            .sync
            .metadata
            .load(&self.clients, installation_id)
            .await
        {
            Ok(m) => m,
            Err(e) => {
                return match &*e.0 {
                    ClientError::Salesforce(SalesforceError::LimitExceeded(_)) => release_all(),
                    _ => retry_all(e.to_string()),
                };
            }
        };
        // Owners need the teammates; Intercom -> Salesforce does not ask for them.
        let team: Option<std::sync::Arc<Team>> = if kind == SyncToSalesforce::NAME {
            None
        } else {
            match self.inbox.team(&self.clients, installation_id).await {
                Ok(team) => Some(team),
                // Fields still sync without the teammates; owners wait (see `to_intercom`).
                Err(e) if kind == SyncToIntercom::NAME => {
                    tracing::warn!(installation = %installation_id, error = %e,
                        "the Intercom teammates cannot be read; syncing without owners");
                    None
                }
                Err(e) => return retry_all(e.to_string()),
            }
        };
        let ctx = Context {
            installation_id,
            settings: &settings,
            metadata: &metadata,
            salesforce: &salesforce,
            intercom: &intercom,
            store: &self.store,
            team: team.as_deref(),
            max_attempts: self.config.max_attempts,
            now: now_ms(),
        };
        if kind == SyncToIntercom::NAME {
            to_intercom::run_batch(&ctx, jobs).await
        } else {
            to_salesforce::run_batch(&ctx, jobs).await
        }
    }

    /// Conversations as Salesforce Tasks: the teammates and the workspace, not the sync's
    /// mappings or metadata.
    async fn run_tasks(
        &self,
        installation_id: &str,
        salesforce: &crate::salesforce::Client,
        intercom: &crate::intercom::Client,
        jobs: &[Job],
    ) -> BatchOutcome {
        let retry_all = |message: String| BatchOutcome {
            jobs: jobs
                .iter()
                .map(|j| (j.id, JobOutcome::Retry(message.clone())))
                .collect(),
            ..BatchOutcome::default()
        };
        let workspace_id = match self.store.installation(installation_id).await {
            Ok(Some(row)) => row.intercom_workspace_id.unwrap_or_default(),
            Ok(None) => return retry_all("the installation is gone".to_owned()),
            Err(e) => return retry_all(e.to_string()),
        };
        let team = match self.inbox.team(&self.clients, installation_id).await {
            Ok(team) => team,
            Err(e) => return retry_all(e.to_string()),
        };
        let ctx = crate::tasks::Context {
            installation_id,
            salesforce,
            intercom,
            store: &self.store,
            team: &team,
            workspace_id: &workspace_id,
            now: now_ms(),
        };
        crate::tasks::run_batch(&ctx, jobs).await
    }

    async fn settle(
        &mut self,
        installation_id: &str,
        jobs: &[Job],
        outcome: BatchOutcome,
    ) -> Result<(), crate::store::StoreError> {
        let stats = &self.sync.stats;
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .salesforce_calls
            .fetch_add(u64::from(outcome.salesforce_calls), Ordering::Relaxed);
        let now = now_ms();
        let mut finished = Vec::new();
        let mut released = Vec::new();
        let by_id: HashMap<JobId, &Job> = jobs.iter().map(|j| (j.id, j)).collect();
        for (id, result) in outcome.jobs {
            match result {
                JobOutcome::Done(result) => {
                    if let Some(job) = by_id.get(&id) {
                        crate::metrics::metrics()
                            .sync_delay
                            .get_or_create(&crate::metrics::KindLabel {
                                kind: job.kind.clone(),
                            })
                            .observe((now - job.created_at).max(0) as f64 / 1000.0);
                    }
                    finished.push((id, result))
                }
                JobOutcome::Release => released.push(id),
                JobOutcome::Retry(message) => {
                    let failed = self
                        .store
                        .fail(id, &self.id, &message, &self.config.retry, now)
                        .await?;
                    match failed {
                        FailOutcome::Parked => {
                            stats.jobs_parked.fetch_add(1, Ordering::Relaxed);
                            tracing::error!(installation = %installation_id, job = id, error = %message, "a sync job failed too often and is parked");
                            let row = by_id.get(&id).and_then(|job| {
                                parked_row(&self.kinds, installation_id, job, &message, now)
                            });
                            if let Some(row) = row {
                                self.store.add_ledger_row(&row).await?;
                            }
                        }
                        _ => {
                            stats.jobs_retried.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }
        let done = self
            .store
            .finish_jobs(installation_id, &self.id, &finished, now)
            .await?;
        stats
            .jobs_finished
            .fetch_add(done as u64, Ordering::Relaxed);
        if outcome.limit_exceeded || !released.is_empty() {
            let until = now + self.config.limit_pause.as_millis() as i64;
            self.paused.insert(installation_id.to_owned(), until);
            self.sync.pauses.pause(installation_id, until);
            self.store
                .release_jobs(&released, &self.id, until, now)
                .await?;
            tracing::warn!(installation = %installation_id, jobs = released.len(), "sync paused: the Salesforce API limit is reached");
        }
        for id in &outcome.touched.intercom_ids {
            self.cards.invalidate_contact(installation_id, id).await;
        }
        self.cards.invalidate_salesforce_records(
            installation_id,
            outcome.touched.salesforce_ids.into_iter().collect(),
        );
        Ok(())
    }
}

/// The ledger row of a job given up on: its kind reads what it was about. A job no kind can
/// read is never retried (its runner finishes it), so it is never parked; `None` for one.
fn parked_row(
    kinds: &Registry,
    installation_id: &str,
    job: &Job,
    error: &str,
    now: i64,
) -> Option<NewLedgerRow> {
    let (subject, detail) = match kinds.parked(job) {
        Ok(parked) => parked,
        Err(e) => {
            tracing::error!(job = job.id, kind = %job.kind, error = %e, "a parked job names nothing this version reads");
            return None;
        }
    };
    let mut row = super::ledger::new_row(
        installation_id,
        now,
        subject.direction,
        subject.object,
        subject.intercom_id.as_deref(),
        subject.salesforce_id.as_deref(),
        shared::sync::Outcome::Failed,
    );
    row.detail = Some(detail);
    row.error_code = Some("job_parked".to_owned());
    row.error_message = Some(error.to_owned());
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(kind: &str, payload: serde_json::Value) -> Job {
        Job::running_last_attempt(kind, payload)
    }

    #[test]
    fn a_parked_job_names_its_record_or_conversation() {
        let routing = job(
            RouteConversation::NAME,
            serde_json::json!({"conversation": "215", "contact": "c1", "assignee": null}),
        );
        let kinds = sync_registry();
        let row = parked_row(&kinds, "i", &routing, "Intercom is unavailable", 1).unwrap();
        assert_eq!(
            (row.direction.as_str(), row.object.as_str()),
            ("to_intercom", "Conversation")
        );
        assert_eq!(row.intercom_id.as_deref(), Some("215"));
        assert_eq!(row.salesforce_id, None);
        assert_eq!(row.outcome, "failed");

        let back = job(
            SyncToIntercom::NAME,
            serde_json::json!({"object": "Account", "id": "001A"}),
        );
        let row = parked_row(&kinds, "i", &back, "x", 1).unwrap();
        assert_eq!(
            (row.object.as_str(), row.salesforce_id.as_deref()),
            ("Account", Some("001A"))
        );
        let person = job(
            SyncToSalesforce::NAME,
            serde_json::json!({"model": "person", "id": "p1"}),
        );
        let row = parked_row(&kinds, "i", &person, "x", 1).unwrap();
        assert_eq!(
            (row.object.as_str(), row.intercom_id.as_deref()),
            ("Contact", Some("p1"))
        );
        let fan = job(
            SyncToIntercom::NAME,
            serde_json::json!({"fan": "owned_leads", "id": "005A", "after": null}),
        );
        let row = parked_row(&kinds, "i", &fan, "x", 1).unwrap();
        assert_eq!(
            (
                row.direction.as_str(),
                row.object.as_str(),
                row.intercom_id.as_deref()
            ),
            ("to_intercom", "Lead", None)
        );
        assert!(row.detail.unwrap().contains("people behind 005A"));
    }
}
