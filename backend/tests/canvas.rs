//! The card inside Intercom (Canvas Kit) against both simulators over real HTTP: what the org
//! holds is shown as text, and a failure shows a sentence of the app's own while what went
//! wrong goes to the log.

mod support;

use std::io::Write;
use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::{Value, json};
use sim::salesforce::{Fault, FaultKind};
use support::World;

/// The conversation of the seeded stranger, whom the org does not know until a test says so.
const STRANGER: &str = "nora@nowhere.example";

/// A text component as a teammate reads it, and its markup.
fn read(markdown: &str) -> (String, Vec<String>) {
    support::read_markdown(markdown)
}

fn of_type<'a>(components: &'a [Value], kind: &str) -> Vec<&'a Value> {
    components.iter().filter(|c| c["type"] == kind).collect()
}

#[tokio::test]
async fn a_lead_named_like_a_link_shows_as_text() {
    let world = World::start().await;
    let conversation = world.conversation_of(STRANGER).await;
    let admin = world.salesforce.admin_user_id();
    world
        .salesforce
        .ui_create(
            &admin,
            "Lead",
            json!({"LastName": "[Verify](https://evil.example)", "Company": "**Acme** <b>", "Region__c": "EMEA",
                   "Email": STRANGER}),
        )
        .unwrap();

    let verdict = world
        .intercom
        .canvas_initialize(
            &format!("{}/canvas/initialize", world.app),
            &conversation,
            world.intercom.installer_admin_id(),
        )
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let components = verdict.components();
    let texts = of_type(&components, "text");
    let (header, markup) = read(texts[0]["text"].as_str().unwrap());
    assert_eq!(header, "[Verify](https://evil.example)");
    assert_eq!(markup, Vec::<String>::new(), "the name became markup");
    for text in texts {
        let (_, markup) = read(text["text"].as_str().unwrap());
        assert_eq!(markup, Vec::<String>::new(), "{text}");
    }
    // Data tables show values as they are (no Markdown there), so nothing is escaped.
    let company = of_type(&components, "data-table")
        .iter()
        .flat_map(|t| t["items"].as_array().unwrap())
        .find(|i| i["field"] == "Company")
        .unwrap()["value"]
        .clone();
    assert_eq!(company, "**Acme** <b>");
    world.stop().await;
}

/// Log lines written while the returned guard lives (the test's runtime runs on this thread,
/// so the server's tasks log here too).
fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let logs = Arc::new(Mutex::new(Vec::new()));
    let writer = Buffer(logs.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_failure_shows_a_sentence_of_the_app_s_own_and_logs_the_cause() {
    let world = World::start().await;
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let (logs, _guard) = capture_logs();
    // Salesforce hangs up on every call: the client's error says how the connection failed.
    world.salesforce.inject(Fault::rate(FaultKind::Drop, 1.0));
    let admin = world.intercom.installer_admin_id();
    let card = world
        .intercom
        .canvas_initialize(
            &format!("{}/canvas/initialize", world.app),
            &conversation,
            admin,
        )
        .await
        .unwrap();
    // The case form needs the Case describe, which is not cached yet.
    let case_form = world
        .intercom
        .canvas_submit(
            &format!("{}/canvas/submit", world.app),
            &conversation,
            admin,
            "create_case",
            serde_json::Map::new(),
            card.response.clone().unwrap()["canvas"].clone(),
        )
        .await
        .unwrap();
    let host = world.salesforce.url().replace("http://", "");
    for verdict in [&card, &case_form] {
        assert!(verdict.is_valid(), "{:?}", verdict.problems);
        let shown: Vec<String> = of_type(&verdict.components(), "text")
            .iter()
            .map(|t| read(t["text"].as_str().unwrap()).0)
            .collect();
        assert_eq!(
            shown,
            [
                "Salesforce did not answer",
                "Salesforce did not answer in time. Try again in a moment."
            ]
        );
        let answer = verdict.response.as_ref().unwrap().to_string();
        for internal in [
            host.as_str(),
            "could not be reached",
            "request",
            "connection",
        ] {
            assert!(!answer.contains(internal), "{internal} shown: {answer}");
        }
    }
    let logged = String::from_utf8(logs.lock().clone()).unwrap();
    assert!(
        logged.contains("Canvas Kit card failed")
            && logged.contains("Salesforce could not be reached"),
        "the cause is logged: {logged}"
    );
    world.stop().await;
}
