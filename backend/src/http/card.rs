//! `GET /api/card?conversation_id=..[&closed=true][&installation_id=..]`.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use shared::card::CardView;

use super::{AppError, AppState};

#[derive(Deserialize)]
pub struct CardQuery {
    conversation_id: String,
    installation_id: Option<String>,
    #[serde(default)]
    closed: bool,
}

pub async fn get_card(
    State(state): State<AppState>,
    Query(query): Query<CardQuery>,
) -> Result<Json<CardView>, AppError> {
    let installation = state
        .clients
        .resolve_installation(query.installation_id.as_deref())
        .await?;
    let view = state
        .cards
        .for_conversation(
            &state.clients,
            &state.inbox,
            &installation,
            &query.conversation_id,
            query.closed,
        )
        .await?;
    Ok(Json(view))
}
