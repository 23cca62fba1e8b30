//! Several workspaces in one simulator, over real HTTP: each token sees only its own workspace;
//! one app installed in two workspaces through OAuth gets a token per workspace, and its
//! webhooks and Canvas Kit requests carry the right workspace, signed with its secret.

mod intercom_support;

use intercom_support::receiver;
use intercom_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim::Seed;
use sim::intercom::{Config, IntercomSim, IntercomWorkspace, hub_signature};

const CALLBACK: &str = "http://127.0.0.1:9/oauth/intercom/callback";
const MAYA: &str = "maya.patel@globex.example.com";

async fn start_two() -> (IntercomSim, IntercomWorkspace) {
    let sim = IntercomSim::start(Config {
        redirect_urls: vec![CALLBACK.into()],
        ..Config::default()
    })
    .await
    .expect("simulator starts");
    let second = sim.add_workspace(Seed::Demo).expect("second workspace");
    (sim, second)
}

async fn call(
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .header("Intercom-Version", "2.11");
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("API answers");
    let status = resp.status();
    (status, resp.json().await.expect("JSON answer"))
}

#[tokio::test]
async fn each_workspace_has_its_own_id_app_people_and_records() {
    let (sim, second) = start_two().await;
    assert_eq!(sim.workspace_id(), "sfbdemo1");
    assert_eq!(second.workspace_id(), "sfbdemo2");
    assert_eq!(second.url(), sim.url(), "one base URL");
    assert_ne!(second.access_token(), sim.access_token());
    assert_ne!(second.client_id(), sim.client_id());
    assert_ne!(second.client_secret(), sim.client_secret());
    assert_eq!(second.contact_count(), sim.contact_count(), "seeded alike");
    assert_eq!(sim.workspaces().len(), 2);
    assert_eq!(
        sim.workspace("sfbdemo2").map(|w| w.access_token()),
        Some(second.access_token())
    );

    let (_, me) = call(
        &second.url(),
        &second.access_token(),
        Method::GET,
        "/me",
        None,
    )
    .await;
    assert_eq!(me["app"]["id_code"], "sfbdemo2");
    assert_eq!(me["app"]["name"], "Sfbridge Demo 2");
    assert_eq!(me["email"], "alice@example.com", "the same people..");
    assert_eq!(me["id"], second.installer_admin_id().to_string());
    assert_ne!(
        second.installer_admin_id(),
        sim.installer_admin_id(),
        "..under other ids"
    );
    let first_ids: Vec<u64> = sim.teammates().iter().map(|t| t.id).collect();
    assert!(
        second
            .teammates()
            .iter()
            .all(|t| !first_ids.contains(&t.id))
    );

    // Same person, other record: no id is shared, and neither token reaches the other's.
    let ours = sim.contact_id_by_email(MAYA).expect("first");
    let theirs = second.contact_id_by_email(MAYA).expect("second");
    assert_ne!(ours, theirs);
    for (ws, foreign) in [(&*sim, &theirs), (&second, &ours)] {
        let (status, body) = call(
            &ws.url(),
            &ws.access_token(),
            Method::GET,
            &format!("/contacts/{foreign}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(error_code(&body), "not_found");
        let (status, _) = call(
            &ws.url(),
            &ws.access_token(),
            Method::PUT,
            &format!("/contacts/{foreign}"),
            Some(json!({"name": "Hijacked"})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, body) = call(
        &sim.url(),
        &sim.access_token(),
        Method::GET,
        &format!("/admins/{}", second.installer_admin_id()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "admin_not_found");
    let (_, theirs_list) = call(
        &second.url(),
        &second.access_token(),
        Method::GET,
        "/conversations",
        None,
    )
    .await;
    let (_, ours_list) = call(
        &sim.url(),
        &sim.access_token(),
        Method::GET,
        "/conversations",
        None,
    )
    .await;
    let ids = |list: &Value| -> Vec<String> {
        list["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .map(|c| c["id"].as_str().expect("id").to_owned())
            .collect()
    };
    assert!(
        ids(&theirs_list)
            .iter()
            .all(|id| !ids(&ours_list).contains(id))
    );
    let (status, _) = call(
        &sim.url(),
        &sim.access_token(),
        Method::GET,
        &format!("/conversations/{}", ids(&theirs_list)[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A write lands in its own workspace only.
    let (status, _) = call(
        &second.url(),
        &second.access_token(),
        Method::POST,
        "/contacts",
        Some(json!({"role": "user", "email": "only-second@example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        second
            .contact_id_by_email("only-second@example.com")
            .is_some()
    );
    assert!(sim.contact_id_by_email("only-second@example.com").is_none());
}

#[tokio::test]
async fn counters_faults_and_rate_limits_are_per_workspace() {
    let sim = IntercomSim::start(Config {
        rate_limit_per_minute: 60,
        ..Config::default()
    })
    .await
    .expect("starts");
    let second = sim.add_workspace(Seed::Empty).expect("second");
    second.inject_fault(sim::intercom::Fault::next(
        1,
        sim::intercom::FaultKind::Status(503),
    ));
    let (status, _) = call(&sim.url(), &sim.access_token(), Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::OK, "the fault is the second's");
    let (status, _) = call(
        &second.url(),
        &second.access_token(),
        Method::GET,
        "/me",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(sim.request_counts()["GET /me"], 1);
    assert_eq!(second.request_counts()["GET /me"], 1);

    // Ten calls per 10-second window each: spending the first's leaves the second's whole. A
    // window may turn over once during the loop, never twice.
    let mut first_refused = false;
    for _ in 0..25 {
        let (status, _) = call(&sim.url(), &sim.access_token(), Method::GET, "/tags", None).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            first_refused = true;
            break;
        }
    }
    assert!(first_refused, "the first workspace ran out");
    let resp = reqwest::Client::new()
        .get(format!("{}/tags", second.url()))
        .bearer_auth(second.access_token())
        .send()
        .await
        .expect("answer");
    let remaining: u64 = resp.headers()["x-ratelimit-remaining"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        remaining >= 7,
        "the second's window is its own: {remaining}"
    );
}

#[tokio::test]
async fn one_app_installs_into_two_workspaces_with_a_token_each() {
    let (sim, second) = start_two().await;
    let bob_of_second = second
        .teammates()
        .into_iter()
        .find(|t| t.email == "bob@example.com")
        .expect("bob")
        .id;
    let token = oauth_install(&sim, bob_of_second).await;
    assert_ne!(token, sim.access_token());
    assert_ne!(token, second.access_token());

    let (_, me) = call(&sim.url(), &token, Method::GET, "/me", None).await;
    assert_eq!(me["id"], bob_of_second.to_string());
    assert_eq!(me["app"]["id_code"], "sfbdemo2");
    let (status, contacts) = call(&sim.url(), &token, Method::GET, "/contacts", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        contacts["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|c| c["workspace_id"] == "sfbdemo2")
    );
    let ours = sim.contact_id_by_email(MAYA).expect("first");
    let (status, _) = call(
        &sim.url(),
        &token,
        Method::GET,
        &format!("/contacts/{ours}"),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the app's token for the second only"
    );

    // The handle through that app: its credentials in the second workspace.
    let installed = second.with_app(&sim.client_id()).expect("installed");
    assert_eq!(installed.workspace_id(), "sfbdemo2");
    assert_eq!(installed.access_token(), token);
    assert_eq!(installed.client_secret(), sim.client_secret());
    assert!(
        sim.with_app(&second.client_id()).is_err(),
        "not installed there"
    );
    assert!(second.with_app("no-such-app").is_err());

    // The page offers every workspace's teammates.
    let page = reqwest::get(sim.authorize_url("s", None))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("data-testid=\"workspace-sfbdemo1\""));
    assert!(page.contains("data-testid=\"workspace-sfbdemo2\""));
    assert!(page.contains(&format!("data-testid=\"approve-{bob_of_second}\"")));

    // Uninstalling from the second leaves the first alone.
    assert_eq!(second.uninstall_app(&sim.client_id()), 1);
    let (status, body) = call(&sim.url(), &token, Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "token_revoked");
    assert_eq!(
        second.request_counts()["GET /me"],
        2,
        "a revoked token counts where it belonged"
    );
    let (status, _) = call(&sim.url(), &sim.access_token(), Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &second.url(),
        &second.access_token(),
        Method::GET,
        "/me",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the second's own app stays");
}

#[tokio::test]
async fn webhooks_of_a_shared_app_carry_each_workspace_and_its_secret() {
    let (sim, second) = start_two().await;
    let mut shared_hook = receiver::start().await;
    let mut own_hook = receiver::start().await;
    let topics = ["contact.user.created"];
    sim.subscribe_webhooks(&shared_hook.url, &topics);
    second.subscribe_webhooks(&own_hook.url, &topics);
    let token = oauth_install(&sim, second.installer_admin_id()).await;

    let create = |base: String, token: String, email: &'static str| async move {
        let (status, _) = call(
            &base,
            &token,
            Method::POST,
            "/contacts",
            Some(json!({"role": "user", "email": email})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    };
    create(sim.url(), token.clone(), "in-second@example.com").await;

    // The shared app hears the second workspace, signed with the shared app's secret.
    let got = shared_hook.next().await;
    let envelope = got.json();
    assert_eq!(envelope["app_id"], "sfbdemo2");
    assert_eq!(envelope["data"]["item"]["email"], "in-second@example.com");
    assert_eq!(
        got.headers["x-hub-signature"],
        hub_signature(&sim.client_secret(), &got.body).as_str()
    );
    // So does the second's own app, with its own secret.
    let got = own_hook.next().await;
    assert_eq!(got.json()["app_id"], "sfbdemo2");
    assert_eq!(
        got.headers["x-hub-signature"],
        hub_signature(&second.client_secret(), &got.body).as_str()
    );

    // The first workspace's change reaches only the app installed there.
    create(sim.url(), sim.access_token(), "in-first@example.com").await;
    let got = shared_hook.next().await;
    assert_eq!(got.json()["app_id"], "sfbdemo1");
    assert_eq!(got.json()["data"]["item"]["email"], "in-first@example.com");
    let log = sim
        .wait_for_deliveries(std::time::Duration::from_secs(5), |d| d.len() >= 2)
        .await;
    assert_eq!(
        log.iter().map(|d| d.app_id.as_str()).collect::<Vec<_>>(),
        ["sfbdemo2", "sfbdemo1"]
    );
    let second_log = second
        .wait_for_deliveries(std::time::Duration::from_secs(5), |d| !d.is_empty())
        .await;
    assert_eq!(
        second_log.len(),
        1,
        "the second's own app heard only its workspace"
    );
    assert!(own_hook.arrivals.try_recv().is_err());
    assert_eq!(
        second
            .with_app(&sim.client_id())
            .expect("installed")
            .deliveries()
            .len(),
        2,
        "a handle through the shared app reads the shared app's log"
    );
}

#[tokio::test]
async fn canvas_kit_requests_name_the_workspace_and_are_signed_by_the_app() {
    let (sim, second) = start_two().await;
    oauth_install(&sim, second.installer_admin_id()).await;
    let mut app = receiver::start().await;
    app.script.lock().push_back((
        200,
        json!({"canvas": {"content": {"components": [
            {"type": "text", "text": "Globex Corporation", "style": "header"}]}}}),
    ));
    let conversation = {
        let (_, list) = call(
            &second.url(),
            &second.access_token(),
            Method::GET,
            "/conversations",
            None,
        )
        .await;
        list["conversations"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let through_shared = second.with_app(&sim.client_id()).expect("installed");
    let verdict = through_shared
        .canvas_initialize(&app.url, &conversation, second.installer_admin_id())
        .await
        .expect("request built");
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let got = app.next().await;
    assert_eq!(got.json()["workspace_id"], "sfbdemo2");
    assert_eq!(
        got.json()["admin"]["id"],
        second.installer_admin_id().to_string()
    );
    let expected = sim::intercom::canvas::body_signature(&sim.client_secret(), &got.body);
    assert_eq!(got.headers["x-body-signature"], expected.as_str());
    assert!(
        sim.canvas_initialize(&app.url, &conversation, sim.installer_admin_id())
            .await
            .is_err(),
        "the second's conversation is not the first's"
    );
}

#[tokio::test]
async fn the_control_surface_names_its_workspace() {
    let (sim, second) = start_two().await;
    let t = TestSim {
        sim,
        http: reqwest::Client::new(),
    };
    let (status, list) = t.control(Method::GET, "/__sim/workspaces", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().expect("list").clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["workspace_id"], "sfbdemo2");
    assert_eq!(list[1]["access_token"], second.access_token());
    assert_eq!(list[1]["client_id"], second.client_id());
    assert_eq!(list[1]["admins"].as_array().map(Vec::len), Some(4));

    let theirs = second.contact_id_by_email(MAYA).expect("second");
    let (status, body) = t
        .control(
            Method::POST,
            &format!("/__sim/contacts/{theirs}/conversations?workspace_id=sfbdemo2"),
            json!({"body": "<p>From the second</p>"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = t
        .control(
            Method::POST,
            &format!("/__sim/contacts/{theirs}/conversations"),
            json!({"body": "<p>Wrong workspace</p>"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the first has no such contact"
    );
    let (status, body) = t
        .control(Method::GET, "/__sim/counters?workspace_id=nope", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}
