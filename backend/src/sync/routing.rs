//! Routing: a new conversation from a person with an owner is assigned to that teammate.
//!
//! The owner is the one the inbox card shows (the owner rule of `shared::owner` over what
//! Salesforce holds), so routing asks the card service: a warm card costs no Salesforce call, a
//! cold one costs one and is then warm for the teammate who opens the conversation.
//!
//! Safe to repeat: the conversation is read afresh and one already assigned to a teammate is
//! left alone, so a job that runs twice assigns once, and a teammate's (or the workspace's own
//! rules') assignment is never overridden. Every job leaves one ledger row.

use shared::card::{Card, CardView, Owner, OwnerSource};
use shared::owner::OwnerSettings;
use shared::sync::{Direction, LedgerObject, Outcome};

use crate::card::{CardError, Cards, ContactIdentity, Request, Team};
use crate::intercom::{self, ConversationAssignment, IntercomError};
use crate::salesforce::{self, SalesforceError};
use crate::settings;
use crate::store::{Job, JobResult, NewJob, NewLedgerRow, Store};

use crate::jobs::{BatchOutcome, JobKind, JobOutcome, RouteConversation};

/// What a routing batch works with.
pub struct Context<'a> {
    pub installation_id: &'a str,
    pub salesforce: &'a salesforce::Client,
    pub intercom: &'a intercom::Client,
    pub store: &'a Store,
    pub cards: &'a Cards,
    /// The teammates owners are matched to, and the installing one, who makes the assignment.
    pub team: &'a Team,
    pub now: i64,
}

/// The job that routes one new conversation; a second one for it while the first waits is
/// absorbed.
pub fn route_job(
    installation_id: &str,
    conversation: &ConversationAssignment,
    max_attempts: i64,
    now: i64,
) -> NewJob {
    RouteConversation {
        conversation: conversation.id.clone(),
        contact: conversation.contact_id.clone(),
        assignee: conversation.admin_assignee_id.clone(),
    }
    .job(installation_id, max_attempts, now)
}

/// Runs one batch, a job at a time. Never fails as a whole: each job gets its outcome.
pub async fn run_batch(ctx: &Context<'_>, jobs: &[Job]) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let owners = match settings::owners(ctx.store, ctx.installation_id).await {
        Ok(owners) => owners,
        Err(error) => {
            out.all(
                jobs.iter().map(|j| j.id),
                &JobOutcome::Retry(error.to_string()),
            );
            return out;
        }
    };
    for job in jobs {
        // Salesforce's API limit is spent: the rest wait with the installation's other jobs.
        if out.limit_exceeded {
            out.jobs.push((job.id, JobOutcome::Release));
            continue;
        }
        let outcome = match RouteConversation::decode(job) {
            Ok(payload) => route(ctx, &owners, &payload, &mut out).await,
            // A job this version cannot read will not read better later: finish it.
            Err(_) => done(Vec::new()),
        };
        out.jobs.push((job.id, outcome));
    }
    out
}

/// Routes one conversation.
async fn route(
    ctx: &Context<'_>,
    owners: &OwnerSettings,
    payload: &RouteConversation,
    out: &mut BatchOutcome,
) -> JobOutcome {
    let id = payload.conversation.as_str();
    let skipped = |salesforce_id: Option<&str>, why: String| {
        let mut row = row(ctx, id, salesforce_id, Outcome::Skipped);
        row.detail = Some(why);
        done(vec![row])
    };
    if !owners.route_conversations {
        return skipped(None, "Conversation routing is off.".to_owned());
    }
    // Assigned as it started (by the workspace's own rules): no call needed to know.
    if let Some(assignee) = &payload.assignee {
        return skipped(None, already_assigned(ctx.team, assignee));
    }
    let conversation = match ctx.intercom.conversation_assignment(id).await {
        Ok(conversation) => conversation,
        Err(IntercomError::NotFound { .. }) => {
            return skipped(None, "The conversation no longer exists.".to_owned());
        }
        Err(error) => return JobOutcome::Retry(error.to_string()),
    };
    if let Some(assignee) = &conversation.admin_assignee_id {
        return skipped(None, already_assigned(ctx.team, assignee));
    }
    let Some(contact_id) = conversation.contact_id.or_else(|| payload.contact.clone()) else {
        return skipped(None, "The conversation has no contact.".to_owned());
    };
    let contact = match ctx.intercom.contact(&contact_id).await {
        Ok(contact) => contact,
        Err(IntercomError::NotFound { .. }) => {
            return skipped(
                None,
                "The conversation's contact no longer exists.".to_owned(),
            );
        }
        Err(error) => return JobOutcome::Retry(error.to_string()),
    };
    let identity = ContactIdentity {
        id: contact.id,
        email: contact.email,
        external_id: contact.external_id,
    };
    let warm = ctx.cards.is_warm(ctx.installation_id, &identity.id);
    let view = ctx
        .cards
        .card(
            ctx.store,
            ctx.salesforce,
            ctx.team,
            Request {
                installation_id: ctx.installation_id,
                conversation_id: id,
                contact: Some(&identity),
                include_closed: false,
            },
        )
        .await;
    let card = match view {
        Ok(view) => {
            // A cold card that searched Salesforce made its one call.
            let searched = !matches!(
                view,
                CardView::NotInSalesforce {
                    reason: shared::card::NoMatch::NoContact | shared::card::NoMatch::NoEmail,
                    ..
                }
            );
            if !warm && searched {
                out.salesforce_calls += 1;
            }
            match view {
                CardView::Found(card) => card,
                CardView::NotInSalesforce { reason, .. } => {
                    return skipped(None, reason.explain().to_owned());
                }
            }
        }
        Err(CardError::Salesforce(error))
            if matches!(*error, SalesforceError::LimitExceeded(_)) =>
        {
            out.limit_exceeded = true;
            return JobOutcome::Release;
        }
        Err(error) => return JobOutcome::Retry(error.to_string()),
    };
    let salesforce_id = Some(card.person.id.as_str());
    let Some((owner, teammate_id)) = card
        .owner
        .as_ref()
        .and_then(|o| Some((o, o.teammate_id.as_deref()?)))
    else {
        return skipped(salesforce_id, no_owner(&card));
    };
    let Some(installer) = &ctx.team.installer else {
        return skipped(
            salesforce_id,
            "The teammate who installed the app is unknown, so nobody can assign.".to_owned(),
        );
    };
    match ctx
        .intercom
        .assign_conversation(id, &installer.id, teammate_id)
        .await
    {
        Ok(_) => {
            let mut row = row(ctx, id, salesforce_id, Outcome::Updated);
            row.detail = Some(format!(
                "Assigned to {}, the {}.",
                teammate_name(ctx.team, teammate_id).unwrap_or(&owner.name),
                rule(owner)
            ));
            done(vec![row])
        }
        // Intercom refused (the teammate left, say): trying again will not help.
        Err(
            error @ (IntercomError::NotFound { .. }
            | IntercomError::Api {
                status: 400..=499, ..
            }),
        ) => {
            let mut row = row(ctx, id, salesforce_id, Outcome::Failed);
            row.detail = Some(format!(
                "Intercom refused to assign the conversation to {}.",
                teammate_name(ctx.team, teammate_id).unwrap_or(&owner.name)
            ));
            row.error_code = Some("intercom_refused".to_owned());
            row.error_message = Some(error.to_string());
            done(vec![row])
        }
        Err(error) => JobOutcome::Retry(error.to_string()),
    }
}

/// Which rule chose the owner, in words.
fn rule(owner: &Owner) -> String {
    match owner.source {
        OwnerSource::Installer => format!(
            "{} (no Salesforce owner is a teammate)",
            owner.source.words()
        ),
        other => other.words().to_owned(),
    }
}

/// Why a person in Salesforce has no owner to route to.
fn no_owner(card: &Card) -> String {
    match card.account.as_ref().and_then(|a| a.owner_name.as_deref()) {
        Some(name) => {
            format!("The account owner {name} is not an Intercom teammate, which clears the owner.")
        }
        None => "No Salesforce owner is an Intercom teammate.".to_owned(),
    }
}

fn already_assigned(team: &Team, assignee: &str) -> String {
    match teammate_name(team, assignee) {
        Some(name) => format!("The conversation is already assigned to {name}."),
        None => "The conversation is already assigned to a teammate.".to_owned(),
    }
}

fn teammate_name<'t>(team: &'t Team, id: &str) -> Option<&'t str> {
    team.teammates
        .iter()
        .chain(&team.installer)
        .find(|t| t.id == id)
        .map(|t| t.name.as_str())
        .filter(|name| !name.is_empty())
}

fn row(
    ctx: &Context<'_>,
    conversation_id: &str,
    salesforce_id: Option<&str>,
    outcome: Outcome,
) -> NewLedgerRow {
    super::ledger::new_row(
        ctx.installation_id,
        ctx.now,
        Direction::ToIntercom,
        LedgerObject::Conversation.as_str(),
        Some(conversation_id),
        salesforce_id,
        outcome,
    )
}

fn done(ledger: Vec<NewLedgerRow>) -> JobOutcome {
    JobOutcome::Done(JobResult {
        ledger,
        ..JobResult::default()
    })
}
