//! The demo inbox: the Intercom workspace's conversations on the left, the selected one's
//! transcript in the middle, and its inbox card on the right.
//!
//! [`InboxPage`] reads the selection from the URL and [`Inbox`] loads what it shows;
//! [`ConversationList`] and [`Transcript`] only render what they are given, so tests mount
//! them with known values and no server.

mod list;
mod transcript;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::inbox::{Conversation, ConversationList as Conversations};

pub use list::ConversationList;
pub use transcript::Transcript;

use crate::api::{self, LoadError};
use crate::card::ConversationCard;
use crate::clock;
use crate::problem::LoadProblem;

/// The address of a conversation in the demo inbox.
pub fn conversation_href(conversation_id: &str) -> String {
    crate::api::with_id("/inbox", conversation_id)
}

/// `/inbox` and `/inbox/:conversation_id`. One route for both, so choosing another
/// conversation keeps the list as it is and replaces only the transcript and the card.
#[component]
pub fn InboxPage() -> impl IntoView {
    let params = use_params_map();
    let selected = Memo::new(move |_| params.read().get("conversation_id"));
    view! { <Inbox selected=selected /> }
}

/// The three columns; `selected` is the conversation whose transcript and card are shown.
#[component]
pub fn Inbox(#[prop(into)] selected: Signal<Option<String>>) -> impl IntoView {
    let conversations = LocalResource::new(load_conversations);
    let (reloading, set_reloading) = signal(false);
    // Made here, not in the Suspend: the Transition's last view outlives a Suspend re-run.
    let reloading = Signal::from(reloading);
    let on_retry = Callback::new(move |()| conversations.refetch());
    view! {
        <div class="inbox">
            <aside class="inbox-column inbox-list" aria-label="Conversations">
                <h1 class="inbox-heading">"Inbox"</h1>
                <Transition
                    fallback=|| {
                        view! {
                            <ColumnLoading testid="conversation-list-loading" what="conversations" />
                        }
                    }
                    set_pending=set_reloading
                >
                    {move || Suspend::new(async move {
                        match conversations.await {
                            Ok(Conversations { conversations }) => {
                                view! {
                                    <ConversationList
                                        conversations=conversations
                                        selected=selected
                                        now=clock::now()
                                    />
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! {
                                    <LoadProblem
                                        error=error
                                        what="the conversations"
                                        testid="conversation-list"
                                        on_retry=on_retry
                                        retrying=reloading
                                    />
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </aside>
            {move || match selected.get() {
                Some(id) => {
                    view! {
                        <section class="inbox-column inbox-transcript" aria-label="Conversation">
                            <ConversationPane conversation_id=id.clone() />
                        </section>
                        <aside class="inbox-column inbox-card" aria-label="Salesforce">
                            <ConversationCard conversation_id=id />
                        </aside>
                    }
                        .into_any()
                }
                None => view! { <NoSelection /> }.into_any(),
            }}
        </div>
    }
}

fn load_conversations() -> impl Future<Output = Result<Conversations, LoadError>> {
    let abort = api::abort_on_cleanup();
    async move { api::fetch_conversations(abort.as_ref()).await }
}

/// Loads one conversation's transcript.
#[component]
fn ConversationPane(conversation_id: String) -> impl IntoView {
    let conversation = LocalResource::new(move || load_conversation(conversation_id.clone()));
    let (reloading, set_reloading) = signal(false);
    let reloading = Signal::from(reloading);
    let on_retry = Callback::new(move |()| conversation.refetch());
    view! {
        <Transition
            fallback=|| {
                view! { <ColumnLoading testid="transcript-loading" what="the conversation" /> }
            }
            set_pending=set_reloading
        >
            {move || Suspend::new(async move {
                match conversation.await {
                    Ok(conversation) => {
                        view! { <Transcript conversation=conversation now=clock::now() /> }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <LoadProblem
                                error=error
                                what="the conversation"
                                testid="transcript"
                                on_retry=on_retry
                                retrying=reloading
                            />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn load_conversation(
    conversation_id: String,
) -> impl Future<Output = Result<Conversation, LoadError>> {
    let abort = api::abort_on_cleanup();
    async move { api::fetch_conversation(&conversation_id, abort.as_ref()).await }
}

#[component]
fn ColumnLoading(testid: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status" data-testid=testid>
            <span class="spinner" aria-hidden="true"></span>
            {format!("Loading {what}…")}
        </div>
    }
}

#[component]
fn NoSelection() -> impl IntoView {
    view! {
        <div class="inbox-placeholder" data-testid="inbox-no-selection">
            <p>
                "Choose a conversation to read it, with the customer's Salesforce record beside it."
            </p>
        </div>
    }
}
