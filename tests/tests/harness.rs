//! The browser harness itself: a session opens, reads a page, and leaves no Chromium behind.

use std::time::Duration;

use sfbridge_tests::browser::chromium_processes_using;
use sfbridge_tests::{Browser, poll};

/// A page that needs no server: the harness is checked apart from sfbridge.
const PAGE: &str = "data:text/html,<main><p data-testid=greeting>harness ok</p></main>";

#[tokio::test]
async fn a_session_reads_a_page_and_dropping_it_ends_chromium() {
    let browser = Browser::start().await.unwrap();
    browser.goto(PAGE).await.unwrap();
    let text = browser
        .wait_for_text("[data-testid=greeting]", "to greet", |t| !t.is_empty())
        .await
        .unwrap();
    assert_eq!(text, "harness ok");

    let profile = browser.profile_dir().to_path_buf();
    assert!(
        !chromium_processes_using(&profile).is_empty(),
        "Chromium runs with the session's own profile folder"
    );
    // Drop, not close(): the path a panicking test takes.
    drop(browser);
    poll(
        "Chromium to quit after the session was dropped",
        Duration::from_secs(10),
        || {
            let left = chromium_processes_using(&profile);
            async move {
                if left.is_empty() {
                    Ok(Some(()))
                } else {
                    Err(anyhow::anyhow!("still running: {left:?}"))
                }
            }
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn close_ends_the_session() {
    let browser = Browser::start().await.unwrap();
    let profile = browser.profile_dir().to_path_buf();
    browser.close().await.unwrap();
    assert!(
        chromium_processes_using(&profile).is_empty(),
        "close() returns once chromedriver has quit Chromium"
    );
}
