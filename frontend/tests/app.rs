//! The bundles' apps and their shell in a real browser: the admin app's home page leads to
//! Connections, an unknown path gets the teammate app's not-found page inside the shell, and
//! the card and case apps show their page alone, for the conversation their address names.

mod support;

use leptos::mount::mount_to;
use sfbridge_frontend::admin::AdminApp;
use sfbridge_frontend::card::CardApp;
use sfbridge_frontend::case::CaseApp;
use sfbridge_frontend::teammate::TeammateApp;
use support::{container, pathname, restore, text, visit, wait_for, wait_for_testid};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn an_unknown_path_shows_not_found_inside_the_shell() {
    let before = visit("/no/such/page");
    let root = container();
    let mounted = mount_to(root.clone(), TeammateApp);

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
    let mounted = mount_to(root.clone(), AdminApp);

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

#[wasm_bindgen_test]
async fn the_card_page_shows_the_card_alone() {
    let before = visit("/card/215");
    let root = container();
    let mounted = mount_to(root.clone(), CardApp);

    // The runner's server has no API, so the card ends in its failure panel.
    wait_for_testid(&root, "card-error").await;
    assert!(root.query_selector(".card-page").unwrap().is_some());
    assert!(
        root.query_selector(".topbar").unwrap().is_none(),
        "no shell around the card: {}",
        root.inner_html()
    );
    let create_case = root
        .query_selector("[data-testid=card-create-case]")
        .unwrap();
    assert!(
        create_case.is_none(),
        "no card, no case link: {}",
        root.inner_html()
    );

    drop(mounted);
    root.remove();
    restore(&before);
}

#[wasm_bindgen_test]
async fn the_case_page_shows_the_form_alone_with_a_way_back_to_its_card() {
    let before = visit("/case/a%20b");
    let root = container();
    let mounted = mount_to(root.clone(), CaseApp);

    // The runner's server has no API, so the form ends in its failure panel.
    wait_for_testid(&root, "case-error").await;
    assert!(root.query_selector(".case-page").unwrap().is_some());
    assert!(root.query_selector(".topbar").unwrap().is_none());
    let back = root
        .query_selector("[data-testid=case-back]")
        .unwrap()
        .unwrap();
    // The id is decoded from the address and encoded again in the link.
    assert_eq!(back.get_attribute("href").as_deref(), Some("/card/a%20b"));
    assert_eq!(back.get_attribute("rel").as_deref(), Some("external"));

    drop(mounted);
    root.remove();
    restore(&before);
}

#[wasm_bindgen_test]
async fn a_card_address_without_one_conversation_is_not_found() {
    for path in ["/card/", "/card/215/more"] {
        let before = visit(path);
        let root = container();
        let mounted = mount_to(root.clone(), CardApp);

        let not_found = wait_for_testid(&root, "not-found").await;
        let shown = support::visible_text(&not_found);
        assert!(
            shown.contains(&format!("There is no page at {path}.")),
            "{shown}"
        );
        assert!(root.query_selector(".topbar").unwrap().is_none());

        drop(mounted);
        root.remove();
        restore(&before);
    }
}
