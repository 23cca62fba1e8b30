//! `sfbridge demo`: the server paired with a simulated Salesforce org and Intercom workspace,
//! both seeded and running in this process, so the whole product can be tried offline.
//!
//! Salesforce is connected through the real OAuth web-server flow (the simulator approves on
//! its own), so the demo exercises the same path an admin takes.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Serialize;
use shared::SalesforceEnvironment;
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

use crate::app::{self, ExitError};
use crate::config::Config;
use crate::connections;
use crate::crypto::Cipher;
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

        let store = app::open_store(config).await?;
        let now = chrono::Utc::now().timestamp_millis();
        store
            .save_installation(&pairing(&salesforce, &intercom).seal(&cipher), now)
            .await?;
        // The card reads the identity at once; the checked save follows once Salesforce is connected.
        let demo_settings = crate::sync::demo::demo_settings();
        settings::save_unchecked(&store, DEMO_INSTALLATION_ID, &demo_settings, now).await?;

        let (server, state) = app::bind(config, store.clone(), cipher.clone()).await?;
        let serving = tokio::spawn(server.run(shutdown));
        connect_salesforce(&state.clients, &state.public_url)
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
        Ok(Demo {
            salesforce,
            intercom,
            store,
            state,
            serving,
            worker,
        })
    }

    /// The app's URL and each simulator's URL and tokens.
    pub fn credentials(&self) -> DemoCredentials {
        DemoCredentials {
            app: self.state.public_url.clone(),
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
        self.state.listeners.stop_all();
        let result = self
            .serving
            .await
            .map_err(|e| anyhow::anyhow!("the server stopped unexpectedly: {e}"))?;
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
    announce(&demo.credentials(), options.credentials_json.as_deref())?;
    Ok(demo.finish().await?)
}

/// Walks the OAuth web-server flow as a browser would: start, the simulator's approval, the
/// callback. Fails unless the installation ends up with tokens.
pub async fn connect_salesforce(
    clients: &crate::clients::Clients,
    public_url: &str,
) -> anyhow::Result<()> {
    let authorize = oauth::start(clients, public_url, DEMO_INSTALLATION_ID).await?;
    // Follow the simulator's approval back to the callback; stop at the callback's answer.
    let callback = format!("{public_url}{}", oauth::CALLBACK_PATH);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > 5 {
                attempt.error("too many redirects")
            } else if attempt
                .previous()
                .last()
                .is_some_and(|u| u.as_str().starts_with(&callback))
            {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()?;
    let answer = browser.get(&authorize).send().await?;
    let landing = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !answer.status().is_redirection() || !landing.starts_with("/?connected=salesforce") {
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        anyhow::bail!("the OAuth callback answered HTTP {status}: {body}");
    }
    // The callback stored the tokens; a first call proves they work.
    clients
        .salesforce(DEMO_INSTALLATION_ID)
        .await?
        .identity()
        .await?;
    Ok(())
}

fn announce(
    credentials: &DemoCredentials,
    json_path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    println!("demo inbox: {}/inbox", credentials.app);
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
    }
}
