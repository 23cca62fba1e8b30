//! `GET /api/inbox/conversations` and `GET /api/inbox/conversations/{id}`: the demo inbox.

use axum::Json;
use axum::extract::{Path, State};
use shared::inbox::{Conversation, ConversationList};

use super::guard::Installation;
use super::{AppError, AppState};

pub async fn list(
    State(state): State<AppState>,
    Installation(installation): Installation,
) -> Result<Json<ConversationList>, AppError> {
    Ok(Json(
        state
            .inbox
            .conversations(&state.clients, &installation)
            .await?,
    ))
}

pub async fn one(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, AppError> {
    Ok(Json(
        state
            .inbox
            .conversation(&state.clients, &installation, &id)
            .await?,
    ))
}
