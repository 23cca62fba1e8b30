//! What the case endpoints exchange: the form a page opens with, a filed case, the refusals
//! with their per-field errors, and the case settings with the fields an admin may choose.

use serde::{Deserialize, Serialize};

use super::schema::{ConversationPrefill, FormSchema};
use super::settings::{CaseSettings, DescribedField, OwnerMode, SettingsError};
use super::validate::FieldErrors;
use crate::api_error::ApiErrorBody;
use crate::owner::Teammate;

/// The stable codes of the case endpoints' refusals.
pub mod codes {
    /// The form does not pass [`validate`](fn@crate::case_form::validate): nothing was sent.
    pub const CASE_INVALID: &str = "case_invalid";
    /// Salesforce refused the case (a validation rule, a duplicate rule, a permission).
    pub const CASE_REFUSED: &str = "case_refused";
    /// The same form is being filed by another request right now.
    pub const CASE_IN_PROGRESS: &str = "case_in_progress";
    /// An earlier submit of this form got no answer from Salesforce: the case may exist.
    pub const CASE_OUTCOME_UNKNOWN: &str = "case_outcome_unknown";
    /// The record type is not one the connected user may use (any more).
    pub const RECORD_TYPE_UNAVAILABLE: &str = "record_type_unavailable";
    /// The case settings do not fit the Case object.
    pub const CASE_SETTINGS_INVALID: &str = "case_settings_invalid";
}

/// Answer of `GET /api/cases/form?conversation_id=..`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFormView {
    pub conversation_id: String,
    pub schema: FormSchema,
    /// What Subject and Description start with.
    pub conversation: ConversationPrefill,
    pub owner_mode: OwnerMode,
    /// The Intercom teammates: the one filing may become the owner.
    pub teammates: Vec<Teammate>,
    /// The teammate who installed the app, who files when no other is named.
    pub installer_id: Option<String>,
}

/// Answer of `POST /api/cases` once the case exists (also for a repeated submit of the form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledCase {
    pub case_id: String,
    pub case_number: String,
    /// The case in Salesforce.
    pub url: String,
    pub owner: CaseOwnership,
}

/// Who owns a filed case, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum CaseOwnership {
    /// The settings leave the owner to Salesforce's assignment rules.
    SalesforceRules,
    /// The teammate's Salesforce user.
    Teammate { user_id: String, name: String },
    /// The teammate should have owned it, but no active Salesforce user with their email may
    /// edit cases: Salesforce's assignment rules chose instead.
    FellBack { email: Option<String> },
}

impl CaseOwnership {
    /// A sentence for the teammate.
    pub fn explain(&self) -> String {
        match self {
            CaseOwnership::SalesforceRules => {
                "Salesforce's assignment rules chose the owner.".to_owned()
            }
            CaseOwnership::Teammate { name, .. } => format!("Owned by {name}."),
            CaseOwnership::FellBack { email: Some(email) } => format!(
                "No active Salesforce user with the email {email} may edit cases, so \
                 Salesforce's assignment rules chose the owner."
            ),
            CaseOwnership::FellBack { email: None } => {
                "You have no email in Intercom to find your Salesforce user by, so Salesforce's \
                 assignment rules chose the owner."
                    .to_owned()
            }
        }
    }
}

/// Body of a refused `POST /api/cases`: an [`ApiError`](crate::ApiError) with what to fix
/// beside each field (empty when the refusal belongs to no field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRefusal {
    pub error: ApiErrorBody,
    #[serde(default)]
    pub errors: FieldErrors,
}

/// Answer of `GET /api/settings/cases`: the settings in force (saved, else the initial ones)
/// and the Case fields a custom form may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSettingsView {
    pub settings: CaseSettings,
    pub fields: Vec<DescribedField>,
}

/// Body of a refused `PUT /api/settings/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSettingsRefusal {
    pub error: ApiErrorBody,
    pub problems: Vec<SettingsError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_an_api_error_too() {
        let refusal = CaseRefusal {
            error: ApiErrorBody {
                code: codes::CASE_REFUSED.to_owned(),
                message: "Salesforce refused the case.".to_owned(),
            },
            errors: FieldErrors::default(),
        };
        let json = serde_json::to_value(&refusal).unwrap();
        let plain: crate::ApiError = serde_json::from_value(json).unwrap();
        assert_eq!(plain.error.code, "case_refused");
    }

    #[test]
    fn ownership_says_what_happened() {
        let fell_back = CaseOwnership::FellBack {
            email: Some("bob@example.com".to_owned()),
        };
        assert!(fell_back.explain().contains("bob@example.com"));
        assert_eq!(
            serde_json::to_value(&fell_back).unwrap(),
            serde_json::json!({"by": "fell_back", "email": "bob@example.com"})
        );
        let owned = CaseOwnership::Teammate {
            user_id: "005000000000003AAA".to_owned(),
            name: "Carol Chen".to_owned(),
        };
        assert_eq!(owned.explain(), "Owned by Carol Chen.");
    }
}
