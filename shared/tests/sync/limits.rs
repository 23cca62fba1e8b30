//! How many mappings an object may have, and checking many at once: each mapping is checked
//! against counts made once, so duplicates are found among hundreds as among two.

use shared::sync::mapping::{AttributeMapping, MAX_MAPPINGS_PER_OBJECT, MappingRefusal};
use shared::sync::settings::{SettingsProblem, SyncSettings, validate_settings};
use shared::sync::transfer::{ImportError, MappingsFile, MappingsV1, import_mappings};
use shared::sync::{Direction, SalesforceObject, Side};

use crate::metadata::with_extra;
use SalesforceObject::{Contact, Lead};

/// The default settings (the two required Lead mappings) and `n` Contact mappings, each of its
/// own attribute and field.
fn with_contact_mappings(n: usize) -> SyncSettings {
    let mut settings = SyncSettings::default();
    settings.mappings.extend((0..n).map(extra(Contact)));
    settings
}

fn extra(object: SalesforceObject) -> impl Fn(usize) -> AttributeMapping {
    move |i| {
        AttributeMapping::new(
            object,
            &format!("custom_attributes.extra_{i}"),
            &format!("Extra_{i}__c"),
            Direction::ToSalesforce,
        )
    }
}

#[test]
fn an_object_may_have_as_many_mappings_as_the_cap() {
    let meta = with_extra(MAX_MAPPINGS_PER_OBJECT + 1);
    let mut settings = with_contact_mappings(MAX_MAPPINGS_PER_OBJECT);
    // Leads have their own cap: the two required mappings and as many more up to it.
    settings
        .mappings
        .extend((0..MAX_MAPPINGS_PER_OBJECT - 2).map(extra(Lead)));
    assert_eq!(validate_settings(&settings, &meta), Ok(()));
}

#[test]
fn one_mapping_over_the_cap_is_refused_naming_the_cap() {
    let meta = with_extra(MAX_MAPPINGS_PER_OBJECT + 1);
    let settings = with_contact_mappings(MAX_MAPPINGS_PER_OBJECT + 1);
    let problems = validate_settings(&settings, &meta).unwrap_err();
    assert_eq!(
        problems,
        vec![SettingsProblem::TooManyMappings {
            object: Contact,
            count: 501,
            max: 500
        }]
    );
    assert_eq!(
        problems[0].to_string(),
        "The Contact has 501 mappings; one object may have at most 500."
    );
    assert_eq!(
        serde_json::to_value(&problems[0]).unwrap(),
        serde_json::json!({"scope": "too_many_mappings", "object": "contact", "count": 501, "max": 500})
    );
}

#[test]
fn adding_past_the_cap_is_refused() {
    let meta = with_extra(MAX_MAPPINGS_PER_OBJECT + 1);
    let mut settings = with_contact_mappings(MAX_MAPPINGS_PER_OBJECT);
    let refusals = settings
        .add_mapping(extra(Contact)(MAX_MAPPINGS_PER_OBJECT), &meta)
        .unwrap_err();
    assert_eq!(
        refusals,
        vec![MappingRefusal::TooManyMappings {
            object: Contact,
            max: 500
        }]
    );
    assert_eq!(refusals[0].rule(), "too_many_mappings");
    assert_eq!(settings.mappings.len(), MAX_MAPPINGS_PER_OBJECT + 2);
    // Another object still has room.
    settings
        .add_mapping(extra(Lead)(0), &meta)
        .expect("the Lead has room");
}

#[test]
fn an_import_over_the_cap_is_refused_whole() {
    let meta = with_extra(MAX_MAPPINGS_PER_OBJECT + 1);
    let file = MappingsFile::V1(MappingsV1::new(
        with_contact_mappings(MAX_MAPPINGS_PER_OBJECT + 1).mappings,
    ));
    let refused = import_mappings(file, &SyncSettings::default(), &meta).unwrap_err();
    let ImportError::Invalid { problems } = &refused else {
        panic!("not refused for its mappings: {refused:?}");
    };
    assert!(
        matches!(
            problems[..],
            [SettingsProblem::TooManyMappings { max: 500, .. }]
        ),
        "{problems:?}"
    );
    assert!(refused.to_string().contains("at most 500"), "{refused}");
}

#[test]
fn duplicates_among_hundreds_are_each_named() {
    let meta = with_extra(400);
    let mut settings = with_contact_mappings(400);
    // Mapping 100 takes mapping 7's field (named in other letters) and mapping 300 its attribute.
    settings.mappings[2 + 100].salesforce_field = "EXTRA_7__C".to_owned();
    settings.mappings[2 + 300].intercom_attribute = "custom_attributes.extra_7".to_owned();
    let problems = validate_settings(&settings, &meta).unwrap_err();
    let already = |index: usize, side: Side, name: &str| SettingsProblem::Mapping {
        index,
        refusal: MappingRefusal::AlreadyMapped {
            side,
            name: name.to_owned(),
        },
    };
    assert_eq!(
        problems,
        vec![
            already(2 + 7, Side::Intercom, "custom_attributes.extra_7"),
            already(2 + 7, Side::Salesforce, "Extra_7__c"),
            already(2 + 100, Side::Salesforce, "Extra_7__c"),
            already(2 + 300, Side::Intercom, "custom_attributes.extra_7"),
        ]
    );
}
