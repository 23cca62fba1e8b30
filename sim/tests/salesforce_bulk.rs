//! Bulk API 2.0 over real HTTP: query jobs paged by `Sforce-Locator`, queryAll, the CSV as
//! Salesforce writes it, refused queries, ingest jobs with good and failing rows and their
//! result files, aborts, holds and failures, allocations and retention.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim::Seed;
use sim::salesforce::{Config, SalesforceSim};

struct Org {
    sim: SalesforceSim,
    http: reqwest::Client,
}

/// One results page: status, headers we read, body.
struct Page {
    status: StatusCode,
    locator: String,
    count: String,
    content_type: String,
    body: String,
}

impl Org {
    async fn start(seed: Seed) -> Org {
        let sim = SalesforceSim::start(Config {
            seed,
            ..Config::default()
        })
        .await
        .expect("simulator starts");
        Org {
            sim,
            http: reqwest::Client::new(),
        }
    }
    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!("{}/services/data/v62.0{path}", self.sim.url()),
            )
            .bearer_auth(self.sim.access_token())
    }
    async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.req(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the simulator");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text}"))
        };
        (status, body)
    }
    async fn text(&self, path: &str) -> Page {
        let resp = self
            .req(Method::GET, path)
            .send()
            .await
            .expect("request reaches the simulator");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (locator, count, content_type) = (
            header("sforce-locator"),
            header("sforce-numberofrecords"),
            header("content-type"),
        );
        let status = resp.status();
        Page {
            status,
            locator,
            count,
            content_type,
            body: resp.text().await.expect("body"),
        }
    }
    /// Creates a query job; its id.
    async fn query_job(&self, body: Value) -> String {
        let (status, job) = self.json(Method::POST, "/jobs/query", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        job["id"].as_str().expect("job id").to_owned()
    }
    /// Polls a job, as clients do, until it reaches `state` (bounded).
    async fn wait(&self, kind: &str, id: &str, state: &str) -> Value {
        for _ in 0..1000 {
            let (status, job) = self
                .json(Method::GET, &format!("/jobs/{kind}/{id}"), None)
                .await;
            assert_eq!(status, StatusCode::OK, "{job}");
            if job["state"] == state {
                return job;
            }
            assert!(
                !matches!(
                    job["state"].as_str(),
                    Some("JobComplete" | "Failed" | "Aborted")
                ),
                "job ended as {job} while waiting for {state}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job {id} never reached {state}");
    }
    /// Opens an ingest job, uploads `csv` and closes it; the job id.
    async fn ingest(&self, job: Value, csv: &str) -> String {
        let (status, info) = self.json(Method::POST, "/jobs/ingest", Some(job)).await;
        assert_eq!(status, StatusCode::OK, "{info}");
        assert_eq!(info["state"], "Open");
        let id = info["id"].as_str().expect("job id").to_owned();
        assert_eq!(
            info["contentUrl"],
            format!("services/data/v62.0/jobs/ingest/{id}/batches")
        );
        self.upload(&id, csv).await;
        let (status, closed) = self
            .json(
                Method::PATCH,
                &format!("/jobs/ingest/{id}"),
                Some(json!({"state": "UploadComplete"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["state"], "UploadComplete");
        id
    }
    async fn upload(&self, id: &str, csv: &str) {
        let resp = self
            .req(Method::PUT, &format!("/jobs/ingest/{id}/batches"))
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("upload reaches the simulator");
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    async fn soql(&self, soql: &str) -> Value {
        let (status, body) = self
            .json(
                Method::GET,
                &format!("/query?q={}", urlencoding::encode(soql)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

fn rows(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

fn code(body: &Value) -> &str {
    body[0]["errorCode"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_query_job_pages_its_csv_by_locator() {
    // scale:10000 holds 3,500 contacts: four pages of 1,000.
    let org = Org::start(Seed::Scale(10_000)).await;
    let calls = org.sim.api_calls();
    let (status, created) = org
        .json(
            Method::POST,
            "/jobs/query",
            Some(json!({"operation": "query", "query": "SELECT Id, Email, Account.Name FROM Contact"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    for key in [
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "systemModstamp",
        "state",
        "concurrencyMode",
        "contentType",
        "apiVersion",
        "lineEnding",
        "columnDelimiter",
    ] {
        assert!(created.get(key).is_some(), "{key} missing from {created}");
    }
    assert_eq!(created["object"], "Contact");
    assert_eq!(created["state"], "UploadComplete");
    assert_eq!(created["apiVersion"], 62.0);
    assert_eq!(created["lineEnding"], "LF");
    assert_eq!(created["columnDelimiter"], "COMMA");
    assert_eq!(created["createdById"], org.sim.admin_user_id());
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("750"));
    let done = org.wait("query", &id, "JobComplete").await;
    assert_eq!(done["jobType"], "V2Query");
    assert_eq!(done["numberRecordsProcessed"], 3_500);
    assert_eq!(done["retries"], 0);
    assert!(done["totalProcessingTime"].is_u64());

    let mut seen = std::collections::HashSet::new();
    let mut locator: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let path = match &locator {
            None => format!("/jobs/query/{id}/results?maxRecords=1000"),
            Some(l) => format!("/jobs/query/{id}/results?locator={l}&maxRecords=1000"),
        };
        let page = org.text(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(page.content_type, "text/csv");
        let table = rows(&page.body);
        assert_eq!(table[0], ["Id", "Email", "Account.Name"]);
        assert_eq!(page.count, (table.len() - 1).to_string());
        for row in &table[1..] {
            assert!(row[0].starts_with("003") && row[0].len() == 18, "{row:?}");
            assert!(row[1].ends_with("@scale.example.com"), "{row:?}");
            assert!(
                !row[2].is_empty(),
                "every scale contact has an account: {row:?}"
            );
            assert!(seen.insert(row[0].clone()), "row {} served twice", row[0]);
        }
        pages.push((page.count.clone(), page.locator.clone()));
        if page.locator == "null" {
            break;
        }
        locator = Some(page.locator);
    }
    assert_eq!(seen.len(), 3_500);
    let counts: Vec<&str> = pages.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(counts, ["1000", "1000", "1000", "500"]);
    // A locator keeps naming the same page while the job exists.
    let again = org
        .text(&format!(
            "/jobs/query/{id}/results?locator={}&maxRecords=1000",
            pages[0].1
        ))
        .await;
    let second = rows(&again.body);
    assert_eq!(again.count, "1000");
    assert!(seen.contains(&second[1][0]));
    // Every call was one API call: create, the polls, five result pages.
    assert!(org.sim.api_calls() - calls >= 7);
    let (_, limits) = org.json(Method::GET, "/limits", None).await;
    assert_eq!(limits["DailyBulkV2QueryJobs"]["Remaining"], 9_999);

    // Without maxRecords one page holds them all; a bad locator is refused.
    let whole = org.text(&format!("/jobs/query/{id}/results")).await;
    assert_eq!(whole.count, "3500");
    assert_eq!(whole.locator, "null");
    let bad = org
        .text(&format!("/jobs/query/{id}/results?locator=bm9wZQ"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Results must be read with the job's API version.
    let other = org
        .http
        .get(format!(
            "{}/services/data/v61.0/jobs/query/{id}/results",
            org.sim.url()
        ))
        .bearer_auth(org.sim.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::CONFLICT);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn query_all_includes_deleted_rows() {
    let org = Org::start(Seed::Demo).await;
    let live = org.soql("SELECT Id FROM Contact").await["totalSize"]
        .as_u64()
        .unwrap();
    let victim = org.soql("SELECT Id FROM Contact LIMIT 1").await["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = org
        .json(Method::DELETE, &format!("/sobjects/Contact/{victim}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let soql = "SELECT Id, IsDeleted FROM Contact";
    let query = org
        .query_job(json!({"operation": "query", "query": soql}))
        .await;
    let all = org
        .query_job(json!({"operation": "queryAll", "query": soql}))
        .await;
    org.wait("query", &query, "JobComplete").await;
    let info = org.wait("query", &all, "JobComplete").await;
    assert_eq!(info["operation"], "queryAll");
    let query_rows = rows(&org.text(&format!("/jobs/query/{query}/results")).await.body);
    let all_rows = rows(&org.text(&format!("/jobs/query/{all}/results")).await.body);
    assert_eq!(query_rows.len() as u64 - 1, live - 1);
    assert_eq!(all_rows.len() as u64 - 1, live);
    assert!(!query_rows.iter().any(|r| r[0] == victim));
    let deleted = all_rows
        .iter()
        .find(|r| r[0] == victim)
        .expect("queryAll has it");
    assert_eq!(deleted[1], "true");
    assert!(
        all_rows[1..]
            .iter()
            .filter(|r| r[0] != victim)
            .all(|r| r[1] == "false")
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn csv_is_written_as_salesforce_writes_it() {
    let org = Org::start(Seed::Empty).await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    org.sim.set_clock(Some(at));
    let (status, created) = org
        .json(
            Method::POST,
            "/sobjects/Account",
            Some(json!({"Name": "Acme, \"Quoted\"\nInc", "External_Id__c": "x|y"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let account = created["id"].as_str().unwrap().to_owned();
    let (status, created) = org
        .json(
            Method::POST,
            "/sobjects/Contact",
            Some(
                json!({"LastName": "Quinn", "AccountId": account, "Birthdate": "1990-02-03",
                "HasOptedOutOfEmail": true, "Seats__c": 12.5}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let contact = created["id"].as_str().unwrap().to_owned();
    let soql = "SELECT Id, LastName, Phone, Birthdate, CreatedDate, HasOptedOutOfEmail, Seats__c, Account.Name, Owner.Name FROM Contact";
    let job = org
        .query_job(json!({"operation": "query", "query": soql}))
        .await;
    org.wait("query", &job, "JobComplete").await;
    let page = org.text(&format!("/jobs/query/{job}/results")).await;
    let admin_name = org.sim.record(&org.sim.admin_user_id()).unwrap()["Name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        page.body,
        format!(
            "\"Id\",\"LastName\",\"Phone\",\"Birthdate\",\"CreatedDate\",\"HasOptedOutOfEmail\",\"Seats__c\",\"Account.Name\",\"Owner.Name\"\n\
             \"{contact}\",\"Quinn\",\"\",\"1990-02-03\",\"2026-03-04T05:06:07.000Z\",\"true\",\"12.5\",\"Acme, \"\"Quoted\"\"\nInc\",\"{admin_name}\"\n"
        )
    );
    // Another delimiter and line ending, as the job asks.
    let job = org
        .query_job(
            json!({"operation": "query", "query": "SELECT Name, External_Id__c FROM Account",
            "columnDelimiter": "PIPE", "lineEnding": "CRLF", "contentType": "CSV"}),
        )
        .await;
    let info = org.wait("query", &job, "JobComplete").await;
    assert_eq!(info["columnDelimiter"], "PIPE");
    assert_eq!(info["lineEnding"], "CRLF");
    let page = org.text(&format!("/jobs/query/{job}/results")).await;
    assert_eq!(
        page.body,
        "\"Name\"|\"External_Id__c\"\r\n\"Acme, \"\"Quoted\"\"\nInc\"|\"x|y\"\r\n"
    );
    // No rows: the header alone.
    let job = org
        .query_job(json!({"operation": "query", "query": "SELECT Id FROM Lead"}))
        .await;
    org.wait("query", &job, "JobComplete").await;
    let page = org.text(&format!("/jobs/query/{job}/results")).await;
    assert_eq!(
        (
            page.body.as_str(),
            page.count.as_str(),
            page.locator.as_str()
        ),
        ("\"Id\"\n", "0", "null")
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn queries_bulk_cannot_run_are_refused_at_creation() {
    let org = Org::start(Seed::Demo).await;
    let refused = [
        ("SELECT COUNT() FROM Contact", "API_ERROR"),
        (
            "SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY LeadSource",
            "API_ERROR",
        ),
        ("SELECT Id FROM Contact LIMIT 5 OFFSET 2", "API_ERROR"),
        (
            "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
            "API_ERROR",
        ),
        ("SELECT Id, BillingAddress FROM Account", "API_ERROR"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Nothing", "INVALID_TYPE"),
        ("SELECT FROM Contact", "MALFORMED_QUERY"),
    ];
    for (soql, expected) in refused {
        let (status, body) = org
            .json(
                Method::POST,
                "/jobs/query",
                Some(json!({"operation": "query", "query": soql})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{soql}: {body}");
        assert_eq!(code(&body), expected, "{soql}: {body}");
    }
    let (_, body) = org
        .json(Method::POST, "/jobs/query", Some(json!({"operation": "query", "query": "SELECT Id, (SELECT Id FROM Contacts) FROM Account"})))
        .await;
    assert_eq!(
        body[0]["message"],
        "Aggregate Relationships not supported in Bulk V2 Query with CSV content type."
    );
    // ORDER BY and LIMIT are allowed.
    org.query_job(
        json!({"operation": "query", "query": "SELECT Id FROM Contact ORDER BY Email LIMIT 3"}),
    )
    .await;
    for bad in [
        json!({"operation": "select", "query": "SELECT Id FROM Contact"}),
        json!({"operation": "query"}),
        json!({"operation": "query", "query": "SELECT Id FROM Contact", "columnDelimiter": "COLON"}),
        json!({"operation": "query", "query": "SELECT Id FROM Contact", "lineEnding": "CR"}),
        json!({"operation": "query", "query": "SELECT Id FROM Contact", "contentType": "JSON"}),
    ] {
        let (status, body) = org
            .json(Method::POST, "/jobs/query", Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(!code(&body).is_empty(), "{body}");
    }
    let (status, body) = org
        .json(Method::GET, "/jobs/query/750000000000000AAA", None)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    org.sim.shutdown().await;
}

#[tokio::test]
async fn results_wait_for_completion_and_jobs_abort_fail_and_expire() {
    let org = Org::start(Seed::Demo).await;
    org.sim.bulk_hold(true);
    let job = org
        .query_job(json!({"operation": "query", "query": "SELECT Id FROM Contact"}))
        .await;
    org.wait("query", &job, "InProgress").await;
    let early = org.text(&format!("/jobs/query/{job}/results")).await;
    assert_eq!(early.status, StatusCode::PRECONDITION_FAILED);
    let body: Value = serde_json::from_str(&early.body).unwrap();
    assert_eq!(code(&body), "JOB_NOT_COMPLETE");
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("Current status: IN_PROGRESS")
    );
    let (status, body) = org
        .json(Method::DELETE, &format!("/jobs/query/{job}"), None)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALIDJOBSTATE")
    );
    let (status, aborted) = org
        .json(
            Method::PATCH,
            &format!("/jobs/query/{job}"),
            Some(json!({"state": "Aborted"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{aborted}");
    assert_eq!(aborted["state"], "Aborted");
    org.sim.bulk_hold(false);
    let (_, again) = org
        .json(
            Method::PATCH,
            &format!("/jobs/query/{job}"),
            Some(json!({"state": "Aborted"})),
        )
        .await;
    assert_eq!(code(&again), "INVALIDJOBSTATE");
    let after = org.text(&format!("/jobs/query/{job}/results")).await;
    assert_eq!(after.status, StatusCode::PRECONDITION_FAILED);
    let (_, info) = org
        .json(Method::GET, &format!("/jobs/query/{job}"), None)
        .await;
    assert_eq!(info["state"], "Aborted", "an aborted job stays aborted");

    // The next job made to fail ends Failed.
    org.sim.bulk_fail_next(1, None);
    let failed = org
        .query_job(json!({"operation": "query", "query": "SELECT Id FROM Contact"}))
        .await;
    org.wait("query", &failed, "Failed").await;

    // Listing, then deleting.
    let (_, list) = org.json(Method::GET, "/jobs/query", None).await;
    assert_eq!(list["done"], true);
    assert_eq!(list["records"].as_array().unwrap().len(), 2);
    let (_, ingest_only) = org
        .json(Method::GET, "/jobs/query?jobType=V2Ingest", None)
        .await;
    assert_eq!(ingest_only["records"], json!([]));
    let (status, _) = org
        .json(Method::DELETE, &format!("/jobs/query/{job}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = org
        .json(Method::GET, &format!("/jobs/query/{job}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Terminal jobs are gone 7 days after their last change, by the org's clock.
    let done = org
        .query_job(json!({"operation": "query", "query": "SELECT Id FROM Contact"}))
        .await;
    org.wait("query", &done, "JobComplete").await;
    assert_eq!(org.sim.bulk_jobs(), (2, 0));
    org.sim
        .set_clock(Some(org.sim.now() + chrono::TimeDelta::days(8)));
    let (_, list) = org.json(Method::GET, "/jobs/query", None).await;
    assert_eq!(list["records"], json!([]));
    assert_eq!(org.sim.bulk_jobs(), (0, 0));
    org.sim.set_clock(None);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn an_insert_job_reports_each_row() {
    let org = Org::start(Seed::Demo).await;
    let replay = org.sim.last_replay_id();
    let taken = org
        .soql("SELECT Email FROM Contact WHERE Email != null LIMIT 1")
        .await["records"][0]["Email"]
        .as_str()
        .unwrap()
        .to_owned();
    let csv = format!(
        "LastName,Email,Birthdate,HasOptedOutOfEmail,Description\n\
         Bulk One,bulk.one@example.com,1980-01-31,true,\"Says \"\"hi\"\", twice\nand leaves\"\n\
         ,no.last@example.com,,,\n\
         Bulk Dup,{taken},,,\n\
         Bulk Date,bulk.date@example.com,31/01/1980,,\n\
         Bulk Two,bulk.two@example.com,,#N/A,\n"
    );
    let id = org
        .ingest(
            json!({"object": "Contact", "operation": "insert", "lineEnding": "LF"}),
            &csv,
        )
        .await;
    let info = org.wait("ingest", &id, "JobComplete").await;
    assert_eq!(info["jobType"], "V2Ingest");
    assert_eq!(info["numberRecordsProcessed"], 5);
    assert_eq!(info["numberRecordsFailed"], 3);
    assert_eq!(info["operation"], "insert");

    let ok = org
        .text(&format!("/jobs/ingest/{id}/successfulResults/"))
        .await;
    assert_eq!(ok.content_type, "text/csv");
    let ok = rows(&ok.body);
    assert_eq!(
        ok[0],
        [
            "sf__Id",
            "sf__Created",
            "LastName",
            "Email",
            "Birthdate",
            "HasOptedOutOfEmail",
            "Description"
        ]
    );
    assert_eq!(ok.len(), 3);
    assert_eq!(ok[1][1], "true");
    assert_eq!(ok[1][6], "Says \"hi\", twice\nand leaves");
    let stored = org.sim.record(&ok[1][0]).expect("created");
    assert_eq!(stored["Description"], "Says \"hi\", twice\nand leaves");
    assert_eq!(stored["HasOptedOutOfEmail"], true);
    assert_eq!(stored["Birthdate"], "1980-01-31");
    assert_eq!(stored["CreatedById"], org.sim.admin_user_id());
    assert_eq!(ok[2][2], "Bulk Two");

    let failed = rows(
        &org.text(&format!("/jobs/ingest/{id}/failedResults/"))
            .await
            .body,
    );
    assert_eq!(failed[0][..2], ["sf__Id", "sf__Error"]);
    assert_eq!(failed.len(), 4);
    assert_eq!(failed[1][0], "");
    assert!(
        failed[1][1].starts_with("REQUIRED_FIELD_MISSING:"),
        "{:?}",
        failed[1]
    );
    assert!(failed[1][1].ends_with(":LastName --"), "{:?}", failed[1]);
    assert!(
        failed[2][1].starts_with("DUPLICATES_DETECTED:"),
        "{:?}",
        failed[2]
    );
    assert!(
        failed[3][1].starts_with("INVALID_TYPE_ON_FIELD_IN_RECORD:"),
        "{:?}",
        failed[3]
    );
    assert_eq!(failed[3][2], "Bulk Date");
    let unprocessed = org
        .text(&format!("/jobs/ingest/{id}/unprocessedrecords/"))
        .await;
    assert_eq!(rows(&unprocessed.body).len(), 1, "the header only");
    // Bulk writes raise change events like any API write: one per created contact.
    assert_eq!(org.sim.last_replay_id(), replay + 2);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn update_upsert_delete_and_hard_delete_jobs() {
    let org = Org::start(Seed::Demo).await;
    let contacts = org
        .soql("SELECT Id, Title, Department FROM Contact ORDER BY Id LIMIT 2")
        .await;
    let first = contacts["records"][0]["Id"].as_str().unwrap().to_owned();
    let second = contacts["records"][1]["Id"].as_str().unwrap().to_owned();
    let (_, _) = org
        .json(
            Method::PATCH,
            &format!("/sobjects/Contact/{first}"),
            Some(json!({"Title": "Old", "Department": "Kept"})),
        )
        .await;
    // Update: an empty value leaves a field alone, #N/A empties it; a missing Id fails.
    let id = org
        .ingest(
            json!({"object": "Contact", "operation": "update"}),
            &format!("Id,Title,Department\n{first},#N/A,\n{second},Lead,Ops\n,Nobody,\n"),
        )
        .await;
    let info = org.wait("ingest", &id, "JobComplete").await;
    assert_eq!(
        (
            info["numberRecordsProcessed"].as_u64(),
            info["numberRecordsFailed"].as_u64()
        ),
        (Some(3), Some(1))
    );
    let one = org.sim.record(&first).unwrap();
    assert_eq!(
        (one["Title"].clone(), one["Department"].clone()),
        (Value::Null, json!("Kept"))
    );
    assert_eq!(org.sim.record(&second).unwrap()["Department"], "Ops");
    let ok = rows(
        &org.text(&format!("/jobs/ingest/{id}/successfulResults/"))
            .await
            .body,
    );
    assert_eq!(ok[1][..2], [first.as_str(), "false"]);
    let failed = rows(
        &org.text(&format!("/jobs/ingest/{id}/failedResults/"))
            .await
            .body,
    );
    assert_eq!(
        failed[1][1],
        "MISSING_ARGUMENT:Id not specified in an update call:--"
    );

    // Upsert by an external id: one created, one updated.
    let (status, made) = org
        .json(
            Method::POST,
            "/sobjects/Account",
            Some(json!({"Name": "Before", "External_Id__c": "ext-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let existing = made["id"].as_str().unwrap().to_owned();
    let id = org
        .ingest(
            json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "External_Id__c",
                "columnDelimiter": "SEMICOLON", "lineEnding": "CRLF"}),
            "External_Id__c;Name\r\next-1;After\r\next-2;Brand New\r\n",
        )
        .await;
    let info = org.wait("ingest", &id, "JobComplete").await;
    assert_eq!(info["externalIdFieldName"], "External_Id__c");
    let ok = org
        .text(&format!("/jobs/ingest/{id}/successfulResults/"))
        .await
        .body;
    assert!(ok.contains("\r\n") && ok.contains(';'), "{ok:?}");
    let ok: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(ok.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(ok[0][..2], [existing.as_str(), "false"]);
    assert_eq!(ok[1][1], "true");
    assert_eq!(org.sim.record(&existing).unwrap()["Name"], "After");
    assert_eq!(org.sim.record(&ok[1][0]).unwrap()["Name"], "Brand New");

    // Delete: to the recycle bin (queryAll still sees it), an unknown id fails.
    let replay = org.sim.last_replay_id();
    let id = org
        .ingest(
            json!({"object": "Account", "operation": "delete"}),
            &format!("Id\n{}\n001000000000000AAA\n", ok[1][0]),
        )
        .await;
    let info = org.wait("ingest", &id, "JobComplete").await;
    assert_eq!(info["numberRecordsFailed"], 1);
    assert_eq!(org.sim.record(&ok[1][0]).unwrap()["IsDeleted"], true);
    assert_eq!(
        org.sim.last_replay_id(),
        replay + 1,
        "a delete raises its event"
    );

    // Hard delete: gone for good, even from queryAll, and no change event.
    let replay = org.sim.last_replay_id();
    let id = org
        .ingest(
            json!({"object": "Account", "operation": "hardDelete"}),
            &format!("Id\n{existing}\n"),
        )
        .await;
    org.wait("ingest", &id, "JobComplete").await;
    assert!(org.sim.record(&existing).is_none());
    assert_eq!(org.sim.last_replay_id(), replay);
    let (_, all) = org
        .json(
            Method::GET,
            &format!(
                "/queryAll?q={}",
                urlencoding::encode(&format!("SELECT Id FROM Account WHERE Id = '{existing}'"))
            ),
            None,
        )
        .await;
    assert_eq!(all["totalSize"], 0);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn ingest_states_refusals_and_aborts() {
    let org = Org::start(Seed::Demo).await;
    for (bad, expected) in [
        (
            json!({"object": "Nothing", "operation": "insert"}),
            "INVALIDJOB",
        ),
        (
            json!({"object": "Contact", "operation": "merge"}),
            "INVALIDJOB",
        ),
        (
            json!({"object": "Account", "operation": "upsert"}),
            "INVALIDJOB",
        ),
        (
            json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"}),
            "INVALIDJOB",
        ),
        (
            json!({"object": "Contact", "operation": "insert", "columnDelimiter": "COLON"}),
            "JSON_PARSER_ERROR",
        ),
    ] {
        let (status, body) = org
            .json(Method::POST, "/jobs/ingest", Some(bad.clone()))
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, expected),
            "{bad}: {body}"
        );
    }
    // One upload per job; none after it is closed; an open job cannot be deleted.
    let id = open_insert(&org).await;
    org.upload(&id, "LastName\nOnce\n").await;
    let resp = org
        .req(Method::PUT, &format!("/jobs/ingest/{id}/batches"))
        .header("content-type", "text/csv")
        .body("LastName\nTwice\n")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code(&body), "BULK_API_ERROR");
    let (status, body) = org
        .json(Method::DELETE, &format!("/jobs/ingest/{id}"), None)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALIDJOBSTATE")
    );
    let (_, aborted) = org
        .json(
            Method::PATCH,
            &format!("/jobs/ingest/{id}"),
            Some(json!({"state": "Aborted"})),
        )
        .await;
    assert_eq!(aborted["state"], "Aborted");
    let (_, closed) = org
        .json(
            Method::PATCH,
            &format!("/jobs/ingest/{id}"),
            Some(json!({"state": "UploadComplete"})),
        )
        .await;
    assert_eq!(code(&closed), "INVALIDJOBSTATE");
    let (status, _) = org
        .json(Method::DELETE, &format!("/jobs/ingest/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Closed without data, or with a column the object lacks: the job fails.
    let id = open_insert(&org).await;
    org.json(
        Method::PATCH,
        &format!("/jobs/ingest/{id}"),
        Some(json!({"state": "UploadComplete"})),
    )
    .await;
    let failed = org.wait("ingest", &id, "Failed").await;
    assert!(
        failed["errorMessage"].as_str().unwrap().contains("No data"),
        "{failed}"
    );
    let id = org
        .ingest(
            json!({"object": "Contact", "operation": "insert"}),
            "LastName,Shoe_Size__c\nA,42\n",
        )
        .await;
    let failed = org.wait("ingest", &id, "Failed").await;
    assert_eq!(
        failed["errorMessage"],
        "InvalidBatch : Field name not found : Shoe_Size__c"
    );
    let unprocessed = rows(
        &org.text(&format!("/jobs/ingest/{id}/unprocessedrecords/"))
            .await
            .body,
    );
    assert_eq!(unprocessed, [["LastName", "Shoe_Size__c"], ["A", "42"]]);

    // Aborted while held: nothing written, every row unprocessed.
    let before = org.sim.count("Contact");
    org.sim.bulk_hold(true);
    let id = org
        .ingest(
            json!({"object": "Contact", "operation": "insert"}),
            "LastName\nHeld One\nHeld Two\n",
        )
        .await;
    org.wait("ingest", &id, "InProgress").await;
    let (_, aborted) = org
        .json(
            Method::PATCH,
            &format!("/jobs/ingest/{id}"),
            Some(json!({"state": "Aborted"})),
        )
        .await;
    assert_eq!(aborted["state"], "Aborted");
    org.sim.bulk_hold(false);
    let unprocessed = rows(
        &org.text(&format!("/jobs/ingest/{id}/unprocessedrecords/"))
            .await
            .body,
    );
    assert_eq!(unprocessed, [["LastName"], ["Held One"], ["Held Two"]]);
    assert_eq!(org.sim.count("Contact"), before);

    // A job made to fail carries its message; jobs consumed batches from the allocation.
    org.sim
        .bulk_fail_next(1, Some("InternalServerError : try later".into()));
    let id = org
        .ingest(
            json!({"object": "Contact", "operation": "insert"}),
            "LastName\nNever\n",
        )
        .await;
    let failed = org.wait("ingest", &id, "Failed").await;
    assert_eq!(failed["errorMessage"], "InternalServerError : try later");
    let (_, list) = org.json(Method::GET, "/jobs/ingest", None).await;
    assert_eq!(list["done"], true);
    assert_eq!(list["records"].as_array().unwrap().len(), 4);
    let (_, limits) = org.json(Method::GET, "/limits", None).await;
    assert_eq!(limits["DailyBulkApiBatches"]["Remaining"], 15_000);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn ingest_jobs_use_one_batch_per_ten_thousand_rows() {
    let org = Org::start(Seed::Empty).await;
    let mut csv = String::from("Name\n");
    for i in 0..10_001 {
        csv.push_str(&format!("Bulk Account {i}\n"));
    }
    let calls = org.sim.api_calls();
    let id = org
        .ingest(json!({"object": "Account", "operation": "insert"}), &csv)
        .await;
    let info = org.wait("ingest", &id, "JobComplete").await;
    assert_eq!(info["numberRecordsProcessed"], 10_001);
    assert_eq!(info["numberRecordsFailed"], 0);
    assert_eq!(org.sim.count("Account"), 10_001);
    // Create, upload and close are three calls; the polls one each; the writes none.
    let polls = org.sim.api_calls() - calls - 3;
    assert!(polls >= 1);
    let (_, limits) = org.json(Method::GET, "/limits", None).await;
    assert_eq!(limits["DailyBulkApiBatches"]["Remaining"], 14_998);
    org.sim.shutdown().await;
}

async fn open_insert(org: &Org) -> String {
    let (_, job) = org
        .json(
            Method::POST,
            "/jobs/ingest",
            Some(json!({"object": "Contact", "operation": "insert"})),
        )
        .await;
    job["id"].as_str().unwrap().to_owned()
}
