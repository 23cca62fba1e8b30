//! `POST /canvas/initialize` and `POST /canvas/submit`: the card inside Intercom's inbox.
//!
//! The request's `workspace_id` picks the installation, whose client secret alone then checks
//! the signature against the raw body before anything else in it is read; an unsigned or
//! forged request (or one from a workspace with no installation) gets 401 and calls nothing.
//! The card carries URL actions into the pages with a ticket for the teammate looking at it. Submits from the case form go to
//! [`Cases::canvas`]; every other one redraws the card.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use shared::api_error::codes;

use super::{AppError, AppState};
use crate::card::{ContactIdentity, Request};
use crate::cases::{self, Cases};
use crate::intercom::canvas::{
    self, CanvasRequest, PageLinks, render_card, render_error, with_page_links,
};

pub async fn initialize(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    respond(&state, &headers, &body).await
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    respond(&state, &headers, &body).await
}

async fn respond(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Json<Value>, AppError> {
    let signature = headers
        .get(canvas::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let workspace = canvas::workspace_of(body);
    let Some(installation) = state
        .clients
        .installation_signing(
            workspace.as_deref(),
            body,
            signature,
            canvas::verify_signature,
        )
        .await?
    else {
        return Err(AppError::refused(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "the X-Body-Signature header is missing or does not match the body",
        ));
    };
    let request = CanvasRequest::parse(body).map_err(|e| {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_canvas_request",
            e.to_string(),
        )
    })?;
    let contact = request.contact.as_ref().map(|c| ContactIdentity {
        id: c.id.clone(),
        email: c.email.clone(),
        external_id: c.external_id.clone(),
    });
    if cases::canvas::handles(&request) {
        let cases = Cases {
            clients: &state.clients,
            cards: &state.cards,
            inbox: &state.inbox,
        };
        let canvas = cases
            .canvas(&installation, &request, contact.as_ref())
            .await
            .unwrap_or_else(|error| failure(AppError::from(error)));
        return Ok(Json(canvas));
    }
    let conversation_id = request.conversation_id.clone().unwrap_or_default();
    let result = state
        .cards
        .for_contact(
            &state.clients,
            &state.inbox,
            Request {
                installation_id: &installation,
                conversation_id: &conversation_id,
                contact: contact.as_ref(),
                include_closed: false,
            },
        )
        .await;
    Ok(Json(match result {
        Ok(view) => with_page_links(
            render_card(&view, request.selected_opportunity()),
            &page_links(state, &installation, &request.admin_id, &conversation_id),
        ),
        Err(error) => failure(AppError::from(error)),
    }))
}

/// The card's and the case form's pages, each behind the sign-in page with a ticket for the
/// teammate the signed request names.
fn page_links(
    state: &AppState,
    installation: &str,
    admin_id: &str,
    conversation_id: &str,
) -> PageLinks {
    let ticket = state.auth.ticket_for(installation, admin_id);
    let conversation: String =
        url::form_urlencoded::byte_serialize(conversation_id.as_bytes()).collect();
    let link = |page: &str| {
        let mut url = url::Url::parse(&format!(
            "{}/signin",
            state.public_url.trim_end_matches('/')
        ))
        .expect("the public URL is a URL");
        url.query_pairs_mut()
            .append_pair("ticket", &ticket)
            .append_pair("next", &format!("/{page}/{conversation}"));
        url.to_string()
    };
    PageLinks {
        open: link("card"),
        case_form: link("case"),
    }
}

/// Intercom shows whatever canvas it gets: a failure becomes a card saying what to do, in
/// words chosen by its code; what went wrong is logged, never shown to the teammate.
fn failure(error: AppError) -> Value {
    let code = error.code().unwrap_or(codes::SALESFORCE_UNREACHABLE);
    match &error {
        AppError::Internal(_) => tracing::error!(code, %error, "Canvas Kit card failed"),
        _ => tracing::warn!(code, %error, "Canvas Kit card failed"),
    }
    render_error(code)
}
