//! Several real `sfbridge serve` processes on one database run one Salesforce listener per
//! installation between them: the lease in the database decides which. A process stopped with
//! SIGTERM gives its lease up at once; one killed with SIGKILL loses it when it expires, and a
//! survivor takes over and resumes from the stored replay id. Every change reaches Intercom,
//! written once, and the inbox card another process caches (PostgreSQL's `NOTIFY`).
//!
//! On PostgreSQL when `TEST_DATABASE_URL` is set (in a schema of its own), else on one SQLite
//! file the processes share.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sfbridge::store::{LeaseRow, Store};
use sfbridge_tests::database::SharedDb;
use sfbridge_tests::server::random_key;
use sfbridge_tests::{Sfbridge, poll};
use shared::sync::{
    AttributeMapping, CompanyIdentity, Direction, IdentitySettings, PeopleIdentity,
    SalesforceObject, SyncSettings,
};
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

const INSTALLATION: &str = "many";
/// A Salesforce Contact with an Intercom user of the same email, in both demo seeds.
const EMAIL: &str = "maya.patel@globex.example.com";
/// The shortest lease the configuration allows, so a takeover after SIGKILL comes soon.
const LEASE_SECONDS: &str = "3";

/// The installation pairing both simulators, syncing a Contact's Title to Intercom.
async fn prepare(
    store: &Store,
    key: &str,
    salesforce: &SalesforceSim,
    intercom: &IntercomSim,
) -> Result<()> {
    let settings = SyncSettings {
        identity: IdentitySettings {
            people: PeopleIdentity::Email,
            companies: CompanyIdentity::default(),
        },
        mappings: vec![AttributeMapping::new(
            SalesforceObject::Contact,
            "custom_attributes.job_title",
            "Title",
            Direction::ToIntercom,
        )],
        lead_fallbacks: Default::default(),
    };
    sfbridge_tests::installation::save_paired(
        store,
        key,
        (INSTALLATION, "Several processes"),
        salesforce,
        intercom,
        &settings,
    )
    .await?;
    Ok(())
}

async fn contact_by_email(salesforce: &SalesforceSim, email: &str) -> Result<String> {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}/services/data/v62.0/query", salesforce.url()))
        .query(&[(
            "q",
            format!("SELECT Id FROM Contact WHERE Email = '{email}'"),
        )])
        .bearer_auth(salesforce.access_token())
        .send()
        .await?
        .json()
        .await?;
    answer["records"][0]["Id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no Contact {email}: {answer}"))
}

async fn job_title(intercom: &IntercomSim, id: &str) -> Result<Value> {
    let person: Value = reqwest::Client::new()
        .get(format!("{}/contacts/{id}", intercom.url()))
        .bearer_auth(intercom.access_token())
        .header("Intercom-Version", "2.11")
        .send()
        .await?
        .json()
        .await?;
    Ok(person["custom_attributes"]["job_title"].clone())
}

/// How many listener leases the process says it holds (`/readyz`).
async fn leases_held(server: &Sfbridge) -> Result<u64> {
    let ready: Value = reqwest::get(server.url("/readyz")).await?.json().await?;
    ready["listener_leases"]
        .as_u64()
        .with_context(|| format!("no listener_leases in {ready}"))
}

/// Waits until exactly one of `servers` holds the installation's lease; returns its index.
async fn one_holder(servers: &[&Sfbridge]) -> Result<usize> {
    poll("exactly one listener", Duration::from_secs(60), || async {
        let mut held = Vec::new();
        for server in servers {
            held.push(leases_held(server).await?);
        }
        if held.iter().sum::<u64>() > 1 {
            bail!("more than one process listens: {held:?}");
        }
        Ok(held.iter().position(|n| *n == 1))
    })
    .await
}

async fn lease(store: &Store) -> Result<Vec<LeaseRow>> {
    Ok(store.leases().await?)
}

/// The card a process that does not listen caches is forgotten when the listening process sees
/// the change (PostgreSQL's `NOTIFY`): without it, it would be served until its TTL.
async fn cards_follow_the_listener(
    servers: &[Sfbridge],
    intercom: &IntercomSim,
    person: &str,
    rename: &impl Fn(&str) -> Result<()>,
) -> Result<()> {
    let holder = one_holder(&servers.iter().collect::<Vec<_>>()).await?;
    let other = &servers[1 - holder];
    let conversation = intercom.contact_starts_conversation(person, "Hello", Vec::new())?;
    let card = || async {
        let verdict = intercom
            .canvas_initialize(
                &other.url("/canvas/initialize"),
                &conversation,
                intercom.installer_admin_id(),
            )
            .await?;
        if !verdict.is_valid() {
            bail!("an invalid card: {:?}", verdict.problems);
        }
        Ok(verdict.response.map(|r| r.to_string()).unwrap_or_default())
    };
    let cached = card().await?;
    assert!(
        cached.contains("Maya Patel"),
        "the card shows the name: {cached}"
    );
    rename("Mayanna")?;
    poll(
        "the other process's card to change",
        Duration::from_secs(60),
        || async { Ok(card().await?.contains("Mayanna Patel").then_some(())) },
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn several_processes_run_one_listener_and_a_survivor_takes_over() -> Result<()> {
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
    reqwest::Client::new()
        .post(format!("{}/data_attributes", intercom.url()))
        .bearer_auth(intercom.access_token())
        .header("Intercom-Version", "2.11")
        .json(&json!({"name": "job_title", "model": "contact", "data_type": "string"}))
        .send()
        .await?
        .error_for_status()?;
    let contact = contact_by_email(&salesforce, EMAIL).await?;
    let person = intercom
        .contact_id_by_email(EMAIL)
        .context("the demo user")?;
    let admin = salesforce.admin_user_id();
    let write_path = format!("PUT /contacts/{person}");
    let writes = || {
        intercom
            .write_counts()
            .get(&write_path)
            .copied()
            .unwrap_or(0)
    };

    let db = SharedDb::new("sfbridge_many").await?;
    let store = Store::open(&db.url().parse()?).await?;
    let key = random_key();
    prepare(&store, &key, &salesforce, &intercom).await?;
    let settings = [("SFBRIDGE_LISTENER_LEASE_SECONDS", LEASE_SECONDS.to_owned())];
    let a = Sfbridge::serve_on(db.url(), &key, &settings).await?;
    let b = Sfbridge::serve_on(db.url(), &key, &settings).await?;
    let mut servers = vec![a, b];

    // One listener between the two; a change reaches Intercom, written once.
    one_holder(&servers.iter().collect::<Vec<_>>()).await?;
    let title = |t: &str| -> Result<()> {
        salesforce
            .ui_update(&admin, "Contact", &contact, json!({ "Title": t }))
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("Salesforce refused the title: {e:?}"))
    };
    let before = writes();
    title("First title")?;
    poll(
        "the first title in Intercom",
        Duration::from_secs(60),
        || async { Ok((job_title(&intercom, &person).await? == "First title").then_some(())) },
    )
    .await?;
    assert_eq!(writes() - before, 1);

    // The card another process caches is forgotten when the listening process sees a change
    // (PostgreSQL tells the others; SQLite is meant for one process and tells nobody).
    if db.schema().is_none() {
        eprintln!("SQLite: the card cache is not shared; that part needs TEST_DATABASE_URL");
    } else {
        let rename = |name: &str| -> Result<()> {
            salesforce
                .ui_update(&admin, "Contact", &contact, json!({ "FirstName": name }))
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("Salesforce refused the name: {e:?}"))
        };
        cards_follow_the_listener(&servers, &intercom, &person, &rename).await?;
    }

    // SIGTERM: the holder gives its lease up as it stops, not when the lease runs out.
    let holder = one_holder(&servers.iter().collect::<Vec<_>>()).await?;
    let stopping = lease(&store).await?;
    assert_eq!(stopping.len(), 1, "{stopping:?}");
    let (status, log) = servers.remove(holder).terminate().await?;
    assert!(status.success(), "{status}\n{log}");
    let after = lease(&store).await?;
    assert!(
        after.iter().all(|l| l.holder != stopping[0].holder),
        "the stopped process still holds {after:?}"
    );
    servers.push(Sfbridge::serve_on(db.url(), &key, &settings).await?);

    // SIGKILL: the holder keeps its lease until it expires; then a survivor takes over from
    // the stored replay id, and a change made meanwhile arrives once.
    let holder = one_holder(&servers.iter().collect::<Vec<_>>()).await?;
    let killed = lease(&store).await?;
    let _ = servers.remove(holder).kill().await?;
    let before = writes();
    title("Second title")?;
    let survivors: Vec<&Sfbridge> = servers.iter().collect();
    one_holder(&survivors).await?;
    assert!(
        lease(&store)
            .await?
            .iter()
            .all(|l| l.holder != killed[0].holder),
        "the killed process's lease was taken over"
    );
    poll(
        "the second title in Intercom",
        Duration::from_secs(60),
        || async { Ok((job_title(&intercom, &person).await? == "Second title").then_some(())) },
    )
    .await?;
    assert_eq!(writes() - before, 1, "written once across the takeover");

    for server in servers {
        let (status, log) = server.terminate().await?;
        assert!(status.success(), "{status}\n{log}");
    }
    store.close().await;
    db.drop_schema().await?;
    salesforce.shutdown().await;
    intercom.shutdown().await;
    Ok(())
}
