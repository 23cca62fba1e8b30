//! Change Data Capture over CometD long polling, as a streaming client sees it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim::salesforce::{Config, SalesforceSim};

struct Stream<'a> {
    sim: &'a SalesforceSim,
    http: reqwest::Client,
    client_id: String,
}

impl<'a> Stream<'a> {
    async fn bayeux(
        http: &reqwest::Client,
        sim: &SalesforceSim,
        token: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let resp = http
            .post(format!("{}/cometd/62.0", sim.url()))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap())
    }
    async fn open(sim: &'a SalesforceSim) -> Stream<'a> {
        let http = reqwest::Client::new();
        let (status, hs) = Self::bayeux(
            &http,
            sim,
            &sim.access_token(),
            json!([{"channel": "/meta/handshake", "version": "1.0",
            "supportedConnectionTypes": ["long-polling"], "id": "1"}]),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(hs[0]["successful"], true);
        Stream {
            sim,
            http,
            client_id: hs[0]["clientId"].as_str().unwrap().to_owned(),
        }
    }
    async fn send(&self, msg: Value) -> Vec<Value> {
        let mut msg = msg;
        msg["clientId"] = json!(self.client_id);
        let (status, body) =
            Self::bayeux(&self.http, self.sim, &self.sim.access_token(), json!([msg])).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().clone()
    }
    async fn subscribe(&self, channel: &str, replay: i64) -> Value {
        self.send(json!({"channel": "/meta/subscribe", "subscription": channel, "id": "2", "ext": {"replay": {channel: replay}}})).await[0].clone()
    }
    /// Events delivered by one `/meta/connect` (the connect reply itself is last).
    async fn connect(&self) -> Vec<Value> {
        let mut out = self
            .send(json!({"channel": "/meta/connect", "connectionType": "long-polling", "id": "3"}))
            .await;
        let reply = out.pop().unwrap();
        assert_eq!(
            (reply["channel"].clone(), reply["successful"].clone()),
            (json!("/meta/connect"), json!(true))
        );
        assert_eq!(reply["advice"]["reconnect"], "retry");
        out
    }
}

#[tokio::test]
async fn api_and_ui_changes_arrive_with_change_event_headers() {
    let sim = SalesforceSim::start(Config {
        cometd_timeout: Duration::from_millis(200),
        ..Config::default()
    })
    .await
    .unwrap();
    let stream = Stream::open(&sim).await;
    assert_eq!(
        stream.subscribe("/data/ContactChangeEvent", -1).await["successful"],
        true
    );
    // The first connect after the handshake is answered at once, as CometD answers it.
    assert!(stream.connect().await.is_empty());

    // Later ones are held open, then answered by the change made while it waits.
    let waiting = stream.connect();
    let http = reqwest::Client::new();
    let create = async {
        http.post(format!(
            "{}/services/data/v62.0/sobjects/Contact/",
            sim.url()
        ))
        .bearer_auth(sim.access_token())
        .header("Sforce-Call-Options", "client=sfbridge")
        .json(&json!({"LastName": "Streamed", "Email": "streamed@x.example.com"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
    };
    let (events, created) = tokio::join!(waiting, create);
    let id = created["id"].as_str().unwrap();
    let event = &events[0];
    assert_eq!(event["channel"], "/data/ContactChangeEvent");
    let header = &event["data"]["payload"]["ChangeEventHeader"];
    assert_eq!(header["changeType"], "CREATE");
    assert_eq!(header["entityName"], "Contact");
    assert_eq!(header["recordIds"], json!([id]));
    assert_eq!(
        header["changeOrigin"],
        "com/salesforce/api/rest/62.0;client=sfbridge"
    );
    assert!(
        header["commitTimestamp"].is_i64()
            && header["transactionKey"].is_string()
            && header["commitNumber"].is_u64()
    );
    assert_eq!(event["data"]["payload"]["Email"], "streamed@x.example.com");
    let first_replay = event["data"]["event"]["replayId"].as_u64().unwrap();

    sim.ui_update(
        &sim.admin_user_id(),
        "Contact",
        id,
        json!({"Email": "ui@x.example.com"}),
    )
    .unwrap();
    let events = stream.connect().await;
    let header = &events[0]["data"]["payload"]["ChangeEventHeader"];
    assert_eq!(header["changeType"], "UPDATE");
    assert_eq!(header["changeOrigin"], "", "UI changes carry no API origin");
    assert!(
        header["changedFields"]
            .as_array()
            .unwrap()
            .contains(&json!("Email"))
    );
    assert!(events[0]["data"]["event"]["replayId"].as_u64().unwrap() > first_replay);

    // Nothing new: the connect times out empty with reconnect advice.
    assert!(stream.connect().await.is_empty());

    // A second client replays everything retained, on the all-objects channel.
    let replay = Stream::open(&sim).await;
    replay.subscribe("/data/ChangeEvents", -2).await;
    let all = replay.connect().await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["channel"], "/data/ChangeEvents");

    let bad = stream.subscribe("/data/NopeChangeEvent", -1).await;
    assert_eq!(bad["successful"], false);
}

#[tokio::test]
async fn handshake_with_a_bad_session_is_refused() {
    let sim = SalesforceSim::start(Config::default()).await.unwrap();
    let (status, body) = Stream::bayeux(
        &reqwest::Client::new(),
        &sim,
        "expired",
        json!([{"channel": "/meta/handshake", "version": "1.0", "id": "1"}]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body[0]["successful"], false);
    assert_eq!(
        body[0]["ext"]["sfdc"]["failureReason"],
        "401::Authentication invalid"
    );
    assert_eq!(sim.api_calls(), 0, "streaming is not counted");
}

#[tokio::test]
async fn replay_from_a_stored_replay_id_delivers_only_later_events() {
    let sim = SalesforceSim::start(Config {
        cometd_timeout: Duration::from_millis(200),
        ..Config::default()
    })
    .await
    .unwrap();
    let admin = sim.admin_user_id();
    let mut ids = Vec::new();
    for name in ["First", "Second", "Third"] {
        let id = sim
            .ui_create(&admin, "Account", json!({"Name": format!("Replay {name}")}))
            .unwrap();
        ids.push(id);
    }
    // A client that saw everything stores the replay id of the first event...
    let first = Stream::open(&sim).await;
    first.subscribe("/data/AccountChangeEvent", -2).await;
    let seen = first.connect().await;
    assert_eq!(seen.len(), 3);
    let stored = seen[0]["data"]["event"]["replayId"].as_i64().unwrap();

    // ...and resumes from it later: only what came after is delivered, in order.
    let resumed = Stream::open(&sim).await;
    let reply = resumed.subscribe("/data/AccountChangeEvent", stored).await;
    assert_eq!(reply["successful"], true, "{reply}");
    let later = resumed.connect().await;
    let record_ids: Vec<Value> = later
        .iter()
        .map(|e| e["data"]["payload"]["ChangeEventHeader"]["recordIds"][0].clone())
        .collect();
    assert_eq!(record_ids, vec![json!(ids[1]), json!(ids[2])]);
    assert!(
        later
            .iter()
            .all(|e| e["data"]["event"]["replayId"].as_i64().unwrap() > stored)
    );
    assert!(
        resumed.connect().await.is_empty(),
        "nothing is delivered twice"
    );
}

#[tokio::test]
async fn a_replay_id_from_before_the_retention_window_is_refused() {
    let sim = SalesforceSim::start(Config {
        cometd_timeout: Duration::from_millis(200),
        ..Config::default()
    })
    .await
    .unwrap();
    let admin = sim.admin_user_id();
    sim.ui_create(&admin, "Account", json!({"Name": "Old news"}))
        .unwrap();
    let watcher = Stream::open(&sim).await;
    watcher.subscribe("/data/AccountChangeEvent", -2).await;
    let stored = watcher.connect().await[0]["data"]["event"]["replayId"]
        .as_i64()
        .unwrap();
    let later = sim
        .ui_create(&admin, "Account", json!({"Name": "Aged out"}))
        .unwrap();
    sim.expire_retained_events();

    let resumed = Stream::open(&sim).await;
    let reply = resumed.subscribe("/data/AccountChangeEvent", stored).await;
    assert_eq!(reply["successful"], false, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("replayId"),
        "{reply}"
    );
    // From now on the stream goes on where the expired events ended.
    let fresh = Stream::open(&sim).await;
    let newest = stored + 1;
    let reply = fresh.subscribe("/data/AccountChangeEvent", newest).await;
    assert_eq!(reply["successful"], true, "{reply}");
    let next = sim
        .ui_create(&admin, "Account", json!({"Name": "Fresh"}))
        .unwrap();
    let events = fresh.connect().await;
    let record_ids: Vec<Value> = events
        .iter()
        .map(|e| e["data"]["payload"]["ChangeEventHeader"]["recordIds"][0].clone())
        .collect();
    assert_eq!(record_ids, vec![json!(next)], "not {later}");
    assert_eq!(
        events[0]["data"]["event"]["replayId"].as_i64(),
        Some(newest + 1)
    );
}

/// faye (inside jsforce) sends its first connect in the same POST as its subscribe, asking
/// for no wait (`advice.timeout: 0`); CometD answers every message of such a batch at once.
/// The org's poll timeout here is an hour: the bound only keeps a regression from hanging.
#[tokio::test]
async fn a_connect_batched_with_a_subscribe_is_answered_at_once() {
    let sim = SalesforceSim::start(Config {
        cometd_timeout: Duration::from_secs(3600),
        ..Config::default()
    })
    .await
    .unwrap();
    let stream = Stream::open(&sim).await;
    let (status, replies) = tokio::time::timeout(
        Duration::from_secs(30),
        Stream::bayeux(
            &stream.http,
            &sim,
            &sim.access_token(),
            json!([
                {"channel": "/meta/subscribe", "clientId": stream.client_id, "id": "2",
                 "subscription": "/data/ContactChangeEvent"},
                {"channel": "/meta/connect", "clientId": stream.client_id, "id": "3",
                 "connectionType": "long-polling", "advice": {"timeout": 0}},
            ]),
        ),
    )
    .await
    .expect("the batch is answered without waiting for the poll timeout");
    assert_eq!(status, StatusCode::OK);
    let channels: Vec<_> = replies
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["channel"].clone(), r["successful"].clone()))
        .collect();
    assert_eq!(
        channels,
        [
            (json!("/meta/subscribe"), json!(true)),
            (json!("/meta/connect"), json!(true))
        ]
    );

    // A later connect of its own that asks for no wait is answered at once too.
    let replies = tokio::time::timeout(
        Duration::from_secs(30),
        stream.send(
            json!({"channel": "/meta/connect", "connectionType": "long-polling",
                           "id": "4", "advice": {"timeout": 0}}),
        ),
    )
    .await
    .expect("a connect asking for no wait is answered at once");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["successful"], true);
}
