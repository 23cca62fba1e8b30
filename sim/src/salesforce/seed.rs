//! The worlds the org starts with: `demo` (small, deterministic, matching the demo Intercom
//! workspace by email) and `scale:<N>` (N business records in realistic proportions).

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::ids;
use super::org::{Journal, Org, WriteCtx, derive, format_datetime};
use super::record::Record;
use super::schema::{OPPORTUNITY_STAGES, record_type_id, schema};
use crate::Seed;

/// A seeded person: the same names and emails as the demo Intercom teammates.
pub struct SeedUser {
    pub first: &'static str,
    pub last: &'static str,
    pub email: &'static str,
    pub alias: &'static str,
    pub profile: usize,
    pub active: bool,
}

/// How many demo contacts are also users in the demo Intercom workspace (`u-1001`..`u-1012`).
pub const DEMO_INTERCOM_USERS: usize = 12;

pub const PROFILES: &[&str] = &["System Administrator", "Standard User", "Support Agent"];
/// Whether each profile may edit Cases.
const PROFILE_EDITS_CASES: &[bool] = &[true, false, true];

pub const USERS: &[SeedUser] = &[
    SeedUser {
        first: "Alice",
        last: "Anders",
        email: "alice@example.com",
        alias: "aanders",
        profile: 0,
        active: true,
    },
    SeedUser {
        first: "Bob",
        last: "Baker",
        email: "bob@example.com",
        alias: "bbaker",
        profile: 1,
        active: true,
    },
    SeedUser {
        first: "Carol",
        last: "Chen",
        email: "carol@example.com",
        alias: "cchen",
        profile: 2,
        active: true,
    },
    SeedUser {
        first: "Dave",
        last: "Diaz",
        email: "dave@example.com",
        alias: "ddiaz",
        profile: 2,
        active: true,
    },
    SeedUser {
        first: "Erin",
        last: "Evans",
        email: "erin@example.com",
        alias: "eevans",
        profile: 2,
        active: false,
    },
];

/// Username of a seeded user: Salesforce usernames are globally unique, so not the email.
pub fn username(email: &str) -> String {
    format!("{email}.sfsim")
}

pub fn user_id(n: usize) -> String {
    ids::make("005", n as u64 + 1)
}

const EPOCH_SECS: i64 = 1_767_603_600; // 2026-01-05T09:00:00Z: seeded records date from here

/// When the seeded history begins: every seeded record was created and last modified at or
/// after this instant, whatever today's date (seeds do not follow the real clock).
pub fn seeded_from() -> DateTime<Utc> {
    Utc.timestamp_opt(EPOCH_SECS, 0)
        .single()
        .expect("valid epoch")
}

fn at(minutes: i64) -> DateTime<Utc> {
    seeded_from() + Duration::minutes(minutes)
}

/// One record as the seed writes it: system fields, booleans false, derived fields filled.
/// Built one at a time, so that loading never holds more than one record as JSON.
fn row(object: &str, id: &str, stamp: &str, by: &str, fields: Value) -> Record {
    let obj = schema()
        .object(object)
        .expect("seeded objects are described");
    // Built sparse from the start: a full row of nulls per record would fragment the heap.
    let mut r: Map<String, Value> = Map::new();
    for f in &obj.fields {
        if f.kind == super::soql::FieldKind::Boolean {
            r.insert(f.name.into(), json!(false));
        }
    }
    for (k, v) in [
        ("Id", json!(id)),
        ("CreatedDate", json!(stamp)),
        ("LastModifiedDate", json!(stamp)),
        ("SystemModstamp", json!(stamp)),
        ("CreatedById", json!(by)),
        ("LastModifiedById", json!(by)),
    ] {
        r.insert(k.into(), v);
    }
    if let Value::Object(m) = fields {
        r.extend(m);
    }
    derive(obj, &mut r, None, stamp);
    Record::from_map(obj, &r)
}

/// Users, profiles, permissions, record types and the organization row: the same in every seed.
fn metadata(org: &mut Org) {
    let admin = user_id(0);
    let stamp = format_datetime(at(-60 * 24 * 30));
    org.admin_user_id = admin.clone();
    let org_id = org.org_id.clone();
    org.put_raw(row(
        "Organization",
        &org_id,
        &stamp,
        &admin,
        json!({"Name": "Acme Demo Org", "DefaultCurrencyIsoCode": "USD", "OrganizationType": "Enterprise Edition",
               "InstanceName": "SIM1", "LanguageLocaleKey": "en_US", "TimeZoneSidKey": "America/Los_Angeles"}),
    ));
    for (i, name) in PROFILES.iter().enumerate() {
        let pid = ids::make("00e", i as u64 + 1);
        org.put_raw(row("Profile", &pid, &stamp, &admin, json!({"Name": name})));
        let psid = ids::make("0PS", i as u64 + 1);
        org.put_raw(row(
            "PermissionSet",
            &psid,
            &stamp,
            &admin,
            json!({"Name": format!("X00e{i}"), "Label": name, "IsOwnedByProfile": true, "ProfileId": pid}),
        ));
        for (j, object) in ["Case", "Lead", "Contact", "Account", "Opportunity", "Task"]
            .iter()
            .enumerate()
        {
            let edit = if *object == "Case" {
                PROFILE_EDITS_CASES[i]
            } else {
                true
            };
            org.put_raw(row(
                "ObjectPermissions",
                &ids::make("110", (i * 10 + j) as u64 + 1),
                &stamp,
                &admin,
                json!({"ParentId": psid, "SobjectType": object, "PermissionsRead": true, "PermissionsCreate": edit,
                       "PermissionsEdit": edit, "PermissionsDelete": edit && i == 0}),
            ));
        }
    }
    for (i, u) in USERS.iter().enumerate() {
        org.put_raw(row(
            "User",
            &user_id(i),
            &stamp,
            &admin,
            json!({"Username": username(u.email), "FirstName": u.first, "LastName": u.last, "Email": u.email,
                   "Alias": u.alias, "IsActive": u.active, "ProfileId": ids::make("00e", u.profile as u64 + 1),
                   "TimeZoneSidKey": "Europe/London",
                   "Title": (["CRM Administrator", "Account Executive", "Support Lead", "Support Engineer", "Support Agent"][i])}),
        ));
    }
    let case = schema().object("Case").expect("Case is described");
    for rt in &case.record_types {
        org.put_raw(row(
            "RecordType",
            rt.id,
            &stamp,
            &admin,
            json!({"Name": rt.name, "DeveloperName": rt.developer_name, "SobjectType": "Case", "IsActive": true}),
        ));
    }
    org.assignment_users.case_default = Some(user_id(2));
    org.assignment_users.case_bug = Some(user_id(3));
    org.assignment_users.lead_default = Some(user_id(1));
    org.assignment_users.bug_record_type = Some(record_type_id(3).to_owned());
}

pub fn load(org: &mut Org, seed: Seed) {
    metadata(org);
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo(org),
        Seed::Scale(n) => scale(org, n),
    }
    org.clock_override = None;
}

pub const COMPANIES: &[(&str, &str, &str, &str)] = &[
    // (name, domain, industry, city)
    (
        "Globex Corporation",
        "globex.example.com",
        "Manufacturing",
        "Springfield",
    ),
    ("Initech", "initech.example.com", "Technology", "Austin"),
    (
        "Umbrella Health",
        "umbrella.example.com",
        "Healthcare",
        "Raccoon City",
    ),
    (
        "Stark Industries",
        "stark.example.com",
        "Engineering",
        "New York",
    ),
    (
        "Wayne Enterprises",
        "wayne.example.com",
        "Finance",
        "Gotham",
    ),
    ("Wonka Foods", "wonka.example.com", "Retail", "Chicago"),
    (
        "Cyberdyne Systems",
        "cyberdyne.example.com",
        "Technology",
        "Sunnyvale",
    ),
    (
        "Soylent Nutrition",
        "soylent.example.com",
        "Agriculture",
        "Portland",
    ),
    (
        "Tyrell Labs",
        "tyrell.example.com",
        "Biotechnology",
        "Los Angeles",
    ),
    ("Hooli", "hooli.example.com", "Technology", "Palo Alto"),
    (
        "Pied Piper",
        "piedpiper.example.com",
        "Technology",
        "Palo Alto",
    ),
    (
        "Vandelay Industries",
        "vandelay.example.com",
        "Apparel",
        "New York",
    ),
    (
        "Dunder Mifflin",
        "dundermifflin.example.com",
        "Retail",
        "Scranton",
    ),
    (
        "Oceanic Airlines",
        "oceanic.example.com",
        "Transportation",
        "Sydney",
    ),
    ("Massive Dynamic", "massive.example.com", "Energy", "Boston"),
    (
        "Gringotts Bank",
        "gringotts.example.com",
        "Banking",
        "London",
    ),
    (
        "Monarch Media",
        "monarch.example.com",
        "Media",
        "Los Angeles",
    ),
    (
        "Aperture Science",
        "aperture.example.com",
        "Electronics",
        "Cleveland",
    ),
    (
        "Prestige Worldwide",
        "prestige.example.com",
        "Entertainment",
        "San Diego",
    ),
    (
        "Bluth Company",
        "bluth.example.com",
        "Construction",
        "Newport Beach",
    ),
    (
        "Nakatomi Trading",
        "nakatomi.example.com",
        "Consulting",
        "Los Angeles",
    ),
    (
        "Sterling Cooper",
        "sterlingcooper.example.com",
        "Media",
        "New York",
    ),
    (
        "Krusty Burger",
        "krusty.example.com",
        "Hospitality",
        "Springfield",
    ),
    (
        "Acme Telecom",
        "acmetel.example.com",
        "Telecommunications",
        "Phoenix",
    ),
];

const FIRST: &[&str] = &[
    "Maya", "Liam", "Noah", "Emma", "Olivia", "Ava", "Lucas", "Mia", "Ethan", "Zoe", "Amir",
    "Priya", "Kenji", "Sofia", "Mateo", "Chloe", "Omar", "Hannah", "Ivan", "Lena",
];
const LAST: &[&str] = &[
    "Patel", "Garcia", "Kim", "Nguyen", "Smith", "Müller", "Rossi", "Silva", "Cohen", "Okafor",
    "Tanaka", "Larsen", "Dubois", "Novak", "Haddad", "Moreau", "Jensen", "Costa", "Ivanova",
    "Walsh",
];
const STATUSES: &[&str] = &[
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Not Converted",
];
const REGIONS: &[&str] = &["AMER", "EMEA", "APAC"];
const SOURCES: &[&str] = &["Web", "Intercom", "Partner Referral", "Phone Inquiry"];

/// Account number, external id and contact emails of the `i`th demo account, for other seeds to match.
pub fn account_number(i: usize) -> String {
    format!("ACC-{:04}", i + 1)
}
pub fn account_external_id(i: usize) -> String {
    format!("ext-acc-{:04}", i + 1)
}

fn demo(org: &mut Org) {
    let mut minute = 0i64;
    let mut tick = |org: &mut Org| {
        minute += 7;
        org.clock_override = Some(at(minute));
    };
    let mut journal = Journal::default();
    let ctx = |user: usize| WriteCtx {
        user_id: user_id(user),
        client: None,
        auto_assign: false,
        allow_duplicates: true,
        api_version: None,
    };
    let insert = |org: &mut Org,
                  object: &str,
                  owner: usize,
                  fields: Value,
                  journal: &mut Journal|
     -> String {
        let Value::Object(mut m) = fields else {
            unreachable!("seed rows are objects")
        };
        if schema().object(object).is_some_and(|o| o.has_owner()) {
            m.insert("OwnerId".into(), json!(user_id(owner)));
        }
        org.insert(object, &m, &ctx(0), journal)
            .unwrap_or_else(|e| panic!("demo seed {object} is valid: {e:?}"))
    };
    let mut accounts = Vec::new();
    for (i, (name, domain, industry, city)) in COMPANIES.iter().enumerate() {
        tick(org);
        let id = insert(
            org,
            "Account",
            [0, 1, 1, 1][i % 4],
            json!({"Name": name, "AccountNumber": account_number(i), "External_Id__c": account_external_id(i),
                   "Industry": industry, "Type": (["Customer - Direct", "Prospect", "Customer - Channel", "Technology Partner"][i % 4]),
                   "Website": format!("https://{domain}"), "Phone": format!("+1 555 01{:02}", i),
                   "BillingStreet": format!("{} Main Street", 100 + i), "BillingCity": city, "BillingCountry": "USA",
                   "NumberOfEmployees": 50 * (i + 1), "AnnualRevenue": 250_000.0 * (i as f64 + 1.0)}),
            &mut journal,
        );
        accounts.push((id, *domain));
    }
    let mut contacts = Vec::new();
    for i in 0..36 {
        tick(org);
        let (account, domain) = &accounts[i % accounts.len()];
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i * 7) % LAST.len()]);
        let email = format!(
            "{}.{}@{domain}",
            first.to_lowercase(),
            ascii(last).to_lowercase()
        );
        let mut contact = json!({"FirstName": first, "LastName": last, "Email": email, "AccountId": account,
                   "Title": (["CTO", "Head of Support", "VP Sales", "Engineer"][i % 4]), "LeadSource": SOURCES[i % 4],
                   "Phone": format!("+1 555 02{:02}", i)});
        // The first contacts are the demo Intercom users `u-1001`.. (same order, same emails),
        // so identity mapping by external id and by email both find them.
        if i < DEMO_INTERCOM_USERS {
            contact["Intercom_Contact_Id__c"] = json!(format!("u-{}", 1001 + i));
        }
        let id = insert(org, "Contact", 1, contact, &mut journal);
        contacts.push(id);
    }
    for i in 0..30 {
        tick(org);
        let (first, last) = (FIRST[(i + 5) % FIRST.len()], LAST[(i * 3 + 1) % LAST.len()]);
        let company = format!(
            "{} {}",
            [
                "Northwind",
                "Contoso",
                "Fabrikam",
                "Tailspin",
                "Litware",
                "Adatum"
            ][i % 6],
            ["Labs", "Group", "Ltd"][i % 3]
        );
        let domain = company.to_lowercase().replace(' ', "");
        let mut lead = json!({"FirstName": first, "LastName": last, "Company": company,
            "Email": format!("{}.{}@{domain}.example.com", first.to_lowercase(), ascii(last).to_lowercase()),
            "Status": STATUSES[i % 3], "LeadSource": SOURCES[i % 4], "Region__c": REGIONS[i % 3],
            "Industry": (["Technology", "Retail", "Finance"][i % 3])});
        if i % 2 == 0 {
            lead["UTM_Source__c"] = json!(["google", "newsletter", "linkedin"][i % 3]);
            lead["UTM_Medium__c"] = json!(["cpc", "email", "social"][i % 3]);
            lead["UTM_Campaign__c"] = json!("spring-launch-2026");
        }
        let id = insert(org, "Lead", 1, lead, &mut journal);
        if i >= 28 {
            // Two converted leads, as sales would leave them after conversion.
            let contact = &contacts[i - 28];
            let account = org
                .get(contact)
                .map_or(Value::Null, |c| c.value("AccountId"));
            let row = org_row_mut(org, &id);
            row.set("IsConverted", &json!(true));
            row.set("Status", &json!("Closed - Converted"));
            row.set("ConvertedDate", &json!("2026-01-06"));
            row.set("ConvertedContactId", &json!(contact));
            row.set("ConvertedAccountId", &account);
        }
    }
    // The last demo Intercom user also exists as a Lead: one person matching two records, where
    // the contact must win.
    let twin = org
        .get(&contacts[DEMO_INTERCOM_USERS - 1])
        .map(Record::to_map)
        .expect("the contact was just inserted");
    tick(org);
    insert(
        org,
        "Lead",
        1,
        json!({"FirstName": twin["FirstName"], "LastName": twin["LastName"], "Email": twin["Email"],
               "Company": "Vandelay Industries", "Status": STATUSES[0], "LeadSource": SOURCES[0],
               "Region__c": REGIONS[0]}),
        &mut journal,
    );
    let mut opps = Vec::new();
    for i in 0..20 {
        tick(org);
        let (account, _) = &accounts[i % accounts.len()];
        let stage = OPPORTUNITY_STAGES[i % OPPORTUNITY_STAGES.len()].0;
        let id = insert(
            org,
            "Opportunity",
            1,
            json!({"Name": format!("{} - {}", COMPANIES[i % COMPANIES.len()].0, ["Platform", "Expansion", "Renewal"][i % 3]),
                   "AccountId": account, "StageName": stage, "CloseDate": format!("2026-{:02}-15", 1 + i % 12),
                   "Amount": 5_000.0 * (i as f64 + 1.0), "Type": "New Customer"}),
            &mut journal,
        );
        insert(
            org,
            "OpportunityContactRole",
            1,
            json!({"OpportunityId": id, "ContactId": contacts[i % contacts.len()], "Role": "Decision Maker", "IsPrimary": true}),
            &mut journal,
        );
        opps.push(id);
    }
    let rts = [record_type_id(1), record_type_id(2), record_type_id(3)];
    for i in 0..15 {
        tick(org);
        let contact = &contacts[i % contacts.len()];
        let account = org
            .get(contact)
            .map_or(Value::Null, |c| c.value("AccountId"));
        let rt = rts[i % 3];
        let mut case = json!({"RecordTypeId": rt, "Subject": format!("{} #{}", ["Cannot log in", "Invoice question", "Sync fails"][i % 3], i + 1),
            "Description": "Reported by the customer.", "Status": (["New", "Working", "Escalated", "Closed"][i % 4]),
            "Origin": (["Email", "Web", "Chat"][i % 3]), "ContactId": contact, "AccountId": account});
        match i % 3 {
            1 => {
                case["Type"] = json!("Billing");
                case["Reason"] = json!("Billing");
            }
            2 => {
                case["Type"] = json!("Problem");
                case["Product__c"] = json!("Mobile App");
                case["Product_Area__c"] = json!("Sync");
                case["Priority"] = json!("High");
            }
            _ => case["Type"] = json!("Question"),
        }
        insert(org, "Case", [2, 2, 3][i % 3], case, &mut journal);
    }
    for i in 0..10 {
        tick(org);
        insert(
            org,
            "Task",
            1,
            json!({"Subject": (["Call", "Send proposal", "Follow up"][i % 3]), "Status": (["Not Started", "Completed"][i % 2]),
                   "Priority": "Normal", "WhoId": contacts[i], "WhatId": opps[i % opps.len()],
                   "ActivityDate": format!("2026-02-{:02}", i + 1), "TaskSubtype": (["Call", "Task", "Email"][i % 3])}),
            &mut journal,
        );
    }
    // Seeding is not a change anyone should be told about.
    org.commit(journal);
}

fn org_row_mut<'a>(org: &'a mut Org, id: &str) -> &'a mut Record {
    org.row_mut(id).expect("seeded row exists")
}

fn ascii(s: &str) -> String {
    s.replace('ü', "u")
}

/// `n` business records: 10% accounts, 35% contacts, 30% leads, 15% opportunities, 10% cases.
/// Rows are built directly (no validation) so that a million load in seconds.
fn scale(org: &mut Org, n: u64) {
    let admin = user_id(0);
    let owners: Vec<String> = (0..4).map(user_id).collect();
    let accounts = (n / 10).max(1);
    let contacts = n * 35 / 100;
    let leads = n * 30 / 100;
    let opps = n * 15 / 100;
    let cases = n.saturating_sub(accounts + contacts + leads + opps);
    let stamp_for = |i: u64| format_datetime(at((i / 1000) as i64));
    let account_id = |i: u64| ids::make("001", i + 1_000_000);
    let contact_id = |i: u64| ids::make("003", i + 1_000_000);
    org.reserve("Account", accounts as usize);
    for i in 0..accounts {
        let stamp = stamp_for(i);
        let (name, _, industry, city) = COMPANIES[(i % COMPANIES.len() as u64) as usize];
        org.put_raw(row(
            "Account",
            &account_id(i),
            &stamp,
            &admin,
            json!({"Name": format!("{name} {i}"), "AccountNumber": format!("SC-{i:07}"),
                "Industry": industry, "BillingCity": city, "OwnerId": owners[(i % 4) as usize]}),
        ));
    }
    org.reserve("Contact", contacts as usize);
    for i in 0..contacts {
        let stamp = stamp_for(i);
        org.put_raw(row(
            "Contact",
            &contact_id(i),
            &stamp,
            &admin,
            json!({"FirstName": FIRST[(i % 20) as usize], "LastName": format!("Person{i}"),
                "Email": format!("contact{i}@scale.example.com"), "AccountId": account_id(i % accounts), "OwnerId": owners[(i % 4) as usize]}),
        ));
    }
    org.reserve("Lead", leads as usize);
    for i in 0..leads {
        let stamp = stamp_for(i);
        org.put_raw(row(
            "Lead",
            &ids::make("00Q", i + 1_000_000),
            &stamp,
            &admin,
            json!({"LastName": format!("Prospect{i}"), "Company": format!("Company {i}"),
                "Email": format!("lead{i}@scale.example.com"), "Status": STATUSES[(i % 3) as usize], "Region__c": REGIONS[(i % 3) as usize],
                "OwnerId": owners[1]}),
        ));
    }
    org.reserve("Opportunity", opps as usize);
    for i in 0..opps {
        let stamp = stamp_for(i);
        let stage = OPPORTUNITY_STAGES[(i % 10) as usize].0;
        org.put_raw(row(
            "Opportunity",
            &ids::make("006", i + 1_000_000),
            &stamp,
            &admin,
            json!({"Name": format!("Deal {i}"), "StageName": stage,
                "CloseDate": "2026-06-30", "Amount": (i % 100) as f64 * 1000.0, "AccountId": account_id(i % accounts), "OwnerId": owners[1]}),
        ));
    }
    org.reserve("Case", cases as usize);
    for i in 0..cases {
        let stamp = stamp_for(i);
        org.put_raw(row(
            "Case",
            &ids::make("500", i + 1_000_000),
            &stamp,
            &admin,
            json!({"CaseNumber": format!("{:08}", i + 1), "Subject": format!("Issue {i}"),
                "Status": "New", "Priority": "Medium", "RecordTypeId": record_type_id(1 + i % 3), "ContactId": contact_id(i % contacts.max(1)),
                "OwnerId": owners[2 + (i % 2) as usize]}),
        ));
    }
    org.set_case_number(cases);
}
