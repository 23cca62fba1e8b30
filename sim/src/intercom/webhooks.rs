//! Webhook subscriptions and delivery: the real `notification_event` envelope, signed with
//! `X-Hub-Signature: sha1=<hex>`, posted from a background task so API answers never wait.
//! A failed delivery is retried once after `retry_delay`; 410 disables the subscription.
//! One hub per app: subscriptions belong to an app and hear from every workspace it is
//! installed in, each notification carrying its workspace's id as `app_id`.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

/// How long a receiver has to answer, as on the real service.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// In out-of-order mode a notification waits this long for a successor to overtake it.
const HOLD_FOR_REORDER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub topics: Vec<String>,
    pub active: bool,
}

/// Switches for the delivery quirks the real service shows now and then.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DeliveryMode {
    /// Send every notification twice (same `id`).
    #[serde(default)]
    pub duplicate: bool,
    /// Swap each notification with the one after it.
    #[serde(default)]
    pub out_of_order: bool,
}

/// One attempt to deliver one notification to one subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub subscription_id: String,
    /// The workspace the notification comes from (the envelope's `app_id`).
    pub app_id: String,
    pub url: String,
    pub notification_id: String,
    pub topic: String,
    pub attempt: u32,
    /// The raw body sent, exactly as signed.
    pub body: String,
    /// The `X-Hub-Signature` header sent.
    pub signature: String,
    /// HTTP status of the answer; `None` when there was no answer (refused, timed out).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub sent_at: i64,
}

impl Delivery {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
    /// The envelope as sent.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
struct Notification {
    id: String,
    app_id: String,
    topic: String,
    item: Value,
    created_at: i64,
}

pub(crate) struct Hub {
    secret: String,
    retry_delay: Duration,
    subscriptions: Mutex<Vec<Subscription>>,
    log: Mutex<Vec<Delivery>>,
    mode: Mutex<DeliveryMode>,
    changed: watch::Sender<u64>,
    queue: mpsc::UnboundedSender<Notification>,
    client: reqwest::Client,
}

/// `sha1=<hex HMAC-SHA1 of the body keyed with the client secret>`.
pub fn hub_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

impl Hub {
    pub fn start(secret: &str, retry_delay: Duration) -> Arc<Hub> {
        let (queue, rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub {
            secret: secret.to_owned(),
            retry_delay,
            subscriptions: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            mode: Mutex::new(DeliveryMode::default()),
            changed: watch::channel(0).0,
            queue,
            client: reqwest::Client::builder()
                .timeout(ANSWER_WITHIN)
                .build()
                .expect("http client"),
        });
        tokio::spawn(run(Arc::downgrade(&hub), rx));
        hub
    }

    pub fn subscribe(&self, url: &str, topics: &[&str]) -> Subscription {
        let sub = Subscription {
            id: format!("sub_{}", uuid::Uuid::new_v4().simple()),
            url: url.to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            active: true,
        };
        self.subscriptions.lock().push(sub.clone());
        sub
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.subscriptions.lock().clone()
    }

    /// What the Developer Hub does when an endpoint is saved: probe it with HEAD, and only
    /// subscribe when it answers 2xx.
    pub async fn register(&self, url: &str, topics: &[&str]) -> Result<Subscription, String> {
        match self.client.head(url).send().await {
            Ok(r) if r.status().is_success() => Ok(self.subscribe(url, topics)),
            Ok(r) => Err(format!(
                "HEAD {url} answered {}: the endpoint must answer HEAD with 200",
                r.status()
            )),
            Err(e) => Err(format!("HEAD {url} failed: {e}")),
        }
    }

    pub fn set_mode(&self, mode: DeliveryMode) {
        *self.mode.lock() = mode;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.log.lock().clone()
    }

    /// Waits until `done` holds for the delivery log, or `timeout` passes (then returns the log as is).
    pub async fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let log = self.log.lock();
                if done(&log) {
                    return log.clone();
                }
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return self.deliveries();
            }
        }
    }

    /// Queues a notification from workspace `app_id`; only subscriptions that asked for the
    /// topic get it.
    pub fn emit(&self, app_id: &str, topic: &str, item: Value) {
        let wanted = self
            .subscriptions
            .lock()
            .iter()
            .any(|s| s.active && s.topics.iter().any(|t| t == topic));
        if !wanted {
            return;
        }
        let _ = self.queue.send(Notification {
            id: format!("notif_{}", uuid::Uuid::new_v4()),
            app_id: app_id.to_owned(),
            topic: topic.to_owned(),
            item,
            created_at: chrono::Utc::now().timestamp(),
        });
    }

    fn envelope(&self, n: &Notification, attempt: u32, first_sent_at: i64) -> String {
        json!({
            "type": "notification_event", "app_id": n.app_id,
            "data": {"type": "notification_event_data", "item": n.item},
            "links": {}, "id": n.id, "topic": n.topic, "delivery_status": "pending",
            "delivery_attempts": attempt, "delivered_at": 0, "first_sent_at": first_sent_at,
            "created_at": n.created_at, "self": null,
        })
        .to_string()
    }

    fn record(&self, d: Delivery) {
        self.log.lock().push(d);
        self.changed.send_modify(|n| *n += 1);
    }
}

async fn run(hub: std::sync::Weak<Hub>, mut rx: mpsc::UnboundedReceiver<Notification>) {
    let mut held: Option<Notification> = None;
    loop {
        let next = match &held {
            Some(_) => match tokio::time::timeout(HOLD_FOR_REORDER, rx.recv()).await {
                Ok(n) => n,
                Err(_) => {
                    // Nothing came to overtake it: send it late anyway.
                    let Some(hub) = hub.upgrade() else { return };
                    dispatch(&hub, held.take().expect("held")).await;
                    continue;
                }
            },
            None => rx.recv().await,
        };
        let Some(n) = next else { return };
        let Some(hub) = hub.upgrade() else { return };
        let mode = *hub.mode.lock();
        if mode.out_of_order {
            match held.take() {
                Some(earlier) => {
                    dispatch(&hub, n).await;
                    dispatch(&hub, earlier).await;
                }
                None => held = Some(n),
            }
            continue;
        }
        if let Some(earlier) = held.take() {
            dispatch(&hub, earlier).await;
        }
        dispatch(&hub, n.clone()).await;
        if mode.duplicate {
            dispatch(&hub, n).await;
        }
    }
}

async fn dispatch(hub: &Arc<Hub>, n: Notification) {
    let subs: Vec<Subscription> = hub
        .subscriptions
        .lock()
        .iter()
        .filter(|s| s.active && s.topics.contains(&n.topic))
        .cloned()
        .collect();
    let first_sent_at = chrono::Utc::now().timestamp();
    for sub in subs {
        let ok = attempt(hub, &sub, &n, 1, first_sent_at).await;
        if !ok
            && hub
                .subscriptions
                .lock()
                .iter()
                .any(|s| s.id == sub.id && s.active)
        {
            let hub = hub.clone();
            let n = n.clone();
            tokio::spawn(async move {
                tokio::time::sleep(hub.retry_delay).await;
                attempt(&hub, &sub, &n, 2, first_sent_at).await;
            });
        }
    }
}

async fn attempt(
    hub: &Hub,
    sub: &Subscription,
    n: &Notification,
    attempt: u32,
    first_sent_at: i64,
) -> bool {
    let body = hub.envelope(n, attempt, first_sent_at);
    let signature = hub_signature(&hub.secret, body.as_bytes());
    let result = hub
        .client
        .post(&sub.url)
        .header("content-type", "application/json")
        .header("x-hub-signature", &signature)
        .header("user-agent", "Intercom-Webhooks-Agent")
        .body(body.clone())
        .send()
        .await;
    let (status, error) = match result {
        Ok(r) => (Some(r.status().as_u16()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    if status == Some(410) {
        for s in hub
            .subscriptions
            .lock()
            .iter_mut()
            .filter(|s| s.id == sub.id)
        {
            s.active = false;
        }
    }
    let delivery = Delivery {
        subscription_id: sub.id.clone(),
        app_id: n.app_id.clone(),
        url: sub.url.clone(),
        notification_id: n.id.clone(),
        topic: n.topic.clone(),
        attempt,
        body,
        signature,
        status,
        error,
        sent_at: chrono::Utc::now().timestamp(),
    };
    let ok = delivery.succeeded();
    hub.record(delivery);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_sha1_hex_with_prefix() {
        // HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog"), the textbook vector.
        assert_eq!(
            hub_signature("key", b"The quick brown fox jumps over the lazy dog"),
            "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
        );
    }
}
