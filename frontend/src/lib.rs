//! sfbridge web pages: a Leptos client-side app compiled to wasm32.
//!
//! Four bundles, each a binary of this crate (`src/bin/`): the inbox card
//! ([`card::CardApp`], loaded by `card.html`) and the case form ([`case::CaseApp`],
//! `case.html`), which Intercom's inbox opens in its narrow panel, each mount their page
//! directly, without a router; the other teammate pages ([`teammate`], `index.html`) and the
//! admin pages ([`admin`], `admin.html`) have a router each. `shared::pages` says which paths
//! are whose. A bundle holds only the code its `main` reaches. The pages read the back end's
//! JSON API; the wire types come from the `shared` crate so both sides agree on every shape.

pub mod admin;
pub mod api;
pub mod app;
pub mod card;
pub mod case;
pub mod clock;
pub mod connections;
pub mod format;
pub mod inbox;
pub mod moment;
pub mod problem;
pub mod settings;
pub mod setup;
pub mod signin;
pub mod team;
pub mod teammate;
