//! Talking to the back end's JSON API, and what a failed answer means for people.

use std::fmt;

use gloo_net::http::{Request, RequestBuilder};
use leptos::prelude::on_cleanup;
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use shared::ApiError;
use shared::card::CardView;
use shared::inbox::{Conversation, ConversationList};
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

/// The endpoint behind the Connections page.
pub const CONNECTIONS_PATH: &str = "/api/connections";
/// The inbox card of one conversation.
pub const CARD_PATH: &str = "/api/card";
/// The demo inbox's conversations; one conversation's transcript is below it.
pub const CONVERSATIONS_PATH: &str = "/api/inbox/conversations";

/// Why a page could not get its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The back end answered with its own error body.
    Api { status: u16, error: ApiError },
    /// An HTTP failure without the back end's error body (a proxy, a server that is starting).
    Http { status: u16, status_text: String },
    /// No answer at all: the server is down or the network failed.
    Network(String),
    /// A success status whose body is not what the page expects (front and back end out of step).
    Decode(String),
}

impl LoadError {
    /// The back end's stable error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            LoadError::Api { error, .. } => Some(&error.error.code),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            LoadError::Api { status, .. } | LoadError::Http { status, .. } => Some(*status),
            LoadError::Network(_) | LoadError::Decode(_) => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Api { error, .. } => f.write_str(&error.error.message),
            LoadError::Http {
                status,
                status_text,
            } if status_text.is_empty() => write!(f, "The server answered HTTP {status}."),
            LoadError::Http {
                status,
                status_text,
            } => write!(f, "The server answered HTTP {status} {status_text}."),
            LoadError::Network(detail) => {
                write!(f, "Could not reach the sfbridge server: {detail}")
            }
            LoadError::Decode(detail) => {
                write!(f, "The server's answer could not be read: {detail}")
            }
        }
    }
}

/// Reads the body of a successful answer.
pub fn decode<T: DeserializeOwned>(body: &str) -> Result<T, LoadError> {
    from_json(body).map_err(LoadError::Decode)
}

/// Parses JSON with the browser's own `JSON.parse` and reads the value with
/// serde-wasm-bindgen, so no JSON parser is compiled into the wasm.
pub fn from_json<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(body).map_err(|e| js_error_text(&e))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| js_error_text(&e.into()))
}

/// `value` as JSON text, made by the browser's `JSON.stringify`.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = value
        .serialize(&serializer)
        .map_err(|e| js_error_text(&e.into()))?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|e| js_error_text(&e))
}

/// The message of a JavaScript error (or the value as text).
fn js_error_text(error: &wasm_bindgen::JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_default(),
    }
}

/// Turns an unsuccessful answer into a [`LoadError`], keeping the back end's message when
/// the body is its `{"error":{..}}` shape.
pub fn classify_failure(status: u16, status_text: &str, body: &str) -> LoadError {
    match from_json::<ApiError>(body) {
        Ok(error) => LoadError::Api { status, error },
        Err(_) => LoadError::Http {
            status,
            status_text: status_text.to_owned(),
        },
    }
}

/// `GET /api/card?conversation_id=..`; with `closed`, the closed opportunities follow the
/// open ones.
pub async fn fetch_card(
    conversation_id: &str,
    closed: bool,
    abort: Option<&AbortSignal>,
) -> Result<CardView, LoadError> {
    let request = Request::get(CARD_PATH).query(card_query(conversation_id, closed));
    get_json(request, abort).await
}

/// `GET /api/inbox/conversations`: newest first.
pub async fn fetch_conversations(
    abort: Option<&AbortSignal>,
) -> Result<ConversationList, LoadError> {
    get_json(Request::get(CONVERSATIONS_PATH), abort).await
}

/// `GET /api/inbox/conversations/{id}`: the transcript, oldest part first.
pub async fn fetch_conversation(
    conversation_id: &str,
    abort: Option<&AbortSignal>,
) -> Result<Conversation, LoadError> {
    get_json(Request::get(&conversation_url(conversation_id)), abort).await
}

/// The card's query parameters (the request encodes them).
pub fn card_query(conversation_id: &str, closed: bool) -> Vec<(&'static str, &str)> {
    let mut query = vec![("conversation_id", conversation_id)];
    if closed {
        query.push(("closed", "true"));
    }
    query
}

/// `prefix/id` with the id encoded: ids come from the page's URL.
pub fn with_id(prefix: &str, id: &str) -> String {
    format!(
        "{prefix}/{}",
        String::from(js_sys::encode_uri_component(id))
    )
}

/// A conversation's address in the API.
pub fn conversation_url(conversation_id: &str) -> String {
    with_id(CONVERSATIONS_PATH, conversation_id)
}

/// A JSON answer as the browser parsed it; [`Json::read`] reads it as the page's type.
#[derive(Clone)]
pub struct Json(SendWrapper<wasm_bindgen::JsValue>);

impl Json {
    /// The answer as `T`, or why it is not one.
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, LoadError> {
        serde_wasm_bindgen::from_value((*self.0).clone())
            .map_err(|e| LoadError::Decode(js_error_text(&e.into())))
    }
}

/// What a [`resource`] holds: the answer, or why there is none.
pub type Answer = Result<Json, LoadError>;

/// `GET` `path()` as a resource, fetched again when what `path` reads changes (or on
/// `refetch`). Every page's resources have this one type, so the resource machinery and the
/// request are compiled once for all of them; each page reads the answer as its own type.
pub fn resource(path: Box<dyn Fn() -> String>) -> leptos::prelude::LocalResource<Answer> {
    leptos::prelude::LocalResource::new(move || load(path()))
}

async fn load(path: String) -> Answer {
    let body = get_text(Request::get(&path), None).await?;
    js_sys::JSON::parse(&body)
        .map(|value| Json(SendWrapper::new(value)))
        .map_err(|e| LoadError::Decode(js_error_text(&e)))
}

/// Sends `body` (JSON) with `method` to `path` in the background and hands the answer to
/// `done`. Not generic: the request's future is compiled once for every caller.
pub fn send_then(method: &'static str, path: String, body: String, done: Box<dyn FnOnce(Answer)>) {
    leptos::task::spawn_local(async move {
        let answer = match send_text(method, &path, body).await {
            Ok(text) => js_sys::JSON::parse(&text)
                .map(|value| Json(SendWrapper::new(value)))
                .map_err(|e| LoadError::Decode(js_error_text(&e))),
            Err(failure) => Err(failure),
        };
        done(answer);
    });
}

/// `GET` `path` in the background and hand the answer to `done` (like [`send_then`]).
pub fn get_then(path: String, done: Box<dyn FnOnce(Answer)>) {
    leptos::task::spawn_local(async move { done(load(path).await) });
}

/// [`send_then`] with `body` as JSON and the answer read as `T`.
pub fn send_json_then<B: serde::Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: String,
    body: &B,
    done: impl FnOnce(Result<T, LoadError>) + 'static,
) {
    match to_json(body) {
        Ok(body) => send_then(
            method,
            path,
            body,
            Box::new(move |answer| done(answer.and_then(|a| a.read::<T>()))),
        ),
        Err(error) => done(Err(LoadError::Decode(error))),
    }
}

/// `GET` a JSON answer; a failure keeps the back end's error body.
pub async fn get_json<T: DeserializeOwned>(
    request: RequestBuilder,
    abort: Option<&AbortSignal>,
) -> Result<T, LoadError> {
    decode(&get_text(request, abort).await?)
}

/// The body of a successful `GET`. Not generic, so every page's loads share one copy of the
/// request's code; only reading the answer is per type.
async fn get_text(
    request: RequestBuilder,
    abort: Option<&AbortSignal>,
) -> Result<String, LoadError> {
    let response = request
        .header("Accept", "application/json")
        .abort_signal(abort)
        .send()
        .await
        .map_err(|e| LoadError::Network(e.to_string()))?;
    answer_text(response).await
}

/// The body of a successful answer, or the failure with the back end's error body.
async fn answer_text(response: gloo_net::http::Response) -> Result<String, LoadError> {
    let body = response
        .text()
        .await
        .map_err(|e| LoadError::Network(e.to_string()))?;
    if response.ok() {
        Ok(body)
    } else {
        Err(classify_failure(
            response.status(),
            &response.status_text(),
            &body,
        ))
    }
}

/// A signal that aborts the request it is given when the current reactive scope is cleaned
/// up: the reader navigated away, or a newer request replaced this one.
pub fn abort_on_cleanup() -> Option<AbortSignal> {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    // Cleanups must be Send; the controller never leaves the browser's one thread.
    let controller = SendWrapper::new(controller);
    on_cleanup(move || {
        if let Some(controller) = controller.take() {
            controller.abort();
        }
    });
    signal
}

/// `method` `path` with `body` as JSON (the back end takes changes only as JSON from its own
/// pages: the browser adds this origin), answering `T`; a failure keeps the error body.
pub async fn send_json<B: serde::Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<T, LoadError> {
    let body = to_json(body).map_err(LoadError::Decode)?;
    decode(&send_text(method, path, body).await?)
}

/// `method` `path` with a JSON body, answering the body of a success. Not generic, like
/// [`get_text`].
async fn send_text(method: &str, path: &str, body: String) -> Result<String, LoadError> {
    let builder = match method {
        "PUT" => Request::put(path),
        _ => Request::post(path),
    };
    let request = builder
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|e| LoadError::Decode(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| LoadError::Network(e.to_string()))?;
    answer_text(response).await
}

/// The body of a POST that carries nothing but its intent (`{}`, or a setup link's token).
#[derive(Clone, Default, serde::Serialize)]
pub struct Intent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<&'a str>,
}

/// `POST` `body` as JSON to `path`.
pub async fn post_json<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, LoadError> {
    send_json("POST", path, body).await
}

/// `GET` `path` (no abort).
pub async fn fetch<T: DeserializeOwned>(path: &str) -> Result<T, LoadError> {
    get_json(Request::get(path), None).await
}

/// Sends the browser to another address (an OAuth authorize page, or a page after signing
/// in that must load afresh).
pub fn go_to(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(url);
    }
}

/// A query parameter of the current address.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|v| !v.is_empty())
}

/// Whether a failure means "not signed in".
pub fn is_signed_out(error: &LoadError) -> bool {
    error.status() == Some(401)
}
