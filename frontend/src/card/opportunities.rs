//! A person's opportunities: the open ones, a picker when there are several, the closed ones
//! on demand.

use leptos::prelude::*;
use shared::card::Opportunity;

use super::found::SalesforceLink;
use crate::format;

#[component]
pub fn Opportunities(
    /// Open ones first, most relevant first; closed ones after them once asked for.
    opportunities: Vec<Opportunity>,
    /// How many closed opportunities exist, shown or not.
    closed_count: usize,
    #[prop(into)] on_show_closed: Callback<bool>,
    #[prop(optional, into)] busy: Signal<bool>,
) -> impl IntoView {
    let counts = format::opportunity_counts(&opportunities);
    let showing_closed = opportunities.iter().any(|o| o.is_closed);
    let first = opportunities
        .first()
        .map(|o| o.id.clone())
        .unwrap_or_default();
    let (selected, set_selected) = signal(first);
    let opportunities = StoredValue::new(opportunities);

    let picker = (opportunities.with_value(Vec::len) > 1).then(|| {
        let options = opportunities.with_value(|list| {
            list.iter()
                .map(|o| {
                    let id = o.id.clone();
                    view! {
                        <option value=id.clone() selected=move || selected.get() == id>
                            {format::opportunity_option(o)}
                        </option>
                    }
                })
                .collect_view()
        });
        view! {
            <select
                class="sf-select"
                data-testid="opportunity-select"
                aria-label="Opportunity"
                prop:value=move || selected.get()
                on:change=move |ev| set_selected.set(event_target_value(&ev))
            >
                {options}
            </select>
        }
    });

    let shown = move || {
        opportunities.with_value(|list| {
            let id = selected.get();
            list.iter().find(|o| o.id == id).or(list.first()).cloned()
        })
    };

    let toggle = (closed_count > 0).then(|| {
        let label = if showing_closed {
            "Hide closed".to_owned()
        } else {
            format!("Show closed ({closed_count})")
        };
        view! {
            <button
                type="button"
                class="link-button"
                data-testid="show-closed"
                aria-pressed=showing_closed.to_string()
                disabled=move || busy.get()
                on:click=move |_| on_show_closed.run(!showing_closed)
            >
                {label}
            </button>
        }
    });

    view! {
        <section class="sf-section" aria-label="Opportunities">
            <div class="sf-section-head">
                <h3 class="sf-section-title">"Opportunities"</h3>
                <span class="sf-section-count">{counts}</span>
            </div>
            {picker}
            {move || match shown() {
                Some(opportunity) => {
                    view! { <OpportunityDetail opportunity=opportunity /> }.into_any()
                }
                None => {
                    view! {
                        <p class="sf-none" data-testid="no-opportunities">
                            "No open opportunities"
                        </p>
                    }
                        .into_any()
                }
            }}
            {toggle}
        </section>
    }
}

/// The opportunity the picker points at. Its raw values ride on data attributes for tests.
#[component]
fn OpportunityDetail(opportunity: Opportunity) -> impl IntoView {
    let amount_label = opportunity.amount_label();
    let close_date_label = opportunity.close_date_label();
    let amount_value = format::amount_value(&opportunity);
    let close_date_value = format::close_date_value(&opportunity);
    let outcome = format::outcome(&opportunity).map(|outcome| {
        let class = if opportunity.is_won {
            "badge badge-ok"
        } else {
            "badge badge-idle"
        };
        view! { <span class=class>{outcome}</span> }
    });
    let Opportunity {
        id,
        name,
        stage,
        probability,
        url,
        ..
    } = opportunity;
    let stage_value = stage.clone();
    let probability =
        probability.map(|p| view! { <dt>"Probability"</dt> <dd>{format::number(p) + "%"}</dd> });
    view! {
        <div
            class="sf-opportunity"
            data-testid="opportunity"
            data-id=id
            data-stage=stage_value
            data-amount=amount_value
            data-close-date=close_date_value
        >
            <div class="sf-title-row">
                <p class="sf-opportunity-name">{name}</p>
                {outcome}
            </div>
            <dl class="sf-facts">
                <dt>"Stage"</dt>
                <dd data-testid="opportunity-stage">{stage}</dd>
                <dt>"Amount"</dt>
                <dd data-testid="opportunity-amount">{amount_label}</dd>
                <dt>"Close date"</dt>
                <dd data-testid="opportunity-close-date">{close_date_label}</dd>
                {probability}
            </dl>
            <SalesforceLink url=url object="Opportunity" />
        </div>
    }
}
