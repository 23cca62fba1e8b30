//! The plan stage, pure: over what the batch read, each person and company is linked by the
//! priority rules (`matching`), every mapped value decided by `shared::sync::convert`, and a
//! person matching nothing gets a new Lead or the reason why not (`shared::sync::leads`),
//! with the fallbacks of the required Lead fields Intercom has no value for. What
//! needs no write settles here; the rest leaves as [`Planned`] writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use shared::sync::fields::PERSON_COMPANY_NAME;
use shared::sync::identity::same_key;
use shared::sync::leads::{LeadFacts, fallback_for, fallbacks_used, lead_refusal};
use shared::sync::mapping::STANDARD_REQUIRED_LEAD_FIELDS;
use shared::sync::{
    AttributeMapping, CompanyAction, CompanyEvent, CompanyRecord as CompanyKind, Direction,
    IntercomCompanyEvent, IntercomDataType, Outcome, PeopleIdentity, SalesforceField,
    SalesforceObject, SyncValue, WriteDecision, company_actions, decide_salesforce_write,
};

use crate::intercom::records::{CompanyRecord, PersonRecord};
use crate::jobs::BatchOutcome;
use crate::salesforce::records::{RecordWrite, SalesforceRecord};
use crate::store::{JobId, LinkChange, NewLedgerRow, RecordModel, Synced};
use crate::sync::matching::{self, Claim};

use super::load::{Changed, CompanyWork, PersonWork};
use super::read::{Reads, company_key, key_text, keys_of};
use super::{Frame, done, row, with_detail, with_fields};

/// A decided write for one job.
#[derive(Debug)]
pub(super) struct Planned {
    pub(super) job: JobId,
    pub(super) model: RecordModel,
    pub(super) intercom_id: String,
    pub(super) object: SalesforceObject,
    pub(super) salesforce_id: Option<String>,
    pub(super) write: RecordWrite,
    /// Ledger rows and links that stand whatever the write's result.
    pub(super) ledger: Vec<NewLedgerRow>,
    pub(super) links: Vec<LinkChange>,
    pub(super) synced: Synced,
    /// What the ledger says on success beyond the fields written.
    pub(super) detail: Option<String>,
}

/// Plans the batch: people first, in priority order, then companies. Jobs that need no write
/// finish in `out`.
pub(super) fn plan(
    frame: Frame<'_>,
    people: BTreeMap<JobId, PersonWork>,
    companies: BTreeMap<JobId, CompanyWork>,
    reads: &Reads,
    out: &mut BatchOutcome,
) -> Vec<Planned> {
    let mut planned = Vec::new();
    plan_people(frame, people, reads, out, &mut planned);
    plan_companies(frame, companies, reads, out, &mut planned);
    planned
}

/// The values to write to `target` for one record's mapped attributes.
struct Decided {
    values: Vec<(String, SyncValue)>,
    /// Conversion failures, `Field: why`.
    errors: Vec<String>,
    failed_fields: Vec<String>,
    /// Required Lead fields Intercom had no value for, and the fallback each got.
    fallbacks: Vec<(String, String)>,
}

impl Decided {
    fn has(&self, name: &str) -> bool {
        self.values
            .iter()
            .any(|(f, _)| f.eq_ignore_ascii_case(name))
    }

    /// The ledger's sentence for the fallbacks used, after `detail` if there is one.
    fn detail(&self, detail: Option<String>) -> Option<String> {
        match (detail, fallbacks_used(&self.fallbacks)) {
            (Some(d), Some(f)) => Some(format!("{d} {f}")),
            (d, f) => d.or(f),
        }
    }
}

/// The fallback of required Lead field `field`, if it is one and the settings give it one.
fn required_fallback(
    frame: Frame<'_>,
    object: SalesforceObject,
    field: &SalesforceField,
) -> Option<String> {
    if object != SalesforceObject::Lead {
        return None;
    }
    let required = field.required_on_create()
        || STANDARD_REQUIRED_LEAD_FIELDS
            .iter()
            .any(|r| field.is_named(r));
    required
        .then(|| fallback_for(field, &frame.settings.lead_fallbacks))
        .flatten()
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Person(&'a PersonRecord),
    Company(&'a CompanyRecord),
}

/// Decides each mapped value of `object` among `changed` (both skip flags, the conversions,
/// and no write when `current` already holds the value).
fn decide(
    frame: Frame<'_>,
    reads: &Reads,
    object: SalesforceObject,
    source: Source<'_>,
    changed: &Changed,
    current: Option<&SalesforceRecord>,
) -> Decided {
    let model = object.intercom_model();
    let mappings: Vec<&AttributeMapping> = frame
        .settings
        .mappings_of(object)
        .filter(|m| m.direction == Direction::ToSalesforce)
        .filter(|m| changed.includes(&m.intercom_attribute))
        .collect();
    let mut decided = Decided {
        values: Vec::new(),
        errors: Vec::new(),
        failed_fields: Vec::new(),
        fallbacks: Vec::new(),
    };
    for mapping in mappings {
        let (Some(attribute), Some(field)) = (
            frame
                .metadata
                .intercom_attribute(model, &mapping.intercom_attribute),
            frame
                .metadata
                .salesforce_field(object, &mapping.salesforce_field),
        ) else {
            continue;
        };
        let mut value = match source {
            Source::Person(person) if attribute.name == PERSON_COMPANY_NAME => {
                match reads.company_name(person) {
                    Some(name) => SyncValue::Text(name),
                    None => SyncValue::Empty,
                }
            }
            Source::Person(person) => person.value(attribute),
            Source::Company(company) => company.value(attribute),
        };
        // A required Lead field emptied in Intercom (a company detached): Salesforce cannot
        // hold nothing, so it holds the field's fallback (a new Lead gets it below, with
        // every required field). On a first sync or a new link nothing was emptied: what
        // Salesforce holds stays, never replaced by a placeholder.
        let mut fallback_text = None;
        let mut attribute = attribute;
        if value.is_empty()
            && current.is_some()
            && !mapping.skip_if_source_empty
            && let Some(fallback) = required_fallback(frame, object, field)
        {
            if matches!(changed, Changed::All) {
                continue;
            }
            value = SyncValue::Text(fallback.clone());
            fallback_text = Some((attribute.clone(), fallback));
        }
        if let Some((text, _)) = &mut fallback_text {
            // The fallback is text, whatever the attribute's type.
            text.data_type = IntercomDataType::String;
            attribute = text;
        }
        let held = current.map_or(SyncValue::Empty, |r| r.value(field));
        let decision = if current.is_some() {
            decide_salesforce_write(mapping, &value, attribute, &held, field)
        } else {
            // A new record: nothing is held, and an empty value is simply not sent (a
            // required field's fallback is added after).
            match shared::sync::to_salesforce(&value, attribute, field) {
                _ if mapping.skip_if_source_empty && value.is_empty() => {
                    Ok(WriteDecision::SkipSourceEmpty)
                }
                _ if value.is_empty() => Ok(WriteDecision::AlreadyHeld),
                Ok(v) if v.is_empty() => Ok(WriteDecision::AlreadyHeld),
                Ok(v) => Ok(WriteDecision::Write(v)),
                Err(e) => Err(e),
            }
        };
        match decision {
            Ok(WriteDecision::Write(v)) => {
                if let Some((_, fallback)) = fallback_text {
                    decided.fallbacks.push((field.name.clone(), fallback));
                }
                decided.values.push((field.name.clone(), v));
            }
            Ok(_) => {}
            Err(e) => {
                decided.errors.push(format!("{}: {e}", field.name));
                decided.failed_fields.push(field.name.clone());
            }
        }
    }
    decided
}

fn conversion_row(mut row: NewLedgerRow, decided: &Decided) -> NewLedgerRow {
    row.outcome = Outcome::Failed.as_str().to_owned();
    row.error_code = Some(shared::sync::convert::NOT_CONVERTIBLE.to_owned());
    row.error_message = Some(decided.errors.join(" "));
    with_fields(row, &decided.failed_fields)
}

fn claim_of(person: &PersonRecord) -> Claim {
    Claim {
        role: person.role,
        updated_at: person.updated_at,
    }
}

/// The people of a batch in priority order (`matching::priority`).
fn priority_order(people: BTreeMap<JobId, PersonWork>) -> Vec<PersonWork> {
    let mut order: Vec<PersonWork> = people.into_values().collect();
    order.sort_by(|a, b| {
        matching::priority(
            (claim_of(&a.person), &a.person.id),
            (claim_of(&b.person), &b.person.id),
        )
    });
    order
}

/// What planning one batch's people keeps across them.
#[derive(Default)]
struct Taken {
    /// Salesforce ids linked in this batch, to the Intercom person who took them.
    claimed: HashMap<String, String>,
    /// Emails a new Lead is being created with in this batch.
    creating: BTreeSet<String>,
}

fn plan_people(
    frame: Frame<'_>,
    people: BTreeMap<JobId, PersonWork>,
    reads: &Reads,
    out: &mut BatchOutcome,
    planned: &mut Vec<Planned>,
) {
    let identity = &frame.settings.identity.people;
    let key_field = identity.salesforce_key();
    let lead_has_key = !matches!(identity, PeopleIdentity::Email)
        && frame
            .metadata
            .salesforce_field(SalesforceObject::Lead, key_field)
            .is_some();
    let mut taken = Taken::default();
    for work in priority_order(people) {
        let job = work.job;
        let me = claim_of(&work.person);
        let person_id = work.person.id.clone();
        let mut ledger: Vec<NewLedgerRow> = work.broken.iter().cloned().collect();
        let mut links = Vec::new();
        let mut target: Option<&SalesforceRecord> = None;
        let mut new_link = false;
        let mut held_elsewhere = false;
        let synced = Synced::all(RecordModel::Person, &person_id, work.updated_at, &work.body);

        if let Some(link) = &work.link {
            let object = link.salesforce_object.object();
            if let Some(email) = &work.remap_email {
                let others: Vec<&SalesforceRecord> = reads
                    .matched(SalesforceObject::Lead)
                    .into_iter()
                    .filter(|r| r.id != link.salesforce_id)
                    .filter(|r| r.text("Email").is_some_and(|e| same_key(&e, email)))
                    .filter(|r| !taken.claimed.contains_key(&r.id))
                    .collect();
                if let Some(other) = matching::newest(others) {
                    let holder = reads.holder(&other.id, &person_id);
                    if holder.is_none_or(|h| matching::takes_over(me, h)) {
                        target = Some(other);
                        new_link = true;
                    }
                }
            }
            if target.is_none() {
                match taken.claimed.get(&link.salesforce_id) {
                    Some(other) if *other != person_id => {
                        // Someone with priority in this batch took the record.
                        links.push(LinkChange::UnlinkPerson {
                            intercom_id: person_id.clone(),
                        });
                        ledger.push(with_detail(
                            row(
                                frame,
                                object,
                                &person_id,
                                Some(&link.salesforce_id),
                                Outcome::Unlinked,
                            ),
                            "An Intercom person with priority now holds this record.",
                        ));
                        out.jobs.push((job, done(ledger, links, Some(synced))));
                        continue;
                    }
                    _ => target = reads.linked_record(object, &link.salesforce_id),
                }
            }
        } else {
            let keys = keys_of(identity, &work.person);
            let key = keys.key.as_deref();
            let contacts: Vec<&SalesforceRecord> = reads
                .matched(SalesforceObject::Contact)
                .into_iter()
                .filter(|r| match (&key, keys.key_is_email) {
                    (Some(k), true) => r.text("Email").is_some_and(|e| same_key(&e, k)),
                    (Some(k), false) => r.text(key_field).is_some_and(|v| same_key(&v, k)),
                    (None, _) => false,
                })
                .collect();
            let leads: Vec<&SalesforceRecord> = reads
                .matched(SalesforceObject::Lead)
                .into_iter()
                .filter(|r| {
                    let by_email = keys
                        .lead_email
                        .as_ref()
                        .is_some_and(|le| r.text("Email").is_some_and(|e| same_key(&e, le)));
                    let by_key = lead_has_key
                        && !keys.key_is_email
                        && key.is_some_and(|k| r.text(key_field).is_some_and(|v| same_key(&v, k)));
                    by_email || by_key
                })
                .collect();
            for candidate in matching::people_in_priority(&contacts, &leads) {
                if taken
                    .claimed
                    .get(&candidate.id)
                    .is_some_and(|c| *c != person_id)
                {
                    held_elsewhere = true;
                    continue;
                }
                let holder = reads.holder(&candidate.id, &person_id);
                if holder.is_some_and(|h| !matching::takes_over(me, h)) {
                    held_elsewhere = true;
                    continue;
                }
                target = Some(candidate);
                new_link = true;
                break;
            }
        }

        let Some(target) = target else {
            if work.link.is_none() && work.broken.is_some() {
                links.push(LinkChange::UnlinkPerson {
                    intercom_id: person_id.clone(),
                });
            }
            let ended = NoMatch {
                ledger,
                links,
                synced,
                held_elsewhere,
                lead_has_key,
            };
            no_match(frame, reads, work, ended, &mut taken, out, planned);
            continue;
        };
        taken.claimed.insert(target.id.clone(), person_id.clone());
        out.touched.intercom_ids.insert(person_id.clone());
        out.touched.salesforce_ids.insert(target.id.clone());
        let object = target.object;
        let mut detail = None;
        if new_link {
            links.push(LinkChange::Person {
                intercom_id: person_id.clone(),
                object: object.into(),
                salesforce_id: target.id.clone(),
            });
            detail = Some(format!("Linked to {} {}.", object.api_name(), target.id));
        }
        let decided = decide(
            frame,
            reads,
            object,
            Source::Person(&work.person),
            &work.changed,
            Some(target),
        );
        if !decided.errors.is_empty() {
            ledger.push(conversion_row(
                row(frame, object, &person_id, Some(&target.id), Outcome::Failed),
                &decided,
            ));
        }
        if decided.values.is_empty() {
            if decided.errors.is_empty() {
                let mut unchanged = row(
                    frame,
                    object,
                    &person_id,
                    Some(&target.id),
                    Outcome::Unchanged,
                );
                unchanged.detail = detail;
                ledger.push(unchanged);
            }
            out.jobs.push((job, done(ledger, links, Some(synced))));
            continue;
        }
        let detail = decided.detail(detail);
        planned.push(Planned {
            job,
            model: RecordModel::Person,
            intercom_id: person_id,
            object,
            salesforce_id: Some(target.id.clone()),
            write: RecordWrite {
                object,
                id: Some(target.id.clone()),
                values: decided.values,
            },
            ledger,
            links,
            synced,
            detail,
        });
    }
}

/// What a person who matched nothing carries into [`no_match`].
struct NoMatch {
    ledger: Vec<NewLedgerRow>,
    links: Vec<LinkChange>,
    synced: Synced,
    held_elsewhere: bool,
    lead_has_key: bool,
}

/// A person matching nothing: a new Lead when the lead-creation table allows it, else a skip
/// saying why.
fn no_match(
    frame: Frame<'_>,
    reads: &Reads,
    work: PersonWork,
    ended: NoMatch,
    taken: &mut Taken,
    out: &mut BatchOutcome,
    planned: &mut Vec<Planned>,
) {
    let NoMatch {
        mut ledger,
        links,
        synced,
        held_elsewhere,
        lead_has_key,
    } = ended;
    let job = work.job;
    let identity = &frame.settings.identity.people;
    let person = &work.person;
    let keys = keys_of(identity, person);
    let external = person
        .external_id
        .as_deref()
        .map(str::trim)
        .filter(|x| !x.is_empty());
    let facts = LeadFacts {
        held_elsewhere,
        creates_leads: identity.creates_leads(),
        has_key: keys.key.is_some(),
        // The new Lead must be found again by the next match, or a repeat would create another.
        findable: keys.lead_email.is_some() || (lead_has_key && external.is_some()),
        another_creating: keys
            .lead_email
            .as_ref()
            .is_some_and(|e| taken.creating.contains(e)),
    };
    if let Some(refusal) = lead_refusal(&facts) {
        ledger.push(with_detail(
            row(
                frame,
                SalesforceObject::Lead,
                &person.id,
                None,
                Outcome::Skipped,
            ),
            refusal.reason(),
        ));
        out.jobs.push((job, done(ledger, links, Some(synced))));
        return;
    }
    let mut decided = decide(
        frame,
        reads,
        SalesforceObject::Lead,
        Source::Person(person),
        &Changed::All,
        None,
    );
    let key_field = identity.salesforce_key();
    if let (true, Some(x)) = (lead_has_key, external)
        && !decided.has(key_field)
    {
        decided
            .values
            .push((key_field.to_owned(), SyncValue::Text(x.to_owned())));
    }
    if let Some(email) = &person.email
        && !decided.has("Email")
    {
        decided
            .values
            .push(("Email".to_owned(), SyncValue::Text(email.trim().to_owned())));
    }
    // Every field Salesforce requires must have a value: Intercom's, else its fallback.
    for required in shared::sync::required_lead_fields(frame.metadata) {
        if decided.has(&required) || decided.failed_fields.contains(&required) {
            continue;
        }
        let fallback = frame
            .metadata
            .salesforce_field(SalesforceObject::Lead, &required)
            .and_then(|field| fallback_for(field, &frame.settings.lead_fallbacks));
        match fallback {
            Some(value) => {
                decided
                    .values
                    .push((required.clone(), SyncValue::Text(value.clone())));
                decided.fallbacks.push((required, value));
            }
            None => {
                decided.errors.push(format!(
                    "{required}: is required to create leads, and the person has no value for it."
                ));
                decided.failed_fields.push(required);
            }
        }
    }
    if !decided.errors.is_empty() {
        ledger.push(conversion_row(
            row(
                frame,
                SalesforceObject::Lead,
                &person.id,
                None,
                Outcome::Failed,
            ),
            &decided,
        ));
        out.jobs.push((job, done(ledger, links, Some(synced))));
        return;
    }
    taken.creating.extend(keys.lead_email.clone());
    out.touched.intercom_ids.insert(person.id.clone());
    let detail = decided.detail(None);
    planned.push(Planned {
        job,
        model: RecordModel::Person,
        intercom_id: person.id.clone(),
        object: SalesforceObject::Lead,
        salesforce_id: None,
        write: RecordWrite {
            object: SalesforceObject::Lead,
            id: None,
            values: decided.values,
        },
        ledger,
        links,
        synced,
        detail,
    });
}

/// Companies per the trigger table of the company article.
fn plan_companies(
    frame: Frame<'_>,
    companies: BTreeMap<JobId, CompanyWork>,
    reads: &Reads,
    out: &mut BatchOutcome,
    planned: &mut Vec<Planned>,
) {
    let key_name = frame.settings.identity.companies.salesforce_key();
    let key_field = frame
        .metadata
        .salesforce_field(SalesforceObject::Account, key_name);
    let mut claimed: HashMap<String, String> = HashMap::new();
    for (job, work) in companies {
        let company_id = work.company.id.clone();
        let synced = Synced::all(
            RecordModel::Company,
            &company_id,
            work.updated_at,
            &work.body,
        );
        let mut ledger: Vec<NewLedgerRow> = work.broken.iter().cloned().collect();
        let mut links = Vec::new();
        if work.broken.is_some() {
            links.push(LinkChange::UnlinkCompany {
                intercom_id: company_id.clone(),
            });
        }
        let kind = if work.company.created_by_qualification() {
            CompanyKind::CreatedByQualification
        } else {
            CompanyKind::Synced
        };
        let event = CompanyEvent::Intercom(if work.created {
            IntercomCompanyEvent::Created
        } else {
            IntercomCompanyEvent::Updated
        });
        let actions = company_actions(event, work.linked_account.is_some(), kind);
        if actions.is_empty() {
            ledger.push(with_detail(
                row(
                    frame,
                    SalesforceObject::Account,
                    &company_id,
                    None,
                    Outcome::Skipped,
                ),
                "Companies Intercom created during qualification are not synced.",
            ));
            out.jobs.push((job, done(ledger, links, Some(synced))));
            continue;
        }
        let mut target = work
            .linked_account
            .as_deref()
            .and_then(|id| reads.linked_record(SalesforceObject::Account, id));
        let mut detail = None;
        if actions.contains(&CompanyAction::Link) && target.is_none() {
            let wanted = key_field
                .and_then(|f| company_key(&work.company.company_id, f))
                .map(|(_, text)| text);
            let candidates: Vec<&SalesforceRecord> = match (&wanted, key_field) {
                (Some(wanted), Some(field)) => reads
                    .matched(SalesforceObject::Account)
                    .into_iter()
                    .filter(|r| key_text(&r.value(field)).as_ref() == Some(wanted))
                    .filter(|r| claimed.get(&r.id).is_none_or(|c| *c == company_id))
                    .collect(),
                _ => Vec::new(),
            };
            // Several accounts with the key: the most recently updated.
            match matching::newest(candidates) {
                Some(account) => {
                    links.push(LinkChange::Company {
                        intercom_id: company_id.clone(),
                        salesforce_id: account.id.clone(),
                    });
                    detail = Some(format!("Linked to Account {}.", account.id));
                    target = Some(account);
                }
                None => {
                    ledger.push(with_detail(
                        row(
                            frame,
                            SalesforceObject::Account,
                            &company_id,
                            None,
                            Outcome::Skipped,
                        ),
                        format!(
                            "No Salesforce Account has {key_name} = {:?}.",
                            work.company.company_id
                        ),
                    ));
                    out.jobs.push((job, done(ledger, links, Some(synced))));
                    continue;
                }
            }
        }
        let Some(target) = target else {
            out.jobs.push((job, done(ledger, links, Some(synced))));
            continue;
        };
        claimed.insert(target.id.clone(), company_id.clone());
        out.touched.salesforce_ids.insert(target.id.clone());
        let changed = if actions.contains(&CompanyAction::SyncAllMapped) {
            Changed::All
        } else {
            work.changed.clone()
        };
        let decided = decide(
            frame,
            reads,
            SalesforceObject::Account,
            Source::Company(&work.company),
            &changed,
            Some(target),
        );
        if !decided.errors.is_empty() {
            ledger.push(conversion_row(
                row(
                    frame,
                    SalesforceObject::Account,
                    &company_id,
                    Some(&target.id),
                    Outcome::Failed,
                ),
                &decided,
            ));
        }
        if decided.values.is_empty() {
            if decided.errors.is_empty() {
                let mut unchanged = row(
                    frame,
                    SalesforceObject::Account,
                    &company_id,
                    Some(&target.id),
                    Outcome::Unchanged,
                );
                unchanged.detail = detail;
                ledger.push(unchanged);
            }
            out.jobs.push((job, done(ledger, links, Some(synced))));
            continue;
        }
        planned.push(Planned {
            job,
            model: RecordModel::Company,
            intercom_id: company_id,
            object: SalesforceObject::Account,
            salesforce_id: Some(target.id.clone()),
            write: RecordWrite {
                object: SalesforceObject::Account,
                id: Some(target.id.clone()),
                values: decided.values,
            },
            ledger,
            links,
            synced,
            detail,
        });
    }
}
