//! One batch of Salesforce -> Intercom jobs: each job names a Lead, Contact or Account that
//! changed in Salesforce. The batch reads all of them in one `/composite` call, finds the
//! linked Intercom contact or company, decides every value mapped to Intercom with the shared
//! rules (conversions, both skip flags, no write when Intercom already holds the value), and
//! updates only what differs. Every job leaves a ledger row.
//!
//! Safe to repeat: a job that runs twice reads both sides again and finds the values held.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;
use shared::card::Owner;
use shared::owner::{SalesforceOwners, choose_owner};
use shared::sync::identity::{normalized_key, same_key};
use shared::sync::{
    AccountEvent, CompanyAction, CompanyEvent, CompanyRecord as CompanyKind, Direction,
    IntercomModel, Outcome, PeopleIdentity, SalesforceField, SalesforceObject, SyncValue,
    WriteDecision, company_actions, decide_intercom_write,
};

use crate::card::Team;
use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::intercom::{AttributeValue, IntercomError};
use crate::salesforce::SalesforceError;
use crate::salesforce::records::{
    ACCOUNT_OWNER_FIELDS, OWNER_FIELDS, RecordQuery, SalesforceRecord, select_with,
};
use crate::salesforce::soql::{Condition, Field, Literal, Op, Order};
use crate::store::{
    Agreed, Job, JobId, JobResult, LinkChange, LinkSide, NewJob, NewLedgerRow, PersonObject,
    RecordModel, Synced,
};

use super::matching::{self, Claim};
use super::to_salesforce::Context;
pub use crate::jobs::Fan;
use crate::jobs::kinds::{ChangedRecord, FanPage};
use crate::jobs::{BatchOutcome, JobKind, JobOutcome, SyncToIntercom};

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

/// The people a fan-out page reads, by Id.
fn fan_query(ctx: &Context<'_>, reference: String, fan: &FanPage) -> RecordQuery {
    let object = fan.fan.object();
    let id = || Literal::Str(fan.id.clone());
    let mut condition = match fan.fan {
        Fan::AccountContacts => Condition::eq(Field::known("AccountId"), id()),
        Fan::OwnedContacts => Condition::eq(Field::known("OwnerId"), id()),
        Fan::AccountOwnedContacts => Condition::InQuery(
            Field::known("AccountId"),
            Box::new(
                crate::salesforce::soql::Query::select("Account", &["Id"])
                    .filter(Condition::eq(Field::known("OwnerId"), id())),
            ),
        ),
        Fan::OwnedLeads => Condition::eq(Field::known("OwnerId"), id())
            .and(Condition::eq(Field::known("IsConverted"), false)),
    };
    if let Some(after) = &fan.after {
        condition = condition.and(Condition::Compare(
            Field::known("Id"),
            Op::Gt,
            Literal::Str(after.clone()),
        ));
    }
    RecordQuery {
        reference,
        object,
        query: person_select(ctx, object, true)
            .filter(condition)
            .order_by("Id", Order::Asc)
            .limit(FAN_PAGE),
    }
}

/// The SELECT of a batch read: the mapped fields, the identity keys and, when owners sync,
/// what the owner rule reads.
fn person_select(
    ctx: &Context<'_>,
    object: SalesforceObject,
    owners: bool,
) -> crate::salesforce::soql::Query {
    let mut fields = mapped_fields(ctx, object);
    for key in key_fields(ctx, object) {
        if !fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(&key.name))
        {
            fields.push(key);
        }
    }
    let extra: &[&'static str] = match (owners, object) {
        (true, SalesforceObject::Lead) => &LEAD_OWNER_FIELDS,
        (false, SalesforceObject::Lead) => &CONVERSION_FIELDS,
        (true, SalesforceObject::Contact) => &CONTACT_OWNER_FIELDS,
        // Orgs with person accounts have the flag; only business accounts sync.
        (_, SalesforceObject::Account)
            if ctx
                .metadata
                .salesforce_field(object, PERSON_ACCOUNT)
                .is_some() =>
        {
            &[PERSON_ACCOUNT]
        }
        _ => &[],
    };
    select_with(object, &fields, extra)
}

/// The flag of an Account that is a person (orgs with person accounts enabled).
const PERSON_ACCOUNT: &str = "IsPersonAccount";

/// Whether the company sync takes this record: person accounts stay out of it.
fn company_kind(record: &SalesforceRecord) -> CompanyKind {
    if record.flag(PERSON_ACCOUNT) == Some(true) {
        CompanyKind::PersonAccount
    } else {
        CompanyKind::Synced
    }
}

/// What says a lead was converted, and into which contact.
const CONVERSION_FIELDS: [&str; 2] = ["IsConverted", "ConvertedContactId"];

/// A lead's owner fields and its conversion.
const LEAD_OWNER_FIELDS: [&str; 6] = [
    OWNER_FIELDS[0],
    OWNER_FIELDS[1],
    OWNER_FIELDS[2],
    OWNER_FIELDS[3],
    CONVERSION_FIELDS[0],
    CONVERSION_FIELDS[1],
];

/// Everything a contact's owner rule reads.
const CONTACT_OWNER_FIELDS: [&str; 9] = [
    OWNER_FIELDS[0],
    OWNER_FIELDS[1],
    OWNER_FIELDS[2],
    OWNER_FIELDS[3],
    ACCOUNT_OWNER_FIELDS[0],
    ACCOUNT_OWNER_FIELDS[1],
    ACCOUNT_OWNER_FIELDS[2],
    ACCOUNT_OWNER_FIELDS[3],
    ACCOUNT_OWNER_FIELDS[4],
];

/// The teammates owners are chosen from, when owner sync is on.
#[derive(Clone, Copy)]
struct Owners<'a> {
    team: &'a Team,
}

impl Owners<'_> {
    /// The person's owner by the rule: account owner, contact owner, lead owner, installer.
    fn of(&self, object: SalesforceObject, record: &SalesforceRecord) -> Option<Owner> {
        let own = record.user("Owner");
        let account_owner = match object {
            SalesforceObject::Contact => record.user("Account.Owner"),
            _ => None,
        };
        let owners = SalesforceOwners {
            account_owner: account_owner.as_ref(),
            contact_owner: own.as_ref().filter(|_| object == SalesforceObject::Contact),
            lead_owner: own.as_ref().filter(|_| object == SalesforceObject::Lead),
        };
        choose_owner(&owners, &self.team.teammates, self.team.installer.as_ref())
    }
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
    ctx: &Context<'_>,
    object: SalesforceObject,
    intercom_id: Option<&str>,
    salesforce_id: &str,
    outcome: Outcome,
) -> NewLedgerRow {
    super::ledger::new_row(
        ctx.installation_id,
        ctx.now,
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
    let read = match ctx.salesforce.read_records(&queries).await {
        Ok(read) => read,
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
        .filter_map(|object| read.get(object.api_name()))
        .flatten()
        .map(|r| (r.id.as_str(), r))
        .collect();
    for (job, fan) in &fans {
        let page = read
            .get(&format!("fan{}", job.id))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let outcome = fan_out(ctx, owners, job, fan, page, &mut out).await;
        out.jobs.push((job.id, outcome));
    }
    let found: Vec<(JobId, SalesforceObject, &SalesforceRecord)> = targets
        .iter()
        .filter_map(|(job, object, id)| match records.get(id.as_str()) {
            Some(record)
                if *object == SalesforceObject::Account
                    && company_kind(record) == CompanyKind::PersonAccount =>
            {
                let mut skipped = row(ctx, *object, None, id, Outcome::Skipped);
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
        Ok(links) => links,
        Err(message) => {
            out.all(
                found.iter().map(|(job, _, _)| *job),
                &JobOutcome::Retry(message),
            );
            return out;
        }
    };
    for (job, object, record) in found {
        let link = links.get(record.id.as_str()).cloned().unwrap_or(Link::None);
        let outcome = sync_record(ctx, owners, object, record, link, &mut out).await;
        out.jobs.push((job, outcome));
    }
    out
}

/// One page of an Account's or User's people: each linked one synced as if it had changed
/// (the owner rule reads it afresh); a full page hands on to the next.
async fn fan_out(
    ctx: &Context<'_>,
    owners: Option<Owners<'_>>,
    job: &Job,
    fan: &FanPage,
    page: &[SalesforceRecord],
    out: &mut BatchOutcome,
) -> JobOutcome {
    let object = fan.fan.object();
    let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
    let mut held = match links_of(ctx, object.intercom_model(), LinkSide::Salesforce, &ids).await {
        Ok(held) => held,
        Err(message) => return JobOutcome::Retry(message),
    };
    let mut outcome = done(Vec::new());
    for record in page {
        // Not linked: nobody in Intercom to give an owner.
        let Some(id) = held.remove(&record.id) else {
            continue;
        };
        let synced = sync_record(ctx, owners, object, record, Link::Existing(id), out).await;
        outcome = merge(outcome, synced);
    }
    if let (JobOutcome::Done(result), Some(last)) = (&mut outcome, page.last())
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
    outcome
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
        ctx,
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

/// Two outcomes of one job as one: any retry retries the whole (it is safe to repeat).
fn merge(first: JobOutcome, second: JobOutcome) -> JobOutcome {
    match (first, second) {
        (JobOutcome::Release, _) | (_, JobOutcome::Release) => JobOutcome::Release,
        (JobOutcome::Retry(m), _) | (_, JobOutcome::Retry(m)) => JobOutcome::Retry(m),
        (JobOutcome::Done(mut a), JobOutcome::Done(b)) => {
            a.ledger.extend(b.ledger);
            a.links.extend(b.links);
            a.synced.extend(b.synced);
            a.follow_ups.extend(b.follow_ups);
            JobOutcome::Done(a)
        }
    }
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
        ctx,
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

/// The fields that hold an object's identity key (and the email people fall back to).
fn key_fields<'m>(ctx: &Context<'m>, object: SalesforceObject) -> Vec<&'m SalesforceField> {
    let identity = &ctx.settings.identity;
    let names: Vec<&str> = match object.intercom_model() {
        IntercomModel::Person => {
            let mut names = vec![identity.people.salesforce_key()];
            if identity.people.matches_intercom_leads() {
                names.push("Email");
            }
            names
        }
        IntercomModel::Company => vec![identity.companies.salesforce_field.as_str()],
    };
    names
        .into_iter()
        .filter_map(|name| ctx.metadata.salesforce_field(object, name))
        .collect()
}

/// The Intercom record a Salesforce record syncs to.
#[derive(Debug, Clone)]
enum Link {
    Existing(String),
    /// A new match by the identity rules: linked as the job finishes.
    New(String),
    None,
}

fn key_value(
    ctx: &Context<'_>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    name: &str,
) -> Option<String> {
    let field = ctx.metadata.salesforce_field(object, name)?;
    match record.value(field) {
        SyncValue::Text(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        SyncValue::Integer(n) => Some(n.to_string()),
        SyncValue::Decimal(x) if x.fract() == 0.0 => Some((x as i64).to_string()),
        _ => None,
    }
}

fn claim(person: &PersonRecord) -> Claim {
    Claim {
        role: person.role,
        updated_at: person.updated_at,
    }
}

/// Whether both emails are there and the same, by the one identity rule.
fn same_email(a: Option<&str>, b: Option<&str>) -> bool {
    a.zip(b).is_some_and(|(a, b)| same_key(a, b))
}

/// The person a key matches, by the priority rule.
fn best<'p>(people: impl IntoIterator<Item = &'p PersonRecord>) -> Option<&'p PersonRecord> {
    matching::first_by_priority(people, |p| claim(p))
}

/// Each record's link: the stored one, else a new match by the identity rules (one contact
/// search per key kind for the batch, one lookup per company) when that Intercom record is not
/// linked yet.
async fn resolve_links(
    ctx: &Context<'_>,
    found: &[(JobId, SalesforceObject, &SalesforceRecord)],
) -> Result<HashMap<String, Link>, String> {
    let mut links = HashMap::new();
    let mut unlinked = Vec::new();
    let mut held = HashMap::new();
    for model in [IntercomModel::Person, IntercomModel::Company] {
        let ids = ids_of(found.iter().map(|(_, o, r)| (*o, r.id.as_str())), model);
        held.extend(links_of(ctx, model, LinkSide::Salesforce, &ids).await?);
    }
    for (_, object, record) in found {
        match held.remove(&record.id) {
            Some(id) => {
                links.insert(record.id.clone(), Link::Existing(id));
            }
            None => unlinked.push((*object, *record)),
        }
    }
    if unlinked.is_empty() {
        return Ok(links);
    }
    let identity = &ctx.settings.identity;
    let by_external_id = matches!(identity.people, PeopleIdentity::ExternalId { .. });
    let people_key = identity.people.salesforce_key().to_owned();
    let mut keys = BTreeSet::new();
    let mut emails = BTreeSet::new();
    for (object, record) in &unlinked {
        if object.intercom_model() != IntercomModel::Person {
            continue;
        }
        match key_value(ctx, *object, record, &people_key) {
            Some(key) if by_external_id => {
                keys.insert(key);
            }
            _ if identity.people.matches_intercom_leads() => {
                if let Some(email) = key_value(ctx, *object, record, "Email")
                    .as_deref()
                    .and_then(normalized_key)
                {
                    emails.insert(email);
                }
            }
            _ => {}
        }
    }
    let fail = |e: IntercomError| e.to_string();
    let keys: Vec<String> = keys.into_iter().collect();
    let emails: Vec<String> = emails.into_iter().collect();
    let with_key = if by_external_id {
        ctx.intercom
            .people_with("external_id", &keys)
            .await
            .map_err(fail)?
    } else {
        Vec::new()
    };
    let with_email = ctx
        .intercom
        .people_with("email", &emails)
        .await
        .map_err(fail)?;
    let mut candidates = Vec::new();
    for (object, record) in unlinked {
        let candidate =
            match object.intercom_model() {
                IntercomModel::Person => {
                    let key = key_value(ctx, object, record, &people_key);
                    let email = key_value(ctx, object, record, "Email");
                    match key.filter(|_| by_external_id) {
                        Some(key) => best(with_key.iter().filter(|p| {
                            p.external_id.as_deref().is_some_and(|x| same_key(x, &key))
                        })),
                        // By email: in id mode only people without an id (Intercom's leads).
                        None => best(with_email.iter().filter(|p| {
                            same_email(p.email.as_deref(), email.as_deref())
                                && !(by_external_id && p.external_id.is_some())
                        })),
                    }
                    .map(|p| p.id.clone())
                }
                IntercomModel::Company => {
                    match key_value(ctx, object, record, &identity.companies.salesforce_field) {
                        Some(key) => ctx
                            .intercom
                            .company_with_id(&key)
                            .await
                            .map_err(fail)?
                            .map(|c| c.id),
                        None => None,
                    }
                }
            };
        if let Some(intercom_id) = candidate {
            candidates.push((object, record, intercom_id));
        }
    }
    // Links are one-to-one: an Intercom record linked elsewhere keeps its link.
    let mut linked_elsewhere = HashMap::new();
    for model in [IntercomModel::Person, IntercomModel::Company] {
        let ids = ids_of(candidates.iter().map(|(o, _, id)| (*o, id.as_str())), model);
        linked_elsewhere.extend(links_of(ctx, model, LinkSide::Intercom, &ids).await?);
    }
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (_, record, intercom_id) in candidates {
        if !linked_elsewhere.contains_key(&intercom_id) && taken.insert(intercom_id.clone()) {
            links.insert(record.id.clone(), Link::New(intercom_id));
        }
    }
    Ok(links)
}

/// What Intercom holds for the linked contact or company.
enum Current {
    Person(PersonRecord),
    Company(CompanyRecord),
}

impl Current {
    fn id(&self) -> &str {
        match self {
            Current::Person(p) => &p.id,
            Current::Company(c) => &c.id,
        }
    }

    fn value(&self, attribute: &shared::sync::IntercomAttribute) -> SyncValue {
        match self {
            Current::Person(p) => p.value(attribute),
            Current::Company(c) => c.value(attribute),
        }
    }
}

/// The Intercom id linked to a Salesforce record.
async fn linked(
    ctx: &Context<'_>,
    object: SalesforceObject,
    salesforce_id: &str,
) -> Result<Option<String>, String> {
    let mut found = links_of(
        ctx,
        object.intercom_model(),
        LinkSide::Salesforce,
        &[salesforce_id.to_owned()],
    )
    .await?;
    Ok(found.remove(salesforce_id))
}

/// The links of many records of one model in one query: each given id (on `side`) to the
/// other side's id.
async fn links_of(
    ctx: &Context<'_>,
    model: IntercomModel,
    side: LinkSide,
    ids: &[String],
) -> Result<HashMap<String, String>, String> {
    let store = ctx.store;
    let pairs: Vec<(String, String)> = match model {
        IntercomModel::Person => store
            .person_links_of(ctx.installation_id, side, ids)
            .await
            .map(|links| {
                links
                    .into_iter()
                    .map(|l| (l.intercom_contact_id, l.salesforce_id))
                    .collect()
            }),
        IntercomModel::Company => store
            .company_links_of(ctx.installation_id, side, ids)
            .await
            .map(|links| {
                links
                    .into_iter()
                    .map(|l| (l.intercom_company_id, l.salesforce_id))
                    .collect()
            }),
    }
    .map_err(|e| e.to_string())?;
    Ok(pairs
        .into_iter()
        .map(|(intercom, salesforce)| match side {
            LinkSide::Intercom => (intercom, salesforce),
            LinkSide::Salesforce => (salesforce, intercom),
        })
        .collect())
}

/// The ids of the records of one model.
fn ids_of<'r>(
    records: impl IntoIterator<Item = (SalesforceObject, &'r str)>,
    model: IntercomModel,
) -> Vec<String> {
    records
        .into_iter()
        .filter(|(object, _)| object.intercom_model() == model)
        .map(|(_, id)| id.to_owned())
        .collect()
}

async fn sync_record(
    ctx: &Context<'_>,
    owners: Option<Owners<'_>>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    link: Link,
    out: &mut BatchOutcome,
) -> JobOutcome {
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
            let mut row = row(ctx, object, None, salesforce_id, Outcome::Skipped);
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
    let current = match model {
        IntercomModel::Person => ctx
            .intercom
            .person_record(&intercom_id)
            .await
            .map(Current::Person),
        IntercomModel::Company => ctx
            .intercom
            .company(&intercom_id)
            .await
            .map(Current::Company),
    };
    let mut current = match current {
        Ok(current) => current,
        Err(IntercomError::NotFound { .. }) => {
            let mut row = row(
                ctx,
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
        let key = key_value(
            ctx,
            object,
            record,
            &ctx.settings.identity.companies.salesforce_field,
        );
        let same = key
            .as_deref()
            .is_some_and(|k| same_key(k, &company.company_id));
        let event = if same {
            AccountEvent::Updated
        } else {
            AccountEvent::KeyChanged
        };
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
                    let mut row = row(ctx, object, Some(&old), salesforce_id, Outcome::Unlinked);
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
    let mut writes: Vec<AttributeValue> = Vec::new();
    let mut written = Vec::new();
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for mapping in ctx
        .settings
        .mappings_of(object)
        .filter(|m| m.direction == Direction::ToIntercom)
    {
        let (Some(field), Some(attribute)) = (
            ctx.metadata
                .salesforce_field(object, &mapping.salesforce_field),
            ctx.metadata
                .intercom_attribute(model, &mapping.intercom_attribute),
        ) else {
            continue;
        };
        let source = record.value(field);
        match decide_intercom_write(
            mapping,
            &source,
            field,
            &current.value(attribute),
            attribute,
        ) {
            Ok(WriteDecision::Write(value)) => {
                writes.push((attribute.name.clone(), value));
                written.push(field.name.clone());
            }
            Ok(WriteDecision::SkipSourceEmpty | WriteDecision::SkipDestinationHasValue) => {
                skipped.push(field.name.clone());
            }
            Ok(WriteDecision::AlreadyHeld) => {}
            Err(error) => failures.push(format!("{}: {error}", field.name)),
        }
    }
    let mut owner_detail = None;
    if let (Some(owners), Current::Person(person)) = (owners, &current) {
        let owner = owners.of(object, record);
        let wanted = owner.as_ref().and_then(|o| o.teammate_id.clone());
        if held_owner(person) != wanted {
            let value = match &wanted {
                Some(id) => id
                    .parse::<i64>()
                    .map_or_else(|_| SyncValue::Text(id.clone()), SyncValue::Integer),
                None => SyncValue::Empty,
            };
            writes.push(("owner_id".to_owned(), value));
            written.push("Owner".to_owned());
            owner_detail = Some(match &owner {
                Some(o) => format!("Owner: {} ({}).", o.name, o.source.words()),
                None => match record.user("Account.Owner") {
                    Some(u) => format!(
                        "Owner cleared: the account owner {} matches no teammate.",
                        u.name
                    ),
                    None => "Owner cleared: no owner matches a teammate.".to_owned(),
                },
            });
        }
    }
    let mut rows = Vec::new();
    let mut synced_state = Vec::new();
    let mut follow_ups = Vec::new();
    if !writes.is_empty() {
        let record_model = match model {
            IntercomModel::Person => RecordModel::Person,
            IntercomModel::Company => RecordModel::Company,
        };
        let stored = match ctx
            .store
            .intercom_records(ctx.installation_id, record_model, &[intercom_id.clone()])
            .await
        {
            Ok(mut rows) => rows.pop(),
            Err(error) => return JobOutcome::Retry(error.to_string()),
        };
        let sent = match &current {
            Current::Person(_) => ctx
                .intercom
                .update_contact(current.id(), &writes)
                .await
                .map(|p| {
                    after_write(
                        record_model,
                        &p.id,
                        p.updated_at,
                        &p,
                        stored.as_ref(),
                        &writes,
                    )
                }),
            Current::Company(_) => ctx
                .intercom
                .update_company(current.id(), &writes)
                .await
                .map(|c| {
                    after_write(
                        record_model,
                        &c.id,
                        c.updated_at,
                        &c,
                        stored.as_ref(),
                        &writes,
                    )
                }),
        };
        let error = match sent {
            Ok((state, pending)) => {
                // Intercom changes the write carried along still go to Salesforce.
                if pending {
                    follow_ups.push(super::intake::sync_job(
                        ctx.installation_id,
                        record_model,
                        &intercom_id,
                        ctx.max_attempts,
                        ctx.now,
                    ));
                }
                synced_state.push(state);
                None
            }
            Err(error) => Some(error),
        };
        if let Some(error) = error {
            return match error {
                IntercomError::Api { status, .. } if status < 500 => {
                    let mut row = row(
                        ctx,
                        object,
                        Some(&intercom_id),
                        salesforce_id,
                        Outcome::Failed,
                    );
                    row.fields = serde_json::to_string(&written).expect("names serialise");
                    row.error_code = Some("intercom_refused".to_owned());
                    row.error_message = Some(error.to_string());
                    done(vec![row])
                }
                other => JobOutcome::Retry(other.to_string()),
            };
        }
        if model == IntercomModel::Person {
            out.touched.intercom_ids.insert(intercom_id.clone());
        }
        let mut updated = row(
            ctx,
            object,
            Some(&intercom_id),
            salesforce_id,
            Outcome::Updated,
        );
        updated.fields = serde_json::to_string(&written).expect("names serialise");
        updated.detail = owner_detail;
        rows.push(updated);
    }
    if !failures.is_empty() {
        let mut failed = row(
            ctx,
            object,
            Some(&intercom_id),
            salesforce_id,
            Outcome::Failed,
        );
        failed.error_code = Some(shared::sync::convert::NOT_CONVERTIBLE.to_owned());
        failed.error_message = Some(failures.join("; "));
        rows.push(failed);
    }
    if rows.is_empty() {
        let outcome = if skipped.is_empty() {
            Outcome::Unchanged
        } else {
            Outcome::Skipped
        };
        let mut quiet = row(ctx, object, Some(&intercom_id), salesforce_id, outcome);
        quiet.fields = serde_json::to_string(&skipped).expect("names serialise");
        rows.push(quiet);
    }
    let Some(change) = new_link else {
        return JobOutcome::Done(JobResult {
            ledger: rows,
            synced: synced_state,
            follow_ups,
            ..JobResult::default()
        });
    };
    let what = match model {
        IntercomModel::Person => "person",
        IntercomModel::Company => "company",
    };
    let linked = match relinked_from {
        Some(old) => format!(
            "The Account's key changed: relinked from Intercom company {old} to {intercom_id}."
        ),
        None => format!("Linked to Intercom {what} {intercom_id}."),
    };
    rows[0].detail = Some(match rows[0].detail.take() {
        Some(owner) => format!("{linked} {owner}"),
        None => linked,
    });
    JobOutcome::Done(JobResult {
        ledger: rows,
        links: vec![change],
        synced: synced_state,
        follow_ups,
    })
}

/// The teammate Intercom holds as the person's owner (`owner_id`), as text.
fn held_owner(person: &PersonRecord) -> Option<String> {
    match person.attributes.get("owner_id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// What the store keeps after a write toward Intercom, and whether Intercom holds changes not
/// yet synced to Salesforce (so a job must carry them: the webhook of this write is no newer
/// than the state stored here, and finds nothing new).
///
/// The write carried only `writes` across: the state agreed with Salesforce is the one agreed
/// before with those on top. A record never synced toward Salesforce with a state waiting (its
/// job queued) keeps no agreed state, so that job compares everything; one never seen at all
/// is taken as agreed, as the link that found it just matched it.
fn after_write<R>(
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
trait HasAttributes {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account(values: serde_json::Value) -> SalesforceRecord {
        SalesforceRecord::for_tests(
            SalesforceObject::Account,
            "001A",
            chrono::Utc::now(),
            values,
        )
    }

    fn maya(phone: &str, owner: Value) -> PersonRecord {
        PersonRecord {
            id: "p1".into(),
            role: crate::intercom::ContactRole::User,
            external_id: None,
            email: Some("maya@example.com".into()),
            updated_at: chrono::Utc::now(),
            company_ids: Vec::new(),
            attributes: [
                ("phone".to_owned(), json!(phone)),
                ("owner_id".to_owned(), owner),
            ]
            .into_iter()
            .collect(),
        }
    }

    fn stored(synced: Option<&PersonRecord>) -> crate::store::StoredRecord {
        crate::store::StoredRecord {
            model: "person".into(),
            intercom_id: "p1".into(),
            updated_at: 1,
            deleted: false,
            created: false,
            body: "{}".into(),
            synced_body: synced.map(|p| serde_json::to_string(p).unwrap()),
        }
    }

    #[test]
    fn a_write_to_intercom_agrees_only_on_what_it_carried() {
        let owner = vec![("owner_id".to_owned(), SyncValue::Integer(7))];
        // Salesforce holds phone v1; Intercom has moved to v2 and now gets owner 7 from us.
        let before = maya("v1", Value::Null);
        let after = maya("v2", json!(7));
        let at = after.updated_at;
        let (synced, pending) = after_write(
            RecordModel::Person,
            "p1",
            at,
            &after,
            Some(&stored(Some(&before))),
            &owner,
        );
        let Agreed::AsOf(agreed) = &synced.agreed else {
            panic!("an agreed state: {synced:?}");
        };
        let agreed: PersonRecord = serde_json::from_str(agreed).unwrap();
        assert_eq!(agreed.attributes["phone"], json!("v1"), "v2 still to sync");
        assert_eq!(agreed.attributes["owner_id"], json!(7));
        assert!(pending, "a job carries v2 to Salesforce");
        // Nothing else moved: nothing pending.
        let (_, pending) = after_write(
            RecordModel::Person,
            "p1",
            at,
            &after,
            Some(&stored(Some(&maya("v2", Value::Null)))),
            &owner,
        );
        assert!(!pending);
        // A state received and never synced keeps its queued job's full comparison.
        let (synced, pending) = after_write(
            RecordModel::Person,
            "p1",
            at,
            &after,
            Some(&stored(None)),
            &owner,
        );
        assert_eq!(synced.agreed, Agreed::Unknown);
        assert!(!pending);
        // Never seen: taken as agreed.
        let (synced, _) = after_write(RecordModel::Person, "p1", at, &after, None, &owner);
        assert_eq!(synced.agreed, Agreed::All);
    }

    #[test]
    fn person_accounts_stay_out_of_the_company_sync() {
        assert_eq!(
            company_kind(&account(json!({"IsPersonAccount": true}))),
            CompanyKind::PersonAccount
        );
        assert_eq!(
            company_kind(&account(json!({"IsPersonAccount": false}))),
            CompanyKind::Synced
        );
        // Orgs without person accounts have no such field.
        assert_eq!(company_kind(&account(json!({}))), CompanyKind::Synced);
    }

    #[test]
    fn owners_are_read_through_the_relationships() {
        let contact = SalesforceRecord::for_tests(
            SalesforceObject::Contact,
            "003A",
            chrono::Utc::now(),
            json!({"OwnerId": "005B", "Owner": {"Name": "Bob", "Email": "bob@example.com"},
                   "AccountId": "001A",
                   "Account": {"OwnerId": "005C", "Owner": {"Name": "Carol", "Email": null}}}),
        );
        let own = contact.user("Owner").unwrap();
        assert_eq!(
            (own.id.as_str(), own.email.as_deref()),
            ("005B", Some("bob@example.com"))
        );
        let account_owner = contact.user("Account.Owner").unwrap();
        assert_eq!(account_owner.id, "005C");
        assert_eq!(account_owner.name, "Carol");
        assert_eq!(account_owner.email, None);
        let orphan = SalesforceRecord::for_tests(
            SalesforceObject::Contact,
            "003B",
            chrono::Utc::now(),
            json!({"OwnerId": "005B", "AccountId": null, "Account": null}),
        );
        assert_eq!(orphan.user("Account.Owner"), None);
        // Read without its name: the id stands in.
        assert_eq!(orphan.user("Owner").unwrap().name, "005B");
    }
}
