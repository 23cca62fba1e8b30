//! The pure helpers behind the pages' words and badges, and reading the back end's answers.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sfbridge_frontend::api::{LoadError, classify_failure, decode};
use sfbridge_frontend::format::{
    amount_value, author_kind_label, author_kind_name, author_label, close_date_value,
    contact_label, conversation_state_class, conversation_state_label, conversation_state_name,
    count, database_status_class, last_contact, matched_by, no_match_name, opportunity_counts,
    opportunity_option, outcome, owner_source, problem_title, reachability, relative_time,
    state_badge_class, timestamp,
};
use shared::api_error::codes;
use shared::card::{MatchedBy, NoMatch, Opportunity, OwnerSource};
use shared::inbox::{Author, AuthorKind, ContactRef, ConversationState};
use shared::{ApiError, ConnectionState, ConnectionsView, DatabaseHealth, DatabaseKind};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn ago(seconds: i64) -> String {
    relative_time(now() - Duration::seconds(seconds), now())
}

#[wasm_bindgen_test]
fn relative_times_round_to_the_nearest_unit() {
    assert_eq!(ago(0), "just now");
    assert_eq!(ago(44), "just now");
    assert_eq!(ago(45), "1 minute ago");
    assert_eq!(ago(89), "1 minute ago");
    assert_eq!(ago(90), "2 minutes ago");
    assert_eq!(ago(59 * 60 + 50), "59 minutes ago");
    assert_eq!(ago(3_600), "1 hour ago");
    assert_eq!(ago(5 * 3_600 + 40 * 60), "6 hours ago");
    assert_eq!(ago(23 * 3_600 + 59 * 60), "23 hours ago");
    assert_eq!(ago(86_400), "1 day ago");
    assert_eq!(ago(29 * 86_400), "29 days ago");
    assert_eq!(ago(40 * 86_400), "on 2026-10-12");
}

#[wasm_bindgen_test]
fn a_server_clock_slightly_ahead_still_reads_just_now() {
    assert_eq!(ago(-20), "just now");
    assert_eq!(ago(-300), "in 5 minutes");
}

#[wasm_bindgen_test]
fn exact_times_are_utc_to_the_minute() {
    assert_eq!(timestamp(now()), "2026-11-21 12:00 UTC");
}

#[wasm_bindgen_test]
fn counts_use_singular_for_one() {
    assert_eq!(count(0, "installation"), "0 installations");
    assert_eq!(count(1, "installation"), "1 installation");
    assert_eq!(count(2, "job"), "2 jobs");
}

#[wasm_bindgen_test]
fn each_state_has_its_own_badge() {
    assert_eq!(
        state_badge_class(ConnectionState::Connected),
        "badge badge-ok"
    );
    assert_eq!(
        state_badge_class(ConnectionState::NotConnected),
        "badge badge-idle"
    );
    assert_eq!(
        state_badge_class(ConnectionState::Error),
        "badge badge-error"
    );
}

#[wasm_bindgen_test]
fn database_reachability_reads_and_colours() {
    let sqlite = DatabaseHealth {
        kind: DatabaseKind::Sqlite,
        reachable: true,
    };
    let postgres = DatabaseHealth {
        kind: DatabaseKind::Postgres,
        reachable: false,
    };
    assert_eq!(reachability(&sqlite), "Reachable");
    assert_eq!(database_status_class(&sqlite), "status-dot status-ok");
    assert_eq!(reachability(&postgres), "Unreachable");
    assert_eq!(database_status_class(&postgres), "status-dot status-error");
}

#[wasm_bindgen_test]
fn no_contact_yet_reads_never() {
    assert_eq!(last_contact(None, now()), "Never");
    assert_eq!(last_contact(Some(now()), now()), "just now");
}

#[wasm_bindgen_test]
fn failures_keep_the_back_ends_message() {
    let body =
        r#"{"error":{"code":"database_unavailable","message":"The database is not reachable."}}"#;
    let error = classify_failure(503, "Service Unavailable", body);
    assert_eq!(
        error,
        LoadError::Api {
            status: 503,
            error: ApiError::new("database_unavailable", "The database is not reachable."),
        }
    );
    assert_eq!(error.to_string(), "The database is not reachable.");
    assert_eq!(error.code(), Some("database_unavailable"));
    assert_eq!(error.status(), Some(503));
}

#[wasm_bindgen_test]
fn failures_without_the_error_body_name_the_status() {
    let error = classify_failure(502, "Bad Gateway", "<html>upstream down</html>");
    assert_eq!(
        error.to_string(),
        "The server answered HTTP 502 Bad Gateway."
    );
    assert_eq!(error.code(), None);
    assert_eq!(
        classify_failure(500, "", "").to_string(),
        "The server answered HTTP 500."
    );
}

#[wasm_bindgen_test]
fn an_unexpected_success_body_is_a_decode_error() {
    let error = decode::<ConnectionsView>(r#"{"health":{}}"#).unwrap_err();
    assert!(matches!(error, LoadError::Decode(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("The server's answer could not be read: ")
    );
}

fn contact(name: Option<&str>, email: Option<&str>) -> ContactRef {
    ContactRef {
        id: "c1".into(),
        name: name.map(Into::into),
        email: email.map(Into::into),
        role: "lead".into(),
    }
}

#[wasm_bindgen_test]
fn a_conversation_is_with_a_name_else_an_email() {
    let both = contact(Some("Jane Doe"), Some("jane@acme.example"));
    assert_eq!(contact_label(Some(&both)), "Jane Doe");
    let email = contact(None, Some("jane@acme.example"));
    assert_eq!(contact_label(Some(&email)), "jane@acme.example");
    let blank = contact(Some("  "), None);
    assert_eq!(contact_label(Some(&blank)), "Unnamed contact");
    assert_eq!(contact_label(None), "No contact");
}

#[wasm_bindgen_test]
fn conversation_states_read_and_colour() {
    let all = [
        ConversationState::Open,
        ConversationState::Closed,
        ConversationState::Snoozed,
    ];
    let shown: Vec<_> = all
        .iter()
        .map(|&s| {
            (
                conversation_state_label(s),
                conversation_state_class(s),
                conversation_state_name(s),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Open", "badge badge-ok", "open"),
            ("Closed", "badge badge-idle", "closed"),
            ("Snoozed", "badge badge-warn", "snoozed"),
        ]
    );
    // The names are the back end's.
    for state in all {
        assert_eq!(
            serde_json::to_value(state).unwrap(),
            conversation_state_name(state)
        );
    }
}

#[wasm_bindgen_test]
fn authors_are_named_or_said_what_they_are() {
    let named = Author {
        kind: AuthorKind::Teammate,
        name: Some("Alice Admin".into()),
    };
    assert_eq!(author_label(&named), "Alice Admin");
    for (kind, label, name) in [
        (AuthorKind::Contact, "Customer", "contact"),
        (AuthorKind::Teammate, "Teammate", "teammate"),
        (AuthorKind::Bot, "Bot", "bot"),
    ] {
        let nameless = Author { kind, name: None };
        assert_eq!(author_label(&nameless), label);
        assert_eq!(author_kind_label(kind), label);
        assert_eq!(author_kind_name(kind), name);
        assert_eq!(serde_json::to_value(kind).unwrap(), name);
    }
}

#[wasm_bindgen_test]
fn no_match_reasons_use_the_back_ends_names() {
    for reason in [NoMatch::NoContact, NoMatch::NoEmail, NoMatch::NoMatch] {
        assert_eq!(serde_json::to_value(reason).unwrap(), no_match_name(reason));
    }
}

#[wasm_bindgen_test]
fn how_the_person_was_found() {
    assert_eq!(matched_by(MatchedBy::Email), "Matched by email");
    assert_eq!(matched_by(MatchedBy::ExternalId), "Matched by user id");
    assert_eq!(matched_by(MatchedBy::Link), "Matched by its stored link");
}

#[wasm_bindgen_test]
fn each_owner_source_is_explained() {
    for source in [
        OwnerSource::AccountOwner,
        OwnerSource::ContactOwner,
        OwnerSource::LeadOwner,
    ] {
        assert!(owner_source(source).starts_with("Salesforce assigned this owner"));
    }
    assert!(owner_source(OwnerSource::Installer).contains("installed sfbridge"));
}

fn opportunity(amount: Option<f64>, closed: bool, won: bool) -> Opportunity {
    Opportunity {
        id: "006A".into(),
        name: "Renewal".into(),
        stage: "Prospecting".into(),
        amount,
        currency: "EUR".into(),
        close_date: None,
        probability: None,
        is_closed: closed,
        is_won: won,
        url: String::new(),
    }
}

#[wasm_bindgen_test]
fn opportunity_values_for_machines_and_words_for_people() {
    let mut open = opportunity(Some(125_000.0), false, false);
    assert_eq!(amount_value(&open), "125000");
    assert_eq!(close_date_value(&open), "");
    open.amount = Some(0.5);
    open.close_date = Some("2026-02-03".parse().unwrap());
    assert_eq!(amount_value(&open), "0.5");
    assert_eq!(close_date_value(&open), "2026-02-03");
    open.amount = None;
    assert_eq!(amount_value(&open), "");

    assert_eq!(outcome(&open), None);
    assert_eq!(opportunity_option(&open), "Renewal");
    let won = opportunity(None, true, true);
    assert_eq!(outcome(&won), Some("Won"));
    assert_eq!(opportunity_option(&won), "Renewal (Won)");
    let lost = opportunity(None, true, false);
    assert_eq!(opportunity_option(&lost), "Renewal (Lost)");

    assert_eq!(opportunity_counts(&[]), "0 open");
    assert_eq!(opportunity_counts(&[open.clone(), open.clone()]), "2 open");
    assert_eq!(opportunity_counts(&[open, won, lost]), "1 open, 2 closed");
}

#[wasm_bindgen_test]
fn failures_are_titled_by_what_to_do() {
    let error = |code: &str| LoadError::Api {
        status: 503,
        error: ApiError::new(code, "message"),
    };
    assert_eq!(
        problem_title(&error(codes::SALESFORCE_UNREACHABLE), "the card"),
        "Salesforce is unreachable"
    );
    assert_eq!(
        problem_title(&error(codes::INTERCOM_RECONNECT_NEEDED), "the card"),
        "Intercom needs reconnecting"
    );
    assert_eq!(
        problem_title(&error("something_new"), "the card"),
        "Could not load the card"
    );
    assert_eq!(
        problem_title(&LoadError::Network("down".into()), "the transcript"),
        "Could not load the transcript"
    );
}
