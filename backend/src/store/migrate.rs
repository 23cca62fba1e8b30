//! Schema migrations, applied all together in one transaction: a migration that fails leaves
//! the database exactly as it was, including the ones before it in the same run.
//!
//! The SQL lives in `backend/migrations/<dialect>/` and is embedded in the binary.

use sqlx::migrate::Migrator;

use super::{Db, Store, StoreError, on_db};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// Any PostgreSQL process migrating takes this lock, so two servers starting together take turns.
const POSTGRES_LOCK: i64 = 0x0073_6662_7269_6467; // "sfbridg"

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration {version} ({description}) failed, nothing was changed: {source}")]
    Failed {
        version: i64,
        description: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "migration {version} ({description}) was changed after it was applied to this database; restore it"
    )]
    Changed { version: i64, description: String },
    #[error(
        "the database has migration {0}, which this sfbridge does not know: it was migrated by a newer version"
    )]
    Unknown(i64),
    #[error("cannot migrate: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    pub applied: Vec<i64>,
    pub already_applied: usize,
}

impl Store {
    /// Apply this binary's pending migrations.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let migrator = match self.pool {
            Db::Sqlite(_) => &SQLITE,
            Db::Postgres(_) => &POSTGRES,
        };
        Ok(self.migrate_with(migrator).await?)
    }

    /// Apply `migrator`'s pending migrations in one transaction.
    pub async fn migrate_with(&self, migrator: &Migrator) -> Result<MigrationReport, MigrateError> {
        on_db!(&self.pool, pool => {
            let mut tx = pool.begin().await?;
            if let Db::Postgres(_) = &self.pool {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(POSTGRES_LOCK)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS sfbridge_migrations (
                    version BIGINT PRIMARY KEY,
                    description TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )",
            )
            .execute(&mut *tx)
            .await?;
            let done: Vec<(i64, String)> =
                sqlx::query_as("SELECT version, checksum FROM sfbridge_migrations ORDER BY version")
                    .fetch_all(&mut *tx)
                    .await?;
            let report = plan(migrator, &done)?;
            for migration in migrator.iter().filter(|m| report.applied.contains(&m.version)) {
                sqlx::raw_sql(migration.sql.clone())
                    .execute(&mut *tx)
                    .await
                    .map_err(|source| MigrateError::Failed {
                        version: migration.version,
                        description: migration.description.to_string(),
                        source,
                    })?;
                sqlx::query(
                    "INSERT INTO sfbridge_migrations (version, description, checksum, applied_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(migration.version)
                .bind(migration.description.to_string())
                .bind(hex::encode(&migration.checksum))
                .bind(super::millis(chrono::Utc::now()))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(report)
        })
    }
}

/// Decide which migrations to apply, refusing a database that disagrees with this binary.
fn plan(migrator: &Migrator, done: &[(i64, String)]) -> Result<MigrationReport, MigrateError> {
    for (version, _) in done {
        if !migrator.iter().any(|m| m.version == *version) {
            return Err(MigrateError::Unknown(*version));
        }
    }
    let mut applied = Vec::new();
    for migration in migrator.iter() {
        match done.iter().find(|(v, _)| *v == migration.version) {
            Some((_, checksum)) if *checksum != hex::encode(&migration.checksum) => {
                return Err(MigrateError::Changed {
                    version: migration.version,
                    description: migration.description.to_string(),
                });
            }
            Some(_) => {}
            None => applied.push(migration.version),
        }
    }
    Ok(MigrationReport {
        applied,
        already_applied: done.len(),
    })
}
