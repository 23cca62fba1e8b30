//! Every recorded Salesforce response in `tests/fixtures/salesforce/` is parsed, and the
//! simulator's answer to the same request must have the same shape: status, keys, value types.

use std::collections::BTreeMap;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim::salesforce::{Config, SalesforceSim};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/salesforce")
}

fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// `ours` has every key of `recorded` (recursively, first array element), with the same JSON type
/// wherever both are non-null.
fn same_shape(recorded: &Value, ours: &Value, path: &str, problems: &mut Vec<String>) {
    match (recorded, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(r), Value::Object(o)) => {
            for (k, rv) in r {
                match o.get(k) {
                    Some(ov) => same_shape(rv, ov, &format!("{path}.{k}"), problems),
                    None => problems.push(format!("{path}.{k} missing")),
                }
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            if let (Some(rf), Some(of)) = (r.first(), o.first()) {
                same_shape(rf, of, &format!("{path}[0]"), problems);
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => {}
        (r, o) => problems.push(format!("{path}: recorded {r} but simulator sent {o}")),
    }
}

fn renamed(v: &Value, renames: &[(&str, &str)]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let k = renames
                        .iter()
                        .find(|(from, _)| from == k)
                        .map(|(_, to)| to.to_string())
                        .unwrap_or_else(|| k.clone());
                    (k, renamed(v, renames))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| renamed(x, renames)).collect()),
        other => other.clone(),
    }
}

/// The recorded org's `Whizbang` fields, read as Opportunity fields of the same types.
const WHIZBANG_AS_OPPORTUNITY: &[(&str, &str)] = &[
    ("Auto_Number", "Name"),
    ("Checkbox_Label", "IsWon"),
    ("Currency_Label", "Amount"),
    ("Date_Label", "CloseDate"),
    ("DateTime_Label", "CreatedDate"),
    ("OtherDateTime_Label", "LastModifiedDate"),
    ("Email_Label", "NextStep"),
    ("Number_Label", "Probability"),
    ("Percent_Label", "Probability"),
    ("Phone_Label", "NextStep"),
    ("Picklist_Label", "StageName"),
    ("Picklist_Multiselect_Label", "Type"),
    ("Text_Label", "Name"),
    ("TextArea_Label", "Description"),
    ("TextAreaLong_Label", "Description"),
    ("TextAreaRich_Label", "Description"),
    ("URL_Label", "NextStep"),
    ("ParentWhizbang__r", "Account"),
    ("Whizbangs__r", "OpportunityContactRoles"),
];

struct Check<'a> {
    sim: &'a SalesforceSim,
    http: reqwest::Client,
    problems: Vec<String>,
    checked: Vec<String>,
}

impl Check<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sim.url()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap()
            },
        )
    }
    async fn api(
        &mut self,
        name: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        self.api_with(name, method, path, body, status, &[]).await
    }
    async fn api_with(
        &mut self,
        name: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
        headers: &[(&str, &str)],
    ) -> Value {
        let token = self.sim.access_token();
        let (got, ours) = self.call(method, path, body, Some(&token), headers).await;
        self.compare(name, got, status, &ours);
        ours
    }
    async fn api_renamed(&mut self, name: &str, path: &str, renames: &[(&str, &str)]) {
        let token = self.sim.access_token();
        let (got, ours) = self.call(Method::GET, path, None, Some(&token), &[]).await;
        self.compare_renamed(name, got, 200, &ours, renames);
    }
    fn compare(&mut self, name: &str, got: StatusCode, status: u16, ours: &Value) {
        self.compare_renamed(name, got, status, ours, &[]);
    }
    /// As [`Check::compare`], reading the recorded org's custom fields as this org's fields of the same type.
    fn compare_renamed(
        &mut self,
        name: &str,
        got: StatusCode,
        status: u16,
        ours: &Value,
        renames: &[(&str, &str)],
    ) {
        if got.as_u16() != status {
            self.problems
                .push(format!("{name}: status {got}, expected {status}: {ours}"));
        }
        same_shape(
            &renamed(&fixture(name), renames),
            ours,
            name,
            &mut self.problems,
        );
        self.checked
            .push(name.rsplit('/').next().unwrap().to_owned());
    }
    async fn token(&mut self, name: &str, form: &[(&str, &str)], status: u16) -> Value {
        let resp = self
            .http
            .post(format!("{}/services/oauth2/token", self.sim.url()))
            .form(form)
            .send()
            .await
            .unwrap();
        let got = resp.status();
        let ours: Value = resp.json().await.unwrap();
        self.compare(name, got, status, &ours);
        ours
    }
}

/// Recorded responses to features the simulator does not offer (list views, recently viewed,
/// SOSL search, UI API object-info): parsed, but with nothing to compare against.
const NOT_SIMULATED: &[&str] = &[
    "sobject__list_view_results_success_response.json",
    "sobject__recent_success_response.json",
    "sobject__search_error_response.json",
    "sobject__search_success_response.json",
    "getObjectInfo.json",
];

#[tokio::test]
async fn simulator_answers_have_the_recorded_shapes() {
    // Enough rows for a query to page; the demo seed's named records are tested elsewhere.
    let sim = SalesforceSim::start(Config {
        seed: sim::Seed::Scale(1000),
        ..Config::default()
    })
    .await
    .unwrap();
    let mut c = Check {
        sim: &sim,
        http: reqwest::Client::new(),
        problems: Vec::new(),
        checked: Vec::new(),
    };
    let r = "restforce/";
    let v = "/services/data/v62.0";
    let (cid, secret) = (sim.client_id(), sim.client_secret());
    let password = [
        ("grant_type", "password"),
        ("client_id", cid.as_str()),
        ("client_secret", secret.as_str()),
        ("username", "alice@example.com.sfsim"),
        ("password", "sim-password"),
    ];
    c.token(&format!("{r}auth_success_response.json"), &password, 200)
        .await;
    c.token(&format!("{r}reauth_success_response.json"), &password, 200)
        .await;
    let mut wrong = password;
    wrong[4] = ("password", "nope");
    c.token(&format!("{r}auth_error_response.json"), &wrong, 400)
        .await;
    c.token(
        &format!("{r}refresh_error_response.json"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "old"),
            ("client_id", &cid),
        ],
        400,
    )
    .await;

    // A refresh token comes from the web-server flow.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .get(format!("{}/services/oauth2/authorize?response_type=code&client_id={cid}&redirect_uri=http://127.0.0.1:9/cb", sim.url()))
        .send().await.unwrap();
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = c
        .token(
            &format!("{r}auth_success_response.json"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("redirect_uri", "http://127.0.0.1:9/cb"),
            ],
            200,
        )
        .await;
    c.token(
        &format!("{r}refresh_success_response.json"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &cid),
            ("client_secret", &secret),
        ],
        200,
    )
    .await;

    let (status, ours) = c
        .call(Method::GET, &format!("{v}/limits"), None, Some("bad"), &[])
        .await;
    c.compare(
        &format!("{r}expired_session_response.json"),
        status,
        401,
        &ours,
    );
    let (status, ours) = c
        .call(Method::GET, "/services/data/", None, None, &[])
        .await;
    c.compare(
        &format!("{r}services_data_success_response.json"),
        status,
        200,
        &ours,
    );

    let created = c
        .api(
            &format!("{r}sobject__create_success_response.json"),
            Method::POST,
            &format!("{v}/sobjects/Account/"),
            Some(json!({"Name": "Fixture", "External_Id__c": "fx-1"})),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    c.api(
        &format!("{r}sobject__delete_error_response.json"),
        Method::DELETE,
        &format!("{v}/sobjects/Account/rid"),
        None,
        404,
    )
    .await;
    c.api(
        &format!("{r}sobject__describe_sobjects_success_response.json"),
        Method::GET,
        &format!("{v}/sobjects"),
        None,
        200,
    )
    .await;
    c.api(
        &format!("{r}sobject__list_sobjects_success_response.json"),
        Method::GET,
        &format!("{v}/sobjects/"),
        None,
        200,
    )
    .await;
    c.api(
        &format!("{r}sobject__sobject_describe_success_response.json"),
        Method::GET,
        &format!("{v}/sobjects/Case/describe"),
        None,
        200,
    )
    .await;
    c.api(
        &format!("{r}sobject__sobject_describe_error_response.json"),
        Method::GET,
        &format!("{v}/sobjects/Whizbang/describe"),
        None,
        404,
    )
    .await;
    c.api(
        &format!("{r}sobject__sobject_find_error_response.json"),
        Method::GET,
        &format!("{v}/sobjects/Account/23foo"),
        None,
        404,
    )
    .await;
    let token = sim.access_token();
    let (_, opp) = c
        .call(
            Method::GET,
            &format!("{v}/query?q=SELECT+Id+FROM+Opportunity+LIMIT+1"),
            None,
            Some(&token),
            &[],
        )
        .await;
    let opp = opp["records"][0]["Id"].as_str().unwrap().to_owned();
    c.api_renamed(
        &format!("{r}sobject__sobject_find_success_response.json"),
        &format!("{v}/sobjects/Opportunity/{opp}"),
        WHIZBANG_AS_OPPORTUNITY,
    )
    .await;
    c.api_renamed(
        &format!("{r}sobject__sobject_select_success_response.json"),
        &format!("{v}/sobjects/Account/External_Id__c/fx-1?fields=External_Id__c,Id"),
        &[("External_Field__c", "External_Id__c")],
    )
    .await;
    c.api(
        &format!("{r}sobject__upsert_created_success_response.json"),
        Method::PATCH,
        &format!("{v}/sobjects/Account/External_Id__c/fx-2"),
        Some(json!({"Name": "Upserted"})),
        201,
    )
    .await;
    c.api(
        &format!("{r}sobject__upsert_updated_success_response.json"),
        Method::PATCH,
        "/services/data/v45.0/sobjects/Account/External_Id__c/fx-2",
        Some(json!({"Name": "Again"})),
        204,
    )
    .await;
    c.api(
        &format!("{r}sobject__upsert_error_response.json"),
        Method::PATCH,
        &format!("{v}/sobjects/Account/Namez/x"),
        Some(json!({"Name": "x"})),
        404,
    )
    .await;
    for _ in 0..2 {
        c.api_with(
            &format!("{r}sobject__create_success_response.json"),
            Method::POST,
            &format!("{v}/sobjects/Contact/"),
            Some(json!({"LastName": "Twin", "Intercom_Contact_Id__c": "twin"})),
            201,
            &[("Sforce-Duplicate-Rule-Header", "allowSave=true")],
        )
        .await;
    }
    c.api(
        &format!("{r}sobject__upsert_multiple_error_response.json"),
        Method::PATCH,
        &format!("{v}/sobjects/Contact/Intercom_Contact_Id__c/twin"),
        Some(json!({"Title": "x"})),
        300,
    )
    .await;
    c.api(
        &format!("{r}sobject__write_error_response.json"),
        Method::PATCH,
        &format!("{v}/sobjects/Account/{id}"),
        Some(json!({"foo": 1})),
        400,
    )
    .await;

    let q = |s: &str| format!("{v}/query?q={}", urlencoding::encode(s));
    c.api(
        &format!("{r}sobject__org_query_response.json"),
        Method::GET,
        &q("SELECT Id FROM Organization"),
        None,
        200,
    )
    .await;
    c.api(
        &format!("{r}sobject__query_empty_response.json"),
        Method::GET,
        &q("SELECT Id FROM Account WHERE Name = 'none'"),
        None,
        200,
    )
    .await;
    c.api(
        &format!("{r}sobject__query_error_response.json"),
        Method::GET,
        &q("SELECT Nope FROM Account"),
        None,
        400,
    )
    .await;
    c.api_renamed(
        &format!("{r}sobject__query_aggregate_success_response.json"),
        &q("SELECT AccountId, COUNT(Id) FROM Contact GROUP BY AccountId"),
        &[("CampaignId", "AccountId")],
    )
    .await;
    c.api_renamed(&format!("{r}sobject__query_success_response.json"),
        &q("SELECT Id, IsWon, Name, CloseDate, CreatedDate, Type, Account.Name, (SELECT Id FROM OpportunityContactRoles) FROM Opportunity LIMIT 1"),
        WHIZBANG_AS_OPPORTUNITY).await;
    let token = sim.access_token();
    let (status, first) = c
        .call(
            Method::GET,
            &q("SELECT Id FROM Contact"),
            None,
            Some(&token),
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await;
    c.compare_renamed(
        &format!("{r}sobject__query_paginated_first_page_response.json"),
        status,
        200,
        &first,
        &[("Text_Label", "Id")],
    );
    let mut next = first["nextRecordsUrl"].as_str().map(str::to_owned);
    let mut last = Value::Null;
    while let Some(url) = next {
        let token = sim.access_token();
        let (_, page) = c.call(Method::GET, &url, None, Some(&token), &[]).await;
        next = page
            .get("nextRecordsUrl")
            .and_then(Value::as_str)
            .map(str::to_owned);
        last = page;
    }
    assert!(!last.is_null(), "the query was paged");
    c.compare_renamed(
        &format!("{r}sobject__query_paginated_last_page_response.json"),
        StatusCode::OK,
        200,
        &last,
        &[("Text_Label", "Id")],
    );

    // The replication endpoints keep 30 days: a window around the org's own clock holds the
    // account created above on any day the test runs.
    let now = sim.now();
    let stamp = |t: chrono::DateTime<chrono::Utc>| {
        urlencoding::encode(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)).into_owned()
    };
    let window = format!(
        "start={}&end={}",
        stamp(now - chrono::Duration::days(1)),
        stamp(now + chrono::Duration::days(1))
    );
    c.api(
        &format!("{r}sobject__get_updated_success_response.json"),
        Method::GET,
        &format!("{v}/sobjects/Account/updated/?{window}"),
        None,
        200,
    )
    .await;
    c.api(
        &format!("{r}sobject__get_deleted_success_response.json"),
        Method::GET,
        &format!("{v}/sobjects/Account/deleted/?{window}"),
        None,
        200,
    )
    .await;

    let master = "012000000000000AAA";
    c.api(
        "ui-api/getPicklistValues.json",
        Method::GET,
        &format!("{v}/ui-api/object-info/Account/picklist-values/{master}/Type"),
        None,
        200,
    )
    .await;
    c.api(
        "ui-api/getPicklistValuesByRecordType.json",
        Method::GET,
        &format!("{v}/ui-api/object-info/Account/picklist-values/{master}"),
        None,
        200,
    )
    .await;

    // Every recorded response was either compared or is knowingly out of scope.
    let mut all = BTreeMap::new();
    for dir in ["restforce", "ui-api"] {
        for entry in std::fs::read_dir(fixtures_dir().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".json") {
                fixture(&format!("{dir}/{name}"));
                all.insert(name, ());
            }
        }
    }
    let unchecked: Vec<&String> = all
        .keys()
        .filter(|n| !c.checked.contains(n) && !NOT_SIMULATED.contains(&n.as_str()))
        .collect();
    assert!(
        unchecked.is_empty(),
        "fixtures without a comparison: {unchecked:?}"
    );
    assert!(
        c.problems.is_empty(),
        "shape differences:\n{}",
        c.problems.join("\n")
    );
}
