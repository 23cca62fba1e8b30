//! Attribute mappings and the rules each one must keep.
//!
//! A mapping ties one Intercom attribute to one field of a Lead, Contact or Account and syncs
//! it one way. [`validate_mapping`] refuses, naming the rule, whatever the articles refuse.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::compat;
use super::fields::{
    IntercomAttribute, IntercomDataType, SalesforceField, SalesforceFieldType, SyncMetadata,
};
use super::identity::IdentitySettings;
use super::{Direction, IntercomModel, SalesforceObject, Side};

/// The Lead fields Salesforce always requires to create a lead.
pub const STANDARD_REQUIRED_LEAD_FIELDS: [&str; 2] = ["LastName", "Company"];

/// The most mappings one object may have. Each mapping of an object takes an Intercom attribute
/// no other mapping of it takes, and a workspace holds at most 250 custom attributes beside a
/// few dozen standard ones, so no real settings come near; the cap bounds what a pasted or
/// imported list can make the server check and store.
pub const MAX_MAPPINGS_PER_OBJECT: usize = 500;

/// One attribute mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeMapping {
    pub object: SalesforceObject,
    /// The Intercom attribute's full name (`phone`, `custom_attributes.plan_tier`).
    pub intercom_attribute: String,
    /// The Salesforce field's API name.
    pub salesforce_field: String,
    pub direction: Direction,
    /// Don't sync when the source holds no value.
    #[serde(default)]
    pub skip_if_source_empty: bool,
    /// Don't sync when the destination already holds a value.
    #[serde(default)]
    pub skip_if_destination_has_value: bool,
}

impl AttributeMapping {
    /// A mapping with neither skip flag.
    pub fn new(
        object: SalesforceObject,
        intercom_attribute: &str,
        salesforce_field: &str,
        direction: Direction,
    ) -> Self {
        Self {
            object,
            intercom_attribute: intercom_attribute.to_owned(),
            salesforce_field: salesforce_field.to_owned(),
            direction,
            skip_if_source_empty: false,
            skip_if_destination_has_value: false,
        }
    }

    pub fn uses_salesforce_field(&self, object: SalesforceObject, field: &str) -> bool {
        self.object == object && self.salesforce_field.eq_ignore_ascii_case(field)
    }

    pub fn uses_intercom_attribute(&self, object: SalesforceObject, attribute: &str) -> bool {
        self.object == object && self.intercom_attribute == attribute
    }
}

/// Why a mapping was refused. Serialised with `rule` naming the rule, for the settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MappingRefusal {
    UnknownIntercomAttribute {
        model: IntercomModel,
        attribute: String,
    },
    UnknownSalesforceField {
        object: SalesforceObject,
        field: String,
    },
    /// The types are not compatible in this direction per the articles' tables.
    IncompatibleTypes {
        direction: Direction,
        intercom_type: IntercomDataType,
        salesforce_type: SalesforceFieldType,
    },
    /// Read-only fields can't be synced to; on either side.
    ReadOnlyDestination {
        side: Side,
        name: String,
    },
    /// Formula fields are computed by Salesforce: sources only.
    FormulaFieldAsDestination {
        field: String,
    },
    CompoundField {
        field: String,
    },
    HighFrequencyAttribute {
        attribute: String,
    },
    /// UTM attributes map to Leads only.
    UtmOnlyForLeads {
        attribute: String,
        object: SalesforceObject,
    },
    /// The field or attribute is already used by another mapping of the same object.
    AlreadyMapped {
        side: Side,
        name: String,
    },
    /// The field or attribute is the identity key of the object's records.
    IdentityKey {
        side: Side,
        name: String,
    },
    /// Required Lead fields are fixed Intercom -> Salesforce mappings.
    RequiredLeadFieldDirection {
        field: String,
    },
    /// Required Lead fields' mappings cannot be removed.
    RequiredLeadFieldRemoved {
        field: String,
    },
    /// The object has [`MAX_MAPPINGS_PER_OBJECT`] mappings already.
    TooManyMappings {
        object: SalesforceObject,
        max: usize,
    },
}

impl MappingRefusal {
    /// The rule's stable name (the `rule` field of the JSON form).
    pub fn rule(&self) -> &'static str {
        match self {
            Self::UnknownIntercomAttribute { .. } => "unknown_intercom_attribute",
            Self::UnknownSalesforceField { .. } => "unknown_salesforce_field",
            Self::IncompatibleTypes { .. } => "incompatible_types",
            Self::ReadOnlyDestination { .. } => "read_only_destination",
            Self::FormulaFieldAsDestination { .. } => "formula_field_as_destination",
            Self::CompoundField { .. } => "compound_field",
            Self::HighFrequencyAttribute { .. } => "high_frequency_attribute",
            Self::UtmOnlyForLeads { .. } => "utm_only_for_leads",
            Self::AlreadyMapped { .. } => "already_mapped",
            Self::IdentityKey { .. } => "identity_key",
            Self::RequiredLeadFieldDirection { .. } => "required_lead_field_direction",
            Self::RequiredLeadFieldRemoved { .. } => "required_lead_field_removed",
            Self::TooManyMappings { .. } => "too_many_mappings",
        }
    }
}

impl fmt::Display for MappingRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownIntercomAttribute { model, attribute } => {
                write!(f, "Intercom has no {model} attribute named {attribute}.")
            }
            Self::UnknownSalesforceField { object, field } => {
                write!(f, "{object} has no field named {field}.")
            }
            Self::IncompatibleTypes {
                direction,
                intercom_type,
                salesforce_type,
            } => match direction {
                Direction::ToSalesforce => write!(
                    f,
                    "Incompatible types: an Intercom {intercom_type} attribute cannot be synced to a Salesforce {salesforce_type} field."
                ),
                Direction::ToIntercom => write!(
                    f,
                    "Incompatible types: a Salesforce {salesforce_type} field cannot be synced to an Intercom {intercom_type} attribute."
                ),
            },
            Self::ReadOnlyDestination { side, name } => {
                write!(
                    f,
                    "{name} is read-only in {side}, so nothing can be synced to it."
                )
            }
            Self::FormulaFieldAsDestination { field } => write!(
                f,
                "{field} is a formula field: it can only be synced from Salesforce, never to it."
            ),
            Self::CompoundField { field } => write!(
                f,
                "{field} is a compound field, which cannot be synced; map its components instead."
            ),
            Self::HighFrequencyAttribute { attribute } => write!(
                f,
                "{attribute} changes too often to be synced without spending the API allocation."
            ),
            Self::UtmOnlyForLeads { attribute, object } => write!(
                f,
                "UTM attributes such as {attribute} map to Leads only, not to the {object}."
            ),
            Self::AlreadyMapped { side, name } => {
                write!(f, "{side} {name} is already used by another mapping.")
            }
            Self::IdentityKey { side, name } => {
                write!(
                    f,
                    "{side} {name} is the identity key, so it cannot be mapped."
                )
            }
            Self::RequiredLeadFieldDirection { field } => write!(
                f,
                "{field} is required to create leads, so it syncs from Intercom to Salesforce."
            ),
            Self::RequiredLeadFieldRemoved { field } => write!(
                f,
                "{field} is required to create leads; its mapping cannot be removed."
            ),
            Self::TooManyMappings { object, max } => write!(
                f,
                "The {object} already has {max} mappings, the most one object may have."
            ),
        }
    }
}

/// The Lead fields a new lead needs: `LastName`, `Company`, then every custom required field
/// describe reports (createable, not nillable, not defaulted).
pub fn required_lead_fields(metadata: &SyncMetadata) -> Vec<String> {
    let mut required: Vec<String> = STANDARD_REQUIRED_LEAD_FIELDS
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
    for field in metadata.fields_of(SalesforceObject::Lead) {
        if field.required_on_create() && !required.iter().any(|r| field.is_named(r)) {
            required.push(field.name.clone());
        }
    }
    required
}

/// Checks `candidate` against the metadata, the identity keys and the `others` mappings (the
/// settings without the candidate). Returns every rule it breaks.
pub fn validate_mapping(
    candidate: &AttributeMapping,
    others: &[AttributeMapping],
    identity: &IdentitySettings,
    metadata: &SyncMetadata,
) -> Result<(), Vec<MappingRefusal>> {
    check(
        candidate,
        &Uses::count(others),
        Counted::Apart,
        identity,
        &Schema::new(metadata),
    )
}

/// The metadata by name, and the required Lead fields, looked up once per validation: checking
/// one mapping then costs the same however many fields, attributes and mappings there are.
pub(crate) struct Schema<'a> {
    /// By object and lower-cased name (Salesforce's names are case-insensitive).
    fields: HashMap<(SalesforceObject, String), &'a SalesforceField>,
    attributes: HashMap<(IntercomModel, &'a str), &'a IntercomAttribute>,
    required_lead_fields: Vec<String>,
}

impl<'a> Schema<'a> {
    pub(crate) fn new(metadata: &'a SyncMetadata) -> Self {
        let mut fields = HashMap::with_capacity(metadata.salesforce_fields.len());
        for field in &metadata.salesforce_fields {
            // The first of two same-named fields wins, as in `SyncMetadata::salesforce_field`.
            fields
                .entry((field.object, field.name.to_ascii_lowercase()))
                .or_insert(field);
        }
        let mut attributes = HashMap::with_capacity(metadata.intercom_attributes.len());
        for attribute in &metadata.intercom_attributes {
            attributes
                .entry((attribute.model, attribute.name.as_str()))
                .or_insert(attribute);
        }
        Self {
            fields,
            attributes,
            required_lead_fields: required_lead_fields(metadata),
        }
    }

    pub(crate) fn field(
        &self,
        object: SalesforceObject,
        name: &str,
    ) -> Option<&'a SalesforceField> {
        self.fields
            .get(&(object, name.to_ascii_lowercase()))
            .copied()
    }

    fn attribute(&self, model: IntercomModel, name: &str) -> Option<&'a IntercomAttribute> {
        self.attributes.get(&(model, name)).copied()
    }

    pub(crate) fn required_lead_fields(&self) -> &[String] {
        &self.required_lead_fields
    }
}

/// How many mappings use each Intercom attribute, each Salesforce field and each object.
#[derive(Default)]
pub(crate) struct Uses {
    attributes: HashMap<(SalesforceObject, String), usize>,
    /// By lower-cased name, as fields are matched.
    fields: HashMap<(SalesforceObject, String), usize>,
    objects: HashMap<SalesforceObject, usize>,
}

impl Uses {
    pub(crate) fn count<'m>(mappings: impl IntoIterator<Item = &'m AttributeMapping>) -> Self {
        let mut uses = Uses::default();
        for m in mappings {
            *uses
                .attributes
                .entry((m.object, m.intercom_attribute.clone()))
                .or_default() += 1;
            *uses
                .fields
                .entry((m.object, m.salesforce_field.to_ascii_lowercase()))
                .or_default() += 1;
            *uses.objects.entry(m.object).or_default() += 1;
        }
        uses
    }

    fn attribute(&self, object: SalesforceObject, name: &str) -> usize {
        self.attributes
            .get(&(object, name.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn field(&self, object: SalesforceObject, name: &str) -> usize {
        self.fields
            .get(&(object, name.to_ascii_lowercase()))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn of_object(&self, object: SalesforceObject) -> usize {
        self.objects.get(&object).copied().unwrap_or(0)
    }
}

/// Whether [`Uses`] counted the mapping being checked (the whole settings) or not (a candidate
/// checked against the others).
#[derive(Clone, Copy)]
pub(crate) enum Counted {
    Among,
    Apart,
}

impl Counted {
    /// How many of `counted` uses are other mappings'.
    fn others(self, counted: usize) -> usize {
        match self {
            Counted::Among => counted.saturating_sub(1),
            Counted::Apart => counted,
        }
    }
}

/// Every rule `candidate` breaks against the schema, the identity keys and the other mappings.
pub(crate) fn check(
    candidate: &AttributeMapping,
    uses: &Uses,
    counted: Counted,
    identity: &IdentitySettings,
    schema: &Schema<'_>,
) -> Result<(), Vec<MappingRefusal>> {
    let object = candidate.object;
    let model = object.intercom_model();
    let attribute = schema.attribute(model, &candidate.intercom_attribute);
    let field = schema.field(object, &candidate.salesforce_field);
    let mut refusals = Vec::new();
    if counted.others(uses.of_object(object)) >= MAX_MAPPINGS_PER_OBJECT {
        refusals.push(MappingRefusal::TooManyMappings {
            object,
            max: MAX_MAPPINGS_PER_OBJECT,
        });
    }
    let (Some(attribute), Some(field)) = (attribute, field) else {
        if attribute.is_none() {
            refusals.push(MappingRefusal::UnknownIntercomAttribute {
                model,
                attribute: candidate.intercom_attribute.clone(),
            });
        }
        if field.is_none() {
            refusals.push(MappingRefusal::UnknownSalesforceField {
                object,
                field: candidate.salesforce_field.clone(),
            });
        }
        return Err(refusals);
    };

    if attribute.is_utm() && object != SalesforceObject::Lead {
        refusals.push(MappingRefusal::UtmOnlyForLeads {
            attribute: attribute.name.clone(),
            object,
        });
    }
    if attribute.is_high_frequency() {
        refusals.push(MappingRefusal::HighFrequencyAttribute {
            attribute: attribute.name.clone(),
        });
    }
    if field.is_compound() {
        refusals.push(MappingRefusal::CompoundField {
            field: field.name.clone(),
        });
    }
    let compatible = match candidate.direction {
        Direction::ToSalesforce => {
            compat::intercom_to_salesforce(attribute.data_type, field.field_type)
        }
        Direction::ToIntercom => {
            compat::salesforce_to_intercom(field.field_type, attribute.data_type)
        }
    };
    if !compatible {
        refusals.push(MappingRefusal::IncompatibleTypes {
            direction: candidate.direction,
            intercom_type: attribute.data_type,
            salesforce_type: field.field_type,
        });
    }
    match candidate.direction {
        Direction::ToSalesforce if field.calculated => {
            refusals.push(MappingRefusal::FormulaFieldAsDestination {
                field: field.name.clone(),
            });
        }
        Direction::ToSalesforce if !field.updateable => {
            refusals.push(MappingRefusal::ReadOnlyDestination {
                side: Side::Salesforce,
                name: field.name.clone(),
            });
        }
        Direction::ToIntercom if !attribute.api_writable => {
            refusals.push(MappingRefusal::ReadOnlyDestination {
                side: Side::Intercom,
                name: attribute.name.clone(),
            });
        }
        _ => {}
    }
    if object == SalesforceObject::Lead
        && candidate.direction == Direction::ToIntercom
        && schema
            .required_lead_fields()
            .iter()
            .any(|r| field.is_named(r))
    {
        refusals.push(MappingRefusal::RequiredLeadFieldDirection {
            field: field.name.clone(),
        });
    }
    for (side, name) in [
        (Side::Intercom, attribute.name.as_str()),
        (Side::Salesforce, field.name.as_str()),
    ] {
        if identity.is_key(object, side, name) {
            refusals.push(MappingRefusal::IdentityKey {
                side,
                name: name.to_owned(),
            });
        }
    }
    if counted.others(uses.attribute(object, &attribute.name)) > 0 {
        refusals.push(MappingRefusal::AlreadyMapped {
            side: Side::Intercom,
            name: attribute.name.clone(),
        });
    }
    if counted.others(uses.field(object, &field.name)) > 0 {
        refusals.push(MappingRefusal::AlreadyMapped {
            side: Side::Salesforce,
            name: field.name.clone(),
        });
    }

    if refusals.is_empty() {
        Ok(())
    } else {
        Err(refusals)
    }
}
