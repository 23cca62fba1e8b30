//! Shared by the Intercom simulator's test binaries: start a simulator, talk to it like a client.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sim::Seed;
use sim::intercom::{Config, IntercomSim};

pub struct TestSim {
    pub sim: IntercomSim,
    pub http: reqwest::Client,
}

pub async fn start() -> TestSim {
    start_with(Config::default()).await
}

pub async fn start_with(config: Config) -> TestSim {
    let sim = IntercomSim::start(config).await.expect("simulator starts");
    TestSim {
        sim,
        http: reqwest::Client::new(),
    }
}

pub async fn start_empty() -> TestSim {
    start_with(Config {
        seed: Seed::Empty,
        ..Config::default()
    })
    .await
}

pub fn fast_retry() -> Config {
    Config {
        webhook_retry_delay: Duration::from_millis(50),
        ..Config::default()
    }
}

impl TestSim {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.url()))
            .bearer_auth(self.sim.access_token())
            .header("Intercom-Version", "2.11")
            .header("Accept", "application/json")
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the simulator");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "POST {path}: {answer}");
        answer
    }

    pub async fn put(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(Method::PUT, path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "PUT {path}: {answer}");
        answer
    }

    pub async fn delete(&self, path: &str) -> Value {
        let (status, answer) = self.call(Method::DELETE, path, None).await;
        assert_eq!(status, StatusCode::OK, "DELETE {path}: {answer}");
        answer
    }

    /// Control surface calls (no auth).
    pub async fn control(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.sim.url()))
            .json(&body)
            .send()
            .await
            .expect("control surface answers");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn contact_id(&self, email: &str) -> String {
        self.sim
            .contact_id_by_email(email)
            .unwrap_or_else(|| panic!("demo contact {email}"))
    }
}

/// Installs the first workspace's app through OAuth, approved at once by `admin` (so into the
/// workspace that has them), and exchanges the code; the access token. The app needs a
/// redirect URL.
pub async fn oauth_install(sim: &IntercomSim, admin: u64) -> String {
    let authorize = format!("{}&sim_admin_id={admin}", sim.authorize_url("st", None));
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(authorize)
        .send()
        .await
        .expect("authorize");
    assert_eq!(resp.status(), StatusCode::FOUND, "approved");
    let location =
        url::Url::parse(resp.headers()["location"].to_str().expect("ascii")).expect("absolute URL");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("a code")
        .1
        .into_owned();
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/auth/eagle/token", sim.url()))
        .form(&[
            ("code", code.as_str()),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
        ])
        .send()
        .await
        .expect("exchange")
        .json()
        .await
        .expect("JSON answer");
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("an access token: {answer}"))
        .to_owned()
}

/// The first error code of an `error.list` body.
pub fn error_code(body: &Value) -> &str {
    assert_eq!(body["type"], "error.list", "{body}");
    body["errors"][0]["code"].as_str().expect("code")
}

pub fn is_hex24(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 24 && s.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn is_numeric_string(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
}

/// A webhook receiver / Canvas Kit app on 127.0.0.1: records what arrives, answers from a script.
pub mod receiver {
    use std::collections::VecDeque;
    use std::sync::Arc;

    use axum::Router;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::any;
    use parking_lot::Mutex;
    use serde_json::Value;
    use tokio::sync::mpsc;

    #[derive(Debug, Clone)]
    pub struct Received {
        pub method: String,
        pub headers: HeaderMap,
        pub body: Bytes,
    }

    impl Received {
        pub fn json(&self) -> Value {
            serde_json::from_slice(&self.body).expect("JSON body")
        }
    }

    pub struct Receiver {
        pub url: String,
        /// Statuses (and bodies) to answer with, in order; 200 `{}` once used up.
        pub script: Arc<Mutex<VecDeque<(u16, Value)>>>,
        pub arrivals: mpsc::UnboundedReceiver<Received>,
    }

    pub async fn start() -> Receiver {
        let (tx, arrivals) = mpsc::unbounded_channel();
        let script: Arc<Mutex<VecDeque<(u16, Value)>>> = Arc::default();
        let answers = script.clone();
        let app = Router::new().fallback(any(
            move |method: axum::http::Method, headers: HeaderMap, body: Bytes| {
                let tx = tx.clone();
                let answers = answers.clone();
                async move {
                    let _ = tx.send(Received {
                        method: method.to_string(),
                        headers,
                        body,
                    });
                    let (status, body) = answers
                        .lock()
                        .pop_front()
                        .unwrap_or((200, serde_json::json!({})));
                    (
                        StatusCode::from_u16(status).expect("status"),
                        axum::Json(body),
                    )
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver serves") });
        Receiver {
            url,
            script,
            arrivals,
        }
    }

    impl Receiver {
        /// The next request, waiting at most five seconds.
        pub async fn next(&mut self) -> Received {
            tokio::time::timeout(std::time::Duration::from_secs(5), self.arrivals.recv())
                .await
                .expect("a request arrives within 5 s")
                .expect("receiver running")
        }
    }
}

/// A JSON value's type, for comparing shapes rather than values.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
