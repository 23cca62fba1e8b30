//! Wire-faithful simulators of a Salesforce org and an Intercom workspace.
//!
//! Each simulator is an axum server that binds any address (port 0 in tests), seeds itself
//! deterministically and answers exactly as the real service does, so that code proven
//! against it works against the real thing. Apart from the public API each has a control
//! surface under `/__sim/` for tests: act as a person in the UI, read counters, inject faults.

pub mod cli;
pub mod intercom;
pub mod salesforce;
pub mod seed;

pub use seed::Seed;
