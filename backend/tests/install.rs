//! Installing, reconnecting, switching and uninstalling against both simulators over real
//! HTTP, as the pages do it; signing in by link and by Canvas Kit ticket; roles; and two
//! installations that share one Intercom app kept apart in the API, Canvas Kit and webhooks.

mod support;

use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo::{self, DEMO_INSTALLATION_ID};
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
async fn reconnecting_intercom_after_its_token_was_revoked_brings_the_inbox_back() {
    let world = World::start().await;
    // A teammate uninstalls the app in Intercom: every token of it there is revoked.
    assert!(world.intercom.uninstall_app(&world.intercom.client_id()) >= 1);
    let (status, refused) = world.get("/api/inbox/conversations").await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "intercom_reconnect_needed");

    // The admin reconnects with "Sign in with Intercom" from Connections, approving as the
    // workspace's admin: the app is installed again and its new token kept.
    let started = world
        .http
        .post(format!("{}/api/connections/intercom/oauth", world.app))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let flow = cookie_of(&started, "sfbridge_flow").unwrap();
    let redirect: Value = started.json().await.unwrap();
    world
        .intercom
        .approve_next_as(world.intercom.installer_admin_id());
    let (landing, cookie) =
        follow_intercom(&world.app, redirect["url"].as_str().unwrap(), &flow).await;
    assert_eq!(landing, "/connections?connected=intercom");
    assert!(cookie.is_none(), "a reconnect opens no other session");
    let (status, list) = world.get("/api/inbox/conversations").await;
    assert_eq!(status, 200, "{list}");
    assert!(!conversation_ids(&list).is_empty());
    let (_, audit) = world.get("/api/admin/audit").await;
    assert_eq!(
        audit["entries"][0]["action"], "Intercom reconnected",
        "{audit}"
    );
    world.stop().await;
}

#[tokio::test]
async fn another_org_only_after_an_explicit_switch_which_drops_the_links() {
    let (other, world) = world_with_a_second_org().await;
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
    // Chat apps and mail scanners fetch a link before its teammate opens it: fetching the page
    // signs nobody in and leaves the link usable.
    for _ in 0..2 {
        let fetched = world.anonymous.get(url).send().await.unwrap();
        assert!(cookie_of(&fetched, "sfbridge_session").is_none());
    }
    // Nor can another site's page use it: redeeming needs this server's Origin.
    let cross_site = world
        .anonymous
        .post(format!("{}/auth/link", world.app))
        .header(ORIGIN, "https://preview.example")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
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

/// Follows an Intercom OAuth flow started from the pages through the simulator (which
/// approves as the teammate chosen beforehand) back to the callback, with the flow's cookie:
/// the page it lands on, and the session cookie it set, if any.
async fn follow_intercom(app: &str, authorize_url: &str, flow: &str) -> (String, Option<String>) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let approved = browser.get(authorize_url).send().await.unwrap();
    assert!(approved.status().is_redirection(), "{}", approved.status());
    let callback = approved.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("{app}/oauth/intercom/callback?")),
        "{callback}"
    );
    let answer = browser
        .get(&callback)
        .header(COOKIE, flow)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let landing = answer.headers()[LOCATION].to_str().unwrap().to_owned();
    (landing, cookie_of(&answer, "sfbridge_session"))
}

/// An admin's "Add another installation" with "Sign in with Intercom", as the Connections
/// page starts it: where the flow lands, and the session it opened.
async fn add_installation(world: &World, admin: &reqwest::Client) -> (String, Option<String>) {
    let started = admin
        .post(format!("{}/api/installations/intercom/oauth", world.app))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let flow = cookie_of(&started, "sfbridge_flow").expect("a flow cookie");
    let redirect: Value = started.json().await.unwrap();
    follow_intercom(&world.app, redirect["url"].as_str().unwrap(), &flow).await
}

/// A client that sends this session cookie and the app's `Origin`, as the pages do.
fn browser_with(app: &str, cookie: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(COOKIE, cookie.parse().unwrap());
    headers.insert(ORIGIN, app.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    let answer = client.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200, "{url}");
    answer.json().await.unwrap()
}

/// The `?error=` of a landing page.
fn error_of(landing: &str) -> String {
    url::Url::parse(&format!("http://x{landing}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no error in {landing}"))
}

/// How many webhook notifications the installation took in.
async fn receipts(world: &World, installation: &str) -> u64 {
    let footprint = world.store.footprint(installation).await.unwrap();
    footprint
        .tables
        .iter()
        .find(|(table, _)| *table == "webhook_receipts")
        .unwrap()
        .1
}

/// The conversation ids a list (ours or Intercom's) holds.
fn conversation_ids(list: &Value) -> Vec<String> {
    list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ticket of the card's "Open in sfbridge" link, redeemed: the session it opens.
async fn open_from_card(world: &World, card: &Value) -> Value {
    let open = card["canvas"]["content"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "open_in_sfbridge")
        .unwrap_or_else(|| panic!("no Open in sfbridge in {card}"));
    let link = url::Url::parse(open["action"]["url"].as_str().unwrap()).unwrap();
    let ticket = link
        .query_pairs()
        .find(|(k, _)| k == "ticket")
        .unwrap()
        .1
        .into_owned();
    let answer = world
        .anonymous
        .post(format!("{}/auth/ticket", world.app))
        .header(ORIGIN, &world.app)
        .json(&json!({ "token": ticket }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let cookie = cookie_of(&answer, "sfbridge_session").unwrap();
    get_json(
        &browser_with(&world.app, &cookie),
        format!("{}/api/session", world.app),
    )
    .await
}

#[tokio::test]
async fn an_admin_adds_a_workspace_of_the_same_app_and_neither_sees_the_other_s_traffic() {
    // The second installation's own org.
    let (org2, world) = world_with_a_second_org().await;
    let app = world.app.clone();
    let first = &world.intercom;
    // A second workspace; the demo's app (a public app) is not installed there yet.
    let second = first.add_workspace(sim::Seed::Demo).unwrap();
    let maya = "maya.patel@globex.example.com";

    // Only admins add installations: a teammate may not start either way.
    let bob = world
        .sign_in_as(&sim::intercom::demo::TEAMMATES[1].0.to_string())
        .await;
    for path in [
        "/api/installations/intercom/oauth",
        "/api/installations/intercom/token",
    ] {
        let refused = bob
            .post(format!("{app}{path}"))
            .json(&json!({"access_token": second.access_token(), "client_secret": second.client_secret()}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{path}");
    }
    assert!(
        world
            .store
            .installation_by_workspace(&second.workspace_id())
            .await
            .unwrap()
            .is_none()
    );

    // The demo's admin adds it from the Connections page, and an admin of the second
    // workspace approves: the app is installed there, the installation made, its approver
    // its first admin, signed in and sent to connect Salesforce.
    first.approve_next_as(second.installer_admin_id());
    let (landing, cookie) = add_installation(&world, &world.http).await;
    assert_eq!(landing, "/setup/salesforce");
    let other_cookie = cookie.expect("a session in the new installation");
    let other = browser_with(&app, &other_cookie);
    let me = get_json(&other, format!("{app}/api/session")).await;
    assert_eq!(me["role"], "admin");
    assert_eq!(
        me["teammate"]["id"],
        second.installer_admin_id().to_string()
    );
    let other_id = me["installation_id"].as_str().unwrap().to_owned();
    assert_ne!(other_id, DEMO_INSTALLATION_ID);
    let row = world.store.installation(&other_id).await.unwrap().unwrap();
    assert_eq!(row.intercom_workspace_id, Some(second.workspace_id()));
    // Both installations now hold the one app's client secret.
    let shared = second.with_app(&first.client_id()).unwrap();
    assert_eq!(shared.client_secret(), first.client_secret());
    let audit = get_json(&other, format!("{app}/api/admin/audit")).await;
    assert_eq!(audit["entries"][0]["action"], "installed", "{audit}");
    // The admin who added it still holds their own session, in their own installation, whose
    // log says what they did.
    let (_, mine) = world.get("/api/session").await;
    assert_eq!(mine["installation_id"], DEMO_INSTALLATION_ID);
    let (_, audit) = world.get("/api/admin/audit").await;
    assert_eq!(
        audit["entries"][0]["action"], "installation added",
        "{audit}"
    );
    assert!(
        audit["entries"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&second.workspace_id()),
        "{audit}"
    );

    // One installation per workspace: adding it again is refused and signs nobody in.
    first.approve_next_as(second.installer_admin_id());
    let (landing, cookie) = add_installation(&world, &world.http).await;
    assert!(landing.starts_with("/connections?error="), "{landing}");
    assert!(
        error_of(&landing).contains("already has an installation"),
        "{landing}"
    );
    assert!(cookie.is_none());
    // An admin who loses the role before Intercom answers adds nothing.
    let bob_id = sim::intercom::demo::TEAMMATES[1].0.to_string();
    world
        .http
        .put(format!("{app}/api/admin/team/{bob_id}/role"))
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    let third = first.add_workspace(sim::Seed::Demo).unwrap();
    let started = bob
        .post(format!("{app}/api/installations/intercom/oauth"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let flow = cookie_of(&started, "sfbridge_flow").unwrap();
    let redirect: Value = started.json().await.unwrap();
    world
        .http
        .put(format!("{app}/api/admin/team/{bob_id}/role"))
        .json(&json!({"role": "teammate"}))
        .send()
        .await
        .unwrap();
    first.approve_next_as(third.installer_admin_id());
    let (landing, cookie) = follow_intercom(&app, redirect["url"].as_str().unwrap(), &flow).await;
    assert!(error_of(&landing).contains("only admins"), "{landing}");
    assert!(cookie.is_none());
    assert!(
        world
            .store
            .installation_by_workspace(&third.workspace_id())
            .await
            .unwrap()
            .is_none()
    );

    // Webhooks: the demo subscribed the app, so its endpoint hears both workspaces, each
    // notification naming its workspace as `app_id` and signed with the one app's secret.
    let demo_before = receipts(&world, DEMO_INSTALLATION_ID).await;
    let update = |base: String, token: String, contact: String, name: &'static str| async move {
        let answer = reqwest::Client::new()
            .put(format!("{base}/contacts/{contact}"))
            .bearer_auth(token)
            .header("Intercom-Version", "2.11")
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    };
    let delivered_from = |workspace: String| {
        move |log: &[sim::intercom::Delivery]| {
            log.iter()
                .any(|d| d.app_id == workspace && d.status.is_some())
        }
    };
    update(
        shared.url(),
        shared.access_token(),
        second.contact_id_by_email(maya).unwrap(),
        "Maya of the second",
    )
    .await;
    let log = first
        .wait_for_deliveries(
            std::time::Duration::from_secs(10),
            delivered_from(second.workspace_id()),
        )
        .await;
    let theirs = log
        .iter()
        .find(|d| d.app_id == second.workspace_id())
        .unwrap()
        .clone();
    assert_eq!(theirs.status, Some(200), "{theirs:?}");
    assert_eq!(receipts(&world, &other_id).await, 1);
    assert_eq!(receipts(&world, DEMO_INSTALLATION_ID).await, demo_before);
    // The same notification signed with any other secret (the second workspace's own app's)
    // is refused, and nothing is taken in.
    let resigned = world
        .anonymous
        .post(format!("{app}/webhooks/intercom"))
        .header(
            "X-Hub-Signature",
            sim::intercom::hub_signature(&second.client_secret(), theirs.body.as_bytes()),
        )
        .header("Content-Type", "application/json")
        .body(theirs.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resigned.status(), 401);
    assert_eq!(receipts(&world, &other_id).await, 1);
    // A change in the first workspace reaches the demo's installation alone.
    update(
        first.url(),
        first.access_token(),
        first.contact_id_by_email(maya).unwrap(),
        "Maya of the first",
    )
    .await;
    first
        .wait_for_deliveries(
            std::time::Duration::from_secs(10),
            delivered_from(first.workspace_id()),
        )
        .await;
    assert_eq!(
        receipts(&world, DEMO_INSTALLATION_ID).await,
        demo_before + 1
    );
    assert_eq!(receipts(&world, &other_id).await, 1);

    // The API: each session reads its own installation, its own workspace's inbox.
    let view = get_json(
        &other,
        format!("{app}/api/connections?installation_id=demo"),
    )
    .await;
    let ids: Vec<&str> = view["installations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other_id.as_str()]);
    let (_, demo_view) = world.get("/api/connections").await;
    assert_eq!(demo_view["installations"].as_array().unwrap().len(), 1);
    assert_eq!(demo_view["installations"][0]["id"], DEMO_INSTALLATION_ID);
    let their_inbox =
        conversation_ids(&get_json(&other, format!("{app}/api/inbox/conversations")).await);
    let (_, our_inbox) = world.get("/api/inbox/conversations").await;
    let our_inbox = conversation_ids(&our_inbox);
    let in_second: Value = reqwest::Client::new()
        .get(format!("{}/conversations", shared.url()))
        .bearer_auth(shared.access_token())
        .header("Intercom-Version", "2.11")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let in_second = conversation_ids(&in_second);
    assert!(!their_inbox.is_empty() && !our_inbox.is_empty());
    assert!(their_inbox.iter().all(|id| in_second.contains(id)));
    assert!(our_inbox.iter().all(|id| !in_second.contains(id)));
    let ledger = get_json(&other, format!("{app}/api/sync/ledger")).await;
    assert!(ledger["entries"].as_array().unwrap().is_empty(), "{ledger}");

    // Canvas Kit: the inbox of each workspace reaches its own installation; the card's
    // ticket signs its teammate in there.
    let their_conversation = &their_inbox[0];
    let verdict = shared
        .canvas_initialize(
            &format!("{app}/canvas/initialize"),
            their_conversation,
            second.installer_admin_id(),
        )
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let their_card = verdict.response.unwrap();
    // No Salesforce org is connected there yet: the card says so, from its own data.
    assert!(
        their_card.to_string().contains("Reconnect Salesforce"),
        "{their_card}"
    );
    // Once its admin connects its own org, its card comes from there, with a ticket that
    // signs its teammate in to it.
    let landing = connect_salesforce(
        &app,
        &other,
        &other_cookie,
        json!({"login": {"kind": "my_domain", "url": org2.url()}, "next": "/connections"}),
    )
    .await;
    assert_eq!(landing, "/connections?connected=salesforce");
    let row = world.store.installation(&other_id).await.unwrap().unwrap();
    assert_eq!(row.salesforce_org_id, Some(org2.org_id()));
    assert_ne!(org2.org_id(), world.salesforce.org_id());
    let verdict = shared
        .canvas_initialize(
            &format!("{app}/canvas/initialize"),
            their_conversation,
            second.installer_admin_id(),
        )
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let their_card = verdict.response.unwrap().to_string();
    // Its records, linked at its org.
    assert!(their_card.contains("Open in Salesforce"), "{their_card}");
    assert!(their_card.contains(&org2.url()), "{their_card}");
    assert!(
        !their_card.contains(&world.salesforce.url()),
        "{their_card}"
    );
    let their_card: Value = serde_json::from_str(&their_card).unwrap();
    let session = open_from_card(&world, &their_card).await;
    assert_eq!(session["installation_id"], other_id.as_str());
    assert_eq!(
        session["teammate"]["id"],
        second.installer_admin_id().to_string()
    );
    let our_conversation = world.conversation_of(maya).await;
    let verdict = first
        .canvas_initialize(
            &format!("{app}/canvas/initialize"),
            &our_conversation,
            first.installer_admin_id(),
        )
        .await
        .unwrap();
    assert!(verdict.is_valid(), "{:?}", verdict.problems);
    let our_card = verdict.response.unwrap();
    assert!(our_card.to_string().contains("Maya"), "{our_card}");
    assert!(
        our_card.to_string().contains(&world.salesforce.url()),
        "{our_card}"
    );
    assert!(!our_card.to_string().contains(&org2.url()), "{our_card}");
    let session = open_from_card(&world, &our_card).await;
    assert_eq!(session["installation_id"], DEMO_INSTALLATION_ID);
    // The second workspace's own app is not the installation's: its signature is refused.
    let verdict = second
        .canvas_initialize(
            &format!("{app}/canvas/initialize"),
            their_conversation,
            second.installer_admin_id(),
        )
        .await
        .unwrap();
    assert_eq!(verdict.status, Some(401), "{:?}", verdict.response);
    world.stop().await;
    org2.shutdown().await;
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

/// The demo world, and a second simulated org its configuration allows connecting to.
async fn world_with_a_second_org() -> (SalesforceSim, World) {
    let org = SalesforceSim::start(sim::salesforce::Config {
        org_number: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let host = org.addr().to_string();
    let world = World::start_with(|config| {
        config.services.salesforce_allowed_hosts.push(host);
    })
    .await;
    (org, world)
}
