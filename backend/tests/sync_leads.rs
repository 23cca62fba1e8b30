//! Lead creation, end to end over real HTTP against both simulators: a website lead with an
//! email and a name becomes a Salesforce Lead through the required fields' fallbacks; the
//! Messenger's company, attached a moment later, becomes the Lead's Company; a refusal the
//! org still makes is a ledger row with its code, retried only when retrying can help.

mod support;
mod sync_support;

use std::time::Duration;

use serde_json::{Value, json};
use sim::salesforce::org::ValidationRule;
use support::World;
use sync_support::*;

/// The Salesforce Lead with this email, once the sync made it.
async fn lead_with_email(world: &World, email: &str) -> Value {
    let query =
        format!("SELECT Id, Company, LastName, Region__c FROM Lead WHERE Email = '{email}'");
    eventually(Duration::from_secs(15), "the Lead", || async {
        soql(world, &query).await.into_iter().next()
    })
    .await
}

/// A visitor leaving their email in the Messenger; with `company`, the page tells Intercom
/// their company a moment later. The lead's Intercom id.
async fn messenger_lead(
    world: &World,
    email: &str,
    name: &str,
    company: Option<(&str, &str)>,
    attach_after_ms: u64,
) -> String {
    let mut body = json!({"email": email, "name": name});
    if let Some((company_id, company_name)) = company {
        body["company"] = json!({"company_id": company_id, "name": company_name});
        body["attach_after_ms"] = json!(attach_after_ms);
    }
    let response = world
        .http
        .post(format!("{}/__sim/messenger/leads", world.intercom.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status} {answer}");
    answer["contact_id"].as_str().unwrap().to_owned()
}

/// The Intercom id of the company with this `company_id`.
async fn company_of(world: &World, company_id: &str) -> String {
    let list = intercom(
        world,
        reqwest::Method::GET,
        &format!("/companies?company_id={company_id}"),
        Value::Null,
    )
    .await;
    list["data"][0]["id"].as_str().unwrap().to_owned()
}

/// The demo with batches gathered for 50 ms and retries after 100 ms, so tests wait less.
async fn quick_world() -> World {
    World::start_with(|config| {
        config.sync.gather = Duration::from_millis(50);
        config.sync.retry = sfbridge::jobs::RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
    })
    .await
}

/// Saves the demo's mappings with these fallbacks.
async fn save_fallbacks(world: &World, fallbacks: Value) -> (u16, Value) {
    let (_, current) = world.get("/api/settings/sync").await;
    let response = world
        .http
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({"mappings": current["mappings"], "lead_fallbacks": fallbacks}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_website_lead_with_only_an_email_and_a_name_becomes_a_lead_with_the_fallbacks() {
    let world = quick_world().await;
    let made = create_contact(
        &world,
        json!({"role": "lead", "email": "visitor@website.example", "name": "Vera Visitor"}),
    )
    .await;
    let vera = made["id"].as_str().unwrap().to_owned();
    let created = ledger_entry(&world, &vera, |e| {
        e["direction"] == "to_salesforce" && e["outcome"] == "created"
    })
    .await;
    assert_eq!(created["object"], "lead");
    // The row names the fallbacks used: the placeholder for the text, the first active value
    // of the restricted picklist.
    assert_eq!(
        created["detail"],
        "Intercom had no value for a required field; fallbacks used: Company = \"[not provided]\", Region__c = \"AMER\"."
    );
    let lead = world
        .salesforce
        .record(created["salesforce_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(lead["Company"], "[not provided]");
    assert_eq!(lead["Region__c"], "AMER");
    assert_eq!(lead["LastName"], "Vera Visitor");
    assert_eq!(lead["Email"], "visitor@website.example");
    world.stop().await;
}

#[tokio::test]
async fn the_settings_api_shows_and_checks_the_fallbacks() {
    let world = quick_world().await;
    let (status, view) = world.get("/api/settings/sync").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["lead_fallbacks"], json!({}));
    assert_eq!(
        view["lead_fallback_defaults"],
        json!({"Company": "[not provided]", "LastName": "[not provided]", "Region__c": "AMER"})
    );

    let (status, refused) =
        save_fallbacks(&world, json!({"Region__c": "MARS", "Title": "CEO"})).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "settings_refused");
    assert_eq!(
        refused["problems"],
        json!([
            {"scope": "lead_fallback", "field": "Region__c", "rule": "not_in_picklist"},
            {"scope": "lead_fallback", "field": "Title", "rule": "not_required"},
        ])
    );

    let chosen = json!({"Company": "Website visitor", "Region__c": "EMEA", "LastName": null});
    let (status, saved) = save_fallbacks(&world, chosen.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        world.get("/api/settings/sync").await.1["lead_fallbacks"],
        chosen
    );
    // Saving the mappings alone keeps the fallbacks.
    let (_, current) = world.get("/api/settings/sync").await;
    let response = world
        .http
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({"mappings": current["mappings"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        world.get("/api/settings/sync").await.1["lead_fallbacks"],
        chosen
    );
    // A teammate who is not an admin cannot change them.
    let refused = world
        .anonymous
        .put(format!("{}/api/settings/sync/mappings", world.app))
        .json(&json!({"mappings": current["mappings"], "lead_fallbacks": {}}))
        .send()
        .await
        .unwrap();
    assert_ne!(refused.status(), 200);

    let made = create_contact(
        &world,
        json!({"role": "lead", "email": "chosen@website.example", "name": "Cho Sen"}),
    )
    .await;
    let lead = lead_with_email(&world, "chosen@website.example").await;
    assert_eq!(lead["Company"], "Website visitor");
    assert_eq!(lead["Region__c"], "EMEA");
    let id = made["id"].as_str().unwrap();
    ledger_entry(&world, id, |e| e["outcome"] == "created").await;
    world.stop().await;
}

#[tokio::test]
async fn the_messenger_s_company_attached_a_moment_later_is_the_lead_s_company() {
    let world = quick_world().await;
    let lead = messenger_lead(
        &world,
        "mia@initech.example",
        "Mia Messenger",
        Some(("INI-1", "Initech")),
        // Long enough for the Lead to be created first, with the fallback.
        1500,
    )
    .await;
    let made = eventually(
        Duration::from_secs(15),
        "Initech as the Company",
        || async {
            let lead = soql(
                &world,
                "SELECT Id, Company FROM Lead WHERE Email = 'mia@initech.example'",
            )
            .await
            .into_iter()
            .next()?;
            (lead["Company"] == "Initech").then_some(lead)
        },
    )
    .await;
    queue_drained(&world).await;
    // One Lead, linked, and nothing failed on the way.
    assert_eq!(
        soql(
            &world,
            "SELECT Id FROM Lead WHERE Email = 'mia@initech.example'"
        )
        .await
        .len(),
        1
    );
    let link = world
        .store
        .person_link("demo", &lead)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.salesforce_id, made["Id"].as_str().unwrap());
    // Created with the fallback, then the attachment re-synced the Company alone.
    let rows = ledger_of(&world, &lead).await;
    assert!(rows.iter().all(|e| e["outcome"] != "failed"), "{rows:#?}");
    let created = rows.iter().find(|e| e["outcome"] == "created").unwrap();
    assert!(
        created["detail"]
            .as_str()
            .unwrap()
            .contains("Company = \"[not provided]\""),
        "{created}"
    );
    let updated = rows.iter().find(|e| e["outcome"] == "updated").unwrap();
    assert_eq!(updated["fields"], json!(["Company"]), "{updated}");

    // Detached from Initech, the Lead's Company cannot be emptied: it holds the fallback.
    let company = company_of(&world, "INI-1").await;
    intercom(
        &world,
        reqwest::Method::DELETE,
        &format!("/contacts/{lead}/companies/{company}"),
        Value::Null,
    )
    .await;
    eventually(Duration::from_secs(15), "the fallback again", || async {
        let lead = one(
            &world,
            "SELECT Company FROM Lead WHERE Email = 'mia@initech.example'",
        )
        .await;
        (lead["Company"] == "[not provided]").then_some(())
    })
    .await;
    world.stop().await;
}

#[tokio::test]
async fn a_hundred_messenger_leads_all_become_leads_with_their_company() {
    let world = quick_world().await;
    for i in 0..100 {
        messenger_lead(
            &world,
            &format!("visitor{i}@batch.example"),
            &format!("Visitor {i}"),
            Some((&format!("BATCH-{i}"), &format!("Batch Company {i}"))),
            20,
        )
        .await;
    }
    let leads = eventually(
        Duration::from_secs(60),
        "100 Leads with their company",
        || async {
            let leads = soql(
                &world,
                "SELECT Email, Company FROM Lead WHERE Email LIKE 'visitor%@batch.example'",
            )
            .await;
            let done = leads.len() == 100
                && leads.iter().all(|l| {
                    let email = l["Email"].as_str().unwrap_or_default();
                    let i = email
                        .trim_start_matches("visitor")
                        .trim_end_matches("@batch.example");
                    l["Company"] == format!("Batch Company {i}").as_str()
                });
            done.then_some(leads)
        },
    )
    .await;
    assert_eq!(leads.len(), 100);
    queue_drained(&world).await;
    let (status, page) = world
        .get("/api/sync/ledger?direction=to_salesforce&outcome=failed")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["entries"], json!([]), "{page}");
    world.stop().await;
}

#[tokio::test]
async fn a_validation_rule_s_refusal_is_a_ledger_row_with_its_code_and_is_not_retried() {
    let world = quick_world().await;
    let message = "Website leads need a real company before they reach Salesforce.";
    world.salesforce.add_validation_rule(ValidationRule {
        object: "Lead".to_owned(),
        field: "Company".to_owned(),
        values: vec!["[not provided]".to_owned()],
        message: message.to_owned(),
        at_field: true,
    });
    let made = create_contact(
        &world,
        json!({"role": "lead", "email": "ruled@website.example", "name": "Rue Ruled"}),
    )
    .await;
    let rue = made["id"].as_str().unwrap().to_owned();
    let refused = ledger_entry(&world, &rue, |e| e["outcome"] == "failed").await;
    assert_eq!(refused["error_code"], "FIELD_CUSTOM_VALIDATION_EXCEPTION");
    assert_eq!(refused["error_message"], message);
    assert_eq!(refused["object"], "lead");
    // It stands: the job finished with its row, nothing parked, no second attempt.
    queue_drained(&world).await;
    let calls = world.salesforce.api_calls();
    let (_, parked) = world.get("/api/sync/jobs/parked").await;
    assert_eq!(parked["jobs"], json!([]), "{parked}");
    assert_eq!(
        ledger_of(&world, &rue)
            .await
            .iter()
            .filter(|e| e["outcome"] == "failed")
            .count(),
        1
    );
    assert_eq!(world.salesforce.api_calls(), calls);

    // With a company the rule lets the Lead through.
    let globex = company_of(&world, "ACC-0001").await;
    intercom(
        &world,
        reqwest::Method::POST,
        &format!("/contacts/{rue}/companies"),
        json!({ "id": globex }),
    )
    .await;
    let lead = lead_with_email(&world, "ruled@website.example").await;
    assert_eq!(lead["Company"], "Globex Corporation");
    world.stop().await;
}

#[tokio::test]
async fn a_record_held_by_another_transaction_is_retried_until_written() {
    let world = quick_world().await;
    world.salesforce.lock_writes(1);
    let made = create_contact(
        &world,
        json!({"role": "lead", "email": "locked@website.example", "name": "Lou Locked"}),
    )
    .await;
    let lou = made["id"].as_str().unwrap().to_owned();
    let lead = lead_with_email(&world, "locked@website.example").await;
    assert_eq!(lead["LastName"], "Lou Locked");
    ledger_entry(&world, &lou, |e| e["outcome"] == "created").await;
    assert!(
        ledger_of(&world, &lou)
            .await
            .iter()
            .all(|e| e["outcome"] != "failed"),
        "a retried refusal leaves no failed row"
    );
    world.stop().await;
}
