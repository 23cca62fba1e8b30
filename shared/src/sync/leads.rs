//! When a person who matches no Salesforce record gets a new Lead, as one rule table.
//!
//! The refusals are checked in the table's order; the first that applies is the reason the
//! ledger gives. A Lead is created only when none applies: the identity allows lead creation,
//! the person has a key, the new Lead can be found again by the next match (or a repeated job
//! would create another), and no one with priority in the same batch is creating it already.

use serde::{Deserialize, Serialize};

/// What the refusals look at, for one person who matched no Salesforce record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeadFacts {
    /// A match exists, but is linked to an Intercom person with priority.
    pub held_elsewhere: bool,
    /// The people identity creates Leads (the email fallback is on, or the key is the email).
    pub creates_leads: bool,
    /// The person has a value for the identity key.
    pub has_key: bool,
    /// The new Lead would be found again by matching: by its email, or by the key on Leads.
    pub findable: bool,
    /// Another person of the batch, with priority, is creating a Lead with this email.
    pub another_creating: bool,
}

/// Why no Lead is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadRefusal {
    HeldElsewhere,
    CreationOff,
    EmptyKey,
    NotFindable,
    AnotherCreating,
}

impl LeadRefusal {
    /// The ledger's sentence for the refusal.
    pub fn reason(self) -> &'static str {
        match self {
            Self::HeldElsewhere => {
                "Its Salesforce match is linked to an Intercom person with priority (users before leads, then the most recently updated)."
            }
            Self::CreationOff => {
                "No Salesforce record matches, and lead creation is off (the email fallback is unchecked)."
            }
            Self::EmptyKey => {
                "No Salesforce record matches, and a Lead is never created from an empty key."
            }
            Self::NotFindable => {
                "No Salesforce record matches, and a Lead needs an email to be created."
            }
            Self::AnotherCreating => {
                "Another Intercom person with this email, with priority, is creating the Lead."
            }
        }
    }
}

/// Whether a refusal applies to these facts.
pub type Applies = fn(&LeadFacts) -> bool;

/// The table: each refusal with the facts that call for it, in the order they are checked.
pub const LEAD_REFUSALS: [(LeadRefusal, Applies); 5] = [
    (LeadRefusal::HeldElsewhere, |f| f.held_elsewhere),
    (LeadRefusal::CreationOff, |f| !f.creates_leads),
    (LeadRefusal::EmptyKey, |f| !f.has_key),
    (LeadRefusal::NotFindable, |f| !f.findable),
    (LeadRefusal::AnotherCreating, |f| f.another_creating),
];

/// The first refusal that applies, or `None`: create the Lead.
pub fn lead_refusal(facts: &LeadFacts) -> Option<LeadRefusal> {
    LEAD_REFUSALS
        .iter()
        .find(|(_, applies)| applies(facts))
        .map(|(refusal, _)| *refusal)
}
