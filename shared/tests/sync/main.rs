//! The sync rules, one test per rule and per table row, against an org and a workspace shaped
//! like the demo seeds.

mod convert;
mod identity;
mod leads;
mod limits;
mod mapping;
mod metadata;
mod settings;
mod transfer;
mod triggers;
