//! Configuration: defaults, then a TOML file, then `SFBRIDGE_*` environment variables, then flags.
//!
//! Every value is parsed into its final type here, so a bad value is reported once, naming the
//! key and where it came from, before anything starts.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::crypto::SecretKey;
use crate::http::hardening::{
    DEFAULT_HEADER_READ_TIMEOUT_SECONDS, DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS, Serving,
};
use crate::store::DatabaseUrl;
use crate::telemetry::LogFormat;

/// The server's settings, every one already valid.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: DatabaseUrl,
    /// Encrypts secrets at rest. `serve` refuses to start without one.
    pub secret_key: Option<SecretKey>,
    /// The built front end (`dist/`), served with a fallback to `index.html`.
    pub static_dir: PathBuf,
    pub log_format: LogFormat,
    /// Where browsers reach this server (OAuth redirects come back here); unset means
    /// `http://` and the bound address.
    pub public_url: Option<String>,
    /// How long an inbox card is served from the cache before Salesforce is read again.
    pub card_cache_ttl: std::time::Duration,
    /// How often the reconciling sweep reads what changed in Salesforce (the stream is live).
    pub sweep_every: std::time::Duration,
    /// How long a Salesforce listener lease lasts unrenewed: with several processes, the
    /// longest a dead listener's installation goes unheard before another process takes over.
    pub listener_lease: std::time::Duration,
    /// The bearer token `/metrics` asks for; without one, `/metrics` answers 404.
    pub metrics_token: Option<SecretString>,
    /// What the sync leaves behind, and how long it is kept.
    pub retention: crate::retention::Retention,
    /// How the sync worker batches, leases, retries and pauses (defaults; tests shorten them).
    pub sync: crate::sync::worker::WorkerConfig,
    /// The HTTP server's timeouts and limit on requests in flight.
    pub serving: Serving,
    /// Where Intercom and Salesforce are, and this server's apps there.
    pub services: Services,
}

/// Intercom's and Salesforce's addresses and the apps the operator created there.
#[derive(Debug, Clone)]
pub struct Services {
    /// `https://api.intercom.io` (or the EU or AU one): every installation's API calls.
    pub intercom_api_url: String,
    /// `https://app.intercom.com`: the OAuth authorize page of the public app.
    pub intercom_oauth_url: String,
    /// The public Intercom app ("Sign in with Intercom", installing by OAuth), if any.
    pub intercom_app: Option<IntercomApp>,
    /// The Salesforce connected app, if configured.
    pub salesforce_app: Option<SalesforceApp>,
    /// Production's login host.
    pub salesforce_login_url: String,
    /// Sandboxes' login host.
    pub salesforce_sandbox_login_url: String,
    /// Hosts (`host:port`) trusted as Salesforce besides its own https domains (a simulator).
    pub salesforce_allowed_hosts: Vec<String>,
}

#[derive(Clone)]
pub struct IntercomApp {
    pub client_id: String,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for IntercomApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntercomApp")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct SalesforceApp {
    pub client_id: String,
    /// PKCE lets a connected app go without one.
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for SalesforceApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceApp")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A list written as a TOML array or as one comma-separated string (environment variables).
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum StringList {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl StringList {
    fn items(self) -> Vec<String> {
        let all = match self {
            StringList::None => Vec::new(),
            StringList::One(text) => text.split(',').map(str::to_owned).collect(),
            StringList::Many(items) => items,
        };
        all.into_iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// A configuration problem, phrased for the person who made it: which key, what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {problem}{}", origin_hint(.origin))]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
    /// Where the value came from (a file, an environment variable), when known.
    pub origin: Option<String>,
}

fn origin_hint(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|s| format!(" (from {s})"))
        .unwrap_or_default()
}

impl ConfigError {
    pub fn new(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            problem: problem.into(),
            origin: None,
        }
    }
}

/// The raw layer: strings as people write them, before parsing.
#[derive(Debug, Default, Deserialize)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub secret_key: Option<SecretString>,
    pub static_dir: Option<String>,
    pub log_format: Option<String>,
    pub public_url: Option<String>,
    pub card_cache_ttl_seconds: Option<u64>,
    pub sweep_every_seconds: Option<u64>,
    pub listener_lease_seconds: Option<u64>,
    pub ledger_retention_days: Option<u64>,
    pub sync_calls_per_hour: Option<u64>,
    pub metrics_token: Option<SecretString>,
    pub header_read_timeout_seconds: Option<u64>,
    pub request_timeout_seconds: Option<u64>,
    pub max_concurrent_requests: Option<usize>,
    pub intercom_api_url: Option<String>,
    pub intercom_oauth_url: Option<String>,
    pub intercom_client_id: Option<String>,
    pub intercom_client_secret: Option<SecretString>,
    pub salesforce_client_id: Option<String>,
    pub salesforce_client_secret: Option<SecretString>,
    pub salesforce_login_url: Option<String>,
    pub salesforce_sandbox_login_url: Option<String>,
    #[serde(default)]
    pub salesforce_allowed_hosts: StringList,
}

impl Serialize for SecretWrapper<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use secrecy::ExposeSecret;
        s.serialize_str(self.0.expose_secret())
    }
}

/// Only for layering flags into figment; never logged.
struct SecretWrapper<'a>(&'a SecretString);

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://sfbridge.db";
pub const DEFAULT_STATIC_DIR: &str = "dist";
pub const DEFAULT_CARD_CACHE_TTL_SECONDS: u64 = 600;
pub const DEFAULT_SWEEP_EVERY_SECONDS: u64 = 300;
/// Default days the sync ledger keeps a row.
pub const DEFAULT_LEDGER_RETENTION_DAYS: u64 = 30;
/// Default term of a Salesforce listener lease.
pub const DEFAULT_LISTENER_LEASE_SECONDS: u64 = 30;
pub const DEFAULT_INTERCOM_API_URL: &str = "https://api.intercom.io";
pub const DEFAULT_INTERCOM_OAUTH_URL: &str = "https://app.intercom.com";
pub const DEFAULT_SALESFORCE_LOGIN_URL: &str = "https://login.salesforce.com";
pub const DEFAULT_SALESFORCE_SANDBOX_LOGIN_URL: &str = "https://test.salesforce.com";

/// Layer the sources: defaults < file < environment < flags (`overrides`).
pub fn load(file: Option<&std::path::Path>, overrides: RawConfig) -> Result<Config, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError::new(
                "config",
                format!("file {} does not exist", path.display()),
            ));
        }
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(Env::prefixed("SFBRIDGE_").ignore(&["CONFIG"]));
    let mut flags = serde_json::Map::new();
    if let Some(v) = &overrides.listen {
        flags.insert("listen".into(), v.clone().into());
    }
    if let Some(v) = &overrides.database_url {
        flags.insert("database_url".into(), v.clone().into());
    }
    if let Some(v) = &overrides.static_dir {
        flags.insert("static_dir".into(), v.clone().into());
    }
    if let Some(v) = &overrides.log_format {
        flags.insert("log_format".into(), v.clone().into());
    }
    if let Some(v) = &overrides.secret_key {
        flags.insert(
            "secret_key".into(),
            serde_json::to_value(SecretWrapper(v)).expect("a string serialises"),
        );
    }
    figment = figment.merge(Serialized::defaults(serde_json::Value::Object(flags)));

    let raw: RawConfig = figment.extract().map_err(|e| figment_error(&figment, e))?;
    parse(raw, |key| {
        figment.find_metadata(key).map(|m| describe_source(m, key))
    })
}

fn describe_source(metadata: &figment::Metadata, key: &str) -> String {
    match &metadata.source {
        Some(figment::Source::File(path)) => format!("file {}", path.display()),
        // Only the flags layer is built in code.
        Some(figment::Source::Code(_)) => format!("flag --{}", key.replace('_', "-")),
        _ if metadata.name.contains("environment") => {
            format!("environment variable SFBRIDGE_{}", key.to_uppercase())
        }
        _ => metadata.name.to_string(),
    }
}

fn figment_error(figment: &Figment, error: figment::Error) -> ConfigError {
    let key = error.path.join(".");
    let key = if key.is_empty() {
        "config".to_owned()
    } else {
        key
    };
    let origin = figment
        .find_metadata(&key)
        .map(|m| describe_source(m, &key));
    ConfigError {
        key,
        problem: error.kind.to_string(),
        origin,
    }
}

/// Turn raw strings into typed values; `source_of` names where a key's value came from.
pub fn parse(
    mut raw: RawConfig,
    source_of: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let fail = |key: &str, problem: String| ConfigError {
        key: key.to_owned(),
        problem,
        origin: source_of(key),
    };
    let services = services(&raw_services(&mut raw), &fail)?;
    let listen = raw.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let listen: SocketAddr = listen.parse().map_err(|_| {
        fail(
            "listen",
            format!("{listen:?} is not an address and port like 127.0.0.1:8080"),
        )
    })?;
    let database_url = raw.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL);
    let database_url: DatabaseUrl = database_url
        .parse()
        .map_err(|e: crate::store::InvalidDatabaseUrl| fail("database_url", e.to_string()))?;
    let secret_key = raw
        .secret_key
        .map(|s| SecretKey::from_base64(&s))
        .transpose()
        .map_err(|e| fail("secret_key", e.to_string()))?;
    let log_format = match raw.log_format.as_deref() {
        None => LogFormat::Text,
        Some(value) => value.parse().map_err(|e: String| fail("log_format", e))?,
    };
    let public_url = match raw.public_url.as_deref() {
        None => None,
        Some(value) => match url::Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(value.trim_end_matches('/').to_owned())
            }
            _ => {
                return Err(fail(
                    "public_url",
                    format!("{value:?} is not an http(s) URL like https://sfbridge.example.com"),
                ));
            }
        },
    };
    let card_cache_ttl = raw
        .card_cache_ttl_seconds
        .unwrap_or(DEFAULT_CARD_CACHE_TTL_SECONDS);
    if card_cache_ttl == 0 {
        return Err(fail(
            "card_cache_ttl_seconds",
            "must be at least 1 second".to_owned(),
        ));
    }
    let sweep_every = raw
        .sweep_every_seconds
        .unwrap_or(DEFAULT_SWEEP_EVERY_SECONDS);
    if sweep_every < 10 {
        return Err(fail(
            "sweep_every_seconds",
            format!("{sweep_every} is too often; at least 10 seconds"),
        ));
    }
    let listener_lease = raw
        .listener_lease_seconds
        .unwrap_or(DEFAULT_LISTENER_LEASE_SECONDS);
    if !(3..=600).contains(&listener_lease) {
        return Err(fail(
            "listener_lease_seconds",
            format!("{listener_lease} is out of range; 3 to 600 seconds"),
        ));
    }
    let ledger_days = raw
        .ledger_retention_days
        .unwrap_or(DEFAULT_LEDGER_RETENTION_DAYS);
    if !(1..=3650).contains(&ledger_days) {
        return Err(fail(
            "ledger_retention_days",
            format!("{ledger_days} is out of range; 1 to 3650 days"),
        ));
    }
    if raw.sync_calls_per_hour == Some(0) {
        return Err(fail(
            "sync_calls_per_hour",
            "must be at least 1 (leave it out to take a share of the org's allocation)".to_owned(),
        ));
    }
    if let Some(token) = &raw.metrics_token
        && secrecy::ExposeSecret::expose_secret(token).len() < 16
    {
        return Err(fail(
            "metrics_token",
            "is too short to guess-proof; at least 16 characters".to_owned(),
        ));
    }
    let at_least_one = |key: &str, value: Option<u64>, default: u64| match value {
        Some(0) => Err(fail(key, "must be at least 1".to_owned())),
        given => Ok(given.unwrap_or(default)),
    };
    let serving = Serving {
        header_read_timeout: std::time::Duration::from_secs(at_least_one(
            "header_read_timeout_seconds",
            raw.header_read_timeout_seconds,
            DEFAULT_HEADER_READ_TIMEOUT_SECONDS,
        )?),
        request_timeout: std::time::Duration::from_secs(at_least_one(
            "request_timeout_seconds",
            raw.request_timeout_seconds,
            DEFAULT_REQUEST_TIMEOUT_SECONDS,
        )?),
        max_concurrent_requests: match raw.max_concurrent_requests {
            Some(0) => {
                return Err(fail(
                    "max_concurrent_requests",
                    "must be at least 1".to_owned(),
                ));
            }
            given => given.unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS),
        },
    };
    Ok(Config {
        listen,
        database_url,
        secret_key,
        static_dir: PathBuf::from(raw.static_dir.as_deref().unwrap_or(DEFAULT_STATIC_DIR)),
        log_format,
        public_url,
        card_cache_ttl: std::time::Duration::from_secs(card_cache_ttl),
        sweep_every: std::time::Duration::from_secs(sweep_every),
        listener_lease: std::time::Duration::from_secs(listener_lease),
        metrics_token: raw.metrics_token,
        retention: crate::retention::Retention {
            ledger: std::time::Duration::from_secs(ledger_days * 24 * 3600),
        },
        sync: crate::sync::worker::WorkerConfig {
            calls_per_hour: raw.sync_calls_per_hour,
            ..crate::sync::worker::WorkerConfig::default()
        },
        serving,
        services,
    })
}

/// The service keys, taken out of the raw layer.
struct RawServices {
    intercom_api_url: Option<String>,
    intercom_oauth_url: Option<String>,
    intercom_client_id: Option<String>,
    intercom_client_secret: Option<SecretString>,
    salesforce_client_id: Option<String>,
    salesforce_client_secret: Option<SecretString>,
    salesforce_login_url: Option<String>,
    salesforce_sandbox_login_url: Option<String>,
    salesforce_allowed_hosts: Vec<String>,
}

fn raw_services(raw: &mut RawConfig) -> RawServices {
    RawServices {
        intercom_api_url: raw.intercom_api_url.take(),
        intercom_oauth_url: raw.intercom_oauth_url.take(),
        intercom_client_id: raw.intercom_client_id.take(),
        intercom_client_secret: raw.intercom_client_secret.take(),
        salesforce_client_id: raw.salesforce_client_id.take(),
        salesforce_client_secret: raw.salesforce_client_secret.take(),
        salesforce_login_url: raw.salesforce_login_url.take(),
        salesforce_sandbox_login_url: raw.salesforce_sandbox_login_url.take(),
        salesforce_allowed_hosts: std::mem::take(&mut raw.salesforce_allowed_hosts).items(),
    }
}

fn http_url(
    key: &str,
    value: &str,
    fail: &impl Fn(&str, String) -> ConfigError,
) -> Result<String, ConfigError> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err(fail(key, format!("{value:?} is not an http(s) URL"))),
    }
}

fn services(
    raw: &RawServices,
    fail: &impl Fn(&str, String) -> ConfigError,
) -> Result<Services, ConfigError> {
    let url_or = |key: &str, value: &Option<String>, default: &str| {
        http_url(key, value.as_deref().unwrap_or(default), fail)
    };
    let allowed = raw.salesforce_allowed_hosts.clone();
    let login = |key: &str, value: &Option<String>, default: &str| {
        let url = url_or(key, value, default)?;
        crate::auth::rules::salesforce_url(&url, &allowed).map_err(|problem| fail(key, problem))
    };
    let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let intercom_app = match (
        non_empty(&raw.intercom_client_id),
        raw.intercom_client_secret.clone(),
    ) {
        (Some(client_id), Some(client_secret)) => Some(IntercomApp {
            client_id,
            client_secret,
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(fail(
                "intercom_client_secret",
                "missing; the public Intercom app needs its client id and its client secret".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(fail(
                "intercom_client_id",
                "missing; the public Intercom app needs its client id and its client secret".into(),
            ));
        }
    };
    Ok(Services {
        intercom_api_url: url_or(
            "intercom_api_url",
            &raw.intercom_api_url,
            DEFAULT_INTERCOM_API_URL,
        )?,
        intercom_oauth_url: url_or(
            "intercom_oauth_url",
            &raw.intercom_oauth_url,
            DEFAULT_INTERCOM_OAUTH_URL,
        )?,
        intercom_app,
        salesforce_app: non_empty(&raw.salesforce_client_id).map(|client_id| SalesforceApp {
            client_id,
            client_secret: raw.salesforce_client_secret.clone(),
        }),
        salesforce_login_url: login(
            "salesforce_login_url",
            &raw.salesforce_login_url,
            DEFAULT_SALESFORCE_LOGIN_URL,
        )?,
        salesforce_sandbox_login_url: login(
            "salesforce_sandbox_login_url",
            &raw.salesforce_sandbox_login_url,
            DEFAULT_SALESFORCE_SANDBOX_LOGIN_URL,
        )?,
        salesforce_allowed_hosts: allowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig::default()
    }

    #[test]
    fn defaults_are_valid() {
        let config = parse(raw(), |_| None).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert!(config.secret_key.is_none());
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn a_bad_value_names_its_key_and_source() {
        let bad = RawConfig {
            listen: Some("not-an-address".into()),
            ..raw()
        };
        let err = parse(bad, |_| Some("environment variable SFBRIDGE_LISTEN".into())).unwrap_err();
        let line = err.to_string();
        assert!(
            line.starts_with("invalid configuration: listen: "),
            "{line}"
        );
        assert!(line.contains("not-an-address"), "{line}");
        assert!(
            line.ends_with("(from environment variable SFBRIDGE_LISTEN)"),
            "{line}"
        );

        let bad = RawConfig {
            database_url: Some("mysql://x".into()),
            ..raw()
        };
        assert!(
            parse(bad, |_| None)
                .unwrap_err()
                .to_string()
                .starts_with("invalid configuration: database_url: ")
        );

        let bad = RawConfig {
            secret_key: Some(SecretString::from("short")),
            ..raw()
        };
        assert_eq!(parse(bad, |_| None).unwrap_err().key, "secret_key");

        let bad = RawConfig {
            log_format: Some("xml".into()),
            ..raw()
        };
        assert_eq!(parse(bad, |_| None).unwrap_err().key, "log_format");

        let bad = RawConfig {
            ledger_retention_days: Some(0),
            ..raw()
        };
        assert_eq!(
            parse(bad, |_| None).unwrap_err().key,
            "ledger_retention_days"
        );

        let bad = RawConfig {
            sync_calls_per_hour: Some(0),
            ..raw()
        };
        assert_eq!(parse(bad, |_| None).unwrap_err().key, "sync_calls_per_hour");

        let bad = RawConfig {
            listener_lease_seconds: Some(1),
            ..raw()
        };
        assert_eq!(
            parse(bad, |_| None).unwrap_err().key,
            "listener_lease_seconds"
        );

        let bad = RawConfig {
            intercom_client_id: Some("app".into()),
            ..raw()
        };
        assert_eq!(
            parse(bad, |_| None).unwrap_err().key,
            "intercom_client_secret"
        );

        let bad = RawConfig {
            salesforce_login_url: Some("http://127.0.0.1:8081".into()),
            ..raw()
        };
        assert_eq!(
            parse(bad, |_| None).unwrap_err().key,
            "salesforce_login_url"
        );

        let bad = RawConfig {
            request_timeout_seconds: Some(0),
            ..raw()
        };
        let err = parse(bad, |_| None).unwrap_err();
        assert_eq!(err.key, "request_timeout_seconds");
        assert!(err.to_string().contains("at least 1"), "{err}");
    }

    #[test]
    fn the_server_s_limits_default_and_can_be_set() {
        assert_eq!(parse(raw(), |_| None).unwrap().serving, Serving::default());
        let set = RawConfig {
            header_read_timeout_seconds: Some(3),
            request_timeout_seconds: Some(20),
            max_concurrent_requests: Some(64),
            ..raw()
        };
        let serving = parse(set, |_| None).unwrap().serving;
        assert_eq!(serving.header_read_timeout.as_secs(), 3);
        assert_eq!(serving.request_timeout.as_secs(), 20);
        assert_eq!(serving.max_concurrent_requests, 64);
    }

    #[test]
    fn a_simulator_is_a_salesforce_host_once_allowed() {
        let raw = RawConfig {
            salesforce_login_url: Some("http://127.0.0.1:8081/".into()),
            salesforce_allowed_hosts: StringList::One("127.0.0.1:8081, sim.local:9".into()),
            ..raw()
        };
        let services = parse(raw, |_| None).unwrap().services;
        assert_eq!(services.salesforce_login_url, "http://127.0.0.1:8081");
        assert_eq!(
            services.salesforce_allowed_hosts,
            vec!["127.0.0.1:8081".to_owned(), "sim.local:9".to_owned()]
        );
        assert_eq!(
            services.salesforce_sandbox_login_url,
            DEFAULT_SALESFORCE_SANDBOX_LOGIN_URL
        );
        assert!(services.intercom_app.is_none());
    }

    #[test]
    fn a_bad_secret_key_is_not_echoed() {
        let bad = RawConfig {
            secret_key: Some(SecretString::from("c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0")),
            ..raw()
        };
        let line = parse(bad, |_| None).unwrap_err().to_string();
        assert!(!line.contains("c2VjcmV0"), "{line}");
    }
}
