//! A moment shown as people read it ("5 minutes ago"), with the exact time on hover.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format;

#[component]
pub fn Moment(at: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=format::datetime_attribute(at) title=format::timestamp(at)>
            {format::relative_time(at, now)}
        </time>
    }
}
