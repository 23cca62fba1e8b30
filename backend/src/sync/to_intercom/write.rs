//! The write stage, one record at a time (Intercom has no batch update): the linked Intercom
//! record read as it is now (an Account whose key changed relinks first), the values decided
//! by `plan::decide`, the update sent, and the job settled by `plan::settle`.

use serde::Serialize;
use serde_json::Value;
use shared::sync::{
    CompanyAction, CompanyEvent, CompanyRecord as CompanyKind, IntercomModel, Outcome,
    SalesforceObject, company_actions,
};

use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::intercom::{AttributeValue, IntercomError};
use crate::jobs::{BatchOutcome, JobOutcome};
use crate::salesforce::records::SalesforceRecord;
use crate::store::{Agreed, JobResult, LinkChange, RecordModel, Synced};

use super::link::{self, Link};
use super::plan::{self, Current, Owners, Sent, Target};
use super::read::{self, StoredStates};
use super::{Context, done, row};

/// Syncs one Salesforce record to the Intercom record it is linked to (or now links to).
pub(super) async fn sync_record(
    ctx: &Context<'_>,
    owners: Option<Owners<'_>>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    link: Link,
    stored: &mut StoredStates,
    out: &mut BatchOutcome,
) -> JobOutcome {
    let frame = ctx.frame();
    let salesforce_id = record.id.as_str();
    let (intercom_id, new_link) = match link {
        Link::Existing(id) => (id, None),
        Link::New(id) => {
            let change = match object.intercom_model() {
                IntercomModel::Person => LinkChange::Person {
                    intercom_id: id.clone(),
                    object: object.into(),
                    salesforce_id: salesforce_id.to_owned(),
                },
                IntercomModel::Company => LinkChange::Company {
                    intercom_id: id.clone(),
                    salesforce_id: salesforce_id.to_owned(),
                },
            };
            (id, Some(change))
        }
        Link::None => {
            let mut row = row(frame, object, None, salesforce_id, Outcome::Skipped);
            row.detail = Some(format!(
                "Not linked to an Intercom {}.",
                match object.intercom_model() {
                    IntercomModel::Person => "person",
                    IntercomModel::Company => "company",
                }
            ));
            return done(vec![row]);
        }
    };
    let model = object.intercom_model();
    let mut current = match read::current(ctx, model, &intercom_id).await {
        Ok(Some(current)) => current,
        Ok(None) => {
            let mut row = row(
                frame,
                object,
                Some(&intercom_id),
                salesforce_id,
                Outcome::Skipped,
            );
            row.detail = Some("The linked Intercom record no longer exists.".to_owned());
            return done(vec![row]);
        }
        Err(error) => return JobOutcome::Retry(error.to_string()),
    };
    let mut intercom_id = intercom_id;
    let mut new_link = new_link;
    let mut relinked_from = None;
    if let (Current::Company(company), None) = (&current, &new_link) {
        let (event, key) = link::account_event(frame, object, record, company);
        let actions = company_actions(CompanyEvent::Salesforce(event), true, CompanyKind::Synced);
        if actions.contains(&CompanyAction::Relink) {
            let old = company.id.clone();
            let found = match key {
                Some(key) => match ctx.intercom.company_with_id(&key).await {
                    Ok(found) => found,
                    Err(error) => return JobOutcome::Retry(error.to_string()),
                },
                None => None,
            };
            let free = match &found {
                Some(c) => match ctx.store.company_link(ctx.installation_id, &c.id).await {
                    Ok(link) => link.is_none(),
                    Err(error) => return JobOutcome::Retry(error.to_string()),
                },
                None => false,
            };
            match found {
                Some(next) if free => {
                    new_link = Some(LinkChange::Company {
                        intercom_id: next.id.clone(),
                        salesforce_id: salesforce_id.to_owned(),
                    });
                    intercom_id = next.id.clone();
                    relinked_from = Some(old);
                    current = Current::Company(next);
                }
                _ => {
                    let mut row = row(frame, object, Some(&old), salesforce_id, Outcome::Unlinked);
                    row.detail = Some(
                        "The Account's key changed and matches no other Intercom company."
                            .to_owned(),
                    );
                    return JobOutcome::Done(JobResult {
                        ledger: vec![row],
                        links: vec![LinkChange::UnlinkCompany { intercom_id: old }],
                        ..JobResult::default()
                    });
                }
            }
        }
    }
    let decided = plan::decide(frame, owners, object, record, &current);
    let sent = if decided.writes.is_empty() {
        Sent::Nothing
    } else {
        let record_model = read::record_model(model);
        let stored = match stored.get(ctx, record_model, &intercom_id).await {
            Ok(stored) => stored,
            Err(message) => return JobOutcome::Retry(message),
        };
        let writes = &decided.writes;
        let sent = match &current {
            Current::Person(_) => {
                ctx.intercom
                    .update_contact(current.id(), writes)
                    .await
                    .map(|p| {
                        after_write(
                            record_model,
                            &p.id,
                            p.updated_at,
                            &p,
                            stored.as_ref(),
                            writes,
                        )
                    })
            }
            Current::Company(_) => {
                ctx.intercom
                    .update_company(current.id(), writes)
                    .await
                    .map(|c| {
                        after_write(
                            record_model,
                            &c.id,
                            c.updated_at,
                            &c,
                            stored.as_ref(),
                            writes,
                        )
                    })
            }
        };
        match sent {
            Ok((state, pending)) => {
                if model == IntercomModel::Person {
                    out.touched.intercom_ids.insert(intercom_id.clone());
                }
                // Intercom changes the write carried along still go to Salesforce.
                let follow_up = pending.then(|| {
                    Box::new(crate::sync::intake::sync_job(
                        ctx.installation_id,
                        record_model,
                        &intercom_id,
                        ctx.max_attempts,
                        ctx.now,
                    ))
                });
                Sent::Written(Box::new(state), follow_up)
            }
            Err(error @ IntercomError::Api { status, .. }) if status < 500 => {
                Sent::Refused(error.to_string())
            }
            Err(other) => return JobOutcome::Retry(other.to_string()),
        }
    };
    let target = Target {
        object,
        salesforce_id,
        intercom_id: &intercom_id,
        new_link,
        relinked_from,
    };
    plan::settle(frame, target, decided, sent)
}

/// What the store keeps after a write toward Intercom, and whether Intercom holds changes not
/// yet synced to Salesforce (so a job must carry them: the webhook of this write is no newer
/// than the state stored here, and finds nothing new).
///
/// The write carried only `writes` across: the state agreed with Salesforce is the one agreed
/// before with those on top. A record never synced toward Salesforce with a state waiting (its
/// job queued) keeps no agreed state, so that job compares everything; one never seen at all
/// is taken as agreed, as the link that found it just matched it.
pub(super) fn after_write<R>(
    model: RecordModel,
    intercom_id: &str,
    updated_at: chrono::DateTime<chrono::Utc>,
    record: &R,
    stored: Option<&crate::store::StoredRecord>,
    writes: &[AttributeValue],
) -> (Synced, bool)
where
    R: Serialize + serde::de::DeserializeOwned + HasAttributes,
{
    let body = serde_json::to_string(record).expect("our records serialise");
    let (agreed, pending) = match stored {
        None => (Agreed::All, false),
        Some(stored) => match stored
            .synced_body
            .as_deref()
            .and_then(|b| serde_json::from_str::<R>(b).ok())
        {
            None => (Agreed::Unknown, false),
            Some(mut earlier) => {
                for (name, _) in writes {
                    match record.attributes().get(name) {
                        Some(value) => earlier.attributes_mut().insert(name.clone(), value.clone()),
                        None => earlier.attributes_mut().remove(name),
                    };
                }
                let pending = !earlier.same_state(record);
                let agreed = serde_json::to_string(&earlier).expect("our records serialise");
                (Agreed::AsOf(agreed), pending)
            }
        },
    };
    let synced = Synced {
        model,
        intercom_id: intercom_id.to_owned(),
        updated_at: updated_at.timestamp_millis(),
        body,
        agreed,
    };
    (synced, pending)
}

/// People and companies as the sync compares them.
pub(super) trait HasAttributes {
    fn attributes(&self) -> &std::collections::BTreeMap<String, Value>;
    fn attributes_mut(&mut self) -> &mut std::collections::BTreeMap<String, Value>;
    /// The same attributes and, for people, the same first company.
    fn same_state(&self, other: &Self) -> bool;
}

impl HasAttributes for PersonRecord {
    fn attributes(&self) -> &std::collections::BTreeMap<String, Value> {
        &self.attributes
    }
    fn attributes_mut(&mut self) -> &mut std::collections::BTreeMap<String, Value> {
        &mut self.attributes
    }
    fn same_state(&self, other: &Self) -> bool {
        self.attributes == other.attributes
            && self.company_ids.first() == other.company_ids.first()
            && self.email == other.email
    }
}

impl HasAttributes for CompanyRecord {
    fn attributes(&self) -> &std::collections::BTreeMap<String, Value> {
        &self.attributes
    }
    fn attributes_mut(&mut self) -> &mut std::collections::BTreeMap<String, Value> {
        &mut self.attributes
    }
    fn same_state(&self, other: &Self) -> bool {
        self.attributes == other.attributes && self.company_id == other.company_id
    }
}
