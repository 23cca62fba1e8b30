//! The durable job queue, all of its SQL: enqueue inside the caller's transaction, claim a
//! batch with a lease (the one claim path), finish with what the jobs leave behind, give back,
//! or fail with backoff until the job is parked for a person, who may retry it.
//!
//! Delivery is at least once: a worker whose lease runs out loses the job to the next claim,
//! so every job must be safe to run twice. The dialects differ only in locking: PostgreSQL
//! claims with `FOR UPDATE SKIP LOCKED` (concurrent workers pass over each other's picks),
//! SQLite's single writer makes each statement atomic on its own.

use crate::jobs::RetryPolicy;

use super::sync::placeholders;
use super::{Db, LinkChange, NewLedgerRow, Store, StoreError, StoreTx, Synced, on_db};

pub type JobId = i64;

/// Work to do for one installation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub installation_id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// While a job with the same installation, kind and key waits, enqueueing another is a no-op.
    pub dedup_key: Option<String>,
    pub max_attempts: i64,
    /// Not before this time (unix ms).
    pub run_at: i64,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    pub id: JobId,
    pub installation_id: String,
    pub kind: String,
    pub payload: String,
    pub dedup_key: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[cfg(test)]
impl Job {
    /// A job on its last attempt, as the worker holds it, for unit tests built from data.
    pub fn running_last_attempt(kind: &str, payload: serde_json::Value) -> Job {
        Job {
            id: 7,
            installation_id: "i".to_owned(),
            kind: kind.to_owned(),
            payload: payload.to_string(),
            dedup_key: None,
            state: "running".to_owned(),
            attempts: 10,
            max_attempts: 10,
            run_at: 0,
            lease_owner: None,
            lease_until: None,
            last_error: None,
            created_at: 0,
            updated_at: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back in the queue, due at `run_at`.
    Retry { run_at: i64 },
    /// An identical job was already waiting; it will do this work, so this one was dropped.
    Absorbed,
    /// Failed `max_attempts` times: kept aside with its last error until a person retries it.
    Parked,
    /// The lease had expired and someone else holds the job now; nothing was changed.
    LeaseLost,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub parked: i64,
}

/// Due work of one installation, for choosing whose batch to run and whether to wait for more.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueWork {
    pub installation_id: String,
    pub due: i64,
    /// When the oldest due job was enqueued (unix ms).
    pub oldest: i64,
}

/// Everything one finished job leaves behind, written together with the job's removal.
#[derive(Debug, Clone, Default)]
pub struct JobResult {
    pub ledger: Vec<NewLedgerRow>,
    pub links: Vec<LinkChange>,
    /// What Intercom holds after the job's own writes, one state per record written.
    pub synced: Vec<Synced>,
    /// Work the job hands on (the next page of a long list), queued as it finishes.
    pub follow_ups: Vec<NewJob>,
}

const JOB_COLUMNS: &str = "id, installation_id, kind, payload, dedup_key, state, attempts, \
    max_attempts, run_at, lease_owner, lease_until, last_error, created_at, updated_at";

/// Due: queued and its time has come, or running under a lease that ran out. A queued job
/// waits while a job with its key (the same record) runs under a live lease: two workers
/// never sync one record at once, so a slow run cannot write an older value over the newer
/// one a later job wrote. (`jobs` is the claimed row; the queries name no alias for it.)
const DUE: &str = "((state = 'queued' AND run_at <= $2 AND (dedup_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM jobs AS busy
        WHERE busy.installation_id = jobs.installation_id AND busy.kind = jobs.kind
          AND busy.dedup_key = jobs.dedup_key AND busy.state = 'running'
          AND busy.lease_until >= $2)))
     OR (state = 'running' AND lease_until < $2))";

impl StoreTx {
    /// Add a job as part of this transaction: it exists only if the transaction commits.
    /// Returns `None` when an identical job (same dedup key) is already waiting.
    pub async fn enqueue(&mut self, job: &NewJob, now: i64) -> Result<Option<JobId>, StoreError> {
        let payload = job.payload.to_string();
        let id: Option<(JobId,)> = on_db!(&mut self.tx, tx => {
            sqlx::query_as(
                "INSERT INTO jobs (installation_id, kind, payload, dedup_key, max_attempts, run_at,
                                   created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
                 ON CONFLICT (installation_id, kind, dedup_key)
                     WHERE dedup_key IS NOT NULL AND state = 'queued' DO NOTHING
                 RETURNING id",
            )
            .bind(&job.installation_id)
            .bind(&job.kind)
            .bind(payload)
            .bind(&job.dedup_key)
            .bind(job.max_attempts)
            .bind(job.run_at)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(id.map(|(id,)| id))
    }
}

impl StoreTx {
    async fn retry_parked(
        &mut self,
        installation_id: &str,
        id: JobId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let lock = match self.tx {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE",
        };
        let select = sqlx::AssertSqlSafe(format!(
            "SELECT kind, dedup_key FROM jobs
             WHERE id = $1 AND installation_id = $2 AND state = 'parked' {lock}"
        ));
        let changed = on_db!(&mut self.tx, tx => {
            let parked: Option<(String, Option<String>)> = sqlx::query_as(select)
                .bind(id)
                .bind(installation_id)
                .fetch_optional(&mut **tx)
                .await?;
            match parked {
                None => 0,
                Some((kind, key)) => {
                    let waiting: Option<(JobId,)> = match key {
                        None => None,
                        Some(key) => sqlx::query_as(
                            "SELECT id FROM jobs WHERE installation_id = $1 AND kind = $2
                             AND dedup_key = $3 AND state = 'queued'",
                        )
                        .bind(installation_id)
                        .bind(&kind)
                        .bind(key)
                        .fetch_optional(&mut **tx)
                        .await?,
                    };
                    if waiting.is_some() {
                        sqlx::query("DELETE FROM jobs WHERE id = $1")
                            .bind(id)
                            .execute(&mut **tx)
                            .await?
                            .rows_affected()
                    } else {
                        sqlx::query(
                            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2,
                                    updated_at = $2 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected()
                    }
                }
            }
        });
        Ok(changed == 1)
    }
}

impl Store {
    /// Enqueue on its own, for callers with nothing else to write.
    pub async fn enqueue(&self, job: &NewJob, now: i64) -> Result<Option<JobId>, StoreError> {
        let mut tx = self.begin().await?;
        let id = tx.enqueue(job, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Installations with sync jobs of `kind` due at `now`, the longest waiting first.
    pub async fn due_work(&self, kind: &str, now: i64) -> Result<Vec<DueWork>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT installation_id, COUNT(*) AS due, MIN(created_at) AS oldest FROM jobs
             WHERE kind = $1 AND {DUE} GROUP BY installation_id ORDER BY MIN(run_at) LIMIT 100"
        ));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql)
            .bind(kind)
            .bind(now)
            .fetch_all(pool)
            .await?))
    }

    /// Takes up to `limit` due jobs of `kind` of one installation for `worker` until
    /// `now + lease_ms`, oldest first. Two workers never hold the same job.
    pub async fn claim_batch(
        &self,
        kind: &str,
        installation_id: &str,
        worker: &str,
        lease_ms: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let lock = match self.pool {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $3,
                    lease_until = $4, updated_at = $2
             WHERE id IN (SELECT id FROM jobs
                          WHERE kind = $1 AND installation_id = $5 AND {DUE}
                          ORDER BY run_at, id LIMIT $6 {lock})
             RETURNING {JOB_COLUMNS}"
        ));
        let mut jobs: Vec<Job> = on_db!(&self.pool, pool => sqlx::query_as(sql)
            .bind(kind)
            .bind(now)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(installation_id)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Extends the leases of the jobs `worker` still holds to `until`, while their batch runs
    /// longer than one lease (waits for a rate limit, retries): a live worker keeps its jobs,
    /// and with them its records. Returns how many it still held.
    pub async fn renew_job_leases(
        &self,
        ids: &[JobId],
        worker: &str,
        until: i64,
        now: i64,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET lease_until = $2, updated_at = $3
             WHERE state = 'running' AND lease_owner = $1 AND id IN ({})",
            placeholders(4, ids.len())
        ));
        Ok(on_db!(&self.pool, pool => {
            let mut q = sqlx::query(sql).bind(worker).bind(until).bind(now);
            for id in ids {
                q = q.bind(id);
            }
            q.execute(pool).await?.rows_affected()
        }))
    }

    /// Gives claimed jobs back, due at `run_at`, without counting the attempt (the work was
    /// not tried: the installation's API budget is spent).
    pub async fn release_jobs(
        &self,
        ids: &[JobId],
        worker: &str,
        run_at: i64,
        now: i64,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $2,
                    lease_owner = NULL, lease_until = NULL, updated_at = $3
             WHERE state = 'running' AND lease_owner = $1 AND id IN ({})",
            placeholders(4, ids.len())
        ));
        Ok(on_db!(&self.pool, pool => {
            let mut q = sqlx::query(sql).bind(worker).bind(run_at).bind(now);
            for id in ids {
                q = q.bind(id);
            }
            q.execute(pool).await?.rows_affected()
        }))
    }

    /// Finishes jobs `worker` holds: each leaves the queue together with its ledger rows, link
    /// changes and synced state, in one transaction. Jobs whose lease was lost are left alone
    /// (their work is idempotent and runs again); returns how many were finished.
    pub async fn finish_jobs(
        &self,
        installation_id: &str,
        worker: &str,
        done: &[(JobId, JobResult)],
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let mut finished = 0;
        for (id, result) in done {
            // The job's queueing time goes with its ledger rows: the delay the health page shows.
            let held: Option<(i64,)> = on_db!(&mut tx.tx, tx => sqlx::query_as(
                    "DELETE FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2
                     RETURNING created_at",
                )
                .bind(id)
                .bind(worker)
                .fetch_optional(&mut **tx)
                .await?);
            let Some((queued_at,)) = held else {
                continue;
            };
            finished += 1;
            for change in &result.links {
                tx.apply_link(installation_id, change, now).await?;
            }
            for row in &result.ledger {
                tx.add_ledger_row_queued(row, Some(queued_at)).await?;
            }
            for job in &result.follow_ups {
                tx.enqueue(job, now).await?;
            }
            for synced in &result.synced {
                tx.keep_synced(installation_id, synced, now).await?;
            }
        }
        tx.commit().await?;
        Ok(finished)
    }

    /// The attempt failed with `error`: retry later by `policy`, or park after the last attempt.
    pub async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        policy: &RetryPolicy,
        now: i64,
    ) -> Result<FailOutcome, StoreError> {
        let lock = match self.pool {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE",
        };
        let select = sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE id = $1 AND state = 'running' AND lease_owner = $2 {lock}"
        ));
        let mut tx = self.begin().await?;
        let outcome = on_db!(&mut tx.tx, tx => {
            let job: Option<Job> = sqlx::query_as(select)
                .bind(id)
                .bind(worker)
                .fetch_optional(&mut **tx)
                .await?;
            match job {
                None => FailOutcome::LeaseLost,
                Some(job) if job.attempts >= job.max_attempts => {
                    sqlx::query(
                        "UPDATE jobs SET state = 'parked', lease_owner = NULL, lease_until = NULL,
                                last_error = $2, updated_at = $3 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(error)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                    FailOutcome::Parked
                }
                Some(job) => {
                    let waiting: Option<(JobId,)> = match &job.dedup_key {
                        None => None,
                        Some(key) => sqlx::query_as(
                            "SELECT id FROM jobs WHERE installation_id = $1 AND kind = $2
                             AND dedup_key = $3 AND state = 'queued'",
                        )
                        .bind(&job.installation_id)
                        .bind(&job.kind)
                        .bind(key)
                        .fetch_optional(&mut **tx)
                        .await?,
                    };
                    if waiting.is_some() {
                        sqlx::query("DELETE FROM jobs WHERE id = $1")
                            .bind(id)
                            .execute(&mut **tx)
                            .await?;
                        FailOutcome::Absorbed
                    } else {
                        let run_at = now + policy.backoff(job.attempts).as_millis() as i64;
                        sqlx::query(
                            "UPDATE jobs SET state = 'queued', run_at = $2, lease_owner = NULL,
                                    lease_until = NULL, last_error = $3, updated_at = $4
                             WHERE id = $1",
                        )
                        .bind(id)
                        .bind(run_at)
                        .bind(error)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                        FailOutcome::Retry { run_at }
                    }
                }
            }
        });
        tx.commit().await?;
        Ok(outcome)
    }

    /// Puts a parked job of the installation back in the queue, due now, with a fresh count
    /// of attempts; false if it has no such parked job. When the same work already waits
    /// (its dedup key is queued again), that job will do it and the parked one is dropped.
    pub async fn retry_parked(
        &self,
        installation_id: &str,
        id: JobId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let retried = tx.retry_parked(installation_id, id, now).await?;
        tx.commit().await?;
        Ok(retried)
    }

    /// [`Store::retry_parked`] for every parked job of `kind` of the installation, in one
    /// transaction; how many went back.
    pub async fn retry_parked_of_kind(
        &self,
        installation_id: &str,
        kind: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let ids: Vec<(JobId,)> = on_db!(&mut tx.tx, tx => sqlx::query_as(
                "SELECT id FROM jobs WHERE installation_id = $1 AND kind = $2 AND state = 'parked'
                 ORDER BY id",
            )
            .bind(installation_id)
            .bind(kind)
            .fetch_all(&mut **tx)
            .await?);
        let mut retried = 0;
        for (id,) in ids {
            if tx.retry_parked(installation_id, id, now).await? {
                retried += 1;
            }
        }
        tx.commit().await?;
        Ok(retried)
    }

    /// The installation's parked jobs, oldest first.
    pub async fn parked_jobs(&self, installation_id: &str) -> Result<Vec<Job>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE installation_id = $1 AND state = 'parked'
             ORDER BY id"
        ));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql)
            .bind(installation_id)
            .fetch_all(pool)
            .await?))
    }

    pub async fn job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        let rows: Vec<(String, i64)> = on_db!(&self.pool, pool => sqlx::query_as(
                "SELECT state, COUNT(*) FROM jobs GROUP BY state",
            )
            .fetch_all(pool)
            .await?);
        let mut counts = JobCounts::default();
        for (state, n) in rows {
            match state.as_str() {
                "queued" => counts.queued = n,
                "running" => counts.running = n,
                "parked" => counts.parked = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}
