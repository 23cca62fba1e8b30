//! The outbox under failure: Salesforce's API limit pauses an installation's jobs, 5xx and
//! timeouts back off, a job failing too often is parked with its error, and 1,000 Intercom
//! changes converge through 20% injected 5xx and an expired session, nothing lost, no
//! duplicate lead.

mod support;
mod sync_support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sfbridge::config::Config;
use sim::salesforce::{Fault, FaultKind};
use support::World;
use sync_support::*;

fn quick(config: &mut Config) {
    config.sync.retry.base = Duration::from_millis(50);
    config.sync.retry.cap = Duration::from_millis(500);
    config.sync.gather = Duration::from_millis(100);
    config.sync.idle_poll = Duration::from_millis(50);
}

async fn clear_salesforce_faults(world: &World) {
    let answer = world
        .http
        .delete(format!("{}/__sim/faults", world.salesforce.url()))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
}

#[tokio::test]
async fn the_api_limit_pauses_the_installation_until_the_budget_allows() {
    let pause = Duration::from_millis(1500);
    let world = World::start_with(|c| {
        quick(c);
        c.sync.limit_pause = pause;
    })
    .await;
    let maya = person(&world, "maya.patel@globex.example.com");
    world
        .salesforce
        .inject(Fault::next(FaultKind::LimitExceeded, 1));
    let started = Instant::now();
    update_contact(&world, &maya, json!({"phone": "+1 555 0404"})).await;
    let entry = ledger_entry(&world, &maya, |e| e["outcome"] == "updated").await;
    assert!(
        started.elapsed() >= pause,
        "synced after {:?}, before the pause ended",
        started.elapsed()
    );
    let job_attempts_uncounted = world.state.sync.stats.jobs_retried.load(Ordering::Relaxed);
    assert_eq!(job_attempts_uncounted, 0, "a pause is not a failed attempt");
    assert_eq!(
        world
            .salesforce
            .record(entry["salesforce_id"].as_str().unwrap())
            .unwrap()["Phone"],
        "+1 555 0404"
    );
    world.stop().await;
}

#[tokio::test]
async fn event_sync_pauses_past_its_share_of_the_daily_allocation() {
    let world = World::start_with(|c| {
        quick(c);
        // Any use at all is past this share.
        c.sync.budget_share = 1e-9;
        c.sync.limit_pause = Duration::from_secs(60);
    })
    .await;
    let maya = person(&world, "maya.patel@globex.example.com");
    update_contact(&world, &maya, json!({"phone": "+1 555 0405"})).await;
    // The job goes back to the queue, due after the pause, its attempt not counted.
    eventually(
        Duration::from_secs(10),
        "the job to be given back",
        || async {
            let counts = world.store.job_counts().await.unwrap();
            let stats = &world.state.sync.stats;
            (counts.queued == 1 && stats.batches.load(Ordering::Relaxed) >= 1).then_some(())
        },
    )
    .await;
    assert!(ledger_of(&world, &maya).await.is_empty());
    world.stop().await;
}

#[tokio::test]
async fn server_errors_back_off_and_a_job_failing_too_often_is_parked() {
    let world = World::start_with(|c| {
        quick(c);
        c.sync.max_attempts = 3;
    })
    .await;
    // Three 503s exhaust the client's own retries of the read once: the job backs off and
    // then succeeds.
    world
        .salesforce
        .inject(Fault::next(FaultKind::Unavailable, 3));
    let maya = person(&world, "maya.patel@globex.example.com");
    update_contact(&world, &maya, json!({"phone": "+1 555 0500"})).await;
    ledger_entry(&world, &maya, |e| e["outcome"] == "updated").await;
    assert!(world.state.sync.stats.jobs_retried.load(Ordering::Relaxed) >= 1);

    // Salesforce down for good: parked after three attempts, with the error.
    world
        .salesforce
        .inject(Fault::rate(FaultKind::ServerError, 1.0));
    let liam = person(&world, "liam.silva@initech.example.com");
    update_contact(&world, &liam, json!({"phone": "+1 555 0501"})).await;
    let parked = ledger_entry(&world, &liam, |e| e["outcome"] == "failed").await;
    assert_eq!(parked["error_code"], "job_parked");
    assert!(
        parked["error_message"]
            .as_str()
            .unwrap()
            .contains("unavailable"),
        "{parked}"
    );
    assert_eq!(world.store.job_counts().await.unwrap().parked, 1);
    clear_salesforce_faults(&world).await;
    world.stop().await;
}

#[tokio::test]
async fn a_thousand_changes_converge_through_server_errors_and_an_expired_session() {
    let world = World::start_with(|c| {
        quick(c);
        c.sync.max_attempts = 100;
    })
    .await;
    // Lead Company from a plain attribute, so new leads need no Intercom company.
    intercom(
        &world,
        reqwest::Method::POST,
        "/data_attributes",
        json!({"name": "company_name", "model": "contact", "data_type": "string"}),
    )
    .await;
    let mut mappings = world.get("/api/settings/sync").await.1["mappings"]
        .as_array()
        .unwrap()
        .clone();
    for m in mappings.iter_mut() {
        if m["salesforce_field"] == "Company" {
            m["intercom_attribute"] = json!("custom_attributes.company_name");
        }
    }
    let saved = world
        .http
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({ "mappings": mappings }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);

    let leads_before = world.salesforce.count("Lead");
    world
        .salesforce
        .inject(Fault::rate(FaultKind::ServerError, 0.2));
    const PEOPLE: usize = 250;
    const UPDATES: usize = 3;
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        let made = create_contact(
            &world,
            json!({"role": "lead", "email": format!("load{n}@converge.example"),
                   "name": format!("Load {n}"),
                   "custom_attributes": {"region": "AMER", "company_name": format!("Load Co {n}")}}),
        )
        .await;
        people.push(made["id"].as_str().unwrap().to_owned());
    }
    for round in 0..UPDATES {
        if round == 1 {
            // Midway, every session expires: the client refreshes and carries on.
            world.salesforce.expire_sessions();
        }
        for (n, id) in people.iter().enumerate() {
            update_contact(
                &world,
                id,
                json!({"phone": format!("+1 555 {round}{n:04}")}),
            )
            .await;
        }
    }
    let last_round = UPDATES - 1;
    let deadline = Instant::now() + Duration::from_secs(120);
    for (n, id) in people.iter().enumerate() {
        let want = format!("+1 555 {last_round}{n:04}");
        loop {
            let link = world.store.person_link("demo", id).await.unwrap();
            let phone = link
                .and_then(|l| world.salesforce.record(&l.salesforce_id))
                .map(|r| r["Phone"].clone());
            if phone == Some(Value::String(want.clone())) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "person {n} never converged: {phone:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    clear_salesforce_faults(&world).await;
    assert_eq!(
        world.salesforce.count("Lead") - leads_before,
        PEOPLE,
        "one Lead per person, none twice"
    );
    for (n, id) in people.iter().enumerate() {
        let link = world.store.person_link("demo", id).await.unwrap().unwrap();
        let lead = world.salesforce.record(&link.salesforce_id).unwrap();
        assert_eq!(lead["Email"], format!("load{n}@converge.example"));
        assert_eq!(lead["Company"], format!("Load Co {n}"));
    }
    assert_eq!(
        world.store.job_counts().await.unwrap().parked,
        0,
        "nothing lost"
    );
    world.stop().await;
}

/// The job a parked ledger row names ("retry job N").
fn parked_job(entry: &Value) -> i64 {
    let detail = entry["detail"].as_str().unwrap();
    detail
        .split("retry job ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no job named in {entry}"))
}

async fn post_json(client: &reqwest::Client, url: &str, origin: &str) -> (u16, Value) {
    let answer = client
        .post(url)
        .header("Origin", origin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_admin_retries_parked_jobs_one_or_all_of_a_kind_and_they_sync() {
    let world = World::start_with(|c| {
        quick(c);
        c.sync.max_attempts = 2;
    })
    .await;
    world
        .salesforce
        .inject(Fault::rate(FaultKind::ServerError, 1.0));
    let liam = person(&world, "liam.silva@initech.example.com");
    update_contact(&world, &liam, json!({"phone": "+1 555 0601"})).await;
    let parked = ledger_entry(&world, &liam, |e| e["error_code"] == "job_parked").await;
    let job = parked_job(&parked);
    let retry = format!("{}/api/sync/jobs/{job}/retry", world.app);

    // Closed to the signed-out and to teammates; nothing changes.
    let (status, _) = post_json(&world.anonymous, &retry, &world.app).await;
    assert_eq!(status, 401);
    let teammate = world
        .sign_in_as(&sim::intercom::demo::TEAMMATES[1].0.to_string())
        .await;
    let (status, body) = post_json(&teammate, &retry, &world.app).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "admin_only");
    assert_eq!(world.store.job_counts().await.unwrap().parked, 1);

    // The cause fixed, the admin retries it: the change lands.
    clear_salesforce_faults(&world).await;
    let (status, body) = post_json(&world.http, &retry, &world.app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["retried"], 1);
    let entry = ledger_entry(&world, &liam, |e| e["outcome"] == "updated").await;
    assert_eq!(
        world
            .salesforce
            .record(entry["salesforce_id"].as_str().unwrap())
            .unwrap()["Phone"],
        "+1 555 0601"
    );
    // It is no longer parked: retrying it again finds nothing.
    let (status, body) = post_json(&world.http, &retry, &world.app).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = post_json(
        &world.http,
        &format!("{}/api/sync/jobs/nine/retry", world.app),
        &world.app,
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("invalid_job_id"))
    );

    // Every parked job of a kind at once.
    world
        .salesforce
        .inject(Fault::rate(FaultKind::ServerError, 1.0));
    let maya = person(&world, "maya.patel@globex.example.com");
    update_contact(&world, &maya, json!({"phone": "+1 555 0602"})).await;
    ledger_entry(&world, &maya, |e| e["error_code"] == "job_parked").await;
    clear_salesforce_faults(&world).await;
    let all = format!("{}/api/sync/jobs/retry", world.app);
    let (status, body) =
        post_json(&world.http, &format!("{all}?kind=sync.unknown"), &world.app).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("invalid_job_kind"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sync.to_salesforce"),
        "{body}"
    );
    let (status, body) = post_json(
        &teammate,
        &format!("{all}?kind=sync.to_salesforce"),
        &world.app,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = post_json(
        &world.http,
        &format!("{all}?kind=sync.to_salesforce"),
        &world.app,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["retried"], 1);
    let entry = ledger_entry(&world, &maya, |e| e["outcome"] == "updated").await;
    assert_eq!(
        world
            .salesforce
            .record(entry["salesforce_id"].as_str().unwrap())
            .unwrap()["Phone"],
        "+1 555 0602"
    );
    assert_eq!(world.store.job_counts().await.unwrap().parked, 0);
    world.stop().await;
}
