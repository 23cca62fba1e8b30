//! The card's way into the pages: URL actions opening sfbridge as the teammate looking at the
//! card ("Open in sfbridge", and the full case form), each carrying a short-lived signed ticket.

use serde_json::{Value, json};

use super::component_ids;

/// Where the card's URL actions go: each a sign-in page carrying a ticket.
pub struct PageLinks {
    /// The card's page.
    pub open: String,
    /// The full case form.
    pub case_form: String,
}

/// The canvas with the two URL-action buttons after its components (on the card itself, not
/// on the case form or an error state).
pub fn with_page_links(mut canvas: Value, links: &PageLinks) -> Value {
    if let Some(components) = canvas
        .pointer_mut("/canvas/content/components")
        .and_then(Value::as_array_mut)
    {
        components.push(json!({
            "type": "button", "id": component_ids::OPEN_IN_SFBRIDGE, "label": "Open in sfbridge",
            "style": "link", "action": {"type": "url", "url": links.open},
        }));
        components.push(json!({
            "type": "button", "id": component_ids::FULL_CASE_FORM, "label": "Full case form",
            "style": "link", "action": {"type": "url", "url": links.case_form},
        }));
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_follow_the_card_as_url_actions() {
        let canvas =
            json!({"canvas": {"content": {"components": [{"type": "text", "text": "x"}]}}});
        let links = PageLinks {
            open: "https://sfb.example/signin?ticket=t&next=/card/1".into(),
            case_form: "https://sfb.example/signin?ticket=t&next=/case/1".into(),
        };
        let canvas = with_page_links(canvas, &links);
        let components = canvas["canvas"]["content"]["components"]
            .as_array()
            .unwrap();
        assert_eq!(components.len(), 3);
        assert_eq!(components[1]["action"]["type"], "url");
        assert_eq!(components[1]["action"]["url"], links.open);
        assert_eq!(components[2]["action"]["url"], links.case_form);
    }
}
