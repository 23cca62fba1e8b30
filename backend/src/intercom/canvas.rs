//! Canvas Kit: the inbox card inside Intercom. Intercom signs each Initialize and Submit request
//! (`X-Body-Signature`); the app answers with components. `request` reads the requests,
//! `render` draws the card model and its error states as components, `components` escapes the
//! text Intercom reads as Markdown.

mod case_form;
mod components;
mod links;
mod render;
mod request;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};

pub use case_form::{
    CaseCanvas, field_component, read_values, render_case_filed, render_case_form, stored_case,
};
pub use components::escape_markdown;
pub use links::{PageLinks, with_page_links};
pub use render::{MAX_KEY_FACTS, render_card, render_error};
pub use request::{CanvasContact, CanvasRequest, CanvasRequestError};

/// The header carrying the request's signature.
pub const SIGNATURE_HEADER: &str = "x-body-signature";

/// Ids of the components a Submit request can name (or carry a value for): stable, so the
/// handler can read them back.
pub mod component_ids {
    /// The dropdown that switches between opportunities; its value is the opportunity's id.
    pub const OPPORTUNITY: &str = "opportunity";
    /// "Try again" on the Salesforce-unreachable state.
    pub const RETRY: &str = "retry";
    /// The "Open in Salesforce" link button (a URL action: never submitted).
    pub const OPEN_IN_SALESFORCE: &str = "open_in_salesforce";
    /// "Create case" on the card: opens the case form.
    pub const CREATE_CASE: &str = "create_case";
    /// The case form's record type dropdown (choosing re-renders the fields).
    pub const CASE_RECORD_TYPE: &str = "case_record_type";
    /// Each case field's input is this prefix and the field's api name.
    pub const CASE_FIELD_PREFIX: &str = "case.";
    /// "File case".
    pub const FILE_CASE: &str = "file_case";
    /// "Cancel" on the form, "Back to the card" once filed.
    pub const CANCEL_CASE: &str = "cancel_case";
    /// The filed case's link into Salesforce.
    pub const OPEN_CASE: &str = "open_case";
    /// "Open in sfbridge": the card's page, signed in as the teammate (a URL action).
    pub const OPEN_IN_SFBRIDGE: &str = "open_in_sfbridge";
    /// "Full case form": the case page, signed in as the teammate (a URL action).
    pub const FULL_CASE_FORM: &str = "full_case_form";
}

/// The workspace a Canvas Kit request names: read before its signature is checked, only to
/// choose whose secret checks it; nothing else in the body is read until it verifies.
pub fn workspace_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Routing {
        workspace_id: Option<String>,
    }
    serde_json::from_slice::<Routing>(body)
        .ok()?
        .workspace_id
        .filter(|w| !w.is_empty())
}

/// Whether `header` (`X-Body-Signature`) is the hex HMAC-SHA256 of the raw `body` keyed with
/// the app's client secret. Compared in constant time; a missing or non-hex header is false.
pub fn verify_signature(client_secret: &SecretString, body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| hex::decode(h.trim()).ok()) else {
        return false;
    };
    let Ok(mut mac) =
        Hmac::<sha2::Sha256>::new_from_slice(client_secret.expose_secret().as_bytes())
    else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::intercom::canvas::body_signature;

    const SECRET: &str = "sfbridge-sim-client-secret-3f9a1c2e";
    const BODY: &[u8] = br#"{"workspace_id":"sfbdemo1","admin":{"id":"991267401"},"context":{"conversation_id":215472621202601}}"#;

    fn secret() -> SecretString {
        SecretString::from(SECRET)
    }

    #[test]
    fn the_simulated_inbox_s_signature_verifies() {
        let signature = body_signature(SECRET, BODY);
        assert!(verify_signature(&secret(), BODY, Some(&signature)));
        assert!(verify_signature(
            &secret(),
            BODY,
            Some(&signature.to_uppercase())
        ));
    }

    #[test]
    fn a_known_vector_verifies() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        let fox = b"The quick brown fox jumps over the lazy dog";
        let signature = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        assert_eq!(body_signature("key", fox), signature);
        assert!(verify_signature(
            &SecretString::from("key"),
            fox,
            Some(signature)
        ));
    }

    #[test]
    fn forged_signatures_fail() {
        let signature = body_signature(SECRET, BODY);
        // The right body signed with another secret.
        let other = body_signature("not-the-secret", BODY);
        assert!(!verify_signature(&secret(), BODY, Some(&other)));
        // A changed body under the original signature.
        let mut changed = BODY.to_vec();
        changed[20] ^= 1;
        assert!(!verify_signature(&secret(), &changed, Some(&signature)));
        // Cut short, not hex, prefixed like webhook signatures.
        assert!(!verify_signature(&secret(), BODY, Some(&signature[..32])));
        assert!(!verify_signature(&secret(), BODY, Some("not hex at all")));
        assert!(!verify_signature(
            &secret(),
            BODY,
            Some(&format!("sha256={signature}"))
        ));
    }

    #[test]
    fn the_workspace_routes_the_request() {
        assert_eq!(workspace_of(BODY).as_deref(), Some("sfbdemo1"));
        assert_eq!(workspace_of(b"{}"), None);
        assert_eq!(workspace_of(b"not json"), None);
    }

    #[test]
    fn a_missing_or_empty_header_fails() {
        assert!(!verify_signature(&secret(), BODY, None));
        assert!(!verify_signature(&secret(), BODY, Some("")));
    }
}
