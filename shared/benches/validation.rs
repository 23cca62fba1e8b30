//! Checking whole sync settings: the time to validate settings with 25, 100 and 500 mappings of
//! each object (the cap) against metadata with room for them, so that the growth with the
//! number of mappings shows.
//!
//! `cargo bench -p sfbridge-shared --bench validation`

use std::time::{Duration, Instant};

use shared::sync::fields::{
    IntercomAttribute, IntercomDataType, SalesforceField, SalesforceFieldType,
};
use shared::sync::mapping::{AttributeMapping, MAX_MAPPINGS_PER_OBJECT};
use shared::sync::{
    Direction, IntercomModel, SalesforceObject, SyncMetadata, SyncSettings, validate_settings,
};

/// Text fields `Extra_N__c` on every object and custom text attributes `extra_N` on both models.
fn metadata(n: usize) -> SyncMetadata {
    let mut fields = Vec::new();
    let mut attributes = Vec::new();
    // What the default settings use: the required Lead fields, the company key, `name`.
    for (object, name) in [
        (SalesforceObject::Lead, "LastName"),
        (SalesforceObject::Lead, "Company"),
        (SalesforceObject::Account, "AccountNumber"),
    ] {
        fields.push(SalesforceField::new(
            object,
            name,
            SalesforceFieldType::String,
        ));
    }
    attributes.push(IntercomAttribute::new(
        IntercomModel::Person,
        "name",
        IntercomDataType::String,
    ));
    for object in SalesforceObject::ALL {
        for i in 0..n {
            fields.push(SalesforceField::new(
                object,
                &format!("Extra_{i}__c"),
                SalesforceFieldType::String,
            ));
        }
    }
    for model in [IntercomModel::Person, IntercomModel::Company] {
        for i in 0..n {
            attributes.push(IntercomAttribute::new(
                model,
                &format!("custom_attributes.extra_{i}"),
                IntercomDataType::String,
            ));
        }
    }
    SyncMetadata::new(fields, attributes)
}

/// The required Lead mappings and `per_object` more of each object.
fn settings(per_object: usize) -> SyncSettings {
    let mut settings = SyncSettings::default();
    for object in SalesforceObject::ALL {
        let start = if object == SalesforceObject::Lead {
            2
        } else {
            0
        };
        settings.mappings.extend((start..per_object).map(|i| {
            AttributeMapping::new(
                object,
                &format!("custom_attributes.extra_{i}"),
                &format!("Extra_{i}__c"),
                Direction::ToSalesforce,
            )
        }));
    }
    settings
}

fn main() {
    let metadata = metadata(MAX_MAPPINGS_PER_OBJECT);
    println!(
        "validate_settings, metadata of {} fields and {} attributes:",
        metadata.salesforce_fields.len(),
        metadata.intercom_attributes.len()
    );
    for per_object in [25, 100, MAX_MAPPINGS_PER_OBJECT] {
        let settings = settings(per_object);
        assert_eq!(validate_settings(&settings, &metadata), Ok(()));
        let rounds = 20;
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(validate_settings(
                std::hint::black_box(&settings),
                &metadata,
            ))
            .expect("valid");
        }
        let each = started.elapsed() / rounds;
        println!(
            "  {:>5} mappings: {:>9.3} ms each ({:.2} µs per mapping)",
            settings.mappings.len(),
            ms(each),
            ms(each) * 1000.0 / settings.mappings.len() as f64
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
