//! sfbridge web pages: a Leptos client-side app compiled to wasm32.
//!
//! Two bundles, each a binary of this crate (`src/bin/`) with its own router: the teammate
//! pages ([`teammate`], loaded by `index.html`) and the admin pages ([`admin`], loaded by
//! `admin.html`); `shared::pages` says which paths are whose. A bundle holds only the code
//! its router reaches. The pages read the back end's JSON API; the wire types come from the
//! `shared` crate so both sides agree on every shape.

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
pub mod setup;
pub mod signin;
pub mod team;
pub mod teammate;
