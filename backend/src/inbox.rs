//! The Intercom side of the inbox: conversations, who each is with, and the teammates, with
//! short-lived caches so a warm card asks Intercom nothing either, and reloading the inbox
//! pages does not ask again for what they just showed.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use shared::inbox::{Conversation, ConversationList};
use shared::owner::Teammate;

use crate::clients::{ClientError, Clients};

/// Who the conversation is with, as Intercom knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactIdentity {
    pub id: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
}

/// The Intercom teammates, and the one who installed the app.
#[derive(Debug, Clone, Default)]
pub struct Team {
    pub teammates: Vec<Teammate>,
    pub installer: Option<Teammate>,
}

/// How many conversations the demo inbox lists.
pub const LIST_LIMIT: usize = 50;

/// Teammates change rarely; owner matching tolerates a few minutes' delay.
const TEAM_TTL: Duration = Duration::from_secs(300);

/// A conversation's contact does not change; their email and id might, and sync invalidates.
const CONTACT_TTL: Duration = Duration::from_secs(600);

/// How long the inbox pages show a conversation list or a transcript before Intercom is asked
/// again. A list costs its pages of conversations plus a contact read for each conversation
/// its contact did not start (up to [`LIST_LIMIT`] more), a transcript one or two; a new
/// conversation or reply shows within this.
pub const PAGE_TTL: Duration = Duration::from_secs(30);

/// Caches of what Intercom said. Cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    contacts: Cache<(String, String), Option<Arc<ContactIdentity>>>,
    teams: Cache<String, Arc<Team>>,
    /// The inbox pages' conversation lists, by installation.
    lists: Cache<String, Arc<ConversationList>>,
    /// The inbox pages' transcripts, by installation and conversation.
    transcripts: Cache<(String, String), Arc<Conversation>>,
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox {
            contacts: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CONTACT_TTL)
                .support_invalidation_closures()
                .build(),
            teams: Cache::builder().time_to_live(TEAM_TTL).build(),
            lists: Cache::builder()
                .max_capacity(1_000)
                .time_to_live(PAGE_TTL)
                .build(),
            transcripts: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(PAGE_TTL)
                .build(),
        }
    }
}

impl Inbox {
    /// The newest conversations, for the inbox page (kept for [`PAGE_TTL`]).
    pub async fn conversations(
        &self,
        clients: &Clients,
        installation_id: &str,
    ) -> Result<Arc<ConversationList>, ClientError> {
        self.lists
            .try_get_with(installation_id.to_owned(), async {
                let intercom = clients.intercom(installation_id).await?;
                Ok::<_, ClientError>(Arc::new(intercom.conversations(LIST_LIMIT).await?))
            })
            .await
            .map_err(unshare)
    }

    /// A conversation's transcript, for the inbox page (kept for [`PAGE_TTL`]).
    pub async fn transcript(
        &self,
        clients: &Clients,
        installation_id: &str,
        conversation_id: &str,
    ) -> Result<Arc<Conversation>, ClientError> {
        let key = (installation_id.to_owned(), conversation_id.to_owned());
        self.transcripts
            .try_get_with(key, async {
                let conversation = self
                    .conversation(clients, installation_id, conversation_id)
                    .await?;
                Ok::<_, ClientError>(Arc::new(conversation))
            })
            .await
            .map_err(unshare)
    }

    /// A conversation as it is now (a case's subject and description come from it).
    pub async fn conversation(
        &self,
        clients: &Clients,
        installation_id: &str,
        conversation_id: &str,
    ) -> Result<Conversation, ClientError> {
        let intercom = clients.intercom(installation_id).await?;
        Ok(intercom.conversation(conversation_id).await?)
    }

    /// Who the conversation is with (`None`: nobody yet).
    pub async fn contact_of(
        &self,
        clients: &Clients,
        installation_id: &str,
        conversation_id: &str,
    ) -> Result<Option<Arc<ContactIdentity>>, ClientError> {
        let key = (installation_id.to_owned(), conversation_id.to_owned());
        self.contacts
            .try_get_with(key, async {
                let intercom = clients.intercom(installation_id).await?;
                let conversation = intercom.conversation(conversation_id).await?;
                let Some(contact) = conversation.contact else {
                    return Ok(None);
                };
                let contact = intercom.contact(&contact.id).await?;
                Ok::<_, ClientError>(Some(Arc::new(ContactIdentity {
                    id: contact.id,
                    email: contact.email,
                    external_id: contact.external_id,
                })))
            })
            .await
            .map_err(unshare)
    }

    /// The workspace's teammates and the installing one (the token's admin).
    pub async fn team(
        &self,
        clients: &Clients,
        installation_id: &str,
    ) -> Result<Arc<Team>, ClientError> {
        self.teams
            .try_get_with(installation_id.to_owned(), async {
                let intercom = clients.intercom(installation_id).await?;
                let me = intercom.me().await?;
                let teammates = intercom.admins().await?;
                Ok::<_, ClientError>(Arc::new(Team {
                    installer: Some(me.teammate()),
                    teammates,
                }))
            })
            .await
            .map_err(unshare)
    }

    /// Forgets what is cached about one conversation's contact (the contact changed).
    pub fn invalidate_contact(&self, installation_id: &str, intercom_contact_id: &str) {
        let installation = installation_id.to_owned();
        let contact = intercom_contact_id.to_owned();
        let _ = self.contacts.invalidate_entries_if(move |key, value| {
            key.0 == installation && value.as_ref().is_some_and(|c| c.id == contact)
        });
    }
}

/// moka hands a shared error to every waiter; ours are cheap to copy out.
fn unshare(error: Arc<ClientError>) -> ClientError {
    match &*error {
        ClientError::NoInstallation(id) => ClientError::NoInstallation(id.clone()),
        ClientError::Intercom(e) => ClientError::Intercom(e.clone()),
        other => ClientError::Shared(other.to_string()),
    }
}
