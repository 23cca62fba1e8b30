//! The inbox card: a conversation's person as Salesforce knows them.
//!
//! One model, two renderings: the Leptos card and the Canvas Kit card are both drawn from
//! [`CardView`], so they cannot disagree.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Answer of `GET /api/card?conversation_id=..`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CardView {
    /// The person is in Salesforce.
    Found(Box<Card>),
    /// Salesforce holds no record for this person; `reason` says why.
    NotInSalesforce {
        conversation_id: String,
        reason: NoMatch,
    },
}

/// Why a conversation's person has no Salesforce record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoMatch {
    /// The conversation has no contact (a conversation started by a teammate to nobody yet).
    NoContact,
    /// The contact has neither an email nor the identity key, so there is nothing to look up.
    NoEmail,
    /// Salesforce was asked and holds no Contact or Lead for the contact's key or email.
    NoMatch,
}

impl NoMatch {
    /// A sentence for teammates.
    pub fn explain(self) -> &'static str {
        match self {
            NoMatch::NoContact => "This conversation has no contact yet.",
            NoMatch::NoEmail => {
                "This person has no email address or user id, so they cannot be looked up in Salesforce."
            }
            NoMatch::NoMatch => "No Salesforce contact or lead matches this person.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub conversation_id: String,
    /// The Intercom contact the conversation belongs to.
    pub intercom_contact_id: String,
    pub person: Person,
    pub matched_by: MatchedBy,
    /// `None` when the account's owner has no matching teammate (the rule clears it).
    pub owner: Option<Owner>,
    pub account: Option<Account>,
    /// Open opportunities, most relevant first (earliest close date, then largest amount).
    /// With `closed=true`, the closed ones follow, most recently closed first.
    pub opportunities: Vec<Opportunity>,
    /// How many closed opportunities the account has (shown on demand).
    pub closed_opportunities: usize,
    /// When Salesforce was read for this card (a warm card is older than the request).
    pub fetched_at: DateTime<Utc>,
}

/// How the person was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The stored identity link.
    Link,
    /// The configured identity key (Intercom `external_id` = a chosen Salesforce field).
    ExternalId,
    Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersonKind {
    Contact,
    Lead,
}

impl PersonKind {
    /// The Salesforce object name.
    pub fn object(self) -> &'static str {
        match self {
            PersonKind::Contact => "Contact",
            PersonKind::Lead => "Lead",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub kind: PersonKind,
    /// 18-character Salesforce id.
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    /// Leads only: `Status`.
    pub lead_status: Option<String>,
    /// Leads only: `Company`.
    pub company: Option<String>,
    pub lead_source: Option<String>,
    /// The record in Salesforce's UI.
    pub url: String,
}

/// Where a person's owner came from, in the rule's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerSource {
    AccountOwner,
    ContactOwner,
    LeadOwner,
    /// No Salesforce owner matched a teammate: the teammate who installed the app.
    Installer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub name: String,
    pub email: Option<String>,
    /// The Intercom teammate (admin id) this owner is.
    pub teammate_id: Option<String>,
    /// The Salesforce user, unless the owner is the installing teammate.
    pub salesforce_user_id: Option<String>,
    pub source: OwnerSource,
}

impl OwnerSource {
    /// The rule that chose the owner, in words (`account owner`).
    pub fn words(self) -> &'static str {
        match self {
            OwnerSource::AccountOwner => "account owner",
            OwnerSource::ContactOwner => "contact owner",
            OwnerSource::LeadOwner => "lead owner",
            OwnerSource::Installer => "installing teammate",
        }
    }
}

impl Owner {
    /// Whether Salesforce chose this owner (shown to teammates), rather than the installer fallback.
    pub fn assigned_by_salesforce(&self) -> bool {
        self.source != OwnerSource::Installer
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub number: Option<String>,
    pub industry: Option<String>,
    /// `Type` (Customer, Prospect, ..).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub owner_name: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: String,
    pub name: String,
    pub stage: String,
    pub amount: Option<f64>,
    /// ISO 4217 code the amount is in.
    pub currency: String,
    pub close_date: Option<NaiveDate>,
    pub probability: Option<f64>,
    pub is_closed: bool,
    pub is_won: bool,
    pub url: String,
}

impl Opportunity {
    /// The amount as people read it: `USD 125,000.00`, or `-` when there is none.
    pub fn amount_label(&self) -> String {
        match self.amount {
            Some(amount) => format!("{} {}", self.currency, group_thousands(amount)),
            None => "-".to_owned(),
        }
    }

    /// The close date as `2026-12-31`, or `-`.
    pub fn close_date_label(&self) -> String {
        self.close_date
            .map(iso_date)
            .unwrap_or_else(|| "-".to_owned())
    }
}

/// `2026-12-31`. From the date's numbers rather than a format string, so the browser's
/// wasm carries no strftime machinery.
pub fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// `1234567.5` -> `1,234,567.50`. In whole cents, so no float formatting is compiled in.
fn group_thousands(amount: f64) -> String {
    let cents = (amount.abs() * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let cents = format!("{:02}", cents % 100);
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents}")
}

/// Orders opportunities as the card shows them: open first by close date (undated last), then
/// larger amounts; closed ones after, most recently closed first.
pub fn sort_opportunities(opportunities: &mut [Opportunity]) {
    opportunities.sort_by(|a, b| {
        a.is_closed.cmp(&b.is_closed).then_with(|| {
            if a.is_closed {
                b.close_date.cmp(&a.close_date)
            } else {
                let by_date = match (a.close_date, b.close_date) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                by_date.then_with(|| b.amount.unwrap_or(0.0).total_cmp(&a.amount.unwrap_or(0.0)))
            }
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opportunity(id: &str, closed: bool, date: Option<&str>, amount: Option<f64>) -> Opportunity {
        Opportunity {
            id: id.to_owned(),
            name: id.to_owned(),
            stage: "Prospecting".to_owned(),
            amount,
            currency: "USD".to_owned(),
            close_date: date.map(|d| d.parse().unwrap()),
            probability: None,
            is_closed: closed,
            is_won: false,
            url: String::new(),
        }
    }

    #[test]
    fn amounts_read_like_money() {
        let mut o = opportunity("a", false, None, Some(1_234_567.5));
        assert_eq!(o.amount_label(), "USD 1,234,567.50");
        o.amount = Some(950.0);
        assert_eq!(o.amount_label(), "USD 950.00");
        o.amount = Some(-1000.0);
        assert_eq!(o.amount_label(), "USD -1,000.00");
        o.amount = None;
        assert_eq!(o.amount_label(), "-");
    }

    #[test]
    fn open_opportunities_come_first_soonest_then_largest() {
        let mut list = vec![
            opportunity("closed-old", true, Some("2025-01-01"), Some(1.0)),
            opportunity("undated", false, None, Some(9.0)),
            opportunity("late", false, Some("2027-01-01"), Some(5.0)),
            opportunity("soon-small", false, Some("2026-12-01"), Some(1.0)),
            opportunity("soon-big", false, Some("2026-12-01"), Some(100.0)),
            opportunity("closed-new", true, Some("2026-06-01"), Some(1.0)),
        ];
        sort_opportunities(&mut list);
        let ids: Vec<_> = list.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "soon-big",
                "soon-small",
                "late",
                "undated",
                "closed-new",
                "closed-old"
            ]
        );
    }

    #[test]
    fn the_view_is_tagged_by_state() {
        let view = CardView::NotInSalesforce {
            conversation_id: "1".to_owned(),
            reason: NoMatch::NoEmail,
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["state"], "not_in_salesforce");
        assert_eq!(json["reason"], "no_email");
        assert_eq!(serde_json::from_value::<CardView>(json).unwrap(), view);
    }
}
