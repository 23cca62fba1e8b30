//! A simulated Intercom: workspaces behind one base URL (the first seeded from `Config`, more
//! with [`IntercomSim::add_workspace`]), the REST API (version 2.11 shapes), OAuth for
//! installing an app into a workspace, signed webhooks, a Canvas Kit caller acting as the inbox,
//! and a control surface under `/__sim/`.
//!
//! Code map: `wire` (errors, ids, times, cursors), `store` (records and their JSON),
//! `search` (query DSL), `api` (REST handlers, a module per resource), `auth` (apps, access
//! tokens, OAuth codes), `oauth` (the authorize page, the token exchange, uninstall), `server`
//! (the workspaces, apps and tokens of one simulator), `workspace` (one workspace's state and
//! the [`IntercomWorkspace`] handle), `webhooks` (subscriptions, delivery, log, delivery
//! modes), `history` (conversation parts imported without webhooks, and a sample long
//! conversation), `messenger` (the website Messenger bringing in a lead and their company),
//! `canvas` (Canvas Kit caller and response checks), `control` (`/__sim/`: people, faults,
//! counters, OAuth decisions), `gate` (token to workspace, version, rate limits, faults),
//! `payloads` (strict webhook types), `demo` (seed tables), `cli`.
//!
//! Conversations, as Intercom serves them (API 2.11):
//! - `GET /conversations/{id}` shows at most the 500 latest parts, oldest first;
//!   `conversation_parts.total_count` counts the parts shown and
//!   `statistics.count_conversation_parts` all of them (the opening message included). Intercom
//!   has no way to read older parts: no parts endpoint, no paging parameter, none in search or
//!   listings; `display_as=plaintext` only turns bodies into text. The simulator does the same.
//! - Parts: `comment`, `note`, `close`, `open`, `snoozed`, `unsnoozed`, `assignment`,
//!   `assign_and_reopen`, `assign_and_unsnooze`, and, through history, any other
//!   (`away_mode_assignment`, ..); authors `user`, `lead`, `admin`, `bot` (Fin,
//!   `operator+<workspace>@intercom.io`), `team`; attachments are `upload`s (`name`, `url`,
//!   `content_type`, `filesize`, `width`, `height`), inline images `<img src=..>` in bodies.
//! - Actions and their topics (each webhook item is the conversation with only the
//!   triggering part, unix-second times): a contact writes in (`POST /conversations`, the
//!   Messenger control) -> `conversation.user.created`, no part; a teammate starts one
//!   (`POST /messages`) -> `conversation.admin.single.created`, closed and assigned to them
//!   until the contact replies; replies (`POST /conversations/{id}/reply`, a contact's
//!   reopening a closed or snoozed conversation) -> `conversation.user.replied` or
//!   `conversation.admin.replied`; `note` -> `conversation.admin.noted`; `POST
//!   /conversations/{id}/parts` `close` -> `conversation.admin.closed`, `open` ->
//!   `conversation.admin.opened` (`conversation.admin.unsnoozed` when it was snoozed),
//!   `snoozed` -> `conversation.admin.snoozed`, `assignment` (`"type": "team"` for a team;
//!   reopening a closed or snoozed conversation) -> `conversation.admin.assigned` and
//!   `conversation.admin.open.assigned`.
//! - Companies and contacts: `POST /contacts/{id}/companies` -> `company.contact.attached`,
//!   `DELETE /contacts/{id}/companies/{company_id}` -> `company.contact.detached`; the item is
//!   `{"company","contact"}` as captured (see `payloads::CompanyContact`), and a detach's
//!   item still shows the attachment. Nothing is raised when nothing changes.
//! - From Rust, on [`IntercomWorkspace`]: `contact_starts_conversation`, `contact_replies`,
//!   `teammate_acts` (with [`api::PartInput`]), `teammate_starts_conversation`,
//!   `import_parts` ([`NewPart`]) and `import_sample_parts` (a 1,200-part conversation in one
//!   call), `messenger_lead` ([`MessengerLead`]), `set_delivery_mode` and
//!   `set_delivery_mode_for` (duplicate or hold back chosen topics' deliveries, as the real
//!   service sometimes does).
//!
//! Workspaces and apps: each workspace has its own id, teammates, records, rate limit, counters
//! and faults, and its own app (client id, client secret, an access token acting for its first
//! teammate). A token answers only for its workspace: another workspace's records are not
//! found. Webhook subscriptions belong to an app and hear from every workspace the app is
//! installed in, signed with the app's secret, each carrying its workspace's id as `app_id`.
//! Later workspaces hold the demo's people under ids no other workspace uses.
//! [`IntercomWorkspace::with_app`] views a workspace through another app installed there (its
//! token, secret, webhook log and Canvas Kit signatures); [`IntercomWorkspace::uninstall_app`]
//! is a teammate uninstalling it. Redirect URLs (`https`, or `http` on a loopback host) come from
//! `Config::redirect_urls`, [`IntercomWorkspace::add_redirect_url`] or `--redirect-url`.
//!
//! OAuth, as for a public app (the first workspace's app, or any app with a redirect URL):
//! - `GET /oauth?client_id=..&state=..[&redirect_uri=..]` (app.intercom.com's page, served on
//!   the simulator's base URL). An unknown `client_id`, or a `redirect_uri` that is not exactly
//!   one of the app's redirect URLs, gets a 400 page and no redirect; without `redirect_uri` the
//!   app's first redirect URL is used. The page lists every workspace's teammates; choosing one
//!   approves as them (`POST /oauth`), "Cancel" denies. Headless: add `&sim_admin_id=<id>` to
//!   approve at once as that teammate, or `&sim_decision=deny`; or decide the next
//!   authorization beforehand with `POST /__sim/oauth/next {"admin_id":".."}|{"deny":true}`
//!   ([`IntercomSim::approve_next_as`], [`IntercomSim::deny_next`]). Then a 302 to the redirect
//!   URL with `code` and `state`, or `error=access_denied` and `state`.
//! - `POST /auth/eagle/token` (form or JSON: `code`, `client_id`, `client_secret`) ->
//!   `{"token_type":"Bearer","token":"..","access_token":".."}`: a new token for the
//!   approving teammate's workspace, acting for them (`GET /me`). Codes are single-use and live
//!   `Config::oauth_code_ttl` (5 minutes). Refusals are `error.list` bodies: 400
//!   `parameter_not_found` for a missing field, 401 `unauthorized` for a wrong client id or
//!   secret, or an unknown, used, expired or another app's code.
//! - `POST /auth/uninstall` with a token uninstalls its app from its workspace: every token of
//!   that app there answers 401 `token_revoked` from then on.
//! - The page and the exchange take no token, so the gate neither counts nor limits them.
//!
//! Control surface (no auth). Per-workspace routes act on the workspace named by
//! `?workspace_id=`, the first one without it:
//! `POST /__sim/contacts/{id}/conversations {"body","attachments"}` (a contact writes in),
//! `POST /__sim/conversations/{id}/contact_reply {"body","attachments","contact_id"?}`,
//! `POST /__sim/conversations/{id}/teammate {"message_type":"comment|note|assignment|close|open|snoozed","admin_id",..}`,
//! `POST /__sim/conversations/{id}/history {"parts":[{"part_type","author":{"type","id"},"body"?,"attachments"?,"assigned_to"?,"created_at"?}]}`
//! or `{"sample":1200}` (parts as history, no webhooks; [`history::sample`] says what the
//! sample holds),
//! `POST /__sim/messenger/leads {"email","name"?,"company"?:{"company_id"?,"name"?},"attach_after_ms"?}`
//! (a lead, then their company attached; see [`messenger`]),
//! `GET|POST /__sim/webhooks {"url","topics"}` (the workspace's own app), `GET /__sim/webhooks/deliveries`,
//! `POST /__sim/webhooks/mode {"duplicate","out_of_order","topics"?}` (for chosen topics, or
//! every topic),
//! `POST|DELETE /__sim/faults {"kind":"status|rate_limited|latency","value":..,"next"|"rate"}`,
//! `GET /__sim/counters`, `GET /__sim/counters/writes`.
//! Whole simulator: `GET /__sim/workspaces` (every workspace with its app's credentials and its
//! teammates), `POST /__sim/oauth/next`, `POST /__sim/apps/{client_id}/redirect_urls {"url"}`.

pub mod api;
pub mod auth;
pub mod canvas;
pub mod cli;
pub mod control;
pub mod demo;
pub mod gate;
pub mod history;
pub mod messenger;
pub mod oauth;
pub mod payloads;
pub mod search;
pub(crate) mod server;
pub mod store;
pub mod webhooks;
pub mod wire;
pub mod workspace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use auth::Decision;
pub use canvas::{CanvasProblem, CanvasRequest, CanvasVerdict};
pub use control::{Fault, FaultKind};
pub use gate::ApiWrite;
pub use history::{NewPart, PartAssignee, PartAuthor};
pub use messenger::{MessengerCompany, MessengerLead, MessengerOutcome};
pub use store::Attachment;
pub use webhooks::{Delivery, DeliveryMode, Subscription, hub_signature};
pub use workspace::{IntercomWorkspace, Teammate};

use crate::Seed;
use server::{Server, WorkspaceSpec};
pub(crate) use workspace::Shared;

/// How to start a simulator and its first workspace.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub seed: Seed,
    /// Wait before the one retry of a failed webhook delivery (a minute on the real service).
    pub webhook_retry_delay: Duration,
    /// Calls per minute per workspace; enforced in 10-second windows of a sixth each, as the
    /// real API does.
    pub rate_limit_per_minute: u32,
    /// The first workspace's app's access token; the demo's fixed one by default.
    pub access_token: String,
    /// The first workspace's app's client secret (signs webhooks and Canvas Kit requests); the
    /// demo's by default.
    pub client_secret: String,
    /// The first workspace's app's client id, for OAuth; the demo's by default.
    pub client_id: String,
    /// The first workspace's app's redirect URLs, for OAuth (more can be added while running).
    pub redirect_urls: Vec<String>,
    /// How long an OAuth code can be exchanged (about 5 minutes on the real service).
    pub oauth_code_ttl: Duration,
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
            client_id: demo::CLIENT_ID.to_owned(),
            redirect_urls: Vec::new(),
            oauth_code_ttl: Duration::from_secs(5 * 60),
        }
    }
}

/// The workspace every handler of one request works on.
pub(crate) type State = Arc<Shared>;

/// A running simulator. It is its first workspace, seen through that workspace's own app
/// (every [`IntercomWorkspace`] method works on it), plus what spans workspaces: adding
/// workspaces and deciding OAuth authorizations.
pub struct IntercomSim {
    first: IntercomWorkspace,
    server: Arc<Server>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl std::ops::Deref for IntercomSim {
    type Target = IntercomWorkspace;

    fn deref(&self) -> &IntercomWorkspace {
        &self.first
    }
}

impl IntercomSim {
    pub async fn start(config: Config) -> anyhow::Result<IntercomSim> {
        let server = Arc::new(Server::new(
            config.webhook_retry_delay,
            config.rate_limit_per_minute,
            config.oauth_code_ttl,
        ));
        let shared = server.add_workspace(WorkspaceSpec {
            seed: config.seed,
            id: demo::WORKSPACE_ID.to_owned(),
            name: demo::WORKSPACE_NAME.to_owned(),
            access_token: config.access_token.clone(),
            app_name: demo::APP_NAME.to_owned(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
        })?;
        for url in &config.redirect_urls {
            shared
                .home_app
                .add_redirect_url(url)
                .map_err(anyhow::Error::msg)?;
        }
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let app = oauth::routes(server.clone())
            .merge(api::router(server.clone()))
            .merge(control::router(server.clone()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "intercom simulator stopped");
            }
        });
        let first = IntercomWorkspace {
            server: server.clone(),
            app: shared.home_app.clone(),
            token: config.access_token,
            shared,
            addr,
        };
        Ok(IntercomSim {
            first,
            server,
            stop,
            task,
        })
    }

    /// Adds a workspace seeded with `seed`, with its own id (`sfbdemo2`, `sfbdemo3`, ..),
    /// teammates and records (ids unlike any other workspace's), and its own app with a fresh
    /// client id, client secret and access token. Served on the same base URL.
    pub fn add_workspace(&self, seed: Seed) -> anyhow::Result<IntercomWorkspace> {
        let n = self.server.workspaces().len() + 1;
        let shared = self.server.add_workspace(WorkspaceSpec {
            seed,
            id: format!("{}{n}", demo::WORKSPACE_ID_PREFIX),
            name: format!("{} {n}", demo::WORKSPACE_NAME),
            access_token: server::new_access_token(),
            app_name: format!("{} {n}", demo::APP_NAME),
            client_id: server::new_client_id(),
            client_secret: server::new_client_secret(),
        })?;
        Ok(self.handle(shared))
    }

    /// Every workspace, the first first, each seen through its own app.
    pub fn workspaces(&self) -> Vec<IntercomWorkspace> {
        self.server
            .workspaces()
            .into_iter()
            .map(|shared| self.handle(shared))
            .collect()
    }

    /// The workspace with this id, seen through its own app.
    pub fn workspace(&self, workspace_id: &str) -> Option<IntercomWorkspace> {
        self.server
            .workspace(workspace_id)
            .map(|shared| self.handle(shared))
    }

    fn handle(&self, shared: State) -> IntercomWorkspace {
        let token = shared.own_token.clone();
        IntercomWorkspace {
            server: self.server.clone(),
            app: shared.home_app.clone(),
            token,
            shared,
            addr: self.first.addr,
        }
    }

    /// The next authorization (`GET /oauth`) approves at once as this teammate, of whichever
    /// workspace has them, without showing the page.
    pub fn approve_next_as(&self, admin_id: u64) {
        self.server.set_next_decision(Decision::ApproveAs(admin_id));
    }

    /// The next authorization is denied at once (`error=access_denied`).
    pub fn deny_next(&self) {
        self.server.set_next_decision(Decision::Deny);
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
