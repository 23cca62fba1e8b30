//! Waiting for something observable, with a deadline.

use std::future::Future;
use std::time::Duration;

use anyhow::{Result, bail};
use tokio::time::Instant;

/// How often a condition is looked at again.
const EVERY: Duration = Duration::from_millis(100);

/// Calls `check` until it returns `Some`, or fails after `within` naming `what` and the last
/// state `check` reported (its `Err`), so a failing test says what it saw.
pub async fn poll<T, F, Fut>(what: &str, within: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + within;
    let mut last = String::from("no answer yet");
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => last = format!("{error:#}"),
        }
        if Instant::now() >= deadline {
            bail!("gave up after {within:?} waiting for {what}; last seen: {last}");
        }
        tokio::time::sleep(EVERY).await;
    }
}
