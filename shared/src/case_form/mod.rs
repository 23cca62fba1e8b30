//! Filing a Salesforce case from a conversation: the form, its settings and its validation.
//!
//! The back end builds a [`FormSchema`] from Salesforce's describe, layouts and UI API picklists
//! (or from the admin's custom field list); the Leptos page and the Canvas Kit card draw it; one
//! [`validate`](fn@validate) runs in the browser as the teammate types and in the back end before Salesforce
//! is called. When Salesforce still refuses, [`refusal_errors`] puts its words on the fields.

pub mod api;
pub mod refusal;
pub mod schema;
pub mod settings;
pub mod validate;
pub mod values;

pub use api::{
    CaseFormView, CaseOwnership, CaseRefusal, CaseSettingsRefusal, CaseSettingsView, FiledCase,
};
pub use refusal::{SalesforceRefusal, refusal_errors};
pub use schema::{
    CaseForm, ConversationPrefill, Dependency, FieldType, FormField, FormSchema, InitialSelection,
    Lookup, LookupRecord, LookupTarget, NumberFormat, Picklist, PicklistValue, RecordType,
    Requiredness, truncate_to_bytes,
};
pub use settings::{
    CaseDescribe, CaseSettings, DescribedField, FieldName, FormMode, OwnerMode, SettingsError,
};
pub use validate::{FieldErrors, FieldValue, ValidCase, parse, validate};
pub use values::{CaseSubmission, FormInstanceId, FormValues, InvalidFormInstanceId};
