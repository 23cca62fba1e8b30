//! The Intercom client and Canvas Kit. Only this module knows Intercom's JSON.
//!
//! Code map: `transport` (headers, timeouts, retries, the rate limit), `rate_limit` (the
//! `X-RateLimit-*` headers and what to do about them), `error` (`error.list` to
//! [`IntercomError`]), `wire` (Intercom's JSON shapes), `admins` (`/me`, teammates),
//! `conversations` (the inbox list and transcripts; reading and making assignments for
//! routing), `contacts`, `text` (HTML bodies to plain text), `canvas` (Canvas Kit:
//! signatures, requests, the card's rendering), `webhooks` (signed notifications), `records`
//! (people and companies as the sync keeps them), `data_attributes` (the attributes mappings
//! choose from), `companies`, `transcripts` (a conversation as its Salesforce Task needs it).

mod admins;
pub mod canvas;
mod companies;
mod contacts;
mod conversations;
mod data_attributes;
mod error;
mod lookup;
pub mod oauth;
mod rate_limit;
pub mod records;
mod text;
mod transcripts;
mod transport;
mod updates;
pub mod webhooks;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

pub use admins::Me;
pub use contacts::{Contact, ContactRole};
pub use conversations::ConversationAssignment;
pub use error::IntercomError;
pub use oauth::OAuthApp;
pub use rate_limit::RateLimit;
pub use text::html_to_text;
pub use transcripts::TaskSource;
pub use updates::AttributeValue;

/// The API version every call asks for.
pub const API_VERSION: &str = "2.11";

/// How a client talks to Intercom. [`Config::new`] gives the production values.
#[derive(Debug, Clone)]
pub struct Config {
    /// `https://api.intercom.io` (or the EU/AU one, or a simulator's).
    pub base_url: String,
    /// The whole of one attempt: connecting, sending and reading the answer.
    pub request_timeout: Duration,
    /// Setting up the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Attempts per read (GET) when Intercom fails (5xx), times out or drops the connection.
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each one after.
    pub retry_backoff: Duration,
    /// The longest a call waits for a spent rate-limit window to refill; beyond it the call
    /// fails at once with [`IntercomError::RateLimited`].
    pub max_rate_limit_wait: Duration,
    /// Conversations per page when listing (Intercom allows 1 to 150).
    pub page_size: usize,
}

impl Config {
    /// Production settings for the API at `base_url`: 10 s per request, 3 attempts per read,
    /// waits of up to 10 s for the rate limit, pages of 50.
    pub fn new(base_url: &str) -> Config {
        Config {
            base_url: base_url.trim_end_matches('/').to_owned(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            attempts: 3,
            retry_backoff: Duration::from_millis(200),
            max_rate_limit_wait: Duration::from_secs(10),
            page_size: 50,
        }
    }
}

/// A client for one workspace's access token. Cheap to clone; clones share the connection pool
/// and what Intercom last said about the rate limit, which it counts per app.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<Config>,
    token: SecretString,
    rate: rate_limit::Tracker,
}

impl Client {
    /// A client with the production settings.
    pub fn new(base_url: &str, token: SecretString) -> Client {
        Client::with_config(Config::new(base_url), token)
    }

    /// A client with chosen settings (tests shorten the waits).
    pub fn with_config(config: Config, token: SecretString) -> Client {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .expect("a TLS backend is compiled in");
        Client {
            http,
            config: Arc::new(config),
            token,
            rate: rate_limit::Tracker::default(),
        }
    }

    /// The rate limit as of Intercom's latest answer to this client or a clone of it.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate.latest()
    }
}
