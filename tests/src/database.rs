//! A database several `sfbridge` processes of one test share: a schema of its own on the
//! PostgreSQL of `TEST_DATABASE_URL`, else one SQLite file.

use anyhow::Result;
use sfbridge::store::Store;

/// A database every process of a test opens; [`SharedDb::drop_schema`] removes it.
pub struct SharedDb {
    url: String,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl SharedDb {
    /// A fresh schema named `prefix` and a random number on `TEST_DATABASE_URL`'s server, or a
    /// SQLite file in a temporary folder when that is not set.
    pub async fn new(prefix: &str) -> Result<SharedDb> {
        let dir = tempfile::tempdir()?;
        let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("TEST_DATABASE_URL not set: the processes share one SQLite file");
            let url = format!("sqlite://{}", dir.path().join("sfbridge.db").display());
            return Ok(SharedDb {
                url,
                schema: None,
                _dir: dir,
            });
        };
        let schema = format!("{prefix}_{}", rand::random::<u64>());
        let admin = Store::connect(&base.parse()?).await?;
        admin
            .execute_for_tests(&format!("CREATE SCHEMA {schema}"))
            .await?;
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        Ok(SharedDb {
            url: format!("{base}{separator}options=-c%20search_path%3D{schema}"),
            schema: Some(schema),
            _dir: dir,
        })
    }

    /// The database URL every process is given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The PostgreSQL schema, or `None` on SQLite.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Drops the PostgreSQL schema and everything in it (the SQLite file goes with the folder).
    pub async fn drop_schema(self) -> Result<()> {
        if let Some(schema) = self.schema {
            let base = std::env::var("TEST_DATABASE_URL")?;
            let admin = Store::connect(&base.parse()?).await?;
            admin
                .execute_for_tests(&format!("DROP SCHEMA {schema} CASCADE"))
                .await?;
            admin.close().await;
        }
        Ok(())
    }
}
