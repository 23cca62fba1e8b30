//! Stored state as counts, for `/metrics`.

use super::{Store, StoreError, on_db};

impl Store {
    /// Jobs in the queue per (kind, state), every installation together.
    pub async fn jobs_by_kind(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        const SQL: &str = "SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state
            ORDER BY kind, state";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL).fetch_all(pool).await?))
    }
}
