//! Filing a Salesforce case from a conversation, at `/case/:conversation_id`, reached from the
//! card.
//!
//! [`CaseFormLoader`] fetches the conversation's form; [`CaseEditor`] shows it from data (so
//! tests mount it with a known form and their own [`Filer`]): a record type chooser, the
//! chosen form's fields, the shared validation as the teammate types, and the answer.

pub mod api;
mod editor;
mod field;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::case_form::FormInstanceId;
use shared::pages::Bundle;

pub use editor::{CaseEditor, Filer};

use crate::api::abort_on_cleanup;
use crate::app::{PanelNotFound, page_id};
use crate::problem::LoadProblem;
use crate::signin::{SessionProvider, SignedInOnly};

/// The case bundle's app (`src/bin/case.rs`): `/case/:conversation_id` mounted directly, with
/// no router, like the card it is opened from. Signed out, the reader is sent to `/signin`,
/// which comes back here.
#[component]
pub fn CaseApp() -> impl IntoView {
    let page = match page_id(Bundle::Case) {
        Some(conversation_id) => view! {
            <SignedInOnly>
                <CasePage conversation_id=conversation_id.clone() />
            </SignedInOnly>
        }
        .into_any(),
        None => view! { <PanelNotFound /> }.into_any(),
    };
    view! { <SessionProvider>{page}</SessionProvider> }
}

/// The form alone, narrow like the card it is opened from.
#[component]
pub fn CasePage(conversation_id: String) -> impl IntoView {
    view! {
        <main class="case-page">
            <CaseFormLoader conversation_id=conversation_id />
        </main>
    }
}

/// Loads the form of one conversation and shows it, or why it could not be loaded.
#[component]
pub fn CaseFormLoader(conversation_id: String) -> impl IntoView {
    let id = conversation_id.clone();
    let form = LocalResource::new(move || {
        let id = id.clone();
        let abort = abort_on_cleanup();
        async move { api::fetch_case_form(&id, abort.as_ref()).await }
    });
    // "File another case" opens a new form instance.
    let opened = RwSignal::new(0u32);
    let on_retry = Callback::new(move |()| form.refetch());
    let back = crate::api::with_id("/card", &conversation_id);
    view! {
        <section class="case" aria-label="New Salesforce case">
            <header class="case-head">
                <h1 class="case-title">"New Salesforce case"</h1>
                // The card is a bundle of its own: a full page load.
                <a href=back class="case-back" rel="external" data-testid="case-back">
                    "Back to the card"
                </a>
            </header>
            <Suspense fallback=|| {
                view! {
                    <div class="case-loading" role="status" data-testid="case-loading">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading the case form…"
                    </div>
                }
            }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(view) => {
                            let conversation = view.conversation_id.clone();
                            view! {
                                {move || {
                                    let fresh = opened.get() > 0;
                                    let instance = form_instance(&conversation, fresh);
                                    let key = conversation.clone();
                                    view! {
                                        <CaseEditor
                                            view=view.clone()
                                            form_instance_id=instance
                                            filer=http_filer()
                                            on_filed=move |()| forget_form_instance(&key)
                                            on_another=move |()| opened.update(|n| *n += 1)
                                        />
                                    }
                                }}
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <LoadProblem
                                    error=error
                                    what="the case form"
                                    testid="case"
                                    on_retry=on_retry
                                />
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Sends the form to the back end.
pub fn http_filer() -> Filer {
    Callback::new(move |(submission, reply): (_, Callback<_>)| {
        spawn_local(async move {
            let result = api::file_case(&submission).await;
            reply.run(result);
        });
    })
}

fn storage_key(conversation_id: &str) -> String {
    format!("sfbridge.case-form.{conversation_id}")
}

/// The form instance of this tab's open form: kept in the session's storage, so a reload or a
/// retry of a form whose answer was lost sends it again under the same id (and files once).
/// `fresh`: a new form after a filed case.
fn form_instance(conversation_id: &str, fresh: bool) -> FormInstanceId {
    let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    let key = storage_key(conversation_id);
    let kept = storage
        .as_ref()
        .filter(|_| !fresh)
        .and_then(|s| s.get_item(&key).ok().flatten())
        .and_then(|id| FormInstanceId::parse(&id).ok());
    if let Some(kept) = kept {
        return kept;
    }
    let id = new_instance_id();
    if let Some(storage) = &storage {
        // Without storage the id lives as long as the page: still one case per form.
        let _ = storage.set_item(&key, id.as_str());
    }
    id
}

/// Once the case exists, a reload opens a new form.
fn forget_form_instance(conversation_id: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.remove_item(&storage_key(conversation_id));
    }
}

/// `crypto.randomUUID()` where the page is a secure context; elsewhere (plain HTTP on a LAN
/// address) random digits, which serve as well for telling forms apart.
fn new_instance_id() -> FormInstanceId {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    let has_uuid = crypto.as_ref().is_some_and(|c| {
        js_sys::Reflect::has(c, &wasm_bindgen::JsValue::from_str("randomUUID")).unwrap_or(false)
    });
    let id = match crypto.filter(|_| has_uuid) {
        Some(crypto) => crypto.random_uuid(),
        None => (0..4)
            .map(|_| {
                format!(
                    "{:08x}",
                    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
                )
            })
            .collect(),
    };
    FormInstanceId::parse(&id).expect("32 hex digits or a UUID is a form instance id")
}
