//! Conversations as Salesforce Tasks: which Task each conversation has, and whether a create
//! was sent for one whose answer never came back.

use super::sync::placeholders;
use super::{PersonObject, Store, StoreError, on_db};

/// A conversation's Task as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConversationTaskRow {
    pub conversation_id: String,
    /// `None` until Salesforce answered a create.
    pub task_id: Option<String>,
    /// The person (`WhoId`) and account (`WhatId`) the Task was last written with.
    pub who_id: Option<String>,
    pub what_id: Option<String>,
    /// Whether `who_id` is a Lead or a Contact (`None` for rows written before it was kept).
    #[sqlx(try_from = "Option<String>")]
    pub who_object: StoredObject,
    /// The Intercom contact the Task was last written for.
    pub contact_id: Option<String>,
    /// When a create was sent: if `task_id` is still `None`, its answer was lost.
    pub create_sent_at: Option<i64>,
}

/// A stored, optional person object, decoded once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoredObject(pub Option<PersonObject>);

impl From<Option<String>> for StoredObject {
    fn from(name: Option<String>) -> Self {
        StoredObject(name.map(PersonObject::from))
    }
}

/// A Task Salesforce answered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedTask {
    pub conversation_id: String,
    pub task_id: String,
    pub who_id: String,
    pub who_object: PersonObject,
    pub what_id: Option<String>,
    /// The Intercom contact it was written for.
    pub contact_id: Option<String>,
}

impl Store {
    /// The stored Tasks of these conversations.
    pub async fn conversation_tasks(
        &self,
        installation_id: &str,
        conversation_ids: &[String],
    ) -> Result<Vec<ConversationTaskRow>, StoreError> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT conversation_id, task_id, who_id, what_id, who_object, contact_id, create_sent_at
             FROM conversation_tasks WHERE installation_id = $1 AND conversation_id IN ({})",
            placeholders(2, conversation_ids.len())
        ));
        Ok(on_db!(&self.pool, pool => {
            let mut q = sqlx::query_as(sql).bind(installation_id);
            for id in conversation_ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// Records, before the call, that creates are being sent for these conversations: from
    /// now on a missing answer means "look the Task up by its Subject first".
    pub async fn mark_task_creates(
        &self,
        installation_id: &str,
        conversation_ids: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for id in conversation_ids {
            on_db!(&mut tx.tx, tx => {
                sqlx::query(
                    "INSERT INTO conversation_tasks (installation_id, conversation_id,
                         create_sent_at, updated_at) VALUES ($1, $2, $3, $3)
                     ON CONFLICT (installation_id, conversation_id) DO UPDATE SET
                         create_sent_at = excluded.create_sent_at,
                         updated_at = excluded.updated_at",
                )
                .bind(installation_id)
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            });
        }
        tx.commit().await
    }

    /// Stores the Tasks Salesforce answered for (created, found or rewritten).
    pub async fn save_conversation_tasks(
        &self,
        installation_id: &str,
        tasks: &[SavedTask],
        now: i64,
    ) -> Result<(), StoreError> {
        if tasks.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for task in tasks {
            on_db!(&mut tx.tx, tx => {
                sqlx::query(
                    "INSERT INTO conversation_tasks (installation_id, conversation_id, task_id,
                         who_id, what_id, who_object, contact_id, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (installation_id, conversation_id) DO UPDATE SET
                         task_id = excluded.task_id, who_id = excluded.who_id,
                         what_id = excluded.what_id, who_object = excluded.who_object,
                         contact_id = excluded.contact_id, updated_at = excluded.updated_at",
                )
                .bind(installation_id)
                .bind(&task.conversation_id)
                .bind(&task.task_id)
                .bind(&task.who_id)
                .bind(&task.what_id)
                .bind(task.who_object.as_str())
                .bind(&task.contact_id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            });
        }
        tx.commit().await
    }

    /// Forgets a conversation's Task (deleted in Salesforce): the next run looks it up by its
    /// Subject, then creates one.
    pub async fn forget_conversation_task(
        &self,
        installation_id: &str,
        conversation_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        on_db!(&self.pool, pool => {
            sqlx::query(
                "UPDATE conversation_tasks SET task_id = NULL, who_id = NULL, what_id = NULL,
                     who_object = NULL, contact_id = NULL, create_sent_at = $3, updated_at = $3
                 WHERE installation_id = $1 AND conversation_id = $2",
            )
            .bind(installation_id)
            .bind(conversation_id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
