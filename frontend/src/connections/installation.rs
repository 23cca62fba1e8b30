//! One installation: its Salesforce org and its Intercom workspace, side by side.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::{ConnectionState, InstallationStatus, IntercomWorkspace, SalesforceOrg};

use crate::format;
use crate::moment::Moment;

#[component]
pub fn InstallationCard(installation: InstallationStatus, now: DateTime<Utc>) -> impl IntoView {
    let InstallationStatus {
        id,
        name,
        salesforce,
        intercom,
        created_at,
    } = installation;
    view! {
        <article class="card" data-testid="installation" data-installation-id=id>
            <header class="card-header">
                <h3 class="card-title">{name}</h3>
                <p class="card-meta">"Created " <Moment at=created_at now=now /></p>
            </header>
            <div class="peers">
                <SalesforcePanel org=salesforce now=now />
                <IntercomPanel workspace=intercom now=now />
            </div>
        </article>
    }
}

#[component]
fn SalesforcePanel(org: SalesforceOrg, now: DateTime<Utc>) -> impl IntoView {
    let SalesforceOrg {
        org_id,
        instance_url,
        environment,
        state,
        last_contact_at,
        last_error,
    } = org;
    view! {
        <section class="peer" aria-label="Salesforce org">
            <div class="peer-header">
                <h4 class="peer-title">"Salesforce org"</h4>
                <StateBadge state=state testid="salesforce-state" />
            </div>
            <dl class="fields">
                <dt>"Org ID"</dt>
                <dd>
                    <Identifier value=org_id testid="salesforce-org-id" />
                </dd>
                <dt>"Instance URL"</dt>
                <dd>
                    {match instance_url {
                        Some(url) => {
                            let href = url.clone();
                            view! {
                                <a href=href target="_blank" rel="noopener noreferrer">
                                    {url}
                                </a>
                            }
                                .into_any()
                        }
                        None => view! { <span class="muted">"Not connected yet"</span> }.into_any(),
                    }}
                </dd>
                <dt>"Environment"</dt>
                <dd>{environment.label()}</dd>
                <dt>"Last contact"</dt>
                <dd>
                    <LastContact at=last_contact_at now=now />
                </dd>
            </dl>
            <LastError error=last_error testid="salesforce-error" />
        </section>
    }
}

#[component]
fn IntercomPanel(workspace: IntercomWorkspace, now: DateTime<Utc>) -> impl IntoView {
    let IntercomWorkspace {
        workspace_id,
        api_base_url,
        state,
        last_contact_at,
        last_error,
    } = workspace;
    view! {
        <section class="peer" aria-label="Intercom workspace">
            <div class="peer-header">
                <h4 class="peer-title">"Intercom workspace"</h4>
                <StateBadge state=state testid="intercom-state" />
            </div>
            <dl class="fields">
                <dt>"Workspace ID"</dt>
                <dd>
                    <Identifier value=workspace_id testid="intercom-workspace-id" />
                </dd>
                <dt>"API base URL"</dt>
                <dd>
                    <code>{api_base_url}</code>
                </dd>
                <dt>"Last contact"</dt>
                <dd>
                    <LastContact at=last_contact_at now=now />
                </dd>
            </dl>
            <LastError error=last_error testid="intercom-error" />
        </section>
    }
}

#[component]
fn StateBadge(state: ConnectionState, testid: &'static str) -> impl IntoView {
    view! {
        <span class=format::state_badge_class(state) data-state=state.as_str() data-testid=testid>
            {state.label()}
        </span>
    }
}

/// An id that exists only once the connection was made.
#[component]
fn Identifier(value: Option<String>, testid: &'static str) -> impl IntoView {
    match value {
        Some(value) => view! { <code data-testid=testid>{value}</code> }.into_any(),
        None => {
            view! { <span class="muted" data-testid=testid>"Not connected yet"</span> }.into_any()
        }
    }
}

#[component]
fn LastContact(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> impl IntoView {
    match at {
        Some(at) => view! { <Moment at=at now=now /> }.into_any(),
        None => view! { <span class="muted">{format::last_contact(None, now)}</span> }.into_any(),
    }
}

/// The last failure talking to the peer; nothing when the last contact went well.
#[component]
fn LastError(error: Option<String>, testid: &'static str) -> impl IntoView {
    error.map(|error| {
        view! {
            <div class="peer-error" data-testid=testid>
                <span class="peer-error-label">"Last error"</span>
                <p>{error}</p>
            </div>
        }
    })
}
