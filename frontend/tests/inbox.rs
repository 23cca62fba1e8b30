//! The demo inbox in a real browser: the conversation list and the transcript from given
//! data, and the whole page through its fetches. Selecting a conversation is in
//! `inbox_navigation.rs`.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use leptos::mount::mount_to;
use leptos::prelude::*;
use sfbridge_frontend::api::{CONVERSATIONS_PATH, conversation_url};
use sfbridge_frontend::inbox::{ConversationList, Transcript, conversation_href};
use sfbridge_frontend::teammate::TeammateApp;
use shared::inbox::{
    Author, AuthorKind, ContactRef, Conversation, ConversationState, ConversationSummary, Part,
};
use support::{
    all_by_testid, attr, by_testid, container, maybe_by_testid, requests_to, restore, text, visit,
    wait_for, wait_for_testid,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn contact(name: Option<&str>, email: Option<&str>) -> Option<ContactRef> {
    Some(ContactRef {
        id: "ic-1".into(),
        name: name.map(Into::into),
        email: email.map(Into::into),
        role: "user".into(),
    })
}

fn summary(
    id: &str,
    contact: Option<ContactRef>,
    state: ConversationState,
    preview: &str,
    minutes_ago: i64,
) -> ConversationSummary {
    ConversationSummary {
        id: id.into(),
        title: None,
        contact,
        state,
        preview: preview.into(),
        updated_at: now() - Duration::minutes(minutes_ago),
    }
}

/// Newest first: a named contact, a lead known only by email, and a conversation with nobody.
fn three_conversations() -> Vec<ConversationSummary> {
    let mut titled = summary(
        "102",
        contact(None, Some("sam@globex.example")),
        ConversationState::Snoozed,
        "Can I get a quote?",
        90,
    );
    titled.title = Some("Pricing question".into());
    vec![
        summary(
            "101",
            contact(Some("Jane Doe"), Some("jane@acme.example")),
            ConversationState::Open,
            "Our invoice looks wrong",
            5,
        ),
        titled,
        summary(
            "103",
            None,
            ConversationState::Closed,
            "Outbound note",
            3 * 24 * 60,
        ),
    ]
}

/// The text of the part of `element` with this class, or "" when it has none.
fn piece(element: &Element, class: &str) -> String {
    element
        .query_selector(&format!(".{class}"))
        .unwrap()
        .map(|part| support::visible_text(&part))
        .unwrap_or_default()
}

fn mount_list(selected: Signal<Option<String>>) -> (HtmlElement, impl Drop) {
    let root = container();
    let mounted = mount_to(root.clone(), move || {
        view! { <ConversationList conversations=three_conversations() selected=selected now=now() /> }
    });
    (root, mounted)
}

#[wasm_bindgen_test]
fn the_list_shows_who_what_and_the_state() {
    let (root, _mounted) = mount_list(Signal::stored(Some("102".into())));

    let list = by_testid(&root, "conversation-list");
    let items = all_by_testid(&list, "conversation-item");
    let ids: Vec<_> = items.iter().map(|i| attr(i, "data-id")).collect();
    assert_eq!(ids, ["101", "102", "103"]);
    let hrefs: Vec<_> = items.iter().map(|i| attr(i, "href")).collect();
    assert_eq!(hrefs, ["/inbox/101", "/inbox/102", "/inbox/103"]);

    let pieces: Vec<_> = items
        .iter()
        .map(|item| {
            [
                "conversation-contact",
                "conversation-time",
                "conversation-title",
                "conversation-preview",
            ]
            .map(|class| piece(item, class))
        })
        .collect();
    assert_eq!(
        pieces[0],
        ["Jane Doe", "5 minutes ago", "", "Our invoice looks wrong"]
    );
    assert_eq!(
        pieces[1],
        [
            "sam@globex.example",
            "2 hours ago",
            "Pricing question",
            "Can I get a quote?"
        ]
    );
    assert_eq!(pieces[2], ["No contact", "3 days ago", "", "Outbound note"]);
    let states: Vec<_> = items
        .iter()
        .map(|i| {
            let badge = i.query_selector("[data-state]").unwrap().unwrap();
            (attr(&badge, "data-state"), support::visible_text(&badge))
        })
        .collect();
    assert_eq!(
        states,
        [
            ("open".to_owned(), "Open".to_owned()),
            ("snoozed".to_owned(), "Snoozed".to_owned()),
            ("closed".to_owned(), "Closed".to_owned())
        ]
    );

    let current: Vec<_> = items
        .iter()
        .map(|i| i.get_attribute("aria-current"))
        .collect();
    assert_eq!(current, [None, Some("page".into()), None]);

    root.remove();
}

#[wasm_bindgen_test]
async fn the_mark_follows_the_selection() {
    let selected = RwSignal::new(None::<String>);
    let (root, _mounted) = mount_list(selected.into());
    let marked = || {
        all_by_testid(&root, "conversation-item")
            .iter()
            .filter(|i| i.get_attribute("aria-current").as_deref() == Some("page"))
            .map(|i| attr(i, "data-id"))
            .collect::<Vec<_>>()
    };
    assert!(marked().is_empty());
    for id in ["103", "101"] {
        selected.set(Some(id.into()));
        // Leptos updates the page in a task of its own, after the change.
        wait_for(&root, &format!("{id} to be marked"), || {
            (marked() == [id]).then_some(())
        })
        .await;
    }
    root.remove();
}

#[wasm_bindgen_test]
fn an_empty_workspace_says_so() {
    let root = container();
    let _mounted = mount_to(root.clone(), || {
        view! { <ConversationList conversations=vec![] selected=Signal::stored(None::<String>) now=now() /> }
    });
    assert_eq!(
        text(&root, "conversation-list-empty"),
        "No conversations in this workspace yet."
    );
    assert!(maybe_by_testid(&root, "conversation-list").is_none());
    root.remove();
}

#[wasm_bindgen_test]
fn ids_are_encoded_in_the_address() {
    assert_eq!(conversation_href("215"), "/inbox/215");
    assert_eq!(conversation_href("a b/c"), "/inbox/a%20b%2Fc");
    assert_eq!(
        conversation_url("a b/c"),
        "/api/inbox/conversations/a%20b%2Fc"
    );
}

fn part(id: &str, kind: AuthorKind, name: Option<&str>, body: &str, minutes_ago: i64) -> Part {
    Part {
        id: id.into(),
        author: Author {
            kind,
            name: name.map(Into::into),
        },
        body: body.into(),
        created_at: now() - Duration::minutes(minutes_ago),
    }
}

fn conversation() -> Conversation {
    Conversation {
        id: "101".into(),
        title: Some("Invoice".into()),
        contact: contact(Some("Jane Doe"), Some("jane@acme.example")),
        state: ConversationState::Open,
        parts: vec![
            part(
                "p1",
                AuthorKind::Contact,
                Some("Jane Doe"),
                "Hello,\nour invoice looks wrong.\n\nThanks",
                30,
            ),
            part(
                "p2",
                AuthorKind::Bot,
                None,
                "A teammate will reply soon.",
                29,
            ),
            part(
                "p3",
                AuthorKind::Teammate,
                Some("Alice Admin"),
                "Looking into it now.",
                2,
            ),
        ],
    }
}

#[wasm_bindgen_test]
fn the_transcript_names_authors_and_keeps_line_breaks() {
    let root = container();
    let _mounted = mount_to(root.clone(), || {
        view! { <Transcript conversation=conversation() now=now() /> }
    });

    let transcript = by_testid(&root, "transcript");
    assert_eq!(attr(&transcript, "data-conversation-id"), "101");
    let parts = all_by_testid(&transcript, "transcript-part");
    let kinds: Vec<_> = parts.iter().map(|p| attr(p, "data-author-kind")).collect();
    assert_eq!(kinds, ["contact", "bot", "teammate"]);
    let meta: Vec<_> = parts
        .iter()
        .map(|p| {
            ["transcript-author", "transcript-kind", "transcript-time"].map(|class| piece(p, class))
        })
        .collect();
    assert_eq!(
        meta,
        [
            ["Jane Doe", "Customer", "30 minutes ago"],
            ["Bot", "", "29 minutes ago"],
            ["Alice Admin", "Teammate", "2 minutes ago"]
        ]
    );
    // The text as the reader sees it, line breaks and the blank line included.
    let body = parts[0]
        .query_selector(".transcript-body")
        .unwrap()
        .unwrap();
    assert_eq!(
        body.unchecked_ref::<HtmlElement>().inner_text(),
        "Hello,\nour invoice looks wrong.\n\nThanks"
    );
    let time = parts[2].query_selector("time").unwrap().unwrap();
    assert_eq!(attr(&time, "title"), "2026-11-21 11:58 UTC");

    let page = support::visible_text(&root);
    assert!(
        page.starts_with("Jane Doe jane@acme.example Invoice Open"),
        "{page}"
    );
    assert!(maybe_by_testid(&root, "transcript-empty").is_none());

    root.remove();
}

#[wasm_bindgen_test]
fn a_conversation_without_messages_says_so() {
    let root = container();
    let mut empty = conversation();
    empty.parts.clear();
    empty.contact = contact(None, Some("sam@globex.example"));
    let _mounted = mount_to(root.clone(), move || {
        view! { <Transcript conversation=empty now=now() /> }
    });
    assert!(all_by_testid(&root, "transcript-part").is_empty());
    assert_eq!(text(&root, "transcript-empty"), "No messages yet.");
    // Known only by email: the email is the name, and is not repeated under it.
    assert_eq!(
        support::visible_text(&root)
            .matches("sam@globex.example")
            .count(),
        1
    );
    root.remove();
}

/// The whole page through the router and its own fetches. The test runner's web server has no
/// API and answers 404 without our error body, so each column ends in its failure panel; the
/// success path against the real back end is covered by the browser tests in `tests/`.
#[wasm_bindgen_test]
async fn the_inbox_page_loads_the_list_the_transcript_and_the_card() {
    let before = visit("/inbox/77");
    let root = container();
    let mounted = mount_to(root.clone(), TeammateApp);

    let list_error = wait_for_testid(&root, "conversation-list-error").await;
    assert!(support::visible_text(&list_error).starts_with("Could not load the conversations"));
    let transcript_error = wait_for_testid(&root, "transcript-error").await;
    assert!(
        support::visible_text(&transcript_error).starts_with("Could not load the conversation")
    );
    let card_error = wait_for_testid(&root, "card-error").await;
    assert_eq!(attr(&card_error, "data-status"), "404");
    assert!(requests_to(CONVERSATIONS_PATH) >= 1);
    assert!(requests_to(&conversation_url("77")) >= 1);
    assert!(requests_to("/api/card?conversation_id=77") >= 1);

    // Another conversation, as the Back and Forward buttons choose one: the transcript and the
    // card follow, the list stays as it is, without asking the server again.
    let lists_asked = requests_to(CONVERSATIONS_PATH);
    support::go_back_or_forward_to("/inbox/78");
    wait_for(&root, "the transcript and card of conversation 78", || {
        (requests_to(&conversation_url("78")) >= 1
            && requests_to("/api/card?conversation_id=78") >= 1)
            .then_some(())
    })
    .await;
    wait_for_testid(&root, "transcript-error").await;
    assert_eq!(requests_to(CONVERSATIONS_PATH), lists_asked);
    assert!(
        by_testid(&root, "conversation-list-error").is_same_node(Some(&list_error)),
        "the list was drawn again"
    );

    let inbox_link = root
        .query_selector(".nav-link[aria-current=\"page\"]")
        .unwrap()
        .unwrap();
    assert_eq!(support::visible_text(&inbox_link), "Inbox");
    assert_eq!(attr(&inbox_link, "href"), "/inbox");

    drop(mounted);
    root.remove();
    restore(&before);
}

#[wasm_bindgen_test]
async fn the_inbox_without_a_selection_asks_for_one() {
    let before = visit("/inbox");
    let root = container();
    let mounted = mount_to(root.clone(), TeammateApp);

    let hint = wait_for_testid(&root, "inbox-no-selection").await;
    assert!(support::visible_text(&hint).starts_with("Choose a conversation"));
    wait_for_testid(&root, "conversation-list-error").await;
    assert!(maybe_by_testid(&root, "transcript").is_none());
    assert!(maybe_by_testid(&root, "card-loading").is_none());
    assert!(maybe_by_testid(&root, "card-error").is_none());

    drop(mounted);
    root.remove();
    restore(&before);
}
