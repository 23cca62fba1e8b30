//! One batch of Intercom -> Salesforce jobs: each job names a person or company whose latest
//! state is stored; the batch reads what Salesforce holds for all of them in one `/composite`
//! call, links who is unlinked by the priority rules, decides every mapped value with the shared
//! rules (conversions, both skip flags, no write when Salesforce already holds the value), and
//! sends the writes together through sObject Collections: one call per object for updates, one
//! for new Leads.
//!
//! Every step is safe to repeat: a job that runs twice reads Salesforce again and finds its
//! values held (nothing written), or finds the Lead it created by matching again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;
use shared::sync::fields::PERSON_COMPANY_NAME;
use shared::sync::identity::{PersonKeys, normalized_key, same_key};
use shared::sync::{
    AttributeMapping, CompanyAction, CompanyEvent, CompanyRecord as CompanyKind, Direction,
    IntercomCompanyEvent, Outcome, PeopleIdentity, SalesforceField, SalesforceFieldType,
    SalesforceObject, SyncMetadata, SyncSettings, SyncValue, WriteDecision, company_actions,
    decide_salesforce_write,
};

use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::intercom::{self, ContactRole};
use crate::salesforce::records::{RecordQuery, RecordWrite, SalesforceRecord, WriteResult, select};
use crate::salesforce::soql::{Condition, Field, Literal};
use crate::salesforce::{self, ErrorCode, Refusal, SalesforceError};
use crate::store::{
    Job, JobId, JobResult, LinkChange, LinkSide, NewLedgerRow, PersonLink, RecordModel, Store,
    StoredRecord, Synced,
};

use super::matching::{self, Claim};
pub use crate::jobs::Touched;
use crate::jobs::{BatchOutcome, JobKind, JobOutcome, SyncToSalesforce};

/// What a batch works with.
pub struct Context<'a> {
    pub installation_id: &'a str,
    pub settings: &'a SyncSettings,
    pub metadata: &'a SyncMetadata,
    pub salesforce: &'a salesforce::Client,
    pub intercom: &'a intercom::Client,
    pub store: &'a Store,
    /// The Intercom teammates; loaded for the jobs that choose owners.
    pub team: Option<&'a crate::card::Team>,
    /// Attempts a job this batch hands on gets.
    pub max_attempts: i64,
    pub now: i64,
}

/// Which of a record's mapped attributes to sync.
#[derive(Debug, Clone)]
enum Changed {
    All,
    Only(BTreeSet<String>),
}

impl Changed {
    fn includes(&self, attribute: &str) -> bool {
        match self {
            Changed::All => true,
            Changed::Only(names) => names.contains(attribute),
        }
    }

    fn between(
        now: &BTreeMap<String, Value>,
        before: &BTreeMap<String, Value>,
        extra: impl IntoIterator<Item = String>,
    ) -> Changed {
        let mut names: BTreeSet<String> = now
            .keys()
            .chain(before.keys())
            .filter(|k| now.get(*k) != before.get(*k))
            .cloned()
            .collect();
        names.extend(extra);
        Changed::Only(names)
    }
}

struct PersonWork {
    job: JobId,
    person: PersonRecord,
    changed: Changed,
    updated_at: i64,
    body: String,
    link: Option<PersonLink>,
    /// The linked Lead should be swapped for the Lead with the person's new email, if one exists.
    remap_email: Option<String>,
    /// The link broke (its record was deleted or converted): the ledger row saying so.
    broken: Option<NewLedgerRow>,
}

struct CompanyWork {
    job: JobId,
    company: CompanyRecord,
    changed: Changed,
    created: bool,
    updated_at: i64,
    body: String,
    linked_account: Option<String>,
    /// The link's Account is gone: the ledger row saying so.
    broken: Option<NewLedgerRow>,
}

/// The ledger row of one record change, filled in as the job goes.
fn row(
    ctx: &Context<'_>,
    object: SalesforceObject,
    intercom_id: &str,
    salesforce_id: Option<&str>,
    outcome: Outcome,
) -> NewLedgerRow {
    super::ledger::new_row(
        ctx.installation_id,
        ctx.now,
        Direction::ToSalesforce,
        object.api_name(),
        Some(intercom_id),
        salesforce_id,
        outcome,
    )
}

fn with_detail(mut row: NewLedgerRow, detail: impl Into<String>) -> NewLedgerRow {
    row.detail = Some(detail.into());
    row
}

fn with_fields(mut row: NewLedgerRow, fields: &[String]) -> NewLedgerRow {
    row.fields = serde_json::to_string(fields).expect("names serialise");
    row
}

fn with_refusals(mut row: NewLedgerRow, refusals: &[Refusal]) -> NewLedgerRow {
    if let Some(first) = refusals.first() {
        row.error_code = Some(first.code.as_str().to_owned());
    }
    row.error_message = Some(
        refusals
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    row
}

fn done(ledger: Vec<NewLedgerRow>, links: Vec<LinkChange>, synced: Option<Synced>) -> JobOutcome {
    JobOutcome::Done(JobResult {
        ledger,
        links,
        synced: synced.into_iter().collect(),
        follow_ups: Vec::new(),
    })
}

/// A key value's text, numbers without a needless `.0`, for comparing ids across types.
fn key_text(value: &SyncValue) -> Option<String> {
    match value {
        SyncValue::Text(s) => normalized_key(s),
        SyncValue::Integer(n) => Some(n.to_string()),
        SyncValue::Decimal(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            Some((*x as i64).to_string())
        }
        SyncValue::Decimal(x) => Some(x.to_string()),
        _ => None,
    }
}

/// A company_id as a SOQL literal for the key field's type, and its comparable text; `None`
/// when it cannot be such a value (text in a number field).
fn company_key(company_id: &str, field: &SalesforceField) -> Option<(Literal, String)> {
    let id = company_id.trim();
    match field.field_type {
        SalesforceFieldType::Int => {
            let n: i64 = id.parse().ok()?;
            Some((Literal::Int(n), n.to_string()))
        }
        SalesforceFieldType::Double => {
            let x: f64 = id.parse().ok()?;
            Some((Literal::Double(x), key_text(&SyncValue::Decimal(x))?))
        }
        _ if id.is_empty() => None,
        _ => Some((Literal::Str(id.to_owned()), normalized_key(id)?)),
    }
}

fn strings(values: &BTreeSet<String>) -> Vec<Literal> {
    values.iter().map(|v| Literal::Str(v.clone())).collect()
}

/// Runs one batch. Never fails as a whole: each job gets its outcome.
pub async fn run_batch(ctx: &Context<'_>, jobs: &[Job]) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let mut ids = (Vec::new(), Vec::new());
    for job in jobs {
        match SyncToSalesforce::decode(job) {
            Ok(SyncToSalesforce {
                model: RecordModel::Person,
                id,
            }) => ids.0.push((job.id, id)),
            Ok(SyncToSalesforce {
                model: RecordModel::Company,
                id,
            }) => ids.1.push((job.id, id)),
            // A job this version cannot read will not read better later: finish it.
            Err(_) => out.jobs.push((job.id, done(Vec::new(), Vec::new(), None))),
        }
    }
    let (people, companies) = match load(ctx, &ids.0, &ids.1, &mut out).await {
        Ok(work) => work,
        Err(message) => {
            let jobs = ids.0.iter().chain(&ids.1).map(|(job, _)| *job);
            out.all(jobs, &JobOutcome::Retry(message));
            return out;
        }
    };
    if people.is_empty() && companies.is_empty() {
        return out;
    }
    let mut run = Run {
        ctx,
        out,
        people: people.into_iter().map(|p| (p.job, p)).collect(),
        companies: companies.into_iter().map(|c| (c.job, c)).collect(),
        reads: HashMap::new(),
        company_names: HashMap::new(),
    };
    run.go().await;
    run.out
}

/// The stored states of these Intercom records, by id.
async fn stored_by_id(
    ctx: &Context<'_>,
    model: RecordModel,
    ids: &[String],
) -> Result<HashMap<String, StoredRecord>, String> {
    Ok(ctx
        .store
        .intercom_records(ctx.installation_id, model, ids)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|r| (r.intercom_id.clone(), r))
        .collect())
}

/// Reads the jobs' stored records and links; settles deletes and unreadable records at once.
async fn load(
    ctx: &Context<'_>,
    people: &[(JobId, String)],
    companies: &[(JobId, String)],
    out: &mut BatchOutcome,
) -> Result<(Vec<PersonWork>, Vec<CompanyWork>), String> {
    let store = ctx.store;
    let fail = |e: crate::store::StoreError| e.to_string();
    let person_ids: Vec<String> = people.iter().map(|(_, id)| id.clone()).collect();
    let stored = stored_by_id(ctx, RecordModel::Person, &person_ids).await?;
    let mut links: HashMap<String, PersonLink> = store
        .person_links_of(ctx.installation_id, LinkSide::Intercom, &person_ids)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|l| (l.intercom_contact_id.clone(), l))
        .collect();
    let mut person_work = Vec::new();
    for (job, id) in people {
        let link = links.remove(id);
        let Some(record) = stored.get(id) else {
            out.jobs.push((*job, done(Vec::new(), Vec::new(), None)));
            continue;
        };
        let object = link
            .as_ref()
            .map_or(SalesforceObject::Contact, |l| l.salesforce_object.object());
        if record.deleted {
            let ledger = match &link {
                Some(l) => vec![with_detail(
                    row(ctx, object, id, Some(&l.salesforce_id), Outcome::Unlinked),
                    "The Intercom person was deleted.",
                )],
                None => Vec::new(),
            };
            let unlink = vec![LinkChange::UnlinkPerson {
                intercom_id: id.clone(),
            }];
            out.touched.intercom_ids.insert(id.clone());
            out.jobs.push((*job, done(ledger, unlink, None)));
            continue;
        }
        let Ok(person) = serde_json::from_str::<PersonRecord>(&record.body) else {
            out.jobs.push((*job, done(Vec::new(), Vec::new(), None)));
            continue;
        };
        let synced = record
            .synced_body
            .as_deref()
            .and_then(|b| serde_json::from_str::<PersonRecord>(b).ok());
        let changed = match (&synced, record.created) {
            (Some(before), false) => {
                let company_moved = before.company_ids.first() != person.company_ids.first();
                Changed::between(
                    &person.attributes,
                    &before.attributes,
                    company_moved.then(|| PERSON_COMPANY_NAME.to_owned()),
                )
            }
            _ => Changed::All,
        };
        let remap_email = match (&link, &synced) {
            (Some(l), Some(before))
                if person.role == ContactRole::Lead
                    && l.salesforce_object.is_lead()
                    && person.email.is_some()
                    && before.email.as_deref().and_then(normalized_key)
                        != person.email.as_deref().and_then(normalized_key) =>
            {
                person.email.clone()
            }
            _ => None,
        };
        if let (Some(l), Changed::Only(names), None) = (&link, &changed, &remap_email)
            && !mapped_among(ctx.settings, l.salesforce_object.object(), names)
        {
            // Nothing this person's record is mapped to changed: no read, no write, no noise.
            let synced = Synced::all(RecordModel::Person, id, record.updated_at, &record.body);
            out.jobs
                .push((*job, done(Vec::new(), Vec::new(), Some(synced))));
            continue;
        }
        person_work.push(PersonWork {
            job: *job,
            changed,
            updated_at: record.updated_at,
            body: record.body.clone(),
            link,
            remap_email,
            broken: None,
            person,
        });
    }

    let company_ids: Vec<String> = companies.iter().map(|(_, id)| id.clone()).collect();
    let stored = stored_by_id(ctx, RecordModel::Company, &company_ids).await?;
    let mut links: HashMap<String, crate::store::CompanyLink> = store
        .company_links_of(ctx.installation_id, LinkSide::Intercom, &company_ids)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|l| (l.intercom_company_id.clone(), l))
        .collect();
    let mut company_work = Vec::new();
    for (job, id) in companies {
        let link = links.remove(id);
        let Some(record) = stored.get(id) else {
            out.jobs.push((*job, done(Vec::new(), Vec::new(), None)));
            continue;
        };
        if record.deleted {
            // The trigger table: deleted -> delete the link (nothing when there is none).
            let actions = company_actions(
                CompanyEvent::Intercom(IntercomCompanyEvent::Deleted),
                link.is_some(),
                CompanyKind::Synced,
            );
            let mut ledger = Vec::new();
            let mut links = Vec::new();
            if actions.contains(&CompanyAction::Unlink) {
                let account = link.as_ref().map(|l| l.salesforce_id.as_str());
                ledger.push(with_detail(
                    row(
                        ctx,
                        SalesforceObject::Account,
                        id,
                        account,
                        Outcome::Unlinked,
                    ),
                    "The Intercom company was deleted.",
                ));
                links.push(LinkChange::UnlinkCompany {
                    intercom_id: id.clone(),
                });
            }
            out.jobs.push((*job, done(ledger, links, None)));
            continue;
        }
        let Ok(company) = serde_json::from_str::<CompanyRecord>(&record.body) else {
            out.jobs.push((*job, done(Vec::new(), Vec::new(), None)));
            continue;
        };
        let synced = record
            .synced_body
            .as_deref()
            .and_then(|b| serde_json::from_str::<CompanyRecord>(b).ok());
        let changed = match &synced {
            Some(before) => Changed::between(&company.attributes, &before.attributes, None),
            None => Changed::All,
        };
        if let (Some(_), Changed::Only(names), false) = (&link, &changed, record.created)
            && !mapped_among(ctx.settings, SalesforceObject::Account, names)
        {
            let synced = Synced::all(RecordModel::Company, id, record.updated_at, &record.body);
            out.jobs
                .push((*job, done(Vec::new(), Vec::new(), Some(synced))));
            continue;
        }
        company_work.push(CompanyWork {
            job: *job,
            changed,
            created: record.created,
            updated_at: record.updated_at,
            body: record.body.clone(),
            linked_account: link.map(|l| l.salesforce_id),
            broken: None,
            company,
        });
    }
    Ok((person_work, company_work))
}

/// Whether any of `names` is the source of an Intercom -> Salesforce mapping of `object`.
fn mapped_among(
    settings: &SyncSettings,
    object: SalesforceObject,
    names: &BTreeSet<String>,
) -> bool {
    settings
        .mappings_of(object)
        .any(|m| m.direction == Direction::ToSalesforce && names.contains(&m.intercom_attribute))
}

/// A failure that fails every job it touches the same way.
enum Stop {
    Limit,
    Retry(String),
}

impl From<SalesforceError> for Stop {
    fn from(error: SalesforceError) -> Self {
        match error {
            SalesforceError::LimitExceeded(_) => Stop::Limit,
            other => Stop::Retry(other.to_string()),
        }
    }
}

/// A decided write for one job.
struct Planned {
    job: JobId,
    model: RecordModel,
    intercom_id: String,
    object: SalesforceObject,
    salesforce_id: Option<String>,
    write: RecordWrite,
    /// Ledger rows and links that stand whatever the write's result.
    ledger: Vec<NewLedgerRow>,
    links: Vec<LinkChange>,
    synced: Synced,
    /// What the ledger says on success beyond the fields written.
    detail: Option<String>,
}

struct Run<'a, 'b> {
    ctx: &'a Context<'b>,
    out: BatchOutcome,
    people: BTreeMap<JobId, PersonWork>,
    companies: BTreeMap<JobId, CompanyWork>,
    /// Query answers by reference.
    reads: HashMap<String, Vec<SalesforceRecord>>,
    company_names: HashMap<String, Option<String>>,
}

/// The fields a read of `object` selects: the mapped destinations, the keys and `Email`.
fn read_fields<'m>(
    metadata: &'m SyncMetadata,
    settings: &SyncSettings,
    object: SalesforceObject,
) -> Vec<&'m SalesforceField> {
    let mut names: Vec<String> = settings
        .mappings_of(object)
        .filter(|m| m.direction == Direction::ToSalesforce)
        .map(|m| m.salesforce_field.clone())
        .collect();
    let (_, key) = settings.identity.keys_for(object);
    names.push(key.to_owned());
    if object != SalesforceObject::Account {
        names.push("Email".to_owned());
    }
    if object == SalesforceObject::Lead {
        names.push("IsConverted".to_owned());
    }
    names
        .iter()
        .filter_map(|n| metadata.salesforce_field(object, n))
        .collect()
}

impl Run<'_, '_> {
    fn finish(&mut self, job: JobId, outcome: JobOutcome) {
        self.out.jobs.push((job, outcome));
    }

    /// Fails every job still open with `stop`.
    fn stop_all(&mut self, stop: &Stop) {
        let open: Vec<JobId> = self
            .people
            .keys()
            .chain(self.companies.keys())
            .copied()
            .collect();
        for job in open {
            self.stop_job(job, stop);
        }
        self.people.clear();
        self.companies.clear();
    }

    fn stop_job(&mut self, job: JobId, stop: &Stop) {
        match stop {
            Stop::Limit => {
                self.out.limit_exceeded = true;
                self.finish(job, JobOutcome::Release);
            }
            Stop::Retry(message) => self.finish(job, JobOutcome::Retry(message.clone())),
        }
    }

    async fn read(&mut self, queries: Vec<RecordQuery>) -> Result<(), Stop> {
        if queries.is_empty() {
            return Ok(());
        }
        self.out.salesforce_calls +=
            queries.len().div_ceil(salesforce::records::COMPOSITE_LIMIT) as u32;
        let answers = self.ctx.salesforce.read_records(&queries).await?;
        self.reads.extend(answers);
        Ok(())
    }

    fn answer(&self, reference: &str) -> &[SalesforceRecord] {
        self.reads.get(reference).map_or(&[], Vec::as_slice)
    }

    async fn go(&mut self) {
        if let Err(stop) = self.resolve().await {
            self.stop_all(&stop);
            return;
        }
        let mut planned = Vec::new();
        if let Err(stop) = self.plan_people(&mut planned).await {
            self.stop_all(&stop);
            return;
        }
        if let Err(stop) = self.plan_companies(&mut planned).await {
            self.stop_all(&stop);
            return;
        }
        self.send(planned).await;
    }
}

fn reference(object: SalesforceObject, tag: &str) -> String {
    format!("{tag}_{}", object.api_name())
}

/// The records of `object` with these ids.
fn by_ids(
    metadata: &SyncMetadata,
    settings: &SyncSettings,
    object: SalesforceObject,
    ids: &BTreeSet<String>,
    tag: &str,
) -> RecordQuery {
    let fields = read_fields(metadata, settings, object);
    RecordQuery {
        reference: reference(object, tag),
        object,
        query: select(object, &fields).filter(Condition::In(Field::known("Id"), strings(ids))),
    }
}

/// How one person is matched, by the one identity model.
fn keys_of(identity: &PeopleIdentity, person: &PersonRecord) -> PersonKeys {
    identity.person_keys(person.email.as_deref(), person.external_id.as_deref())
}

impl Run<'_, '_> {
    /// Contact and Lead queries matching the people of `jobs` (and Leads by `extra_emails`).
    fn person_matches(
        &self,
        jobs: &[JobId],
        extra_emails: &BTreeSet<String>,
        tag: &str,
    ) -> Vec<RecordQuery> {
        let ctx = self.ctx;
        let identity = &ctx.settings.identity.people;
        let key_field = identity.salesforce_key();
        let mut keys = BTreeSet::new();
        let mut contact_emails = BTreeSet::new();
        let mut lead_emails = extra_emails.clone();
        for job in jobs {
            let Some(person) = self.people.get(job) else {
                continue;
            };
            let k = keys_of(identity, &person.person);
            match (k.key, k.key_is_email) {
                (Some(email), true) => {
                    contact_emails.insert(email);
                }
                (Some(key), false) => {
                    keys.insert(key);
                }
                (None, _) => {}
            }
            lead_emails.extend(k.lead_email);
        }
        let mut queries = Vec::new();
        let key_condition = |object| {
            ctx.metadata
                .salesforce_field(object, key_field)
                .filter(|_| !keys.is_empty() && !key_field.eq_ignore_ascii_case("Email"))
                .and_then(|f| Field::parse(&f.name).ok())
                .map(|f| Condition::In(f, strings(&keys)))
        };
        let email_in = |emails: &BTreeSet<String>| {
            (!emails.is_empty()).then(|| Condition::In(Field::known("Email"), strings(emails)))
        };
        let contact = [
            key_condition(SalesforceObject::Contact),
            email_in(&contact_emails),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        if !contact.is_empty() {
            let fields = read_fields(ctx.metadata, ctx.settings, SalesforceObject::Contact);
            queries.push(RecordQuery {
                reference: reference(SalesforceObject::Contact, tag),
                object: SalesforceObject::Contact,
                query: select(SalesforceObject::Contact, &fields).filter(any(contact)),
            });
        }
        let lead = [
            key_condition(SalesforceObject::Lead),
            email_in(&lead_emails),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        if !lead.is_empty() {
            let fields = read_fields(ctx.metadata, ctx.settings, SalesforceObject::Lead);
            let mut filter = any(lead);
            if ctx
                .metadata
                .salesforce_field(SalesforceObject::Lead, "IsConverted")
                .is_some()
            {
                filter = filter.and(Condition::eq(Field::known("IsConverted"), false));
            }
            queries.push(RecordQuery {
                reference: reference(SalesforceObject::Lead, tag),
                object: SalesforceObject::Lead,
                query: select(SalesforceObject::Lead, &fields).filter(filter),
            });
        }
        queries
    }

    /// The Account query matching the unlinked companies of `jobs` by the company key.
    fn account_matches(&self, jobs: &[JobId], tag: &str) -> Vec<RecordQuery> {
        let ctx = self.ctx;
        let key = ctx.settings.identity.companies.salesforce_key();
        let Some(field) = ctx
            .metadata
            .salesforce_field(SalesforceObject::Account, key)
        else {
            return Vec::new();
        };
        let Ok(parsed) = Field::parse(&field.name) else {
            return Vec::new();
        };
        let values: Vec<Literal> = jobs
            .iter()
            .filter_map(|j| self.companies.get(j))
            .filter_map(|c| company_key(&c.company.company_id, field).map(|(literal, _)| literal))
            .collect();
        if values.is_empty() {
            return Vec::new();
        }
        let mut filter = Condition::In(parsed, values);
        // Only business accounts are synced.
        if ctx
            .metadata
            .salesforce_field(SalesforceObject::Account, "IsPersonAccount")
            .is_some()
        {
            filter = filter.and(Condition::eq(Field::known("IsPersonAccount"), false));
        }
        let fields = read_fields(ctx.metadata, ctx.settings, SalesforceObject::Account);
        vec![RecordQuery {
            reference: reference(SalesforceObject::Account, tag),
            object: SalesforceObject::Account,
            query: select(SalesforceObject::Account, &fields).filter(filter),
        }]
    }

    /// Reads linked records by id and matches for the unlinked, in one `/composite` call; a
    /// second only when links turned out broken (deleted or converted records).
    async fn resolve(&mut self) -> Result<(), Stop> {
        let ctx = self.ctx;
        let meta = ctx.metadata;
        let mut queries = Vec::new();
        for object in [SalesforceObject::Contact, SalesforceObject::Lead] {
            let ids: BTreeSet<String> = self
                .people
                .values()
                .filter_map(|p| p.link.as_ref())
                .filter(|l| l.salesforce_object.object() == object)
                .map(|l| l.salesforce_id.clone())
                .collect();
            if !ids.is_empty() {
                queries.push(by_ids(meta, ctx.settings, object, &ids, "linked"));
            }
        }
        let accounts: BTreeSet<String> = self
            .companies
            .values()
            .filter_map(|c| c.linked_account.clone())
            .collect();
        if !accounts.is_empty() {
            queries.push(by_ids(
                meta,
                ctx.settings,
                SalesforceObject::Account,
                &accounts,
                "linked",
            ));
        }
        let unlinked: Vec<JobId> = self
            .people
            .values()
            .filter(|p| p.link.is_none())
            .map(|p| p.job)
            .collect();
        let remaps: BTreeSet<String> = self
            .people
            .values()
            .filter_map(|p| p.remap_email.as_deref().and_then(normalized_key))
            .collect();
        queries.extend(self.person_matches(&unlinked, &remaps, "match"));
        let unlinked_companies: Vec<JobId> = self
            .companies
            .values()
            .filter(|c| c.linked_account.is_none())
            .map(|c| c.job)
            .collect();
        queries.extend(self.account_matches(&unlinked_companies, "match"));
        self.read(queries).await?;

        // Links whose record is gone (deleted, merged) or converted are dropped and matched anew.
        let linked: HashMap<String, bool> = [SalesforceObject::Contact, SalesforceObject::Lead]
            .iter()
            .flat_map(|o| self.answer(&reference(*o, "linked")).iter())
            .map(|r| (r.id.clone(), r.flag("IsConverted").unwrap_or(false)))
            .collect();
        let mut rematch = Vec::new();
        for person in self.people.values_mut() {
            let Some(link) = &person.link else { continue };
            let gone = match linked.get(&link.salesforce_id) {
                None => "The linked Salesforce record no longer exists.",
                Some(true) => "The linked Salesforce Lead was converted.",
                Some(false) => continue,
            };
            person.broken = Some(with_detail(
                row(
                    ctx,
                    link.salesforce_object.object(),
                    &person.person.id,
                    Some(&link.salesforce_id),
                    Outcome::Unlinked,
                ),
                gone,
            ));
            person.link = None;
            rematch.push(person.job);
        }
        let accounts_found: BTreeSet<String> = self
            .answer(&reference(SalesforceObject::Account, "linked"))
            .iter()
            .map(|r| r.id.clone())
            .collect();
        let mut relink = Vec::new();
        for company in self.companies.values_mut() {
            if let Some(id) = &company.linked_account
                && !accounts_found.contains(id)
            {
                company.broken = Some(with_detail(
                    row(
                        ctx,
                        SalesforceObject::Account,
                        &company.company.id,
                        Some(id),
                        Outcome::Unlinked,
                    ),
                    "The linked Salesforce Account no longer exists.",
                ));
                company.linked_account = None;
                relink.push(company.job);
            }
        }
        let mut queries = self.person_matches(&rematch, &BTreeSet::new(), "rematch");
        queries.extend(self.account_matches(&relink, "rematch"));
        self.read(queries).await
    }

    /// Every record of `object` any match query answered.
    fn matched(&self, object: SalesforceObject) -> Vec<&SalesforceRecord> {
        ["match", "rematch"]
            .iter()
            .flat_map(|tag| self.answer(&reference(object, tag)).iter())
            .collect()
    }

    fn linked_record(&self, object: SalesforceObject, id: &str) -> Option<&SalesforceRecord> {
        self.answer(&reference(object, "linked"))
            .iter()
            .find(|r| r.id == id)
    }

    /// The name of the person's first company, from the stored companies or Intercom.
    async fn company_name(&mut self, person: &PersonRecord) -> Result<Option<String>, Stop> {
        let Some(id) = person.company_ids.first() else {
            return Ok(None);
        };
        if let Some(name) = self.company_names.get(id) {
            return Ok(name.clone());
        }
        let stored = self
            .ctx
            .store
            .intercom_records(
                self.ctx.installation_id,
                RecordModel::Company,
                std::slice::from_ref(id),
            )
            .await
            .map_err(|e| Stop::Retry(e.to_string()))?;
        let known = stored
            .first()
            .filter(|r| !r.deleted)
            .and_then(|r| serde_json::from_str::<CompanyRecord>(&r.body).ok())
            .map(|c| c.name);
        let name = match known {
            Some(name) => name,
            None => match self.ctx.intercom.company(id).await {
                Ok(company) => company.name,
                Err(crate::intercom::IntercomError::NotFound { .. }) => None,
                Err(e) => return Err(Stop::Retry(e.to_string())),
            },
        };
        self.company_names.insert(id.clone(), name.clone());
        Ok(name)
    }

    /// The Intercom person holding a link to `salesforce_id` (other than `except`), as a claim.
    async fn holder(
        &self,
        salesforce_id: &str,
        except: &str,
    ) -> Result<Option<Option<Claim>>, Stop> {
        let link = self
            .ctx
            .store
            .person_link_by_salesforce_id(self.ctx.installation_id, salesforce_id)
            .await
            .map_err(|e| Stop::Retry(e.to_string()))?;
        let Some(link) = link.filter(|l| l.intercom_contact_id != except) else {
            return Ok(None);
        };
        let stored = self
            .ctx
            .store
            .intercom_records(
                self.ctx.installation_id,
                RecordModel::Person,
                std::slice::from_ref(&link.intercom_contact_id),
            )
            .await
            .map_err(|e| Stop::Retry(e.to_string()))?;
        let claim = stored
            .first()
            .filter(|r| !r.deleted)
            .and_then(|r| serde_json::from_str::<PersonRecord>(&r.body).ok())
            .map(|p| Claim {
                role: p.role,
                updated_at: p.updated_at,
            });
        Ok(Some(claim))
    }
}

fn any(mut conditions: Vec<Condition>) -> Condition {
    if conditions.len() == 1 {
        conditions.remove(0)
    } else {
        Condition::Or(conditions)
    }
}

/// The values to write to `target` for one record's mapped attributes.
struct Decided {
    values: Vec<(String, SyncValue)>,
    /// Conversion failures, `Field: why`.
    errors: Vec<String>,
    failed_fields: Vec<String>,
}

impl Run<'_, '_> {
    /// Decides each mapped value of `object` among `changed` (both skip flags, the
    /// conversions, and no write when `current` already holds the value).
    async fn decide(
        &mut self,
        object: SalesforceObject,
        source: Source<'_>,
        changed: &Changed,
        current: Option<&SalesforceRecord>,
    ) -> Result<Decided, Stop> {
        let ctx = self.ctx;
        let model = object.intercom_model();
        let mappings: Vec<&AttributeMapping> = ctx
            .settings
            .mappings_of(object)
            .filter(|m| m.direction == Direction::ToSalesforce)
            .filter(|m| changed.includes(&m.intercom_attribute))
            .collect();
        let mut decided = Decided {
            values: Vec::new(),
            errors: Vec::new(),
            failed_fields: Vec::new(),
        };
        for mapping in mappings {
            let (Some(attribute), Some(field)) = (
                ctx.metadata
                    .intercom_attribute(model, &mapping.intercom_attribute),
                ctx.metadata
                    .salesforce_field(object, &mapping.salesforce_field),
            ) else {
                continue;
            };
            let value = match source {
                Source::Person(person) if attribute.name == PERSON_COMPANY_NAME => {
                    match self.company_name(person).await? {
                        Some(name) => SyncValue::Text(name),
                        None => SyncValue::Empty,
                    }
                }
                Source::Person(person) => person.value(attribute),
                Source::Company(company) => company.value(attribute),
            };
            let held = current.map_or(SyncValue::Empty, |r| r.value(field));
            let decision = if current.is_some() {
                decide_salesforce_write(mapping, &value, attribute, &held, field)
            } else {
                // A new record: nothing is held, and an empty value is simply not sent.
                match shared::sync::to_salesforce(&value, attribute, field) {
                    _ if mapping.skip_if_source_empty && value.is_empty() => {
                        Ok(WriteDecision::SkipSourceEmpty)
                    }
                    Ok(v) if v.is_empty() => Ok(WriteDecision::AlreadyHeld),
                    Ok(v) => Ok(WriteDecision::Write(v)),
                    Err(e) => Err(e),
                }
            };
            match decision {
                Ok(WriteDecision::Write(v)) => decided.values.push((field.name.clone(), v)),
                Ok(_) => {}
                Err(e) => {
                    decided.errors.push(format!("{}: {e}", field.name));
                    decided.failed_fields.push(field.name.clone());
                }
            }
        }
        Ok(decided)
    }
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Person(&'a PersonRecord),
    Company(&'a CompanyRecord),
}

fn conversion_row(mut row: NewLedgerRow, decided: &Decided) -> NewLedgerRow {
    row.outcome = Outcome::Failed.as_str().to_owned();
    row.error_code = Some(shared::sync::convert::NOT_CONVERTIBLE.to_owned());
    row.error_message = Some(decided.errors.join(" "));
    with_fields(row, &decided.failed_fields)
}

/// The people of a batch in priority order (`matching::priority`).
fn priority_order(people: &BTreeMap<JobId, PersonWork>) -> Vec<JobId> {
    let claim = |p: &PersonWork| Claim {
        role: p.person.role,
        updated_at: p.person.updated_at,
    };
    let mut order: Vec<(&JobId, &PersonWork)> = people.iter().collect();
    order.sort_by(|(_, a), (_, b)| {
        matching::priority((claim(a), &a.person.id), (claim(b), &b.person.id))
    });
    order.into_iter().map(|(job, _)| *job).collect()
}

impl Run<'_, '_> {
    async fn plan_people(&mut self, planned: &mut Vec<Planned>) -> Result<(), Stop> {
        let ctx = self.ctx;
        let identity = ctx.settings.identity.people.clone();
        let key_field = identity.salesforce_key().to_owned();
        let lead_has_key = !matches!(identity, PeopleIdentity::Email)
            && ctx
                .metadata
                .salesforce_field(SalesforceObject::Lead, &key_field)
                .is_some();
        let mut claimed: HashMap<String, String> = HashMap::new();
        let mut creating: BTreeSet<String> = BTreeSet::new();
        for job in priority_order(&self.people) {
            let Some(work) = self.people.remove(&job) else {
                continue;
            };
            let me = Claim {
                role: work.person.role,
                updated_at: work.person.updated_at,
            };
            let person_id = work.person.id.clone();
            let mut ledger: Vec<NewLedgerRow> = work.broken.iter().cloned().collect();
            let mut links = Vec::new();
            let mut target: Option<SalesforceRecord> = None;
            let mut new_link = false;
            let mut held_elsewhere = false;
            let synced = Synced::all(RecordModel::Person, &person_id, work.updated_at, &work.body);

            if let Some(link) = &work.link {
                let object = link.salesforce_object.object();
                if let Some(email) = &work.remap_email {
                    let others: Vec<SalesforceRecord> = self
                        .matched(SalesforceObject::Lead)
                        .into_iter()
                        .filter(|r| r.id != link.salesforce_id)
                        .filter(|r| r.text("Email").is_some_and(|e| same_key(&e, email)))
                        .filter(|r| !claimed.contains_key(&r.id))
                        .cloned()
                        .collect();
                    if let Some(other) = matching::newest(&others) {
                        let holder = self.holder(&other.id, &person_id).await?;
                        if holder.is_none_or(|h| matching::takes_over(me, h)) {
                            target = Some(other.clone());
                            new_link = true;
                        }
                    }
                }
                if target.is_none() {
                    match claimed.get(&link.salesforce_id) {
                        Some(other) if *other != person_id => {
                            // Someone with priority in this batch took the record.
                            links.push(LinkChange::UnlinkPerson {
                                intercom_id: person_id.clone(),
                            });
                            ledger.push(with_detail(
                                row(
                                    ctx,
                                    object,
                                    &person_id,
                                    Some(&link.salesforce_id),
                                    Outcome::Unlinked,
                                ),
                                "An Intercom person with priority now holds this record.",
                            ));
                            self.finish(job, done(ledger, links, Some(synced)));
                            continue;
                        }
                        _ => target = self.linked_record(object, &link.salesforce_id).cloned(),
                    }
                }
            } else {
                let keys = keys_of(&identity, &work.person);
                let key = keys.key.as_deref();
                let contacts: Vec<SalesforceRecord> = self
                    .matched(SalesforceObject::Contact)
                    .into_iter()
                    .filter(|r| match (&key, keys.key_is_email) {
                        (Some(k), true) => r.text("Email").is_some_and(|e| same_key(&e, k)),
                        (Some(k), false) => r.text(&key_field).is_some_and(|v| same_key(&v, k)),
                        (None, _) => false,
                    })
                    .cloned()
                    .collect();
                let leads: Vec<SalesforceRecord> =
                    self.matched(SalesforceObject::Lead)
                        .into_iter()
                        .filter(|r| {
                            let by_email = keys.lead_email.as_ref().is_some_and(|le| {
                                r.text("Email").is_some_and(|e| same_key(&e, le))
                            });
                            let by_key = lead_has_key
                                && !keys.key_is_email
                                && key.is_some_and(|k| {
                                    r.text(&key_field).is_some_and(|v| same_key(&v, k))
                                });
                            by_email || by_key
                        })
                        .cloned()
                        .collect();
                let contacts: Vec<&SalesforceRecord> = contacts.iter().collect();
                let leads: Vec<&SalesforceRecord> = leads.iter().collect();
                let candidates = matching::people_in_priority(&contacts, &leads);
                for candidate in candidates {
                    if claimed.get(&candidate.id).is_some_and(|c| *c != person_id) {
                        held_elsewhere = true;
                        continue;
                    }
                    let holder = self.holder(&candidate.id, &person_id).await?;
                    if holder.is_some_and(|h| !matching::takes_over(me, h)) {
                        held_elsewhere = true;
                        continue;
                    }
                    target = Some(candidate.clone());
                    new_link = true;
                    break;
                }
            }

            let Some(target) = target else {
                if work.link.is_none() && work.broken.is_some() {
                    links.push(LinkChange::UnlinkPerson {
                        intercom_id: person_id.clone(),
                    });
                }
                self.no_match(
                    job,
                    work,
                    ledger,
                    links,
                    synced,
                    held_elsewhere,
                    lead_has_key,
                    &mut creating,
                    planned,
                )
                .await?;
                continue;
            };
            claimed.insert(target.id.clone(), person_id.clone());
            self.out.touched.intercom_ids.insert(person_id.clone());
            self.out.touched.salesforce_ids.insert(target.id.clone());
            let object = target.object;
            let mut detail = None;
            if new_link {
                links.push(LinkChange::Person {
                    intercom_id: person_id.clone(),
                    object: object.into(),
                    salesforce_id: target.id.clone(),
                });
                detail = Some(format!("Linked to {} {}.", object.api_name(), target.id));
            }
            let decided = self
                .decide(
                    object,
                    Source::Person(&work.person),
                    &work.changed,
                    Some(&target),
                )
                .await?;
            if !decided.errors.is_empty() {
                ledger.push(conversion_row(
                    row(ctx, object, &person_id, Some(&target.id), Outcome::Failed),
                    &decided,
                ));
            }
            if decided.values.is_empty() {
                if decided.errors.is_empty() {
                    let mut unchanged = row(
                        ctx,
                        object,
                        &person_id,
                        Some(&target.id),
                        Outcome::Unchanged,
                    );
                    unchanged.detail = detail;
                    ledger.push(unchanged);
                }
                self.finish(job, done(ledger, links, Some(synced)));
                continue;
            }
            planned.push(Planned {
                job,
                model: RecordModel::Person,
                intercom_id: person_id,
                object,
                salesforce_id: Some(target.id.clone()),
                write: RecordWrite {
                    object,
                    id: Some(target.id.clone()),
                    values: decided.values,
                },
                ledger,
                links,
                synced,
                detail,
            });
        }
        Ok(())
    }

    /// A person matching nothing: a new Lead when the identity allows it and the person has
    /// a key, else a skip saying why.
    #[allow(clippy::too_many_arguments)]
    async fn no_match(
        &mut self,
        job: JobId,
        work: PersonWork,
        mut ledger: Vec<NewLedgerRow>,
        links: Vec<LinkChange>,
        synced: Synced,
        held_elsewhere: bool,
        lead_has_key: bool,
        creating: &mut BTreeSet<String>,
        planned: &mut Vec<Planned>,
    ) -> Result<(), Stop> {
        let ctx = self.ctx;
        let identity = &ctx.settings.identity.people;
        let person = &work.person;
        let keys = keys_of(identity, person);
        let skip = |why: &str| {
            with_detail(
                row(
                    ctx,
                    SalesforceObject::Lead,
                    &person.id,
                    None,
                    Outcome::Skipped,
                ),
                why,
            )
        };
        let external = person
            .external_id
            .as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty());
        // The new Lead must be found again by the next match, or a repeat would create another.
        let findable = keys.lead_email.is_some() || (lead_has_key && external.is_some());
        let reason = if held_elsewhere {
            Some(
                "Its Salesforce match is linked to an Intercom person with priority (users before leads, then the most recently updated).",
            )
        } else if !identity.creates_leads() {
            Some(
                "No Salesforce record matches, and lead creation is off (the email fallback is unchecked).",
            )
        } else if keys.key.is_none() {
            Some("No Salesforce record matches, and a Lead is never created from an empty key.")
        } else if !findable {
            Some("No Salesforce record matches, and a Lead needs an email to be created.")
        } else if keys
            .lead_email
            .as_ref()
            .is_some_and(|e| creating.contains(e))
        {
            Some("Another Intercom person with this email, with priority, is creating the Lead.")
        } else {
            None
        };
        if let Some(reason) = reason {
            ledger.push(skip(reason));
            self.finish(job, done(ledger, links, Some(synced)));
            return Ok(());
        }
        let mut decided = self
            .decide(
                SalesforceObject::Lead,
                Source::Person(person),
                &Changed::All,
                None,
            )
            .await?;
        let has = |values: &[(String, SyncValue)], name: &str| {
            values.iter().any(|(f, _)| f.eq_ignore_ascii_case(name))
        };
        let key_field = identity.salesforce_key();
        if let (true, Some(x)) = (lead_has_key, external)
            && !has(&decided.values, key_field)
        {
            decided
                .values
                .push((key_field.to_owned(), SyncValue::Text(x.to_owned())));
        }
        if let Some(email) = &person.email
            && !has(&decided.values, "Email")
        {
            decided
                .values
                .push(("Email".to_owned(), SyncValue::Text(email.trim().to_owned())));
        }
        // Every field Salesforce requires must have a value.
        for required in shared::sync::required_lead_fields(ctx.metadata) {
            if !has(&decided.values, &required) && !decided.failed_fields.contains(&required) {
                decided.errors.push(format!(
                    "{required}: is required to create leads, and the person has no value for it."
                ));
                decided.failed_fields.push(required);
            }
        }
        if !decided.errors.is_empty() {
            ledger.push(conversion_row(
                row(
                    ctx,
                    SalesforceObject::Lead,
                    &person.id,
                    None,
                    Outcome::Failed,
                ),
                &decided,
            ));
            self.finish(job, done(ledger, links, Some(synced)));
            return Ok(());
        }
        creating.extend(keys.lead_email.clone());
        self.out.touched.intercom_ids.insert(person.id.clone());
        planned.push(Planned {
            job,
            model: RecordModel::Person,
            intercom_id: person.id.clone(),
            object: SalesforceObject::Lead,
            salesforce_id: None,
            write: RecordWrite {
                object: SalesforceObject::Lead,
                id: None,
                values: decided.values,
            },
            ledger,
            links,
            synced,
            detail: None,
        });
        Ok(())
    }

    /// Companies per the trigger table of the company article.
    async fn plan_companies(&mut self, planned: &mut Vec<Planned>) -> Result<(), Stop> {
        let ctx = self.ctx;
        let key_field = ctx
            .metadata
            .salesforce_field(
                SalesforceObject::Account,
                ctx.settings.identity.companies.salesforce_key(),
            )
            .cloned();
        let mut claimed: HashMap<String, String> = HashMap::new();
        let jobs: Vec<JobId> = self.companies.keys().copied().collect();
        for job in jobs {
            let Some(work) = self.companies.remove(&job) else {
                continue;
            };
            let company_id = work.company.id.clone();
            let synced = Synced::all(
                RecordModel::Company,
                &company_id,
                work.updated_at,
                &work.body,
            );
            let mut ledger: Vec<NewLedgerRow> = work.broken.iter().cloned().collect();
            let mut links = Vec::new();
            if work.broken.is_some() {
                links.push(LinkChange::UnlinkCompany {
                    intercom_id: company_id.clone(),
                });
            }
            let kind = if work.company.created_by_qualification() {
                CompanyKind::CreatedByQualification
            } else {
                CompanyKind::Synced
            };
            let event = CompanyEvent::Intercom(if work.created {
                IntercomCompanyEvent::Created
            } else {
                IntercomCompanyEvent::Updated
            });
            let actions = company_actions(event, work.linked_account.is_some(), kind);
            if actions.is_empty() {
                ledger.push(with_detail(
                    row(
                        ctx,
                        SalesforceObject::Account,
                        &company_id,
                        None,
                        Outcome::Skipped,
                    ),
                    "Companies Intercom created during qualification are not synced.",
                ));
                self.finish(job, done(ledger, links, Some(synced)));
                continue;
            }
            let mut target = work
                .linked_account
                .as_deref()
                .and_then(|id| self.linked_record(SalesforceObject::Account, id).cloned());
            let mut detail = None;
            if actions.contains(&CompanyAction::Link) && target.is_none() {
                let wanted = key_field
                    .as_ref()
                    .and_then(|f| company_key(&work.company.company_id, f))
                    .map(|(_, text)| text);
                let candidates: Vec<SalesforceRecord> = match (&wanted, &key_field) {
                    (Some(wanted), Some(field)) => self
                        .matched(SalesforceObject::Account)
                        .into_iter()
                        .filter(|r| key_text(&r.value(field)).as_ref() == Some(wanted))
                        .filter(|r| claimed.get(&r.id).is_none_or(|c| *c == company_id))
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                };
                // Several accounts with the key: the most recently updated.
                match matching::newest(&candidates) {
                    Some(account) => {
                        links.push(LinkChange::Company {
                            intercom_id: company_id.clone(),
                            salesforce_id: account.id.clone(),
                        });
                        detail = Some(format!("Linked to Account {}.", account.id));
                        target = Some(account.clone());
                    }
                    None => {
                        ledger.push(with_detail(
                            row(
                                ctx,
                                SalesforceObject::Account,
                                &company_id,
                                None,
                                Outcome::Skipped,
                            ),
                            format!(
                                "No Salesforce Account has {} = {:?}.",
                                ctx.settings.identity.companies.salesforce_key(),
                                work.company.company_id
                            ),
                        ));
                        self.finish(job, done(ledger, links, Some(synced)));
                        continue;
                    }
                }
            }
            let Some(target) = target else {
                self.finish(job, done(ledger, links, Some(synced)));
                continue;
            };
            claimed.insert(target.id.clone(), company_id.clone());
            self.out.touched.salesforce_ids.insert(target.id.clone());
            let changed = if actions.contains(&CompanyAction::SyncAllMapped) {
                Changed::All
            } else {
                work.changed.clone()
            };
            let decided = self
                .decide(
                    SalesforceObject::Account,
                    Source::Company(&work.company),
                    &changed,
                    Some(&target),
                )
                .await?;
            if !decided.errors.is_empty() {
                ledger.push(conversion_row(
                    row(
                        ctx,
                        SalesforceObject::Account,
                        &company_id,
                        Some(&target.id),
                        Outcome::Failed,
                    ),
                    &decided,
                ));
            }
            if decided.values.is_empty() {
                if decided.errors.is_empty() {
                    let mut unchanged = row(
                        ctx,
                        SalesforceObject::Account,
                        &company_id,
                        Some(&target.id),
                        Outcome::Unchanged,
                    );
                    unchanged.detail = detail;
                    ledger.push(unchanged);
                }
                self.finish(job, done(ledger, links, Some(synced)));
                continue;
            }
            planned.push(Planned {
                job,
                model: RecordModel::Company,
                intercom_id: company_id,
                object: SalesforceObject::Account,
                salesforce_id: Some(target.id.clone()),
                write: RecordWrite {
                    object: SalesforceObject::Account,
                    id: Some(target.id.clone()),
                    values: decided.values,
                },
                ledger,
                links,
                synced,
                detail,
            });
        }
        Ok(())
    }

    /// Sends the planned writes: per object one update call (200 records each), and one create
    /// call for new Leads; then settles each job by its record's result.
    async fn send(&mut self, planned: Vec<Planned>) {
        // New Leads first: their creation is the step whose repeat matters most, and the
        // earlier it lands the sooner a repeat finds the Lead by matching.
        let mut groups: BTreeMap<(bool, SalesforceObject), Vec<Planned>> = BTreeMap::new();
        for p in planned {
            groups
                .entry((p.salesforce_id.is_some(), p.object))
                .or_default()
                .push(p);
        }
        for ((update, _), group) in groups {
            let create = !update;
            let writes: Vec<RecordWrite> = group.iter().map(|p| p.write.clone()).collect();
            self.out.salesforce_calls +=
                writes.len().div_ceil(salesforce::records::COLLECTION_LIMIT) as u32;
            let results = if create {
                self.ctx.salesforce.create_records(&writes).await
            } else {
                self.ctx.salesforce.update_records(&writes).await
            };
            match results {
                Ok(results) => {
                    for (p, result) in group.into_iter().zip(results) {
                        self.settle(p, result);
                    }
                }
                Err(error) => {
                    let stop = Stop::from(error);
                    for p in group {
                        self.stop_job(p.job, &stop);
                    }
                }
            }
        }
    }

    fn settle(&mut self, p: Planned, result: WriteResult) {
        let ctx = self.ctx;
        let fields: Vec<String> = p.write.values.iter().map(|(f, _)| f.clone()).collect();
        let mut ledger = p.ledger;
        let mut links = p.links;
        match result {
            Ok(id) => {
                let outcome = if p.salesforce_id.is_none() {
                    Outcome::Created
                } else {
                    Outcome::Updated
                };
                if p.salesforce_id.is_none() {
                    links.push(LinkChange::Person {
                        intercom_id: p.intercom_id.clone(),
                        object: p.object.into(),
                        salesforce_id: id.clone(),
                    });
                }
                self.out.touched.salesforce_ids.insert(id.clone());
                let mut done_row = with_fields(
                    row(ctx, p.object, &p.intercom_id, Some(&id), outcome),
                    &fields,
                );
                done_row.detail = p.detail;
                ledger.push(done_row);
            }
            Err(refusals) => {
                let gone = refusals.iter().any(|r| {
                    matches!(
                        r.code,
                        ErrorCode::EntityIsDeleted
                            | ErrorCode::NotFound
                            | ErrorCode::CannotUpdateConvertedLead
                    )
                });
                let salesforce_id = p.salesforce_id.as_deref();
                if gone {
                    // A delete on either side deletes the link; the next change links anew.
                    links.retain(|l| {
                        !matches!(l, LinkChange::Person { .. } | LinkChange::Company { .. })
                    });
                    links.push(match p.model {
                        RecordModel::Person => LinkChange::UnlinkPerson {
                            intercom_id: p.intercom_id.clone(),
                        },
                        RecordModel::Company => LinkChange::UnlinkCompany {
                            intercom_id: p.intercom_id.clone(),
                        },
                    });
                    ledger.push(with_refusals(
                        with_fields(
                            row(
                                ctx,
                                p.object,
                                &p.intercom_id,
                                salesforce_id,
                                Outcome::Unlinked,
                            ),
                            &fields,
                        ),
                        &refusals,
                    ));
                } else {
                    ledger.push(with_refusals(
                        with_fields(
                            row(
                                ctx,
                                p.object,
                                &p.intercom_id,
                                salesforce_id,
                                Outcome::Failed,
                            ),
                            &fields,
                        ),
                        &refusals,
                    ));
                }
            }
        }
        self.finish(p.job, done(ledger, links, Some(p.synced)));
    }
}
