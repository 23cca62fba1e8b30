//! `sfbridge demo`: the server paired with a simulated Salesforce org and Intercom workspace,
//! both seeded and running in this process, so the whole product can be tried offline.
//!
//! Salesforce is connected through the real OAuth web-server flow (the simulator approves on
//! its own), so the demo exercises the same path an admin takes.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Serialize;
use shared::SalesforceEnvironment;
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

use crate::app::{self, ExitError};
use crate::config::{Config, SalesforceApp};
use crate::connections;
use crate::crypto::{Cipher, SecretKey};
use crate::http::AppState;
use crate::installations::Pairing;
use crate::oauth;
use crate::server;
use crate::settings;
use crate::store::Store;

/// The demo installation's id: a restarted demo updates it rather than adding another.
pub const DEMO_INSTALLATION_ID: &str = "demo";

/// The Salesforce field the demo org keeps Intercom user ids in.
pub const DEMO_IDENTITY_FIELD: &str = crate::sync::demo::IDENTITY_FIELD;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub host: IpAddr,
    pub salesforce_port: u16,
    pub intercom_port: u16,
    /// Where to write the URLs and tokens as JSON.
    pub credentials_json: Option<PathBuf>,
}

/// What the demo prints and writes with `--credentials-json`.
#[derive(Debug, Serialize)]
pub struct DemoCredentials {
    pub app: String,
    /// A one-time link that signs a browser in as the demo's admin (the installing teammate).
    pub admin_sign_in: String,
    pub salesforce: ServiceCredentials,
    pub intercom: ServiceCredentials,
}

#[derive(Debug, Serialize)]
pub struct ServiceCredentials {
    pub url: String,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// A demo that keeps everything in `dir` and takes free ports: for tests and benchmarks.
pub fn scratch(dir: &std::path::Path) -> (Config, DemoOptions) {
    let config = crate::config::parse(
        crate::config::RawConfig {
            listen: Some("127.0.0.1:0".to_owned()),
            database_url: Some(format!("sqlite://{}", dir.join("sfbridge.db").display())),
            static_dir: Some(dir.display().to_string()),
            ..Default::default()
        },
        |_| None,
    )
    .expect("a fixed, valid configuration");
    let options = DemoOptions {
        host: IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        salesforce_port: 0,
        intercom_port: 0,
        credentials_json: None,
    };
    (config, options)
}

/// A running demo: both simulators, the store and the app, Salesforce connected.
pub struct Demo {
    pub salesforce: SalesforceSim,
    pub intercom: IntercomSim,
    pub store: Store,
    pub state: AppState,
    /// A one-time sign-in link for the demo's admin.
    pub admin_sign_in: String,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: crate::sync::worker::WorkerHandle,
}

impl Demo {
    /// Starts the simulators and the app (serving until `shutdown` resolves), then connects
    /// Salesforce through OAuth and checks both connections.
    pub async fn start(
        config: &Config,
        cipher: Cipher,
        options: &DemoOptions,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<Demo> {
        let salesforce = SalesforceSim::start(sim::salesforce::Config {
            bind: SocketAddr::new(options.host, options.salesforce_port),
            seed: Seed::Demo,
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the simulated Salesforce org: {e:#}"))?;
        let intercom = IntercomSim::start(sim::intercom::Config {
            bind: SocketAddr::new(options.host, options.intercom_port),
            seed: Seed::Demo,
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the simulated Intercom workspace: {e:#}"))?;

        let config = &with_simulators(config, &salesforce, &intercom);
        let store = app::open_store(config).await?;
        let now = chrono::Utc::now().timestamp_millis();
        store
            .save_installation(&pairing(&salesforce, &intercom).seal(&cipher), now)
            .await?;
        // The teammate who installed the app is the demo's admin.
        let installer = intercom.installer_admin_id().to_string();
        store
            .grant_admin(DEMO_INSTALLATION_ID, &installer, None, now)
            .await?;
        // The card reads the identity at once; the checked save follows once Salesforce is connected.
        let demo_settings = crate::sync::demo::demo_settings();
        settings::save_unchecked(&store, DEMO_INSTALLATION_ID, &demo_settings, now).await?;
        // The demo shows conversations reaching Salesforce as Tasks.
        let tasks = shared::tasks::TaskSettings {
            send_conversations: true,
        };
        settings::save_tasks(&store, DEMO_INSTALLATION_ID, &tasks, now).await?;
        // The demo's org has case record types, so a newcomer sees the form they shape; a
        // fresh installation keeps the custom form until an admin chooses.
        let cases = shared::case_form::CaseSettings {
            form_mode: shared::case_form::FormMode::RecordTypes,
            owner_mode: shared::case_form::OwnerMode::SalesforceRules,
        };
        crate::cases::settings::save(&store, DEMO_INSTALLATION_ID, &cases, now).await?;

        let (server, state) = app::bind(config, store.clone(), cipher.clone()).await?;
        intercom.add_redirect_url(&format!(
            "{}{}",
            state.public_url,
            crate::install::intercom::CALLBACK_PATH
        ))?;
        let serving = tokio::spawn(server.run(shutdown));
        connect_salesforce(&state, &installer)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect the simulated Salesforce org: {e:#}"))?;
        crate::sync::demo::configure(&state.clients, &state.sync.metadata, DEMO_INSTALLATION_ID)
            .await
            .map_err(|e| anyhow::anyhow!("cannot set up the demo's sync: {e:#}"))?;
        // The workspace tells the app of every change, as a subscription in the Developer Hub would.
        intercom
            .register_webhook_endpoint(
                &format!("{}/webhooks/intercom", state.public_url),
                &crate::intercom::webhooks::SYNC_TOPICS,
            )
            .await?;
        let worker = crate::sync::worker::spawn(
            state.clients.clone(),
            state.cards.clone(),
            state.inbox.clone(),
            state.sync.clone(),
        );
        // Both simulators are up, so the first page load already shows live connection states.
        connections::check_all(&store, &cipher).await?;
        // Changes made in the simulated org reach the app from the start.
        state.listeners.start_connected().await?;
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            state.listeners.live(DEMO_INSTALLATION_ID),
        )
        .await
        .map_err(|_| anyhow::anyhow!("the simulated org's change stream did not start"))?;
        let admin_sign_in = sign_in_link(&state, &installer, "/connections").await?;
        Ok(Demo {
            salesforce,
            intercom,
            store,
            state,
            admin_sign_in,
            serving,
            worker,
        })
    }

    /// The app's URL and each simulator's URL and tokens.
    pub fn credentials(&self) -> DemoCredentials {
        DemoCredentials {
            app: self.state.public_url.clone(),
            admin_sign_in: self.admin_sign_in.clone(),
            salesforce: ServiceCredentials {
                url: self.salesforce.url(),
                access_token: self.salesforce.access_token(),
                client_secret: None,
            },
            intercom: ServiceCredentials {
                url: self.intercom.url(),
                access_token: self.intercom.access_token(),
                client_secret: Some(self.intercom.client_secret()),
            },
        }
    }

    /// Waits for the app to stop (its shutdown future), then stops the simulators.
    pub async fn finish(self) -> anyhow::Result<()> {
        // Listening goes on while the app serves: stopping the listeners first (as this did)
        // left the demo deaf to Salesforce once the listeners' tasks really stopped.
        let result = self
            .serving
            .await
            .map_err(|e| anyhow::anyhow!("the server stopped unexpectedly: {e}"))?;
        self.state.listeners.stop_all().await;
        self.worker.stop().await;
        self.store.close().await;
        self.salesforce.shutdown().await;
        self.intercom.shutdown().await;
        Ok(result?)
    }
}

pub async fn run(config: Config, options: DemoOptions) -> Result<(), ExitError> {
    let key = config
        .secret_key
        .as_ref()
        .expect("the demo always has a key (configured or generated)");
    let demo = Demo::start(
        &config,
        Cipher::new(key),
        &options,
        server::shutdown_signal(),
    )
    .await?;
    let inbox = sign_in_link(
        &demo.state,
        &demo.intercom.installer_admin_id().to_string(),
        "/inbox",
    )
    .await?;
    announce(
        &demo.credentials(),
        &inbox,
        options.credentials_json.as_deref(),
    )?;
    Ok(demo.finish().await?)
}

/// A one-time sign-in link for the demo's admin that lands on `next`.
pub async fn sign_in_link(state: &AppState, admin_id: &str, next: &str) -> anyhow::Result<String> {
    let token = state
        .auth
        .make_installer_link(&state.store, DEMO_INSTALLATION_ID, admin_id)
        .await?;
    Ok(format!(
        "{}&next={}",
        crate::auth::team::sign_in_url(&state.public_url, &token),
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    ))
}

/// The configuration with both simulators as the services: the Intercom API and its OAuth
/// (the workspace's app as the public app), and the simulated org as the connected app's login
/// host (production and sandbox), trusted as a Salesforce host.
pub fn with_simulators(
    config: &Config,
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
) -> Config {
    let mut config = config.clone();
    let services = &mut config.services;
    services.intercom_api_url = intercom.url();
    // The simulated workspace's app is also a public app: "Sign in with Intercom" works.
    services.intercom_oauth_url = intercom.url();
    services.intercom_app = Some(crate::config::IntercomApp {
        client_id: intercom.client_id(),
        client_secret: SecretString::from(intercom.client_secret()),
    });
    services.salesforce_app = Some(SalesforceApp {
        client_id: salesforce.client_id(),
        client_secret: Some(SecretString::from(salesforce.client_secret())),
    });
    services.salesforce_login_url = salesforce.url();
    services.salesforce_sandbox_login_url = salesforce.url();
    services
        .salesforce_allowed_hosts
        .push(salesforce.addr().to_string());
    config
}

/// Walks the OAuth web-server flow as the admin's browser would: start, the simulator's
/// approval, the callback with the flow's cookie. Fails unless the installation ends up with
/// tokens.
pub async fn connect_salesforce(state: &AppState, admin_id: &str) -> anyhow::Result<()> {
    let admin = crate::auth::SignedIn {
        installation_id: DEMO_INSTALLATION_ID.to_owned(),
        teammate: crate::auth::teammate(admin_id, None, None),
        role: shared::access::Role::Admin,
        token_hash: String::new(),
    };
    let started = oauth::start(
        &state.installer(),
        &admin,
        &shared::access::ConnectSalesforce {
            login: None,
            switch_org: false,
            next: None,
        },
    )
    .await?;
    let cookie = format!(
        "{}={}",
        crate::auth::FLOW_COOKIE,
        secrecy::ExposeSecret::expose_secret(&started.binding)
    );
    let landing = follow_oauth(&state.public_url, &started.authorize_url, &cookie).await?;
    if !landing.starts_with("/connections?connected=salesforce") {
        anyhow::bail!(
            "the OAuth callback did not connect Salesforce: it sent the browser to {landing}"
        );
    }
    // The callback stored the tokens; a first call proves they work.
    state
        .clients
        .salesforce(DEMO_INSTALLATION_ID)
        .await?
        .identity()
        .await?;
    Ok(())
}

/// An HTTP client signed in through a sign-in link (`/signin?link=..`), as a browser would be:
/// it sends the session cookie and this server's `Origin` with every request.
pub async fn signed_in_client(
    public_url: &str,
    sign_in_link: &str,
) -> anyhow::Result<reqwest::Client> {
    let link = url::Url::parse(sign_in_link)?;
    let token = link
        .query_pairs()
        .find(|(k, _)| k == "link")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow::anyhow!("{sign_in_link} carries no link token"))?;
    let origin = public_url.trim_end_matches('/').to_owned();
    let answer = reqwest::Client::new()
        .post(format!("{origin}/auth/link"))
        .header(reqwest::header::ORIGIN, &origin)
        .json(&serde_json::json!({ "token": token }))
        .send()
        .await?;
    if !answer.status().is_success() {
        let status = answer.status();
        anyhow::bail!("signing in answered {status}: {}", answer.text().await?);
    }
    let cookie = answer
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("signing in set no cookie"))?
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    headers.insert(reqwest::header::ORIGIN, origin.parse()?);
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// Follows an OAuth authorize URL as a browser would, through a provider that approves on its
/// own (the simulators), back to this server's callback, which gets `cookie` (the flow's, and
/// a session's if any). The page the callback sends the browser to.
pub async fn follow_oauth(
    public_url: &str,
    authorize_url: &str,
    cookie: &str,
) -> anyhow::Result<String> {
    let ours = public_url.trim_end_matches('/').to_owned();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut url = authorize_url.to_owned();
    for _ in 0..6 {
        let mut request = browser.get(&url);
        if url.starts_with(&ours) {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let answer = request.send().await?;
        let location = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        let Some(location) = location.filter(|_| answer.status().is_redirection()) else {
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            anyhow::bail!("{url} answered HTTP {status} without a redirect: {body}");
        };
        if url.starts_with(&ours) {
            // The callback's answer: where it sends the browser.
            return Ok(location);
        }
        url = if location.starts_with('/') {
            let base = url::Url::parse(&url)?;
            base.join(&location)?.to_string()
        } else {
            location
        };
    }
    anyhow::bail!("too many redirects from {authorize_url}")
}

fn announce(
    credentials: &DemoCredentials,
    inbox: &str,
    json_path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    // Both links sign the browser in as the demo's admin, once each.
    println!("demo admin sign-in: {}", credentials.admin_sign_in);
    println!("demo inbox: {inbox}");
    println!(
        "simulated Salesforce org at {} (access token {})",
        credentials.salesforce.url, credentials.salesforce.access_token
    );
    println!(
        "simulated Intercom workspace at {} (access token {}, client secret {})",
        credentials.intercom.url,
        credentials.intercom.access_token,
        credentials
            .intercom
            .client_secret
            .as_deref()
            .unwrap_or_default()
    );
    if let Some(path) = json_path {
        let json = serde_json::to_string_pretty(credentials)?;
        std::fs::write(path, json)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The demo installation: the simulated org (not yet authorised) paired with the simulated workspace.
pub fn pairing(salesforce: &SalesforceSim, intercom: &IntercomSim) -> Pairing {
    Pairing {
        id: DEMO_INSTALLATION_ID.to_owned(),
        name: "Demo workspace".to_owned(),
        salesforce_environment: SalesforceEnvironment::Production,
        salesforce_login_url: salesforce.url(),
        salesforce_instance_url: None,
        salesforce_client_id: Some(salesforce.client_id()),
        salesforce_client_secret: Some(SecretString::from(salesforce.client_secret())),
        salesforce_access_token: None,
        salesforce_refresh_token: None,
        intercom_api_base_url: intercom.url(),
        intercom_access_token: Some(SecretString::from(intercom.access_token())),
        intercom_client_secret: Some(SecretString::from(intercom.client_secret())),
        intercom_workspace_id: Some(intercom.workspace_id()),
        intercom_connection: crate::auth::IntercomConnection::Token,
        installer_admin_id: Some(intercom.installer_admin_id().to_string()),
    }
}

/// The demo's key lives beside its database, so a restarted demo can open what it sealed.
pub fn secret_key_in(data_dir: &Path) -> anyhow::Result<SecretKey> {
    let path = data_dir.join("secret.key");
    if path.is_file() {
        let text = std::fs::read_to_string(&path)?;
        return SecretKey::from_base64(&secrecy::SecretString::from(text))
            .map_err(|e| anyhow::anyhow!("{}: the key {e}", path.display()));
    }
    let key = SecretKey::generate();
    write_private(
        &path,
        secrecy::ExposeSecret::expose_secret(&key.to_base64()),
    )?;
    Ok(key)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}
