//! What the sync knows about each side's fields: Salesforce field descriptors (from describe)
//! and Intercom data attributes (from `GET /data_attributes`).
//!
//! The back end fills these from the wire; the rules in the other modules only read them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{IntercomModel, SalesforceObject};

/// A Salesforce field type, as describe's `type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SalesforceFieldType {
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Multipicklist,
    Combobox,
    Encryptedstring,
    Boolean,
    Int,
    Long,
    Double,
    Currency,
    Percent,
    Date,
    Datetime,
    Time,
    Id,
    Reference,
    Address,
    Location,
    Base64,
    #[serde(rename = "anyType")]
    AnyType,
}

impl SalesforceFieldType {
    pub const ALL: [SalesforceFieldType; 24] = [
        Self::String,
        Self::Textarea,
        Self::Email,
        Self::Phone,
        Self::Url,
        Self::Picklist,
        Self::Multipicklist,
        Self::Combobox,
        Self::Encryptedstring,
        Self::Boolean,
        Self::Int,
        Self::Long,
        Self::Double,
        Self::Currency,
        Self::Percent,
        Self::Date,
        Self::Datetime,
        Self::Time,
        Self::Id,
        Self::Reference,
        Self::Address,
        Self::Location,
        Self::Base64,
        Self::AnyType,
    ];

    /// Describe's spelling of the type.
    pub fn describe_name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Textarea => "textarea",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
            Self::Picklist => "picklist",
            Self::Multipicklist => "multipicklist",
            Self::Combobox => "combobox",
            Self::Encryptedstring => "encryptedstring",
            Self::Boolean => "boolean",
            Self::Int => "int",
            Self::Long => "long",
            Self::Double => "double",
            Self::Currency => "currency",
            Self::Percent => "percent",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Time => "time",
            Self::Id => "id",
            Self::Reference => "reference",
            Self::Address => "address",
            Self::Location => "location",
            Self::Base64 => "base64",
            Self::AnyType => "anyType",
        }
    }

    /// The type describe calls `name`, or `None` for a type the sync does not know.
    pub fn from_describe(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.describe_name() == name)
    }

    /// Types whose values travel as text (a reference carries the record id it points to).
    pub fn holds_text(self) -> bool {
        matches!(
            self,
            Self::String
                | Self::Textarea
                | Self::Email
                | Self::Phone
                | Self::Url
                | Self::Picklist
                | Self::Multipicklist
                | Self::Combobox
                | Self::Encryptedstring
                | Self::Id
                | Self::Reference
        )
    }
}

impl fmt::Display for SalesforceFieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe_name())
    }
}

/// One field of a Lead, Contact or Account, as describe reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceField {
    pub object: SalesforceObject,
    /// The API name (`AccountNumber`, `Region__c`). Salesforce compares these ignoring case.
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: SalesforceFieldType,
    /// Maximum characters for text types; 0 when describe gives none.
    #[serde(default)]
    pub length: u32,
    /// Total digits for number types; 0 when describe gives none.
    #[serde(default)]
    pub precision: u32,
    /// Digits after the point for number types.
    #[serde(default)]
    pub scale: u32,
    pub createable: bool,
    pub updateable: bool,
    /// A formula field: computed by Salesforce, never written.
    #[serde(default)]
    pub calculated: bool,
    pub nillable: bool,
    #[serde(default)]
    pub defaulted_on_create: bool,
    /// For a component of a compound field (`BillingCity`), the compound's name (`BillingAddress`).
    #[serde(default)]
    pub compound_field_name: Option<String>,
    /// The field is itself a compound (an address, a location, a person's `Name`).
    /// [`SyncMetadata::new`] sets it for every field a component names.
    #[serde(default)]
    pub compound: bool,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub unique: bool,
    /// A picklist's active values, in describe's order (empty for other types): what a
    /// required picklist's fallback may be.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picklist_values: Vec<String>,
    /// The picklist value describe marks as the default, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picklist_default: Option<String>,
}

impl SalesforceField {
    /// An ordinary field: createable, updateable, nillable, not a formula. Adjust the rest.
    pub fn new(object: SalesforceObject, name: &str, field_type: SalesforceFieldType) -> Self {
        Self {
            object,
            name: name.to_owned(),
            label: name.to_owned(),
            field_type,
            length: 0,
            precision: 0,
            scale: 0,
            createable: true,
            updateable: true,
            calculated: false,
            nillable: true,
            defaulted_on_create: false,
            compound_field_name: None,
            compound: false,
            external_id: false,
            unique: false,
            picklist_values: Vec::new(),
            picklist_default: None,
        }
    }

    /// A compound field cannot be written as a whole and its value is not one attribute's.
    pub fn is_compound(&self) -> bool {
        self.compound
            || matches!(
                self.field_type,
                SalesforceFieldType::Address | SalesforceFieldType::Location
            )
    }

    /// Salesforce's API names are case-insensitive.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// Lead creation needs a value: createable, not nillable, and nothing fills it by default.
    pub fn required_on_create(&self) -> bool {
        self.createable && !self.nillable && !self.defaulted_on_create && !self.calculated
    }
}

/// An Intercom data attribute's type (`data_type`). The articles call them Text, Number,
/// Decimal, True or false, and Date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntercomDataType {
    String,
    Integer,
    Float,
    Boolean,
    /// Intercom keeps dates as moments (unix seconds); some listings call them `datetime`.
    #[serde(alias = "datetime")]
    Date,
}

impl IntercomDataType {
    pub const ALL: [IntercomDataType; 5] = [
        Self::String,
        Self::Integer,
        Self::Float,
        Self::Boolean,
        Self::Date,
    ];

    /// The name the articles' tables use.
    pub fn article_name(self) -> &'static str {
        match self {
            Self::String => "Text",
            Self::Integer => "Number",
            Self::Float => "Decimal",
            Self::Boolean => "True or false",
            Self::Date => "Date",
        }
    }
}

impl fmt::Display for IntercomDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.article_name())
    }
}

/// Attributes Intercom rewrites on nearly every visit or message. Syncing them would spend the
/// org's API allocation on noise, so they cannot be mapped (the articles' "last_seen and the like").
pub const HIGH_FREQUENCY_ATTRIBUTES: [&str; 10] = [
    "last_seen_at",
    "last_request_at",
    "last_contacted_at",
    "last_replied_at",
    "last_email_opened_at",
    "last_email_clicked_at",
    "ios_last_seen_at",
    "android_last_seen_at",
    "session_count",
    "updated_at",
];

/// The person attributes Intercom fills from a visit's UTM parameters.
pub const UTM_ATTRIBUTES: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// The name of a person's (first) company: not an Intercom data attribute, but the source of
/// the required Lead field `Company`. The back end reads it from the person's companies.
pub const PERSON_COMPANY_NAME: &str = "company.name";

/// One Intercom data attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntercomAttribute {
    pub model: IntercomModel,
    /// The attribute's `full_name`: `email`, or `custom_attributes.plan_tier` for a custom one.
    pub name: String,
    pub label: String,
    pub data_type: IntercomDataType,
    /// Whether the REST API may write it; the sync writes nothing else.
    pub api_writable: bool,
    #[serde(default)]
    pub custom: bool,
}

impl IntercomAttribute {
    /// A writable standard attribute. Adjust the rest.
    pub fn new(model: IntercomModel, name: &str, data_type: IntercomDataType) -> Self {
        Self {
            model,
            name: name.to_owned(),
            label: name.to_owned(),
            data_type,
            api_writable: true,
            custom: false,
        }
    }

    pub fn is_high_frequency(&self) -> bool {
        !self.custom && HIGH_FREQUENCY_ATTRIBUTES.contains(&self.name.as_str())
    }

    pub fn is_utm(&self) -> bool {
        !self.custom && UTM_ATTRIBUTES.contains(&self.name.as_str())
    }
}

/// Attributes the sync derives rather than reads from `/data_attributes`.
fn derived_attributes() -> Vec<IntercomAttribute> {
    vec![IntercomAttribute {
        label: "Company name".to_owned(),
        api_writable: false,
        ..IntercomAttribute::new(
            IntercomModel::Person,
            PERSON_COMPANY_NAME,
            IntercomDataType::String,
        )
    }]
}

/// Everything the rules need to know about one installation's two schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMetadata {
    /// Lead, Contact and Account fields.
    pub salesforce_fields: Vec<SalesforceField>,
    /// Person and company attributes, including the derived ones [`SyncMetadata::new`] adds.
    pub intercom_attributes: Vec<IntercomAttribute>,
}

impl SyncMetadata {
    /// Marks every compound field its components name and adds the derived attributes.
    pub fn new(
        mut salesforce_fields: Vec<SalesforceField>,
        mut intercom_attributes: Vec<IntercomAttribute>,
    ) -> Self {
        let compounds: Vec<(SalesforceObject, String)> = salesforce_fields
            .iter()
            .filter_map(|f| f.compound_field_name.clone().map(|c| (f.object, c)))
            .collect();
        for field in &mut salesforce_fields {
            if compounds
                .iter()
                .any(|(object, name)| *object == field.object && field.is_named(name))
            {
                field.compound = true;
            }
        }
        for derived in derived_attributes() {
            if !intercom_attributes
                .iter()
                .any(|a| a.model == derived.model && a.name == derived.name)
            {
                intercom_attributes.push(derived);
            }
        }
        Self {
            salesforce_fields,
            intercom_attributes,
        }
    }

    pub fn salesforce_field(
        &self,
        object: SalesforceObject,
        name: &str,
    ) -> Option<&SalesforceField> {
        self.salesforce_fields
            .iter()
            .find(|f| f.object == object && f.is_named(name))
    }

    pub fn intercom_attribute(
        &self,
        model: IntercomModel,
        name: &str,
    ) -> Option<&IntercomAttribute> {
        self.intercom_attributes
            .iter()
            .find(|a| a.model == model && a.name == name)
    }

    pub fn fields_of(&self, object: SalesforceObject) -> impl Iterator<Item = &SalesforceField> {
        self.salesforce_fields
            .iter()
            .filter(move |f| f.object == object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_describe_type_name_round_trips() {
        for t in SalesforceFieldType::ALL {
            assert_eq!(
                SalesforceFieldType::from_describe(t.describe_name()),
                Some(t)
            );
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.describe_name()));
        }
        assert_eq!(SalesforceFieldType::from_describe("complexvalue"), None);
    }

    #[test]
    fn intercom_datetime_is_read_as_date() {
        let t: IntercomDataType = serde_json::from_str("\"datetime\"").unwrap();
        assert_eq!(t, IntercomDataType::Date);
        let t: IntercomDataType = serde_json::from_str("\"float\"").unwrap();
        assert_eq!(t, IntercomDataType::Float);
    }

    #[test]
    fn components_mark_their_compound_and_address_types_are_compound() {
        let mut city = SalesforceField::new(
            SalesforceObject::Account,
            "BillingCity",
            SalesforceFieldType::String,
        );
        city.compound_field_name = Some("BillingAddress".to_owned());
        let address = SalesforceField::new(
            SalesforceObject::Account,
            "BillingAddress",
            SalesforceFieldType::Address,
        );
        let mut last = SalesforceField::new(
            SalesforceObject::Contact,
            "LastName",
            SalesforceFieldType::String,
        );
        last.compound_field_name = Some("Name".to_owned());
        let name = SalesforceField::new(
            SalesforceObject::Contact,
            "Name",
            SalesforceFieldType::String,
        );
        // An Account `Name` is not the Contact's compound `Name`.
        let account_name = SalesforceField::new(
            SalesforceObject::Account,
            "Name",
            SalesforceFieldType::String,
        );
        let meta = SyncMetadata::new(vec![city, address, last, name, account_name], vec![]);
        let get = |o, n| meta.salesforce_field(o, n).unwrap().is_compound();
        assert!(get(SalesforceObject::Account, "billingaddress"));
        assert!(get(SalesforceObject::Contact, "Name"));
        assert!(!get(SalesforceObject::Account, "BillingCity"));
        assert!(!get(SalesforceObject::Contact, "LastName"));
        assert!(!get(SalesforceObject::Account, "Name"));
    }

    #[test]
    fn the_company_name_of_a_person_is_derived_once() {
        let meta = SyncMetadata::new(vec![], vec![]);
        let again = SyncMetadata::new(vec![], meta.intercom_attributes.clone());
        assert_eq!(again.intercom_attributes.len(), 1);
        let attr = again
            .intercom_attribute(IntercomModel::Person, PERSON_COMPANY_NAME)
            .unwrap();
        assert!(!attr.api_writable);
        assert!(
            again
                .intercom_attribute(IntercomModel::Company, PERSON_COMPANY_NAME)
                .is_none()
        );
    }

    #[test]
    fn high_frequency_and_utm_attributes_are_known_by_name_but_not_custom_namesakes() {
        let seen = IntercomAttribute::new(
            IntercomModel::Person,
            "last_seen_at",
            IntercomDataType::Date,
        );
        assert!(seen.is_high_frequency());
        let company_seen = IntercomAttribute::new(
            IntercomModel::Company,
            "last_request_at",
            IntercomDataType::Date,
        );
        assert!(company_seen.is_high_frequency());
        let signed_up = IntercomAttribute::new(
            IntercomModel::Person,
            "signed_up_at",
            IntercomDataType::Date,
        );
        assert!(!signed_up.is_high_frequency());
        for name in UTM_ATTRIBUTES {
            assert!(
                IntercomAttribute::new(IntercomModel::Person, name, IntercomDataType::String)
                    .is_utm()
            );
        }
        let custom = IntercomAttribute {
            custom: true,
            ..IntercomAttribute::new(
                IntercomModel::Person,
                "custom_attributes.utm_source",
                IntercomDataType::String,
            )
        };
        assert!(!custom.is_utm());
    }

    #[test]
    fn required_on_create_means_createable_not_nillable_not_defaulted() {
        let mut f = SalesforceField::new(
            SalesforceObject::Lead,
            "Region__c",
            SalesforceFieldType::Picklist,
        );
        assert!(!f.required_on_create());
        f.nillable = false;
        assert!(f.required_on_create());
        f.defaulted_on_create = true;
        assert!(!f.required_on_create());
        f.defaulted_on_create = false;
        f.createable = false;
        assert!(!f.required_on_create());
    }
}
