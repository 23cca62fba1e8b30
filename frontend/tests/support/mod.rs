//! DOM helpers shared by the browser tests: a fresh container per test, queries by
//! `data-testid`, and waiting for the page to reach a state with a bounded deadline.

#![allow(dead_code)] // each test binary uses a different subset

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlSelectElement};

/// How long a test waits for the page to change before it fails.
const DEADLINE_MS: f64 = 5_000.0;

/// A new `<div>` at the end of `<body>` for one test to mount into.
pub fn container() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn selector(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

/// The element with this test id; panics with the container's HTML when it is missing.
pub fn by_testid(root: &Element, testid: &str) -> Element {
    root.query_selector(&selector(testid))
        .unwrap()
        .unwrap_or_else(|| panic!("no [data-testid={testid}] in {}", root.inner_html()))
}

pub fn maybe_by_testid(root: &Element, testid: &str) -> Option<Element> {
    root.query_selector(&selector(testid)).unwrap()
}

pub fn all_by_testid(root: &Element, testid: &str) -> Vec<Element> {
    let list = root.query_selector_all(&selector(testid)).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

/// Text of the element with this test id as a reader sees it (block elements on their own
/// lines, so "Last error" and the message do not run together), whitespace collapsed.
pub fn text(root: &Element, testid: &str) -> String {
    visible_text(&by_testid(root, testid))
}

pub fn visible_text(element: &Element) -> String {
    normalise(&element.unchecked_ref::<HtmlElement>().inner_text())
}

pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lets the browser run timers, fetches and Leptos' scheduled work.
async fn next_turn() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits until `check` gives a value, failing after [`DEADLINE_MS`] with `what` and the HTML.
pub async fn wait_for<T>(root: &Element, what: &str, check: impl Fn() -> Option<T>) -> T {
    let deadline = js_sys::Date::now() + DEADLINE_MS;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            js_sys::Date::now() < deadline,
            "timed out waiting for {what}; page: {}",
            root.inner_html()
        );
        next_turn().await;
    }
}

/// Waits for the element with this test id to appear.
pub async fn wait_for_testid(root: &Element, testid: &str) -> Element {
    wait_for(root, testid, || maybe_by_testid(root, testid)).await
}

/// Clicks the element as a reader would.
pub fn click(element: &Element) {
    element.unchecked_ref::<HtmlElement>().click();
}

/// Picks `value` in a `<select>` and fires the `change` event the page listens for
/// (bubbling, as Leptos listens on the document).
pub fn choose(select: &Element, value: &str) {
    select.unchecked_ref::<HtmlSelectElement>().set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    let change = Event::new_with_event_init_dict("change", &init).unwrap();
    select.dispatch_event(&change).unwrap();
}

/// An attribute that must be there.
pub fn attr(element: &Element, name: &str) -> String {
    element
        .get_attribute(name)
        .unwrap_or_else(|| panic!("no {name} on {}", element.outer_html()))
}

/// How many requests this page has made to `path` (with its query), from the browser's own
/// resource timing records.
pub fn requests_to(path: &str) -> u32 {
    let window = web_sys::window().unwrap();
    let url = format!("{}{path}", window.location().origin().unwrap());
    window
        .performance()
        .unwrap()
        .get_entries_by_name(&url)
        .length()
}

/// Puts the test page at `path` (without loading anything) and gives back the path it had,
/// so the test can restore it for the runner.
pub fn visit(path: &str) -> String {
    let window = web_sys::window().unwrap();
    let before = window.location().pathname().unwrap();
    window
        .history()
        .unwrap()
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
    before
}

pub fn restore(path: &str) {
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
}

pub fn pathname() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

/// Moves the page to `path` the way the Back and Forward buttons do: the address changes and
/// the router hears `popstate`.
pub fn go_back_or_forward_to(path: &str) {
    visit(path);
    let popstate = Event::new("popstate").unwrap();
    web_sys::window()
        .unwrap()
        .dispatch_event(&popstate)
        .unwrap();
}
