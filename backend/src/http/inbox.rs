//! `GET /api/inbox/conversations` and `GET /api/inbox/conversations/{id}`: the demo inbox
//! (both answered from the inbox's short-lived caches).

use axum::Json;
use axum::extract::{Path, State};
use shared::inbox::{Conversation, ConversationList};

use super::guard::Installation;
use super::{AppError, AppState};

pub async fn list(
    State(state): State<AppState>,
    Installation(installation): Installation,
) -> Result<Json<ConversationList>, AppError> {
    let list = state
        .inbox
        .conversations(&state.clients, &installation)
        .await?;
    Ok(Json(ConversationList::clone(&list)))
}

pub async fn one(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, AppError> {
    let transcript = state
        .inbox
        .transcript(&state.clients, &installation, &id)
        .await?;
    Ok(Json(Conversation::clone(&transcript)))
}
