//! `GET /api/card?conversation_id=..[&closed=true]`, in the session's installation.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use shared::card::CardView;

use super::guard::Installation;
use super::{AppError, AppState};

#[derive(Deserialize)]
pub struct CardQuery {
    conversation_id: String,
    #[serde(default)]
    closed: bool,
}

pub async fn get_card(
    State(state): State<AppState>,
    Installation(installation): Installation,
    Query(query): Query<CardQuery>,
) -> Result<Json<CardView>, AppError> {
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
