//! Turning what Salesforce holds into the card teammates see: person priority, the owner rule,
//! opportunity order. Pure, so every rule is tested without a network.

use chrono::{DateTime, Utc};
use shared::card::{
    Account, Card, CardView, MatchedBy, NoMatch, Opportunity, Person, PersonKind,
    sort_opportunities,
};
use shared::owner::{SalesforceOwners, Teammate, choose_owner};

use crate::salesforce::person::{OpportunityRecord, PersonRecords};

/// Everything the card needs besides Salesforce's records.
pub struct Context<'a> {
    pub conversation_id: &'a str,
    pub intercom_contact_id: &'a str,
    pub matched_by: MatchedBy,
    pub teammates: &'a [Teammate],
    pub installer: Option<&'a Teammate>,
    /// `(object, id) -> link into Salesforce`.
    pub record_url: &'a dyn Fn(&str, &str) -> String,
    pub include_closed: bool,
    pub fetched_at: DateTime<Utc>,
}

/// Contact before Lead; neither -> not in Salesforce.
pub fn card(records: &PersonRecords, cx: &Context<'_>) -> CardView {
    let url = cx.record_url;
    let (person, owners, account) = if let Some(contact) = &records.contact {
        let person = Person {
            kind: PersonKind::Contact,
            id: contact.id.clone(),
            name: contact.name.clone(),
            email: contact.email.clone(),
            title: contact.title.clone(),
            phone: contact.phone.clone(),
            lead_status: None,
            company: None,
            lead_source: None,
            url: url("Contact", &contact.id),
        };
        let owners = SalesforceOwners {
            account_owner: contact.account.as_ref().and_then(|a| a.owner.as_ref()),
            contact_owner: contact.owner.as_ref(),
            lead_owner: None,
        };
        let account = contact.account.as_ref().map(|a| Account {
            id: a.id.clone(),
            name: a.name.clone(),
            number: a.number.clone(),
            industry: a.industry.clone(),
            kind: a.kind.clone(),
            owner_name: a.owner.as_ref().map(|o| o.name.clone()),
            url: url("Account", &a.id),
        });
        (person, owners, account)
    } else if let Some(lead) = &records.lead {
        let person = Person {
            kind: PersonKind::Lead,
            id: lead.id.clone(),
            name: lead.name.clone(),
            email: lead.email.clone(),
            title: lead.title.clone(),
            phone: lead.phone.clone(),
            lead_status: lead.status.clone(),
            company: lead.company.clone(),
            lead_source: lead.lead_source.clone(),
            url: url("Lead", &lead.id),
        };
        let owners = SalesforceOwners {
            lead_owner: lead.owner.as_ref(),
            ..Default::default()
        };
        (person, owners, None)
    } else {
        return CardView::NotInSalesforce {
            conversation_id: cx.conversation_id.to_owned(),
            reason: NoMatch::NoMatch,
        };
    };
    let owner = choose_owner(&owners, cx.teammates, cx.installer);
    let mut opportunities: Vec<Opportunity> = if person.kind == PersonKind::Contact {
        records
            .opportunities
            .iter()
            .map(|o| opportunity(o, &records.currency, url))
            .collect()
    } else {
        Vec::new()
    };
    let closed_opportunities = opportunities.iter().filter(|o| o.is_closed).count();
    if !cx.include_closed {
        opportunities.retain(|o| !o.is_closed);
    }
    sort_opportunities(&mut opportunities);
    CardView::Found(Box::new(Card {
        conversation_id: cx.conversation_id.to_owned(),
        intercom_contact_id: cx.intercom_contact_id.to_owned(),
        person,
        matched_by: cx.matched_by,
        owner,
        account,
        opportunities,
        closed_opportunities,
        fetched_at: cx.fetched_at,
    }))
}

fn opportunity(
    record: &OpportunityRecord,
    currency: &str,
    url: &dyn Fn(&str, &str) -> String,
) -> Opportunity {
    Opportunity {
        id: record.id.clone(),
        name: record.name.clone(),
        stage: record.stage.clone(),
        amount: record.amount,
        currency: currency.to_owned(),
        close_date: record.close_date,
        probability: record.probability,
        is_closed: record.is_closed,
        is_won: record.is_won,
        url: url("Opportunity", &record.id),
    }
}

#[cfg(test)]
mod tests {
    use shared::card::OwnerSource;
    use shared::owner::SalesforceUser;

    use super::*;
    use crate::salesforce::person::{AccountRecord, ContactRecord, LeadRecord};

    fn user(id: &str, email: &str) -> SalesforceUser {
        SalesforceUser {
            id: id.into(),
            name: id.into(),
            email: Some(email.into()),
            active: true,
        }
    }

    fn teammates() -> Vec<Teammate> {
        vec![Teammate {
            id: "t-1".into(),
            name: "Alice".into(),
            email: Some("alice@example.com".into()),
        }]
    }

    fn contact(account_owner: Option<SalesforceUser>) -> ContactRecord {
        ContactRecord {
            id: "003A".into(),
            name: "Ann".into(),
            email: Some("ann@x.co".into()),
            title: None,
            phone: None,
            owner: Some(user("005C", "alice@example.com")),
            account: Some(AccountRecord {
                id: "001A".into(),
                name: "Acme".into(),
                number: Some("A-1".into()),
                industry: None,
                kind: None,
                owner: account_owner,
            }),
        }
    }

    fn lead() -> LeadRecord {
        LeadRecord {
            id: "00QA".into(),
            name: "Lee".into(),
            email: Some("ann@x.co".into()),
            title: None,
            phone: None,
            company: Some("Lee Co".into()),
            status: Some("Working - Contacted".into()),
            lead_source: None,
            owner: Some(user("005L", "alice@example.com")),
        }
    }

    fn opp(id: &str, closed: bool) -> OpportunityRecord {
        OpportunityRecord {
            id: id.into(),
            name: id.into(),
            stage: if closed { "Closed Won" } else { "Prospecting" }.into(),
            amount: Some(10.0),
            close_date: None,
            probability: None,
            is_closed: closed,
            is_won: closed,
            account_id: Some("001A".into()),
        }
    }

    fn records(contact: Option<ContactRecord>, lead: Option<LeadRecord>) -> PersonRecords {
        PersonRecords {
            contact,
            lead,
            opportunities: vec![opp("006open", false), opp("006closed", true)],
            currency: "EUR".into(),
        }
    }

    fn render(records: &PersonRecords, include_closed: bool) -> CardView {
        let team = teammates();
        let url = |object: &str, id: &str| format!("https://sf/{object}/{id}");
        card(
            records,
            &Context {
                conversation_id: "c1",
                intercom_contact_id: "i1",
                matched_by: MatchedBy::Email,
                teammates: &team,
                installer: None,
                record_url: &url,
                include_closed,
                fetched_at: DateTime::UNIX_EPOCH,
            },
        )
    }

    fn found(view: CardView) -> Card {
        match view {
            CardView::Found(card) => *card,
            other => panic!("expected a card, got {other:?}"),
        }
    }

    #[test]
    fn a_contact_wins_over_a_lead_and_shows_its_account() {
        let card = found(render(&records(Some(contact(None)), Some(lead())), false));
        assert_eq!(card.person.kind, PersonKind::Contact);
        assert_eq!(card.person.url, "https://sf/Contact/003A");
        assert_eq!(card.account.unwrap().number.as_deref(), Some("A-1"));
        assert_eq!(card.owner.unwrap().source, OwnerSource::ContactOwner);
    }

    #[test]
    fn closed_opportunities_only_on_demand_but_always_counted() {
        let card = found(render(&records(Some(contact(None)), None), false));
        let ids: Vec<_> = card.opportunities.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["006open"]);
        assert_eq!(card.closed_opportunities, 1);
        assert_eq!(card.opportunities[0].currency, "EUR");
        let all = found(render(&records(Some(contact(None)), None), true));
        assert_eq!(all.opportunities.len(), 2);
    }

    #[test]
    fn an_unmatched_account_owner_clears_the_owner() {
        let stranger = user("005X", "x@elsewhere.example");
        let card = found(render(&records(Some(contact(Some(stranger))), None), false));
        assert_eq!(card.owner, None);
    }

    #[test]
    fn a_lead_shows_its_status_and_no_opportunities() {
        let card = found(render(&records(None, Some(lead())), false));
        assert_eq!(card.person.kind, PersonKind::Lead);
        assert_eq!(
            card.person.lead_status.as_deref(),
            Some("Working - Contacted")
        );
        assert!(card.opportunities.is_empty());
        assert_eq!(card.owner.unwrap().source, OwnerSource::LeadOwner);
    }

    #[test]
    fn nothing_found_says_no_match() {
        assert_eq!(
            render(&records(None, None), false),
            CardView::NotInSalesforce {
                conversation_id: "c1".into(),
                reason: NoMatch::NoMatch
            }
        );
    }
}
