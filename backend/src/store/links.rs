//! Identity links between Intercom contacts and Salesforce people, and per-installation settings.

use shared::sync::SalesforceObject;

use super::{Store, StoreError, StoreTx, on_db};

/// A stored link: the Intercom contact is this Salesforce Contact or Lead.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonLink {
    pub intercom_contact_id: String,
    /// Decoded here, once; the column allows only `Contact` and `Lead`.
    #[sqlx(try_from = "String")]
    pub salesforce_object: PersonObject,
    pub salesforce_id: String,
    pub linked_at: i64,
}

/// The Salesforce object a person is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonObject {
    Contact,
    Lead,
}

impl PersonObject {
    pub fn object(self) -> SalesforceObject {
        match self {
            PersonObject::Contact => SalesforceObject::Contact,
            PersonObject::Lead => SalesforceObject::Lead,
        }
    }

    /// The API name, as stored.
    pub fn as_str(self) -> &'static str {
        self.object().api_name()
    }

    pub fn is_lead(self) -> bool {
        self == PersonObject::Lead
    }
}

impl From<SalesforceObject> for PersonObject {
    /// A person is a Lead or else a Contact.
    fn from(object: SalesforceObject) -> Self {
        match object {
            SalesforceObject::Lead => PersonObject::Lead,
            _ => PersonObject::Contact,
        }
    }
}

impl From<&str> for PersonObject {
    /// The stored name (the column allows only `Contact` and `Lead`).
    fn from(name: &str) -> Self {
        if name == "Lead" {
            PersonObject::Lead
        } else {
            PersonObject::Contact
        }
    }
}

impl From<String> for PersonObject {
    fn from(name: String) -> Self {
        PersonObject::from(name.as_str())
    }
}

impl PartialEq<&str> for PersonObject {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
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
        tx.save_person_link(installation_id, link).await?;
        tx.commit().await
    }

    /// The Intercom contact linked to this Salesforce record, if any.
    pub async fn person_link_by_salesforce_id(
        &self,
        installation_id: &str,
        salesforce_id: &str,
    ) -> Result<Option<PersonLink>, StoreError> {
        const SQL: &str = "SELECT intercom_contact_id, salesforce_object, salesforce_id, linked_at
            FROM person_links WHERE installation_id = $1 AND salesforce_id = $2";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(salesforce_id)
            .fetch_optional(pool)
            .await?))
    }

    /// Every person link of the installation.
    pub async fn person_links(&self, installation_id: &str) -> Result<Vec<PersonLink>, StoreError> {
        const SQL: &str = "SELECT intercom_contact_id, salesforce_object, salesforce_id, linked_at
            FROM person_links WHERE installation_id = $1 ORDER BY intercom_contact_id";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .fetch_all(pool)
            .await?))
    }

    /// How many people and how many companies the installation has linked: what a change of
    /// identity key would drop.
    pub async fn link_counts(&self, installation_id: &str) -> Result<(u64, u64), StoreError> {
        const SQL: &str = "SELECT
                (SELECT COUNT(*) FROM person_links WHERE installation_id = $1),
                (SELECT COUNT(*) FROM company_links WHERE installation_id = $1)";
        let (people, companies): (i64, i64) = on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .fetch_one(pool)
            .await?);
        Ok((
            u64::try_from(people).unwrap_or_default(),
            u64::try_from(companies).unwrap_or_default(),
        ))
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
        on_db!(&self.pool, pool => {
            sqlx::query(SAVE_SETTING)
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

const SAVE_SETTING: &str = "INSERT INTO settings (installation_id, kind, body, updated_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (installation_id, kind) DO UPDATE SET body = excluded.body,
        updated_at = excluded.updated_at";

impl StoreTx {
    /// [`Store::save_person_link`] inside this transaction.
    pub async fn save_person_link(
        &mut self,
        installation_id: &str,
        link: &PersonLink,
    ) -> Result<(), StoreError> {
        on_db!(&mut self.tx, tx => {
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
                .bind(link.salesforce_object.as_str())
                .bind(&link.salesforce_id)
                .bind(link.linked_at)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }

    /// Drops the Intercom contact's link, if any.
    pub async fn delete_person_link(
        &mut self,
        installation_id: &str,
        intercom_contact_id: &str,
    ) -> Result<bool, StoreError> {
        let n = on_db!(&mut self.tx, tx => sqlx::query(
                "DELETE FROM person_links WHERE installation_id = $1 AND intercom_contact_id = $2",
            )
            .bind(installation_id)
            .bind(intercom_contact_id)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(n > 0)
    }

    /// Saves a settings document inside this transaction.
    pub async fn save_setting(
        &mut self,
        installation_id: &str,
        kind: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        on_db!(&mut self.tx, tx => {
            sqlx::query(SAVE_SETTING)
                .bind(installation_id)
                .bind(kind)
                .bind(body)
                .bind(now)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }

    /// Unlinks every person of the installation; how many links there were.
    pub async fn unlink_all_people(&mut self, installation_id: &str) -> Result<u64, StoreError> {
        Ok(on_db!(&mut self.tx, tx => sqlx::query(
                "DELETE FROM person_links WHERE installation_id = $1",
            )
            .bind(installation_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()))
    }
}
