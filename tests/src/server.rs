//! The real `sfbridge` binary as a child process.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::output::collect;
use crate::paths;

/// The prefix of the line the server prints once it accepts connections.
const LISTENING: &str = "sfbridge listening on ";
/// Starting includes migrations and, in demo mode, seeding the simulators.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Where `demo()` asks the demo to write its URLs and tokens.
const CREDENTIALS_FILE: &str = "credentials.json";

/// What `sfbridge demo --credentials-json` writes.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DemoCredentials {
    pub app: String,
    /// A one-time link signing a browser in as the demo's admin.
    pub admin_sign_in: String,
    pub salesforce: ServiceCredentials,
    pub intercom: ServiceCredentials,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ServiceCredentials {
    pub url: String,
    pub access_token: String,
    pub client_secret: Option<String>,
}

/// A running `sfbridge`, killed when dropped; its data folder is removed after it.
pub struct Sfbridge {
    base_url: String,
    stderr: Arc<Mutex<String>>,
    /// Every line printed on stdout after the listening line.
    stdout: Arc<Mutex<Vec<String>>>,
    /// Signed in as the demo's admin, once asked for.
    admin: tokio::sync::OnceCell<reqwest::Client>,
    stderr_read: JoinHandle<()>,
    child: Child,
    /// `None` only once [`Sfbridge::kill`] or [`Sfbridge::stop`] handed it back.
    data_dir: Option<TempDir>,
}

impl Sfbridge {
    /// `sfbridge serve` on 127.0.0.1:0 with a fresh SQLite database and a random key.
    pub async fn serve() -> Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut cmd = Command::new(paths::sfbridge_bin()?);
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--database-url")
            .arg(format!(
                "sqlite://{}",
                data_dir.path().join("sfbridge.db").display()
            ))
            .arg("--static-dir")
            .arg(paths::dist_dir())
            .env("SFBRIDGE_SECRET_KEY", random_key());
        Self::start(cmd, data_dir).await
    }

    /// `sfbridge serve` on 127.0.0.1:0 with a fresh SQLite database, a random key and these
    /// extra `SFBRIDGE_*` settings (the simulators as Intercom and Salesforce, say).
    pub async fn serve_with(settings: &[(&str, String)]) -> Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut cmd = Command::new(paths::sfbridge_bin()?);
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--database-url")
            .arg(format!(
                "sqlite://{}",
                data_dir.path().join("sfbridge.db").display()
            ))
            .arg("--static-dir")
            .arg(paths::dist_dir())
            .env("SFBRIDGE_SECRET_KEY", random_key());
        for (key, value) in settings {
            cmd.env(key, value);
        }
        Self::start(cmd, data_dir).await
    }

    /// `sfbridge serve` on 127.0.0.1:0 with the database `database_url` (which others may share:
    /// several processes on one database), the base64 secret `key` and these extra `SFBRIDGE_*`
    /// settings.
    pub async fn serve_on(
        database_url: &str,
        key: &str,
        settings: &[(&str, String)],
    ) -> Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut cmd = Command::new(paths::sfbridge_bin()?);
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--database-url")
            .arg(database_url)
            .arg("--static-dir")
            .arg(paths::dist_dir())
            .env("SFBRIDGE_SECRET_KEY", key);
        for (key, value) in settings {
            cmd.env(key, value);
        }
        Self::start(cmd, data_dir).await
    }

    /// `sfbridge serve` on `listen` with the SQLite database `sfbridge.db` in `data_dir` (which
    /// may hold one already, from [`Sfbridge::kill`]) and the base64 secret `key`.
    pub async fn serve_in(data_dir: TempDir, listen: &str, key: &str) -> Result<Self> {
        let mut cmd = Command::new(paths::sfbridge_bin()?);
        cmd.arg("serve")
            .arg("--listen")
            .arg(listen)
            .arg("--database-url")
            .arg(format!(
                "sqlite://{}",
                data_dir.path().join("sfbridge.db").display()
            ))
            .arg("--static-dir")
            .arg(paths::dist_dir())
            .env("SFBRIDGE_SECRET_KEY", key);
        Self::start(cmd, data_dir).await
    }

    /// `sfbridge demo` with every port 0 and a fresh data folder: the app, a simulated
    /// Salesforce org and Intercom workspace, seeded.
    pub async fn demo() -> Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut cmd = Command::new(paths::sfbridge_bin()?);
        cmd.arg("demo")
            .args([
                "--port",
                "0",
                "--salesforce-port",
                "0",
                "--intercom-port",
                "0",
            ])
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--credentials-json")
            .arg(data_dir.path().join(CREDENTIALS_FILE))
            .arg("--static-dir")
            .arg(paths::dist_dir());
        Self::start(cmd, data_dir).await
    }

    /// The demo's URLs and tokens, once it has connected everything and written them.
    pub async fn demo_credentials(&self) -> Result<DemoCredentials> {
        let path = self.data_dir().join(CREDENTIALS_FILE);
        crate::poll("the demo's credentials file", START_TIMEOUT, || async {
            let text = std::fs::read_to_string(&path)?;
            Ok(Some(serde_json::from_str::<DemoCredentials>(&text)?))
        })
        .await
    }

    async fn start(mut cmd: Command, data_dir: TempDir) -> Result<Self> {
        isolate_env(cmd.as_std_mut());
        cmd.current_dir(data_dir.path())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start {:?}", cmd.as_std().get_program()))?;
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_read = collect(
            child.stderr.take().expect("stderr is piped"),
            stderr.clone(),
        );
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();

        let announced = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = stdout.next_line().await? {
                if let Some(url) = line.strip_prefix(LISTENING) {
                    return Ok(Some(url.trim().to_string()));
                }
            }
            Ok::<_, std::io::Error>(None)
        })
        .await;
        let base_url = match announced {
            Ok(Ok(Some(url))) => url,
            outcome => {
                let why = match outcome {
                    Err(_) => {
                        format!("it printed no `{LISTENING}..` line within {START_TIMEOUT:?}")
                    }
                    Ok(Err(e)) => format!("reading its stdout failed: {e}"),
                    Ok(Ok(_)) => {
                        match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
                            Ok(Ok(status)) => format!("it exited ({status}) before listening"),
                            _ => "it closed stdout before listening".to_string(),
                        }
                    }
                };
                // Let the reader catch the last lines (it ends when the child closes stderr).
                let _ = child.start_kill();
                let _ = tokio::time::timeout(Duration::from_secs(5), stderr_read).await;
                bail!(
                    "sfbridge did not start: {why}\n--- sfbridge stderr ---\n{}",
                    stderr.lock().expect("stderr buffer").as_str()
                );
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe; keep the lines.
        let printed = Arc::new(Mutex::new(Vec::new()));
        let keep = printed.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                keep.lock().expect("stdout lines").push(line);
            }
        });
        Ok(Self {
            base_url,
            stderr,
            stdout: printed,
            admin: tokio::sync::OnceCell::new(),
            stderr_read,
            child,
            data_dir: Some(data_dir),
        })
    }

    /// `http://127.0.0.1:<port>`, as the server announced it.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The first line printed on stdout that starts with `prefix`, once it is there; the rest
    /// of the line.
    pub async fn printed(&self, prefix: &str) -> Result<String> {
        crate::poll(
            &format!("a `{prefix}` line on stdout"),
            START_TIMEOUT,
            || async {
                Ok(self
                    .stdout
                    .lock()
                    .expect("stdout lines")
                    .iter()
                    .find_map(|l| l.strip_prefix(prefix).map(|rest| rest.trim().to_owned())))
            },
        )
        .await
    }

    /// A client signed in as the demo's admin (through the demo's own sign-in link).
    pub async fn admin(&self) -> Result<&reqwest::Client> {
        self.admin
            .get_or_try_init(|| async {
                let credentials = self.demo_credentials().await?;
                sfbridge::demo::signed_in_client(&self.base_url, &credentials.admin_sign_in).await
            })
            .await
    }

    /// A fresh one-time sign-in link for the demo's teammate `teammate_id` (made by the admin)
    /// that lands on `next`.
    pub async fn sign_in_link(&self, teammate_id: &str, next: &str) -> Result<String> {
        let made: serde_json::Value = self
            .admin()
            .await?
            .post(self.url("/api/admin/sign-in-links"))
            .json(&serde_json::json!({ "teammate_id": teammate_id }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let url = made["url"]
            .as_str()
            .context("the sign-in link answer has no url")?;
        Ok(format!("{url}&next={next}"))
    }

    /// A sign-in link for the demo's admin landing on `next`.
    pub async fn admin_link(&self, next: &str) -> Result<String> {
        let admin = sim::intercom::demo::TEAMMATES[0].0.to_string();
        self.sign_in_link(&admin, next).await
    }

    /// Everything the server wrote to stderr so far (its logs).
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr buffer").clone()
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.as_ref().expect("kept until stopped").path()
    }

    /// Kills the server with SIGKILL, as a crash would: no shutdown, no last writes. Returns
    /// its data folder, kept, to start it again on the same database.
    pub async fn kill(mut self) -> Result<TempDir> {
        self.child.start_kill()?;
        tokio::time::timeout(START_TIMEOUT, self.child.wait())
            .await
            .context("sfbridge did not die of SIGKILL")??;
        Ok(self.data_dir.take().expect("kept until killed"))
    }

    /// Sends SIGTERM, as a service manager would, and waits (bounded) for the server to exit.
    /// Returns how it exited and everything it wrote to stderr.
    pub async fn terminate(mut self) -> Result<(std::process::ExitStatus, String)> {
        let status = self.sigterm().await?;
        Ok((status, self.stderr()))
    }

    /// [`Sfbridge::terminate`], keeping the data folder to start it again on the same database.
    pub async fn stop(mut self) -> Result<(std::process::ExitStatus, String, TempDir)> {
        let status = self.sigterm().await?;
        let data_dir = self.data_dir.take().expect("kept until stopped");
        Ok((status, self.stderr(), data_dir))
    }

    async fn sigterm(&mut self) -> Result<std::process::ExitStatus> {
        let pid = self.child.id().context("sfbridge has already exited")?;
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await?;
        if !sent.success() {
            bail!("kill -TERM {pid} failed ({sent})");
        }
        let status = tokio::time::timeout(START_TIMEOUT, self.child.wait())
            .await
            .with_context(|| {
                format!("sfbridge did not exit within {START_TIMEOUT:?} of SIGTERM")
            })??;
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.stderr_read).await;
        Ok(status)
    }

    /// GET `path` as the demo's admin and parse the JSON answer, failing on a non-2xx status.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        let response = self.admin().await?.get(self.url(path)).send().await?;
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            bail!("GET {path}: {status}: {body}");
        }
        serde_json::from_str(&body).with_context(|| format!("GET {path}: unexpected JSON: {body}"))
    }
}

impl Drop for Sfbridge {
    fn drop(&mut self) {
        // The test output then shows the server's side of a failure.
        if std::thread::panicking() {
            eprintln!("--- sfbridge stderr ---\n{}", self.stderr());
        }
    }
}

/// Keeps the test runner's own `SFBRIDGE_*` variables (`SFBRIDGE_BIN`, a developer's
/// `SFBRIDGE_CONFIG`..) out of the server's configuration; variables set on `cmd` stay.
pub fn isolate_env(cmd: &mut std::process::Command) {
    let explicit: Vec<std::ffi::OsString> = cmd.get_envs().map(|(k, _)| k.to_owned()).collect();
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SFBRIDGE_") && !explicit.contains(&key) {
            cmd.env_remove(key);
        }
    }
}

/// A fresh 32-byte key, base64-encoded, as `SFBRIDGE_SECRET_KEY` expects.
pub fn random_key() -> String {
    let key: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(key)
}
