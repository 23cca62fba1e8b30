//! The workspace's teammates and their roles here: admins grant and take the admin role, and
//! make one-time sign-in links for teammates (workspaces connected through a private app).

use shared::access::{Role, SignInLink, TeamMember, TeamView};

use super::audit::Action;
use super::rules::{self, IntercomConnection};
use super::sign_in::teammate_of;
use super::{Auth, AuthError, SignedIn};
use crate::clients::{ClientError, Clients};
use crate::inbox::Inbox;

/// Every teammate of the workspace with their role.
pub async fn view(
    clients: &Clients,
    inbox: &Inbox,
    installation_id: &str,
) -> Result<TeamView, AuthError> {
    let store = clients.store();
    let row = store
        .installation(installation_id)
        .await?
        .ok_or_else(|| ClientError::NoInstallation(installation_id.to_owned()))?;
    let admins = store.admins(installation_id).await?;
    let team = inbox.team(clients, installation_id).await?;
    let mut teammates = team.teammates.clone();
    if let Some(installer) = &team.installer
        && !teammates.iter().any(|t| t.id == installer.id)
    {
        teammates.push(installer.clone());
    }
    Ok(TeamView {
        members: teammates
            .into_iter()
            .map(|teammate| TeamMember {
                role: if admins.contains(&teammate.id) {
                    Role::Admin
                } else {
                    Role::Teammate
                },
                installer: row.installer_admin_id.as_deref() == Some(teammate.id.as_str()),
                teammate,
            })
            .collect(),
        sign_in_links: rules::sign_in_links_allowed(IntercomConnection::parse(
            &row.intercom_connection,
        )),
    })
}

impl Auth {
    /// Gives or takes the admin role; the last admin keeps it.
    pub async fn set_role(
        &self,
        clients: &Clients,
        inbox: &Inbox,
        by: &SignedIn,
        teammate_id: &str,
        role: Role,
    ) -> Result<TeamView, AuthError> {
        let store = clients.store();
        let installation = &by.installation_id;
        let teammate = teammate_of(clients, inbox, installation, teammate_id).await?;
        match role {
            Role::Admin => {
                if store
                    .grant_admin(
                        installation,
                        &teammate.id,
                        Some(&by.teammate.id),
                        self.now(),
                    )
                    .await?
                {
                    self.record(
                        clients.store(),
                        by,
                        Action::AdminGranted,
                        &describe(&teammate),
                    )
                    .await;
                }
            }
            Role::Teammate => {
                rules::may_revoke_admin(&store.admins(installation).await?, &teammate.id)?;
                if !store.revoke_admin(installation, &teammate.id).await? {
                    // Another admin was revoked at the same moment: this one stays.
                    return Err(rules::RoleRefusal::LastAdmin.into());
                }
                self.record(
                    clients.store(),
                    by,
                    Action::AdminRevoked,
                    &describe(&teammate),
                )
                .await;
            }
        }
        view(clients, inbox, installation).await
    }

    /// A one-time sign-in link for a teammate, as a URL on this server.
    pub async fn sign_in_link(
        &self,
        clients: &Clients,
        inbox: &Inbox,
        by: &SignedIn,
        teammate_id: &str,
        public_url: &str,
    ) -> Result<SignInLink, AuthError> {
        let store = clients.store();
        let row = store
            .installation(&by.installation_id)
            .await?
            .ok_or_else(|| ClientError::NoInstallation(by.installation_id.clone()))?;
        let teammate = teammate_of(clients, inbox, &by.installation_id, teammate_id).await?;
        let (token, expires_at) = self
            .make_sign_in_link(
                store,
                by,
                &teammate,
                IntercomConnection::parse(&row.intercom_connection),
            )
            .await?;
        self.record(store, by, Action::SignInLinkCreated, &describe(&teammate))
            .await;
        Ok(SignInLink {
            url: sign_in_url(public_url, &token),
            teammate,
            expires_at,
        })
    }
}

/// The page that redeems a sign-in link's token.
pub fn sign_in_url(public_url: &str, token: &secrecy::SecretString) -> String {
    format!(
        "{}/signin?link={}",
        public_url.trim_end_matches('/'),
        secrecy::ExposeSecret::expose_secret(token)
    )
}

fn describe(teammate: &shared::owner::Teammate) -> String {
    match &teammate.email {
        Some(email) => format!(
            "{} ({email}, Intercom teammate {})",
            teammate.name, teammate.id
        ),
        None => format!("{} (Intercom teammate {})", teammate.name, teammate.id),
    }
}
