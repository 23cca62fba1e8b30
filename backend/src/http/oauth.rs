//! `GET /oauth/salesforce/start?installation_id=..` and the callback Salesforce redirects to.

use axum::extract::{Query, State};
use axum::response::Redirect;
use serde::Deserialize;

use super::{AppError, AppState};
use crate::oauth::{self, Callback};

#[derive(Deserialize)]
pub struct Start {
    installation_id: String,
}

pub async fn start(
    State(state): State<AppState>,
    Query(start): Query<Start>,
) -> Result<Redirect, AppError> {
    let url = oauth::start(&state.clients, &state.public_url, &start.installation_id).await?;
    Ok(Redirect::to(&url))
}

pub async fn callback(
    State(state): State<AppState>,
    Query(callback): Query<Callback>,
) -> Result<Redirect, AppError> {
    let installation = oauth::finish(&state.clients, callback).await?;
    state.cards.invalidate_installation(&installation);
    state.listeners.ensure(&installation);
    let installation: String =
        url::form_urlencoded::byte_serialize(installation.as_bytes()).collect();
    Ok(Redirect::to(&format!(
        "/?connected=salesforce&installation_id={installation}"
    )))
}
