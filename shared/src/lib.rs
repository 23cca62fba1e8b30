//! Pure types and rules used by both the back end and the front end.
//!
//! Nothing here does I/O: the crate builds for wasm32 as well as natively, so the
//! browser and the server agree on every shape by construction.

pub mod access;
pub mod api_error;
pub mod card;
pub mod case_form;
pub mod connections;
pub mod inbox;
pub mod owner;
pub mod pages;
pub mod sync;
pub mod tasks;
pub mod usage;

pub use api_error::ApiError;
pub use connections::{
    ConnectionState, ConnectionsView, DatabaseHealth, DatabaseKind, Health, InstallationStatus,
    IntercomWorkspace, SalesforceEnvironment, SalesforceOrg,
};
