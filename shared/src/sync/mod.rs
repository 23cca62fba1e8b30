//! Sync settings and the pure rules the sync runs on.
//!
//! The back end fills the metadata ([`fields`]) from Salesforce describes and Intercom data
//! attributes, stores the settings ([`settings`]) and runs jobs; every decision it makes about
//! what may be mapped, how a value is converted and what a company or account change calls for
//! is taken here, so the settings page and the jobs cannot disagree.
//!
//! - [`fields`]: Salesforce field and Intercom attribute descriptors, and the lookups over them.
//! - [`compat`]: the type-compatibility tables, one per direction.
//! - [`identity`]: how people and companies are matched, and when a change unlinks them.
//! - [`mapping`]: attribute mappings and the rules one mapping must keep.
//! - [`settings`]: the whole settings, required Lead fields, every problem at once.
//! - [`convert`]: value conversion per the tables, and the write-or-skip decision.
//! - [`triggers`]: the company/account trigger table.
//! - [`leads`]: when a person matching nothing gets a new Lead, and why not; the required
//!   Lead fields' fallbacks and the rules they keep.
//! - [`refusals`]: what a Salesforce refusal of a write calls for, by error code.
//! - [`transfer`]: mappings exported and imported as versioned JSON.
//! - [`ledger`]: the sync ledger's entries and filters.
//! - [`health`]: the sync-health counters, parked jobs, error-code hints, the ledger as CSV.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod compat;
pub mod convert;
pub mod fields;
pub mod health;
pub mod identity;
pub mod leads;
pub mod ledger;
pub mod mapping;
pub mod pacing;
pub mod refusals;
pub mod settings;
pub mod transfer;
pub mod triggers;

pub use compat::{intercom_to_salesforce, salesforce_to_intercom};
pub use convert::{
    ConversionError, SyncValue, WriteDecision, decide_intercom_write, decide_salesforce_write,
    holds_same_value, to_intercom, to_salesforce,
};
pub use fields::{
    IntercomAttribute, IntercomDataType, SalesforceField, SalesforceFieldType, SyncMetadata,
};
pub use identity::{
    CompanyIdentity, IdentityRefusal, IdentitySettings, PeopleIdentity, PersonKeys, Unlinks,
    normalized_key, same_key, unlinks_needed,
};
pub use leads::{LeadFacts, LeadFallbacks, LeadRefusal, fallback_for, lead_refusal};
pub use ledger::{JobsRetried, LedgerEntry, LedgerFilter, LedgerObject, LedgerPage, Outcome};
pub use mapping::{AttributeMapping, MappingRefusal, required_lead_fields, validate_mapping};
pub use settings::{SettingsProblem, SyncSettings, validate_settings};
pub use transfer::{ImportError, MappingsFile, MappingsV1, export_mappings, import_mappings};
pub use triggers::{
    AccountEvent, CompanyAction, CompanyEvent, CompanyRecord, IntercomCompanyEvent, company_actions,
};

/// The Salesforce objects the sync keeps: people are Leads and Contacts, companies are Accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesforceObject {
    Lead,
    Contact,
    Account,
}

impl SalesforceObject {
    pub const ALL: [SalesforceObject; 3] = [Self::Lead, Self::Contact, Self::Account];

    /// The object's API name, as Salesforce spells it.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Lead => "Lead",
            Self::Contact => "Contact",
            Self::Account => "Account",
        }
    }

    /// The Intercom model this object is kept in sync with.
    pub fn intercom_model(self) -> IntercomModel {
        match self {
            Self::Lead | Self::Contact => IntercomModel::Person,
            Self::Account => IntercomModel::Company,
        }
    }
}

impl fmt::Display for SalesforceObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// Intercom's two data-attribute models: people (users and leads) and companies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntercomModel {
    Person,
    Company,
}

impl fmt::Display for IntercomModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Person => "person",
            Self::Company => "company",
        })
    }
}

/// Which way a mapped attribute flows. The articles offer exactly these two: one mapping never
/// syncs both ways, which is also what keeps a value from bouncing between the systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    ToSalesforce,
    ToIntercom,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ToSalesforce => "Intercom to Salesforce",
            Self::ToIntercom => "Salesforce to Intercom",
        })
    }
}

/// One of the two systems, for naming where a rule bites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Intercom,
    Salesforce,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Intercom => "Intercom",
            Self::Salesforce => "Salesforce",
        })
    }
}
