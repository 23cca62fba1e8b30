//! The identity priority rules: which Salesforce record a person or company matches when
//! several do, and which Intercom person keeps a Salesforce record two of them match.
//!
//! Salesforce side: Contacts before Leads; among equals the most recently updated (then the
//! lower id, so the choice is stable). Intercom side: users before leads; among equals the most
//! recently updated.

use chrono::{DateTime, Utc};

use crate::intercom::ContactRole;
use crate::salesforce::records::SalesforceRecord;

/// The most recently updated of `records` (ties to the lower id).
pub fn newest<'a>(
    records: impl IntoIterator<Item = &'a SalesforceRecord>,
) -> Option<&'a SalesforceRecord> {
    records.into_iter().min_by(|a, b| {
        b.last_modified
            .cmp(&a.last_modified)
            .then_with(|| a.id.cmp(&b.id))
    })
}

/// The person record to link: the newest Contact, else the newest Lead.
pub fn best_person<'a>(
    contacts: &[&'a SalesforceRecord],
    leads: &[&'a SalesforceRecord],
) -> Option<&'a SalesforceRecord> {
    newest(contacts.iter().copied()).or_else(|| newest(leads.iter().copied()))
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
    }
}
