//! Conversations as Salesforce Tasks: the runner of `tasks.conversation` jobs, a batch at a
//! time, in the card's shape.
//!
//! - Load: the switch (off: every job finishes, nothing is called), the conversations' stored
//!   Tasks, their people's links.
//! - Read: each conversation once, with every part Intercom shows (the Intercom client); the
//!   teammates (cached) for the assignee's and the installer's emails; a person with no link,
//!   from Intercom, for their identity keys; the org's active users (cached); one
//!   `/composite` with the Tasks looked up by Subject (only for conversations whose create was
//!   sent but not answered), the Contacts' accounts (only for people the stored Task was not
//!   already written with) and the unlinked people by the identity rules (Contacts by the key,
//!   unconverted Leads by email; no link is made).
//! - Plan: `shared::tasks::plan`, pure.
//! - Write: the creates recorded as sent, then sObject Collections (creates, rewrites); the
//!   Tasks Salesforce answered for stored at once.
//! - Ledger: one row per job (created, rewritten, not in Salesforce, refused).
//!
//! Idempotent: a job that runs twice rewrites the Task with the same transcript; a create
//! whose answer was lost is found by its Subject before another create; a close while the
//! start waits is absorbed into it (one job per conversation waits).
//!
//! Cost: a close whose Task is known costs no read, only its share of one sObject
//! Collections call (an unlinked person's Task stays on the record it was written on while the
//! conversation's person is the same); a start costs its create and, for a Contact or an
//! unlinked person, its share of one read.

use std::collections::{HashMap, HashSet};

use shared::sync::{Direction, LedgerObject, Outcome, PersonKeys};
use shared::tasks::{Known, Person, TaskConversation, TaskFields, TaskPlan};

use crate::card::Team;
use crate::intercom::{self, IntercomError, TaskSource};
use crate::jobs::{BatchOutcome, ConversationTask, JobKind, JobOutcome};
use crate::salesforce::soql::Field;
use crate::salesforce::tasks::{PeopleSearch, TaskReads};
use crate::salesforce::{self, ErrorCode, Refusal, SalesforceError};
use crate::settings;
use crate::store::{
    ConversationTaskRow, Job, JobId, JobResult, LinkSide, NewLedgerRow, PersonObject, SavedTask,
    Store,
};

/// What a batch works with.
pub struct Context<'a> {
    pub installation_id: &'a str,
    pub salesforce: &'a salesforce::Client,
    pub intercom: &'a intercom::Client,
    pub store: &'a Store,
    /// The teammates (assignees' emails) and the installer.
    pub team: &'a Team,
    /// The Intercom workspace, for links to its conversations.
    pub workspace_id: &'a str,
    pub now: i64,
}

/// One conversation being worked on.
struct Work {
    jobs: Vec<JobId>,
    conversation: TaskConversation,
    stored: Option<ConversationTaskRow>,
    person: Option<Person>,
    task_id: Option<String>,
}

/// Runs one batch. Never fails as a whole: each job gets its outcome.
pub async fn run_batch(ctx: &Context<'_>, jobs: &[Job]) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let retry_all = |out: &mut BatchOutcome, error: String| {
        out.all(jobs.iter().map(|j| j.id), &JobOutcome::Retry(error));
    };
    let switch = match settings::tasks(ctx.store, ctx.installation_id).await {
        Ok(switch) => switch,
        Err(error) => {
            retry_all(&mut out, error.to_string());
            return out;
        }
    };
    if !switch.send_conversations {
        out.all(jobs.iter().map(|j| j.id), &done(Vec::new()));
        return out;
    }
    // One piece of work per conversation, however many of its jobs the batch holds.
    let mut order: Vec<String> = Vec::new();
    let mut by_conversation: HashMap<String, Vec<JobId>> = HashMap::new();
    for job in jobs {
        match ConversationTask::decode(job) {
            Ok(payload) => {
                let ids = by_conversation
                    .entry(payload.conversation.clone())
                    .or_default();
                if ids.is_empty() {
                    order.push(payload.conversation);
                }
                ids.push(job.id);
            }
            // A job this version cannot read will not read better later: finish it.
            Err(_) => out.jobs.push((job.id, done(Vec::new()))),
        }
    }
    let stored = match ctx
        .store
        .conversation_tasks(ctx.installation_id, &order)
        .await
    {
        Ok(rows) => rows,
        Err(error) => {
            retry_all(&mut out, error.to_string());
            return out;
        }
    };
    let mut stored: HashMap<String, ConversationTaskRow> = stored
        .into_iter()
        .map(|r| (r.conversation_id.clone(), r))
        .collect();

    // Read each conversation once.
    let mut work: Vec<Work> = Vec::new();
    for id in &order {
        let job_ids = by_conversation.remove(id).unwrap_or_default();
        match ctx.intercom.task_conversation(id, ctx.workspace_id).await {
            Ok(TaskSource {
                mut conversation,
                assignee_id,
            }) => {
                conversation.assignee_email = assignee_id
                    .as_deref()
                    .and_then(|a| ctx.team.teammates.iter().find(|t| t.id == a))
                    .and_then(|t| t.email.clone());
                work.push(Work {
                    jobs: job_ids,
                    conversation,
                    stored: stored.remove(id),
                    person: None,
                    task_id: None,
                });
            }
            Err(IntercomError::NotFound { .. }) => {
                let mut row = row(ctx, id, None, Outcome::Skipped);
                row.detail = Some("The conversation no longer exists in Intercom.".to_owned());
                finish_all(&mut out, &job_ids, done(vec![row]));
            }
            Err(error) => {
                finish_all(&mut out, &job_ids, JobOutcome::Retry(error.to_string()));
            }
        }
    }
    if work.is_empty() {
        return out;
    }

    // The people, by their links.
    let contacts: Vec<String> = work
        .iter()
        .filter_map(|w| w.conversation.contact_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let links = match ctx
        .store
        .person_links_of(ctx.installation_id, LinkSide::Intercom, &contacts)
        .await
    {
        Ok(links) => links,
        Err(error) => {
            let ids: Vec<JobId> = work.iter().flat_map(|w| w.jobs.clone()).collect();
            out.all(ids, &JobOutcome::Retry(error.to_string()));
            return out;
        }
    };
    let links: HashMap<&str, _> = links
        .iter()
        .map(|l| (l.intercom_contact_id.as_str(), l))
        .collect();

    // What Salesforce must tell: Tasks whose create answer was lost, new people's accounts.
    let mut subjects = Vec::new();
    let mut account_reads = Vec::new();
    for w in &mut work {
        let stored = w.stored.as_ref();
        w.task_id = stored.and_then(|s| s.task_id.clone());
        if w.task_id.is_none() && stored.is_some_and(|s| s.create_sent_at.is_some()) {
            subjects.push(shared::tasks::subject(&w.conversation.id));
        }
        let link = w
            .conversation
            .contact_id
            .as_deref()
            .and_then(|c| links.get(c));
        // Unlinked, but the Task was written for this very person: it stays on that record,
        // with no search (a merged or changed person is searched for again).
        let kept = stored.filter(|s| {
            link.is_none()
                && s.task_id.is_some()
                && s.contact_id.is_some()
                && s.contact_id == w.conversation.contact_id
        });
        if let Some((s, object, who)) =
            kept.and_then(|s| Some((s, s.who_object.0?, s.who_id.clone()?)))
        {
            w.person = Some(match object {
                PersonObject::Lead => Person::Lead { id: who },
                PersonObject::Contact => Person::Contact {
                    id: who,
                    account_id: s.what_id.clone(),
                },
            });
            continue;
        }
        w.person = link.map(|l| match l.salesforce_object {
            PersonObject::Lead => Person::Lead {
                id: l.salesforce_id.clone(),
            },
            PersonObject::Contact => {
                let written =
                    stored.filter(|s| s.who_id.as_deref() == Some(l.salesforce_id.as_str()));
                if written.is_none() {
                    account_reads.push(l.salesforce_id.clone());
                }
                Person::Contact {
                    id: l.salesforce_id.clone(),
                    account_id: written.and_then(|s| s.what_id.clone()),
                }
            }
        });
    }
    // People with no link: found by the identity rules, in the same read.
    let unlinked: Vec<usize> = (0..work.len())
        .filter(|&i| work[i].person.is_none() && work[i].conversation.contact_id.is_some())
        .collect();
    let mut keys: HashMap<String, PersonKeys> = HashMap::new();
    let mut search = None;
    if !unlinked.is_empty() {
        let identity = match settings::identity(ctx.store, ctx.installation_id).await {
            Ok(identity) => identity.people,
            Err(error) => {
                let ids: Vec<JobId> = work.iter().flat_map(|w| w.jobs.clone()).collect();
                out.all(ids, &JobOutcome::Retry(error.to_string()));
                return out;
            }
        };
        let key_field = match Field::parse(identity.salesforce_key()) {
            Ok(field) => field,
            Err(error) => {
                let ids: Vec<JobId> = work.iter().flat_map(|w| w.jobs.clone()).collect();
                out.all(ids, &JobOutcome::Retry(error.to_string()));
                return out;
            }
        };
        let mut people = PeopleSearch {
            key_field,
            contact_keys: Vec::new(),
            lead_emails: Vec::new(),
        };
        for &i in &unlinked {
            let contact_id = work[i].conversation.contact_id.clone().unwrap_or_default();
            let contact = match ctx.intercom.contact(&contact_id).await {
                Ok(contact) => contact,
                // Gone (merged away, deleted): nobody to find.
                Err(IntercomError::NotFound { .. }) => continue,
                Err(error) => {
                    let jobs = std::mem::take(&mut work[i].jobs);
                    finish_all(&mut out, &jobs, JobOutcome::Retry(error.to_string()));
                    continue;
                }
            };
            let found =
                identity.person_keys(contact.email.as_deref(), contact.external_id.as_deref());
            people.contact_keys.extend(found.key.clone());
            people.lead_emails.extend(found.lead_email.clone());
            keys.insert(work[i].conversation.id.clone(), found);
        }
        for list in [&mut people.contact_keys, &mut people.lead_emails] {
            list.sort();
            list.dedup();
        }
        if !people.contact_keys.is_empty() || !people.lead_emails.is_empty() {
            search = Some(people);
        }
    }
    // Jobs given back above are no longer this batch's work.
    work.retain(|w| !w.jobs.is_empty());
    let to_write = work
        .iter()
        .any(|w| w.person.is_some() || keys.contains_key(&w.conversation.id));
    let mut users = Vec::new();
    if to_write {
        if !subjects.is_empty() || !account_reads.is_empty() || search.is_some() {
            account_reads.sort();
            account_reads.dedup();
            match ctx
                .salesforce
                .read_for_tasks(&subjects, &account_reads, search.as_ref())
                .await
            {
                Ok((reads, calls)) => {
                    out.salesforce_calls += calls;
                    for w in &mut work {
                        if w.task_id.is_none() {
                            w.task_id = reads
                                .tasks
                                .get(&shared::tasks::subject(&w.conversation.id))
                                .cloned();
                        }
                        if let Some(Person::Contact { id, account_id }) = &mut w.person
                            && let Some(read) = reads.accounts.get(id.as_str())
                        {
                            account_id.clone_from(read);
                        }
                        if w.person.is_none()
                            && let Some(k) = keys.get(&w.conversation.id)
                        {
                            w.person = matched(k, &reads);
                        }
                    }
                }
                Err(error) => return failed_all(out, &work, error),
            }
        }
        if work.iter().any(|w| w.person.is_some()) {
            match ctx.salesforce.active_users().await {
                Ok(list) => users = list.as_ref().clone(),
                Err(error) => return failed_all(out, &work, error),
            }
        }
    }

    // Decide.
    let installer_email = ctx.team.installer.as_ref().and_then(|t| t.email.as_deref());
    let plans: Vec<TaskPlan> = work
        .iter()
        .map(|w| {
            shared::tasks::plan(Known {
                conversation: &w.conversation,
                person: w.person.as_ref(),
                task_id: w.task_id.as_deref(),
                users: &users,
                installer_email,
            })
        })
        .collect();

    // Write: creates (recorded as sent first), then rewrites.
    let mut saved = Vec::new();
    let creates: Vec<(usize, &TaskFields)> = plans
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            TaskPlan::Create(fields) => Some((i, fields)),
            _ => None,
        })
        .collect();
    let rewrites: Vec<(usize, &str, &TaskFields)> = plans
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            TaskPlan::Rewrite { task_id, fields } => Some((i, task_id.as_str(), fields)),
            _ => None,
        })
        .collect();
    let mut outcomes: Vec<Option<JobOutcome>> = vec![None; work.len()];
    for (i, plan) in plans.iter().enumerate() {
        if *plan == TaskPlan::NoPerson {
            let mut row = row(ctx, &work[i].conversation.id, None, Outcome::Skipped);
            row.detail = Some(
                "The conversation's person is in no Salesforce record, so no Task was made; \
                 the next close after they are linked makes it."
                    .to_owned(),
            );
            row.error_code = Some("not_in_salesforce".to_owned());
            outcomes[i] = Some(done(vec![row]));
        }
    }
    if !creates.is_empty() {
        let ids: Vec<String> = creates
            .iter()
            .map(|(i, _)| work[*i].conversation.id.clone())
            .collect();
        if let Err(error) = ctx
            .store
            .mark_task_creates(ctx.installation_id, &ids, ctx.now)
            .await
        {
            for (i, _) in &creates {
                outcomes[*i] = Some(JobOutcome::Retry(error.to_string()));
            }
        } else {
            let fields: Vec<&TaskFields> = creates.iter().map(|(_, f)| *f).collect();
            match ctx.salesforce.create_tasks(&fields).await {
                Ok((results, calls)) => {
                    out.salesforce_calls += calls;
                    for ((i, fields), result) in creates.iter().zip(results) {
                        outcomes[*i] = Some(settle(
                            ctx,
                            &work[*i],
                            fields,
                            result,
                            Outcome::Created,
                            &mut saved,
                        ));
                    }
                }
                Err(error) => {
                    if matches!(error, SalesforceError::LimitExceeded(_)) {
                        out.limit_exceeded = true;
                    }
                    for (i, _) in &creates {
                        outcomes[*i] = Some(outcome_of(&error));
                    }
                }
            }
        }
    }
    if !rewrites.is_empty() {
        let list: Vec<(&str, &TaskFields)> = rewrites.iter().map(|(_, id, f)| (*id, *f)).collect();
        match ctx.salesforce.rewrite_tasks(&list).await {
            Ok((results, calls)) => {
                out.salesforce_calls += calls;
                for ((i, _, fields), result) in rewrites.iter().zip(results) {
                    let gone = matches!(&result, Err(refusals) if deleted(refusals));
                    outcomes[*i] = Some(if gone {
                        // Deleted in Salesforce: forget it; the retry looks again, then creates.
                        let id = &work[*i].conversation.id;
                        match ctx
                            .store
                            .forget_conversation_task(ctx.installation_id, id, ctx.now)
                            .await
                        {
                            Ok(()) => JobOutcome::Retry(
                                "the conversation's Task was deleted in Salesforce".to_owned(),
                            ),
                            Err(error) => JobOutcome::Retry(error.to_string()),
                        }
                    } else {
                        settle(ctx, &work[*i], fields, result, Outcome::Updated, &mut saved)
                    });
                }
            }
            Err(error) => {
                if matches!(error, SalesforceError::LimitExceeded(_)) {
                    out.limit_exceeded = true;
                }
                for (i, _, _) in &rewrites {
                    outcomes[*i] = Some(outcome_of(&error));
                }
            }
        }
    }
    // What Salesforce answered for is kept at once: a crash from here on rewrites, never
    // creates again.
    if let Err(error) = ctx
        .store
        .save_conversation_tasks(ctx.installation_id, &saved, ctx.now)
        .await
    {
        for (i, w) in work.iter().enumerate() {
            if saved.iter().any(|s| s.conversation_id == w.conversation.id) {
                outcomes[i] = Some(JobOutcome::Retry(error.to_string()));
            }
        }
    }
    for (w, outcome) in work.iter().zip(outcomes) {
        let outcome = outcome.unwrap_or_else(|| JobOutcome::Retry("not run".to_owned()));
        finish_all(&mut out, &w.jobs, outcome);
        if let Some(person) = &w.person {
            out.touched.salesforce_ids.insert(person.id().to_owned());
        }
    }
    out
}

/// Salesforce's answer for one Task, as the job's outcome and its ledger row.
fn settle(
    ctx: &Context<'_>,
    work: &Work,
    fields: &TaskFields,
    result: Result<String, Vec<Refusal>>,
    success: Outcome,
    saved: &mut Vec<SavedTask>,
) -> JobOutcome {
    let id = &work.conversation.id;
    match result {
        Ok(task_id) => {
            saved.push(SavedTask {
                conversation_id: id.clone(),
                task_id: task_id.clone(),
                who_id: fields.who_id.clone(),
                who_object: match work.person {
                    Some(Person::Lead { .. }) => PersonObject::Lead,
                    _ => PersonObject::Contact,
                },
                what_id: fields.what_id.clone(),
                contact_id: work.conversation.contact_id.clone(),
            });
            let mut row = row(ctx, id, Some(&task_id), success);
            row.detail = Some(format!(
                "{} the Task of conversation {id} on {} with {} part{} of transcript.",
                if success == Outcome::Created {
                    "Created"
                } else {
                    "Rewrote"
                },
                fields.who_id,
                work.conversation.parts.len(),
                if work.conversation.parts.len() == 1 {
                    ""
                } else {
                    "s"
                },
            ));
            done(vec![row])
        }
        Err(refusals) => {
            let mut row = row(ctx, id, None, Outcome::Failed);
            row.detail = Some("Salesforce refused the conversation's Task.".to_owned());
            row.error_code = refusals.first().map(|r| r.code.as_str().to_owned());
            row.error_message = Some(
                refusals
                    .iter()
                    .map(|r| r.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            done(vec![row])
        }
    }
}

/// The person the identity rules find, by the priority rule of `sync::matching`.
fn matched(keys: &PersonKeys, reads: &TaskReads) -> Option<Person> {
    let (found, lead) = crate::sync::matching::best_found(keys, &reads.contacts, &reads.leads)?;
    Some(if lead {
        Person::Lead {
            id: found.id.clone(),
        }
    } else {
        Person::Contact {
            id: found.id.clone(),
            account_id: found.account_id.clone(),
        }
    })
}

fn deleted(refusals: &[Refusal]) -> bool {
    refusals
        .iter()
        .any(|r| matches!(r.code, ErrorCode::EntityIsDeleted | ErrorCode::NotFound))
}

/// A whole call failed: the API limit gives the jobs back, anything else retries them.
fn outcome_of(error: &SalesforceError) -> JobOutcome {
    match error {
        SalesforceError::LimitExceeded(_) => JobOutcome::Release,
        other => JobOutcome::Retry(other.to_string()),
    }
}

fn failed_all(mut out: BatchOutcome, work: &[Work], error: SalesforceError) -> BatchOutcome {
    if matches!(error, SalesforceError::LimitExceeded(_)) {
        out.limit_exceeded = true;
    }
    let outcome = outcome_of(&error);
    for w in work {
        finish_all(&mut out, &w.jobs, outcome.clone());
    }
    out
}

/// Gives a conversation's jobs their outcome; a finished one's ledger rows go with the first.
fn finish_all(out: &mut BatchOutcome, jobs: &[JobId], outcome: JobOutcome) {
    let Some((first, rest)) = jobs.split_first() else {
        return;
    };
    let others = match &outcome {
        JobOutcome::Done(_) => done(Vec::new()),
        other => other.clone(),
    };
    out.jobs.push((*first, outcome));
    out.all(rest.iter().copied(), &others);
}

fn row(
    ctx: &Context<'_>,
    conversation_id: &str,
    task_id: Option<&str>,
    outcome: Outcome,
) -> NewLedgerRow {
    crate::sync::ledger::new_row(
        ctx.installation_id,
        ctx.now,
        Direction::ToSalesforce,
        LedgerObject::Conversation.as_str(),
        Some(conversation_id),
        task_id,
        outcome,
    )
}

fn done(ledger: Vec<NewLedgerRow>) -> JobOutcome {
    JobOutcome::Done(JobResult {
        ledger,
        ..JobResult::default()
    })
}
