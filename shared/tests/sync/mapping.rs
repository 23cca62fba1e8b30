use shared::sync::compat;
use shared::sync::fields::{IntercomDataType as I, SalesforceFieldType as S};
use shared::sync::identity::{CompanyIdentity, IdentitySettings, PeopleIdentity};
use shared::sync::mapping::{AttributeMapping, MappingRefusal, validate_mapping};
use shared::sync::{Direction, IntercomModel, SalesforceObject, Side, SyncMetadata};

use crate::metadata::{attribute, demo, field, with_required_region};
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

fn check(m: &AttributeMapping) -> Result<(), Vec<MappingRefusal>> {
    validate_mapping(m, &[], &IdentitySettings::default(), &demo())
}

fn refused(m: &AttributeMapping) -> Vec<MappingRefusal> {
    check(m).expect_err("the mapping should be refused")
}

#[test]
fn compatible_mappings_are_accepted_in_both_directions() {
    for m in [
        map(Contact, "phone", "Phone", ToSalesforce),
        map(Contact, "custom_attributes.plan_tier", "Title", ToIntercom),
        map(Account, "size", "NumberOfEmployees", ToSalesforce),
        map(Account, "custom_attributes.tier", "Tier__c", ToIntercom),
        map(Lead, "custom_attributes.seats", "Seats__c", ToSalesforce),
    ] {
        assert_eq!(check(&m), Ok(()), "{m:?}");
    }
}

#[test]
fn unknown_attributes_and_fields_are_refused() {
    assert_eq!(
        refused(&map(Contact, "nope", "Nope__c", ToSalesforce)),
        vec![
            MappingRefusal::UnknownIntercomAttribute {
                model: IntercomModel::Person,
                attribute: "nope".to_owned()
            },
            MappingRefusal::UnknownSalesforceField {
                object: Contact,
                field: "Nope__c".to_owned()
            },
        ]
    );
    // A company attribute is not a person's.
    assert_eq!(
        refused(&map(Contact, "monthly_spend", "Score__c", ToSalesforce)),
        vec![MappingRefusal::UnknownIntercomAttribute {
            model: IntercomModel::Person,
            attribute: "monthly_spend".to_owned()
        }]
    );
}

#[test]
fn incompatible_types_are_refused_intercom_to_salesforce() {
    let refusals = refused(&map(
        Contact,
        "custom_attributes.vip",
        "Birthdate",
        ToSalesforce,
    ));
    assert_eq!(
        refusals,
        vec![MappingRefusal::IncompatibleTypes {
            direction: ToSalesforce,
            intercom_type: I::Boolean,
            salesforce_type: S::Date,
        }]
    );
    assert_eq!(refusals[0].rule(), "incompatible_types");
    assert!(refusals[0].to_string().contains("True or false"));
}

#[test]
fn incompatible_types_are_refused_salesforce_to_intercom() {
    // Intercom Text may go to an encrypted string, but an encrypted string never comes back.
    assert_eq!(
        check(&map(
            Contact,
            "custom_attributes.plan_tier",
            "Secret__c",
            ToSalesforce
        )),
        Ok(())
    );
    assert_eq!(
        refused(&map(
            Contact,
            "custom_attributes.plan_tier",
            "Secret__c",
            ToIntercom
        )),
        vec![MappingRefusal::IncompatibleTypes {
            direction: ToIntercom,
            intercom_type: I::String,
            salesforce_type: S::Encryptedstring,
        }]
    );
}

/// Every cell of both tables, through the mapping rules: one synthetic field per Salesforce
/// type and one attribute per Intercom type.
#[test]
fn every_table_cell_is_enforced_in_both_directions() {
    let compound_free = |t: S| !matches!(t, S::Address | S::Location);
    let fields = S::ALL
        .into_iter()
        .map(|t| field(Contact, &format!("F_{t}__c"), t))
        .collect();
    let attrs = I::ALL
        .into_iter()
        .map(|t| attribute(IntercomModel::Person, &format!("a_{t}"), t))
        .collect();
    let meta = SyncMetadata::new(fields, attrs);
    for i in I::ALL {
        for s in S::ALL.into_iter().filter(|s| compound_free(*s)) {
            for (direction, allowed) in [
                (ToSalesforce, compat::intercom_to_salesforce(i, s)),
                (ToIntercom, compat::salesforce_to_intercom(s, i)),
            ] {
                let m = map(Contact, &format!("a_{i}"), &format!("F_{s}__c"), direction);
                let result = validate_mapping(&m, &[], &IdentitySettings::default(), &meta);
                let expected = if allowed {
                    Ok(())
                } else {
                    Err(vec![MappingRefusal::IncompatibleTypes {
                        direction,
                        intercom_type: i,
                        salesforce_type: s,
                    }])
                };
                assert_eq!(result, expected, "{i} / {s} / {direction}");
            }
        }
    }
}

#[test]
fn a_read_only_salesforce_field_is_no_destination() {
    let refusals = refused(&map(Contact, "signed_up_at", "CreatedDate", ToSalesforce));
    assert_eq!(
        refusals,
        vec![MappingRefusal::ReadOnlyDestination {
            side: Side::Salesforce,
            name: "CreatedDate".to_owned()
        }]
    );
    assert!(refusals[0].to_string().contains("read-only in Salesforce"));
}

#[test]
fn a_read_only_intercom_attribute_is_no_destination() {
    assert_eq!(
        refused(&map(Contact, "created_at", "Last_Contacted__c", ToIntercom)),
        vec![MappingRefusal::ReadOnlyDestination {
            side: Side::Intercom,
            name: "created_at".to_owned()
        }]
    );
}

#[test]
fn read_only_fields_may_be_sources() {
    assert_eq!(
        check(&map(Contact, "created_at", "Signed_Up__c", ToSalesforce)),
        Ok(())
    );
    assert_eq!(
        check(&map(Contact, "signed_up_at", "CreatedDate", ToIntercom)),
        Ok(())
    );
}

#[test]
fn a_formula_field_is_no_destination() {
    let refusals = refused(&map(
        Account,
        "custom_attributes.lifetime_value",
        "Lifetime_Value__c",
        ToSalesforce,
    ));
    assert_eq!(
        refusals,
        vec![MappingRefusal::FormulaFieldAsDestination {
            field: "Lifetime_Value__c".to_owned()
        }]
    );
    assert_eq!(refusals[0].rule(), "formula_field_as_destination");
}

#[test]
fn a_formula_field_may_be_a_source() {
    assert_eq!(
        check(&map(
            Account,
            "custom_attributes.lifetime_value",
            "Lifetime_Value__c",
            ToIntercom
        )),
        Ok(())
    );
}

#[test]
fn compound_fields_are_refused_in_both_directions() {
    // The table lets an address reach Intercom Text; the compound rule still refuses it.
    assert_eq!(
        refused(&map(
            Account,
            "custom_attributes.tier",
            "BillingAddress",
            ToIntercom
        )),
        vec![MappingRefusal::CompoundField {
            field: "BillingAddress".to_owned()
        }]
    );
    assert_eq!(
        refused(&map(
            Account,
            "custom_attributes.tier",
            "Geo__c",
            ToIntercom
        )),
        vec![MappingRefusal::CompoundField {
            field: "Geo__c".to_owned()
        }]
    );
    // A person's Name is compound (its components name it) and read-only.
    assert_eq!(
        refused(&map(Contact, "name", "Name", ToSalesforce)),
        vec![
            MappingRefusal::CompoundField {
                field: "Name".to_owned()
            },
            MappingRefusal::ReadOnlyDestination {
                side: Side::Salesforce,
                name: "Name".to_owned()
            },
        ]
    );
}

#[test]
fn components_of_compound_fields_may_be_mapped() {
    assert_eq!(
        check(&map(
            Account,
            "custom_attributes.tier",
            "BillingCity",
            ToIntercom
        )),
        Ok(())
    );
    assert_eq!(
        check(&map(Contact, "name", "LastName", ToSalesforce)),
        Ok(())
    );
}

#[test]
fn high_frequency_attributes_are_refused() {
    let refusals = refused(&map(
        Contact,
        "last_seen_at",
        "Last_Contacted__c",
        ToSalesforce,
    ));
    assert_eq!(
        refusals,
        vec![MappingRefusal::HighFrequencyAttribute {
            attribute: "last_seen_at".to_owned()
        }]
    );
    assert_eq!(refusals[0].rule(), "high_frequency_attribute");
    assert_eq!(
        refused(&map(
            Account,
            "last_request_at",
            "Created_In_Intercom__c",
            ToSalesforce
        )),
        vec![MappingRefusal::HighFrequencyAttribute {
            attribute: "last_request_at".to_owned()
        }]
    );
}

#[test]
fn utm_attributes_map_to_leads() {
    assert_eq!(
        check(&map(Lead, "utm_source", "UTM_Source__c", ToSalesforce)),
        Ok(())
    );
    assert_eq!(
        check(&map(Lead, "utm_campaign", "UTM_Campaign__c", ToSalesforce)),
        Ok(())
    );
}

#[test]
fn utm_attributes_do_not_map_to_contacts() {
    let refusals = refused(&map(Contact, "utm_source", "UTM_Source__c", ToSalesforce));
    assert_eq!(
        refusals,
        vec![MappingRefusal::UtmOnlyForLeads {
            attribute: "utm_source".to_owned(),
            object: Contact
        }]
    );
    assert!(refusals[0].to_string().contains("Leads only"));
}

#[test]
fn a_salesforce_field_used_by_another_mapping_is_unavailable() {
    let others = [map(Contact, "phone", "Phone", ToSalesforce)];
    let candidate = map(Contact, "custom_attributes.plan_tier", "phone", ToIntercom);
    assert_eq!(
        validate_mapping(&candidate, &others, &IdentitySettings::default(), &demo()),
        Err(vec![MappingRefusal::AlreadyMapped {
            side: Side::Salesforce,
            name: "Phone".to_owned()
        }])
    );
}

#[test]
fn an_intercom_attribute_used_by_another_mapping_is_unavailable() {
    let others = [map(Contact, "phone", "Phone", ToSalesforce)];
    let candidate = map(Contact, "phone", "Title", ToSalesforce);
    assert_eq!(
        validate_mapping(&candidate, &others, &IdentitySettings::default(), &demo()),
        Err(vec![MappingRefusal::AlreadyMapped {
            side: Side::Intercom,
            name: "phone".to_owned()
        }])
    );
}

#[test]
fn the_same_field_on_another_object_is_available() {
    let others = [map(Contact, "phone", "Phone", ToSalesforce)];
    let candidate = map(Lead, "phone", "Phone", ToSalesforce);
    assert_eq!(
        validate_mapping(&candidate, &others, &IdentitySettings::default(), &demo()),
        Ok(())
    );
}

#[test]
fn the_people_key_is_unavailable_on_both_sides() {
    let identity = IdentitySettings {
        people: PeopleIdentity::ExternalId {
            salesforce_field: "Customer_Number__c".to_owned(),
            email_fallback: true,
        },
        ..IdentitySettings::default()
    };
    let check = |m: AttributeMapping| validate_mapping(&m, &[], &identity, &demo());
    assert_eq!(
        check(map(
            Contact,
            "custom_attributes.plan_tier",
            "Customer_Number__c",
            ToSalesforce
        )),
        Err(vec![MappingRefusal::IdentityKey {
            side: Side::Salesforce,
            name: "Customer_Number__c".to_owned()
        }])
    );
    assert_eq!(
        check(map(Lead, "external_id", "Title", ToSalesforce)),
        Err(vec![MappingRefusal::IdentityKey {
            side: Side::Intercom,
            name: "external_id".to_owned()
        }])
    );
    // With an id key, email is no key and syncs like any attribute.
    assert_eq!(check(map(Contact, "email", "Email", ToSalesforce)), Ok(()));
}

#[test]
fn with_email_matching_email_is_the_key() {
    let refusals = refused(&map(Contact, "email", "Email", ToSalesforce));
    assert_eq!(
        refusals,
        vec![
            MappingRefusal::IdentityKey {
                side: Side::Intercom,
                name: "email".to_owned()
            },
            MappingRefusal::IdentityKey {
                side: Side::Salesforce,
                name: "Email".to_owned()
            },
        ]
    );
    assert!(refusals[0].to_string().contains("identity key"));
}

#[test]
fn the_company_key_is_unavailable_on_both_sides() {
    let identity = IdentitySettings {
        companies: CompanyIdentity {
            salesforce_field: "Legacy_Id__c".to_owned(),
        },
        ..IdentitySettings::default()
    };
    assert_eq!(
        validate_mapping(
            &map(Account, "size", "legacy_id__c", ToSalesforce),
            &[],
            &identity,
            &demo()
        ),
        Err(vec![MappingRefusal::IdentityKey {
            side: Side::Salesforce,
            name: "Legacy_Id__c".to_owned()
        }])
    );
    assert_eq!(
        validate_mapping(
            &map(Account, "company_id", "Tier__c", ToSalesforce),
            &[],
            &identity,
            &demo()
        ),
        Err(vec![MappingRefusal::IdentityKey {
            side: Side::Intercom,
            name: "company_id".to_owned()
        }])
    );
    // AccountNumber is free once it is no longer the key.
    assert_eq!(
        validate_mapping(
            &map(
                Account,
                "custom_attributes.tier",
                "AccountNumber",
                ToIntercom
            ),
            &[],
            &identity,
            &demo()
        ),
        Ok(())
    );
}

#[test]
fn required_lead_fields_only_sync_to_salesforce() {
    assert_eq!(
        refused(&map(
            Lead,
            "custom_attributes.plan_tier",
            "Company",
            ToIntercom
        )),
        vec![MappingRefusal::RequiredLeadFieldDirection {
            field: "Company".to_owned()
        }]
    );
    let custom = map(Lead, "custom_attributes.region", "Region__c", ToIntercom);
    assert_eq!(
        validate_mapping(
            &custom,
            &[],
            &IdentitySettings::default(),
            &with_required_region()
        ),
        Err(vec![MappingRefusal::RequiredLeadFieldDirection {
            field: "Region__c".to_owned()
        }])
    );
    // On a Contact, LastName is an ordinary field.
    assert_eq!(check(&map(Contact, "name", "LastName", ToIntercom)), Ok(()));
}

#[test]
fn a_reference_field_maps_as_text() {
    assert_eq!(
        check(&map(
            Contact,
            "custom_attributes.plan_tier",
            "AccountId",
            ToIntercom
        )),
        Ok(())
    );
    assert_eq!(
        check(&map(
            Contact,
            "custom_attributes.plan_tier",
            "AccountId",
            ToSalesforce
        )),
        Ok(())
    );
}

#[test]
fn every_broken_rule_is_reported_with_its_name() {
    let others = [map(Contact, "last_seen_at", "Phone", ToSalesforce)];
    let candidate = map(Contact, "last_seen_at", "MailingAddress", ToSalesforce);
    let refusals =
        validate_mapping(&candidate, &others, &IdentitySettings::default(), &demo()).unwrap_err();
    let rules: Vec<&str> = refusals.iter().map(MappingRefusal::rule).collect();
    assert_eq!(
        rules,
        [
            "high_frequency_attribute",
            "compound_field",
            "incompatible_types",
            "already_mapped"
        ]
    );
    let json = serde_json::to_value(&refusals[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"rule": "high_frequency_attribute", "attribute": "last_seen_at"})
    );
}
