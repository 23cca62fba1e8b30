//! The OAuth callbacks Salesforce and Intercom send the browser back to. Each lands on a page:
//! the one the flow named, or the flow's page with `?error=` saying what went wrong.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};

use super::{AppState, cookies};
use crate::auth::FLOW_COOKIE;
use crate::install::intercom;
use crate::oauth::{self, Callback};

/// `path?error=<message>`, for the page to show.
fn with_error(path: &str, message: &str) -> String {
    let message: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}error={message}")
}

pub async fn salesforce_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Redirect {
    let binding = cookies::read(&headers, FLOW_COOKIE);
    match oauth::finish(&state.installer(), callback, binding.as_deref()).await {
        Ok(finished) => {
            let joiner = if finished.next.contains('?') {
                '&'
            } else {
                '?'
            };
            Redirect::to(&format!("{}{joiner}connected=salesforce", finished.next))
        }
        Err(refused) => {
            tracing::warn!(error = %refused.error, "a Salesforce connection was refused");
            Redirect::to(&with_error(&refused.next, &refused.error.to_string()))
        }
    }
}

pub async fn intercom_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(callback): Query<intercom::Callback>,
) -> Response {
    let binding = cookies::read(&headers, FLOW_COOKIE);
    match state
        .installer()
        .finish_oauth(callback, binding.as_deref())
        .await
    {
        Ok(connected) => match connected.session {
            Some((token, _)) => (
                AppendHeaders([(
                    header::SET_COOKIE,
                    cookies::session(&token, state.auth.origins.secure),
                )]),
                Redirect::to(&connected.next),
            )
                .into_response(),
            None => Redirect::to(&connected.next).into_response(),
        },
        Err(failed) => {
            tracing::warn!(error = %failed.error, "an Intercom sign-in was refused");
            Redirect::to(&with_error(failed.landing, &failed.error.to_string())).into_response()
        }
    }
}
