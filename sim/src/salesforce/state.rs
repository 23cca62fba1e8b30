//! What the server shares between requests: the org behind a lock, sessions, counters, faults.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use rand::Rng;
use serde_json::{Map, Value};

use super::Config;
use super::cdc::Bus;
use super::error::SfError;
use super::org::{Journal, Org, WriteCtx};
use super::{ids, seed};

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub expires_at: Instant,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub user_id: String,
    pub client_id: String,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub user_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub expires_at: Instant,
}

/// The connected app integrations log in through.
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Default)]
pub struct Auth {
    pub sessions: HashMap<String, Session>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub codes: HashMap<String, AuthCode>,
}

/// What an injected fault does to an API call.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// 500 `UNKNOWN_EXCEPTION`.
    ServerError,
    /// 503 `SERVER_UNAVAILABLE`.
    Unavailable,
    /// 403 `REQUEST_LIMIT_EXCEEDED`.
    LimitExceeded,
    /// 401 `INVALID_SESSION_ID`.
    ExpiredSession,
    /// Answer normally, this much later.
    Latency(Duration),
    /// Close the connection without an answer.
    Drop,
    /// Do the call (a write is committed), then close the connection without its answer:
    /// the caller cannot know what happened.
    LoseAnswer,
}

/// A fault applied to the next `remaining` API calls, or to a share (`rate`) of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// `Some(n)`: the next n calls; `None`: every call picked by `rate` until cleared.
    pub remaining: Option<u64>,
    /// Share of calls hit, 0.0..=1.0 (1.0 with `remaining`).
    pub rate: f64,
    /// Only calls with this method whose path ends with this (`POST`,
    /// `/composite/sobjects`); every call when `None`.
    pub only: Option<(String, String)>,
}

impl Fault {
    pub fn next(kind: FaultKind, n: u64) -> Fault {
        Fault {
            kind,
            remaining: Some(n),
            rate: 1.0,
            only: None,
        }
    }
    pub fn rate(kind: FaultKind, rate: f64) -> Fault {
        Fault {
            kind,
            remaining: None,
            rate,
            only: None,
        }
    }
    /// The fault hits only calls of `method` whose path ends with `path_end`.
    pub fn only(mut self, method: &str, path_end: &str) -> Fault {
        self.only = Some((method.to_ascii_uppercase(), path_end.to_owned()));
        self
    }
    fn applies(&self, method: &str, path: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|(m, end)| m == method && path.ends_with(end.as_str()))
    }
}

tokio::task_local! {
    /// The open transaction of the allOrNone `/composite` request running on this task.
    pub static COMPOSITE_TXN: std::cell::RefCell<Journal>;
}

pub struct Shared {
    pub config: Config,
    pub base_url: String,
    pub org: RwLock<Org>,
    pub auth: Mutex<Auth>,
    pub faults: Mutex<Vec<Fault>>,
    pub api_calls: AtomicU64,
    pub cdc: Bus,
    /// Bumped when metadata changes; describe answers 304 to older `If-Modified-Since`.
    pub metadata_modified: chrono::DateTime<chrono::Utc>,
    pub app: ConnectedApp,
    /// Query cursors for `nextRecordsUrl`: locator -> remaining rows and total size.
    pub cursors: Mutex<HashMap<String, super::query::Cursor>>,
    pub cursor_counter: AtomicU64,
    /// Bulk API 2.0 jobs and the day's bulk allocations.
    pub bulk: super::bulk::Jobs,
    /// The router itself, for `/composite` subrequests.
    pub router: std::sync::OnceLock<axum::Router>,
    /// The org's edition has no API access: REST calls answer `API_DISABLED_FOR_ORG`.
    pub api_disabled: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub fn new(config: Config, base_url: String) -> Arc<Shared> {
        let mut org = Org::new(ids::make("00D", config.org_number));
        seed::load(&mut org, config.seed);
        let metadata_modified = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("valid date")
            .with_timezone(&chrono::Utc);
        let app = ConnectedApp {
            name: "sfbridge".into(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
        };
        Arc::new(Shared {
            config,
            base_url,
            org: RwLock::new(org),
            auth: Mutex::new(Auth::default()),
            faults: Mutex::new(Vec::new()),
            api_calls: AtomicU64::new(0),
            cdc: Bus::new(),
            metadata_modified,
            app,
            cursors: Mutex::new(HashMap::new()),
            cursor_counter: AtomicU64::new(0),
            bulk: super::bulk::Jobs::default(),
            router: std::sync::OnceLock::new(),
            api_disabled: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn api_calls(&self) -> u64 {
        self.api_calls.load(Ordering::Relaxed)
    }

    /// Counts one API call; `false` once the daily allocation is used up.
    pub fn count_call(&self) -> bool {
        let limit = self.config.daily_api_limit;
        self.api_calls
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < limit).then_some(n + 1)
            })
            .is_ok()
    }

    pub fn limit_info(&self) -> String {
        format!(
            "api-usage={}/{}",
            self.api_calls(),
            self.config.daily_api_limit
        )
    }

    pub fn new_token(&self) -> String {
        let org_id = self.org.read().org_id.clone();
        let secret: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(96)
            .map(char::from)
            .collect();
        format!("{}!AQ{}", &org_id[..15], secret)
    }

    pub fn new_session(&self, user_id: &str) -> String {
        let token = self.new_token();
        let session = Session {
            user_id: user_id.to_owned(),
            expires_at: Instant::now() + self.config.token_ttl,
        };
        self.auth.lock().sessions.insert(token.clone(), session);
        token
    }

    pub fn issue_admin_token(&self) -> String {
        let admin = self.org.read().admin_user_id.clone();
        self.new_session(&admin)
    }

    /// A refresh token of the seeded connected app for `user_id`.
    pub fn issue_refresh_token(&self, user_id: &str) -> String {
        let refresh = format!("5Aep{}", uuid::Uuid::new_v4().simple());
        self.auth.lock().refresh.insert(
            refresh.clone(),
            RefreshGrant {
                user_id: user_id.to_owned(),
                client_id: self.app.client_id.clone(),
            },
        );
        refresh
    }

    /// The user behind a live access token.
    pub fn session_user(&self, token: &str) -> Option<String> {
        let auth = self.auth.lock();
        let s = auth.sessions.get(token)?;
        (Instant::now() < s.expires_at).then(|| s.user_id.clone())
    }

    pub fn expire_sessions(&self) {
        let now = Instant::now();
        for s in self.auth.lock().sessions.values_mut() {
            s.expires_at = now;
        }
    }

    /// Runs writes as one transaction: all committed and published, or none when `all_or_none`
    /// and one fails.
    pub fn write<T>(&self, f: impl FnOnce(&mut Org, &mut Journal) -> T) -> T {
        let mut org = self.org.write();
        let mut journal = Journal::default();
        let out = f(&mut org, &mut journal);
        // Inside an allOrNone `/composite`, keep the work open until the whole request is done.
        let deferred =
            COMPOSITE_TXN.try_with(|txn| txn.borrow_mut().absorb(std::mem::take(&mut journal)));
        if deferred.is_ok() {
            return out;
        }
        let changes = org.commit(journal);
        drop(org);
        self.cdc.publish(changes);
        out
    }

    /// Finishes an allOrNone `/composite` transaction: undone, or published.
    pub fn finish(&self, mut journal: Journal, roll_back: bool) {
        let mut org = self.org.write();
        if roll_back {
            org.rollback(&mut journal);
            return;
        }
        let changes = org.commit(journal);
        drop(org);
        self.cdc.publish(changes);
    }

    /// An edit in the UI; `assign` is the "Assign using active assignment rule" checkbox,
    /// unticked unless given.
    pub fn ui_update(
        &self,
        user_id: &str,
        object: &str,
        id: &str,
        fields: &Map<String, Value>,
        assign: Option<bool>,
    ) -> Result<(), Vec<SfError>> {
        let mut ctx = WriteCtx::ui(user_id);
        ctx.auto_assign = assign.unwrap_or(false);
        self.write(|org, j| org.update(object, id, fields, &ctx, j))
    }

    /// The UI's Convert button on a lead; the new contact's id.
    pub fn ui_convert_lead(
        &self,
        user_id: &str,
        lead_id: &str,
        account_id: Option<&str>,
    ) -> Result<String, Vec<SfError>> {
        let ctx = WriteCtx::ui(user_id);
        self.write(|org, j| org.convert_lead(lead_id, account_id, &ctx, j))
    }

    /// A new record from the UI; the assignment checkbox is ticked by default on new records.
    pub fn ui_create(
        &self,
        user_id: &str,
        object: &str,
        fields: &Map<String, Value>,
        assign: Option<bool>,
    ) -> Result<String, Vec<SfError>> {
        let mut ctx = WriteCtx::ui(user_id);
        ctx.allow_duplicates = false;
        ctx.auto_assign = assign.unwrap_or(true);
        self.write(|org, j| org.insert(object, fields, &ctx, j))
    }

    /// Picks the fault (if any) hitting this call, consuming one use of it.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut faults = self.faults.lock();
        if faults.is_empty() {
            return None;
        }
        let mut rng = rand::rng();
        let i = faults.iter().position(|f| {
            f.applies(method, path)
                && (f.remaining.is_some() || rng.random_bool(f.rate.clamp(0.0, 1.0)))
        })?;
        let kind = faults[i].kind.clone();
        if let Some(n) = faults[i].remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                faults.remove(i);
            }
        }
        Some(kind)
    }
}
