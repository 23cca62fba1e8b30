//! What operators scrape at `/metrics` (Prometheus' text format): the job queue, sync delay,
//! calls to each service by purpose, the org's API usage, webhook intake, the card cache and
//! the listeners. Counters are bumped where things happen, through one registry per process;
//! gauges of stored state are read from the database by `/metrics`' handler when scraped. The
//! lowest layer: the clients count their calls here, so this names nothing of the crate.

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Purpose {
    pub purpose: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Installation {
    pub installation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Instance {
    pub instance: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Status {
    pub status: &'static str,
}

/// Every metric of this process.
pub struct Metrics {
    registry: Registry,
    pub salesforce_calls: Family<Purpose, Counter>,
    pub intercom_calls: Family<Purpose, Counter>,
    pub api_usage: Family<Instance, Gauge<f64, std::sync::atomic::AtomicU64>>,
    pub webhooks: Family<Status, Counter>,
    pub card_requests: Counter,
    pub card_loads: Counter,
    pub sync_delay: Family<KindLabel, Histogram>,
    jobs: Family<JobLabels, Gauge>,
    leases: Family<Installation, Gauge>,
    live: Family<Installation, Gauge>,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("sfbridge");
        let metrics = Metrics {
            salesforce_calls: Family::default(),
            intercom_calls: Family::default(),
            api_usage: Family::default(),
            webhooks: Family::default(),
            card_requests: Counter::default(),
            card_loads: Counter::default(),
            sync_delay: Family::new_with_constructor(|| {
                // 10 ms to about 80 s: a change synced at once to one waiting out a pause.
                Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
                    0.01, 2.0, 14,
                ))
            }),
            jobs: Family::default(),
            leases: Family::default(),
            live: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "salesforce_calls",
            "Salesforce API calls by purpose",
            metrics.salesforce_calls.clone(),
        );
        registry.register(
            "intercom_calls",
            "Intercom API calls by purpose",
            metrics.intercom_calls.clone(),
        );
        registry.register(
            "salesforce_api_usage_ratio",
            "The org's share of its daily API allocation used, from Sforce-Limit-Info",
            metrics.api_usage.clone(),
        );
        registry.register(
            "webhooks",
            "Intercom webhook notifications taken in, by what became of them",
            metrics.webhooks.clone(),
        );
        registry.register(
            "card_requests",
            "Inbox cards asked for",
            metrics.card_requests.clone(),
        );
        registry.register(
            "card_loads",
            "Inbox cards read from Salesforce (the rest came from the cache)",
            metrics.card_loads.clone(),
        );
        registry.register(
            "sync_delay_seconds",
            "From a job's change being taken in to its job finishing, by job kind",
            metrics.sync_delay.clone(),
        );
        registry.register(
            "jobs",
            "Jobs in the queue by kind and state (all processes)",
            metrics.jobs.clone(),
        );
        registry.register(
            "listener_lease",
            "1 for each installation whose Salesforce listener this process holds",
            metrics.leases.clone(),
        );
        registry.register(
            "listener_live",
            "1 for each installation whose change stream is subscribed in this process",
            metrics.live.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

/// This process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// What `/metrics` answers: the gauges of stored state as just read (jobs per kind and state,
/// the installations whose lease this process holds and whose stream is live), then everything
/// encoded.
pub fn render(jobs: Vec<(String, String, i64)>, leases: Vec<String>, live: Vec<String>) -> String {
    let m = metrics();
    m.jobs.clear();
    for (kind, job_state, n) in jobs {
        m.jobs
            .get_or_create(&JobLabels {
                kind,
                state: job_state,
            })
            .set(n);
    }
    m.leases.clear();
    for installation in leases {
        m.leases
            .get_or_create(&Installation { installation })
            .set(1);
    }
    m.live.clear();
    for installation in live {
        m.live.get_or_create(&Installation { installation }).set(1);
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &m.registry)
        .expect("writing to a String cannot fail");
    text
}

/// What a Salesforce call is for, from its path (`/services/data/v62.0/composite/sobjects`).
pub fn salesforce_purpose(path: &str) -> &'static str {
    let rest = path
        .strip_prefix("/services/data/")
        .and_then(|p| p.split_once('/').map(|(_, rest)| rest));
    let Some(rest) = rest else {
        return if path.starts_with("/services/oauth2/") {
            "oauth"
        } else if path.starts_with("/cometd/") {
            "streaming"
        } else {
            "other"
        };
    };
    match rest.split('/').next().unwrap_or_default() {
        "composite" if rest.starts_with("composite/sobjects") => "collections",
        "composite" => "composite",
        "query" | "queryAll" => "query",
        "jobs" => "bulk",
        "limits" => "limits",
        "ui-api" => "ui_api",
        "sobjects" if rest.contains("/describe") || rest.split('/').count() <= 2 => "describe",
        "sobjects" if rest.contains("/updated") || rest.contains("/deleted") => "sweep",
        "sobjects" => "records",
        _ => "other",
    }
}

/// What an Intercom call is for: its resource (`contacts`, `conversations`, ..), the first
/// path segment that names one (the API may sit under a prefix).
pub fn intercom_purpose(path: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "contacts",
        "companies",
        "conversations",
        "admins",
        "teams",
        "data_attributes",
        "me",
        "tags",
        "segments",
        "messages",
    ];
    path.split(['/', '?'])
        .find_map(|segment| KNOWN.iter().find(|k| **k == segment).copied())
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_calls_are_named_by_what_they_do() {
        let v = |rest: &str| salesforce_purpose(&format!("/services/data/v62.0/{rest}"));
        assert_eq!(v("composite/sobjects"), "collections");
        assert_eq!(v("composite"), "composite");
        assert_eq!(v("query"), "query");
        assert_eq!(v("jobs/query/750x"), "bulk");
        assert_eq!(v("sobjects/Contact/describe"), "describe");
        assert_eq!(v("sobjects/Contact"), "describe");
        assert_eq!(v("sobjects/Contact/updated/"), "sweep");
        assert_eq!(v("sobjects/Contact/003x"), "records");
        assert_eq!(v("ui-api/object-info/Case/picklist-values/012x"), "ui_api");
        assert_eq!(salesforce_purpose("/services/oauth2/token"), "oauth");
        assert_eq!(salesforce_purpose("/cometd/62.0/"), "streaming");
        assert_eq!(salesforce_purpose("/elsewhere"), "other");
    }

    #[test]
    fn intercom_calls_are_named_by_their_resource() {
        assert_eq!(intercom_purpose("/contacts/search"), "contacts");
        assert_eq!(
            intercom_purpose("/conversations/1?display_as=plaintext"),
            "conversations"
        );
        assert_eq!(intercom_purpose("/me"), "me");
        assert_eq!(intercom_purpose("/unknown"), "other");
    }
}
