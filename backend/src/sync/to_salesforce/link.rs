//! The link stage, pure: after the first read, a link whose record is gone (deleted, merged)
//! or converted is dropped, its ledger row written, and its person or company matched anew.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use shared::sync::{Outcome, SalesforceObject};

use crate::store::JobId;

use super::load::{CompanyWork, PersonWork};
use super::read::{Reads, reference};
use super::{Frame, row, with_detail};

/// The jobs whose links broke, to be matched anew.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Rematch {
    pub(super) people: Vec<JobId>,
    pub(super) companies: Vec<JobId>,
}

/// Drops the links the first read found broken, each with its ledger row.
pub(super) fn repair(
    frame: Frame<'_>,
    people: &mut BTreeMap<JobId, PersonWork>,
    companies: &mut BTreeMap<JobId, CompanyWork>,
    reads: &Reads,
) -> Rematch {
    let linked: HashMap<String, bool> = [SalesforceObject::Contact, SalesforceObject::Lead]
        .iter()
        .flat_map(|o| reads.answer(&reference(*o, "linked")).iter())
        .map(|r| (r.id.clone(), r.flag("IsConverted").unwrap_or(false)))
        .collect();
    let mut rematch = Rematch::default();
    for person in people.values_mut() {
        let Some(link) = &person.link else { continue };
        let gone = match linked.get(&link.salesforce_id) {
            None => "The linked Salesforce record no longer exists.",
            Some(true) => "The linked Salesforce Lead was converted.",
            Some(false) => continue,
        };
        person.broken = Some(with_detail(
            row(
                frame,
                link.salesforce_object.object(),
                &person.person.id,
                Some(&link.salesforce_id),
                Outcome::Unlinked,
            ),
            gone,
        ));
        person.link = None;
        rematch.people.push(person.job);
    }
    let accounts_found: BTreeSet<String> = reads
        .answer(&reference(SalesforceObject::Account, "linked"))
        .iter()
        .map(|r| r.id.clone())
        .collect();
    for company in companies.values_mut() {
        if let Some(id) = &company.linked_account
            && !accounts_found.contains(id)
        {
            company.broken = Some(with_detail(
                row(
                    frame,
                    SalesforceObject::Account,
                    &company.company.id,
                    Some(id),
                    Outcome::Unlinked,
                ),
                "The linked Salesforce Account no longer exists.",
            ));
            company.linked_account = None;
            rematch.companies.push(company.job);
        }
    }
    rematch
}
