//! What the conversation gives a new case: a subject and the transcript as its description.

use shared::case_form::ConversationPrefill;
use shared::inbox::{AuthorKind, Conversation};

/// The title, else the first message's first line, as the subject's source; every part as
/// "Author: text", oldest first, as the description.
pub fn prefill(conversation: &Conversation) -> ConversationPrefill {
    let first_line = conversation
        .parts
        .iter()
        .flat_map(|p| p.body.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned);
    let title = conversation
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or(first_line);
    let transcript = conversation
        .parts
        .iter()
        .filter(|p| !p.body.trim().is_empty())
        .map(|p| {
            let author = p.author.name.clone().unwrap_or_else(|| {
                match p.author.kind {
                    AuthorKind::Contact => "Customer",
                    AuthorKind::Teammate => "Teammate",
                    AuthorKind::Bot => "Bot",
                }
                .to_owned()
            });
            format!("{author}: {}", p.body.trim())
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    ConversationPrefill { title, transcript }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use shared::inbox::{Author, ConversationState, Part};

    use super::*;

    fn part(kind: AuthorKind, name: Option<&str>, body: &str) -> Part {
        Part {
            id: body.len().to_string(),
            author: Author {
                kind,
                name: name.map(str::to_owned),
            },
            body: body.to_owned(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn an_untitled_conversation_takes_its_first_line_and_keeps_every_part() {
        let conversation = Conversation {
            id: "215".to_owned(),
            title: None,
            contact: None,
            state: ConversationState::Open,
            parts: vec![
                part(
                    AuthorKind::Contact,
                    Some("Maya Patel"),
                    "\nOur last invoice shows the wrong amount.\nCan you check?",
                ),
                part(AuthorKind::Teammate, Some("Bob Baker"), "  "),
                part(AuthorKind::Bot, None, "Thanks, a teammate will reply."),
            ],
        };
        let prefill = prefill(&conversation);
        assert_eq!(
            prefill.subject(255),
            "Our last invoice shows the wrong amount."
        );
        assert_eq!(
            prefill.description(32_000),
            "Maya Patel: Our last invoice shows the wrong amount.\nCan you check?\n\n\
             Bot: Thanks, a teammate will reply."
        );
        let titled = Conversation {
            title: Some("Invoice amount".to_owned()),
            ..conversation
        };
        assert_eq!(super::prefill(&titled).subject(255), "Invoice amount");
    }
}
