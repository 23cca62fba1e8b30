//! The inbox card's read: a person, their owner and account, and the account's opportunities,
//! in ONE `/composite` call.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use shared::owner::SalesforceUser;

use super::soql::{Condition, Field, Query};
use super::{Client, QueryBody, Refusal, SalesforceError};

/// How to find the person. `link` wins; else contacts by `contact` and unconverted leads by
/// `lead_email` (leads always match by email).
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub link: Option<LinkedRecord>,
    pub contact: Option<ContactKey>,
    pub lead_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContactKey {
    /// The configured identity field and its value (the Intercom `external_id`).
    Field(Field, String),
    Email(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedRecord {
    pub lead: bool,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecords {
    /// The best contact (most recently updated) the lookup found.
    pub contact: Option<ContactRecord>,
    /// The best unconverted lead (most recently updated) the lookup found.
    pub lead: Option<LeadRecord>,
    /// Opportunities of the contacts' accounts, open and closed.
    pub opportunities: Vec<OpportunityRecord>,
    /// The org's currency (single-currency orgs).
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub owner: Option<SalesforceUser>,
    pub account: Option<AccountRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: String,
    pub name: String,
    pub number: Option<String>,
    pub industry: Option<String>,
    pub kind: Option<String>,
    pub owner: Option<SalesforceUser>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRecord {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub status: Option<String>,
    pub lead_source: Option<String>,
    pub owner: Option<SalesforceUser>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityRecord {
    pub id: String,
    pub name: String,
    pub stage: String,
    pub amount: Option<f64>,
    pub close_date: Option<NaiveDate>,
    pub probability: Option<f64>,
    pub is_closed: bool,
    pub is_won: bool,
    pub account_id: Option<String>,
}

const CONTACT_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "Email",
    "Title",
    "Phone",
    "LastModifiedDate",
    "OwnerId",
    "Owner.Name",
    "Owner.Email",
    "Owner.IsActive",
    "AccountId",
    "Account.Name",
    "Account.AccountNumber",
    "Account.Industry",
    "Account.Type",
    "Account.OwnerId",
    "Account.Owner.Name",
    "Account.Owner.Email",
    "Account.Owner.IsActive",
];

const LEAD_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "Email",
    "Title",
    "Phone",
    "Company",
    "Status",
    "LeadSource",
    "LastModifiedDate",
    "OwnerId",
    "Owner.Name",
    "Owner.Email",
    "Owner.IsActive",
];

const OPPORTUNITY_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "StageName",
    "Amount",
    "CloseDate",
    "Probability",
    "IsClosed",
    "IsWon",
    "AccountId",
];

/// The most opportunities one card reads.
const OPPORTUNITY_LIMIT: u32 = 200;

/// The queries of one lookup, by reference id; `None` when there is nothing to look for.
fn queries(lookup: &Lookup) -> Option<Vec<(&'static str, String)>> {
    let id = Field::known("Id");
    let email = Field::known("Email");
    let contact_filter = match (&lookup.link, &lookup.contact) {
        (Some(link), _) if !link.lead => Some(Condition::eq(id.clone(), link.id.as_str())),
        (Some(_), _) => None,
        (None, Some(ContactKey::Field(field, value))) => {
            Some(Condition::eq(field.clone(), value.as_str()))
        }
        (None, Some(ContactKey::Email(address))) => {
            Some(Condition::eq(email.clone(), address.as_str()))
        }
        (None, None) => None,
    };
    let lead_filter = match (&lookup.link, &lookup.lead_email) {
        (Some(link), _) if link.lead => Some(Condition::eq(id, link.id.as_str())),
        (Some(_), _) => None,
        (None, Some(address)) => Some(
            Condition::eq(email, address.as_str())
                .and(Condition::eq(Field::known("IsConverted"), false)),
        ),
        (None, None) => None,
    };
    if contact_filter.is_none() && lead_filter.is_none() {
        return None;
    }
    let newest_first = |q: Query| {
        q.order_by("LastModifiedDate", super::soql::Order::Desc)
            .order_by("Id", super::soql::Order::Asc)
    };
    let mut out = vec![(
        "org",
        Query::select("Organization", &["DefaultCurrencyIsoCode"])
            .limit(1)
            .to_string(),
    )];
    if let Some(filter) = contact_filter {
        out.push((
            "contact",
            newest_first(Query::select("Contact", CONTACT_FIELDS).filter(filter.clone()))
                .limit(1)
                .to_string(),
        ));
        let accounts = Query::select("Contact", &["AccountId"]).filter(filter);
        out.push((
            "opportunities",
            Query::select("Opportunity", OPPORTUNITY_FIELDS)
                .filter(Condition::InQuery(
                    Field::known("AccountId"),
                    Box::new(accounts),
                ))
                .order_by("CloseDate", super::soql::Order::Asc)
                .order_by("Id", super::soql::Order::Asc)
                .limit(OPPORTUNITY_LIMIT)
                .to_string(),
        ));
    }
    if let Some(filter) = lead_filter {
        out.push((
            "lead",
            newest_first(Query::select("Lead", LEAD_FIELDS).filter(filter))
                .limit(1)
                .to_string(),
        ));
    }
    Some(out)
}

#[derive(Deserialize)]
struct UserRef {
    #[serde(rename = "Name")]
    name: Option<String>,
    #[serde(rename = "Email")]
    email: Option<String>,
    #[serde(rename = "IsActive")]
    is_active: Option<bool>,
}

fn user(id: Option<String>, reference: Option<UserRef>) -> Option<SalesforceUser> {
    let id = id?;
    let reference = reference.unwrap_or(UserRef {
        name: None,
        email: None,
        is_active: None,
    });
    Some(SalesforceUser {
        name: reference.name.unwrap_or_else(|| id.clone()),
        active: SalesforceUser::can_own(&id, reference.is_active),
        id,
        email: reference.email,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContactRow {
    id: String,
    name: Option<String>,
    email: Option<String>,
    title: Option<String>,
    phone: Option<String>,
    owner_id: Option<String>,
    owner: Option<UserRef>,
    account_id: Option<String>,
    account: Option<AccountRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountRow {
    name: Option<String>,
    account_number: Option<String>,
    industry: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    owner_id: Option<String>,
    owner: Option<UserRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LeadRow {
    id: String,
    name: Option<String>,
    email: Option<String>,
    title: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    status: Option<String>,
    lead_source: Option<String>,
    owner_id: Option<String>,
    owner: Option<UserRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OpportunityRow {
    id: String,
    name: Option<String>,
    stage_name: Option<String>,
    amount: Option<f64>,
    close_date: Option<NaiveDate>,
    probability: Option<f64>,
    is_closed: Option<bool>,
    is_won: Option<bool>,
    account_id: Option<String>,
}

#[derive(Deserialize)]
struct OrgRow {
    #[serde(rename = "DefaultCurrencyIsoCode")]
    currency: Option<String>,
}

/// The currency when the org does not say (the Organization row is unreadable).
const FALLBACK_CURRENCY: &str = "USD";

impl Client {
    /// Reads everything the card shows in one `/composite` call; `None` when the lookup has
    /// nothing to search by (no link, no key, no email), which costs no call.
    pub async fn person(&self, lookup: &Lookup) -> Result<Option<PersonRecords>, SalesforceError> {
        let Some(queries) = queries(lookup) else {
            return Ok(None);
        };
        let queries: Vec<(&str, String)> = queries.into_iter().collect();
        let answers = self.composite_queries(&queries).await?;
        let mut records = PersonRecords {
            contact: None,
            lead: None,
            opportunities: Vec::new(),
            currency: FALLBACK_CURRENCY.to_owned(),
        };
        for (reference, answer) in answers {
            let body = match answer {
                Ok(body) => body,
                // The org row is a nicety; anything else failing fails the card.
                Err(_) if reference == "org" => continue,
                Err(refusals) => return Err(refused(refusals)),
            };
            match reference.as_str() {
                "org" => {
                    if let Some(code) = rows::<OrgRow>(body)?.into_iter().find_map(|o| o.currency) {
                        records.currency = code;
                    }
                }
                "contact" => {
                    records.contact = rows::<ContactRow>(body)?.into_iter().next().map(contact)
                }
                "lead" => records.lead = rows::<LeadRow>(body)?.into_iter().next().map(lead),
                "opportunities" => {
                    records.opportunities = rows::<OpportunityRow>(body)?
                        .into_iter()
                        .map(opportunity)
                        .collect();
                }
                other => {
                    return Err(SalesforceError::Unexpected(format!(
                        "composite answered an unknown reference {other:?}"
                    )));
                }
            }
        }
        // Opportunities of other matching contacts' accounts are not this person's.
        let account_id = records
            .contact
            .as_ref()
            .and_then(|c| c.account.as_ref())
            .map(|a| a.id.clone());
        records
            .opportunities
            .retain(|o| o.account_id.is_some() && o.account_id == account_id);
        Ok(Some(records))
    }
}

fn refused(refusals: Vec<Refusal>) -> SalesforceError {
    SalesforceError::Refused {
        status: 400,
        refusals,
    }
}

fn rows<T: serde::de::DeserializeOwned>(body: Value) -> Result<Vec<T>, SalesforceError> {
    serde_json::from_value::<QueryBody<T>>(body)
        .map(|b| b.records)
        .map_err(|e| SalesforceError::Unexpected(format!("query records: {e}")))
}

fn contact(row: ContactRow) -> ContactRecord {
    let account = match (row.account_id, row.account) {
        (Some(id), Some(a)) => Some(AccountRecord {
            name: a.name.unwrap_or_else(|| id.clone()),
            id,
            number: a.account_number,
            industry: a.industry,
            kind: a.kind,
            owner: user(a.owner_id, a.owner),
        }),
        _ => None,
    };
    ContactRecord {
        name: row.name.unwrap_or_else(|| row.id.clone()),
        id: row.id,
        email: row.email,
        title: row.title,
        phone: row.phone,
        owner: user(row.owner_id, row.owner),
        account,
    }
}

fn lead(row: LeadRow) -> LeadRecord {
    LeadRecord {
        name: row.name.unwrap_or_else(|| row.id.clone()),
        id: row.id,
        email: row.email,
        title: row.title,
        phone: row.phone,
        company: row.company,
        status: row.status,
        lead_source: row.lead_source,
        owner: user(row.owner_id, row.owner),
    }
}

fn opportunity(row: OpportunityRow) -> OpportunityRecord {
    OpportunityRecord {
        name: row.name.unwrap_or_else(|| row.id.clone()),
        id: row.id,
        stage: row.stage_name.unwrap_or_default(),
        amount: row.amount,
        close_date: row.close_date,
        probability: row.probability,
        is_closed: row.is_closed.unwrap_or(false),
        is_won: row.is_won.unwrap_or(false),
        account_id: row.account_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_and_no_email_asks_nothing() {
        assert!(queries(&Lookup::default()).is_none());
    }

    #[test]
    fn a_key_searches_contacts_by_key_and_leads_by_email() {
        let lookup = Lookup {
            link: None,
            contact: Some(ContactKey::Field(
                Field::known("Intercom_Contact_Id__c"),
                "u-1'1".to_owned(),
            )),
            lead_email: Some("a@b.co".to_owned()),
        };
        let q = queries(&lookup).unwrap();
        let by_ref: std::collections::HashMap<_, _> = q.into_iter().collect();
        assert!(by_ref["contact"].contains(r"WHERE Intercom_Contact_Id__c = 'u-1\'1'"));
        assert!(by_ref["lead"].contains("WHERE Email = 'a@b.co' AND IsConverted = false"));
        assert!(
            by_ref["opportunities"].contains(
                "AccountId IN (SELECT AccountId FROM Contact WHERE Intercom_Contact_Id__c"
            )
        );
    }

    #[test]
    fn a_lead_link_reads_only_that_lead() {
        let lookup = Lookup {
            link: Some(LinkedRecord {
                lead: true,
                id: "00Q000000000001AAA".to_owned(),
            }),
            contact: Some(ContactKey::Email("a@b.co".to_owned())),
            lead_email: Some("a@b.co".to_owned()),
        };
        let refs: Vec<_> = queries(&lookup)
            .unwrap()
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(refs, ["org", "lead"]);
    }
}
