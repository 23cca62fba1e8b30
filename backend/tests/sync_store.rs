//! The sync's tables, on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL: intake with
//! its receipts and newer-only records, batch claims, finishing with links, ledger and synced
//! state in one transaction, and the ledger's filters.

use std::future::Future;

use secrecy::SecretString;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::installations::Pairing;
use sfbridge::store::{
    Agreed, IncomingRecord, Intake, JobResult, LedgerQuery, LinkChange, NewJob, NewLedgerRow,
    PersonObject, Receipt, RecordModel, Store, Synced,
};
use sfbridge::sync::intake::sync_job;
use shared::SalesforceEnvironment;

struct Db {
    store: Store,
    label: &'static str,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut dbs = vec![Db {
        store: Store::open(&url.parse().unwrap()).await.unwrap(),
        label: "sqlite",
        schema: None,
        _dir: Some(dir),
    }];
    if let Ok(base) = std::env::var("TEST_DATABASE_URL") {
        let schema = format!("sfbridge_sync_{}", uuid::Uuid::new_v4().simple());
        let admin = Store::connect(&base.parse().unwrap()).await.unwrap();
        admin
            .execute_for_tests(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        dbs.push(Db {
            store: Store::open(&url.parse().unwrap()).await.unwrap(),
            label: "postgres",
            schema: Some(schema),
            _dir: None,
        });
    } else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL cases not run");
    }
    dbs
}

async fn each_database<F, Fut>(case: F)
where
    F: Fn(Store, &'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in databases().await {
        let pairing = Pairing {
            id: "i1".into(),
            name: "one".into(),
            salesforce_environment: SalesforceEnvironment::Production,
            salesforce_login_url: "https://login.salesforce.com".into(),
            salesforce_instance_url: None,
            salesforce_client_id: None,
            salesforce_client_secret: None,
            salesforce_access_token: None,
            salesforce_refresh_token: None,
            intercom_api_base_url: "https://api.intercom.io".into(),
            intercom_access_token: None,
            intercom_client_secret: Some(SecretString::from("s")),
            intercom_workspace_id: Some("ws-i1".into()),
            intercom_connection: sfbridge::auth::IntercomConnection::Token,
            installer_admin_id: None,
        };
        db.store
            .save_installation(&pairing.seal(&Cipher::new(&SecretKey::generate())), 1)
            .await
            .unwrap();
        eprintln!("-- {}", db.label);
        case(db.store.clone(), db.label).await;
        db.store.close().await;
        if let Some(schema) = db.schema {
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

fn receipt(id: &str) -> Receipt {
    Receipt {
        notification_id: id.into(),
        topic: "contact.user.updated".into(),
    }
}

fn person(id: &str, updated_at: i64, body: &str) -> IncomingRecord {
    IncomingRecord {
        model: RecordModel::Person,
        intercom_id: id.into(),
        updated_at,
        deleted: false,
        created: false,
        body: body.into(),
    }
}

fn job(r: &IncomingRecord) -> NewJob {
    sync_job("i1", r.model, &r.intercom_id, 3, 0)
}

async fn take(store: &Store, notification: &str, record: &IncomingRecord) -> Intake {
    store
        .take_notification("i1", &receipt(notification), Some(record), job, 10)
        .await
        .unwrap()
}

#[tokio::test]
async fn intake_keeps_receipts_newer_states_and_one_waiting_job() {
    each_database(|store, label| async move {
        let stored = take(&store, "n1", &person("p1", 100, r#"{"v":1}"#)).await;
        assert!(matches!(stored, Intake::Stored(Some(_))), "{label}");
        assert_eq!(
            take(&store, "n1", &person("p1", 100, r#"{"v":1}"#)).await,
            Intake::Repeated
        );
        // Older, or as old and the same: only the receipt.
        assert_eq!(
            take(&store, "n2", &person("p1", 50, r#"{"v":0}"#)).await,
            Intake::Stale
        );
        assert_eq!(
            take(&store, "n3", &person("p1", 100, r#"{"v":1}"#)).await,
            Intake::Stale
        );
        // As old with another body (Intercom's `updated_at` counts seconds): neither state is
        // known to be the newer, so the stored one stays, marked for its job to read Intercom's
        // current state; the waiting job absorbs it.
        assert_eq!(
            take(&store, "n3b", &person("p1", 100, r#"{"v":9}"#)).await,
            Intake::Stored(None)
        );
        let records = store
            .intercom_records("i1", RecordModel::Person, &["p1".into()])
            .await
            .unwrap();
        assert_eq!(
            (records[0].body.as_str(), records[0].recheck),
            (r#"{"v":1}"#, true),
            "{label}"
        );
        store
            .refresh_record("i1", RecordModel::Person, "p1", 100, r#"{"v":9}"#)
            .await
            .unwrap();
        let records = store
            .intercom_records("i1", RecordModel::Person, &["p1".into()])
            .await
            .unwrap();
        assert_eq!(
            (records[0].body.as_str(), records[0].recheck),
            (r#"{"v":9}"#, false),
            "{label}"
        );
        // Newer: stored; the waiting job absorbs the new one.
        assert_eq!(
            take(&store, "n4", &person("p1", 200, r#"{"v":2}"#)).await,
            Intake::Stored(None)
        );
        let records = store
            .intercom_records("i1", RecordModel::Person, &["p1".into()])
            .await
            .unwrap();
        assert_eq!(records[0].body, r#"{"v":2}"#, "{label}");
        assert_eq!(records[0].updated_at, 200);
        assert_eq!(store.job_counts().await.unwrap().queued, 1);

        // A delete is final: later states are stale.
        let mut gone = person("p1", 150, "{}");
        gone.deleted = true;
        assert!(matches!(take(&store, "n5", &gone).await, Intake::Stored(_)));
        assert_eq!(
            take(&store, "n6", &person("p1", 999, r#"{"v":3}"#)).await,
            Intake::Stale
        );
        let records = store
            .intercom_records("i1", RecordModel::Person, &["p1".into()])
            .await
            .unwrap();
        assert!(records[0].deleted);
        assert_eq!(
            records[0].body, r#"{"v":2}"#,
            "a delete keeps the last state"
        );
        // A topic without a record: only the receipt.
        let other = store
            .take_notification("i1", &receipt("n7"), None, job, 10)
            .await
            .unwrap();
        assert_eq!(other, Intake::Receipted);
    })
    .await;
}

#[tokio::test]
async fn batches_are_claimed_released_and_finished_with_their_results() {
    each_database(|store, label| async move {
        for n in 0..5 {
            take(
                &store,
                &format!("n{n}"),
                &person(&format!("p{n}"), 100, "{}"),
            )
            .await;
        }
        let due = store.due_work("sync.to_salesforce", 20).await.unwrap();
        assert_eq!(due.len(), 1, "{label}");
        assert_eq!((due[0].due, due[0].oldest), (5, 10));
        let batch = store
            .claim_batch("sync.to_salesforce", "i1", "w1", 1_000, 20, 3)
            .await
            .unwrap();
        assert_eq!(batch.len(), 3);
        assert!(
            batch
                .iter()
                .all(|j| j.attempts == 1 && j.state == "running")
        );
        // Nobody else gets them while leased.
        let rest = store
            .claim_batch("sync.to_salesforce", "i1", "w2", 1_000, 21, 10)
            .await
            .unwrap();
        assert_eq!(rest.len(), 2);
        // Given back without counting the attempt.
        let ids: Vec<i64> = rest.iter().map(|j| j.id).collect();
        assert_eq!(store.release_jobs(&ids, "w2", 500, 22).await.unwrap(), 2);
        assert!(
            store
                .due_work("sync.to_salesforce", 100)
                .await
                .unwrap()
                .is_empty()
        );
        let again = store
            .claim_batch("sync.to_salesforce", "i1", "w2", 1_000, 600, 10)
            .await
            .unwrap();
        assert!(again.iter().all(|j| j.attempts == 1), "{again:?}");

        let result = JobResult {
            ledger: vec![NewLedgerRow {
                installation_id: "i1".into(),
                at: 30,
                direction: "to_salesforce".into(),
                object: "Contact".into(),
                intercom_id: Some("p0".into()),
                salesforce_id: Some("003A".into()),
                fields: r#"["Phone"]"#.into(),
                outcome: "updated".into(),
                detail: None,
                error_code: None,
                error_message: None,
            }],
            links: vec![
                LinkChange::Person {
                    intercom_id: "p0".into(),
                    object: "Contact".into(),
                    salesforce_id: "003A".into(),
                },
                LinkChange::Company {
                    intercom_id: "c0".into(),
                    salesforce_id: "001A".into(),
                },
            ],
            synced: vec![Synced {
                model: RecordModel::Person,
                intercom_id: "p0".into(),
                updated_at: 100,
                body: "{}".into(),
                agreed: Agreed::All,
            }],
            follow_ups: Vec::new(),
        };
        let first = batch[0].id;
        // A worker that lost the lease finishes nothing.
        assert_eq!(
            store
                .finish_jobs("i1", "w9", &[(first, result.clone())], 40)
                .await
                .unwrap(),
            0
        );
        assert!(store.person_link("i1", "p0").await.unwrap().is_none());
        assert_eq!(
            store
                .finish_jobs("i1", "w1", &[(first, result)], 40)
                .await
                .unwrap(),
            1
        );
        let link = store.person_link("i1", "p0").await.unwrap().unwrap();
        assert_eq!(link.salesforce_id, "003A");
        assert_eq!(
            store
                .company_link("i1", "c0")
                .await
                .unwrap()
                .unwrap()
                .salesforce_id,
            "001A"
        );
        let records = store
            .intercom_records("i1", RecordModel::Person, &["p0".into()])
            .await
            .unwrap();
        assert_eq!(records[0].synced_body.as_deref(), Some("{}"));
        assert!(store.job(first).await.unwrap().is_none());

        // Unlinks, in a later job.
        let second = batch[1].id;
        let unlink = JobResult {
            links: vec![
                LinkChange::UnlinkPerson {
                    intercom_id: "p0".into(),
                },
                LinkChange::UnlinkCompany {
                    intercom_id: "c0".into(),
                },
            ],
            ..JobResult::default()
        };
        store
            .finish_jobs("i1", "w1", &[(second, unlink)], 50)
            .await
            .unwrap();
        assert!(store.person_link("i1", "p0").await.unwrap().is_none());
        assert!(store.company_link("i1", "c0").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn the_ledger_filters_by_each_field_and_pages_newest_first() {
    each_database(|store, label| async move {
        let row = |n: i64, object: &str, outcome: &str, intercom: &str| NewLedgerRow {
            installation_id: "i1".into(),
            at: n,
            direction: if n % 2 == 0 {
                "to_salesforce"
            } else {
                "to_intercom"
            }
            .into(),
            object: object.into(),
            intercom_id: Some(intercom.into()),
            salesforce_id: Some(format!("sf{n}")),
            fields: "[]".into(),
            outcome: outcome.into(),
            detail: None,
            error_code: (outcome == "failed").then(|| "STRING_TOO_LONG".into()),
            error_message: (outcome == "failed").then(|| "Name: data value too large".into()),
        };
        for (n, object, outcome, who) in [
            (1, "Contact", "updated", "a"),
            (2, "Lead", "created", "b"),
            (3, "Account", "failed", "c"),
            (4, "Contact", "failed", "a"),
        ] {
            store
                .add_ledger_row(&row(n, object, outcome, who))
                .await
                .unwrap();
        }
        let q = |f: &dyn Fn(&mut LedgerQuery)| {
            let mut query = LedgerQuery {
                limit: 10,
                ..LedgerQuery::default()
            };
            f(&mut query);
            query
        };
        let all = store.ledger("i1", &q(&|_| {})).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.at).collect::<Vec<_>>(),
            [4, 3, 2, 1],
            "{label}"
        );
        let failed = store
            .ledger("i1", &q(&|x| x.outcome = Some("failed".into())))
            .await
            .unwrap();
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0].error_code.as_deref(), Some("STRING_TOO_LONG"));
        let contacts = store
            .ledger("i1", &q(&|x| x.object = Some("Contact".into())))
            .await
            .unwrap();
        assert_eq!(contacts.len(), 2);
        let out = store
            .ledger("i1", &q(&|x| x.direction = Some("to_salesforce".into())))
            .await
            .unwrap();
        assert_eq!(out.iter().map(|r| r.at).collect::<Vec<_>>(), [4, 2]);
        let by_intercom = store
            .ledger("i1", &q(&|x| x.record_id = Some("a".into())))
            .await
            .unwrap();
        assert_eq!(by_intercom.len(), 2);
        let by_salesforce = store
            .ledger("i1", &q(&|x| x.record_id = Some("sf3".into())))
            .await
            .unwrap();
        assert_eq!(by_salesforce.len(), 1);
        let page = store
            .ledger(
                "i1",
                &q(&|x| {
                    x.before = Some(all[1].id);
                    x.limit = 1;
                }),
            )
            .await
            .unwrap();
        assert_eq!(page.iter().map(|r| r.at).collect::<Vec<_>>(), [2]);
    })
    .await;
}

/// Finishes one Salesforce -> Intercom job that wrote `written` to Intercom.
async fn finish_a_write_to_intercom(store: &Store, salesforce_id: &str, written: Synced) {
    let job = sfbridge::sync::to_intercom::sync_job(
        "i1",
        shared::sync::SalesforceObject::Contact,
        salesforce_id,
        false,
        3,
        0,
    );
    store.enqueue(&job, 50).await.unwrap();
    let batch = store
        .claim_batch(
            sfbridge::sync::TO_INTERCOM_JOB_KIND,
            "i1",
            "w1",
            1_000,
            60,
            10,
        )
        .await
        .unwrap();
    assert_eq!(batch.len(), 1);
    let result = JobResult {
        synced: vec![written],
        ..JobResult::default()
    };
    let done = store
        .finish_jobs("i1", "w1", &[(batch[0].id, result)], 70)
        .await
        .unwrap();
    assert_eq!(done, 1);
}

#[tokio::test]
async fn the_state_the_engine_wrote_to_intercom_makes_its_webhook_stale() {
    each_database(|store, label| async move {
        let written = |id: &str, at: i64| Synced {
            model: RecordModel::Person,
            intercom_id: id.into(),
            updated_at: at,
            body: r#"{"v":"ours"}"#.into(),
            agreed: Agreed::All,
        };
        // Never stored before: the write's state is stored, synced.
        finish_a_write_to_intercom(&store, "003A", written("p7", 200)).await;
        assert_eq!(
            take(&store, "n7", &person("p7", 200, r#"{"v":"ours"}"#)).await,
            Intake::Stale,
            "{label}"
        );
        // Stored older: the newer written state replaces it.
        assert!(matches!(
            take(&store, "n8", &person("p8", 100, r#"{"v":1}"#)).await,
            Intake::Stored(_)
        ));
        finish_a_write_to_intercom(&store, "003B", written("p8", 200)).await;
        assert_eq!(
            take(&store, "n9", &person("p8", 200, r#"{"v":"ours"}"#)).await,
            Intake::Stale,
            "{label}"
        );
        let records = store
            .intercom_records("i1", RecordModel::Person, &["p7".into(), "p8".into()])
            .await
            .unwrap();
        assert_eq!(records.len(), 2);
        for record in records {
            assert_eq!(record.updated_at, 200, "{label}");
            assert_eq!(record.body, r#"{"v":"ours"}"#);
            assert_eq!(record.synced_body.as_deref(), Some(r#"{"v":"ours"}"#));
        }
        // A later change in Intercom is new again.
        assert!(matches!(
            take(&store, "n10", &person("p7", 300, r#"{"v":2}"#)).await,
            Intake::Stored(_)
        ));
        // A write that carried only part across keeps the state agreed with Salesforce apart
        // from the body; one that knows nothing keeps what was agreed before.
        let mut partial = written("p8", 400);
        partial.agreed = Agreed::AsOf(r#"{"v":"agreed"}"#.into());
        finish_a_write_to_intercom(&store, "003C", partial).await;
        let mut unknown = written("p8", 500);
        unknown.agreed = Agreed::Unknown;
        finish_a_write_to_intercom(&store, "003D", unknown).await;
        let p8 = store
            .intercom_records("i1", RecordModel::Person, &["p8".into()])
            .await
            .unwrap()
            .remove(0);
        assert_eq!(p8.updated_at, 500, "{label}");
        assert_eq!(p8.synced_body.as_deref(), Some(r#"{"v":"agreed"}"#));
    })
    .await;
}

#[tokio::test]
async fn a_conversations_task_is_kept_from_its_sent_create_to_its_answer() {
    use sfbridge::store::SavedTask;
    each_database(|store, label| async move {
        let ids = vec!["c1".to_owned(), "c2".to_owned()];
        assert!(
            store
                .conversation_tasks("i1", &ids)
                .await
                .unwrap()
                .is_empty()
        );
        // The notification's receipt and both jobs a new conversation calls for, together;
        // a repeat changes nothing.
        let jobs = [
            sfbridge::sync::intake::task_job("i1", "c1", 3, 1),
            sync_job("i1", RecordModel::Person, "p1", 3, 1),
        ];
        let first = store
            .take_notification_jobs("i1", &receipt("n-task"), &jobs, 1)
            .await
            .unwrap();
        assert!(matches!(first, Intake::Stored(Some(_))), "{label}");
        let again = store
            .take_notification_jobs("i1", &receipt("n-task"), &jobs, 1)
            .await
            .unwrap();
        assert_eq!(again, Intake::Repeated, "{label}");
        assert_eq!(store.job_counts().await.unwrap().queued, 2, "{label}");

        // Sent, not answered: the row says so, without a Task.
        store.mark_task_creates("i1", &ids, 5).await.unwrap();
        let rows = store.conversation_tasks("i1", &ids).await.unwrap();
        assert_eq!(rows.len(), 2, "{label}");
        assert!(
            rows.iter()
                .all(|r| r.task_id.is_none() && r.create_sent_at == Some(5)),
            "{label}: {rows:?}"
        );
        let saved = SavedTask {
            conversation_id: "c1".into(),
            task_id: "00T1".into(),
            who_id: "003A".into(),
            who_object: PersonObject::Contact,
            what_id: Some("001A".into()),
            contact_id: Some("ic1".into()),
        };
        store
            .save_conversation_tasks("i1", std::slice::from_ref(&saved), 6)
            .await
            .unwrap();
        let row = store.conversation_tasks("i1", &ids[..1]).await.unwrap();
        assert_eq!(row[0].task_id.as_deref(), Some("00T1"), "{label}");
        assert_eq!(row[0].who_id.as_deref(), Some("003A"), "{label}");
        assert_eq!(row[0].what_id.as_deref(), Some("001A"), "{label}");
        assert_eq!(
            (row[0].who_object.0, row[0].contact_id.as_deref()),
            (Some(PersonObject::Contact), Some("ic1")),
            "{label}"
        );
        // Rewritten on a Lead (the person merged into another): no account.
        let lead = SavedTask {
            who_id: "00QA".into(),
            who_object: PersonObject::Lead,
            what_id: None,
            contact_id: Some("ic2".into()),
            ..saved
        };
        store
            .save_conversation_tasks("i1", &[lead], 7)
            .await
            .unwrap();
        let row = store.conversation_tasks("i1", &ids[..1]).await.unwrap();
        assert_eq!(
            (row[0].who_id.as_deref(), row[0].what_id.as_deref()),
            (Some("00QA"), None),
            "{label}"
        );
        assert_eq!(
            (row[0].who_object.0, row[0].contact_id.as_deref()),
            (Some(PersonObject::Lead), Some("ic2")),
            "{label}"
        );
        // Deleted in Salesforce: forgotten, and looked up by Subject next time.
        store.forget_conversation_task("i1", "c1", 8).await.unwrap();
        let row = store.conversation_tasks("i1", &ids[..1]).await.unwrap();
        assert_eq!(
            (
                row[0].task_id.as_deref(),
                row[0].create_sent_at,
                row[0].contact_id.as_deref()
            ),
            (None, Some(8), None),
            "{label}"
        );
        // Another installation sees none of it.
        assert!(
            store
                .conversation_tasks("i2", &ids)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
