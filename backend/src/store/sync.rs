//! The sync's tables: webhook receipts, the latest state of each Intercom record (the outbox
//! the jobs read), company links, claiming jobs in batches, and the ledger.

use super::{JobId, NewJob, Store, StoreError, StoreTx, on_db};

/// Which kind of Intercom record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordModel {
    Person,
    Company,
}

impl RecordModel {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordModel::Person => "person",
            RecordModel::Company => "company",
        }
    }
}

/// A notification taken in: its id makes a repeated delivery a no-op.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub notification_id: String,
    pub topic: String,
}

/// What a notification says about one record.
#[derive(Debug, Clone)]
pub struct IncomingRecord {
    pub model: RecordModel,
    pub intercom_id: String,
    /// The record's own `updated_at` (unix ms); for a delete, when it was noticed.
    pub updated_at: i64,
    pub deleted: bool,
    /// The notification announced the record's creation.
    pub created: bool,
    /// The record in our JSON (empty object for a delete).
    pub body: String,
}

/// What the store did with a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// A delivery of a notification already taken in: nothing changed.
    Repeated,
    /// Older than (or as old as) what is stored, or about a deleted record: only the receipt was kept.
    Stale,
    /// Stored, with a job to sync it (`None` when one was already waiting).
    Stored(Option<JobId>),
    /// Nothing about a record (a topic the sync does not use): only the receipt was kept.
    Receipted,
}

/// An Intercom record as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredRecord {
    pub model: String,
    pub intercom_id: String,
    pub updated_at: i64,
    pub deleted: bool,
    pub created: bool,
    pub body: String,
    pub synced_body: Option<String>,
    /// A notification tied `updated_at` with another body: Intercom's current state decides.
    pub recheck: bool,
}

/// A stored link: the Intercom company is this Salesforce Account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CompanyLink {
    pub intercom_company_id: String,
    pub salesforce_id: String,
    pub linked_at: i64,
}

/// A ledger row to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLedgerRow {
    pub installation_id: String,
    pub at: i64,
    pub direction: String,
    pub object: String,
    pub intercom_id: Option<String>,
    pub salesforce_id: Option<String>,
    /// JSON array of names.
    pub fields: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A ledger row as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub at: i64,
    pub direction: String,
    pub object: String,
    pub intercom_id: Option<String>,
    pub salesforce_id: Option<String>,
    pub fields: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// Which ledger rows to read (all filters optional), newest first.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    pub direction: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<String>,
    pub record_id: Option<String>,
    pub before: Option<i64>,
    /// Rows at or after this moment (ms).
    pub since: Option<i64>,
    /// A person's or company's history: rows naming this Intercom id or this Salesforce id
    /// (with `record_id`, rows naming any of the three).
    pub intercom_id: Option<String>,
    pub salesforce_id: Option<String>,
    pub limit: i64,
}

/// A link to make or drop as part of finishing a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkChange {
    /// Link this Intercom contact to a Salesforce `Contact` or `Lead` (replacing either side's link).
    Person {
        intercom_id: String,
        object: super::PersonObject,
        salesforce_id: String,
    },
    /// Link this Intercom company to an Account (replacing either side's link).
    Company {
        intercom_id: String,
        salesforce_id: String,
    },
    UnlinkPerson {
        intercom_id: String,
    },
    UnlinkCompany {
        intercom_id: String,
    },
}

/// Which side's ids a batched link lookup is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSide {
    Intercom,
    Salesforce,
}

/// What the record looked like when the job synced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub model: RecordModel,
    pub intercom_id: String,
    pub updated_at: i64,
    /// The record as Intercom holds it at `updated_at`.
    pub body: String,
    /// How much of it Salesforce holds.
    pub agreed: Agreed,
}

impl Synced {
    /// A state Salesforce holds all of: what an Intercom -> Salesforce job synced.
    pub fn all(model: RecordModel, intercom_id: &str, updated_at: i64, body: &str) -> Synced {
        Synced {
            model,
            intercom_id: intercom_id.to_owned(),
            updated_at,
            body: body.to_owned(),
            agreed: Agreed::All,
        }
    }
}

/// How much of an Intercom record's state the sync has carried to Salesforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agreed {
    /// All of it (an Intercom -> Salesforce job synced this state).
    All,
    /// This earlier state, with what the job wrote to Intercom on top: a write toward Intercom
    /// carries nothing else across, so other changes still wait to be synced.
    AsOf(String),
    /// Unknown: the state agreed before stays (none: the next job compares everything).
    Unknown,
}

const RECORD_COLUMNS: &str =
    "model, intercom_id, updated_at, deleted, created, body, synced_body, recheck";

/// `$from, $from+1, ..` for `count` values.
pub(super) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Takes in one webhook notification: its receipt, the record's newer state and the job to
    /// sync it, all in one transaction. A repeated id changes nothing; an older state than the
    /// stored one (a late delivery) leaves the stored one alone.
    pub async fn take_notification(
        &self,
        installation_id: &str,
        receipt: &Receipt,
        record: Option<&IncomingRecord>,
        job: impl FnOnce(&IncomingRecord) -> NewJob,
        now: i64,
    ) -> Result<Intake, StoreError> {
        let mut tx = self.begin().await?;
        if !tx.receipt(installation_id, receipt, now).await? {
            tx.rollback().await?;
            return Ok(Intake::Repeated);
        }
        let Some(record) = record else {
            tx.commit().await?;
            return Ok(Intake::Receipted);
        };
        // A delete is final (Intercom never reuses ids); otherwise only a newer state replaces,
        // and one tying the stored state with another body marks the record for its job to read
        // Intercom's current state (`updated_at` counts seconds; either may be the older).
        let sql = if record.deleted {
            "INSERT INTO intercom_records (installation_id, model, intercom_id, updated_at, deleted,
                 created, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (installation_id, model, intercom_id) DO UPDATE SET deleted = excluded.deleted,
                 received_at = excluded.received_at
             WHERE NOT intercom_records.deleted"
        } else {
            "INSERT INTO intercom_records (installation_id, model, intercom_id, updated_at, deleted,
                 created, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (installation_id, model, intercom_id) DO UPDATE SET
                 recheck = (intercom_records.updated_at = excluded.updated_at),
                 body = CASE WHEN intercom_records.updated_at < excluded.updated_at
                             THEN excluded.body ELSE intercom_records.body END,
                 updated_at = CASE WHEN intercom_records.updated_at < excluded.updated_at
                             THEN excluded.updated_at ELSE intercom_records.updated_at END,
                 created = (intercom_records.created OR excluded.created),
                 received_at = excluded.received_at
             WHERE NOT intercom_records.deleted
               AND (intercom_records.updated_at < excluded.updated_at
                    OR (intercom_records.updated_at = excluded.updated_at
                        AND intercom_records.body <> excluded.body))"
        };
        let changed = on_db!(&mut tx.tx, tx => sqlx::query(sql)
            .bind(installation_id)
            .bind(record.model.as_str())
            .bind(&record.intercom_id)
            .bind(record.updated_at)
            .bind(record.deleted)
            .bind(if record.deleted { false } else { record.created })
            .bind(&record.body)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        if changed == 0 {
            tx.commit().await?;
            return Ok(Intake::Stale);
        }
        let id = tx.enqueue(&job(record), now).await?;
        tx.commit().await?;
        Ok(Intake::Stored(id))
    }

    /// Takes in a notification that calls for jobs but carries no record to keep (a new
    /// conversation to route and to send to Salesforce as a Task, a closed one): its receipt
    /// and the jobs in one transaction. A repeated id changes nothing. The first job's id, if
    /// it was not already waiting.
    pub async fn take_notification_jobs(
        &self,
        installation_id: &str,
        receipt: &Receipt,
        jobs: &[NewJob],
        now: i64,
    ) -> Result<Intake, StoreError> {
        let mut tx = self.begin().await?;
        if !tx.receipt(installation_id, receipt, now).await? {
            tx.rollback().await?;
            return Ok(Intake::Repeated);
        }
        let mut first = None;
        for (i, job) in jobs.iter().enumerate() {
            let id = tx.enqueue(job, now).await?;
            if i == 0 {
                first = id;
            }
        }
        tx.commit().await?;
        Ok(Intake::Stored(first))
    }

    /// The stored states of these records.
    pub async fn intercom_records(
        &self,
        installation_id: &str,
        model: RecordModel,
        ids: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM intercom_records
             WHERE installation_id = $1 AND model = $2 AND intercom_id IN ({})",
            placeholders(3, ids.len())
        ));
        Ok(on_db!(&self.pool, pool => {
            let mut q = sqlx::query_as(sql).bind(installation_id).bind(model.as_str());
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// Intercom's current state of a record whose notifications tied: kept unless a newer
    /// state arrived meanwhile, and the mark cleared.
    pub async fn refresh_record(
        &self,
        installation_id: &str,
        model: RecordModel,
        intercom_id: &str,
        updated_at: i64,
        body: &str,
    ) -> Result<(), StoreError> {
        on_db!(&self.pool, pool => {
            sqlx::query(
                "UPDATE intercom_records SET body = $5, updated_at = $4, recheck = FALSE
                 WHERE installation_id = $1 AND model = $2 AND intercom_id = $3
                   AND NOT deleted AND updated_at <= $4",
            )
            .bind(installation_id)
            .bind(model.as_str())
            .bind(intercom_id)
            .bind(updated_at)
            .bind(body)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The person links of many records at once, by either side's ids.
    pub async fn person_links_of(
        &self,
        installation_id: &str,
        side: LinkSide,
        ids: &[String],
    ) -> Result<Vec<super::PersonLink>, StoreError> {
        let column = match side {
            LinkSide::Intercom => "intercom_contact_id",
            LinkSide::Salesforce => "salesforce_id",
        };
        self.links_of(
            "intercom_contact_id, salesforce_object, salesforce_id, linked_at FROM person_links",
            column,
            installation_id,
            ids,
        )
        .await
    }

    /// The company links of many records at once, by either side's ids.
    pub async fn company_links_of(
        &self,
        installation_id: &str,
        side: LinkSide,
        ids: &[String],
    ) -> Result<Vec<CompanyLink>, StoreError> {
        let column = match side {
            LinkSide::Intercom => "intercom_company_id",
            LinkSide::Salesforce => "salesforce_id",
        };
        self.links_of(
            "intercom_company_id, salesforce_id, linked_at FROM company_links",
            column,
            installation_id,
            ids,
        )
        .await
    }

    /// `SELECT {from} WHERE installation_id = $1 AND {column} IN (ids)`; both are our own text.
    async fn links_of<T>(
        &self,
        from: &'static str,
        column: &'static str,
        installation_id: &str,
        ids: &[String],
    ) -> Result<Vec<T>, StoreError>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {from} WHERE installation_id = $1 AND {column} IN ({})",
            placeholders(2, ids.len())
        ));
        Ok(on_db!(&self.pool, pool => {
            let mut q = sqlx::query_as(sql).bind(installation_id);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        }))
    }

    pub async fn company_link(
        &self,
        installation_id: &str,
        intercom_company_id: &str,
    ) -> Result<Option<CompanyLink>, StoreError> {
        const SQL: &str = "SELECT intercom_company_id, salesforce_id, linked_at FROM company_links
            WHERE installation_id = $1 AND intercom_company_id = $2";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(intercom_company_id)
            .fetch_optional(pool)
            .await?))
    }

    /// Records one ledger row on its own (outside a job's transaction).
    pub async fn add_ledger_row(&self, row: &NewLedgerRow) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.add_ledger_row(row).await?;
        tx.commit().await
    }

    /// Ledger rows of the installation matching `query`, newest first.
    pub async fn ledger(
        &self,
        installation_id: &str,
        query: &LedgerQuery,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        // Each filter is `($n IS NULL OR column = $n)`, so one statement serves every combination.
        const SQL: &str = "SELECT id, at, direction, object, intercom_id, salesforce_id, fields,
                outcome, detail, error_code, error_message FROM sync_ledger
            WHERE installation_id = $1
              AND ($2 IS NULL OR direction = $2)
              AND ($3 IS NULL OR object = $3)
              AND ($4 IS NULL OR outcome = $4)
              AND ($5 IS NULL OR intercom_id = $5 OR salesforce_id = $5)
              AND ($6 IS NULL OR id < $6)
              AND ($8 IS NULL OR at >= $8)
              AND (($9 IS NULL AND $10 IS NULL) OR intercom_id = $9 OR salesforce_id = $10)
            ORDER BY id DESC LIMIT $7";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(&query.direction)
            .bind(&query.object)
            .bind(&query.outcome)
            .bind(&query.record_id)
            .bind(query.before)
            .bind(query.limit)
            .bind(query.since)
            .bind(&query.intercom_id)
            .bind(&query.salesforce_id)
            .fetch_all(pool)
            .await?))
    }
}

impl StoreTx {
    /// Keeps a notification's receipt; `false` when it was already kept (a repeat).
    async fn receipt(
        &mut self,
        installation_id: &str,
        receipt: &Receipt,
        now: i64,
    ) -> Result<bool, StoreError> {
        let fresh = on_db!(&mut self.tx, tx => sqlx::query(
                "INSERT INTO webhook_receipts (installation_id, notification_id, topic, received_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (installation_id, notification_id) DO NOTHING",
            )
            .bind(installation_id)
            .bind(&receipt.notification_id)
            .bind(&receipt.topic)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(fresh > 0)
    }

    pub(super) async fn apply_link(
        &mut self,
        installation_id: &str,
        change: &LinkChange,
        now: i64,
    ) -> Result<(), StoreError> {
        match change {
            LinkChange::Person {
                intercom_id,
                object,
                salesforce_id,
            } => {
                let link = super::PersonLink {
                    intercom_contact_id: intercom_id.clone(),
                    salesforce_object: *object,
                    salesforce_id: salesforce_id.clone(),
                    linked_at: now,
                };
                self.save_person_link(installation_id, &link).await
            }
            LinkChange::UnlinkPerson { intercom_id } => self
                .delete_person_link(installation_id, intercom_id)
                .await
                .map(|_| ()),
            LinkChange::Company {
                intercom_id,
                salesforce_id,
            } => {
                on_db!(&mut self.tx, tx => {
                    sqlx::query("DELETE FROM company_links WHERE installation_id = $1
                            AND (intercom_company_id = $2 OR salesforce_id = $3)")
                        .bind(installation_id)
                        .bind(intercom_id)
                        .bind(salesforce_id)
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("INSERT INTO company_links (installation_id, intercom_company_id,
                            salesforce_id, linked_at) VALUES ($1, $2, $3, $4)")
                        .bind(installation_id)
                        .bind(intercom_id)
                        .bind(salesforce_id)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                });
                Ok(())
            }
            LinkChange::UnlinkCompany { intercom_id } => {
                on_db!(&mut self.tx, tx => {
                    sqlx::query("DELETE FROM company_links WHERE installation_id = $1
                            AND intercom_company_id = $2")
                        .bind(installation_id)
                        .bind(intercom_id)
                        .execute(&mut **tx)
                        .await?;
                });
                Ok(())
            }
        }
    }

    /// Keeps what Intercom holds after a job's own write. A state newer than the stored one is
    /// the engine's own write to Intercom: stored too, so the webhook it raises finds nothing
    /// new (no job, no call).
    pub(super) async fn keep_synced(
        &mut self,
        installation_id: &str,
        synced: &Synced,
        now: i64,
    ) -> Result<(), StoreError> {
        on_db!(&mut self.tx, tx => sqlx::query(
                "INSERT INTO intercom_records (installation_id, model, intercom_id,
                     updated_at, deleted, created, body, synced_body, received_at)
                 VALUES ($1, $2, $3, $5, $6, $6, $4, $8, $7)
                 ON CONFLICT (installation_id, model, intercom_id) DO UPDATE SET
                     synced_body = COALESCE(excluded.synced_body,
                                            intercom_records.synced_body),
                     created = (intercom_records.created
                                AND intercom_records.updated_at <> excluded.updated_at),
                     body = CASE WHEN intercom_records.updated_at < excluded.updated_at
                                 THEN excluded.body ELSE intercom_records.body END,
                     recheck = CASE WHEN intercom_records.updated_at < excluded.updated_at
                                 THEN FALSE ELSE intercom_records.recheck END,
                     updated_at = CASE WHEN intercom_records.updated_at < excluded.updated_at
                                 THEN excluded.updated_at ELSE intercom_records.updated_at END",
            )
            .bind(installation_id)
            .bind(synced.model.as_str())
            .bind(&synced.intercom_id)
            .bind(&synced.body)
            .bind(synced.updated_at)
            .bind(false)
            .bind(now)
            .bind(match &synced.agreed {
                Agreed::All => Some(synced.body.as_str()),
                Agreed::AsOf(body) => Some(body.as_str()),
                Agreed::Unknown => None,
            })
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Unlinks every company of the installation; how many links there were.
    pub async fn unlink_all_companies(&mut self, installation_id: &str) -> Result<u64, StoreError> {
        Ok(on_db!(&mut self.tx, tx => sqlx::query(
                "DELETE FROM company_links WHERE installation_id = $1",
            )
            .bind(installation_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()))
    }

    pub async fn add_ledger_row(&mut self, row: &NewLedgerRow) -> Result<(), StoreError> {
        self.add_ledger_row_queued(row, None).await
    }

    /// A ledger row of a job queued at `queued_at` (the delay the sync-health page reports).
    pub async fn add_ledger_row_queued(
        &mut self,
        row: &NewLedgerRow,
        queued_at: Option<i64>,
    ) -> Result<(), StoreError> {
        on_db!(&mut self.tx, tx => {
            sqlx::query("INSERT INTO sync_ledger (installation_id, at, direction, object,
                    intercom_id, salesforce_id, fields, outcome, detail, error_code, error_message,
                    queued_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .bind(&row.installation_id)
                .bind(row.at)
                .bind(&row.direction)
                .bind(&row.object)
                .bind(&row.intercom_id)
                .bind(&row.salesforce_id)
                .bind(&row.fields)
                .bind(&row.outcome)
                .bind(&row.detail)
                .bind(&row.error_code)
                .bind(&row.error_message)
                .bind(queued_at)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
}
