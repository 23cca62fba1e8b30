//! The pure stages, link and plan, over records built in memory: the demo's settings, an org
//! and a workspace shaped like the demo's, and what a read would have answered.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shared::sync::leads::LeadRefusal;
use shared::sync::{
    IntercomAttribute, IntercomDataType, IntercomModel, Outcome, SalesforceField,
    SalesforceFieldType, SalesforceObject, SyncMetadata, SyncSettings, SyncValue,
};

use crate::intercom::ContactRole;
use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::jobs::{BatchOutcome, JobOutcome};
use crate::salesforce::records::SalesforceRecord;
use crate::store::{JobId, JobResult, LinkChange, PersonLink, PersonObject};
use crate::sync::matching::Claim;

use super::Frame;
use super::link::{Rematch, repair};
use super::load::{Changed, CompanyWork, PersonWork};
use super::plan::{Planned, plan};
use super::read::{Holder, Reads, reference};

const NOW: i64 = 1_767_700_000_000;

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_603_600 + minute * 60, 0).unwrap()
}

fn settings() -> SyncSettings {
    crate::sync::demo::demo_settings()
}

fn metadata() -> SyncMetadata {
    use SalesforceFieldType::{Boolean, Email, Int, Phone, String as Text, Url};
    let field = |object, name: &str, kind| SalesforceField::new(object, name, kind);
    let required = |name: &str| {
        let mut f = SalesforceField::new(SalesforceObject::Lead, name, Text);
        f.nillable = false;
        f
    };
    let (lead, contact, account) = (
        SalesforceObject::Lead,
        SalesforceObject::Contact,
        SalesforceObject::Account,
    );
    let fields = vec![
        required("LastName"),
        required("Company"),
        field(lead, "Email", Email),
        field(lead, "Phone", Phone),
        field(lead, "Title", Text),
        field(lead, "Region__c", Text),
        field(lead, "Intercom_Contact_Id__c", Text),
        field(lead, "IsConverted", Boolean),
        field(contact, "Email", Email),
        field(contact, "Phone", Phone),
        field(contact, "Title", Text),
        field(contact, "Notes__c", Text),
        field(contact, "Intercom_Contact_Id__c", Text),
        field(account, "Name", Text),
        field(account, "AccountNumber", Text),
        field(account, "Website", Url),
        field(account, "Industry", Text),
        field(account, "NumberOfEmployees", Int),
    ];
    let person =
        |name: &str| IntercomAttribute::new(IntercomModel::Person, name, IntercomDataType::String);
    let company = |name: &str, kind| IntercomAttribute::new(IntercomModel::Company, name, kind);
    let attributes = vec![
        person("name"),
        person("email"),
        person("phone"),
        person("custom_attributes.job_title"),
        person("custom_attributes.region"),
        person("custom_attributes.plan_tier"),
        company("name", IntercomDataType::String),
        company("website", IntercomDataType::String),
        company("industry", IntercomDataType::String),
        company("size", IntercomDataType::Integer),
    ];
    SyncMetadata::new(fields, attributes)
}

struct World {
    settings: SyncSettings,
    metadata: SyncMetadata,
}

impl World {
    fn new() -> World {
        World {
            settings: settings(),
            metadata: metadata(),
        }
    }

    fn frame(&self) -> Frame<'_> {
        Frame {
            installation_id: "demo",
            now: NOW,
            settings: &self.settings,
            metadata: &self.metadata,
        }
    }
}

fn person(
    id: &str,
    role: ContactRole,
    minute: i64,
    external_id: Option<&str>,
    email: &str,
) -> PersonRecord {
    let mut attributes = BTreeMap::new();
    attributes.insert("name".to_owned(), json!(format!("Person {id}")));
    attributes.insert("email".to_owned(), json!(email));
    attributes.insert("custom_attributes.job_title".to_owned(), json!("Buyer"));
    attributes.insert("custom_attributes.region".to_owned(), json!("EMEA"));
    PersonRecord {
        id: id.to_owned(),
        role,
        external_id: external_id.map(str::to_owned),
        email: Some(email.to_owned()),
        updated_at: at(minute),
        company_ids: Vec::new(),
        attributes,
    }
}

fn work(job: JobId, person: PersonRecord, link: Option<PersonLink>) -> PersonWork {
    PersonWork {
        job,
        body: serde_json::to_string(&person).unwrap(),
        updated_at: person.updated_at.timestamp_millis(),
        person,
        changed: Changed::All,
        link,
        remap_email: None,
        broken: None,
    }
}

fn link_to(intercom_id: &str, object: PersonObject, salesforce_id: &str) -> PersonLink {
    PersonLink {
        intercom_contact_id: intercom_id.to_owned(),
        salesforce_object: object,
        salesforce_id: salesforce_id.to_owned(),
        linked_at: NOW,
    }
}

fn record(object: SalesforceObject, id: &str, minute: i64, values: Value) -> SalesforceRecord {
    SalesforceRecord::for_tests(object, id, at(minute), values)
}

fn answered(reads: &mut Reads, tag: &str, records: Vec<SalesforceRecord>) {
    for r in records {
        reads
            .answers
            .entry(reference(r.object, tag))
            .or_default()
            .push(r);
    }
}

fn people(works: Vec<PersonWork>) -> BTreeMap<JobId, PersonWork> {
    works.into_iter().map(|w| (w.job, w)).collect()
}

/// What job `job` finished with, when it finished without a write.
fn finished(out: &BatchOutcome, job: JobId) -> &JobResult {
    match out.jobs.iter().find(|(j, _)| *j == job) {
        Some((_, JobOutcome::Done(result))) => result,
        other => panic!("job {job} did not finish: {other:?}"),
    }
}

fn planned_for(planned: &[Planned], job: JobId) -> &Planned {
    planned
        .iter()
        .find(|p| p.job == job)
        .unwrap_or_else(|| panic!("job {job} planned no write"))
}

fn written(p: &Planned, field: &str) -> Option<SyncValue> {
    p.write
        .values
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.clone())
}

#[test]
fn an_unlinked_user_links_to_the_contact_before_the_lead_and_writes_what_differs() {
    let world = World::new();
    let ann = person(
        "ic-ann",
        ContactRole::User,
        10,
        Some("u-1"),
        "ann@acme.test",
    );
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "match",
        vec![
            record(
                SalesforceObject::Lead,
                "00QA",
                50,
                json!({"Email": "ann@acme.test", "Intercom_Contact_Id__c": "u-1"}),
            ),
            record(
                SalesforceObject::Contact,
                "003A",
                5,
                json!({"Email": "ANN@acme.test", "Intercom_Contact_Id__c": "U-1 ", "Title": "Buyer"}),
            ),
        ],
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(1, ann, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    // The Contact holds the title already: nothing mapped differs, so no write, and the
    // ledger says the link was made.
    assert!(planned.is_empty(), "{planned:?}");
    let result = finished(&out, 1);
    assert_eq!(
        result.links,
        [LinkChange::Person {
            intercom_id: "ic-ann".to_owned(),
            object: PersonObject::Contact,
            salesforce_id: "003A".to_owned(),
        }]
    );
    assert_eq!(result.ledger.len(), 1);
    assert_eq!(result.ledger[0].outcome, Outcome::Unchanged.as_str());
    assert_eq!(result.ledger[0].salesforce_id.as_deref(), Some("003A"));
    assert_eq!(
        result.ledger[0].detail.as_deref(),
        Some("Linked to Contact 003A.")
    );
    assert!(out.touched.salesforce_ids.contains("003A"));

    // The same, with another title held: the write carries only the title.
    let ann = person(
        "ic-ann",
        ContactRole::User,
        10,
        Some("u-1"),
        "ann@acme.test",
    );
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "match",
        vec![record(
            SalesforceObject::Contact,
            "003A",
            5,
            json!({"Email": "ann@acme.test", "Intercom_Contact_Id__c": "u-1", "Title": "CEO"}),
        )],
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(1, ann, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    let p = planned_for(&planned, 1);
    assert_eq!(p.salesforce_id.as_deref(), Some("003A"));
    assert_eq!(
        written(p, "Title"),
        Some(SyncValue::Text("Buyer".to_owned()))
    );
    assert_eq!(p.write.values.len(), 1, "{:?}", p.write.values);
    assert!(out.jobs.is_empty());
}

#[test]
fn a_match_held_by_a_person_with_priority_is_not_taken() {
    let world = World::new();
    // A lead (Intercom) finds the Contact a user holds: it stays with the user.
    let lead = person(
        "ic-lead",
        ContactRole::Lead,
        90,
        Some("u-2"),
        "bo@acme.test",
    );
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "match",
        vec![record(
            SalesforceObject::Contact,
            "003B",
            5,
            json!({"Email": "bo@acme.test", "Intercom_Contact_Id__c": "u-2"}),
        )],
    );
    reads.holders.insert(
        "003B".to_owned(),
        Holder {
            intercom_id: "ic-user".to_owned(),
            claim: Some(Claim {
                role: ContactRole::User,
                updated_at: at(1),
            }),
        },
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(7, lead, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    assert!(planned.is_empty());
    let result = finished(&out, 7);
    assert!(result.links.is_empty());
    assert_eq!(result.ledger[0].outcome, Outcome::Skipped.as_str());
    assert_eq!(
        result.ledger[0].detail.as_deref(),
        Some(LeadRefusal::HeldElsewhere.reason())
    );

    // A holder Intercom no longer has yields the record.
    reads.holders.get_mut("003B").unwrap().claim = None;
    let lead = person(
        "ic-lead",
        ContactRole::Lead,
        90,
        Some("u-2"),
        "bo@acme.test",
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(7, lead, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    assert!(matches!(
        planned_for(&planned, 7).links.as_slice(),
        [LinkChange::Person { salesforce_id, .. }] if salesforce_id == "003B"
    ));
}

#[test]
fn a_person_matching_nothing_gets_one_new_lead_per_email() {
    let world = World::new();
    let mut first = person("ic-1", ContactRole::User, 20, Some("u-3"), "cy@acme.test");
    first.company_ids = vec!["co-1".to_owned()];
    // Same email, less priority (older): the first person's Lead will be theirs too.
    let second = person("ic-2", ContactRole::User, 10, Some("u-4"), " CY@acme.test");
    let mut reads = Reads::default();
    reads
        .company_names
        .insert("co-1".to_owned(), Some("Acme".to_owned()));
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(1, second, None), work(2, first, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    let p = planned_for(&planned, 2);
    assert_eq!(p.object, SalesforceObject::Lead);
    assert_eq!(p.salesforce_id, None);
    assert_eq!(
        written(p, "Company"),
        Some(SyncValue::Text("Acme".to_owned()))
    );
    assert_eq!(
        written(p, "LastName"),
        Some(SyncValue::Text("Person ic-1".to_owned()))
    );
    assert_eq!(
        written(p, "Intercom_Contact_Id__c"),
        Some(SyncValue::Text("u-3".to_owned()))
    );
    assert_eq!(
        written(p, "Email"),
        Some(SyncValue::Text("cy@acme.test".to_owned()))
    );
    let result = finished(&out, 1);
    assert_eq!(
        result.ledger[0].detail.as_deref(),
        Some(LeadRefusal::AnotherCreating.reason())
    );
}

#[test]
fn a_lead_missing_a_required_value_fails_with_the_conversion_code() {
    let mut world = World::new();
    // No company, and the admin switched the Company fallback off: the Lead's required
    // Company has no value.
    world.settings.lead_fallbacks.set("Company", None);
    let dee = person(
        "ic-dee",
        ContactRole::User,
        20,
        Some("u-5"),
        "dee@acme.test",
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(3, dee, None)]),
        BTreeMap::new(),
        &Reads::default(),
        &mut out,
    );
    assert!(planned.is_empty());
    let row = &finished(&out, 3).ledger[0];
    assert_eq!(row.outcome, Outcome::Failed.as_str());
    assert_eq!(
        row.error_code.as_deref(),
        Some(shared::sync::convert::NOT_CONVERTIBLE)
    );
    assert_eq!(row.fields, r#"["Company"]"#);
}

#[test]
fn a_link_to_a_record_gone_or_converted_is_dropped_and_matched_anew() {
    let world = World::new();
    let gone = person("ic-g", ContactRole::User, 1, Some("u-6"), "g@acme.test");
    let converted = person("ic-c", ContactRole::Lead, 1, None, "c@acme.test");
    let kept = person("ic-k", ContactRole::User, 1, Some("u-7"), "k@acme.test");
    let mut works = people(vec![
        work(
            1,
            gone,
            Some(link_to("ic-g", PersonObject::Contact, "003G")),
        ),
        work(
            2,
            converted,
            Some(link_to("ic-c", PersonObject::Lead, "00QC")),
        ),
        work(
            3,
            kept,
            Some(link_to("ic-k", PersonObject::Contact, "003K")),
        ),
    ]);
    let mut companies: BTreeMap<JobId, CompanyWork> = BTreeMap::new();
    companies.insert(4, company_work(4, "A-9", Some("001Z")));
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "linked",
        vec![
            record(
                SalesforceObject::Lead,
                "00QC",
                1,
                json!({"IsConverted": true}),
            ),
            record(SalesforceObject::Contact, "003K", 1, json!({})),
        ],
    );
    let rematch = repair(world.frame(), &mut works, &mut companies, &reads);
    assert_eq!(
        rematch,
        Rematch {
            people: vec![1, 2],
            companies: vec![4],
        }
    );
    assert!(works[&3].link.is_some() && works[&3].broken.is_none());
    let detail = |job| works[&job].broken.as_ref().unwrap().detail.clone().unwrap();
    assert_eq!(detail(1), "The linked Salesforce record no longer exists.");
    assert_eq!(detail(2), "The linked Salesforce Lead was converted.");
    assert!(works[&1].link.is_none() && works[&2].link.is_none());
    assert_eq!(companies[&4].linked_account, None);

    // Matched anew to nothing and no Lead allowed to be found: the link goes, the row says why.
    let mut out = BatchOutcome::default();
    plan(world.frame(), works, companies, &Reads::default(), &mut out);
    let result = finished(&out, 4);
    assert_eq!(result.ledger[0].outcome, Outcome::Unlinked.as_str());
    assert_eq!(
        result.ledger[1].detail.as_deref(),
        Some(r#"No Salesforce Account has AccountNumber = "A-9"."#)
    );
    assert_eq!(
        result.links,
        [LinkChange::UnlinkCompany {
            intercom_id: "co-A-9".to_owned()
        }]
    );
}

fn company_work(job: JobId, company_id: &str, linked: Option<&str>) -> CompanyWork {
    let mut attributes = BTreeMap::new();
    attributes.insert("name".to_owned(), json!("Acme"));
    attributes.insert("size".to_owned(), json!(120));
    let company = CompanyRecord {
        id: format!("co-{company_id}"),
        company_id: company_id.to_owned(),
        name: Some("Acme".to_owned()),
        updated_at: at(1),
        attributes,
    };
    CompanyWork {
        job,
        body: serde_json::to_string(&company).unwrap(),
        updated_at: company.updated_at.timestamp_millis(),
        company,
        changed: Changed::All,
        created: false,
        linked_account: linked.map(str::to_owned),
        broken: None,
    }
}

#[test]
fn a_company_links_to_the_newest_account_with_its_key_and_writes_what_differs() {
    let world = World::new();
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "match",
        vec![
            record(
                SalesforceObject::Account,
                "001A",
                1,
                json!({"AccountNumber": "a-1", "Name": "Acme", "NumberOfEmployees": 120}),
            ),
            record(
                SalesforceObject::Account,
                "001B",
                9,
                json!({"AccountNumber": "A-1", "Name": "Acme", "NumberOfEmployees": 100}),
            ),
        ],
    );
    let mut companies = BTreeMap::new();
    companies.insert(5, company_work(5, "A-1", None));
    let mut out = BatchOutcome::default();
    let planned = plan(world.frame(), BTreeMap::new(), companies, &reads, &mut out);
    let p = planned_for(&planned, 5);
    assert_eq!(p.salesforce_id.as_deref(), Some("001B"));
    assert_eq!(
        p.write.values,
        [("NumberOfEmployees".to_owned(), SyncValue::Integer(120))]
    );
    assert_eq!(p.detail.as_deref(), Some("Linked to Account 001B."));
    assert_eq!(
        p.links,
        [LinkChange::Company {
            intercom_id: "co-A-1".to_owned(),
            salesforce_id: "001B".to_owned(),
        }]
    );

    // Created by qualification: not synced at all.
    let mut companies = BTreeMap::new();
    companies.insert(6, company_work(6, "x-qualification-company", None));
    let mut out = BatchOutcome::default();
    assert!(plan(world.frame(), BTreeMap::new(), companies, &reads, &mut out).is_empty());
    assert_eq!(
        finished(&out, 6).ledger[0].detail.as_deref(),
        Some("Companies Intercom created during qualification are not synced.")
    );
}

/// The demo's metadata with Region__c a required picklist, as the demo org has it.
fn metadata_with_required_region() -> SyncMetadata {
    let mut fields = metadata().salesforce_fields;
    let region = fields
        .iter_mut()
        .find(|f| f.object == SalesforceObject::Lead && f.name == "Region__c")
        .unwrap();
    region.field_type = SalesforceFieldType::Picklist;
    region.nillable = false;
    region.picklist_values = vec!["AMER".to_owned(), "EMEA".to_owned(), "APAC".to_owned()];
    SyncMetadata::new(fields, metadata().intercom_attributes)
}

/// A website lead: an email and a name, nothing else.
fn website_lead(id: &str, email: &str) -> PersonRecord {
    let mut lead = person(id, ContactRole::Lead, 30, None, email);
    lead.attributes.remove("custom_attributes.region");
    lead.attributes.remove("custom_attributes.job_title");
    lead
}

#[test]
fn a_lead_with_only_an_email_and_a_name_is_created_with_the_fallbacks() {
    let mut world = World::new();
    world.metadata = metadata_with_required_region();
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(1, website_lead("ic-web", "web@lead.test"), None)]),
        BTreeMap::new(),
        &Reads::default(),
        &mut out,
    );
    let p = planned_for(&planned, 1);
    assert_eq!(p.salesforce_id, None);
    assert_eq!(
        written(p, "Company"),
        Some(SyncValue::Text("[not provided]".to_owned()))
    );
    // A required picklist without a default: its first active value.
    assert_eq!(
        written(p, "Region__c"),
        Some(SyncValue::Text("AMER".to_owned()))
    );
    assert_eq!(
        written(p, "LastName"),
        Some(SyncValue::Text("Person ic-web".to_owned()))
    );
    assert_eq!(
        p.detail.as_deref(),
        Some(
            "Intercom had no value for a required field; fallbacks used: \
             Company = \"[not provided]\", Region__c = \"AMER\"."
        )
    );

    // The admin's own fallbacks win over the defaults.
    world
        .settings
        .lead_fallbacks
        .set("company", Some("Website visitor".to_owned()));
    world
        .settings
        .lead_fallbacks
        .set("Region__c", Some("EMEA".to_owned()));
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(1, website_lead("ic-web", "web@lead.test"), None)]),
        BTreeMap::new(),
        &Reads::default(),
        &mut out,
    );
    let p = planned_for(&planned, 1);
    assert_eq!(
        written(p, "Company"),
        Some(SyncValue::Text("Website visitor".to_owned()))
    );
    assert_eq!(
        written(p, "Region__c"),
        Some(SyncValue::Text("EMEA".to_owned()))
    );

    // A value from Intercom needs no fallback, and the ledger names none.
    let mut with_company = website_lead("ic-web", "web@lead.test");
    with_company.company_ids = vec!["co-9".to_owned()];
    with_company
        .attributes
        .insert("custom_attributes.region".to_owned(), json!("APAC"));
    let mut reads = Reads::default();
    reads
        .company_names
        .insert("co-9".to_owned(), Some("Initech".to_owned()));
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(1, with_company, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    let p = planned_for(&planned, 1);
    assert_eq!(
        written(p, "Company"),
        Some(SyncValue::Text("Initech".to_owned()))
    );
    assert_eq!(p.detail, None);
}

#[test]
fn a_required_field_without_a_fallback_refuses_the_lead_naming_the_field() {
    let mut world = World::new();
    world.metadata = metadata_with_required_region();
    world.settings.lead_fallbacks.set("Region__c", None);
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(4, website_lead("ic-web", "web@lead.test"), None)]),
        BTreeMap::new(),
        &Reads::default(),
        &mut out,
    );
    assert!(planned.is_empty());
    let row = &finished(&out, 4).ledger[0];
    assert_eq!(row.outcome, Outcome::Failed.as_str());
    assert_eq!(row.fields, r#"["Region__c"]"#);
}

/// A linked Lead's job after the person's company moved (attached or detached).
fn company_moved(person: PersonRecord, lead_id: &str) -> PersonWork {
    let mut w = work(
        5,
        person.clone(),
        Some(link_to(&person.id, PersonObject::Lead, lead_id)),
    );
    w.changed = Changed::Only(
        [shared::sync::fields::PERSON_COMPANY_NAME.to_owned()]
            .into_iter()
            .collect(),
    );
    w
}

#[test]
fn a_company_attached_later_replaces_the_fallback_and_a_detach_restores_it() {
    let world = World::new();
    let mut attached = website_lead("ic-web", "web@lead.test");
    attached.company_ids = vec!["co-1".to_owned()];
    let mut reads = Reads::default();
    reads
        .company_names
        .insert("co-1".to_owned(), Some("Globex".to_owned()));
    answered(
        &mut reads,
        "linked",
        vec![record(
            SalesforceObject::Lead,
            "00QW",
            40,
            json!({"Email": "web@lead.test", "Company": "[not provided]", "LastName": "Person ic-web"}),
        )],
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![company_moved(attached, "00QW")]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    let p = planned_for(&planned, 5);
    assert_eq!(p.salesforce_id.as_deref(), Some("00QW"));
    assert_eq!(
        p.write.values,
        [("Company".to_owned(), SyncValue::Text("Globex".to_owned()))]
    );
    assert_eq!(p.detail, None);

    // Detached from its only company: Company cannot be emptied, so it holds the fallback.
    let detached = website_lead("ic-web", "web@lead.test");
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "linked",
        vec![record(
            SalesforceObject::Lead,
            "00QW",
            41,
            json!({"Email": "web@lead.test", "Company": "Globex", "LastName": "Person ic-web"}),
        )],
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![company_moved(detached.clone(), "00QW")]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    let p = planned_for(&planned, 5);
    assert_eq!(
        p.write.values,
        [(
            "Company".to_owned(),
            SyncValue::Text("[not provided]".to_owned())
        )]
    );
    assert!(
        p.detail
            .as_deref()
            .unwrap()
            .contains("Company = \"[not provided]\""),
        "{:?}",
        p.detail
    );

    // Already holding the fallback: nothing to write.
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "linked",
        vec![record(
            SalesforceObject::Lead,
            "00QW",
            42,
            json!({"Email": "web@lead.test", "Company": "[not provided]"}),
        )],
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![company_moved(detached, "00QW")]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    assert!(planned.is_empty(), "{planned:?}");
    assert_eq!(
        finished(&out, 5).ledger[0].outcome,
        Outcome::Unchanged.as_str()
    );
}

/// A planned new Lead for `settle`.
fn new_lead_write(world: &World) -> Planned {
    let mut out = BatchOutcome::default();
    let mut planned = plan(
        world.frame(),
        people(vec![work(7, website_lead("ic-web", "web@lead.test"), None)]),
        BTreeMap::new(),
        &Reads::default(),
        &mut out,
    );
    planned.remove(0)
}

fn refused(code: &str, message: &str) -> crate::salesforce::Refusal {
    crate::salesforce::Refusal {
        code: crate::salesforce::ErrorCode::parse(code),
        message: message.to_owned(),
        fields: Vec::new(),
    }
}

#[test]
fn a_refusal_that_stands_is_a_ledger_row_with_its_code_and_a_busy_record_is_retried() {
    let world = World::new();
    let rule = "Leads from the website need a real company.";
    for code in ["FIELD_CUSTOM_VALIDATION_EXCEPTION", "DUPLICATES_DETECTED"] {
        let mut out = BatchOutcome::default();
        super::write::settle(
            world.frame(),
            new_lead_write(&world),
            Err(vec![refused(code, rule)]),
            &mut out,
        );
        let result = finished(&out, 7);
        let row = &result.ledger[0];
        assert_eq!(row.outcome, Outcome::Failed.as_str());
        assert_eq!(row.error_code.as_deref(), Some(code));
        assert_eq!(row.error_message.as_deref(), Some(rule));
        assert!(result.links.is_empty(), "no Lead, no link");
    }

    let mut out = BatchOutcome::default();
    super::write::settle(
        world.frame(),
        new_lead_write(&world),
        Err(vec![refused(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
        )]),
        &mut out,
    );
    match &out.jobs[..] {
        [(7, JobOutcome::Retry(message))] => {
            assert!(message.contains("UNABLE_TO_LOCK_ROW"), "{message}")
        }
        other => panic!("not retried: {other:?}"),
    }
}

#[test]
fn a_first_link_never_replaces_a_held_required_value_with_a_fallback() {
    let world = World::new();
    // A website lead without a company finds the Lead sales entered with its company.
    let web = website_lead("ic-web", "web@lead.test");
    let mut reads = Reads::default();
    answered(
        &mut reads,
        "match",
        vec![record(
            SalesforceObject::Lead,
            "00QS",
            5,
            json!({"Email": "web@lead.test", "Company": "Acme Sales", "LastName": "Person ic-web"}),
        )],
    );
    let mut out = BatchOutcome::default();
    let planned = plan(
        world.frame(),
        people(vec![work(8, web, None)]),
        BTreeMap::new(),
        &reads,
        &mut out,
    );
    assert!(planned.is_empty(), "{planned:?}");
    let result = finished(&out, 8);
    assert_eq!(result.ledger[0].outcome, Outcome::Unchanged.as_str());
    assert_eq!(result.ledger[0].error_code, None);
}
