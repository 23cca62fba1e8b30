//! Intercom's OAuth for public apps over real HTTP: the authorize page, approving as a chosen
//! teammate, the code exchange, `/me` for that teammate, the token on the rest of the API, the
//! refusals, and uninstalling.

mod intercom_support;

use std::time::Duration;

use intercom_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sim::intercom::{Config, IntercomSim};

const CALLBACK: &str = "http://127.0.0.1:9/oauth/intercom/callback";
const BOB: u64 = 991_267_402;

async fn start_app() -> IntercomSim {
    IntercomSim::start(Config {
        redirect_urls: vec![CALLBACK.into()],
        ..Config::default()
    })
    .await
    .expect("simulator starts")
}

/// A browser that does not follow redirects, so the test sees where Intercom sends it.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The query parameters of a 302's `Location`, after checking where it points.
fn redirected_to(resp: &reqwest::Response, target: &str) -> Vec<(String, String)> {
    assert_eq!(
        resp.status(),
        StatusCode::FOUND,
        "a redirect back to the app"
    );
    let location = resp.headers()["location"].to_str().expect("ascii");
    let url = url::Url::parse(location).expect("absolute URL");
    assert!(location.starts_with(target), "{location} goes to {target}");
    url.query_pairs().into_owned().collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Approves at once as `admin` (the headless way) and returns the code.
async fn code_for(sim: &IntercomSim, admin: u64) -> String {
    let url = format!("{}&sim_admin_id={admin}", sim.authorize_url("st", None));
    let resp = browser().get(url).send().await.expect("authorize");
    let params = redirected_to(&resp, CALLBACK);
    param(&params, "code").expect("a code").to_owned()
}

async fn exchange_form(sim: &IntercomSim, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/auth/eagle/token", sim.url()))
        .form(fields)
        .send()
        .await
        .expect("token endpoint answers");
    let status = resp.status();
    (status, resp.json().await.expect("JSON answer"))
}

async fn get_with(sim: &IntercomSim, token: &str, path: &str) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", sim.url()))
        .bearer_auth(token)
        .header("Intercom-Version", "2.11")
        .send()
        .await
        .expect("API answers");
    let status = resp.status();
    (status, resp.json().await.expect("JSON answer"))
}

#[tokio::test]
async fn a_teammate_authorizes_the_app_on_the_page_and_the_token_acts_for_them() {
    let sim = start_app().await;
    let http = browser();

    let page = http
        .get(sim.authorize_url("csrf-1", Some(CALLBACK)))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("Sfbridge Demo"), "{html}");
    assert!(html.contains("Bob Baker (bob@example.com)"), "{html}");
    assert!(html.contains(&format!("data-testid=\"approve-{BOB}\"")));

    // What the page's "Authorize as Bob Baker" button sends.
    let client_id = sim.client_id();
    let decided = http
        .post(format!("{}/oauth", sim.url()))
        .form(&[
            ("client_id", client_id.as_str()),
            ("state", "csrf-1"),
            ("redirect_uri", CALLBACK),
            ("admin_id", &BOB.to_string()),
        ])
        .send()
        .await
        .expect("decision");
    let params = redirected_to(&decided, CALLBACK);
    assert_eq!(param(&params, "state"), Some("csrf-1"));
    let code = param(&params, "code").expect("code").to_owned();

    let secret = sim.client_secret();
    let (status, answer) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["token_type"], "Bearer");
    let token = answer["access_token"].as_str().expect("access_token");
    assert_eq!(answer["token"], token);
    assert_ne!(token, sim.access_token(), "a token of its own");

    let (status, me) = get_with(&sim, token, "/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["type"], "admin");
    assert_eq!(me["id"], BOB.to_string());
    assert_eq!(me["email"], "bob@example.com");
    assert_eq!(me["name"], "Bob Baker");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["has_inbox_seat"], true);
    assert_eq!(me["avatar"]["type"], "avatar");
    let app = &me["app"];
    assert_eq!(app["type"], "app");
    assert_eq!(app["id_code"], sim.workspace_id());
    assert_eq!(app["name"], "Sfbridge Demo");
    for key in [
        "created_at",
        "secure",
        "identity_verification",
        "timezone",
        "region",
    ] {
        assert!(!app[key].is_null(), "app.{key} in {me}");
    }

    let (status, contacts) = get_with(&sim, token, "/contacts?per_page=2").await;
    assert_eq!(status, StatusCode::OK, "{contacts}");
    assert_eq!(contacts["type"], "list");
    assert_eq!(contacts["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(contacts["data"][0]["workspace_id"], sim.workspace_id());

    // The app's own token still acts for the teammate who created it.
    let (_, own) = get_with(&sim, &sim.access_token(), "/me").await;
    assert_eq!(own["id"], sim.installer_admin_id().to_string());
    assert!(sim.request_counts()["GET /me"] >= 2);
}

#[tokio::test]
async fn the_exchange_takes_json_and_the_first_redirect_url_is_the_default() {
    let sim = start_app().await;
    sim.add_redirect_url("https://sfbridge.example.com/oauth/intercom/callback")
        .expect("https is accepted");
    assert_eq!(
        sim.redirect_urls()[0],
        CALLBACK,
        "the first stays the default"
    );

    let code = code_for(&sim, BOB).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/auth/eagle/token", sim.url()))
        .json(&json!({"code": code, "client_id": sim.client_id(), "client_secret": sim.client_secret()}))
        .send()
        .await
        .expect("token endpoint");
    assert_eq!(resp.status(), StatusCode::OK);
    let answer: Value = resp.json().await.expect("json");
    let (_, me) = get_with(&sim, answer["token"].as_str().expect("token"), "/me").await;
    assert_eq!(me["email"], "bob@example.com");

    // The second redirect URL is used when asked for by name.
    let other = "https://sfbridge.example.com/oauth/intercom/callback";
    let url = format!(
        "{}&sim_admin_id={BOB}",
        sim.authorize_url("s2", Some(other))
    );
    let resp = browser().get(url).send().await.expect("authorize");
    let params = redirected_to(&resp, other);
    assert_eq!(param(&params, "state"), Some("s2"));
}

#[tokio::test]
async fn bad_authorize_requests_get_a_page_and_no_redirect() {
    let sim = start_app().await;
    let http = browser();
    let cases = [
        (
            format!("{}/oauth?state=s", sim.url()),
            "client_id is missing",
        ),
        (
            format!("{}/oauth?client_id=nope&state=s", sim.url()),
            "No app has the client_id",
        ),
        (
            sim.authorize_url("s", Some("https://evil.example/steal")),
            "is not one of the redirect URLs",
        ),
        (
            // Exact match only: a trailing slash is another URL.
            sim.authorize_url("s", Some(&format!("{CALLBACK}/"))),
            "is not one of the redirect URLs",
        ),
        (
            format!("{}&sim_admin_id=424242", sim.authorize_url("s", None)),
            "no workspace has a teammate with id 424242",
        ),
    ];
    for (url, problem) in cases {
        let resp = http.get(&url).send().await.expect("answer");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
        assert!(resp.headers().get("location").is_none(), "{url}");
        let html = resp.text().await.expect("html");
        assert!(html.contains(problem), "{url}: {html}");
    }

    let bare = IntercomSim::start(Config::default()).await.expect("starts");
    let resp = http
        .get(bare.authorize_url("s", None))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(
        resp.text()
            .await
            .expect("html")
            .contains("has no redirect URL")
    );
    assert!(
        bare.add_redirect_url("http://sfbridge.example.com/cb")
            .is_err(),
        "plain http only on a loopback host"
    );
}

#[tokio::test]
async fn a_teammate_who_cancels_sends_access_denied_back() {
    let sim = start_app().await;
    let http = browser();
    let client_id = sim.client_id();
    let cancelled = http
        .post(format!("{}/oauth", sim.url()))
        .form(&[
            ("client_id", client_id.as_str()),
            ("state", "s-cancel"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .expect("decision");
    let params = redirected_to(&cancelled, CALLBACK);
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("s-cancel"));
    assert_eq!(param(&params, "code"), None);

    let url = format!("{}&sim_decision=deny", sim.authorize_url("s-2", None));
    let params = redirected_to(&http.get(url).send().await.expect("answer"), CALLBACK);
    assert_eq!(param(&params, "error"), Some("access_denied"));
}

#[tokio::test]
async fn the_next_decision_can_be_set_beforehand() {
    let sim = start_app().await;
    let http = browser();

    sim.approve_next_as(BOB);
    let params = redirected_to(
        &http
            .get(sim.authorize_url("n1", None))
            .send()
            .await
            .expect("answer"),
        CALLBACK,
    );
    let code = param(&params, "code").expect("approved at once").to_owned();
    let (status, answer) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = get_with(&sim, answer["token"].as_str().expect("token"), "/me").await;
    assert_eq!(me["id"], BOB.to_string());

    // Used up: the next request shows the page again.
    let page = http
        .get(sim.authorize_url("n2", None))
        .send()
        .await
        .expect("answer");
    assert_eq!(page.status(), StatusCode::OK);

    let t = TestSim {
        sim,
        http: reqwest::Client::new(),
    };
    let (status, _) = t
        .control(
            reqwest::Method::POST,
            "/__sim/oauth/next",
            json!({"deny": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let params = redirected_to(
        &http
            .get(t.sim.authorize_url("n3", None))
            .send()
            .await
            .expect("answer"),
        CALLBACK,
    );
    assert_eq!(param(&params, "error"), Some("access_denied"));

    let (status, body) = t
        .control(
            reqwest::Method::POST,
            "/__sim/oauth/next",
            json!({"admin_id": "77"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = t
        .control(
            reqwest::Method::POST,
            "/__sim/oauth/next",
            json!({"admin_id": BOB.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let params = redirected_to(
        &http
            .get(t.sim.authorize_url("n4", None))
            .send()
            .await
            .expect("answer"),
        CALLBACK,
    );
    assert!(param(&params, "code").is_some());
}

#[tokio::test]
async fn bad_exchanges_are_refused_in_intercoms_shape() {
    let sim = start_app().await;
    let client_id = sim.client_id();
    let secret = sim.client_secret();

    let (status, body) = exchange_form(&sim, &[("client_id", &client_id)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_not_found");
    assert_eq!(body["errors"][0]["message"], "code is required");

    let code = code_for(&sim, BOB).await;
    let (status, body) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", &client_id),
            ("client_secret", "not-the-secret"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Client Secret")),
        "{body}"
    );
    let (status, body) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", "someone-else"),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // The app proves itself before the code is looked at, so the code is still good.
    let fields = [
        ("code", code.as_str()),
        ("client_id", &client_id),
        ("client_secret", &secret),
    ];
    let (status, _) = exchange_form(&sim, &fields).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = exchange_form(&sim, &fields).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a code is used once");
    assert_eq!(error_code(&body), "unauthorized");
    assert_eq!(
        body["errors"][0]["message"],
        "Authorization code not found or already used"
    );

    let (status, body) = exchange_form(
        &sim,
        &[
            ("code", "never-issued"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
}

#[tokio::test]
async fn a_code_not_exchanged_in_time_is_refused() {
    let sim = IntercomSim::start(Config {
        redirect_urls: vec![CALLBACK.into()],
        oauth_code_ttl: Duration::ZERO,
        ..Config::default()
    })
    .await
    .expect("starts");
    let code = code_for(&sim, BOB).await;
    let (status, body) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["message"], "Authorization code expired");
}

#[tokio::test]
async fn uninstalling_revokes_the_apps_tokens_until_it_is_authorized_again() {
    let sim = start_app().await;
    let mut hook = receiver::start().await;
    sim.subscribe_webhooks(
        &hook.url,
        &["contact.user.created", "conversation.user.created"],
    );
    let code = code_for(&sim, BOB).await;
    let (_, answer) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
        ],
    )
    .await;
    let token = answer["token"].as_str().expect("token").to_owned();

    let resp = reqwest::Client::new()
        .post(format!("{}/auth/uninstall", sim.url()))
        .bearer_auth(&token)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("uninstall");
    assert_eq!(resp.status(), StatusCode::OK);

    // Every token of the app in the workspace is gone, its own one included.
    for t in [token.as_str(), &sim.access_token()] {
        let (status, body) = get_with(&sim, t, "/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "token_revoked");
    }
    // The app hears nothing more from the workspace.
    sim.contact_starts_conversation(
        &sim.contact_id_by_email("maya.patel@globex.example.com")
            .expect("demo contact"),
        "<p>Anyone?</p>",
        vec![],
    )
    .expect("conversation");

    // Authorized again: a new token, and the subscription hears from the workspace again.
    let code = code_for(&sim, BOB).await;
    let (status, answer) = exchange_form(
        &sim,
        &[
            ("code", &code),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = answer["token"].as_str().expect("token");
    let resp = reqwest::Client::new()
        .post(format!("{}/contacts", sim.url()))
        .bearer_auth(token)
        .json(&json!({"role": "user", "email": "back@example.com"}))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status(), StatusCode::OK);
    // Deliveries keep their order, so the conversation started while the app was away would
    // have come first.
    let arrived = hook.next().await.json();
    assert_eq!(arrived["topic"], "contact.user.created");
    assert_eq!(arrived["data"]["item"]["email"], "back@example.com");
    assert_eq!(arrived["app_id"], sim.workspace_id());
}

#[tokio::test]
async fn redirect_urls_are_added_through_the_control_surface() {
    let t = start().await;
    let path = format!("/__sim/apps/{}/redirect_urls", t.sim.client_id());
    let (status, body) = t
        .control(
            reqwest::Method::POST,
            &path,
            json!({"url": "http://localhost:8080/oauth/intercom/callback"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["redirect_urls"],
        json!(["http://localhost:8080/oauth/intercom/callback"])
    );
    let (status, body) = t
        .control(
            reqwest::Method::POST,
            &path,
            json!({"url": "http://sfbridge.example.com/cb"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter_invalid");
    let (status, _) = t
        .control(
            reqwest::Method::POST,
            "/__sim/apps/nope/redirect_urls",
            json!({"url": "https://a.example/cb"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
