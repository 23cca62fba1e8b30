//! Pure helpers that turn the back end's values into the words and classes the pages show.
//!
//! They take "now" as an argument instead of reading a clock, so tests give exact answers.

use chrono::{DateTime, Timelike, Utc};
use shared::api_error::codes;
use shared::card::{MatchedBy, NoMatch, Opportunity, OwnerSource};
use shared::inbox::{Author, AuthorKind, ContactRef, ConversationState};
use shared::{ConnectionState, DatabaseHealth};

use crate::api::LoadError;

/// "just now", "5 minutes ago", "3 days ago"; the date itself after a month.
///
/// A time slightly ahead of `now` (the server's clock runs ahead of the browser's) still
/// reads "just now"; further ahead it reads "in 5 minutes".
pub fn relative_time(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    let future = seconds < 0;
    let distance = seconds.unsigned_abs();
    if distance < 45 {
        return "just now".to_owned();
    }
    // Rounded to the nearest unit, but never up into the next unit's range ("60 minutes").
    let phrase = match distance {
        45..3_600 => count(((distance + 30) / 60).clamp(1, 59), "minute"),
        3_600..86_400 => count(((distance + 1_800) / 3_600).clamp(1, 23), "hour"),
        86_400..2_592_000 => count(((distance + 43_200) / 86_400).clamp(1, 29), "day"),
        _ => return format!("on {}", shared::card::iso_date(then.date_naive())),
    };
    if future {
        format!("in {phrase}")
    } else {
        format!("{phrase} ago")
    }
}

/// The exact time, for tooltips and for readers who want it: "2026-11-21 04:55 UTC".
pub fn timestamp(at: DateTime<Utc>) -> String {
    format!(
        "{} {:02}:{:02} UTC",
        shared::card::iso_date(at.date_naive()),
        at.hour(),
        at.minute()
    )
}

/// The machine-readable moment of a `<time datetime>`: `2026-11-21T04:55:00Z`.
pub fn datetime_attribute(at: DateTime<Utc>) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        shared::card::iso_date(at.date_naive()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A number as JavaScript writes it (`125000`, `9999.5`): the browser's own, so no float
/// formatting is compiled into the wasm.
pub fn number(value: f64) -> String {
    String::from(
        js_sys::Number::from(value)
            .to_string_with_radix(10)
            .unwrap_or_default(),
    )
}

/// "1 job", "3 jobs".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// CSS classes of the badge that shows a connection's state.
pub fn state_badge_class(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "badge badge-ok",
        ConnectionState::NotConnected => "badge badge-idle",
        ConnectionState::Error => "badge badge-error",
    }
}

/// Whether the server can talk to its database right now.
pub fn reachability(database: &DatabaseHealth) -> &'static str {
    if database.reachable {
        "Reachable"
    } else {
        "Unreachable"
    }
}

/// CSS class of the dot next to the database: green when reachable, red when not.
pub fn database_status_class(database: &DatabaseHealth) -> &'static str {
    if database.reachable {
        "status-dot status-ok"
    } else {
        "status-dot status-error"
    }
}

/// When a connection last talked to its peer, or "Never" before the first contact.
pub fn last_contact(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        Some(at) => relative_time(at, now),
        None => "Never".to_owned(),
    }
}

/// Who a conversation is with: the contact's name, else their email.
pub fn contact_label(contact: Option<&ContactRef>) -> String {
    match contact {
        Some(contact) => contact
            .name
            .as_deref()
            .or(contact.email.as_deref())
            .filter(|label| !label.trim().is_empty())
            .unwrap_or("Unnamed contact")
            .to_owned(),
        None => "No contact".to_owned(),
    }
}

pub fn conversation_state_label(state: ConversationState) -> &'static str {
    match state {
        ConversationState::Open => "Open",
        ConversationState::Closed => "Closed",
        ConversationState::Snoozed => "Snoozed",
    }
}

/// The state as the back end spells it, for `data-state`.
pub fn conversation_state_name(state: ConversationState) -> &'static str {
    match state {
        ConversationState::Open => "open",
        ConversationState::Closed => "closed",
        ConversationState::Snoozed => "snoozed",
    }
}

/// Open conversations need someone; closed and snoozed ones do not, for now.
pub fn conversation_state_class(state: ConversationState) -> &'static str {
    match state {
        ConversationState::Open => "badge badge-ok",
        ConversationState::Closed => "badge badge-idle",
        ConversationState::Snoozed => "badge badge-warn",
    }
}

pub fn author_kind_label(kind: AuthorKind) -> &'static str {
    match kind {
        AuthorKind::Contact => "Customer",
        AuthorKind::Teammate => "Teammate",
        AuthorKind::Bot => "Bot",
    }
}

/// The kind as the back end spells it, for `data-author-kind` and classes.
pub fn author_kind_name(kind: AuthorKind) -> &'static str {
    match kind {
        AuthorKind::Contact => "contact",
        AuthorKind::Teammate => "teammate",
        AuthorKind::Bot => "bot",
    }
}

/// Who wrote a part: their name, else what they are.
pub fn author_label(author: &Author) -> String {
    author
        .name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| author_kind_label(author.kind).to_owned())
}

/// The reason as the back end spells it, for `data-reason`.
pub fn no_match_name(reason: NoMatch) -> &'static str {
    match reason {
        NoMatch::NoContact => "no_contact",
        NoMatch::NoEmail => "no_email",
        NoMatch::NoMatch => "no_match",
    }
}

pub fn matched_by(how: MatchedBy) -> &'static str {
    match how {
        MatchedBy::Link => "Matched by its stored link",
        MatchedBy::ExternalId => "Matched by user id",
        MatchedBy::Email => "Matched by email",
    }
}

/// Why this owner is shown: the hover text of the owner line.
pub fn owner_source(source: OwnerSource) -> &'static str {
    match source {
        OwnerSource::AccountOwner => {
            "Salesforce assigned this owner: the account's owner, matched to a teammate by email."
        }
        OwnerSource::ContactOwner => {
            "Salesforce assigned this owner: the contact's owner, matched to a teammate by email."
        }
        OwnerSource::LeadOwner => {
            "Salesforce assigned this owner: the lead's owner, matched to a teammate by email."
        }
        OwnerSource::Installer => {
            "No Salesforce owner matches a teammate, so the teammate who installed sfbridge is shown."
        }
    }
}

/// The amount as a plain number for machines (`125000`, `99.5`), empty when there is none.
pub fn amount_value(opportunity: &Opportunity) -> String {
    opportunity.amount.map(number).unwrap_or_default()
}

/// The close date as `2026-12-31` for machines, empty when there is none.
pub fn close_date_value(opportunity: &Opportunity) -> String {
    opportunity
        .close_date
        .map(shared::card::iso_date)
        .unwrap_or_default()
}

/// "Won" or "Lost" for a closed opportunity; nothing for an open one.
pub fn outcome(opportunity: &Opportunity) -> Option<&'static str> {
    match (opportunity.is_closed, opportunity.is_won) {
        (false, _) => None,
        (true, true) => Some("Won"),
        (true, false) => Some("Lost"),
    }
}

/// An entry of the opportunity picker: its name, and the outcome when it is closed.
pub fn opportunity_option(opportunity: &Opportunity) -> String {
    match outcome(opportunity) {
        Some(outcome) => format!("{} ({outcome})", opportunity.name),
        None => opportunity.name.clone(),
    }
}

/// The heading of the opportunities section: "2 open", "1 open, 3 closed".
pub fn opportunity_counts(opportunities: &[Opportunity]) -> String {
    let open = opportunities.iter().filter(|o| !o.is_closed).count();
    let closed = opportunities.len() - open;
    if closed == 0 {
        format!("{open} open")
    } else {
        format!("{open} open, {closed} closed")
    }
}

/// The headline of a failed load, in the words of what the reader can do about it.
/// `what` names the thing that did not load ("the card").
pub fn problem_title(error: &LoadError, what: &str) -> String {
    let known = match error.code() {
        Some(codes::CONVERSATION_NOT_FOUND) => "Conversation not found",
        Some(codes::INSTALLATION_NOT_FOUND) => "No installation to ask",
        Some(codes::SALESFORCE_UNREACHABLE) => "Salesforce is unreachable",
        Some(codes::SALESFORCE_RECONNECT_NEEDED) => "Salesforce needs reconnecting",
        Some(codes::SALESFORCE_LIMIT_EXCEEDED) => "Salesforce API limit reached",
        Some(codes::INTERCOM_UNREACHABLE) => "Intercom is unreachable",
        Some(codes::INTERCOM_RECONNECT_NEEDED) => "Intercom needs reconnecting",
        _ => return format!("Could not load {what}"),
    };
    known.to_owned()
}
