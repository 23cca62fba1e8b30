//! Case submissions by form instance: claimed before Salesforce is called, then filed (with the
//! answer), released (refused: nothing was created) or marked unknown (the answer was lost).

use super::{Store, StoreError, on_db};

/// A form instance's submission as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseSubmissionRow {
    pub conversation_id: String,
    /// `filing`, `filed` or `unknown`.
    pub state: String,
    /// The answer given, as JSON, once filed.
    pub outcome: Option<String>,
    pub claimed_at: i64,
    pub finished_at: Option<i64>,
}

/// What claiming a form instance found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseClaim {
    /// This request holds the form instance now: it may call Salesforce.
    Claimed,
    /// Another request claimed it first.
    Taken(CaseSubmissionRow),
}

impl Store {
    /// Claims the form instance for one filing. Concurrent claims of one id: exactly one wins.
    pub async fn claim_case_submission(
        &self,
        installation_id: &str,
        form_instance_id: &str,
        conversation_id: &str,
        now: i64,
    ) -> Result<CaseClaim, StoreError> {
        const SQL: &str = "INSERT INTO case_submissions (installation_id, form_instance_id,
                conversation_id, state, claimed_at) VALUES ($1, $2, $3, 'filing', $4)
            ON CONFLICT (installation_id, form_instance_id) DO NOTHING";
        let inserted = on_db!(&self.pool, pool => sqlx::query(SQL)
            .bind(installation_id)
            .bind(form_instance_id)
            .bind(conversation_id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        if inserted == 1 {
            return Ok(CaseClaim::Claimed);
        }
        match self
            .case_submission(installation_id, form_instance_id)
            .await?
        {
            Some(row) => Ok(CaseClaim::Taken(row)),
            // Released between the two statements: try once more.
            None => {
                Box::pin(self.claim_case_submission(
                    installation_id,
                    form_instance_id,
                    conversation_id,
                    now,
                ))
                .await
            }
        }
    }

    pub async fn case_submission(
        &self,
        installation_id: &str,
        form_instance_id: &str,
    ) -> Result<Option<CaseSubmissionRow>, StoreError> {
        const SQL: &str = "SELECT conversation_id, state, outcome, claimed_at, finished_at
            FROM case_submissions WHERE installation_id = $1 AND form_instance_id = $2";
        Ok(on_db!(&self.pool, pool => sqlx::query_as(SQL)
            .bind(installation_id)
            .bind(form_instance_id)
            .fetch_optional(pool)
            .await?))
    }

    /// The case exists: keeps the answer for repeated submits of the form.
    pub async fn finish_case_submission(
        &self,
        installation_id: &str,
        form_instance_id: &str,
        outcome: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.settle(
            installation_id,
            form_instance_id,
            "filed",
            Some(outcome),
            now,
        )
        .await
    }

    /// Salesforce's answer was lost: the case may exist, so the form is never sent again.
    pub async fn mark_case_submission_unknown(
        &self,
        installation_id: &str,
        form_instance_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.settle(installation_id, form_instance_id, "unknown", None, now)
            .await
    }

    async fn settle(
        &self,
        installation_id: &str,
        form_instance_id: &str,
        state: &str,
        outcome: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE case_submissions SET state = $3, outcome = $4, finished_at = $5
            WHERE installation_id = $1 AND form_instance_id = $2 AND state = 'filing'";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(installation_id)
                .bind(form_instance_id)
                .bind(state)
                .bind(outcome)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Nothing was created (refused before or by Salesforce): the form may be sent again.
    pub async fn release_case_submission(
        &self,
        installation_id: &str,
        form_instance_id: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "DELETE FROM case_submissions
            WHERE installation_id = $1 AND form_instance_id = $2 AND state = 'filing'";
        on_db!(&self.pool, pool => {
            sqlx::query(SQL)
                .bind(installation_id)
                .bind(form_instance_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
