//! When a person who matches no Salesforce record gets a new Lead, as one rule table; and
//! the fallbacks of required Lead fields Intercom has no value for, with the rules a
//! fallback keeps, as a second table.
//!
//! The refusals are checked in the table's order; the first that applies is the reason the
//! ledger gives. A Lead is created only when none applies: the identity allows lead creation,
//! the person has a key, the new Lead can be found again by the next match (or a repeated job
//! would create another), and no one with priority in the same batch is creating it already.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SalesforceObject;
use super::fields::{SalesforceField, SalesforceFieldType, SyncMetadata};
use super::mapping::required_lead_fields;

/// What the refusals look at, for one person who matched no Salesforce record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeadFacts {
    /// A match exists, but is linked to an Intercom person with priority.
    pub held_elsewhere: bool,
    /// The people identity creates Leads (the email fallback is on, or the key is the email).
    pub creates_leads: bool,
    /// The person has a value for the identity key.
    pub has_key: bool,
    /// The new Lead would be found again by matching: by its email, or by the key on Leads.
    pub findable: bool,
    /// Another person of the batch, with priority, is creating a Lead with this email.
    pub another_creating: bool,
}

/// Why no Lead is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadRefusal {
    HeldElsewhere,
    CreationOff,
    EmptyKey,
    NotFindable,
    AnotherCreating,
}

impl LeadRefusal {
    /// The ledger's sentence for the refusal.
    pub fn reason(self) -> &'static str {
        match self {
            Self::HeldElsewhere => {
                "Its Salesforce match is linked to an Intercom person with priority (users before leads, then the most recently updated)."
            }
            Self::CreationOff => {
                "No Salesforce record matches, and lead creation is off (the email fallback is unchecked)."
            }
            Self::EmptyKey => {
                "No Salesforce record matches, and a Lead is never created from an empty key."
            }
            Self::NotFindable => {
                "No Salesforce record matches, and a Lead needs an email to be created."
            }
            Self::AnotherCreating => {
                "Another Intercom person with this email, with priority, is creating the Lead."
            }
        }
    }
}

/// Whether a refusal applies to these facts.
pub type Applies = fn(&LeadFacts) -> bool;

/// The table: each refusal with the facts that call for it, in the order they are checked.
pub const LEAD_REFUSALS: [(LeadRefusal, Applies); 5] = [
    (LeadRefusal::HeldElsewhere, |f| f.held_elsewhere),
    (LeadRefusal::CreationOff, |f| !f.creates_leads),
    (LeadRefusal::EmptyKey, |f| !f.has_key),
    (LeadRefusal::NotFindable, |f| !f.findable),
    (LeadRefusal::AnotherCreating, |f| f.another_creating),
];

/// The first refusal that applies, or `None`: create the Lead.
pub fn lead_refusal(facts: &LeadFacts) -> Option<LeadRefusal> {
    LEAD_REFUSALS
        .iter()
        .find(|(_, applies)| applies(facts))
        .map(|(refusal, _)| *refusal)
}

/// What a required text field gets when Intercom has no value and the admin chose nothing else.
pub const NOT_PROVIDED: &str = "[not provided]";

/// The admin's fallbacks for required Lead fields, by field name: the value a new Lead gets
/// when Intercom has none, or `None` for no fallback (the Lead then waits for a value). A
/// required field not listed gets its default ([`default_fallback`]). Field names compare
/// ignoring case, as Salesforce's do. A JSON object (`{"Company": "Unknown", "Region__c":
/// null}`), held as a list: a handful of fields, and a lighter page than a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFallbacks(pub Vec<(String, Option<String>)>);

impl Serialize for LeadFallbacks {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(field, value)| (field, value)))
    }
}

impl<'de> Deserialize<'de> for LeadFallbacks {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Option<String>>::deserialize(deserializer)?;
        Ok(Self(map.into_iter().collect()))
    }
}

impl LeadFallbacks {
    /// The admin's choice for `field`: `None` when they made none.
    pub fn choice(&self, field: &str) -> Option<&Option<String>> {
        self.0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, choice)| choice)
    }

    /// Sets (`Some`) or switches off (`None`) the fallback of `field`.
    pub fn set(&mut self, field: &str, value: Option<String>) {
        self.0.retain(|(name, _)| !name.eq_ignore_ascii_case(field));
        self.0.push((field.to_owned(), value));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The Salesforce types a fallback can be given to: those holding free text or a picklist
/// value (an email, a number or a lookup has no sensible placeholder).
fn takes_fallback(t: SalesforceFieldType) -> bool {
    use SalesforceFieldType as S;
    matches!(
        t,
        S::String
            | S::Textarea
            | S::Phone
            | S::Url
            | S::Picklist
            | S::Multipicklist
            | S::Combobox
            | S::Encryptedstring
    )
}

/// A restricted choice: the value must be one of the picklist's.
fn is_picklist(field: &SalesforceField) -> bool {
    matches!(
        field.field_type,
        SalesforceFieldType::Picklist | SalesforceFieldType::Multipicklist
    ) && !field.picklist_values.is_empty()
}

/// The fallback a required field gets when the admin chose none: a picklist's default value,
/// else its first active one; `[not provided]` for text that can hold it; none otherwise.
pub fn default_fallback(field: &SalesforceField) -> Option<String> {
    if !takes_fallback(field.field_type) {
        return None;
    }
    if let Some(default) = &field.picklist_default {
        return Some(default.clone());
    }
    if is_picklist(field) {
        return field.picklist_values.first().cloned();
    }
    let fits = field.length == 0 || NOT_PROVIDED.chars().count() <= field.length as usize;
    fits.then(|| NOT_PROVIDED.to_owned())
}

/// The fallback `field` gets: the admin's choice if they made one (a value, or none), else
/// the default.
pub fn fallback_for(field: &SalesforceField, fallbacks: &LeadFallbacks) -> Option<String> {
    match fallbacks.choice(&field.name) {
        Some(choice) => choice.clone(),
        None => default_fallback(field),
    }
}

/// The ledger's sentence naming the fallbacks a write used, `Field = "value"` each.
pub fn fallbacks_used(used: &[(String, String)]) -> Option<String> {
    if used.is_empty() {
        return None;
    }
    let each: Vec<String> = used
        .iter()
        .map(|(field, value)| format!("{field} = {value:?}"))
        .collect();
    Some(format!(
        "Intercom had no value for a required field; fallbacks used: {}.",
        each.join(", ")
    ))
}

/// A rule a fallback must keep. Serialised as the `rule` the settings page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackRule {
    /// Only a field Salesforce requires to create a Lead has a fallback.
    NotRequired,
    /// Only text and picklist fields take one.
    NotText,
    /// A fallback is a value: blank is refused (switch it off instead).
    Empty,
    /// It must fit the field.
    TooLong,
    /// A picklist's fallback is one of its active values.
    NotInPicklist,
}

impl FallbackRule {
    /// The settings page's sentence for the rule broken by `field`'s fallback.
    pub fn sentence(self, field: &str) -> String {
        match self {
            Self::NotRequired => {
                format!("Lead.{field} is not required to create leads, so it takes no fallback.")
            }
            Self::NotText => format!(
                "Lead.{field} is not a text or picklist field: it takes no fallback; map an attribute that always has a value."
            ),
            Self::Empty => format!(
                "The fallback of Lead.{field} is blank: give a value, or switch the fallback off."
            ),
            Self::TooLong => {
                format!("The fallback of Lead.{field} is longer than the field holds.")
            }
            Self::NotInPicklist => {
                format!("The fallback of Lead.{field} is not one of the picklist's active values.")
            }
        }
    }
}

/// What the fallback rules look at: the field (`None` when the org has no such Lead field),
/// whether it is required, and the admin's value.
#[derive(Debug, Clone, Copy)]
pub struct FallbackFacts<'a> {
    pub field: Option<&'a SalesforceField>,
    pub required: bool,
    pub value: &'a str,
}

/// Whether a rule is broken by these facts.
pub type Breaks = fn(&FallbackFacts<'_>) -> bool;

/// The table: each rule with the facts that break it, in the order they are checked (the
/// first broken one is the refusal). The server checks every saved fallback with it; the
/// settings page checks each input with it before saving.
pub const FALLBACK_RULES: [(FallbackRule, Breaks); 5] = [
    (FallbackRule::NotRequired, |f| {
        !f.required || f.field.is_none()
    }),
    (FallbackRule::NotText, |f| {
        f.field.is_some_and(|x| !takes_fallback(x.field_type))
    }),
    (FallbackRule::Empty, |f| f.value.trim().is_empty()),
    (FallbackRule::TooLong, |f| {
        f.field
            .is_some_and(|x| x.length > 0 && f.value.chars().count() > x.length as usize)
    }),
    (FallbackRule::NotInPicklist, |f| {
        f.field.is_some_and(|x| {
            is_picklist(x)
                && !f
                    .value
                    .split(';')
                    .all(|v| x.picklist_values.iter().any(|p| p == v))
        })
    }),
];

/// The first rule `facts` break, or `None`: the fallback may be saved.
pub fn fallback_refusal(facts: &FallbackFacts<'_>) -> Option<FallbackRule> {
    FALLBACK_RULES
        .iter()
        .find(|(_, breaks)| breaks(facts))
        .map(|(rule, _)| *rule)
}

/// Checks one fallback of `field_name` against the org's metadata.
pub fn check_fallback(
    field_name: &str,
    value: &str,
    metadata: &SyncMetadata,
) -> Option<FallbackRule> {
    let field = metadata.salesforce_field(SalesforceObject::Lead, field_name);
    let required = required_lead_fields(metadata)
        .iter()
        .any(|r| r.eq_ignore_ascii_case(field_name));
    fallback_refusal(&FallbackFacts {
        field,
        required,
        value,
    })
}
