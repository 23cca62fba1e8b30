//! The reconciling sweep against the simulated org: changes and deletes of several objects in
//! one call, with an overlap that reports late rows again rather than skipping them.

use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;
use serde_json::json;
use sfbridge::salesforce::changes::ObjectCursor;
use sfbridge::salesforce::{self, Client};
use sim::Seed;
use sim::salesforce::SalesforceSim;

const OVERLAP: Duration = Duration::from_secs(60);

fn cursors() -> Vec<ObjectCursor> {
    ["Lead", "Contact", "Account", "User"]
        .iter()
        .map(|object| ObjectCursor {
            object: (*object).to_owned(),
            modified: None,
            deleted_until: None,
            more: false,
        })
        .collect()
}

#[tokio::test]
async fn one_call_sweeps_every_object_and_the_next_finds_what_changed_and_was_deleted() {
    let sim = SalesforceSim::start(sim::salesforce::Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::with_token(&sim.url(), SecretString::from(sim.access_token()));
    // Before the demo org's history begins (seeded records keep their dates on any day).
    let start = sim::salesforce::seed::seeded_from() - chrono::Duration::days(1);

    let before = sim.api_calls();
    let first = client
        .sweep(&cursors(), start, OVERLAP, Utc::now())
        .await
        .unwrap();
    assert_eq!(sim.api_calls() - before, 1, "one composite call");
    assert!(!first.more);
    let contacts: Vec<_> = first
        .changed
        .iter()
        .filter(|c| c.object == "Contact")
        .collect();
    assert_eq!(contacts.len(), sim.count("Contact"));
    assert!(first.cursors.iter().all(|c| c.modified.is_some()));
    let ordered = contacts
        .windows(2)
        .all(|w| (w[0].modstamp, &w[0].id) <= (w[1].modstamp, &w[1].id));
    assert!(ordered, "ordered by (SystemModstamp, Id)");

    // A UI change and an API delete, a few minutes on.
    let contact = contacts[0].id.clone();
    let gone = contacts[1].id.clone();
    let later = Utc::now() + chrono::Duration::minutes(3);
    sim.set_clock(Some(later));
    sim.ui_update(
        &sim.admin_user_id(),
        "Contact",
        &contact,
        json!({"Title": "Swept"}),
    )
    .unwrap();
    let deleted = reqwest::Client::new()
        .delete(format!(
            "{}/services/data/{}/sobjects/Contact/{gone}",
            sim.url(),
            salesforce::API_VERSION
        ))
        .bearer_auth(sim.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    sim.set_clock(Some(later + chrono::Duration::minutes(2)));

    let second = client
        .sweep(
            &first.cursors,
            start,
            OVERLAP,
            later + chrono::Duration::minutes(2),
        )
        .await
        .unwrap();
    let changed: Vec<_> = second.changed.iter().map(|c| c.id.as_str()).collect();
    assert!(changed.contains(&contact.as_str()), "{changed:?}");
    assert!(
        second
            .deleted
            .iter()
            .any(|d| d.id == gone && d.object == "Contact"),
        "{:?}",
        second.deleted
    );
    // Nothing older than the overlap comes back.
    assert!(changed.len() < contacts.len(), "{changed:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_object_with_no_change_yet_is_swept_on_from_where_its_first_sweep_began() {
    let sim = SalesforceSim::start(sim::salesforce::Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::with_token(&sim.url(), SecretString::from(sim.access_token()));
    let lead: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/services/data/{}/query",
            sim.url(),
            salesforce::API_VERSION
        ))
        .query(&[("q", "SELECT Id FROM Lead ORDER BY Id LIMIT 1")])
        .bearer_auth(sim.access_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lead = lead["records"][0]["Id"].as_str().unwrap().to_owned();

    // The first sweep begins after the seed: nothing has changed since.
    let first_start = Utc::now() + chrono::Duration::minutes(1);
    let first_at = first_start + chrono::Duration::minutes(2);
    sim.set_clock(Some(first_at));
    let first = client
        .sweep(&cursors(), first_start, OVERLAP, first_at)
        .await
        .unwrap();
    assert!(first.changed.is_empty(), "{:?}", first.changed);

    // A Lead changes; the next sweep runs later, well past the overlap, and (as the listener
    // does) passes a fresh `start`, which only a sweep without cursors uses.
    sim.set_clock(Some(first_at + chrono::Duration::minutes(1)));
    sim.ui_update(
        &sim.admin_user_id(),
        "Lead",
        &lead,
        json!({"Title": "Changed between sweeps"}),
    )
    .unwrap();
    let second_at = first_at + chrono::Duration::minutes(10);
    sim.set_clock(Some(second_at));
    let second = client
        .sweep(
            &first.cursors,
            second_at - chrono::Duration::from_std(OVERLAP).unwrap(),
            OVERLAP,
            second_at,
        )
        .await
        .unwrap();
    let changed: Vec<_> = second.changed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(changed, [lead.as_str()]);
    sim.shutdown().await;
}

#[tokio::test]
async fn more_rows_sharing_one_timestamp_than_a_page_are_each_read_once_and_the_sweep_ends() {
    let sim = SalesforceSim::start(sim::salesforce::Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::with_token(&sim.url(), SecretString::from(sim.access_token()));
    // A bulk load: more contacts than a page, all stamped in the same second.
    let at = Utc::now() + chrono::Duration::minutes(5);
    sim.set_clock(Some(at));
    let admin = sim.admin_user_id();
    let total = sfbridge::salesforce::changes::PAGE as usize + 150;
    for n in 0..total {
        sim.ui_create(
            &admin,
            "Contact",
            json!({"LastName": format!("Bulk {n}"), "Email": format!("bulk{n}@load.example")}),
        )
        .unwrap();
    }
    let start = at - chrono::Duration::seconds(1);
    let before = sim.api_calls();
    let mut cursors = cursors();
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        let sweep = client.sweep(&cursors, start, OVERLAP, at).await.unwrap();
        pages += 1;
        assert!(pages <= 3, "the sweep must end");
        for c in sweep.changed.iter().filter(|c| c.object == "Contact") {
            assert!(seen.insert(c.id.clone()), "{} read twice", c.id);
        }
        cursors = sweep.cursors;
        if !sweep.more {
            break;
        }
    }
    assert_eq!(seen.len(), total);
    assert_eq!(pages, 2);
    assert_eq!(sim.api_calls() - before, 2, "one call per page");
    // The next sweep looks back over the overlap again, from the last row read.
    let again = client.sweep(&cursors, start, OVERLAP, at).await.unwrap();
    assert!(again.more, "the overlap holds a full page again");
    sim.shutdown().await;
}
