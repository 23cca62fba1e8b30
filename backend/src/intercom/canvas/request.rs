//! Initialize and Submit requests as Intercom sends them, read into [`CanvasRequest`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::component_ids;
use crate::intercom::ContactRole;
use crate::intercom::contacts::non_empty;
use crate::intercom::wire::opt_id;

/// An Initialize request (a teammate opened the card) or a Submit request (they pressed a
/// button or changed a dropdown with a submit action).
#[derive(Debug, Clone, PartialEq)]
pub struct CanvasRequest {
    /// The Intercom workspace (app id) the card is shown in.
    pub workspace_id: String,
    /// The teammate looking at the card.
    pub admin_id: String,
    /// The conversation open beside the card (from `context`, else `conversation`).
    pub conversation_id: Option<String>,
    /// The conversation's contact, if it has one.
    pub contact: Option<CanvasContact>,
    /// Submit only: the component that was used (see [`component_ids`]).
    pub component_id: Option<String>,
    /// Submit only: the current value of each input component, by component id.
    pub input_values: BTreeMap<String, Value>,
    /// Submit only: the `stored_data` of the canvas the teammate acted on.
    pub stored_data: Map<String, Value>,
}

/// The contact as a Canvas Kit request carries it (Intercom's full contact object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanvasContact {
    /// Intercom's contact id.
    pub id: String,
    /// The identity key (users), if set.
    pub external_id: Option<String>,
    /// The contact's email, if set.
    pub email: Option<String>,
    /// The contact's name, if set.
    pub name: Option<String>,
    /// User or lead.
    pub role: ContactRole,
}

/// Why a Canvas Kit request could not be read; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanvasRequestError {
    /// Not JSON, or a field of the wrong type.
    #[error("the Canvas Kit request is not the JSON object expected: {0}")]
    Malformed(String),
    /// A field the app needs is absent or empty (named as a path: `admin.id`).
    #[error("the Canvas Kit request has no `{0}`")]
    Missing(&'static str),
    /// A field holds a value the app does not know.
    #[error("the Canvas Kit request's `{field}` is {value:?}, which is not valid")]
    Invalid {
        /// The field, as a path.
        field: &'static str,
        /// What it held.
        value: String,
    },
}

#[derive(Deserialize)]
struct Wire {
    workspace_id: Option<String>,
    admin: Option<WireAdmin>,
    conversation: Option<WireConversation>,
    contact: Option<WireContact>,
    context: Option<WireContext>,
    component_id: Option<String>,
    input_values: Option<Map<String, Value>>,
    current_canvas: Option<WireCanvas>,
}

#[derive(Deserialize)]
struct WireAdmin {
    #[serde(default, deserialize_with = "opt_id")]
    id: Option<String>,
}

#[derive(Deserialize)]
struct WireConversation {
    #[serde(default, deserialize_with = "opt_id")]
    id: Option<String>,
}

#[derive(Deserialize)]
struct WireContext {
    /// A number in Intercom's requests.
    #[serde(default, deserialize_with = "opt_id")]
    conversation_id: Option<String>,
}

#[derive(Deserialize)]
struct WireContact {
    id: Option<String>,
    external_id: Option<String>,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
}

/// `current_canvas` is a canvas object: `{"content":..,"stored_data":..}`.
#[derive(Deserialize)]
struct WireCanvas {
    stored_data: Option<Map<String, Value>>,
}

impl CanvasRequest {
    /// Reads a request body (after its signature has been checked).
    pub fn parse(body: &[u8]) -> Result<CanvasRequest, CanvasRequestError> {
        let wire: Wire = serde_json::from_slice(body)
            .map_err(|e| CanvasRequestError::Malformed(e.to_string()))?;
        let workspace_id = wire
            .workspace_id
            .filter(|w| !w.is_empty())
            .ok_or(CanvasRequestError::Missing("workspace_id"))?;
        let admin_id = wire
            .admin
            .and_then(|a| a.id)
            .filter(|a| !a.is_empty())
            .ok_or(CanvasRequestError::Missing("admin.id"))?;
        let conversation_id = wire
            .context
            .and_then(|c| c.conversation_id)
            .or_else(|| wire.conversation.and_then(|c| c.id))
            .filter(|c| !c.is_empty());
        let contact = wire.contact.map(CanvasContact::from_wire).transpose()?;
        Ok(CanvasRequest {
            workspace_id,
            admin_id,
            conversation_id,
            contact,
            component_id: wire.component_id.filter(|c| !c.is_empty()),
            input_values: wire.input_values.unwrap_or_default().into_iter().collect(),
            stored_data: wire
                .current_canvas
                .and_then(|c| c.stored_data)
                .unwrap_or_default(),
        })
    }

    /// The text value of input component `id`, if it has one.
    pub fn input(&self, id: &str) -> Option<&str> {
        self.input_values
            .get(id)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The opportunity the teammate picked in the dropdown, else the one the canvas showed.
    pub fn selected_opportunity(&self) -> Option<&str> {
        self.input(component_ids::OPPORTUNITY).or_else(|| {
            self.stored_data
                .get(super::render::STORED_OPPORTUNITY)
                .and_then(Value::as_str)
        })
    }
}

impl CanvasContact {
    fn from_wire(c: WireContact) -> Result<CanvasContact, CanvasRequestError> {
        let id = non_empty(c.id).ok_or(CanvasRequestError::Missing("contact.id"))?;
        let role = c.role.ok_or(CanvasRequestError::Missing("contact.role"))?;
        let role = ContactRole::parse(&role).ok_or(CanvasRequestError::Invalid {
            field: "contact.role",
            value: role,
        })?;
        Ok(CanvasContact {
            id,
            external_id: non_empty(c.external_id),
            email: non_empty(c.email),
            name: non_empty(c.name),
            role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape `sim::intercom::canvas` sends (and Intercom documents), trimmed.
    fn initialize() -> Value {
        json!({
            "workspace_id": "sfbdemo1",
            "workspace_region": "US",
            "admin": {"type": "admin", "id": "991267401", "name": "Alice Anders", "email": "alice@example.com"},
            "conversation": {"type": "conversation", "id": "215472621202601"},
            "contact": {"type": "contact", "id": "695b7e6c0000000000000010", "role": "user",
                        "external_id": "u-1001", "email": "maya.patel@globex.example.com", "name": "Maya Patel"},
            "context": {"conversation_id": 215472621202601u64, "location": "conversation", "locale": "en"},
            "card_creation_options": {},
        })
    }

    fn parse(v: &Value) -> Result<CanvasRequest, CanvasRequestError> {
        CanvasRequest::parse(v.to_string().as_bytes())
    }

    #[test]
    fn reads_an_initialize_request() {
        let r = parse(&initialize()).unwrap();
        assert_eq!(r.workspace_id, "sfbdemo1");
        assert_eq!(r.admin_id, "991267401");
        assert_eq!(r.conversation_id.as_deref(), Some("215472621202601"));
        assert_eq!(
            r.contact,
            Some(CanvasContact {
                id: "695b7e6c0000000000000010".into(),
                external_id: Some("u-1001".into()),
                email: Some("maya.patel@globex.example.com".into()),
                name: Some("Maya Patel".into()),
                role: ContactRole::User,
            })
        );
        assert_eq!(r.component_id, None);
        assert!(r.input_values.is_empty() && r.stored_data.is_empty());
        assert_eq!(r.selected_opportunity(), None);
    }

    #[test]
    fn reads_a_submit_request() {
        let mut v = initialize();
        v["component_id"] = json!("opportunity");
        v["input_values"] = json!({"opportunity": "006000000000002AAA"});
        v["current_canvas"] = json!({"content": {"components": []},
                                     "stored_data": {"conversation_id": "215472621202601", "opportunity": "006000000000001AAA"}});
        v["contact"] = json!({"type": "contact", "id": "c1", "role": "lead", "external_id": null, "email": ""});
        let r = parse(&v).unwrap();
        assert_eq!(r.component_id.as_deref(), Some(component_ids::OPPORTUNITY));
        assert_eq!(r.input("opportunity"), Some("006000000000002AAA"));
        assert_eq!(r.selected_opportunity(), Some("006000000000002AAA"));
        let contact = r.contact.unwrap();
        assert_eq!(contact.role, ContactRole::Lead);
        assert_eq!((contact.external_id, contact.email), (None, None));

        // Pressing "Try again" carries no dropdown value: the shown opportunity stays.
        v["component_id"] = json!("retry");
        v["input_values"] = json!({});
        let r = parse(&v).unwrap();
        assert_eq!(r.selected_opportunity(), Some("006000000000001AAA"));
    }

    #[test]
    fn a_conversation_without_contact_or_context_still_reads() {
        let mut v = initialize();
        v["contact"] = Value::Null;
        v.as_object_mut().unwrap().remove("context");
        let r = parse(&v).unwrap();
        assert_eq!(r.contact, None);
        assert_eq!(r.conversation_id.as_deref(), Some("215472621202601"));
    }

    #[test]
    fn errors_name_the_missing_field() {
        let without = |path: &[&str]| {
            let mut v = initialize();
            let (last, parents) = path.split_last().unwrap();
            let mut at = &mut v;
            for p in parents {
                at = &mut at[*p];
            }
            at.as_object_mut().unwrap().remove(*last);
            parse(&v).unwrap_err()
        };
        assert_eq!(
            without(&["workspace_id"]),
            CanvasRequestError::Missing("workspace_id")
        );
        assert_eq!(without(&["admin"]), CanvasRequestError::Missing("admin.id"));
        assert_eq!(
            without(&["admin", "id"]),
            CanvasRequestError::Missing("admin.id")
        );
        assert_eq!(
            without(&["contact", "id"]),
            CanvasRequestError::Missing("contact.id")
        );
        assert_eq!(
            without(&["contact", "role"]),
            CanvasRequestError::Missing("contact.role")
        );
        let mut v = initialize();
        v["contact"]["role"] = json!("visitor");
        let error = parse(&v).unwrap_err();
        assert!(error.to_string().contains("contact.role"), "{error}");
        assert!(matches!(
            CanvasRequest::parse(b"[1,2]"),
            Err(CanvasRequestError::Malformed(_))
        ));
        assert!(matches!(
            CanvasRequest::parse(b"not json"),
            Err(CanvasRequestError::Malformed(_))
        ));
    }
}
