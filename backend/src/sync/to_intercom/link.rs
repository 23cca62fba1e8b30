//! The link stage, pure: which Intercom person or company an unlinked Salesforce record
//! links to, among those its identity keys found (the priority rule of `matching`), and links
//! kept one-to-one.

use std::collections::{BTreeSet, HashMap};

use shared::sync::identity::{normalized_key, same_key};
use shared::sync::{AccountEvent, IntercomModel, PeopleIdentity, SalesforceObject};

use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::salesforce::records::SalesforceRecord;
use crate::salesforce::soql::Field;
use crate::salesforce::tasks::{PeopleSearch, TaskReads};
use crate::sync::matching::{self, Claim};
use crate::sync::to_salesforce::Frame;

use super::read::key_value;

/// The Intercom record a Salesforce record syncs to.
#[derive(Debug, Clone)]
pub(super) enum Link {
    Existing(String),
    /// A new match by the identity rules: linked as the job finishes.
    New(String),
    None,
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

/// The keys an Intercom search must find for these unlinked people: external ids, and emails
/// (normalised) where the identity falls back to them.
pub(super) fn search_keys<'r>(
    frame: Frame<'_>,
    unlinked: impl IntoIterator<Item = (SalesforceObject, &'r SalesforceRecord)>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let identity = &frame.settings.identity;
    let by_external_id = matches!(identity.people, PeopleIdentity::ExternalId { .. });
    let people_key = identity.people.salesforce_key();
    let mut keys = BTreeSet::new();
    let mut emails = BTreeSet::new();
    for (object, record) in unlinked {
        if object.intercom_model() != IntercomModel::Person {
            continue;
        }
        match key_value(frame, object, record, people_key) {
            Some(key) if by_external_id => {
                keys.insert(key);
            }
            _ if identity.people.matches_intercom_leads() => {
                if let Some(email) = key_value(frame, object, record, "Email")
                    .as_deref()
                    .and_then(normalized_key)
                {
                    emails.insert(email);
                }
            }
            _ => {}
        }
    }
    (keys, emails)
}

/// The Intercom person an unlinked Salesforce person matches among those the searches found:
/// by external id, else (in id mode only people without one, Intercom's leads) by email.
pub(super) fn person_match(
    frame: Frame<'_>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    with_key: &[PersonRecord],
    with_email: &[PersonRecord],
) -> Option<String> {
    let identity = &frame.settings.identity;
    let by_external_id = matches!(identity.people, PeopleIdentity::ExternalId { .. });
    let key = key_value(frame, object, record, identity.people.salesforce_key());
    let email = key_value(frame, object, record, "Email");
    match key.filter(|_| by_external_id) {
        Some(key) => best(
            with_key
                .iter()
                .filter(|p| p.external_id.as_deref().is_some_and(|x| same_key(x, &key))),
        ),
        // By email: in id mode only people without an id (Intercom's leads).
        None => best(with_email.iter().filter(|p| {
            same_email(p.email.as_deref(), email.as_deref())
                && !(by_external_id && p.external_id.is_some())
        })),
    }
    .map(|p| p.id.clone())
}

/// The Salesforce people sharing these Intercom people's keys: Contacts by the key field,
/// unconverted Leads by email.
pub(super) fn competitors_search(
    frame: Frame<'_>,
    people: &[&PersonRecord],
) -> Result<PeopleSearch, crate::salesforce::soql::BadFieldName> {
    let identity = &frame.settings.identity.people;
    let mut search = PeopleSearch {
        key_field: Field::parse(identity.salesforce_key())?,
        contact_keys: Vec::new(),
        lead_emails: Vec::new(),
    };
    for person in people.iter().filter(|p| checked(frame, p)) {
        let keys = identity.person_keys(person.email.as_deref(), person.external_id.as_deref());
        search.contact_keys.extend(keys.key);
        search.lead_emails.extend(keys.lead_email);
    }
    for list in [&mut search.contact_keys, &mut search.lead_emails] {
        list.sort();
        list.dedup();
    }
    Ok(search)
}

/// Whether the person's first record can be read by the key field: not so for a person
/// without an id matched by email while the setting's key is an id field (kept as matched).
pub(super) fn checked(frame: Frame<'_>, person: &PersonRecord) -> bool {
    let identity = &frame.settings.identity.people;
    let keys = identity.person_keys(person.email.as_deref(), person.external_id.as_deref());
    !keys.key_is_email || identity.salesforce_key().eq_ignore_ascii_case("Email")
}

/// The id of the Salesforce record an Intercom person's keys find first among those read.
pub(super) fn first_in_salesforce<'r>(
    frame: Frame<'_>,
    person: &PersonRecord,
    reads: &'r TaskReads,
) -> Option<&'r String> {
    let keys = frame
        .settings
        .identity
        .people
        .person_keys(person.email.as_deref(), person.external_id.as_deref());
    matching::best_found(&keys, &reads.contacts, &reads.leads).map(|(found, _)| &found.id)
}

/// New links, one-to-one: a candidate Intercom record linked elsewhere keeps its link, and
/// one found by two records goes to the first. By Salesforce id.
pub(super) fn one_to_one<'r>(
    candidates: impl IntoIterator<Item = (&'r str, String)>,
    linked_elsewhere: &HashMap<String, String>,
) -> HashMap<String, Link> {
    let mut links = HashMap::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (salesforce_id, intercom_id) in candidates {
        if !linked_elsewhere.contains_key(&intercom_id) && taken.insert(intercom_id.clone()) {
            links.insert(salesforce_id.to_owned(), Link::New(intercom_id));
        }
    }
    links
}

/// What an Account's change is, against the company it is linked to: its key is the
/// company's, or it changed (the trigger table then relinks). The key, when it has one.
pub(super) fn account_event(
    frame: Frame<'_>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    company: &CompanyRecord,
) -> (AccountEvent, Option<String>) {
    let key = key_value(
        frame,
        object,
        record,
        &frame.settings.identity.companies.salesforce_field,
    );
    let same = key
        .as_deref()
        .is_some_and(|k| same_key(k, &company.company_id));
    let event = if same {
        AccountEvent::Updated
    } else {
        AccountEvent::KeyChanged
    };
    (event, key)
}
