//! Sessions: opened for a teammate of an installation, found again by the cookie's token
//! (stored hashed), checked for idle and absolute expiry on the clock, ended on sign-out, and
//! purged with the other expired tokens and flows.

use secrecy::{ExposeSecret, SecretString};
use shared::access::Role;
use shared::owner::Teammate;

use super::rules::{self, SessionCheck};
use super::{Auth, AuthError, tokens};
use crate::store::{Purged, SessionRow, Store};

/// A signed-in teammate: whose session, in which installation, with which role now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub installation_id: String,
    pub teammate: Teammate,
    pub role: Role,
    /// The stored hash of the session's token (signing out deletes it).
    pub token_hash: String,
}

impl SignedIn {
    pub fn is_admin(&self) -> bool {
        self.role.is_admin()
    }
}

impl Auth {
    /// Opens a session for `teammate` in the installation; the token goes into the cookie.
    pub async fn open_session(
        &self,
        store: &Store,
        installation_id: &str,
        teammate: &Teammate,
    ) -> Result<(SecretString, SignedIn), AuthError> {
        let token = tokens::new_token();
        let now = self.now();
        let row = SessionRow {
            token_hash: tokens::hash_secret(&token),
            installation_id: installation_id.to_owned(),
            intercom_admin_id: teammate.id.clone(),
            name: teammate.name.clone(),
            email: teammate.email.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + rules::SESSION_LIFETIME_MS,
        };
        store.save_session(&row).await?;
        let role = role_of(store, installation_id, &teammate.id).await?;
        tracing::info!(installation = installation_id, teammate = %teammate.id, role = role.label(), "signed in");
        Ok((
            token,
            SignedIn {
                installation_id: row.installation_id,
                teammate: teammate.clone(),
                role,
                token_hash: row.token_hash,
            },
        ))
    }

    /// The session a cookie's token names, if it is live; records its use.
    pub async fn session(
        &self,
        store: &Store,
        token: &SecretString,
    ) -> Result<Option<SignedIn>, AuthError> {
        let hash = tokens::hash(token.expose_secret());
        let Some(row) = store.session(&hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        match rules::check_session(row.last_seen_at, row.expires_at, now) {
            SessionCheck::Expired => {
                store.delete_session(&hash).await?;
                return Ok(None);
            }
            SessionCheck::Live { touch: true } => store.touch_session(&hash, now).await?,
            SessionCheck::Live { touch: false } => {}
        }
        let role = role_of(store, &row.installation_id, &row.intercom_admin_id).await?;
        Ok(Some(SignedIn {
            installation_id: row.installation_id,
            teammate: Teammate {
                id: row.intercom_admin_id,
                name: row.name,
                email: row.email,
            },
            role,
            token_hash: hash,
        }))
    }

    /// Signs out: the session is gone, whatever the cookie still says.
    pub async fn end_session(&self, store: &Store, signed_in: &SignedIn) -> Result<(), AuthError> {
        store.delete_session(&signed_in.token_hash).await?;
        Ok(())
    }

    /// Deletes expired sessions, setup tokens, sign-in links and OAuth flows.
    pub async fn purge(&self, store: &Store) -> Result<Purged, AuthError> {
        let now = self.now();
        Ok(store
            .purge_expired(
                now,
                now - rules::SESSION_IDLE_MS,
                now - rules::FLOW_LIFETIME_MS,
            )
            .await?)
    }

    /// A new setup token (`serve` prints it while no installation exists).
    pub async fn issue_setup_token(&self, store: &Store) -> Result<SecretString, AuthError> {
        let token = tokens::new_token();
        let now = self.now();
        store
            .save_setup_token(
                &tokens::hash_secret(&token),
                now,
                now + rules::SETUP_TOKEN_LIFETIME_MS,
            )
            .await?;
        Ok(token)
    }

    /// The setup token's hash and expiry, if it is known and unexpired.
    pub async fn check_setup_token(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<(String, i64), AuthError> {
        let hash = tokens::hash(token.trim());
        match store.setup_token_expiry(&hash).await? {
            Some(expires_at) if rules::unexpired(expires_at, self.now()) => Ok((hash, expires_at)),
            _ => Err(AuthError::SetupTokenInvalid),
        }
    }
}

/// Admin if the installation lists the teammate among its admins.
async fn role_of(
    store: &Store,
    installation_id: &str,
    teammate_id: &str,
) -> Result<Role, AuthError> {
    Ok(if store.is_admin(installation_id, teammate_id).await? {
        Role::Admin
    } else {
        Role::Teammate
    })
}
