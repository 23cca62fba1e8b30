//! One batch of Salesforce -> Intercom jobs: each job names a Lead, Contact or Account that
//! changed in Salesforce. The batch reads all of them in one `/composite` call, finds the
//! linked Intercom contact or company, decides every value mapped to Intercom with the shared
//! rules (conversions, both skip flags, no write when Intercom already holds the value), and
//! updates only what differs. Every job leaves a ledger row.
//!
//! The batch runs in stages: `read` the changed records (fan-out pages in the same call), the
//! stored links and the Intercom records the identity keys find; `link` the new links,
//! one-to-one by the priority rule (pure); then per record `write`: the linked Intercom
//! record read as it is now, `plan` deciding the values and the owner (pure), the update,
//! and the job's ledger rows (pure).
//!
//! Safe to repeat: a job that runs twice reads both sides again and finds the values held.

use std::collections::{BTreeSet, HashMap};

use shared::sync::{
    AccountEvent, CompanyAction, CompanyEvent, CompanyRecord as CompanyKind, Direction,
    IntercomModel, Outcome, SalesforceField, SalesforceObject, company_actions,
};

use crate::salesforce::SalesforceError;
use crate::salesforce::records::{RecordQuery, SalesforceRecord};
use crate::salesforce::soql::{Condition, Field, Literal};
use crate::store::{
    Job, JobId, JobResult, LinkChange, LinkSide, NewJob, NewLedgerRow, PersonObject,
};
use crate::sync::to_salesforce::Frame;

use super::to_salesforce::Context;
pub use crate::jobs::Fan;
use crate::jobs::kinds::{ChangedRecord, FanPage};
use crate::jobs::{BatchOutcome, JobKind, JobOutcome, SyncToIntercom};

mod link;
mod plan;
mod read;
#[cfg(test)]
mod tests;
mod write;

use link::Link;
use plan::Owners;
use read::{StoredStates, company_kind, fan_query, linked, links_of, person_select, resolve_links};
use write::sync_record;

/// The objects whose changes sync to Intercom.
pub const OBJECTS: [SalesforceObject; 3] = [
    SalesforceObject::Lead,
    SalesforceObject::Contact,
    SalesforceObject::Account,
];

/// The object an API name names, if it syncs to Intercom.
pub fn object_named(api_name: &str) -> Option<SalesforceObject> {
    OBJECTS.into_iter().find(|o| o.api_name() == api_name)
}

/// The job that syncs one changed (or deleted) Salesforce record; while one waits, another
/// for the same record and kind of change is absorbed.
pub fn sync_job(
    installation_id: &str,
    object: SalesforceObject,
    salesforce_id: &str,
    deleted: bool,
    max_attempts: i64,
    now: i64,
) -> NewJob {
    SyncToIntercom::Record(ChangedRecord {
        object,
        id: salesforce_id.to_owned(),
        deleted,
    })
    .job(installation_id, max_attempts, now)
}

/// People a fan-out job reads per page; a full page hands on to a job for the next.
pub const FAN_PAGE: u32 = 200;

/// The job that refreshes the owners of the people behind an Account or User.
pub fn fan_job(
    installation_id: &str,
    fan: Fan,
    id: &str,
    after: Option<&str>,
    max_attempts: i64,
    now: i64,
) -> NewJob {
    SyncToIntercom::Fan(FanPage {
        fan,
        id: id.to_owned(),
        after: after.map(str::to_owned),
    })
    .job(installation_id, max_attempts, now)
}

/// Whether the batch reads `object`'s records: something maps it to Intercom, or it is a
/// person and owners sync.
fn wanted(ctx: &Context<'_>, owners: Option<Owners<'_>>, object: SalesforceObject) -> bool {
    !mapped_fields(ctx, object).is_empty()
        || (owners.is_some() && object.intercom_model() == IntercomModel::Person)
}

/// The fields the batch reads for an object: those mapped to Intercom.
fn mapped_fields<'m>(ctx: &Context<'m>, object: SalesforceObject) -> Vec<&'m SalesforceField> {
    let mut fields: Vec<&SalesforceField> = ctx
        .settings
        .mappings_of(object)
        .filter(|m| m.direction == Direction::ToIntercom)
        .filter_map(|m| ctx.metadata.salesforce_field(object, &m.salesforce_field))
        .collect();
    fields.dedup_by(|a, b| a.name.eq_ignore_ascii_case(&b.name));
    fields
}

fn row(
    frame: Frame<'_>,
    object: SalesforceObject,
    intercom_id: Option<&str>,
    salesforce_id: &str,
    outcome: Outcome,
) -> NewLedgerRow {
    super::ledger::new_row(
        frame.installation_id,
        frame.now,
        Direction::ToIntercom,
        object.api_name(),
        intercom_id,
        Some(salesforce_id),
        outcome,
    )
}

fn done(ledger: Vec<NewLedgerRow>) -> JobOutcome {
    JobOutcome::Done(JobResult {
        ledger,
        ..JobResult::default()
    })
}

/// Runs one batch. Never fails as a whole: each job gets its outcome.
pub async fn run_batch(ctx: &Context<'_>, jobs: &[Job]) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let (owners, teammates_missing) =
        match crate::settings::owners(ctx.store, ctx.installation_id).await {
            Ok(settings) => (
                ctx.team
                    .filter(|_| settings.sync_owners)
                    .map(|team| Owners { team }),
                settings.sync_owners && ctx.team.is_none(),
            ),
            Err(error) => {
                out.all(
                    jobs.iter().map(|j| j.id),
                    &JobOutcome::Retry(error.to_string()),
                );
                return out;
            }
        };
    let mut targets: Vec<(JobId, SalesforceObject, String)> = Vec::new();
    let mut fans: Vec<(&Job, FanPage)> = Vec::new();
    for job in jobs {
        match SyncToIntercom::decode(job) {
            Ok(SyncToIntercom::Fan(fan)) => match owners {
                Some(_) => fans.push((job, fan)),
                // The teammates could not be read: the owners are refreshed once they can.
                None if teammates_missing => out.jobs.push((
                    job.id,
                    JobOutcome::Retry("the Intercom teammates cannot be read".to_owned()),
                )),
                // Owner sync was switched off since: nothing to refresh.
                None => out.jobs.push((job.id, done(Vec::new()))),
            },
            Ok(SyncToIntercom::Record(ChangedRecord {
                object,
                id,
                deleted: true,
            })) => out.jobs.push((job.id, deleted(ctx, object, &id).await)),
            Ok(SyncToIntercom::Record(ChangedRecord { object, id, .. }))
                if wanted(ctx, owners, object) =>
            {
                targets.push((job.id, object, id));
            }
            // Nothing maps the object to Intercom (nothing to read or write), or a job this
            // version cannot read (it will not read better later): finish it.
            _ => out.jobs.push((job.id, done(Vec::new()))),
        }
    }
    if targets.is_empty() && fans.is_empty() {
        return out;
    }
    let mut queries: Vec<RecordQuery> = OBJECTS
        .into_iter()
        .filter_map(|object| {
            let ids: BTreeSet<String> = targets
                .iter()
                .filter(|(_, o, _)| *o == object)
                .map(|(_, _, id)| id.clone())
                .collect();
            if ids.is_empty() {
                return None;
            }
            let literals = ids.into_iter().map(Literal::Str).collect();
            Some(RecordQuery {
                reference: object.api_name().to_owned(),
                object,
                query: person_select(ctx, object, owners.is_some())
                    .filter(Condition::In(Field::known("Id"), literals)),
            })
        })
        .collect();
    // Fan-out pages ride in the same `/composite` call.
    queries.extend(
        fans.iter()
            .map(|(job, fan)| fan_query(ctx, format!("fan{}", job.id), fan)),
    );
    let all_jobs: Vec<JobId> = targets
        .iter()
        .map(|(job, _, _)| *job)
        .chain(fans.iter().map(|(job, _)| job.id))
        .collect();
    out.salesforce_calls += queries
        .len()
        .div_ceil(crate::salesforce::records::COMPOSITE_LIMIT) as u32;
    let answers = match ctx.salesforce.read_records(&queries).await {
        Ok(answers) => answers,
        Err(SalesforceError::LimitExceeded(_)) => {
            out.limit_exceeded = true;
            out.all(all_jobs, &JobOutcome::Release);
            return out;
        }
        Err(error) => {
            out.all(all_jobs, &JobOutcome::Retry(error.to_string()));
            return out;
        }
    };
    let records: HashMap<&str, &SalesforceRecord> = OBJECTS
        .iter()
        .filter_map(|object| answers.get(object.api_name()))
        .flatten()
        .map(|r| (r.id.as_str(), r))
        .collect();
    for (job, fan) in &fans {
        let page = answers
            .get(&format!("fan{}", job.id))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let outcome = fan_out(ctx, job, fan, page).await;
        out.jobs.push((job.id, outcome));
    }
    let found: Vec<(JobId, SalesforceObject, &SalesforceRecord)> = targets
        .iter()
        .filter_map(|(job, object, id)| match records.get(id.as_str()) {
            Some(record)
                if *object == SalesforceObject::Account
                    && company_kind(record) == CompanyKind::PersonAccount =>
            {
                let mut skipped = row(ctx.frame(), *object, None, id, Outcome::Skipped);
                skipped.detail =
                    Some("A person account: only business accounts sync with companies.".into());
                out.jobs.push((*job, done(vec![skipped])));
                None
            }
            Some(record) => Some((*job, *object, *record)),
            // Deleted (or not visible to the integration user) since the change: nothing to sync.
            None => {
                out.jobs.push((*job, done(Vec::new())));
                None
            }
        })
        .collect();
    // A converted lead hands its person to the contact it became.
    let (converted, found): (Vec<_>, Vec<_>) =
        found.into_iter().partition(|(_, object, record)| {
            *object == SalesforceObject::Lead && record.flag("IsConverted") == Some(true)
        });
    for (job, _, lead) in converted {
        out.jobs.push((job, converted_lead(ctx, lead).await));
    }
    let links = match resolve_links(ctx, &found).await {
        Ok((links, calls)) => {
            out.salesforce_calls += calls;
            links
        }
        Err(message) => {
            out.all(
                found.iter().map(|(job, _, _)| *job),
                &JobOutcome::Retry(message),
            );
            return out;
        }
    };
    // The stored states of every linked Intercom record, one query per model.
    let mut stored = StoredStates::default();
    for model in [IntercomModel::Person, IntercomModel::Company] {
        let ids: Vec<String> = found
            .iter()
            .filter(|(_, object, _)| object.intercom_model() == model)
            .filter_map(|(_, _, record)| match links.get(record.id.as_str()) {
                Some(Link::Existing(id) | Link::New(id)) => Some(id.clone()),
                _ => None,
            })
            .collect();
        if let Err(message) = stored.load(ctx, read::record_model(model), ids).await {
            out.all(
                found.iter().map(|(job, _, _)| *job),
                &JobOutcome::Retry(message),
            );
            return out;
        }
    }
    for (job, object, record) in found {
        let link = links.get(record.id.as_str()).cloned().unwrap_or(Link::None);
        let outcome = sync_record(ctx, owners, object, record, link, &mut stored, &mut out).await;
        out.jobs.push((job, outcome));
    }
    out
}

/// One page of an Account's or User's people: each linked one gets a job of its own, as if it
/// had changed (the owner rule reads it afresh then); a full page hands on to the next. Each
/// person is written by their own job, never by the fan-out: one record, one job at a time
/// (`store::jobs`), so a fan-out slowed by rate limits cannot write an older state over the
/// newer one a person's own job wrote meanwhile.
async fn fan_out(
    ctx: &Context<'_>,
    job: &Job,
    fan: &FanPage,
    page: &[SalesforceRecord],
) -> JobOutcome {
    let object = fan.fan.object();
    let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
    let held = match links_of(ctx, object.intercom_model(), LinkSide::Salesforce, &ids).await {
        Ok(held) => held,
        Err(message) => return JobOutcome::Retry(message),
    };
    let mut result = JobResult::default();
    for record in page {
        // Not linked: nobody in Intercom to give an owner.
        if !held.contains_key(&record.id) {
            continue;
        }
        let changed = SyncToIntercom::Record(ChangedRecord {
            object,
            id: record.id.clone(),
            deleted: false,
        });
        result
            .follow_ups
            .push(changed.job(ctx.installation_id, job.max_attempts, ctx.now));
    }
    if let Some(last) = page.last()
        && page.len() >= FAN_PAGE as usize
    {
        result.follow_ups.push(fan_job(
            ctx.installation_id,
            fan.fan,
            &fan.id,
            Some(&last.id),
            job.max_attempts,
            ctx.now,
        ));
    }
    JobOutcome::Done(result)
}

/// A converted lead: its person, if linked to it, is linked to the contact the lead became,
/// and that contact is synced (its owner comes from its account now).
async fn converted_lead(ctx: &Context<'_>, lead: &SalesforceRecord) -> JobOutcome {
    let person = match linked(ctx, SalesforceObject::Lead, &lead.id).await {
        Ok(Some(person)) => person,
        // Nobody in Intercom holds it: the contact links by the identity rules when synced.
        Ok(None) => return done(Vec::new()),
        Err(message) => return JobOutcome::Retry(message),
    };
    let Some(contact) = lead.text("ConvertedContactId") else {
        return done(Vec::new());
    };
    let mut moved = row(
        ctx.frame(),
        SalesforceObject::Lead,
        Some(&person),
        &lead.id,
        Outcome::Unlinked,
    );
    moved.detail = Some(format!(
        "The Lead was converted: now linked to Contact {contact}."
    ));
    JobOutcome::Done(JobResult {
        ledger: vec![moved],
        links: vec![LinkChange::Person {
            intercom_id: person,
            object: PersonObject::Contact,
            salesforce_id: contact.clone(),
        }],
        follow_ups: vec![sync_job(
            ctx.installation_id,
            SalesforceObject::Contact,
            &contact,
            false,
            ctx.max_attempts,
            ctx.now,
        )],
        ..JobResult::default()
    })
}

/// A record deleted in Salesforce: its link goes (for an Account, the trigger table's row), so
/// the Intercom record may match another (the survivor of a merge, say); no call to either
/// service, and nothing is deleted in Intercom.
async fn deleted(ctx: &Context<'_>, object: SalesforceObject, salesforce_id: &str) -> JobOutcome {
    let intercom_id = match linked(ctx, object, salesforce_id).await {
        Ok(Some(id)) => id,
        Ok(None) => return done(Vec::new()),
        Err(message) => return JobOutcome::Retry(message),
    };
    let unlink = match object.intercom_model() {
        IntercomModel::Person => LinkChange::UnlinkPerson {
            intercom_id: intercom_id.clone(),
        },
        IntercomModel::Company => {
            let actions = company_actions(
                CompanyEvent::Salesforce(AccountEvent::Deleted),
                true,
                CompanyKind::Synced,
            );
            if !actions.contains(&CompanyAction::Unlink) {
                return done(Vec::new());
            }
            LinkChange::UnlinkCompany {
                intercom_id: intercom_id.clone(),
            }
        }
    };
    let mut row = row(
        ctx.frame(),
        object,
        Some(&intercom_id),
        salesforce_id,
        Outcome::Unlinked,
    );
    row.detail = Some(format!(
        "The {} was deleted in Salesforce.",
        object.api_name()
    ));
    JobOutcome::Done(JobResult {
        ledger: vec![row],
        links: vec![unlink],
        ..JobResult::default()
    })
}
