//! Identity links between Intercom contacts and Salesforce people, and per-installation settings.

use super::{Store, StoreError, on_db};

/// A stored link: the Intercom contact is this Salesforce Contact or Lead.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonLink {
    pub intercom_contact_id: String,
    pub salesforce_object: String,
    pub salesforce_id: String,
    pub linked_at: i64,
}

impl Store {
    pub async fn person_link(
        &self,
        installation_id: &str,
        intercom_contact_id: &str,
    ) -> Result<Option<PersonLink>, StoreError> {
        const SQL: &str = "SELECT intercom_contact_id, salesforce_object, salesforce_id, linked_at
            FROM person_links WHERE installation_id = $1 AND intercom_contact_id = $2";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(intercom_contact_id)
            .fetch_optional(pool)
            .await?))
    }

    /// Links the contact to the Salesforce record, replacing either side's earlier link
    /// (links are one-to-one).
    pub async fn save_person_link(
        &self,
        installation_id: &str,
        link: &PersonLink,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_db!(&mut tx.tx, tx => {
            sqlx::query("DELETE FROM person_links WHERE installation_id = $1
                    AND (intercom_contact_id = $2 OR salesforce_id = $3)")
                .bind(installation_id)
                .bind(&link.intercom_contact_id)
                .bind(&link.salesforce_id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("INSERT INTO person_links (installation_id, intercom_contact_id,
                    salesforce_object, salesforce_id, linked_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(installation_id)
                .bind(&link.intercom_contact_id)
                .bind(&link.salesforce_object)
                .bind(&link.salesforce_id)
                .bind(link.linked_at)
                .execute(&mut **tx)
                .await?;
        });
        tx.commit().await
    }

    /// One settings document (JSON text), if saved.
    pub async fn setting(
        &self,
        installation_id: &str,
        kind: &str,
    ) -> Result<Option<String>, StoreError> {
        const SQL: &str = "SELECT body FROM settings WHERE installation_id = $1 AND kind = $2";
        let row: Option<(String,)> = on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(kind)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|(body,)| body))
    }

    pub async fn save_setting(
        &self,
        installation_id: &str,
        kind: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO settings (installation_id, kind, body, updated_at)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (installation_id, kind) DO UPDATE SET body = excluded.body,
                updated_at = excluded.updated_at";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(installation_id)
                .bind(kind)
                .bind(body)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
