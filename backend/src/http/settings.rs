//! The sync settings API under `/api/settings/sync`, in the session's installation:
//! `GET` the settings and their problems; `GET /metadata` the fields and attributes to map;
//! `PUT /identity`; `POST /identity/preview` (the links a new identity would drop, nothing saved); `PUT /mappings` `{"mappings":[..],"lead_fallbacks":{"Company":"[not provided]"}}` (the
//! fallbacks optional: absent, the saved ones stay; a field set to `null` has none); `GET /mappings/export`;
//! `POST /mappings/import` (a file as exported). Owners under `/api/settings/owners`: `GET`
//! the choices with how Salesforce users match teammates; `PUT` the choices. Conversations as
//! Salesforce Tasks under `/api/settings/tasks`: `GET` and `PUT` the switch.
//!
//! Refusals answer 422 with the error body plus `problems`, each naming its `rule`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::ApiError;
use shared::owner::{OwnerSettings, OwnersView};
use shared::sync::{
    AttributeMapping, IdentitySettings, LeadFallbacks, MappingsFile, SettingsProblem, SyncMetadata,
};
use shared::tasks::TaskSettings;

use super::guard::{Installation, SignedIn};
use super::{AppError, AppState};
use crate::auth::audit::Action;
use crate::settings::{self, IdentitySaved, SettingsError, SettingsView, Unlinked};

/// A failure: an ordinary API error, or settings refused with every problem.
pub enum Failure {
    App(AppError),
    Refused {
        code: &'static str,
        message: String,
        problems: Vec<SettingsProblem>,
    },
}

fn failure(error: SettingsError) -> Failure {
    match error {
        SettingsError::Refused(problems) => Failure::Refused {
            code: "settings_refused",
            message: problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            problems,
        },
        SettingsError::Import(e) => {
            let message = e.to_string();
            match e {
                shared::sync::ImportError::Invalid { problems } => Failure::Refused {
                    code: "mappings_import_refused",
                    message,
                    problems,
                },
                _ => Failure::App(AppError::refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "mappings_file_invalid",
                    message,
                )),
            }
        }
        other => Failure::App(other.into()),
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::App(e) => e.into_response(),
            Failure::Refused {
                code,
                message,
                problems,
            } => {
                let mut body = serde_json::to_value(ApiError::new(code, message))
                    .expect("an error body serialises");
                body["problems"] = serde_json::to_value(problems).expect("problems serialise");
                (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
            }
        }
    }
}

/// The body as JSON of type `T`, or 400 with what is wrong with it.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        Failure::App(AppError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the request body is not what this endpoint takes: {e}"),
        ))
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Records a saved settings document in the audit log.
async fn saved(state: &AppState, who: &SignedIn, what: &str) {
    state
        .auth
        .record(&state.store, who, Action::SettingsSaved, what)
        .await;
}

pub async fn get(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<SettingsView>, Failure> {
    settings::current(&state.clients, &state.sync.metadata, &id)
        .await
        .map(Json)
        .map_err(failure)
}

pub async fn metadata(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<SyncMetadata>, Failure> {
    let meta = state
        .sync
        .metadata
        .fresh(&state.clients, &id)
        .await
        .map_err(|e| failure(e.into()))?;
    Ok(Json((*meta).clone()))
}

pub async fn put_identity(
    State(state): State<AppState>,
    who: SignedIn,
    body: Bytes,
) -> Result<Json<IdentitySaved>, Failure> {
    let identity: IdentitySettings = parse(&body)?;
    let id = &who.installation_id;
    let saved_identity =
        settings::save_identity(&state.clients, &state.sync.metadata, id, identity, now())
            .await
            .map_err(failure)?;
    saved(&state, &who, "identity mapping").await;
    Ok(Json(saved_identity))
}

/// `POST /identity/preview`: how many links saving this identity would drop; saves nothing.
pub async fn preview_identity(
    State(state): State<AppState>,
    Installation(id): Installation,
    body: Bytes,
) -> Result<Json<Unlinked>, Failure> {
    let identity: IdentitySettings = parse(&body)?;
    settings::preview_identity(&state.store, &id, &identity)
        .await
        .map(Json)
        .map_err(failure)
}

#[derive(Deserialize)]
struct MappingsBody {
    mappings: Vec<AttributeMapping>,
    /// Absent: the saved fallbacks stay.
    #[serde(default)]
    lead_fallbacks: Option<LeadFallbacks>,
}

pub async fn put_mappings(
    State(state): State<AppState>,
    who: SignedIn,
    body: Bytes,
) -> Result<Json<SettingsView>, Failure> {
    let MappingsBody {
        mappings,
        lead_fallbacks,
    } = parse(&body)?;
    let id = &who.installation_id;
    let view = settings::save_mappings(
        &state.clients,
        &state.sync.metadata,
        id,
        mappings,
        lead_fallbacks,
        now(),
    )
    .await
    .map_err(failure)?;
    saved(&state, &who, "attribute mappings").await;
    Ok(Json(view))
}

pub async fn export(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<MappingsFile>, Failure> {
    settings::export(&state.store, &id)
        .await
        .map(Json)
        .map_err(failure)
}

pub async fn import(
    State(state): State<AppState>,
    who: SignedIn,
    body: Bytes,
) -> Result<Json<SettingsView>, Failure> {
    let file: MappingsFile = parse(&body)?;
    let id = &who.installation_id;
    let view = settings::import(&state.clients, &state.sync.metadata, id, file, now())
        .await
        .map_err(failure)?;
    saved(&state, &who, "attribute mappings (imported)").await;
    Ok(Json(view))
}

pub async fn get_owners(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<OwnersView>, Failure> {
    settings::owners_view(&state.clients, &state.inbox, &id)
        .await
        .map(Json)
        .map_err(|e| Failure::App(e.into()))
}

pub async fn put_owners(
    State(state): State<AppState>,
    who: SignedIn,
    body: Bytes,
) -> Result<Json<OwnerSettings>, Failure> {
    let owners: OwnerSettings = parse(&body)?;
    settings::save_owners(&state.store, &who.installation_id, &owners, now())
        .await
        .map_err(failure)?;
    saved(&state, &who, "owner settings").await;
    Ok(Json(owners))
}

pub async fn get_tasks(
    State(state): State<AppState>,
    Installation(id): Installation,
) -> Result<Json<TaskSettings>, Failure> {
    settings::tasks(&state.store, &id)
        .await
        .map(Json)
        .map_err(failure)
}

pub async fn put_tasks(
    State(state): State<AppState>,
    who: SignedIn,
    body: Bytes,
) -> Result<Json<TaskSettings>, Failure> {
    let tasks: TaskSettings = parse(&body)?;
    settings::save_tasks(&state.store, &who.installation_id, &tasks, now())
        .await
        .map_err(failure)?;
    saved(&state, &who, "conversations as Salesforce Tasks").await;
    Ok(Json(tasks))
}
