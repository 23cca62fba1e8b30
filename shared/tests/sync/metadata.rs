//! A Salesforce org and an Intercom workspace as describe and `/data_attributes` report them.

use shared::sync::fields::{
    IntercomAttribute, IntercomDataType as I, SalesforceField, SalesforceFieldType as S,
    SyncMetadata,
};
use shared::sync::{IntercomModel, SalesforceObject};

use SalesforceObject::{Account, Contact, Lead};

pub fn field(object: SalesforceObject, name: &str, t: S) -> SalesforceField {
    SalesforceField::new(object, name, t)
}

fn read_only(mut f: SalesforceField) -> SalesforceField {
    f.createable = false;
    f.updateable = false;
    f
}

fn formula(f: SalesforceField) -> SalesforceField {
    SalesforceField {
        calculated: true,
        ..read_only(f)
    }
}

fn required(mut f: SalesforceField) -> SalesforceField {
    f.nillable = false;
    f
}

fn text(object: SalesforceObject, name: &str, length: u32) -> SalesforceField {
    SalesforceField {
        length,
        ..field(object, name, S::String)
    }
}

fn component(mut f: SalesforceField, compound: &str) -> SalesforceField {
    f.compound_field_name = Some(compound.to_owned());
    f
}

fn money(object: SalesforceObject, name: &str, precision: u32, scale: u32) -> SalesforceField {
    SalesforceField {
        precision,
        scale,
        ..field(object, name, S::Currency)
    }
}

/// Fields both people objects share.
fn person_fields(object: SalesforceObject) -> Vec<SalesforceField> {
    vec![
        read_only(field(object, "Id", S::Id)),
        read_only(field(object, "Name", S::String)),
        component(required(text(object, "LastName", 80)), "Name"),
        component(text(object, "FirstName", 40), "Name"),
        field(object, "Email", S::Email),
        field(object, "Phone", S::Phone),
        text(object, "Title", 128),
        text(object, "Customer_Number__c", 40),
        field(object, "Description", S::Textarea),
        read_only(field(object, "CreatedDate", S::Datetime)),
        SalesforceField {
            nillable: false,
            defaulted_on_create: true,
            ..field(object, "HasOptedOutOfEmail", S::Boolean)
        },
        field(object, "Score__c", S::Double),
        field(object, "Seats__c", S::Int),
        field(object, "Trial_Ends__c", S::Date),
        field(object, "Last_Contacted__c", S::Datetime),
        field(object, "Best_Time__c", S::Time),
        field(object, "Interests__c", S::Multipicklist),
        field(object, "Secret__c", S::Encryptedstring),
        field(object, "Signed_Up__c", S::Datetime),
        field(object, "Vip__c", S::Boolean),
        formula(money(object, "Lifetime_Value__c", 18, 2)),
    ]
}

pub fn salesforce_fields() -> Vec<SalesforceField> {
    let mut fields = person_fields(Lead);
    fields.extend([
        required(text(Lead, "Company", 255)),
        SalesforceField {
            nillable: false,
            defaulted_on_create: true,
            ..field(Lead, "Status", S::Picklist)
        },
        field(Lead, "LeadSource", S::Picklist),
        text(Lead, "UTM_Source__c", 255),
        text(Lead, "UTM_Campaign__c", 255),
    ]);
    fields.extend(person_fields(Contact));
    fields.extend([
        field(Contact, "AccountId", S::Reference),
        field(Contact, "Birthdate", S::Date),
        field(Contact, "MailingAddress", S::Address),
        component(text(Contact, "MailingCity", 40), "MailingAddress"),
        text(Contact, "UTM_Source__c", 255),
    ]);
    fields.extend([
        read_only(field(Account, "Id", S::Id)),
        required(text(Account, "Name", 255)),
        text(Account, "AccountNumber", 40),
        field(Account, "Description", S::Textarea),
        field(Account, "Industry", S::Picklist),
        field(Account, "NumberOfEmployees", S::Int),
        money(Account, "AnnualRevenue", 18, 0),
        field(Account, "BillingAddress", S::Address),
        component(text(Account, "BillingCity", 40), "BillingAddress"),
        field(Account, "Website", S::Url),
        field(Account, "Legacy_Id__c", S::Int),
        field(Account, "Rating_Score__c", S::Double),
        field(Account, "Sibling_Key__c", S::Id),
        field(Account, "Customer_Since__c", S::Date),
        field(Account, "Tier__c", S::String),
        field(Account, "Monthly_Spend__c", S::Currency),
        field(Account, "Partner__c", S::Boolean),
        field(Account, "Plan__c", S::String),
        field(Account, "Created_In_Intercom__c", S::Datetime),
        field(Account, "Geo__c", S::Location),
        read_only(field(Account, "LastModifiedDate", S::Datetime)),
        formula(money(Account, "Lifetime_Value__c", 18, 2)),
    ]);
    fields
}

pub fn attribute(model: IntercomModel, name: &str, t: I) -> IntercomAttribute {
    IntercomAttribute::new(model, name, t)
}

fn attribute_read_only(model: IntercomModel, name: &str, t: I) -> IntercomAttribute {
    IntercomAttribute {
        api_writable: false,
        ..attribute(model, name, t)
    }
}

fn custom(model: IntercomModel, name: &str, t: I) -> IntercomAttribute {
    IntercomAttribute {
        custom: true,
        ..attribute(model, &format!("custom_attributes.{name}"), t)
    }
}

pub fn intercom_attributes() -> Vec<IntercomAttribute> {
    use IntercomModel::{Company, Person};
    let mut attrs = vec![
        attribute(Person, "name", I::String),
        attribute(Person, "email", I::String),
        attribute(Person, "phone", I::String),
        attribute(Person, "external_id", I::String),
        attribute_read_only(Person, "role", I::String),
        attribute(Person, "owner_id", I::Integer),
        attribute_read_only(Person, "created_at", I::Date),
        attribute_read_only(Person, "updated_at", I::Date),
        attribute(Person, "signed_up_at", I::Date),
        attribute(Person, "last_seen_at", I::Date),
        attribute(Person, "unsubscribed_from_emails", I::Boolean),
        custom(Person, "plan_tier", I::String),
        custom(Person, "seats", I::Integer),
        custom(Person, "score", I::Float),
        custom(Person, "trial_ends", I::Date),
        custom(Person, "vip", I::Boolean),
        custom(Person, "region", I::String),
        custom(Person, "last_contacted", I::Date),
        custom(Person, "best_time", I::String),
    ];
    for utm in shared::sync::fields::UTM_ATTRIBUTES {
        attrs.push(attribute_read_only(Person, utm, I::String));
    }
    attrs.extend([
        attribute(Company, "name", I::String),
        attribute_read_only(Company, "company_id", I::String),
        attribute_read_only(Company, "plan", I::String),
        attribute(Company, "size", I::Integer),
        attribute(Company, "website", I::String),
        attribute(Company, "industry", I::String),
        attribute(Company, "monthly_spend", I::Float),
        attribute_read_only(Company, "session_count", I::Integer),
        attribute_read_only(Company, "user_count", I::Integer),
        attribute(Company, "remote_created_at", I::Date),
        attribute_read_only(Company, "last_request_at", I::Date),
        custom(Company, "tier", I::String),
        custom(Company, "partner", I::Boolean),
        custom(Company, "customer_since", I::Date),
        custom(Company, "lifetime_value", I::Float),
    ]);
    attrs
}

/// The demo org and workspace.
pub fn demo() -> SyncMetadata {
    SyncMetadata::new(salesforce_fields(), intercom_attributes())
}

/// The demo org and workspace with `n` more custom person attributes (`custom_attributes.extra_N`,
/// text) and as many text fields on each people object (`Extra_N__c`): room for `n` mappings
/// of one object.
pub fn with_extra(n: usize) -> SyncMetadata {
    let mut fields = salesforce_fields();
    let mut attributes = intercom_attributes();
    for i in 0..n {
        for object in [Lead, Contact] {
            fields.push(text(object, &format!("Extra_{i}__c"), 255));
        }
        attributes.push(custom(
            IntercomModel::Person,
            &format!("extra_{i}"),
            I::String,
        ));
    }
    SyncMetadata::new(fields, attributes)
}

/// The demo org with a custom required Lead field, `Region__c`.
pub fn with_required_region() -> SyncMetadata {
    let mut fields = salesforce_fields();
    fields.push(required(text(Lead, "Region__c", 40)));
    SyncMetadata::new(fields, intercom_attributes())
}
