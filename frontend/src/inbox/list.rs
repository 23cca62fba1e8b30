//! The conversations of the workspace, newest first; the selected one is marked.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::inbox::ConversationSummary;

use super::conversation_href;
use crate::format;
use crate::moment::Moment;

#[component]
pub fn ConversationList(
    conversations: Vec<ConversationSummary>,
    #[prop(into)] selected: Signal<Option<String>>,
    now: DateTime<Utc>,
) -> impl IntoView {
    if conversations.is_empty() {
        return view! {
            <p class="inbox-empty" data-testid="conversation-list-empty">
                "No conversations in this workspace yet."
            </p>
        }
        .into_any();
    }
    let items = conversations
        .into_iter()
        .map(|conversation| {
            view! { <ConversationItem conversation=conversation selected=selected now=now /> }
        })
        .collect_view();
    view! {
        <ul class="conversation-list" data-testid="conversation-list">
            {items}
        </ul>
    }
    .into_any()
}

/// One conversation: a link, so it opens like any page and the Back button returns to it.
#[component]
fn ConversationItem(
    conversation: ConversationSummary,
    selected: Signal<Option<String>>,
    now: DateTime<Utc>,
) -> impl IntoView {
    let ConversationSummary {
        id,
        title,
        contact,
        state,
        preview,
        updated_at,
    } = conversation;
    let href = conversation_href(&id);
    let current = {
        let id = id.clone();
        move || (selected.read().as_deref() == Some(id.as_str())).then_some("page")
    };
    view! {
        <li>
            <a
                class="conversation"
                href=href
                data-testid="conversation-item"
                data-id=id
                aria-current=current
            >
                <span class="conversation-top">
                    <span class="conversation-contact">
                        {format::contact_label(contact.as_ref())}
                    </span>
                    <span class="conversation-time">
                        <Moment at=updated_at now=now />
                    </span>
                </span>
                {title.map(|title| view! { <span class="conversation-title">{title}</span> })}
                <span class="conversation-preview">{preview}</span>
                <span
                    class=format::conversation_state_class(state)
                    data-state=format::conversation_state_name(state)
                >
                    {format::conversation_state_label(state)}
                </span>
            </a>
        </li>
    }
}
