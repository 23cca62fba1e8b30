//! Cases from the inbox end to end: the app, the simulated org and workspace, real HTTP. The
//! org's three Case record types, its assignment rules and its validation rule are the proof;
//! Salesforce calls are counted at the simulator.

mod support;

use serde_json::{Value, json};
use sim::intercom::demo::TEAMMATES;
use sim::salesforce::schema::record_type_id;
use sim::salesforce::seed::user_id;
use sim::salesforce::{Fault, FaultKind};
use support::World;

const MAYA: &str = "maya.patel@globex.example.com";

async fn send(world: &World, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
    let response = world
        .http
        .request(method, format!("{}{path}", world.app))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn set_settings(world: &World, form_mode: Value, owner_mode: &str) {
    let body = json!({"form_mode": form_mode, "owner_mode": owner_mode});
    let (status, saved) = send(world, reqwest::Method::PUT, "/api/settings/cases", &body).await;
    assert_eq!(status, 200, "{saved}");
}

async fn record_types(world: &World, owner_mode: &str) {
    set_settings(world, json!({"mode": "record_types"}), owner_mode).await;
}

async fn form(world: &World, conversation: &str) -> Value {
    let (status, form) = world
        .get(&format!("/api/cases/form?conversation_id={conversation}"))
        .await;
    assert_eq!(status, 200, "{form}");
    form
}

fn form_of<'a>(view: &'a Value, record_type: &str) -> &'a Value {
    view["schema"]["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["record_type"]["name"] == record_type)
        .unwrap_or_else(|| panic!("no {record_type} form in {view}"))
}

fn field<'a>(form: &'a Value, name: &str) -> &'a Value {
    form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["api_name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {form}"))
}

fn names(form: &Value) -> Vec<&str> {
    form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["api_name"].as_str().unwrap())
        .collect()
}

fn values(field: &Value) -> Vec<&str> {
    field["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect()
}

/// A new form instance id, as the browser makes one per opened form.
fn instance() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn submission(
    conversation: &str,
    form_instance_id: &str,
    record_type: Option<&str>,
    values: Value,
) -> Value {
    json!({"conversation_id": conversation, "form_instance_id": form_instance_id,
           "record_type_id": record_type, "values": values})
}

async fn file(world: &World, body: &Value) -> (u16, Value) {
    send(world, reqwest::Method::POST, "/api/cases", body).await
}

/// Files as the signed-in teammate `teammate` (`None`: the installer, the world's admin).
async fn file_by(world: &World, teammate: Option<u64>, body: &Value) -> (u16, Value) {
    let client = match teammate {
        Some(id) => world.sign_in_as(&id.to_string()).await,
        None => world.http.clone(),
    };
    let response = client
        .post(format!("{}/api/cases", world.app))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn record_type_forms_follow_the_layouts_ui_api_picklists_and_the_conversation() {
    let world = World::start().await;
    record_types(&world, "salesforce_rules").await;
    let conversation = world.conversation_of(MAYA).await;
    let view = form(&world, &conversation).await;
    let forms = view["schema"]["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 3, "{view}");

    let support = form_of(&view, "Support");
    assert_eq!(support["record_type"]["id"], record_type_id(1));
    assert_eq!(support["record_type"]["default"], true);
    assert_eq!(form_of(&view, "Billing")["record_type"]["default"], false);
    // Layout order, sections flattened.
    assert_eq!(
        names(support),
        [
            "Subject",
            "Status",
            "Priority",
            "Origin",
            "Type",
            "Reason",
            "ContactId",
            "AccountId",
            "SuppliedEmail",
            "Description"
        ]
    );
    assert_eq!(field(support, "Subject")["required"], true);
    assert_eq!(field(support, "Subject")["max_bytes"], 255);
    assert_eq!(field(support, "Description")["type"], "text_area");
    assert_eq!(field(support, "Description")["required"], false);
    assert_eq!(field(support, "SuppliedEmail")["type"], "email");
    assert_eq!(
        values(field(support, "Type")),
        ["Question", "Problem", "Feature Request"]
    );

    // Billing: its own picklist values and requirements.
    let billing = form_of(&view, "Billing");
    assert_eq!(values(field(billing, "Type")), ["Question", "Billing"]);
    assert_eq!(values(field(billing, "Priority")), ["Medium", "High"]);
    let billing_type = field(billing, "Type");
    assert_eq!(billing_type["required"], true);
    let default: Vec<&Value> = billing_type["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["default"] == true)
        .collect();
    assert_eq!(default[0]["value"], "Billing");
    assert_eq!(field(billing, "ContactId")["required"], true);
    assert_eq!(field(billing, "Description")["required"], true);

    // Bug Report: the dependent Product Area.
    let bug = form_of(&view, "Bug Report");
    assert!(
        !names(bug).contains(&"Type"),
        "not on the Bug Report layout"
    );
    let area = field(bug, "Product_Area__c");
    assert_eq!(area["controlled_by"]["controlling_field"], "Product__c");
    assert_eq!(
        area["controlled_by"]["valid_values"]["Mobile App"],
        json!(["Login", "Notifications", "Sync"])
    );
    let priority = field(bug, "Priority");
    assert_eq!(priority["required"], true);
    assert!(
        priority["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["value"] == "High" && v["default"] == true)
    );

    // The lookups hold the conversation's contact and their account.
    let card = world
        .get(&format!("/api/card?conversation_id={conversation}"))
        .await
        .1;
    let contact = &field(support, "ContactId")["prefill"];
    assert_eq!(contact["id"], card["person"]["id"]);
    assert_eq!(contact["name"], "Maya Patel");
    assert_eq!(
        field(support, "AccountId")["prefill"]["id"],
        card["account"]["id"]
    );
    // Subject and Description come from the transcript.
    let prefill = &view["conversation"];
    assert!(
        prefill["transcript"]
            .as_str()
            .unwrap()
            .contains("Maya Patel: Our last invoice shows the wrong amount."),
        "{prefill}"
    );
    assert_eq!(view["owner_mode"], "salesforce_rules");
    assert_eq!(view["teammates"].as_array().unwrap().len(), TEAMMATES.len());
    assert_eq!(view["installer_id"], TEAMMATES[0].0.to_string());
    world.stop().await;
}

#[tokio::test]
async fn filing_with_a_warm_schema_costs_two_calls_and_the_teammate_owns_the_case() {
    let world = World::start().await;
    record_types(&world, "assign_teammate").await;
    let conversation = world.conversation_of(MAYA).await;
    let view = form(&world, &conversation).await;
    let contact_id = field(form_of(&view, "Billing"), "ContactId")["prefill"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let account_id = field(form_of(&view, "Billing"), "AccountId")["prefill"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let carol = TEAMMATES[2];
    let body = submission(
        &conversation,
        &instance(),
        Some(record_type_id(2)),
        json!({"Subject": "Invoice shows the wrong amount", "Status": "New", "Priority": "High",
               "Type": "Billing", "ContactId": contact_id, "AccountId": account_id,
               "Description": "Maya Patel: Our last invoice shows the wrong amount."}),
    );
    // Carol files it, signed in as herself.
    let carol_signed_in = world.sign_in_as(&carol.0.to_string()).await;
    let before = world.salesforce.api_calls();
    let answer = carol_signed_in
        .post(format!("{}/api/cases", world.app))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let filed: Value = answer.json().await.unwrap();
    let calls = world.salesforce.api_calls() - before;
    assert_eq!(status, 201, "{filed}");
    // The teammate's user (one query) and the create with its read-back (one composite).
    assert_eq!(calls, 2, "filing with a warm schema");
    println!("filing a case with a warm schema cache: {calls} Salesforce calls");

    let case = world
        .salesforce
        .record(filed["case_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(case["CaseNumber"], filed["case_number"]);
    assert_eq!(case["RecordTypeId"], record_type_id(2));
    assert_eq!(case["ContactId"], contact_id);
    assert_eq!(case["AccountId"], account_id);
    assert_eq!(case["Type"], "Billing");
    assert_eq!(case["OwnerId"], user_id(2), "Carol's Salesforce user");
    assert_eq!(filed["owner"]["by"], "teammate");
    assert_eq!(filed["owner"]["name"], "Carol Chen");
    assert!(
        filed["url"].as_str().unwrap().ends_with(&format!(
            "/Case/{}/view",
            filed["case_id"].as_str().unwrap()
        )),
        "{filed}"
    );
    world.stop().await;
}

#[tokio::test]
async fn owner_modes_and_both_fallbacks() {
    let world = World::start().await;
    let conversation = world.conversation_of(MAYA).await;
    form(&world, &conversation).await;
    let subject = |s: &str| json!({"Subject": s, "Status": "New", "Origin": "Web"});
    let file_as = |record_type: u64, s: &'static str| {
        submission(
            &conversation,
            &instance(),
            Some(record_type_id(record_type)),
            if record_type == 3 {
                json!({"Subject": s, "Status": "New", "Priority": "High", "Product__c": "Platform",
                       "Product_Area__c": "API", "Description": "Steps"})
            } else {
                subject(s)
            },
        )
    };
    let owner_of = |filed: &Value| {
        world
            .salesforce
            .record(filed["case_id"].as_str().unwrap())
            .unwrap()["OwnerId"]
            .clone()
    };

    // Salesforce's rules: Support cases go to Carol, bug reports to Dave, whoever files.
    record_types(&world, "salesforce_rules").await;
    let (status, filed) = file_by(&world, Some(TEAMMATES[0].0), &file_as(1, "Rules")).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(owner_of(&filed), user_id(2));
    assert_eq!(filed["owner"]["by"], "salesforce_rules");
    let (_, filed) = file_by(&world, Some(TEAMMATES[0].0), &file_as(3, "Bug")).await;
    assert_eq!(owner_of(&filed), user_id(3));

    record_types(&world, "assign_teammate").await;
    // Alice may edit cases: she owns what she files, and a bug report stays hers.
    let (_, filed) = file_by(&world, Some(TEAMMATES[0].0), &file_as(3, "Alice")).await;
    assert_eq!(owner_of(&filed), user_id(0));
    assert_eq!(filed["owner"]["by"], "teammate");
    // Without a named teammate, the installer (Alice) files.
    let (_, filed) = file_by(&world, None, &file_as(1, "Installer")).await;
    assert_eq!(owner_of(&filed), user_id(0));
    // Bob's profile may not edit cases: Salesforce's rules decide, and the answer says so.
    let (status, filed) = file_by(&world, Some(TEAMMATES[1].0), &file_as(1, "Bob")).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(owner_of(&filed), user_id(2));
    assert_eq!(
        filed["owner"],
        json!({"by": "fell_back", "email": "bob@example.com"})
    );
    // Dave has no Salesforce user with his Intercom email any more.
    world
        .salesforce
        .ui_update(
            &user_id(0),
            "User",
            &user_id(3),
            json!({"Email": "dave.diaz@elsewhere.example"}),
        )
        .unwrap();
    let (_, filed) = file_by(&world, Some(TEAMMATES[3].0), &file_as(1, "Dave")).await;
    assert_eq!(owner_of(&filed), user_id(2));
    assert_eq!(filed["owner"]["by"], "fell_back");
    // Someone who is no teammate of the workspace cannot sign in to file anything.
    let token = world
        .state
        .auth
        .make_installer_link(&world.store, sfbridge::demo::DEMO_INSTALLATION_ID, "42")
        .await
        .unwrap();
    let refused = world
        .anonymous
        .post(format!("{}/auth/link", world.app))
        .header("Origin", &world.app)
        .json(&json!({"token": secrecy::ExposeSecret::expose_secret(&token)}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "not_a_teammate");
    world.stop().await;
}

#[tokio::test]
async fn one_form_instance_files_one_case_even_when_submitted_twice_at_once() {
    let world = World::start().await;
    record_types(&world, "salesforce_rules").await;
    let conversation = world.conversation_of(MAYA).await;
    form(&world, &conversation).await;
    let cases_before = world.salesforce.count("Case");
    let body = submission(
        &conversation,
        &instance(),
        Some(record_type_id(1)),
        json!({"Subject": "Twice", "Status": "New", "Origin": "Web"}),
    );
    let before = world.salesforce.api_calls();
    let (status, first) = file(&world, &body).await;
    assert_eq!(status, 201, "{first}");
    // Salesforce's own assignment: no user to look up, only the composite create.
    assert_eq!(world.salesforce.api_calls() - before, 1);
    let before = world.salesforce.api_calls();
    let (status, again) = file(&world, &body).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again, first, "a repeated submit answers the first case");
    assert_eq!(
        world.salesforce.api_calls(),
        before,
        "and asks Salesforce nothing"
    );
    assert_eq!(world.salesforce.count("Case"), cases_before + 1);

    // A double click: the second request arrives while the first one's create is under way.
    world.salesforce.inject(Fault::next(
        FaultKind::Latency(std::time::Duration::from_millis(400)),
        1,
    ));
    let body = submission(
        &conversation,
        &instance(),
        Some(record_type_id(1)),
        json!({"Subject": "Double click", "Status": "New", "Origin": "Web"}),
    );
    let (a, b) = tokio::join!(file(&world, &body), file(&world, &body));
    assert_eq!((a.0, b.0), (201, 201), "{a:?} {b:?}");
    assert_eq!(a.1, b.1);
    assert_eq!(world.salesforce.count("Case"), cases_before + 2);
    world.stop().await;
}

#[tokio::test]
async fn an_invalid_form_sends_nothing_and_salesforce_refusals_land_on_their_fields() {
    let world = World::start().await;
    record_types(&world, "salesforce_rules").await;
    let conversation = world.conversation_of(MAYA).await;
    form(&world, &conversation).await;
    let id = instance();

    // Missing required fields, a value of another record type, too many bytes.
    let before = world.salesforce.api_calls();
    let (status, refused) = file(
        &world,
        &submission(
            &conversation,
            &id,
            Some(record_type_id(2)),
            json!({"Status": "New", "Type": "Problem", "Description": "é".repeat(20_000)}),
        ),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "case_invalid");
    let errors = &refused["errors"]["fields"];
    assert_eq!(errors["Subject"], "Complete this field.");
    assert!(
        errors["Type"]
            .as_str()
            .unwrap()
            .contains("not one of the listed values")
    );
    assert!(
        errors["Description"]
            .as_str()
            .unwrap()
            .starts_with("Too long")
    );
    assert_eq!(world.salesforce.api_calls(), before, "nothing was sent");

    // The org's validation rule: closing needs a Description. Salesforce names the field.
    let closed = submission(
        &conversation,
        &id,
        Some(record_type_id(1)),
        json!({"Subject": "Closed at once", "Status": "Closed", "Origin": "Web"}),
    );
    let (status, refused) = file(&world, &closed).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "case_refused");
    assert_eq!(
        refused["errors"]["fields"]["Description"],
        "Describe the resolution in the Description before closing the case."
    );
    assert_eq!(refused["errors"]["form"], json!([]));

    // Refusals create nothing: the corrected form files under the same instance id.
    let mut fixed = closed.clone();
    fixed["values"]["Description"] = json!("Resolved on the phone.");
    let (status, filed) = file(&world, &fixed).await;
    assert_eq!(status, 201, "{filed}");
    let case = world
        .salesforce
        .record(filed["case_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(case["Status"], "Closed");

    // A lookup can only hold the conversation's own record.
    let (status, refused) = file(
        &world,
        &submission(
            &conversation,
            &instance(),
            Some(record_type_id(1)),
            json!({"Subject": "s", "Status": "New", "Origin": "Web",
                   "ContactId": "003000000000099AAA"}),
        ),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["errors"]["fields"]["ContactId"].is_string());

    // A record type the form does not offer.
    let (status, refused) = file(
        &world,
        &submission(&conversation, &instance(), None, json!({"Subject": "s"})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("record_type_unavailable"))
    );
    world.stop().await;
}

#[tokio::test]
async fn a_lost_answer_is_never_sent_again() {
    let world = World::start().await;
    record_types(&world, "salesforce_rules").await;
    let conversation = world.conversation_of(MAYA).await;
    form(&world, &conversation).await;
    let body = submission(
        &conversation,
        &instance(),
        Some(record_type_id(1)),
        json!({"Subject": "Lost", "Status": "New", "Origin": "Web"}),
    );
    world.salesforce.inject(Fault::next(FaultKind::Drop, 1));
    let (status, lost) = file(&world, &body).await;
    assert_eq!(
        (status, lost["error"]["code"].as_str()),
        (409, Some("case_outcome_unknown")),
        "{lost}"
    );
    let before = world.salesforce.api_calls();
    let (status, again) = file(&world, &body).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("case_outcome_unknown"))
    );
    assert_eq!(world.salesforce.api_calls(), before);
    world.stop().await;
}

#[tokio::test]
async fn a_custom_form_and_the_settings_rules() {
    let world = World::start().await;
    // The demo shows the record-type form (a fresh installation's custom form of Subject and
    // Description is `CaseSettings::initial`'s, unit-tested in `shared`).
    let (status, initial) = world.get("/api/settings/cases").await;
    assert_eq!(status, 200, "{initial}");
    assert_eq!(
        initial["settings"],
        json!({"form_mode": {"mode": "record_types"}, "owner_mode": "salesforce_rules"})
    );
    let offered: Vec<&str> = initial["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["api_name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"Priority") && offered.contains(&"ContactId"));
    assert!(!offered.contains(&"OwnerId") && !offered.contains(&"CaseNumber"));

    let bad = json!({"form_mode": {"mode": "custom", "fields": ["Subject", "Nope__c", "CaseNumber"]},
                     "owner_mode": "salesforce_rules"});
    let (status, refused) = send(&world, reqwest::Method::PUT, "/api/settings/cases", &bad).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "case_settings_invalid");
    assert_eq!(refused["problems"][0]["problem"], "unknown_field");
    assert_eq!(refused["problems"][1]["problem"], "not_createable");

    // Names are normalised; a dependent picklist brings its controlling field along.
    let custom = json!({"form_mode": {"mode": "custom",
                        "fields": ["subject", "product_area__c", "Priority", "ContactId"]},
                        "owner_mode": "assign_teammate"});
    let (status, saved) = send(&world, reqwest::Method::PUT, "/api/settings/cases", &custom).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["form_mode"]["fields"],
        json!(["Subject", "Product_Area__c", "Priority", "ContactId"])
    );
    let (_, read) = world.get("/api/settings/cases").await;
    assert_eq!(read["settings"], saved);

    let conversation = world.conversation_of(MAYA).await;
    let view = form(&world, &conversation).await;
    let forms = view["schema"]["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0]["record_type"], Value::Null);
    assert_eq!(
        names(&forms[0]),
        [
            "Subject",
            "Product__c",
            "Product_Area__c",
            "Priority",
            "ContactId"
        ]
    );
    // Describe's picklists: every value, the dependency from the validFor bitmaps.
    let area = field(&forms[0], "Product_Area__c");
    assert_eq!(
        area["controlled_by"]["valid_values"]["Integrations"],
        json!(["API", "Sync", "Webhooks"])
    );
    assert_eq!(
        values(field(&forms[0], "Priority")),
        ["Low", "Medium", "High", "Critical"]
    );
    let contact_id = field(&forms[0], "ContactId")["prefill"]["id"].clone();
    let (status, filed) = file(
        &world,
        &submission(
            &conversation,
            &instance(),
            None,
            json!({"Subject": "Custom", "Product__c": "Integrations", "Product_Area__c": "Webhooks",
                   "Priority": "Low", "ContactId": contact_id}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{filed}");
    let case = world
        .salesforce
        .record(filed["case_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(case["Product_Area__c"], "Webhooks");
    assert_eq!(case["ContactId"], contact_id);
    world.stop().await;
}

#[tokio::test]
async fn the_schema_is_cached_and_revalidated() {
    let world = World::start().await;
    record_types(&world, "salesforce_rules").await;
    let conversation = world.conversation_of(MAYA).await;
    let cold = form(&world, &conversation).await;
    let before = world.salesforce.api_calls();
    let warm = form(&world, &conversation).await;
    assert_eq!(
        world.salesforce.api_calls(),
        before,
        "a warm form asks nothing"
    );
    assert_eq!(cold, warm);
    let client = world.state.clients.salesforce("demo").await.unwrap();
    client.expire_describes();
    client.expire_case_metadata();
    let revalidated = form(&world, &conversation).await;
    // The describe and each record type's layout and picklists, each answered 304.
    assert_eq!(world.salesforce.api_calls() - before, 7);
    assert_eq!(revalidated, cold);
    world.stop().await;
}

/// Acting as Intercom's inbox: the teammate presses `component` on `canvas`, with every input
/// as the canvas shows it except `changes`.
async fn press(
    world: &World,
    conversation: &str,
    admin: u64,
    canvas: &Value,
    component: &str,
    changes: &[(&str, Value)],
) -> Value {
    let mut inputs = serde_json::Map::new();
    for c in canvas["canvas"]["content"]["components"]
        .as_array()
        .unwrap()
    {
        let kind = c["type"].as_str().unwrap_or_default();
        if ["input", "textarea", "dropdown", "checkbox"].contains(&kind) {
            let value = match (kind, c.get("value")) {
                (_, Some(v)) => v.clone(),
                ("checkbox", None) => json!([]),
                _ => json!(""),
            };
            inputs.insert(c["id"].as_str().unwrap().to_owned(), value);
        }
    }
    for (id, value) in changes {
        inputs.insert((*id).to_owned(), value.clone());
    }
    let verdict = world
        .intercom
        .canvas_submit(
            &format!("{}/canvas/submit", world.app),
            conversation,
            admin,
            component,
            inputs,
            canvas["canvas"].clone(),
        )
        .await
        .unwrap();
    assert!(
        verdict.is_valid(),
        "{:?} {:?}",
        verdict.problems,
        verdict.response
    );
    verdict.response.unwrap()
}

fn component<'a>(canvas: &'a Value, id: &str) -> Option<&'a Value> {
    canvas["canvas"]["content"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

fn option_ids(component: &Value) -> Vec<&str> {
    component["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect()
}

/// The text components as a teammate reads them (their Markdown rendered; none is markup).
fn canvas_texts(canvas: &Value) -> Vec<String> {
    canvas["canvas"]["content"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "text")
        .map(|c| {
            let (text, markup) = support::read_markdown(c["text"].as_str().unwrap());
            assert_eq!(markup, Vec::<String>::new(), "{c}");
            text
        })
        .collect()
}

#[tokio::test]
async fn canvas_kit_files_a_case_from_the_card_with_the_same_rules() {
    let world = World::start().await;
    record_types(&world, "assign_teammate").await;
    let conversation = world.conversation_of(MAYA).await;
    let carol = TEAMMATES[2].0;
    let card = world
        .intercom
        .canvas_initialize(
            &format!("{}/canvas/initialize", world.app),
            &conversation,
            carol,
        )
        .await
        .unwrap();
    assert!(card.is_valid(), "{:?}", card.problems);
    let card = card.response.unwrap();
    assert!(component(&card, "create_case").is_some(), "{card}");

    // The form opens on the default record type, prefilled.
    let form = press(&world, &conversation, carol, &card, "create_case", &[]).await;
    let chooser = component(&form, "case_record_type").unwrap();
    assert_eq!(chooser["value"], record_type_id(1));
    assert_eq!(option_ids(chooser).len(), 3);
    assert_eq!(
        component(&form, "case.Subject").unwrap()["value"],
        "Our last invoice shows the wrong amount. Can you check?"
    );
    assert_eq!(
        option_ids(component(&form, "case.Origin").unwrap()),
        ["__none", "Phone", "Email", "Web", "Chat"]
    );
    let instance = form["canvas"]["stored_data"]["case_form"].clone();
    assert!(instance.is_string(), "{form}");

    // Bug Report: other fields; the product area waits for a product.
    let bug = press(
        &world,
        &conversation,
        carol,
        &form,
        "case_record_type",
        &[("case_record_type", json!(record_type_id(3)))],
    )
    .await;
    assert!(component(&bug, "case.Origin").is_none());
    assert!(component(&bug, "case.Product_Area__c").is_none());
    assert!(
        canvas_texts(&bug)
            .iter()
            .any(|t| t.starts_with("Product Area *: choose Product first")),
        "{bug}"
    );
    assert_eq!(bug["canvas"]["stored_data"]["case_form"], instance);
    let product = component(&bug, "case.Product__c").unwrap();
    assert_eq!(
        product["action"]["type"], "submit",
        "choosing redraws the areas"
    );
    let chosen = press(
        &world,
        &conversation,
        carol,
        &bug,
        "case.Product__c",
        &[("case.Product__c", json!("Mobile App"))],
    )
    .await;
    assert_eq!(
        option_ids(component(&chosen, "case.Product_Area__c").unwrap()),
        ["__none", "Login", "Notifications", "Sync"]
    );

    // The shared validation: the area is required; nothing reaches Salesforce.
    let cases_before = world.salesforce.count("Case");
    let refused = press(&world, &conversation, carol, &chosen, "file_case", &[]).await;
    assert!(
        canvas_texts(&refused)
            .iter()
            .any(|t| t == "Product Area: Complete this field."),
        "{refused}"
    );
    assert_eq!(world.salesforce.count("Case"), cases_before);
    assert_eq!(
        component(&refused, "case.Product__c").unwrap()["value"],
        "Mobile App",
        "the input stays"
    );

    let filed = press(
        &world,
        &conversation,
        carol,
        &refused,
        "file_case",
        &[("case.Product_Area__c", json!("Sync"))],
    )
    .await;
    let texts = canvas_texts(&filed);
    assert!(
        texts[0].starts_with("Case ") && texts[0].ends_with(" created"),
        "{filed}"
    );
    assert_eq!(texts[1], "Owned by Carol Chen.");
    let link = component(&filed, "open_case").unwrap()["action"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let case_id = link.rsplit('/').nth(1).unwrap();
    let case = world.salesforce.record(case_id).unwrap();
    assert_eq!(case["RecordTypeId"], record_type_id(3));
    assert_eq!(case["Product_Area__c"], "Sync");
    assert_eq!(case["OwnerId"], user_id(2));
    let card_view = world
        .get(&format!("/api/card?conversation_id={conversation}"))
        .await
        .1;
    assert_eq!(case["ContactId"], card_view["person"]["id"]);
    assert_eq!(case["AccountId"], card_view["account"]["id"]);

    // Pressing "File case" twice (the same canvas again) files nothing more.
    let again = press(
        &world,
        &conversation,
        carol,
        &refused,
        "file_case",
        &[("case.Product_Area__c", json!("Sync"))],
    )
    .await;
    assert_eq!(canvas_texts(&again)[0], texts[0]);
    assert_eq!(world.salesforce.count("Case"), cases_before + 1);

    // Back to the card.
    let back = press(&world, &conversation, carol, &filed, "cancel_case", &[]).await;
    assert!(component(&back, "create_case").is_some(), "{back}");
    world.stop().await;
}
