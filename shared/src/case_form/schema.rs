//! The case form: record types, and per record type the fields a teammate fills in.
//!
//! Sections of the Salesforce layout are flattened (the inbox has no room for them); field order
//! is the layout's. Picklist values are the record type's, from the UI API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::values::FormValues;

/// One form per record type the teammate may choose (in [`CaseFormView`](super::CaseFormView)). A custom form (or an org without record types) has a single form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSchema {
    pub forms: Vec<CaseForm>,
}

/// A Case record type available to the connected Salesforce user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordType {
    pub id: String,
    pub name: String,
    /// The default record type of the connected user's profile.
    pub default: bool,
}

/// The form for one record type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseForm {
    /// `None`: no record type is sent and Salesforce applies the user's default (custom forms,
    /// orgs without record types).
    pub record_type: Option<RecordType>,
    /// In layout order, sections flattened.
    pub fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Salesforce's field name, e.g. `Subject` or `Product__c`: the key of the value.
    pub api_name: String,
    pub label: String,
    pub required: bool,
    #[serde(flatten)]
    pub field_type: FieldType,
    /// The default for non-picklist fields ("true"/"false" for a checkbox). Picklist defaults
    /// are flagged on their values, since a multipicklist may default to several.
    #[serde(default)]
    pub default_value: Option<String>,
}

/// What decides whether a field must be filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requiredness {
    /// The layout item's `required`.
    pub required_on_layout: bool,
    /// Describe's `nillable`.
    pub nillable: bool,
    /// Describe's `defaultedOnCreate`: Salesforce fills it in when it is left out.
    pub defaulted_on_create: bool,
}

impl Requiredness {
    /// Required on the layout, or a field Salesforce can neither leave empty nor fill itself.
    pub fn required(self) -> bool {
        self.required_on_layout || (!self.nillable && !self.defaulted_on_create)
    }
}

impl FormField {
    pub fn new(
        api_name: impl Into<String>,
        label: impl Into<String>,
        field_type: FieldType,
        requiredness: Requiredness,
    ) -> Self {
        Self {
            api_name: api_name.into(),
            label: label.into(),
            required: requiredness.required(),
            field_type,
            default_value: None,
        }
    }

    pub fn with_default(mut self, value: impl Into<String>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// The value the form starts with, before the conversation's prefill.
    pub fn initial_value(&self) -> Option<String> {
        match &self.field_type {
            FieldType::Picklist(p) | FieldType::MultiPicklist(p) => {
                let defaults: Vec<&str> = p
                    .values
                    .iter()
                    .filter(|v| v.default)
                    .map(|v| v.value.as_str())
                    .collect();
                (!defaults.is_empty()).then(|| defaults.join(";"))
            }
            FieldType::Lookup(lookup) => lookup.prefill.as_ref().map(|r| r.id.clone()),
            _ => self.default_value.clone(),
        }
    }
}

/// How a field is filled in and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldType {
    /// One line. `max_bytes` is Salesforce's `length`, which the API counts in UTF-8 bytes.
    Text {
        max_bytes: u32,
    },
    TextArea {
        max_bytes: u32,
    },
    Picklist(Picklist),
    /// Several values of the list, stored `;`-joined.
    MultiPicklist(Picklist),
    Checkbox,
    /// `YYYY-MM-DD`.
    Date,
    /// ISO-8601 with a time zone.
    DateTime,
    Number(NumberFormat),
    Currency(NumberFormat),
    Percent(NumberFormat),
    Email {
        max_bytes: u32,
    },
    Phone {
        max_bytes: u32,
    },
    Url {
        max_bytes: u32,
    },
    /// The conversation's contact or account, prefilled; holds a record id.
    Lookup(Lookup),
}

impl FieldType {
    /// The byte limit of text-like fields.
    pub fn max_bytes(&self) -> Option<u32> {
        match self {
            FieldType::Text { max_bytes }
            | FieldType::TextArea { max_bytes }
            | FieldType::Email { max_bytes }
            | FieldType::Phone { max_bytes }
            | FieldType::Url { max_bytes } => Some(*max_bytes),
            _ => None,
        }
    }

    pub fn picklist(&self) -> Option<&Picklist> {
        match self {
            FieldType::Picklist(p) | FieldType::MultiPicklist(p) => Some(p),
            _ => None,
        }
    }
}

/// Salesforce's digits: `precision` in all, `scale` of them after the decimal point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberFormat {
    pub precision: u32,
    pub scale: u32,
}

impl NumberFormat {
    /// Digits allowed before the decimal point.
    pub fn integer_digits(self) -> u32 {
        self.precision.saturating_sub(self.scale)
    }
}

/// The values of a picklist for one record type, in Salesforce's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picklist {
    pub values: Vec<PicklistValue>,
    /// Set when the values offered depend on another field's value.
    #[serde(default)]
    pub controlled_by: Option<Dependency>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicklistValue {
    pub value: String,
    pub label: String,
    /// The record type's default (several for a multipicklist).
    #[serde(default)]
    pub default: bool,
}

impl PicklistValue {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            default: false,
        }
    }
}

/// A dependent picklist's rule: which of its values each controlling value allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The controlling field's api name (a picklist, or a checkbox with "true"/"false").
    pub controlling_field: String,
    /// Controlling value -> the dependent values valid for it. A controlling value that is
    /// absent allows none.
    pub valid_values: BTreeMap<String, Vec<String>>,
}

impl Dependency {
    pub fn allows(&self, controlling_value: &str, value: &str) -> bool {
        self.valid_values
            .get(controlling_value)
            .is_some_and(|valid| valid.iter().any(|v| v == value))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    pub to: LookupTarget,
    /// The conversation's person (or their account) in Salesforce, when known.
    #[serde(default)]
    pub prefill: Option<LookupRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupTarget {
    Contact,
    Account,
}

impl LookupTarget {
    /// The first three characters of every id of this object.
    pub fn key_prefix(self) -> &'static str {
        match self {
            LookupTarget::Contact => "003",
            LookupTarget::Account => "001",
        }
    }
}

/// A record shown in a lookup: its id is the value, its name is what the teammate reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRecord {
    pub id: String,
    pub name: String,
}

/// Which form the page opens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialSelection<'a> {
    /// A single record type: chosen automatically, no chooser.
    Only(&'a CaseForm),
    /// Several: the chooser starts at the user's default.
    Default(&'a CaseForm),
    /// Several and none is the default: the teammate chooses first.
    Choose,
    /// The connected user may use no record type: nothing to show.
    NoneAvailable,
}

impl<'a> InitialSelection<'a> {
    pub fn form(&self) -> Option<&'a CaseForm> {
        match *self {
            InitialSelection::Only(form) | InitialSelection::Default(form) => Some(form),
            InitialSelection::Choose | InitialSelection::NoneAvailable => None,
        }
    }

    /// Whether the teammate is offered a choice of record type.
    pub fn shows_chooser(&self) -> bool {
        matches!(
            self,
            InitialSelection::Default(_) | InitialSelection::Choose
        )
    }
}

impl FormSchema {
    pub fn record_types(&self) -> impl Iterator<Item = &RecordType> {
        self.forms.iter().filter_map(|f| f.record_type.as_ref())
    }

    /// The form of a record type; `None` names the form without one.
    pub fn form_for(&self, record_type_id: Option<&str>) -> Option<&CaseForm> {
        self.forms
            .iter()
            .find(|f| f.record_type.as_ref().map(|rt| rt.id.as_str()) == record_type_id)
    }

    pub fn initial_selection(&self) -> InitialSelection<'_> {
        match self.forms.as_slice() {
            [] => InitialSelection::NoneAvailable,
            [only] => InitialSelection::Only(only),
            several => several
                .iter()
                .find(|f| f.record_type.as_ref().is_some_and(|rt| rt.default))
                .map_or(InitialSelection::Choose, InitialSelection::Default),
        }
    }
}

/// What the conversation gives the form: its title and its transcript as plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPrefill {
    pub title: Option<String>,
    pub transcript: String,
}

impl ConversationPrefill {
    /// One line: the title, else the transcript's first non-blank line; cut to `max_bytes`.
    pub fn subject(&self, max_bytes: u32) -> String {
        let source = self
            .title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| self.transcript.lines().find(|l| !l.trim().is_empty()))
            .unwrap_or_default();
        let one_line = source.split_whitespace().collect::<Vec<_>>().join(" ");
        truncate_to_bytes(&one_line, max_bytes).to_owned()
    }

    /// The transcript, cut to `max_bytes`.
    pub fn description(&self, max_bytes: u32) -> String {
        truncate_to_bytes(self.transcript.trim(), max_bytes).to_owned()
    }
}

/// The longest prefix of `text` of at most `max_bytes` UTF-8 bytes that ends on a character.
pub fn truncate_to_bytes(text: &str, max_bytes: u32) -> &str {
    let max = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    if text.len() <= max {
        return text;
    }
    let end = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[..end]
}

impl CaseForm {
    pub fn field(&self, api_name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }

    /// The values the form opens with: defaults, the prefilled contact and account, and the
    /// Subject and Description from the conversation. A default that its controlling value
    /// does not allow is left out.
    pub fn initial_values(&self, conversation: &ConversationPrefill) -> FormValues {
        let mut values = FormValues::default();
        for field in &self.fields {
            let prefill = match (field.api_name.as_str(), field.field_type.max_bytes()) {
                ("Subject", Some(max)) => Some(conversation.subject(max)),
                ("Description", Some(max)) => Some(conversation.description(max)),
                _ => None,
            };
            if let Some(value) = prefill
                .filter(|v| !v.is_empty())
                .or_else(|| field.initial_value())
            {
                values.set(&field.api_name, value);
            }
        }
        self.drop_disallowed(&mut values);
        values
    }

    /// Clears picklist values the form does not offer given the other values: after a
    /// controlling value changed, the dependent values it does not allow.
    pub fn drop_disallowed(&self, values: &mut FormValues) {
        for field in self
            .fields
            .iter()
            .filter(|f| f.field_type.picklist().is_some())
        {
            let Some(value) = values.get(&field.api_name) else {
                continue;
            };
            let allowed = self.options(field, values);
            let kept = value
                .split(';')
                .filter(|part| allowed.iter().any(|o| o.value == *part))
                .collect::<Vec<_>>()
                .join(";");
            if kept != value {
                values.set(&field.api_name, kept);
            }
        }
    }

    /// The picklist values to offer for `field` given the current values: all of the record
    /// type's, or for a dependent picklist those its controlling value allows.
    pub fn options<'f>(&self, field: &'f FormField, values: &FormValues) -> Vec<&'f PicklistValue> {
        let Some(picklist) = field.field_type.picklist() else {
            return Vec::new();
        };
        match &picklist.controlled_by {
            None => picklist.values.iter().collect(),
            Some(dependency) => {
                let controlling = values.get(&dependency.controlling_field).unwrap_or("");
                picklist
                    .values
                    .iter()
                    .filter(|v| dependency.allows(controlling, &v.value))
                    .collect()
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn text(name: &str, max_bytes: u32, required_on_layout: bool) -> FormField {
        FormField::new(
            name,
            name,
            FieldType::Text { max_bytes },
            Requiredness {
                required_on_layout,
                nillable: true,
                defaulted_on_create: false,
            },
        )
    }

    /// Labelled as Salesforce labels custom fields: `Product_Area__c` reads "Product Area".
    fn picklist(name: &str, values: &[&str], default: Option<&str>) -> FormField {
        let values = values
            .iter()
            .map(|v| PicklistValue {
                default: Some(*v) == default,
                ..PicklistValue::new(*v, *v)
            })
            .collect();
        FormField::new(
            name,
            name.trim_end_matches("__c").replace('_', " "),
            FieldType::Picklist(Picklist {
                values,
                controlled_by: None,
            }),
            Requiredness {
                required_on_layout: false,
                nillable: true,
                defaulted_on_create: false,
            },
        )
    }

    fn record_type(id: &str, name: &str, default: bool) -> RecordType {
        RecordType {
            id: id.to_owned(),
            name: name.to_owned(),
            default,
        }
    }

    /// The simulator's three Case record types, as the back end would build them: Support
    /// (default), Billing and Bug Report, with their own Type and Priority values and the
    /// Product / Product Area dependency.
    pub(crate) fn simulator_schema() -> FormSchema {
        let product = picklist(
            "Product__c",
            &["Platform", "Mobile App", "Integrations"],
            None,
        );
        let mut area = picklist(
            "Product_Area__c",
            &[
                "API",
                "Dashboard",
                "Login",
                "Notifications",
                "Sync",
                "Webhooks",
            ],
            None,
        );
        let valid = |pairs: &[(&str, &[&str])]| {
            pairs
                .iter()
                .map(|(c, vs)| (c.to_string(), vs.iter().map(|v| v.to_string()).collect()))
                .collect()
        };
        if let FieldType::Picklist(p) = &mut area.field_type {
            p.controlled_by = Some(Dependency {
                controlling_field: "Product__c".to_owned(),
                valid_values: valid(&[
                    ("Platform", &["API", "Dashboard", "Login"]),
                    ("Mobile App", &["Login", "Notifications", "Sync"]),
                    ("Integrations", &["API", "Sync", "Webhooks"]),
                ]),
            });
        }
        let required = |mut f: FormField| {
            f.required = true;
            f
        };
        let contact = FormField::new(
            "ContactId",
            "Contact Name",
            FieldType::Lookup(Lookup {
                to: LookupTarget::Contact,
                prefill: Some(LookupRecord {
                    id: "003000000000001AAA".to_owned(),
                    name: "Ada Lovelace".to_owned(),
                }),
            }),
            Requiredness {
                required_on_layout: false,
                nillable: true,
                defaulted_on_create: false,
            },
        );
        let description = FormField::new(
            "Description",
            "Description",
            FieldType::TextArea { max_bytes: 32000 },
            Requiredness {
                required_on_layout: false,
                nillable: true,
                defaulted_on_create: false,
            },
        );
        let status = required(picklist(
            "Status",
            &["New", "Working", "Escalated", "Closed"],
            Some("New"),
        ));
        FormSchema {
            forms: vec![
                CaseForm {
                    record_type: Some(record_type("012000000000001AAA", "Support", true)),
                    fields: vec![
                        text("Subject", 255, true),
                        status.clone(),
                        picklist(
                            "Priority",
                            &["Low", "Medium", "High", "Critical"],
                            Some("Medium"),
                        ),
                        required(picklist("Origin", &["Phone", "Email", "Web", "Chat"], None)),
                        picklist("Type", &["Question", "Problem", "Feature Request"], None),
                        contact.clone(),
                        description.clone(),
                    ],
                },
                CaseForm {
                    record_type: Some(record_type("012000000000002AAA", "Billing", false)),
                    fields: vec![
                        text("Subject", 255, true),
                        status.clone(),
                        picklist("Priority", &["Medium", "High"], Some("Medium")),
                        required(picklist("Type", &["Question", "Billing"], Some("Billing"))),
                        required(contact.clone()),
                        required(description.clone()),
                    ],
                },
                CaseForm {
                    record_type: Some(record_type("012000000000003AAA", "Bug Report", false)),
                    fields: vec![
                        text("Subject", 255, true),
                        status,
                        required(picklist(
                            "Priority",
                            &["Low", "Medium", "High", "Critical"],
                            Some("High"),
                        )),
                        required(product),
                        required(area),
                        contact,
                        required(description),
                    ],
                },
            ],
        }
    }

    #[test]
    fn required_on_layout_or_not_nillable_and_not_defaulted() {
        let case = |on_layout, nillable, defaulted| {
            Requiredness {
                required_on_layout: on_layout,
                nillable,
                defaulted_on_create: defaulted,
            }
            .required()
        };
        assert!(case(true, true, false), "required on the layout");
        assert!(case(true, false, true), "the layout wins over a default");
        assert!(case(false, false, false), "not nillable, nothing fills it");
        assert!(
            !case(false, false, true),
            "Salesforce defaults it (Status, checkboxes)"
        );
        assert!(!case(false, true, false), "optional");
        assert!(text("Subject", 255, true).required);
    }

    #[test]
    fn the_default_record_type_is_preselected_among_several() {
        let schema = simulator_schema();
        let selection = schema.initial_selection();
        assert!(selection.shows_chooser());
        let form = selection.form().expect("a default");
        assert_eq!(form.record_type.as_ref().unwrap().name, "Support");
        assert_eq!(schema.record_types().count(), 3);
        assert_eq!(
            schema
                .form_for(Some("012000000000003AAA"))
                .unwrap()
                .record_type
                .as_ref()
                .unwrap()
                .name,
            "Bug Report"
        );
        assert_eq!(schema.form_for(None), None);
    }

    #[test]
    fn a_single_record_type_is_chosen_automatically() {
        let mut schema = simulator_schema();
        schema.forms.truncate(1);
        schema.forms[0].record_type.as_mut().unwrap().default = false;
        let selection = schema.initial_selection();
        assert!(matches!(selection, InitialSelection::Only(_)));
        assert!(!selection.shows_chooser());
        assert_eq!(selection.form(), Some(&schema.forms[0]));
    }

    #[test]
    fn without_a_default_the_teammate_chooses_and_without_forms_nothing_shows() {
        let mut schema = simulator_schema();
        for form in &mut schema.forms {
            form.record_type.as_mut().unwrap().default = false;
        }
        assert_eq!(schema.initial_selection(), InitialSelection::Choose);
        assert_eq!(schema.initial_selection().form(), None);
        let empty = FormSchema { forms: Vec::new() };
        assert_eq!(empty.initial_selection(), InitialSelection::NoneAvailable);
        assert!(!empty.initial_selection().shows_chooser());
    }

    #[test]
    fn truncation_counts_bytes_and_stops_on_a_character() {
        assert_eq!(truncate_to_bytes("abc", 5), "abc");
        assert_eq!(truncate_to_bytes("abcdef", 3), "abc");
        // "é" is two bytes: cutting at 3 would split the second one.
        assert_eq!(truncate_to_bytes("éé", 3), "é");
        // An emoji is four bytes: nothing of it fits in three.
        assert_eq!(truncate_to_bytes("😀", 3), "");
        assert_eq!(truncate_to_bytes("", 0), "");
    }

    #[test]
    fn subject_and_description_come_from_the_conversation() {
        let conversation = ConversationPrefill {
            title: Some("  Refund   for\norder 42 ".to_owned()),
            transcript: "Ada: my order arrived broken\nTeammate: sorry!".to_owned(),
        };
        assert_eq!(conversation.subject(255), "Refund for order 42");
        assert_eq!(conversation.subject(6), "Refund");
        assert_eq!(conversation.description(12), "Ada: my orde");
        let untitled = ConversationPrefill {
            title: None,
            transcript: "\n  \nÉmile: ça ne marche pas\nmore".to_owned(),
        };
        assert_eq!(untitled.subject(255), "Émile: ça ne marche pas");
        // "Émile" is six bytes; five keep "Émil".
        assert_eq!(untitled.subject(5), "Émil");
    }

    #[test]
    fn initial_values_apply_defaults_prefill_and_record_type_differences() {
        let schema = simulator_schema();
        let conversation = ConversationPrefill {
            title: Some("Broken login".to_owned()),
            transcript: "It fails".to_owned(),
        };
        let support = schema.forms[0].initial_values(&conversation);
        assert_eq!(support.get("Subject"), Some("Broken login"));
        assert_eq!(support.get("Description"), Some("It fails"));
        assert_eq!(support.get("Status"), Some("New"));
        assert_eq!(support.get("Priority"), Some("Medium"));
        assert_eq!(support.get("Type"), None);
        assert_eq!(support.get("ContactId"), Some("003000000000001AAA"));
        let billing = schema.forms[1].initial_values(&conversation);
        assert_eq!(billing.get("Type"), Some("Billing"));
        let bug = schema.forms[2].initial_values(&conversation);
        assert_eq!(bug.get("Priority"), Some("High"));
        let escalated = FormField::new(
            "IsEscalated",
            "Escalated",
            FieldType::Checkbox,
            Requiredness {
                required_on_layout: false,
                nillable: false,
                defaulted_on_create: true,
            },
        )
        .with_default("false");
        assert!(!escalated.required);
        assert_eq!(escalated.initial_value().as_deref(), Some("false"));
    }

    #[test]
    fn a_dependent_default_not_allowed_by_its_controlling_value_is_dropped() {
        let mut form = simulator_schema().forms.remove(2);
        for field in &mut form.fields {
            if let FieldType::Picklist(p) = &mut field.field_type {
                for v in &mut p.values {
                    v.default = matches!(v.value.as_str(), "Mobile App" | "Dashboard" | "Sync");
                }
            }
        }
        let mut values = form.initial_values(&ConversationPrefill::default());
        assert_eq!(values.get("Product__c"), Some("Mobile App"));
        // Dashboard belongs to Platform only; Sync is valid for Mobile App.
        assert_eq!(values.get("Product_Area__c"), Some("Sync"));
        // The controlling value changes: Sync is not a Platform area.
        values.set("Product__c", "Platform");
        form.drop_disallowed(&mut values);
        assert_eq!(values.get("Product_Area__c"), None);
        values.set("Product_Area__c", "Login");
        form.drop_disallowed(&mut values);
        assert_eq!(values.get("Product_Area__c"), Some("Login"));
    }

    #[test]
    fn dependent_options_follow_the_controlling_value() {
        let form = &simulator_schema().forms[2];
        let area = form.field("Product_Area__c").unwrap();
        let offered = |product: Option<&str>| {
            let mut values = FormValues::default();
            if let Some(p) = product {
                values.set("Product__c", p);
            }
            form.options(area, &values)
                .iter()
                .map(|o| o.value.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(offered(Some("Platform")), ["API", "Dashboard", "Login"]);
        assert_eq!(
            offered(Some("Mobile App")),
            ["Login", "Notifications", "Sync"]
        );
        assert!(offered(None).is_empty());
        let status = form.field("Status").unwrap();
        assert_eq!(form.options(status, &FormValues::default()).len(), 4);
    }

    #[test]
    fn the_schema_travels_as_json() {
        let schema = simulator_schema();
        let json = serde_json::to_value(&schema).unwrap();
        let subject = &json["forms"][0]["fields"][0];
        assert_eq!(subject["type"], "text");
        assert_eq!(subject["max_bytes"], 255);
        let contact = &json["forms"][0]["fields"][5];
        assert_eq!(contact["type"], "lookup");
        assert_eq!(contact["to"], "Contact");
        let back: FormSchema = serde_json::from_value(json).unwrap();
        assert_eq!(back, schema);
    }
}
