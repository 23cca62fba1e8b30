//! The simulated org over real HTTP: auth, limits, records, validation, upsert, replication,
//! describe, query, composite and the control surface.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim::salesforce::{Config, SalesforceSim};

struct Org {
    sim: SalesforceSim,
    http: reqwest::Client,
}

impl Org {
    async fn start() -> Org {
        Org::with(Config::default()).await
    }
    async fn with(config: Config) -> Org {
        let sim = SalesforceSim::start(config)
            .await
            .expect("simulator starts");
        Org {
            sim,
            http: reqwest::Client::new(),
        }
    }
    fn url(&self, path: &str) -> String {
        format!("{}/services/data/v62.0{path}", self.sim.url())
    }
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(self.sim.access_token())
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.req(reqwest::Method::GET, path)).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(reqwest::Method::POST, path).json(&body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(reqwest::Method::PATCH, path).json(&body)).await
    }
    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        send(self.req(reqwest::Method::DELETE, path)).await
    }
    async fn query(&self, soql: &str) -> Value {
        let (status, body) = self
            .get(&format!("/query?q={}", urlencoding::encode(soql)))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request reaches the simulator");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        },
    )
}

fn code(body: &Value) -> &str {
    body[0]["errorCode"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn versions_auth_and_limits() {
    let org = Org::with(Config {
        daily_api_limit: 3,
        ..Config::default()
    })
    .await;
    let versions: Value = org
        .http
        .get(format!("{}/services/data/", org.sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        versions
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["version"] == "62.0" && v["url"] == "/services/data/v62.0")
    );

    let resp = org
        .http
        .get(org.url("/limits/"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );

    let resp = org
        .req(reqwest::Method::GET, "/limits/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["sforce-limit-info"], "api-usage=1/3");
    let limits: Value = resp.json().await.unwrap();
    assert_eq!(
        limits["DailyApiRequests"],
        json!({"Max": 3, "Remaining": 2})
    );
    org.get("/limits/").await;
    org.get("/limits/").await;
    let (status, body) = org.get("/limits/").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "REQUEST_LIMIT_EXCEEDED");
    assert_eq!(body[0]["message"], "TotalRequests Limit exceeded.");
    assert_eq!(org.sim.api_calls(), 3);
}

#[tokio::test]
async fn expired_tokens_answer_invalid_session() {
    let org = Org::with(Config {
        token_ttl: std::time::Duration::ZERO,
        ..Config::default()
    })
    .await;
    let (status, body) = org.get("/sobjects/").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "INVALID_SESSION_ID");
}

#[tokio::test]
async fn record_lifecycle_with_system_fields() {
    let org = Org::start().await;
    let (status, created) = org.post("/sobjects/Contact/", json!({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@analytical.example.com"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["success"], true);
    assert_eq!(created["errors"], json!([]));
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("003"));
    assert_eq!(sim::salesforce::ids::to18(&id[..15]).unwrap(), id);

    let (status, record) = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        record["attributes"],
        json!({"type": "Contact", "url": format!("/services/data/v62.0/sobjects/Contact/{id}")})
    );
    assert_eq!(record["Name"], "Ada Lovelace");
    assert_eq!(record["Email_Domain__c"], "analytical.example.com");
    assert_eq!(record["IsDeleted"], false);
    assert_eq!(record["OwnerId"], org.sim.admin_user_id());
    let created_at = record["CreatedDate"].as_str().unwrap().to_owned();
    assert_eq!(created_at.len(), 28, "{created_at}");
    assert!(created_at.ends_with("+0000") && created_at.as_bytes()[19] == b'.');
    assert_eq!(record["SystemModstamp"], record["CreatedDate"]);

    let (_, some) = org
        .get(&format!("/sobjects/Contact/{id}?fields=Email,LastName"))
        .await;
    assert_eq!(some.as_object().unwrap().len(), 3);
    let (status, body) = org
        .get(&format!("/sobjects/Contact/{id}?fields=Nope"))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD")
    );

    let (status, body) = org
        .patch(
            &format!("/sobjects/Contact/{id}"),
            json!({"Title": "Countess"}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (_, record) = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(record["Title"], "Countess");
    assert!(record["SystemModstamp"].as_str().unwrap() >= created_at.as_str());

    let (status, _) = org.delete(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "ENTITY_IS_DELETED")
    );
    let (status, body) = org.get("/sobjects/Contact/003000000000000AAA").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));

    // The recycle bin: gone from query, present in queryAll.
    let q = format!("SELECT Id, IsDeleted FROM Contact WHERE Id = '{id}'");
    assert_eq!(org.query(&q).await["totalSize"], 0);
    let (_, all) = org
        .get(&format!("/queryAll?q={}", urlencoding::encode(&q)))
        .await;
    assert_eq!(all["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn writes_are_validated_like_salesforce() {
    let org = Org::start().await;
    let cases = [
        (
            "/sobjects/Lead/",
            json!({"LastName": "X"}),
            "REQUIRED_FIELD_MISSING",
        ),
        (
            "/sobjects/Contact/",
            json!({"LastName": "X", "Id": "003000000000000AAA"}),
            "INVALID_FIELD",
        ),
        (
            "/sobjects/Contact/",
            json!({"LastName": "X", "Foo__c": 1}),
            "INVALID_FIELD",
        ),
        (
            "/sobjects/Contact/",
            json!({"LastName": "X", "Email_Domain__c": "a"}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ),
        (
            "/sobjects/Account/",
            json!({"Name": "X", "Health_Score__c": 5}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ),
        (
            "/sobjects/Lead/",
            json!({"LastName": "X", "Company": "C", "Region__c": "EMEA", "Status": "Bogus"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (
            "/sobjects/Case/",
            json!({"Subject": "s", "Status": "Closed"}),
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        ),
        (
            "/sobjects/Case/",
            json!({"Subject": "s", "Product__c": "Platform", "Product_Area__c": "Notifications"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
    ];
    for (path, body, expected) in cases {
        let (status, resp) = org.post(path, body.clone()).await;
        assert_eq!(
            (status, code(&resp)),
            (StatusCode::BAD_REQUEST, expected),
            "{body} -> {resp}"
        );
        assert!(resp[0]["fields"].is_array());
    }
    // The Case validation rule is shown at its field, so its error names that field.
    let (_, resp) = org
        .post(
            "/sobjects/Case/",
            json!({"Subject": "s", "Status": "Closed"}),
        )
        .await;
    assert_eq!(resp[0]["fields"], json!(["Description"]));
    // 85 bytes in 29 characters: the limit counts bytes.
    let (status, resp) = org
        .post(
            "/sobjects/Account/",
            json!({"Name": "A", "AccountNumber": "é".repeat(21)}),
        )
        .await;
    assert_eq!(
        (status, code(&resp)),
        (StatusCode::BAD_REQUEST, "STRING_TOO_LONG")
    );
    assert!(
        resp[0]["message"]
            .as_str()
            .unwrap()
            .contains("(max length=40)")
    );

    let converted = org
        .query("SELECT Id FROM Lead WHERE IsConverted = true LIMIT 1")
        .await;
    let lead = converted["records"][0]["Id"].as_str().unwrap();
    let (status, resp) = org
        .patch(&format!("/sobjects/Lead/{lead}"), json!({"Title": "x"}))
        .await;
    assert_eq!(
        (status, code(&resp)),
        (StatusCode::BAD_REQUEST, "CANNOT_UPDATE_CONVERTED_LEAD")
    );
}

#[tokio::test]
async fn duplicate_rule_and_its_bypass() {
    let org = Org::start().await;
    let existing = org.query("SELECT Id, Email FROM Contact LIMIT 1").await;
    let email = existing["records"][0]["Email"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let (status, resp) = org
        .post(
            "/sobjects/Contact/",
            json!({"LastName": "Dup", "Email": email}),
        )
        .await;
    assert_eq!(
        (status, code(&resp)),
        (StatusCode::BAD_REQUEST, "DUPLICATES_DETECTED")
    );
    let dup = &resp[0]["duplicateResult"];
    assert_eq!(dup["allowSave"], true);
    assert_eq!(
        dup["matchResults"][0]["matchRecords"][0]["record"]["Id"],
        existing["records"][0]["Id"]
    );
    let (status, _) = send(
        org.req(reqwest::Method::POST, "/sobjects/Contact/")
            .header("Sforce-Duplicate-Rule-Header", "allowSave=true")
            .json(&json!({"LastName": "Dup", "Email": email})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn upsert_by_external_id() {
    let org = Org::start().await;
    let path = "/sobjects/Contact/Intercom_Contact_Id__c/ic-42";
    let (status, body) = org
        .patch(
            path,
            json!({"LastName": "Upserted", "Email": "ups@x.example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["created"], true);
    let (status, body2) = org.patch(path, json!({"Title": "Again"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body2["created"].clone(), body2["id"].clone()),
        (json!(false), body["id"].clone())
    );
    let (status, read) = org.get(path).await;
    assert_eq!(
        (status, read["Title"].clone()),
        (StatusCode::OK, json!("Again"))
    );

    // A second record with the same (non-unique) external id makes the value ambiguous.
    let (_, _) = send(
        org.req(reqwest::Method::POST, "/sobjects/Contact/")
            .header("Sforce-Duplicate-Rule-Header", "allowSave=true")
            .json(&json!({"LastName": "Twin", "Intercom_Contact_Id__c": "ic-42"})),
    )
    .await;
    let (status, urls) = org.patch(path, json!({"Title": "?"})).await;
    assert_eq!(status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(urls.as_array().unwrap().len(), 2);
    assert!(
        urls[0]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v62.0/sobjects/Contact/003")
    );

    let (status, body) = org
        .patch("/sobjects/Contact/Nope__c/1", json!({"LastName": "x"}))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert_eq!(
        body[0]["message"],
        "Provided external ID field does not exist or is not accessible: Nope__c"
    );
}

#[tokio::test]
async fn assignment_rule_runs_unless_told_not_to() {
    let org = Org::start().await;
    let admin = org.sim.admin_user_id();
    let (_, case) = org
        .post(
            "/sobjects/Case/",
            json!({"Subject": "Help", "OwnerId": admin}),
        )
        .await;
    let owner = org.sim.record(case["id"].as_str().unwrap()).unwrap()["OwnerId"].clone();
    let carol = org
        .query("SELECT Id FROM User WHERE Email = 'carol@example.com'")
        .await["records"][0]["Id"]
        .clone();
    assert_eq!(
        owner, carol,
        "the active assignment rule routes new cases to support"
    );
    let (_, case) = send(
        org.req(reqwest::Method::POST, "/sobjects/Case/")
            .header("Sforce-Auto-Assign", "FALSE")
            .header("Sforce-Call-Options", "client=sfbridge")
            .json(&json!({"Subject": "Mine", "OwnerId": admin})),
    )
    .await;
    assert_eq!(
        org.sim.record(case["id"].as_str().unwrap()).unwrap()["OwnerId"],
        json!(admin)
    );
    let number = org.sim.record(case["id"].as_str().unwrap()).unwrap()["CaseNumber"].clone();
    assert_eq!(number.as_str().unwrap().len(), 8);
}

#[tokio::test]
async fn updated_and_deleted_replication() {
    let org = Org::start().await;
    let start = chrono::Utc::now() - chrono::Duration::minutes(5);
    let end = chrono::Utc::now() + chrono::Duration::minutes(5);
    let (_, c) = org
        .post("/sobjects/Account/", json!({"Name": "Repl"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let (_, d) = org
        .post("/sobjects/Account/", json!({"Name": "Gone"}))
        .await;
    let gone = d["id"].as_str().unwrap();
    org.delete(&format!("/sobjects/Account/{gone}")).await;
    let fmt = |t: chrono::DateTime<chrono::Utc>| {
        urlencoding::encode(&t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()).into_owned()
    };
    let (status, updated) = org
        .get(&format!(
            "/sobjects/Account/updated/?start={}&end={}",
            fmt(start),
            fmt(end)
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    // Salesforce covers whole minutes up to the present: a record is listed once its minute is.
    let covered = updated["latestDateCovered"].as_str().unwrap();
    assert!(covered.ends_with(":00.000+0000"));
    let stamp = org.sim.record(id).unwrap()["SystemModstamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = if stamp.as_str() < covered {
        json!([id])
    } else {
        json!([])
    };
    assert_eq!(updated["ids"], expected);
    let (_, deleted) = org
        .get(&format!(
            "/sobjects/Account/deleted/?start={}&end={}",
            fmt(start),
            fmt(end)
        ))
        .await;
    let deleted_at = org.sim.record(gone).unwrap()["SystemModstamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = deleted["deletedRecords"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == gone);
    assert_eq!(
        listed,
        deleted_at.as_str() < deleted["latestDateCovered"].as_str().unwrap()
    );
    assert!(deleted["earliestDateAvailable"].is_string());
    let (status, body) = org
        .get(&format!(
            "/sobjects/Account/updated/?start={}&end={}",
            fmt(end),
            fmt(start)
        ))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_REPLICATION_DATE")
    );
}

#[tokio::test]
async fn describe_layouts_and_picklists() {
    let org = Org::start().await;
    let (status, global) = org.get("/sobjects/").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = global["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for n in [
        "User",
        "Lead",
        "Contact",
        "Account",
        "Opportunity",
        "OpportunityContactRole",
        "Case",
        "Task",
        "RecordType",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let resp = org
        .req(reqwest::Method::GET, "/sobjects/Case/describe")
        .send()
        .await
        .unwrap();
    let last_modified = resp.headers()["last-modified"].to_str().unwrap().to_owned();
    let case: Value = resp.json().await.unwrap();
    let rts = case["recordTypeInfos"].as_array().unwrap();
    assert_eq!(rts.len(), 4);
    assert!(
        rts.iter()
            .any(|r| r["master"] == true && r["recordTypeId"] == "012000000000000AAA")
    );
    let bug = rts
        .iter()
        .find(|r| r["developerName"] == "Bug_Report")
        .unwrap();
    let area = case["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Product_Area__c")
        .unwrap();
    assert_eq!(
        (
            area["dependentPicklist"].clone(),
            area["controllerName"].clone()
        ),
        (json!(true), json!("Product__c"))
    );
    let number = case["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "CaseNumber")
        .unwrap();
    assert_eq!(number["autoNumber"], true);

    let resp = org
        .req(reqwest::Method::GET, "/sobjects/Case/describe")
        .header("If-Modified-Since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);

    let bug_id = bug["recordTypeId"].as_str().unwrap();
    let (status, layout) = org
        .get(&format!("/sobjects/Case/describe/layouts/{bug_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let items: Vec<&Value> = layout["editLayoutSections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["layoutRows"].as_array().unwrap())
        .flat_map(|r| r["layoutItems"].as_array().unwrap())
        .collect();
    let product = items
        .iter()
        .find(|i| i["layoutComponents"][0]["value"] == "Product__c")
        .unwrap();
    assert_eq!(product["required"], true);

    let (_, picklists) = org
        .get(&format!(
            "/ui-api/object-info/Case/picklist-values/{bug_id}"
        ))
        .await;
    let pv = &picklists["picklistFieldValues"];
    assert_eq!(pv["Type"]["values"].as_array().unwrap().len(), 1);
    assert_eq!(pv["Priority"]["defaultValue"]["value"], "High");
    assert_eq!(pv["Product_Area__c"]["controllerValues"]["Platform"], 0);
    let api = pv["Product_Area__c"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "API")
        .unwrap();
    assert_eq!(api["validFor"], json!([0, 2]));
    // A record type's layout and picklist values revalidate like the describe.
    for path in [
        format!("/sobjects/Case/describe/layouts/{bug_id}"),
        format!("/ui-api/object-info/Case/picklist-values/{bug_id}"),
    ] {
        let resp = org
            .req(reqwest::Method::GET, &path)
            .header("If-Modified-Since", &last_modified)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_MODIFIED, "{path}");
        let resp = org.req(reqwest::Method::GET, &path).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(
            resp.headers()["last-modified"],
            last_modified.as_str(),
            "{path}"
        );
    }
    let (status, _) = org.get("/sobjects/Nope/describe").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn query_pages_through_next_records_url() {
    let org = Org::with(Config {
        seed: sim::Seed::Scale(3000),
        ..Config::default()
    })
    .await;
    let q = urlencoding::encode("SELECT Id, Email, Account.Name FROM Contact ORDER BY Id");
    let (_, first) = send(
        org.req(reqwest::Method::GET, &format!("/query?q={q}"))
            .header("Sforce-Query-Options", "batchSize=200"),
    )
    .await;
    assert_eq!(first["totalSize"], 1050);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 200);
    let mut seen = 200;
    let mut next = first["nextRecordsUrl"].as_str().unwrap().to_owned();
    loop {
        let (status, page) = send(
            org.http
                .get(format!("{}{next}", org.sim.url()))
                .bearer_auth(org.sim.access_token()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        seen += page["records"].as_array().unwrap().len();
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        next = page["nextRecordsUrl"].as_str().unwrap().to_owned();
    }
    assert_eq!(seen, 1050);
    let (status, body) = org.get("/query?q=SELECT+Foo+FROM+Contact").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD")
    );
}

#[tokio::test]
async fn collections_and_composite() {
    let org = Org::start().await;
    let (status, results) = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "Name": "Coll 1"},
                {"attributes": {"type": "Contact"}},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results[0]["success"], true);
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let before = org.sim.count("Account");
    let (_, results) = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Account"}, "Name": "Rolled"},
                {"attributes": {"type": "Account"}},
            ]}),
        )
        .await;
    assert_eq!(
        results[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(org.sim.count("Account"), before);
    let records: Vec<Value> = (0..201)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("A{i}")}))
        .collect();
    let (status, _) = org
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, composite) = org
        .post("/composite", json!({"allOrNone": true, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "acct", "body": {"Name": "Comp"}},
            {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact", "referenceId": "ct", "body": {"LastName": "C", "AccountId": "@{acct.id}"}},
            {"method": "GET", "url": "/services/data/v62.0/sobjects/Contact/@{ct.id}?fields=AccountId", "referenceId": "read"},
        ]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let resp = composite["compositeResponse"].as_array().unwrap();
    assert_eq!(resp[0]["httpStatusCode"], 201);
    assert_eq!(resp[2]["body"]["AccountId"], resp[0]["body"]["id"]);

    let before = org.sim.count("Account");
    let (_, composite) = org
        .post("/composite", json!({"allOrNone": true, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "ok", "body": {"Name": "Halted"}},
            {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "bad", "body": {}},
            {"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": "after"},
        ]}))
        .await;
    let resp = composite["compositeResponse"].as_array().unwrap();
    assert_eq!(resp[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(resp[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(resp[2]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(
        org.sim.count("Account"),
        before,
        "allOrNone rolled the first insert back"
    );
}

#[tokio::test]
async fn control_surface_and_faults() {
    let org = Org::start().await;
    let base = org.sim.url();
    let http = &org.http;
    let calls: Value = http
        .get(format!("{base}/__sim/api-calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls["apiCalls"], 0);
    for (kind, status) in [
        ("500", 500),
        ("503", 503),
        ("limit", 403),
        ("expired_session", 401),
    ] {
        let r = http
            .post(format!("{base}/__sim/faults"))
            .json(&json!({"kind": kind, "next": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let (got, _) = org.get("/limits/").await;
        assert_eq!(got.as_u16(), status);
        let (got, _) = org.get("/limits/").await;
        assert_eq!(got, StatusCode::OK, "a next-N fault is used up");
    }
    http.post(format!("{base}/__sim/faults"))
        .json(&json!({"kind": "drop", "next": 1}))
        .send()
        .await
        .unwrap();
    let dropped = org.req(reqwest::Method::GET, "/limits/").send().await;
    let failed = match dropped {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "the connection is dropped");

    // A lost answer: only the chosen calls are hit, the write is done, its answer never comes.
    let r = http
        .post(format!("{base}/__sim/faults"))
        .json(&json!({"kind": "lose_answer", "next": 1, "method": "POST",
                      "path": "/composite/sobjects"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (got, _) = org.get("/limits/").await;
    assert_eq!(got, StatusCode::OK, "another call is not hit");
    let lost = org
        .req(reqwest::Method::POST, "/composite/sobjects")
        .json(
            &json!({"allOrNone": false, "records": [{"attributes": {"type": "Task"},
            "Subject": "Lost answer", "Status": "Completed"}]}),
        )
        .send()
        .await;
    let failed = match lost {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "the answer is lost");
    let found = org
        .query("SELECT Id FROM Task WHERE Subject = 'Lost answer'")
        .await;
    assert_eq!(found["totalSize"], 1, "the Task was created: {found}");
    let r = http
        .post(format!("{base}/__sim/faults"))
        .json(&json!({"kind": "lose_answer", "next": 1, "method": "POST"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a method needs its path"
    );

    let contact = org.query("SELECT Id FROM Contact LIMIT 1").await["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let calls_before = org.sim.api_calls();
    let r = http
        .patch(format!("{base}/__sim/ui/Contact/{contact}"))
        .json(&json!({"as": "bob@example.com", "fields": {"Title": "Changed in the UI"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        org.sim.api_calls(),
        calls_before,
        "UI changes are not API calls"
    );
    let row = org.sim.record(&contact).unwrap();
    let bob = org
        .query("SELECT Id FROM User WHERE Email = 'bob@example.com'")
        .await["records"][0]["Id"]
        .clone();
    assert_eq!(
        (row["Title"].clone(), row["LastModifiedById"].clone()),
        (json!("Changed in the UI"), bob)
    );
}

#[tokio::test]
async fn opportunity_fields_follow_the_stage() {
    let org = Org::start().await;
    let (status, opp) = org
        .post("/sobjects/Opportunity/", json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31", "Amount": 1234.5}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opp}");
    let id = opp["id"].as_str().unwrap();
    let (_, read) = org.get(&format!("/sobjects/Opportunity/{id}")).await;
    assert_eq!(
        (
            read["Probability"].clone(),
            read["IsClosed"].clone(),
            read["IsWon"].clone()
        ),
        (json!(10.0), json!(false), json!(false))
    );
    org.patch(
        &format!("/sobjects/Opportunity/{id}"),
        json!({"StageName": "Closed Won"}),
    )
    .await;
    let (_, read) = org.get(&format!("/sobjects/Opportunity/{id}")).await;
    assert_eq!(
        (
            read["Probability"].clone(),
            read["IsClosed"].clone(),
            read["IsWon"].clone()
        ),
        (json!(100.0), json!(true), json!(true))
    );
    let (status, body) = org
        .patch(
            &format!("/sobjects/Opportunity/{id}"),
            json!({"IsWon": false}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD_FOR_INSERT_UPDATE")
    );

    let contact = org.query("SELECT Id FROM Contact LIMIT 1").await["records"][0]["Id"].clone();
    let (status, _) = org
        .post(
            "/sobjects/OpportunityContactRole/",
            json!({"OpportunityId": id, "ContactId": contact, "Role": "Evaluator"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let roles = org.query(&format!("SELECT Id, (SELECT Contact.Email, Role FROM OpportunityContactRoles) FROM Opportunity WHERE Id = '{id}'")).await;
    assert_eq!(
        roles["records"][0]["OpportunityContactRoles"]["records"][0]["Role"],
        "Evaluator"
    );
}

#[tokio::test]
async fn assignment_rule_runs_on_update_unless_told_not_to() {
    let org = Org::start().await;
    let admin = org.sim.admin_user_id();
    let carol = org
        .query("SELECT Id FROM User WHERE Email = 'carol@example.com'")
        .await["records"][0]["Id"]
        .clone();
    let (status, case) = send(
        org.req(reqwest::Method::POST, "/sobjects/Case/")
            .header("Sforce-Auto-Assign", "FALSE")
            .json(&json!({"Subject": "Kept", "OwnerId": admin})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    let owner = |org: &Org| org.sim.record(&id).unwrap()["OwnerId"].clone();
    assert_eq!(owner(&org), json!(admin));

    // Absent header on update means TRUE: the active rule routes the case to support.
    let (status, body) = org
        .patch(
            &format!("/sobjects/Case/{id}"),
            json!({"Subject": "Edited"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(owner(&org), carol);

    // FALSE keeps the owner the caller gives.
    let (status, body) = send(
        org.req(reqwest::Method::PATCH, &format!("/sobjects/Case/{id}"))
            .header("Sforce-Auto-Assign", "FALSE")
            .json(&json!({"OwnerId": admin})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(owner(&org), json!(admin));

    // A person editing in the UI does not re-run assignment unless they tick the box.
    let ui = format!("{}/__sim/ui/Case/{id}", org.sim.url());
    let r = org
        .http
        .patch(&ui)
        .json(&json!({"fields": {"Subject": "Edited in the UI"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(owner(&org), json!(admin));
    let r = org
        .http
        .patch(&ui)
        .json(&json!({"assign": true, "fields": {"Subject": "Reassigned in the UI"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(owner(&org), carol);
}

#[tokio::test]
async fn collections_update_and_upsert() {
    let org = Org::start().await;
    let (_, created) = org
        .post(
            "/composite/sobjects",
            json!({"records": [
                {"attributes": {"type": "Account"}, "Name": "Coll A"},
                {"attributes": {"type": "Account"}, "Name": "Coll B"},
            ]}),
        )
        .await;
    let a = created[0]["id"].as_str().unwrap().to_owned();
    let b = created[1]["id"].as_str().unwrap().to_owned();

    let (status, results) = org
        .patch(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "id": a, "Name": "Coll A2"},
                {"attributes": {"type": "Account"}, "id": b, "Health_Score__c": 5},
                {"attributes": {"type": "Account"}, "Name": "No id"},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(results[1]["success"], false);
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    );
    assert_eq!(results[2]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    assert_eq!(org.sim.record(&a).unwrap()["Name"], "Coll A2");
    assert_eq!(org.sim.record(&b).unwrap()["Name"], "Coll B");

    // allOrNone: one bad record rolls the good one back.
    let (_, results) = org
        .patch(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Account"}, "id": a, "Name": "Never"},
                {"attributes": {"type": "Account"}, "id": b, "Health_Score__c": 5},
            ]}),
        )
        .await;
    assert_eq!(
        results[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(org.sim.record(&a).unwrap()["Name"], "Coll A2");

    let path = "/composite/sobjects/Contact/Intercom_Contact_Id__c";
    let (status, results) = org
        .patch(
            path,
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Contact"}, "Intercom_Contact_Id__c": "ic-coll-1", "LastName": "One", "Email": "one@coll.example.com"},
                {"attributes": {"type": "Contact"}, "Intercom_Contact_Id__c": "ic-coll-2", "LastName": "Two", "Email": "two@coll.example.com"},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (results[0]["created"].clone(), results[1]["created"].clone()),
        (json!(true), json!(true)),
        "{results}"
    );
    let first = results[0]["id"].as_str().unwrap().to_owned();

    let (_, results) = org
        .patch(
            path,
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Contact"}, "Intercom_Contact_Id__c": "ic-coll-1", "Title": "Updated"},
                {"attributes": {"type": "Contact"}, "Intercom_Contact_Id__c": "ic-coll-3", "LastName": "Three"},
                {"attributes": {"type": "Contact"}, "Intercom_Contact_Id__c": "ic-coll-dup", "LastName": "Dup A"},
                {"attributes": {"type": "Contact"}, "Intercom_Contact_Id__c": "ic-coll-dup", "LastName": "Dup B"},
            ]}),
        )
        .await;
    assert_eq!(
        results[0],
        json!({"id": first, "success": true, "errors": [], "created": false})
    );
    assert_eq!(org.sim.record(&first).unwrap()["Title"], "Updated");
    assert_eq!(
        (results[1]["success"].clone(), results[1]["created"].clone()),
        (json!(true), json!(true))
    );
    // The same external id twice in one request: both refused, neither created.
    for dup in &results.as_array().unwrap()[2..] {
        assert_eq!(dup["success"], false);
        assert_eq!(dup["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID");
        assert_eq!(
            dup["errors"][0]["message"],
            "Duplicate external id specified: ic-coll-dup"
        );
        assert_eq!(
            dup["errors"][0]["fields"],
            json!(["Intercom_Contact_Id__c"])
        );
    }
    let dups = org
        .query("SELECT Id FROM Contact WHERE Intercom_Contact_Id__c = 'ic-coll-dup'")
        .await;
    assert_eq!(dups["totalSize"], 0);

    let (status, body) = org
        .patch(
            "/composite/sobjects/Contact/Nope__c",
            json!({"records": [{"attributes": {"type": "Contact"}, "LastName": "x"}]}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

#[tokio::test]
async fn composite_takes_at_most_25_subrequests() {
    let org = Org::start().await;
    let subrequests = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": format!("r{i}")}))
            .collect()
    };
    let (status, body) = org
        .post("/composite", json!({"compositeRequest": subrequests(25)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["compositeResponse"].as_array().unwrap().len(), 25);
    let calls = org.sim.api_calls();
    let (status, body) = org
        .post("/composite", json!({"compositeRequest": subrequests(26)}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert_eq!(
        body[0]["message"],
        "Composite request may contain at most 25 subrequests"
    );
    assert_eq!(
        org.sim.api_calls(),
        calls + 1,
        "a refused composite runs none of its subrequests"
    );
}

#[tokio::test]
async fn upsert_by_an_unknown_record_id_is_not_found() {
    let org = Org::start().await;
    let (status, body) = org
        .patch(
            "/sobjects/Contact/Id/003000000000000AAA",
            json!({"LastName": "Ghost"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let ghosts = org
        .query("SELECT Id FROM Contact WHERE LastName = 'Ghost'")
        .await;
    assert_eq!(ghosts["totalSize"], 0, "nothing was created");
}

#[tokio::test]
async fn limit_info_is_on_error_answers_too() {
    let org = Org::start().await;
    let resp = org
        .req(reqwest::Method::GET, "/sobjects/Contact/003000000000000AAA")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()["sforce-limit-info"], "api-usage=1/15000");
    let resp = org
        .http
        .get(org.url("/limits/"))
        .bearer_auth("not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let info = resp.headers()["sforce-limit-info"].to_str().unwrap();
    assert!(info.starts_with("api-usage="), "{info}");
}

#[tokio::test]
async fn rate_and_latency_faults() {
    let org = Org::start().await;
    let faults = format!("{}/__sim/faults", org.sim.url());
    let r = org
        .http
        .post(&faults)
        .json(&json!({"kind": "500", "rate": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for _ in 0..5 {
        let (status, body) = org.get("/limits/").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN_EXCEPTION")
        );
    }
    let r = org.http.delete(&faults).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = org.get("/limits/").await;
    assert_eq!(status, StatusCode::OK, "cleared faults stop");

    let injected = std::time::Duration::from_millis(300);
    org.http
        .post(&faults)
        .json(&json!({"kind": "latency", "latencyMs": 300, "next": 1}))
        .send()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (status, _) = org.get("/limits/").await;
    assert_eq!(status, StatusCode::OK, "latency delays but does not fail");
    assert!(
        started.elapsed() >= injected,
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn organization_is_queryable_describable_and_read_only() {
    let org = Org::start().await;
    let org_id = org.sim.org_id();
    assert_eq!(org_id, "00D5g0000000001EAA");

    let body = org
        .query(
            "SELECT Id, Name, DefaultCurrencyIsoCode, IsSandbox, OrganizationType, InstanceName, \
             LanguageLocaleKey, TimeZoneSidKey FROM Organization",
        )
        .await;
    assert_eq!(body["totalSize"], 1);
    let record = &body["records"][0];
    assert_eq!(record["attributes"]["type"], "Organization");
    assert_eq!(
        record["attributes"]["url"],
        format!("/services/data/v62.0/sobjects/Organization/{org_id}")
    );
    assert_eq!(record["Id"], org_id.as_str());
    assert_eq!(record["Name"], "Acme Demo Org");
    assert_eq!(record["DefaultCurrencyIsoCode"], "USD");
    assert_eq!(record["IsSandbox"], false);
    assert_eq!(record["OrganizationType"], "Enterprise Edition");
    assert_eq!(record["InstanceName"], "SIM1");
    assert_eq!(record["LanguageLocaleKey"], "en_US");
    assert_eq!(record["TimeZoneSidKey"], "America/Los_Angeles");
    let filtered = org
        .query("SELECT Id FROM Organization WHERE IsSandbox = false AND DefaultCurrencyIsoCode = 'USD'")
        .await;
    assert_eq!(filtered["totalSize"], 1);

    let (status, read) = org.get(&format!("/sobjects/Organization/{org_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["Id"], org_id.as_str());
    assert_eq!(read["OrganizationType"], "Enterprise Edition");
    assert!(
        read["CreatedDate"]
            .as_str()
            .is_some_and(|d| d.ends_with("+0000"))
    );

    let (status, describe) = org.get("/sobjects/Organization/describe").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(describe["keyPrefix"], "00D");
    assert_eq!(describe["createable"], false);
    assert_eq!(describe["updateable"], false);
    assert_eq!(describe["deletable"], false);
    assert_eq!(describe["queryable"], true);
    let field = |name: &str| {
        describe["fields"]
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("Organization describes {name}"))
    };
    for (name, ty) in [
        ("Id", "id"),
        ("Name", "string"),
        ("DefaultCurrencyIsoCode", "picklist"),
        ("IsSandbox", "boolean"),
        ("OrganizationType", "picklist"),
        ("InstanceName", "string"),
        ("LanguageLocaleKey", "picklist"),
        ("TimeZoneSidKey", "picklist"),
    ] {
        let f = field(name);
        assert_eq!(f["type"], ty, "{name}");
        assert_eq!(f["createable"], false, "{name}");
        assert_eq!(f["updateable"], false, "{name}");
    }
    let currencies = field("DefaultCurrencyIsoCode")["picklistValues"].clone();
    assert!(
        currencies
            .as_array()
            .is_some_and(|values| values.iter().any(|v| v["value"] == "USD")),
        "{currencies}"
    );
    let (status, global) = org.get("/sobjects").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        global["sobjects"]
            .as_array()
            .is_some_and(|objects| objects.iter().any(|o| o["name"] == "Organization"))
    );

    let (status, body) = org
        .post("/sobjects/Organization", json!({"Name": "Another"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body), "INVALID_TYPE");
    let (status, body) = org
        .patch(
            &format!("/sobjects/Organization/{org_id}"),
            json!({"Name": "Renamed"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body), "INVALID_TYPE");
    let unchanged = org.query("SELECT Name FROM Organization").await;
    assert_eq!(unchanged["records"][0]["Name"], "Acme Demo Org");
}

#[tokio::test]
async fn an_admin_s_validation_rule_and_a_locked_row_refuse_as_salesforce_does() {
    let org = Org::start().await;
    // Added through the control surface, as an admin adds a rule in Setup.
    let rule = json!({"object": "Lead", "field": "Company", "values": ["[not provided]", ""],
                      "message": "Leads need a real company.", "at_field": true});
    let response = org
        .http
        .post(format!("{}/__sim/validation-rules", org.sim.url()))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let lead = |company: &str| {
        json!({"attributes": {"type": "Lead"}, "LastName": "Rule", "Company": company,
               "Region__c": "EMEA", "Email": format!("{}@rule.example", company.len())})
    };
    // REST: the error array, `errorCode`, the field the rule shows at.
    let (status, body) = org
        .post(
            "/sobjects/Lead/",
            json!({"LastName": "Rule", "Company": "[not provided]", "Region__c": "EMEA"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!([{"message": "Leads need a real company.",
                "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "fields": ["Company"]}])
    );
    // Collections: each record's own result, `statusCode`; the others are written.
    let (status, results) = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [lead("[not provided]"), lead("Initech")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results[0]["success"], false);
    assert_eq!(
        results[0]["errors"],
        json!([{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "message": "Leads need a real company.", "fields": ["Company"]}])
    );
    assert_eq!(results[1]["success"], true);
    // An update leaving the record so is refused too.
    let id = results[1]["id"].as_str().unwrap();
    let (status, body) = org
        .patch(
            &format!("/sobjects/Lead/{id}"),
            json!({"Company": "[not provided]"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "FIELD_CUSTOM_VALIDATION_EXCEPTION");
    org.sim.clear_validation_rules();
    let (status, _) = org
        .post(
            "/sobjects/Lead/",
            json!({"LastName": "Rule", "Company": "[not provided]", "Region__c": "EMEA"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // A row held by another transaction: the next write's own result, then it passes.
    let response = org
        .http
        .post(format!("{}/__sim/locked-writes", org.sim.url()))
        .json(&json!({"next": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let update = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Lead"}, "id": id, "Title": "Locked"},
    ]});
    let (status, results) = send(
        org.req(reqwest::Method::PATCH, "/composite/sobjects")
            .json(&update),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results[0]["success"], false);
    assert_eq!(results[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(
        results[0]["errors"][0]["message"],
        format!("unable to obtain exclusive access to this record or 1 records: {id}")
    );
    let (status, results) = send(
        org.req(reqwest::Method::PATCH, "/composite/sobjects")
            .json(&update),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results[0]["success"], true, "{results}");
    assert_eq!(org.sim.record(id).unwrap()["Title"], "Locked");
}
