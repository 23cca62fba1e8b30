//! Every row of the lead-creation table, and the order its refusals are checked in.

use shared::sync::leads::{LEAD_REFUSALS, LeadFacts, LeadRefusal, lead_refusal};

/// A person for whom a Lead is created: every fact allows it.
fn allowed() -> LeadFacts {
    LeadFacts {
        held_elsewhere: false,
        creates_leads: true,
        has_key: true,
        findable: true,
        another_creating: false,
    }
}

#[test]
fn a_lead_is_created_when_no_refusal_applies() {
    assert_eq!(lead_refusal(&allowed()), None);
}

#[test]
fn each_refusal_applies_alone() {
    let cases = [
        (
            LeadFacts {
                held_elsewhere: true,
                ..allowed()
            },
            LeadRefusal::HeldElsewhere,
        ),
        (
            LeadFacts {
                creates_leads: false,
                ..allowed()
            },
            LeadRefusal::CreationOff,
        ),
        (
            LeadFacts {
                has_key: false,
                ..allowed()
            },
            LeadRefusal::EmptyKey,
        ),
        (
            LeadFacts {
                findable: false,
                ..allowed()
            },
            LeadRefusal::NotFindable,
        ),
        (
            LeadFacts {
                another_creating: true,
                ..allowed()
            },
            LeadRefusal::AnotherCreating,
        ),
    ];
    for (facts, refusal) in cases {
        assert_eq!(lead_refusal(&facts), Some(refusal), "{facts:?}");
    }
}

#[test]
fn the_first_refusal_in_the_table_is_the_reason() {
    let everything = LeadFacts {
        held_elsewhere: true,
        creates_leads: false,
        has_key: false,
        findable: false,
        another_creating: true,
    };
    assert_eq!(lead_refusal(&everything), Some(LeadRefusal::HeldElsewhere));
    let no_key_nor_email = LeadFacts {
        has_key: false,
        findable: false,
        ..allowed()
    };
    assert_eq!(lead_refusal(&no_key_nor_email), Some(LeadRefusal::EmptyKey));
    let order: Vec<LeadRefusal> = LEAD_REFUSALS.iter().map(|(r, _)| *r).collect();
    assert_eq!(
        order,
        [
            LeadRefusal::HeldElsewhere,
            LeadRefusal::CreationOff,
            LeadRefusal::EmptyKey,
            LeadRefusal::NotFindable,
            LeadRefusal::AnotherCreating,
        ]
    );
}

#[test]
fn every_refusal_says_why_in_words() {
    for (refusal, _) in LEAD_REFUSALS {
        assert!(refusal.reason().ends_with('.'), "{refusal:?}");
        assert!(refusal.reason().len() > 40, "{refusal:?}");
    }
}

mod fallbacks {
    use shared::sync::leads::{
        FALLBACK_RULES, FallbackFacts, FallbackRule, LeadFallbacks, NOT_PROVIDED, check_fallback,
        default_fallback, fallback_for, fallback_refusal, fallbacks_used,
    };
    use shared::sync::settings::lead_fallback_defaults;
    use shared::sync::{
        SalesforceField, SalesforceFieldType as S, SalesforceObject, SettingsProblem, SyncMetadata,
        SyncSettings, validate_settings,
    };

    use crate::metadata::{intercom_attributes, salesforce_fields, with_required_region};

    fn lead(name: &str, t: S) -> SalesforceField {
        let mut f = SalesforceField::new(SalesforceObject::Lead, name, t);
        f.nillable = false;
        f
    }

    fn region(values: &[&str], default: Option<&str>) -> SalesforceField {
        let mut f = lead("Region__c", S::Picklist);
        f.picklist_values = values.iter().map(|v| (*v).to_owned()).collect();
        f.picklist_default = default.map(str::to_owned);
        f
    }

    /// The demo org with Region__c a required restricted picklist, as the simulated org has it.
    fn with_required_picklist() -> SyncMetadata {
        let mut fields = salesforce_fields();
        fields.push(region(&["AMER", "EMEA", "APAC"], None));
        SyncMetadata::new(fields, intercom_attributes())
    }

    #[test]
    fn the_defaults_are_the_placeholder_for_text_and_the_picklist_s_default_or_first_value() {
        let mut company = lead("Company", S::String);
        assert_eq!(default_fallback(&company).as_deref(), Some(NOT_PROVIDED));
        company.length = 10;
        assert_eq!(default_fallback(&company), None, "too short to hold it");
        assert_eq!(
            default_fallback(&region(&["AMER", "EMEA"], None)).as_deref(),
            Some("AMER")
        );
        assert_eq!(
            default_fallback(&region(&["AMER", "EMEA"], Some("EMEA"))).as_deref(),
            Some("EMEA")
        );
        assert_eq!(default_fallback(&lead("Seats__c", S::Int)), None);
        assert_eq!(default_fallback(&lead("Work_Email__c", S::Email)), None);
        assert_eq!(
            lead_fallback_defaults(&with_required_picklist())
                .into_iter()
                .collect::<Vec<_>>(),
            [
                ("Company".to_owned(), Some(NOT_PROVIDED.to_owned())),
                ("LastName".to_owned(), Some(NOT_PROVIDED.to_owned())),
                ("Region__c".to_owned(), Some("AMER".to_owned())),
            ]
        );
    }

    #[test]
    fn the_admin_s_choice_wins_and_none_switches_the_fallback_off() {
        let company = lead("Company", S::String);
        let mut fallbacks = LeadFallbacks::default();
        assert_eq!(
            fallback_for(&company, &fallbacks).as_deref(),
            Some(NOT_PROVIDED)
        );
        fallbacks.set("COMPANY", Some("Website visitor".to_owned()));
        assert_eq!(
            fallback_for(&company, &fallbacks).as_deref(),
            Some("Website visitor")
        );
        fallbacks.set("company", None);
        assert_eq!(
            fallbacks.0.len(),
            1,
            "one choice per field, whatever its case"
        );
        assert_eq!(fallback_for(&company, &fallbacks), None);
    }

    #[test]
    fn stored_settings_without_fallbacks_still_load_and_null_means_off() {
        let saved = serde_json::to_value(SyncSettings::default()).unwrap();
        let mut without = saved.clone();
        without.as_object_mut().unwrap().remove("lead_fallbacks");
        let read: SyncSettings = serde_json::from_value(without).unwrap();
        assert_eq!(read, SyncSettings::default());
        let fallbacks: LeadFallbacks =
            serde_json::from_str(r#"{"Company":null,"Region__c":"EMEA"}"#).unwrap();
        assert_eq!(fallbacks.choice("company"), Some(&None));
        assert_eq!(
            fallbacks.choice("region__c"),
            Some(&Some("EMEA".to_owned()))
        );
    }

    #[test]
    fn each_rule_of_the_table_refuses_in_order() {
        let text = {
            let mut f = lead("Company", S::String);
            f.length = 20;
            f
        };
        let picklist = region(&["AMER", "EMEA"], None);
        let number = lead("Seats__c", S::Int);
        let facts = |field, required, value| FallbackFacts {
            field,
            required,
            value,
        };
        let cases = [
            (facts(Some(&text), true, "Unknown"), None),
            (
                facts(Some(&text), false, "Unknown"),
                Some(FallbackRule::NotRequired),
            ),
            (
                facts(None, true, "Unknown"),
                Some(FallbackRule::NotRequired),
            ),
            (facts(Some(&number), true, "3"), Some(FallbackRule::NotText)),
            (facts(Some(&text), true, "  "), Some(FallbackRule::Empty)),
            (
                facts(Some(&text), true, "A company name far too long"),
                Some(FallbackRule::TooLong),
            ),
            (facts(Some(&picklist), true, "EMEA"), None),
            (
                facts(Some(&picklist), true, "MARS"),
                Some(FallbackRule::NotInPicklist),
            ),
            // Not required is checked first, blank after type.
            (
                facts(Some(&number), false, ""),
                Some(FallbackRule::NotRequired),
            ),
            (facts(Some(&number), true, ""), Some(FallbackRule::NotText)),
        ];
        for (facts, want) in cases {
            assert_eq!(fallback_refusal(&facts), want, "{facts:?}");
        }
        assert_eq!(FALLBACK_RULES.len(), 5);
    }

    #[test]
    fn the_settings_name_each_refused_fallback() {
        let meta = with_required_picklist();
        assert_eq!(check_fallback("Region__c", "EMEA", &meta), None);
        assert_eq!(
            check_fallback("Region__c", "MARS", &meta),
            Some(FallbackRule::NotInPicklist)
        );
        assert_eq!(
            check_fallback("Title", "CEO", &meta),
            Some(FallbackRule::NotRequired)
        );
        let mut settings = SyncSettings::default();
        settings.mappings.push(shared::sync::AttributeMapping::new(
            SalesforceObject::Lead,
            "custom_attributes.region",
            "Region__c",
            shared::sync::Direction::ToSalesforce,
        ));
        assert_eq!(validate_settings(&settings, &meta), Ok(()));
        settings
            .lead_fallbacks
            .set("Region__c", Some("MARS".to_owned()));
        settings.lead_fallbacks.set("Title", Some("CEO".to_owned()));
        // Switched off: no value, nothing to refuse.
        settings.lead_fallbacks.set("Company", None);
        let problems = validate_settings(&settings, &meta).unwrap_err();
        assert_eq!(
            problems,
            [
                SettingsProblem::LeadFallback {
                    field: "Region__c".to_owned(),
                    rule: FallbackRule::NotInPicklist
                },
                SettingsProblem::LeadFallback {
                    field: "Title".to_owned(),
                    rule: FallbackRule::NotRequired
                },
            ]
        );
        let json = serde_json::to_value(&problems[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"scope": "lead_fallback", "field": "Region__c", "rule": "not_in_picklist"})
        );
        assert!(problems[0].to_string().contains("Lead.Region__c"));
        // A required text field's fallback on the demo org with a text Region__c.
        let mut text_region = SyncSettings {
            mappings: settings.mappings.clone(),
            ..SyncSettings::default()
        };
        text_region
            .lead_fallbacks
            .set("Region__c", Some("Nowhere".to_owned()));
        assert_eq!(
            validate_settings(&text_region, &with_required_region()),
            Ok(())
        );
    }

    #[test]
    fn the_ledger_sentence_names_each_fallback_used() {
        assert_eq!(fallbacks_used(&[]), None);
        assert_eq!(
            fallbacks_used(&[
                ("Company".to_owned(), NOT_PROVIDED.to_owned()),
                ("Region__c".to_owned(), "AMER".to_owned())
            ])
            .as_deref(),
            Some(
                "Intercom had no value for a required field; fallbacks used: Company = \"[not provided]\", Region__c = \"AMER\"."
            )
        );
    }
}

mod refusals {
    use shared::sync::refusals::{AfterRefusal, REFUSALS, after_refusal, after_refusals};

    #[test]
    fn org_rules_stand_busy_records_retry_and_gone_records_unlink() {
        assert_eq!(
            after_refusal("FIELD_CUSTOM_VALIDATION_EXCEPTION"),
            AfterRefusal::Stands
        );
        assert_eq!(after_refusal("DUPLICATES_DETECTED"), AfterRefusal::Stands);
        assert_eq!(after_refusal("UNABLE_TO_LOCK_ROW"), AfterRefusal::Retry);
        assert_eq!(after_refusal("ENTITY_IS_DELETED"), AfterRefusal::Gone);
        // A code nobody listed stands: it is never repeated blindly.
        assert_eq!(after_refusal("SOMETHING_NEW"), AfterRefusal::Stands);
        let mut codes: Vec<&str> = REFUSALS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REFUSALS.len(), "each code once");
    }

    #[test]
    fn several_refusals_retry_only_when_each_can_pass() {
        assert_eq!(
            after_refusals(["UNABLE_TO_LOCK_ROW", "PROCESSING_HALTED"]),
            AfterRefusal::Retry
        );
        assert_eq!(
            after_refusals(["UNABLE_TO_LOCK_ROW", "DUPLICATES_DETECTED"]),
            AfterRefusal::Stands
        );
        assert_eq!(
            after_refusals(["STRING_TOO_LONG", "ENTITY_IS_DELETED"]),
            AfterRefusal::Gone
        );
        assert_eq!(after_refusals([]), AfterRefusal::Stands);
    }
}
