//! Card invalidations shared by every process on one database: a change seen by the process
//! that listens to Salesforce reaches the cards the others cache. Sent and heard through the
//! store's notices (PostgreSQL `NOTIFY`); a notice lost while a process was reconnecting costs
//! that process its whole cache, never a stale card past the reconnect.

use serde::{Deserialize, Serialize};

use super::Cards;
use crate::store::{CARDS_CHANNEL, MAX_PAYLOAD, Notice, Store};

/// One invalidation, as it travels between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "forget", rename_all = "snake_case")]
pub enum Invalidation {
    /// Every card showing any of these Salesforce records.
    Records {
        installation: String,
        ids: Vec<String>,
    },
    /// One person's card.
    Contact {
        installation: String,
        contact: String,
    },
    /// Every card of an installation.
    Installation { installation: String },
}

impl Invalidation {
    /// The notices carrying it, each under PostgreSQL's payload limit (a long list of records
    /// is split).
    pub fn payloads(&self) -> Vec<String> {
        let whole = serde_json::to_string(self).expect("an invalidation serialises");
        let Invalidation::Records { installation, ids } = self else {
            return vec![whole];
        };
        if whole.len() < MAX_PAYLOAD {
            return vec![whole];
        }
        // Salesforce ids are 18 characters; with quotes and commas 300 of them stay far under.
        ids.chunks(300)
            .map(|chunk| {
                serde_json::to_string(&Invalidation::Records {
                    installation: installation.clone(),
                    ids: chunk.to_vec(),
                })
                .expect("an invalidation serialises")
            })
            .collect()
    }
}

impl Cards {
    /// Forgets what `invalidation` names in this process's cache.
    pub async fn apply(&self, invalidation: Invalidation) {
        match invalidation {
            Invalidation::Records { installation, ids } => {
                self.forget_salesforce_records(&installation, ids)
            }
            Invalidation::Contact {
                installation,
                contact,
            } => self.forget_contact(&installation, &contact).await,
            Invalidation::Installation { installation } => self.forget_installation(&installation),
        }
    }
}

/// Sends `invalidation` to the other processes, in the background: the sender has already
/// applied it, and a lost notice costs at most the cache's TTL.
pub(super) fn send(store: &Store, invalidation: &Invalidation) {
    let store = store.clone();
    let payloads = invalidation.payloads();
    tokio::spawn(async move {
        for payload in payloads {
            if let Err(error) = store.notify(CARDS_CHANNEL, &payload).await {
                tracing::warn!(%error, "could not tell the other processes a card changed");
            }
        }
    });
}

/// Hears the other processes' invalidations and applies them to `cards` until aborted.
pub fn spawn_listener(store: Store, cards: Cards) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = std::time::Duration::from_millis(500);
        loop {
            let mut notices = match store.listen(CARDS_CHANNEL).await {
                Ok(notices) => notices,
                Err(error) => {
                    tracing::warn!(%error, "cannot hear card invalidations; trying again");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(30));
                    continue;
                }
            };
            loop {
                match notices.next().await {
                    Ok(Notice::Payload(payload)) => {
                        backoff = std::time::Duration::from_millis(500);
                        match serde_json::from_str::<Invalidation>(&payload) {
                            Ok(invalidation) => cards.apply(invalidation).await,
                            Err(error) => {
                                tracing::warn!(%error, "an unreadable card invalidation")
                            }
                        }
                    }
                    Ok(Notice::Missed) => {
                        tracing::info!(
                            "card invalidations may have been missed; forgetting every card"
                        );
                        cards.forget_everything();
                    }
                    Err(error) => {
                        tracing::warn!(%error, "lost the card invalidations; listening again");
                        cards.forget_everything();
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(std::time::Duration::from_secs(30));
                        break;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_record_list_travels_in_notices_under_the_limit() {
        let ids: Vec<String> = (0..1_000).map(|n| format!("003{n:015}")).collect();
        let whole = Invalidation::Records {
            installation: "acme".into(),
            ids: ids.clone(),
        };
        let payloads = whole.payloads();
        assert_eq!(payloads.len(), 4);
        let mut back = Vec::new();
        for payload in &payloads {
            assert!(payload.len() < MAX_PAYLOAD, "{}", payload.len());
            match serde_json::from_str(payload).unwrap() {
                Invalidation::Records { installation, ids } => {
                    assert_eq!(installation, "acme");
                    back.extend(ids);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(back, ids);
    }

    #[test]
    fn a_short_invalidation_is_one_notice() {
        let one = Invalidation::Contact {
            installation: "acme".into(),
            contact: "6a1f".into(),
        };
        assert_eq!(
            one.payloads(),
            vec![r#"{"forget":"contact","installation":"acme","contact":"6a1f"}"#.to_owned()]
        );
    }
}
