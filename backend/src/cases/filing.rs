//! Filing a case: one form instance files one case. The instance is claimed in the store before
//! Salesforce hears of it; a second submit (a double click, a retry, a reload, another process)
//! gets the first one's answer, waiting while it is under way.

use std::time::{Duration, Instant};

use shared::case_form::{
    CaseForm, CaseOwnership, CaseSubmission, FieldErrors, FieldType, FiledCase, OwnerMode,
    SalesforceRefusal, parse, refusal_errors,
};

use super::{CaseError, Cases, Wanted, Who};
use crate::salesforce::cases::NewCase;
use crate::salesforce::{self, SalesforceError};
use crate::store::CaseClaim;

/// How long a second submit waits for the first one's answer (a little over the Salesforce
/// client's own timeout).
const WAIT_FOR_FIRST: Duration = Duration::from_secs(35);
/// How often it looks.
const POLL: Duration = Duration::from_millis(100);
/// A claim this old without an outcome belongs to a process that stopped mid-filing.
const STALE_MS: i64 = 10 * 60 * 1000;

impl Cases<'_> {
    /// Files the submitted form as the teammate `filer` (the signed-in one, or the one the
    /// signed Canvas Kit request names), or answers what an earlier submit of it got.
    pub async fn file(
        &self,
        installation_id: &str,
        submission: &CaseSubmission,
        who: Who<'_>,
        filer: &str,
    ) -> Result<FiledCase, CaseError> {
        let store = self.clients.store();
        let form_id = submission.form_instance_id.as_str();
        let waiting_since = Instant::now();
        loop {
            let now = chrono::Utc::now().timestamp_millis();
            let claim = store
                .claim_case_submission(installation_id, form_id, &submission.conversation_id, now)
                .await?;
            let CaseClaim::Taken(earlier) = claim else {
                break;
            };
            match earlier.state.as_str() {
                "filed" => {
                    let outcome = earlier.outcome.unwrap_or_default();
                    return serde_json::from_str(&outcome)
                        .map_err(|e| CaseError::Corrupt(e.to_string()));
                }
                "filing" if now - earlier.claimed_at < STALE_MS => {
                    if waiting_since.elapsed() >= WAIT_FOR_FIRST {
                        return Err(CaseError::InProgress);
                    }
                    // Bounded polling: the other request may run in another process.
                    tokio::time::sleep(POLL).await;
                }
                _ => return Err(CaseError::OutcomeUnknown),
            }
        }
        let result = self
            .file_claimed(installation_id, submission, who, filer)
            .await;
        let now = chrono::Utc::now().timestamp_millis();
        let settled = match &result {
            Ok(filed) => {
                let outcome = serde_json::to_string(filed).expect("a filed case serialises");
                store
                    .finish_case_submission(installation_id, form_id, &outcome, now)
                    .await
            }
            Err(CaseError::NoAnswer(_)) => {
                store
                    .mark_case_submission_unknown(installation_id, form_id, now)
                    .await
            }
            // Nothing was created: the corrected form may go again under the same id.
            Err(_) => {
                store
                    .release_case_submission(installation_id, form_id)
                    .await
            }
        };
        if let Err(error) = settled {
            // The case's fate is known to this answer; a later submit will find a stale claim
            // and say the outcome is unknown rather than file twice.
            tracing::error!(installation = installation_id, %error, "could not record a case submission's outcome");
        }
        result
    }

    async fn file_claimed(
        &self,
        installation_id: &str,
        submission: &CaseSubmission,
        who: Who<'_>,
        filer: &str,
    ) -> Result<FiledCase, CaseError> {
        let salesforce = self.clients.salesforce(installation_id).await?;
        let describe = salesforce.describe("Case").await?;
        let settings = self.case_settings(installation_id, &describe).await?;
        let person = self
            .person(installation_id, &submission.conversation_id, who)
            .await?;
        let record_type = submission.record_type_id.as_deref();
        let schema = self
            .schema(
                &salesforce,
                &describe,
                &settings,
                &person,
                Wanted::One(record_type),
            )
            .await?;
        let form = schema.form_for(record_type).ok_or_else(|| {
            CaseError::RecordTypeUnavailable(record_type.unwrap_or("(none)").to_owned())
        })?;
        let valid = match (
            parse(form, &submission.values),
            lookup_errors(form, submission),
        ) {
            (Ok(valid), None) => valid,
            (Ok(_), Some(errors)) => return Err(CaseError::Invalid(errors)),
            (Err(mut errors), lookups) => {
                for (field, message) in lookups.map(|l| l.fields).unwrap_or_default() {
                    errors.add_field(&field, message);
                }
                return Err(CaseError::Invalid(errors));
            }
        };
        let (owner_id, owner) = self
            .owner(&salesforce, installation_id, settings.owner_mode, filer)
            .await?;
        let created = salesforce
            .create_case(&NewCase {
                record_type_id: valid.record_type_id.as_deref(),
                fields: &valid.fields,
                owner_id: owner_id.as_deref(),
            })
            .await
            .map_err(|error| created_error(form, error))?;
        Ok(FiledCase {
            url: salesforce.record_url("Case", &created.id),
            case_id: created.id,
            case_number: created.case_number,
            owner,
        })
    }

    /// The owner to set (`None`: Salesforce's rules choose) and how it was chosen.
    async fn owner(
        &self,
        salesforce: &salesforce::Client,
        installation_id: &str,
        mode: OwnerMode,
        filer: &str,
    ) -> Result<(Option<String>, CaseOwnership), CaseError> {
        if mode == OwnerMode::SalesforceRules {
            return Ok((None, CaseOwnership::SalesforceRules));
        }
        let team = self.inbox.team(self.clients, installation_id).await?;
        let teammate = team
            .teammates
            .iter()
            .chain(team.installer.as_ref())
            .find(|t| t.id == filer);
        if teammate.is_none() {
            let mut errors = FieldErrors::default();
            errors.add_form(format!("sfbridge knows no Intercom teammate {filer}."));
            return Err(CaseError::Invalid(errors));
        }
        let email = teammate
            .and_then(|t| t.email.as_deref())
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let Some(email) = email else {
            return Ok((None, CaseOwnership::FellBack { email: None }));
        };
        Ok(match salesforce.case_owner(email).await? {
            Some(user) => (
                Some(user.id.clone()),
                CaseOwnership::Teammate {
                    user_id: user.id,
                    name: user.name,
                },
            ),
            None => (
                None,
                CaseOwnership::FellBack {
                    email: Some(email.to_owned()),
                },
            ),
        })
    }
}

/// A lookup holds the conversation's record or nothing: the form offers no other.
fn lookup_errors(form: &CaseForm, submission: &CaseSubmission) -> Option<FieldErrors> {
    let mut errors = FieldErrors::default();
    for field in &form.fields {
        let FieldType::Lookup(lookup) = &field.field_type else {
            continue;
        };
        let Some(value) = submission.values.get(&field.api_name) else {
            continue;
        };
        if lookup.prefill.as_ref().is_none_or(|p| p.id != value.trim()) {
            errors.add_field(
                &field.api_name,
                "Only the conversation's own record can be linked here.",
            );
        }
    }
    (!errors.is_empty()).then_some(errors)
}

/// Salesforce's refusal goes on the form's fields; a lost answer means the case may exist.
fn created_error(form: &CaseForm, error: SalesforceError) -> CaseError {
    match error {
        SalesforceError::Refused { refusals, .. } => {
            let refusals: Vec<SalesforceRefusal> = refusals
                .into_iter()
                .map(|r| SalesforceRefusal {
                    error_code: r.code.as_str().to_owned(),
                    message: r.message,
                    fields: r.fields,
                })
                .collect();
            CaseError::Refused(refusal_errors(form, &refusals))
        }
        SalesforceError::Transport(_)
        | SalesforceError::Unavailable(_)
        | SalesforceError::Unexpected(_) => CaseError::NoAnswer(error),
        other => CaseError::Salesforce(other),
    }
}
