//! The plan stage, pure: over the Salesforce record read and the Intercom record it is linked
//! to, every value mapped to Intercom decided by `shared::sync::convert` and, with owner sync
//! on, the owner by `shared::owner::choose_owner`; then, once written (or refused), the job's
//! ledger rows and link.

use serde_json::Value;
use shared::card::Owner;
use shared::owner::{SalesforceOwners, choose_owner};
use shared::sync::{
    Direction, IntercomModel, Outcome, SalesforceObject, SyncValue, WriteDecision,
    decide_intercom_write,
};

use crate::card::Team;
use crate::intercom::AttributeValue;
use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::jobs::JobOutcome;
use crate::salesforce::records::SalesforceRecord;
use crate::store::{JobResult, LinkChange, NewJob, Synced};
use crate::sync::to_salesforce::Frame;

use super::row;

/// The teammates owners are chosen from, when owner sync is on.
#[derive(Clone, Copy)]
pub(super) struct Owners<'a> {
    pub(super) team: &'a Team,
}

impl Owners<'_> {
    /// The person's owner by the rule: account owner, contact owner, lead owner, installer.
    pub(super) fn of(&self, object: SalesforceObject, record: &SalesforceRecord) -> Option<Owner> {
        let own = record.user("Owner");
        let account_owner = match object {
            SalesforceObject::Contact => record.user("Account.Owner"),
            _ => None,
        };
        let owners = SalesforceOwners {
            account_owner: account_owner.as_ref(),
            contact_owner: own.as_ref().filter(|_| object == SalesforceObject::Contact),
            lead_owner: own.as_ref().filter(|_| object == SalesforceObject::Lead),
        };
        choose_owner(&owners, &self.team.teammates, self.team.installer.as_ref())
    }
}

/// What Intercom holds for the linked contact or company.
pub(super) enum Current {
    Person(PersonRecord),
    Company(CompanyRecord),
}

impl Current {
    pub(super) fn id(&self) -> &str {
        match self {
            Current::Person(p) => &p.id,
            Current::Company(c) => &c.id,
        }
    }

    fn value(&self, attribute: &shared::sync::IntercomAttribute) -> SyncValue {
        match self {
            Current::Person(p) => p.value(attribute),
            Current::Company(c) => c.value(attribute),
        }
    }
}

/// What to write to the Intercom record, and what the ledger will say of it.
#[derive(Debug, Default)]
pub(super) struct Decided {
    pub(super) writes: Vec<AttributeValue>,
    /// The Salesforce fields written (and `Owner`).
    pub(super) written: Vec<String>,
    /// The fields a skip flag left alone.
    pub(super) skipped: Vec<String>,
    /// Conversion failures, `Field: why`.
    pub(super) failures: Vec<String>,
    /// The owner written, in words.
    pub(super) owner_detail: Option<String>,
}

/// Decides each value mapped to Intercom (both skip flags, the conversions, and no write when
/// Intercom already holds the value) and, with owner sync on, the owner.
pub(super) fn decide(
    frame: Frame<'_>,
    owners: Option<Owners<'_>>,
    object: SalesforceObject,
    record: &SalesforceRecord,
    current: &Current,
) -> Decided {
    let model = object.intercom_model();
    let mut decided = Decided::default();
    for mapping in frame
        .settings
        .mappings_of(object)
        .filter(|m| m.direction == Direction::ToIntercom)
    {
        let (Some(field), Some(attribute)) = (
            frame
                .metadata
                .salesforce_field(object, &mapping.salesforce_field),
            frame
                .metadata
                .intercom_attribute(model, &mapping.intercom_attribute),
        ) else {
            continue;
        };
        let source = record.value(field);
        match decide_intercom_write(
            mapping,
            &source,
            field,
            &current.value(attribute),
            attribute,
        ) {
            Ok(WriteDecision::Write(value)) => {
                decided.writes.push((attribute.name.clone(), value));
                decided.written.push(field.name.clone());
            }
            Ok(WriteDecision::SkipSourceEmpty | WriteDecision::SkipDestinationHasValue) => {
                decided.skipped.push(field.name.clone());
            }
            Ok(WriteDecision::AlreadyHeld) => {}
            Err(error) => decided.failures.push(format!("{}: {error}", field.name)),
        }
    }
    if let (Some(owners), Current::Person(person)) = (owners, current) {
        let owner = owners.of(object, record);
        let wanted = owner.as_ref().and_then(|o| o.teammate_id.clone());
        if held_owner(person) != wanted {
            let value = match &wanted {
                Some(id) => id
                    .parse::<i64>()
                    .map_or_else(|_| SyncValue::Text(id.clone()), SyncValue::Integer),
                None => SyncValue::Empty,
            };
            decided.writes.push(("owner_id".to_owned(), value));
            decided.written.push("Owner".to_owned());
            decided.owner_detail = Some(match &owner {
                Some(o) => format!("Owner: {} ({}).", o.name, o.source.words()),
                None => match record.user("Account.Owner") {
                    Some(u) => format!(
                        "Owner cleared: the account owner {} matches no teammate.",
                        u.name
                    ),
                    None => "Owner cleared: no owner matches a teammate.".to_owned(),
                },
            });
        }
    }
    decided
}

/// The teammate Intercom holds as the person's owner (`owner_id`), as text.
pub(super) fn held_owner(person: &PersonRecord) -> Option<String> {
    match person.attributes.get("owner_id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// How the write of the decided values went.
pub(super) enum Sent {
    /// Nothing to write.
    Nothing,
    /// Written: the state to store, and the job carrying Intercom's own changes on, if any.
    Written(Box<Synced>, Option<Box<NewJob>>),
    /// Intercom refused the write (a 4xx): final, said in the ledger.
    Refused(String),
}

/// Where the job's record stands: the ids, and the link it makes.
pub(super) struct Target<'a> {
    pub(super) object: SalesforceObject,
    pub(super) salesforce_id: &'a str,
    pub(super) intercom_id: &'a str,
    pub(super) new_link: Option<LinkChange>,
    /// The company the Account was linked to before its key changed.
    pub(super) relinked_from: Option<String>,
}

/// The job's outcome: its ledger rows (written, refused, failed conversions, or why nothing
/// was written) and the link it makes.
pub(super) fn settle(
    frame: Frame<'_>,
    target: Target<'_>,
    decided: Decided,
    sent: Sent,
) -> JobOutcome {
    let Target {
        object,
        salesforce_id,
        intercom_id,
        new_link,
        relinked_from,
    } = target;
    let model = object.intercom_model();
    let mut rows = Vec::new();
    let mut synced_state = Vec::new();
    let mut follow_ups = Vec::new();
    match sent {
        Sent::Nothing => {}
        Sent::Refused(message) => {
            let mut row = row(
                frame,
                object,
                Some(intercom_id),
                salesforce_id,
                Outcome::Failed,
            );
            row.fields = serde_json::to_string(&decided.written).expect("names serialise");
            row.error_code = Some("intercom_refused".to_owned());
            row.error_message = Some(message);
            return JobOutcome::Done(JobResult {
                ledger: vec![row],
                ..JobResult::default()
            });
        }
        Sent::Written(state, follow_up) => {
            synced_state.push(*state);
            follow_ups.extend(follow_up.map(|job| *job));
            let mut updated = row(
                frame,
                object,
                Some(intercom_id),
                salesforce_id,
                Outcome::Updated,
            );
            updated.fields = serde_json::to_string(&decided.written).expect("names serialise");
            updated.detail = decided.owner_detail;
            rows.push(updated);
        }
    }
    if !decided.failures.is_empty() {
        let mut failed = row(
            frame,
            object,
            Some(intercom_id),
            salesforce_id,
            Outcome::Failed,
        );
        failed.error_code = Some(shared::sync::convert::NOT_CONVERTIBLE.to_owned());
        failed.error_message = Some(decided.failures.join("; "));
        rows.push(failed);
    }
    if rows.is_empty() {
        let outcome = if decided.skipped.is_empty() {
            Outcome::Unchanged
        } else {
            Outcome::Skipped
        };
        let mut quiet = row(frame, object, Some(intercom_id), salesforce_id, outcome);
        quiet.fields = serde_json::to_string(&decided.skipped).expect("names serialise");
        rows.push(quiet);
    }
    let Some(change) = new_link else {
        return JobOutcome::Done(JobResult {
            ledger: rows,
            synced: synced_state,
            follow_ups,
            ..JobResult::default()
        });
    };
    let what = match model {
        IntercomModel::Person => "person",
        IntercomModel::Company => "company",
    };
    let linked = match relinked_from {
        Some(old) => format!(
            "The Account's key changed: relinked from Intercom company {old} to {intercom_id}."
        ),
        None => format!("Linked to Intercom {what} {intercom_id}."),
    };
    rows[0].detail = Some(match rows[0].detail.take() {
        Some(owner) => format!("{linked} {owner}"),
        None => linked,
    });
    JobOutcome::Done(JobResult {
        ledger: rows,
        links: vec![change],
        synced: synced_state,
        follow_ups,
    })
}
