//! Selecting a conversation in the demo inbox goes to its address through the router.
//!
//! A test binary of its own: a router mounted by an earlier test in the same page can outlive
//! its test (its tasks keep its owner alive) and still catch link clicks, so this test shares
//! the page with no other router.

mod support;

use chrono::{TimeZone, Utc};
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;
use sfbridge_frontend::inbox::ConversationList;
use shared::inbox::{ContactRef, ConversationState, ConversationSummary};
use support::{all_by_testid, attr, click, container, pathname, restore, visit, wait_for};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn conversations() -> Vec<ConversationSummary> {
    ["101", "102"]
        .map(|id| ConversationSummary {
            id: id.into(),
            title: None,
            contact: Some(ContactRef {
                id: format!("contact-{id}"),
                name: Some(format!("Customer {id}")),
                email: None,
                role: "user".into(),
            }),
            state: ConversationState::Open,
            preview: "Hello".into(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
        })
        .into()
}

/// The list under a router whose one route reads the selection from the address, as the
/// inbox page does.
fn routed_list() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=|| "no route">
                <Route
                    path=path!("/inbox/:conversation_id?")
                    view=|| {
                        let params = use_params_map();
                        let selected = Signal::derive(move || params.read().get("conversation_id"));
                        view! {
                            <ConversationList
                                conversations=conversations()
                                selected=selected
                                now=sfbridge_frontend::clock::now()
                            />
                        }
                    }
                />
            </Routes>
        </Router>
    }
}

fn marked(root: &web_sys::Element) -> Option<String> {
    all_by_testid(root, "conversation-item")
        .into_iter()
        .find(|item| item.get_attribute("aria-current").as_deref() == Some("page"))
        .map(|item| attr(&item, "data-id"))
}

#[wasm_bindgen_test]
async fn selecting_a_conversation_goes_to_its_address() {
    let before = visit("/inbox");
    let root = container();
    let mounted = mount_to(root.clone(), routed_list);

    let second = wait_for(&root, "the list", || {
        all_by_testid(&root, "conversation-item").into_iter().nth(1)
    })
    .await;
    assert_eq!(marked(&root), None);
    click(&second);
    wait_for(&root, "the address of conversation 102", || {
        (pathname() == "/inbox/102").then_some(())
    })
    .await;
    wait_for(&root, "conversation 102 to be marked", || {
        (marked(&root).as_deref() == Some("102")).then_some(())
    })
    .await;

    drop(mounted);
    root.remove();
    restore(&before);
}
