//! The org's active users, for matching Salesforce owners to Intercom teammates on the owner
//! settings page: one query.

use serde::Deserialize;
use shared::owner::SalesforceUser;

use super::soql::{Condition, Field, Order, Query};
use super::{Client, SalesforceError};

/// The most users one page of the owner settings lists.
pub const USERS_LIMIT: u32 = 2000;

fn users_query() -> Query {
    Query::select("User", &["Id", "Name", "Email"])
        .filter(Condition::eq(Field::known("IsActive"), true))
        .order_by("Name", Order::Asc)
        .order_by("Id", Order::Asc)
        .limit(USERS_LIMIT)
}

impl Client {
    /// Active users by name (at most [`USERS_LIMIT`]): one call.
    pub async fn active_users(&self) -> Result<Vec<SalesforceUser>, SalesforceError> {
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
