//! The one error body every JSON endpoint of the back end answers with.

use serde::{Deserialize, Serialize};

/// `{"error":{"code":"..","message":".."}}`: a stable machine-readable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ApiErrorBody {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.error.message, self.error.code)
    }
}

/// The stable codes the front end reacts to (beyond showing the message).
pub mod codes {
    /// The conversation does not exist in the Intercom workspace.
    pub const CONVERSATION_NOT_FOUND: &str = "conversation_not_found";
    /// No installation matches the request (or several do and none was named).
    pub const INSTALLATION_NOT_FOUND: &str = "installation_not_found";
    /// Salesforce did not answer (timeouts, 5xx after retries, dropped connections): try again.
    pub const SALESFORCE_UNREACHABLE: &str = "salesforce_unreachable";
    /// Salesforce refused the stored tokens even after a refresh: an admin must reconnect.
    pub const SALESFORCE_RECONNECT_NEEDED: &str = "salesforce_reconnect_needed";
    /// The org's daily API allocation is spent.
    pub const SALESFORCE_LIMIT_EXCEEDED: &str = "salesforce_limit_exceeded";
    /// Intercom did not answer.
    pub const INTERCOM_UNREACHABLE: &str = "intercom_unreachable";
    /// Intercom refused the stored token: an admin must reconnect.
    pub const INTERCOM_RECONNECT_NEEDED: &str = "intercom_reconnect_needed";
    /// No session, or it expired: sign in (401).
    pub const SIGN_IN_REQUIRED: &str = "sign_in_required";
    /// The signed-in teammate is not an admin of the installation (403).
    pub const ADMIN_ONLY: &str = "admin_only";
}
