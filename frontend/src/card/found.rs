//! A person Salesforce knows: their record, owner, account and opportunities.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::card::{Account, Card, Owner, Person, PersonKind};

use super::Opportunities;
use crate::format;
use crate::moment::Moment;

#[component]
pub fn FoundCard(
    card: Card,
    now: DateTime<Utc>,
    #[prop(into)] on_show_closed: Callback<bool>,
    #[prop(optional, into)] busy: Signal<bool>,
) -> impl IntoView {
    let Card {
        conversation_id,
        person,
        matched_by,
        owner,
        account,
        opportunities,
        closed_opportunities,
        fetched_at,
        ..
    } = card;
    // A lead has no account, so it has no opportunities unless the back end sent some.
    let show_opportunities = person.kind == PersonKind::Contact || !opportunities.is_empty();
    let person_id = person.id.clone();
    view! {
        <article
            class="sf-card"
            data-testid="card"
            data-person-id=person_id
            aria-label="Salesforce record"
        >
            <PersonHeader person=person.clone() />
            <PersonFacts person=person owner=owner />
            {account.map(|account| view! { <AccountSection account=account /> })}
            {show_opportunities
                .then(|| {
                    view! {
                        <Opportunities
                            opportunities=opportunities
                            closed_count=closed_opportunities
                            on_show_closed=on_show_closed
                            busy=busy
                        />
                    }
                })}
            <footer class="sf-card-foot">
                {format::matched_by(matched_by)} " · read " <Moment at=fetched_at now=now />
                <CreateCaseLink conversation_id=conversation_id />
            </footer>
        </article>
    }
}

#[component]
fn PersonHeader(person: Person) -> impl IntoView {
    let kind = person.kind.object();
    let kind_class = match person.kind {
        PersonKind::Contact => "sf-kind sf-kind-contact",
        PersonKind::Lead => "sf-kind sf-kind-lead",
    };
    // Teammates act differently on a lead, so its status is the first thing they read.
    let lead_status = (person.kind == PersonKind::Lead).then(|| {
        let status = person.lead_status.clone().unwrap_or_else(|| "-".to_owned());
        view! {
            <p class="sf-lead-status">
                <span class="sf-lead-status-label">"Lead status"</span>
                <strong data-testid="card-lead-status">{status}</strong>
            </p>
        }
    });
    view! {
        <header class="sf-card-head">
            <div class="sf-title-row">
                <h2 class="sf-person-name" data-testid="card-person-name">
                    {person.name}
                </h2>
                <span class=kind_class data-testid="card-person-kind">
                    {kind}
                </span>
            </div>
            {person.company.map(|company| view! { <p class="sf-person-company">{company}</p> })}
            {lead_status}
            <SalesforceLink url=person.url object=kind />
        </header>
    }
}

#[component]
fn PersonFacts(person: Person, owner: Option<Owner>) -> impl IntoView {
    let Person {
        kind,
        email,
        title,
        phone,
        lead_source,
        ..
    } = person;
    let email = match email {
        Some(email) => {
            let href = format!("mailto:{email}");
            view! {
                <a href=href data-testid="card-email">
                    {email}
                </a>
            }
            .into_any()
        }
        None => view! { <span class="muted" data-testid="card-email">"-"</span> }.into_any(),
    };
    view! {
        <dl class="sf-facts">
            {title.map(|title| view! { <Fact label="Title">{title}</Fact> })}
            <Fact label="Email">{email}</Fact>
            {phone
                .map(|phone| {
                    let href = format!("tel:{phone}");
                    view! {
                        <Fact label="Phone">
                            <a href=href>{phone}</a>
                        </Fact>
                    }
                })}
            {(kind == PersonKind::Lead)
                .then_some(lead_source)
                .flatten()
                .map(|source| view! { <Fact label="Lead source">{source}</Fact> })}
            <Fact label="Owner">
                <OwnerLine owner=owner />
            </Fact>
        </dl>
    }
}

/// One row of a fact list.
#[component]
fn Fact(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <dt>{label}</dt>
        <dd>{children()}</dd>
    }
}

#[component]
fn OwnerLine(owner: Option<Owner>) -> impl IntoView {
    let Some(owner) = owner else {
        return view! {
            <span
                class="muted"
                data-testid="card-no-owner"
                title="No Salesforce owner matches an Intercom teammate."
            >
                "No owner"
            </span>
        }
        .into_any();
    };
    let explain = format::owner_source(owner.source);
    let assigned = owner.assigned_by_salesforce().then(|| {
        view! {
            <span class="sf-assigned" data-testid="card-owner-assigned" title=explain>
                "assigned by Salesforce"
            </span>
        }
    });
    view! {
        <span class="sf-owner">
            <span data-testid="card-owner" title=explain>
                {owner.name}
            </span>
            {assigned}
        </span>
    }
    .into_any()
}

#[component]
fn AccountSection(account: Account) -> impl IntoView {
    let Account {
        name,
        number,
        industry,
        kind,
        owner_name,
        url,
        ..
    } = account;
    view! {
        <section class="sf-section" aria-label="Account">
            <div class="sf-section-head">
                <h3 class="sf-section-title">"Account"</h3>
                <SalesforceLink url=url object="Account" />
            </div>
            <p class="sf-account-name" data-testid="card-account-name">
                {name}
            </p>
            <dl class="sf-facts">
                <Fact label="Number">
                    <Value value=number testid="card-account-number" />
                </Fact>
                <Fact label="Industry">
                    <Value value=industry testid="card-account-industry" />
                </Fact>
                <Fact label="Type">
                    <Value value=kind testid="card-account-type" />
                </Fact>
                <Fact label="Owner">
                    <Value value=owner_name testid="card-account-owner" />
                </Fact>
            </dl>
        </section>
    }
}

/// A field that may be blank in Salesforce: "-" then, so every row keeps its place.
#[component]
fn Value(value: Option<String>, testid: &'static str) -> impl IntoView {
    match value {
        Some(value) => view! { <span data-testid=testid>{value}</span> }.into_any(),
        None => view! { <span class="muted" data-testid=testid>"-"</span> }.into_any(),
    }
}

/// "Open in Salesforce", in a new tab so the inbox stays where it was.
#[component]
pub fn SalesforceLink(url: String, object: &'static str) -> impl IntoView {
    view! {
        <a
            class="sf-link"
            href=url
            target="_blank"
            rel="noopener"
            data-testid="salesforce-link"
            data-object=object
            title=format!("Open this {} in Salesforce (new tab)", object.to_lowercase())
        >
            "Open in Salesforce"
        </a>
    }
}

/// Opens the case form of the conversation beside the card.
#[component]
pub fn CreateCaseLink(conversation_id: String) -> impl IntoView {
    let href = crate::api::with_id("/case", &conversation_id);
    // The case form is a bundle of its own: `rel="external"` keeps the inbox's router from
    // following the link, so the browser loads the page.
    view! {
        <a href=href class="sf-create-case" rel="external" data-testid="card-create-case">
            "Create case"
        </a>
    }
}
