//! The load stage: the jobs' stored Intercom records and their links, in two store queries per
//! model. What needs no Salesforce read settles here: a deleted record unlinks, an unreadable
//! one finishes, and a change to nothing mapped finishes as synced.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;
use shared::sync::fields::PERSON_COMPANY_NAME;
use shared::sync::identity::normalized_key;
use shared::sync::{
    CompanyAction, CompanyEvent, CompanyRecord as CompanyKind, Direction, IntercomCompanyEvent,
    Outcome, SalesforceObject, SyncSettings, company_actions,
};

use crate::intercom::ContactRole;
use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::jobs::BatchOutcome;
use crate::store::{
    CompanyLink, JobId, LinkChange, LinkSide, NewLedgerRow, PersonLink, RecordModel, StoredRecord,
    Synced,
};

use super::{Context, done, row, with_detail};

/// Which of a record's mapped attributes to sync.
#[derive(Debug, Clone)]
pub(super) enum Changed {
    All,
    Only(BTreeSet<String>),
}

impl Changed {
    pub(super) fn includes(&self, attribute: &str) -> bool {
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

/// A person to read and plan for.
pub(super) struct PersonWork {
    pub(super) job: JobId,
    pub(super) person: PersonRecord,
    pub(super) changed: Changed,
    pub(super) updated_at: i64,
    pub(super) body: String,
    pub(super) link: Option<PersonLink>,
    /// The linked Lead should be swapped for the Lead with the person's new email, if one exists.
    pub(super) remap_email: Option<String>,
    /// The link broke (its record was deleted or converted): the ledger row saying so.
    pub(super) broken: Option<NewLedgerRow>,
}

/// A company to read and plan for.
pub(super) struct CompanyWork {
    pub(super) job: JobId,
    pub(super) company: CompanyRecord,
    pub(super) changed: Changed,
    pub(super) created: bool,
    pub(super) updated_at: i64,
    pub(super) body: String,
    pub(super) linked_account: Option<String>,
    /// The link's Account is gone: the ledger row saying so.
    pub(super) broken: Option<NewLedgerRow>,
}

/// The stored states of these Intercom records, by id.
async fn stored_by_id(
    ctx: &Context<'_>,
    model: RecordModel,
    ids: &[String],
) -> Result<HashMap<String, StoredRecord>, String> {
    let mut stored: HashMap<String, StoredRecord> = ctx
        .store
        .intercom_records(ctx.installation_id, model, ids)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|r| (r.intercom_id.clone(), r))
        .collect();
    // Notifications that tied: Intercom's current state, read once each, decides.
    for record in stored.values_mut().filter(|r| r.recheck && !r.deleted) {
        let fail = |e: crate::intercom::IntercomError| e.to_string();
        let (updated_at, body) = match model {
            RecordModel::Person => {
                let person = ctx
                    .intercom
                    .person_record(&record.intercom_id)
                    .await
                    .map_err(fail)?;
                (
                    person.updated_at.timestamp_millis(),
                    serde_json::to_string(&person).expect("our records serialise"),
                )
            }
            RecordModel::Company => {
                let company = ctx
                    .intercom
                    .company(&record.intercom_id)
                    .await
                    .map_err(fail)?;
                (
                    company.updated_at.timestamp_millis(),
                    serde_json::to_string(&company).expect("our records serialise"),
                )
            }
        };
        if updated_at < record.updated_at {
            // A newer state is stored already; it stands.
            continue;
        }
        ctx.store
            .refresh_record(
                ctx.installation_id,
                model,
                &record.intercom_id,
                updated_at,
                &body,
            )
            .await
            .map_err(|e| e.to_string())?;
        record.updated_at = updated_at;
        record.body = body;
        record.recheck = false;
    }
    Ok(stored)
}

/// Reads the jobs' stored records and links; settles deletes and unreadable records at once.
pub(super) async fn load(
    ctx: &Context<'_>,
    people: &[(JobId, String)],
    companies: &[(JobId, String)],
    out: &mut BatchOutcome,
) -> Result<(Vec<PersonWork>, Vec<CompanyWork>), String> {
    let store = ctx.store;
    let fail = |e: crate::store::StoreError| e.to_string();
    let frame = ctx.frame();
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
                    row(frame, object, id, Some(&l.salesforce_id), Outcome::Unlinked),
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
    let mut links: HashMap<String, CompanyLink> = store
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
                        frame,
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
