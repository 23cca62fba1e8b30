//! Change Data Capture over the Streaming API (CometD/Bayeux long polling).
//!
//! Every committed change becomes a retained event with a replay id. Clients handshake,
//! subscribe to `/data/<Object>ChangeEvent` or `/data/ChangeEvents` with a replay position,
//! and hold `/meta/connect` open until an event arrives or the timeout passes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use super::org::Change;
use super::schema::schema;

pub struct Event {
    pub replay_id: u64,
    pub entity: &'static str,
    pub message: Value,
}

struct Subscription {
    channel: String,
    /// Last replay id delivered on this subscription.
    cursor: u64,
}

#[derive(Default)]
struct Client {
    subscriptions: Vec<Subscription>,
    /// A `/meta/connect` was answered already: only later ones are held as long polls.
    connected: bool,
}

#[derive(Default)]
struct Inner {
    events: Vec<Event>,
    clients: HashMap<String, Client>,
    /// Events up to this replay id left the retention window: no replay from before it.
    expired_through: u64,
    /// Every event ever published, retention aside: the org's own record of its changes.
    history: Vec<Value>,
}

impl Inner {
    fn last_replay_id(&self) -> u64 {
        self.events
            .last()
            .map_or(self.expired_through, |e| e.replay_id)
    }
}

pub struct Bus {
    inner: Mutex<Inner>,
    notify: Notify,
    closed: AtomicBool,
    /// The streaming endpoint is down: every request fails until it is back.
    outage: AtomicBool,
    client_counter: AtomicU64,
    commit_number: AtomicU64,
    /// Subscriptions accepted so far, so a test can tell when a (re)started client listens.
    subscriptions: AtomicU64,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus {
    pub fn new() -> Bus {
        Bus {
            inner: Mutex::new(Inner::default()),
            notify: Notify::new(),
            closed: AtomicBool::new(false),
            outage: AtomicBool::new(false),
            client_counter: AtomicU64::new(0),
            commit_number: AtomicU64::new(10_529_690_000),
            subscriptions: AtomicU64::new(0),
        }
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Takes the streaming endpoint down (every session is dropped, every request fails) or
    /// brings it back.
    pub fn set_outage(&self, down: bool) {
        self.outage.store(down, Ordering::SeqCst);
        if down {
            self.inner.lock().clients.clear();
            self.notify.notify_waiters();
        }
    }

    pub fn is_down(&self) -> bool {
        self.outage.load(Ordering::SeqCst)
    }

    pub fn last_replay_id(&self) -> u64 {
        self.inner.lock().last_replay_id()
    }

    /// Every event retained so far leaves the retention window (as after 72 hours): a
    /// subscription can resume after the newest one, not from any earlier replay id.
    pub fn expire_retained(&self) {
        let mut inner = self.inner.lock();
        inner.expired_through = inner.last_replay_id();
        inner.events.clear();
    }

    pub fn publish(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let mut inner = self.inner.lock();
        for change in changes {
            let replay_id = inner.last_replay_id() + 1;
            let commit_number = self.commit_number.fetch_add(1, Ordering::Relaxed);
            let message = event_message(&change, replay_id, commit_number);
            inner.history.push(message.clone());
            inner.events.push(Event {
                replay_id,
                entity: change.entity,
                message,
            });
        }
        drop(inner);
        self.notify.notify_waiters();
    }

    /// Every change event published so far, in order, including those past retention.
    pub fn history(&self) -> Vec<Value> {
        self.inner.lock().history.clone()
    }

    pub fn handshake(&self) -> String {
        let n = self.client_counter.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("{n:x}sim{}", uuid::Uuid::new_v4().simple());
        self.inner
            .lock()
            .clients
            .insert(id.clone(), Client::default());
        id
    }

    pub fn disconnect(&self, client: &str) -> bool {
        self.inner.lock().clients.remove(client).is_some()
    }

    /// Subscribes `client`; `replay` is -1 (new events), -2 (all retained) or a replay id.
    pub fn subscribe(&self, client: &str, channel: &str, replay: i64) -> Result<(), String> {
        if !channel_exists(channel) {
            return Err(format!(
                "400::The channel you requested to subscribe to does not exist {{{channel}}}"
            ));
        }
        let mut inner = self.inner.lock();
        let last = inner.last_replay_id();
        let cursor = match replay {
            -1 => last,
            -2 => 0,
            id if id >= 0 && (id as u64) >= inner.expired_through && (id as u64) <= last => {
                id as u64
            }
            id => {
                return Err(format!(
                    "400::The replayId {{{id}}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events."
                ));
            }
        };
        let c = inner
            .clients
            .get_mut(client)
            .ok_or_else(|| "403::Unknown client".to_owned())?;
        c.subscriptions.retain(|s| s.channel != channel);
        c.subscriptions.push(Subscription {
            channel: channel.to_owned(),
            cursor,
        });
        self.subscriptions.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// How many subscriptions were accepted since the org started.
    pub fn subscriptions_accepted(&self) -> u64 {
        self.subscriptions.load(Ordering::SeqCst)
    }

    pub fn unsubscribe(&self, client: &str, channel: &str) {
        if let Some(c) = self.inner.lock().clients.get_mut(client) {
            c.subscriptions.retain(|s| s.channel != channel);
        }
    }

    /// Events waiting for `client`, advancing its cursors. `None` if the client is unknown.
    /// Marks the client connected, so its next connect may be held.
    fn take(&self, client: &str) -> Option<(Vec<Value>, bool)> {
        let mut inner = self.inner.lock();
        let Inner {
            events, clients, ..
        } = &mut *inner;
        let c = clients.get_mut(client)?;
        let was_connected = std::mem::replace(&mut c.connected, true);
        let mut out = Vec::new();
        for sub in &mut c.subscriptions {
            let start = events.partition_point(|e| e.replay_id <= sub.cursor);
            for e in &events[start..] {
                if sub.channel == "/data/ChangeEvents"
                    || sub.channel == format!("/data/{}ChangeEvent", e.entity)
                {
                    let mut m = e.message.clone();
                    m["channel"] = json!(sub.channel);
                    out.push(m);
                }
                sub.cursor = e.replay_id;
            }
        }
        Some((out, was_connected))
    }

    /// Long poll: waits until `client` has events or `hold` passes. As a CometD server does,
    /// the client's first connect after its handshake is answered at once (so the client
    /// learns it is connected), and so is any connect with a zero `hold`.
    pub async fn connect(&self, client: &str, hold: Duration) -> Option<Vec<Value>> {
        let deadline = tokio::time::Instant::now() + hold;
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Register interest before looking, so a publish in between is not missed.
            notified.as_mut().enable();
            let (events, was_connected) = self.take(client)?;
            if !events.is_empty()
                || !was_connected
                || hold.is_zero()
                || self.closed.load(Ordering::SeqCst)
            {
                return Some(events);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Some(Vec::new());
            }
        }
    }
}

fn channel_exists(channel: &str) -> bool {
    if channel == "/data/ChangeEvents" {
        return true;
    }
    channel
        .strip_prefix("/data/")
        .and_then(|c| c.strip_suffix("ChangeEvent"))
        .is_some_and(|object| {
            [
                "Account",
                "Contact",
                "Lead",
                "Opportunity",
                "Case",
                "Task",
                "User",
                "OpportunityContactRole",
            ]
            .contains(&object)
                && schema().object(object).is_some()
        })
}

/// CDC sends dateTimes as ISO 8601 with `Z`, not the REST `+0000` form.
fn cdc_value(v: &Value) -> Value {
    match v {
        Value::String(s) if s.len() == 28 && s.ends_with("+0000") && s.as_bytes()[10] == b'T' => {
            json!(format!("{}Z", &s[..23]))
        }
        other => other.clone(),
    }
}

fn event_message(change: &Change, replay_id: u64, commit_number: u64) -> Value {
    let mut payload = Map::new();
    payload.insert(
        "ChangeEventHeader".into(),
        json!({
            "entityName": change.entity,
            "recordIds": [change.record_id],
            "changeType": change.change_type,
            "changeOrigin": change.origin,
            "transactionKey": change.transaction_key,
            "sequenceNumber": change.sequence_number,
            "commitTimestamp": change.commit_timestamp,
            "commitNumber": commit_number,
            "commitUser": change.commit_user,
            "changedFields": change.changed_fields,
            "diffFields": [],
            "nulledFields": change.values.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        }),
    );
    for (k, v) in &change.values {
        payload.insert(k.clone(), cdc_value(v));
    }
    json!({
        "channel": format!("/data/{}ChangeEvent", change.entity),
        "data": {
            "schema": format!("sim-{}-schema-v1", change.entity.to_lowercase()),
            "payload": payload,
            "event": {"replayId": replay_id},
        }
    })
}
