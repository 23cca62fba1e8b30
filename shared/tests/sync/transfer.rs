use shared::sync::identity::{CompanyIdentity, IdentitySettings};
use shared::sync::mapping::{AttributeMapping, MappingRefusal};
use shared::sync::settings::{SettingsProblem, SyncSettings};
use shared::sync::transfer::{
    ImportError, MappingsFile, MappingsV1, export_mappings, import_mappings,
};
use shared::sync::{Direction, SalesforceObject};

use crate::metadata::{demo, with_required_region};

fn settings_with_phone() -> SyncSettings {
    let mut settings = SyncSettings::default();
    settings
        .add_mapping(
            AttributeMapping {
                skip_if_source_empty: true,
                ..AttributeMapping::new(
                    SalesforceObject::Contact,
                    "phone",
                    "Phone",
                    Direction::ToSalesforce,
                )
            },
            &demo(),
        )
        .unwrap();
    settings
}

fn read(json: &str) -> MappingsFile {
    serde_json::from_str(json).unwrap()
}

#[test]
fn an_export_is_version_1_json_with_the_mappings() {
    let settings = settings_with_phone();
    let json = serde_json::to_value(export_mappings(&settings)).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json.as_object().unwrap().len(), 2);
    assert_eq!(
        json["mappings"][2],
        serde_json::json!({
            "object": "contact", "intercom_attribute": "phone", "salesforce_field": "Phone",
            "direction": "to_salesforce", "skip_if_source_empty": true,
            "skip_if_destination_has_value": false
        })
    );
}

#[test]
fn an_export_imports_back_unchanged() {
    let settings = settings_with_phone();
    let text = serde_json::to_string(&export_mappings(&settings)).unwrap();
    let file = read(&text);
    assert_eq!(
        file,
        MappingsFile::V1(MappingsV1::new(settings.mappings.clone()))
    );
    let imported = import_mappings(file, &SyncSettings::default(), &demo()).unwrap();
    assert_eq!(imported, settings);
}

#[test]
fn an_import_replaces_mappings_but_keeps_the_identity_settings() {
    let current = SyncSettings {
        identity: IdentitySettings {
            companies: CompanyIdentity {
                salesforce_field: "Legacy_Id__c".to_owned(),
            },
            ..IdentitySettings::default()
        },
        ..SyncSettings::default()
    };
    let file = export_mappings(&settings_with_phone());
    let imported = import_mappings(file, &current, &demo()).unwrap();
    assert_eq!(imported.identity, current.identity);
    assert_eq!(imported.mappings, settings_with_phone().mappings);
}

#[test]
fn an_import_is_held_to_the_same_rules() {
    let json = r#"{"version":1,"mappings":[
        {"object":"lead","intercom_attribute":"name","salesforce_field":"LastName","direction":"to_salesforce"},
        {"object":"lead","intercom_attribute":"company.name","salesforce_field":"Company","direction":"to_salesforce"},
        {"object":"contact","intercom_attribute":"last_seen_at","salesforce_field":"Last_Contacted__c","direction":"to_salesforce"}
    ]}"#;
    let error = import_mappings(
        read(json),
        &SyncSettings::default(),
        &with_required_region(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        ImportError::Invalid {
            problems: vec![
                SettingsProblem::Mapping {
                    index: 2,
                    refusal: MappingRefusal::HighFrequencyAttribute {
                        attribute: "last_seen_at".to_owned()
                    }
                },
                SettingsProblem::RequiredLeadFieldUnmapped {
                    field: "Region__c".to_owned()
                },
            ]
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("The imported mappings break 2 rule(s):")
    );
}

#[test]
fn an_import_without_the_required_lead_fields_is_refused() {
    let error = import_mappings(
        read(r#"{"version":1,"mappings":[]}"#),
        &SyncSettings::default(),
        &demo(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        ImportError::Invalid {
            problems: vec![
                SettingsProblem::RequiredLeadFieldUnmapped {
                    field: "LastName".to_owned()
                },
                SettingsProblem::RequiredLeadFieldUnmapped {
                    field: "Company".to_owned()
                },
            ]
        }
    );
}

#[test]
fn an_unknown_version_is_refused_with_a_clear_message() {
    let file = read(r#"{"version":2,"mappings":{"lead":[]},"extra":true}"#);
    assert_eq!(file, MappingsFile::Other { version: Some(2) });
    let error = import_mappings(file, &SyncSettings::default(), &demo()).unwrap_err();
    assert_eq!(error, ImportError::UnknownVersion { found: 2 });
    assert_eq!(
        error.to_string(),
        "This mappings file is version 2; this sfbridge reads version 1 only."
    );
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        serde_json::json!({"error": "unknown_version", "found": 2})
    );
}

#[test]
fn a_file_without_a_version_is_refused() {
    let error = import_mappings(
        read(r#"{"mappings":[]}"#),
        &SyncSettings::default(),
        &demo(),
    )
    .unwrap_err();
    assert_eq!(error, ImportError::MissingVersion);
    assert!(error.to_string().contains("no \"version\""));
}

#[test]
fn a_version_1_file_of_another_shape_is_refused_and_the_fault_can_be_found() {
    let json = r#"{"version":1,"mappings":[{"object":"opportunity"}]}"#;
    let error = import_mappings(read(json), &SyncSettings::default(), &demo()).unwrap_err();
    assert_eq!(error, ImportError::Malformed);
    let detail = serde_json::from_str::<MappingsV1>(json)
        .unwrap_err()
        .to_string();
    assert!(detail.contains("opportunity"), "{detail}");
}
