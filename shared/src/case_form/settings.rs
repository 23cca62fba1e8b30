//! The admin's case settings: which form teammates fill in and who owns the cases they file.

use serde::{Deserialize, Serialize};

use super::schema::Requiredness;

/// Body and answer of the case settings API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSettings {
    pub form_mode: FormMode,
    pub owner_mode: OwnerMode,
}

/// Which form teammates fill in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum FormMode {
    /// The record types of the connected user, each with its layout and picklists.
    RecordTypes,
    /// The admin's own list of Case fields, in this order.
    Custom { fields: Vec<String> },
}

/// Who owns a filed case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerMode {
    /// Salesforce's assignment rules decide.
    SalesforceRules,
    /// The Salesforce user with the teammate's email, if active and allowed to edit cases;
    /// otherwise Salesforce's rules, and the teammate is told.
    AssignTeammate,
}

/// What the settings need to know of the Case describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDescribe {
    pub fields: Vec<DescribedField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedField {
    pub api_name: String,
    pub label: String,
    pub createable: bool,
    pub nillable: bool,
    pub defaulted_on_create: bool,
    /// The form has an input for the field's type (see `FieldType`); not so for lookups to
    /// other objects than Contact and Account, the owner or the record type.
    pub has_input: bool,
}

impl DescribedField {
    /// Salesforce refuses a case without it (no layout applies to a custom form).
    pub fn required(&self) -> bool {
        self.createable
            && Requiredness {
                required_on_layout: false,
                nillable: self.nillable,
                defaulted_on_create: self.defaulted_on_create,
            }
            .required()
    }

    fn name(&self) -> FieldName {
        FieldName {
            api_name: self.api_name.clone(),
            label: self.label.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldName {
    pub api_name: String,
    pub label: String,
}

/// Why the settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SettingsError {
    /// The custom form names a field the Case object does not have.
    UnknownField { api_name: String },
    /// The connected user may not set the field on a new case.
    NotCreateable { field: FieldName },
    /// The form cannot show an input for the field.
    NoInput { field: FieldName },
    /// Required fields left out of the custom form: they cannot be removed.
    RequiredMissing { fields: Vec<FieldName> },
    /// The custom form has no field at all.
    NoFields,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::UnknownField { api_name } => {
                write!(f, "Salesforce Cases have no field “{api_name}”.")
            }
            SettingsError::NotCreateable { field } => write!(
                f,
                "“{}” cannot be set on a new case by the connected Salesforce user.",
                field.label
            ),
            SettingsError::NoInput { field } => {
                write!(f, "“{}” cannot be shown on the case form.", field.label)
            }
            SettingsError::RequiredMissing { fields } => {
                let labels: Vec<&str> = fields.iter().map(|n| n.label.as_str()).collect();
                write!(
                    f,
                    "Required fields cannot be removed: {}.",
                    labels.join(", ")
                )
            }
            SettingsError::NoFields => f.write_str("Choose at least one field for the case form."),
        }
    }
}

impl CaseDescribe {
    fn field(&self, api_name: &str) -> Option<&DescribedField> {
        self.fields
            .iter()
            .find(|f| f.api_name.eq_ignore_ascii_case(api_name))
    }

    /// The fields every custom form must include, in describe order.
    pub fn required_fields(&self) -> impl Iterator<Item = &DescribedField> {
        self.fields.iter().filter(|f| f.required() && f.has_input)
    }
}

impl CaseSettings {
    /// Before an admin chooses: a custom form of Subject, Description and the required fields,
    /// with Salesforce's own assignment.
    pub fn initial(describe: &CaseDescribe) -> Self {
        let mut fields: Vec<String> = ["Subject", "Description"]
            .into_iter()
            .filter_map(|name| describe.field(name))
            .filter(|f| f.createable && f.has_input)
            .map(|f| f.api_name.clone())
            .collect();
        for required in describe.required_fields() {
            if !fields.contains(&required.api_name) {
                fields.push(required.api_name.clone());
            }
        }
        Self {
            form_mode: FormMode::Custom { fields },
            owner_mode: OwnerMode::SalesforceRules,
        }
    }

    /// Checks the settings against the Case describe. The accepted settings spell field names
    /// as Salesforce does and name each field once.
    pub fn validate(&self, describe: &CaseDescribe) -> Result<CaseSettings, Vec<SettingsError>> {
        let FormMode::Custom { fields } = &self.form_mode else {
            return Ok(self.clone());
        };
        let mut errors = Vec::new();
        let mut chosen: Vec<String> = Vec::new();
        for name in fields {
            let Some(field) = describe.field(name) else {
                errors.push(SettingsError::UnknownField {
                    api_name: name.clone(),
                });
                continue;
            };
            if !field.createable {
                errors.push(SettingsError::NotCreateable {
                    field: field.name(),
                });
            } else if !field.has_input {
                errors.push(SettingsError::NoInput {
                    field: field.name(),
                });
            } else if !chosen.contains(&field.api_name) {
                chosen.push(field.api_name.clone());
            }
        }
        let missing: Vec<FieldName> = describe
            .required_fields()
            .filter(|f| !chosen.contains(&f.api_name))
            .map(DescribedField::name)
            .collect();
        if !missing.is_empty() {
            errors.push(SettingsError::RequiredMissing { fields: missing });
        }
        if fields.is_empty() && errors.is_empty() {
            errors.push(SettingsError::NoFields);
        }
        if errors.is_empty() {
            Ok(CaseSettings {
                form_mode: FormMode::Custom { fields: chosen },
                owner_mode: self.owner_mode,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(api_name: &str, createable: bool, nillable: bool, has_input: bool) -> DescribedField {
        DescribedField {
            api_name: api_name.to_owned(),
            label: api_name.replace("__c", "").replace('_', " "),
            createable,
            nillable,
            defaulted_on_create: false,
            has_input,
        }
    }

    /// The simulator's Case, plus a required custom field as some orgs have.
    fn describe() -> CaseDescribe {
        let status = DescribedField {
            defaulted_on_create: true,
            ..field("Status", true, false, true)
        };
        CaseDescribe {
            fields: vec![
                field("Id", false, false, false),
                DescribedField {
                    defaulted_on_create: true,
                    ..field("OwnerId", true, false, false)
                },
                field("CaseNumber", false, false, true),
                field("RecordTypeId", true, true, false),
                field("Subject", true, true, true),
                field("Description", true, true, true),
                status,
                field("Origin", true, true, true),
                field("ContactId", true, true, true),
                field("Severity__c", true, false, true),
                field("ParentId", true, true, false),
            ],
        }
    }

    fn custom(fields: &[&str]) -> CaseSettings {
        CaseSettings {
            form_mode: FormMode::Custom {
                fields: fields.iter().map(|f| f.to_string()).collect(),
            },
            owner_mode: OwnerMode::AssignTeammate,
        }
    }

    #[test]
    fn the_initial_settings_are_a_custom_form_with_the_required_fields() {
        let initial = CaseSettings::initial(&describe());
        assert_eq!(
            initial.form_mode,
            FormMode::Custom {
                fields: vec!["Subject".into(), "Description".into(), "Severity__c".into()]
            }
        );
        assert_eq!(initial.owner_mode, OwnerMode::SalesforceRules);
        assert_eq!(initial.validate(&describe()), Ok(initial.clone()));
    }

    #[test]
    fn a_custom_form_is_normalised() {
        let settings = custom(&["subject", "Severity__c", "Origin", "Subject", "contactid"]);
        let accepted = settings.validate(&describe()).unwrap();
        assert_eq!(
            accepted,
            custom(&["Subject", "Severity__c", "Origin", "ContactId"])
        );
    }

    #[test]
    fn required_fields_cannot_be_removed() {
        let errors = custom(&["Subject", "Origin"])
            .validate(&describe())
            .unwrap_err();
        let [SettingsError::RequiredMissing { fields }] = errors.as_slice() else {
            panic!("{errors:?}")
        };
        assert_eq!(fields[0].api_name, "Severity__c");
        assert_eq!(
            errors[0].to_string(),
            "Required fields cannot be removed: Severity."
        );
    }

    #[test]
    fn unknown_read_only_and_unshowable_fields_are_refused() {
        let errors = custom(&[
            "Severity__c",
            "Nope__c",
            "CaseNumber",
            "ParentId",
            "OwnerId",
        ])
        .validate(&describe())
        .unwrap_err();
        let kinds: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            kinds,
            [
                "Salesforce Cases have no field “Nope__c”.",
                "“CaseNumber” cannot be set on a new case by the connected Salesforce user.",
                "“ParentId” cannot be shown on the case form.",
                "“OwnerId” cannot be shown on the case form.",
            ]
        );
        let json = serde_json::to_value(&errors[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"problem": "unknown_field", "api_name": "Nope__c"})
        );
    }

    #[test]
    fn an_empty_custom_form_is_refused() {
        let describe = CaseDescribe {
            fields: vec![field("Subject", true, true, true)],
        };
        assert_eq!(
            custom(&[]).validate(&describe),
            Err(vec![SettingsError::NoFields])
        );
    }

    #[test]
    fn record_type_mode_needs_no_field_list() {
        let settings = CaseSettings {
            form_mode: FormMode::RecordTypes,
            owner_mode: OwnerMode::SalesforceRules,
        };
        assert_eq!(settings.validate(&describe()), Ok(settings.clone()));
        assert_eq!(
            serde_json::to_value(&settings).unwrap(),
            serde_json::json!({"form_mode": {"mode": "record_types"}, "owner_mode": "salesforce_rules"})
        );
        let custom: CaseSettings = serde_json::from_value(serde_json::json!(
            {"form_mode": {"mode": "custom", "fields": ["Subject"]}, "owner_mode": "assign_teammate"}
        ))
        .unwrap();
        assert_eq!(custom.owner_mode, OwnerMode::AssignTeammate);
    }
}
