//! The card model ([`CardView`]) and its error states drawn as Canvas Kit components.
//!
//! Intercom asks for the first canvas to stay under 400 px, so a card is a handful of
//! components: a header, key facts as one data table (at most [`MAX_KEY_FACTS`] rows), one
//! opportunity at a time with a dropdown to switch, and the link into Salesforce.

use serde_json::{Value, json};
use shared::api_error::codes;
use shared::card::{Card, CardView, NoMatch, Opportunity, PersonKind};

use super::component_ids;
use super::components::text;

/// Rows in the key-facts table; the least important facts give way first.
pub const MAX_KEY_FACTS: usize = 5;
/// A dropdown holds 2 to 10 options.
const MAX_OPTIONS: usize = 10;
/// `stored_data` keys, read back from Submit requests.
pub(super) const STORED_CONVERSATION: &str = "conversation_id";
pub(super) const STORED_OPPORTUNITY: &str = "opportunity";

/// The card for `view`: `{"canvas":{"content":{"components":[..]},"stored_data":{..}}}`.
/// `selected_opportunity` picks the opportunity shown (the first, most relevant, otherwise).
/// `stored_data` keeps the conversation and the shown opportunity for the next Submit.
pub fn render_card(view: &CardView, selected_opportunity: Option<&str>) -> Value {
    match view {
        CardView::Found(card) => found(card, selected_opportunity),
        CardView::NotInSalesforce {
            conversation_id,
            reason,
        } => not_in_salesforce(conversation_id, *reason),
    }
}

/// A state where no card could be drawn, for the failure's `code` (one of [`codes`], or any
/// other). The words are this module's own, one sentence per code: what went wrong inside stays
/// in the server's log. Failures that may pass (Salesforce or Intercom unreachable, limits,
/// anything unknown) get a "Try again" button ([`component_ids::RETRY`]); refused tokens say
/// who can reconnect.
pub fn render_error(code: &str) -> Value {
    let components = match code {
        codes::SALESFORCE_RECONNECT_NEEDED | codes::INTERCOM_RECONNECT_NEEDED => {
            let service = if code == codes::SALESFORCE_RECONNECT_NEEDED {
                "Salesforce"
            } else {
                "Intercom"
            };
            vec![
                text(&format!("Reconnect {service}"), "header"),
                text(
                    &format!("{service} no longer accepts sfbridge's connection."),
                    "paragraph",
                ),
                text(
                    &format!("An sfbridge admin can reconnect {service} on the Connections page."),
                    "muted",
                ),
            ]
        }
        codes::CONVERSATION_NOT_FOUND => vec![
            text("No card", "header"),
            text(
                "This conversation is not in the Intercom workspace.",
                "error",
            ),
        ],
        codes::INSTALLATION_NOT_FOUND => vec![
            text("No card", "header"),
            text("This workspace is not connected to sfbridge.", "error"),
        ],
        _ => {
            let (header, message) = match code {
                codes::SALESFORCE_UNREACHABLE => (
                    "Salesforce did not answer",
                    "Salesforce did not answer in time. Try again in a moment.",
                ),
                codes::SALESFORCE_LIMIT_EXCEEDED => (
                    "Salesforce's API limit is spent",
                    "The org has spent its API calls for today; the card is back when Salesforce \
                     grants more.",
                ),
                codes::INTERCOM_UNREACHABLE => (
                    "Intercom did not answer",
                    "Intercom did not answer in time. Try again in a moment.",
                ),
                _ => (
                    "Something went wrong",
                    "sfbridge could not draw this card; what went wrong is in its log.",
                ),
            };
            vec![
                text(header, "header"),
                text(message, "error"),
                json!({"type": "button", "id": component_ids::RETRY, "label": "Try again",
                       "style": "secondary", "action": {"type": "submit"}}),
            ]
        }
    };
    canvas(components, None)
}

fn found(card: &Card, selected: Option<&str>) -> Value {
    let person = &card.person;
    let kind = match person.kind {
        PersonKind::Contact => "Salesforce contact".to_owned(),
        PersonKind::Lead => match &person.lead_status {
            Some(status) => format!("Salesforce lead · {status}"),
            None => "Salesforce lead".to_owned(),
        },
    };
    let name = if person.name.trim().is_empty() {
        person.email.as_deref().unwrap_or("Unnamed person")
    } else {
        &person.name
    };
    let mut components = vec![text(name, "header"), text(&kind, "muted")];
    let facts = key_facts(card);
    if !facts.is_empty() {
        components.push(table(&facts));
    }
    components.push(json!({"type": "divider"}));

    let shown = card
        .opportunities
        .iter()
        .find(|o| Some(o.id.as_str()) == selected)
        .or(card.opportunities.first());
    match shown {
        None => {
            let none = match card.closed_opportunities {
                0 => "No open opportunities.".to_owned(),
                n => format!("No open opportunities ({n} closed)."),
            };
            components.push(text(&none, "muted"));
        }
        Some(shown) => {
            if card.opportunities.len() > 1 {
                components.push(dropdown(&card.opportunities, shown));
            } else {
                components.push(text(&shown.name, "paragraph"));
            }
            components.push(table(&[
                ("Stage", shown.stage.clone()),
                ("Amount", shown.amount_label()),
                ("Close date", shown.close_date_label()),
            ]));
        }
    }
    components.push(
        json!({"type": "button", "id": component_ids::OPEN_IN_SALESFORCE,
                           "label": "Open in Salesforce", "style": "secondary",
                           "action": {"type": "url", "url": person.url}}),
    );
    components.push(create_case());
    let mut stored = json!({ STORED_CONVERSATION: card.conversation_id });
    if let Some(shown) = shown {
        stored[STORED_OPPORTUNITY] = json!(shown.id);
    }
    canvas(components, Some(stored))
}

/// The person's and account's facts, in reading order, keeping the [`MAX_KEY_FACTS`] most
/// important that have a value.
fn key_facts(card: &Card) -> Vec<(&'static str, String)> {
    let person = &card.person;
    let account = card.account.as_ref();
    let owner = card.owner.as_ref().map(|o| {
        if o.assigned_by_salesforce() {
            format!("{} · assigned by Salesforce", o.name)
        } else {
            o.name.clone()
        }
    });
    let account_name = account.map(|a| match &a.number {
        Some(number) => format!("{} ({number})", a.name),
        None => a.name.clone(),
    });
    // A lead's company is what it has instead of an account.
    let company = account.is_none().then(|| person.company.clone()).flatten();
    let kind = account.and_then(|a| {
        let parts: Vec<&str> = [a.industry.as_deref(), a.kind.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    });
    // (label, value, importance: lower stays longer)
    let facts = [
        ("Email", person.email.clone(), 0),
        ("Title", person.title.clone(), 5),
        ("Phone", person.phone.clone(), 6),
        ("Owner", owner, 1),
        ("Account", account_name, 2),
        ("Company", company, 2),
        ("Industry · type", kind, 4),
        (
            "Account owner",
            account.and_then(|a| a.owner_name.clone()),
            3,
        ),
    ];
    let mut present: Vec<(usize, &'static str, String, u8)> = facts
        .into_iter()
        .enumerate()
        .filter_map(|(order, (label, value, importance))| {
            value
                .filter(|v| !v.trim().is_empty())
                .map(|v| (order, label, v, importance))
        })
        .collect();
    present.sort_by_key(|f| f.3);
    present.truncate(MAX_KEY_FACTS);
    present.sort_by_key(|f| f.0);
    present.into_iter().map(|f| (f.1, f.2)).collect()
}

/// The dropdown switching opportunities: at most ten options, the shown one always among them.
fn dropdown(all: &[Opportunity], shown: &Opportunity) -> Value {
    let mut options: Vec<&Opportunity> = all.iter().take(MAX_OPTIONS).collect();
    if !options.iter().any(|o| o.id == shown.id) {
        options[MAX_OPTIONS - 1] = shown;
    }
    json!({
        "type": "dropdown",
        "id": component_ids::OPPORTUNITY,
        "label": format!("Opportunities ({})", all.len()),
        "value": shown.id,
        "options": options.iter().map(|o| json!({"type": "option", "id": o.id, "text": o.name})).collect::<Vec<_>>(),
        "action": {"type": "submit"},
    })
}

/// Opens the case form (a case needs no Salesforce person).
fn create_case() -> Value {
    json!({"type": "button", "id": component_ids::CREATE_CASE, "label": "Create case",
           "style": "primary", "action": {"type": "submit"}})
}

fn not_in_salesforce(conversation_id: &str, reason: NoMatch) -> Value {
    canvas(
        vec![
            text("Not in Salesforce", "header"),
            text(reason.explain(), "muted"),
            create_case(),
        ],
        Some(json!({ STORED_CONVERSATION: conversation_id })),
    )
}

fn table(rows: &[(&str, String)]) -> Value {
    json!({
        "type": "data-table",
        "items": rows.iter().map(|(field, value)| json!({"type": "field-value", "field": field, "value": value})).collect::<Vec<_>>(),
    })
}

fn canvas(components: Vec<Value>, stored_data: Option<Value>) -> Value {
    let mut canvas = json!({"content": {"components": components}});
    if let Some(stored) = stored_data {
        canvas["stored_data"] = stored;
    }
    json!({ "canvas": canvas })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use shared::card::{Account, MatchedBy, Owner, OwnerSource, Person};
    use sim::intercom::canvas::check_response;

    use crate::intercom::canvas::components::shown;

    /// Few components and rows keep the first canvas under Intercom's 400 px: a header line,
    /// a muted line, a table, a divider, the dropdown, its table and two buttons at most.
    const MAX_COMPONENTS: usize = 8;
    const MAX_TABLE_ROWS: usize = MAX_KEY_FACTS + 3;

    fn opportunity(n: u32, stage: &str, amount: Option<f64>) -> Opportunity {
        Opportunity {
            id: format!("006Dn00000{n:04}AAAA1"),
            name: format!("Globex expansion {n}"),
            stage: stage.into(),
            amount,
            currency: "USD".into(),
            close_date: NaiveDate::from_ymd_opt(2026, 3, n.clamp(1, 28)),
            probability: None,
            is_closed: false,
            is_won: false,
            url: format!("https://demo.my.salesforce.com/006Dn00000{n:04}AAAA1"),
        }
    }

    fn contact_card(opportunities: Vec<Opportunity>) -> Card {
        Card {
            conversation_id: "215472621202601".into(),
            intercom_contact_id: "695b7e6c0000000000000010".into(),
            person: Person {
                kind: PersonKind::Contact,
                id: "003Dn000001AAAAAA1".into(),
                name: "Maya Patel".into(),
                email: Some("maya.patel@globex.example.com".into()),
                title: Some("Head of Finance".into()),
                phone: Some("+1 555 0100".into()),
                lead_status: None,
                company: None,
                lead_source: None,
                url: "https://demo.my.salesforce.com/003Dn000001AAAAAA1".into(),
            },
            matched_by: MatchedBy::ExternalId,
            owner: Some(Owner {
                name: "Bob Baker".into(),
                email: Some("bob@example.com".into()),
                teammate_id: Some("991267402".into()),
                salesforce_user_id: Some("005Dn000001AAAAAA2".into()),
                source: OwnerSource::AccountOwner,
            }),
            account: Some(Account {
                id: "001Dn000001AAAAAA1".into(),
                name: "Globex Corporation".into(),
                number: Some("ACC-0001".into()),
                industry: Some("Manufacturing".into()),
                kind: Some("Customer".into()),
                owner_name: Some("Bob Baker".into()),
                url: "https://demo.my.salesforce.com/001Dn000001AAAAAA1".into(),
            }),
            opportunities,
            closed_opportunities: 0,
            fetched_at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        }
    }

    fn lead_card() -> Card {
        let mut card = contact_card(vec![]);
        card.person = Person {
            kind: PersonKind::Lead,
            id: "00QDn000001AAAAAA1".into(),
            name: "Ava Garcia".into(),
            email: Some("ava.garcia@northwindlabs.example.com".into()),
            title: None,
            phone: Some("+1 555 0300".into()),
            lead_status: Some("Working - Contacted".into()),
            company: Some("Northwind Labs".into()),
            lead_source: Some("Web".into()),
            url: "https://demo.my.salesforce.com/00QDn000001AAAAAA1".into(),
        };
        card.account = None;
        card.owner = Some(Owner {
            name: "Alice Anders".into(),
            email: Some("alice@example.com".into()),
            teammate_id: Some("991267401".into()),
            salesforce_user_id: None,
            source: OwnerSource::Installer,
        });
        card
    }

    fn found(card: Card) -> CardView {
        CardView::Found(Box::new(card))
    }

    fn components(canvas: &Value) -> &Vec<Value> {
        canvas["canvas"]["content"]["components"]
            .as_array()
            .expect("components")
    }

    fn of_type<'a>(canvas: &'a Value, kind: &str) -> Vec<&'a Value> {
        components(canvas)
            .iter()
            .filter(|c| c["type"] == kind)
            .collect()
    }

    /// `field -> value` of every data table.
    fn rows(canvas: &Value) -> Vec<(String, String)> {
        of_type(canvas, "data-table")
            .into_iter()
            .flat_map(|t| t["items"].as_array().unwrap().iter())
            .map(|i| {
                (
                    i["field"].as_str().unwrap().to_owned(),
                    i["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn value_of(canvas: &Value, field: &str) -> Option<String> {
        rows(canvas)
            .into_iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v)
    }

    /// The text components as a teammate reads them (their Markdown rendered).
    fn texts(canvas: &Value) -> Vec<String> {
        of_type(canvas, "text")
            .into_iter()
            .map(|t| {
                let (shown, markup) = shown(t["text"].as_str().unwrap());
                assert_eq!(markup, Vec::<String>::new(), "{t}");
                shown
            })
            .collect()
    }

    /// Every rendering must pass the simulated inbox's schema check and stay small.
    fn assert_renders(canvas: &Value) {
        assert_eq!(check_response(canvas), vec![], "{canvas:#}");
        assert!(
            components(canvas).len() <= MAX_COMPONENTS,
            "too many components: {canvas:#}"
        );
        assert!(
            rows(canvas).len() <= MAX_TABLE_ROWS,
            "too many rows: {canvas:#}"
        );
    }

    #[test]
    fn a_contact_with_several_opportunities() {
        let opportunities = vec![
            opportunity(1, "Negotiation/Review", Some(125_000.0)),
            opportunity(2, "Prospecting", Some(40_000.0)),
            opportunity(3, "Qualification", None),
        ];
        let view = found(contact_card(opportunities.clone()));
        let canvas = render_card(&view, None);
        assert_renders(&canvas);

        assert_eq!(texts(&canvas)[..2], ["Maya Patel", "Salesforce contact"]);
        assert_eq!(
            value_of(&canvas, "Owner").as_deref(),
            Some("Bob Baker · assigned by Salesforce")
        );
        assert_eq!(
            value_of(&canvas, "Account").as_deref(),
            Some("Globex Corporation (ACC-0001)")
        );
        assert_eq!(
            value_of(&canvas, "Email").as_deref(),
            Some("maya.patel@globex.example.com")
        );
        // The first, most relevant opportunity is shown; the dropdown offers the others.
        assert_eq!(
            value_of(&canvas, "Stage").as_deref(),
            Some("Negotiation/Review")
        );
        assert_eq!(
            value_of(&canvas, "Amount").as_deref(),
            Some("USD 125,000.00")
        );
        assert_eq!(
            value_of(&canvas, "Close date").as_deref(),
            Some("2026-03-01")
        );
        let dropdown = of_type(&canvas, "dropdown")[0];
        assert_eq!(dropdown["id"], component_ids::OPPORTUNITY);
        assert_eq!(dropdown["value"], opportunities[0].id);
        assert_eq!(dropdown["options"].as_array().unwrap().len(), 3);
        assert_eq!(dropdown["action"]["type"], "submit");
        let button = of_type(&canvas, "button")[0];
        assert_eq!(button["id"], component_ids::OPEN_IN_SALESFORCE);
        assert_eq!(button["label"], "Open in Salesforce");
        assert_eq!(
            button["action"],
            json!({"type": "url", "url": "https://demo.my.salesforce.com/003Dn000001AAAAAA1"})
        );
        let create = of_type(&canvas, "button")[1];
        assert_eq!(create["id"], component_ids::CREATE_CASE);
        assert_eq!(create["action"], json!({"type": "submit"}));
        assert_eq!(
            canvas["canvas"]["stored_data"],
            json!({"conversation_id": "215472621202601", "opportunity": opportunities[0].id})
        );

        // Switching shows the chosen one.
        let switched = render_card(&view, Some(&opportunities[2].id));
        assert_renders(&switched);
        assert_eq!(
            value_of(&switched, "Stage").as_deref(),
            Some("Qualification")
        );
        assert_eq!(value_of(&switched, "Amount").as_deref(), Some("-"));
        assert_eq!(
            of_type(&switched, "dropdown")[0]["value"],
            opportunities[2].id
        );
        // An unknown choice (closed since) falls back to the first.
        let stale = render_card(&view, Some("006-gone"));
        assert_eq!(
            value_of(&stale, "Stage").as_deref(),
            Some("Negotiation/Review")
        );
    }

    #[test]
    fn a_dropdown_holds_at_most_ten_and_always_the_shown_one() {
        let opportunities: Vec<Opportunity> = (1..=14)
            .map(|n| opportunity(n, "Prospecting", Some(f64::from(n) * 1000.0)))
            .collect();
        let view = found(contact_card(opportunities.clone()));
        let canvas = render_card(&view, Some(&opportunities[12].id));
        assert_renders(&canvas);
        let options = of_type(&canvas, "dropdown")[0]["options"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(options.len(), MAX_OPTIONS);
        assert_eq!(options[MAX_OPTIONS - 1]["id"], opportunities[12].id);
        assert_eq!(
            of_type(&canvas, "dropdown")[0]["label"],
            "Opportunities (14)"
        );
    }

    #[test]
    fn a_single_opportunity_needs_no_dropdown() {
        let view = found(contact_card(vec![opportunity(
            7,
            "Proposal/Price Quote",
            Some(950.0),
        )]));
        let canvas = render_card(&view, None);
        assert_renders(&canvas);
        assert!(of_type(&canvas, "dropdown").is_empty());
        assert!(texts(&canvas).iter().any(|t| t == "Globex expansion 7"));
        assert_eq!(value_of(&canvas, "Amount").as_deref(), Some("USD 950.00"));
    }

    #[test]
    fn key_facts_are_capped_by_importance() {
        let view = found(contact_card(vec![]));
        let canvas = render_card(&view, None);
        assert_renders(&canvas);
        let fields: Vec<String> = rows(&canvas).into_iter().map(|(f, _)| f).collect();
        // Eight facts have values; phone and title give way, the rest keep reading order.
        assert_eq!(
            fields,
            [
                "Email",
                "Owner",
                "Account",
                "Industry · type",
                "Account owner"
            ]
        );
        assert_eq!(
            value_of(&canvas, "Industry · type").as_deref(),
            Some("Manufacturing · Customer")
        );
        assert!(texts(&canvas).iter().any(|t| t == "No open opportunities."));
    }

    #[test]
    fn a_lead_shows_its_status_and_company() {
        let mut card = lead_card();
        card.closed_opportunities = 2;
        let canvas = render_card(&found(card), None);
        assert_renders(&canvas);
        assert_eq!(
            texts(&canvas)[..2],
            ["Ava Garcia", "Salesforce lead · Working - Contacted"]
        );
        assert_eq!(
            value_of(&canvas, "Company").as_deref(),
            Some("Northwind Labs")
        );
        assert_eq!(value_of(&canvas, "Phone").as_deref(), Some("+1 555 0300"));
        // The installing teammate is the fallback owner: not marked as Salesforce's choice.
        assert_eq!(value_of(&canvas, "Owner").as_deref(), Some("Alice Anders"));
        assert!(
            texts(&canvas)
                .iter()
                .any(|t| t == "No open opportunities (2 closed).")
        );
        assert_eq!(
            canvas["canvas"]["stored_data"],
            json!({"conversation_id": "215472621202601"})
        );
    }

    #[test]
    fn a_card_without_owner_or_details_still_renders() {
        let mut card = lead_card();
        card.owner = None;
        card.person.email = None;
        card.person.phone = None;
        card.person.company = None;
        card.person.lead_status = None;
        card.person.name = String::new();
        let canvas = render_card(&found(card), None);
        assert_renders(&canvas);
        assert!(of_type(&canvas, "data-table").is_empty());
        assert_eq!(texts(&canvas)[..2], ["Unnamed person", "Salesforce lead"]);
    }

    #[test]
    fn not_in_salesforce_says_why() {
        for reason in [NoMatch::NoContact, NoMatch::NoEmail, NoMatch::NoMatch] {
            let view = CardView::NotInSalesforce {
                conversation_id: "215472621202605".into(),
                reason,
            };
            let canvas = render_card(&view, None);
            assert_renders(&canvas);
            assert_eq!(texts(&canvas), ["Not in Salesforce", reason.explain()]);
            assert_eq!(
                of_type(&canvas, "button")[0]["id"],
                component_ids::CREATE_CASE,
                "a case needs no Salesforce person"
            );
        }
    }

    #[test]
    fn unreachable_offers_to_try_again() {
        for (code, says) in [
            (
                codes::SALESFORCE_UNREACHABLE,
                "Salesforce did not answer in time. Try again in a moment.",
            ),
            (
                codes::SALESFORCE_LIMIT_EXCEEDED,
                "The org has spent its API calls for today; the card is back when Salesforce grants more.",
            ),
            (
                codes::INTERCOM_UNREACHABLE,
                "Intercom did not answer in time. Try again in a moment.",
            ),
            (
                "something_new",
                "sfbridge could not draw this card; what went wrong is in its log.",
            ),
        ] {
            let canvas = render_error(code);
            assert_renders(&canvas);
            let buttons = of_type(&canvas, "button");
            assert_eq!(buttons.len(), 1, "{code}");
            assert_eq!(buttons[0]["id"], component_ids::RETRY);
            assert_eq!(buttons[0]["label"], "Try again");
            assert_eq!(buttons[0]["action"], json!({"type": "submit"}));
            assert_eq!(texts(&canvas)[1], says);
        }
        let canvas = render_error(codes::SALESFORCE_UNREACHABLE);
        assert_eq!(texts(&canvas)[0], "Salesforce did not answer");
    }

    #[test]
    fn reconnect_needed_says_who_can_fix_it() {
        let canvas = render_error(codes::SALESFORCE_RECONNECT_NEEDED);
        assert_renders(&canvas);
        assert!(of_type(&canvas, "button").is_empty());
        assert_eq!(
            texts(&canvas),
            [
                "Reconnect Salesforce",
                "Salesforce no longer accepts sfbridge's connection.",
                "An sfbridge admin can reconnect Salesforce on the Connections page."
            ]
        );
        let canvas = render_error(codes::INTERCOM_RECONNECT_NEEDED);
        assert_renders(&canvas);
        assert_eq!(texts(&canvas)[0], "Reconnect Intercom");
    }

    #[test]
    fn a_missing_conversation_has_nothing_to_retry() {
        let canvas = render_error(codes::CONVERSATION_NOT_FOUND);
        assert_renders(&canvas);
        assert!(of_type(&canvas, "button").is_empty());
        assert_eq!(of_type(&canvas, "text")[1]["style"], "error");
        assert_eq!(
            texts(&canvas)[1],
            "This conversation is not in the Intercom workspace."
        );
    }

    #[test]
    fn names_from_salesforce_show_as_text_never_as_links() {
        let mut card = lead_card();
        card.person.name = "[Verify](https://evil.example)".into();
        card.person.lead_status = Some("**Hot** <b>now</b>".into());
        card.opportunities = vec![opportunity(1, "Prospecting", None)];
        card.opportunities[0].name = "_Renewal_ `2026`".into();
        let canvas = render_card(&found(card), None);
        assert_renders(&canvas);
        assert_eq!(
            texts(&canvas),
            [
                "[Verify](https://evil.example)",
                "Salesforce lead · **Hot** <b>now</b>",
                "_Renewal_ `2026`",
            ]
        );
        // Data tables are not Markdown: their values go as they are.
        assert_eq!(
            value_of(&canvas, "Company").as_deref(),
            Some("Northwind Labs")
        );
    }
}
