//! Installing sfbridge from the pages, as an operator would: the setup link's first
//! installation, more installations added by an admin, reconnecting either side, switching
//! the Salesforce org, and uninstalling.
//!
//! `intercom` connects a workspace (a private app's pasted token checked with `/me`, or the
//! public app's OAuth) and runs "Sign in with Intercom"; the Salesforce side is
//! [`crate::oauth`]; `uninstall` revokes, stops and deletes; `webhooks` says what to subscribe
//! and whether a signed notification has arrived.

pub mod intercom;
pub mod uninstall;
pub mod webhooks;

use crate::auth::Auth;
use crate::card::Cards;
use crate::clients::Clients;
use crate::config::Services;
use crate::inbox::Inbox;
use crate::listener::Listeners;

/// What installing and connecting reach. Cheap to make per request.
#[derive(Clone, Copy)]
pub struct Installer<'a> {
    pub clients: &'a Clients,
    pub auth: &'a Auth,
    pub services: &'a Services,
    /// Where browsers (and Intercom, and Salesforce's redirects) reach this server.
    pub public_url: &'a str,
    pub cards: &'a Cards,
    pub inbox: &'a Inbox,
    pub listeners: &'a Listeners,
}
