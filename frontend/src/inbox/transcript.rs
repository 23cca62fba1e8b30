//! One conversation, oldest part first, as the customer and the teammates wrote it.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::inbox::{Conversation, Part};

use crate::format;
use crate::moment::Moment;

#[component]
pub fn Transcript(conversation: Conversation, now: DateTime<Utc>) -> impl IntoView {
    let Conversation {
        id,
        title,
        contact,
        state,
        parts,
    } = conversation;
    let who = format::contact_label(contact.as_ref());
    // The email under the name, unless the name already is the email.
    let email = contact.and_then(|c| c.email.filter(|email| c.name.is_some() && *email != who));
    let empty = parts
        .is_empty()
        .then(|| view! { <p class="muted" data-testid="transcript-empty">"No messages yet."</p> });
    let body = parts
        .into_iter()
        .map(|part| view! { <TranscriptPart part=part now=now /> })
        .collect_view();
    view! {
        <header class="transcript-head">
            <div class="transcript-who">
                <h2 class="transcript-contact">{who}</h2>
                {email.map(|email| view! { <p class="transcript-email">{email}</p> })}
                {title.map(|title| view! { <p class="transcript-title">{title}</p> })}
            </div>
            <span
                class=format::conversation_state_class(state)
                data-state=format::conversation_state_name(state)
            >
                {format::conversation_state_label(state)}
            </span>
        </header>
        <ol class="transcript" data-testid="transcript" data-conversation-id=id>
            {body}
        </ol>
        {empty}
    }
}

#[component]
fn TranscriptPart(part: Part, now: DateTime<Utc>) -> impl IntoView {
    let Part {
        id,
        author,
        body,
        created_at,
    } = part;
    let kind = format::author_kind_name(author.kind);
    let who = format::author_label(&author);
    let what = format::author_kind_label(author.kind);
    // A nameless author is already shown by what they are; say it once.
    let what = (who != what).then(|| view! { <span class="transcript-kind">{what}</span> });
    view! {
        <li
            class=format!("transcript-part transcript-part-{kind}")
            data-testid="transcript-part"
            data-id=id
            data-author-kind=kind
        >
            <div class="transcript-meta">
                <span class="transcript-author">{who}</span>
                {what}
                <span class="transcript-time">
                    <Moment at=created_at now=now />
                </span>
            </div>
            <p class="transcript-body">{with_line_breaks(&body)}</p>
        </li>
    }
}

/// The body's lines with a `<br>` between each: the text stays plain text (nothing in it is
/// read as HTML), and its line breaks show whatever the page's stylesheet says.
fn with_line_breaks(body: &str) -> impl IntoView + use<> {
    body.split('\n')
        .enumerate()
        .map(|(i, line)| view! { {(i > 0).then(|| view! { <br /> })} {line.to_owned()} })
        .collect_view()
}
