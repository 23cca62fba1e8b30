//! The real `sfbridge serve` killed with SIGKILL in the middle of a sync batch, then started
//! again on the same database: everything converges and nothing is written twice (every
//! Salesforce write is counted by the org's change events).
//!
//! Also the conversations' Tasks: killed the moment their create lands in the org (before the
//! answer is stored), the restarted server finds them by their Subject: one Task per
//! conversation.
//!
//! The simulators run in this process, so they outlive the server; each Salesforce call takes
//! 200 ms, so a batch is still writing when its first records land.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sfbridge::store::Store;
use sfbridge_tests::server::random_key;
use sfbridge_tests::{Sfbridge, poll};
use shared::sync::{
    AttributeMapping, CompanyIdentity, Direction, IdentitySettings, PeopleIdentity,
    SalesforceObject, SyncSettings,
};
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::{Fault, FaultKind, SalesforceSim};

const INSTALLATION: &str = "crash";
const NEW_LEADS: usize = 300;

fn settings() -> SyncSettings {
    let to = |object, attribute: &str, field: &str| {
        AttributeMapping::new(object, attribute, field, Direction::ToSalesforce)
    };
    SyncSettings {
        identity: IdentitySettings {
            people: PeopleIdentity::Email,
            companies: CompanyIdentity::default(),
        },
        mappings: vec![
            to(SalesforceObject::Lead, "name", "LastName"),
            to(
                SalesforceObject::Lead,
                "custom_attributes.company_name",
                "Company",
            ),
            to(
                SalesforceObject::Lead,
                "custom_attributes.region",
                "Region__c",
            ),
            to(SalesforceObject::Lead, "phone", "Phone"),
            to(SalesforceObject::Contact, "phone", "Phone"),
        ],
        lead_fallbacks: Default::default(),
    }
}

async fn intercom_call(
    sim: &IntercomSim,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Result<Value> {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", sim.url()))
        .bearer_auth(sim.access_token())
        .header("Intercom-Version", "2.11")
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    if !status.is_success() {
        bail!("Intercom {path}: {status} {answer}");
    }
    Ok(answer)
}

/// Change events the org has published: one per record written.
async fn writes(salesforce: &SalesforceSim) -> Result<u64> {
    let state: Value = reqwest::get(format!("{}/__sim/cdc", salesforce.url()))
        .await?
        .json()
        .await?;
    state["lastReplayId"].as_u64().context("no lastReplayId")
}

/// The database, the installation pairing both simulators, its sync settings and the Tasks
/// switch.
async fn prepare(
    dir: &std::path::Path,
    key: &str,
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
    tasks: bool,
) -> Result<()> {
    let url = format!("sqlite://{}", dir.join("sfbridge.db").display());
    let store = Store::open(&url.parse()?).await?;
    sfbridge_tests::installation::save_paired(
        &store,
        key,
        (INSTALLATION, "Crash test"),
        salesforce,
        intercom,
        &settings(),
    )
    .await?;
    let switch = shared::tasks::TaskSettings {
        send_conversations: tasks,
    };
    sfbridge::settings::save_tasks(&store, INSTALLATION, &switch, 1).await?;
    store.close().await;
    Ok(())
}

/// The demo's users whose email a Salesforce Contact has.
const USERS: [&str; 11] = [
    "maya.patel@globex.example.com",
    "liam.silva@initech.example.com",
    "noah.haddad@umbrella.example.com",
    "emma.garcia@stark.example.com",
    "olivia.cohen@wayne.example.com",
    "ava.moreau@wonka.example.com",
    "lucas.kim@cyberdyne.example.com",
    "mia.okafor@soylent.example.com",
    "ethan.jensen@tyrell.example.com",
    "zoe.nguyen@hooli.example.com",
    "amir.tanaka@piedpiper.example.com",
];

/// Both simulators with the demo's data.
async fn simulators() -> Result<(SalesforceSim, IntercomSim)> {
    let salesforce = SalesforceSim::start(sim::salesforce::Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await?;
    let intercom = IntercomSim::start(sim::intercom::Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await?;
    Ok((salesforce, intercom))
}

/// A free port that stays the same across a restart, so Intercom's subscription still
/// reaches the server.
fn fixed_listen() -> Result<String> {
    let port = std::net::TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))?
        .local_addr()?
        .port();
    Ok(format!("127.0.0.1:{port}"))
}

/// The server on a fresh database pairing both simulators (with the Tasks switch as given),
/// subscribed to the workspace's webhooks, every Salesforce call taking 200 ms; its listen
/// address and key, for the restart.
async fn serve_slowly(
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
    tasks: bool,
) -> Result<(Sfbridge, String, String)> {
    let listen = fixed_listen()?;
    let key = random_key();
    let dir = tempfile::tempdir()?;
    prepare(dir.path(), &key, salesforce, intercom, tasks).await?;
    let server = Sfbridge::serve_in(dir, &listen, &key).await?;
    intercom.subscribe_webhooks(
        &server.url("/webhooks/intercom"),
        &sfbridge::intercom::webhooks::SYNC_TOPICS,
    );
    salesforce.inject(Fault::rate(
        FaultKind::Latency(Duration::from_millis(200)),
        1.0,
    ));
    Ok((server, listen, key))
}

/// SIGKILLs the server the moment the org holds more `object` records than `before`: its
/// batch is still writing, or its answer on the way back. The data folder, and how many landed.
async fn kill_as_they_land(
    server: Sfbridge,
    salesforce: &SalesforceSim,
    object: &str,
    before: usize,
) -> Result<(tempfile::TempDir, usize)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while salesforce.count(object) == before {
        assert!(Instant::now() < deadline, "no {object} was ever created");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let dir = server.kill().await?;
    Ok((dir, salesforce.count(object) - before))
}

/// The restarted server's store once its queue is empty, with nothing parked.
async fn drained(restarted: &Sfbridge) -> Result<Store> {
    let url = format!(
        "sqlite://{}",
        restarted.data_dir().join("sfbridge.db").display()
    );
    let store = Store::connect(&url.parse()?).await?;
    poll("the queue to empty", Duration::from_secs(60), || async {
        let counts = store.job_counts().await?;
        Ok((counts.queued == 0 && counts.running == 0).then_some(()))
    })
    .await?;
    assert_eq!(store.job_counts().await?.parked, 0);
    Ok(store)
}

#[tokio::test]
async fn a_crash_mid_batch_converges_after_restart_and_writes_nothing_twice() -> Result<()> {
    let (salesforce, intercom) = simulators().await?;
    for name in ["company_name", "region"] {
        intercom_call(
            &intercom,
            reqwest::Method::POST,
            "/data_attributes",
            json!({"name": name, "model": "contact", "data_type": "string"}),
        )
        .await?;
    }
    let (server, listen, key) = serve_slowly(&salesforce, &intercom, false).await?;

    let leads_before = salesforce.count("Lead");
    let writes_before = writes(&salesforce).await?;
    // Users whose email a Salesforce Contact has: one phone change each.
    let users: Vec<(String, String)> = USERS
        .iter()
        .zip(1..)
        .map(|(email, n)| {
            (
                intercom.contact_id_by_email(email).expect("a demo user"),
                format!("+1 555 77{n:02}"),
            )
        })
        .collect();
    for (id, phone) in &users {
        intercom_call(
            &intercom,
            reqwest::Method::PUT,
            &format!("/contacts/{id}"),
            json!({"phone": phone}),
        )
        .await?;
    }
    for n in 0..NEW_LEADS {
        intercom_call(
            &intercom,
            reqwest::Method::POST,
            "/contacts",
            json!({"role": "lead", "email": format!("crash{n}@leads.example"),
                   "name": format!("Crash {n}"), "phone": format!("+1 555 9{n:04}"),
                   "custom_attributes": {"company_name": format!("Crash Co {n}"), "region": "APAC"}}),
        )
        .await?;
    }
    // Every notification was answered (stored) before the crash.
    intercom
        .wait_for_deliveries(Duration::from_secs(30), |log| {
            log.iter().filter(|d| d.succeeded()).count() >= users.len() + NEW_LEADS
        })
        .await;

    // Kill the moment the first new Leads land: that batch is still writing.
    let (dir, landed) = kill_as_they_land(server, &salesforce, "Lead", leads_before).await?;
    assert!(
        landed < NEW_LEADS,
        "the crash came after everything ({landed} leads)"
    );

    let restarted = Sfbridge::serve_in(dir, &listen, &key).await?;
    let started = Instant::now();
    poll("every Lead", Duration::from_secs(120), || async {
        Ok((salesforce.count("Lead") - leads_before == NEW_LEADS).then_some(()))
    })
    .await
    .with_context(|| format!("server log:\n{}", restarted.stderr()))?;
    // Converged: every person linked, every value written, the queue empty.
    let store = drained(&restarted).await?;
    for (id, phone) in &users {
        let link = store
            .person_link(INSTALLATION, id)
            .await?
            .with_context(|| format!("{id} is not linked"))?;
        assert_eq!(
            salesforce.record(&link.salesforce_id).unwrap()["Phone"],
            json!(phone)
        );
    }
    store.close().await;
    assert_eq!(
        salesforce.count("Lead") - leads_before,
        NEW_LEADS,
        "no Lead created twice"
    );
    // One change event per record: each new Lead once, each Contact's phone once.
    assert_eq!(
        writes(&salesforce).await? - writes_before,
        (NEW_LEADS + users.len()) as u64,
        "a record was written twice"
    );
    eprintln!(
        "crash after {landed} of {NEW_LEADS} leads; converged {:?} after the restart",
        started.elapsed()
    );
    let _ = restarted.terminate().await?;
    salesforce.shutdown().await;
    intercom.shutdown().await;
    Ok(())
}

/// SOQL against the simulated org.
async fn soql(salesforce: &SalesforceSim, query: &str) -> Result<Vec<Value>> {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}/services/data/v62.0/query", salesforce.url()))
        .query(&[("q", query)])
        .bearer_auth(salesforce.access_token())
        .send()
        .await?
        .json()
        .await?;
    let records = answer["records"]
        .as_array()
        .with_context(|| format!("no records: {answer}"))?;
    Ok(records.clone())
}

#[tokio::test]
async fn a_crash_as_tasks_land_leaves_one_task_per_conversation() -> Result<()> {
    const CONVERSATIONS: usize = 150;
    let (salesforce, intercom) = simulators().await?;
    let (server, listen, key) = serve_slowly(&salesforce, &intercom, true).await?;
    let tasks_before = salesforce.count("Task");
    let people: Vec<String> = USERS
        .iter()
        .map(|email| intercom.contact_id_by_email(email).expect("a demo user"))
        .collect();
    let mut conversations = Vec::with_capacity(CONVERSATIONS);
    for n in 0..CONVERSATIONS {
        let id = intercom.contact_starts_conversation(
            &people[n % people.len()],
            &format!("<p>Crash question {n}</p>"),
            vec![],
        )?;
        conversations.push(id);
    }
    intercom
        .wait_for_deliveries(Duration::from_secs(30), |log| {
            log.iter().filter(|d| d.succeeded()).count() >= CONVERSATIONS
        })
        .await;

    // Killed the moment the first Tasks exist: their answer is, at best, on its way back.
    let (dir, landed) = kill_as_they_land(server, &salesforce, "Task", tasks_before).await?;

    let restarted = Sfbridge::serve_in(dir, &listen, &key).await?;
    poll("every Task", Duration::from_secs(120), || async {
        Ok((salesforce.count("Task") - tasks_before >= CONVERSATIONS).then_some(()))
    })
    .await
    .with_context(|| format!("server log:\n{}", restarted.stderr()))?;
    let store = drained(&restarted).await?;
    // Each conversation's Task is accounted for: created, or found by its Subject and rewritten.
    let rows = store
        .ledger(
            INSTALLATION,
            &sfbridge::store::LedgerQuery {
                object: Some(shared::sync::LedgerObject::Conversation.as_str().to_owned()),
                limit: 10_000,
                ..Default::default()
            },
        )
        .await?;
    let found = conversations
        .iter()
        .filter(|id| {
            !rows
                .iter()
                .any(|r| r.intercom_id.as_deref() == Some(id.as_str()) && r.outcome == "created")
        })
        .count();
    for id in &conversations {
        assert!(
            rows.iter()
                .any(|r| r.intercom_id.as_deref() == Some(id.as_str())
                    && ["created", "updated"].contains(&r.outcome.as_str())),
            "no ledger row for {id}: {} rows, {:?}",
            rows.len(),
            rows.first()
        );
    }
    store.close().await;
    assert_eq!(
        salesforce.count("Task") - tasks_before,
        CONVERSATIONS,
        "a Task was created twice"
    );
    let tasks = soql(
        &salesforce,
        "SELECT Subject, Description FROM Task WHERE Subject LIKE 'Intercom conversation #%'",
    )
    .await?;
    for (n, id) in conversations.iter().enumerate() {
        let subject = format!("Intercom conversation #{id}");
        let mine: Vec<&Value> = tasks.iter().filter(|t| t["Subject"] == subject).collect();
        assert_eq!(mine.len(), 1, "{subject}: {mine:?}");
        let text = mine[0]["Description"].as_str().unwrap_or_default();
        let question = format!("Crash question {n}");
        assert!(text.lines().any(|l| l == question), "{text}");
    }
    eprintln!(
        "crash after {landed} of {CONVERSATIONS} Tasks landed; {found} Tasks found by their Subject after the restart"
    );
    let _ = restarted.terminate().await?;
    salesforce.shutdown().await;
    intercom.shutdown().await;
    Ok(())
}
