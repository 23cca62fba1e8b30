//! The sync ledger: one entry per record change the sync made, skipped or was refused, with the
//! other system's error code and message verbatim. The JSON API lists it, newest first.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Direction, SalesforceObject};

/// What became of one record change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A record was created (a Salesforce Lead for an unmatched person).
    Created,
    /// Fields were written.
    Updated,
    /// Nothing to write: the destination already held every value, or nothing mapped changed.
    Unchanged,
    /// Not synced on purpose (a skip flag, no match, a link held by someone with priority).
    Skipped,
    /// The link was deleted (the record was deleted on one side).
    Unlinked,
    /// The other system refused, or the value could not be converted.
    Failed,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Self::Created,
        Self::Updated,
        Self::Unchanged,
        Self::Skipped,
        Self::Unlinked,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::Skipped => "skipped",
            Self::Unlinked => "unlinked",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The storage and query spelling of a direction.
pub fn direction_str(direction: Direction) -> &'static str {
    match direction {
        Direction::ToSalesforce => "to_salesforce",
        Direction::ToIntercom => "to_intercom",
    }
}

pub fn parse_direction(text: &str) -> Option<Direction> {
    match text {
        "to_salesforce" => Some(Direction::ToSalesforce),
        "to_intercom" => Some(Direction::ToIntercom),
        _ => None,
    }
}

/// What an entry is about: a record the sync keeps, or a conversation it routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerObject {
    Lead,
    Contact,
    Account,
    /// An Intercom conversation assigned to its person's owner.
    Conversation,
}

impl LedgerObject {
    pub const ALL: [LedgerObject; 4] =
        [Self::Lead, Self::Contact, Self::Account, Self::Conversation];

    /// The storage and query spelling: a Salesforce object's API name, or `Conversation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "Lead",
            Self::Contact => "Contact",
            Self::Account => "Account",
            Self::Conversation => "Conversation",
        }
    }
}

impl From<SalesforceObject> for LedgerObject {
    fn from(object: SalesforceObject) -> Self {
        match object {
            SalesforceObject::Lead => Self::Lead,
            SalesforceObject::Contact => Self::Contact,
            SalesforceObject::Account => Self::Account,
        }
    }
}

impl fmt::Display for LedgerObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn parse_object(text: &str) -> Option<LedgerObject> {
    LedgerObject::ALL
        .into_iter()
        .find(|o| o.as_str().eq_ignore_ascii_case(text))
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub direction: Direction,
    pub object: LedgerObject,
    pub intercom_id: Option<String>,
    pub salesforce_id: Option<String>,
    /// The Salesforce fields (or Intercom attributes) written, or that a refusal was about.
    pub fields: Vec<String>,
    pub outcome: Outcome,
    /// Why, in a sentence, when the outcome needs one (what was skipped, what was linked).
    pub detail: Option<String>,
    /// The refusing system's code, verbatim (`STRING_TOO_LONG`, `conflict`).
    pub error_code: Option<String>,
    /// The refusing system's message, verbatim.
    pub error_message: Option<String>,
}

/// Which entries to list; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerFilter {
    pub direction: Option<Direction>,
    pub object: Option<LedgerObject>,
    pub outcome: Option<Outcome>,
    /// Either side's record id.
    pub record_id: Option<String>,
    /// Entries older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Entries at or after this moment (milliseconds since the epoch).
    #[serde(default)]
    pub since: Option<i64>,
    /// A person's whole history, found by their email in Intercom.
    #[serde(default)]
    pub email: Option<String>,
    pub limit: Option<u32>,
}

impl LedgerFilter {
    /// The most entries one page holds.
    pub const MAX_LIMIT: u32 = 500;
    pub const DEFAULT_LIMIT: u32 = 100;

    pub fn limit(&self) -> u32 {
        self.limit
            .unwrap_or(Self::DEFAULT_LIMIT)
            .clamp(1, Self::MAX_LIMIT)
    }
}

/// One page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    /// Pass as `before` for the next page; `None` on the last.
    pub next_before: Option<i64>,
}

/// What retrying parked jobs did (`POST /api/sync/jobs/{id}/retry`,
/// `POST /api/sync/jobs/retry?kind=..`): how many went back in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsRetried {
    pub retried: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_directions_round_trip_their_spelling() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
            assert_eq!(
                serde_json::to_string(&o).unwrap(),
                format!("\"{}\"", o.as_str())
            );
        }
        for d in [Direction::ToSalesforce, Direction::ToIntercom] {
            assert_eq!(parse_direction(direction_str(d)), Some(d));
        }
        assert_eq!(parse_object("lead"), Some(LedgerObject::Lead));
        assert_eq!(
            parse_object("Conversation"),
            Some(LedgerObject::Conversation)
        );
        assert_eq!(parse_object("Opportunity"), None);
        for o in SalesforceObject::ALL {
            // The record objects keep the spelling (and JSON) they had as Salesforce objects.
            let object = LedgerObject::from(o);
            assert_eq!(object.as_str(), o.api_name());
            assert_eq!(
                serde_json::to_string(&object).unwrap(),
                serde_json::to_string(&o).unwrap()
            );
        }
    }

    #[test]
    fn the_page_size_is_bounded() {
        assert_eq!(LedgerFilter::default().limit(), 100);
        let big = LedgerFilter {
            limit: Some(10_000),
            ..LedgerFilter::default()
        };
        assert_eq!(big.limit(), 500);
    }
}
