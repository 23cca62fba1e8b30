//! The inbox card rendered in a real browser: every state from given data, the opportunity
//! picker, the closed opportunities on demand, each failure's remedy, and its own fetch.

mod support;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use leptos::mount::mount_to;
use leptos::prelude::*;
use sfbridge_frontend::api::{LoadError, card_query, classify_failure};
use sfbridge_frontend::card::{CardContent, CardLoading, ConversationCard};
use sfbridge_frontend::problem::LoadProblem;
use shared::api_error::codes;
use shared::card::{
    Account, Card, CardView, MatchedBy, NoMatch, Opportunity, Owner, OwnerSource, Person,
    PersonKind,
};
use support::{
    all_by_testid, attr, by_testid, choose, click, container, maybe_by_testid, requests_to, text,
    wait_for, wait_for_testid,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn date(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

const ORG: &str = "https://acme.my.salesforce.com";

fn opportunity(
    id: &str,
    name: &str,
    stage: &str,
    amount: Option<f64>,
    close_date: Option<NaiveDate>,
) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: name.into(),
        stage: stage.into(),
        amount,
        currency: "USD".into(),
        close_date,
        probability: None,
        is_closed: false,
        is_won: false,
        url: format!("{ORG}/lightning/r/Opportunity/{id}/view"),
    }
}

fn closed(mut opportunity: Opportunity, won: bool) -> Opportunity {
    opportunity.is_closed = true;
    opportunity.is_won = won;
    opportunity.stage = if won { "Closed Won" } else { "Closed Lost" }.into();
    opportunity
}

/// Jane Doe, a contact at Acme with three open opportunities and two closed ones.
fn contact_card() -> Card {
    let mut first = opportunity(
        "006A",
        "Acme renewal",
        "Negotiation/Review",
        Some(125_000.0),
        date("2026-12-15"),
    );
    first.probability = Some(90.0);
    Card {
        conversation_id: "215".into(),
        intercom_contact_id: "ic-jane".into(),
        person: Person {
            kind: PersonKind::Contact,
            id: "003000000000001AAA".into(),
            name: "Jane Doe".into(),
            email: Some("jane@acme.example".into()),
            title: Some("VP Operations".into()),
            phone: Some("+1 415 555 0100".into()),
            lead_status: None,
            company: None,
            lead_source: None,
            url: format!("{ORG}/lightning/r/Contact/003000000000001AAA/view"),
        },
        matched_by: MatchedBy::Email,
        owner: Some(Owner {
            name: "Alice Admin".into(),
            email: Some("alice@acme.example".into()),
            teammate_id: Some("t-alice".into()),
            salesforce_user_id: Some("005000000000001AAA".into()),
            source: OwnerSource::AccountOwner,
        }),
        account: Some(Account {
            id: "001000000000001AAA".into(),
            name: "Acme Corporation".into(),
            number: Some("CD-1001".into()),
            industry: Some("Manufacturing".into()),
            kind: Some("Customer".into()),
            owner_name: Some("Alice Admin".into()),
            url: format!("{ORG}/lightning/r/Account/001000000000001AAA/view"),
        }),
        opportunities: vec![
            first,
            opportunity(
                "006B",
                "Acme add-on seats",
                "Prospecting",
                Some(9_999.5),
                date("2027-01-31"),
            ),
            opportunity("006C", "Acme pilot", "Qualification", None, None),
        ],
        closed_opportunities: 2,
        fetched_at: now() - Duration::minutes(5),
    }
}

/// A lead with a status and a company, owned by its lead owner.
fn lead_card() -> Card {
    Card {
        conversation_id: "216".into(),
        intercom_contact_id: "ic-sam".into(),
        person: Person {
            kind: PersonKind::Lead,
            id: "00Q000000000001AAA".into(),
            name: "Sam Lead".into(),
            email: Some("sam@globex.example".into()),
            title: None,
            phone: None,
            lead_status: Some("Working - Contacted".into()),
            company: Some("Globex".into()),
            lead_source: Some("Web".into()),
            url: format!("{ORG}/lightning/r/Lead/00Q000000000001AAA/view"),
        },
        matched_by: MatchedBy::ExternalId,
        owner: Some(Owner {
            name: "Bob Sales".into(),
            email: Some("bob@acme.example".into()),
            teammate_id: Some("t-bob".into()),
            salesforce_user_id: Some("005000000000002AAA".into()),
            source: OwnerSource::LeadOwner,
        }),
        account: None,
        opportunities: vec![],
        closed_opportunities: 0,
        fetched_at: now(),
    }
}

/// Mounts the card's content with a callback that records each "show closed" request.
fn mount_card(card: CardView) -> (web_sys::HtmlElement, Arc<Mutex<Vec<bool>>>, impl Drop) {
    let root = container();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    let mounted = mount_to(root.clone(), move || {
        let record = record.clone();
        view! {
            <CardContent
                card=card
                now=now()
                on_show_closed=move |show: bool| record.lock().unwrap().push(show)
            />
        }
    });
    (root, asked, mounted)
}

fn found(card: Card) -> CardView {
    CardView::Found(Box::new(card))
}

fn shown_opportunity(root: &Element) -> Element {
    by_testid(root, "opportunity")
}

/// Picks an opportunity and waits for the card to show it (Leptos updates the page in a
/// task of its own, after the event).
async fn pick(root: &Element, id: &str) -> Element {
    choose(&by_testid(root, "opportunity-select"), id);
    wait_for(root, &format!("opportunity {id} to be shown"), || {
        maybe_by_testid(root, "opportunity").filter(|shown| attr(shown, "data-id") == id)
    })
    .await
}

#[wasm_bindgen_test]
fn a_contact_shows_its_record_owner_and_account() {
    let (root, _, _mounted) = mount_card(found(contact_card()));

    assert_eq!(text(&root, "card-person-name"), "Jane Doe");
    assert_eq!(text(&root, "card-person-kind"), "Contact");
    assert!(maybe_by_testid(&root, "card-lead-status").is_none());
    assert_eq!(text(&root, "card-email"), "jane@acme.example");
    assert_eq!(
        attr(&by_testid(&root, "card-email"), "href"),
        "mailto:jane@acme.example"
    );
    let card = text(&root, "card");
    assert!(card.contains("VP Operations"), "{card}");
    assert!(card.contains("+1 415 555 0100"), "{card}");
    assert!(
        card.contains("Matched by email · read 5 minutes ago"),
        "{card}"
    );

    assert_eq!(text(&root, "card-owner"), "Alice Admin");
    let marker = by_testid(&root, "card-owner-assigned");
    assert_eq!(support::visible_text(&marker), "assigned by Salesforce");
    assert!(
        attr(&marker, "title").contains("the account's owner"),
        "{}",
        marker.outer_html()
    );
    assert!(maybe_by_testid(&root, "card-no-owner").is_none());

    assert_eq!(text(&root, "card-account-name"), "Acme Corporation");
    assert_eq!(text(&root, "card-account-number"), "CD-1001");
    assert_eq!(text(&root, "card-account-industry"), "Manufacturing");
    assert_eq!(text(&root, "card-account-type"), "Customer");
    assert_eq!(text(&root, "card-account-owner"), "Alice Admin");

    // Person, account and the shown opportunity each open in Salesforce, in a new tab.
    let links = all_by_testid(&root, "salesforce-link");
    let objects: Vec<_> = links.iter().map(|l| attr(l, "data-object")).collect();
    assert_eq!(objects, ["Contact", "Account", "Opportunity"]);
    for link in &links {
        assert_eq!(attr(link, "target"), "_blank");
        assert_eq!(attr(link, "rel"), "noopener");
        assert_eq!(support::visible_text(link), "Open in Salesforce");
    }
    assert_eq!(
        attr(&links[0], "href"),
        format!("{ORG}/lightning/r/Contact/003000000000001AAA/view")
    );
    assert_eq!(
        attr(&links[1], "href"),
        format!("{ORG}/lightning/r/Account/001000000000001AAA/view")
    );
    assert_eq!(
        attr(&links[2], "href"),
        format!("{ORG}/lightning/r/Opportunity/006A/view")
    );

    root.remove();
}

#[wasm_bindgen_test]
async fn several_opportunities_can_be_switched() {
    let (root, _, _mounted) = mount_card(found(contact_card()));

    let card = text(&root, "card");
    assert!(card.contains("3 open"), "{card}");
    let first = shown_opportunity(&root);
    assert_eq!(attr(&first, "data-id"), "006A");
    assert_eq!(attr(&first, "data-stage"), "Negotiation/Review");
    assert_eq!(attr(&first, "data-amount"), "125000");
    assert_eq!(attr(&first, "data-close-date"), "2026-12-15");
    assert_eq!(text(&root, "opportunity-stage"), "Negotiation/Review");
    assert_eq!(text(&root, "opportunity-amount"), "USD 125,000.00");
    assert_eq!(text(&root, "opportunity-close-date"), "2026-12-15");
    assert!(support::visible_text(&first).contains("Probability 90%"));

    let select = by_testid(&root, "opportunity-select");
    let options: Vec<_> = (0..select.children().length())
        .map(|i| select.children().item(i).unwrap())
        .map(|o| (attr(&o, "value"), o.text_content().unwrap()))
        .collect();
    assert_eq!(
        options,
        [
            ("006A".to_owned(), "Acme renewal".to_owned()),
            ("006B".to_owned(), "Acme add-on seats".to_owned()),
            ("006C".to_owned(), "Acme pilot".to_owned()),
        ]
    );

    let second = pick(&root, "006B").await;
    assert_eq!(attr(&second, "data-stage"), "Prospecting");
    assert_eq!(attr(&second, "data-amount"), "9999.5");
    assert_eq!(attr(&second, "data-close-date"), "2027-01-31");
    assert_eq!(text(&root, "opportunity-amount"), "USD 9,999.50");
    assert_eq!(text(&root, "opportunity-close-date"), "2027-01-31");

    // No amount and no close date: empty for machines, "-" for people.
    let third = pick(&root, "006C").await;
    assert_eq!(attr(&third, "data-amount"), "");
    assert_eq!(attr(&third, "data-close-date"), "");
    assert_eq!(text(&root, "opportunity-stage"), "Qualification");
    assert_eq!(text(&root, "opportunity-amount"), "-");
    assert_eq!(text(&root, "opportunity-close-date"), "-");
    assert_eq!(all_by_testid(&root, "opportunity").len(), 1);
    assert_eq!(
        attr(
            all_by_testid(&root, "salesforce-link").last().unwrap(),
            "href"
        ),
        format!("{ORG}/lightning/r/Opportunity/006C/view")
    );

    root.remove();
}

#[wasm_bindgen_test]
fn show_closed_asks_for_the_closed_opportunities() {
    let (root, asked, _mounted) = mount_card(found(contact_card()));

    let button = by_testid(&root, "show-closed");
    assert_eq!(support::visible_text(&button), "Show closed (2)");
    assert_eq!(attr(&button, "aria-pressed"), "false");
    click(&button);
    assert_eq!(*asked.lock().unwrap(), [true]);

    root.remove();
}

#[wasm_bindgen_test]
async fn closed_opportunities_follow_the_open_ones_and_can_be_hidden() {
    let mut card = contact_card();
    card.opportunities.truncate(1);
    card.opportunities.push(closed(
        opportunity("006W", "Acme 2025", "", Some(80_000.0), date("2025-10-01")),
        true,
    ));
    card.opportunities.push(closed(
        opportunity("006L", "Acme 2024", "", Some(5_000.0), date("2024-03-01")),
        false,
    ));
    let (root, asked, _mounted) = mount_card(found(card));

    let shown = text(&root, "card");
    assert!(shown.contains("1 open, 2 closed"), "{shown}");
    let select = by_testid(&root, "opportunity-select");
    let labels = select.text_content().unwrap();
    assert!(
        labels.contains("Acme 2025 (Won)") && labels.contains("Acme 2024 (Lost)"),
        "{labels}"
    );
    let won = pick(&root, "006W").await;
    assert_eq!(attr(&won, "data-stage"), "Closed Won");
    assert!(support::visible_text(&won).contains("Acme 2025 Won"));

    let button = by_testid(&root, "show-closed");
    assert_eq!(support::visible_text(&button), "Hide closed");
    assert_eq!(attr(&button, "aria-pressed"), "true");
    click(&button);
    assert_eq!(*asked.lock().unwrap(), [false]);

    root.remove();
}

#[wasm_bindgen_test]
fn one_opportunity_needs_no_picker_and_none_says_so() {
    let mut card = contact_card();
    card.opportunities.truncate(1);
    card.closed_opportunities = 0;
    let (root, _, _mounted) = mount_card(found(card));
    assert!(maybe_by_testid(&root, "opportunity-select").is_none());
    assert_eq!(attr(&shown_opportunity(&root), "data-id"), "006A");
    assert!(maybe_by_testid(&root, "show-closed").is_none());
    root.remove();

    let mut card = contact_card();
    card.opportunities.clear();
    card.closed_opportunities = 1;
    let (root, _, _mounted) = mount_card(found(card));
    assert!(maybe_by_testid(&root, "opportunity").is_none());
    assert_eq!(text(&root, "no-opportunities"), "No open opportunities");
    assert_eq!(text(&root, "show-closed"), "Show closed (1)");
    root.remove();
}

#[wasm_bindgen_test]
fn a_lead_shows_its_status_first() {
    let (root, _, _mounted) = mount_card(found(lead_card()));

    assert_eq!(text(&root, "card-person-name"), "Sam Lead");
    assert_eq!(text(&root, "card-person-kind"), "Lead");
    assert_eq!(text(&root, "card-lead-status"), "Working - Contacted");
    let card = text(&root, "card");
    assert!(card.contains("Globex"), "{card}");
    assert!(card.contains("Lead source Web"), "{card}");
    assert!(card.contains("Matched by user id"), "{card}");
    assert_eq!(text(&root, "card-owner"), "Bob Sales");
    assert!(attr(&by_testid(&root, "card-owner-assigned"), "title").contains("the lead's owner"));
    // A lead has no account and so no opportunities.
    assert!(maybe_by_testid(&root, "card-account-name").is_none());
    assert!(maybe_by_testid(&root, "opportunity").is_none());
    assert!(maybe_by_testid(&root, "no-opportunities").is_none());
    let links = all_by_testid(&root, "salesforce-link");
    assert_eq!(links.len(), 1);
    assert_eq!(attr(&links[0], "data-object"), "Lead");

    root.remove();
}

#[wasm_bindgen_test]
fn no_owner_says_so_and_blank_fields_read_as_a_dash() {
    let mut card = contact_card();
    card.owner = None;
    card.person.email = None;
    let account = card.account.as_mut().unwrap();
    account.number = None;
    account.industry = None;
    account.kind = None;
    account.owner_name = None;
    let (root, _, _mounted) = mount_card(found(card));

    assert_eq!(text(&root, "card-no-owner"), "No owner");
    assert!(maybe_by_testid(&root, "card-owner").is_none());
    assert!(maybe_by_testid(&root, "card-owner-assigned").is_none());
    assert_eq!(text(&root, "card-email"), "-");
    for testid in [
        "card-account-number",
        "card-account-industry",
        "card-account-type",
        "card-account-owner",
    ] {
        assert_eq!(text(&root, testid), "-", "{testid}");
    }

    root.remove();
}

#[wasm_bindgen_test]
fn the_installer_as_owner_is_not_marked_as_assigned_by_salesforce() {
    let mut card = contact_card();
    card.owner = Some(Owner {
        name: "Ines Installer".into(),
        email: Some("ines@acme.example".into()),
        teammate_id: Some("t-ines".into()),
        salesforce_user_id: None,
        source: OwnerSource::Installer,
    });
    let (root, _, _mounted) = mount_card(found(card));

    assert_eq!(text(&root, "card-owner"), "Ines Installer");
    assert!(maybe_by_testid(&root, "card-owner-assigned").is_none());
    assert!(attr(&by_testid(&root, "card-owner"), "title").contains("installed sfbridge"));

    root.remove();
}

#[wasm_bindgen_test]
fn a_person_not_in_salesforce_says_why() {
    for (reason, name) in [
        (NoMatch::NoContact, "no_contact"),
        (NoMatch::NoEmail, "no_email"),
        (NoMatch::NoMatch, "no_match"),
    ] {
        let (root, _, _mounted) = mount_card(CardView::NotInSalesforce {
            conversation_id: "9".into(),
            reason,
        });
        assert!(text(&root, "card-empty").starts_with("Not in Salesforce"));
        let why = by_testid(&root, "card-empty-reason");
        assert_eq!(attr(&why, "data-reason"), name);
        assert_eq!(support::visible_text(&why), reason.explain());
        assert!(maybe_by_testid(&root, "card").is_none());
        root.remove();
    }
}

#[wasm_bindgen_test]
fn loading_is_announced() {
    let root = container();
    let _mounted = mount_to(root.clone(), || view! { <CardLoading /> });
    let loading = by_testid(&root, "card-loading");
    assert_eq!(attr(&loading, "role"), "status");
    assert_eq!(
        support::visible_text(&loading),
        "Loading the Salesforce record…"
    );
    root.remove();
}

/// Mounts the card's failure panel for `error`, counting the retries it asks for.
fn mount_problem(error: LoadError) -> (web_sys::HtmlElement, Arc<Mutex<u32>>, impl Drop) {
    let root = container();
    let retries = Arc::new(Mutex::new(0));
    let count = retries.clone();
    let mounted = mount_to(root.clone(), move || {
        let count = count.clone();
        view! {
            <LoadProblem
                error=error
                what="the card"
                testid="card"
                on_retry=move || *count.lock().unwrap() += 1
            />
        }
    });
    (root, retries, mounted)
}

fn api_error(status: u16, code: &str, message: &str) -> LoadError {
    classify_failure(
        status,
        "",
        &format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#),
    )
}

/// What the reader can do about each failure.
#[derive(Debug, PartialEq)]
enum Offered {
    Retry,
    Reconnect(String),
    Nothing,
}

fn offered(root: &Element) -> Offered {
    match (
        maybe_by_testid(root, "card-retry"),
        maybe_by_testid(root, "card-reconnect"),
    ) {
        (Some(_), None) => Offered::Retry,
        (None, Some(link)) => {
            assert_eq!(
                attr(&link, "href"),
                "/",
                "reconnecting is on the Connections page"
            );
            Offered::Reconnect(support::visible_text(&link))
        }
        (None, None) => Offered::Nothing,
        (Some(_), Some(_)) => panic!("both retry and reconnect: {}", root.inner_html()),
    }
}

#[wasm_bindgen_test]
fn each_failure_offers_its_remedy() {
    let cases = [
        (
            404,
            codes::CONVERSATION_NOT_FOUND,
            "Conversation not found",
            Offered::Nothing,
        ),
        (
            503,
            codes::SALESFORCE_UNREACHABLE,
            "Salesforce is unreachable",
            Offered::Retry,
        ),
        (
            409,
            codes::SALESFORCE_RECONNECT_NEEDED,
            "Salesforce needs reconnecting",
            Offered::Reconnect("Reconnect Salesforce".into()),
        ),
        (
            429,
            codes::SALESFORCE_LIMIT_EXCEEDED,
            "Salesforce API limit reached",
            Offered::Retry,
        ),
        (
            503,
            codes::INTERCOM_UNREACHABLE,
            "Intercom is unreachable",
            Offered::Retry,
        ),
        (
            409,
            codes::INTERCOM_RECONNECT_NEEDED,
            "Intercom needs reconnecting",
            Offered::Reconnect("Reconnect Intercom".into()),
        ),
        (
            404,
            codes::INSTALLATION_NOT_FOUND,
            "No installation to ask",
            Offered::Reconnect("Open Connections".into()),
        ),
    ];
    for (status, code, title, remedy) in cases {
        let (root, _, _mounted) = mount_problem(api_error(status, code, "Said the back end."));
        let panel = by_testid(&root, "card-error");
        assert_eq!(attr(&panel, "data-code"), code);
        assert_eq!(attr(&panel, "data-status"), status.to_string());
        assert_eq!(attr(&panel, "role"), "alert");
        let shown = support::visible_text(&panel);
        assert!(shown.starts_with(title), "{code}: {shown}");
        assert!(shown.contains("Said the back end."), "{code}: {shown}");
        assert_eq!(offered(&root), remedy, "{code}");
        root.remove();
    }
}

#[wasm_bindgen_test]
fn failures_without_a_code_can_be_retried() {
    for error in [
        classify_failure(502, "Bad Gateway", "<html>upstream down</html>"),
        LoadError::Network("TypeError: Failed to fetch".into()),
    ] {
        let (root, _, _mounted) = mount_problem(error.clone());
        let panel = by_testid(&root, "card-error");
        assert_eq!(attr(&panel, "data-code"), "");
        let shown = support::visible_text(&panel);
        assert!(shown.starts_with("Could not load the card"), "{shown}");
        assert!(shown.contains(&error.to_string()), "{shown}");
        assert_eq!(offered(&root), Offered::Retry);
        root.remove();
    }
}

#[wasm_bindgen_test]
fn retry_calls_its_callback() {
    let (root, retries, _mounted) = mount_problem(api_error(
        503,
        codes::SALESFORCE_UNREACHABLE,
        "Salesforce did not answer.",
    ));
    let retry = by_testid(&root, "card-retry");
    assert_eq!(support::visible_text(&retry), "Retry");
    click(&retry);
    click(&retry);
    assert_eq!(*retries.lock().unwrap(), 2);
    root.remove();
}

#[wasm_bindgen_test]
fn a_retry_under_way_cannot_be_repeated() {
    let root = container();
    let error = api_error(
        503,
        codes::SALESFORCE_UNREACHABLE,
        "Salesforce did not answer.",
    );
    let _mounted = mount_to(root.clone(), move || {
        view! {
            <LoadProblem
                error=error
                what="the card"
                testid="card"
                on_retry=|| ()
                retrying=Signal::stored(true)
            />
        }
    });
    let retry = by_testid(&root, "card-retry");
    assert!(retry.has_attribute("disabled"));
    assert_eq!(support::visible_text(&retry), "Retrying…");
    root.remove();
}

/// The card fetches `/api/card` from wherever it is served. The test runner's own web server
/// has no such endpoint and answers 404 without our error body, so the real fetch, loading
/// state, failure panel and Retry all run here; the success path against the real back end
/// is covered by the browser tests in `tests/`.
#[wasm_bindgen_test]
async fn the_card_fetches_and_retry_asks_again() {
    let root = container();
    let _mounted = mount_to(root.clone(), || {
        view! { <ConversationCard conversation_id="a b/42".to_owned() /> }
    });
    // The id is encoded as a query value.
    let url = "/api/card?conversation_id=a+b%2F42";

    let panel = wait_for_testid(&root, "card-error").await;
    assert_eq!(attr(&panel, "data-status"), "404");
    assert!(maybe_by_testid(&root, "card-loading").is_none());
    let before = requests_to(url);
    assert!(before >= 1, "the card's first load is on record");

    click(&by_testid(&root, "card-retry"));
    wait_for(&root, "a second request for the card", || {
        (requests_to(url) > before).then_some(())
    })
    .await;
    // The panel is drawn anew from the second answer, so the button is looked up each time.
    wait_for(&root, "the retry to finish", || {
        maybe_by_testid(&root, "card-retry").filter(|retry| !retry.has_attribute("disabled"))
    })
    .await;
    assert!(text(&root, "card-error").contains("The server answered HTTP 404"));

    root.remove();
}

#[wasm_bindgen_test]
fn closed_opportunities_are_asked_for_by_query() {
    assert_eq!(card_query("7", false), [("conversation_id", "7")]);
    assert_eq!(
        card_query("7", true),
        [("conversation_id", "7"), ("closed", "true")]
    );
}
