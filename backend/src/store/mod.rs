//! The store: one abstraction over SQLite (the embedded default) and PostgreSQL (several
//! processes), chosen by the database URL's scheme.
//!
//! Queries are written once with `$N` placeholders, which both drivers bind by position; the
//! few places where the dialects differ (claiming jobs, locking migrations) say so.

mod access;
mod cases;
mod cursors;
mod gauges;
mod health;
mod installations;
mod jobs;
mod leases;
mod links;
mod migrate;
mod notices;
mod retention;
mod sync;
mod tasks;
mod url;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};

pub use access::{AuditRow, IntercomFlowRow, Purged, SessionRow, SignInLinkRow};
pub use cases::{CaseClaim, CaseSubmissionRow};
pub use cursors::SalesforceCursors;
pub use installations::{
    ContactOutcome, Footprint, INSTALLATION_TABLES, InstallationRow, NewInstallation, OAuthFlow,
    SalesforceGrant, Service,
};
pub use jobs::{DueWork, FailOutcome, Job, JobCounts, JobId, JobResult, NewJob};
pub use leases::LeaseRow;
pub use links::{PersonLink, PersonObject};
pub use migrate::MigrateError;
pub use notices::{CARDS_CHANNEL, MAX_PAYLOAD, Notice, Notices};
pub use retention::Pruned;
pub use sync::{
    Agreed, CompanyLink, IncomingRecord, Intake, LedgerQuery, LedgerRow, LinkChange, LinkSide,
    NewLedgerRow, Receipt, RecordModel, StoredRecord, Synced,
};
pub use tasks::{ConversationTaskRow, SavedTask, StoredObject};
pub use url::{DatabaseUrl, InvalidDatabaseUrl};

use shared::DatabaseKind;

/// Runs the same tokens against whichever pool or connection the store holds.
macro_rules! on_db {
    ($value:expr, $name:ident => $body:expr) => {
        match $value {
            $crate::store::Db::Sqlite($name) => $body,
            $crate::store::Db::Postgres($name) => $body,
        }
    };
}
pub(crate) use on_db;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// Either dialect's value of one thing (a pool, a transaction).
#[derive(Debug, Clone)]
pub(crate) enum Db<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Db<SqlitePool, PgPool>,
}

/// An open transaction: work done through it lands together on `commit`, or not at all.
pub struct StoreTx {
    tx: Db<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>,
}

impl Store {
    /// Open (and for SQLite create) the database. Does not migrate.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let pool = match url {
            DatabaseUrl::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .map_err(StoreError::Connect)?;
                Db::Sqlite(pool)
            }
            DatabaseUrl::Postgres(url) => {
                let options =
                    PgConnectOptions::from_str(url.expose()).map_err(StoreError::Connect)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(StoreError::Connect)?;
                Db::Postgres(pool)
            }
        };
        Ok(Store { pool })
    }

    /// Connect and bring the schema up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn kind(&self) -> DatabaseKind {
        match self.pool {
            Db::Sqlite(_) => DatabaseKind::Sqlite,
            Db::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_db!(&self.pool, pool => sqlx::query("SELECT 1").execute(pool).await.is_ok())
    }

    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        let tx = match &self.pool {
            Db::Sqlite(pool) => Db::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Db::Postgres(pool.begin().await?),
        };
        Ok(StoreTx { tx })
    }

    pub async fn close(&self) {
        on_db!(&self.pool, pool => pool.close().await)
    }
}

impl StoreTx {
    pub async fn commit(self) -> Result<(), StoreError> {
        on_db!(self.tx, tx => tx.commit().await?);
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        on_db!(self.tx, tx => tx.rollback().await?);
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, the unit every stored timestamp uses.
pub fn millis(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

impl Store {
    /// Run one statement as-is. For tests and fixtures, never with outside input.
    #[doc(hidden)]
    pub async fn execute_for_tests(&self, sql: &str) -> Result<(), StoreError> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        on_db!(&self.pool, pool => { sqlx::raw_sql(sql).execute(pool).await?; });
        Ok(())
    }
}
