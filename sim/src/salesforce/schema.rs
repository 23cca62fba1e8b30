//! The org's metadata: objects, fields, picklists, record types and relationships.
//!
//! One static description feeds validation on write, describe, the UI API and SOQL, so that
//! what the simulator accepts is exactly what it describes.

use std::sync::LazyLock;

use super::soql::FieldKind;

#[derive(Debug, Clone)]
pub struct PicklistValue {
    pub value: &'static str,
    pub label: &'static str,
    pub default: bool,
    /// For a dependent picklist: the controlling values this value is valid for.
    pub valid_for: Vec<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Characters for text; also the byte limit enforced through the API (as in Salesforce,
    /// byteLength is 3x length in describe but the API counts UTF-8 bytes against `length`).
    pub length: u32,
    pub precision: u32,
    pub scale: u32,
    pub createable: bool,
    pub updateable: bool,
    pub nillable: bool,
    pub defaulted_on_create: bool,
    pub formula: Option<&'static str>,
    pub external_id: bool,
    pub unique: bool,
    pub id_lookup: bool,
    pub picklist: Vec<PicklistValue>,
    pub restricted: bool,
    pub controller: Option<&'static str>,
    pub reference_to: Vec<&'static str>,
    pub relationship_name: Option<&'static str>,
    pub auto_number: bool,
    pub compound: Option<&'static str>,
    pub custom: bool,
    pub name_field: bool,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: FieldKind) -> Field {
        Field {
            name,
            label,
            kind,
            length: 0,
            precision: 0,
            scale: 0,
            createable: true,
            updateable: true,
            nillable: true,
            defaulted_on_create: false,
            formula: None,
            external_id: false,
            unique: false,
            id_lookup: false,
            picklist: Vec::new(),
            restricted: false,
            controller: None,
            reference_to: Vec::new(),
            relationship_name: None,
            auto_number: false,
            compound: None,
            custom: name.ends_with("__c"),
            name_field: false,
        }
    }
    /// Must be given on create: not nillable, not defaulted, and writable.
    pub fn required(&self) -> bool {
        !self.nillable
            && !self.defaulted_on_create
            && self.createable
            && self.kind != FieldKind::Boolean
    }
    pub fn is_text(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::String
                | FieldKind::Textarea
                | FieldKind::Email
                | FieldKind::Phone
                | FieldKind::Url
                | FieldKind::Combobox
                | FieldKind::EncryptedString
        )
    }
    pub fn type_name(&self) -> &'static str {
        kind_name(self.kind)
    }
    pub fn default_value(&self) -> Option<&'static str> {
        self.picklist.iter().find(|v| v.default).map(|v| v.value)
    }
}

pub fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Id => "id",
        FieldKind::Reference => "reference",
        FieldKind::String => "string",
        FieldKind::Textarea => "textarea",
        FieldKind::Email => "email",
        FieldKind::Phone => "phone",
        FieldKind::Url => "url",
        FieldKind::Picklist => "picklist",
        FieldKind::Multipicklist => "multipicklist",
        FieldKind::Combobox => "combobox",
        FieldKind::EncryptedString => "encryptedstring",
        FieldKind::Boolean => "boolean",
        FieldKind::Int => "int",
        FieldKind::Long => "long",
        FieldKind::Double => "double",
        FieldKind::Currency => "currency",
        FieldKind::Percent => "percent",
        FieldKind::Date => "date",
        FieldKind::DateTime => "datetime",
        FieldKind::Time => "time",
        FieldKind::Address => "address",
        FieldKind::Location => "location",
    }
}

// Small builders keep the object list below readable.
fn text(name: &'static str, label: &'static str, len: u32) -> Field {
    Field {
        length: len,
        ..Field::new(name, label, FieldKind::String)
    }
}
fn typed(name: &'static str, label: &'static str, kind: FieldKind, len: u32) -> Field {
    Field {
        length: len,
        ..Field::new(name, label, kind)
    }
}
fn num(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    precision: u32,
    scale: u32,
) -> Field {
    Field {
        precision,
        scale,
        ..Field::new(name, label, kind)
    }
}
fn flag(name: &'static str, label: &'static str) -> Field {
    Field {
        nillable: false,
        defaulted_on_create: true,
        ..Field::new(name, label, FieldKind::Boolean)
    }
}
fn lookup(
    name: &'static str,
    label: &'static str,
    to: &[&'static str],
    rel: &'static str,
) -> Field {
    Field {
        length: 18,
        reference_to: to.to_vec(),
        relationship_name: Some(rel),
        ..Field::new(name, label, FieldKind::Reference)
    }
}
fn picklist(name: &'static str, label: &'static str, values: &[&'static str]) -> Field {
    Field {
        length: 255,
        picklist: values
            .iter()
            .map(|v| PicklistValue {
                value: v,
                label: v,
                default: false,
                valid_for: Vec::new(),
            })
            .collect(),
        ..Field::new(name, label, FieldKind::Picklist)
    }
}
fn read_only(mut f: Field) -> Field {
    f.createable = false;
    f.updateable = false;
    f
}
fn required(mut f: Field) -> Field {
    f.nillable = false;
    f
}
fn with_default(mut f: Field, value: &str) -> Field {
    for v in &mut f.picklist {
        v.default = v.value == value;
    }
    f.nillable = false;
    f.defaulted_on_create = true;
    f
}
fn restricted(mut f: Field) -> Field {
    f.restricted = true;
    f
}
fn external(mut f: Field) -> Field {
    f.external_id = true;
    f.id_lookup = true;
    f
}
fn compound_of(mut f: Field, parent: &'static str) -> Field {
    f.compound = Some(parent);
    f
}

/// A record type of an object, with what differs per type: picklist values and layout.
#[derive(Debug, Clone)]
pub struct RecordTypeDef {
    pub id: &'static str,
    pub developer_name: &'static str,
    pub name: &'static str,
    pub default: bool,
    /// field -> values available for this record type (absent field: all values).
    pub picklists: Vec<(&'static str, Vec<&'static str>)>,
    /// field -> default value for this record type.
    pub defaults: Vec<(&'static str, &'static str)>,
    /// Layout sections: (heading, [(field, required on layout)]).
    pub layout: Vec<(&'static str, Vec<(&'static str, bool)>)>,
}

#[derive(Debug, Clone)]
pub struct ChildRel {
    pub name: &'static str,
    pub object: &'static str,
    pub field: &'static str,
    pub cascade_delete: bool,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    pub fields: Vec<Field>,
    pub record_types: Vec<RecordTypeDef>,
    pub children: Vec<ChildRel>,
    pub createable: bool,
    pub updateable: bool,
    pub deletable: bool,
}

impl Object {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.position(name).map(|i| &self.fields[i])
    }
    /// Index of a field in `fields` (case-insensitive). Callers mostly pass the canonical
    /// name, so an exact pass comes first: records are read this way millions of times.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(name))
        })
    }
    pub fn has_owner(&self) -> bool {
        self.field("OwnerId").is_some()
    }
    pub fn record_type(&self, id: &str) -> Option<&RecordTypeDef> {
        self.record_types
            .iter()
            .find(|rt| rt.id == id || rt.id[..15] == *id)
    }
    pub fn default_record_type(&self) -> Option<&RecordTypeDef> {
        self.record_types.iter().find(|rt| rt.default)
    }
}

pub struct Schema {
    pub objects: Vec<Object>,
}

impl Schema {
    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }
    /// Position of an object in `objects` (case-insensitive name).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(name))
    }
    pub fn object_for_id(&self, id: &str) -> Option<&Object> {
        let prefix = id.get(..3)?;
        self.objects.iter().find(|o| o.key_prefix == prefix)
    }
}

pub const MASTER_RECORD_TYPE: &str = "012000000000000AAA";

/// Case record type ids are fixed (counter 1..3 under the RecordType prefix) so that other
/// simulators, the backend's tests and people can name them.
pub fn record_type_id(n: u64) -> &'static str {
    super::ids::make("012", n).leak()
}

pub const OPPORTUNITY_STAGES: &[(&str, u32, bool, bool)] = &[
    // (stage, probability, closed, won)
    ("Prospecting", 10, false, false),
    ("Qualification", 10, false, false),
    ("Needs Analysis", 20, false, false),
    ("Value Proposition", 50, false, false),
    ("Id. Decision Makers", 60, false, false),
    ("Perception Analysis", 70, false, false),
    ("Proposal/Price Quote", 75, false, false),
    ("Negotiation/Review", 90, false, false),
    ("Closed Won", 100, true, true),
    ("Closed Lost", 0, true, false),
];

fn system_fields(owner: bool) -> Vec<Field> {
    let mut fields = vec![
        Field {
            length: 18,
            nillable: false,
            defaulted_on_create: true,
            id_lookup: true,
            ..read_only(Field::new("Id", "Record ID", FieldKind::Id))
        },
        read_only(flag("IsDeleted", "Deleted")),
    ];
    if owner {
        let mut o = lookup("OwnerId", "Owner ID", &["User"], "Owner");
        o.nillable = false;
        o.defaulted_on_create = true;
        fields.push(o);
    }
    for (name, label, by, rel) in [
        ("CreatedDate", "Created Date", "CreatedById", "CreatedBy"),
        (
            "LastModifiedDate",
            "Last Modified Date",
            "LastModifiedById",
            "LastModifiedBy",
        ),
    ] {
        fields.push(Field {
            nillable: false,
            defaulted_on_create: true,
            ..read_only(Field::new(name, label, FieldKind::DateTime))
        });
        fields.push(Field {
            nillable: false,
            defaulted_on_create: true,
            ..read_only(lookup(
                by,
                &label.replace("Date", "By ID").leak()[..],
                &["User"],
                rel,
            ))
        });
    }
    fields.push(Field {
        nillable: false,
        defaulted_on_create: true,
        ..read_only(Field::new(
            "SystemModstamp",
            "System Modstamp",
            FieldKind::DateTime,
        ))
    });
    fields
}

fn address(prefix: &'static str, label: &'static str) -> Vec<Field> {
    let compound: &'static str = format!("{prefix}Address").leak();
    let part = |suffix: &str, plabel: &str, kind: FieldKind, len: u32| {
        compound_of(
            typed(
                format!("{prefix}{suffix}").leak(),
                format!("{label} {plabel}").leak(),
                kind,
                len,
            ),
            compound,
        )
    };
    vec![
        part("Street", "Street", FieldKind::Textarea, 255),
        part("City", "City", FieldKind::String, 40),
        part("State", "State/Province", FieldKind::String, 80),
        part("PostalCode", "Zip/Postal Code", FieldKind::String, 20),
        part("Country", "Country", FieldKind::String, 80),
        compound_of(
            picklist(
                format!("{prefix}GeocodeAccuracy").leak(),
                format!("{label} Geocode Accuracy").leak(),
                &[
                    "Address",
                    "NearAddress",
                    "Block",
                    "Street",
                    "ExtendedZip",
                    "Zip",
                    "Neighborhood",
                    "City",
                    "County",
                    "State",
                    "Unknown",
                ],
            ),
            compound,
        ),
        read_only(typed(
            compound,
            format!("{label} Address").leak(),
            FieldKind::Address,
            0,
        )),
    ]
}

fn name_parts() -> Vec<Field> {
    vec![
        text("FirstName", "First Name", 40),
        required(text("LastName", "Last Name", 80)),
        Field {
            name_field: true,
            ..read_only(text("Name", "Full Name", 121))
        },
    ]
}

fn object(
    name: &'static str,
    label: &'static str,
    plural: &'static str,
    prefix: &'static str,
) -> Object {
    Object {
        name,
        label,
        label_plural: plural,
        key_prefix: prefix,
        fields: Vec::new(),
        record_types: Vec::new(),
        children: Vec::new(),
        createable: true,
        updateable: true,
        deletable: true,
    }
}

fn child(name: &'static str, object: &'static str, field: &'static str, cascade: bool) -> ChildRel {
    ChildRel {
        name,
        object,
        field,
        cascade_delete: cascade,
    }
}

const TIME_ZONES: &[&str] = &[
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
];
const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Intercom",
    "Other",
];
const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Other",
];

fn build() -> Schema {
    let mut user = object("User", "User", "Users", "005");
    user.fields = system_fields(false);
    user.fields.push(Field {
        unique: true,
        id_lookup: true,
        ..required(text("Username", "Username", 80))
    });
    user.fields.extend(name_parts());
    user.fields.extend([
        required(typed("Email", "Email", FieldKind::Email, 128)),
        required(text("Alias", "Alias", 8)),
        Field {
            defaulted_on_create: true,
            ..flag("IsActive", "Active")
        },
        required(lookup("ProfileId", "Profile ID", &["Profile"], "Profile")),
        text("Title", "Title", 80),
        text("Department", "Department", 80),
        required(picklist("TimeZoneSidKey", "Time Zone", TIME_ZONES)),
    ]);

    let mut profile = object("Profile", "Profile", "Profiles", "00e");
    profile.fields = system_fields(false);
    profile.fields.extend([
        required(text("Name", "Name", 255)),
        typed("Description", "Description", FieldKind::Textarea, 255),
    ]);
    profile.children = vec![child("Users", "User", "ProfileId", false)];

    let mut permset = object("PermissionSet", "Permission Set", "Permission Sets", "0PS");
    permset.fields = system_fields(false);
    permset.fields.extend([
        required(text("Name", "Name", 80)),
        text("Label", "Label", 80),
        read_only(flag("IsOwnedByProfile", "Is Owned By Profile")),
        read_only(lookup("ProfileId", "Profile ID", &["Profile"], "Profile")),
    ]);
    permset.children = vec![child("ObjectPerms", "ObjectPermissions", "ParentId", true)];

    let mut objperm = object(
        "ObjectPermissions",
        "Object Permissions",
        "Object Permissions",
        "110",
    );
    objperm.fields = system_fields(false);
    objperm.fields.extend([
        required(lookup(
            "ParentId",
            "Parent ID",
            &["PermissionSet"],
            "Parent",
        )),
        required(text("SobjectType", "Sobject Type Name", 40)),
        flag("PermissionsCreate", "Create Records"),
        flag("PermissionsRead", "Read Records"),
        flag("PermissionsEdit", "Edit Records"),
        flag("PermissionsDelete", "Delete Records"),
    ]);

    // The org's own settings: read-only through the API, with describe's lengths.
    let setting =
        |name: &'static str, label: &'static str, values: &[&'static str], length| Field {
            length,
            ..read_only(restricted(picklist(name, label, values)))
        };
    let mut org = object("Organization", "Organization", "Organizations", "00D");
    org.fields = system_fields(false);
    org.fields.extend([
        read_only(text("Name", "Name", 80)),
        setting(
            "DefaultCurrencyIsoCode",
            "Locale Currency",
            &["USD", "EUR", "GBP", "JPY", "CAD", "AUD"],
            3,
        ),
        setting(
            "OrganizationType",
            "Edition",
            &[
                "Team Edition",
                "Professional Edition",
                "Enterprise Edition",
                "Developer Edition",
                "Personal Edition",
                "Unlimited Edition",
                "Contact Manager Edition",
                "Base Edition",
            ],
            40,
        ),
        read_only(flag("IsSandbox", "Is Sandbox")),
        read_only(text("InstanceName", "Instance Name", 5)),
        setting(
            "LanguageLocaleKey",
            "Language",
            &["en_US", "en_GB", "fr", "de", "es", "ja"],
            40,
        ),
        setting("TimeZoneSidKey", "Time Zone", TIME_ZONES, 40),
    ]);
    org.createable = false;
    org.updateable = false;
    org.deletable = false;

    let mut record_type = object("RecordType", "Record Type", "Record Types", "012");
    record_type.fields = system_fields(false);
    record_type.fields.extend([
        required(text("Name", "Record Type Label", 80)),
        required(text("DeveloperName", "Record Type Name", 80)),
        required(picklist(
            "SobjectType",
            "SObject Type Name",
            &["Case", "Account", "Contact", "Lead", "Opportunity", "Task"],
        )),
        flag("IsActive", "Active"),
        typed("Description", "Description", FieldKind::String, 255),
    ]);
    record_type.createable = false;
    record_type.updateable = false;
    record_type.deletable = false;

    let mut account = object("Account", "Account", "Accounts", "001");
    account.fields = system_fields(true);
    account.fields.extend([
        Field {
            name_field: true,
            ..required(text("Name", "Account Name", 255))
        },
        text("AccountNumber", "Account Number", 40),
        picklist("Industry", "Industry", INDUSTRIES),
        picklist(
            "Type",
            "Account Type",
            &[
                "Prospect",
                "Customer - Direct",
                "Customer - Channel",
                "Channel Partner / Reseller",
                "Installation Partner",
                "Technology Partner",
                "Other",
            ],
        ),
        typed("Phone", "Account Phone", FieldKind::Phone, 40),
        typed("Website", "Website", FieldKind::Url, 255),
        num("NumberOfEmployees", "Employees", FieldKind::Int, 8, 0),
        num(
            "AnnualRevenue",
            "Annual Revenue",
            FieldKind::Currency,
            18,
            0,
        ),
        typed(
            "Description",
            "Account Description",
            FieldKind::Textarea,
            32000,
        ),
        picklist("AccountSource", "Account Source", LEAD_SOURCES),
    ]);
    account.fields.extend(address("Billing", "Billing"));
    account.fields.extend(address("Shipping", "Shipping"));
    account.fields.extend([
        picklist(
            "Ownership",
            "Ownership",
            &["Public", "Private", "Subsidiary", "Other"],
        ),
        picklist("Rating", "Account Rating", &["Hot", "Warm", "Cold"]),
        read_only(picklist(
            "CleanStatus",
            "Clean Status",
            &[
                "Matched",
                "Different",
                "Acknowledged",
                "NotFound",
                "Inactive",
                "Pending",
                "SelectMatch",
                "Skipped",
            ],
        )),
    ]);
    account.fields.extend([
        Field {
            unique: true,
            ..external(text("External_Id__c", "External ID", 64))
        },
        // Written by the seed and the UI only (an integration's score), never through the API.
        read_only(num(
            "Health_Score__c",
            "Health Score",
            FieldKind::Double,
            3,
            0,
        )),
    ]);
    account.children = vec![
        child("Contacts", "Contact", "AccountId", false),
        child("Opportunities", "Opportunity", "AccountId", true),
        child("Cases", "Case", "AccountId", false),
        child("Tasks", "Task", "WhatId", true),
    ];

    let mut contact = object("Contact", "Contact", "Contacts", "003");
    contact.fields = system_fields(true);
    contact.fields.extend([picklist(
        "Salutation",
        "Salutation",
        &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."],
    )]);
    contact.fields.extend(name_parts());
    contact.fields.extend([
        lookup("AccountId", "Account ID", &["Account"], "Account"),
        typed("Email", "Email", FieldKind::Email, 80),
        typed("Phone", "Business Phone", FieldKind::Phone, 40),
        typed("MobilePhone", "Mobile Phone", FieldKind::Phone, 40),
        text("Title", "Title", 128),
        text("Department", "Department", 80),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        typed(
            "Description",
            "Contact Description",
            FieldKind::Textarea,
            32000,
        ),
        external(text("Intercom_Contact_Id__c", "Intercom Contact ID", 64)),
        typed("Notes__c", "Notes", FieldKind::Textarea, 1000),
        Field::new("Birthdate", "Birthdate", FieldKind::Date),
        flag("HasOptedOutOfEmail", "Email Opt Out"),
        // Custom fields of every remaining type the sync's type tables name.
        Field::new("Customer_Since__c", "Customer Since", FieldKind::DateTime),
        Field::new("Best_Call_Time__c", "Best Call Time", FieldKind::Time),
        num("Seats__c", "Seats", FieldKind::Double, 18, 0),
        num("Discount__c", "Discount", FieldKind::Percent, 5, 2),
        num(
            "Lifetime_Value__c",
            "Lifetime Value",
            FieldKind::Currency,
            18,
            2,
        ),
        Field {
            formula: Some(
                "IF(CONTAINS(Email, \"@\"), MID(Email, FIND(\"@\", Email) + 1, 255), NULL)",
            ),
            ..read_only(text("Email_Domain__c", "Email Domain", 1300))
        },
    ]);
    contact.children = vec![
        child("Cases", "Case", "ContactId", false),
        child(
            "OpportunityContactRoles",
            "OpportunityContactRole",
            "ContactId",
            true,
        ),
        child("Tasks", "Task", "WhoId", true),
    ];

    let mut lead = object("Lead", "Lead", "Leads", "00Q");
    lead.fields = system_fields(true);
    lead.fields.extend([picklist(
        "Salutation",
        "Salutation",
        &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."],
    )]);
    lead.fields.extend(name_parts());
    lead.fields.extend([
        required(text("Company", "Company", 255)),
        typed("Email", "Email", FieldKind::Email, 80),
        typed("Phone", "Phone", FieldKind::Phone, 40),
        text("Title", "Title", 128),
        picklist("Industry", "Industry", INDUSTRIES),
        restricted(with_default(
            picklist(
                "Status",
                "Lead Status",
                &[
                    "Open - Not Contacted",
                    "Working - Contacted",
                    "Closed - Converted",
                    "Closed - Not Converted",
                ],
            ),
            "Open - Not Contacted",
        )),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        typed("Description", "Description", FieldKind::Textarea, 32000),
        read_only(flag("IsConverted", "Converted")),
        read_only(Field::new(
            "ConvertedDate",
            "Converted Date",
            FieldKind::Date,
        )),
        read_only(lookup(
            "ConvertedContactId",
            "Converted Contact ID",
            &["Contact"],
            "ConvertedContact",
        )),
        read_only(lookup(
            "ConvertedAccountId",
            "Converted Account ID",
            &["Account"],
            "ConvertedAccount",
        )),
        text("UTM_Source__c", "UTM Source", 255),
        text("UTM_Medium__c", "UTM Medium", 255),
        text("UTM_Campaign__c", "UTM Campaign", 255),
        text("UTM_Term__c", "UTM Term", 255),
        text("UTM_Content__c", "UTM Content", 255),
        external(text("Intercom_Contact_Id__c", "Intercom Contact ID", 64)),
        // The custom required field: creates without it fail, as orgs with such rules do.
        required(restricted(picklist(
            "Region__c",
            "Region",
            &["AMER", "EMEA", "APAC"],
        ))),
    ]);
    lead.children = vec![child("Tasks", "Task", "WhoId", true)];

    let mut opp = object("Opportunity", "Opportunity", "Opportunities", "006");
    opp.fields = system_fields(true);
    opp.fields.extend([
        Field {
            name_field: true,
            ..required(text("Name", "Name", 120))
        },
        lookup("AccountId", "Account ID", &["Account"], "Account"),
        required(restricted(picklist(
            "StageName",
            "Stage",
            &OPPORTUNITY_STAGES.iter().map(|s| s.0).collect::<Vec<_>>(),
        ))),
        required(Field::new("CloseDate", "Close Date", FieldKind::Date)),
        num("Amount", "Amount", FieldKind::Currency, 18, 2),
        Field {
            defaulted_on_create: true,
            ..num("Probability", "Probability (%)", FieldKind::Percent, 3, 0)
        },
        read_only(flag("IsClosed", "Closed")),
        read_only(flag("IsWon", "Won")),
        picklist(
            "Type",
            "Opportunity Type",
            &[
                "Existing Customer - Upgrade",
                "Existing Customer - Replacement",
                "Existing Customer - Downgrade",
                "New Customer",
            ],
        ),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES),
        typed("Description", "Description", FieldKind::Textarea, 32000),
        text("NextStep", "Next Step", 255),
    ]);
    opp.children = vec![
        child(
            "OpportunityContactRoles",
            "OpportunityContactRole",
            "OpportunityId",
            true,
        ),
        child("Tasks", "Task", "WhatId", true),
    ];

    let mut ocr = object(
        "OpportunityContactRole",
        "Opportunity Contact Role",
        "Opportunity Contact Role",
        "00K",
    );
    ocr.fields = system_fields(false);
    ocr.fields.extend([
        required(lookup(
            "OpportunityId",
            "Opportunity ID",
            &["Opportunity"],
            "Opportunity",
        )),
        required(lookup("ContactId", "Contact ID", &["Contact"], "Contact")),
        picklist(
            "Role",
            "Role",
            &[
                "Business User",
                "Decision Maker",
                "Economic Buyer",
                "Economic Decision Maker",
                "Evaluator",
                "Executive Sponsor",
                "Influencer",
                "Technical Buyer",
                "Other",
            ],
        ),
        flag("IsPrimary", "Primary"),
    ]);

    let mut case = object("Case", "Case", "Cases", "500");
    case.fields = system_fields(true);
    case.fields[2].reference_to = vec!["Group", "User"];
    case.fields.extend([
        Field {
            auto_number: true,
            name_field: true,
            nillable: false,
            defaulted_on_create: true,
            ..read_only(text("CaseNumber", "Case Number", 30))
        },
        lookup(
            "RecordTypeId",
            "Record Type ID",
            &["RecordType"],
            "RecordType",
        ),
        text("Subject", "Subject", 255),
        typed("Description", "Description", FieldKind::Textarea, 32000),
        restricted(with_default(
            picklist(
                "Status",
                "Status",
                &["New", "Working", "Escalated", "Closed"],
            ),
            "New",
        )),
        picklist("Origin", "Case Origin", &["Phone", "Email", "Web", "Chat"]),
        with_default(
            picklist(
                "Priority",
                "Priority",
                &["Low", "Medium", "High", "Critical"],
            ),
            "Medium",
        ),
        picklist(
            "Reason",
            "Case Reason",
            &[
                "Installation",
                "Equipment Complexity",
                "Performance",
                "Breakdown",
                "Equipment Design",
                "Feedback",
                "Billing",
                "Other",
            ],
        ),
        picklist(
            "Type",
            "Case Type",
            &["Question", "Problem", "Feature Request", "Billing"],
        ),
        lookup("ContactId", "Contact ID", &["Contact"], "Contact"),
        lookup("AccountId", "Account ID", &["Account"], "Account"),
        typed("SuppliedEmail", "Web Email", FieldKind::Email, 80),
        text("SuppliedName", "Web Name", 80),
        read_only(flag("IsClosed", "Closed")),
        read_only(Field::new("ClosedDate", "Closed Date", FieldKind::DateTime)),
        external(text(
            "Intercom_Conversation_Id__c",
            "Intercom Conversation ID",
            64,
        )),
        restricted(picklist(
            "Product__c",
            "Product",
            &["Platform", "Mobile App", "Integrations"],
        )),
        Field {
            controller: Some("Product__c"),
            picklist: vec![
                dep("API", &["Platform", "Integrations"]),
                dep("Dashboard", &["Platform"]),
                dep("Login", &["Platform", "Mobile App"]),
                dep("Notifications", &["Mobile App"]),
                dep("Sync", &["Mobile App", "Integrations"]),
                dep("Webhooks", &["Integrations"]),
            ],
            ..restricted(picklist("Product_Area__c", "Product Area", &[]))
        },
    ]);
    case.children = vec![child("Tasks", "Task", "WhatId", true)];
    case.record_types = vec![
        RecordTypeDef {
            id: record_type_id(1),
            developer_name: "Support",
            name: "Support",
            default: true,
            picklists: vec![("Type", vec!["Question", "Problem", "Feature Request"])],
            defaults: vec![("Priority", "Medium")],
            layout: vec![
                (
                    "Case Information",
                    vec![
                        ("Subject", true),
                        ("Status", true),
                        ("Priority", false),
                        ("Origin", true),
                        ("Type", false),
                        ("Reason", false),
                    ],
                ),
                (
                    "Customer",
                    vec![
                        ("ContactId", false),
                        ("AccountId", false),
                        ("SuppliedEmail", false),
                    ],
                ),
                ("Description Information", vec![("Description", false)]),
            ],
        },
        RecordTypeDef {
            id: record_type_id(2),
            developer_name: "Billing",
            name: "Billing",
            default: false,
            picklists: vec![
                ("Type", vec!["Question", "Billing"]),
                ("Priority", vec!["Medium", "High"]),
                ("Reason", vec!["Billing", "Other"]),
            ],
            defaults: vec![("Priority", "Medium"), ("Type", "Billing")],
            layout: vec![
                (
                    "Billing Case",
                    vec![
                        ("Subject", true),
                        ("Status", true),
                        ("Priority", false),
                        ("Type", true),
                        ("Reason", false),
                    ],
                ),
                ("Customer", vec![("AccountId", true), ("ContactId", true)]),
                ("Description Information", vec![("Description", true)]),
            ],
        },
        RecordTypeDef {
            id: record_type_id(3),
            developer_name: "Bug_Report",
            name: "Bug Report",
            default: false,
            picklists: vec![
                ("Type", vec!["Problem"]),
                ("Priority", vec!["Low", "Medium", "High", "Critical"]),
            ],
            defaults: vec![("Priority", "High"), ("Type", "Problem")],
            layout: vec![
                (
                    "Bug",
                    vec![
                        ("Subject", true),
                        ("Status", true),
                        ("Priority", true),
                        ("Product__c", true),
                        ("Product_Area__c", true),
                    ],
                ),
                ("Customer", vec![("ContactId", false), ("AccountId", false)]),
                ("Steps to Reproduce", vec![("Description", true)]),
            ],
        },
    ];

    let mut task = object("Task", "Task", "Tasks", "00T");
    task.fields = system_fields(true);
    task.fields.extend([
        Field {
            length: 255,
            name_field: true,
            ..Field::new("Subject", "Subject", FieldKind::Combobox)
        },
        restricted(with_default(
            picklist(
                "Status",
                "Status",
                &[
                    "Not Started",
                    "In Progress",
                    "Completed",
                    "Waiting on someone else",
                    "Deferred",
                ],
            ),
            "Not Started",
        )),
        restricted(with_default(
            picklist("Priority", "Priority", &["High", "Normal", "Low"]),
            "Normal",
        )),
        lookup("WhoId", "Name ID", &["Contact", "Lead"], "Who"),
        lookup(
            "WhatId",
            "Related To ID",
            &["Account", "Case", "Opportunity"],
            "What",
        ),
        Field::new("ActivityDate", "Due Date Only", FieldKind::Date),
        typed("Description", "Description", FieldKind::Textarea, 32000),
        picklist("TaskSubtype", "Task Subtype", &["Task", "Email", "Call"]),
        read_only(flag("IsClosed", "Closed")),
    ]);

    user.children = vec![];
    let objects = vec![
        account,
        contact,
        lead,
        opp,
        ocr,
        case,
        task,
        user,
        profile,
        permset,
        objperm,
        record_type,
        org,
    ];
    // The org indexes records by object position in a byte.
    assert!(objects.len() <= usize::from(u8::MAX));
    for o in &objects {
        // Records keep a bitmap of which fields are set.
        assert!(
            o.fields.len() <= super::record::MAX_FIELDS,
            "{} has too many fields for a record",
            o.name
        );
    }
    Schema { objects }
}

fn dep(value: &'static str, valid_for: &[&'static str]) -> PicklistValue {
    PicklistValue {
        value,
        label: value,
        default: false,
        valid_for: valid_for.to_vec(),
    }
}

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(build);

pub fn schema() -> &'static Schema {
    &SCHEMA
}
