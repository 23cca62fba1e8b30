//! Time to a usable card in headless Chromium on the demo: from the navigation's start to the
//! card's owner text on screen, at `/card/:conversation_id` (the page an inbox's side panel
//! loads).
//!
//! - cold: a fresh browser profile for every load, so the HTML, JS and wasm are downloaded
//!   and compiled each time;
//! - warm: the same browser loading the page again (its HTTP and compiled-wasm caches).
//!
//! Each browser is signed in first without loading any page's bundle (a sign-in link's token
//! redeemed by `fetch` from the icon's address), so a cold load downloads all the card page
//! needs. The server's card is warmed once before timing, so the figures are the page's own;
//! what a cold card costs at the server is `cargo bench -p sfbridge --bench card`.
//!
//! Run: `cargo xtask test --only tools,frontend,server` once (the pages, the `sfbridge`
//! binary, Chromium), then `cargo bench -p sfbridge-tests --bench card_page`.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use sfbridge_tests::{Browser, Sfbridge, paths};
use shared::card::CardView;
use shared::inbox::ConversationList;

const SAMPLES: usize = 7;

/// Resolves with `performance.now()` (milliseconds since the navigation started) when the
/// owner's name is on screen, or -1 when it already was as the script started (too late to
/// time that load).
/// Redeems a sign-in link's token (the first argument) as the sign-in page would; resolves
/// with the answer's status.
const REDEEM: &str = r#"
const [token, done] = arguments;
fetch('/auth/link', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
  body: JSON.stringify({ token }),
}).then((answer) => done(answer.status), (error) => done(String(error)));
"#;

const WATCH_OWNER: &str = r#"
const done = arguments[arguments.length - 1];
const shown = () => {
  const owner = document.querySelector('[data-testid=card-owner]');
  return owner !== null && owner.textContent.trim() !== '';
};
if (shown()) { done(-1); return; }
const observer = new MutationObserver(() => {
  if (shown()) { observer.disconnect(); done(performance.now()); }
});
observer.observe(document, { subtree: true, childList: true, characterData: true });
"#;

#[tokio::main]
async fn main() -> Result<()> {
    paths::built_dist_dir()?;
    let server = Sfbridge::demo().await?;
    server.demo_credentials().await?;
    let conversation = conversation_with_owner(&server).await?;
    let url = server.url(&format!("/card/{conversation}"));
    println!(
        "card page: {url} (server: {})",
        paths::sfbridge_bin()?.display()
    );

    let mut cold = Vec::new();
    while cold.len() < SAMPLES {
        let browser = Browser::start_eager().await?;
        sign_in(&browser, &server).await?;
        if let Some(ms) = time_load(&browser, &url).await? {
            cold.push(ms);
        }
        browser.close().await?;
    }
    let browser = Browser::start_eager().await?;
    sign_in(&browser, &server).await?;
    time_load(&browser, &url).await?;
    let mut warm = Vec::new();
    while warm.len() < SAMPLES {
        if let Some(ms) = time_load(&browser, &url).await? {
            warm.push(ms);
        }
    }
    browser.close().await?;
    server.terminate().await?;

    println!("time to the card's owner text, ms ({SAMPLES} loads each):");
    for (name, samples) in [("cold", &mut cold), ("warm", &mut warm)] {
        samples.sort_by(f64::total_cmp);
        println!(
            "  {name}: p50 {:.0}  min {:.0}  max {:.0}",
            samples[samples.len() / 2],
            samples[0],
            samples[samples.len() - 1]
        );
    }
    Ok(())
}

/// Signs `browser` in as the demo's admin without opening a page of the app.
async fn sign_in(browser: &Browser, server: &Sfbridge) -> Result<()> {
    let link = reqwest::Url::parse(&server.admin_link("/").await?)?;
    let token = link
        .query_pairs()
        .find(|(name, _)| name == "link")
        .map(|(_, token)| token.into_owned())
        .context("the sign-in link carries no token")?;
    browser.goto(&server.url("/favicon.svg")).await?;
    let status = browser
        .client()
        .execute_async(REDEEM, vec![token.into()])
        .await?;
    if status.as_u64() != Some(200) {
        bail!("redeeming the sign-in link answered {status}");
    }
    Ok(())
}

/// One navigation to `url`; `None` when the card was on screen before it could be watched.
async fn time_load(browser: &Browser, url: &str) -> Result<Option<f64>> {
    browser.goto(url).await?;
    let shown = tokio::time::timeout(
        Duration::from_secs(30),
        browser.client().execute_async(WATCH_OWNER, vec![]),
    )
    .await
    .context("the card's owner did not show within 30 s")??;
    let ms = shown
        .as_f64()
        .context("the watch script answered no time")?;
    Ok((ms >= 0.0).then_some(ms))
}

/// A demo conversation whose card names an owner (asking for it warms the server's card).
async fn conversation_with_owner(server: &Sfbridge) -> Result<String> {
    let list: ConversationList = server.get_json("/api/inbox/conversations").await?;
    for conversation in list.conversations {
        let card: CardView = server
            .get_json(&format!("/api/card?conversation_id={}", conversation.id))
            .await?;
        if let CardView::Found(card) = card
            && card.owner.is_some()
        {
            return Ok(conversation.id);
        }
    }
    bail!("no demo conversation's card names an owner")
}
