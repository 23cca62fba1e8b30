//! One workspace: its records behind one lock, its rate limit and counters, the apps installed
//! in it; and [`IntercomWorkspace`], the handle tests drive it with, which is always a view of
//! one workspace through one app installed there.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use serde_json::{Value, json};

use super::auth::App;
use super::history::{self, NewPart};
use super::messenger::{self, MessengerLead, MessengerOutcome};
use super::server::Server;
use super::wire::ApiError;
use super::{Attachment, CanvasVerdict, Delivery, DeliveryMode, Fault, Subscription};
use super::{State, api, canvas, gate, store};

/// An API refusal as an error for Rust callers: `code: message`.
fn api_error(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.code, e.message)
}

/// When every simulated workspace was created (2026-01-01T00:00:00Z).
const CREATED_AT: i64 = 1_767_225_600;

/// What every handler of one workspace shares.
pub(crate) struct Shared {
    /// The workspace id (`app.id_code` in `/me`, `app_id` in webhooks).
    pub id: String,
    pub name: String,
    pub ws: RwLock<store::Workspace>,
    pub gate: gate::Gate,
    pub scroll: Mutex<Option<api::Scroll>>,
    /// The teammate who created the workspace's own app; its access token acts for them.
    pub installer: u64,
    /// The own app's access token, as the Developer Hub first gave it.
    pub own_token: String,
    /// The app registered in this workspace's Developer Hub.
    pub home_app: Arc<App>,
    /// The apps installed here, each hearing the workspace's webhooks.
    installed: RwLock<Vec<Arc<App>>>,
}

impl Shared {
    pub fn new(
        id: String,
        name: String,
        ws: store::Workspace,
        gate: gate::Gate,
        installer: u64,
        own_token: String,
        home_app: Arc<App>,
    ) -> Shared {
        Shared {
            id,
            name,
            ws: RwLock::new(ws),
            gate,
            scroll: Mutex::new(None),
            installer,
            own_token,
            home_app,
            installed: RwLock::new(Vec::new()),
        }
    }

    /// Queues a webhook notification for every app installed in the workspace.
    pub fn emit(&self, topic: &str, item: Value) {
        for app in self.installed.read().iter() {
            app.hub.emit(&self.id, topic, item.clone());
        }
    }

    pub fn set_installed(&self, app: &Arc<App>, installed: bool) {
        let mut apps = self.installed.write();
        apps.retain(|a| a.client_id != app.client_id);
        if installed {
            apps.push(app.clone());
        }
    }

    /// The workspace as `/me` embeds it (`app`, "workspace" in today's words).
    pub fn app_json(&self) -> Value {
        json!({"type": "app", "id_code": self.id, "name": self.name, "created_at": CREATED_AT,
               "secure": false, "identity_verification": false, "timezone": "Europe/London",
               "region": "US"})
    }
}

/// A teammate of a workspace, as the authorize page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teammate {
    pub id: u64,
    pub name: String,
    pub email: String,
}

/// A running workspace seen through one app installed in it: its own app at first
/// ([`IntercomSim::add_workspace`](super::IntercomSim::add_workspace)), another one installed
/// through OAuth with [`with_app`](Self::with_app). Workspace methods (records, faults,
/// counters, acting as people) act on the workspace; app methods (credentials, webhook
/// subscriptions and deliveries, Canvas Kit signatures) on the app.
#[derive(Clone)]
pub struct IntercomWorkspace {
    pub(crate) server: Arc<Server>,
    pub(crate) shared: State,
    pub(crate) app: Arc<App>,
    /// The app's token here (see `access_token`).
    pub(crate) token: String,
    pub(crate) addr: SocketAddr,
}

impl IntercomWorkspace {
    /// `http://127.0.0.1:PORT`: every workspace is served on the same base URL, told apart by
    /// the access token.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The workspace id (`app.id_code` in `/me`, `app_id` in webhooks, `workspace_id` in
    /// Canvas Kit requests).
    pub fn workspace_id(&self) -> String {
        self.shared.id.clone()
    }

    pub fn workspace_name(&self) -> String {
        self.shared.name.clone()
    }

    /// The app's access token in this workspace: for the workspace's own app the one the
    /// Developer Hub gave it (`Config::access_token` for the first), for another app its newest
    /// when [`with_app`](Self::with_app) made this handle. It stays the same even once revoked.
    pub fn access_token(&self) -> String {
        self.token.clone()
    }

    /// The app's client id (the OAuth `client_id`).
    pub fn client_id(&self) -> String {
        self.app.client_id.clone()
    }

    /// The app's client secret: signs webhooks (`X-Hub-Signature: sha1=`) and Canvas Kit
    /// requests (`X-Body-Signature`), and authenticates the app at the token exchange.
    pub fn client_secret(&self) -> String {
        self.app.client_secret.clone()
    }

    /// The teammate who installed the workspace's own app (the one its access token acts for).
    pub fn installer_admin_id(&self) -> u64 {
        self.shared.installer
    }

    pub fn teammates(&self) -> Vec<Teammate> {
        self.shared
            .ws
            .read()
            .admins
            .iter()
            .map(|a| Teammate {
                id: a.id,
                name: a.name.clone(),
                email: a.email.clone(),
            })
            .collect()
    }

    /// The app's redirect URLs (the first is the default).
    pub fn redirect_urls(&self) -> Vec<String> {
        self.app.redirect_urls()
    }

    /// Adds a redirect URL to the app, as in the Developer Hub: `https`, or `http` on a
    /// loopback host.
    pub fn add_redirect_url(&self, url: &str) -> anyhow::Result<()> {
        self.app.add_redirect_url(url).map_err(anyhow::Error::msg)
    }

    /// Where to send a browser to install the app: `<url>/oauth?client_id=..&state=..`
    /// (plus `redirect_uri` when given).
    pub fn authorize_url(&self, state: &str, redirect_uri: Option<&str>) -> String {
        let mut url = url::Url::parse(&format!("{}/oauth", self.url())).expect("valid URL");
        url.query_pairs_mut()
            .append_pair("client_id", &self.app.client_id)
            .append_pair("state", state);
        if let Some(r) = redirect_uri {
            url.query_pairs_mut().append_pair("redirect_uri", r);
        }
        url.into()
    }

    /// This workspace seen through another app installed in it (through OAuth, say): its
    /// credentials, webhooks and Canvas Kit signatures. Fails when the app is not installed.
    pub fn with_app(&self, client_id: &str) -> anyhow::Result<IntercomWorkspace> {
        let app = self
            .server
            .app(client_id)
            .ok_or_else(|| anyhow::anyhow!("no app has client id {client_id:?}"))?;
        let token = self
            .server
            .newest_token(&self.shared.id, client_id)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the app {:?} is not installed in workspace {}",
                    app.name,
                    self.shared.id
                )
            })?;
        Ok(IntercomWorkspace {
            app,
            token,
            ..self.clone()
        })
    }

    /// A teammate uninstalls an app from this workspace (App Store settings): its tokens here
    /// are revoked and its subscriptions stop hearing from the workspace. How many tokens.
    pub fn uninstall_app(&self, client_id: &str) -> usize {
        self.server.uninstall(&self.shared, client_id)
    }

    /// Subscribes the app's `url` to webhook `topics` (e.g. `contact.user.created`) at once,
    /// without the probe. The subscription hears from every workspace the app is installed in.
    pub fn subscribe_webhooks(&self, url: &str, topics: &[&str]) -> Subscription {
        self.app.hub.subscribe(url, topics)
    }

    /// Subscribes like the Developer Hub does: a HEAD request first, which must answer 2xx.
    pub async fn register_webhook_endpoint(
        &self,
        url: &str,
        topics: &[&str],
    ) -> anyhow::Result<Subscription> {
        self.app
            .hub
            .register(url, topics)
            .await
            .map_err(anyhow::Error::msg)
    }

    /// The app's webhook subscriptions.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.app.hub.subscriptions()
    }

    /// Every delivery attempt to the app's subscriptions so far (from every workspace it is
    /// installed in), in the order made.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.app.hub.deliveries()
    }

    /// Waits (at most `timeout`) until `done` holds for the delivery log; returns the log.
    pub async fn wait_for_deliveries(
        &self,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        self.app.hub.wait_for(timeout, done).await
    }

    /// How the app's webhooks are delivered, for every topic (forgetting modes set per topic).
    pub fn set_delivery_mode(&self, mode: DeliveryMode) {
        self.app.hub.set_mode(mode);
    }

    /// How the app's webhooks of these topics are delivered (duplicated, held back for the
    /// next notification to overtake); other topics keep their mode.
    pub fn set_delivery_mode_for(&self, topics: &[&str], mode: DeliveryMode) {
        self.app.hub.set_mode_for(topics, mode);
    }

    /// Adds a fault to the workspace's API (not the control surface).
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.gate.add_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.gate.clear_faults();
    }

    /// Requests the workspace answered per route (`"GET /contacts/{id}"`) plus `"total"`;
    /// paths that match no route count as `"GET (unknown route)"`. Calls with a token of no
    /// workspace count in the first one.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared.gate.counts()
    }

    /// Write requests (any method but GET and HEAD) per concrete path, as
    /// `"PUT /contacts/6a1f.."`: which records were written, and how often.
    pub fn write_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared.gate.write_counts()
    }

    /// Every write the workspace's API carried out (answered 2xx), with its body and time, in
    /// order: who changed what, as the workspace's own record.
    pub fn write_log(&self) -> Vec<super::gate::ApiWrite> {
        self.shared.gate.write_log()
    }

    /// Acting as the inbox: sends a Canvas Kit Initialize request, signed with the app's
    /// secret, to `app_url` for a teammate looking at a conversation, and checks the answer.
    pub async fn canvas_initialize(
        &self,
        app_url: &str,
        conversation_id: &str,
        admin_id: u64,
    ) -> anyhow::Result<CanvasVerdict> {
        let request = canvas::build_request(
            &self.shared,
            &self.app.client_secret,
            conversation_id,
            admin_id,
            None,
        )?;
        Ok(canvas::send(app_url, &request).await)
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
        let request = canvas::build_request(
            &self.shared,
            &self.app.client_secret,
            conversation_id,
            admin_id,
            Some(submit),
        )?;
        Ok(canvas::send(app_url, &request).await)
    }

    /// Acting as a contact: starts a conversation (`body` is HTML) with optional attachments;
    /// returns the conversation id. Emits `conversation.user.created`.
    pub fn contact_starts_conversation(
        &self,
        contact_id: &str,
        body: &str,
        attachments: Vec<Attachment>,
    ) -> anyhow::Result<String> {
        api::start_conversation(&self.shared, contact_id, body, attachments, None)
            .map(|c| c["conversation_id"].as_str().unwrap_or_default().to_owned())
            .map_err(api_error)
    }

    /// Acting as a teammate: starts a conversation with a contact (what `POST /messages`
    /// does): closed and assigned to them until the contact replies. Emits
    /// `conversation.admin.single.created`; returns the conversation id.
    pub fn teammate_starts_conversation(
        &self,
        admin_id: u64,
        contact_id: &str,
        body: &str,
    ) -> anyhow::Result<String> {
        let message = api::TeammateMessage {
            message_type: "inapp".into(),
            subject: None,
            body: body.to_owned(),
        };
        api::teammate_starts_conversation(&self.shared, admin_id, contact_id, message)
            .map(|c| c["conversation_id"].as_str().unwrap_or_default().to_owned())
            .map_err(api_error)
    }

    /// Puts parts into a conversation's history as an import would: no webhooks, but each
    /// moves the conversation's state and assignee. Returns the new parts' ids.
    pub fn import_parts(
        &self,
        conversation_id: &str,
        parts: Vec<NewPart>,
    ) -> anyhow::Result<Vec<String>> {
        history::import(&self.shared, conversation_id, parts).map_err(api_error)
    }

    /// Imports [`history::sample`]`(count, ..)` between the conversation's contact and its
    /// assigned teammate (else the first), with images under
    /// `https://downloads.intercomcdn.com/i/o/<workspace>`. Returns the new parts' ids.
    pub fn import_sample_parts(
        &self,
        conversation_id: &str,
        count: usize,
    ) -> anyhow::Result<Vec<String>> {
        let parts = history::sample_for(&self.shared, conversation_id, count).map_err(api_error)?;
        self.import_parts(conversation_id, parts)
    }

    /// Acting as the website Messenger: a lead arrives, and (after `attach_after`) their
    /// company is attached. See [`messenger`] for the webhooks it raises.
    pub async fn messenger_lead(&self, lead: MessengerLead) -> anyhow::Result<MessengerOutcome> {
        messenger::lead_arrives(&self.shared, lead)
            .await
            .map_err(api_error)
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
        .map_err(api_error)
    }

    /// Acting as a teammate: reply, note, assign, close, open, snooze.
    pub fn teammate_acts(
        &self,
        conversation_id: &str,
        action: api::PartInput,
    ) -> anyhow::Result<Value> {
        api::add_part(&self.shared, conversation_id, action).map_err(api_error)
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
}
