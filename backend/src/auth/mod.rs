//! Signing in and roles. Teammates and admins are Intercom teammates of an installation's
//! workspace; they come in by "Sign in with Intercom", an admin's one-time sign-in link, or a
//! signed ticket from the Canvas Kit card, and hold a session stored in the database (so
//! several processes share it) behind an `HttpOnly` cookie.
//!
//! `rules` holds the pure decisions (lifetimes, expiry, hosts and origins, Salesforce hosts,
//! the last admin); `tokens` makes and hashes tokens and signs tickets; `sessions` opens,
//! resolves and ends sessions and purges what expired; `sign_in` turns each way in into a
//! session; `audit` records admin actions. Every expiry runs on the injected [`Clock`].

pub mod audit;
pub mod clock;
pub mod rules;
mod sessions;
pub mod sign_in;
pub mod team;
pub mod tokens;

use shared::owner::Teammate;

pub use clock::{Clock, ManualTime};
pub use rules::{IntercomConnection, Origins, RoleRefusal};
pub use sessions::SignedIn;

use crate::clients::ClientError;
use crate::crypto::Cipher;
use crate::store::StoreError;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "sfbridge_session";
/// The name of the cookie binding an OAuth flow to the browser that started it.
pub const FLOW_COOKIE: &str = "sfbridge_flow";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("sign in first: there is no session, or it expired")]
    SignInRequired,
    #[error("only admins of the installation may do this")]
    AdminOnly,
    #[error(
        "this setup link is unknown, expired or already used: restart `sfbridge serve` to print a new one"
    )]
    SetupTokenInvalid,
    #[error("this sign-in link is unknown, expired or already used: ask an admin for a new one")]
    LinkInvalid,
    #[error("this link from the Intercom card expired: open the card in Intercom again")]
    TicketInvalid,
    #[error("Intercom teammate {0} is not a teammate of this workspace")]
    NotATeammate(String),
    #[error(
        "sign-in links are for workspaces connected through a private Intercom app; teammates of \
         this one sign in with Intercom"
    )]
    LinksUnavailable,
    #[error(
        "no installation is connected to Intercom workspace {0}: ask an admin to install sfbridge there"
    )]
    NoInstallation(String),
    #[error("Intercom has not verified this teammate's email address: verify it in Intercom first")]
    EmailUnverified,
    #[error(transparent)]
    Role(#[from] RoleRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// What signing in needs: the clock, which hosts and origins name this server, and the key
/// that signs Canvas Kit tickets. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Auth {
    pub clock: Clock,
    pub origins: Origins,
    cipher: Cipher,
}

impl Auth {
    pub fn new(clock: Clock, origins: Origins, cipher: Cipher) -> Auth {
        Auth {
            clock,
            origins,
            cipher,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The teammate as the pages name them.
pub fn teammate(id: &str, name: Option<&str>, email: Option<&str>) -> Teammate {
    Teammate {
        id: id.to_owned(),
        name: name.unwrap_or_default().to_owned(),
        email: email.map(str::to_owned),
    }
}
