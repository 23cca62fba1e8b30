//! Headless Chromium driven through chromedriver (WebDriver, via fantoccini).

use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;
use tempfile::TempDir;
use tokio::process::{Child, Command};

use crate::output::collect;
use crate::{paths, poll};

/// Chromium's binary and the flags it needs on a closed network; shared with the wasm tests.
const CAPABILITIES: &str = include_str!("../webdriver.json");
const DRIVER_START: Duration = Duration::from_secs(20);
/// How long a page gets to show what a test waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

/// One Chromium session with its own chromedriver and profile folder.
///
/// Dropping it (also while a test panics) deletes the WebDriver session, which makes
/// chromedriver quit Chromium, then kills chromedriver and removes the profile.
pub struct Browser {
    client: Option<Client>,
    session_url: String,
    // Fields drop in this order, after `Drop::drop` has ended the session.
    driver: Child,
    driver_output: Arc<Mutex<String>>,
    profile: TempDir,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        Self::start_with(None).await
    }

    /// A session whose `goto` returns at DOMContentLoaded rather than at the load event, so a
    /// benchmark can watch the page come up (WebDriver's `eager` page load strategy).
    pub async fn start_eager() -> Result<Self> {
        Self::start_with(Some("eager")).await
    }

    async fn start_with(page_load_strategy: Option<&str>) -> Result<Self> {
        let profile = tempfile::tempdir()?;
        let (driver, driver_url, driver_output) = start_chromedriver().await?;
        let mut capabilities = capabilities(profile.path())?;
        if let Some(strategy) = page_load_strategy {
            capabilities.insert("pageLoadStrategy".into(), Value::String(strategy.into()));
        }
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .with_context(|| {
                format!(
                    "chromedriver could not open a Chromium session\n--- chromedriver output ---\n{}",
                    driver_output.lock().expect("driver output")
                )
            })?;
        let session_id = client
            .session_id()
            .await?
            .context("chromedriver answered without a session id")?;
        Ok(Self {
            client: Some(client),
            session_url: format!("{driver_url}/session/{session_id}"),
            driver,
            driver_output,
            profile,
        })
    }

    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the session is open until close()")
    }

    /// The fresh Chromium profile folder of this session.
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client()
            .goto(url)
            .await
            .with_context(|| format!("cannot open {url}"))
    }

    /// Opens a sign-in link (`/signin?link=..&next=..`), presses its "Sign in" button (opening
    /// the link does not use it up) and waits until the page signed the browser in and moved on.
    pub async fn sign_in(&self, link: &str) -> Result<()> {
        self.goto(link).await?;
        self.click("signin-link-submit").await?;
        self.wait_for_path("to leave the sign-in page", |path| path != "/signin")
            .await
            .map(drop)
    }

    /// Waits until the address's path satisfies `want`; the path.
    pub async fn wait_for_path(&self, what: &str, want: impl Fn(&str) -> bool) -> Result<String> {
        poll(&format!("the address {what}"), PAGE_TIMEOUT, || async {
            let url = self.client().current_url().await?;
            if want(url.path()) {
                Ok(Some(url.path().to_owned()))
            } else {
                Err(anyhow::anyhow!(
                    "it is {url}; page text: {:?}",
                    self.page_text().await.unwrap_or_default()
                ))
            }
        })
        .await
    }

    /// Waits until an element matching `css` is on the page and its text satisfies `want`.
    pub async fn wait_for_text(
        &self,
        css: &str,
        what: &str,
        want: impl Fn(&str) -> bool,
    ) -> Result<String> {
        poll(&format!("`{css}` {what}"), PAGE_TIMEOUT, || async {
            match self.client().find(Locator::Css(css)).await {
                Ok(element) => {
                    let text = element.text().await?;
                    if want(&text) {
                        Ok(Some(text))
                    } else {
                        Err(anyhow::anyhow!("its text is {text:?}"))
                    }
                }
                Err(e) if e.is_no_such_element() => Err(anyhow::anyhow!(
                    "not there; page text: {:?}",
                    self.page_text().await.unwrap_or_default()
                )),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    /// Waits until the element `[data-testid=<testid>]` is on the page and enabled, then
    /// clicks it.
    pub async fn click(&self, testid: &str) -> Result<()> {
        let css = format!("[data-testid={testid}]");
        let element = poll(
            &format!("`{css}` to be there and enabled"),
            PAGE_TIMEOUT,
            || async {
                match self.client().find(Locator::Css(&css)).await {
                    Ok(element) if element.is_enabled().await? => Ok(Some(element)),
                    Ok(_) => Err(anyhow::anyhow!("it is disabled")),
                    Err(e) if e.is_no_such_element() => Err(anyhow::anyhow!(
                        "not there; page text: {:?}",
                        self.page_text().await.unwrap_or_default()
                    )),
                    Err(e) => Err(e.into()),
                }
            },
        )
        .await?;
        element
            .click()
            .await
            .with_context(|| format!("cannot click `{css}`"))
    }

    /// The visible text of the whole page, for failure messages.
    pub async fn page_text(&self) -> Result<String> {
        Ok(self
            .client()
            .find(Locator::Css("body"))
            .await?
            .text()
            .await?)
    }

    /// Ends the session and Chromium; prefer this at the end of a test, Drop is the safety net.
    pub async fn close(mut self) -> Result<()> {
        if let Some(client) = self.client.take() {
            client.close().await?;
        }
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- chromedriver output ---\n{}",
                self.driver_output
                    .lock()
                    .map(|o| o.clone())
                    .unwrap_or_default()
            );
        }
        if self.client.take().is_none() {
            return;
        }
        // The test's runtime may be unwinding, so end the session from a thread of our own with
        // its own runtime: chromedriver then quits Chromium before chromedriver itself is killed.
        let url = self.session_url.clone();
        let ended = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                reqwest::Client::new()
                    .delete(&url)
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await
                    .map(drop)
                    .map_err(std::io::Error::other)
            })
        })
        .join();
        if !matches!(ended, Ok(Ok(()))) {
            eprintln!("could not end the WebDriver session {}", self.session_url);
        }
        // Whatever happened, the chromedriver child is killed when `driver` drops.
        let _ = self.driver.start_kill();
    }
}

fn capabilities(profile: &Path) -> Result<serde_json::Map<String, Value>> {
    let mut capabilities: serde_json::Map<String, Value> =
        serde_json::from_str(CAPABILITIES).context("tests/webdriver.json is not valid JSON")?;
    let options = capabilities
        .get_mut("goog:chromeOptions")
        .and_then(Value::as_object_mut)
        .context("tests/webdriver.json has no goog:chromeOptions object")?;
    options.insert(
        "binary".into(),
        Value::String(paths::chromium().display().to_string()),
    );
    let args = options
        .get_mut("args")
        .and_then(Value::as_array_mut)
        .context("tests/webdriver.json has no goog:chromeOptions.args list")?;
    args.push(Value::String(format!(
        "--user-data-dir={}",
        profile.display()
    )));
    Ok(capabilities)
}

/// chromedriver on a free port, once it answers `/status` as ready.
async fn start_chromedriver() -> Result<(Child, String, Arc<Mutex<String>>)> {
    let binary = paths::chromedriver();
    if !binary.is_file() {
        bail!(
            "no chromedriver at {}: install Debian's chromium and chromium-driver \
             (`cargo xtask test` does), or point CHROMEDRIVER at one",
            binary.display()
        );
    }
    // A port picked by the OS can be taken again before chromedriver binds it: try a few.
    let mut failures = Vec::new();
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().expect("piped"), output.clone());
        collect(child.stderr.take().expect("piped"), output.clone());
        let url = format!("http://127.0.0.1:{port}");
        let ready = poll("chromedriver to be ready", DRIVER_START, || {
            let status_url = format!("{url}/status");
            let exited = child.try_wait();
            async move {
                if let Ok(Some(status)) = exited {
                    bail!("chromedriver exited ({status})");
                }
                let answer: Value = reqwest::get(&status_url).await?.json().await?;
                Ok(answer["value"]["ready"].as_bool().filter(|ready| *ready))
            }
        })
        .await;
        match ready {
            Ok(_) => return Ok((child, url, output)),
            Err(error) => failures.push(format!(
                "{error:#}\n{}",
                output.lock().expect("driver output")
            )),
        }
    }
    bail!("chromedriver did not start:\n{}", failures.join("\n"))
}

/// Chromium processes started with `profile` as their profile folder (Linux `/proc`).
pub fn chromium_processes_using(profile: &Path) -> Vec<u32> {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            cmdline
                .split(|b| *b == 0)
                .any(|arg| arg == needle.as_bytes())
                .then_some(pid)
        })
        .collect()
}
