//! The inbox card service: a conversation's person as Salesforce knows them.
//!
//! A cold card costs one Salesforce call (see [`crate::salesforce::person`]); the records are
//! cached per person with a TTL, so a warm card costs none, and concurrent requests for one cold
//! card share a single call. The sync engine invalidates entries when records change.

pub mod broadcast;
pub mod build;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use moka::future::Cache;
use shared::card::{CardView, MatchedBy, NoMatch};
use shared::sync::PeopleIdentity;
use shared::sync::identity::normalized_key;

use crate::clients::{ClientError, Clients};
use crate::inbox::Inbox;
use crate::salesforce::person::{ContactKey, LinkedRecord, Lookup, PersonRecords};
use crate::salesforce::soql::Field;
use crate::salesforce::{self, SalesforceError};
use crate::settings::{self, SettingsError};
use crate::store::{Store, StoreError};

/// Who the conversation is with and the teammates: Intercom's side, kept in [`crate::inbox`].
pub use crate::inbox::{ContactIdentity, Team};

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Salesforce(Arc<SalesforceError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("the identity field setting is not a Salesforce field name: {0}")]
    BadIdentityField(String),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// What Salesforce said about one person, kept between requests.
#[derive(Debug)]
struct Entry {
    records: Option<PersonRecords>,
    matched_by: MatchedBy,
    fetched_at: DateTime<Utc>,
}

type Key = (String, String);

/// Cards for every installation. Cheap to clone.
#[derive(Clone)]
pub struct Cards {
    cache: Cache<Key, Arc<Entry>>,
    /// Where invalidations are told to the other processes on the database, if any.
    peers: Option<Store>,
}

/// One card request.
pub struct Request<'a> {
    pub installation_id: &'a str,
    pub conversation_id: &'a str,
    /// `None`: the conversation has no contact.
    pub contact: Option<&'a ContactIdentity>,
    pub include_closed: bool,
}

impl Cards {
    pub fn new(ttl: Duration) -> Cards {
        Cards {
            cache: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .support_invalidation_closures()
                .build(),
            peers: None,
        }
    }

    /// These cards, telling every invalidation to the other processes on `store`'s database
    /// (heard by [`broadcast::spawn_listener`]). SQLite has one process: nobody to tell.
    pub fn shared_through(mut self, store: Store) -> Cards {
        if store.kind() == shared::DatabaseKind::Postgres {
            self.peers = Some(store);
        }
        self
    }

    fn tell_peers(&self, invalidation: impl FnOnce() -> broadcast::Invalidation) {
        if let Some(store) = &self.peers {
            broadcast::send(store, &invalidation());
        }
    }

    /// The card beside a conversation: its contact from Intercom, then Salesforce.
    pub async fn for_conversation(
        &self,
        clients: &Clients,
        inbox: &Inbox,
        installation_id: &str,
        conversation_id: &str,
        include_closed: bool,
    ) -> Result<CardView, CardError> {
        let contact = inbox
            .contact_of(clients, installation_id, conversation_id)
            .await?;
        self.for_contact(
            clients,
            inbox,
            Request {
                installation_id,
                conversation_id,
                contact: contact.as_deref(),
                include_closed,
            },
        )
        .await
    }

    /// The card for a contact Intercom already named (Canvas Kit sends it with the request).
    pub async fn for_contact(
        &self,
        clients: &Clients,
        inbox: &Inbox,
        request: Request<'_>,
    ) -> Result<CardView, CardError> {
        let team = inbox.team(clients, request.installation_id).await?;
        let salesforce = clients.salesforce(request.installation_id).await?;
        self.card(clients.store(), &salesforce, &team, request)
            .await
    }

    /// The card for a conversation's contact.
    pub async fn card(
        &self,
        store: &Store,
        salesforce: &salesforce::Client,
        team: &Team,
        request: Request<'_>,
    ) -> Result<CardView, CardError> {
        let not_found = |reason| CardView::NotInSalesforce {
            conversation_id: request.conversation_id.to_owned(),
            reason,
        };
        let Some(contact) = request.contact else {
            return Ok(not_found(NoMatch::NoContact));
        };
        let key = (request.installation_id.to_owned(), contact.id.clone());
        crate::metrics::metrics().card_requests.inc();
        let entry = match self.cache.get(&key).await {
            Some(entry) => entry,
            None => {
                let lookup = self.lookup(store, request.installation_id, contact).await?;
                let Some((lookup, matched_by)) = lookup else {
                    return Ok(not_found(NoMatch::NoEmail));
                };
                let salesforce = salesforce.clone();
                // Concurrent misses for one person wait for this one load.
                self.cache
                    .try_get_with(key, async move {
                        crate::metrics::metrics().card_loads.inc();
                        let records = salesforce.person(&lookup).await?;
                        Ok::<_, SalesforceError>(Arc::new(Entry {
                            records,
                            matched_by,
                            fetched_at: Utc::now(),
                        }))
                    })
                    .await
                    .map_err(CardError::Salesforce)?
            }
        };
        let Some(records) = &entry.records else {
            return Ok(not_found(NoMatch::NoEmail));
        };
        let url = |object: &str, id: &str| salesforce.record_url(object, id);
        Ok(build::card(
            records,
            &build::Context {
                conversation_id: request.conversation_id,
                intercom_contact_id: &contact.id,
                matched_by: entry.matched_by,
                teammates: &team.teammates,
                installer: team.installer.as_ref(),
                record_url: &url,
                include_closed: request.include_closed,
                fetched_at: entry.fetched_at,
            },
        ))
    }

    /// The stored link, else the identity key, else email; `None` when there is nothing to
    /// search by.
    async fn lookup(
        &self,
        store: &Store,
        installation_id: &str,
        contact: &ContactIdentity,
    ) -> Result<Option<(Lookup, MatchedBy)>, CardError> {
        if let Some(link) = store.person_link(installation_id, &contact.id).await? {
            let lookup = Lookup {
                link: Some(LinkedRecord {
                    lead: link.salesforce_object.is_lead(),
                    id: link.salesforce_id,
                }),
                ..Lookup::default()
            };
            return Ok(Some((lookup, MatchedBy::Link)));
        }
        let identity = settings::identity(store, installation_id).await?.people;
        // The one identity model's keys; the card shows a Lead found by email in any mode.
        let keys = identity.person_keys(contact.email.as_deref(), contact.external_id.as_deref());
        let email = contact.email.as_deref().and_then(normalized_key);
        let (contact_key, matched_by) = match (&identity, keys.key) {
            (_, None) => (None, MatchedBy::Email),
            (
                PeopleIdentity::ExternalId {
                    salesforce_field, ..
                },
                Some(value),
            ) if !keys.key_is_email => {
                let field = Field::parse(salesforce_field)
                    .map_err(|_| CardError::BadIdentityField(salesforce_field.clone()))?;
                (Some(ContactKey::Field(field, value)), MatchedBy::ExternalId)
            }
            (_, Some(email)) => (Some(ContactKey::Email(email)), MatchedBy::Email),
        };
        if contact_key.is_none() && email.is_none() {
            return Ok(None);
        }
        let lookup = Lookup {
            link: None,
            contact: contact_key,
            lead_email: email,
        };
        Ok(Some((lookup, matched_by)))
    }

    /// Whether the person's card is cached: a card now would cost no Salesforce call.
    pub fn is_warm(&self, installation_id: &str, intercom_contact_id: &str) -> bool {
        self.cache
            .contains_key(&(installation_id.to_owned(), intercom_contact_id.to_owned()))
    }

    /// Forgets one person's card (their Intercom contact changed), here and in every process.
    pub async fn invalidate_contact(&self, installation_id: &str, intercom_contact_id: &str) {
        self.forget_contact(installation_id, intercom_contact_id)
            .await;
        self.tell_peers(|| broadcast::Invalidation::Contact {
            installation: installation_id.to_owned(),
            contact: intercom_contact_id.to_owned(),
        });
    }

    /// Forgets every card that shows any of these Salesforce records (person, account,
    /// opportunity or owner), in one pass, here and in every process.
    pub fn invalidate_salesforce_records(
        &self,
        installation_id: &str,
        salesforce_ids: Vec<String>,
    ) {
        if salesforce_ids.is_empty() {
            return;
        }
        if self.peers.is_some() {
            let ids = salesforce_ids.clone();
            self.tell_peers(|| broadcast::Invalidation::Records {
                installation: installation_id.to_owned(),
                ids,
            });
        }
        self.forget_salesforce_records(installation_id, salesforce_ids);
    }

    /// Forgets every card of an installation (it was reconnected), here and in every process.
    pub fn invalidate_installation(&self, installation_id: &str) {
        self.forget_installation(installation_id);
        self.tell_peers(|| broadcast::Invalidation::Installation {
            installation: installation_id.to_owned(),
        });
    }

    async fn forget_contact(&self, installation_id: &str, intercom_contact_id: &str) {
        self.cache
            .invalidate(&(installation_id.to_owned(), intercom_contact_id.to_owned()))
            .await;
    }

    fn forget_salesforce_records(&self, installation_id: &str, salesforce_ids: Vec<String>) {
        if salesforce_ids.is_empty() {
            return;
        }
        let installation = installation_id.to_owned();
        // Registering the predicate cannot fail: invalidation closures are enabled above.
        let _ = self.cache.invalidate_entries_if(move |key, entry| {
            key.0 == installation
                && entry
                    .records
                    .as_ref()
                    .is_some_and(|r| salesforce_ids.iter().any(|id| mentions(r, id)))
        });
    }

    fn forget_installation(&self, installation_id: &str) {
        let installation = installation_id.to_owned();
        let _ = self
            .cache
            .invalidate_entries_if(move |key, _| key.0 == installation);
    }

    /// Forgets every card (invalidations from other processes may have been missed).
    fn forget_everything(&self) {
        self.cache.invalidate_all();
    }

    /// Entries held, for tests and metrics (after pending maintenance).
    pub async fn cached_cards(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.entry_count()
    }
}

fn mentions(records: &PersonRecords, id: &str) -> bool {
    let contact = records.contact.as_ref().is_some_and(|c| {
        c.id == id
            || c.owner.as_ref().is_some_and(|o| o.id == id)
            || c.account
                .as_ref()
                .is_some_and(|a| a.id == id || a.owner.as_ref().is_some_and(|o| o.id == id))
    });
    let lead = records
        .lead
        .as_ref()
        .is_some_and(|l| l.id == id || l.owner.as_ref().is_some_and(|o| o.id == id));
    contact || lead || records.opportunities.iter().any(|o| o.id == id)
}
