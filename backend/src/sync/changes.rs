//! Salesforce changes, as the listener hands them on, become durable Salesforce -> Intercom
//! jobs (one per record while one waits), and refresh the cards that show them.
//!
//! Echoes stop here: a change this app made (its `changeOrigin` client name) that touched no
//! field mapped to Intercom cannot have anything to sync back, so it costs no job and no call.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use shared::sync::{Direction, SalesforceObject, SyncSettings};

use crate::card::Cards;
use crate::listener::{ChangeKind, ChangeSink, RecordChange};
use crate::settings;
use crate::store::Store;

use super::SyncState;
use super::to_intercom::{object_named, sync_job};

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

/// Whether a change is our own write coming back with nothing mapped to Intercom in it.
fn is_echo(change: &RecordChange, object: SalesforceObject, settings: &SyncSettings) -> bool {
    change.ours
        && !change.changed_fields.iter().any(|field| {
            settings.mappings_of(object).any(|m| {
                m.direction == Direction::ToIntercom && m.uses_salesforce_field(object, field)
            })
        })
}

impl ChangeSink for SyncSink {
    fn changed<'a>(
        &'a self,
        installation_id: &'a str,
        changes: Vec<RecordChange>,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            for change in &changes {
                self.cards
                    .invalidate_salesforce_record(installation_id, &change.id);
            }
            // Deleted Accounts lose their link; deleted people are left to the other
            // direction's broken-link handling.
            let wanted: Vec<(SalesforceObject, &RecordChange)> = changes
                .iter()
                .filter_map(|c| Some((object_named(&c.object)?, c)))
                .filter(|(o, c)| c.kind == ChangeKind::Upsert || *o == SalesforceObject::Account)
                .collect();
            if wanted.is_empty() {
                return Ok(());
            }
            let settings = settings::sync_settings(&self.store, installation_id).await?;
            let now = chrono::Utc::now().timestamp_millis();
            let mut tx = self.store.begin().await?;
            let mut queued = 0;
            for (object, change) in wanted {
                let deleted = change.kind == ChangeKind::Delete;
                if !deleted && is_echo(change, object, &settings) {
                    continue;
                }
                let job = sync_job(
                    installation_id,
                    object,
                    &change.id,
                    deleted,
                    self.sync.config.max_attempts,
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
    use shared::sync::AttributeMapping;

    fn change(ours: bool, fields: &[&str]) -> RecordChange {
        RecordChange {
            object: "Contact".to_owned(),
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
        };
        let contact = SalesforceObject::Contact;
        assert!(is_echo(&change(true, &["Phone"]), contact, &settings));
        assert!(!is_echo(
            &change(true, &["Phone", "title"]),
            contact,
            &settings
        ));
        assert!(!is_echo(&change(false, &["Phone"]), contact, &settings));
        // The sweep does not say what changed: read it.
        assert!(!is_echo(&change(false, &[]), contact, &settings));
    }
}
