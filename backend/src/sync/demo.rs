//! The demo's sync set-up: the attributes its default mappings need, the mappings themselves,
//! and the webhook subscription, so the sync works the moment the demo is up.

use shared::sync::fields::PERSON_COMPANY_NAME;
use shared::sync::{
    AttributeMapping, CompanyIdentity, Direction, IdentitySettings, IntercomDataType,
    IntercomModel, PeopleIdentity, SalesforceObject, SyncSettings,
};

use crate::clients::Clients;
use crate::settings;
use crate::sync::metadata::Metadata;

/// The Salesforce field the demo org keeps Intercom user ids in.
pub const IDENTITY_FIELD: &str = "Intercom_Contact_Id__c";

/// Person attributes the demo workspace gains for its mappings: the Lead's required region, a
/// job title for Leads and Contacts, and what Salesforce shows back: a lead's status and a
/// contact's department.
pub const DEMO_PERSON_ATTRIBUTES: [(&str, IntercomDataType); 4] = [
    ("region", IntercomDataType::String),
    ("job_title", IntercomDataType::String),
    ("lead_status", IntercomDataType::String),
    ("department", IntercomDataType::String),
];

/// Company attributes the demo workspace gains: the account's type, from Salesforce.
pub const DEMO_COMPANY_ATTRIBUTES: [(&str, IntercomDataType); 1] =
    [("account_type", IntercomDataType::String)];

/// What the demo syncs from Salesforce to Intercom, so a change made in the simulated org shows
/// in the workspace within seconds: a lead's status, a contact's department, an account's type.
pub fn to_intercom_mappings() -> Vec<AttributeMapping> {
    use SalesforceObject::{Account, Contact, Lead};
    let from = |object, attribute: &str, field: &str| {
        AttributeMapping::new(object, attribute, field, Direction::ToIntercom)
    };
    vec![
        from(Lead, "custom_attributes.lead_status", "Status"),
        from(Contact, "custom_attributes.department", "Department"),
        from(Account, "custom_attributes.account_type", "Type"),
    ]
}

/// External id to `Intercom_Contact_Id__c` with email fallback; companies by `AccountNumber`;
/// names, phone, title, region, plan tier and the company fields mapped to Salesforce (the demo
/// adds [`to_intercom_mappings`] once its attributes exist).
pub fn demo_settings() -> SyncSettings {
    use SalesforceObject::{Account, Contact, Lead};
    let to = |object, attribute: &str, field: &str| {
        AttributeMapping::new(object, attribute, field, Direction::ToSalesforce)
    };
    let mut phone = to(Contact, "phone", "Phone");
    phone.skip_if_source_empty = true;
    SyncSettings {
        identity: IdentitySettings {
            people: PeopleIdentity::ExternalId {
                salesforce_field: IDENTITY_FIELD.to_owned(),
                email_fallback: true,
            },
            companies: CompanyIdentity::default(),
        },
        mappings: vec![
            to(Lead, "name", "LastName"),
            to(Lead, PERSON_COMPANY_NAME, "Company"),
            to(Lead, "custom_attributes.region", "Region__c"),
            to(Lead, "email", "Email"),
            to(Lead, "phone", "Phone"),
            to(Lead, "custom_attributes.job_title", "Title"),
            phone,
            to(Contact, "custom_attributes.job_title", "Title"),
            to(Contact, "custom_attributes.plan_tier", "Notes__c"),
            to(Account, "name", "Name"),
            to(Account, "website", "Website"),
            to(Account, "industry", "Industry"),
            to(Account, "size", "NumberOfEmployees"),
        ],
        lead_fallbacks: Default::default(),
    }
}

/// Creates the attributes the demo mappings need in the workspace, then saves the demo
/// settings through the same checks the settings page's saves go through.
pub async fn configure(
    clients: &Clients,
    metadata: &Metadata,
    installation_id: &str,
) -> anyhow::Result<()> {
    let intercom = clients.intercom(installation_id).await?;
    let wanted = [
        (IntercomModel::Person, &DEMO_PERSON_ATTRIBUTES[..]),
        (IntercomModel::Company, &DEMO_COMPANY_ATTRIBUTES[..]),
    ];
    for (model, attributes) in wanted {
        let existing = intercom.data_attributes(model).await?;
        for (name, data_type) in attributes {
            let full_name = format!("custom_attributes.{name}");
            if !existing.iter().any(|a| a.name == full_name) {
                intercom
                    .create_data_attribute(model, name, *data_type)
                    .await?;
            }
        }
    }
    let now = chrono::Utc::now().timestamp_millis();
    let mut settings = demo_settings();
    settings.mappings.extend(to_intercom_mappings());
    settings::save_identity(clients, metadata, installation_id, settings.identity, now)
        .await
        .map_err(|e| anyhow::anyhow!("the demo identity settings: {e:?}"))?;
    let fallbacks = Some(settings.lead_fallbacks);
    settings::save_mappings(
        clients,
        metadata,
        installation_id,
        settings.mappings,
        fallbacks,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo mappings: {e:?}"))?;
    Ok(())
}
