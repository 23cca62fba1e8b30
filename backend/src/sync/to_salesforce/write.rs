//! The write stage: the planned writes through sObject Collections, per object one update call
//! (200 records each) and one create call for new Leads; then each job settled by its record's
//! result ([`settle`], pure).

use std::collections::BTreeMap;

use shared::sync::refusals::{AfterRefusal, after_refusals};
use shared::sync::{Outcome, SalesforceObject};

use crate::jobs::{BatchOutcome, JobOutcome};
use crate::salesforce;
use crate::salesforce::records::{RecordWrite, WriteResult};
use crate::store::{LinkChange, RecordModel};

use super::plan::Planned;
use super::{Context, Frame, Stop, done, row, stop_job, with_fields, with_refusals};

/// Sends the planned writes, then settles each job.
pub(super) async fn send(ctx: &Context<'_>, planned: Vec<Planned>, out: &mut BatchOutcome) {
    // New Leads first: their creation is the step whose repeat matters most, and the
    // earlier it lands the sooner a repeat finds the Lead by matching.
    let mut groups: BTreeMap<(bool, SalesforceObject), Vec<Planned>> = BTreeMap::new();
    for p in planned {
        groups
            .entry((p.salesforce_id.is_some(), p.object))
            .or_default()
            .push(p);
    }
    let frame = ctx.frame();
    for ((update, _), group) in groups {
        let create = !update;
        let writes: Vec<RecordWrite> = group.iter().map(|p| p.write.clone()).collect();
        out.salesforce_calls += writes.len().div_ceil(salesforce::records::COLLECTION_LIMIT) as u32;
        let results = if create {
            ctx.salesforce.create_records(&writes).await
        } else {
            ctx.salesforce.update_records(&writes).await
        };
        match results {
            Ok(results) => {
                for (p, result) in group.into_iter().zip(results) {
                    settle(frame, p, result, out);
                }
            }
            Err(error) => {
                let stop = Stop::from(error);
                for p in group {
                    stop_job(out, p.job, &stop);
                }
            }
        }
    }
}

/// Finishes one planned job by its record's result: its ledger row, and its link (made for a
/// new Lead, dropped when Salesforce says the record is gone); a refusal that retrying can
/// pass (`shared::sync::refusals`) sends the job back to be tried again.
pub(super) fn settle(frame: Frame<'_>, p: Planned, result: WriteResult, out: &mut BatchOutcome) {
    let fields: Vec<String> = p.write.values.iter().map(|(f, _)| f.clone()).collect();
    let mut ledger = p.ledger;
    let mut links = p.links;
    match result {
        Ok(id) => {
            let outcome = if p.salesforce_id.is_none() {
                Outcome::Created
            } else {
                Outcome::Updated
            };
            if p.salesforce_id.is_none() {
                links.push(LinkChange::Person {
                    intercom_id: p.intercom_id.clone(),
                    object: p.object.into(),
                    salesforce_id: id.clone(),
                });
            }
            out.touched.salesforce_ids.insert(id.clone());
            let mut done_row = with_fields(
                row(frame, p.object, &p.intercom_id, Some(&id), outcome),
                &fields,
            );
            done_row.detail = p.detail;
            ledger.push(done_row);
        }
        Err(refusals) => {
            let after = after_refusals(refusals.iter().map(|r| r.code.as_str()));
            if after == AfterRefusal::Retry {
                // The record was busy or the request cut short: the job runs again later,
                // and its refusal is the attempt's error (the ledger's if it is parked).
                let message = refusals
                    .iter()
                    .map(|r| format!("{}: {}", r.code.as_str(), r.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                out.jobs.push((
                    p.job,
                    JobOutcome::Retry(format!("Salesforce refused the write: {message}")),
                ));
                return;
            }
            let salesforce_id = p.salesforce_id.as_deref();
            let outcome = if after == AfterRefusal::Gone {
                // A delete on either side deletes the link; the next change links anew.
                links.retain(|l| {
                    !matches!(l, LinkChange::Person { .. } | LinkChange::Company { .. })
                });
                links.push(match p.model {
                    RecordModel::Person => LinkChange::UnlinkPerson {
                        intercom_id: p.intercom_id.clone(),
                    },
                    RecordModel::Company => LinkChange::UnlinkCompany {
                        intercom_id: p.intercom_id.clone(),
                    },
                });
                Outcome::Unlinked
            } else {
                // It stands: the ledger row carries Salesforce's code and words verbatim.
                Outcome::Failed
            };
            ledger.push(with_refusals(
                with_fields(
                    row(frame, p.object, &p.intercom_id, salesforce_id, outcome),
                    &fields,
                ),
                &refusals,
            ));
        }
    }
    out.jobs.push((p.job, done(ledger, links, Some(p.synced))));
}
