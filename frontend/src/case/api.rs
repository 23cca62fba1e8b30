//! The case endpoints: the form of a conversation, and filing it.

use gloo_net::http::Request;
use shared::case_form::api::codes;
use shared::case_form::{CaseFormView, CaseRefusal, CaseSubmission, FieldErrors, FiledCase};
use web_sys::AbortSignal;

use crate::api::{LoadError, classify_failure, decode, from_json, get_json, to_json};

/// The form of one conversation.
pub const CASE_FORM_PATH: &str = "/api/cases/form";
/// Where a filled-in form is sent.
pub const CASES_PATH: &str = "/api/cases";

/// `GET /api/cases/form?conversation_id=..`.
pub async fn fetch_case_form(
    conversation_id: &str,
    abort: Option<&AbortSignal>,
) -> Result<CaseFormView, LoadError> {
    let request = Request::get(CASE_FORM_PATH).query([("conversation_id", conversation_id)]);
    get_json(request, abort).await
}

/// Why a case was not filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Something in the form to fix: beside its fields, or above the form.
    Refused {
        message: String,
        errors: FieldErrors,
    },
    /// Anything else; the same form may be sent again (it files at most one case).
    Failed(LoadError),
}

/// `POST /api/cases`.
pub async fn file_case(submission: &CaseSubmission) -> Result<FiledCase, FileError> {
    let failed = |e: LoadError| FileError::Failed(e);
    let body = to_json(submission).map_err(|e| failed(LoadError::Decode(e)))?;
    let request = Request::post(CASES_PATH)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|e| failed(LoadError::Decode(e.to_string())))?;
    let response = request
        .send()
        .await
        .map_err(|e| failed(LoadError::Network(e.to_string())))?;
    let body = response
        .text()
        .await
        .map_err(|e| failed(LoadError::Network(e.to_string())))?;
    if response.ok() {
        return decode(&body).map_err(failed);
    }
    Err(refusal(response.status(), &response.status_text(), &body))
}

/// A refusal with field errors, or another failure as the other pages classify it.
pub fn refusal(status: u16, status_text: &str, body: &str) -> FileError {
    let with_fields = [
        codes::CASE_INVALID,
        codes::CASE_REFUSED,
        codes::RECORD_TYPE_UNAVAILABLE,
    ];
    match from_json::<CaseRefusal>(body) {
        Ok(refusal) if with_fields.contains(&refusal.error.code.as_str()) => FileError::Refused {
            message: refusal.error.message,
            errors: refusal.errors,
        },
        _ => FileError::Failed(classify_failure(status, status_text, body)),
    }
}
