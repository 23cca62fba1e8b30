//! Admins, teams and `/me`: the workspace's teammates as the API lists them.

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use serde_json::{Value, json};

use super::AxState;
use crate::intercom::auth::Caller;
use crate::intercom::store::Team;
use crate::intercom::wire::{ApiError, ApiResult};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/admins", get(list_admins))
        .route("/admins/{id}", get(get_admin))
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
}

/// The teammate the token acts for (who authorized the app), with their workspace.
async fn me(st: AxState, caller: axum::Extension<Caller>) -> ApiResult {
    let ws = st.ws.read();
    let admin = ws.admin(caller.admin_id).ok_or_else(admin_not_found)?;
    let mut v = admin.json();
    v["email_verified"] = json!(true);
    v["app"] = st.app_json();
    Ok(Json(v))
}

async fn list_admins(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    Ok(Json(
        json!({"type": "admin.list", "admins": ws.admins.iter().map(|a| a.json()).collect::<Vec<_>>()}),
    ))
}

async fn get_admin(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    let admin = id.parse().ok().and_then(|id| ws.admin(id));
    admin.map(|a| Json(a.json())).ok_or_else(admin_not_found)
}

pub(super) fn admin_not_found() -> ApiError {
    ApiError::new(
        http::StatusCode::NOT_FOUND,
        "admin_not_found",
        "Admin not found",
    )
}

fn team_json(t: &Team) -> Value {
    json!({"type": "team", "id": t.id.to_string(), "name": t.name,
           "admin_ids": t.admin_ids, "admin_priority_level": {"primary_admin_ids": [], "secondary_admin_ids": []}})
}

async fn list_teams(st: AxState) -> ApiResult {
    let ws = st.ws.read();
    Ok(Json(
        json!({"type": "team.list", "teams": ws.teams.iter().map(team_json).collect::<Vec<_>>()}),
    ))
}

async fn get_team(st: AxState, Path(id): Path<String>) -> ApiResult {
    let ws = st.ws.read();
    ws.teams
        .iter()
        .find(|t| t.id.to_string() == id)
        .map(|t| Json(team_json(t)))
        .ok_or_else(|| {
            ApiError::new(
                http::StatusCode::NOT_FOUND,
                "team_not_found",
                "Team not found",
            )
        })
}
