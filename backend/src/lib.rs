//! sfbridge back end: one binary that serves the web pages and API, receives Intercom
//! webhooks, runs sync jobs and stores state in SQLite or PostgreSQL.

pub mod app;
pub mod auth;
pub mod card;
pub mod cases;
pub mod cli;
pub mod clients;
pub mod config;
pub mod connections;
pub mod crypto;
#[cfg(feature = "demo")]
pub mod demo;
pub mod http;
pub mod inbox;
pub mod install;
pub mod installations;
pub mod intercom;
pub mod jobs;
#[cfg(test)]
mod layers;
pub mod listener;
pub mod metrics;
pub mod oauth;
pub mod retention;
pub mod salesforce;
pub mod server;
pub mod settings;
pub mod store;
pub mod sync;
pub mod tasks;
pub mod telemetry;
