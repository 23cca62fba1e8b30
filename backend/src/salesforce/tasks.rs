//! Conversations' Tasks: one `/composite` read of the Tasks found by their Subjects and the
//! Contacts' accounts, and the Tasks written through sObject Collections (200 to a call).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::tasks::TaskFields;

use super::records::{COLLECTION_LIMIT, COMPOSITE_LIMIT, WriteResult};
use super::soql::{Condition, Field, Literal, Query};
use super::{API_VERSION, Call, Client, QueryBody, SalesforceError, error, parse};

/// Subjects or ids in one query's `IN` list: keeps the SOQL well under its length limit.
const IN_LIMIT: usize = 200;

/// People to find by the identity rules: Contacts by the key field, unconverted Leads by email.
#[derive(Debug, Clone)]
pub struct PeopleSearch {
    /// `Email`, or the field holding the Intercom `external_id`.
    pub key_field: Field,
    pub contact_keys: Vec<String>,
    pub lead_emails: Vec<String>,
}

/// A person record found by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPerson {
    pub id: String,
    /// The key field's value (a Contact) or the email (a Lead).
    pub key: Option<String>,
    pub account_id: Option<String>,
    /// `LastModifiedDate` as Salesforce wrote it: newest first sorts the same.
    pub last_modified: Option<DateTime<Utc>>,
}

/// What one read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskReads {
    /// Task ids by Subject (the oldest, should two share one).
    pub tasks: HashMap<String, String>,
    /// Each Contact read by id, with its account if it has one.
    pub accounts: HashMap<String, Option<String>>,
    /// Contacts found by their key.
    pub contacts: Vec<FoundPerson>,
    /// Unconverted Leads found by their email.
    pub leads: Vec<FoundPerson>,
}

fn in_list(values: &[String]) -> Vec<Literal> {
    values.iter().map(|v| Literal::from(v.as_str())).collect()
}

fn tasks_query(subjects: &[String]) -> Query {
    Query::select("Task", &["Id", "Subject", "CreatedDate"])
        .filter(Condition::In(Field::known("Subject"), in_list(subjects)))
        .order_by("CreatedDate", super::soql::Order::Asc)
        .order_by("Id", super::soql::Order::Asc)
}

fn keyed_contacts_query(key_field: &Field, keys: &[String]) -> Query {
    let mut query = Query::select("Contact", &["Id", "AccountId", "LastModifiedDate"]);
    if !key_field.as_str().eq_ignore_ascii_case("Id") {
        query = query.field(key_field.clone());
    }
    query.filter(Condition::In(key_field.clone(), in_list(keys)))
}

fn leads_query(emails: &[String]) -> Query {
    Query::select("Lead", &["Id", "Email", "LastModifiedDate"]).filter(
        Condition::eq(Field::known("IsConverted"), false)
            .and(Condition::In(Field::known("Email"), in_list(emails))),
    )
}

fn contacts_query(ids: &[String]) -> Query {
    Query::select("Contact", &["Id", "AccountId"])
        .filter(Condition::In(Field::known("Id"), in_list(ids)))
}

/// The JSON sObject Collections takes for one Task.
fn task_json(id: Option<&str>, fields: &TaskFields) -> Value {
    let mut record = Map::new();
    record.insert("attributes".into(), json!({"type": "Task"}));
    if let Some(id) = id {
        record.insert("id".into(), json!(id));
    }
    record.insert("Subject".into(), json!(fields.subject));
    record.insert("Status".into(), json!(fields.status));
    record.insert("WhoId".into(), json!(fields.who_id));
    record.insert("WhatId".into(), json!(fields.what_id));
    record.insert(
        "ActivityDate".into(),
        json!(fields.activity_date.format("%Y-%m-%d").to_string()),
    );
    record.insert("Description".into(), json!(fields.description));
    if let Some(owner) = &fields.owner_id {
        record.insert("OwnerId".into(), json!(owner));
    }
    Value::Object(record)
}

impl Client {
    /// One `/composite` call (more only past 25 queries): the Tasks with these Subjects, and
    /// these Contacts' accounts. No call when there is nothing to read.
    pub async fn read_for_tasks(
        &self,
        subjects: &[String],
        contact_ids: &[String],
        people: Option<&PeopleSearch>,
    ) -> Result<(TaskReads, u32), SalesforceError> {
        let mut queries: Vec<(String, Query)> = Vec::new();
        if let Some(people) = people {
            for (n, chunk) in people.contact_keys.chunks(IN_LIMIT).enumerate() {
                queries.push((
                    format!("keyed{n}"),
                    keyed_contacts_query(&people.key_field, chunk),
                ));
            }
            for (n, chunk) in people.lead_emails.chunks(IN_LIMIT).enumerate() {
                queries.push((format!("leads{n}"), leads_query(chunk)));
            }
        }
        for (n, chunk) in subjects.chunks(IN_LIMIT).enumerate() {
            queries.push((format!("tasks{n}"), tasks_query(chunk)));
        }
        for (n, chunk) in contact_ids.chunks(IN_LIMIT).enumerate() {
            queries.push((format!("contacts{n}"), contacts_query(chunk)));
        }
        let mut reads = TaskReads::default();
        let mut calls = 0;
        for chunk in queries.chunks(COMPOSITE_LIMIT) {
            let requests: Vec<(&str, String)> = chunk
                .iter()
                .map(|(reference, query)| (reference.as_str(), query.to_string()))
                .collect();
            calls += 1;
            for (reference, answer) in self.composite_queries(&requests).await? {
                let body = answer.map_err(|refusals| SalesforceError::Refused {
                    status: 400,
                    refusals,
                })?;
                if reference.starts_with("keyed") || reference.starts_with("leads") {
                    let rows: QueryBody<Map<String, Value>> = serde_json::from_value(body)
                        .map_err(|e| SalesforceError::Unexpected(format!("people: {e}")))?;
                    let key_field = match people {
                        Some(p) if reference.starts_with("keyed") => p.key_field.as_str(),
                        _ => "Email",
                    };
                    let text = |row: &Map<String, Value>, name: &str| {
                        row.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(name))
                            .and_then(|(_, v)| v.as_str())
                            .map(str::to_owned)
                    };
                    for row in rows.records {
                        let Some(id) = text(&row, "Id") else { continue };
                        let found = FoundPerson {
                            key: text(&row, key_field),
                            account_id: text(&row, "AccountId"),
                            last_modified: text(&row, "LastModifiedDate")
                                .and_then(|t| super::records::parse_datetime(&t)),
                            id,
                        };
                        if reference.starts_with("keyed") {
                            reads.contacts.push(found);
                        } else {
                            reads.leads.push(found);
                        }
                    }
                } else if reference.starts_with("tasks") {
                    #[derive(Deserialize)]
                    #[serde(rename_all = "PascalCase")]
                    struct Row {
                        id: String,
                        subject: Option<String>,
                    }
                    let rows: QueryBody<Row> = serde_json::from_value(body)
                        .map_err(|e| SalesforceError::Unexpected(format!("tasks: {e}")))?;
                    for row in rows.records {
                        if let Some(subject) = row.subject {
                            reads.tasks.entry(subject).or_insert(row.id);
                        }
                    }
                } else {
                    #[derive(Deserialize)]
                    #[serde(rename_all = "PascalCase")]
                    struct Row {
                        id: String,
                        account_id: Option<String>,
                    }
                    let rows: QueryBody<Row> = serde_json::from_value(body)
                        .map_err(|e| SalesforceError::Unexpected(format!("contacts: {e}")))?;
                    for row in rows.records {
                        reads.accounts.insert(row.id, row.account_id);
                    }
                }
            }
        }
        Ok((reads, calls))
    }

    /// Creates Tasks, 200 to a call, each on its own. Never repeated after a lost answer: the
    /// caller recorded the attempt and looks the Tasks up by Subject next time.
    pub async fn create_tasks(
        &self,
        tasks: &[&TaskFields],
    ) -> Result<(Vec<WriteResult>, u32), SalesforceError> {
        let records: Vec<Value> = tasks.iter().map(|t| task_json(None, t)).collect();
        self.task_collections(reqwest::Method::POST, &records, false)
            .await
    }

    /// Rewrites Tasks by id, 200 to a call, each on its own. The same values twice are
    /// harmless, so a lost answer is retried.
    pub async fn rewrite_tasks(
        &self,
        tasks: &[(&str, &TaskFields)],
    ) -> Result<(Vec<WriteResult>, u32), SalesforceError> {
        let records: Vec<Value> = tasks.iter().map(|(id, t)| task_json(Some(id), t)).collect();
        self.task_collections(reqwest::Method::PATCH, &records, true)
            .await
    }

    async fn task_collections(
        &self,
        method: reqwest::Method,
        records: &[Value],
        idempotent: bool,
    ) -> Result<(Vec<WriteResult>, u32), SalesforceError> {
        #[derive(Deserialize)]
        struct Saved {
            id: Option<String>,
            success: bool,
            #[serde(default)]
            errors: Value,
        }
        let mut results = Vec::with_capacity(records.len());
        let mut calls = 0;
        for chunk in records.chunks(COLLECTION_LIMIT) {
            let body = json!({"allOrNone": false, "records": chunk});
            let call = Call {
                method: method.clone(),
                path: format!("/services/data/{API_VERSION}/composite/sobjects"),
                query: Vec::new(),
                body: Some(&body),
                headers: Vec::new(),
                idempotent,
                timeout: None,
            };
            calls += 1;
            let saved: Vec<Saved> = parse(&self.send(call).await?.body)?;
            if saved.len() != chunk.len() {
                return Err(SalesforceError::Unexpected(format!(
                    "sObject Collections answered {} results for {} Tasks",
                    saved.len(),
                    chunk.len()
                )));
            }
            for (sent, result) in chunk.iter().zip(saved) {
                results.push(if result.success {
                    let sent_id = sent.get("id").and_then(Value::as_str).map(str::to_owned);
                    Ok(result.id.or(sent_id).unwrap_or_default())
                } else {
                    Err(error::batch_refusals(&result.errors))
                });
            }
        }
        Ok((results, calls))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn queries_and_records_are_what_salesforce_takes() {
        assert_eq!(
            tasks_query(&["Intercom conversation #1".into(), "it's".into()]).to_string(),
            "SELECT Id, Subject, CreatedDate FROM Task WHERE Subject IN \
             ('Intercom conversation #1', 'it\\'s') ORDER BY CreatedDate, Id"
        );
        assert_eq!(
            contacts_query(&["003A".into()]).to_string(),
            "SELECT Id, AccountId FROM Contact WHERE Id IN ('003A')"
        );
        assert_eq!(
            keyed_contacts_query(&Field::known("Email"), &["a@b.co".into()]).to_string(),
            "SELECT Id, AccountId, LastModifiedDate, Email FROM Contact WHERE Email IN ('a@b.co')"
        );
        assert_eq!(
            leads_query(&["a@b.co".into()]).to_string(),
            "SELECT Id, Email, LastModifiedDate FROM Lead WHERE IsConverted = false AND \
             Email IN ('a@b.co')"
        );
        let fields = TaskFields {
            subject: "Intercom conversation #1".into(),
            status: "Completed",
            who_id: "00QA".into(),
            what_id: None,
            activity_date: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
            description: "text".into(),
            owner_id: None,
        };
        assert_eq!(
            task_json(Some("00TA"), &fields),
            json!({"attributes": {"type": "Task"}, "id": "00TA",
                "Subject": "Intercom conversation #1", "Status": "Completed", "WhoId": "00QA",
                "WhatId": null, "ActivityDate": "2026-01-10", "Description": "text"})
        );
    }
}
