//! The org's active users, for matching Salesforce owners to Intercom teammates on the owner
//! settings page: one query, kept for a few minutes so that reloading the page spends nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use shared::owner::SalesforceUser;

use super::soql::{Condition, Field, Order, Query};
use super::{Client, SalesforceError};

/// The most users one page of the owner settings lists.
pub const USERS_LIMIT: u32 = 2000;

/// How long the active users are shown before the org is asked again. The teammates they are
/// matched with are kept as long (`inbox::TEAM_TTL`), users change rarely (a hire, a changed
/// email), and however often the page is opened it costs at most 12 calls an hour.
pub const USERS_FRESH_FOR: Duration = Duration::from_secs(5 * 60);

/// The last answer, per client (so a reconnected or switched org starts afresh). The lock is
/// held while the org is asked, so concurrent first loads share one call.
#[derive(Default)]
pub(crate) struct Cache(tokio::sync::Mutex<Option<(Instant, Arc<Vec<SalesforceUser>>)>>);

fn users_query() -> Query {
    Query::select("User", &["Id", "Name", "Email"])
        .filter(Condition::eq(Field::known("IsActive"), true))
        .order_by("Name", Order::Asc)
        .order_by("Id", Order::Asc)
        .limit(USERS_LIMIT)
}

impl Client {
    /// Active users by name (at most [`USERS_LIMIT`]): one call, then none for
    /// [`USERS_FRESH_FOR`].
    pub async fn active_users(&self) -> Result<Arc<Vec<SalesforceUser>>, SalesforceError> {
        let mut cached = self.inner.users.0.lock().await;
        if let Some((read_at, users)) = cached.as_ref()
            && read_at.elapsed() < USERS_FRESH_FOR
        {
            return Ok(users.clone());
        }
        let users = Arc::new(self.read_active_users().await?);
        *cached = Some((Instant::now(), users.clone()));
        Ok(users)
    }

    async fn read_active_users(&self) -> Result<Vec<SalesforceUser>, SalesforceError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Row {
            id: String,
            name: Option<String>,
            email: Option<String>,
        }
        let rows: Vec<Row> = self.query_rows(&users_query()).await?;
        Ok(rows
            .into_iter()
            .map(|row| SalesforceUser {
                name: row.name.unwrap_or_else(|| row.id.clone()),
                email: row.email.filter(|e| !e.trim().is_empty()),
                id: row.id,
                active: true,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_query_lists_active_users_by_name() {
        assert_eq!(
            users_query().to_string(),
            "SELECT Id, Name, Email FROM User WHERE IsActive = true ORDER BY Name, Id LIMIT 2000"
        );
    }
}
