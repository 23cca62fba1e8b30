//! The read stage: what Salesforce holds for the batch, read in one `/composite` call (a
//! second only for links found broken), and what planning needs around it, fetched a batch at
//! a time: the links the matched records already hold and who holds them, and the names of
//! the people's companies. The queries are built by pure functions over the loaded work.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use shared::sync::fields::PERSON_COMPANY_NAME;
use shared::sync::identity::{PersonKeys, normalized_key};
use shared::sync::{
    Direction, IntercomModel, PeopleIdentity, SalesforceField, SalesforceFieldType,
    SalesforceObject, SyncMetadata, SyncSettings, SyncValue,
};

use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::jobs::BatchOutcome;
use crate::salesforce;
use crate::salesforce::records::{RecordQuery, SalesforceRecord, select};
use crate::salesforce::soql::{Condition, Field, Literal};
use crate::store::{JobId, LinkSide, RecordModel};

use super::link::Rematch;
use super::load::{CompanyWork, PersonWork};
use super::{Context, Frame, Stop};
use crate::sync::matching::Claim;

/// The Intercom person a Salesforce record is linked to.
#[derive(Debug, Clone)]
pub(super) struct Holder {
    pub(super) intercom_id: String,
    /// Their claim, `None` when Intercom no longer has them (deleted or unreadable).
    pub(super) claim: Option<Claim>,
}

/// Everything the batch read, for the pure stages.
#[derive(Debug, Default)]
pub(super) struct Reads {
    /// Query answers by reference.
    pub(super) answers: HashMap<String, Vec<SalesforceRecord>>,
    /// The links the matched person records hold, by Salesforce id.
    pub(super) holders: HashMap<String, Holder>,
    /// Company names by Intercom company id (`None`: the company has none, or is gone).
    pub(super) company_names: HashMap<String, Option<String>>,
}

impl Reads {
    pub(super) fn answer(&self, reference: &str) -> &[SalesforceRecord] {
        self.answers.get(reference).map_or(&[], Vec::as_slice)
    }

    /// Every record of `object` any match query answered.
    pub(super) fn matched(&self, object: SalesforceObject) -> Vec<&SalesforceRecord> {
        ["match", "rematch"]
            .iter()
            .flat_map(|tag| self.answer(&reference(object, tag)).iter())
            .collect()
    }

    pub(super) fn linked_record(
        &self,
        object: SalesforceObject,
        id: &str,
    ) -> Option<&SalesforceRecord> {
        self.answer(&reference(object, "linked"))
            .iter()
            .find(|r| r.id == id)
    }

    /// The Intercom person holding a link to `salesforce_id` (other than `except`), as a claim.
    pub(super) fn holder(&self, salesforce_id: &str, except: &str) -> Option<Option<Claim>> {
        self.holders
            .get(salesforce_id)
            .filter(|h| h.intercom_id != except)
            .map(|h| h.claim)
    }

    /// The name of the person's first company.
    pub(super) fn company_name(&self, person: &PersonRecord) -> Option<String> {
        let id = person.company_ids.first()?;
        self.company_names.get(id).cloned().flatten()
    }
}

pub(super) fn reference(object: SalesforceObject, tag: &str) -> String {
    format!("{tag}_{}", object.api_name())
}

/// Runs `queries` in `/composite` calls, counting them.
pub(super) async fn records(
    ctx: &Context<'_>,
    queries: Vec<RecordQuery>,
    reads: &mut Reads,
    out: &mut BatchOutcome,
) -> Result<(), Stop> {
    if queries.is_empty() {
        return Ok(());
    }
    out.salesforce_calls += queries.len().div_ceil(salesforce::records::COMPOSITE_LIMIT) as u32;
    let answers = ctx.salesforce.read_records(&queries).await?;
    reads.answers.extend(answers);
    Ok(())
}

/// Reads what planning needs around the records: who holds the matched records' links (two
/// store queries for the batch), and the company names the people's mappings use (one store
/// query, Intercom only for companies not stored).
pub(super) async fn around(
    ctx: &Context<'_>,
    people: &BTreeMap<JobId, PersonWork>,
    reads: &mut Reads,
) -> Result<(), Stop> {
    let store_error = |e: crate::store::StoreError| Stop::Retry(e.to_string());
    let matched: BTreeSet<String> = [SalesforceObject::Contact, SalesforceObject::Lead]
        .into_iter()
        .flat_map(|object| reads.matched(object))
        .map(|r| r.id.clone())
        .collect();
    if !matched.is_empty() {
        let ids: Vec<String> = matched.into_iter().collect();
        let links = ctx
            .store
            .person_links_of(ctx.installation_id, LinkSide::Salesforce, &ids)
            .await
            .map_err(store_error)?;
        let holder_ids: Vec<String> = links
            .iter()
            .map(|l| l.intercom_contact_id.clone())
            .collect();
        let claims: HashMap<String, Claim> = ctx
            .store
            .intercom_records(ctx.installation_id, RecordModel::Person, &holder_ids)
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|r| !r.deleted)
            .filter_map(|r| serde_json::from_str::<PersonRecord>(&r.body).ok())
            .map(|p| {
                let claim = Claim {
                    role: p.role,
                    updated_at: p.updated_at,
                };
                (p.id, claim)
            })
            .collect();
        for link in links {
            let claim = claims.get(&link.intercom_contact_id).copied();
            reads.holders.insert(
                link.salesforce_id,
                Holder {
                    intercom_id: link.intercom_contact_id,
                    claim,
                },
            );
        }
    }

    let wanted: BTreeSet<String> = company_names_wanted(ctx.frame(), people);
    if wanted.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = wanted.iter().cloned().collect();
    let stored = ctx
        .store
        .intercom_records(ctx.installation_id, RecordModel::Company, &ids)
        .await
        .map_err(store_error)?;
    for record in stored.iter().filter(|r| !r.deleted) {
        if let Ok(company) = serde_json::from_str::<CompanyRecord>(&record.body) {
            reads
                .company_names
                .insert(record.intercom_id.clone(), company.name);
        }
    }
    for id in wanted {
        if reads.company_names.contains_key(&id) {
            continue;
        }
        let name = match ctx.intercom.company(&id).await {
            Ok(company) => company.name,
            Err(crate::intercom::IntercomError::NotFound { .. }) => None,
            Err(e) => return Err(Stop::Retry(e.to_string())),
        };
        reads.company_names.insert(id, name);
    }
    Ok(())
}

/// The first companies of the people whose write may carry their company's name: a person
/// mapping takes it, and the person is unlinked (a match or a new Lead syncs every mapped value)
/// or their company changed.
fn company_names_wanted(
    frame: Frame<'_>,
    people: &BTreeMap<JobId, PersonWork>,
) -> BTreeSet<String> {
    let mapped = [SalesforceObject::Contact, SalesforceObject::Lead]
        .into_iter()
        .any(|object| {
            frame.settings.mappings_of(object).any(|m| {
                m.direction == Direction::ToSalesforce
                    && m.intercom_attribute == PERSON_COMPANY_NAME
                    && frame
                        .metadata
                        .intercom_attribute(IntercomModel::Person, PERSON_COMPANY_NAME)
                        .is_some()
                    && frame
                        .metadata
                        .salesforce_field(object, &m.salesforce_field)
                        .is_some()
            })
        });
    if !mapped {
        return BTreeSet::new();
    }
    people
        .values()
        .filter(|p| p.link.is_none() || p.changed.includes(PERSON_COMPANY_NAME))
        .filter_map(|p| p.person.company_ids.first().cloned())
        .collect()
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

fn strings(values: &BTreeSet<String>) -> Vec<Literal> {
    values.iter().map(|v| Literal::Str(v.clone())).collect()
}

fn any(mut conditions: Vec<Condition>) -> Condition {
    if conditions.len() == 1 {
        conditions.remove(0)
    } else {
        Condition::Or(conditions)
    }
}

/// A key value's text, numbers without a needless `.0`, for comparing ids across types.
pub(super) fn key_text(value: &SyncValue) -> Option<String> {
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
pub(super) fn company_key(company_id: &str, field: &SalesforceField) -> Option<(Literal, String)> {
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

/// How one person is matched, by the one identity model.
pub(super) fn keys_of(identity: &PeopleIdentity, person: &PersonRecord) -> PersonKeys {
    identity.person_keys(person.email.as_deref(), person.external_id.as_deref())
}

/// The records of `object` with these ids.
fn by_ids(
    frame: Frame<'_>,
    object: SalesforceObject,
    ids: &BTreeSet<String>,
    tag: &str,
) -> RecordQuery {
    let fields = read_fields(frame.metadata, frame.settings, object);
    RecordQuery {
        reference: reference(object, tag),
        object,
        query: select(object, &fields).filter(Condition::In(Field::known("Id"), strings(ids))),
    }
}

/// The first read: linked records by id, and matches for the unlinked (and for the Leads of
/// people whose email changed).
pub(super) fn first_queries(
    frame: Frame<'_>,
    people: &BTreeMap<JobId, PersonWork>,
    companies: &BTreeMap<JobId, CompanyWork>,
) -> Vec<RecordQuery> {
    let mut queries = Vec::new();
    for object in [SalesforceObject::Contact, SalesforceObject::Lead] {
        let ids: BTreeSet<String> = people
            .values()
            .filter_map(|p| p.link.as_ref())
            .filter(|l| l.salesforce_object.object() == object)
            .map(|l| l.salesforce_id.clone())
            .collect();
        if !ids.is_empty() {
            queries.push(by_ids(frame, object, &ids, "linked"));
        }
    }
    let accounts: BTreeSet<String> = companies
        .values()
        .filter_map(|c| c.linked_account.clone())
        .collect();
    if !accounts.is_empty() {
        queries.push(by_ids(
            frame,
            SalesforceObject::Account,
            &accounts,
            "linked",
        ));
    }
    let unlinked: Vec<JobId> = people
        .values()
        .filter(|p| p.link.is_none())
        .map(|p| p.job)
        .collect();
    let remaps: BTreeSet<String> = people
        .values()
        .filter_map(|p| p.remap_email.as_deref().and_then(normalized_key))
        .collect();
    queries.extend(person_matches(frame, people, &unlinked, &remaps, "match"));
    let unlinked_companies: Vec<JobId> = companies
        .values()
        .filter(|c| c.linked_account.is_none())
        .map(|c| c.job)
        .collect();
    queries.extend(account_matches(
        frame,
        companies,
        &unlinked_companies,
        "match",
    ));
    queries
}

/// The second read: matches for the people and companies whose links broke.
pub(super) fn rematch_queries(
    frame: Frame<'_>,
    people: &BTreeMap<JobId, PersonWork>,
    companies: &BTreeMap<JobId, CompanyWork>,
    rematch: &Rematch,
) -> Vec<RecordQuery> {
    let mut queries = person_matches(frame, people, &rematch.people, &BTreeSet::new(), "rematch");
    queries.extend(account_matches(
        frame,
        companies,
        &rematch.companies,
        "rematch",
    ));
    queries
}

/// Contact and Lead queries matching the people of `jobs` (and Leads by `extra_emails`).
fn person_matches(
    frame: Frame<'_>,
    people: &BTreeMap<JobId, PersonWork>,
    jobs: &[JobId],
    extra_emails: &BTreeSet<String>,
    tag: &str,
) -> Vec<RecordQuery> {
    let identity = &frame.settings.identity.people;
    let key_field = identity.salesforce_key();
    let mut keys = BTreeSet::new();
    let mut contact_emails = BTreeSet::new();
    let mut lead_emails = extra_emails.clone();
    for job in jobs {
        let Some(person) = people.get(job) else {
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
        frame
            .metadata
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
        let fields = read_fields(frame.metadata, frame.settings, SalesforceObject::Contact);
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
        let fields = read_fields(frame.metadata, frame.settings, SalesforceObject::Lead);
        let mut filter = any(lead);
        if frame
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
fn account_matches(
    frame: Frame<'_>,
    companies: &BTreeMap<JobId, CompanyWork>,
    jobs: &[JobId],
    tag: &str,
) -> Vec<RecordQuery> {
    let key = frame.settings.identity.companies.salesforce_key();
    let Some(field) = frame
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
        .filter_map(|j| companies.get(j))
        .filter_map(|c| company_key(&c.company.company_id, field).map(|(literal, _)| literal))
        .collect();
    if values.is_empty() {
        return Vec::new();
    }
    let mut filter = Condition::In(parsed, values);
    // Only business accounts are synced.
    if frame
        .metadata
        .salesforce_field(SalesforceObject::Account, "IsPersonAccount")
        .is_some()
    {
        filter = filter.and(Condition::eq(Field::known("IsPersonAccount"), false));
    }
    let fields = read_fields(frame.metadata, frame.settings, SalesforceObject::Account);
    vec![RecordQuery {
        reference: reference(SalesforceObject::Account, tag),
        object: SalesforceObject::Account,
        query: select(SalesforceObject::Account, &fields).filter(filter),
    }]
}
