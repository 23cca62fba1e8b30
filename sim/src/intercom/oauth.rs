//! OAuth as Intercom runs it for public apps: the authorize page (app.intercom.com's `/oauth`,
//! here on the simulator's base URL) where a teammate approves or cancels, the code exchange at
//! `POST /auth/eagle/token`, and `POST /auth/uninstall`, which revokes the caller's access.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bytes::Bytes;
use serde_json::json;

use super::Server;
use super::auth::{App, Caller, Decision};
use super::wire::ApiError;

type Params = HashMap<String, String>;

/// The public, token-less routes: the authorize page and the code exchange.
pub(crate) fn routes(server: Arc<Server>) -> Router {
    Router::new()
        .route("/oauth", get(authorize).post(decide))
        .route("/auth/eagle/token", post(exchange))
        .with_state(server)
}

/// Routes that need an access token; they go behind the API's gate.
pub(crate) fn api_routes() -> Router {
    Router::new().route("/auth/uninstall", post(uninstall))
}

/// The app being authorized and where to send the teammate back, or the page that says why
/// the request is refused. Nothing redirects before both are known good: a redirect to an
/// unregistered URL would hand the code to whoever forged the link.
fn check_request(server: &Server, params: &Params) -> Result<(Arc<App>, String), String> {
    let client_id = params
        .get("client_id")
        .filter(|c| !c.is_empty())
        .ok_or("client_id is missing")?;
    let app = server
        .app(client_id)
        .ok_or_else(|| format!("No app has the client_id {client_id:?}"))?;
    let target = app.redirect_target(params.get("redirect_uri").map(String::as_str))?;
    Ok((app, target))
}

/// `GET /oauth?client_id=..&state=..[&redirect_uri=..]`: the page, or at once the decision
/// taken beforehand (`sim_admin_id`, `sim_decision=deny`, or `/__sim/oauth/next`).
async fn authorize(State(server): State<Arc<Server>>, Query(params): Query<Params>) -> Response {
    let (app, target) = match check_request(&server, &params) {
        Ok(checked) => checked,
        Err(problem) => return refusal_page(&problem),
    };
    let state = params.get("state").map_or("", String::as_str);
    let asked = if params.get("sim_decision").map(String::as_str) == Some("deny") {
        Some(Decision::Deny)
    } else if let Some(admin) = params.get("sim_admin_id") {
        match admin.parse() {
            Ok(id) => Some(Decision::ApproveAs(id)),
            Err(_) => return refusal_page(&format!("sim_admin_id {admin:?} is not a number")),
        }
    } else {
        server.take_next_decision()
    };
    match asked {
        Some(decision) => finish(&server, &app, &target, state, decision),
        None => approval_page(&server, &app, &params),
    }
}

/// `POST /oauth` from the page: `admin_id` approves as that teammate, `decision=deny` cancels.
async fn decide(State(server): State<Arc<Server>>, Form(params): Form<Params>) -> Response {
    let (app, target) = match check_request(&server, &params) {
        Ok(checked) => checked,
        Err(problem) => return refusal_page(&problem),
    };
    let state = params.get("state").map_or("", String::as_str);
    let decision = match (
        params.get("decision").map(String::as_str),
        params.get("admin_id"),
    ) {
        (Some("deny"), _) => Decision::Deny,
        (_, Some(admin)) => match admin.parse() {
            Ok(id) => Decision::ApproveAs(id),
            Err(_) => return refusal_page(&format!("admin_id {admin:?} is not a number")),
        },
        _ => return refusal_page("Choose a teammate to authorize as, or cancel"),
    };
    finish(&server, &app, &target, state, decision)
}

fn finish(server: &Server, app: &App, target: &str, state: &str, decision: Decision) -> Response {
    match decision {
        Decision::Deny => back_to(target, &[("error", "access_denied"), ("state", state)]),
        Decision::ApproveAs(admin_id) => match server.approve(app, admin_id) {
            Ok(code) => back_to(target, &[("code", &code), ("state", state)]),
            Err(problem) => refusal_page(&problem),
        },
    }
}

/// A 302 to the app's redirect URL with these query parameters added.
fn back_to(target: &str, params: &[(&str, &str)]) -> Response {
    let mut url = url::Url::parse(target).expect("redirect URLs are checked when added");
    url.query_pairs_mut().extend_pairs(params);
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn refusal_page(problem: &str) -> Response {
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Intercom: cannot authorize</title></head>\
         <body><h1>This app cannot be authorized</h1><p data-testid=\"oauth-error\">{}.</p></body></html>",
        escape(problem)
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

/// Every workspace with its teammates: choosing one approves as them. The form carries the
/// request's own parameters, checked again when it comes back.
fn approval_page(server: &Server, app: &App, params: &Params) -> Response {
    let hidden: String = ["client_id", "state", "redirect_uri"]
        .iter()
        .filter_map(|k| params.get(*k).map(|v| (k, v)))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(v)
            )
        })
        .collect();
    let workspaces: String = server
        .workspaces()
        .iter()
        .map(|w| {
            let buttons: String = w
                .ws
                .read()
                .admins
                .iter()
                .map(|a| {
                    format!(
                        "<li><button name=\"admin_id\" value=\"{id}\" data-testid=\"approve-{id}\">\
                         Authorize as {} ({})</button></li>",
                        escape(&a.name),
                        escape(&a.email),
                        id = a.id
                    )
                })
                .collect();
            format!(
                "<section data-testid=\"workspace-{id}\"><h2>{} <small>({id})</small></h2><ul>{buttons}</ul></section>",
                escape(&w.name),
                id = escape(&w.id)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Intercom: authorize {name}</title></head><body>\
         <h1>Connect {name} to Intercom</h1>\
         <p>{name} would like to access the data of your Intercom workspace. Choose the workspace and the teammate who authorizes it.</p>\
         <form method=\"post\" action=\"/oauth\">{hidden}{workspaces}\
         <p><button name=\"decision\" value=\"deny\" data-testid=\"deny\">Cancel</button></p></form></body></html>",
        name = escape(&app.name)
    ))
    .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `POST /auth/eagle/token`: `code`, `client_id` and `client_secret`, form-encoded or JSON (or
/// in the query string, which Intercom also reads).
async fn exchange(
    State(server): State<Arc<Server>>,
    Query(query): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let mut params = match parse_params(&body, json) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    for (k, v) in query {
        params.entry(k).or_insert(v);
    }
    let field = |name: &str| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::parameter_not_found(format!("{name} is required")))
    };
    let answer = (|| {
        let (code, client_id, client_secret) =
            (field("code")?, field("client_id")?, field("client_secret")?);
        server.exchange(code, client_id, client_secret)
    })();
    match answer {
        Ok(token) => Json(json!({"token_type": "Bearer", "token": token, "access_token": token}))
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The body's fields as strings: a JSON object (numbers taken as their digits) or a form.
fn parse_params(body: &[u8], json: bool) -> Result<Params, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::new());
    }
    if json {
        let v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))?;
        return Ok(v
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect());
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// `POST /auth/uninstall`: the token's app leaves the token's workspace.
async fn uninstall(
    Extension(ws): Extension<super::State>,
    Extension(caller): Extension<Caller>,
    Extension(server): Extension<Arc<Server>>,
) -> Response {
    server.uninstall(&ws, &caller.app.client_id);
    Json(json!({})).into_response()
}
