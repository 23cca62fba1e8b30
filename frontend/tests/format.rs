//! The pure helpers behind the Connections page's words and badges.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sfbridge_frontend::api::{LoadError, classify_failure, decode_connections};
use sfbridge_frontend::format::{
    count, database_status_class, last_contact, reachability, relative_time, state_badge_class,
    timestamp,
};
use shared::{ApiError, ConnectionState, DatabaseHealth, DatabaseKind};
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
    let error = decode_connections(r#"{"health":{}}"#).unwrap_err();
    assert!(matches!(error, LoadError::Decode(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("The server's answer could not be read: ")
    );
}
