//! Canvas Kit components whose text Intercom reads as Markdown.
//!
//! Of the components the app draws, only `text` renders Markdown (links and bold, per Canvas
//! Kit's reference); data-table values, option texts, labels and input values are shown as
//! they are. A `text` component carries names, statuses and messages from Salesforce and
//! Intercom, so its text is always escaped here: a Lead named `[Verify](https://evil.example)`
//! must read as those characters, never as a link.

use serde_json::{Value, json};

/// The characters that can open a link, an autolink, inline HTML, emphasis or code. Each is
/// backslash-escaped (CommonMark treats any escaped ASCII punctuation as itself); every other
/// character already renders as itself in a single-line text.
const MARKDOWN_SYNTAX: [char; 9] = ['\\', '`', '*', '_', '[', ']', '(', ')', '<'];

/// `text` as Markdown that renders exactly `text`.
pub fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if MARKDOWN_SYNTAX.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A `text` component (`style`: header, paragraph, muted or error) showing `text` verbatim.
pub fn text(text: &str, style: &str) -> Value {
    json!({"type": "text", "text": escape_markdown(text), "style": style})
}

/// What a teammate reads in a `text` component's Markdown, rendered as CommonMark does, and
/// whether any of it is a link, an image, HTML, code or emphasis.
#[cfg(test)]
pub(crate) fn shown(markdown: &str) -> (String, Vec<String>) {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut plain = String::new();
    let mut markup = Vec::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) => plain.push_str(&t),
            Event::SoftBreak | Event::HardBreak => plain.push('\n'),
            Event::Start(Tag::Paragraph) | Event::End(_) => {}
            other => markup.push(format!("{other:?}")),
        }
    }
    (plain, markup)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values as people type them into Salesforce and Intercom, tricks included.
    const VALUES: [&str; 11] = [
        "[Verify](https://evil.example)",
        "![x](https://evil.example/x.png)",
        "<https://evil.example>",
        "<a href=\"https://evil.example\">Verify</a>",
        "**urgent** and __bold__ and *em* and _em_",
        "`code` and ``more``",
        "Already \\[escaped\\] \\\\",
        "O'Brien & Sons (EMEA) #1 - 50% off!",
        "Working - Contacted",
        "maya.patel@globex.example.com",
        "Zoë · 東京 · 🚀",
    ];

    #[test]
    fn every_value_reads_as_itself_and_never_as_markup() {
        for value in VALUES {
            let (plain, markup) = shown(&escape_markdown(value));
            assert_eq!(markup, Vec::<String>::new(), "{value:?} became markup");
            assert_eq!(plain, value, "{value:?} does not read as itself");
        }
    }

    #[test]
    fn a_link_name_is_a_link_unless_escaped() {
        let name = "[Verify](https://evil.example)";
        let (_, markup) = shown(name);
        assert!(
            markup.iter().any(|m| m.contains("Link")),
            "the renderer reads links: {markup:?}"
        );
        let component = text(name, "header");
        assert_eq!(component["text"], r"\[Verify\]\(https://evil.example\)");
        assert_eq!(component["style"], "header");
        assert_eq!(component["type"], "text");
    }

    #[test]
    fn plain_words_are_left_alone() {
        for plain in [
            "Maya Patel",
            "Salesforce lead · Working - Contacted",
            "ACC-0001",
        ] {
            assert_eq!(escape_markdown(plain), plain);
        }
    }
}
