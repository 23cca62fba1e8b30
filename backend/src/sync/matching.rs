//! The identity priority rules: which Salesforce record a person or company matches when
//! several do, and which Intercom person keeps a Salesforce record two of them match.
//!
//! Salesforce side: Contacts before Leads; among equals the most recently updated (then the
//! lower id, so the choice is stable). Intercom side: users before leads; among equals the most
//! recently updated.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use shared::sync::PersonKeys;
use shared::sync::identity::same_key;

use crate::intercom::ContactRole;
use crate::salesforce::records::SalesforceRecord;
use crate::salesforce::tasks::FoundPerson;

/// Salesforce records in priority order among equals: the most recently updated first, ties
/// to the lower id (so the choice is stable).
fn newest_first(a: &SalesforceRecord, b: &SalesforceRecord) -> Ordering {
    b.last_modified
        .cmp(&a.last_modified)
        .then_with(|| a.id.cmp(&b.id))
}

/// The most recently updated of `records` (ties to the lower id).
pub fn newest<'a>(
    records: impl IntoIterator<Item = &'a SalesforceRecord>,
) -> Option<&'a SalesforceRecord> {
    records.into_iter().min_by(|a, b| newest_first(a, b))
}

/// Person records in the order a link tries them: Contacts before Leads, the newest first
/// within each.
pub fn people_in_priority<'a>(
    contacts: &[&'a SalesforceRecord],
    leads: &[&'a SalesforceRecord],
) -> Vec<&'a SalesforceRecord> {
    let mut order = Vec::with_capacity(contacts.len() + leads.len());
    for group in [contacts, leads] {
        let mut sorted = group.to_vec();
        sorted.sort_by(|a, b| newest_first(a, b));
        order.extend(sorted);
    }
    order
}

/// The person record to link: the newest Contact, else the newest Lead.
pub fn best_person<'a>(
    contacts: &[&'a SalesforceRecord],
    leads: &[&'a SalesforceRecord],
) -> Option<&'a SalesforceRecord> {
    people_in_priority(contacts, leads).into_iter().next()
}

/// The Salesforce person an Intercom person's keys match among those found by them: a Contact
/// by the key before an unconverted Lead by the email, the most recently updated first, ties
/// to the lower id. `true` with a Lead.
pub fn best_found<'a>(
    keys: &PersonKeys,
    contacts: &'a [FoundPerson],
    leads: &'a [FoundPerson],
) -> Option<(&'a FoundPerson, bool)> {
    let best = |found: &'a [FoundPerson], key: Option<&str>| -> Option<&'a FoundPerson> {
        let key = key?;
        found
            .iter()
            .filter(|f| f.key.as_deref().is_some_and(|k| same_key(k, key)))
            .min_by(|a, b| {
                b.last_modified
                    .cmp(&a.last_modified)
                    .then_with(|| a.id.cmp(&b.id))
            })
    };
    best(contacts, keys.key.as_deref())
        .map(|c| (c, false))
        .or_else(|| best(leads, keys.lead_email.as_deref()).map(|l| (l, true)))
}

/// An Intercom person claiming or holding a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub role: ContactRole,
    pub updated_at: DateTime<Utc>,
}

impl Claim {
    fn rank(self) -> (u8, DateTime<Utc>) {
        let role = match self.role {
            ContactRole::User => 1,
            ContactRole::Lead => 0,
        };
        (role, self.updated_at)
    }
}

/// Intercom people in priority order: the claim with priority first, ties to the lower id.
pub fn priority(a: (Claim, &str), b: (Claim, &str)) -> Ordering {
    b.0.rank().cmp(&a.0.rank()).then_with(|| a.1.cmp(b.1))
}

/// The one of `items` with priority; on a tie the one given first keeps it.
pub fn first_by_priority<T>(
    items: impl IntoIterator<Item = T>,
    claim: impl Fn(&T) -> Claim,
) -> Option<T> {
    items.into_iter().fold(None, |held, item| match held {
        Some(held) if !takes_over(claim(&item), Some(claim(&held))) => Some(held),
        _ => Some(item),
    })
}

/// Whether `claimant` takes a Salesforce record that `holder` is linked to: a user over a
/// lead, else the more recently updated. A holder Intercom no longer has (`None`) always yields.
pub fn takes_over(claimant: Claim, holder: Option<Claim>) -> bool {
    match holder {
        None => true,
        Some(holder) => claimant.rank() > holder.rank(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::sync::SalesforceObject;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_603_600 + minute * 60, 0).unwrap()
    }

    fn record(object: SalesforceObject, id: &str, minute: i64) -> SalesforceRecord {
        SalesforceRecord::for_tests(object, id, at(minute), json!({}))
    }

    #[test]
    fn contacts_come_before_leads_and_the_newest_wins_among_equals() {
        let old_contact = record(SalesforceObject::Contact, "003A", 1);
        let new_contact = record(SalesforceObject::Contact, "003B", 5);
        let newer_lead = record(SalesforceObject::Lead, "00QA", 9);
        let best = best_person(&[&old_contact, &new_contact], &[&newer_lead]).unwrap();
        assert_eq!(best.id, "003B");
        let best = best_person(&[], &[&newer_lead]).unwrap();
        assert_eq!(best.id, "00QA");
        assert!(best_person(&[], &[]).is_none());
        // Ties go to the lower id, whatever the order given.
        let twin = record(SalesforceObject::Contact, "003C", 5);
        assert_eq!(newest([&twin, &new_contact]).unwrap().id, "003B");
    }

    #[test]
    fn users_come_before_leads_and_the_newest_wins_among_equals() {
        let user = |m| Claim {
            role: ContactRole::User,
            updated_at: at(m),
        };
        let lead = |m| Claim {
            role: ContactRole::Lead,
            updated_at: at(m),
        };
        assert!(takes_over(user(1), Some(lead(9))));
        assert!(!takes_over(lead(9), Some(user(1))));
        assert!(takes_over(user(5), Some(user(4))));
        assert!(!takes_over(user(4), Some(user(5))));
        assert!(
            !takes_over(lead(4), Some(lead(4))),
            "a tie keeps the holder"
        );
        assert!(takes_over(lead(1), None));

        // The same rule orders a batch and picks among people a key finds.
        let mut batch = [
            (lead(9), "c"),
            (user(1), "b"),
            (user(5), "d"),
            (user(5), "a"),
        ];
        batch.sort_by(|x, y| priority(*x, *y));
        let ids: Vec<&str> = batch.iter().map(|(_, id)| *id).collect();
        assert_eq!(ids, ["a", "d", "b", "c"]);
        let found = [(lead(9), "c"), (user(4), "e"), (user(4), "f")];
        assert_eq!(first_by_priority(found, |(c, _)| *c).unwrap().1, "e");
        assert!(first_by_priority(Vec::<(Claim, &str)>::new(), |(c, _)| *c).is_none());
    }

    #[test]
    fn links_try_contacts_then_leads_the_newest_first() {
        let old_contact = record(SalesforceObject::Contact, "003A", 1);
        let new_contact = record(SalesforceObject::Contact, "003B", 5);
        let newer_lead = record(SalesforceObject::Lead, "00QA", 9);
        let old_lead = record(SalesforceObject::Lead, "00QB", 2);
        let order = people_in_priority(&[&old_contact, &new_contact], &[&old_lead, &newer_lead]);
        let ids: Vec<&str> = order.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["003B", "003A", "00QA", "00QB"]);
    }
}
