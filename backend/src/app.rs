//! The three roles of the binary: `serve`, `demo` and `migrate`.

use std::path::Path;

use crate::auth::{Auth, Clock, Origins};
use crate::card::Cards;
use crate::clients::Clients;
use crate::config::Config;
use crate::connections;
use crate::crypto::Cipher;
use crate::http::{self, AppState};
use crate::inbox::Inbox;
use crate::listener::{ListenerConfig, Listeners};
use crate::retention::Retention;
use crate::server::{self, Server};
use crate::store::Store;
use crate::sync::changes::SyncSink;

/// Why the binary stopped early: bad input (exit 2) or a failure while running (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum ExitError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl ExitError {
    pub fn code(&self) -> i32 {
        match self {
            ExitError::Usage(_) => 2,
            ExitError::Failed(_) => 1,
        }
    }
}

/// Open the database named by the config and bring its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::open(&config.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("{e} (database_url {})", config.database_url))?;
    tracing::info!(database = %config.database_url, "database ready");
    Ok(store)
}

/// `sfbridge migrate`: apply pending migrations and stop.
pub async fn migrate(config: Config) -> Result<(), ExitError> {
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("{e} (database_url {})", config.database_url))?;
    let report = store.migrate().await.map_err(anyhow::Error::from)?;
    println!(
        "applied {} migration(s) {:?}; {} were already applied",
        report.applied.len(),
        report.applied,
        report.already_applied
    );
    store.close().await;
    Ok(())
}

/// `sfbridge serve`: the production server.
pub async fn serve(config: Config) -> Result<(), ExitError> {
    let key = config.secret_key.as_ref().ok_or_else(|| {
        ExitError::Usage(
            "invalid configuration: secret_key: missing; serve needs a key to encrypt secrets at rest: \
             set SFBRIDGE_SECRET_KEY to 32 random bytes, base64-encoded (e.g. `openssl rand -base64 32`)"
                .into(),
        )
    })?;
    let cipher = Cipher::new(key);
    let store = open_store(&config).await?;
    let checks = {
        let store = store.clone();
        let cipher = cipher.clone();
        // Checking connections must not hold up serving: the page shows states as they arrive.
        tokio::spawn(async move {
            if let Err(error) = connections::check_all(&store, &cipher).await {
                tracing::error!(%error, "connection check failed");
            }
        })
    };
    run(&config, store, cipher).await?;
    checks.abort();
    Ok(())
}

/// What the handlers share: the store, each installation's clients, the card cache, the
/// Salesforce listeners, signing in on the system clock.
pub fn state(config: &Config, store: Store, cipher: Cipher, public_url: String) -> AppState {
    state_on(config, store, cipher, public_url, Clock::system())
}

/// [`state`] with the clock sessions, tokens and flows expire on (tests move it by hand).
pub fn state_on(
    config: &Config,
    store: Store,
    cipher: Cipher,
    public_url: String,
    clock: Clock,
) -> AppState {
    // Without a configured public URL the server named itself by its loopback address:
    // `localhost` and the other loopback names of the port reach it too.
    let origins = Origins::new(&public_url, config.public_url.is_none());
    let auth = Auth::new(clock, origins, cipher.clone());
    let clients = Clients::new(store.clone(), cipher);
    let cards = Cards::new(config.card_cache_ttl).shared_through(store.clone());
    let sync = crate::sync::SyncState::new(config.sync);
    // Salesforce changes refresh the cards and become Salesforce -> Intercom jobs.
    let sink = SyncSink::new(store.clone(), cards.clone(), sync.clone());
    let listeners = Listeners::new(
        clients.clone(),
        sink,
        ListenerConfig {
            sweep_every: config.sweep_every,
            lease: config.listener_lease,
            ..ListenerConfig::default()
        },
    );
    AppState {
        clients,
        cards,
        listeners,
        inbox: Inbox::default(),
        sync,
        public_url,
        serving: config.serving.clone(),
        store,
        auth,
        services: config.services.clone(),
        metrics_token: config.metrics_token.clone(),
    }
}

/// Bind and announce; serving starts with [`Server::run`]. Returns the handlers' shared state
/// (the store, each installation's clients, the card cache) with the public URL settled.
pub async fn bind(
    config: &Config,
    store: Store,
    cipher: Cipher,
) -> anyhow::Result<(Server, AppState)> {
    warn_if_no_front_end(&config.static_dir);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", loopback_if_unspecified(addr)));
    let mut state = state(config, store, cipher, public_url);
    // Named by where it serves, a process restarted in its own place (after a crash) takes its
    // listener leases back at once instead of waiting for them to expire; two processes
    // cannot serve on one host and address.
    state.listeners = state.listeners.named(&format!("{}/{addr}", host_name()));
    let server = Server::on(
        listener,
        http::router(state.clone(), &config.static_dir),
        config.serving.header_read_timeout,
    );
    // Tests and scripts read this exact line to learn the port.
    println!("sfbridge listening on http://{addr}");
    tracing::info!(%addr, "serving");
    Ok((server, state))
}

/// This machine's name, for the listener leases: the kernel's, else `$HOSTNAME`.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// An address browsers can use: `0.0.0.0` (every interface) is reached at `127.0.0.1`.
fn loopback_if_unspecified(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    if addr.ip().is_unspecified() {
        let loopback = match addr {
            std::net::SocketAddr::V4(_) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            std::net::SocketAddr::V6(_) => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        };
        std::net::SocketAddr::new(loopback, addr.port())
    } else {
        addr
    }
}

/// While no installation exists, a fresh one-time setup link on stdout (the token is kept
/// only hashed, valid 24 hours): the operator's way to the first installation.
pub async fn announce_setup(state: &AppState) -> anyhow::Result<()> {
    if state.store.has_installations().await? {
        return Ok(());
    }
    let token = state.auth.issue_setup_token(&state.store).await?;
    println!(
        "sfbridge setup: {}/setup?token={}",
        state.public_url.trim_end_matches('/'),
        secrecy::ExposeSecret::expose_secret(&token)
    );
    Ok(())
}

/// Deletes expired sessions, setup tokens, sign-in links and OAuth flows now and then, and
/// the ledger rows and webhook receipts past their retention.
/// With several processes each prunes; the deletes are idempotent and batched, so that costs
/// only a few empty statements.
fn spawn_purge(state: &AppState, retention: Retention) -> tokio::task::JoinHandle<()> {
    let auth = state.auth.clone();
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_EVERY);
        loop {
            every.tick().await;
            match auth.purge(&store).await {
                Ok(purged) => tracing::debug!(?purged, "purged expired sign-in state"),
                Err(error) => tracing::warn!(%error, "could not purge expired sign-in state"),
            }
            match retention.prune(&store, auth.now()).await {
                Ok(pruned) => tracing::debug!(?pruned, "pruned old ledger rows and receipts"),
                Err(error) => tracing::warn!(%error, "could not prune old ledger rows"),
            }
        }
    })
}

/// How often expired sign-in state and what retention lets go are deleted.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Bind, announce and serve until a shutdown signal.
pub async fn run(config: &Config, store: Store, cipher: Cipher) -> anyhow::Result<()> {
    let (server, state) = bind(config, store.clone(), cipher).await?;
    announce_setup(&state).await?;
    let purge = spawn_purge(&state, config.retention);
    let invalidations =
        crate::card::broadcast::spawn_listener(state.store.clone(), state.cards.clone());
    state.listeners.start_connected().await?;
    let worker = crate::sync::worker::spawn(
        state.clients.clone(),
        state.cards.clone(),
        state.inbox.clone(),
        state.sync.clone(),
    );
    server.run(server::shutdown_signal()).await?;
    purge.abort();
    invalidations.abort();
    state.listeners.stop_all().await;
    worker.stop().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn warn_if_no_front_end(static_dir: &Path) {
    if !static_dir.join("index.html").is_file() {
        tracing::warn!(
            static_dir = %static_dir.display(),
            "no index.html in the static folder: the web pages are not built (`cargo xtask demo` builds them)"
        );
    }
}
