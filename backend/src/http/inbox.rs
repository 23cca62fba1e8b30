//! `GET /api/inbox/conversations` and `GET /api/inbox/conversations/{id}`: the demo inbox
//! (both answered from the inbox's short-lived caches).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use shared::inbox::{Conversation, ConversationList};

use super::{AppError, AppState};

#[derive(Deserialize)]
pub struct Installation {
    installation_id: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<Installation>,
) -> Result<Json<ConversationList>, AppError> {
    let installation = state
        .clients
        .resolve_installation(query.installation_id.as_deref())
        .await?;
    let list = state
        .inbox
        .conversations(&state.clients, &installation)
        .await?;
    Ok(Json(ConversationList::clone(&list)))
}

pub async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<Installation>,
) -> Result<Json<Conversation>, AppError> {
    let installation = state
        .clients
        .resolve_installation(query.installation_id.as_deref())
        .await?;
    let transcript = state
        .inbox
        .transcript(&state.clients, &installation, &id)
        .await?;
    Ok(Json(Conversation::clone(&transcript)))
}
