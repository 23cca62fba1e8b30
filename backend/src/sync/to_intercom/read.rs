//! The read stage: the batch's Salesforce records in one `/composite` call (fan-out pages in
//! the same call), the stored links of a batch at a time, the Intercom people and companies
//! the identity keys find, and each linked Intercom record as Intercom holds it now.

use std::collections::{BTreeSet, HashMap};

use shared::sync::{
    CompanyRecord as CompanyKind, IntercomModel, PeopleIdentity, SalesforceField, SalesforceObject,
    SyncValue,
};

use crate::intercom::IntercomError;
use crate::intercom::records::PersonRecord;
use crate::jobs::Fan;
use crate::jobs::kinds::FanPage;
use crate::salesforce::records::{
    ACCOUNT_OWNER_FIELDS, OWNER_FIELDS, RecordQuery, SalesforceRecord, select_with,
};
use crate::salesforce::soql::{Condition, Field, Literal, Op, Order};
use crate::store::{JobId, LinkSide, RecordModel, StoredRecord};
use crate::sync::to_salesforce::Frame;

use super::link::{self, Link};
use super::plan::Current;
use super::{Context, FAN_PAGE, mapped_fields};

/// The people a fan-out page reads, by Id.
pub(super) fn fan_query(ctx: &Context<'_>, reference: String, fan: &FanPage) -> RecordQuery {
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
pub(super) fn person_select(
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
pub(super) const PERSON_ACCOUNT: &str = "IsPersonAccount";

/// Whether the company sync takes this record: person accounts stay out of it.
pub(super) fn company_kind(record: &SalesforceRecord) -> CompanyKind {
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

/// The text of a record's key field, trimmed; numbers without a needless `.0`.
pub(super) fn key_value(
    frame: Frame<'_>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    name: &str,
) -> Option<String> {
    let field = frame.metadata.salesforce_field(object, name)?;
    match record.value(field) {
        SyncValue::Text(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        SyncValue::Integer(n) => Some(n.to_string()),
        SyncValue::Decimal(x) if x.fract() == 0.0 => Some((x as i64).to_string()),
        _ => None,
    }
}

/// Each record's link: the stored one, else a new match by the identity rules (one contact
/// search per key kind for the batch, one lookup per company) when that Intercom record is not
/// linked yet and, for a person, this record is the one the person's keys match first in
/// Salesforce (one read of the records sharing the keys, only when a person would link).
/// Also the Salesforce calls it made.
pub(super) async fn resolve_links(
    ctx: &Context<'_>,
    found: &[(JobId, SalesforceObject, &SalesforceRecord)],
) -> Result<(HashMap<String, Link>, u32), String> {
    let frame = ctx.frame();
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
        return Ok((links, 0));
    }
    let identity = &ctx.settings.identity;
    let by_external_id = matches!(identity.people, PeopleIdentity::ExternalId { .. });
    let (keys, emails) = link::search_keys(frame, unlinked.iter().copied());
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
        let candidate = match object.intercom_model() {
            IntercomModel::Person => {
                link::person_match(frame, object, record, &with_key, &with_email)
            }
            IntercomModel::Company => {
                match key_value(frame, object, record, &identity.companies.salesforce_field) {
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
    // A person links only to the record their keys find first in Salesforce: another Contact
    // or Lead sharing the key may come first (the priority rule of `matching`).
    let people: Vec<&PersonRecord> = candidates
        .iter()
        .filter(|(o, _, _)| o.intercom_model() == IntercomModel::Person)
        .filter_map(|(_, _, id)| with_key.iter().chain(&with_email).find(|p| &p.id == id))
        .collect();
    let mut calls = 0;
    if people.iter().any(|p| link::checked(frame, p)) {
        let search = link::competitors_search(frame, &people).map_err(|e| e.to_string())?;
        let (reads, made) = ctx
            .salesforce
            .read_for_tasks(&[], &[], Some(&search))
            .await
            .map_err(|e| e.to_string())?;
        calls += made;
        candidates.retain(|(object, record, id)| {
            object.intercom_model() != IntercomModel::Person
                || people.iter().find(|p| &p.id == id).is_some_and(|p| {
                    !link::checked(frame, p)
                        || link::first_in_salesforce(frame, p, &reads) == Some(&record.id)
                })
        });
    }
    // Links are one-to-one: an Intercom record linked elsewhere keeps its link.
    let mut linked_elsewhere = HashMap::new();
    for model in [IntercomModel::Person, IntercomModel::Company] {
        let ids = ids_of(candidates.iter().map(|(o, _, id)| (*o, id.as_str())), model);
        linked_elsewhere.extend(links_of(ctx, model, LinkSide::Intercom, &ids).await?);
    }
    links.extend(link::one_to_one(
        candidates
            .into_iter()
            .map(|(_, record, intercom_id)| (record.id.as_str(), intercom_id)),
        &linked_elsewhere,
    ));
    Ok((links, calls))
}

/// The Intercom id linked to a Salesforce record.
pub(super) async fn linked(
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
pub(super) async fn links_of(
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

/// The linked Intercom record as Intercom holds it now; `None` when it no longer exists.
pub(super) async fn current(
    ctx: &Context<'_>,
    model: IntercomModel,
    intercom_id: &str,
) -> Result<Option<Current>, IntercomError> {
    let current = match model {
        IntercomModel::Person => ctx
            .intercom
            .person_record(intercom_id)
            .await
            .map(Current::Person),
        IntercomModel::Company => ctx
            .intercom
            .company(intercom_id)
            .await
            .map(Current::Company),
    };
    match current {
        Ok(current) => Ok(Some(current)),
        Err(IntercomError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The stored states of the batch's Intercom records, loaded a batch at a time; one not
/// loaded (a company an Account relinked to) is read alone.
#[derive(Default)]
pub(super) struct StoredStates {
    loaded: HashMap<(RecordModel, String), Option<StoredRecord>>,
}

impl StoredStates {
    /// Loads the stored states of these records in one query per model.
    pub(super) async fn load(
        &mut self,
        ctx: &Context<'_>,
        model: RecordModel,
        ids: Vec<String>,
    ) -> Result<(), String> {
        let ids: Vec<String> = ids
            .into_iter()
            .filter(|id| !self.loaded.contains_key(&(model, id.clone())))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let mut found: HashMap<String, StoredRecord> = ctx
            .store
            .intercom_records(ctx.installation_id, model, &ids)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|r| (r.intercom_id.clone(), r))
            .collect();
        for id in ids {
            let stored = found.remove(&id);
            self.loaded.insert((model, id), stored);
        }
        Ok(())
    }

    /// The stored state of one record, if any.
    pub(super) async fn get(
        &mut self,
        ctx: &Context<'_>,
        model: RecordModel,
        id: &str,
    ) -> Result<Option<StoredRecord>, String> {
        self.load(ctx, model, vec![id.to_owned()]).await?;
        Ok(self.loaded.get(&(model, id.to_owned())).cloned().flatten())
    }
}

/// The store's model of an Intercom model.
pub(super) fn record_model(model: IntercomModel) -> RecordModel {
    match model {
        IntercomModel::Person => RecordModel::Person,
        IntercomModel::Company => RecordModel::Company,
    }
}
