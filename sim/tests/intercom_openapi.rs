//! The simulator's REST answers against the example answers of Intercom's OpenAPI description
//! (extracted verbatim into `intercom_support/openapi_examples.json`): every key an example
//! has, the simulator's answer has too, with the same value type.

mod intercom_support;

use intercom_support::*;
use reqwest::Method;
use serde_json::{Value, json};

fn examples() -> Value {
    let text = include_str!("intercom_support/openapi_examples.json");
    serde_json::from_str::<Value>(text).expect("examples JSON")["examples"].clone()
}

/// Keys of the example missing from ours, or with another type (null matches anything).
fn covers(path: &str, example: &Value, ours: &Value, errors: &mut Vec<String>) {
    match (example, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(b)) => {
            if path.ends_with("custom_attributes") {
                return;
            }
            for (k, v) in a {
                match b.get(k) {
                    None => errors.push(format!("{path}.{k}: missing")),
                    Some(w) => covers(&format!("{path}.{k}"), v, w, errors),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                covers(&format!("{path}[0]"), x, y, errors);
            }
        }
        (a, b) if kind(a) != kind(b) => errors.push(format!(
            "{path}: example {} vs simulator {}",
            kind(a),
            kind(b)
        )),
        _ => {}
    }
}

#[tokio::test]
async fn answers_cover_the_openapi_examples() {
    let t = start().await;
    let rose = t.contact_id("maya.patel@globex.example.com").await;
    let conv = t.get("/conversations").await["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead = t
        .post(
            "/contacts",
            json!({"role": "lead", "email": "lead@openapi.example"}),
        )
        .await;
    let doomed = t
        .post(
            "/contacts",
            json!({"role": "user", "email": "doomed@openapi.example", "external_id": "x9"}),
        )
        .await;
    let bob = 991_267_402u64;
    let calls: Vec<(&str, Method, String, Option<Value>)> = vec![
        ("GET /me", Method::GET, "/me".into(), None),
        ("GET /admins", Method::GET, "/admins".into(), None),
        ("GET /contacts", Method::GET, "/contacts".into(), None),
        (
            "POST /contacts",
            Method::POST,
            "/contacts".into(),
            Some(json!({"email": "new@openapi.example", "name": "New"})),
        ),
        (
            "GET /contacts/{contact_id}",
            Method::GET,
            format!("/contacts/{rose}"),
            None,
        ),
        (
            "POST /companies",
            Method::POST,
            "/companies".into(),
            Some(json!({"company_id": "OA-1", "name": "OpenAPI Co"})),
        ),
        ("GET /companies", Method::GET, "/companies".into(), None),
        (
            "GET /conversations/{conversation_id}",
            Method::GET,
            format!("/conversations/{conv}"),
            None,
        ),
        (
            "GET /conversations",
            Method::GET,
            "/conversations".into(),
            None,
        ),
        (
            "POST /contacts/search",
            Method::POST,
            "/contacts/search".into(),
            Some(json!({"query": {"field": "role", "operator": "=", "value": "user"}})),
        ),
        (
            "GET /data_attributes",
            Method::GET,
            "/data_attributes".into(),
            None,
        ),
        ("GET /tags", Method::GET, "/tags".into(), None),
        ("GET /teams", Method::GET, "/teams".into(), None),
        (
            "GET /companies/scroll",
            Method::GET,
            "/companies/scroll".into(),
            None,
        ),
        (
            "POST /conversations/search",
            Method::POST,
            "/conversations/search".into(),
            Some(json!({"query": {"field": "state", "operator": "=", "value": "open"}})),
        ),
        (
            "POST /conversations/{conversation_id}/reply",
            Method::POST,
            format!("/conversations/{conv}/reply"),
            Some(
                json!({"message_type": "comment", "type": "admin", "admin_id": bob, "body": "hi"}),
            ),
        ),
        (
            "DELETE /contacts/{contact_id}",
            Method::DELETE,
            format!("/contacts/{}", doomed["id"].as_str().unwrap()),
            None,
        ),
        (
            "POST /contacts/merge",
            Method::POST,
            "/contacts/merge".into(),
            Some(json!({"from": lead["id"], "into": rose})),
        ),
    ];
    let examples = examples();
    assert_eq!(
        calls.len(),
        examples.as_object().unwrap().len(),
        "every example is checked"
    );
    let mut errors = Vec::new();
    for (name, method, path, body) in calls {
        let (status, ours) = t.call(method, &path, body).await;
        assert!(status.is_success(), "{name}: {status} {ours}");
        covers(name, &examples[name], &ours, &mut errors);
    }
    assert!(
        errors.is_empty(),
        "answers differ from the OpenAPI examples:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_comparison_notices_missing_keys_and_other_types() {
    let mut errors = Vec::new();
    covers(
        "$",
        &json!({"a": 1, "b": {"c": "x"}, "d": [{"e": true}]}),
        &json!({"a": "1", "b": {}, "d": [{"e": 1}]}),
        &mut errors,
    );
    assert_eq!(
        errors,
        [
            "$.a: example number vs simulator string",
            "$.b.c: missing",
            "$.d[0].e: example bool vs simulator number"
        ]
    );
}
