//! The Salesforce client. Only this module knows Salesforce's JSON.
//!
//! One [`Client`] per installation: it holds the tokens, refreshes them on a 401 (one refresh at
//! a time, one retry), retries 5xx, timeouts and dropped connections with backoff (never a 4xx),
//! tags every call with `Sforce-Call-Options: client=sfbridge`, and keeps the last
//! `Sforce-Limit-Info` it saw.

pub mod cases;
pub mod changes;
pub mod describe;
pub mod error;
pub mod limits;
pub mod oauth;
pub mod person;
pub mod records;
pub mod soql;
pub mod streaming;
pub mod tasks;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use parking_lot::Mutex;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

pub use error::{ErrorCode, Refusal, SalesforceError};
pub use limits::{ApiUsage, UsageToday};
pub use oauth::{App, Pkce, Tokens};

/// The API version every call uses.
pub const API_VERSION: &str = "v62.0";

/// The client name Salesforce records on our changes (CDC `changeOrigin`): how echoes are recognised.
pub const CLIENT_NAME: &str = "sfbridge";

/// Who the connected user is, from the OpenID Connect userinfo endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub org_id: String,
    pub user_id: String,
}

/// Called with new tokens after a refresh, so they can be sealed and stored.
pub type TokenSink = Arc<dyn Fn(Tokens) -> BoxFuture<'static, ()> + Send + Sync>;

/// How hard to try before giving up on a transient failure.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 3,
            first_backoff: Duration::from_millis(100),
        }
    }
}

/// What a client needs to act for one installation.
pub struct Connection {
    pub instance_url: String,
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Needed to refresh; without it a 401 means "reconnect".
    pub app: Option<App>,
}

/// A client for one org. Cheap to clone; clones share tokens, limits and caches.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    instance_url: String,
    app: Option<App>,
    access_token: Mutex<SecretString>,
    refresh_token: Mutex<Option<SecretString>>,
    /// Bumped on each refresh: a request that failed with an older token just retries.
    generation: AtomicU64,
    refreshing: tokio::sync::Mutex<()>,
    usage: Mutex<UsageToday>,
    on_refresh: Option<TokenSink>,
    retry: Retry,
    describes: describe::Revalidated<describe::ObjectDescribe>,
    case_metadata: cases::Cache,
    users: users::Cache,
}

/// One HTTP request to the org, relative to its instance URL.
pub(crate) struct Call<'a> {
    pub method: reqwest::Method,
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<&'a Value>,
    pub headers: Vec<(&'static str, String)>,
    /// Whether sending it twice is harmless (reads); only those are retried after a lost answer.
    pub idempotent: bool,
    /// Overrides the client's request timeout (a streaming long poll outlasts it).
    pub timeout: Option<Duration>,
}

impl<'a> Call<'a> {
    pub fn get(path: String) -> Call<'a> {
        Call {
            method: reqwest::Method::GET,
            path,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            idempotent: true,
            timeout: None,
        }
    }
}

/// A successful (2xx or 304) answer.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The HTTP client every installation's client shares: timeouts, no redirects.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a TLS backend is compiled in")
}

impl Client {
    pub fn new(
        http: reqwest::Client,
        connection: Connection,
        on_refresh: Option<TokenSink>,
        retry: Retry,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                http,
                instance_url: connection.instance_url.trim_end_matches('/').to_owned(),
                app: connection.app,
                access_token: Mutex::new(connection.access_token),
                refresh_token: Mutex::new(connection.refresh_token),
                generation: AtomicU64::new(0),
                refreshing: tokio::sync::Mutex::new(()),
                usage: Mutex::new(UsageToday::default()),
                on_refresh,
                retry,
                describes: describe::Revalidated::default(),
                case_metadata: cases::Cache::default(),
                users: users::Cache::default(),
            }),
        }
    }

    /// A client with only an access token (no refresh): for one-off checks.
    pub fn with_token(instance_url: &str, token: SecretString) -> Client {
        Client::new(
            http_client(),
            Connection {
                instance_url: instance_url.to_owned(),
                access_token: token,
                refresh_token: None,
                app: None,
            },
            None,
            Retry::default(),
        )
    }

    pub fn instance_url(&self) -> &str {
        &self.inner.instance_url
    }

    /// The last `Sforce-Limit-Info` seen.
    pub fn api_usage(&self) -> Option<ApiUsage> {
        self.inner.usage.lock().org
    }

    /// This client's REST calls today and the org's last usage, as counted so far (no call).
    pub fn usage_today(&self) -> UsageToday {
        *self.inner.usage.lock()
    }

    /// A link into Salesforce's UI for a record.
    pub fn record_url(&self, object: &str, id: &str) -> String {
        format!("{}/lightning/r/{object}/{id}/view", self.inner.instance_url)
    }

    /// `GET /services/oauth2/userinfo`: the org and user behind the token.
    pub async fn identity(&self) -> Result<Identity, SalesforceError> {
        #[derive(Deserialize)]
        struct UserInfo {
            organization_id: String,
            user_id: String,
        }
        let answer = self
            .send(Call::get("/services/oauth2/userinfo".to_owned()))
            .await?;
        let info: UserInfo = parse(&answer.body)?;
        Ok(Identity {
            org_id: info.organization_id,
            user_id: info.user_id,
        })
    }

    /// One REST call (`/limits`): fails with [`SalesforceError::ApiDisabled`] when the org's
    /// edition has no API access, which the OAuth grant alone does not reveal.
    pub async fn check_api_access(&self) -> Result<(), SalesforceError> {
        self.send(Call::get(format!("/services/data/{API_VERSION}/limits")))
            .await
            .map(drop)
    }

    /// Sends a call: refresh on 401 once, retry transient failures, keep the limit info.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<Answer, SalesforceError> {
        let inner = &self.inner;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let generation = inner.generation.load(Ordering::Acquire);
            let token = inner.access_token.lock().clone();
            let mut request = inner
                .http
                .request(
                    call.method.clone(),
                    format!("{}{}", inner.instance_url, call.path),
                )
                .bearer_auth(token.expose_secret())
                .header("Accept", "application/json")
                .header("Sforce-Call-Options", format!("client={CLIENT_NAME}"));
            if !call.query.is_empty() {
                request = request.query(&call.query);
            }
            for (name, value) in &call.headers {
                request = request.header(*name, value);
            }
            if let Some(body) = call.body {
                request = request.json(body);
            }
            if let Some(timeout) = call.timeout {
                request = request.timeout(timeout);
            }
            let retry_allowed = call.idempotent && attempt < inner.retry.attempts;
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if retry_allowed => {
                    tracing::debug!(error = %e.without_url(), attempt, "Salesforce call failed; retrying");
                    self.back_off(attempt).await;
                    continue;
                }
                Err(e) => return Err(SalesforceError::Transport(e.without_url().to_string())),
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let metrics = crate::metrics::metrics();
            metrics
                .salesforce_calls
                .get_or_create(&crate::metrics::Purpose {
                    purpose: crate::metrics::salesforce_purpose(call.path.as_str()),
                })
                .inc();
            let usage = headers
                .get("sforce-limit-info")
                .and_then(|v| v.to_str().ok())
                .and_then(ApiUsage::parse);
            // Only REST calls count against the org's daily allocation.
            inner.usage.lock().record(
                chrono::Utc::now().timestamp_millis(),
                call.path.starts_with("/services/data/"),
                usage,
            );
            if let Some(usage) = usage {
                metrics
                    .api_usage
                    .get_or_create(&crate::metrics::Instance {
                        instance: inner.instance_url.clone(),
                    })
                    .set(usage.fraction());
            }
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(e) if retry_allowed => {
                    tracing::debug!(error = %e.without_url(), attempt, "Salesforce answer cut off; retrying");
                    self.back_off(attempt).await;
                    continue;
                }
                Err(e) => return Err(SalesforceError::Transport(e.without_url().to_string())),
            };
            match status {
                200..=299 | 304 => {
                    return Ok(Answer {
                        status,
                        headers,
                        body,
                    });
                }
                // The identity endpoints answer an expired token with 403 `Bad_OAuth_Token`.
                401 | 403
                    if !refreshed && (status == 401 || body.starts_with(b"Bad_OAuth_Token")) =>
                {
                    refreshed = true;
                    attempt -= 1;
                    self.refresh(generation).await?;
                }
                500..=599 if retry_allowed => {
                    tracing::debug!(status, attempt, "Salesforce answered 5xx; retrying");
                    self.back_off(attempt).await;
                }
                _ => return Err(error::from_answer(status, &body)),
            }
        }
    }

    async fn back_off(&self, attempt: u32) {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        tokio::time::sleep(self.inner.retry.first_backoff * factor).await;
    }

    /// Refreshes the access token unless another call already did since `seen_generation`.
    async fn refresh(&self, seen_generation: u64) -> Result<(), SalesforceError> {
        let inner = &self.inner;
        let _one_at_a_time = inner.refreshing.lock().await;
        if inner.generation.load(Ordering::Acquire) != seen_generation {
            return Ok(());
        }
        let refresh_token = inner.refresh_token.lock().clone();
        let (Some(app), Some(refresh_token)) = (&inner.app, refresh_token) else {
            return Err(SalesforceError::ReconnectNeeded(
                "the session expired and there is no refresh token".to_owned(),
            ));
        };
        let tokens = app.refresh(&inner.http, &refresh_token).await?;
        *inner.access_token.lock() = tokens.access_token.clone();
        if let Some(rotated) = &tokens.refresh_token {
            *inner.refresh_token.lock() = Some(rotated.clone());
        }
        inner.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(sink) = &inner.on_refresh {
            sink(tokens).await;
        }
        Ok(())
    }

    /// One `/composite` call of SOQL queries, answers by reference id.
    pub(crate) async fn composite_queries(
        &self,
        queries: &[(&str, String)],
    ) -> Result<Vec<(String, Result<Value, Vec<Refusal>>)>, SalesforceError> {
        let gets: Vec<(&str, String)> = queries
            .iter()
            .map(|(reference, soql)| {
                let path = format!("/services/data/{API_VERSION}/query");
                (*reference, with_query(&path, &[("q", soql)]))
            })
            .collect();
        self.composite_gets(&gets).await
    }

    /// One `/composite` call of GET subrequests (`path?query` each), answers by reference id.
    pub(crate) async fn composite_gets(
        &self,
        gets: &[(&str, String)],
    ) -> Result<Vec<(String, Result<Value, Vec<Refusal>>)>, SalesforceError> {
        let requests: Vec<Value> = gets
            .iter()
            .map(|(reference, url)| {
                serde_json::json!({"method": "GET", "url": url, "referenceId": reference})
            })
            .collect();
        let body = serde_json::json!({"allOrNone": false, "compositeRequest": requests});
        // Only reads inside: safe to send again.
        let answers = self.composite(&body, true).await?;
        Ok(answers
            .into_iter()
            .map(|sub| {
                let result = if (200..300).contains(&sub.status) {
                    Ok(sub.body)
                } else {
                    Err(error::batch_refusals(&sub.body))
                };
                (sub.reference, result)
            })
            .collect())
    }

    /// Sends a `/composite` request body; the subrequests' answers in order.
    pub(crate) async fn composite(
        &self,
        body: &Value,
        idempotent: bool,
    ) -> Result<Vec<SubAnswer>, SalesforceError> {
        #[derive(Deserialize)]
        struct Answers {
            #[serde(rename = "compositeResponse")]
            responses: Vec<SubAnswer>,
        }
        let call = Call {
            method: reqwest::Method::POST,
            path: format!("/services/data/{API_VERSION}/composite"),
            query: Vec::new(),
            body: Some(body),
            headers: Vec::new(),
            idempotent,
            timeout: None,
        };
        let answers: Answers = parse(&self.send(call).await?.body)?;
        Ok(answers.responses)
    }
}

/// One subrequest's answer inside a `/composite` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct SubAnswer {
    pub body: Value,
    #[serde(rename = "httpStatusCode")]
    pub status: u16,
    #[serde(rename = "referenceId")]
    pub reference: String,
}

/// `path?k=v&..` with every value percent-encoded.
pub(crate) fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse("http://x/").expect("a fixed base");
    url.set_path(path);
    url.query_pairs_mut().extend_pairs(pairs);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// A query answer's rows (`{"records": [..]}`), each as `T`.
#[derive(Deserialize)]
pub(crate) struct QueryBody<T> {
    pub records: Vec<T>,
}

impl Client {
    /// Runs one SOQL query (`GET /query`, one call); its first page of rows.
    pub(crate) async fn query_rows<T: serde::de::DeserializeOwned>(
        &self,
        query: &soql::Query,
    ) -> Result<Vec<T>, SalesforceError> {
        let mut call = Call::get(format!("/services/data/{API_VERSION}/query"));
        call.query.push(("q", query.to_string()));
        let rows: QueryBody<T> = parse(&self.send(call).await?.body)?;
        Ok(rows.records)
    }
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, SalesforceError> {
    serde_json::from_slice(body).map_err(|e| SalesforceError::Unexpected(e.to_string()))
}
