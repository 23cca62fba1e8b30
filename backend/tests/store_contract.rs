//! One contract, two databases: every case runs against SQLite, and against PostgreSQL when
//! `TEST_DATABASE_URL` is set (each case in a schema of its own, dropped afterwards).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::installations::{self, Pairing};
use sfbridge::jobs::RetryPolicy;
use sfbridge::store::{
    ContactOutcome, DatabaseUrl, FailOutcome, Job, JobId, JobResult, LedgerQuery, MigrateError,
    NewJob, NewLedgerRow, Service, Store, StoreError,
};
use shared::{ConnectionState, SalesforceEnvironment};

/// A store to test, and what to drop afterwards.
struct TestDb {
    store: Store,
    label: &'static str,
    url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("test.db").display())
        .parse()
        .unwrap();
    TestDb {
        store: Store::connect(&url).await.unwrap(),
        label: "sqlite",
        url,
        _dir: Some(dir),
        schema: None,
    }
}

async fn postgres() -> Option<TestDb> {
    let base = std::env::var("TEST_DATABASE_URL").ok()?;
    let schema = format!("sfbridge_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Store::connect(&base.parse().unwrap())
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but {e}"));
    admin
        .execute_for_tests(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url: DatabaseUrl = format!("{base}{separator}options=-c%20search_path%3D{schema}")
        .parse()
        .unwrap();
    Some(TestDb {
        store: Store::connect(&url).await.unwrap(),
        label: "postgres",
        url,
        _dir: None,
        schema: Some(schema),
    })
}

impl TestDb {
    async fn finish(self) {
        self.store.close().await;
        if let Some(schema) = self.schema {
            let base = std::env::var("TEST_DATABASE_URL").unwrap();
            let admin = Store::connect(&base.parse().unwrap()).await.unwrap();
            admin
                .execute_for_tests(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

/// Run `case` against every configured database, migrated.
async fn each_database<F, Fut>(case: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = TestDb>,
{
    let mut dbs = vec![sqlite().await];
    match postgres().await {
        Some(db) => dbs.push(db),
        None => eprintln!("TEST_DATABASE_URL not set: PostgreSQL cases not run"),
    }
    for db in dbs {
        db.store.migrate().await.unwrap();
        eprintln!("-- {}", db.label);
        case(db).await.finish().await;
    }
}

fn cipher() -> Cipher {
    Cipher::new(&SecretKey::generate())
}

fn pairing(id: &str) -> Pairing {
    Pairing {
        id: id.to_owned(),
        name: format!("Workspace {id}"),
        salesforce_environment: SalesforceEnvironment::Sandbox,
        salesforce_login_url: "https://test.salesforce.com".into(),
        salesforce_instance_url: Some("https://example.my.salesforce.com".into()),
        salesforce_client_id: Some("3MVG9client".into()),
        salesforce_client_secret: Some(SecretString::from("client-secret-value")),
        salesforce_access_token: Some(SecretString::from("00Dx!access-token-value")),
        salesforce_refresh_token: Some(SecretString::from("refresh-token-value")),
        intercom_api_base_url: "https://api.intercom.io".into(),
        intercom_access_token: Some(SecretString::from("intercom-token-value")),
        intercom_client_secret: Some(SecretString::from("intercom-secret-value")),
        intercom_workspace_id: Some(format!("ws-{id}")),
        intercom_connection: sfbridge::auth::IntercomConnection::Token,
        installer_admin_id: Some("7".into()),
    }
}

async fn installation(store: &Store, id: &str) {
    store
        .save_installation(&pairing(id).seal(&cipher()), 1_000)
        .await
        .unwrap();
}

/// The worker's claim path, one job at a time: `claim_batch` of the one kind and installation
/// these cases enqueue.
async fn claim(store: &Store, worker: &str, lease_ms: i64, now: i64) -> Option<Job> {
    let mut jobs = store
        .claim_batch("sync_contact", "acme", worker, lease_ms, now, 1)
        .await
        .unwrap();
    assert!(jobs.len() <= 1);
    jobs.pop()
}

/// Finishing a job as the worker does (leaving nothing behind); false if `worker` no longer
/// held it.
async fn complete(store: &Store, id: JobId, worker: &str) -> bool {
    store
        .finish_jobs("acme", worker, &[(id, JobResult::default())], 0)
        .await
        .unwrap()
        == 1
}

fn job(installation: &str, key: Option<&str>, run_at: i64) -> NewJob {
    NewJob {
        installation_id: installation.into(),
        kind: "sync_contact".into(),
        payload: serde_json::json!({ "contact": key }),
        dedup_key: key.map(str::to_owned),
        max_attempts: 3,
        run_at,
    }
}

#[tokio::test]
async fn migrating_twice_changes_nothing_the_second_time() {
    each_database(|db| async move {
        let again = db.store.migrate().await.unwrap();
        assert!(again.applied.is_empty(), "{}", db.label);
        assert!(again.already_applied >= 1);
        db
    })
    .await;
}

#[tokio::test]
async fn a_failed_migration_leaves_the_database_as_it_was() {
    each_database(|db| async move {
        installation(&db.store, "kept").await;
        let dir = tempfile::tempdir().unwrap();
        let dialect = match db.label {
            "sqlite" => "sqlite",
            _ => "postgres",
        };
        let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/");
        for entry in std::fs::read_dir(format!("{shipped}{dialect}")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        std::fs::write(
            dir.path().join("9000_good.sql"),
            "CREATE TABLE added_by_good (id TEXT);
             UPDATE installations SET name = 'changed';",
        )
        .unwrap();
        std::fs::write(dir.path().join("9001_bad.sql"), "CREATE TABLE oops (;").unwrap();
        let migrator = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
        let err = db.store.migrate_with(&migrator).await.unwrap_err();
        assert!(
            matches!(err, MigrateError::Failed { version: 9001, .. }),
            "{}: {err}",
            db.label
        );
        assert!(err.to_string().contains("nothing was changed"));
        // The good migration before the bad one was rolled back with it.
        let rows = db.store.installations().await.unwrap();
        assert_eq!(rows[0].name, "Workspace kept", "{}", db.label);
        assert!(
            db.store
                .execute_for_tests("SELECT * FROM added_by_good")
                .await
                .is_err()
        );
        assert!(db.store.migrate().await.unwrap().applied.is_empty());
        db
    })
    .await;
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    each_database(|db| async move {
        db.store
            .execute_for_tests(
                "INSERT INTO sfbridge_migrations (version, description, checksum, applied_at)
                 VALUES (99999, 'from the future', 'x', 0)",
            )
            .await
            .unwrap();
        match db.store.migrate().await {
            Err(StoreError::Migrate(MigrateError::Unknown(99999))) => {}
            other => panic!("{}: expected Unknown(99999), got {other:?}", db.label),
        }
        db
    })
    .await;
}

#[tokio::test]
async fn installations_keep_their_secrets_sealed() {
    each_database(|db| async move {
        let cipher = cipher();
        db.store
            .save_installation(&pairing("acme").seal(&cipher), 5_000)
            .await
            .unwrap();
        let row = db.store.installation("acme").await.unwrap().unwrap();
        for column in [
            &row.salesforce_access_token,
            &row.salesforce_refresh_token,
            &row.salesforce_client_secret,
            &row.intercom_access_token,
            &row.intercom_client_secret,
        ] {
            let bytes = column.as_ref().expect("sealed value stored");
            assert!(
                !String::from_utf8_lossy(bytes).contains("value"),
                "{}",
                db.label
            );
        }
        let credentials = installations::credentials(&row, &cipher).unwrap();
        assert_eq!(
            credentials.salesforce_access_token.unwrap().expose_secret(),
            "00Dx!access-token-value"
        );
        // Another key cannot open them.
        assert!(installations::credentials(&row, &Cipher::new(&SecretKey::generate())).is_err());

        let status = installations::status(&row);
        assert_eq!(status.salesforce.state, ConnectionState::NotConnected);
        assert_eq!(
            status.salesforce.environment,
            SalesforceEnvironment::Sandbox
        );
        assert_eq!(status.created_at.timestamp_millis(), 5_000);
        db
    })
    .await;
}

#[tokio::test]
async fn contact_outcomes_update_the_connection_state() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let reached = ContactOutcome::Reached {
            remote_id: "00D000000000001AAA".into(),
            user_id: Some("005000000000001AAA".into()),
        };
        assert!(
            db.store
                .record_contact("acme", Service::Salesforce, &reached, 2_000)
                .await
                .unwrap()
        );
        let failed = ContactOutcome::Failed {
            error: "Intercom refused (401): unauthorized: Access Token Invalid".into(),
        };
        db.store
            .record_contact("acme", Service::Intercom, &failed, 3_000)
            .await
            .unwrap();
        assert!(
            !db.store
                .record_contact("missing", Service::Intercom, &failed, 3_000)
                .await
                .unwrap()
        );
        let status = installations::status(&db.store.installation("acme").await.unwrap().unwrap());
        assert_eq!(
            status.salesforce.state,
            ConnectionState::Connected,
            "{}",
            db.label
        );
        assert_eq!(
            status.salesforce.org_id.as_deref(),
            Some("00D000000000001AAA")
        );
        assert_eq!(status.intercom.state, ConnectionState::Error);
        assert!(status.intercom.last_error.unwrap().contains("unauthorized"));
        assert_eq!(
            status.intercom.last_contact_at.unwrap().timestamp_millis(),
            3_000
        );

        // Saving the pairing again keeps what was learnt from the services.
        installation(&db.store, "acme").await;
        let row = db.store.installation("acme").await.unwrap().unwrap();
        assert_eq!(row.salesforce_org_id.as_deref(), Some("00D000000000001AAA"));
        assert_eq!(
            row.salesforce_user_id.as_deref(),
            Some("005000000000001AAA")
        );
        db
    })
    .await;
}

#[tokio::test]
async fn a_job_exists_only_if_its_transaction_commits() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let mut tx = db.store.begin().await.unwrap();
        tx.enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        tx.rollback().await.unwrap();
        assert!(
            claim(&db.store, "w1", 1_000, 10).await.is_none(),
            "{}",
            db.label
        );

        let mut tx = db.store.begin().await.unwrap();
        let id = tx
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        let claimed = claim(&db.store, "w1", 1_000, 10).await.unwrap();
        assert_eq!(claimed.id, id);
        assert_eq!(claimed.attempts, 1);
        assert_eq!(claimed.lease_owner.as_deref(), Some("w1"));
        assert_eq!(claimed.payload, r#"{"contact":"c1"}"#);
        db
    })
    .await;
}

#[tokio::test]
async fn waiting_duplicates_are_absorbed() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let first = db
            .store
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap();
        assert!(first.is_some());
        assert_eq!(
            db.store
                .enqueue(&job("acme", Some("c1"), 0), 0)
                .await
                .unwrap(),
            None
        );
        // Without a key, or with another key, jobs are distinct.
        assert!(
            db.store
                .enqueue(&job("acme", None, 0), 0)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            db.store
                .enqueue(&job("acme", None, 0), 0)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            db.store
                .enqueue(&job("acme", Some("c2"), 0), 0)
                .await
                .unwrap()
                .is_some()
        );
        // Once the first runs, new work on the same key queues again: the change came later.
        let running = claim(&db.store, "w1", 1_000, 1).await.unwrap();
        assert_eq!(Some(running.id), first);
        assert!(
            db.store
                .enqueue(&job("acme", Some("c1"), 0), 0)
                .await
                .unwrap()
                .is_some()
        );
        // A failing run whose work is already queued again is absorbed by it.
        let outcome = db
            .store
            .fail(running.id, "w1", "timeout", &RetryPolicy::default(), 2)
            .await
            .unwrap();
        assert_eq!(outcome, FailOutcome::Absorbed, "{}", db.label);
        assert!(db.store.job(running.id).await.unwrap().is_none());
        assert_eq!(db.store.job_counts().await.unwrap().queued, 4);
        db
    })
    .await;
}

#[tokio::test]
async fn failures_back_off_then_park_and_a_person_can_retry() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let policy = RetryPolicy {
            base: std::time::Duration::from_millis(100),
            cap: std::time::Duration::from_secs(60),
        };
        let id = db
            .store
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        let mut now = 0;
        for (attempt, wait) in [(1, 100), (2, 200)] {
            let claimed = claim(&db.store, "w", 1_000, now).await.unwrap();
            assert_eq!(claimed.attempts, attempt);
            let outcome = db
                .store
                .fail(id, "w", "REQUEST_LIMIT_EXCEEDED", &policy, now)
                .await
                .unwrap();
            assert_eq!(
                outcome,
                FailOutcome::Retry { run_at: now + wait },
                "{}",
                db.label
            );
            // Not due before its time.
            assert!(claim(&db.store, "w", 1_000, now + wait - 1).await.is_none());
            now += wait;
        }
        claim(&db.store, "w", 1_000, now).await.unwrap();
        assert_eq!(
            db.store
                .fail(id, "w", "still failing", &policy, now)
                .await
                .unwrap(),
            FailOutcome::Parked
        );
        let parked = db.store.job(id).await.unwrap().unwrap();
        assert_eq!(parked.state, "parked");
        assert_eq!(parked.last_error.as_deref(), Some("still failing"));
        assert!(
            claim(&db.store, "w", 1_000, now + 1_000_000)
                .await
                .is_none()
        );
        assert_eq!(db.store.job_counts().await.unwrap().parked, 1);

        assert!(db.store.retry_parked("acme", id, now).await.unwrap());
        let again = claim(&db.store, "w", 1_000, now).await.unwrap();
        assert_eq!(again.attempts, 1);
        assert!(complete(&db.store, id, "w").await);
        assert!(db.store.job(id).await.unwrap().is_none());
        db
    })
    .await;
}

#[tokio::test]
async fn parked_jobs_are_retried_one_or_all_of_a_kind_within_their_installation() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        installation(&db.store, "globex").await;
        let once = |installation: &str, key: &str| NewJob {
            max_attempts: 1,
            ..job(installation, Some(key), 0)
        };
        let a = db
            .store
            .enqueue(&once("acme", "k1"), 0)
            .await
            .unwrap()
            .unwrap();
        let b = db
            .store
            .enqueue(&once("acme", "k2"), 0)
            .await
            .unwrap()
            .unwrap();
        let g = db
            .store
            .enqueue(&once("globex", "k1"), 0)
            .await
            .unwrap()
            .unwrap();
        let policy = RetryPolicy::default();
        for installation in ["acme", "globex"] {
            let claimed = db
                .store
                .claim_batch("sync_contact", installation, "w", 1_000, 1, 10)
                .await
                .unwrap();
            for job in claimed {
                let outcome = db
                    .store
                    .fail(job.id, "w", "down", &policy, 2)
                    .await
                    .unwrap();
                assert_eq!(outcome, FailOutcome::Parked, "{}", db.label);
            }
        }
        assert_eq!(db.store.job_counts().await.unwrap().parked, 3);

        // Another installation's job is not the caller's to retry.
        assert!(!db.store.retry_parked("globex", a, 3).await.unwrap());
        assert!(db.store.retry_parked("acme", a, 3).await.unwrap());
        let again = db.store.job(a).await.unwrap().unwrap();
        assert_eq!((again.state.as_str(), again.attempts), ("queued", 0));
        // Only parked jobs are retried.
        assert!(!db.store.retry_parked("acme", a, 3).await.unwrap());

        // The same work queued again since: it does the parked job's work, which is dropped.
        let waiting = db.store.enqueue(&once("acme", "k2"), 4).await.unwrap();
        assert!(waiting.is_some());
        assert_eq!(
            db.store
                .retry_parked_of_kind("acme", "sync_contact", 5)
                .await
                .unwrap(),
            1,
            "{}",
            db.label
        );
        assert!(db.store.job(b).await.unwrap().is_none());
        assert_eq!(
            db.store
                .retry_parked_of_kind("acme", "another_kind", 5)
                .await
                .unwrap(),
            0
        );
        let globex = db.store.job(g).await.unwrap().unwrap();
        assert_eq!(globex.state, "parked");
        assert_eq!(db.store.job_counts().await.unwrap().parked, 1);
        db
    })
    .await;
}

#[tokio::test]
async fn an_expired_lease_makes_the_job_claimable_again() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let id = db
            .store
            .enqueue(&job("acme", None, 0), 0)
            .await
            .unwrap()
            .unwrap();
        claim(&db.store, "slow", 1_000, 0).await.unwrap();
        assert!(claim(&db.store, "other", 1_000, 999).await.is_none());
        let taken = claim(&db.store, "other", 1_000, 1_001).await.unwrap();
        assert_eq!((taken.id, taken.attempts), (id, 2), "{}", db.label);
        // The first worker lost it: its completion and failure change nothing.
        assert!(!complete(&db.store, id, "slow").await);
        assert_eq!(
            db.store
                .fail(id, "slow", "late", &RetryPolicy::default(), 1_002)
                .await
                .unwrap(),
            FailOutcome::LeaseLost
        );
        assert!(complete(&db.store, id, "other").await);
        db
    })
    .await;
}

#[tokio::test]
async fn what_the_stream_handed_on_is_kept_with_the_replay_id() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let store = &db.store;
        store.save_replay_id("acme", 41, 100).await.unwrap();
        store.save_streamed_since("acme", 50, 100).await.unwrap();
        let streamed = |id: &str, at: i64| (id.to_owned(), at);
        store
            .save_streamed("acme", &[streamed("003A", 60), streamed("003B", 70)])
            .await
            .unwrap();
        // A record keeps its latest change, whichever order they are stored in.
        store
            .save_streamed("acme", &[streamed("003A", 90), streamed("003B", 65)])
            .await
            .unwrap();
        let cursors = store.salesforce_cursors("acme").await.unwrap();
        assert_eq!(
            (cursors.replay_id, cursors.streamed_since),
            (Some(41), Some(50))
        );
        let mut kept = store.streamed("acme", 0).await.unwrap();
        kept.sort();
        assert_eq!(
            kept,
            vec![streamed("003A", 90), streamed("003B", 70)],
            "{}",
            db.label
        );
        assert_eq!(
            store.streamed("acme", 80).await.unwrap(),
            vec![streamed("003A", 90)]
        );
        assert_eq!(store.forget_streamed("acme", 80).await.unwrap(), 1);
        assert_eq!(
            store.streamed("acme", 0).await.unwrap(),
            vec![streamed("003A", 90)]
        );
        // A lost replay position: nothing since then is known to have been streamed.
        store.clear_replay_id("acme", 200).await.unwrap();
        let cursors = store.salesforce_cursors("acme").await.unwrap();
        assert_eq!((cursors.replay_id, cursors.streamed_since), (None, None));
        db
    })
    .await;
}

#[tokio::test]
async fn a_job_waits_while_another_for_its_record_runs() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let first = db
            .store
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        claim(&db.store, "slow", 1_000, 0).await.unwrap();
        // The record changed again while the first job runs: its job queues, and waits.
        let second = db
            .store
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        let other = db
            .store
            .enqueue(&job("acme", Some("c2"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        let due = db.store.due_work("sync_contact", 10).await.unwrap();
        assert_eq!(due[0].due, 1, "only the other record's job: {}", db.label);
        assert_eq!(
            claim(&db.store, "fast", 1_000, 10).await.map(|j| j.id),
            Some(other),
            "{}",
            db.label
        );
        assert!(claim(&db.store, "fast", 1_000, 20).await.is_none());
        // Once the first is done, the second runs.
        assert!(complete(&db.store, first, "slow").await);
        assert_eq!(
            claim(&db.store, "fast", 1_000, 30).await.map(|j| j.id),
            Some(second),
            "{}",
            db.label
        );
        db
    })
    .await;
}

#[tokio::test]
async fn a_renewed_lease_keeps_the_job_and_its_record() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let id = db
            .store
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        claim(&db.store, "slow", 1_000, 0).await.unwrap();
        let renewed = db
            .store
            .renew_job_leases(&[id], "slow", 1_900, 900)
            .await
            .unwrap();
        assert_eq!(renewed, 1, "{}", db.label);
        let later = db
            .store
            .enqueue(&job("acme", Some("c1"), 0), 0)
            .await
            .unwrap()
            .unwrap();
        // Past the first lease, within the renewed one: neither job can be taken.
        assert!(claim(&db.store, "other", 1_000, 1_500).await.is_none());
        // Someone who does not hold it renews nothing.
        assert_eq!(
            db.store
                .renew_job_leases(&[id], "other", 9_000, 1_500)
                .await
                .unwrap(),
            0
        );
        // Past the renewed lease: the job is claimable again (with the later one for its record).
        let taken = db
            .store
            .claim_batch("sync_contact", "acme", "other", 1_000, 2_000, 5)
            .await
            .unwrap();
        let mut ids: Vec<_> = taken.iter().map(|j| j.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![id, later], "{}", db.label);
        db
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_claim_the_same_job_twice() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        const JOBS: usize = 200;
        let mut tx = db.store.begin().await.unwrap();
        for n in 0..JOBS {
            tx.enqueue(&job("acme", Some(&format!("c{n}")), 0), 0)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let store = Arc::new(db.store.clone());
        let workers = (0..8).map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let name = format!("worker-{w}");
                let mut mine = Vec::new();
                // The worker's own claim path: batches of up to five, finished together.
                loop {
                    let batch = store
                        .claim_batch("sync_contact", "acme", &name, 60_000, 10, 5)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    let done: Vec<_> = batch
                        .iter()
                        .map(|job| (job.id, JobResult::default()))
                        .collect();
                    mine.extend(batch.iter().map(|job| job.id));
                    assert_eq!(
                        store.finish_jobs("acme", &name, &done, 10).await.unwrap(),
                        batch.len()
                    );
                }
                mine
            })
        });
        let mut seen = HashSet::new();
        let mut total = 0;
        for worker in workers {
            for id in worker.await.unwrap() {
                total += 1;
                assert!(seen.insert(id), "{}: job {id} claimed twice", db.label);
            }
        }
        assert_eq!(total, JOBS, "{}", db.label);
        assert_eq!(db.store.job_counts().await.unwrap().queued, 0);
        db
    })
    .await;
}

#[tokio::test]
async fn the_url_scheme_chooses_the_database() {
    each_database(|db| async move {
        let kind = db.store.kind();
        assert_eq!(
            kind,
            match db.url {
                DatabaseUrl::Sqlite(_) => shared::DatabaseKind::Sqlite,
                DatabaseUrl::Postgres(_) => shared::DatabaseKind::Postgres,
            }
        );
        assert!(db.store.ping().await);
        db
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_case_form_instance_is_claimed_once_then_filed_released_or_unknown() {
    use sfbridge::store::CaseClaim;
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        let store = Arc::new(db.store.clone());
        // Concurrent submits of one form: exactly one claims it.
        let claims = (0..8).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .claim_case_submission("acme", "form-1", "215", 10)
                    .await
                    .unwrap()
            })
        });
        let mut won = 0;
        for claim in claims {
            match claim.await.unwrap() {
                CaseClaim::Claimed => won += 1,
                CaseClaim::Taken(row) => assert_eq!(row.state, "filing", "{}", db.label),
            }
        }
        assert_eq!(won, 1, "{}", db.label);

        store
            .finish_case_submission("acme", "form-1", r#"{"case_number":"00001001"}"#, 20)
            .await
            .unwrap();
        let CaseClaim::Taken(filed) = store
            .claim_case_submission("acme", "form-1", "215", 30)
            .await
            .unwrap()
        else {
            panic!("{}: a filed form was claimed again", db.label)
        };
        assert_eq!(
            (
                filed.state.as_str(),
                filed.outcome.as_deref(),
                filed.finished_at
            ),
            ("filed", Some(r#"{"case_number":"00001001"}"#), Some(20))
        );
        // Releasing or marking a filed form changes nothing.
        store
            .release_case_submission("acme", "form-1")
            .await
            .unwrap();
        store
            .mark_case_submission_unknown("acme", "form-1", 40)
            .await
            .unwrap();
        let row = store
            .case_submission("acme", "form-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.state, "filed");

        // A refused form is released and may be claimed again; a lost answer stays unknown.
        assert_eq!(
            store
                .claim_case_submission("acme", "form-2", "215", 50)
                .await
                .unwrap(),
            CaseClaim::Claimed
        );
        store
            .release_case_submission("acme", "form-2")
            .await
            .unwrap();
        assert_eq!(store.case_submission("acme", "form-2").await.unwrap(), None);
        assert_eq!(
            store
                .claim_case_submission("acme", "form-2", "215", 60)
                .await
                .unwrap(),
            CaseClaim::Claimed
        );
        store
            .mark_case_submission_unknown("acme", "form-2", 70)
            .await
            .unwrap();
        let row = store
            .case_submission("acme", "form-2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((row.state.as_str(), row.outcome), ("unknown", None));
        // Form instances are per installation.
        installation(&db.store, "globex").await;
        assert_eq!(
            store
                .claim_case_submission("globex", "form-1", "9", 80)
                .await
                .unwrap(),
            CaseClaim::Claimed
        );
        db
    })
    .await;
}

#[tokio::test]
async fn sessions_links_and_flows_are_single_rows_keyed_by_their_hash() {
    use sfbridge::store::{IntercomFlowRow, SessionRow, SignInLinkRow};
    each_database(|db| async move {
        let store = &db.store;
        installation(store, "a").await;
        let session = SessionRow {
            token_hash: "h1".into(),
            installation_id: "a".into(),
            intercom_admin_id: "7".into(),
            name: "Tess".into(),
            email: None,
            created_at: 1_000,
            last_seen_at: 1_000,
            expires_at: 9_000,
        };
        store.save_session(&session).await.unwrap();
        store.touch_session("h1", 2_000).await.unwrap();
        // An older use never moves the last use back.
        store.touch_session("h1", 1_500).await.unwrap();
        assert_eq!(
            store.session("h1").await.unwrap().unwrap().last_seen_at,
            2_000
        );

        let link = SignInLinkRow {
            installation_id: "a".into(),
            intercom_admin_id: "8".into(),
            created_by: "7".into(),
            created_at: 1_000,
            expires_at: 5_000,
        };
        store.save_sign_in_link("l1", &link).await.unwrap();
        assert_eq!(store.take_sign_in_link("l1").await.unwrap(), Some(link));
        assert_eq!(
            store.take_sign_in_link("l1").await.unwrap(),
            None,
            "{}",
            db.label
        );

        let flow = IntercomFlowRow {
            state: "s1".into(),
            purpose: "sign_in".into(),
            installation_id: None,
            setup_token_hash: None,
            started_by: None,
            binding_hash: "b".into(),
            next_path: Some("/inbox".into()),
            created_at: 1_000,
        };
        store.save_intercom_flow(&flow).await.unwrap();
        assert_eq!(store.take_intercom_flow("s1").await.unwrap(), Some(flow));
        assert_eq!(store.take_intercom_flow("s1").await.unwrap(), None);

        store.save_setup_token("t1", 1_000, 3_000).await.unwrap();
        let purged = store.purge_expired(3_000, 0, 0).await.unwrap();
        assert_eq!((purged.sessions, purged.setup_tokens), (0, 1));
        let purged = store.purge_expired(9_000, 0, 0).await.unwrap();
        assert_eq!(purged.sessions, 1);
        db
    })
    .await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_revoked() {
    each_database(|db| async move {
        let store = &db.store;
        installation(store, "a").await;
        assert!(store.grant_admin("a", "7", None, 1).await.unwrap());
        assert!(
            !store.grant_admin("a", "7", None, 2).await.unwrap(),
            "granted once"
        );
        assert!(!store.revoke_admin("a", "7").await.unwrap(), "{}", db.label);
        store.grant_admin("a", "8", Some("7"), 3).await.unwrap();
        assert!(store.revoke_admin("a", "7").await.unwrap());
        assert_eq!(store.admins("a").await.unwrap(), vec!["8".to_owned()]);
        assert!(store.is_admin("a", "8").await.unwrap());
        assert!(!store.is_admin("a", "7").await.unwrap());
        db
    })
    .await;
}

#[tokio::test]
async fn one_installation_per_workspace_and_uninstalling_deletes_every_row() {
    each_database(|db| async move {
        let store = &db.store;
        installation(store, "a").await;
        installation(store, "b").await;
        let found = store
            .installation_by_workspace("ws-a")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, "a");
        // Another installation may not claim a's workspace.
        let mut clash = pairing("c");
        clash.intercom_workspace_id = Some("ws-a".into());
        assert!(
            store
                .save_installation(&clash.seal(&cipher()), 1)
                .await
                .is_err(),
            "{}",
            db.label
        );

        store.grant_admin("a", "7", None, 1).await.unwrap();
        store
            .record_audit("a", 1, "7", "Tess", "installed", "")
            .await
            .unwrap();
        store.enqueue(&job("a", None, 0), 0).await.unwrap();
        let before = store.footprint("a").await.unwrap();
        let count = |table: &str, footprint: &sfbridge::store::Footprint| {
            footprint
                .tables
                .iter()
                .find(|(t, _)| *t == table)
                .unwrap()
                .1
        };
        assert_eq!(count("installation_admins", &before), 1);
        assert_eq!(count("audit_log", &before), 1);
        assert_eq!(count("jobs", &before), 1);

        assert!(store.delete_installation("a").await.unwrap());
        let after = store.footprint("a").await.unwrap();
        assert!(after.tables.iter().all(|(_, n)| *n == 0), "{after:?}");
        assert!(store.installation("b").await.unwrap().is_some());
        db
    })
    .await;
}

#[tokio::test]
async fn a_listener_lease_has_one_holder_until_it_expires_or_is_given_up() {
    each_database(|db| async move {
        let store = &db.store;
        installation(store, "acme").await;
        let take = |holder: &'static str, now: i64| async move {
            store
                .take_lease("acme", holder, now, now + 1_000)
                .await
                .unwrap()
        };
        assert!(take("a", 10_000).await, "a free lease is taken");
        assert!(!take("b", 10_500).await, "a live lease is another's");
        assert!(take("a", 10_600).await, "its holder renews it");
        assert!(!take("b", 11_599).await, "renewed: still a's");
        assert!(take("b", 11_600).await, "expired: anyone takes it");
        assert!(!take("a", 11_700).await, "the old holder lost it");
        let leases = store.leases().await.unwrap();
        assert_eq!(leases.len(), 1);
        assert_eq!(
            (leases[0].holder.as_str(), leases[0].expires_at),
            ("b", 12_600)
        );

        store.release_lease("acme", "a").await.unwrap();
        assert!(
            !take("a", 11_800).await,
            "giving up another's lease does nothing"
        );
        store.release_lease("acme", "b").await.unwrap();
        assert!(take("a", 11_900).await, "given up: taken at once");

        store.delete_installation("acme").await.unwrap();
        assert!(
            store.leases().await.unwrap().is_empty(),
            "gone with its installation"
        );
        db
    })
    .await;
}

#[tokio::test]
async fn pruning_deletes_only_what_is_older_than_its_cutoff_in_batches() {
    each_database(|db| async move {
        let store = &db.store;
        installation(store, "acme").await;
        for at in [1_000, 2_000, 3_000, 4_000, 5_000] {
            store
                .execute_for_tests(&format!(
                    "INSERT INTO sync_ledger (installation_id, at, direction, object, fields, outcome)
                     VALUES ('acme', {at}, 'to_salesforce', 'Contact', '[]', 'updated')"
                ))
                .await
                .unwrap();
            store
                .execute_for_tests(&format!(
                    "INSERT INTO webhook_receipts (installation_id, notification_id, topic, received_at)
                     VALUES ('acme', 'n{at}', 'contact.user.updated', {at})"
                ))
                .await
                .unwrap();
        }
        // Batches of two: three statements for the ledger's four old rows, every one found.
        let pruned = store.prune(4_500, 2_500, 2).await.unwrap();
        assert_eq!((pruned.ledger_rows, pruned.webhook_receipts), (4, 2));
        let again = store.prune(4_500, 2_500, 2).await.unwrap();
        assert_eq!((again.ledger_rows, again.webhook_receipts), (0, 0));
        let footprint = store.footprint("acme").await.unwrap();
        let count = |table: &str| {
            footprint
                .tables
                .iter()
                .find(|(t, _)| *t == table)
                .map(|(_, n)| *n)
                .unwrap()
        };
        assert_eq!(count("sync_ledger"), 1, "the newest row stays");
        assert_eq!(count("webhook_receipts"), 3);
        db
    })
    .await;
}

/// A ledger row of `installation` at `at`.
fn ledger_row(installation: &str, at: i64, direction: &str, outcome: &str) -> NewLedgerRow {
    NewLedgerRow {
        installation_id: installation.into(),
        at,
        direction: direction.into(),
        object: "Contact".into(),
        intercom_id: Some(format!("c{at}")),
        salesforce_id: Some(format!("003{at}")),
        fields: "[]".into(),
        outcome: outcome.into(),
        detail: None,
        error_code: None,
        error_message: None,
    }
}

#[tokio::test]
async fn the_sync_health_counters_and_delays_are_counted_by_the_database() {
    each_database(|db| async move {
        installation(&db.store, "acme").await;
        installation(&db.store, "globex").await;
        // Before the day, and another installation's: not counted.
        db.store
            .add_ledger_row(&ledger_row("acme", 500, "to_salesforce", "updated"))
            .await
            .unwrap();
        db.store
            .add_ledger_row(&ledger_row("globex", 5_000, "to_salesforce", "updated"))
            .await
            .unwrap();
        // Ten jobs queued at 1_000 + i, each finished at 2_000 + 10 i with one row: delays
        // 1_000 + 9 i. Even rows to Salesforce, odd to Intercom; the last one failed.
        for i in 0..10_i64 {
            let queued = 1_000 + i;
            db.store
                .enqueue(&job("acme", Some(&format!("k{i}")), queued), queued)
                .await
                .unwrap()
                .unwrap();
            let done = 2_000 + 10 * i;
            let claimed = claim(&db.store, "w", 60_000, done).await.unwrap();
            let direction = if i % 2 == 0 {
                "to_salesforce"
            } else {
                "to_intercom"
            };
            let outcome = if i == 9 { "failed" } else { "updated" };
            let result = JobResult {
                ledger: vec![ledger_row("acme", done, direction, outcome)],
                ..JobResult::default()
            };
            let finished = db
                .store
                .finish_jobs("acme", "w", &[(claimed.id, result)], done)
                .await
                .unwrap();
            assert_eq!(finished, 1);
        }
        // One parked job.
        let parked = db
            .store
            .enqueue(
                &NewJob {
                    max_attempts: 1,
                    ..job("acme", Some("p"), 3_000)
                },
                3_000,
            )
            .await
            .unwrap()
            .unwrap();
        let claimed = claim(&db.store, "w", 60_000, 3_000).await.unwrap();
        assert_eq!(claimed.id, parked);
        db.store
            .fail(parked, "w", "down", &RetryPolicy::default(), 3_001)
            .await
            .unwrap();

        let health = db.store.sync_health("acme", 1_000, 2_000).await.unwrap();
        assert_eq!(health.synced_today_to_salesforce, 5, "{}", db.label);
        assert_eq!(health.synced_today_to_intercom, 4, "{}", db.label);
        assert_eq!(health.failed_today, 1);
        assert_eq!(health.parked, 1);
        assert_eq!(health.delays_counted, 10);
        // Nearest rank: the 5th of ten delays (1_036) and the 10th (1_081).
        assert_eq!(health.delay_p50_ms, Some(1_036), "{}", db.label);
        assert_eq!(health.delay_p99_ms, Some(1_081));
        // The last hour from 2_050: five rows.
        let later = db.store.sync_health("acme", 1_000, 2_050).await.unwrap();
        assert_eq!(later.delays_counted, 5);
        assert_eq!(later.delay_p50_ms, Some(1_063));
        let quiet = db.store.sync_health("globex", 1_000, 0).await.unwrap();
        assert_eq!(quiet.delay_p50_ms, None);
        assert_eq!(quiet.synced_today_to_salesforce, 1);

        let jobs = db.store.parked_jobs("acme").await.unwrap();
        assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [parked]);
        assert!(db.store.parked_jobs("globex").await.unwrap().is_empty());

        // The ledger's time filter and a person's history (either side's id).
        let since = db
            .store
            .ledger(
                "acme",
                &LedgerQuery {
                    since: Some(2_050),
                    limit: 100,
                    ..LedgerQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(since.len(), 5);
        let person = db
            .store
            .ledger(
                "acme",
                &LedgerQuery {
                    intercom_id: Some("c2010".into()),
                    salesforce_id: Some("0032020".into()),
                    limit: 100,
                    ..LedgerQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            person.iter().map(|r| r.at).collect::<Vec<_>>(),
            [2_020, 2_010],
            "{}",
            db.label
        );
        db
    })
    .await;
}
