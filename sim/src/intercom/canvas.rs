//! Acting as the Intercom inbox towards a Canvas Kit app: signed Initialize and Submit requests
//! with the real body, and a check of the answer against the component schema.

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Shared;
use super::store::Style;

/// Content and stored data are each limited to 64 KB.
pub const MAX_BYTES: usize = 64 * 1024;

/// The Canvas Kit request as sent (body and its signature).
#[derive(Debug, Clone)]
pub struct CanvasRequest {
    pub body: String,
    /// `X-Body-Signature`: hex HMAC-SHA256 of the body keyed with the client secret, no prefix.
    pub signature: String,
}

/// One way the app's answer breaks the component schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanvasProblem {
    /// JSON pointer to the offending value, e.g. `/canvas/content/components/2/options`.
    pub at: String,
    pub message: String,
}

/// What the inbox made of the app's answer.
#[derive(Debug, Clone, Serialize)]
pub struct CanvasVerdict {
    /// The request sent (body exactly as signed).
    pub request_body: String,
    pub signature: String,
    /// HTTP status, or `None` if the app could not be reached.
    pub status: Option<u16>,
    pub response: Option<Value>,
    pub problems: Vec<CanvasProblem>,
}

impl CanvasVerdict {
    /// The inbox would render this card.
    pub fn is_valid(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s)) && self.problems.is_empty()
    }
    pub fn components(&self) -> Vec<Value> {
        self.response
            .as_ref()
            .and_then(|r| r.pointer("/canvas/content/components"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

pub(crate) struct Submit {
    pub component_id: String,
    pub input_values: Map<String, Value>,
    pub current_canvas: Value,
}

pub fn body_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The request the inbox sends for a teammate looking at a conversation, signed with the
/// secret of the app whose card it is.
pub(crate) fn build_request(
    st: &Shared,
    secret: &str,
    conversation_id: &str,
    admin_id: u64,
    submit: Option<Submit>,
) -> anyhow::Result<CanvasRequest> {
    let ws = st.ws.read();
    let admin = ws
        .admin(admin_id)
        .ok_or_else(|| anyhow::anyhow!("no teammate {admin_id}"))?;
    let conv_id: u64 = conversation_id.parse()?;
    let conv = ws
        .conversations
        .get(&conv_id)
        .ok_or_else(|| anyhow::anyhow!("no conversation {conversation_id}"))?;
    let contact = conv
        .contact_ids
        .first()
        .and_then(|id| ws.contacts.get(id))
        .map(|c| ws.contact_json(c, Style::Rest))
        .unwrap_or(Value::Null);
    let mut admin_json = admin.json();
    admin_json["app"] = Value::Null;
    let mut body = json!({
        "workspace_id": ws.app_id,
        "workspace_region": "US",
        "admin": admin_json,
        "conversation": ws.conversation_json(conv, None),
        "contact": contact,
        "customer": contact,
        "user": contact,
        "context": {"conversation_id": conv_id, "location": "conversation", "locale": "en"},
    });
    match submit {
        None => body["card_creation_options"] = json!({}),
        Some(s) => {
            body["component_id"] = json!(s.component_id);
            body["input_values"] = Value::Object(s.input_values);
            body["current_canvas"] = s.current_canvas;
        }
    }
    let body = body.to_string();
    let signature = body_signature(secret, body.as_bytes());
    Ok(CanvasRequest { body, signature })
}

pub(crate) async fn send(app_url: &str, req: &CanvasRequest) -> CanvasVerdict {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client");
    let mut verdict = CanvasVerdict {
        request_body: req.body.clone(),
        signature: req.signature.clone(),
        status: None,
        response: None,
        problems: vec![],
    };
    let answer = client
        .post(app_url)
        .header("content-type", "application/json")
        .header("x-body-signature", &req.signature)
        .body(req.body.clone())
        .send()
        .await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            verdict
                .problems
                .push(problem("", format!("app not reachable: {e}")));
            return verdict;
        }
    };
    verdict.status = Some(answer.status().as_u16());
    if !answer.status().is_success() {
        verdict
            .problems
            .push(problem("", format!("app answered {}", answer.status())));
    }
    match answer.json::<Value>().await {
        Ok(v) => {
            verdict.problems.extend(check_response(&v));
            verdict.response = Some(v);
        }
        Err(e) => verdict
            .problems
            .push(problem("", format!("answer is not JSON: {e}"))),
    }
    verdict
}

fn problem(at: &str, message: impl Into<String>) -> CanvasProblem {
    CanvasProblem {
        at: at.to_owned(),
        message: message.into(),
    }
}

/// Checks `{"canvas":{"content":{"components":[..]},"stored_data":{..}}}` against the schema.
pub fn check_response(v: &Value) -> Vec<CanvasProblem> {
    let mut out = Vec::new();
    let Some(canvas) = v.get("canvas").and_then(Value::as_object) else {
        out.push(problem("/canvas", "missing canvas object"));
        return out;
    };
    match (canvas.get("content"), canvas.get("content_url")) {
        (Some(content), _) => {
            if content.to_string().len() > MAX_BYTES {
                out.push(problem("/canvas/content", "content is larger than 64 KB"));
            }
            match content.get("components").and_then(Value::as_array) {
                Some(components) => {
                    check_components(components, "/canvas/content/components", &mut out)
                }
                None => out.push(problem(
                    "/canvas/content/components",
                    "components must be an array",
                )),
            }
        }
        (None, Some(url)) if url.is_string() => {}
        _ => out.push(problem(
            "/canvas/content",
            "canvas needs content (or content_url)",
        )),
    }
    if let Some(stored) = canvas.get("stored_data") {
        if !stored.is_object() {
            out.push(problem(
                "/canvas/stored_data",
                "stored_data must be an object",
            ));
        } else if stored.to_string().len() > MAX_BYTES {
            out.push(problem(
                "/canvas/stored_data",
                "stored_data is larger than 64 KB",
            ));
        }
    }
    out
}

fn check_components(components: &[Value], at: &str, out: &mut Vec<CanvasProblem>) {
    let mut ids = std::collections::HashSet::new();
    for (i, c) in components.iter().enumerate() {
        let here = format!("{at}/{i}");
        let Some(kind) = c.get("type").and_then(Value::as_str) else {
            out.push(problem(&here, "component has no type"));
            continue;
        };
        let need = |keys: &[&str], out: &mut Vec<CanvasProblem>| {
            for k in keys {
                if c.get(*k).is_none_or(Value::is_null) {
                    out.push(problem(
                        &format!("{here}/{k}"),
                        format!("{kind} needs `{k}`"),
                    ));
                }
            }
        };
        if let Some(id) = c.get("id").and_then(Value::as_str)
            && !ids.insert(id.to_owned())
        {
            out.push(problem(
                &format!("{here}/id"),
                format!("duplicate component id {id:?}"),
            ));
        }
        match kind {
            "text" => {
                need(&["text"], out);
                if let Some(style) = c.get("style").and_then(Value::as_str)
                    && !["header", "paragraph", "muted", "error"].contains(&style)
                {
                    out.push(problem(
                        &format!("{here}/style"),
                        format!("text style {style:?} is not header, paragraph, muted or error"),
                    ));
                }
            }
            "button" => {
                need(&["id", "label", "action"], out);
                if let Some(style) = c.get("style").and_then(Value::as_str)
                    && !["primary", "secondary", "link"].contains(&style)
                {
                    out.push(problem(
                        &format!("{here}/style"),
                        format!("button style {style:?} is not primary, secondary or link"),
                    ));
                }
                check_action(c.get("action"), &format!("{here}/action"), out);
            }
            "input" | "textarea" => need(&["id"], out),
            "dropdown" | "single-select" => {
                need(&["id", "options"], out);
                check_options(c.get("options"), kind, &here, out);
            }
            "checkbox" => {
                need(&["id", "label", "options"], out);
                check_options(c.get("options"), kind, &here, out);
            }
            "data-table" => {
                need(&["items"], out);
                check_entries(
                    c.get("items"),
                    &format!("{here}/items"),
                    "data-table items",
                    ["field-value", "field", "value"],
                    out,
                );
            }
            "list" => {
                need(&["items"], out);
                check_entries(
                    c.get("items"),
                    &format!("{here}/items"),
                    "list items",
                    ["item", "id", "title"],
                    out,
                );
            }
            "image" => need(&["url", "width", "height"], out),
            "spacer" | "divider" => {}
            other => out.push(problem(
                &format!("{here}/type"),
                format!("unknown component type {other:?}"),
            )),
        }
    }
}

fn check_options(given: Option<&Value>, kind: &str, here: &str, out: &mut Vec<CanvasProblem>) {
    let Some(options) = given.and_then(Value::as_array) else {
        return;
    };
    let range = if kind == "checkbox" { 1..=10 } else { 2..=10 };
    if !range.contains(&options.len()) {
        out.push(problem(
            &format!("{here}/options"),
            format!(
                "{kind} needs {} to 10 options, has {}",
                range.start(),
                options.len()
            ),
        ));
    }
    check_entries(
        given,
        &format!("{here}/options"),
        "options",
        ["option", "id", "text"],
        out,
    );
}

/// Checks each entry of a component's list (items, options): an object of type `shape[0]`
/// that has the other two keys.
fn check_entries(
    entries: Option<&Value>,
    at: &str,
    what: &str,
    shape: [&str; 3],
    out: &mut Vec<CanvasProblem>,
) {
    let [kind, a, b] = shape;
    for (j, entry) in entries
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if entry.get("type").and_then(Value::as_str) != Some(kind)
            || entry.get(a).is_none()
            || entry.get(b).is_none()
        {
            out.push(problem(
                &format!("{at}/{j}"),
                format!("{what} are {{type:{kind}, {a}, {b}}}"),
            ));
        }
    }
}

fn check_action(action: Option<&Value>, at: &str, out: &mut Vec<CanvasProblem>) {
    let Some(action) = action else { return };
    match action.get("type").and_then(Value::as_str) {
        Some("submit") => {}
        Some("url") | Some("sheet") => {
            if action.get("url").and_then(Value::as_str).is_none() {
                out.push(problem(
                    &format!("{at}/url"),
                    "url and sheet actions need a url",
                ));
            }
        }
        other => out.push(problem(
            &format!("{at}/type"),
            format!("action type {other:?} is not submit, url or sheet"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_card_passes() {
        let v = json!({"canvas": {"content": {"components": [
            {"type": "text", "text": "Acme", "style": "header"},
            {"type": "data-table", "items": [{"type": "field-value", "field": "Stage", "value": "Negotiation"}]},
            {"type": "dropdown", "id": "stage", "label": "Stage", "options": [
                {"type": "option", "id": "a", "text": "A"}, {"type": "option", "id": "b", "text": "B"}]},
            {"type": "button", "id": "save", "label": "Save", "action": {"type": "submit"}},
        ]}, "stored_data": {"k": 1}}});
        assert_eq!(check_response(&v), vec![]);
    }

    #[test]
    fn broken_card_names_each_problem() {
        let v = json!({"canvas": {"content": {"components": [
            {"type": "text", "style": "loud"},
            {"type": "single-select", "id": "x", "options": [{"type": "option", "id": "a", "text": "A"}]},
            {"type": "button", "id": "b", "label": "Go", "action": {"type": "url"}},
            {"type": "marquee"},
        ]}, "stored_data": {"big": "x".repeat(MAX_BYTES)}}});
        let problems = check_response(&v);
        let at: Vec<&str> = problems.iter().map(|p| p.at.as_str()).collect();
        assert!(
            at.contains(&"/canvas/content/components/0/text"),
            "{problems:?}"
        );
        assert!(at.contains(&"/canvas/content/components/0/style"));
        assert!(at.contains(&"/canvas/content/components/1/options"));
        assert!(at.contains(&"/canvas/content/components/2/action/url"));
        assert!(at.contains(&"/canvas/content/components/3/type"));
        assert!(at.contains(&"/canvas/stored_data"));
    }

    #[test]
    fn signature_is_plain_hex_sha256() {
        assert_eq!(
            body_signature("key", b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
