//! The simulated Salesforce org: REST API, OAuth, describe, SOQL, composite, Bulk API 2.0,
//! Change Data Capture and a control surface under `/__sim/`, all served by one axum server.

pub mod cli;
pub mod soql;

mod api;
mod auth;
mod bulk;
mod cdc;
mod composite;
mod control;
mod describe;
pub mod error;
pub mod ids;
mod jwt;
pub mod org;
mod query;
pub mod record;
mod rest;
pub mod schema;
pub mod seed;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use org::API_VERSION;
pub use state::{ConnectedApp, Fault, FaultKind};

use crate::Seed;

/// How to start the org.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub seed: Seed,
    /// Access tokens stop working after this long (then 401 `INVALID_SESSION_ID`).
    pub token_ttl: Duration,
    /// The daily API request allocation (`DailyApiRequests.Max`).
    pub daily_api_limit: u64,
    /// Approve OAuth authorization requests without showing the page (for tests).
    pub auto_approve: bool,
    /// The seeded connected app's consumer key and secret.
    pub client_id: String,
    pub client_secret: String,
    /// PEM of the connected app's certificate or RSA public key, for the JWT bearer flow.
    pub jwt_public_key_pem: Option<String>,
    /// Streaming: how long `/meta/connect` is held open when no event arrives.
    pub cometd_timeout: Duration,
    /// Which org this is: its Organization id is the `00D` id with this number, so two
    /// simulators can stand for two orgs.
    pub org_number: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::Demo,
            token_ttl: Duration::from_secs(2 * 3600),
            daily_api_limit: 15_000,
            auto_approve: true,
            client_id:
                "3MVG9sfbridgeSimConnectedAppConsumerKey0000000000000000000000000000000000000"
                    .into(),
            client_secret: "SIMSECRET0000000000000000000000000000000000000000000000000000000001"
                .into(),
            jwt_public_key_pem: None,
            cometd_timeout: Duration::from_secs(110),
            org_number: 1,
        }
    }
}

/// A running simulated org.
pub struct SalesforceSim {
    shared: Arc<state::Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    admin_token: String,
}

impl SalesforceSim {
    pub async fn start(config: Config) -> anyhow::Result<SalesforceSim> {
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let shared = state::Shared::new(config, base_url);
        let admin_token = shared.issue_admin_token();
        let app = api::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve =
                axum::serve(listener, app.into_make_service()).with_graceful_shutdown(async {
                    let _ = stopped.await;
                });
            if let Err(e) = serve.await {
                tracing::error!("salesforce simulator stopped: {e}");
            }
        });
        Ok(SalesforceSim {
            shared,
            addr,
            stop: Some(stop),
            task,
            admin_token,
        })
    }

    /// `http://127.0.0.1:PORT`: both the login host and the `instance_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// A valid access token for the seeded admin user.
    pub fn access_token(&self) -> String {
        self.admin_token.clone()
    }
    pub fn client_id(&self) -> String {
        self.shared.config.client_id.clone()
    }
    pub fn client_secret(&self) -> String {
        self.shared.config.client_secret.clone()
    }
    pub fn org_id(&self) -> String {
        self.shared.org.read().org_id.clone()
    }
    /// The 18-character id of the seeded admin user.
    pub fn admin_user_id(&self) -> String {
        self.shared.org.read().admin_user_id.clone()
    }
    /// API requests counted today (what `Sforce-Limit-Info` reports).
    pub fn api_calls(&self) -> u64 {
        self.shared.api_calls()
    }
    /// One record as stored (no `attributes`), deleted or not.
    pub fn record(&self, id: &str) -> Option<serde_json::Value> {
        self.shared
            .org
            .read()
            .get(id)
            .map(|r| serde_json::Value::Object(r.to_map()))
    }
    /// Number of stored rows of an object, deleted ones included.
    pub fn count(&self, object: &str) -> usize {
        self.shared.org.read().count(object)
    }
    /// Changes a record as `user_id` would in the UI: not an API call, still a CDC event. Like a
    /// person who leaves the assignment checkbox unticked, it never re-runs assignment rules.
    pub fn ui_update(
        &self,
        user_id: &str,
        object: &str,
        id: &str,
        fields: serde_json::Value,
    ) -> Result<(), Vec<error::SfError>> {
        let fields = fields.as_object().cloned().unwrap_or_default();
        self.shared.ui_update(user_id, object, id, &fields, None)
    }
    /// Creates a record as `user_id` would in the UI; returns its id.
    pub fn ui_create(
        &self,
        user_id: &str,
        object: &str,
        fields: serde_json::Value,
    ) -> Result<String, Vec<error::SfError>> {
        let fields = fields.as_object().cloned().unwrap_or_default();
        self.shared.ui_create(user_id, object, &fields, None)
    }
    /// Converts a lead as `user_id` would with the UI's Convert button: a new contact (under
    /// `account_id`, if given) and the lead marked converted, each with its change event.
    /// Returns the contact's id.
    pub fn ui_convert_lead(
        &self,
        user_id: &str,
        lead_id: &str,
        account_id: Option<&str>,
    ) -> Result<String, Vec<error::SfError>> {
        self.shared.ui_convert_lead(user_id, lead_id, account_id)
    }
    /// Turns the org's API access off or on, as an edition without API access (Professional
    /// without the add-on) has it: REST calls answer 403 `API_DISABLED_FOR_ORG`; OAuth still works.
    pub fn set_api_enabled(&self, enabled: bool) {
        self.shared
            .api_disabled
            .store(!enabled, std::sync::atomic::Ordering::SeqCst);
    }
    /// Whether this access or refresh token is live (revoking one ends it).
    pub fn token_is_live(&self, token: &str) -> bool {
        self.shared.session_user(token).is_some()
            || self.shared.auth.lock().refresh.contains_key(token)
    }
    /// Injects a fault into the API (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.lock().push(fault);
    }
    /// The org's clock: the real time, unless [`Self::set_clock`] fixed it.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.shared.org.read().now()
    }
    /// Sets the org's clock (`None`: the real time again), for tests of time windows such as
    /// the replication endpoints' whole minutes.
    pub fn set_clock(&self, at: Option<chrono::DateTime<chrono::Utc>>) {
        self.shared.org.write().clock_override = at;
    }
    /// Takes the streaming (CometD) endpoint down, dropping every session, or brings it back:
    /// the REST API keeps answering.
    pub fn streaming_outage(&self, down: bool) {
        self.shared.cdc.set_outage(down);
    }
    /// The replay id of the newest change event (0 before any).
    pub fn last_replay_id(&self) -> u64 {
        self.shared.cdc.last_replay_id()
    }
    /// Streaming subscriptions accepted since the org started (one per channel): grows once a
    /// (re)started client listens.
    pub fn stream_subscriptions(&self) -> u64 {
        self.shared.cdc.subscriptions_accepted()
    }
    /// Every change event so far leaves the retention window: resuming the stream from an
    /// earlier replay id is refused, as after a long outage.
    pub fn expire_retained_events(&self) {
        self.shared.cdc.expire_retained();
    }
    /// Holds Bulk API 2.0 jobs `InProgress` (`true`) until released (`false`).
    pub fn bulk_hold(&self, hold: bool) {
        self.shared.bulk.set_hold(hold);
    }
    /// The next `n` Bulk API 2.0 jobs fail when they start processing (an ingest job with
    /// `message` as its `errorMessage`).
    pub fn bulk_fail_next(&self, n: u64, message: Option<String>) {
        self.shared.bulk.fail_next(n, message);
    }
    /// Bulk API 2.0 jobs kept: (query jobs, ingest jobs).
    pub fn bulk_jobs(&self) -> (usize, usize) {
        self.shared.bulk.count()
    }
    /// Adds a validation rule to the org, as an admin does in Setup: API and UI writes
    /// leaving a record as it describes are refused with `FIELD_CUSTOM_VALIDATION_EXCEPTION`.
    pub fn add_validation_rule(&self, rule: org::ValidationRule) {
        self.shared.org.write().validation_rules.push(rule);
    }
    /// Removes every validation rule added with [`Self::add_validation_rule`].
    pub fn clear_validation_rules(&self) {
        self.shared.org.write().validation_rules.clear();
    }
    /// The next `n` API record writes are refused with `UNABLE_TO_LOCK_ROW`, each in its own
    /// record's result, as when another transaction holds the rows.
    pub fn lock_writes(&self, n: u64) {
        self.shared.org.write().locked_writes = n;
    }
    /// Every change event the org published so far (as sent on `/data/ChangeEvents`), in
    /// order, including those past the retention window: who wrote what, and when.
    pub fn change_history(&self) -> Vec<serde_json::Value> {
        self.shared.cdc.history()
    }
    /// A refresh token of the seeded connected app for the admin user, as the web server flow
    /// would grant it.
    pub fn refresh_token(&self) -> String {
        let admin = self.admin_user_id();
        self.shared.issue_refresh_token(&admin)
    }
    /// Makes every access token issued so far invalid, as an expired session.
    pub fn expire_sessions(&self) {
        self.shared.expire_sessions();
    }

    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.shared.cdc.close();
        let _ = (&mut self.task).await;
    }
}
