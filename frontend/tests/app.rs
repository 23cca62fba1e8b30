//! The app shell and router in a real browser: the home page leads to Connections, and an
//! unknown path gets the not-found page inside the shell.

mod support;

use leptos::mount::mount_to;
use sfbridge_frontend::app::App;
use support::{container, text, wait_for, wait_for_testid};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Puts the test page at `path` (without loading anything) and gives back the path it had,
/// so the test can restore it for the runner.
fn visit(path: &str) -> String {
    let window = web_sys::window().unwrap();
    let before = window.location().pathname().unwrap();
    window
        .history()
        .unwrap()
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
    before
}

fn restore(path: &str) {
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
}

fn pathname() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

#[wasm_bindgen_test]
async fn an_unknown_path_shows_not_found_inside_the_shell() {
    let before = visit("/no/such/page");
    let root = container();
    let mounted = mount_to(root.clone(), App);

    let not_found = wait_for_testid(&root, "not-found").await;
    let shown = support::visible_text(&not_found);
    assert!(shown.contains("Page not found"), "{shown}");
    assert!(
        shown.contains("There is no page at /no/such/page."),
        "{shown}"
    );
    let brand = root.query_selector(".brand-name").unwrap().unwrap();
    assert_eq!(brand.text_content().unwrap(), "sfbridge");
    let back = not_found
        .query_selector("a[href=\"/connections\"]")
        .unwrap();
    assert!(back.is_some(), "{}", not_found.inner_html());

    drop(mounted);
    root.remove();
    restore(&before);
}

#[wasm_bindgen_test]
async fn the_home_page_leads_to_connections() {
    let before = visit("/");
    let root = container();
    let mounted = mount_to(root.clone(), App);

    wait_for(&root, "the redirect to /connections", || {
        (pathname() == "/connections").then_some(())
    })
    .await;
    // The page itself is mounted and has started loading; the runner's server has no API, so
    // it ends in the error panel. The nav marks the current page for readers and styles.
    wait_for_testid(&root, "connections-error").await;
    let heading = root.query_selector("h1").unwrap().unwrap();
    assert_eq!(heading.text_content().unwrap(), "Connections");
    assert!(
        root.query_selector(".nav-link[aria-current=\"page\"]")
            .unwrap()
            .is_some(),
        "{}",
        root.inner_html()
    );
    assert!(text(&root, "connections-refresh").contains("Refresh"));

    drop(mounted);
    root.remove();
    restore(&before);
}
