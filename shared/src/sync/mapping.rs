//! Attribute mappings and the rules each one must keep.
//!
//! A mapping ties one Intercom attribute to one field of a Lead, Contact or Account and syncs
//! it one way. [`validate_mapping`] refuses, naming the rule, whatever the articles refuse.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::compat;
use super::fields::{IntercomDataType, SalesforceFieldType, SyncMetadata};
use super::identity::IdentitySettings;
use super::{Direction, IntercomModel, SalesforceObject, Side};

/// The Lead fields Salesforce always requires to create a lead.
pub const STANDARD_REQUIRED_LEAD_FIELDS: [&str; 2] = ["LastName", "Company"];

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
    let object = candidate.object;
    let model = object.intercom_model();
    let attribute = metadata.intercom_attribute(model, &candidate.intercom_attribute);
    let field = metadata.salesforce_field(object, &candidate.salesforce_field);
    let (Some(attribute), Some(field)) = (attribute, field) else {
        let mut unknown = Vec::new();
        if attribute.is_none() {
            unknown.push(MappingRefusal::UnknownIntercomAttribute {
                model,
                attribute: candidate.intercom_attribute.clone(),
            });
        }
        if field.is_none() {
            unknown.push(MappingRefusal::UnknownSalesforceField {
                object,
                field: candidate.salesforce_field.clone(),
            });
        }
        return Err(unknown);
    };

    let mut refusals = Vec::new();
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
        && required_lead_fields(metadata)
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
    if others
        .iter()
        .any(|m| m.uses_intercom_attribute(object, &attribute.name))
    {
        refusals.push(MappingRefusal::AlreadyMapped {
            side: Side::Intercom,
            name: attribute.name.clone(),
        });
    }
    if others
        .iter()
        .any(|m| m.uses_salesforce_field(object, &field.name))
    {
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
