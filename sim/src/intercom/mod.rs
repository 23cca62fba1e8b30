//! A simulated Intercom workspace: the REST API (version 2.11 shapes), signed webhooks, a
//! Canvas Kit caller acting as the inbox, and a control surface under `/__sim/`.
//!
//! Code map: `wire` (errors, ids, times, cursors), `store` (records and their JSON),
//! `search` (query DSL), `api` (REST handlers, a module per resource), `webhooks`
//! (subscriptions, delivery, log), `canvas` (Canvas Kit caller and response checks), `control`
//! (`/__sim/`: people, faults, counters), `gate` (auth, version, rate limits, faults),
//! `payloads` (strict webhook types), `demo` (seed tables), `cli`.
//!
//! Control surface (no auth): `POST /__sim/contacts/{id}/conversations {"body","attachments"}`,
//! `POST /__sim/conversations/{id}/contact_reply {"body","attachments","contact_id"?}`,
//! `POST /__sim/conversations/{id}/teammate {"message_type":"comment|note|assignment|close|open|snoozed","admin_id",..}`,
//! `GET|POST /__sim/webhooks {"url","topics"}`, `GET /__sim/webhooks/deliveries`,
//! `POST /__sim/webhooks/mode {"duplicate","out_of_order"}`,
//! `POST|DELETE /__sim/faults {"kind":"status|rate_limited|latency","value":..,"next"|"rate"}`,
//! `GET /__sim/counters`.

pub mod api;
pub mod canvas;
pub mod cli;
pub mod control;
pub mod demo;
pub mod gate;
pub mod payloads;
pub mod search;
pub mod store;
pub mod webhooks;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
use serde_json::Value;

pub use canvas::{CanvasProblem, CanvasRequest, CanvasVerdict};
pub use control::{Fault, FaultKind};
pub use store::Attachment;
pub use webhooks::{Delivery, DeliveryMode, Subscription, hub_signature};

use crate::Seed;

/// How to start a simulated workspace.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub seed: Seed,
    /// Wait before the one retry of a failed webhook delivery (a minute on the real service).
    pub webhook_retry_delay: Duration,
    /// Calls per minute per app; enforced in 10-second windows of a sixth each, as the real API does.
    pub rate_limit_per_minute: u32,
    /// The app's access token; the demo's fixed one by default.
    pub access_token: String,
    /// The app's client secret (signs webhooks and Canvas Kit requests); the demo's by default.
    pub client_secret: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::Demo,
            webhook_retry_delay: Duration::from_secs(60),
            rate_limit_per_minute: 10_000,
            access_token: demo::ACCESS_TOKEN.to_owned(),
            client_secret: demo::CLIENT_SECRET.to_owned(),
        }
    }
}

/// The credentials a real app gets when installed.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub access_token: String,
    pub client_secret: String,
    pub workspace_id: String,
}

/// What every handler shares.
pub(crate) struct Shared {
    pub creds: Credentials,
    pub ws: RwLock<store::Workspace>,
    pub hub: Arc<webhooks::Hub>,
    pub gate: gate::Gate,
    pub scroll: parking_lot::Mutex<Option<api::Scroll>>,
    /// The teammate who installed the app: `/me` answers with them.
    pub installer: u64,
}

pub(crate) type State = Arc<Shared>;

/// A running simulated workspace.
pub struct IntercomSim {
    shared: State,
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl IntercomSim {
    pub async fn start(config: Config) -> anyhow::Result<IntercomSim> {
        let (ws, installer) = demo::build(config.seed);
        let creds = Credentials {
            access_token: config.access_token.clone(),
            client_secret: config.client_secret.clone(),
            workspace_id: ws.app_id.clone(),
        };
        let hub =
            webhooks::Hub::start(&ws.app_id, &creds.client_secret, config.webhook_retry_delay);
        let shared = Arc::new(Shared {
            creds,
            ws: RwLock::new(ws),
            hub,
            gate: gate::Gate::new(config.rate_limit_per_minute),
            scroll: parking_lot::Mutex::new(None),
            installer,
        });
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let app = api::router(shared.clone()).merge(control::router(shared.clone()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "intercom simulator stopped");
            }
        });
        Ok(IntercomSim {
            shared,
            addr,
            stop,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn access_token(&self) -> String {
        self.shared.creds.access_token.clone()
    }

    /// Signs webhooks (`X-Hub-Signature: sha1=`) and Canvas Kit requests (`X-Body-Signature`).
    pub fn client_secret(&self) -> String {
        self.shared.creds.client_secret.clone()
    }

    pub fn workspace_id(&self) -> String {
        self.shared.creds.workspace_id.clone()
    }

    /// The teammate who installed the app (the one `/me` answers with).
    pub fn installer_admin_id(&self) -> u64 {
        self.shared.installer
    }

    /// Subscribes `url` to webhook `topics` (e.g. `contact.user.created`) at once, without the probe.
    pub fn subscribe_webhooks(&self, url: &str, topics: &[&str]) -> Subscription {
        self.shared.hub.subscribe(url, topics)
    }

    /// Subscribes like the Developer Hub does: a HEAD request first, which must answer 2xx.
    pub async fn register_webhook_endpoint(
        &self,
        url: &str,
        topics: &[&str],
    ) -> anyhow::Result<Subscription> {
        self.shared
            .hub
            .register(url, topics)
            .await
            .map_err(anyhow::Error::msg)
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.shared.hub.subscriptions()
    }

    /// Every delivery attempt so far, in the order made.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.hub.deliveries()
    }

    /// Waits (at most `timeout`) until `done` holds for the delivery log; returns the log.
    pub async fn wait_for_deliveries(
        &self,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        self.shared.hub.wait_for(timeout, done).await
    }

    pub fn set_delivery_mode(&self, mode: DeliveryMode) {
        self.shared.hub.set_mode(mode);
    }

    /// Adds a fault to the API (not the control surface).
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.gate.add_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.gate.clear_faults();
    }

    /// Requests answered per route (`"GET /contacts/{id}"`) plus `"total"`; paths that match no
    /// route count as `"GET (unknown route)"`.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared.gate.counts()
    }

    /// Write requests (any method but GET and HEAD) per concrete path, as
    /// `"PUT /contacts/6a1f.."`: which records were written, and how often.
    pub fn write_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared.gate.write_counts()
    }

    /// Acting as the inbox: sends a signed Canvas Kit Initialize request to `app_url` for a
    /// teammate looking at a conversation, and checks the answer.
    pub async fn canvas_initialize(
        &self,
        app_url: &str,
        conversation_id: &str,
        admin_id: u64,
    ) -> anyhow::Result<CanvasVerdict> {
        let request = canvas::build_request(&self.shared, conversation_id, admin_id, None)?;
        Ok(canvas::send(app_url, &self.shared.creds.client_secret, &request).await)
    }

    /// Acting as the inbox: a teammate pressed `component_id` on `current_canvas` with `input_values`.
    pub async fn canvas_submit(
        &self,
        app_url: &str,
        conversation_id: &str,
        admin_id: u64,
        component_id: &str,
        input_values: serde_json::Map<String, Value>,
        current_canvas: Value,
    ) -> anyhow::Result<CanvasVerdict> {
        let submit = canvas::Submit {
            component_id: component_id.to_owned(),
            input_values,
            current_canvas,
        };
        let request = canvas::build_request(&self.shared, conversation_id, admin_id, Some(submit))?;
        Ok(canvas::send(app_url, &self.shared.creds.client_secret, &request).await)
    }

    /// Acting as a contact: starts a conversation (`body` is HTML) with optional attachments;
    /// returns the conversation id. Emits `conversation.user.created`.
    pub fn contact_starts_conversation(
        &self,
        contact_id: &str,
        body: &str,
        attachments: Vec<Attachment>,
    ) -> anyhow::Result<String> {
        api::start_conversation(&self.shared, contact_id, body, attachments)
            .map(|c| c["conversation_id"].as_str().unwrap_or_default().to_owned())
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))
    }

    /// Acting as a contact: replies in a conversation. Emits `conversation.user.replied`.
    pub fn contact_replies(
        &self,
        conversation_id: &str,
        contact_id: &str,
        body: &str,
        attachments: Vec<Attachment>,
    ) -> anyhow::Result<Value> {
        api::add_part(
            &self.shared,
            conversation_id,
            api::PartInput::contact_reply(contact_id, body, attachments),
        )
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))
    }

    /// Acting as a teammate: reply, note, assign, close, open, snooze.
    pub fn teammate_acts(
        &self,
        conversation_id: &str,
        action: api::PartInput,
    ) -> anyhow::Result<Value> {
        api::add_part(&self.shared, conversation_id, action)
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))
    }

    /// Finds a contact by email (first match, users before leads); handy in tests.
    pub fn contact_id_by_email(&self, email: &str) -> Option<String> {
        let ws = self.shared.ws.read();
        let mut found: Vec<&store::Contact> = ws
            .contacts
            .values()
            .filter(|c| {
                c.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .collect();
        found.sort_by_key(|c| c.role != store::Role::User);
        found.first().map(|c| c.id.clone())
    }

    /// How many contacts the workspace holds.
    pub fn contact_count(&self) -> usize {
        self.shared.ws.read().contacts.len()
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
