//! Listening to Salesforce: the change stream (CDC over CometD) with its replay id stored per
//! installation, and the reconciling sweep behind it. Both feed one [`ChangeSink`].
//!
//! The stream brings changes within seconds and costs no API calls; the sweep (one call per
//! period for every object) catches what the stream cannot carry: formula fields, bulk writes,
//! gaps, a replay window that expired while the process was down, and a stream that dropped.
//!
//! Invariant: one listener per installation across every process on the database. A listener
//! streams and sweeps only while it holds the installation's lease (`store::leases`), renewed
//! at a third of its term; a process that dies stops renewing, and another takes the lease
//! once it expires and resumes from the stored replay id and sweep cursors.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::future::BoxFuture;
use shared::sync::convert::SyncValue;
use tokio::sync::Notify;

use crate::clients::{ClientError, Clients};
use crate::salesforce::changes::ObjectCursor;
use crate::salesforce::streaming::{ChangeType, Replay, StreamError};
use crate::salesforce::{self, SalesforceError};
use crate::store::{Store, StoreError};

/// The objects whose changes matter to the sync and the card.
pub const OBJECTS: &[&str] = &["Lead", "Contact", "Account", "User"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Upsert,
    Delete,
}

/// One record that changed in Salesforce.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub object: String,
    pub id: String,
    pub kind: ChangeKind,
    /// This app made the change (its `changeOrigin` client name): an echo of our own write.
    pub ours: bool,
    /// The fields the stream says changed; empty when only the sweep saw it (read them all).
    pub changed_fields: Vec<String>,
    /// New values the stream carried.
    pub values: Vec<(String, SyncValue)>,
}

/// Where changes go (the sync engine, the card cache). Called again for a change after a crash
/// or an overlap, so it must be idempotent.
pub trait ChangeSink: Send + Sync + 'static {
    fn changed<'a>(
        &'a self,
        installation_id: &'a str,
        changes: Vec<RecordChange>,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
}

#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// How often the reconciling sweep runs.
    pub sweep_every: Duration,
    /// How far before the last row seen each sweep looks again.
    pub overlap: Duration,
    /// Longest wait before reconnecting a dropped stream.
    pub max_backoff: Duration,
    /// How long a listener lease lasts unrenewed: the longest another process waits to take
    /// over from one that died.
    pub lease: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig {
            sweep_every: Duration::from_secs(300),
            overlap: Duration::from_secs(60),
            max_backoff: Duration::from_secs(30),
            lease: Duration::from_secs(30),
        }
    }
}

impl ListenerConfig {
    /// How often a lease is renewed (and a free one looked for): a third of its term, so two
    /// renewals can fail before it runs out.
    fn renew_every(&self) -> Duration {
        self.lease / 3
    }
}

#[derive(Debug, thiserror::Error)]
enum ListenError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error(transparent)]
    Salesforce(#[from] SalesforceError),
    #[error("handing changes on failed: {0:#}")]
    Sink(anyhow::Error),
}

/// Listens for one installation until `stop` is notified.
pub struct Listener {
    clients: Clients,
    sink: Arc<dyn ChangeSink>,
    config: ListenerConfig,
    installation_id: String,
    /// This process's name in the lease table.
    holder: Arc<str>,
    /// Wakes the sweep early (a gap, a lost replay position, a reconnect).
    sweep_now: Notify,
    /// Whether the stream is subscribed right now.
    live: tokio::sync::watch::Sender<bool>,
    /// Records the stream handed on, with the commit time of their latest event (unix ms).
    /// Kept in the database too (`salesforce_streamed`): a listener that resumes from the
    /// stored replay id, after a restart or on another process, starts with it.
    streamed: parking_lot::Mutex<HashMap<String, i64>>,
    /// Since when (unix ms) the stream has missed nothing: every change since then was handed
    /// on or will be, by this session or a replay from the stored id. `None`: broken (a gap, a
    /// lost replay position). See [`Listener::already_streamed`].
    unbroken_since: parking_lot::Mutex<Option<i64>>,
}

impl Listener {
    pub fn new(
        clients: Clients,
        sink: Arc<dyn ChangeSink>,
        config: ListenerConfig,
        installation_id: &str,
        holder: Arc<str>,
    ) -> Arc<Listener> {
        Arc::new(Listener {
            clients,
            sink,
            config,
            installation_id: installation_id.to_owned(),
            holder,
            sweep_now: Notify::new(),
            live: tokio::sync::watch::Sender::new(false),
            streamed: parking_lot::Mutex::new(HashMap::new()),
            unbroken_since: parking_lot::Mutex::new(None),
        })
    }

    /// Resolves once the stream is subscribed (changes from then on arrive within seconds).
    pub async fn live(&self) {
        let mut live = self.live.subscribe();
        let _ = live.wait_for(|live| *live).await;
    }

    fn store(&self) -> &Store {
        self.clients.store()
    }

    /// Runs the stream and the sweep side by side, while this process holds the installation's
    /// lease, until `stop` resolves; then gives the lease up.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::select! {
            () = self.clone().hold_and_listen() => {}
            () = stop => {}
        }
        self.live.send_replace(false);
        self.release().await;
    }

    /// Waits for the lease, listens while it is renewed, and waits again when it is lost.
    async fn hold_and_listen(self: Arc<Self>) {
        loop {
            while !self.renew().await {
                tokio::time::sleep(self.config.renew_every()).await;
            }
            tracing::info!(installation = %self.installation_id, holder = %self.holder,
                "took the Salesforce listener lease");
            // Dropped (lease lost, or this run stopped) aborts both.
            let mut listening = tokio::task::JoinSet::new();
            let me = self.clone();
            listening.spawn(async move { me.stream_forever().await });
            let me = self.clone();
            listening.spawn(async move { me.sweep_forever().await });
            let mut held_until = now() + self.config.lease.as_millis() as i64;
            loop {
                tokio::time::sleep(self.config.renew_every()).await;
                match self.try_renew().await {
                    Ok(true) => held_until = now() + self.config.lease.as_millis() as i64,
                    Ok(false) => break,
                    // The database did not answer: keep listening while the lease surely still
                    // runs, stop before another process could take it.
                    Err(error) => {
                        tracing::warn!(installation = %self.installation_id, %error,
                            "cannot renew the Salesforce listener lease");
                        if now() + self.config.renew_every().as_millis() as i64 >= held_until {
                            break;
                        }
                    }
                }
            }
            // Another process holds it now (this one was too slow to renew): stop at once so
            // two listeners never hand on the same changes for long.
            tracing::warn!(installation = %self.installation_id, holder = %self.holder,
                "lost the Salesforce listener lease; listening stops here");
            drop(listening);
            self.live.send_replace(false);
        }
    }

    /// Takes or renews the lease; a database error counts as not holding it.
    async fn renew(&self) -> bool {
        self.try_renew().await.unwrap_or_else(|error| {
            tracing::warn!(installation = %self.installation_id, %error,
                "cannot take the Salesforce listener lease");
            false
        })
    }

    async fn try_renew(&self) -> Result<bool, StoreError> {
        let now = now();
        let until = now + self.config.lease.as_millis() as i64;
        self.store()
            .take_lease(&self.installation_id, &self.holder, now, until)
            .await
    }

    async fn release(&self) {
        tracing::debug!(installation = %self.installation_id, holder = %self.holder,
            "giving up the Salesforce listener lease");
        if let Err(error) = self
            .store()
            .release_lease(&self.installation_id, &self.holder)
            .await
        {
            tracing::warn!(installation = %self.installation_id, %error,
                "cannot give up the Salesforce listener lease; it expires on its own");
        }
    }

    async fn stream_forever(&self) {
        let mut backoff = Duration::from_secs(1);
        loop {
            let outcome = self.stream_once().await;
            self.live.send_replace(false);
            match outcome {
                Ok(()) => backoff = Duration::from_secs(1),
                Err(error) => {
                    tracing::warn!(installation = %self.installation_id, %error,
                        "the Salesforce change stream stopped; the sweep covers until it is back");
                    // Whatever happened while it was down is found by the sweep.
                    self.sweep_now.notify_one();
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
            }
        }
    }

    /// One stream session: subscribe from the stored replay id, hand on batches until it ends.
    async fn stream_once(&self) -> Result<(), ListenError> {
        let client = self.clients.salesforce(&self.installation_id).await?;
        let stored = self
            .store()
            .salesforce_cursors(&self.installation_id)
            .await?;
        let replay = stored.replay_id.map_or(Replay::New, Replay::After);
        let channels: Vec<(String, Replay)> = OBJECTS
            .iter()
            .map(|o| (format!("/data/{o}ChangeEvent"), replay))
            .collect();
        let mut stream = match client.stream(&channels).await {
            Ok(stream) => stream,
            Err(StreamError::ReplayUnavailable(why)) => {
                // Too old to replay: start from now; subscribing without a position sweeps
                // (below), which reads what was missed.
                tracing::warn!(installation = %self.installation_id, %why, "replay position lost; sweeping");
                *self.unbroken_since.lock() = None;
                self.store()
                    .clear_replay_id(&self.installation_id, now())
                    .await?;
                return Ok(());
            }
            Err(other) => return Err(other.into()),
        };
        // From a stored id the replay covers the time in between, so what was stored with it
        // still holds (a listener new to it, after a restart, takes it up with the records the
        // stream handed on); from nothing, only now on.
        let fresh = self.unbroken_since.lock().is_none();
        let since = match (stored.replay_id, stored.streamed_since) {
            (Some(_), Some(since)) if fresh => {
                let streamed = self
                    .store()
                    .streamed(&self.installation_id, self.oldest_streamed())
                    .await?;
                let mut seen = self.streamed.lock();
                for (id, at) in streamed {
                    let latest = seen.entry(id).or_insert(at);
                    *latest = (*latest).max(at);
                }
                Some(since)
            }
            (Some(_), _) if !fresh => None,
            _ => Some(now()),
        };
        if let Some(since) = since {
            *self.unbroken_since.lock() = Some(since);
            self.store()
                .save_streamed_since(&self.installation_id, since, now())
                .await?;
        }
        self.live.send_replace(true);
        if stored.replay_id.is_none() {
            // Nothing to resume from (a first start, or after a lost replay position): the
            // stream carries changes from now on, the sweep reads what changed before, while
            // nobody listened, from its stored cursors.
            self.sweep_now.notify_one();
        }
        loop {
            let events = match stream.next_batch().await {
                Ok(events) => events,
                Err(StreamError::Rehandshake(why)) => {
                    tracing::debug!(%why, "the streaming session ended; subscribing again");
                    return Ok(());
                }
                Err(other) => return Err(other.into()),
            };
            let Some(last) = events.iter().map(|e| e.replay_id).max() else {
                continue;
            };
            let mut changes = Vec::new();
            let mut streamed = Vec::new();
            let mut gap = false;
            for event in events {
                let kind = match event.change_type {
                    ChangeType::Create | ChangeType::Update | ChangeType::Undelete => {
                        ChangeKind::Upsert
                    }
                    ChangeType::Delete => ChangeKind::Delete,
                    ChangeType::Gap(_) => {
                        gap = true;
                        // The event says records changed but not how: the sweep reads them.
                        self.sweep_now.notify_one();
                        continue;
                    }
                };
                let ours = event.client.as_deref() == Some(salesforce::CLIENT_NAME);
                for id in &event.record_ids {
                    streamed.push((id.clone(), event.commit_timestamp));
                    changes.push(RecordChange {
                        object: event.entity.clone(),
                        id: id.clone(),
                        kind,
                        ours,
                        changed_fields: event.changed_fields.clone(),
                        values: event.values.clone(),
                    });
                }
            }
            if gap {
                let since = now();
                *self.unbroken_since.lock() = Some(since);
                self.store()
                    .save_streamed_since(&self.installation_id, since, now())
                    .await?;
            }
            if !changes.is_empty() {
                self.sink
                    .changed(&self.installation_id, changes)
                    .await
                    .map_err(ListenError::Sink)?;
                // Before the replay id: a crash in between replays what is recorded here.
                self.store()
                    .save_streamed(&self.installation_id, &streamed)
                    .await?;
                let mut seen = self.streamed.lock();
                for (id, at) in streamed {
                    let latest = seen.entry(id).or_insert(at);
                    *latest = (*latest).max(at);
                }
            }
            // Stored only once handed on: a crash before this replays the batch.
            self.store()
                .save_replay_id(&self.installation_id, last, now())
                .await?;
        }
    }

    async fn sweep_forever(&self) {
        loop {
            let wait = tokio::time::sleep(self.config.sweep_every);
            tokio::select! {
                () = wait => {}
                () = self.sweep_now.notified() => {}
            }
            if let Err(error) = self.sweep_once().await {
                tracing::warn!(installation = %self.installation_id, %error, "the reconciling sweep failed");
            }
        }
    }

    /// Whether the sweep may leave this row to the stream: the stream is live and has missed
    /// nothing since before `modstamp`, and it handed on a change of the record committed no
    /// earlier. A later change in the same second (`SystemModstamp` has whole seconds) is then
    /// the stream's too, delivered or still coming; a stream that is down skips nothing.
    fn already_streamed(&self, id: &str, modstamp: i64) -> bool {
        *self.live.borrow()
            && self
                .unbroken_since
                .lock()
                .is_some_and(|since| since <= modstamp)
            && self
                .streamed
                .lock()
                .get(id)
                .is_some_and(|streamed| modstamp <= *streamed)
    }

    /// The oldest commit time (unix ms) of a streamed change any sweep may still look at.
    fn oldest_streamed(&self) -> i64 {
        let window = (self.config.sweep_every + self.config.overlap) * 2;
        now() - window.as_millis() as i64
    }

    /// Forgets streamed changes too old for any sweep to look at again, here and in the store.
    async fn forget_old_streamed(&self) -> Result<(), StoreError> {
        let oldest = self.oldest_streamed();
        self.streamed.lock().retain(|_, at| *at >= oldest);
        self.store()
            .forget_streamed(&self.installation_id, oldest)
            .await?;
        Ok(())
    }

    /// One sweep of every object (one API call, more only when a page was full).
    pub async fn sweep_once(&self) -> Result<(), SweepError> {
        let result: Result<(), ListenError> = async {
            self.forget_old_streamed().await?;
            let client = self.clients.salesforce(&self.installation_id).await?;
            let stored = self
                .store()
                .salesforce_cursors(&self.installation_id)
                .await?;
            let mut cursors: Vec<ObjectCursor> = stored
                .sweep
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_else(|| {
                    OBJECTS
                        .iter()
                        .map(|o| ObjectCursor {
                            object: (*o).to_owned(),
                            modified: None,
                            deleted_until: None,
                            more: false,
                        })
                        .collect()
                });
            // A first sweep starts now: history is the backfill's work, not the listener's.
            let start =
                Utc::now() - chrono::Duration::from_std(self.config.overlap).unwrap_or_default();
            loop {
                let sweep = client
                    .sweep(&cursors, start, self.config.overlap, Utc::now())
                    .await?;
                // The sweep says only which records changed: the sink reads them.
                let swept = |object: &str, id: &str, kind| RecordChange {
                    object: object.to_owned(),
                    id: id.to_owned(),
                    kind,
                    ours: false,
                    changed_fields: Vec::new(),
                    values: Vec::new(),
                };
                let changed = sweep
                    .changed
                    .iter()
                    .map(|c| (&c.object, &c.id, c.modstamp, ChangeKind::Upsert));
                let deleted = sweep
                    .deleted
                    .iter()
                    .map(|d| (&d.object, &d.id, d.at, ChangeKind::Delete));
                let changes: Vec<RecordChange> = changed
                    .chain(deleted)
                    .filter(|(_, id, at, _)| !self.already_streamed(id, at.timestamp_millis()))
                    .map(|(object, id, _, kind)| swept(object, id, kind))
                    .collect();
                if !changes.is_empty() {
                    self.sink
                        .changed(&self.installation_id, changes)
                        .await
                        .map_err(ListenError::Sink)?;
                }
                cursors = sweep.cursors;
                let json = serde_json::to_string(&cursors).expect("cursors serialise");
                self.store()
                    .save_sweep(&self.installation_id, &json, now())
                    .await?;
                if !sweep.more {
                    return Ok(());
                }
            }
        }
        .await;
        result.map_err(|e| SweepError(e.to_string()))
    }
}

/// The running listeners, one per connected installation. Cheap to clone.
#[derive(Clone)]
pub struct Listeners {
    clients: Clients,
    sink: Arc<dyn ChangeSink>,
    config: ListenerConfig,
    /// This process's name in the lease table: where it serves (see `app::bind`), or new
    /// for every run.
    holder: Arc<str>,
    running: Arc<parking_lot::Mutex<HashMap<String, Running>>>,
    /// Runs stopped but maybe still giving their lease up: a new run for the installation
    /// waits for its predecessor, whose release would otherwise drop the new run's lease.
    stopping: Arc<parking_lot::Mutex<HashMap<String, tokio::task::JoinHandle<()>>>>,
}

struct Running {
    listener: Arc<Listener>,
    task: tokio::task::JoinHandle<()>,
    /// Ends the listener's run, which gives its lease up.
    stop: Arc<Notify>,
}

impl Listeners {
    pub fn new(clients: Clients, sink: Arc<dyn ChangeSink>, config: ListenerConfig) -> Listeners {
        Listeners {
            clients,
            sink,
            config,
            holder: uuid::Uuid::new_v4().to_string().into(),
            running: Arc::default(),
            stopping: Arc::default(),
        }
    }

    /// These listeners under the name `holder` in the lease table (before any starts).
    pub fn named(mut self, holder: &str) -> Listeners {
        self.holder = holder.into();
        self
    }

    /// This process's name in the lease table.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Starts listening for the installation unless it already is (e.g. after it connected).
    pub fn ensure(&self, installation_id: &str) {
        let mut running = self.running.lock();
        if running
            .get(installation_id)
            .is_some_and(|r| !r.task.is_finished())
        {
            return;
        }
        let listener = Listener::new(
            self.clients.clone(),
            self.sink.clone(),
            self.config.clone(),
            installation_id,
            self.holder.clone(),
        );
        let stop = Arc::new(Notify::new());
        let previous = self.stopping.lock().remove(installation_id);
        let task = {
            let stop = stop.clone();
            let listener = listener.clone();
            tokio::spawn(async move {
                if let Some(previous) = previous {
                    let _ = previous.await;
                }
                listener.run(async move { stop.notified().await }).await
            })
        };
        running.insert(
            installation_id.to_owned(),
            Running {
                listener,
                task,
                stop,
            },
        );
    }

    /// Resolves once the installation's stream is subscribed (`false` if it has no listener).
    pub async fn live(&self, installation_id: &str) -> bool {
        let listener = self
            .running
            .lock()
            .get(installation_id)
            .map(|r| r.listener.clone());
        match listener {
            Some(listener) => {
                listener.live().await;
                true
            }
            None => false,
        }
    }

    /// Runs one sweep for the installation now, beside its schedule (`Ok(false)`: no listener).
    pub async fn sweep(&self, installation_id: &str) -> Result<bool, SweepError> {
        let listener = self
            .running
            .lock()
            .get(installation_id)
            .map(|r| r.listener.clone());
        match listener {
            Some(listener) => listener.sweep_once().await.map(|()| true),
            None => Ok(false),
        }
    }

    /// The installations whose change stream this process has subscribed now.
    pub fn live_now(&self) -> Vec<String> {
        self.running
            .lock()
            .iter()
            .filter(|(_, r)| *r.listener.live.borrow())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The installations whose listener lease this process holds now.
    pub async fn leases_held(&self) -> Result<Vec<String>, StoreError> {
        let now = now();
        Ok(self
            .clients
            .store()
            .leases()
            .await?
            .into_iter()
            .filter(|l| *l.holder == *self.holder && l.expires_at > now)
            .map(|l| l.installation_id)
            .collect())
    }

    /// Starts listening for every installation connected to Salesforce.
    pub async fn start_connected(&self) -> Result<(), StoreError> {
        for row in self.clients.store().installations().await? {
            if row.salesforce_access_token.is_some() {
                self.ensure(&row.id);
            }
        }
        Ok(())
    }

    /// Stops listening for one installation (it switched org, or is being uninstalled); its
    /// lease is given up in the background.
    pub fn stop(&self, installation_id: &str) {
        if let Some(running) = self.running.lock().remove(installation_id) {
            running.stop.notify_one();
            let mut stopping = self.stopping.lock();
            stopping.retain(|_, task| !task.is_finished());
            stopping.insert(installation_id.to_owned(), running.task);
        }
    }

    /// Stops every listener and gives their leases up, so other processes take over at once
    /// (a rolling restart) instead of after the lease term.
    pub async fn stop_all(&self) {
        let stopping: Vec<Running> = self.running.lock().drain().map(|(_, r)| r).collect();
        for running in stopping {
            running.stop.notify_one();
            let _ = running.task.await;
        }
    }
}

/// A sweep that did not complete; the next one starts from the last cursors stored.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SweepError(String);

fn now() -> i64 {
    Utc::now().timestamp_millis()
}
