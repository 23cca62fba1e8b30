//! The durable job queue: enqueue inside the caller's transaction, claim with a lease,
//! complete, or fail with backoff until the job is parked for a person.
//!
//! Delivery is at least once: a worker whose lease runs out loses the job to the next claim,
//! so every job must be safe to run twice.

use crate::jobs::RetryPolicy;

use super::{Db, Store, StoreError, StoreTx, on_db};

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

const JOB_COLUMNS: &str = "id, installation_id, kind, payload, dedup_key, state, attempts, \
    max_attempts, run_at, lease_owner, lease_until, last_error, created_at, updated_at";

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

impl Store {
    /// Enqueue on its own, for callers with nothing else to write.
    pub async fn enqueue(&self, job: &NewJob, now: i64) -> Result<Option<JobId>, StoreError> {
        let mut tx = self.begin().await?;
        let id = tx.enqueue(job, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Take the next due job for `worker` until `now + lease_ms`. A job whose lease has run out
    /// is due again. Two workers never hold the same job.
    pub async fn claim(
        &self,
        worker: &str,
        lease_ms: i64,
        now: i64,
    ) -> Result<Option<Job>, StoreError> {
        // SQLite has one writer, so the statement alone is atomic; PostgreSQL needs the row
        // lock, and SKIP LOCKED lets concurrent workers pass over each other's picks.
        let lock = match self.pool {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1,
                    lease_until = $2, updated_at = $3
             WHERE id = (SELECT id FROM jobs
                         WHERE (state = 'queued' AND run_at <= $3)
                            OR (state = 'running' AND lease_until < $3)
                         ORDER BY run_at, id LIMIT 1 {lock})
             RETURNING {JOB_COLUMNS}"
        ));
        Ok(on_db!(&self.pool, pool => sqlx::query_as(sql)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(pool)
            .await?))
    }

    /// The job is done: it leaves the queue. False if `worker` no longer held it.
    pub async fn complete(&self, id: JobId, worker: &str) -> Result<bool, StoreError> {
        let done = on_db!(&self.pool, pool => sqlx::query(
                "DELETE FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2",
            )
            .bind(id)
            .bind(worker)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
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

    /// Put a parked job back in the queue, due now, with a fresh count of attempts.
    pub async fn retry_parked(&self, id: JobId, now: i64) -> Result<bool, StoreError> {
        let done = on_db!(&self.pool, pool => sqlx::query(
                "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, updated_at = $2
                 WHERE id = $1 AND state = 'parked'",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
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
