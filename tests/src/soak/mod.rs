//! The soak: several real `sfbridge serve` processes on one PostgreSQL schema, between the
//! simulated org and workspace, under faults, with a process killed (SIGKILL) every few seconds
//! and started again; changes made in both directions at a steady rate; at the end, from the
//! simulators' own records (the org's change events, the workspace's write log), every change
//! delivered exactly once, no job parked, no record diverged.
//!
//! Run by `cargo xtask soak` (and for a minute by `cargo xtask test`); see the README.

mod fleet;
pub mod tally;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::Rng;
use serde_json::{Value, json};
use sfbridge::store::Store;
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

use self::fleet::Fleet;
use self::tally::{Change, Target, Way, WayTally, Written};
use crate::database::SharedDb;
use crate::server::random_key;

/// State the driving tasks share: a `std` mutex, never held across an await.
type Shared<T> = Arc<std::sync::Mutex<T>>;

const INSTALLATION: &str = "soak";
/// Intercom's webhooks retry once, after this (a minute on the real service).
const WEBHOOK_RETRY: Duration = Duration::from_secs(5);
/// How long the drain may take once the driving stops.
const DRAIN_WITHIN: Duration = Duration::from_secs(240);
/// The drain is over once everything arrived and the queue stayed empty this long.
const QUIET_FOR: Duration = Duration::from_secs(5);
/// A change every this often (the kinds in turn).
const CHANGE_EVERY: Duration = Duration::from_millis(250);

/// How the soak runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub processes: usize,
    pub duration: Duration,
    /// Kill a process about this often.
    pub kill_every: Duration,
}

/// What the soak found.
#[derive(Debug)]
pub struct Outcome {
    pub ways: BTreeMap<Way, WayTally>,
    pub restarts: u64,
    pub parked: i64,
    /// The parked jobs' kinds, attempts and last errors, to say why they gave up.
    pub parked_why: Vec<String>,
    pub diverged: Vec<String>,
    pub salesforce_calls: u64,
    pub skipped_ticks: u64,
    pub drained: bool,
    /// Every change made and every write recorded, for the timelines of what went wrong.
    pub changes: Vec<Change>,
    pub writes: Vec<Written>,
}

impl Outcome {
    pub fn changes(&self) -> usize {
        self.ways.values().map(|w| w.changes).sum()
    }
    pub fn lost(&self) -> usize {
        self.ways.values().map(|w| w.lost).sum()
    }
    pub fn duplicated(&self) -> usize {
        self.ways.values().map(|w| w.duplicated).sum()
    }
    /// Nothing lost, nothing duplicated, nothing parked, nothing diverged.
    pub fn passed(&self) -> bool {
        self.lost() == 0 && self.duplicated() == 0 && self.parked == 0 && self.diverged.is_empty()
    }

    /// The table, the details of anything wrong, and the one summary line last.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let ms = |v: Option<i64>| v.map_or("-".to_owned(), |v| format!("{v} ms"));
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>6} {:>11} {:>10} {:>10}",
            "direction", "changes", "lost", "duplicated", "p50 delay", "p99 delay"
        );
        for (way, t) in &self.ways {
            let _ = writeln!(
                out,
                "{:<24} {:>8} {:>6} {:>11} {:>10} {:>10}",
                way.label(),
                t.changes,
                t.lost,
                t.duplicated,
                ms(t.percentile_ms(50)),
                ms(t.percentile_ms(99))
            );
        }
        let per_thousand = self.calls_per_thousand();
        let _ = writeln!(
            out,
            "Salesforce calls per 1,000 changes: {per_thousand:.0}\nrestarts survived: {}\n\
             jobs parked: {}\nrecords diverged: {}\nticks with every record still waiting: {}",
            self.restarts,
            self.parked,
            self.diverged.len(),
            self.skipped_ticks
        );
        for (way, t) in &self.ways {
            for c in t.undelivered.iter().take(10) {
                let _ = writeln!(out, "lost ({}): {:?}", way.label(), c);
            }
            for w in t.extra_writes.iter().take(10) {
                let _ = writeln!(out, "duplicated ({}): {:?}", way.label(), w);
            }
        }
        let mut wrong: Vec<&Target> = self
            .ways
            .values()
            .flat_map(|t| {
                t.undelivered
                    .iter()
                    .map(|c| &c.target)
                    .chain(t.extra_writes.iter().map(|w| &w.target))
            })
            .collect();
        wrong.sort();
        wrong.dedup();
        for target in wrong.into_iter().take(5) {
            let _ = writeln!(out, "timeline of {target:?}:");
            let mut lines: Vec<(i64, String)> = self
                .changes
                .iter()
                .filter(|c| &c.target == target)
                .map(|c| (c.at_ms, format!("changed to {}", c.value)))
                .chain(
                    self.writes
                        .iter()
                        .filter(|w| &w.target == target)
                        .map(|w| (w.at_ms, format!("written {}", w.value))),
                )
                .collect();
            lines.sort();
            for (at, what) in lines {
                let _ = writeln!(out, "  {at} {what}");
            }
        }
        for why in self.parked_why.iter().take(10) {
            let _ = writeln!(out, "parked: {why}");
        }
        for d in self.diverged.iter().take(10) {
            let _ = writeln!(out, "diverged: {d}");
        }
        if !self.drained {
            let _ = writeln!(out, "the drain did not finish within {DRAIN_WITHIN:?}");
        }
        let _ = write!(
            out,
            "soak: {} changes, {} lost, {} duplicated, {} parked, {} diverged, {} restarts, \
             {per_thousand:.0} Salesforce calls per 1,000 changes",
            self.changes(),
            self.lost(),
            self.duplicated(),
            self.parked,
            self.diverged.len(),
            self.restarts
        );
        out
    }

    fn calls_per_thousand(&self) -> f64 {
        let changes = self.changes().max(1) as f64;
        self.salesforce_calls as f64 * 1000.0 / changes
    }
}

/// One pair the driver changes: a Salesforce record and the Intercom record linked to it.
#[derive(Debug, Clone)]
struct Pair {
    salesforce: String,
    intercom: String,
    /// A Contact's Account.
    account: Option<String>,
}

/// The kinds of change, each a field on one side mapped to one on the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A Contact's Department, to the person's `department`.
    ContactDepartment,
    /// An Account's Type, to the company's `account_type`.
    AccountType,
    /// A person's `job_title`, to the Contact's Title.
    PersonJobTitle,
    /// A company's website, to the Account's Website.
    CompanyWebsite,
    /// An Account's owner, to the `owner_id` of each person of the Account (the owner rule: an
    /// Account's owner comes first), as the teammate with the owner's email.
    AccountOwner,
}

const KINDS: [Kind; 5] = [
    Kind::ContactDepartment,
    Kind::AccountType,
    Kind::PersonJobTitle,
    Kind::CompanyWebsite,
    Kind::AccountOwner,
];

/// The Account Type picklist values the driver moves between.
const ACCOUNT_TYPES: [&str; 4] = [
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Technology Partner",
];

impl Kind {
    fn way(self) -> Way {
        match self {
            Kind::ContactDepartment | Kind::AccountType | Kind::AccountOwner => Way::ToIntercom,
            Kind::PersonJobTitle | Kind::CompanyWebsite => Way::ToSalesforce,
        }
    }
    fn people(self) -> bool {
        matches!(self, Kind::ContactDepartment | Kind::PersonJobTitle)
    }
    fn target_field(self) -> &'static str {
        match self {
            Kind::ContactDepartment => "department",
            Kind::AccountType => "account_type",
            Kind::PersonJobTitle => "Title",
            Kind::CompanyWebsite => "Website",
            Kind::AccountOwner => "owner_id",
        }
    }
    fn target(self, pair: &Pair) -> Target {
        Target {
            way: self.way(),
            record: match self.way() {
                Way::ToIntercom => pair.intercom.clone(),
                Way::ToSalesforce => pair.salesforce.clone(),
            },
            field: self.target_field().to_owned(),
        }
    }
}

/// The simulators, the pairs and the ledger of changes made, shared by the driving tasks.
struct World {
    salesforce: SalesforceSim,
    intercom: IntercomSim,
    admin: String,
    contacts: Vec<Pair>,
    accounts: Vec<Pair>,
    /// Salesforce users who can own people, each with their teammate's id.
    owners: Vec<(String, String)>,
    /// People (either side's id) known to be linked: a change of theirs arrived.
    linked: Shared<std::collections::BTreeSet<String>>,
    http: reqwest::Client,
    changes: Shared<Vec<Change>>,
    /// Targets whose last change has not arrived yet.
    in_flight: Shared<std::collections::BTreeSet<Target>>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl World {
    /// A call to the workspace's API as another integration would make it: retried while an
    /// injected fault (5xx, 429) refuses it, which the simulator decides before doing anything.
    async fn intercom_api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Value> {
        let mut last = String::new();
        for _ in 0..50 {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.intercom.url()))
                .bearer_auth(self.intercom.access_token())
                .header("Intercom-Version", "2.11");
            if !body.is_null() {
                request = request.json(body);
            }
            let response = request.send().await?;
            let status = response.status();
            let text = response.text().await?;
            if status.is_success() {
                return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
            }
            if status.as_u16() != 429 && !status.is_server_error() {
                bail!("Intercom {method} {path}: {status} {text}");
            }
            last = format!("{status} {text}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("Intercom {method} {path} kept failing: {last}")
    }

    /// One SOQL query (before faults are injected), its records.
    async fn query(&self, soql: &str) -> Result<Vec<Value>> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/services/data/v62.0/query",
                self.salesforce.url()
            ))
            .query(&[("q", soql)])
            .bearer_auth(self.salesforce.access_token())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(answer["records"].as_array().cloned().unwrap_or_default())
    }

    /// Makes one change of `kind` to a pair whose previous change of that kind arrived; `false`
    /// when every such pair still waits.
    async fn change(&self, kind: Kind, serial: u64) -> Result<bool> {
        if kind == Kind::AccountOwner {
            return self.change_owner().await;
        }
        let pairs = if kind.people() {
            &self.contacts
        } else {
            &self.accounts
        };
        let free: Vec<&Pair> = {
            let busy = self.in_flight.lock().expect("in flight");
            pairs
                .iter()
                .filter(|p| !busy.contains(&kind.target(p)))
                .collect()
        };
        if free.is_empty() {
            return Ok(false);
        }
        let pair = free[rand::rng().random_range(0..free.len())].clone();
        let target = kind.target(&pair);
        let value = match kind {
            Kind::ContactDepartment => json!(format!("Soak dept {serial}")),
            Kind::PersonJobTitle => json!(format!("Soak title {serial}")),
            Kind::CompanyWebsite => json!(format!("https://soak-{serial}.example.com")),
            Kind::AccountOwner => unreachable!("changed by change_owner"),
            Kind::AccountType => {
                let now = self
                    .salesforce
                    .record(&pair.salesforce)
                    .and_then(|r| r["Type"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let others: Vec<&&str> = ACCOUNT_TYPES.iter().filter(|t| **t != now).collect();
                json!(others[rand::rng().random_range(0..others.len())])
            }
        };
        self.in_flight
            .lock()
            .expect("in flight")
            .insert(target.clone());
        // Recorded before it is made, so `settle` never frees the target on the previous
        // change's arrival in between.
        self.changes.lock().expect("changes").push(Change {
            target,
            value: value.clone(),
            at_ms: now_ms(),
        });
        match kind {
            Kind::ContactDepartment => self.ui_update("Contact", &pair, "Department", &value)?,
            Kind::AccountType => self.ui_update("Account", &pair, "Type", &value)?,
            Kind::PersonJobTitle => {
                self.intercom_api(
                    reqwest::Method::PUT,
                    &format!("/contacts/{}", pair.intercom),
                    &json!({"custom_attributes": {"job_title": value}}),
                )
                .await?;
            }
            Kind::CompanyWebsite => {
                self.intercom_api(
                    reqwest::Method::PUT,
                    &format!("/companies/{}", pair.intercom),
                    &json!({"website": value}),
                )
                .await?;
            }
            Kind::AccountOwner => unreachable!("changed by change_owner"),
        }
        Ok(true)
    }

    /// The people of an Account known to be linked, if none of their owners is on its way.
    fn owned_people(&self, account: &Pair) -> Option<Vec<Target>> {
        let linked = self.linked.lock().expect("linked");
        let people: Vec<Target> = self
            .contacts
            .iter()
            .filter(|p| p.account.as_deref() == Some(account.salesforce.as_str()))
            .filter(|p| linked.contains(&p.salesforce) || linked.contains(&p.intercom))
            .map(|p| Kind::AccountOwner.target(p))
            .collect();
        let busy = self.in_flight.lock().expect("in flight");
        (!people.is_empty() && people.iter().all(|t| !busy.contains(t))).then_some(people)
    }

    /// Gives an Account another owner: one change for each of its linked people.
    async fn change_owner(&self) -> Result<bool> {
        let free: Vec<(&Pair, Vec<Target>)> = self
            .accounts
            .iter()
            .filter_map(|a| self.owned_people(a).map(|people| (a, people)))
            .collect();
        if free.is_empty() || self.owners.len() < 2 {
            return Ok(false);
        }
        let (account, people) = &free[rand::rng().random_range(0..free.len())];
        let now = self
            .salesforce
            .record(&account.salesforce)
            .and_then(|r| r["OwnerId"].as_str().map(str::to_owned))
            .unwrap_or_default();
        // An owner none of the people has yet, so each of them has something to write.
        let mut held = Vec::new();
        for person in people {
            let answer = self
                .intercom_api(
                    reqwest::Method::GET,
                    &format!("/contacts/{}", person.record),
                    &Value::Null,
                )
                .await?;
            held.push(owner_text(&answer["owner_id"]));
        }
        let others: Vec<&(String, String)> = self
            .owners
            .iter()
            .filter(|(user, teammate)| *user != now && !held.contains(&Some(teammate.clone())))
            .collect();
        if others.is_empty() {
            return Ok(false);
        }
        let (user, teammate) = others[rand::rng().random_range(0..others.len())];
        let at_ms = now_ms();
        {
            let mut busy = self.in_flight.lock().expect("in flight");
            let mut changes = self.changes.lock().expect("changes");
            for target in people {
                busy.insert(target.clone());
                changes.push(Change {
                    target: target.clone(),
                    value: json!(teammate),
                    at_ms,
                });
            }
        }
        self.ui_update("Account", account, "OwnerId", &json!(user))?;
        Ok(true)
    }

    fn ui_update(&self, object: &str, pair: &Pair, field: &str, value: &Value) -> Result<()> {
        self.salesforce
            .ui_update(
                &self.admin,
                object,
                &pair.salesforce,
                Value::Object([(field.to_owned(), value.clone())].into_iter().collect()),
            )
            .map_err(|e| anyhow::anyhow!("Salesforce refused {object}.{field}: {e:?}"))
    }

    /// Every write to a target each side recorded: the org's change events (its API writes
    /// and the UI's), the workspace's write log.
    fn writes(&self) -> Vec<Written> {
        let mut out = Vec::new();
        for event in self.salesforce.change_history() {
            let payload = &event["data"]["payload"];
            let header = &payload["ChangeEventHeader"];
            let Some(record) = header["recordIds"][0].as_str() else {
                continue;
            };
            let at_ms = header["commitTimestamp"].as_i64().unwrap_or_default();
            let changed: Vec<&str> = header["changedFields"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for field in ["Title", "Website"] {
                if changed.contains(&field) {
                    out.push(Written {
                        target: Target {
                            way: Way::ToSalesforce,
                            record: record.to_owned(),
                            field: field.to_owned(),
                        },
                        value: payload[field].clone(),
                        at_ms,
                    });
                }
            }
        }
        for write in self.intercom.write_log() {
            let Some((_, path)) = write.request.split_once(' ') else {
                continue;
            };
            let record = path
                .strip_prefix("/contacts/")
                .or_else(|| path.strip_prefix("/companies/"));
            let Some(record) = record.filter(|r| !r.contains('/')) else {
                continue;
            };
            if let Some(owner) = write.body.get("owner_id") {
                let value = owner_text(owner).map_or(Value::Null, Value::String);
                out.push(Written {
                    target: Target {
                        way: Way::ToIntercom,
                        record: record.to_owned(),
                        field: "owner_id".to_owned(),
                    },
                    value,
                    at_ms: write.at_ms,
                });
            }
            for field in ["department", "account_type"] {
                if let Some(value) = write.body["custom_attributes"].get(field) {
                    out.push(Written {
                        target: Target {
                            way: Way::ToIntercom,
                            record: record.to_owned(),
                            field: field.to_owned(),
                        },
                        value: value.clone(),
                        at_ms: write.at_ms,
                    });
                }
            }
        }
        out
    }

    /// Marks targets whose last change arrived as free again; how many changes still wait.
    fn settle(&self) -> usize {
        let writes = self.writes();
        let changes = self.changes.lock().expect("changes").clone();
        let mut last: BTreeMap<&Target, &Change> = BTreeMap::new();
        for change in &changes {
            last.insert(&change.target, change);
        }
        let mut busy = self.in_flight.lock().expect("in flight");
        let mut linked = self.linked.lock().expect("linked");
        busy.retain(|target| {
            let Some(change) = last.get(target) else {
                return false;
            };
            let arrived = writes
                .iter()
                .any(|w| &w.target == target && w.at_ms >= change.at_ms && w.value == change.value);
            if arrived && ["department", "Title"].contains(&target.field.as_str()) {
                linked.insert(target.record.clone());
            }
            !arrived
        });
        busy.len()
    }

    /// People whose owner in Intercom is not the teammate of their Account's owner now.
    async fn owners_diverged(
        &self,
        touched: &std::collections::BTreeSet<Target>,
    ) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for pair in &self.contacts {
            if !touched.contains(&Kind::AccountOwner.target(pair)) {
                continue;
            }
            let owner = pair
                .account
                .as_deref()
                .and_then(|a| self.salesforce.record(a))
                .and_then(|a| a["OwnerId"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let expected = self
                .owners
                .iter()
                .find(|(user, _)| *user == owner)
                .map(|(_, teammate)| teammate.clone());
            let person = self
                .intercom_api(
                    reqwest::Method::GET,
                    &format!("/contacts/{}", pair.intercom),
                    &Value::Null,
                )
                .await?;
            let actual = owner_text(&person["owner_id"]);
            if actual != expected {
                out.push(format!(
                    "AccountOwner {} / {}: Salesforce {owner} (teammate {expected:?}), Intercom {actual:?}",
                    pair.salesforce, pair.intercom
                ));
            }
        }
        Ok(out)
    }

    /// Records whose mapped fields differ between the two sides now.
    async fn diverged(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let touched: std::collections::BTreeSet<Target> = self
            .changes
            .lock()
            .expect("changes")
            .iter()
            .map(|c| c.target.clone())
            .collect();
        for kind in KINDS {
            if kind == Kind::AccountOwner {
                out.extend(self.owners_diverged(&touched).await?);
                continue;
            }
            let pairs = if kind.people() {
                &self.contacts
            } else {
                &self.accounts
            };
            for pair in pairs {
                if !touched.contains(&kind.target(pair)) {
                    continue;
                }
                let salesforce = self
                    .salesforce
                    .record(&pair.salesforce)
                    .context("a paired record")?;
                let path = if kind.people() {
                    format!("/contacts/{}", pair.intercom)
                } else {
                    format!("/companies/{}", pair.intercom)
                };
                let intercom = self
                    .intercom_api(reqwest::Method::GET, &path, &Value::Null)
                    .await?;
                let (left, right) = match kind {
                    Kind::ContactDepartment => (
                        &salesforce["Department"],
                        &intercom["custom_attributes"]["department"],
                    ),
                    Kind::AccountType => (
                        &salesforce["Type"],
                        &intercom["custom_attributes"]["account_type"],
                    ),
                    Kind::PersonJobTitle => (
                        &salesforce["Title"],
                        &intercom["custom_attributes"]["job_title"],
                    ),
                    Kind::CompanyWebsite => (&salesforce["Website"], &intercom["website"]),
                    Kind::AccountOwner => unreachable!("compared by owners_diverged"),
                };
                if left != right {
                    out.push(format!(
                        "{kind:?} {} / {}: Salesforce {left}, Intercom {right}",
                        pair.salesforce, pair.intercom
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// A teammate id as text, whether Intercom sent it as a number or a string.
fn owner_text(owner: &Value) -> Option<String> {
    match owner {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Runs the soak; the outcome, whatever it is (an `Err` only when the soak itself could not run).
pub async fn run(options: Options) -> Result<Outcome> {
    let salesforce = SalesforceSim::start(sim::salesforce::Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await?;
    let intercom = IntercomSim::start(sim::intercom::Config {
        seed: Seed::Demo,
        webhook_retry_delay: WEBHOOK_RETRY,
        ..Default::default()
    })
    .await?;
    let admin = salesforce.admin_user_id();
    let mut world = World {
        salesforce,
        intercom,
        admin,
        contacts: Vec::new(),
        accounts: Vec::new(),
        owners: Vec::new(),
        linked: Shared::default(),
        http: reqwest::Client::new(),
        changes: Shared::default(),
        in_flight: Shared::default(),
    };
    prepare_workspace(&world).await?;
    world.contacts = contact_pairs(&world).await?;
    world.accounts = account_pairs(&world).await?;
    world.owners = owners(&world).await?;
    if world.contacts.is_empty() || world.accounts.is_empty() {
        bail!(
            "no pairs to change: {} contacts, {} accounts",
            world.contacts.len(),
            world.accounts.len()
        );
    }
    eprintln!(
        "soak: {} processes, {:?}, {} Contact pairs, {} Account pairs, {} owners",
        options.processes,
        options.duration,
        world.contacts.len(),
        world.accounts.len(),
        world.owners.len()
    );

    let db = SharedDb::new("sfbridge_soak").await?;
    if db.schema().is_none() {
        bail!("the soak runs several processes on PostgreSQL: set TEST_DATABASE_URL");
    }
    let store = Store::open(&db.url().parse()?).await?;
    let key = random_key();
    crate::installation::save_paired_refreshing(
        &store,
        &key,
        (INSTALLATION, "Soak"),
        &world.salesforce,
        &world.intercom,
        &soak_settings(),
    )
    .await?;
    let mut fleet = Fleet::start(db.url(), &key, options.processes).await?;
    world.intercom.subscribe_webhooks(
        &format!("{}/webhooks/intercom", fleet.front_url()),
        &sfbridge::intercom::webhooks::SYNC_TOPICS,
    );
    let world = Arc::new(world);
    // Someone listens before the first change is made.
    crate::poll("a listener", Duration::from_secs(60), || async {
        Ok((world.salesforce.stream_subscriptions() > 0).then_some(()))
    })
    .await?;

    let calls_before = world.salesforce.api_calls();
    inject_faults(&world);
    let stop = Arc::new(AtomicBool::new(false));
    let skipped = Arc::new(AtomicU64::new(0));
    let chaos = tokio::spawn(chaos(world.clone(), stop.clone()));
    let drive = tokio::spawn(drive(world.clone(), stop.clone(), skipped.clone()));
    let started = Instant::now();
    let mut next_kill = started + options.kill_every;
    while started.elapsed() < options.duration {
        if Instant::now() >= next_kill {
            fleet.kill_and_restart().await?;
            let jitter = rand::rng().random_range(0.5..1.5);
            next_kill = Instant::now() + options.kill_every.mul_f64(jitter);
        }
        world.settle();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.store(true, Ordering::SeqCst);
    drive.await??;
    chaos.await??;
    eprintln!(
        "soak: driving stopped after {:?}; draining",
        started.elapsed()
    );

    // The drain: no faults, every process up; done when every change arrived and the queue
    // stayed empty for a while.
    clear_faults(&world).await?;
    let drained = drain(&world, &store).await;
    let salesforce_calls = world.salesforce.api_calls() - calls_before;
    let counts = store.job_counts().await?;
    let parked_why = store
        .parked_jobs(INSTALLATION)
        .await?
        .into_iter()
        .map(|j| {
            format!(
                "{} after {} attempts: {}",
                j.kind,
                j.attempts,
                j.last_error.unwrap_or_default()
            )
        })
        .collect();
    let changes = world.changes.lock().expect("changes").clone();
    let writes = world.writes();
    let ways = tally::tally(&changes, &writes);
    let diverged = world.diverged().await?;
    let outcome = Outcome {
        ways,
        restarts: fleet.restarts(),
        parked: counts.parked,
        parked_why,
        diverged,
        salesforce_calls,
        skipped_ticks: skipped.load(Ordering::SeqCst),
        drained,
        changes,
        writes,
    };
    fleet.stop().await;
    store.close().await;
    db.drop_schema().await?;
    match Arc::try_unwrap(world) {
        Ok(world) => {
            world.salesforce.shutdown().await;
            world.intercom.shutdown().await;
        }
        Err(_) => eprintln!("soak: the simulators are still shared; left to the process's end"),
    }
    Ok(outcome)
}

/// The demo's mappings: among them a Contact's Department and an Account's Type to Intercom,
/// a person's job title and a company's website to Salesforce.
fn soak_settings() -> shared::sync::SyncSettings {
    let mut settings = sfbridge::sync::demo::demo_settings();
    settings
        .mappings
        .extend(sfbridge::sync::demo::to_intercom_mappings());
    settings
}

/// The attributes the mappings name.
async fn prepare_workspace(world: &World) -> Result<()> {
    use sfbridge::sync::demo::{DEMO_COMPANY_ATTRIBUTES, DEMO_PERSON_ATTRIBUTES};
    let people = DEMO_PERSON_ATTRIBUTES
        .iter()
        .map(|(name, _)| (*name, "contact"))
        .chain(std::iter::once(("plan_tier", "contact")));
    let companies = DEMO_COMPANY_ATTRIBUTES
        .iter()
        .map(|(name, _)| (*name, "company"));
    for (name, model) in people.chain(companies) {
        let answer = world
            .intercom_api(
                reqwest::Method::POST,
                "/data_attributes",
                &json!({"name": name, "model": model, "data_type": "string"}),
            )
            .await;
        if let Err(e) = answer
            && !e.to_string().contains("already")
        {
            return Err(e);
        }
    }
    Ok(())
}

/// Contacts with an Intercom user of the same email.
async fn contact_pairs(world: &World) -> Result<Vec<Pair>> {
    let mut out = Vec::new();
    for record in world
        .query("SELECT Id, Email, AccountId FROM Contact WHERE Email != null")
        .await?
    {
        let (Some(id), Some(email)) = (record["Id"].as_str(), record["Email"].as_str()) else {
            continue;
        };
        if let Some(person) = world.intercom.contact_id_by_email(email) {
            let role: Value = world
                .intercom_api(
                    reqwest::Method::GET,
                    &format!("/contacts/{person}"),
                    &Value::Null,
                )
                .await?;
            if role["role"] == "user" && !out.iter().any(|p: &Pair| p.intercom == person) {
                out.push(Pair {
                    salesforce: id.to_owned(),
                    intercom: person,
                    account: record["AccountId"].as_str().map(str::to_owned),
                });
            }
        }
    }
    Ok(out)
}

/// Accounts with an Intercom company whose `company_id` is the Account Number.
async fn account_pairs(world: &World) -> Result<Vec<Pair>> {
    let mut out = Vec::new();
    for record in world
        .query("SELECT Id, AccountNumber FROM Account WHERE AccountNumber != null")
        .await?
    {
        let (Some(id), Some(number)) = (record["Id"].as_str(), record["AccountNumber"].as_str())
        else {
            continue;
        };
        let found = world
            .http
            .get(format!("{}/companies", world.intercom.url()))
            .query(&[("company_id", number)])
            .bearer_auth(world.intercom.access_token())
            .header("Intercom-Version", "2.11")
            .send()
            .await?;
        if !found.status().is_success() {
            continue;
        }
        let found: Value = found.json().await?;
        let company = found["data"][0]["id"].as_str().or(found["id"].as_str());
        if let Some(company) = company {
            out.push(Pair {
                salesforce: id.to_owned(),
                intercom: company.to_owned(),
                account: None,
            });
        }
    }
    Ok(out)
}

/// Active users with a teammate of the same email: the owners the driver gives Accounts.
async fn owners(world: &World) -> Result<Vec<(String, String)>> {
    let teammates = world.intercom.teammates();
    let mut out = Vec::new();
    for user in world
        .query("SELECT Id, Email FROM User WHERE IsActive = true")
        .await?
    {
        let (Some(id), Some(email)) = (user["Id"].as_str(), user["Email"].as_str()) else {
            continue;
        };
        if let Some(teammate) = teammates
            .iter()
            .find(|t| t.email.eq_ignore_ascii_case(email.trim()))
        {
            out.push((id.to_owned(), teammate.id.to_string()));
        }
    }
    Ok(out)
}

/// A fifth of the calls at both services fail: 5xx at both, 429 at Intercom. (Salesforce has
/// no 429: its `REQUEST_LIMIT_EXCEEDED` is the daily allocation spent, which pauses the sync for
/// minutes by design, so it is not injected at random.)
fn inject_faults(world: &World) {
    use sim::salesforce::{Fault, FaultKind};
    world
        .salesforce
        .inject(Fault::rate(FaultKind::ServerError, 0.1));
    world
        .salesforce
        .inject(Fault::rate(FaultKind::Unavailable, 0.11));
    world.intercom.inject_fault(sim::intercom::Fault::rate(
        0.1,
        sim::intercom::FaultKind::Status(503),
    ));
    world.intercom.inject_fault(sim::intercom::Fault::rate(
        0.11,
        sim::intercom::FaultKind::RateLimited,
    ));
}

async fn clear_faults(world: &World) -> Result<()> {
    world.intercom.clear_faults();
    world
        .http
        .delete(format!("{}/__sim/faults", world.salesforce.url()))
        .send()
        .await?
        .error_for_status()?;
    world.salesforce.streaming_outage(false);
    Ok(())
}

/// Expired sessions, dropped change streams and lost replay windows, in turn.
async fn chaos(world: Arc<World>, stop: Arc<AtomicBool>) -> Result<()> {
    let mut second = 0u64;
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        second += 1;
        match second % 30 {
            5 | 20 => world.salesforce.expire_sessions(),
            10 => world.salesforce.streaming_outage(true),
            12 => world.salesforce.streaming_outage(false),
            25 => world.salesforce.expire_retained_events(),
            _ => {}
        }
    }
    world.salesforce.streaming_outage(false);
    Ok(())
}

/// A change every [`CHANGE_EVERY`], the kinds in turn.
async fn drive(world: Arc<World>, stop: Arc<AtomicBool>, skipped: Arc<AtomicU64>) -> Result<()> {
    let mut serial = 0u64;
    let mut ticks = tokio::time::interval(CHANGE_EVERY);
    while !stop.load(Ordering::SeqCst) {
        ticks.tick().await;
        serial += 1;
        let kind = KINDS[(serial % KINDS.len() as u64) as usize];
        if !world.change(kind, serial).await? {
            skipped.fetch_add(1, Ordering::SeqCst);
        }
    }
    Ok(())
}

/// Waits until every change arrived and the queue stayed empty for [`QUIET_FOR`]; `false`
/// when that did not happen within [`DRAIN_WITHIN`].
async fn drain(world: &World, store: &Store) -> bool {
    let quiet_since: std::cell::Cell<Option<Instant>> = std::cell::Cell::new(None);
    let outcome = crate::poll("the drain", DRAIN_WITHIN, || async {
        let waiting = world.settle();
        let counts = store.job_counts().await?;
        if waiting > 0 || counts.queued > 0 || counts.running > 0 {
            quiet_since.set(None);
            bail!(
                "{waiting} changes on their way, {} jobs queued, {} running",
                counts.queued,
                counts.running
            );
        }
        let since = quiet_since.get().unwrap_or_else(Instant::now);
        quiet_since.set(Some(since));
        Ok((since.elapsed() >= QUIET_FOR).then_some(()))
    })
    .await;
    if let Err(e) = &outcome {
        eprintln!("soak: {e:#}");
    }
    outcome.is_ok()
}
