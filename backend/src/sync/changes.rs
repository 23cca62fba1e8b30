//! Salesforce changes, as the listener hands them on, become durable Salesforce -> Intercom
//! jobs (one per record while one waits), and refresh the cards that show them.
//!
//! Echoes stop here: a change this app made (its `changeOrigin` client name) that touched no
//! field mapped to Intercom cannot have anything to sync back, so it costs no job and no call.
//!
//! Owners: a person's owner field is synced like a mapped one; an Account whose owner changed
//! refreshes its contacts' owners, and a User whose email, name or status changed refreshes the
//! owners of the people they own (their teammate match may have changed).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use shared::owner::OwnerSettings;
use shared::sync::{Direction, SalesforceObject, SyncMetadata, SyncSettings};

use crate::card::Cards;
use crate::listener::{ChangeKind, ChangeSink, RecordChange};
use crate::settings;
use crate::store::Store;

use super::SyncState;
use super::to_intercom::{Fan, fan_job, object_named, sync_job};

/// The listener's sink: the card cache, then the sync's job queue.
pub struct SyncSink {
    store: Store,
    cards: Cards,
    sync: SyncState,
}

impl SyncSink {
    pub fn new(store: Store, cards: Cards, sync: SyncState) -> Arc<SyncSink> {
        Arc::new(SyncSink { store, cards, sync })
    }
}

/// The fields a change names: those the stream says changed, and those whose values it
/// carries (a create lists no changed fields, only values). Empty: the sweep saw it.
fn named_fields(change: &RecordChange) -> impl Iterator<Item = &str> {
    change
        .changed_fields
        .iter()
        .map(String::as_str)
        .chain(change.values.iter().map(|(name, _)| name.as_str()))
}

/// Whether the change may touch one of `fields` (the sweep does not say, so it may).
fn may_touch(change: &RecordChange, fields: &[&str]) -> bool {
    let mut named = named_fields(change).peekable();
    named.peek().is_none() || named.any(|f| fields.iter().any(|o| o.eq_ignore_ascii_case(f)))
}

/// The fields the owner rule reads on a person.
fn owner_fields(object: SalesforceObject) -> &'static [&'static str] {
    match object {
        SalesforceObject::Lead => &["OwnerId"],
        SalesforceObject::Contact => &["OwnerId", "AccountId"],
        SalesforceObject::Account => &[],
    }
}

/// Whether a change is our own write coming back with nothing in it that syncs to Intercom
/// (a mapped field, or an owner field while owners sync). A formula field mapped to Intercom
/// may have moved with any of the record's fields, and its change raises no event of its own:
/// such a record is read again whoever changed it.
fn is_echo(
    change: &RecordChange,
    object: SalesforceObject,
    settings: &SyncSettings,
    owners: &OwnerSettings,
    metadata: Option<&SyncMetadata>,
) -> bool {
    let formula_to_intercom = settings
        .mappings_of(object)
        .filter(|m| m.direction == Direction::ToIntercom)
        .filter_map(|m| metadata?.salesforce_field(object, &m.salesforce_field))
        .any(|f| f.calculated);
    change.ours
        && !formula_to_intercom
        && !named_fields(change).any(|field| {
            settings.mappings_of(object).any(|m| {
                m.direction == Direction::ToIntercom && m.uses_salesforce_field(object, field)
            }) || (owners.sync_owners
                && owner_fields(object)
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(field)))
        })
}

/// The fan-out jobs a change calls for: an Account's new owner reaches its contacts; a User
/// whose match to a teammate may have changed reaches the people they own.
fn fans(change: &RecordChange, owners: &OwnerSettings) -> &'static [Fan] {
    if !owners.sync_owners || change.kind != ChangeKind::Upsert {
        return &[];
    }
    match change.object.as_str() {
        "Account" if may_touch(change, &["OwnerId"]) => &[Fan::AccountContacts],
        "User"
            if may_touch(
                change,
                &["Email", "IsActive", "FirstName", "LastName", "Name"],
            ) =>
        {
            &[
                Fan::OwnedContacts,
                Fan::AccountOwnedContacts,
                Fan::OwnedLeads,
            ]
        }
        _ => &[],
    }
}

impl ChangeSink for SyncSink {
    fn changed<'a>(
        &'a self,
        installation_id: &'a str,
        changes: Vec<RecordChange>,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.cards.invalidate_salesforce_records(
                installation_id,
                changes.iter().map(|c| c.id.clone()).collect(),
            );
            // Deleted records lose their links (see `to_intercom`).
            let wanted: Vec<(Option<SalesforceObject>, &RecordChange)> = changes
                .iter()
                .map(|c| (object_named(&c.object), c))
                .filter(|(o, c)| o.is_some() || c.object == "User")
                .collect();
            if wanted.is_empty() {
                return Ok(());
            }
            let settings = settings::sync_settings(&self.store, installation_id).await?;
            let owners = settings::owners(&self.store, installation_id).await?;
            let metadata = self.sync.metadata.cached(installation_id).await;
            let now = chrono::Utc::now().timestamp_millis();
            let max_attempts = self.sync.config.max_attempts;
            let mut tx = self.store.begin().await?;
            let mut queued = 0;
            for (object, change) in wanted {
                for fan in fans(change, &owners) {
                    let job = fan_job(installation_id, *fan, &change.id, None, max_attempts, now);
                    tx.enqueue(&job, now).await?;
                    queued += 1;
                }
                let Some(object) = object else {
                    continue;
                };
                let deleted = change.kind == ChangeKind::Delete;
                if !deleted && is_echo(change, object, &settings, &owners, metadata.as_deref()) {
                    continue;
                }
                let job = sync_job(
                    installation_id,
                    object,
                    &change.id,
                    deleted,
                    max_attempts,
                    now,
                );
                tx.enqueue(&job, now).await?;
                queued += 1;
            }
            tx.commit().await?;
            if queued > 0 {
                self.sync.wake.notify_one();
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::sync::{AttributeMapping, SyncValue};

    fn change(ours: bool, fields: &[&str]) -> RecordChange {
        change_of("Contact", ours, fields)
    }

    fn change_of(object: &str, ours: bool, fields: &[&str]) -> RecordChange {
        RecordChange {
            object: object.to_owned(),
            id: "003000000000001AAA".to_owned(),
            kind: ChangeKind::Upsert,
            ours,
            changed_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            values: Vec::new(),
        }
    }

    #[test]
    fn only_our_own_writes_of_fields_not_mapped_to_intercom_are_echoes() {
        let settings = SyncSettings {
            mappings: vec![
                AttributeMapping::new(
                    SalesforceObject::Contact,
                    "phone",
                    "Phone",
                    Direction::ToSalesforce,
                ),
                AttributeMapping::new(
                    SalesforceObject::Contact,
                    "custom_attributes.job_title",
                    "Title",
                    Direction::ToIntercom,
                ),
            ],
            identity: Default::default(),
            lead_fallbacks: Default::default(),
        };
        let contact = SalesforceObject::Contact;
        let off = OwnerSettings {
            sync_owners: false,
            ..OwnerSettings::default()
        };
        let on = OwnerSettings::default();
        assert!(is_echo(
            &change(true, &["Phone"]),
            contact,
            &settings,
            &on,
            None
        ));
        assert!(!is_echo(
            &change(true, &["Phone", "title"]),
            contact,
            &settings,
            &on,
            None
        ));
        assert!(!is_echo(
            &change(false, &["Phone"]),
            contact,
            &settings,
            &on,
            None
        ));
        // The sweep does not say what changed: read it.
        assert!(!is_echo(&change(false, &[]), contact, &settings, &on, None));
        // The owner syncs while owners do: our own write that moved it is no echo.
        let moved = change(true, &["Phone", "OwnerId"]);
        assert!(!is_echo(&moved, contact, &settings, &on, None));
        assert!(is_echo(&moved, contact, &settings, &off, None));
        // A create names no changed fields, only values: the owner is among them.
        let mut created = change(true, &[]);
        created.values = vec![("OwnerId".to_owned(), SyncValue::Text("005A".to_owned()))];
        assert!(!is_echo(&created, contact, &settings, &on, None));
        // Title a formula: whatever our write moved may have moved it.
        let mut title = shared::sync::SalesforceField::new(
            contact,
            "Title",
            shared::sync::SalesforceFieldType::String,
        );
        title.calculated = true;
        let metadata = SyncMetadata::new(vec![title], Vec::new());
        assert!(!is_echo(
            &change(true, &["Phone"]),
            contact,
            &settings,
            &on,
            Some(&metadata)
        ));
    }

    #[test]
    fn owner_and_user_changes_fan_out_to_the_people_behind_them() {
        let on = OwnerSettings::default();
        let off = OwnerSettings {
            sync_owners: false,
            ..OwnerSettings::default()
        };
        let account = change_of("Account", false, &["OwnerId"]);
        assert_eq!(fans(&account, &on), &[Fan::AccountContacts]);
        assert_eq!(fans(&account, &off), &[] as &[Fan]);
        assert_eq!(
            fans(&change_of("Account", false, &["Industry"]), &on),
            &[] as &[Fan]
        );
        // The sweep does not say: the owner may have changed.
        assert_eq!(
            fans(&change_of("Account", false, &[]), &on),
            &[Fan::AccountContacts]
        );
        assert_eq!(
            fans(&change_of("User", false, &["Email"]), &on),
            &[
                Fan::OwnedContacts,
                Fan::AccountOwnedContacts,
                Fan::OwnedLeads
            ]
        );
        assert_eq!(
            fans(&change_of("User", false, &["Phone"]), &on),
            &[] as &[Fan]
        );
        assert_eq!(
            fans(&change_of("Contact", false, &["OwnerId"]), &on),
            &[] as &[Fan]
        );
    }
}
