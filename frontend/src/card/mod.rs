//! The inbox card: a conversation's person as Salesforce knows them, beside the conversation.
//!
//! [`ConversationCard`] loads the card for one conversation and is what both the card page and
//! the demo inbox show; [`CardContent`], [`CardLoading`] and the failure panel only render what
//! they are given, so tests mount them with known values and no server.

mod found;
mod opportunities;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::card::{CardView, NoMatch};
use shared::pages::Bundle;

use found::{CreateCaseLink, FoundCard};
use opportunities::Opportunities;

use crate::api::{self, LoadError};
use crate::app::{PanelNotFound, page_id};
use crate::problem::LoadProblem;
use crate::signin::{SessionProvider, SignedInOnly};
use crate::{clock, format};

/// The card bundle's app (`src/bin/card.rs`): `/card/:conversation_id` mounted directly, with
/// no router, so the page an inbox's side panel opens loads as little as it can. Signed out,
/// the reader is sent to `/signin`, which comes back here.
#[component]
pub fn CardApp() -> impl IntoView {
    let page = match page_id(Bundle::Card) {
        Some(conversation_id) => view! {
            <SignedInOnly>
                <CardPage conversation_id=conversation_id.clone() />
            </SignedInOnly>
        }
        .into_any(),
        None => view! { <PanelNotFound /> }.into_any(),
    };
    view! { <SessionProvider>{page}</SessionProvider> }
}

/// The card alone, narrow enough for an inbox's side panel.
#[component]
pub fn CardPage(conversation_id: String) -> impl IntoView {
    view! {
        <main class="card-page">
            <ConversationCard conversation_id=conversation_id />
        </main>
    }
}

/// Fetches the card of one conversation and shows it in whichever state it is in.
/// A new conversation needs a new `ConversationCard`: the old one's request is then aborted.
#[component]
pub fn ConversationCard(conversation_id: String) -> impl IntoView {
    let (closed, set_closed) = signal(false);
    let card = LocalResource::new(move || load_card(conversation_id.clone(), closed.get()));
    let (pending, set_pending) = signal(false);
    // Made here, not in the Suspend below: the Transition keeps showing the last view while
    // the next one loads, and that view still reads this after the Suspend has re-run.
    let pending = Signal::from(pending);
    let on_retry = Callback::new(move |()| card.refetch());
    let on_show_closed = Callback::new(move |show: bool| set_closed.set(show));
    view! {
        // A Transition keeps the card on screen while closed opportunities or a retry load.
        <Transition fallback=CardLoading set_pending=set_pending>
            {move || Suspend::new(async move {
                match card.await {
                    Ok(card) => {
                        view! {
                            <CardContent
                                card=card
                                now=clock::now()
                                on_show_closed=on_show_closed
                                busy=pending
                            />
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <LoadProblem
                                error=error
                                what="the card"
                                testid="card"
                                on_retry=on_retry
                                retrying=pending
                            />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn load_card(
    conversation_id: String,
    closed: bool,
) -> impl Future<Output = Result<CardView, LoadError>> {
    let abort = api::abort_on_cleanup();
    async move { api::fetch_card(&conversation_id, closed, abort.as_ref()).await }
}

#[component]
pub fn CardLoading() -> impl IntoView {
    view! {
        <div class="sf-card sf-card-loading" role="status" data-testid="card-loading">
            <span class="spinner" aria-hidden="true"></span>
            "Loading the Salesforce record…"
        </div>
    }
}

/// The card as the back end sent it: the person's record, or why there is none.
#[component]
pub fn CardContent(
    card: CardView,
    /// The moment "read 5 minutes ago" is measured from.
    now: DateTime<Utc>,
    /// Asks for the card again with (true) or without (false) the closed opportunities.
    #[prop(into)]
    on_show_closed: Callback<bool>,
    /// True while such a request is under way.
    #[prop(optional, into)]
    busy: Signal<bool>,
) -> impl IntoView {
    match card {
        CardView::Found(card) => view! {
            <FoundCard card=*card now=now on_show_closed=on_show_closed busy=busy />
        }
        .into_any(),
        CardView::NotInSalesforce {
            reason,
            conversation_id,
        } => view! { <NotInSalesforce reason=reason conversation_id=conversation_id /> }.into_any(),
    }
}

#[component]
fn NotInSalesforce(reason: NoMatch, conversation_id: String) -> impl IntoView {
    view! {
        <div class="sf-card sf-card-empty" data-testid="card-empty">
            <p class="sf-empty-title">"Not in Salesforce"</p>
            <p
                class="sf-empty-reason"
                data-testid="card-empty-reason"
                data-reason=format::no_match_name(reason)
            >
                {reason.explain()}
            </p>
            // A case needs no contact: it can still be filed.
            <CreateCaseLink conversation_id=conversation_id />
        </div>
    }
}
