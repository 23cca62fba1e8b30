//! Data attributes: the workspace's attribute definitions and the check of custom values against them.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{get, put};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{AxState, now_s};
use crate::intercom::store::Workspace;
use crate::intercom::wire::{ApiError, ApiResult, parse_body};

/// The routes of this resource, in the API's paths.
pub(super) fn routes() -> Router {
    Router::new()
        .route(
            "/data_attributes",
            get(list_data_attributes).post(create_data_attribute),
        )
        .route("/data_attributes/{id}", put(update_data_attribute))
}

#[derive(Deserialize)]
struct AttributeQuery {
    model: Option<String>,
    #[serde(default)]
    include_archived: bool,
}

async fn list_data_attributes(st: AxState, Query(q): Query<AttributeQuery>) -> ApiResult {
    let ws = st.ws.read();
    let data: Vec<Value> = ws
        .data_attributes
        .iter()
        .filter(|a| q.model.as_deref().is_none_or(|m| m == a.model))
        .filter(|a| q.include_archived || !a.archived)
        .map(|a| a.json())
        .collect();
    Ok(Json(json!({"type": "list", "data": data})))
}

#[derive(Deserialize)]
struct AttributeBody {
    name: Option<String>,
    model: Option<String>,
    data_type: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    options: Vec<Value>,
}

/// Custom attribute names may not contain these (they would break `custom_attributes.<name>`).
const FORBIDDEN_IN_NAME: &[char] = &['.', '$', '[', ']', '"', '\''];

/// An attribute's list options, given as `{"value": ..}` objects or as plain strings.
fn option_values(options: &[Value]) -> Vec<String> {
    options
        .iter()
        .filter_map(|o| {
            o.get("value")
                .and_then(Value::as_str)
                .or(o.as_str())
                .map(str::to_owned)
        })
        .collect()
}

async fn create_data_attribute(
    st: AxState,
    caller: axum::Extension<crate::intercom::auth::Caller>,
    body: Bytes,
) -> ApiResult {
    let body: AttributeBody = parse_body(&body)?;
    let name = body
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::parameter_not_found("Name is required"))?;
    let model: &'static str = match body.model.as_deref() {
        Some("contact") => "contact",
        Some("company") => "company",
        _ => {
            return Err(ApiError::parameter_invalid(
                "Model must be either 'contact' or 'company'",
            ));
        }
    };
    let data_type = body.data_type.unwrap_or_default();
    if !["string", "integer", "float", "boolean", "datetime", "date"].contains(&data_type.as_str())
    {
        return Err(ApiError::parameter_invalid(
            "Data Type isn't an option. Options are string, integer, float, boolean, datetime, date",
        ));
    }
    if name.contains(FORBIDDEN_IN_NAME) || name.len() > 190 {
        return Err(ApiError::parameter_invalid(format!(
            "Your name for this attribute must only contain alphanumeric characters, spaces, hyphens and underscores: {name:?}"
        )));
    }
    let options = option_values(&body.options);
    if !options.is_empty() && data_type != "string" {
        return Err(ApiError::parameter_invalid(
            "Options can only be given for string attributes",
        ));
    }
    let mut ws = st.ws.write();
    let other_model = if model == "contact" {
        "company"
    } else {
        "people"
    };
    if ws
        .data_attributes
        .iter()
        .any(|a| a.model == model && a.name.eq_ignore_ascii_case(&name))
    {
        let data = if model == "contact" {
            "people"
        } else {
            "company"
        };
        return Err(ApiError::parameter_invalid(format!(
            "You already have '{name}' in your {data} data. To save this as new {other_model} data, use a different name."
        )));
    }
    let attr = ws.add_custom_attribute(
        model,
        &name,
        &data_type,
        options,
        Some(caller.admin_id),
        now_s(),
    );
    attr.description = body.description;
    Ok(Json(attr.json()))
}

#[derive(Deserialize)]
struct AttributeUpdate {
    archived: Option<bool>,
    description: Option<String>,
    options: Option<Vec<Value>>,
}

/// `PUT /data_attributes/{id}`: only custom attributes change; archiving keeps their values.
async fn update_data_attribute(st: AxState, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let b: AttributeUpdate = parse_body(&body)?;
    let mut ws = st.ws.write();
    let attr = id
        .parse::<u64>()
        .ok()
        .and_then(|id| {
            ws.data_attributes
                .iter_mut()
                .find(|a| a.custom && a.id == id)
        })
        .ok_or_else(|| {
            ApiError::new(
                http::StatusCode::NOT_FOUND,
                "field_not_found",
                "We couldn't find that data attribute to update",
            )
        })?;
    if let Some(a) = b.archived {
        attr.archived = a;
    }
    if let Some(d) = b.description {
        attr.description = d;
    }
    if let Some(options) = b.options {
        if attr.data_type != "string" {
            return Err(ApiError::parameter_invalid(
                "Options can only be given for string attributes",
            ));
        }
        attr.options = option_values(&options);
    }
    Ok(Json(attr.json()))
}

/// Checks custom attribute values against the workspace's definitions, then sets them on a record.
pub(super) fn set_custom_attributes(
    ws: &Workspace,
    model: &str,
    given: &Map<String, Value>,
    record: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    check_custom_attributes(ws, model, given)?;
    for (k, v) in given {
        record.insert(k.clone(), v.clone());
    }
    Ok(())
}

/// Checks custom attribute values against the workspace's definitions (names and types).
fn check_custom_attributes(
    ws: &Workspace,
    model: &str,
    attrs: &Map<String, Value>,
) -> Result<(), ApiError> {
    for (name, value) in attrs {
        let Some(def) = ws.custom_attribute(model, name) else {
            return Err(ApiError::parameter_not_found(format!(
                "Custom attribute '{name}' does not exist"
            )));
        };
        let ok = match (def.data_type.as_str(), value) {
            (_, Value::Null) => true,
            ("string", Value::String(s)) => def.options.is_empty() || def.options.contains(s),
            ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
            ("float", Value::Number(_)) => true,
            ("boolean", Value::Bool(_)) => true,
            ("date" | "datetime", Value::Number(n)) => n.is_i64(),
            ("date" | "datetime", Value::String(s)) => {
                chrono::DateTime::parse_from_rfc3339(s).is_ok()
            }
            _ => false,
        };
        if !ok {
            return Err(ApiError::parameter_invalid(format!(
                "Custom attribute '{name}' must be of type {}",
                def.data_type
            )));
        }
    }
    Ok(())
}
