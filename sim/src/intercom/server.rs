//! What the whole simulator shares: its workspaces, the apps registered in them, and every
//! token and code issued. The gate asks it whose a token is; the OAuth pages ask it to approve
//! and to exchange.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use parking_lot::{Mutex, RwLock};

use super::auth::{Access, App, Caller, Decision, Grant, Registry};
use super::wire::ApiError;
use super::workspace::Shared;
use super::{State, demo, gate};
use crate::Seed;

/// Everything that tells one workspace from another.
pub(crate) struct WorkspaceSpec {
    pub seed: Seed,
    pub id: String,
    pub name: String,
    pub access_token: String,
    pub app_name: String,
    pub client_id: String,
    pub client_secret: String,
}

pub(crate) struct Server {
    retry_delay: Duration,
    rate_limit_per_minute: u32,
    code_ttl: Duration,
    workspaces: RwLock<Vec<State>>,
    apps: RwLock<Vec<Arc<App>>>,
    registry: Mutex<Registry>,
}

impl Server {
    pub fn new(retry_delay: Duration, rate_limit_per_minute: u32, code_ttl: Duration) -> Server {
        Server {
            retry_delay,
            rate_limit_per_minute,
            code_ttl,
            workspaces: RwLock::new(Vec::new()),
            apps: RwLock::new(Vec::new()),
            registry: Mutex::new(Registry::default()),
        }
    }

    /// Seeds a workspace, registers its own app and installs it there with `access_token`, as
    /// creating an app in the Developer Hub does.
    pub fn add_workspace(&self, spec: WorkspaceSpec) -> anyhow::Result<State> {
        let mut workspaces = self.workspaces.write();
        anyhow::ensure!(
            workspaces.iter().all(|w| w.id != spec.id),
            "a workspace {:?} exists already",
            spec.id
        );
        anyhow::ensure!(
            self.app(&spec.client_id).is_none(),
            "an app with client id {:?} exists already",
            spec.client_id
        );
        anyhow::ensure!(
            self.registry.lock().access(&spec.access_token) == Access::Unknown,
            "the access token of workspace {:?} is another workspace's",
            spec.id
        );
        let (ws, installer) = demo::build(spec.seed, &spec.id, workspaces.len() as u64);
        let app = Arc::new(App::new(
            spec.app_name,
            spec.client_id,
            spec.client_secret,
            self.retry_delay,
        ));
        let shared = Arc::new(Shared::new(
            spec.id.clone(),
            spec.name,
            ws,
            gate::Gate::new(self.rate_limit_per_minute),
            installer,
            spec.access_token.clone(),
            app.clone(),
        ));
        self.apps.write().push(app.clone());
        self.install_token(&shared, &app, installer, &spec.access_token);
        workspaces.push(shared.clone());
        Ok(shared)
    }

    /// The first workspace.
    pub fn primary(&self) -> State {
        self.workspaces.read()[0].clone()
    }

    pub fn workspaces(&self) -> Vec<State> {
        self.workspaces.read().clone()
    }

    pub fn workspace(&self, id: &str) -> Option<State> {
        self.workspaces.read().iter().find(|w| w.id == id).cloned()
    }

    pub fn app(&self, client_id: &str) -> Option<Arc<App>> {
        self.apps
            .read()
            .iter()
            .find(|a| a.client_id == client_id)
            .cloned()
    }

    pub fn access(&self, token: &str) -> Access {
        self.registry.lock().access(token)
    }

    /// The workspace a call belongs to, and who calls (or the refusal).
    pub fn caller(&self, access: Access) -> (State, Result<Caller, ApiError>) {
        match access {
            Access::Granted(grant) => {
                match (
                    self.workspace(&grant.workspace_id),
                    self.app(&grant.client_id),
                ) {
                    (Some(ws), Some(app)) => (
                        ws,
                        Ok(Caller {
                            admin_id: grant.admin_id,
                            app,
                        }),
                    ),
                    _ => (self.primary(), Err(ApiError::unauthorized())),
                }
            }
            Access::Revoked { workspace_id } => (
                self.workspace(&workspace_id)
                    .unwrap_or_else(|| self.primary()),
                Err(ApiError::new(
                    http::StatusCode::UNAUTHORIZED,
                    "token_revoked",
                    "Token revoked",
                )),
            ),
            Access::Unknown => (self.primary(), Err(ApiError::unauthorized())),
        }
    }

    /// The newest live token of an app in a workspace.
    pub fn newest_token(&self, workspace_id: &str, client_id: &str) -> Option<String> {
        self.registry.lock().newest_token(workspace_id, client_id)
    }

    /// The workspace a teammate belongs to.
    pub fn workspace_of_admin(&self, admin_id: u64) -> Option<State> {
        self.workspaces
            .read()
            .iter()
            .find(|w| w.ws.read().admin(admin_id).is_some())
            .cloned()
    }

    pub fn set_next_decision(&self, decision: Decision) {
        self.registry.lock().set_next(decision);
    }

    pub fn take_next_decision(&self) -> Option<Decision> {
        self.registry.lock().take_next()
    }

    /// A teammate approved `app`: a code that the app exchanges for a token of the teammate's
    /// workspace.
    pub fn approve(&self, app: &App, admin_id: u64) -> Result<String, String> {
        let ws = self
            .workspace_of_admin(admin_id)
            .ok_or_else(|| format!("no workspace has a teammate with id {admin_id}"))?;
        let code = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        let mut registry = self.registry.lock();
        registry.drop_expired_codes(now);
        registry.issue_code(
            &code,
            Grant {
                workspace_id: ws.id.clone(),
                client_id: app.client_id.clone(),
                admin_id,
            },
            now,
            self.code_ttl,
        );
        Ok(code)
    }

    /// `POST /auth/eagle/token`: the app proves itself with its secret, then the code (used up
    /// by the attempt) becomes a new access token; the app is installed in the workspace.
    pub fn exchange(
        &self,
        code: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<String, ApiError> {
        let refused =
            |message: &str| ApiError::new(http::StatusCode::UNAUTHORIZED, "unauthorized", message);
        let app = self
            .app(client_id)
            .filter(|a| a.client_secret == client_secret)
            .ok_or_else(|| refused("Client ID or Client Secret invalid"))?;
        let grant = self
            .registry
            .lock()
            .redeem(code, client_id, Instant::now())
            .map_err(|r| refused(r.message()))?;
        let ws = self
            .workspace(&grant.workspace_id)
            .ok_or_else(|| refused("Workspace not found"))?;
        let token = new_access_token();
        self.install_token(&ws, &app, grant.admin_id, &token);
        Ok(token)
    }

    fn install_token(&self, ws: &Shared, app: &Arc<App>, admin_id: u64, token: &str) {
        self.registry.lock().add_token(
            token,
            Grant {
                workspace_id: ws.id.clone(),
                client_id: app.client_id.clone(),
                admin_id,
            },
        );
        ws.set_installed(app, true);
    }

    /// The app leaves the workspace: its tokens there are revoked and its webhook
    /// subscriptions stop hearing from it. How many tokens were revoked.
    pub fn uninstall(&self, ws: &Shared, client_id: &str) -> usize {
        let revoked = self.registry.lock().revoke_installation(&ws.id, client_id);
        if let Some(app) = self.app(client_id) {
            ws.set_installed(&app, false);
        }
        revoked
    }
}

/// A fresh access token, shaped like Intercom's: base64 of `tok:<id>:<n>:<n>`.
pub(crate) fn new_access_token() -> String {
    base64::engine::general_purpose::STANDARD
        .encode(format!("tok:{}:1:0", uuid::Uuid::new_v4().simple()))
}

/// A fresh client id (a UUID, as the Developer Hub gives).
pub(crate) fn new_client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn new_client_secret() -> String {
    uuid::Uuid::new_v4().to_string()
}
