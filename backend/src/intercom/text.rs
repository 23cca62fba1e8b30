//! Intercom message bodies are HTML; transcripts and previews are plain text: tags removed,
//! entities decoded, line breaks and paragraph ends as newlines, inline images as their URLs.

/// Elements whose end starts a new line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "table",
];

/// The plain text of an HTML body: at most one blank line in a row, spaces collapsed, trimmed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open]);
        let after = &rest[open + 1..];
        // `<` not followed by a tag name, `/` or `!` is text ("a < b").
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match tag_end(after).filter(|_| starts_tag) {
            Some(end) => {
                on_tag(&mut out, &after[..end]);
                rest = &after[end + 1..];
            }
            None => {
                push_text(&mut out, "<");
                rest = after;
            }
        }
    }
    push_text(&mut out, rest);
    tidy(&out)
}

/// Text between tags: source whitespace (newlines included) is one space, entities decoded.
fn push_text(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let spaced: String = raw
        .chars()
        .map(|c| if c.is_ascii_whitespace() { ' ' } else { c })
        .collect();
    out.push_str(&html_escape::decode_html_entities(&spaced));
}

/// Where the tag that starts `after` (just past its `<`) ends: its `>` outside quotes.
fn tag_end(after: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn on_tag(out: &mut String, inner: &str) {
    if inner.starts_with('!') {
        return; // comment or doctype
    }
    let closing = inner.starts_with('/');
    let name: String = inner
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match name.as_str() {
        "br" => out.push('\n'),
        "img" if !closing => {
            if let Some(src) = attribute(inner, "src") {
                out.push(' ');
                out.push_str(&src);
                out.push(' ');
            }
        }
        block if closing && BLOCKS.contains(&block) => out.push('\n'),
        _ => {}
    }
}

/// The decoded value of attribute `wanted` in a tag's inside (`img src="..." alt=x`).
fn attribute(inner: &str, wanted: &str) -> Option<String> {
    // Skip the tag name, then read `name[=value]` pairs.
    let mut rest = inner.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            let (value, remaining) = match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after_eq[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after_eq
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after_eq.len());
                    (&after_eq[..end], &after_eq[end..])
                }
            };
            rest = remaining;
            value
        } else {
            ""
        };
        if name.eq_ignore_ascii_case(wanted) {
            let value = html_escape::decode_html_entities(value).trim().to_owned();
            return (!value.is_empty()).then_some(value);
        }
    }
}

/// Collapses spaces within lines and keeps at most one blank line between paragraphs.
fn tidy(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let blank_after_blank =
            line.is_empty() && lines.last().is_none_or(|last: &String| last.is_empty());
        if !blank_after_blank {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_breaks_become_lines() {
        assert_eq!(
            html_to_text("<p>Our last invoice shows the wrong amount.</p><p>Can you check?</p>"),
            "Our last invoice shows the wrong amount.\nCan you check?"
        );
        assert_eq!(
            html_to_text("<p>line one<br>line two<br/>line three</p>"),
            "line one\nline two\nline three"
        );
        assert_eq!(html_to_text("<p>a</p><p><br></p><p>b</p>"), "a\n\nb");
        assert_eq!(html_to_text("Just text"), "Just text");
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn entities_are_decoded_and_tags_removed() {
        assert_eq!(
            html_to_text(
                "<p>Tom &amp; Jerry&#39;s <b>bold</b> &lt;tag&gt; caf&eacute; &#x1F600;</p>"
            ),
            "Tom & Jerry's bold <tag> café 😀"
        );
        assert_eq!(
            html_to_text("<p>1 < 2 and <a href=\"https://x.example/?a=1&amp;b=2\">link</a></p>"),
            "1 < 2 and link"
        );
        assert_eq!(
            html_to_text("<div>\n  spread\n  over   lines\n</div><!-- note -->"),
            "spread over lines"
        );
    }

    #[test]
    fn images_become_their_urls() {
        assert_eq!(
            html_to_text(
                "<p>The export fails with this error:</p><p><img src=\"https://downloads.intercomcdn.com/i/o/sfbdemo1/export-error.png\"></p>"
            ),
            "The export fails with this error:\nhttps://downloads.intercomcdn.com/i/o/sfbdemo1/export-error.png"
        );
        assert_eq!(
            html_to_text("see<img alt='a > b' SRC='https://x.example/a.png?w=1&amp;h=2'/>here"),
            "see https://x.example/a.png?w=1&h=2 here"
        );
        assert_eq!(html_to_text("<img alt=\"no source\">"), "");
    }
}
