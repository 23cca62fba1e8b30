//! One call to Intercom as a production client makes it: the version, token and `Accept`
//! headers; the rate limit read from every answer and respected before the next call; retries
//! with exponential backoff when Intercom fails, times out or drops the connection (reads only,
//! never on 4xx); one retry after a 429 once its window refills.

use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use super::error::{self, IntercomError};
use super::rate_limit::{Before, RateLimit, before_call};
use super::{API_VERSION, Client};

/// What one attempt came back with.
enum Attempt {
    Answer {
        status: StatusCode,
        body: String,
        /// The `X-RateLimit-*` headers, when all were there.
        rate: Option<RateLimit>,
    },
    /// No answer (refused, dropped, timed out); the message never holds the token or the URL.
    NoAnswer(String),
}

impl Client {
    /// `GET` the path made of `segments` (each percent-encoded) and parse the JSON answer.
    pub(super) async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, IntercomError> {
        let body = self.call(Method::GET, segments, query, None).await?;
        serde_json::from_str(&body)
            .map_err(|e| IntercomError::Unexpected(format!("GET /{}: {e}", segments.join("/"))))
    }

    /// Send `body` as JSON with `method` (a write: never repeated after a lost answer) and
    /// parse the JSON answer.
    pub(super) async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: &serde_json::Value,
    ) -> Result<T, IntercomError> {
        let answer = self.call(method.clone(), segments, &[], Some(body)).await?;
        serde_json::from_str(&answer).map_err(|e| {
            IntercomError::Unexpected(format!("{method} /{}: {e}", segments.join("/")))
        })
    }

    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<String, IntercomError> {
        let url = self.url(segments, query)?;
        // Only reads are repeated: a write that timed out may have happened.
        let retries_allowed = method == Method::GET;
        let mut attempt = 1;
        let mut retried_rate_limit = false;
        loop {
            self.respect_rate_limit().await?;
            let outcome = self.attempt(method.clone(), url.clone(), body).await;
            let failure = match outcome {
                Attempt::Answer { status, body, .. } if status.is_success() => return Ok(body),
                Attempt::Answer { status, body, rate }
                    if status == StatusCode::TOO_MANY_REQUESTS =>
                {
                    // The request was not served, so any method may repeat it, once, after the
                    // reset (`respect_rate_limit` waits for it on the next turn).
                    let reset_at = rate.map(|r| r.reset_at);
                    if retried_rate_limit || reset_at.is_none() {
                        return Err(IntercomError::RateLimited { reset_at });
                    }
                    tracing::warn!(path = url.path(), body = %short(&body), "Intercom rate limit hit; retrying once after the reset");
                    retried_rate_limit = true;
                    continue;
                }
                Attempt::Answer { status, body, .. } => {
                    let error = error::from_answer(status.as_u16(), &body);
                    if !status.is_server_error() {
                        return Err(error);
                    }
                    error
                }
                Attempt::NoAnswer(message) => IntercomError::Transport(message),
            };
            if !retries_allowed || attempt >= self.config.attempts {
                return Err(failure);
            }
            let backoff = self.config.retry_backoff * 2u32.saturating_pow(attempt - 1);
            tracing::warn!(path = url.path(), attempt, error = %failure, ?backoff, "Intercom call failed; retrying");
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }

    /// Waits for a spent window to refill when that is soon, else fails fast.
    async fn respect_rate_limit(&self) -> Result<(), IntercomError> {
        match before_call(
            self.rate.latest(),
            chrono::Utc::now(),
            self.config.max_rate_limit_wait,
        ) {
            Before::Go => Ok(()),
            Before::Wait(wait) => {
                tokio::time::sleep(wait).await;
                Ok(())
            }
            Before::Refuse(reset_at) => Err(IntercomError::RateLimited {
                reset_at: Some(reset_at),
            }),
        }
    }

    async fn attempt(
        &self,
        method: Method,
        url: url::Url,
        body: Option<&serde_json::Value>,
    ) -> Attempt {
        crate::metrics::metrics()
            .intercom_calls
            .get_or_create(&crate::metrics::Purpose {
                purpose: crate::metrics::intercom_purpose(url.path()),
            })
            .inc();
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose_secret())
            .header("Accept", "application/json")
            .header("Intercom-Version", API_VERSION);
        if let Some(body) = body {
            request = request.json(body);
        }
        let sent = request.send().await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return Attempt::NoAnswer(describe(e)),
        };
        let status = response.status();
        let rate = RateLimit::from_headers(response.headers());
        if let Some(rate) = rate {
            self.rate.record(rate);
        }
        match response.text().await {
            Ok(body) => Attempt::Answer { status, body, rate },
            Err(e) => Attempt::NoAnswer(describe(e)),
        }
    }

    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Result<url::Url, IntercomError> {
        let base = &self.config.base_url;
        let mut url = url::Url::parse(base)
            .ok()
            .filter(|u| !u.cannot_be_a_base())
            .ok_or_else(|| IntercomError::Transport(format!("{base:?} is not a base URL")))?;
        url.path_segments_mut()
            .expect("checked above")
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }
}

/// What went wrong, without the URL (it may carry ids; never the token, which is a header).
fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    };
    // reqwest's own message names the URL; its causes (hyper's, the socket's) do not.
    let mut message = kind.to_owned();
    let mut cause = std::error::Error::source(&error);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

fn short(body: &str) -> String {
    body.chars().take(200).collect()
}
