//! Change Data Capture over the Streaming API: CometD (Bayeux) long polling with replay ids.
//!
//! A [`Stream`] handshakes, subscribes each channel from a replay position and then hands out
//! batches of [`ChangeEvent`]s, one `/meta/connect` at a time. A lost answer is not retried
//! (the events in it would be skipped): the caller starts a new stream from the last replay id
//! it stored, which Salesforce replays from.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::sync::convert::SyncValue;

use super::{API_VERSION, Call, Client, SalesforceError};

/// Where a subscription starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Only events published from now on (`-1`).
    New,
    /// Every retained event (`-2`).
    All,
    /// The events after this replay id.
    After(i64),
}

impl Replay {
    fn wire(self) -> i64 {
        match self {
            Replay::New => -1,
            Replay::All => -2,
            Replay::After(id) => id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeType {
    Create,
    Update,
    Delete,
    Undelete,
    /// `GAP_*` or `GAP_OVERFLOW`: events were lost; the records must be read again.
    Gap(String),
}

/// One record change, as the stream tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub replay_id: i64,
    pub channel: String,
    /// The object (`Contact`).
    pub entity: String,
    pub record_ids: Vec<String>,
    pub change_type: ChangeType,
    pub changed_fields: Vec<String>,
    /// The `client=` name of the app that made the change (`changeOrigin`), if any.
    pub client: Option<String>,
    /// Milliseconds since the epoch.
    pub commit_timestamp: i64,
    pub commit_user: Option<String>,
    /// The new values the event carries (dates and date-times as text).
    pub values: Vec<(String, SyncValue)>,
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The stored replay id is outside the retention window: read the records again.
    #[error("Salesforce cannot replay from there ({0}); the records must be read again")]
    ReplayUnavailable(String),
    /// The server forgot this client (or asked for a new handshake): start a new stream.
    #[error("the streaming session ended ({0}); start again from the last replay id")]
    Rehandshake(String),
    #[error(transparent)]
    Salesforce(#[from] SalesforceError),
}

/// A subscribed CometD client.
pub struct Stream {
    client: Client,
    client_id: String,
    /// How long the server may hold a connect (its `advice.timeout`), plus a margin.
    hold: Duration,
    next_id: u64,
}

#[derive(Deserialize)]
struct Reply {
    channel: String,
    #[serde(default)]
    successful: Option<bool>,
    #[serde(rename = "clientId")]
    client_id: Option<String>,
    error: Option<String>,
    advice: Option<Advice>,
    data: Option<EventData>,
}

#[derive(Deserialize)]
struct Advice {
    timeout: Option<u64>,
    reconnect: Option<String>,
}

#[derive(Deserialize)]
struct EventData {
    payload: Map<String, Value>,
    event: EventMeta,
}

#[derive(Deserialize)]
struct EventMeta {
    #[serde(rename = "replayId")]
    replay_id: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    entity_name: String,
    #[serde(default)]
    record_ids: Vec<String>,
    change_type: String,
    #[serde(default)]
    changed_fields: Vec<String>,
    change_origin: Option<String>,
    #[serde(default)]
    commit_timestamp: i64,
    commit_user: Option<String>,
}

/// A connect is held at most this long unless the server advises otherwise.
const DEFAULT_HOLD: Duration = Duration::from_secs(110);
const MARGIN: Duration = Duration::from_secs(10);

impl Client {
    /// Handshakes and subscribes every `(channel, replay)`; e.g. `/data/ContactChangeEvent`.
    pub async fn stream(&self, channels: &[(String, Replay)]) -> Result<Stream, StreamError> {
        let replies = self
            .bayeux(
                &json!([{"channel": "/meta/handshake", "version": "1.0", "minimumVersion": "1.0",
                         "supportedConnectionTypes": ["long-polling"], "id": "1",
                         "ext": {"replay": true}}]),
                None,
            )
            .await?;
        let handshake = replies
            .iter()
            .find(|r| r.channel == "/meta/handshake")
            .ok_or_else(|| unexpected("no handshake reply"))?;
        let client_id = match (handshake.successful, &handshake.client_id) {
            (Some(true), Some(id)) => id.clone(),
            _ => return Err(StreamError::Rehandshake(reason(handshake))),
        };
        let hold = handshake
            .advice
            .as_ref()
            .and_then(|a| a.timeout)
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_HOLD);
        let mut stream = Stream {
            client: self.clone(),
            client_id,
            hold,
            next_id: 2,
        };
        for (channel, replay) in channels {
            let mut ext = Map::new();
            ext.insert(channel.clone(), json!(replay.wire()));
            let id = stream.id();
            let replies = self
                .bayeux(
                    &json!([{"channel": "/meta/subscribe", "clientId": stream.client_id,
                             "subscription": channel, "id": id, "ext": {"replay": ext}}]),
                    None,
                )
                .await?;
            let reply = replies
                .iter()
                .find(|r| r.channel == "/meta/subscribe")
                .ok_or_else(|| unexpected("no subscribe reply"))?;
            if reply.successful != Some(true) {
                let why = reason(reply);
                return Err(if why.contains("replayId") {
                    StreamError::ReplayUnavailable(why)
                } else {
                    StreamError::Salesforce(SalesforceError::Unexpected(format!(
                        "subscribing to {channel}: {why}"
                    )))
                });
            }
        }
        Ok(stream)
    }

    async fn bayeux(
        &self,
        body: &Value,
        timeout: Option<Duration>,
    ) -> Result<Vec<Reply>, SalesforceError> {
        let version = API_VERSION.trim_start_matches('v');
        let call = Call {
            method: reqwest::Method::POST,
            path: format!("/cometd/{version}"),
            query: Vec::new(),
            body: Some(body),
            headers: Vec::new(),
            // A lost connect answer carries events: never send it again blindly.
            idempotent: false,
            timeout,
        };
        let answer = self.send(call).await?;
        super::parse(&answer.body)
    }
}

impl Stream {
    fn id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// Waits for the next batch of events (empty when the server's hold time passed quietly).
    pub async fn next_batch(&mut self) -> Result<Vec<ChangeEvent>, StreamError> {
        let id = self.id();
        let body = json!([{"channel": "/meta/connect", "clientId": self.client_id,
                           "connectionType": "long-polling", "id": id}]);
        let replies = self.client.bayeux(&body, Some(self.hold + MARGIN)).await?;
        let mut events = Vec::new();
        for reply in replies {
            if reply.channel == "/meta/connect" {
                let handshake_again = reply
                    .advice
                    .as_ref()
                    .and_then(|a| a.reconnect.as_deref())
                    .is_some_and(|r| r == "handshake" || r == "none");
                if reply.successful != Some(true) || handshake_again {
                    return Err(StreamError::Rehandshake(reason(&reply)));
                }
                if let Some(timeout) = reply.advice.as_ref().and_then(|a| a.timeout) {
                    self.hold = Duration::from_millis(timeout);
                }
            } else if let Some(data) = reply.data {
                events.push(event(reply.channel, data)?);
            }
        }
        Ok(events)
    }

    /// Ends the session politely.
    pub async fn disconnect(mut self) {
        let id = self.id();
        let body = json!([{"channel": "/meta/disconnect", "clientId": self.client_id, "id": id}]);
        let _ = self.client.bayeux(&body, None).await;
    }
}

fn reason(reply: &Reply) -> String {
    reply
        .error
        .clone()
        .unwrap_or_else(|| "unsuccessful without a reason".to_owned())
}

fn unexpected(what: &str) -> StreamError {
    StreamError::Salesforce(SalesforceError::Unexpected(what.to_owned()))
}

fn event(channel: String, data: EventData) -> Result<ChangeEvent, StreamError> {
    let mut payload = data.payload;
    let header: Header = payload
        .remove("ChangeEventHeader")
        .ok_or_else(|| unexpected("a change event without ChangeEventHeader"))
        .and_then(|h| {
            serde_json::from_value(h).map_err(|e| unexpected(&format!("ChangeEventHeader: {e}")))
        })?;
    let change_type = match header.change_type.as_str() {
        "CREATE" => ChangeType::Create,
        "UPDATE" => ChangeType::Update,
        "DELETE" => ChangeType::Delete,
        "UNDELETE" => ChangeType::Undelete,
        other => ChangeType::Gap(other.to_owned()),
    };
    let client = header.change_origin.as_deref().and_then(origin_client);
    let values = payload
        .into_iter()
        .map(|(name, value)| (name, sync_value(value)))
        .collect();
    Ok(ChangeEvent {
        replay_id: data.event.replay_id,
        channel,
        entity: header.entity_name,
        record_ids: header.record_ids,
        change_type,
        changed_fields: header.changed_fields,
        client,
        commit_timestamp: header.commit_timestamp,
        commit_user: header.commit_user,
        values,
    })
}

/// `com/salesforce/api/rest/62.0;client=sfbridge` -> `sfbridge`.
fn origin_client(origin: &str) -> Option<String> {
    origin
        .split(';')
        .find_map(|part| part.trim().strip_prefix("client="))
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// Event values without the field types: text stays text (dates included); compound values
/// (addresses, names) are kept as their JSON text.
fn sync_value(value: Value) -> SyncValue {
    match value {
        Value::Null => SyncValue::Empty,
        Value::Bool(b) => SyncValue::Boolean(b),
        Value::Number(n) => n
            .as_i64()
            .map(SyncValue::Integer)
            .unwrap_or_else(|| SyncValue::Decimal(n.as_f64().unwrap_or_default())),
        Value::String(s) => SyncValue::Text(s),
        other => SyncValue::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_client_name_from_change_origin() {
        assert_eq!(
            origin_client("com/salesforce/api/rest/62.0;client=sfbridge"),
            Some("sfbridge".to_owned())
        );
        assert_eq!(origin_client("com/salesforce/api/soap/62.0"), None);
        assert_eq!(origin_client(""), None);
    }

    #[test]
    fn reads_the_wire_doc_example_event() {
        let data: EventData = serde_json::from_value(json!({
            "schema": "x",
            "payload": {"ChangeEventHeader": {"entityName": "Contact", "recordIds": ["003x"],
                "changeType": "UPDATE", "changedFields": ["Email", "LastModifiedDate"],
                "changeOrigin": "com/salesforce/api/rest/62.0;client=sfbridge", "transactionKey": "t",
                "sequenceNumber": 1, "commitTimestamp": 1569443783000_i64, "commitNumber": 10529690985_i64,
                "commitUser": "005x"}, "Email": "new@x.io"},
            "event": {"replayId": 6}
        }))
        .unwrap();
        let event = event("/data/ContactChangeEvent".to_owned(), data).unwrap();
        assert_eq!(event.replay_id, 6);
        assert_eq!(event.change_type, ChangeType::Update);
        assert_eq!(event.client.as_deref(), Some("sfbridge"));
        assert_eq!(
            event.values,
            [("Email".to_owned(), SyncValue::Text("new@x.io".to_owned()))]
        );
        assert_eq!(event.commit_timestamp, 1_569_443_783_000);
    }
}
