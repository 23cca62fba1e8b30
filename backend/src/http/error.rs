//! The API's one error type: each variant has a status and a stable code, and internals
//! never reach the response body (they are logged instead).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::ApiError;
use shared::api_error::codes;

use crate::card::CardError;
use crate::clients::ClientError;
use crate::intercom::IntercomError;
use crate::oauth::OAuthError;
use crate::salesforce::SalesforceError;
use crate::settings::SettingsError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("the database is not reachable")]
    DatabaseUnreachable,
    /// A refusal people can act on: its status, stable code and sentence.
    #[error("{message}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Something broke inside; logged, never sent.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Refused {
            status,
            code,
            message: message.into(),
        }
    }

    /// The stable code the response will carry.
    pub fn code(&self) -> Option<&'static str> {
        Some(self.status_and_code().1)
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::DatabaseUnreachable => {
                (StatusCode::SERVICE_UNAVAILABLE, "database_unreachable")
            }
            AppError::Refused { status, code, .. } => (*status, code),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl From<crate::settings::OwnersViewError> for AppError {
    fn from(error: crate::settings::OwnersViewError) -> Self {
        match error {
            crate::settings::OwnersViewError::Settings(e) => e.into(),
            crate::settings::OwnersViewError::Client(e) => e.into(),
        }
    }
}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        match error {
            SettingsError::Metadata(e) => match &*e.0 {
                ClientError::Salesforce(s) => AppError::from(s),
                other => AppError::refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "sync_metadata_unavailable",
                    format!("cannot read the fields and attributes to map: {other}"),
                ),
            },
            SettingsError::Store(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<&SalesforceError> for AppError {
    fn from(error: &SalesforceError) -> Self {
        let message = error.to_string();
        match error {
            SalesforceError::ReconnectNeeded(_) => AppError::refused(
                StatusCode::CONFLICT,
                codes::SALESFORCE_RECONNECT_NEEDED,
                "Salesforce no longer accepts this connection: reconnect Salesforce",
            ),
            SalesforceError::LimitExceeded(_) => AppError::refused(
                StatusCode::TOO_MANY_REQUESTS,
                codes::SALESFORCE_LIMIT_EXCEEDED,
                message,
            ),
            SalesforceError::ApiDisabled(_) => {
                AppError::refused(StatusCode::FORBIDDEN, "salesforce_api_disabled", message)
            }
            SalesforceError::Unavailable(_) | SalesforceError::Transport(_) => AppError::refused(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::SALESFORCE_UNREACHABLE,
                message,
            ),
            SalesforceError::Refused { .. } => {
                AppError::refused(StatusCode::BAD_GATEWAY, "salesforce_refused", message)
            }
            SalesforceError::Unexpected(_) => AppError::Internal(message),
        }
    }
}

impl From<SalesforceError> for AppError {
    fn from(error: SalesforceError) -> Self {
        AppError::from(&error)
    }
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::NoInstallation(id) => AppError::refused(
                StatusCode::NOT_FOUND,
                codes::INSTALLATION_NOT_FOUND,
                format!("there is no installation {id:?}"),
            ),
            ClientError::Salesforce(e) => e.into(),
            ClientError::Intercom(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<IntercomError> for AppError {
    fn from(error: IntercomError) -> Self {
        let message = error.to_string();
        match (&error, error.api_code()) {
            // The only records the API asks Intercom for by id are conversations.
            (IntercomError::NotFound { .. }, _) => AppError::refused(
                StatusCode::NOT_FOUND,
                codes::CONVERSATION_NOT_FOUND,
                message,
            ),
            (_, Some(code)) if code == codes::INTERCOM_RECONNECT_NEEDED => {
                AppError::refused(StatusCode::CONFLICT, code, message)
            }
            (_, Some(code)) => AppError::refused(StatusCode::SERVICE_UNAVAILABLE, code, message),
            (_, None) => AppError::refused(StatusCode::BAD_GATEWAY, "intercom_refused", message),
        }
    }
}

impl From<CardError> for AppError {
    fn from(error: CardError) -> Self {
        match error {
            CardError::Salesforce(e) => AppError::from(&*e),
            CardError::Store(e) => e.into(),
            CardError::Settings(e) => e.into(),
            CardError::Client(e) => e.into(),
            CardError::BadIdentityField(_) => AppError::Internal(error.to_string()),
        }
    }
}

impl From<OAuthError> for AppError {
    fn from(error: OAuthError) -> Self {
        let message = error.to_string();
        match error {
            OAuthError::NoInstallation(_) => AppError::refused(
                StatusCode::NOT_FOUND,
                codes::INSTALLATION_NOT_FOUND,
                message,
            ),
            OAuthError::NoClientId => {
                AppError::refused(StatusCode::CONFLICT, "salesforce_not_configured", message)
            }
            OAuthError::UnknownState
            | OAuthError::Expired
            | OAuthError::NoCode
            | OAuthError::OtherBrowser => {
                AppError::refused(StatusCode::BAD_REQUEST, "oauth_flow_invalid", message)
            }
            OAuthError::HostRefused(_) => {
                AppError::refused(StatusCode::BAD_REQUEST, "salesforce_host_refused", message)
            }
            OAuthError::OrgChanged { .. } => {
                AppError::refused(StatusCode::CONFLICT, "salesforce_org_changed", message)
            }
            OAuthError::Denied(_) => {
                AppError::refused(StatusCode::FORBIDDEN, "salesforce_access_denied", message)
            }
            OAuthError::Salesforce(e) => e.into(),
            OAuthError::Client(e) => e.into(),
            OAuthError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            AppError::Internal(error) => {
                tracing::error!(%error, "request failed");
                "the server could not complete the request; the error is in its log".to_owned()
            }
            other => other.to_string(),
        };
        (status, Json(ApiError::new(code, message))).into_response()
    }
}
