//! Harness for the end-to-end and browser tests.
//!
//! - [`Sfbridge`] starts the real `sfbridge` binary (`serve` or `demo`) on port 0 with a
//!   temporary database and learns its address from the line it prints.
//! - [`Browser`] starts chromedriver and a headless Chromium session (fantoccini); dropping it,
//!   even while a test panics, ends the session so no Chromium is left behind.
//! - [`installation::save_paired`] saves an installation pairing both simulators.
//! - [`poll`](fn@poll) waits for a condition with a deadline instead of sleeping.
//! - [`database::SharedDb`] is a database several processes share (a PostgreSQL schema).
//! - [`soak`] drives several processes under faults and kills and counts what arrived
//!   (`src/bin/soak.rs`, run by `cargo xtask soak`).

pub mod browser;
pub mod database;
pub mod installation;
mod output;
pub mod paths;
pub mod poll;
pub mod server;
pub mod soak;

pub use browser::Browser;
pub use poll::poll;
pub use server::Sfbridge;
