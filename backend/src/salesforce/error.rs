//! What can go wrong talking to Salesforce, typed so callers decide without reading strings.

use serde::Deserialize;

/// Salesforce's `errorCode` (or `statusCode` in batch results), one variant per code the
/// product handles; anything else is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    RequiredFieldMissing,
    InvalidField,
    InvalidFieldForInsertUpdate,
    MalformedQuery,
    InvalidType,
    FieldCustomValidationException,
    StringTooLong,
    InvalidOrNullForRestrictedPicklist,
    DuplicatesDetected,
    EntityIsDeleted,
    NotFound,
    CannotUpdateConvertedLead,
    RequestLimitExceeded,
    InvalidSessionId,
    ApiDisabledForOrg,
    ProcessingHalted,
    AllOrNoneOperationRolledBack,
    Other(String),
}

impl ErrorCode {
    pub fn parse(code: &str) -> Self {
        match code {
            "REQUIRED_FIELD_MISSING" => Self::RequiredFieldMissing,
            "INVALID_FIELD" => Self::InvalidField,
            "INVALID_FIELD_FOR_INSERT_UPDATE" => Self::InvalidFieldForInsertUpdate,
            "MALFORMED_QUERY" => Self::MalformedQuery,
            "INVALID_TYPE" => Self::InvalidType,
            "FIELD_CUSTOM_VALIDATION_EXCEPTION" => Self::FieldCustomValidationException,
            "STRING_TOO_LONG" => Self::StringTooLong,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" => Self::InvalidOrNullForRestrictedPicklist,
            "DUPLICATES_DETECTED" => Self::DuplicatesDetected,
            "ENTITY_IS_DELETED" => Self::EntityIsDeleted,
            "NOT_FOUND" => Self::NotFound,
            "CANNOT_UPDATE_CONVERTED_LEAD" => Self::CannotUpdateConvertedLead,
            "REQUEST_LIMIT_EXCEEDED" => Self::RequestLimitExceeded,
            "INVALID_SESSION_ID" => Self::InvalidSessionId,
            "API_DISABLED_FOR_ORG" => Self::ApiDisabledForOrg,
            "PROCESSING_HALTED" => Self::ProcessingHalted,
            "ALL_OR_NONE_OPERATION_ROLLED_BACK" => Self::AllOrNoneOperationRolledBack,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as Salesforce spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::RequiredFieldMissing => "REQUIRED_FIELD_MISSING",
            Self::InvalidField => "INVALID_FIELD",
            Self::InvalidFieldForInsertUpdate => "INVALID_FIELD_FOR_INSERT_UPDATE",
            Self::MalformedQuery => "MALFORMED_QUERY",
            Self::InvalidType => "INVALID_TYPE",
            Self::FieldCustomValidationException => "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            Self::StringTooLong => "STRING_TOO_LONG",
            Self::InvalidOrNullForRestrictedPicklist => "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            Self::DuplicatesDetected => "DUPLICATES_DETECTED",
            Self::EntityIsDeleted => "ENTITY_IS_DELETED",
            Self::NotFound => "NOT_FOUND",
            Self::CannotUpdateConvertedLead => "CANNOT_UPDATE_CONVERTED_LEAD",
            Self::RequestLimitExceeded => "REQUEST_LIMIT_EXCEEDED",
            Self::InvalidSessionId => "INVALID_SESSION_ID",
            Self::ApiDisabledForOrg => "API_DISABLED_FOR_ORG",
            Self::ProcessingHalted => "PROCESSING_HALTED",
            Self::AllOrNoneOperationRolledBack => "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            Self::Other(code) => code,
        }
    }
}

/// One refusal: Salesforce's code and message verbatim, and the fields it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// The stored tokens no longer work and a refresh did not help: an admin must reconnect.
    #[error("Salesforce refused the connection's tokens; reconnect Salesforce ({0})")]
    ReconnectNeeded(String),
    /// The org's daily API allocation is spent (403 REQUEST_LIMIT_EXCEEDED).
    #[error("the Salesforce org's daily API limit is exceeded: {0}")]
    LimitExceeded(String),
    /// The org's edition has no API access.
    #[error(
        "this Salesforce org has no API access ({0}); the API is available in Enterprise, Unlimited, \
         Performance and Developer editions, and in Professional edition with the API add-on"
    )]
    ApiDisabled(String),
    /// Salesforce understood the request and refused it (validation, unknown field, not found..).
    #[error("Salesforce refused ({status}): {}", describe(.refusals))]
    Refused { status: u16, refusals: Vec<Refusal> },
    /// 5xx after the retries.
    #[error("Salesforce is unavailable (HTTP {0})")]
    Unavailable(u16),
    /// No answer: connection refused or dropped, or a timeout, after the retries.
    #[error("Salesforce could not be reached: {0}")]
    Transport(String),
    #[error("Salesforce sent an answer this client does not understand: {0}")]
    Unexpected(String),
}

fn describe(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| format!("{}: {}", r.code.as_str(), r.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl SalesforceError {
    /// The first refusal's code, when Salesforce refused.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            SalesforceError::Refused { refusals, .. } => refusals.first().map(|r| &r.code),
            _ => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SalesforceError::Unavailable(_) | SalesforceError::Transport(_)
        )
    }
}

#[derive(Deserialize)]
struct Entry {
    message: String,
    #[serde(rename = "errorCode", alias = "statusCode")]
    error_code: String,
    #[serde(default)]
    fields: Vec<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

/// Salesforce's error array, or an OAuth `{"error":..}` body, as typed refusals.
pub(crate) fn refusals(status: u16, body: &[u8]) -> Vec<Refusal> {
    if let Ok(entries) = serde_json::from_slice::<Vec<Entry>>(body)
        && !entries.is_empty()
    {
        return entries.into_iter().map(Entry::into_refusal).collect();
    }
    if let Ok(error) = serde_json::from_slice::<OAuthError>(body) {
        return vec![Refusal {
            code: ErrorCode::Other(error.error),
            message: error.error_description.unwrap_or_default(),
            fields: Vec::new(),
        }];
    }
    vec![Refusal {
        code: ErrorCode::Other(format!("HTTP_{status}")),
        message: String::from_utf8_lossy(body).chars().take(200).collect(),
        fields: Vec::new(),
    }]
}

/// Refusals from a batch result's `errors` array (`statusCode` spelling).
pub(crate) fn batch_refusals(errors: &serde_json::Value) -> Vec<Refusal> {
    serde_json::from_value::<Vec<Entry>>(errors.clone())
        .map(|entries| entries.into_iter().map(Entry::into_refusal).collect())
        .unwrap_or_default()
}

impl Entry {
    fn into_refusal(self) -> Refusal {
        Refusal {
            code: ErrorCode::parse(&self.error_code),
            message: self.message,
            fields: self.fields,
        }
    }
}

/// The typed error for a non-success answer that retries and refreshes did not fix.
pub(crate) fn from_answer(status: u16, body: &[u8]) -> SalesforceError {
    if status == 403 && body.starts_with(b"Bad_OAuth_Token") {
        // The identity endpoints' way of saying INVALID_SESSION_ID.
        return SalesforceError::ReconnectNeeded("Bad_OAuth_Token".to_owned());
    }
    let refusals = refusals(status, body);
    let first = refusals.first().map(|r| (&r.code, r.message.clone()));
    match first {
        Some((ErrorCode::RequestLimitExceeded, message)) => SalesforceError::LimitExceeded(message),
        Some((ErrorCode::ApiDisabledForOrg, message)) => SalesforceError::ApiDisabled(message),
        Some((ErrorCode::InvalidSessionId, message)) => SalesforceError::ReconnectNeeded(message),
        _ if status >= 500 => SalesforceError::Unavailable(status),
        _ => SalesforceError::Refused { status, refusals },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../tests/fixtures/salesforce/restforce/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_the_recorded_expired_session_body() {
        let error = from_answer(401, &fixture("expired_session_response.json"));
        assert!(
            matches!(error, SalesforceError::ReconnectNeeded(_)),
            "{error:?}"
        );
    }

    #[test]
    fn reads_the_recorded_oauth_error_body() {
        let refusals = refusals(400, &fixture("refresh_error_response.json"));
        assert!(matches!(&refusals[0].code, ErrorCode::Other(code) if !code.is_empty()));
    }

    #[test]
    fn every_code_round_trips() {
        for code in [
            "REQUIRED_FIELD_MISSING",
            "INVALID_FIELD",
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "MALFORMED_QUERY",
            "INVALID_TYPE",
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "STRING_TOO_LONG",
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "DUPLICATES_DETECTED",
            "ENTITY_IS_DELETED",
            "NOT_FOUND",
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "REQUEST_LIMIT_EXCEEDED",
            "INVALID_SESSION_ID",
            "API_DISABLED_FOR_ORG",
            "PROCESSING_HALTED",
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "SOMETHING_NEW",
        ] {
            let parsed = ErrorCode::parse(code);
            assert_eq!(parsed.as_str(), code);
            assert_eq!(
                matches!(parsed, ErrorCode::Other(_)),
                code == "SOMETHING_NEW"
            );
        }
    }

    #[test]
    fn limit_and_edition_refusals_are_their_own_errors() {
        let limit = br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        assert!(matches!(
            from_answer(403, limit),
            SalesforceError::LimitExceeded(_)
        ));
        let disabled = br#"[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]"#;
        let error = from_answer(403, disabled);
        assert!(error.to_string().contains("Enterprise"), "{error}");
    }

    #[test]
    fn a_validation_refusal_keeps_code_message_and_fields() {
        let body = br#"[{"message":"Required fields are missing: [Company]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Company"]}]"#;
        match from_answer(400, body) {
            SalesforceError::Refused { status, refusals } => {
                assert_eq!(status, 400);
                assert_eq!(refusals[0].code, ErrorCode::RequiredFieldMissing);
                assert_eq!(refusals[0].fields, ["Company"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            from_answer(503, b"<html>"),
            SalesforceError::Unavailable(503)
        ));
    }
}
