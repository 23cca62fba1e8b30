//! OAuth 2.0 as Salesforce runs it: the authorize page, the token endpoint (authorization code
//! with PKCE, refresh token, JWT bearer, username-password), revoke, identity and userinfo.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::api::{AppState, bearer};
use super::seed;
use super::soql::FieldValue;
use super::state::AuthCode;

/// Every seeded user's password for the username-password flow.
pub const SEED_PASSWORD: &str = "sim-password";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services/oauth2/authorize", get(authorize).post(decide))
        .route("/services/oauth2/token", post(token))
        .route("/services/oauth2/revoke", post(revoke).get(revoke_get))
        .route("/services/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/id/{org}/{user}", get(identity))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn redirect_with(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "redirect_uri_mismatch",
                "redirect_uri must match configuration",
            );
        }
    };
    for (k, v) in params {
        url.query_pairs_mut().append_pair(k, v);
    }
    Redirect::to(url.as_str()).into_response()
}

fn issue_code(shared: &AppState, user_id: &str, params: &HashMap<String, String>) -> String {
    let code = format!("aPrx{}", uuid::Uuid::new_v4().simple());
    let grant = AuthCode {
        user_id: user_id.to_owned(),
        client_id: params.get("client_id").cloned().unwrap_or_default(),
        redirect_uri: params.get("redirect_uri").cloned().unwrap_or_default(),
        code_challenge: params.get("code_challenge").cloned(),
        expires_at: Instant::now() + Duration::from_secs(15 * 60),
    };
    shared.auth.lock().codes.insert(code.clone(), grant);
    code
}

async fn authorize(
    State(shared): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
    };
    let state = params.get("state").cloned().unwrap_or_default();
    if params.get("client_id") != Some(&shared.app.client_id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
        );
    }
    if params.get("response_type").map(String::as_str) != Some("code") {
        return redirect_with(
            redirect_uri,
            &[
                ("error", "unsupported_response_type"),
                ("error_description", "response type not supported"),
                ("state", &state),
            ],
        );
    }
    if shared.config.auto_approve {
        let admin = shared.org.read().admin_user_id.clone();
        let code = issue_code(&shared, &admin, &params);
        return redirect_with(redirect_uri, &[("code", &code), ("state", &state)]);
    }
    let hidden: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let users: String = seed::USERS
        .iter()
        .filter(|u| u.active)
        .map(|u| {
            format!(
                "<option value=\"{}\">{} {} ({})</option>",
                u.email, u.first, u.last, u.email
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><title>Allow Access?</title></head><body><h1>Allow Access?</h1>\
         <p><b>{app}</b> is asking to access your basic information and manage your data.</p>\
         <form method=\"post\" action=\"/services/oauth2/authorize\">{hidden}\
         <label>Log in as <select name=\"login_as\">{users}</select></label>\
         <button name=\"decision\" value=\"allow\">Allow</button> <button name=\"decision\" value=\"deny\">Deny</button></form></body></html>",
        app = html_escape(&shared.app.name)
    ))
    .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn decide(
    State(shared): State<AppState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
    };
    let state = params.get("state").cloned().unwrap_or_default();
    if params.get("decision").map(String::as_str) != Some("allow") {
        return redirect_with(
            redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "end-user denied authorization"),
                ("state", &state),
            ],
        );
    }
    let email = params.get("login_as").cloned().unwrap_or_default();
    let user = {
        let org = shared.org.read();
        org.find_by("User", "Email", &email)
            .first()
            .map(|u| u.id().to_owned())
    };
    let user = user.unwrap_or_else(|| shared.org.read().admin_user_id.clone());
    let code = issue_code(&shared, &user, &params);
    redirect_with(redirect_uri, &[("code", &code), ("state", &state)])
}

fn token_response(shared: &AppState, user_id: &str, with_refresh: bool) -> Response {
    let access = shared.new_session(user_id);
    let org_id = shared.org.read().org_id.clone();
    let id = format!("{}/id/{org_id}/{user_id}", shared.base_url);
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(shared.app.client_secret.as_bytes())
        .expect("hmac takes any key");
    mac.update(format!("{id}{issued_at}").as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let mut body = json!({
        "access_token": access, "signature": signature, "scope": "id api refresh_token",
        "instance_url": shared.base_url, "id": id, "token_type": "Bearer", "issued_at": issued_at,
    });
    if with_refresh {
        body["refresh_token"] = json!(shared.issue_refresh_token(user_id));
    }
    axum::Json(body).into_response()
}

fn bad_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// Checks the client: known id, and the secret when one is given (PKCE clients may omit it).
fn check_client(
    shared: &AppState,
    params: &HashMap<String, String>,
    secret_required: bool,
) -> Result<(), Box<Response>> {
    if params.get("client_id") != Some(&shared.app.client_id) {
        return Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
        )));
    }
    match params.get("client_secret") {
        Some(s) if *s != shared.app.client_secret => Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client credentials",
        ))),
        None if secret_required => Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client credentials",
        ))),
        _ => Ok(()),
    }
}

async fn token(
    State(shared): State<AppState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    let grant = params
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    match grant {
        "authorization_code" => {
            let code = params.get("code").cloned().unwrap_or_default();
            let Some(grant) = shared.auth.lock().codes.remove(&code) else {
                return bad_grant("invalid authorization code");
            };
            let pkce = grant.code_challenge.is_some();
            if let Err(r) = check_client(&shared, &params, !pkce) {
                return *r;
            }
            if grant.expires_at < Instant::now() || grant.client_id != shared.app.client_id {
                return bad_grant("invalid authorization code");
            }
            if params.get("redirect_uri") != Some(&grant.redirect_uri) {
                return bad_grant("redirect_uri must match configuration");
            }
            if let Some(challenge) = grant.code_challenge {
                let verifier = params.get("code_verifier").cloned().unwrap_or_default();
                if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
                    return bad_grant("invalid code verifier");
                }
            }
            token_response(&shared, &grant.user_id, true)
        }
        "refresh_token" => {
            if let Err(r) = check_client(&shared, &params, false) {
                return *r;
            }
            let token = params.get("refresh_token").cloned().unwrap_or_default();
            let Some(grant) = shared.auth.lock().refresh.get(&token).cloned() else {
                return bad_grant("expired access/refresh token");
            };
            if params.get("client_id") != Some(&grant.client_id) {
                return bad_grant("expired access/refresh token");
            }
            token_response(&shared, &grant.user_id, false)
        }
        "password" => {
            if let Err(r) = check_client(&shared, &params, true) {
                return *r;
            }
            let username = params.get("username").cloned().unwrap_or_default();
            let user = {
                let org = shared.org.read();
                org.find_by("User", "Username", &username)
                    .first()
                    .filter(|u| u.get("IsActive") == FieldValue::Bool(true))
                    .map(|u| u.id().to_owned())
            };
            match user {
                Some(user) if params.get("password").map(String::as_str) == Some(SEED_PASSWORD) => {
                    token_response(&shared, &user, false)
                }
                _ => bad_grant("authentication failure"),
            }
        }
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            match super::jwt::verify(&shared, params.get("assertion")) {
                Ok(user) => token_response(&shared, &user, false),
                Err(description) => bad_grant(description),
            }
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant type not supported",
        ),
    }
}

async fn revoke(
    State(shared): State<AppState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    do_revoke(&shared, params.get("token"))
}

async fn revoke_get(
    State(shared): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    do_revoke(&shared, params.get("token"))
}

fn do_revoke(shared: &AppState, token: Option<&String>) -> Response {
    let Some(token) = token else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            "this token type is not supported",
        );
    };
    let mut auth = shared.auth.lock();
    let found = auth.sessions.remove(token).is_some() || auth.refresh.remove(token).is_some();
    if found {
        StatusCode::OK.into_response()
    } else {
        oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "invalid token")
    }
}

fn user_of(shared: &AppState, headers: &HeaderMap) -> Option<serde_json::Map<String, Value>> {
    let user_id = bearer(headers).and_then(|t| shared.session_user(&t))?;
    shared.org.read().get(&user_id).map(|u| u.to_map())
}

fn urls(shared: &AppState, org: &str, user: &str) -> Value {
    let b = &shared.base_url;
    let v = super::org::API_VERSION;
    json!({
        "enterprise": format!("{b}/services/Soap/c/{{version}}/{}", &org[..15]),
        "metadata": format!("{b}/services/Soap/m/{{version}}/{}", &org[..15]),
        "partner": format!("{b}/services/Soap/u/{{version}}/{}", &org[..15]),
        "rest": format!("{b}/services/data/v{{version}}/"),
        "sobjects": format!("{b}/services/data/v{{version}}/sobjects/"),
        "search": format!("{b}/services/data/v{{version}}/search/"),
        "query": format!("{b}/services/data/v{{version}}/query/"),
        "recent": format!("{b}/services/data/v{{version}}/recent/"),
        "profile": format!("{b}/{user}"),
        "users": format!("{b}/services/data/v{{version}}/chatter/users"),
        "custom_domain": b,
        "tooling_rest": format!("{b}/services/data/v{v}/tooling/"),
    })
}

async fn identity(
    State(shared): State<AppState>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(user) = user_of(&shared, &headers) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    let real_org = shared.org.read().org_id.clone();
    let uid = user["Id"].as_str().unwrap_or_default().to_owned();
    if org_id != real_org || user_id != uid {
        return (StatusCode::FORBIDDEN, "Bad_Id").into_response();
    }
    let s = |k: &str| user.get(k).cloned().unwrap_or(Value::Null);
    axum::Json(json!({
        "id": format!("{}/id/{real_org}/{uid}", shared.base_url),
        "asserted_user": true, "user_id": uid, "organization_id": real_org,
        "username": s("Username"), "nick_name": s("Alias"), "display_name": s("Name"), "email": s("Email"),
        "email_verified": true, "first_name": s("FirstName"), "last_name": s("LastName"), "timezone": s("TimeZoneSidKey"),
        "photos": {"picture": null, "thumbnail": null}, "addr_street": null, "addr_city": null, "addr_state": null,
        "addr_country": null, "addr_zip": null, "mobile_phone": null, "mobile_phone_verified": false, "is_lightning_login_user": false,
        "status": {"created_date": null, "body": null}, "urls": urls(&shared, &real_org, &uid), "active": s("IsActive"),
        "user_type": "STANDARD", "language": "en_US", "locale": "en_US", "utcOffset": 0,
        "last_modified_date": s("LastModifiedDate"), "is_app_installed": true,
    }))
    .into_response()
}

async fn userinfo(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    let Some(user) = user_of(&shared, &headers) else {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain")],
            "Bad_OAuth_Token",
        )
            .into_response();
    };
    let org_id = shared.org.read().org_id.clone();
    let uid = user["Id"].as_str().unwrap_or_default().to_owned();
    let s = |k: &str| user.get(k).cloned().unwrap_or(Value::Null);
    axum::Json(json!({
        "sub": format!("{}/id/{org_id}/{uid}", shared.base_url), "user_id": uid, "organization_id": org_id,
        "preferred_username": s("Username"), "nickname": s("Alias"), "name": s("Name"), "email": s("Email"),
        "email_verified": true, "given_name": s("FirstName"), "family_name": s("LastName"), "zoneinfo": s("TimeZoneSidKey"),
        "photos": {"picture": null, "thumbnail": null}, "profile": format!("{}/{uid}", shared.base_url),
        "picture": null, "address": {}, "urls": urls(&shared, &org_id, &uid), "active": s("IsActive"),
        "user_type": "STANDARD", "language": "en_US", "locale": "en_US", "utcOffset": 0,
        "updated_at": s("LastModifiedDate"), "is_app_installed": true,
    }))
    .into_response()
}
