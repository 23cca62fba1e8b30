//! The ways in, each ending in a session: an admin's one-time sign-in link, a Canvas Kit
//! ticket, and a teammate Intercom vouched for (OAuth `/me`).

use secrecy::SecretString;
use shared::owner::Teammate;

use super::rules::{self, IntercomConnection};
use super::tokens::{self, Ticket};
use super::{Auth, AuthError, SignedIn};
use crate::clients::Clients;
use crate::inbox::Inbox;
use crate::intercom::Me;
use crate::store::{SignInLinkRow, Store};

impl Auth {
    /// A sign-in link's token for a teammate, made by an admin; usable once within 24 hours.
    pub async fn make_sign_in_link(
        &self,
        store: &Store,
        by: &SignedIn,
        teammate: &Teammate,
        connection: IntercomConnection,
    ) -> Result<(SecretString, i64), AuthError> {
        if !rules::sign_in_links_allowed(connection) {
            return Err(AuthError::LinksUnavailable);
        }
        let token = tokens::new_token();
        let now = self.now();
        let expires_at = now + rules::SIGN_IN_LINK_LIFETIME_MS;
        store
            .save_sign_in_link(
                &tokens::hash_secret(&token),
                &SignInLinkRow {
                    installation_id: by.installation_id.clone(),
                    intercom_admin_id: teammate.id.clone(),
                    created_by: by.teammate.id.clone(),
                    created_at: now,
                    expires_at,
                },
            )
            .await?;
        Ok((token, expires_at))
    }

    /// A link made without an admin at the keyboard: the demo's, for its installing teammate.
    pub async fn make_installer_link(
        &self,
        store: &Store,
        installation_id: &str,
        teammate_id: &str,
    ) -> Result<SecretString, AuthError> {
        let token = tokens::new_token();
        let now = self.now();
        store
            .save_sign_in_link(
                &tokens::hash_secret(&token),
                &SignInLinkRow {
                    installation_id: installation_id.to_owned(),
                    intercom_admin_id: teammate_id.to_owned(),
                    created_by: teammate_id.to_owned(),
                    created_at: now,
                    expires_at: now + rules::SIGN_IN_LINK_LIFETIME_MS,
                },
            )
            .await?;
        Ok(token)
    }

    /// Signs in with a sign-in link's token; the link is used up whatever happens.
    pub async fn sign_in_with_link(
        &self,
        clients: &Clients,
        inbox: &Inbox,
        token: &str,
    ) -> Result<(SecretString, SignedIn), AuthError> {
        let link = clients
            .store()
            .take_sign_in_link(&tokens::hash(token.trim()))
            .await?
            .filter(|link| rules::unexpired(link.expires_at, self.now()))
            .ok_or(AuthError::LinkInvalid)?;
        let teammate = teammate_of(
            clients,
            inbox,
            &link.installation_id,
            &link.intercom_admin_id,
        )
        .await?;
        self.open_session(clients.store(), &link.installation_id, &teammate)
            .await
    }

    /// The ticket the Canvas Kit card carries for the teammate looking at it.
    pub fn ticket_for(&self, installation_id: &str, admin_id: &str) -> String {
        tokens::sign_ticket(
            &self.cipher,
            &Ticket {
                installation_id: installation_id.to_owned(),
                admin_id: admin_id.to_owned(),
                expires_at: self.now() + rules::TICKET_LIFETIME_MS,
            },
        )
    }

    /// Signs in the teammate a Canvas Kit ticket names, in its installation.
    pub async fn sign_in_with_ticket(
        &self,
        clients: &Clients,
        inbox: &Inbox,
        text: &str,
    ) -> Result<(SecretString, SignedIn), AuthError> {
        let ticket = tokens::open_ticket(&self.cipher, text)
            .filter(|t| rules::unexpired(t.expires_at, self.now()))
            .ok_or(AuthError::TicketInvalid)?;
        let teammate =
            teammate_of(clients, inbox, &ticket.installation_id, &ticket.admin_id).await?;
        self.open_session(clients.store(), &ticket.installation_id, &teammate)
            .await
    }

    /// Signs in the teammate behind an Intercom OAuth token (`GET /me`), in the installation of
    /// their workspace.
    pub async fn sign_in_with_intercom(
        &self,
        store: &Store,
        me: &Me,
    ) -> Result<(SecretString, SignedIn), AuthError> {
        if me.email_verified == Some(false) {
            return Err(AuthError::EmailUnverified);
        }
        let installation = store
            .installation_by_workspace(&me.workspace_id)
            .await?
            .ok_or_else(|| AuthError::NoInstallation(me.workspace_id.clone()))?;
        self.open_session(store, &installation.id, &me.teammate())
            .await
    }
}

/// The teammate with this id in the installation's workspace, as Intercom lists them.
pub async fn teammate_of(
    clients: &Clients,
    inbox: &Inbox,
    installation_id: &str,
    teammate_id: &str,
) -> Result<Teammate, AuthError> {
    let team = inbox.team(clients, installation_id).await?;
    team.teammates
        .iter()
        .chain(team.installer.as_ref())
        .find(|t| t.id == teammate_id)
        .cloned()
        .ok_or_else(|| AuthError::NotATeammate(teammate_id.to_owned()))
}
