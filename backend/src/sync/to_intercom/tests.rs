//! The pure parts of the Salesforce -> Intercom batch: the agreed state after a write, which
//! accounts sync, owners read through relationships, the values and owner decided, the rows a
//! job leaves, and links kept one-to-one.

use std::collections::HashMap;

use serde_json::{Value, json};
use shared::sync::{
    AttributeMapping, CompanyRecord as CompanyKind, Direction, IntercomAttribute, IntercomDataType,
    IntercomModel, Outcome, SalesforceField, SalesforceFieldType, SalesforceObject, SyncMetadata,
    SyncSettings, SyncValue,
};

use crate::intercom::records::PersonRecord;
use crate::jobs::JobOutcome;
use crate::salesforce::records::SalesforceRecord;
use crate::store::{Agreed, RecordModel};
use crate::sync::to_salesforce::Frame;

use super::link::{Link, one_to_one};
use super::plan::{Current, Decided, Sent, Target, decide, settle};
use super::read::company_kind;
use super::write::after_write;

fn account(values: serde_json::Value) -> SalesforceRecord {
    SalesforceRecord::for_tests(
        SalesforceObject::Account,
        "001A",
        chrono::Utc::now(),
        values,
    )
}

fn maya(phone: &str, owner: Value) -> PersonRecord {
    PersonRecord {
        id: "p1".into(),
        role: crate::intercom::ContactRole::User,
        external_id: None,
        email: Some("maya@example.com".into()),
        updated_at: chrono::Utc::now(),
        company_ids: Vec::new(),
        attributes: [
            ("phone".to_owned(), json!(phone)),
            ("owner_id".to_owned(), owner),
        ]
        .into_iter()
        .collect(),
    }
}

fn stored(synced: Option<&PersonRecord>) -> crate::store::StoredRecord {
    crate::store::StoredRecord {
        model: "person".into(),
        intercom_id: "p1".into(),
        updated_at: 1,
        deleted: false,
        created: false,
        body: "{}".into(),
        synced_body: synced.map(|p| serde_json::to_string(p).unwrap()),
        recheck: false,
    }
}

#[test]
fn a_write_to_intercom_agrees_only_on_what_it_carried() {
    let owner = vec![("owner_id".to_owned(), SyncValue::Integer(7))];
    // Salesforce holds phone v1; Intercom has moved to v2 and now gets owner 7 from us.
    let before = maya("v1", Value::Null);
    let after = maya("v2", json!(7));
    let at = after.updated_at;
    let (synced, pending) = after_write(
        RecordModel::Person,
        "p1",
        at,
        &after,
        Some(&stored(Some(&before))),
        &owner,
    );
    let Agreed::AsOf(agreed) = &synced.agreed else {
        panic!("an agreed state: {synced:?}");
    };
    let agreed: PersonRecord = serde_json::from_str(agreed).unwrap();
    assert_eq!(agreed.attributes["phone"], json!("v1"), "v2 still to sync");
    assert_eq!(agreed.attributes["owner_id"], json!(7));
    assert!(pending, "a job carries v2 to Salesforce");
    // Nothing else moved: nothing pending.
    let (_, pending) = after_write(
        RecordModel::Person,
        "p1",
        at,
        &after,
        Some(&stored(Some(&maya("v2", Value::Null)))),
        &owner,
    );
    assert!(!pending);
    // A state received and never synced keeps its queued job's full comparison.
    let (synced, pending) = after_write(
        RecordModel::Person,
        "p1",
        at,
        &after,
        Some(&stored(None)),
        &owner,
    );
    assert_eq!(synced.agreed, Agreed::Unknown);
    assert!(!pending);
    // Never seen: taken as agreed.
    let (synced, _) = after_write(RecordModel::Person, "p1", at, &after, None, &owner);
    assert_eq!(synced.agreed, Agreed::All);
}

#[test]
fn person_accounts_stay_out_of_the_company_sync() {
    assert_eq!(
        company_kind(&account(json!({"IsPersonAccount": true}))),
        CompanyKind::PersonAccount
    );
    assert_eq!(
        company_kind(&account(json!({"IsPersonAccount": false}))),
        CompanyKind::Synced
    );
    // Orgs without person accounts have no such field.
    assert_eq!(company_kind(&account(json!({}))), CompanyKind::Synced);
}

#[test]
fn owners_are_read_through_the_relationships() {
    let contact = SalesforceRecord::for_tests(
        SalesforceObject::Contact,
        "003A",
        chrono::Utc::now(),
        json!({"OwnerId": "005B", "Owner": {"Name": "Bob", "Email": "bob@example.com"},
               "AccountId": "001A",
               "Account": {"OwnerId": "005C", "Owner": {"Name": "Carol", "Email": null}}}),
    );
    let own = contact.user("Owner").unwrap();
    assert_eq!(
        (own.id.as_str(), own.email.as_deref()),
        ("005B", Some("bob@example.com"))
    );
    let account_owner = contact.user("Account.Owner").unwrap();
    assert_eq!(account_owner.id, "005C");
    assert_eq!(account_owner.name, "Carol");
    assert_eq!(account_owner.email, None);
    let orphan = SalesforceRecord::for_tests(
        SalesforceObject::Contact,
        "003B",
        chrono::Utc::now(),
        json!({"OwnerId": "005B", "AccountId": null, "Account": null}),
    );
    assert_eq!(orphan.user("Account.Owner"), None);
    // Read without its name: the id stands in.
    assert_eq!(orphan.user("Owner").unwrap().name, "005B");
}

fn titles_to_intercom() -> (SyncSettings, SyncMetadata) {
    let settings = SyncSettings {
        mappings: vec![
            AttributeMapping::new(
                SalesforceObject::Contact,
                "custom_attributes.job_title",
                "Title",
                Direction::ToIntercom,
            ),
            AttributeMapping::new(
                SalesforceObject::Contact,
                "custom_attributes.seats",
                "Seats__c",
                Direction::ToIntercom,
            ),
        ],
        ..SyncSettings::default()
    };
    let metadata = SyncMetadata::new(
        vec![
            SalesforceField::new(
                SalesforceObject::Contact,
                "Title",
                SalesforceFieldType::String,
            ),
            SalesforceField::new(
                SalesforceObject::Contact,
                "Seats__c",
                SalesforceFieldType::Double,
            ),
        ],
        vec![
            IntercomAttribute::new(
                IntercomModel::Person,
                "custom_attributes.job_title",
                IntercomDataType::String,
            ),
            IntercomAttribute::new(
                IntercomModel::Person,
                "custom_attributes.seats",
                IntercomDataType::Integer,
            ),
        ],
    );
    (settings, metadata)
}

#[test]
fn only_differing_values_are_written_and_what_cannot_convert_fails_alone() {
    let (settings, metadata) = titles_to_intercom();
    let frame = Frame {
        installation_id: "demo",
        now: 1,
        settings: &settings,
        metadata: &metadata,
    };
    let contact = SalesforceRecord::for_tests(
        SalesforceObject::Contact,
        "003A",
        chrono::Utc::now(),
        json!({"Title": "CTO", "Seats__c": 12.5}),
    );
    let mut person = maya("v1", Value::Null);
    person
        .attributes
        .insert("custom_attributes.job_title".to_owned(), json!("Engineer"));
    let decided = decide(
        frame,
        None,
        SalesforceObject::Contact,
        &contact,
        &Current::Person(person.clone()),
    );
    assert_eq!(
        decided.writes,
        [(
            "custom_attributes.job_title".to_owned(),
            SyncValue::Text("CTO".to_owned())
        )]
    );
    assert_eq!(decided.written, ["Title"]);
    assert_eq!(decided.failures.len(), 1, "{:?}", decided.failures);
    assert!(decided.failures[0].starts_with("Seats__c: "));

    // Intercom refused the write: one failed row naming the fields, nothing linked.
    let target = Target {
        object: SalesforceObject::Contact,
        salesforce_id: "003A",
        intercom_id: "p1",
        new_link: None,
        relinked_from: None,
    };
    let JobOutcome::Done(result) = settle(frame, target, decided, Sent::Refused("no".into()))
    else {
        panic!("a refusal is final");
    };
    assert_eq!(result.ledger.len(), 1);
    assert_eq!(result.ledger[0].outcome, Outcome::Failed.as_str());
    assert_eq!(
        result.ledger[0].error_code.as_deref(),
        Some("intercom_refused")
    );
    assert_eq!(result.ledger[0].fields, r#"["Title"]"#);

    // The title held already and nothing else: one unchanged row.
    person
        .attributes
        .insert("custom_attributes.job_title".to_owned(), json!("CTO"));
    let held = SalesforceRecord::for_tests(
        SalesforceObject::Contact,
        "003A",
        chrono::Utc::now(),
        json!({"Title": "CTO"}),
    );
    let decided = decide(
        frame,
        None,
        SalesforceObject::Contact,
        &held,
        &Current::Person(person),
    );
    assert!(decided.writes.is_empty());
    let target = Target {
        object: SalesforceObject::Contact,
        salesforce_id: "003A",
        intercom_id: "p1",
        new_link: None,
        relinked_from: None,
    };
    let JobOutcome::Done(result) = settle(frame, target, Decided::default(), Sent::Nothing) else {
        panic!("done");
    };
    assert_eq!(result.ledger[0].outcome, Outcome::Unchanged.as_str());
}

#[test]
fn new_links_are_one_to_one() {
    let elsewhere: HashMap<String, String> = [("p-held".to_owned(), "003Z".to_owned())]
        .into_iter()
        .collect();
    let links = one_to_one(
        [
            ("003A", "p-1".to_owned()),
            ("003B", "p-1".to_owned()),
            ("003C", "p-held".to_owned()),
            ("003D", "p-2".to_owned()),
        ],
        &elsewhere,
    );
    assert!(matches!(&links["003A"], Link::New(id) if id == "p-1"));
    assert!(!links.contains_key("003B"), "p-1 went to the first");
    assert!(!links.contains_key("003C"), "p-held keeps its link");
    assert!(matches!(&links["003D"], Link::New(id) if id == "p-2"));
}

#[test]
fn a_person_links_only_to_the_record_their_keys_find_first() {
    use crate::salesforce::tasks::{FoundPerson, TaskReads};
    let (settings, metadata) = titles_to_intercom();
    let frame = Frame {
        installation_id: "demo",
        now: 1,
        settings: &settings,
        metadata: &metadata,
    };
    let at = |s: i64| chrono::DateTime::from_timestamp(s, 0);
    let found = |id: &str, email: &str, s: i64| FoundPerson {
        id: id.into(),
        key: Some(email.into()),
        account_id: None,
        last_modified: at(s),
    };
    let person = maya("+1", Value::Null);
    // Two Contacts share her email: the one changed last comes first, whatever its id.
    let mut reads = TaskReads {
        contacts: vec![
            found("003B", "maya@example.com", 200),
            found("003A", "Maya@Example.com", 300),
        ],
        leads: vec![found("00QA", "maya@example.com", 900)],
        ..TaskReads::default()
    };
    assert_eq!(
        super::link::first_in_salesforce(frame, &person, &reads).map(String::as_str),
        Some("003A")
    );
    // Changed at the same moment: the lower id. No Contact: the Lead.
    reads.contacts[0].last_modified = at(300);
    assert_eq!(
        super::link::first_in_salesforce(frame, &person, &reads).map(String::as_str),
        Some("003A")
    );
    reads.contacts.clear();
    assert_eq!(
        super::link::first_in_salesforce(frame, &person, &reads).map(String::as_str),
        Some("00QA")
    );
    // The search asks for exactly her keys.
    let search = super::link::competitors_search(frame, &[&person]).unwrap();
    assert_eq!(search.contact_keys, vec!["maya@example.com"]);
    assert_eq!(search.lead_emails, vec!["maya@example.com"]);
}
