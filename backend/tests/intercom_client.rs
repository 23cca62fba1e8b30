//! The Intercom client against the simulated workspace over real HTTP: what it reads, and how
//! it behaves when Intercom fails, refuses or rate-limits (calls counted at the simulator).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use secrecy::SecretString;
use sfbridge::intercom::{Client, Config, ContactRole, IntercomError};
use shared::inbox::{AuthorKind, ConversationState};
use sim::Seed;
use sim::intercom::api::PartInput;
use sim::intercom::{Fault, FaultKind, IntercomSim};
use tokio::io::AsyncReadExt;

/// The demo workspace's teammates (`sim::intercom::demo::TEAMMATES`).
const BOB: u64 = 991_267_402;
const ALICE: u64 = 991_267_401;

async fn start_sim(rate_limit_per_minute: u32) -> IntercomSim {
    IntercomSim::start(sim::intercom::Config {
        seed: Seed::Demo,
        rate_limit_per_minute,
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn demo_sim() -> IntercomSim {
    start_sim(10_000).await
}

/// Production settings but quick retries, so failing tests fail fast.
fn config(sim: &IntercomSim) -> Config {
    Config {
        retry_backoff: Duration::from_millis(20),
        ..Config::new(&sim.url())
    }
}

fn client_with(sim: &IntercomSim, config: Config) -> Client {
    Client::with_config(config, SecretString::from(sim.access_token()))
}

fn client(sim: &IntercomSim) -> Client {
    client_with(sim, config(sim))
}

/// Requests the simulator answered on `route` (`"GET /admins"`).
fn calls(sim: &IntercomSim, route: &str) -> u64 {
    sim.request_counts().get(route).copied().unwrap_or(0)
}

fn contact_id(sim: &IntercomSim, email: &str) -> String {
    sim.contact_id_by_email(email).expect("a demo contact")
}

#[tokio::test]
async fn lists_conversations_newest_activity_first_following_the_cursor() {
    let sim = demo_sim().await;
    let paged = client_with(
        &sim,
        Config {
            page_size: 2,
            ..config(&sim)
        },
    );
    let list = paged.conversations(5).await.unwrap().conversations;
    assert_eq!(list.len(), 5);
    assert_eq!(calls(&sim, "GET /conversations"), 3, "pages of 2, 2 and 1");
    assert!(
        list.windows(2).all(|w| w[0].updated_at >= w[1].updated_at),
        "{list:#?}"
    );

    // All six demo conversations fit one page of the default size.
    let all = client(&sim).conversations(50).await.unwrap().conversations;
    assert_eq!(all.len(), 6);
    assert_eq!(calls(&sim, "GET /conversations"), 4);
    assert!(all.windows(2).all(|w| w[0].updated_at >= w[1].updated_at));
    // The seats conversation had the latest activity (two replies and a close).
    let newest = &all[0];
    assert_eq!(newest.state, ConversationState::Closed);
    assert_eq!(newest.preview, "How do we add more seats to our plan?");
    let noah = newest.contact.as_ref().unwrap();
    assert_eq!(noah.name.as_deref(), Some("Noah Haddad"));
    assert_eq!(
        noah.email.as_deref(),
        Some("noah.haddad@umbrella.example.com")
    );
    assert_eq!(noah.role, "user");
    assert_eq!(
        noah.id,
        contact_id(&sim, "noah.haddad@umbrella.example.com")
    );

    let export = all
        .iter()
        .find(|c| c.preview.starts_with("The export fails"))
        .unwrap();
    assert_eq!(
        export.preview,
        "The export fails with this error: https://downloads.intercomcdn.com/i/o/sfbdemo1/export-error.png"
    );
    assert_eq!(export.state, ConversationState::Open);
    let lead = all
        .iter()
        .find(|c| c.preview.starts_with("Do you offer discounts"))
        .unwrap();
    assert_eq!(lead.contact.as_ref().unwrap().role, "lead");
    // Customer-initiated conversations name their contact: no contact was read.
    assert_eq!(calls(&sim, "GET /contacts/{id}"), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_conversation_a_teammate_started_reads_its_contact() {
    let sim = demo_sim().await;
    let ava = contact_id(&sim, "ava.garcia@northwindlabs.example.com");
    let sent = reqwest::Client::new()
        .post(format!("{}/messages", sim.url()))
        .bearer_auth(sim.access_token())
        .json(
            &serde_json::json!({"message_type": "inapp", "body": "Hello from the Sales team",
            "from": {"type": "admin", "id": BOB.to_string()}, "to": {"type": "lead", "id": ava}}),
        )
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{}", sent.text().await.unwrap());

    let all = client(&sim).conversations(50).await.unwrap().conversations;
    let started = all
        .iter()
        .find(|c| c.preview == "Hello from the Sales team")
        .unwrap();
    let contact = started.contact.as_ref().unwrap();
    assert_eq!(contact.id, ava);
    assert_eq!(contact.name.as_deref(), Some("Ava Garcia"));
    assert_eq!(contact.role, "lead");
    assert_eq!(calls(&sim, "GET /contacts/{id}"), 1);

    let transcript = client(&sim).conversation(&started.id).await.unwrap();
    assert_eq!(transcript.parts.len(), 1);
    assert_eq!(transcript.parts[0].author.kind, AuthorKind::Teammate);
    assert_eq!(
        transcript.parts[0].author.name.as_deref(),
        Some("Bob Baker")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_transcript_is_plain_text_oldest_first() {
    let sim = demo_sim().await;
    let client = client(&sim);
    let all = client.conversations(50).await.unwrap().conversations;
    let id_of = |preview: &str| {
        all.iter()
            .find(|c| c.preview.starts_with(preview))
            .unwrap()
            .id
            .clone()
    };

    let invoice = client
        .conversation(&id_of("Our last invoice"))
        .await
        .unwrap();
    assert_eq!(invoice.state, ConversationState::Open);
    assert_eq!(
        invoice.contact.as_ref().unwrap().name.as_deref(),
        Some("Maya Patel")
    );
    // The assignment has no body and is left out; the attached screenshot follows the text.
    let parts: Vec<(AuthorKind, Option<&str>, &str)> = invoice
        .parts
        .iter()
        .map(|p| (p.author.kind, p.author.name.as_deref(), p.body.as_str()))
        .collect();
    assert_eq!(
        parts,
        [
            (
                AuthorKind::Contact,
                Some("Maya Patel"),
                "Our last invoice shows the wrong amount. Can you check?\nhttps://downloads.intercomcdn.com/i/o/sfbdemo1/screenshot-invoice.png"
            ),
            (
                AuthorKind::Teammate,
                Some("Bob Baker"),
                "Thanks Maya, looking into it now."
            ),
        ]
    );
    assert!(invoice.parts[0].created_at < invoice.parts[1].created_at);

    let label = client
        .conversation(&id_of("Here is a photo"))
        .await
        .unwrap();
    assert_eq!(
        label.parts[1].body,
        "And the back side:\nhttps://downloads.intercomcdn.com/i/o/sfbdemo1/label-back.jpg"
    );

    // A new conversation with entities, a line break, a note and a close.
    let zoe = contact_id(&sim, "zoe.nguyen@hooli.example.com");
    let id = sim
        .contact_starts_conversation(
            &zoe,
            "<p>Tom &amp; Jerry&#39;s order<br>arrived &lt;broken&gt;</p>",
            vec![],
        )
        .unwrap();
    sim.teammate_acts(
        &id,
        PartInput::admin("note", BOB, Some("<p>Checking the <b>courier</b></p>")),
    )
    .unwrap();
    sim.contact_replies(&id, &zoe, "<p>Any news?</p>", vec![])
        .unwrap();
    sim.teammate_acts(&id, PartInput::admin("close", BOB, None))
        .unwrap();
    let transcript = client.conversation(&id).await.unwrap();
    assert_eq!(transcript.state, ConversationState::Closed);
    let bodies: Vec<&str> = transcript.parts.iter().map(|p| p.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Tom & Jerry's order\narrived <broken>",
            "Checking the courier",
            "Any news?"
        ]
    );
    assert!(
        transcript
            .parts
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_contact_reads_with_its_external_id_and_companies() {
    let sim = demo_sim().await;
    let client = client(&sim);
    let maya_id = contact_id(&sim, "maya.patel@globex.example.com");
    let maya = client.contact(&maya_id).await.unwrap();
    assert_eq!(maya.id, maya_id);
    assert_eq!(maya.role, ContactRole::User);
    assert_eq!(maya.external_id.as_deref(), Some("u-1001"));
    assert_eq!(maya.email.as_deref(), Some("maya.patel@globex.example.com"));
    assert_eq!(maya.name.as_deref(), Some("Maya Patel"));
    assert_eq!(maya.owner_id.as_deref(), Some(ALICE.to_string().as_str()));
    assert_eq!(maya.company_ids.len(), 1);

    let lead = client
        .contact(&contact_id(&sim, "ava.garcia@northwindlabs.example.com"))
        .await
        .unwrap();
    assert_eq!(lead.role, ContactRole::Lead);
    assert_eq!(lead.external_id, None);
    assert_eq!(lead.phone.as_deref(), Some("+1 555 0300"));
    assert!(lead.company_ids.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn me_and_admins_name_the_installing_teammate() {
    let sim = demo_sim().await;
    let client = client(&sim);
    let me = client.me().await.unwrap();
    assert_eq!(me.workspace_id, sim.workspace_id());
    assert_eq!(me.admin_id, sim.installer_admin_id().to_string());
    assert_eq!(me.admin_email.as_deref(), Some("alice@example.com"));

    let admins = client.admins().await.unwrap();
    let emails: Vec<Option<&str>> = admins.iter().map(|a| a.email.as_deref()).collect();
    assert_eq!(
        emails,
        [
            Some("alice@example.com"),
            Some("bob@example.com"),
            Some("carol@example.com"),
            Some("dave@example.com")
        ]
    );
    assert!(admins.contains(&me.teammate()));
    assert_eq!(me.teammate().name, "Alice Anders");
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_records_are_not_found_and_not_retried() {
    let sim = demo_sim().await;
    let client = client(&sim);
    let missing = client.conversation("999999").await.unwrap_err();
    assert!(
        matches!(&missing, IntercomError::NotFound { code, .. } if code == "not_found"),
        "{missing:?}"
    );
    assert_eq!(calls(&sim, "GET /conversations/{id}"), 1);
    let missing = client
        .contact("000000000000000000000000")
        .await
        .unwrap_err();
    assert!(
        matches!(missing, IntercomError::NotFound { .. }),
        "{missing:?}"
    );
    assert_eq!(calls(&sim, "GET /contacts/{id}"), 1);
    // Ids are one path segment each: this one cannot reach another resource.
    let odd = client.conversation("../admins").await.unwrap_err();
    assert!(matches!(odd, IntercomError::NotFound { .. }), "{odd:?}");
    assert_eq!(calls(&sim, "GET /admins"), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bad_token_is_unauthorized_and_not_retried() {
    let sim = demo_sim().await;
    let client = Client::with_config(config(&sim), SecretString::from("not-a-valid-token"));
    let error = client.admins().await.unwrap_err();
    assert_eq!(
        error,
        IntercomError::Unauthorized {
            code: "unauthorized".into(),
            message: "Access Token Invalid".into()
        }
    );
    assert!(!error.to_string().contains("not-a-valid-token"), "{error}");
    assert!(!format!("{error:?}").contains("not-a-valid-token"));
    assert_eq!(calls(&sim, "GET /admins"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let sim = demo_sim().await;
    let client = client(&sim);
    sim.inject_fault(Fault::next(2, FaultKind::Status(503)));
    assert_eq!(client.admins().await.unwrap().len(), 4);
    assert_eq!(calls(&sim, "GET /admins"), 3);

    sim.inject_fault(Fault::next(3, FaultKind::Status(500)));
    let error = client.admins().await.unwrap_err();
    assert!(
        matches!(&error, IntercomError::Api { status: 500, code, .. } if code == "server_error"),
        "{error:?}"
    );
    assert_eq!(calls(&sim, "GET /admins"), 6, "three attempts, no more");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_timed_out_read_is_retried() {
    let sim = demo_sim().await;
    let client = client_with(
        &sim,
        Config {
            request_timeout: Duration::from_millis(300),
            ..config(&sim)
        },
    );
    sim.inject_fault(Fault::next(1, FaultKind::Latency(2_000)));
    assert_eq!(client.admins().await.unwrap().len(), 4);
    assert_eq!(calls(&sim, "GET /admins"), 2);
    sim.shutdown().await;
}

/// A server that reads each request's head, keeps it, and hangs up without answering.
async fn hang_up_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let kept = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            kept.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).to_lowercase());
        }
    });
    (url, heads)
}

#[tokio::test]
async fn dropped_connections_are_retried_three_times() {
    let (url, heads) = hang_up_server().await;
    let client = Client::with_config(
        Config {
            retry_backoff: Duration::from_millis(20),
            ..Config::new(&url)
        },
        SecretString::from("tok-123"),
    );
    let error = client.admins().await.unwrap_err();
    assert!(matches!(error, IntercomError::Transport(_)), "{error:?}");
    assert!(!error.to_string().contains("tok-123"), "{error}");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 3, "{heads:?}");
    for head in heads {
        assert!(head.starts_with("get /admins http/1.1\r\n"), "{head}");
        assert!(head.contains("\r\nintercom-version: 2.11\r\n"), "{head}");
        assert!(head.contains("\r\naccept: application/json\r\n"), "{head}");
        assert!(
            head.contains("\r\nauthorization: bearer tok-123\r\n"),
            "{head}"
        );
    }
}

#[tokio::test]
async fn a_429_waits_for_the_reset_and_retries_once() {
    let sim = demo_sim().await;
    let client = client(&sim);
    sim.inject_fault(Fault::next(1, FaultKind::RateLimited));
    let started = Instant::now();
    assert_eq!(client.admins().await.unwrap().len(), 4);
    assert_eq!(calls(&sim, "GET /admins"), 2);
    // The simulator's windows are 10 s long.
    assert!(started.elapsed() <= Duration::from_secs(11));

    // A second 429 in a row is the caller's to handle.
    sim.inject_fault(Fault::next(2, FaultKind::RateLimited));
    let error = client.admins().await.unwrap_err();
    assert!(
        matches!(error, IntercomError::RateLimited { reset_at: Some(_) }),
        "{error:?}"
    );
    assert_eq!(calls(&sim, "GET /admins"), 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_429_too_far_from_its_reset_fails_fast() {
    let sim = demo_sim().await;
    let impatient = client_with(
        &sim,
        Config {
            max_rate_limit_wait: Duration::ZERO,
            ..config(&sim)
        },
    );
    sim.inject_fault(Fault::next(1, FaultKind::RateLimited));
    let started = Instant::now();
    let error = impatient.admins().await.unwrap_err();
    let IntercomError::RateLimited {
        reset_at: Some(reset_at),
    } = error
    else {
        panic!("{error:?}")
    };
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(calls(&sim, "GET /admins"), 1);
    // Until the reset, the next call is refused without asking Intercom.
    if Utc::now() < reset_at - chrono::Duration::milliseconds(500) {
        let again = impatient.admins().await.unwrap_err();
        assert!(
            matches!(again, IntercomError::RateLimited { .. }),
            "{again:?}"
        );
        assert_eq!(calls(&sim, "GET /admins"), 1);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_spent_window_is_waited_out_before_the_next_call() {
    // Three calls per 10-second window.
    let sim = start_sim(18).await;
    let client = client(&sim);
    let clone = client.clone();
    // Start in a window with time left, so the calls below share it.
    client.admins().await.unwrap();
    let first = client.rate_limit().expect("rate-limit headers");
    assert_eq!(first.limit, 18);
    let left = (first.reset_at - Utc::now()).to_std().unwrap_or_default();
    if left < Duration::from_secs(3) {
        tokio::time::sleep(left).await;
    }
    let mut spent = None;
    for _ in 0..4 {
        clone.admins().await.unwrap();
        let now = client.rate_limit().unwrap();
        if now.remaining == 0 {
            spent = Some(now);
            break;
        }
    }
    let spent = spent.expect("the window was spent");
    // Clones share what Intercom last said.
    assert_eq!(clone.rate_limit(), client.rate_limit());
    let before = calls(&sim, "GET /admins");

    client.admins().await.unwrap();
    assert!(Utc::now() >= spent.reset_at, "waited for the reset");
    assert_eq!(
        calls(&sim, "GET /admins"),
        before + 1,
        "no call hit the spent window"
    );
    sim.shutdown().await;
}
