//! The Intercom simulator's REST API over real HTTP: auth, versions, rate limits, shapes,
//! contacts, companies, conversations, admins, teams, tags, data attributes.

mod intercom_support;

use intercom_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim::intercom::{Config, Fault, FaultKind};

#[tokio::test]
async fn requests_without_the_token_get_unauthorized() {
    let t = start().await;
    let resp = t
        .http
        .get(format!("{}/contacts", t.sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("x-ratelimit-limit"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "unauthorized");
    assert_eq!(body["errors"][0]["message"], "Access Token Invalid");
    assert!(body["request_id"].is_string());

    let resp = t
        .http
        .get(format!("{}/me", t.sim.url()))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn intercom_version_header_is_checked() {
    let t = start().await;
    let resp = t
        .http
        .get(format!("{}/me", t.sim.url()))
        .bearer_auth(t.sim.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "2.11 is the default");
    assert_eq!(resp.headers()["intercom-version"], "2.11");
    let resp = t
        .http
        .get(format!("{}/me", t.sim.url()))
        .bearer_auth(t.sim.access_token())
        .header("Intercom-Version", "9.99")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // An unknown version is refused in the default one.
    assert_eq!(resp.headers()["intercom-version"], "2.11");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "intercom_version_invalid");
}

#[tokio::test]
async fn rate_limit_headers_and_429_when_the_window_is_spent() {
    // 60 a minute is 10 per 10-second window.
    let t = start_with(Config {
        rate_limit_per_minute: 60,
        ..Config::default()
    })
    .await;
    let resp = t.request(Method::GET, "/me").send().await.unwrap();
    let h = resp.headers();
    assert_eq!(h["x-ratelimit-limit"], "60");
    let remaining: u64 = h["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let reset: i64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert!(remaining < 10);
    let now = chrono::Utc::now().timestamp();
    assert!(
        reset > now - 1 && reset <= now + 10,
        "reset is unix seconds at the window's end"
    );
    let mut limited = None;
    for _ in 0..25 {
        let resp = t.request(Method::GET, "/me").send().await.unwrap();
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("a 429 within 25 calls at 10 per window");
    let h = resp.headers();
    assert_eq!(h["x-ratelimit-limit"], "60");
    assert_eq!(
        h["x-ratelimit-remaining"], "0",
        "the 429 says the window is spent"
    );
    let reset: i64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(reset >= now && reset <= now + 10, "wait until {reset}");
    assert_eq!(h["intercom-version"], "2.11");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "rate_limit_exceeded");
    assert_eq!(
        body["errors"][0]["message"], "Exceeded rate limit of 60 in 60 seconds",
        "the message names the configured limit"
    );
}

#[tokio::test]
async fn the_gates_own_errors_carry_the_version_and_rate_headers() {
    let t = start_with(Config {
        rate_limit_per_minute: 600,
        ..Config::default()
    })
    .await;
    // No token: 401 in the default version.
    let resp = t
        .http
        .get(format!("{}/me", t.sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["intercom-version"], "2.11");
    // A bad token with a known version: 401 in that version.
    let resp = t
        .http
        .get(format!("{}/me", t.sim.url()))
        .bearer_auth("wrong")
        .header("Intercom-Version", "2.10")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["intercom-version"], "2.10");

    t.sim.inject_fault(Fault::next(1, FaultKind::Status(503)));
    let resp = t.request(Method::GET, "/me").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["intercom-version"], "2.11");
    assert_eq!(resp.headers()["x-ratelimit-limit"], "600");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "server_error");

    // An injected 429 comes while the real window still has room, yet says it is spent.
    t.sim.inject_fault(Fault::next(1, FaultKind::RateLimited));
    let resp = t.request(Method::GET, "/me").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let h = resp.headers();
    assert_eq!(h["intercom-version"], "2.11");
    assert_eq!(h["x-ratelimit-limit"], "600");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert!(h.contains_key("x-ratelimit-reset"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "rate_limit_exceeded");
    assert_eq!(
        body["errors"][0]["message"],
        "Exceeded rate limit of 600 in 60 seconds"
    );
    let resp = t.request(Method::GET, "/me").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the fault was for one call");
    let remaining: u64 = resp.headers()["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(remaining > 0, "the real window was not spent");
}

#[tokio::test]
async fn me_admins_and_teams_have_real_shapes() {
    let t = start().await;
    let me = t.get("/me").await;
    assert_eq!(me["type"], "admin");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["app"]["id_code"], t.sim.workspace_id());
    let admins = t.get("/admins").await;
    assert_eq!(admins["type"], "admin.list");
    let emails: Vec<&str> = admins["admins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "alice@example.com",
            "bob@example.com",
            "carol@example.com",
            "dave@example.com"
        ]
    );
    for a in admins["admins"].as_array().unwrap() {
        assert!(is_numeric_string(&a["id"]), "{a}");
        assert_eq!(a["has_inbox_seat"], true);
        assert!(a["team_ids"].is_array());
    }
    let one = t
        .get(&format!("/admins/{}", t.sim.installer_admin_id()))
        .await;
    assert_eq!(one["name"], "Alice Anders");
    let (status, body) = t.call(Method::GET, "/admins/1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "admin_not_found");
    let teams = t.get("/teams").await;
    assert_eq!(teams["type"], "team.list");
    assert_eq!(teams["teams"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn demo_contacts_have_real_id_and_time_styles() {
    let t = start().await;
    let page = t.get("/contacts?per_page=150").await;
    assert_eq!(page["type"], "list");
    let data = page["data"].as_array().unwrap();
    assert_eq!(page["total_count"].as_u64().unwrap() as usize, data.len());
    assert!(data.iter().any(|c| c["role"] == "lead"));
    for c in data {
        assert!(is_hex24(&c["id"]), "{c}");
        assert!(
            c["created_at"].is_i64() && c["updated_at"].is_i64(),
            "unix seconds: {c}"
        );
        assert!(
            c["owner_id"].is_null() || c["owner_id"].is_u64(),
            "integer owner id: {c}"
        );
        assert_eq!(c["workspace_id"], t.sim.workspace_id());
        assert_eq!(c["tags"]["type"], "list");
        assert_eq!(c["companies"]["type"], "list");
    }
    let rose = data
        .iter()
        .find(|c| c["email"] == "maya.patel@globex.example.com")
        .unwrap();
    assert_eq!(rose["external_id"], "u-1001");
    assert_eq!(rose["owner_id"], json!(991_267_401u64));
    assert_eq!(rose["companies"]["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn contact_lifecycle_with_conflict_archive_and_delete() {
    let t = start().await;
    let created = t
        .post("/contacts", json!({"role": "user", "external_id": "ext-1", "email": "new@example.org", "name": "New Person"}))
        .await;
    assert!(is_hex24(&created["id"]));
    assert_eq!(created["role"], "user");
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, body) = t
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"role": "user", "email": "NEW@example.org"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "conflict");
    assert_eq!(
        body["errors"][0]["message"],
        format!("A contact matching those details already exists with id={id}")
    );
    let (status, _) = t
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"role": "user", "external_id": "ext-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Leads may share an email with a user.
    t.post(
        "/contacts",
        json!({"role": "lead", "email": "new@example.org"}),
    )
    .await;
    let (status, body) = t
        .call(Method::POST, "/contacts", Some(json!({"name": "nobody"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let got = t.get(&format!("/contacts/{id}")).await;
    assert_eq!(got["name"], "New Person");
    let updated = t
        .put(
            &format!("/contacts/{id}"),
            json!({"name": "Renamed", "phone": "+44 20 7946 0000"}),
        )
        .await;
    assert_eq!(updated["name"], "Renamed");
    assert!(updated["updated_at"].as_i64() >= got["updated_at"].as_i64());

    let listed = t.get("/contacts").await["total_count"].as_u64().unwrap();
    let archived = t.post(&format!("/contacts/{id}/archive"), json!({})).await;
    assert_eq!(
        t.get("/contacts").await["total_count"],
        listed - 1,
        "archived contacts are not listed"
    );
    t.post(&format!("/contacts/{id}/archive"), json!({})).await;
    assert_eq!(
        t.get("/contacts").await["total_count"],
        listed - 1,
        "archiving twice counts once"
    );
    assert_eq!(
        archived,
        json!({"id": id, "external_id": "ext-1", "type": "contact", "archived": true})
    );
    let search = t
        .post(
            "/contacts/search",
            json!({"query": {"field": "external_id", "operator": "=", "value": "ext-1"}}),
        )
        .await;
    assert_eq!(
        search["total_count"], 0,
        "archived contacts are not searchable"
    );
    let unarchived = t
        .post(&format!("/contacts/{id}/unarchive"), json!({}))
        .await;
    assert_eq!(unarchived["archived"], false);
    assert_eq!(t.get("/contacts").await["total_count"], listed);

    let deleted = t.delete(&format!("/contacts/{id}")).await;
    assert_eq!(
        deleted,
        json!({"id": id, "external_id": "ext-1", "type": "contact", "deleted": true})
    );
    let (status, body) = t.call(Method::GET, &format!("/contacts/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    // The email is free again.
    t.post(
        "/contacts",
        json!({"role": "user", "email": "new@example.org"}),
    )
    .await;
}

#[tokio::test]
async fn contacts_list_in_cursor_pages() {
    let t = start().await;
    let total = t.get("/contacts").await["total_count"].as_u64().unwrap() as usize;
    let mut seen = Vec::new();
    let mut path = "/contacts?per_page=5".to_owned();
    let mut pages = 0;
    loop {
        let page = t.get(&path).await;
        pages += 1;
        assert_eq!(page["pages"]["page"], pages);
        assert_eq!(page["pages"]["per_page"], 5);
        assert_eq!(page["pages"]["total_pages"], total.div_ceil(5));
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match page["pages"].get("next") {
            Some(next) => {
                assert_eq!(next["per_page"], 5);
                path = format!(
                    "/contacts?per_page=5&starting_after={}",
                    next["starting_after"].as_str().unwrap()
                );
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), total, "no contact twice");
    let (status, _) = t.call(Method::GET, "/contacts?per_page=151", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_supports_every_operator_nesting_and_custom_attributes() {
    let t = start().await;
    let count = |q: Value| {
        let t = &t;
        async move {
            t.post("/contacts/search", json!({"query": q})).await["total_count"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(
        count(json!({"field": "email", "operator": "=", "value": "maya.patel@globex.example.com"}))
            .await,
        1
    );
    assert_eq!(
        count(json!({"field": "email", "operator": "$", "value": ".example.com"})).await,
        16,
        "11 Salesforce-matching users, Priya and 4 leads"
    );
    assert_eq!(
        count(json!({"field": "email", "operator": "^", "value": "maya."})).await,
        1
    );
    assert_eq!(
        count(json!({"field": "name", "operator": "~", "value": "haddad"})).await,
        1
    );
    let all = count(json!({"field": "role", "operator": "IN", "value": ["user", "lead"]})).await;
    let leads = count(json!({"field": "role", "operator": "=", "value": "lead"})).await;
    assert_eq!(leads, 5);
    assert_eq!(
        count(json!({"field": "role", "operator": "!=", "value": "lead"})).await,
        all - leads
    );
    assert_eq!(
        count(json!({"field": "role", "operator": "NIN", "value": ["lead"]})).await,
        all - leads
    );
    assert_eq!(
        count(json!({"field": "email", "operator": "!~", "value": "@"})).await,
        0
    );
    assert_eq!(
        count(json!({"field": "created_at", "operator": ">", "value": 0})).await,
        all
    );
    assert_eq!(
        count(json!({"field": "created_at", "operator": "<", "value": 0})).await,
        0
    );
    let gold =
        count(json!({"field": "custom_attributes.plan_tier", "operator": "=", "value": "gold"}))
            .await;
    assert!(gold > 0);
    let nested = json!({"operator": "AND", "value": [
        {"field": "custom_attributes.plan_tier", "operator": "=", "value": "gold"},
        {"operator": "OR", "value": [
            {"field": "email", "operator": "$", "value": "@globex.example.com"},
            {"field": "email", "operator": "$", "value": "@umbrella.example.com"},
        ]},
    ]});
    let n = count(nested).await;
    assert!(n >= 1 && n < gold + 1);

    let (status, body) = t
        .call(
            Method::POST,
            "/contacts/search",
            Some(
                json!({"query": {"field": "custom_attributes.nope", "operator": "=", "value": 1}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_invalid");

    // Pagination through search results.
    let q = json!({"field": "role", "operator": "=", "value": "user"});
    let first = t
        .post(
            "/contacts/search",
            json!({"query": q, "pagination": {"per_page": 4}}),
        )
        .await;
    assert_eq!(first["data"].as_array().unwrap().len(), 4);
    let cursor = first["pages"]["next"]["starting_after"].as_str().unwrap();
    let second = t
        .post(
            "/contacts/search",
            json!({"query": q, "pagination": {"per_page": 4, "starting_after": cursor}}),
        )
        .await;
    assert_eq!(second["pages"]["page"], 2);
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let sorted = t
        .post(
            "/contacts/search",
            json!({"query": q, "sort": {"field": "email", "order": "descending"}}),
        )
        .await;
    let emails: Vec<&str> = sorted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    let mut expected = emails.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(emails, expected);
}

#[tokio::test]
async fn merging_a_lead_into_a_user() {
    let t = start().await;
    let lead = t
        .post(
            "/contacts",
            json!({"role": "lead", "email": "visitor@merge.example", "phone": "123"}),
        )
        .await;
    let user = t
        .post(
            "/contacts",
            json!({"role": "user", "external_id": "merge-1"}),
        )
        .await;
    let (status, _) = t
        .call(
            Method::POST,
            "/contacts/merge",
            Some(json!({"from": user["id"], "into": lead["id"]})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only leads merge into users"
    );
    let merged = t
        .post(
            "/contacts/merge",
            json!({"from": lead["id"], "into": user["id"]}),
        )
        .await;
    assert_eq!(merged["id"], user["id"]);
    assert_eq!(merged["email"], "visitor@merge.example");
    assert_eq!(merged["phone"], "123");
    let (status, _) = t
        .call(
            Method::GET,
            &format!("/contacts/{}", lead["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn contacts_attach_companies_and_tags() {
    let t = start().await;
    let contact = t
        .post("/contacts", json!({"email": "attach@example.org"}))
        .await;
    let cid = contact["id"].as_str().unwrap();
    let company = t
        .post(
            "/companies",
            json!({"company_id": "ATT-1", "name": "Attach Co"}),
        )
        .await;
    assert_eq!(company["user_count"], 0);
    let attached = t
        .post(
            &format!("/contacts/{cid}/companies"),
            json!({"id": company["id"]}),
        )
        .await;
    assert_eq!(attached["user_count"], 1);
    let list = t.get(&format!("/contacts/{cid}/companies")).await;
    assert_eq!(list["data"][0]["company_id"], "ATT-1");
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/contacts/{cid}/companies"),
            Some(json!({"id": "ffffffffffffffffffffffff"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "company_not_found");
    let detached = t
        .delete(&format!(
            "/contacts/{cid}/companies/{}",
            company["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(detached["user_count"], 0);

    let tag = t.post("/tags", json!({"name": "Beta tester"})).await;
    assert_eq!(tag["type"], "tag");
    assert!(is_numeric_string(&tag["id"]));
    let applied = t
        .post(&format!("/contacts/{cid}/tags"), json!({"id": tag["id"]}))
        .await;
    assert_eq!(applied["name"], "Beta tester");
    let got = t.get(&format!("/contacts/{cid}")).await;
    assert_eq!(got["tags"]["data"][0]["id"], tag["id"]);
    let tags = t.get("/tags").await;
    assert!(
        tags["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Beta tester")
    );
    t.delete(&format!(
        "/contacts/{cid}/tags/{}",
        tag["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(
        t.get(&format!("/contacts/{cid}/tags")).await["data"],
        json!([])
    );
}

#[tokio::test]
async fn companies_upsert_find_update_delete() {
    let t = start().await;
    let created = t
        .post(
            "/companies",
            json!({"company_id": "CX1", "name": "First", "plan": "Pro", "monthly_spend": 99.5}),
        )
        .await;
    assert!(is_hex24(&created["id"]));
    assert!(created["created_at"].is_i64());
    assert_eq!(created["plan"]["name"], "Pro");
    assert_eq!(created["tags"]["type"], "tag.list");
    let again = t
        .post(
            "/companies",
            json!({"company_id": "CX1", "name": "Renamed"}),
        )
        .await;
    assert_eq!(again["id"], created["id"], "upsert by company_id");
    assert_eq!(again["name"], "Renamed");
    let found = t.get("/companies?company_id=CX1").await;
    assert_eq!(found["type"], "list", "lookup by company_id answers a list");
    assert_eq!(found["data"][0]["id"], created["id"]);
    let (status, body) = t
        .call(Method::GET, "/companies?company_id=NOPE", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "company_not_found");
    let id = created["id"].as_str().unwrap();
    let updated = t
        .put(
            &format!("/companies/{id}"),
            json!({"industry": "Software", "custom_attributes": {"region": "EMEA"}}),
        )
        .await;
    assert_eq!(updated["industry"], "Software");
    assert_eq!(updated["custom_attributes"]["region"], "EMEA");
    let (status, _) = t
        .call(
            Method::PUT,
            &format!("/companies/{id}"),
            Some(json!({"company_id": "CX2"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "company_id cannot change");
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/companies/{id}"),
            Some(json!({"custom_attributes": {"shoe": 1}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_not_found");
    assert_eq!(t.get(&format!("/companies/{id}")).await["name"], "Renamed");
    let deleted = t.delete(&format!("/companies/{id}")).await;
    assert_eq!(
        deleted,
        json!({"id": id, "object": "company", "deleted": true})
    );
    let (status, _) = t.call(Method::GET, &format!("/companies/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn company_listing_leaves_out_companies_without_users_but_scroll_has_all() {
    let t = start().await;
    let list = t.get("/companies?per_page=50").await;
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["company_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"ACC-0006"));
    assert!(!ids.contains(&"ZZ000002"), "no users, so not listed");
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["user_count"].as_u64().unwrap() > 0)
    );

    let mut all = Vec::new();
    let first = t.get("/companies/scroll").await;
    let param = first["scroll_param"].as_str().unwrap().to_owned();
    all.extend(
        first["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["company_id"].as_str().unwrap().to_owned()),
    );
    let (status, _) = t.call(Method::GET, "/companies/scroll", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "one scroll at a time");
    loop {
        let page = t
            .get(&format!("/companies/scroll?scroll_param={param}"))
            .await;
        let data = page["data"].as_array().unwrap();
        if data.is_empty() {
            break;
        }
        all.extend(
            data.iter()
                .map(|c| c["company_id"].as_str().unwrap().to_owned()),
        );
    }
    assert!(all.contains(&"ZZ000002".to_owned()));
    assert_eq!(all.len(), 11);
    t.get("/companies/scroll").await;
}

#[tokio::test]
async fn data_attributes_follow_the_real_rules() {
    let t = start().await;
    let list = t.get("/data_attributes?model=contact").await;
    assert_eq!(list["type"], "list");
    let data = list["data"].as_array().unwrap();
    assert!(data.iter().all(|a| a["model"] == "contact"));
    let tier = data.iter().find(|a| a["name"] == "plan_tier").unwrap();
    assert_eq!(tier["full_name"], "custom_attributes.plan_tier");
    assert_eq!(tier["custom"], true);
    let email = data.iter().find(|a| a["name"] == "email").unwrap();
    assert_eq!(email["full_name"], "email");

    let made = t
        .post("/data_attributes", json!({"name": "Deal stage", "model": "contact", "data_type": "string", "description": "From Salesforce"}))
        .await;
    assert_eq!(made["full_name"], "custom_attributes.Deal stage");
    assert!(made["id"].is_u64());
    for (body, why) in [
        (
            json!({"name": "Deal stage", "model": "contact", "data_type": "string"}),
            "duplicate",
        ),
        (
            json!({"name": "a.b", "model": "contact", "data_type": "string"}),
            "dot in name",
        ),
        (
            json!({"name": "x", "model": "contact", "data_type": "money"}),
            "unknown type",
        ),
        (
            json!({"name": "x", "model": "ticket", "data_type": "string"}),
            "unknown model",
        ),
    ] {
        let (status, answer) = t.call(Method::POST, "/data_attributes", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
        assert_eq!(error_code(&answer), "parameter_invalid", "{why}");
    }
    let seats = t
        .post(
            "/data_attributes",
            json!({"name": "licences", "model": "contact", "data_type": "integer"}),
        )
        .await;
    assert_eq!(seats["data_type"], "integer");
    let c = t.post("/contacts", json!({"email": "attr@example.org", "custom_attributes": {"licences": 4, "Deal stage": "Won"}})).await;
    assert_eq!(c["custom_attributes"]["licences"], 4);
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/contacts/{}", c["id"].as_str().unwrap()),
            Some(json!({"custom_attributes": {"licences": "four"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_invalid");
}

#[tokio::test]
async fn demo_conversations_have_parts_html_and_images() {
    let t = start().await;
    let list = t.get("/conversations").await;
    assert_eq!(list["type"], "conversation.list");
    let convs = list["conversations"].as_array().unwrap();
    assert_eq!(convs.len(), 6);
    assert!(
        convs.iter().any(|c| c["state"] == "closed") && convs.iter().any(|c| c["state"] == "open")
    );
    for c in convs {
        assert!(is_numeric_string(&c["id"]), "{c}");
        assert!(c["admin_assignee_id"].is_null() || c["admin_assignee_id"].is_u64());
        assert!(c["created_at"].is_i64());
    }
    let with_image = convs
        .iter()
        .find(|c| !c["source"]["attachments"].as_array().unwrap().is_empty())
        .unwrap();
    let att = &with_image["source"]["attachments"][0];
    assert_eq!(att["type"], "upload");
    assert_eq!(att["content_type"], "image/png");
    assert!(att["width"].is_u64() && att["height"].is_u64());
    let inline = convs
        .iter()
        .find(|c| {
            c["source"]["body"]
                .as_str()
                .unwrap()
                .contains("<img src=\"https://downloads.intercomcdn.com/")
        })
        .unwrap();
    let full = t
        .get(&format!(
            "/conversations/{}",
            inline["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(full["conversation_parts"]["type"], "conversation_part.list");
    let closed = convs.iter().find(|c| c["state"] == "closed").unwrap();
    let full = t
        .get(&format!(
            "/conversations/{}",
            closed["id"].as_str().unwrap()
        ))
        .await;
    let parts = full["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap();
    assert_eq!(parts.last().unwrap()["part_type"], "close");
    assert!(parts.iter().all(|p| is_numeric_string(&p["id"])));
    let (status, body) = t.call(Method::GET, "/conversations/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}

#[tokio::test]
async fn conversation_replies_notes_and_state_changes() {
    let t = start().await;
    let contact = t.contact_id("zed@unmatched.example").await;
    let started = t
        .post(
            "/conversations",
            json!({"from": {"type": "user", "id": contact}, "body": "Hello there"}),
        )
        .await;
    assert_eq!(started["type"], "user_message");
    let id = started["conversation_id"].as_str().unwrap().to_owned();
    assert!(is_numeric_string(&json!(id)));
    let (status, body) = t
        .call(
            Method::POST,
            "/conversations",
            Some(json!({"from": {"type": "user", "id": "123_doesnt_exist"}, "body": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errors"][0]["message"], "User Not Found");

    let bob = 991_267_402u64;
    let replied = t
        .post(&format!("/conversations/{id}/reply"), json!({"message_type": "comment", "type": "admin", "admin_id": bob, "body": "Hi Zed", "attachment_urls": ["https://example.org/a.png"]}))
        .await;
    let last = |c: &Value| {
        c["conversation_parts"]["conversation_parts"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone()
    };
    assert_eq!(last(&replied)["body"], "<p>Hi Zed</p>");
    assert_eq!(last(&replied)["author"]["type"], "admin");
    assert_eq!(
        last(&replied)["attachments"][0]["content_type"],
        "image/png"
    );
    let user_reply = t
        .post(&format!("/conversations/{id}/reply"), json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": "Thanks"}))
        .await;
    assert_eq!(last(&user_reply)["author"]["type"], "user");
    let noted = t
        .post(&format!("/conversations/{id}/reply"), json!({"message_type": "note", "type": "admin", "admin_id": bob, "body": "<p>internal</p>"}))
        .await;
    assert_eq!(last(&noted)["part_type"], "note");
    let assigned = t
        .post(&format!("/conversations/{id}/parts"), json!({"message_type": "assignment", "type": "admin", "admin_id": bob, "assignee_id": 991_267_403u64}))
        .await;
    assert_eq!(assigned["admin_assignee_id"], json!(991_267_403u64));
    assert_eq!(last(&assigned)["assigned_to"]["id"], "991267403");
    let snoozed = t
        .post(&format!("/conversations/{id}/parts"), json!({"message_type": "snoozed", "admin_id": bob, "snoozed_until": chrono::Utc::now().timestamp() + 3600}))
        .await;
    assert_eq!(snoozed["state"], "snoozed");
    let closed = t
        .post(
            &format!("/conversations/{id}/parts"),
            json!({"message_type": "close", "type": "admin", "admin_id": bob, "body": "Goodbye"}),
        )
        .await;
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["open"], false);
    let opened = t
        .post(
            &format!("/conversations/{id}/parts"),
            json!({"message_type": "open", "admin_id": bob}),
        )
        .await;
    assert_eq!(opened["state"], "open");
    let (status, body) = t
        .call(
            Method::POST,
            &format!("/conversations/{id}/parts"),
            Some(json!({"message_type": "close", "admin_id": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "admin_not_found");

    let found = t
        .post(
            "/conversations/search",
            json!({"query": {"operator": "AND", "value": [
                {"field": "admin_assignee_id", "operator": "=", "value": 991_267_403u64},
                {"field": "state", "operator": "=", "value": "open"},
                {"field": "contact_ids", "operator": "=", "value": contact},
            ]}}),
        )
        .await;
    assert_eq!(found["type"], "conversation.list");
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["conversations"][0]["id"], json!(id));
}

#[tokio::test]
async fn admin_initiated_messages_start_conversations() {
    let t = start().await;
    let contact = t.contact_id("maya.patel@globex.example.com").await;
    let msg = t
        .post("/messages", json!({"message_type": "inapp", "body": "heyy", "from": {"type": "admin", "id": "991267401"}, "to": {"type": "user", "id": contact}}))
        .await;
    assert_eq!(msg["type"], "admin_message");
    let conv = t
        .get(&format!(
            "/conversations/{}",
            msg["conversation_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(conv["source"]["delivered_as"], "admin_initiated");
    assert_eq!(conv["source"]["author"]["type"], "admin");
}

#[tokio::test]
async fn unknown_routes_answer_not_found_in_error_list() {
    let t = start().await;
    let resp = t
        .request(Method::GET, "/nothing/here")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let h = resp.headers();
    assert_eq!(h["x-ratelimit-limit"], "10000");
    assert!(h.contains_key("x-ratelimit-remaining"));
    assert!(h.contains_key("x-ratelimit-reset"));
    assert_eq!(h["intercom-version"], "2.11");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "error.list");
    assert_eq!(error_code(&body), "not_found");
    assert_eq!(body["errors"][0]["message"], "Resource Not Found");
    let resp = t
        .request(Method::POST, "/contacts")
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn scale_seed_makes_n_contacts_in_realistic_proportions() {
    let t = start_with(Config {
        seed: sim::Seed::Scale(2_000),
        ..Config::default()
    })
    .await;
    assert_eq!(t.sim.contact_count(), 2_000);
    let users = t
        .post(
            "/contacts/search",
            json!({"query": {"field": "role", "operator": "=", "value": "user"}}),
        )
        .await;
    assert_eq!(users["total_count"], 1_400);
    let page = t.get("/contacts?per_page=150").await;
    assert_eq!(page["total_count"], 2_000);
    assert_eq!(page["pages"]["total_pages"], 14);
    let companies = t.get("/companies?per_page=50").await;
    assert_eq!(companies["total_count"], 20);
    assert_eq!(t.get("/conversations").await["total_count"], 2);
}

#[tokio::test]
async fn empty_seed_has_only_the_teammates() {
    let t = start_empty().await;
    assert_eq!(t.get("/contacts").await["total_count"], 0);
    assert_eq!(
        t.get("/admins").await["admins"].as_array().unwrap().len(),
        4
    );
    assert!(t.get("/contacts").await["pages"].get("next").is_none());
}

#[tokio::test]
async fn search_compares_dates_by_day() {
    let t = start().await;
    // Demo contacts were all created on 2026-01-05 (UTC).
    let day = 1_767_571_200i64; // 2026-01-05T00:00:00Z
    let count = |op: &str, value: i64| {
        let t = &t;
        let q = json!({"query": {"field": "created_at", "operator": op, "value": value}});
        async move {
            t.post("/contacts/search", q).await["total_count"]
                .as_u64()
                .unwrap()
        }
    };
    let all = count(">", 0).await;
    assert_eq!(count("=", day + 50_000).await, all, "same day");
    assert_eq!(count(">", day + 1).await, 0, "`>` starts from the next day");
    assert_eq!(count("<", day + 86_399).await, 0);
    assert_eq!(count("<", day + 86_400).await, all);
}

#[tokio::test]
async fn data_attributes_update_and_tags_find_and_delete() {
    let t = start().await;
    let made = t
        .post(
            "/data_attributes",
            json!({"name": "tier2", "model": "company", "data_type": "string"}),
        )
        .await;
    let id = made["id"].as_u64().unwrap();
    let archived = t
        .put(
            &format!("/data_attributes/{id}"),
            json!({"archived": true, "description": "old"}),
        )
        .await;
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["description"], "old");
    let listed = t.get("/data_attributes?model=company").await;
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["name"] != "tier2"),
        "archived are hidden by default"
    );
    let (status, body) = t
        .call(
            Method::PUT,
            "/data_attributes/999999",
            Some(json!({"archived": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "field_not_found");

    let tag = t.post("/tags", json!({"name": "Temporary"})).await;
    let tag_id = tag["id"].as_str().unwrap();
    let contact = t.contact_id("maya.patel@globex.example.com").await;
    t.post(&format!("/contacts/{contact}/tags"), json!({"id": tag_id}))
        .await;
    assert_eq!(t.get(&format!("/tags/{tag_id}")).await["name"], "Temporary");
    let (status, _) = t
        .call(Method::DELETE, &format!("/tags/{tag_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.call(Method::GET, &format!("/tags/{tag_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "tag_not_found");
    let tags = t.get(&format!("/contacts/{contact}/tags")).await;
    assert!(
        tags["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != tag_id)
    );
}

#[tokio::test]
async fn demo_seed_is_deterministic() {
    let (a, b) = (start().await, start().await);
    for path in [
        "/contacts?per_page=150",
        "/companies/scroll",
        "/conversations",
        "/admins",
        "/tags",
    ] {
        let (mut x, mut y) = (a.get(path).await, b.get(path).await);
        for v in [&mut x, &mut y] {
            if let Some(o) = v.as_object_mut() {
                o.remove("scroll_param");
            }
        }
        assert_eq!(x, y, "{path}");
    }
    assert_eq!(a.sim.access_token(), b.sim.access_token());
    assert_eq!(a.sim.client_secret(), b.sim.client_secret());
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_go_through_the_gate() {
    let t = start().await;
    // The token is checked first: an unknown route with a bad token is a 401, not a 404.
    let resp = t
        .http
        .get(format!("{}/nothing/here", t.sim.url()))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["intercom-version"], "2.11");
    assert!(resp.headers().contains_key("x-ratelimit-limit"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "unauthorized");

    // A known route with the wrong method: also 401 without the token.
    let resp = t
        .http
        .delete(format!("{}/me", t.sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = t.request(Method::DELETE, "/me").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(resp.headers().contains_key("x-ratelimit-remaining"));
    assert_eq!(resp.headers()["intercom-version"], "2.11");

    let (status, _) = t.call(Method::GET, "/nothing/here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let counts = t.sim.request_counts();
    assert_eq!(counts["GET (unknown route)"], 2);
    assert_eq!(counts["DELETE /me"], 2);
    assert_eq!(counts["total"], 4, "every call is counted, answered or not");
}
