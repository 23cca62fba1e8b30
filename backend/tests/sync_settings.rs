//! The sync settings API end to end: the demo's org and workspace as metadata, every mapping
//! rule refused by name, identity changes that unlink, export and import.

mod support;

use serde_json::{Value, json};
use sfbridge::store::PersonLink;
use support::World;

async fn send(world: &World, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let response = world
        .http
        .request(method, format!("{}{path}", world.app))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn put_mappings(world: &World, mappings: Value) -> (u16, Value) {
    send(
        world,
        reqwest::Method::PUT,
        "/api/settings/sync/mappings",
        json!({ "mappings": mappings }),
    )
    .await
}

/// The rule each problem names (a mapping's refusal rule, or the problem's scope).
fn rules(body: &Value) -> Vec<String> {
    body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {body}"))
        .iter()
        .map(|p| {
            p["refusal"]["rule"]
                .as_str()
                .or(p["scope"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn mapping(object: &str, attribute: &str, field: &str, direction: &str) -> Value {
    json!({"object": object, "intercom_attribute": attribute, "salesforce_field": field,
           "direction": direction, "skip_if_source_empty": false,
           "skip_if_destination_has_value": false})
}

/// The demo's current mappings plus `extra`.
async fn current_plus(world: &World, extra: Value) -> Value {
    let (_, view) = world.get("/api/settings/sync").await;
    let mut all = view["mappings"].as_array().unwrap().clone();
    all.push(extra);
    Value::Array(all)
}

#[tokio::test]
async fn the_demo_settings_keep_every_rule_and_name_the_required_lead_fields() {
    let world = World::start().await;
    let (status, view) = world.get("/api/settings/sync").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["problems"], json!([]));
    assert_eq!(
        view["required_lead_fields"],
        json!(["LastName", "Company", "Region__c"])
    );
    assert_eq!(view["identity"]["people"]["match_by"], "external_id");
    assert_eq!(
        view["identity"]["people"]["salesforce_field"],
        "Intercom_Contact_Id__c"
    );
    assert_eq!(
        view["identity"]["companies"]["salesforce_field"],
        "AccountNumber"
    );

    let (status, meta) = world.get("/api/settings/sync/metadata").await;
    assert_eq!(status, 200);
    let fields = meta["salesforce_fields"].as_array().unwrap();
    let region = fields
        .iter()
        .find(|f| f["object"] == "lead" && f["name"] == "Region__c")
        .unwrap();
    assert_eq!(region["type"], "picklist");
    assert_eq!(region["nillable"], false);
    let formula = fields
        .iter()
        .find(|f| f["object"] == "contact" && f["name"] == "Email_Domain__c")
        .unwrap();
    assert_eq!(formula["calculated"], true);
    let attributes = meta["intercom_attributes"].as_array().unwrap();
    for name in [
        "custom_attributes.plan_tier",
        "custom_attributes.region",
        "email",
    ] {
        assert!(
            attributes
                .iter()
                .any(|a| a["model"] == "person" && a["name"] == name),
            "{name} missing"
        );
    }
    assert!(
        attributes
            .iter()
            .any(|a| a["model"] == "company" && a["name"] == "custom_attributes.region")
    );
    world.stop().await;
}

#[tokio::test]
async fn every_mapping_rule_is_refused_by_name() {
    let world = World::start().await;
    let before = world.get("/api/settings/sync").await.1;
    let cases = [
        (
            mapping(
                "contact",
                "unsubscribed_from_emails",
                "Phone",
                "to_salesforce",
            ),
            "incompatible_types",
        ),
        (
            mapping("contact", "Title", "Title", "to_salesforce"),
            "unknown_intercom_attribute",
        ),
        (
            mapping(
                "contact",
                "custom_attributes.seats",
                "Department",
                "to_intercom",
            ),
            "incompatible_types",
        ),
        (
            mapping(
                "lead",
                "unsubscribed_from_emails",
                "IsConverted",
                "to_salesforce",
            ),
            "read_only_destination",
        ),
        (
            mapping("contact", "role", "Department", "to_intercom"),
            "read_only_destination",
        ),
        (
            mapping("contact", "name", "Email_Domain__c", "to_salesforce"),
            "formula_field_as_destination",
        ),
        (
            mapping("account", "name", "BillingAddress", "to_salesforce"),
            "compound_field",
        ),
        (
            mapping("contact", "last_seen_at", "Description", "to_salesforce"),
            "high_frequency_attribute",
        ),
        (
            mapping("contact", "utm_source", "Department", "to_salesforce"),
            "utm_only_for_leads",
        ),
        (
            mapping("contact", "name", "Phone", "to_salesforce"),
            "already_mapped",
        ),
        (
            mapping("contact", "name", "Intercom_Contact_Id__c", "to_salesforce"),
            "identity_key",
        ),
        (
            mapping(
                "lead",
                "custom_attributes.plan_tier",
                "Company",
                "to_intercom",
            ),
            "required_lead_field_direction",
        ),
    ];
    for (extra, rule) in cases {
        let all = current_plus(&world, extra.clone()).await;
        let (status, body) = put_mappings(&world, all).await;
        assert_eq!(status, 422, "{extra} -> {body}");
        assert_eq!(body["error"]["code"], "settings_refused");
        assert!(rules(&body).contains(&rule.to_owned()), "{extra}: {body}");
    }
    // A UTM attribute may go to a Lead.
    let all = current_plus(
        &world,
        mapping("lead", "utm_source", "UTM_Source__c", "to_salesforce"),
    )
    .await;
    let (status, body) = put_mappings(&world, all.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mappings"], all);

    // Required Lead fields cannot lose their mapping, custom ones included.
    let without_region: Vec<Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["salesforce_field"] != "Region__c")
        .cloned()
        .collect();
    let (status, body) = put_mappings(&world, Value::Array(without_region)).await;
    assert_eq!(status, 422);
    assert_eq!(rules(&body), ["required_lead_field_unmapped"]);
    assert_eq!(body["problems"][0]["field"], "Region__c");
    let (_, after) = world.get("/api/settings/sync").await;
    assert_eq!(after["mappings"], all, "a refused save changes nothing");
    assert_ne!(after["mappings"], before["mappings"]);
    world.stop().await;
}

#[tokio::test]
async fn changing_an_identity_key_unlinks_everyone_and_says_how_many() {
    let world = World::start().await;
    let now = chrono::Utc::now().timestamp_millis();
    for (i, id) in ["c1", "c2", "c3"].iter().enumerate() {
        world
            .store
            .save_person_link(
                "demo",
                &PersonLink {
                    intercom_contact_id: (*id).to_owned(),
                    salesforce_object: "Contact".into(),
                    salesforce_id: format!("003{i:015}"),
                    linked_at: now,
                },
            )
            .await
            .unwrap();
    }
    let (_, view) = world.get("/api/settings/sync").await;
    let identity = view["identity"].clone();

    // Toggling the email fallback keeps the key, so the links stay.
    let mut no_fallback = identity.clone();
    no_fallback["people"]["email_fallback"] = json!(false);
    let (status, body) = send(
        &world,
        reqwest::Method::PUT,
        "/api/settings/sync/identity",
        no_fallback,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["unlinked"]["people"], 0);
    assert_eq!(world.store.person_links("demo").await.unwrap().len(), 3);

    // Matching by email alone needs no `Email` mapping on people; the demo maps Lead email, so
    // that mapping now uses the key and the change is refused until it goes.
    let by_email = json!({"people": {"match_by": "email"}, "companies": identity["companies"]});
    let (status, body) = send(
        &world,
        reqwest::Method::PUT,
        "/api/settings/sync/identity",
        by_email.clone(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(rules(&body).iter().all(|r| r == "identity_key"), "{body}");
    assert_eq!(world.store.person_links("demo").await.unwrap().len(), 3);

    let (_, view) = world.get("/api/settings/sync").await;
    let without_email: Vec<Value> = view["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["intercom_attribute"] != "email")
        .cloned()
        .collect();
    let (status, _) = put_mappings(&world, Value::Array(without_email)).await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &world,
        reqwest::Method::PUT,
        "/api/settings/sync/identity",
        by_email,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["unlinked"]["people"], 3);
    assert_eq!(body["unlinked"]["companies"], 0);
    assert_eq!(body["unlinked"]["notices"].as_array().unwrap().len(), 1);
    assert!(world.store.person_links("demo").await.unwrap().is_empty());

    // Company keys: a text area, the record Id and a non-key type are refused, naming the rule.
    for (field, rule) in [
        ("Description", "company_key_is_text_area"),
        ("Id", "company_key_is_record_id"),
        ("AnnualRevenue", "company_key_type"),
        ("NoSuchField__c", "unknown_field"),
    ] {
        let body =
            json!({"people": {"match_by": "email"}, "companies": {"salesforce_field": field}});
        let (status, answer) = send(
            &world,
            reqwest::Method::PUT,
            "/api/settings/sync/identity",
            body,
        )
        .await;
        assert_eq!(status, 422, "{field}: {answer}");
        assert_eq!(answer["problems"][0]["scope"], "company_identity");
        assert_eq!(rules(&answer), [rule], "{answer}");
    }
    let body = json!({"people": {"match_by": "external_id", "salesforce_field": "AccountId"}, "companies": {"salesforce_field": "External_Id__c"}});
    let (status, answer) = send(
        &world,
        reqwest::Method::PUT,
        "/api/settings/sync/identity",
        body,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(rules(&answer), ["people_key_not_email_or_text"]);

    let body = json!({"people": {"match_by": "email"}, "companies": {"salesforce_field": "External_Id__c"}});
    let (status, answer) = send(
        &world,
        reqwest::Method::PUT,
        "/api/settings/sync/identity",
        body,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["unlinked"]["people"], 0);
    assert_eq!(
        answer["unlinked"]["notices"].as_array().unwrap().len(),
        1,
        "the company key changed: {answer}"
    );
    world.stop().await;
}

#[tokio::test]
async fn mappings_export_and_import_as_versioned_json() {
    let world = World::start().await;
    let (status, file) = world.get("/api/settings/sync/mappings/export").await;
    assert_eq!(status, 200);
    assert_eq!(file["version"], 1);
    let (_, view) = world.get("/api/settings/sync").await;
    assert_eq!(file["mappings"], view["mappings"]);

    let mut changed = file.clone();
    changed["mappings"].as_array_mut().unwrap().push(mapping(
        "lead",
        "utm_campaign",
        "UTM_Campaign__c",
        "to_salesforce",
    ));
    let import = |body: Value| {
        send(
            &world,
            reqwest::Method::POST,
            "/api/settings/sync/mappings/import",
            body,
        )
    };
    let (status, body) = import(changed.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mappings"], changed["mappings"]);
    let (_, exported) = world.get("/api/settings/sync/mappings/export").await;
    assert_eq!(exported, changed);

    let (status, body) = import(json!({"version": 2, "mappings": []})).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "mappings_file_invalid");
    assert!(body["error"]["message"].as_str().unwrap().contains('2'));
    let (status, _) = import(json!({"mappings": []})).await;
    assert_eq!(status, 422);

    let mut broken = file.clone();
    broken["mappings"].as_array_mut().unwrap().push(mapping(
        "contact",
        "last_seen_at",
        "Description",
        "to_salesforce",
    ));
    let (status, body) = import(broken).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "mappings_import_refused");
    assert_eq!(rules(&body), ["high_frequency_attribute"]);
    let (_, still) = world.get("/api/settings/sync/mappings/export").await;
    assert_eq!(still, changed, "a refused import changes nothing");

    let (status, body) = send(
        &world,
        reqwest::Method::POST,
        "/api/settings/sync/mappings/import",
        json!("not a file"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_body");
    world.stop().await;
}
