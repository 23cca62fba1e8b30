//! The company/account trigger table of the company article, as one pure decision.
//!
//! Intercom -> Salesforce: created links and syncs all mapped attributes; updated syncs the
//! changed ones, linking first if needed; deleted deletes the link. Salesforce -> Intercom:
//! created or updated links if needed and syncs all mapped attributes; a changed key drops the
//! link and links anew; deleted deletes the link. Only business accounts and companies that
//! were not created by qualification are synced.

use serde::{Deserialize, Serialize};

use super::Direction;

/// A change to an Intercom company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntercomCompanyEvent {
    Created,
    Updated,
    Deleted,
}

/// A change to a Salesforce account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountEvent {
    Created,
    Updated,
    /// The field matched to `company_id` changed.
    KeyChanged,
    Deleted,
}

/// A change on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "side", content = "event", rename_all = "snake_case")]
pub enum CompanyEvent {
    Intercom(IntercomCompanyEvent),
    Salesforce(AccountEvent),
}

impl CompanyEvent {
    /// Where the change flows: from the side it happened on to the other.
    pub fn direction(self) -> Direction {
        match self {
            Self::Intercom(_) => Direction::ToSalesforce,
            Self::Salesforce(_) => Direction::ToIntercom,
        }
    }
}

/// Which records the company sync leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyRecord {
    /// A business account, or a company someone created: synced.
    Synced,
    /// An Intercom company created automatically during qualification: not synced.
    CreatedByQualification,
    /// A Salesforce person account: only business accounts are synced.
    PersonAccount,
}

/// One step, in order. Syncs flow in the event's [`CompanyEvent::direction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyAction {
    /// Create the identity link (a no-op when the matching record is not found).
    Link,
    /// Delete the identity link, then create it anew from the new key.
    Relink,
    /// Delete the identity link.
    Unlink,
    /// Sync every mapped attribute.
    SyncAllMapped,
    /// Sync the mapped attributes the event changed.
    SyncChanged,
}

/// The trigger table: what a company or account event calls for, given whether the record is
/// linked. The table's "not applicable" cells for a linked record being created can still occur
/// with repeated or reordered deliveries; they sync all mapped attributes, which writes nothing
/// the other side already holds.
pub fn company_actions(
    event: CompanyEvent,
    linked: bool,
    record: CompanyRecord,
) -> Vec<CompanyAction> {
    use CompanyAction::*;
    if record != CompanyRecord::Synced {
        // Such a record was never linked; a stale link still goes when it is deleted.
        let deleted = matches!(
            event,
            CompanyEvent::Intercom(IntercomCompanyEvent::Deleted)
                | CompanyEvent::Salesforce(AccountEvent::Deleted)
        );
        return if deleted && linked {
            vec![Unlink]
        } else {
            vec![]
        };
    }
    match (event, linked) {
        (CompanyEvent::Intercom(IntercomCompanyEvent::Updated), true) => vec![SyncChanged],
        (CompanyEvent::Intercom(IntercomCompanyEvent::Updated), false) => vec![Link, SyncChanged],
        (CompanyEvent::Intercom(IntercomCompanyEvent::Created), false) => vec![Link, SyncAllMapped],
        (CompanyEvent::Intercom(IntercomCompanyEvent::Created), true) => vec![SyncAllMapped],
        (CompanyEvent::Salesforce(AccountEvent::Updated), true) => vec![SyncAllMapped],
        (CompanyEvent::Salesforce(AccountEvent::Updated), false) => vec![Link, SyncAllMapped],
        (CompanyEvent::Salesforce(AccountEvent::KeyChanged), true) => vec![Relink, SyncAllMapped],
        (CompanyEvent::Salesforce(AccountEvent::KeyChanged), false) => vec![Link, SyncAllMapped],
        (CompanyEvent::Salesforce(AccountEvent::Created), false) => vec![Link, SyncAllMapped],
        (CompanyEvent::Salesforce(AccountEvent::Created), true) => vec![SyncAllMapped],
        (
            CompanyEvent::Intercom(IntercomCompanyEvent::Deleted)
            | CompanyEvent::Salesforce(AccountEvent::Deleted),
            true,
        ) => vec![Unlink],
        (
            CompanyEvent::Intercom(IntercomCompanyEvent::Deleted)
            | CompanyEvent::Salesforce(AccountEvent::Deleted),
            false,
        ) => vec![],
    }
}
