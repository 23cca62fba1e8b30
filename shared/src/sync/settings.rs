//! The sync settings of one installation and their whole-settings validation.
//!
//! Required Lead fields are ordinary mappings that the rules pin: they sync from Intercom to
//! Salesforce, cannot be removed, and a custom required field must be given one. Each may
//! have a fallback (`leads::LeadFallbacks`), the value a new Lead gets when Intercom has none.

use std::fmt;

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::fields::{PERSON_COMPANY_NAME, SyncMetadata};
use super::identity::{IdentityRefusal, IdentitySettings};
use super::leads::{
    FallbackFacts, FallbackRule, LeadFallbacks, default_fallback, fallback_refusal,
};
use super::mapping::{
    AttributeMapping, Counted, MAX_MAPPINGS_PER_OBJECT, MappingRefusal, Schema, Uses, check,
    required_lead_fields, validate_mapping,
};
use super::{Direction, SalesforceObject};

/// Identity settings, attribute mappings and the required Lead fields' fallbacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSettings {
    pub identity: IdentitySettings,
    pub mappings: Vec<AttributeMapping>,
    /// Absent from settings saved before fallbacks existed: every required field then gets
    /// its default.
    #[serde(default)]
    pub lead_fallbacks: LeadFallbacks,
}

/// The settings page's view (`GET /api/settings/sync`): the settings, the Lead fields that
/// must stay mapped, and every problem the settings have against the org as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    #[serde(flatten)]
    pub settings: SyncSettings,
    pub required_lead_fields: Vec<String>,
    /// The fallback each required Lead field gets when the admin chose none (`null`: none).
    #[serde(default)]
    pub lead_fallback_defaults: BTreeMap<String, Option<String>>,
    pub problems: Vec<SettingsProblem>,
}

/// How many links a change of identity drops (or, previewed, would drop), and what the admin
/// is told.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlinked {
    pub people: u64,
    pub companies: u64,
    pub notices: Vec<String>,
}

/// The answer to saving the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySaved {
    pub identity: IdentitySettings,
    pub unlinked: Unlinked,
}

impl Default for SyncSettings {
    /// Email matching, `AccountNumber` for companies, and the two standard required Lead fields.
    fn default() -> Self {
        Self {
            identity: IdentitySettings::default(),
            mappings: standard_lead_mappings(),
            lead_fallbacks: LeadFallbacks::default(),
        }
    }
}

/// `name` -> `LastName` and the person's company name -> `Company`, Intercom to Salesforce.
pub fn standard_lead_mappings() -> Vec<AttributeMapping> {
    vec![
        AttributeMapping::new(
            SalesforceObject::Lead,
            "name",
            "LastName",
            Direction::ToSalesforce,
        ),
        AttributeMapping::new(
            SalesforceObject::Lead,
            PERSON_COMPANY_NAME,
            "Company",
            Direction::ToSalesforce,
        ),
    ]
}

impl SyncSettings {
    /// The mappings of one object.
    pub fn mappings_of(&self, object: SalesforceObject) -> impl Iterator<Item = &AttributeMapping> {
        self.mappings.iter().filter(move |m| m.object == object)
    }

    /// Adds a mapping if it keeps every rule.
    pub fn add_mapping(
        &mut self,
        mapping: AttributeMapping,
        metadata: &SyncMetadata,
    ) -> Result<(), Vec<MappingRefusal>> {
        validate_mapping(&mapping, &self.mappings, &self.identity, metadata)?;
        self.mappings.push(mapping);
        Ok(())
    }

    /// Replaces the mapping at `index` (an edit) if the new one keeps every rule.
    /// Panics if `index` is out of bounds, like slice indexing.
    pub fn replace_mapping(
        &mut self,
        index: usize,
        mapping: AttributeMapping,
        metadata: &SyncMetadata,
    ) -> Result<(), Vec<MappingRefusal>> {
        assert!(index < self.mappings.len(), "no mapping at {index}");
        check(
            &mapping,
            &Uses::count(self.others(index)),
            Counted::Apart,
            &self.identity,
            &Schema::new(metadata),
        )?;
        self.mappings[index] = mapping;
        Ok(())
    }

    /// Removes the mapping at `index`, unless it is what feeds a required Lead field.
    /// Panics if `index` is out of bounds, like slice indexing.
    pub fn remove_mapping(
        &mut self,
        index: usize,
        metadata: &SyncMetadata,
    ) -> Result<AttributeMapping, MappingRefusal> {
        let mapping = &self.mappings[index];
        let feeds_lead = |field: &String| {
            mapping.object == SalesforceObject::Lead
                && mapping.direction == Direction::ToSalesforce
                && mapping.salesforce_field.eq_ignore_ascii_case(field)
        };
        if let Some(field) = required_lead_fields(metadata)
            .into_iter()
            .find(|r| feeds_lead(r) && !feeds_lead_field(self.others(index), r))
        {
            return Err(MappingRefusal::RequiredLeadFieldRemoved { field });
        }
        Ok(self.mappings.remove(index))
    }

    /// Every mapping but the one at `index`.
    fn others(&self, index: usize) -> impl Iterator<Item = &AttributeMapping> {
        self.mappings
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != index)
            .map(|(_, m)| m)
    }
}

fn feeds_lead_field<'m>(
    mut mappings: impl Iterator<Item = &'m AttributeMapping>,
    field: &str,
) -> bool {
    mappings.any(|m| {
        m.direction == Direction::ToSalesforce
            && m.uses_salesforce_field(SalesforceObject::Lead, field)
    })
}

/// One problem found in the settings, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum SettingsProblem {
    PeopleIdentity {
        refusal: IdentityRefusal,
    },
    CompanyIdentity {
        refusal: IdentityRefusal,
    },
    /// The mapping at `index` of [`SyncSettings::mappings`].
    Mapping {
        index: usize,
        refusal: MappingRefusal,
    },
    /// A field Salesforce requires to create a lead has no Intercom -> Salesforce mapping.
    RequiredLeadFieldUnmapped {
        field: String,
    },
    /// The fallback of Lead field `field` breaks `rule`.
    LeadFallback {
        field: String,
        rule: FallbackRule,
    },
    /// More mappings of one object than [`MAX_MAPPINGS_PER_OBJECT`]: nothing else is checked.
    TooManyMappings {
        object: SalesforceObject,
        count: usize,
        max: usize,
    },
}

impl fmt::Display for SettingsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PeopleIdentity { refusal } => write!(f, "People matching: {refusal}"),
            Self::CompanyIdentity { refusal } => write!(f, "Company matching: {refusal}"),
            Self::Mapping { index, refusal } => write!(f, "Mapping {}: {refusal}", index + 1),
            Self::RequiredLeadFieldUnmapped { field } => write!(
                f,
                "Lead.{field} is required to create leads: map an Intercom attribute to it."
            ),
            Self::LeadFallback { field, rule } => f.write_str(&rule.sentence(field)),
            Self::TooManyMappings { object, count, max } => write!(
                f,
                "The {object} has {count} mappings; one object may have at most {max}."
            ),
        }
    }
}

/// The fallbacks that break a rule of `leads::FALLBACK_RULES` (one switched off breaks none).
fn fallback_problems(fallbacks: &LeadFallbacks, schema: &Schema<'_>) -> Vec<SettingsProblem> {
    let mut problems = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (field, value) in &fallbacks.0 {
        let lower = field.to_ascii_lowercase();
        let repeated = seen.contains(&lower);
        seen.push(lower);
        let Some(value) = value else { continue };
        let facts = FallbackFacts {
            field: schema.field(SalesforceObject::Lead, field),
            // One field named twice (in two cases) is not a required field's one fallback.
            required: !repeated
                && schema
                    .required_lead_fields()
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(field)),
            value,
        };
        if let Some(rule) = fallback_refusal(&facts) {
            problems.push(SettingsProblem::LeadFallback {
                field: field.clone(),
                rule,
            });
        }
    }
    problems
}

/// The fallback each required Lead field gets when the admin chose none.
pub fn lead_fallback_defaults(metadata: &SyncMetadata) -> BTreeMap<String, Option<String>> {
    required_lead_fields(metadata)
        .into_iter()
        .map(|name| {
            let default = metadata
                .salesforce_field(SalesforceObject::Lead, &name)
                .and_then(default_fallback);
            (name, default)
        })
        .collect()
}

/// Every problem in the settings: both identity settings, each mapping against all the others,
/// the required Lead fields and their fallbacks. The settings page shows them all at once. The work is linear
/// in the number of mappings (each is checked against counts made once), and settings with
/// more than [`MAX_MAPPINGS_PER_OBJECT`] mappings of an object are refused for that alone.
pub fn validate_settings(
    settings: &SyncSettings,
    metadata: &SyncMetadata,
) -> Result<(), Vec<SettingsProblem>> {
    let uses = Uses::count(&settings.mappings);
    let too_many: Vec<SettingsProblem> = SalesforceObject::ALL
        .into_iter()
        .filter(|object| uses.of_object(*object) > MAX_MAPPINGS_PER_OBJECT)
        .map(|object| SettingsProblem::TooManyMappings {
            object,
            count: uses.of_object(object),
            max: MAX_MAPPINGS_PER_OBJECT,
        })
        .collect();
    if !too_many.is_empty() {
        return Err(too_many);
    }
    let schema = Schema::new(metadata);
    let mut problems = Vec::new();
    if let Err(refusal) = settings.identity.people.validate(metadata) {
        problems.push(SettingsProblem::PeopleIdentity { refusal });
    }
    if let Err(refusal) = settings.identity.companies.validate(metadata) {
        problems.push(SettingsProblem::CompanyIdentity { refusal });
    }
    for (index, mapping) in settings.mappings.iter().enumerate() {
        if let Err(refusals) = check(mapping, &uses, Counted::Among, &settings.identity, &schema) {
            problems.extend(
                refusals
                    .into_iter()
                    .map(|refusal| SettingsProblem::Mapping { index, refusal }),
            );
        }
    }
    for field in schema.required_lead_fields() {
        if uses.field(SalesforceObject::Lead, field) == 0 {
            problems.push(SettingsProblem::RequiredLeadFieldUnmapped {
                field: field.clone(),
            });
        }
    }
    problems.extend(fallback_problems(&settings.lead_fallbacks, &schema));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
