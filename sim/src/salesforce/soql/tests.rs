//! The engine end to end over a small in-memory org (Account, Contact, Opportunity, User, Task).

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::*;

/// The engine's rows here are plain JSON objects, dates as the API's strings.
impl Fields for Map<String, Value> {
    fn get(&self, field: &str) -> FieldValue<'_> {
        Map::get(self, field).map_or(FieldValue::Null, FieldValue::from_json)
    }
}

struct Org {
    /// object -> (fields, rows in insertion order)
    objects: Vec<(&'static str, Vec<FieldInfo>)>,
    rows: Vec<(&'static str, Map<String, Value>)>,
    by_id: HashMap<String, usize>,
    parents: Vec<(&'static str, ParentRelationship)>,
    children: Vec<(&'static str, ChildRelationship)>,
}

fn f(name: &str, kind: FieldKind) -> FieldInfo {
    FieldInfo {
        name: name.to_string(),
        kind,
    }
}

fn id(prefix: &str, n: u32) -> String {
    format!("{prefix}{n:012}AAA")
}

impl Org {
    fn add(&mut self, object: &'static str, value: Value) {
        let Value::Object(mut row) = value else {
            panic!("rows are objects")
        };
        row.entry("IsDeleted").or_insert(json!(false));
        let rid = row["Id"].as_str().unwrap().to_string();
        self.by_id.insert(rid, self.rows.len());
        self.rows.push((object, row));
    }
}

impl Source for Org {
    fn object_name(&self, name: &str) -> Option<String> {
        self.objects
            .iter()
            .find(|(o, _)| o.eq_ignore_ascii_case(name))
            .map(|(o, _)| o.to_string())
    }
    fn field(&self, object: &str, field: &str) -> Option<FieldInfo> {
        let (_, fields) = self.objects.iter().find(|(o, _)| *o == object)?;
        fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(field))
            .cloned()
    }
    fn parent_relationship(&self, object: &str, name: &str) -> Option<ParentRelationship> {
        self.parents
            .iter()
            .find(|(o, r)| *o == object && r.name.eq_ignore_ascii_case(name))
            .map(|(_, r)| r.clone())
    }
    fn child_relationship(&self, object: &str, name: &str) -> Option<ChildRelationship> {
        self.children
            .iter()
            .find(|(o, r)| *o == object && r.name.eq_ignore_ascii_case(name))
            .map(|(_, r)| r.clone())
    }
    fn rows(&self, object: &str, include_deleted: bool) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|(o, r)| *o == object && (include_deleted || r["IsDeleted"] != json!(true)))
            .map(|(_, r)| r as &Row)
            .collect()
    }
    fn row(&self, id: &str) -> Option<&Row> {
        let full = if id.len() == 15 {
            self.by_id
                .keys()
                .find(|k| k.starts_with(id))
                .map(String::as_str)?
        } else {
            id
        };
        self.by_id.get(full).map(|i| &self.rows[*i].1 as &Row)
    }
}

fn parent(
    object: &'static str,
    name: &str,
    field: &str,
    targets: &[&str],
) -> (&'static str, ParentRelationship) {
    (
        object,
        ParentRelationship {
            name: name.into(),
            field: field.into(),
            targets: targets.iter().map(|t| t.to_string()).collect(),
        },
    )
}

fn child(
    object: &'static str,
    name: &str,
    child_object: &str,
    field: &str,
) -> (&'static str, ChildRelationship) {
    (
        object,
        ChildRelationship {
            name: name.into(),
            object: child_object.into(),
            field: field.into(),
        },
    )
}

fn org() -> Org {
    use FieldKind::*;
    let common = || {
        vec![
            f("Id", Id),
            f("IsDeleted", Boolean),
            f("CreatedDate", DateTime),
            f("OwnerId", Reference),
        ]
    };
    let mut account = common();
    account.extend([
        f("Name", String),
        f("Industry", Picklist),
        f("AnnualRevenue", Currency),
        f("BillingAddress", Address),
    ]);
    let mut contact = common();
    contact.extend([
        f("FirstName", String),
        f("LastName", String),
        f("Email", Email),
        f("AccountId", Reference),
        f("Birthdate", Date),
        f("Interests__c", Multipicklist),
        f("Description", Textarea),
    ]);
    let mut opportunity = common();
    opportunity.extend([
        f("Name", String),
        f("StageName", Picklist),
        f("Amount", Currency),
        f("CloseDate", Date),
        f("AccountId", Reference),
        f("IsWon", Boolean),
    ]);
    let user = vec![
        f("Id", Id),
        f("IsDeleted", Boolean),
        f("Name", String),
        f("Email", Email),
        f("IsActive", Boolean),
    ];
    let mut task = common();
    task.extend([f("Subject", String), f("WhatId", Reference)]);
    let mut org = Org {
        objects: vec![
            ("Account", account),
            ("Contact", contact),
            ("Opportunity", opportunity),
            ("User", user),
            ("Task", task),
        ],
        rows: Vec::new(),
        by_id: HashMap::new(),
        parents: vec![
            parent("Account", "Owner", "OwnerId", &["User"]),
            parent("Contact", "Owner", "OwnerId", &["User"]),
            parent("Contact", "Account", "AccountId", &["Account"]),
            parent("Opportunity", "Owner", "OwnerId", &["User"]),
            parent("Opportunity", "Account", "AccountId", &["Account"]),
            parent("Task", "What", "WhatId", &["Account", "Opportunity"]),
        ],
        children: vec![
            child("Account", "Contacts", "Contact", "AccountId"),
            child("Account", "Opportunities", "Opportunity", "AccountId"),
        ],
    };
    let (u1, u2) = (id("005", 1), id("005", 2));
    org.add(
        "User",
        json!({"Id": u1, "Name": "Ada Admin", "Email": "ada@x.io", "IsActive": true}),
    );
    org.add(
        "User",
        json!({"Id": u2, "Name": "Bob Sales", "Email": "bob@x.io", "IsActive": false}),
    );
    let (a1, a2, a3) = (id("001", 1), id("001", 2), id("001", 3));
    org.add(
        "Account",
        json!({"Id": a1, "Name": "Acme Corp", "Industry": "Technology", "OwnerId": u1,
        "AnnualRevenue": 1_000_000.0, "CreatedDate": "2026-01-05T10:00:00.000+0000",
        "BillingAddress": {"city": "Paris"}}),
    );
    org.add("Account", json!({"Id": a2, "Name": "Globex", "Industry": null, "OwnerId": u2,
        "AnnualRevenue": 500, "CreatedDate": "2026-01-06T10:00:00.000+0000", "BillingAddress": null}));
    org.add("Account", json!({"Id": a3, "Name": "Initech", "Industry": "Finance", "OwnerId": u1,
        "AnnualRevenue": null, "CreatedDate": "2026-01-07T10:00:00.000+0000", "BillingAddress": null}));
    org.add(
        "Account",
        json!({"Id": id("001", 4), "Name": "Gone Inc", "Industry": null, "OwnerId": u1,
        "AnnualRevenue": null, "CreatedDate": "2026-01-01T10:00:00.000+0000", "IsDeleted": true}),
    );
    org.add("Contact", json!({"Id": id("003", 1), "FirstName": "Ann", "LastName": "Smith", "Email": "ann@acme.com",
        "AccountId": a1, "OwnerId": u1, "Birthdate": "1990-05-01", "CreatedDate": "2026-01-10T08:00:00.000+0000",
        "Interests__c": "Golf;Tennis", "Description": "Line with 50% off_sale"}));
    org.add("Contact", json!({"Id": id("003", 2), "FirstName": "Bob", "LastName": "Jones", "Email": "bob@globex.com",
        "AccountId": a2, "OwnerId": u2, "Birthdate": null, "CreatedDate": "2026-01-11T09:30:00.000+0000",
        "Interests__c": "Tennis", "Description": "Line with 50 percent"}));
    org.add("Contact", json!({"Id": id("003", 3), "FirstName": "Cara", "LastName": "smith", "Email": null,
        "AccountId": null, "OwnerId": u1, "Birthdate": "1985-12-31", "CreatedDate": "2026-01-11T09:30:00.000+0000",
        "Interests__c": null, "Description": null}));
    org.add("Contact", json!({"Id": id("003", 4), "FirstName": "Dan", "LastName": "O'Brien", "Email": "ob@acme.com",
        "AccountId": a1, "OwnerId": u2, "Birthdate": "2000-02-29", "CreatedDate": "2026-01-12T00:00:00.000+0000",
        "Interests__c": "Chess;Golf", "Description": "Café owner"}));
    org.add(
        "Opportunity",
        json!({"Id": id("006", 1), "Name": "Big deal", "StageName": "Closed Won", "Amount": 5000,
        "CloseDate": "2026-03-01", "AccountId": a1, "IsWon": true, "OwnerId": u1}),
    );
    org.add(
        "Opportunity",
        json!({"Id": id("006", 2), "Name": "Small deal", "StageName": "Prospecting", "Amount": 100,
        "CloseDate": "2026-02-01", "AccountId": a1, "IsWon": false, "OwnerId": u1}),
    );
    org.add(
        "Opportunity",
        json!({"Id": id("006", 3), "Name": "Mid", "StageName": "Negotiation", "Amount": 2500.5,
        "CloseDate": "2026-04-01", "AccountId": a2, "IsWon": false, "OwnerId": u2}),
    );
    org.add(
        "Opportunity",
        json!({"Id": id("006", 4), "Name": "Old A1", "StageName": "Closed Lost", "Amount": null,
        "CloseDate": "2025-12-01", "AccountId": a1, "IsWon": false, "OwnerId": u1}),
    );
    org.add(
        "Task",
        json!({"Id": id("00T", 1), "Subject": "Call", "WhatId": a1, "OwnerId": u1}),
    );
    org.add(
        "Task",
        json!({"Id": id("00T", 2), "Subject": "Demo", "WhatId": id("006", 3), "OwnerId": u1}),
    );
    org.add(
        "Task",
        json!({"Id": id("00T", 3), "Subject": "Nothing", "WhatId": null, "OwnerId": u1}),
    );
    org
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 12, 12, 0, 0).unwrap()
}

fn query(soql: &str) -> QueryOutcome {
    run_at(&org(), soql, "62.0", false, now()).unwrap_or_else(|e| panic!("{soql}: {}", e.message))
}

fn fail(soql: &str) -> SoqlError {
    run_at(&org(), soql, "62.0", false, now()).expect_err(soql)
}

/// One field of every record.
fn column(soql: &str, field: &str) -> Vec<Value> {
    query(soql)
        .records
        .iter()
        .map(|r| r[field].clone())
        .collect()
}

fn names(soql: &str) -> Vec<String> {
    column(soql, "Name")
        .into_iter()
        .map(|v| v.as_str().unwrap_or("<null>").to_string())
        .collect()
}

fn last_names(soql: &str) -> Vec<String> {
    column(soql, "LastName")
        .into_iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn records_carry_attributes_and_canonical_names() {
    let out = query("select id, lastname from CONTACT where LASTNAME = 'SMITH'");
    assert_eq!(out.total_size, 2);
    assert_eq!(
        out.records[0],
        json!({
            "attributes": {"type": "Contact", "url": format!("/services/data/v62.0/sobjects/Contact/{}", id("003", 1))},
            "Id": id("003", 1),
            "LastName": "Smith",
        })
    );
    let keys: Vec<&String> = out.records[1].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(out.records[1]["LastName"], "smith");
    // A "v" prefix on the version is accepted.
    let out = run_at(&org(), "SELECT Id FROM User LIMIT 1", "v58.0", false, now()).unwrap();
    assert_eq!(
        out.records[0]["attributes"]["url"],
        format!("/services/data/v58.0/sobjects/User/{}", id("005", 1))
    );
}

#[test]
fn parent_paths_nest_objects_or_null() {
    let out = query(
        "SELECT Id, Owner.Email, Account.Name, account.owner.name, Account.Industry FROM Contact ORDER BY FirstName",
    );
    let ann = &out.records[0];
    assert_eq!(
        ann["Owner"],
        json!({"attributes": {"type": "User", "url": format!("/services/data/v62.0/sobjects/User/{}", id("005", 1))},
               "Email": "ada@x.io"})
    );
    assert_eq!(
        ann["Account"],
        json!({
            "attributes": {"type": "Account", "url": format!("/services/data/v62.0/sobjects/Account/{}", id("001", 1))},
            "Name": "Acme Corp",
            "Owner": {"attributes": {"type": "User", "url": format!("/services/data/v62.0/sobjects/User/{}", id("005", 1))},
                      "Name": "Ada Admin"},
            "Industry": "Technology",
        })
    );
    // Cara has no account.
    assert_eq!(out.records[2]["FirstName"], Value::Null);
    assert_eq!(out.records[2]["Account"], Value::Null);
    assert_eq!(out.records[2]["Owner"]["Email"], "ada@x.io");
    // Selecting through the object's own name is allowed.
    assert_eq!(
        column(
            "SELECT Contact.LastName FROM Contact WHERE Contact.FirstName = 'Dan'",
            "LastName"
        ),
        vec![json!("O'Brien")]
    );
}

#[test]
fn polymorphic_lookups_answer_the_name_entity_with_the_real_url() {
    let out = query("SELECT Subject, What.Name FROM Task ORDER BY Subject");
    assert_eq!(
        out.records[0]["What"],
        json!({"attributes": {"type": "Name", "url": format!("/services/data/v62.0/sobjects/Account/{}", id("001", 1))},
               "Name": "Acme Corp"})
    );
    assert_eq!(
        out.records[1]["What"]["attributes"]["url"],
        format!("/services/data/v62.0/sobjects/Opportunity/{}", id("006", 3))
    );
    assert_eq!(out.records[1]["What"]["Name"], "Mid");
    assert_eq!(out.records[2]["What"], Value::Null);
}

#[test]
fn child_subqueries_filter_order_and_limit_per_parent() {
    let out = query(
        "SELECT Name, (SELECT Name, StageName FROM Opportunities WHERE StageName != 'Closed Lost' ORDER BY CloseDate DESC LIMIT 1), \
         (select LastName from contacts order by LastName) FROM Account ORDER BY Name",
    );
    assert_eq!(out.total_size, 3);
    let acme = &out.records[0];
    assert_eq!(
        acme["Opportunities"],
        json!({"totalSize": 1, "done": true, "records": [{
            "attributes": {"type": "Opportunity", "url": format!("/services/data/v62.0/sobjects/Opportunity/{}", id("006", 1))},
            "Name": "Big deal", "StageName": "Closed Won"}]})
    );
    let contacts: Vec<&Value> = acme["Contacts"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["LastName"])
        .collect();
    assert_eq!(contacts, vec!["O'Brien", "Smith"]);
    assert_eq!(acme["Contacts"]["totalSize"], 2);
    assert_eq!(out.records[1]["Opportunities"]["records"][0]["Name"], "Mid");
    assert_eq!(out.records[2]["Name"], "Initech");
    assert_eq!(out.records[2]["Opportunities"], Value::Null);
    assert_eq!(out.records[2]["Contacts"], Value::Null);
}

#[test]
fn ordering_nulls_and_stability() {
    // ASC puts nulls first, DESC last, unless told otherwise.
    assert_eq!(
        column("SELECT Email FROM Contact ORDER BY Email", "Email")[0],
        Value::Null
    );
    assert_eq!(
        column("SELECT Email FROM Contact ORDER BY Email DESC", "Email"),
        vec![
            json!("ob@acme.com"),
            json!("bob@globex.com"),
            json!("ann@acme.com"),
            Value::Null
        ]
    );
    assert_eq!(
        column(
            "SELECT Email FROM Contact ORDER BY Email ASC NULLS LAST",
            "Email"
        )[3],
        Value::Null
    );
    assert_eq!(
        column(
            "SELECT Email FROM Contact ORDER BY Email DESC NULLS FIRST",
            "Email"
        )[0],
        Value::Null
    );
    // Case-insensitive, and ties keep insertion order (Smith before smith; Jones before smith).
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY LastName DESC"),
        vec!["Smith", "smith", "O'Brien", "Jones"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY CreatedDate DESC, FirstName DESC"),
        vec!["O'Brien", "smith", "Jones", "Smith"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY CreatedDate"),
        vec!["Smith", "Jones", "smith", "O'Brien"]
    );
    // Order by a parent field, then by a date.
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY Account.Name NULLS LAST, Birthdate DESC"),
        vec!["O'Brien", "Smith", "Jones", "smith"]
    );
    assert_eq!(
        names("SELECT Name FROM Opportunity ORDER BY Amount DESC"),
        vec!["Big deal", "Mid", "Small deal", "Old A1"]
    );
}

#[test]
fn limit_and_offset_apply_after_ordering() {
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY FirstName LIMIT 2 OFFSET 1"),
        vec!["Jones", "smith"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact ORDER BY FirstName DESC LIMIT 1"),
        vec!["O'Brien"]
    );
    assert_eq!(
        last_names("SELECT LastName FROM Contact LIMIT 2"),
        vec!["Smith", "Jones"]
    );
    assert_eq!(query("SELECT Id FROM Contact LIMIT 0").total_size, 0);
    assert_eq!(query("SELECT Id FROM Contact OFFSET 3").total_size, 1);
    assert_eq!(
        query("SELECT Id FROM Contact OFFSET 10").records,
        Vec::<Value>::new()
    );
}

#[test]
fn where_operators() {
    let ln = |w: &str| last_names(&format!("SELECT LastName FROM Contact WHERE {w}"));
    assert_eq!(ln("LastName = 'smith'"), vec!["Smith", "smith"]);
    assert_eq!(ln("LastName != 'smith'"), vec!["Jones", "O'Brien"]);
    assert_eq!(
        ln("LastName <> 'SMITH' AND LastName = 'O\\'Brien'"),
        vec!["O'Brien"]
    );
    assert_eq!(ln("Email = null"), vec!["smith"]);
    assert_eq!(
        ln("Email != null AND Email LIKE '%@acme.com'"),
        vec!["Smith", "O'Brien"]
    );
    // != matches empty fields, as in Salesforce.
    assert_eq!(
        ln("Email != 'ann@acme.com'"),
        vec!["Jones", "smith", "O'Brien"]
    );
    assert_eq!(
        ln("LastName IN ('jones', 'O\\'BRIEN')"),
        vec!["Jones", "O'Brien"]
    );
    assert_eq!(
        ln("Email NOT IN ('ann@acme.com', 'bob@globex.com')"),
        vec!["smith", "O'Brien"]
    );
    assert_eq!(
        ln("Email IN (null, 'ob@acme.com')"),
        vec!["smith", "O'Brien"]
    );
    assert_eq!(
        ln("LastName < 'P' AND LastName >= 'j'"),
        vec!["Jones", "O'Brien"]
    );
    assert_eq!(ln("NOT LastName = 'smith'"), vec!["Jones", "O'Brien"]);
    assert_eq!(
        ln("(FirstName = 'Ann' OR FirstName = 'Dan') AND NOT (Email LIKE 'ob%')"),
        vec!["Smith"]
    );
    assert_eq!(
        ln("FirstName = 'Cara' OR (LastName = 'Jones' AND Email != null)"),
        vec!["Jones", "smith"]
    );
    // LIKE: `_` one char, escaped `\%` and `\_` literal, case-insensitive, non-ASCII.
    assert_eq!(ln("FirstName LIKE '_o_'"), vec!["Jones"]);
    assert_eq!(ln("Description LIKE '%50\\%%'"), vec!["Smith"]);
    assert_eq!(ln("Description LIKE '%off\\_sale'"), vec!["Smith"]);
    assert_eq!(ln("Description LIKE 'CAFÉ%'"), vec!["O'Brien"]);
    assert_eq!(ln("Description LIKE 'line%'"), vec!["Smith", "Jones"]);
    // Parent paths in WHERE; a missing parent reads as null.
    assert_eq!(ln("Account.Name = 'acme corp'"), vec!["Smith", "O'Brien"]);
    assert_eq!(ln("Account.Name = null"), vec!["smith"]);
    assert_eq!(ln("Account.Owner.IsActive = false"), vec!["Jones"]);
    // Ids compare by their 15-character form.
    let id15 = &id("003", 2)[..15];
    assert_eq!(ln(&format!("Id = '{id15}'")), vec!["Jones"]);
    assert_eq!(
        ln(&format!(
            "AccountId IN ('{}', '{}')",
            id("001", 2),
            id("001", 3)
        )),
        vec!["Jones"]
    );
    // Multi-select picklists.
    assert_eq!(
        ln("Interests__c INCLUDES ('golf')"),
        vec!["Smith", "O'Brien"]
    );
    assert_eq!(
        ln("Interests__c INCLUDES ('Golf;Chess', 'Tennis')"),
        vec!["Smith", "Jones", "O'Brien"]
    );
    assert_eq!(ln("Interests__c EXCLUDES ('Golf')"), vec!["Jones", "smith"]);
    assert_eq!(ln("Interests__c = 'tennis;golf'"), vec!["Smith"]);
}

#[test]
fn typed_comparisons() {
    let opp = |w: &str| names(&format!("SELECT Name FROM Opportunity WHERE {w}"));
    assert_eq!(opp("Amount > 1000"), vec!["Big deal", "Mid"]);
    assert_eq!(opp("Amount <= 2500.5"), vec!["Small deal", "Mid"]);
    assert_eq!(opp("Amount = null"), vec!["Old A1"]);
    assert_eq!(opp("IsWon = TRUE"), vec!["Big deal"]);
    assert_eq!(opp("IsWon != true"), vec!["Small deal", "Mid", "Old A1"]);
    assert_eq!(
        opp("CloseDate >= 2026-02-01 AND CloseDate < 2026-04-01"),
        vec!["Big deal", "Small deal"]
    );
    assert_eq!(opp("CloseDate = 2025-12-01"), vec!["Old A1"]);
    let ln = |w: &str| last_names(&format!("SELECT LastName FROM Contact WHERE {w}"));
    assert_eq!(ln("CreatedDate > 2026-01-11T09:30:00Z"), vec!["O'Brien"]);
    assert_eq!(
        ln("CreatedDate = 2026-01-11T10:30:00+01:00"),
        vec!["Jones", "smith"]
    );
    assert_eq!(
        ln("CreatedDate >= 2026-01-11T04:30:00-0500"),
        vec!["Jones", "smith", "O'Brien"]
    );
    assert_eq!(
        ln("CreatedDate < 2026-01-11T09:30:00.001Z AND CreatedDate > 2026-01-10T08:00:00Z"),
        vec!["Jones", "smith"]
    );
    assert_eq!(ln("Birthdate < 1990-01-01"), vec!["smith"]);
}

#[test]
fn relative_date_literals() {
    // now = 2026-01-12 12:00 UTC, a Monday.
    let ln = |w: &str| last_names(&format!("SELECT LastName FROM Contact WHERE {w}"));
    assert_eq!(ln("CreatedDate = TODAY"), vec!["O'Brien"]);
    assert_eq!(ln("CreatedDate = YESTERDAY"), vec!["Jones", "smith"]);
    assert_eq!(ln("CreatedDate < YESTERDAY"), vec!["Smith"]);
    assert_eq!(
        ln("CreatedDate = LAST_N_DAYS:1"),
        vec!["Jones", "smith", "O'Brien"]
    );
    // Weeks start on Sunday: 2026-01-11.
    assert_eq!(
        ln("CreatedDate = THIS_WEEK"),
        vec!["Jones", "smith", "O'Brien"]
    );
    assert_eq!(ln("CreatedDate = LAST_WEEK"), vec!["Smith"]);
    let opp = |w: &str| names(&format!("SELECT Name FROM Opportunity WHERE {w}"));
    assert_eq!(
        opp("CloseDate > TODAY"),
        vec!["Big deal", "Small deal", "Mid"]
    );
    assert_eq!(opp("CloseDate = LAST_MONTH"), vec!["Old A1"]);
    assert_eq!(opp("CloseDate = NEXT_N_DAYS:30"), vec!["Small deal"]);
    assert_eq!(
        opp("CloseDate = THIS_QUARTER"),
        vec!["Big deal", "Small deal"]
    );
    assert!(opp("CloseDate = N_YEARS_AGO:1000000").is_empty());
}

#[test]
fn count_and_aggregates() {
    let out = query("SELECT COUNT() FROM Contact");
    assert_eq!((out.total_size, out.records.len()), (4, 0));
    assert_eq!(
        query("select count() from Contact where LastName = 'Smith'").total_size,
        2
    );
    assert_eq!(query("SELECT COUNT() FROM Contact LIMIT 3").total_size, 3);
    let out = query("SELECT COUNT(Id) FROM Contact");
    assert_eq!(out.total_size, 1);
    assert_eq!(
        out.records,
        vec![json!({"attributes": {"type": "AggregateResult"}, "expr0": 4})]
    );
    assert_eq!(
        query(
            "SELECT COUNT(Id) n, MAX(CreatedDate), SUM(Amount) FROM Opportunity WHERE Name = 'none'"
        )
        .records,
        vec![
            json!({"attributes": {"type": "AggregateResult"}, "n": 0, "expr0": Value::Null, "expr1": Value::Null})
        ]
    );
    assert_eq!(
        query("SELECT COUNT(Email), MIN(Birthdate), COUNT_DISTINCT(AccountId) FROM Contact")
            .records[0],
        json!({"attributes": {"type": "AggregateResult"}, "expr0": 3, "expr1": "1985-12-31", "expr2": 2})
    );
    let out = query(
        "SELECT AccountId, COUNT(Id) total, SUM(Amount) FROM Opportunity GROUP BY AccountId ORDER BY AccountId",
    );
    assert_eq!(
        out.records,
        vec![
            json!({"attributes": {"type": "AggregateResult"}, "AccountId": id("001", 1), "total": 3, "expr0": 5100.0}),
            json!({"attributes": {"type": "AggregateResult"}, "AccountId": id("001", 2), "total": 1, "expr0": 2500.5}),
        ]
    );
    // HAVING on aggregates and grouped fields; ORDER BY an aggregate.
    let out = query(
        "SELECT StageName, COUNT(Id) n FROM Opportunity GROUP BY StageName HAVING COUNT(Id) >= 1 AND StageName != 'Mid' ORDER BY StageName DESC LIMIT 2",
    );
    let stages: Vec<&Value> = out.records.iter().map(|r| &r["StageName"]).collect();
    assert_eq!(stages, ["Prospecting", "Negotiation"]);
    let out = query(
        "SELECT AccountId, COUNT(Id) FROM Contact GROUP BY AccountId HAVING COUNT(Id) > 0 ORDER BY COUNT(Id) DESC, AccountId NULLS FIRST",
    );
    let counts: Vec<(Value, Value)> = out
        .records
        .iter()
        .map(|r| (r["AccountId"].clone(), r["expr0"].clone()))
        .collect();
    assert_eq!(
        counts,
        vec![
            (json!(id("001", 1)), json!(2)),
            (Value::Null, json!(1)),
            (json!(id("001", 2)), json!(1)),
        ]
    );
    assert_eq!(
        query("SELECT StageName s, MAX(Amount) top FROM Opportunity WHERE IsWon = true GROUP BY StageName").records,
        vec![json!({"attributes": {"type": "AggregateResult"}, "s": "Closed Won", "top": 5000})]
    );
    let q = "SELECT LastName n FROM Contact";
    assert_eq!(fail(q).message, caret(q, 17, "unexpected token: 'n'"));
    assert_eq!(
        query("SELECT AccountId FROM Opportunity GROUP BY AccountId HAVING SUM(Amount) > 3000")
            .total_size,
        1
    );
    assert_eq!(
        query("SELECT AccountId FROM Opportunity GROUP BY AccountId HAVING MAX(CloseDate) < 2026-04-01").records[0]["AccountId"],
        json!(id("001", 1))
    );
    assert!(
        fail("SELECT Id FROM Contact WHERE COUNT(Id) > 1")
            .message
            .ends_with("Aggregate functions are not allowed in the WHERE clause")
    );
    assert!(
        fail("SELECT AccountId FROM Contact GROUP BY AccountId HAVING Email = null")
            .message
            .ends_with("Field must be grouped or aggregated: Email")
    );
    let e = fail("SELECT Name, COUNT(Id) FROM Account");
    assert_eq!(e.code, "MALFORMED_QUERY");
    assert!(
        e.message
            .ends_with("Field must be grouped or aggregated: Name")
    );
}

#[test]
fn query_all_includes_deleted_rows() {
    let org = org();
    let live = run_at(
        &org,
        "SELECT Name FROM Account WHERE IsDeleted = true",
        "62.0",
        false,
        now(),
    )
    .unwrap();
    assert_eq!(live.total_size, 0);
    let all = run_at(
        &org,
        "SELECT Name FROM Account WHERE IsDeleted = true",
        "62.0",
        true,
        now(),
    )
    .unwrap();
    assert_eq!(all.records[0]["Name"], "Gone Inc");
    assert_eq!(
        run_at(&org, "SELECT COUNT() FROM Account", "62.0", true, now())
            .unwrap()
            .total_size,
        4
    );
}

#[test]
fn semi_joins() {
    assert_eq!(
        names(
            "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%acme.com')"
        ),
        vec!["Acme Corp"]
    );
    assert_eq!(
        names("SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)"),
        vec!["Initech"]
    );
}

#[test]
fn prepared_queries_render_one_page_at_a_time() {
    let org = org();
    let prepared = PreparedQuery::new(
        &org,
        "SELECT Name, (SELECT Name FROM Opportunities) FROM Account ORDER BY Name DESC",
        false,
        now(),
    )
    .unwrap();
    assert_eq!(prepared.object(), "Account");
    let Matches::Rows(rows) = prepared.execute(&org) else {
        panic!("record query")
    };
    assert_eq!(rows.len(), 3);
    let page = prepared.render(&org, &rows[1..2], "62.0");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["Name"], "Globex");
    assert_eq!(page[0]["Opportunities"]["records"][0]["Name"], "Mid");
}

fn caret(soql: &str, column: usize, reason: &str) -> String {
    format!(
        "\n{soql}\n{}^\nERROR at Row:1:Column:{column}\n{reason}",
        " ".repeat(column - 1)
    )
}

#[test]
fn errors_in_salesforce_format() {
    let e = fail("SELECT Foo FROM Bar");
    assert_eq!(e.code, "INVALID_TYPE");
    assert_eq!(
        e.message,
        "\nSELECT Foo FROM Bar\n                ^\nERROR at Row:1:Column:17\nsObject type 'Bar' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
    );
    let e = fail("SELECT Id, Foo FROM Contact");
    assert_eq!(e.code, "INVALID_FIELD");
    assert_eq!(
        e.message,
        "\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
    );
    assert_eq!(
        e.to_json(),
        json!([{"message": e.message, "errorCode": "INVALID_FIELD"}])
    );
    let q = "SELECT Id FROM Contact WHERE Account.Nope = 'x'";
    assert_eq!(
        fail(q).message,
        caret(q, 30, &super::error::no_such_column("Nope", "Account"))
    );
    let q = "SELECT Id, Acount.Name FROM Contact";
    let e = fail(q);
    assert_eq!(
        (e.code, e.message),
        (
            "INVALID_FIELD",
            caret(q, 12, &super::error::unknown_parent_relationship("Acount"))
        )
    );
    let q = "SELECT Id, (SELECT Id FROM Opps) FROM Account";
    let e = fail(q);
    assert_eq!(
        (e.code, e.message),
        (
            "INVALID_TYPE",
            caret(q, 28, &super::error::unknown_child_relationship("Opps"))
        )
    );
    let q = "SELECT Id FROM Contact WHERE CreatedDate > '2026-01-01'";
    assert_eq!(
        fail(q).message,
        caret(
            q,
            30,
            "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes"
        )
    );
    let q = "SELECT Id FROM Contact WHERE CreatedDate > 2026-01-01";
    assert!(
        fail(q)
            .message
            .ends_with("must be of type dateTime and should not be enclosed in quotes")
    );
    let q = "SELECT Id FROM Contact WHERE LastName = 5";
    assert_eq!(
        fail(q).message,
        caret(
            q,
            30,
            "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes"
        )
    );
    let q = "SELECT Id FROM Opportunity WHERE Amount = '5'";
    assert!(
        fail(q).message.ends_with(
            "field 'Amount' must be of type double and should not be enclosed in quotes"
        )
    );
    let q = "SELECT Id FROM Contact WHERE AccountId = 'abc'";
    let e = fail(q);
    assert_eq!(
        (e.code, e.message),
        (
            "INVALID_QUERY_FILTER_OPERATOR",
            caret(q, 42, "invalid ID field: abc")
        )
    );
    let q = "SELECT Id, LastName, lastname FROM Contact";
    let e = fail(q);
    assert_eq!(
        (e.code, e.message),
        (
            "INVALID_FIELD",
            caret(q, 22, "duplicate field selected: LastName")
        )
    );
    let q = "SELECT Account.Name, account.NAME FROM Contact";
    assert!(
        fail(q)
            .message
            .ends_with("duplicate field selected: Account.Name")
    );
    let q = "SELECT Id FROM Account WHERE BillingAddress = null";
    assert!(
        fail(q)
            .message
            .ends_with("field 'BillingAddress' can not be filtered in a query call")
    );
    let q = "SELECT Id FROM Contact ORDER BY Interests__c";
    assert!(
        fail(q)
            .message
            .ends_with("field 'Interests__c' can not be sorted in a query call")
    );
    let q = "SELECT Id FROM Contact WHERE LastName = 'x' OR LastName = 'y' AND Email = null";
    assert_eq!(fail(q).message, caret(q, 63, "unexpected token: 'AND'"));
    assert_eq!(
        fail("SELECT Id FROM Contact LIMIT 1 OFFSET 2001").code,
        "NUMBER_OUTSIDE_VALID_RANGE"
    );
    // Names inside a child subquery resolve against the child object.
    let q = "SELECT Id, (SELECT Foo FROM Opportunities) FROM Account";
    assert_eq!(
        fail(q).message,
        caret(q, 20, &super::error::no_such_column("Foo", "Opportunity"))
    );
    let q = "SELECT Id FROM Opportunity WHERE Amount IN (1, '2')";
    assert!(
        fail(q)
            .message
            .ends_with("must be of type double and should not be enclosed in quotes")
    );
    let q = "SELECT Id FROM Contact WHERE Email LIKE 'x' AND IsDeleted LIKE 'true'";
    assert!(fail(q).message.ends_with(
        "field 'IsDeleted' must be of type boolean and should not be enclosed in quotes"
    ));
}

#[test]
fn compound_fields_are_selected_as_is() {
    assert_eq!(
        column(
            "SELECT BillingAddress FROM Account ORDER BY Name",
            "BillingAddress"
        ),
        vec![json!({"city": "Paris"}), Value::Null, Value::Null]
    );
}

/// Random token soups never panic: each ends in an answer or a Salesforce error code.
#[test]
fn arbitrary_input_never_panics() {
    const VOCAB: &[&str] = &[
        "SELECT",
        "FROM",
        "WHERE",
        "Id",
        "Name",
        "Account",
        "Contact",
        "Opportunities",
        ".",
        ",",
        "(",
        ")",
        "=",
        "!=",
        "<",
        ">=",
        "IN",
        "NOT",
        "AND",
        "OR",
        "LIKE",
        "'a%'",
        "'\\'",
        "'\\x'",
        "'",
        "5",
        "-1.5",
        "null",
        "true",
        "TODAY",
        "LAST_N_DAYS",
        ":",
        "2026-01-01",
        "2026-01-01T00:00:00Z",
        "ORDER",
        "BY",
        "DESC",
        "NULLS",
        "LAST",
        "LIMIT",
        "OFFSET",
        "COUNT",
        "()",
        "GROUP",
        "Owner",
        "Email",
        "CreatedDate",
        "AccountId",
        "INCLUDES",
        "HAVING",
        "SUM",
        "MAX",
        "a",
        "é",
        "\n",
        "Amount",
        "Opportunity",
    ];
    const CODES: &[&str] = &[
        "MALFORMED_QUERY",
        "INVALID_FIELD",
        "INVALID_TYPE",
        "INVALID_QUERY_FILTER_OPERATOR",
        "NUMBER_OUTSIDE_VALID_RANGE",
    ];
    let org = org();
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let prefixes = [
        "SELECT Id FROM Contact WHERE ",
        "SELECT Id FROM Contact ",
        "SELECT ",
        "SELECT Id, ",
        "",
    ];
    let mut answered = 0;
    for _ in 0..3000 {
        let mut q = prefixes[next(prefixes.len())].to_string();
        for _ in 0..next(12) {
            q.push_str(VOCAB[next(VOCAB.len())]);
            q.push(' ');
        }
        match run_at(&org, &q, "62.0", false, now()) {
            Ok(_) => answered += 1,
            Err(e) => {
                assert!(CODES.contains(&e.code), "{q}: {e}");
                assert!(e.message.contains("\nERROR at Row:"), "{q}: {e}");
            }
        }
    }
    assert!(answered > 0);
}

/// Key order is only observable when serde_json keeps insertion order (its `preserve_order`
/// feature); then `attributes` comes first and fields follow in the order selected.
#[test]
fn records_list_attributes_then_fields_in_selected_order() {
    let mut probe = serde_json::Map::new();
    probe.insert("b".into(), Value::Null);
    probe.insert("a".into(), Value::Null);
    let preserves = probe.keys().next().map(String::as_str) == Some("b");
    let out =
        query("SELECT LastName, Id, Account.Owner.Name, Account.Name, Email FROM Contact LIMIT 1");
    let keys: Vec<&str> = out.records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let nested: Vec<&str> = out.records[0]["Account"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    if preserves {
        assert_eq!(keys, ["attributes", "LastName", "Id", "Account", "Email"]);
        assert_eq!(nested, ["attributes", "Owner", "Name"]);
    } else {
        assert_eq!(keys, ["Account", "Email", "Id", "LastName", "attributes"]);
        assert_eq!(nested, ["Name", "Owner", "attributes"]);
    }
}
