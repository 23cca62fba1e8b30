//! The website Messenger bringing in a lead: a visitor leaves their email, so a lead is
//! created, and a moment later the page tells Intercom their company (`Intercom('update',
//! {company: {company_id, name}})`) or they answer the qualification question "company
//! name", and the company is created if need be and attached. The webhooks follow in that
//! order: `contact.lead.created`, `company.created` (or `.updated`), then
//! `company.contact.attached` (and, for a qualification answer, `company.updated` once the
//! name is set, as in the captures).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::State;
use super::api::{attach_company, create_contact, upsert_company};
use super::wire::ApiError;

/// A visitor who becomes a lead through the Messenger.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessengerLead {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The company the Messenger attaches a moment later, if any.
    #[serde(default)]
    pub company: Option<MessengerCompany>,
    /// How long after the lead the company is attached ("a moment": none by default; the
    /// webhooks keep their order either way).
    #[serde(default, rename = "attach_after_ms", with = "millis")]
    pub attach_after: Duration,
}

/// The company the Messenger learns.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessengerCompany {
    /// From the page's `Intercom('update', ..)`: upserted by this id. Without it the company
    /// comes from a qualification answer: a new company whose `company_id` is
    /// `<hex>-qualification-company`, created nameless and named once attached.
    #[serde(default)]
    pub company_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// What the Messenger created: the lead's and the company's Intercom ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessengerOutcome {
    pub contact_id: String,
    pub company_id: Option<String>,
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// The suffix Intercom gives companies created from a qualification answer.
pub const QUALIFICATION_SUFFIX: &str = "-qualification-company";

pub(crate) async fn lead_arrives(
    st: &State,
    lead: MessengerLead,
) -> Result<MessengerOutcome, ApiError> {
    if lead.email.trim().is_empty() {
        return Err(ApiError::parameter_invalid("email is required"));
    }
    let contact = create_contact(
        st,
        json!({"role": "lead", "email": lead.email, "name": lead.name}),
    )?;
    let contact_id = contact["id"].as_str().unwrap_or_default().to_owned();
    let Some(company) = lead.company else {
        return Ok(MessengerOutcome {
            contact_id,
            company_id: None,
        });
    };
    if !lead.attach_after.is_zero() {
        tokio::time::sleep(lead.attach_after).await;
    }
    let company_id = match &company.company_id {
        Some(cid) => {
            let upserted = upsert_company(st, json!({"company_id": cid, "name": company.name}))?;
            let id = upserted["id"].as_str().unwrap_or_default().to_owned();
            attach_company(st, &contact_id, &id)?;
            id
        }
        None => {
            let cid = {
                let mut ws = st.ws.write();
                let now = super::wire::now_millis();
                format!("{}{QUALIFICATION_SUFFIX}", ws.next_hex_id(now))
            };
            let created = upsert_company(st, json!({"company_id": cid}))?;
            let id = created["id"].as_str().unwrap_or_default().to_owned();
            attach_company(st, &contact_id, &id)?;
            if let Some(name) = &company.name {
                upsert_company(st, json!({"company_id": cid, "name": name}))?;
            }
            id
        }
    };
    Ok(MessengerOutcome {
        contact_id,
        company_id: Some(company_id),
    })
}
