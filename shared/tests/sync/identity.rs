use shared::sync::fields::SalesforceFieldType as S;
use shared::sync::identity::{
    CompanyIdentity, IdentityRefusal, IdentitySettings, PeopleIdentity, Unlinks, unlinks_needed,
};
use shared::sync::{SalesforceObject, SyncMetadata};

use crate::metadata::{self, demo, field};

fn by_id(field: &str, email_fallback: bool) -> PeopleIdentity {
    PeopleIdentity::ExternalId {
        salesforce_field: field.to_owned(),
        email_fallback,
    }
}

fn company(field: &str) -> CompanyIdentity {
    CompanyIdentity {
        salesforce_field: field.to_owned(),
    }
}

#[test]
fn people_match_by_email_by_default_and_leads_are_created() {
    let people = PeopleIdentity::default();
    assert_eq!(people, PeopleIdentity::Email);
    assert_eq!(
        (people.intercom_key(), people.salesforce_key()),
        ("email", "Email")
    );
    assert!(people.matches_intercom_leads());
    assert!(people.creates_leads());
    assert_eq!(people.validate(&demo()), Ok(()));
}

#[test]
fn email_fallback_is_on_unless_unchecked() {
    let people: PeopleIdentity = serde_json::from_str(
        r#"{"match_by":"external_id","salesforce_field":"Customer_Number__c"}"#,
    )
    .unwrap();
    assert_eq!(people, by_id("Customer_Number__c", true));
    assert!(people.matches_intercom_leads());
    assert!(people.creates_leads());
}

#[test]
fn without_the_fallback_only_users_match_and_no_lead_is_created() {
    let people = by_id("Customer_Number__c", false);
    assert!(!people.matches_intercom_leads());
    assert!(!people.creates_leads());
    assert_eq!(
        (people.intercom_key(), people.salesforce_key()),
        ("external_id", "Customer_Number__c")
    );
}

#[test]
fn the_people_key_may_be_a_text_or_an_email_field() {
    assert_eq!(by_id("Customer_Number__c", true).validate(&demo()), Ok(()));
    assert_eq!(
        by_id("email", true).validate(&demo()),
        Ok(()),
        "names ignore case"
    );
}

#[test]
fn the_people_key_refuses_other_types_including_text_areas() {
    for (name, t) in [
        ("Birthdate", S::Date),
        ("Description", S::Textarea),
        ("Seats__c", S::Int),
    ] {
        assert_eq!(
            by_id(name, true).validate(&demo()),
            Err(IdentityRefusal::PeopleKeyNotEmailOrText {
                object: SalesforceObject::Contact,
                field: name.to_owned(),
                field_type: t,
            })
        );
    }
}

#[test]
fn the_people_key_must_be_a_contact_field() {
    assert_eq!(
        by_id("Nope__c", true).validate(&demo()),
        Err(IdentityRefusal::UnknownField {
            object: SalesforceObject::Contact,
            field: "Nope__c".to_owned(),
        })
    );
}

#[test]
fn a_lead_field_of_the_same_name_must_fit_too() {
    let mut fields = metadata::salesforce_fields();
    fields.push(field(SalesforceObject::Contact, "Key__c", S::String));
    fields.push(field(SalesforceObject::Lead, "Key__c", S::Double));
    let meta = SyncMetadata::new(fields, metadata::intercom_attributes());
    assert_eq!(
        by_id("Key__c", true).validate(&meta),
        Err(IdentityRefusal::PeopleKeyNotEmailOrText {
            object: SalesforceObject::Lead,
            field: "Key__c".to_owned(),
            field_type: S::Double,
        })
    );
}

#[test]
fn the_company_key_may_be_text_integer_double_or_id() {
    assert_eq!(CompanyIdentity::default(), company("AccountNumber"));
    for name in [
        "AccountNumber",
        "Legacy_Id__c",
        "Rating_Score__c",
        "Sibling_Key__c",
    ] {
        assert_eq!(company(name).validate(&demo()), Ok(()), "{name}");
    }
}

#[test]
fn the_company_key_is_never_a_text_area() {
    let refusal = company("Description").validate(&demo()).unwrap_err();
    assert_eq!(
        refusal,
        IdentityRefusal::CompanyKeyIsTextArea {
            field: "Description".to_owned()
        }
    );
    assert!(refusal.to_string().contains("text area"));
}

#[test]
fn the_company_key_is_never_the_record_id() {
    let refusal = company("Id").validate(&demo()).unwrap_err();
    assert_eq!(refusal, IdentityRefusal::CompanyKeyIsRecordId);
    assert!(refusal.to_string().contains("record Id"));
}

#[test]
fn the_company_key_refuses_other_types() {
    for (name, t) in [
        ("Website", S::Url),
        ("Customer_Since__c", S::Date),
        ("AnnualRevenue", S::Currency),
        ("Partner__c", S::Boolean),
    ] {
        assert_eq!(
            company(name).validate(&demo()),
            Err(IdentityRefusal::CompanyKeyType {
                field: name.to_owned(),
                field_type: t
            })
        );
    }
}

#[test]
fn the_company_key_must_be_an_account_field() {
    assert_eq!(
        company("Customer_Number__c").validate(&demo()),
        Err(IdentityRefusal::UnknownField {
            object: SalesforceObject::Account,
            field: "Customer_Number__c".to_owned(),
        })
    );
}

#[test]
fn refusals_name_their_rule_in_json() {
    let json = serde_json::to_value(IdentityRefusal::CompanyKeyIsRecordId).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"rule": "company_key_is_record_id"})
    );
}

#[test]
fn changing_the_people_key_unlinks_every_person_and_says_so() {
    let before = IdentitySettings::default();
    let after = IdentitySettings {
        people: by_id("Customer_Number__c", true),
        ..IdentitySettings::default()
    };
    let unlinks = unlinks_needed(&before, &after);
    assert_eq!(
        unlinks,
        Unlinks {
            people: true,
            companies: false
        }
    );
    assert!(unlinks.any());
    assert_eq!(unlinks.notices().len(), 1);
    assert!(unlinks.notices()[0].contains("unlinks every person"));
    // Another field is another key, too.
    let other = IdentitySettings {
        people: by_id("Email", true),
        ..IdentitySettings::default()
    };
    assert!(unlinks_needed(&after, &other).people);
}

#[test]
fn changing_the_company_key_unlinks_every_company_and_says_so() {
    let before = IdentitySettings::default();
    let after = IdentitySettings {
        companies: company("Legacy_Id__c"),
        ..IdentitySettings::default()
    };
    let unlinks = unlinks_needed(&before, &after);
    assert_eq!(
        unlinks,
        Unlinks {
            people: false,
            companies: true
        }
    );
    assert!(unlinks.notices()[0].contains("unlinks every company"));
}

#[test]
fn keeping_the_keys_unlinks_nobody() {
    let before = IdentitySettings {
        people: by_id("Customer_Number__c", true),
        companies: company("AccountNumber"),
    };
    // The fallback is not the key; API names ignore case.
    let after = IdentitySettings {
        people: by_id("customer_number__c", false),
        companies: company("accountnumber"),
    };
    let unlinks = unlinks_needed(&before, &after);
    assert!(!unlinks.any());
    assert!(unlinks.notices().is_empty());
}

#[test]
fn keys_are_normalised_one_way_trimmed_and_case_folded() {
    use shared::sync::identity::{normalized_key, same_key, trimmed_key};
    assert_eq!(
        normalized_key("  Maya.Patel@Globex.example.COM "),
        Some("maya.patel@globex.example.com".to_owned())
    );
    assert_eq!(normalized_key("   "), None);
    assert!(same_key("ABC-1 ", "abc-1"));
    assert!(!same_key("abc-1", "abc-2"));
    assert!(!same_key("", " "), "no key matches nothing");
    assert_eq!(trimmed_key(" X-9 "), Some("X-9"));
    assert_eq!(trimmed_key(" "), None);
}

#[test]
fn a_persons_keys_follow_the_people_identity() {
    use shared::sync::PersonKeys;
    let keys = |identity: &PeopleIdentity, email: Option<&str>, id: Option<&str>| {
        identity.person_keys(email, id)
    };
    let email = Some(" Maya@Globex.example ");
    let folded = Some("maya@globex.example".to_owned());
    assert_eq!(
        keys(&PeopleIdentity::Email, email, Some("u-1")),
        PersonKeys {
            key: folded.clone(),
            key_is_email: true,
            lead_email: folded.clone(),
        }
    );
    // By id: the id as given (trimmed), leads still by email while the fallback is on.
    assert_eq!(
        keys(&by_id("Ext__c", true), email, Some(" U-1 ")),
        PersonKeys {
            key: Some("U-1".to_owned()),
            key_is_email: false,
            lead_email: folded.clone(),
        }
    );
    assert_eq!(
        keys(&by_id("Ext__c", false), email, Some("U-1")).lead_email,
        None
    );
    // No id: the email stands in only with the fallback.
    assert_eq!(
        keys(&by_id("Ext__c", true), email, Some("  ")),
        PersonKeys {
            key: folded.clone(),
            key_is_email: true,
            lead_email: folded,
        }
    );
    assert_eq!(
        keys(&by_id("Ext__c", false), email, None),
        PersonKeys {
            key: None,
            key_is_email: false,
            lead_email: None,
        }
    );
}
