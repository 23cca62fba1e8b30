//! Installing, reconnecting, switching and uninstalling against both simulators over real
//! HTTP, as the pages do it; signing in by link and by Canvas Kit ticket; roles; and two
//! installations that share one Intercom app kept apart in the API, Canvas Kit and webhooks.

mod support;

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo::{self, DEMO_INSTALLATION_ID};
use sfbridge::installations::Pairing;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;
use support::World;

/// The `name=value` of the cookie a response set.
fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// Starts a Salesforce flow from the pages with `client` and follows it through the simulated
/// org (which approves by itself); the page the callback lands on.
async fn connect_salesforce(
    app: &str,
    client: &reqwest::Client,
    session: &str,
    body: Value,
) -> String {
    let started = client
        .post(format!("{app}/api/connections/salesforce"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let flow = cookie_of(&started, "sfbridge_flow").expect("a flow cookie");
    let redirect: Value = started.json().await.unwrap();
    demo::follow_oauth(
        app,
        redirect["url"].as_str().unwrap(),
        &format!("{flow}; {session}"),
    )
    .await
    .unwrap()
}

/// The world's admin session cookie, as the browser holds it.
async fn admin_cookie(world: &World) -> (reqwest::Client, String) {
    let token = world
        .state
        .auth
        .make_installer_link(
            &world.store,
            DEMO_INSTALLATION_ID,
            &world.intercom.installer_admin_id().to_string(),
        )
        .await
        .unwrap();
    let answer = world
        .anonymous
        .post(format!("{}/auth/link", world.app))
        .header(ORIGIN, &world.app)
        .json(&json!({"token": token.expose_secret()}))
        .send()
        .await
        .unwrap();
    let cookie = cookie_of(&answer, "sfbridge_session").unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(COOKIE, cookie.parse().unwrap());
    headers.insert(ORIGIN, world.app.parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    (client, cookie)
}

async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_operator_installs_from_an_empty_database_with_a_pasted_token_and_a_sandbox() {
    let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
    let intercom = IntercomSim::start(Default::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = demo::scratch(dir.path());
    let config = demo::with_simulators(&config, &salesforce, &intercom);
    let store = sfbridge::app::open_store(&config).await.unwrap();
    let cipher = Cipher::new(&SecretKey::generate());
    let (server, state) = sfbridge::app::bind(&config, store.clone(), cipher)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let app = state.public_url.clone();
    let http = reqwest::Client::new();
    let options: Value = http
        .get(format!("{app}/auth/options"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(options["needs_setup"], true);
    let token = state.auth.issue_setup_token(&store).await.unwrap();
    let token = token.expose_secret().to_owned();
    let paste = |access: &str, secret: &str| {
        http.post(format!("{app}/auth/setup/intercom/token"))
            .header(ORIGIN, &app)
            .json(&json!({"setup_token": token, "access_token": access, "client_secret": secret}))
            .send()
    };

    // A wrong token gets a clear message and stores nothing.
    let (status, refused) = status_and_json(paste("not-a-token", "s").await.unwrap()).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "intercom_token_refused");
    assert!(!store.has_installations().await.unwrap());

    // The right one installs, and the admin who connected is signed in as the first admin.
    let answer = paste(&intercom.access_token(), &intercom.client_secret())
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let session = cookie_of(&answer, "sfbridge_session").unwrap();
    let next: Value = answer.json().await.unwrap();
    assert_eq!(next["next"], "/setup/salesforce");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(COOKIE, session.parse().unwrap());
    headers.insert(ORIGIN, app.parse().unwrap());
    let admin = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let me: Value = admin
        .get(format!("{app}/api/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(
        me["teammate"]["id"],
        intercom.installer_admin_id().to_string()
    );
    // The setup link was for one installation only.
    let (status, _) = status_and_json(paste(&intercom.access_token(), "x").await.unwrap()).await;
    assert_eq!(status, 401);

    // Connect a sandbox: the simulated org stands for test.salesforce.com here.
    let landing = connect_salesforce(
        &app,
        &admin,
        &session,
        json!({"login": {"kind": "sandbox"}, "next": "/setup/webhooks"}),
    )
    .await;
    assert_eq!(landing, "/setup/webhooks?connected=salesforce");
    let view: Value = admin
        .get(format!("{app}/api/connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let installation = &view["installations"][0];
    assert_eq!(installation["salesforce"]["state"], "connected", "{view}");
    assert_eq!(installation["salesforce"]["environment"], "sandbox");
    assert_eq!(installation["salesforce"]["org_id"], salesforce.org_id());
    assert_eq!(installation["intercom"]["state"], "connected");
    assert_eq!(
        installation["intercom"]["workspace_id"],
        intercom.workspace_id()
    );

    // Webhooks: nothing yet; once subscribed, a signed notification shows.
    let hooks: Value = admin
        .get(format!("{app}/api/connections/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hooks["url"], format!("{app}/webhooks/intercom"));
    assert!(hooks["last_received_at"].is_null());
    assert!(
        hooks["topics"]
            .as_array()
            .unwrap()
            .contains(&json!("contact.user.created"))
    );
    intercom
        .register_webhook_endpoint(hooks["url"].as_str().unwrap(), &["contact.user.updated"])
        .await
        .unwrap();
    let person = intercom
        .contact_id_by_email("maya.patel@globex.example.com")
        .unwrap();
    http.put(format!("{}/contacts/{person}", intercom.url()))
        .bearer_auth(intercom.access_token())
        .header("Intercom-Version", "2.11")
        .json(&json!({"name": "Maya P."}))
        .send()
        .await
        .unwrap();
    intercom
        .wait_for_deliveries(std::time::Duration::from_secs(10), |d| !d.is_empty())
        .await;
    let hooks: Value = admin
        .get(format!("{app}/api/connections/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(hooks["last_received_at"].is_i64(), "{hooks}");

    let _ = stop.send(());
    serving.await.unwrap().unwrap();
    salesforce.shutdown().await;
    intercom.shutdown().await;
}

#[tokio::test]
async fn reconnecting_after_a_revoked_token_brings_the_card_back() {
    let world = World::start().await;
    let (admin, session) = admin_cookie(&world).await;
    let credentials = world
        .state
        .clients
        .credentials(DEMO_INSTALLATION_ID)
        .await
        .unwrap();
    for token in [
        credentials.salesforce_refresh_token.unwrap(),
        credentials.salesforce_access_token.unwrap(),
    ] {
        let revoked = reqwest::Client::new()
            .post(format!("{}/services/oauth2/revoke", world.salesforce.url()))
            .form(&[("token", token.expose_secret())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
    }
    world.state.clients.forget(DEMO_INSTALLATION_ID);
    world
        .state
        .cards
        .invalidate_installation(DEMO_INSTALLATION_ID);
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let (status, refused) = world
        .get(&format!("/api/card?conversation_id={conversation}"))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "salesforce_reconnect_needed");

    let landing = connect_salesforce(&world.app, &admin, &session, json!({})).await;
    assert_eq!(landing, "/connections?connected=salesforce");
    let (status, card) = world
        .get(&format!("/api/card?conversation_id={conversation}"))
        .await;
    assert_eq!(status, 200, "{card}");
    let audit: Value = admin
        .get(format!("{}/api/admin/audit", world.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        audit["entries"][0]["action"], "Salesforce reconnected",
        "{audit}"
    );
    world.stop().await;
}

#[tokio::test]
async fn another_org_only_after_an_explicit_switch_which_drops_the_links() {
    let other = SalesforceSim::start(sim::salesforce::Config {
        org_number: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let other_host = other.addr().to_string();
    let world = World::start_with(|config| {
        config.services.salesforce_allowed_hosts.push(other_host);
    })
    .await;
    let (admin, session) = admin_cookie(&world).await;
    world
        .store
        .save_person_link(
            DEMO_INSTALLATION_ID,
            &sfbridge::store::PersonLink {
                intercom_contact_id: "6a1f00000000000000000001".into(),
                salesforce_object: "Contact".into(),
                salesforce_id: "003000000000001AAA".into(),
                linked_at: 1,
            },
        )
        .await
        .unwrap();
    let org = || async {
        world
            .store
            .installation(DEMO_INSTALLATION_ID)
            .await
            .unwrap()
            .unwrap()
            .salesforce_org_id
    };
    let my_domain = json!({"kind": "my_domain", "url": other.url()});

    // Signing in to another org without the switch is refused; nothing changes.
    let landing = connect_salesforce(
        &world.app,
        &admin,
        &session,
        json!({"login": my_domain, "next": "/connections"}),
    )
    .await;
    assert!(landing.starts_with("/connections?error="), "{landing}");
    let message = url::Url::parse(&format!("http://x{landing}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "error")
        .unwrap()
        .1
        .into_owned();
    assert!(message.contains("Switch org"), "{message}");
    assert_eq!(org().await, Some(world.salesforce.org_id()));
    assert_eq!(
        world
            .store
            .person_links(DEMO_INSTALLATION_ID)
            .await
            .unwrap()
            .len(),
        1
    );

    // Confirmed: the other org, and every link dropped.
    let landing = connect_salesforce(
        &world.app,
        &admin,
        &session,
        json!({"login": my_domain, "switch_org": true, "next": "/connections"}),
    )
    .await;
    assert_eq!(landing, "/connections?connected=salesforce");
    assert_eq!(org().await, Some(other.org_id()));
    assert!(
        world
            .store
            .person_links(DEMO_INSTALLATION_ID)
            .await
            .unwrap()
            .is_empty()
    );
    let audit: Value = admin
        .get(format!("{}/api/admin/audit", world.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"][0]["action"], "Salesforce org switched");
    world.stop().await;
    other.shutdown().await;
}

#[tokio::test]
async fn an_org_without_api_access_is_told_which_editions_have_it() {
    let world = World::start().await;
    let (admin, session) = admin_cookie(&world).await;
    world.salesforce.set_api_enabled(false);
    let landing = connect_salesforce(&world.app, &admin, &session, json!({})).await;
    let message = url::Url::parse(&format!("http://x{landing}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no error in {landing}"));
    assert!(message.contains("Enterprise, Unlimited"), "{message}");
    world.salesforce.set_api_enabled(true);
    world.stop().await;
}

#[tokio::test]
async fn disconnecting_revokes_the_tokens_and_deletes_the_installation_s_data() {
    let world = World::start().await;
    let credentials = world
        .state
        .clients
        .credentials(DEMO_INSTALLATION_ID)
        .await
        .unwrap();
    let refresh = credentials.salesforce_refresh_token.unwrap();
    assert!(world.salesforce.token_is_live(refresh.expose_secret()));
    let preview: Value = world
        .http
        .get(format!("{}/api/installation/uninstall", world.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["installation_name"], "Demo workspace");
    assert_eq!(preview["revokes_salesforce"], true);
    let kinds: Vec<&str> = preview["deletes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["what"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"person links") && kinds.contains(&"sync ledger entries"),
        "{preview}"
    );

    let uninstall = |name: &str| {
        world
            .http
            .post(format!("{}/api/installation/uninstall", world.app))
            .json(&json!({"confirm_name": name}))
            .send()
    };
    let (status, refused) = status_and_json(uninstall("Demo").await.unwrap()).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        world
            .store
            .installation(DEMO_INSTALLATION_ID)
            .await
            .unwrap()
            .is_some()
    );

    let (status, gone) = status_and_json(uninstall("Demo workspace").await.unwrap()).await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["revoked_salesforce"], true);
    assert!(!world.salesforce.token_is_live(refresh.expose_secret()));
    assert!(
        world
            .store
            .installation(DEMO_INSTALLATION_ID)
            .await
            .unwrap()
            .is_none()
    );
    let footprint = world.store.footprint(DEMO_INSTALLATION_ID).await.unwrap();
    assert!(
        footprint.tables.iter().all(|(_, n)| *n == 0),
        "{footprint:?}"
    );
    // The admin's session went with it.
    let (status, _) = world.get("/api/session").await;
    assert_eq!(status, 401);
    world.stop().await;
}

#[tokio::test]
async fn a_sign_in_link_works_once_and_roles_change_at_once() {
    let world = World::start().await;
    let bob = sim::intercom::demo::TEAMMATES[1].0.to_string();
    let made: Value = world
        .http
        .post(format!("{}/api/admin/sign-in-links", world.app))
        .json(&json!({"teammate_id": bob}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = made["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/signin?link=", world.app)),
        "{made}"
    );
    let token = url.split("link=").nth(1).unwrap();
    let redeem = || {
        world
            .anonymous
            .post(format!("{}/auth/link", world.app))
            .header(ORIGIN, &world.app)
            .json(&json!({"token": token, "next": "/inbox"}))
            .send()
    };
    let first = redeem().await.unwrap();
    assert_eq!(first.status(), 200);
    let bob_cookie = cookie_of(&first, "sfbridge_session").unwrap();
    let (status, again) = status_and_json(redeem().await.unwrap()).await;
    assert_eq!(status, 401, "{again}");
    assert_eq!(again["error"]["code"], "sign_in_link_invalid");

    let as_bob = |path: &str| {
        world
            .anonymous
            .get(format!("{}{path}", world.app))
            .header(COOKIE, &bob_cookie)
            .send()
    };
    assert_eq!(as_bob("/api/connections").await.unwrap().status(), 403);
    let set_role = |role: &str, id: &str| {
        world
            .http
            .put(format!("{}/api/admin/team/{id}/role", world.app))
            .json(&json!({"role": role}))
            .send()
    };
    assert_eq!(set_role("admin", &bob).await.unwrap().status(), 200);
    assert_eq!(as_bob("/api/connections").await.unwrap().status(), 200);
    assert_eq!(set_role("teammate", &bob).await.unwrap().status(), 200);
    assert_eq!(as_bob("/api/connections").await.unwrap().status(), 403);
    // The last admin keeps the role.
    let alice = world.intercom.installer_admin_id().to_string();
    let (status, refused) = status_and_json(set_role("teammate", &alice).await.unwrap()).await;
    assert_eq!(status, 409, "{refused}");

    let audit: Value = world
        .http
        .get(format!("{}/api/admin/audit", world.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..3],
        ["admin revoked", "admin granted", "sign-in link created"],
        "{audit}"
    );
    assert!(
        !audit.to_string().contains(token),
        "the log never holds a token"
    );
    world.stop().await;
}

#[tokio::test]
async fn the_canvas_card_signs_its_teammate_in_with_a_ticket() {
    let world = World::start().await;
    let bob = sim::intercom::demo::TEAMMATES[1].0;
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let verdict = world
        .intercom
        .canvas_initialize(
            &format!("{}/canvas/initialize", world.app),
            &conversation,
            bob,
        )
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let canvas = verdict.response.unwrap();
    let buttons: Vec<&Value> = canvas["canvas"]["content"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "button" && c["action"]["type"] == "url")
        .collect();
    let open = buttons
        .iter()
        .find(|b| b["id"] == "open_in_sfbridge")
        .expect("an Open in sfbridge button");
    let link = url::Url::parse(open["action"]["url"].as_str().unwrap()).unwrap();
    assert_eq!(link.path(), "/signin");
    let query: std::collections::HashMap<_, _> = link.query_pairs().into_owned().collect();
    assert_eq!(query["next"], format!("/card/{conversation}"));
    assert!(buttons.iter().any(|b| b["id"] == "full_case_form"));

    let answer = world
        .anonymous
        .post(format!("{}/auth/ticket", world.app))
        .header(ORIGIN, &world.app)
        .json(&json!({"token": query["ticket"], "next": query["next"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let cookie = cookie_of(&answer, "sfbridge_session").unwrap();
    let session: Value = world
        .anonymous
        .get(format!("{}/api/session", world.app))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["teammate"]["id"], bob.to_string());
    assert_eq!(session["role"], "teammate");
    // A forged ticket signs nobody in.
    let forged = world
        .anonymous
        .post(format!("{}/auth/ticket", world.app))
        .header(ORIGIN, &world.app)
        .json(&json!({"token": format!("{}x", query["ticket"])}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    world.stop().await;
}

#[tokio::test]
async fn two_installations_sharing_one_intercom_app_never_see_each_other_s_traffic() {
    let world = World::start().await;
    // A second workspace of the same public app: the same client secret signs its traffic.
    let secret = world.intercom.client_secret();
    let pairing = Pairing {
        id: "other".into(),
        name: "Other workspace".into(),
        salesforce_environment: shared::SalesforceEnvironment::Production,
        salesforce_login_url: world.salesforce.url(),
        salesforce_instance_url: None,
        salesforce_client_id: None,
        salesforce_client_secret: None,
        salesforce_access_token: None,
        salesforce_refresh_token: None,
        intercom_api_base_url: world.intercom.url(),
        intercom_access_token: Some(SecretString::from(world.intercom.access_token())),
        intercom_client_secret: Some(SecretString::from(secret.clone())),
        intercom_workspace_id: Some("otherws1".into()),
        intercom_connection: sfbridge::auth::IntercomConnection::OAuth,
        installer_admin_id: None,
    };
    world
        .store
        .save_installation(&pairing.seal(world.state.clients.cipher()), 1)
        .await
        .unwrap();
    let other_admin = world.intercom.installer_admin_id().to_string();
    world
        .store
        .grant_admin("other", &other_admin, None, 1)
        .await
        .unwrap();

    // Canvas Kit: each workspace's request reaches its own installation only.
    let canvas = |workspace: &str| {
        let body = json!({"workspace_id": workspace, "admin": {"id": "991267402"},
                          "contact": {"id": "6a1f00000000000000000001", "role": "user",
                                      "email": "maya.patel@globex.example.com"},
                          "context": {"conversation_id": "1", "location": "conversation"}})
        .to_string();
        let signature = sim::intercom::canvas::body_signature(&secret, body.as_bytes());
        world
            .anonymous
            .post(format!("{}/canvas/initialize", world.app))
            .header("X-Body-Signature", signature)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let (status, other_card) = status_and_json(canvas("otherws1").await.unwrap()).await;
    assert_eq!(status, 200);
    // The other installation has no Salesforce yet: its card says so, from its own data.
    assert!(
        other_card.to_string().contains("Reconnect Salesforce"),
        "{other_card}"
    );
    assert!(!other_card.to_string().contains("Maya"), "{other_card}");
    let (status, demo_card) =
        status_and_json(canvas(&world.intercom.workspace_id()).await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(demo_card.to_string().contains("Maya"), "{demo_card}");
    let (status, _) = status_and_json(canvas("nobody").await.unwrap()).await;
    assert_eq!(status, 401, "a workspace with no installation");

    // Webhooks: a notification of the other workspace is taken in by it, never by the demo.
    let before = world.store.footprint(DEMO_INSTALLATION_ID).await.unwrap();
    let notification = json!({"type": "notification_event", "app_id": "otherws1",
        "data": {"type": "notification_event_data", "item": {"type": "ping", "message": "hi"}},
        "id": "notif_other_1", "topic": "ping", "delivery_status": "pending",
        "delivery_attempts": 1, "first_sent_at": 1, "created_at": 1})
    .to_string();
    let signature = sim::intercom::hub_signature(&secret, notification.as_bytes());
    let answer = world
        .anonymous
        .post(format!("{}/webhooks/intercom", world.app))
        .header("X-Hub-Signature", signature)
        .header("Content-Type", "application/json")
        .body(notification)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(
        world
            .store
            .last_webhook_at("other")
            .await
            .unwrap()
            .is_some()
    );
    let after = world.store.footprint(DEMO_INSTALLATION_ID).await.unwrap();
    assert_eq!(before, after, "the demo installation took nothing in");

    // The API: each session sees its own installation only.
    let token = world
        .state
        .auth
        .make_installer_link(&world.store, "other", &other_admin)
        .await
        .unwrap();
    let link = sfbridge::auth::team::sign_in_url(&world.app, &token);
    let other = demo::signed_in_client(&world.app, &link).await.unwrap();
    let view: Value = other
        .get(format!("{}/api/connections", world.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = view["installations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["other"]);
    let (_, demo_view) = world.get("/api/connections").await;
    assert_eq!(demo_view["installations"][0]["id"], DEMO_INSTALLATION_ID);
    assert_eq!(demo_view["installations"].as_array().unwrap().len(), 1);
    let ledger: Value = other
        .get(format!("{}/api/sync/ledger", world.app))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ledger["entries"].as_array().unwrap().is_empty(), "{ledger}");
    world.stop().await;
}

#[tokio::test]
async fn intercom_reconnects_to_the_same_workspace_only() {
    let world = World::start().await;
    let reconnect = |token: String, secret: String| {
        world
            .http
            .post(format!("{}/api/connections/intercom/token", world.app))
            .json(&json!({"access_token": token, "client_secret": secret}))
            .send()
    };
    // Another workspace's token is refused, and nothing changes.
    let elsewhere = world.intercom.add_workspace(sim::Seed::Empty).unwrap();
    let (status, refused) = status_and_json(
        reconnect(elsewhere.access_token(), elsewhere.client_secret())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "workspace_changed");
    // The workspace's own (say, after a secret was rotated): taken, and the card still works.
    let (status, answer) = status_and_json(
        reconnect(
            world.intercom.access_token(),
            world.intercom.client_secret(),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["next"], "/connections?connected=intercom");
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let (status, _) = world
        .get(&format!("/api/card?conversation_id={conversation}"))
        .await;
    assert_eq!(status, 200);
    // A teammate may not.
    let bob = world
        .sign_in_as(&sim::intercom::demo::TEAMMATES[1].0.to_string())
        .await;
    let refused = bob
        .post(format!("{}/api/connections/intercom/token", world.app))
        .json(&json!({"access_token": "x", "client_secret": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    world.stop().await;
}
