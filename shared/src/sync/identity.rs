//! Identity settings: how an Intercom person or company finds its Salesforce record.
//!
//! People: Intercom `external_id` = a chosen Salesforce email or text field, falling back to
//! email when the id is not set (on by default; off matches users only and creates no leads);
//! or email alone. Companies: Intercom `company_id` = a chosen Account field of type text,
//! integer, double or id, never a text area and never the record Id.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::fields::{SalesforceFieldType, SyncMetadata};
use super::{SalesforceObject, Side};

/// The one normalisation of identity key values (emails, `external_id`, `company_id` and the
/// Salesforce fields they match): trimmed and case-folded, empty meaning none. It is
/// Salesforce's rule: SOQL's `=` compares text, email and External ID fields without regard to
/// case. Intercom's search decides which of its people a key finds; among them this same rule
/// decides a match, so a link found from either side is found from the other.
pub fn normalized_key(text: &str) -> Option<String> {
    let folded = text.trim().to_lowercase();
    (!folded.is_empty()).then_some(folded)
}

/// Whether two key values name the same record, by [`normalized_key`].
pub fn same_key(a: &str, b: &str) -> bool {
    normalized_key(a).is_some_and(|a| Some(a) == normalized_key(b))
}

/// A key value as it is searched for (trimmed); empty meaning none.
pub fn trimmed_key(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// A person's keys under the people identity setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKeys {
    /// The value to match on Contacts' key field: the `external_id` as given (trimmed), or the
    /// normalised email.
    pub key: Option<String>,
    /// Whether `key` is an email matched on `Email`.
    pub key_is_email: bool,
    /// The normalised email Leads are matched by (and a new Lead is found again by).
    pub lead_email: Option<String>,
}

/// How people are matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "match_by", rename_all = "snake_case")]
pub enum PeopleIdentity {
    /// Intercom `external_id` matched to `salesforce_field` on Contacts (and Leads that have it).
    ExternalId {
        salesforce_field: String,
        /// Match by email when a person has no `external_id`. Off: users only, no lead creation.
        #[serde(default = "email_fallback_default")]
        email_fallback: bool,
    },
    /// Intercom `email` matched to Salesforce `Email`.
    #[default]
    Email,
}

fn email_fallback_default() -> bool {
    true
}

impl PeopleIdentity {
    /// The Intercom attribute holding the key.
    pub fn intercom_key(&self) -> &'static str {
        match self {
            Self::ExternalId { .. } => "external_id",
            Self::Email => "email",
        }
    }

    /// The Salesforce field holding the key.
    pub fn salesforce_key(&self) -> &str {
        match self {
            Self::ExternalId {
                salesforce_field, ..
            } => salesforce_field,
            Self::Email => "Email",
        }
    }

    /// Intercom leads have no `external_id`: they are matched (and created in Salesforce) by
    /// email, which an id-only setting forgoes.
    pub fn matches_intercom_leads(&self) -> bool {
        match self {
            Self::ExternalId { email_fallback, .. } => *email_fallback,
            Self::Email => true,
        }
    }

    /// Whether a person with no match may become a Salesforce Lead.
    pub fn creates_leads(&self) -> bool {
        self.matches_intercom_leads()
    }

    /// The keys of a person with this `email` and `external_id`: the id when the setting
    /// matches by it and the person has one, else the email when the setting allows it.
    pub fn person_keys(&self, email: Option<&str>, external_id: Option<&str>) -> PersonKeys {
        let email = email.and_then(normalized_key);
        let by_email = |email: Option<String>| PersonKeys {
            key: email.clone(),
            key_is_email: true,
            lead_email: email,
        };
        match self {
            Self::Email => by_email(email),
            Self::ExternalId { email_fallback, .. } => {
                match (external_id.and_then(trimmed_key), email_fallback) {
                    (Some(id), fallback) => PersonKeys {
                        key: Some(id.to_owned()),
                        key_is_email: false,
                        lead_email: email.filter(|_| *fallback),
                    },
                    // Without an id, the email stands in, when the fallback allows it.
                    (None, true) => by_email(email),
                    (None, false) => PersonKeys {
                        key: None,
                        key_is_email: false,
                        lead_email: None,
                    },
                }
            }
        }
    }

    pub fn validate(&self, metadata: &SyncMetadata) -> Result<(), IdentityRefusal> {
        let Self::ExternalId {
            salesforce_field, ..
        } = self
        else {
            return Ok(());
        };
        let contact_field = metadata
            .salesforce_field(SalesforceObject::Contact, salesforce_field)
            .ok_or_else(|| IdentityRefusal::UnknownField {
                object: SalesforceObject::Contact,
                field: salesforce_field.clone(),
            })?;
        // Leads need not carry the field (they match by email), but if they do it must fit.
        let lead_field = metadata.salesforce_field(SalesforceObject::Lead, salesforce_field);
        for field in std::iter::once(contact_field).chain(lead_field) {
            if !matches!(
                field.field_type,
                SalesforceFieldType::Email | SalesforceFieldType::String
            ) {
                return Err(IdentityRefusal::PeopleKeyNotEmailOrText {
                    object: field.object,
                    field: field.name.clone(),
                    field_type: field.field_type,
                });
            }
        }
        Ok(())
    }
}

/// How companies are matched: Intercom `company_id` = this Account field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyIdentity {
    pub salesforce_field: String,
}

impl Default for CompanyIdentity {
    /// The articles' recommendation.
    fn default() -> Self {
        Self {
            salesforce_field: "AccountNumber".to_owned(),
        }
    }
}

impl CompanyIdentity {
    pub fn intercom_key(&self) -> &'static str {
        "company_id"
    }

    pub fn salesforce_key(&self) -> &str {
        &self.salesforce_field
    }

    pub fn validate(&self, metadata: &SyncMetadata) -> Result<(), IdentityRefusal> {
        let field = metadata
            .salesforce_field(SalesforceObject::Account, &self.salesforce_field)
            .ok_or_else(|| IdentityRefusal::UnknownField {
                object: SalesforceObject::Account,
                field: self.salesforce_field.clone(),
            })?;
        if field.is_named("Id") {
            return Err(IdentityRefusal::CompanyKeyIsRecordId);
        }
        match field.field_type {
            SalesforceFieldType::String
            | SalesforceFieldType::Int
            | SalesforceFieldType::Double
            | SalesforceFieldType::Id => Ok(()),
            SalesforceFieldType::Textarea => Err(IdentityRefusal::CompanyKeyIsTextArea {
                field: field.name.clone(),
            }),
            other => Err(IdentityRefusal::CompanyKeyType {
                field: field.name.clone(),
                field_type: other,
            }),
        }
    }
}

/// Both identity settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySettings {
    pub people: PeopleIdentity,
    pub companies: CompanyIdentity,
}

impl IdentitySettings {
    /// The key attribute and field the identity uses for one object's records.
    pub fn keys_for(&self, object: SalesforceObject) -> (&'static str, &str) {
        match object {
            SalesforceObject::Lead | SalesforceObject::Contact => {
                (self.people.intercom_key(), self.people.salesforce_key())
            }
            SalesforceObject::Account => (
                self.companies.intercom_key(),
                self.companies.salesforce_key(),
            ),
        }
    }

    /// Whether `name` on `side` is the identity key of `object`'s records.
    pub fn is_key(&self, object: SalesforceObject, side: Side, name: &str) -> bool {
        let (intercom, salesforce) = self.keys_for(object);
        match side {
            Side::Intercom => intercom == name,
            Side::Salesforce => salesforce.eq_ignore_ascii_case(name),
        }
    }
}

/// Why an identity setting was refused. `rule` names the rule for the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum IdentityRefusal {
    UnknownField {
        object: SalesforceObject,
        field: String,
    },
    PeopleKeyNotEmailOrText {
        object: SalesforceObject,
        field: String,
        field_type: SalesforceFieldType,
    },
    CompanyKeyIsTextArea {
        field: String,
    },
    CompanyKeyIsRecordId,
    CompanyKeyType {
        field: String,
        field_type: SalesforceFieldType,
    },
}

impl fmt::Display for IdentityRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownField { object, field } => {
                write!(f, "{object} has no field named {field}.")
            }
            Self::PeopleKeyNotEmailOrText {
                object,
                field,
                field_type,
            } => write!(
                f,
                "People are matched on an email or text field; {object}.{field} is {field_type}."
            ),
            Self::CompanyKeyIsTextArea { field } => write!(
                f,
                "A text area cannot identify accounts; make {field} a text (string) field or choose another."
            ),
            Self::CompanyKeyIsRecordId => {
                f.write_str("Companies cannot be matched with the Account's record Id.")
            }
            Self::CompanyKeyType { field, field_type } => write!(
                f,
                "Companies are matched on a text, integer, double or id field; Account.{field} is {field_type}."
            ),
        }
    }
}

/// Which links a change of identity settings drops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlinks {
    /// Every person is unlinked; new links form going forward.
    pub people: bool,
    /// Every company is unlinked; new links form going forward.
    pub companies: bool,
}

impl Unlinks {
    pub fn any(self) -> bool {
        self.people || self.companies
    }

    /// What the settings API tells the admin before or after saving.
    pub fn notices(self) -> Vec<&'static str> {
        let mut notices = Vec::new();
        if self.people {
            notices.push(
                "Changing how people are matched unlinks every person; new links form going forward.",
            );
        }
        if self.companies {
            notices.push(
                "Changing how companies are matched unlinks every company; new links form going forward.",
            );
        }
        notices
    }
}

/// Changing the key attribute or field unlinks everyone it matched. Toggling the email
/// fallback alone keeps the key, so it keeps the links (the articles unlink on a key change).
pub fn unlinks_needed(before: &IdentitySettings, after: &IdentitySettings) -> Unlinks {
    let same = |a: (&str, &str), b: (&str, &str)| a.0 == b.0 && a.1.eq_ignore_ascii_case(b.1);
    Unlinks {
        people: !same(
            before.keys_for(SalesforceObject::Contact),
            after.keys_for(SalesforceObject::Contact),
        ),
        companies: !same(
            before.keys_for(SalesforceObject::Account),
            after.keys_for(SalesforceObject::Account),
        ),
    }
}
