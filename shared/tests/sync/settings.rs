use shared::sync::identity::{CompanyIdentity, IdentityRefusal, IdentitySettings, PeopleIdentity};
use shared::sync::mapping::{AttributeMapping, MappingRefusal, required_lead_fields};
use shared::sync::settings::{
    SettingsProblem, SyncSettings, standard_lead_mappings, validate_settings,
};
use shared::sync::{Direction, SalesforceObject, Side};

use crate::metadata::{demo, with_required_region};
use Direction::{ToIntercom, ToSalesforce};
use SalesforceObject::{Account, Contact, Lead};

fn map(
    object: SalesforceObject,
    attr: &str,
    field: &str,
    direction: Direction,
) -> AttributeMapping {
    AttributeMapping::new(object, attr, field, direction)
}

#[test]
fn default_settings_map_the_required_lead_fields_and_are_valid() {
    let settings = SyncSettings::default();
    assert_eq!(settings.mappings, standard_lead_mappings());
    assert!(
        settings
            .mappings
            .iter()
            .all(|m| m.object == Lead && m.direction == ToSalesforce)
    );
    assert_eq!(validate_settings(&settings, &demo()), Ok(()));
}

#[test]
fn last_name_and_company_are_required_even_when_describe_is_silent() {
    let meta = shared::sync::SyncMetadata::default();
    assert_eq!(required_lead_fields(&meta), ["LastName", "Company"]);
    // Status is required but defaulted, so the demo org adds nothing.
    assert_eq!(required_lead_fields(&demo()), ["LastName", "Company"]);
    assert_eq!(
        required_lead_fields(&with_required_region()),
        ["LastName", "Company", "Region__c"]
    );
}

#[test]
fn a_custom_required_lead_field_must_be_mapped() {
    let meta = with_required_region();
    let mut settings = SyncSettings::default();
    let problems = validate_settings(&settings, &meta).unwrap_err();
    assert_eq!(
        problems,
        vec![SettingsProblem::RequiredLeadFieldUnmapped {
            field: "Region__c".to_owned()
        }]
    );
    assert!(
        problems[0]
            .to_string()
            .contains("Lead.Region__c is required")
    );
    settings
        .add_mapping(
            map(Lead, "custom_attributes.region", "Region__c", ToSalesforce),
            &meta,
        )
        .unwrap();
    assert_eq!(validate_settings(&settings, &meta), Ok(()));
}

#[test]
fn required_lead_mappings_cannot_be_removed() {
    let meta = with_required_region();
    let mut settings = SyncSettings::default();
    settings
        .add_mapping(
            map(Lead, "custom_attributes.region", "Region__c", ToSalesforce),
            &meta,
        )
        .unwrap();
    for (index, field) in [(0, "LastName"), (1, "Company"), (2, "Region__c")] {
        let refusal = settings.remove_mapping(index, &meta).unwrap_err();
        assert_eq!(
            refusal,
            MappingRefusal::RequiredLeadFieldRemoved {
                field: field.to_owned()
            }
        );
        assert_eq!(refusal.rule(), "required_lead_field_removed");
    }
    assert_eq!(settings.mappings.len(), 3);
}

#[test]
fn ordinary_mappings_can_be_removed() {
    let meta = demo();
    let mut settings = SyncSettings::default();
    let phone = map(Contact, "phone", "Phone", ToSalesforce);
    settings.add_mapping(phone.clone(), &meta).unwrap();
    assert_eq!(settings.remove_mapping(2, &meta), Ok(phone));
    assert_eq!(settings.mappings, standard_lead_mappings());
}

#[test]
fn a_required_mapping_may_change_its_source_but_not_its_direction() {
    let meta = demo();
    let mut settings = SyncSettings::default();
    let mut edited = settings.mappings[0].clone();
    edited.intercom_attribute = "custom_attributes.plan_tier".to_owned();
    edited.skip_if_destination_has_value = true;
    assert_eq!(settings.replace_mapping(0, edited.clone(), &meta), Ok(()));
    assert_eq!(settings.mappings[0], edited);
    let mut backwards = edited.clone();
    backwards.direction = ToIntercom;
    assert_eq!(
        settings.replace_mapping(0, backwards, &meta),
        Err(vec![MappingRefusal::RequiredLeadFieldDirection {
            field: "LastName".to_owned()
        }])
    );
    assert_eq!(
        settings.mappings[0], edited,
        "a refused edit changes nothing"
    );
}

#[test]
fn a_refused_mapping_is_not_added() {
    let meta = demo();
    let mut settings = SyncSettings::default();
    let refusals = settings
        .add_mapping(
            map(Contact, "last_seen_at", "Last_Contacted__c", ToSalesforce),
            &meta,
        )
        .unwrap_err();
    assert_eq!(refusals[0].rule(), "high_frequency_attribute");
    assert_eq!(settings.mappings, standard_lead_mappings());
}

#[test]
fn whole_settings_validation_returns_every_problem_per_mapping() {
    let meta = with_required_region();
    let settings = SyncSettings {
        identity: IdentitySettings {
            people: PeopleIdentity::ExternalId {
                salesforce_field: "Birthdate".to_owned(),
                email_fallback: true,
            },
            companies: CompanyIdentity {
                salesforce_field: "Id".to_owned(),
            },
        },
        mappings: vec![
            map(Lead, "name", "LastName", ToSalesforce),
            map(Lead, "company.name", "Company", ToSalesforce),
            map(Contact, "utm_source", "UTM_Source__c", ToSalesforce),
            map(Account, "size", "NumberOfEmployees", ToSalesforce),
            map(Account, "monthly_spend", "NumberOfEmployees", ToIntercom),
        ],
        lead_fallbacks: Default::default(),
    };
    let problems = validate_settings(&settings, &meta).unwrap_err();
    assert_eq!(
        problems,
        vec![
            SettingsProblem::PeopleIdentity {
                refusal: IdentityRefusal::PeopleKeyNotEmailOrText {
                    object: Contact,
                    field: "Birthdate".to_owned(),
                    field_type: shared::sync::SalesforceFieldType::Date,
                }
            },
            SettingsProblem::CompanyIdentity {
                refusal: IdentityRefusal::CompanyKeyIsRecordId
            },
            SettingsProblem::Mapping {
                index: 2,
                refusal: MappingRefusal::UtmOnlyForLeads {
                    attribute: "utm_source".to_owned(),
                    object: Contact
                }
            },
            // Both mappings of the same field are told.
            SettingsProblem::Mapping {
                index: 3,
                refusal: MappingRefusal::AlreadyMapped {
                    side: Side::Salesforce,
                    name: "NumberOfEmployees".to_owned()
                }
            },
            SettingsProblem::Mapping {
                index: 4,
                refusal: MappingRefusal::AlreadyMapped {
                    side: Side::Salesforce,
                    name: "NumberOfEmployees".to_owned()
                }
            },
            SettingsProblem::RequiredLeadFieldUnmapped {
                field: "Region__c".to_owned()
            },
        ]
    );
    assert_eq!(problems[4].to_string().split(':').next(), Some("Mapping 5"));
    let json = serde_json::to_value(&problems[2]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "scope": "mapping",
            "index": 2,
            "refusal": {"rule": "utm_only_for_leads", "attribute": "utm_source", "object": "contact"}
        })
    );
}

#[test]
fn choosing_a_mapped_field_as_the_key_flags_its_mapping() {
    let meta = demo();
    let mut settings = SyncSettings::default();
    settings
        .add_mapping(map(Account, "size", "Legacy_Id__c", ToSalesforce), &meta)
        .unwrap();
    settings.identity.companies = CompanyIdentity {
        salesforce_field: "Legacy_Id__c".to_owned(),
    };
    assert_eq!(
        validate_settings(&settings, &meta),
        Err(vec![SettingsProblem::Mapping {
            index: 2,
            refusal: MappingRefusal::IdentityKey {
                side: Side::Salesforce,
                name: "Legacy_Id__c".to_owned()
            }
        }])
    );
}

#[test]
fn settings_round_trip_through_json() {
    let settings = SyncSettings::default();
    let json = serde_json::to_value(&settings).unwrap();
    assert_eq!(
        json["identity"]["people"],
        serde_json::json!({"match_by": "email"})
    );
    assert_eq!(
        json["identity"]["companies"],
        serde_json::json!({"salesforce_field": "AccountNumber"})
    );
    assert_eq!(
        json["mappings"][0],
        serde_json::json!({
            "object": "lead", "intercom_attribute": "name", "salesforce_field": "LastName",
            "direction": "to_salesforce", "skip_if_source_empty": false,
            "skip_if_destination_has_value": false
        })
    );
    let back: SyncSettings = serde_json::from_value(json).unwrap();
    assert_eq!(back, settings);
}
