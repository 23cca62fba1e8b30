//! The workspace's records (teammates, contacts, companies, conversations, tags, data attributes)
//! and how each renders on the wire. REST answers use unix seconds; webhooks use ISO-8601 for
//! contacts and companies, so every renderer takes a [`Style`].

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use super::wire::{hex_id, iso_millis, iso_z};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Rest,
    Webhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Lead,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Lead => "lead",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "lead" => Some(Role::Lead),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Admin {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub job_title: Option<String>,
    pub away_mode_enabled: bool,
    pub team_ids: Vec<u64>,
}

impl Admin {
    pub fn json(&self) -> Value {
        json!({
            "type": "admin", "id": self.id.to_string(), "name": self.name, "email": self.email,
            "job_title": self.job_title, "away_mode_enabled": self.away_mode_enabled,
            "away_mode_reassign": false, "has_inbox_seat": true, "team_ids": self.team_ids,
            "avatar": {"type": "avatar", "image_url": null},
        })
    }
    pub fn author(&self) -> Author {
        Author {
            kind: AuthorKind::Admin,
            id: self.id.to_string(),
            name: Some(self.name.clone()),
            email: Some(self.email.clone()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Team {
    pub id: u64,
    pub name: String,
    pub admin_ids: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub id: u64,
    pub name: String,
}

impl Tag {
    pub fn json(&self) -> Value {
        json!({"type": "tag", "id": self.id.to_string(), "name": self.name})
    }
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub role: Role,
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub owner_id: Option<u64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub signed_up_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub unsubscribed_from_emails: bool,
    pub archived: bool,
    pub custom_attributes: Map<String, Value>,
    pub tag_ids: Vec<u64>,
    pub company_ids: Vec<String>,
}

impl Contact {
    pub fn new(id: String, role: Role, created_ms: i64) -> Contact {
        Contact {
            id,
            role,
            external_id: None,
            email: None,
            phone: None,
            name: None,
            owner_id: None,
            created_ms,
            updated_ms: created_ms,
            signed_up_at: None,
            last_seen_at: None,
            unsubscribed_from_emails: false,
            archived: false,
            custom_attributes: Map::new(),
            tag_ids: Vec::new(),
            company_ids: Vec::new(),
        }
    }

    pub fn email_domain(&self) -> Option<&str> {
        self.email
            .as_deref()
            .and_then(|e| e.split_once('@'))
            .map(|(_, d)| d)
    }

    pub fn reference(&self) -> Value {
        json!({"type": "contact", "id": self.id, "external_id": self.external_id})
    }
}

#[derive(Debug, Clone)]
pub struct Company {
    pub id: String,
    pub company_id: String,
    pub name: Option<String>,
    pub plan: Option<String>,
    pub size: Option<i64>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub monthly_spend: f64,
    pub session_count: i64,
    pub remote_created_at: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub custom_attributes: Map<String, Value>,
    pub tag_ids: Vec<u64>,
    /// Kept up to date by attach/detach, since the attachments live on contacts.
    pub user_count: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    User,
    Lead,
    Admin,
    Bot,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::User => "user",
            AuthorKind::Lead => "lead",
            AuthorKind::Admin => "admin",
            AuthorKind::Bot => "bot",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Author {
    pub kind: AuthorKind,
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Author {
    pub fn of_contact(c: &Contact) -> Author {
        Author {
            kind: if c.role == Role::User {
                AuthorKind::User
            } else {
                AuthorKind::Lead
            },
            id: c.id.clone(),
            name: c.name.clone(),
            email: Some(c.email.clone().unwrap_or_default()),
        }
    }
    fn json(&self, part: bool) -> Value {
        let mut v = json!({"type": self.kind.as_str(), "id": self.id, "name": self.name, "email": self.email});
        if part {
            v["from_ai_agent"] = json!(false);
            v["is_ai_answer"] = json!(false);
        }
        v
    }
}

/// An uploaded file; images also carry their pixel size.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub url: String,
    pub content_type: String,
    #[serde(default)]
    pub filesize: u64,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

impl Attachment {
    fn json(&self) -> Value {
        json!({"type": "upload", "name": self.name, "url": self.url, "content_type": self.content_type,
               "filesize": self.filesize, "width": self.width, "height": self.height})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvState {
    Open,
    Closed,
    Snoozed,
}

impl ConvState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConvState::Open => "open",
            ConvState::Closed => "closed",
            ConvState::Snoozed => "snoozed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Part {
    pub id: u64,
    pub part_type: String,
    pub body: Option<String>,
    pub author: Author,
    pub attachments: Vec<Attachment>,
    pub assigned_to: Option<u64>,
    pub created_at: i64,
    pub state: ConvState,
}

impl Part {
    pub fn json(&self) -> Value {
        json!({
            "type": "conversation_part", "id": self.id.to_string(), "part_type": self.part_type,
            "body": self.body, "created_at": self.created_at, "updated_at": self.created_at,
            "notified_at": self.created_at,
            "assigned_to": self.assigned_to.map(|id| json!({"type": "admin", "id": id.to_string()})),
            "author": self.author.json(true),
            "attachments": self.attachments.iter().map(Attachment::json).collect::<Vec<_>>(),
            "external_id": null, "redacted": false, "metadata": {}, "email_message_metadata": null,
            "state": self.state.as_str(), "tags": [], "event_details": {}, "app_package_code": null,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub state: ConvState,
    pub read: bool,
    pub snoozed_until: Option<i64>,
    pub waiting_since: Option<i64>,
    pub admin_assignee_id: Option<u64>,
    pub team_assignee_id: Option<u64>,
    pub contact_ids: Vec<String>,
    pub source_id: u64,
    pub delivered_as: &'static str,
    pub subject: String,
    pub body: String,
    pub author: Author,
    pub attachments: Vec<Attachment>,
    pub parts: Vec<Part>,
    pub tag_ids: Vec<u64>,
}

impl Conversation {
    /// A new conversation with one contact as every one starts: open, unread, unassigned, no parts;
    /// callers fill in the first message's body (and what else differs) with `..`.
    pub fn started(
        id: u64,
        source_id: u64,
        at: i64,
        contact_id: String,
        author: Author,
        delivered_as: &'static str,
    ) -> Conversation {
        Conversation {
            id,
            created_at: at,
            updated_at: at,
            state: ConvState::Open,
            read: false,
            snoozed_until: None,
            waiting_since: None,
            admin_assignee_id: None,
            team_assignee_id: None,
            contact_ids: vec![contact_id],
            source_id,
            delivered_as,
            subject: String::new(),
            body: String::new(),
            author,
            attachments: vec![],
            parts: vec![],
            tag_ids: vec![],
        }
    }
}

/// Conversation parts in an answer: at most the 500 latest, as the real API does.
pub const MAX_PARTS: usize = 500;

#[derive(Debug, Clone)]
pub struct DataAttribute {
    pub id: u64,
    pub model: &'static str,
    pub name: String,
    pub label: String,
    pub description: String,
    pub data_type: String,
    pub options: Vec<String>,
    pub custom: bool,
    pub api_writable: bool,
    pub archived: bool,
    pub created_at: i64,
    pub admin_id: Option<u64>,
}

impl DataAttribute {
    pub fn full_name(&self) -> String {
        if self.custom {
            format!("custom_attributes.{}", self.name)
        } else {
            self.name.clone()
        }
    }
    pub fn json(&self) -> Value {
        let mut v = json!({
            "type": "data_attribute", "name": self.name, "full_name": self.full_name(), "label": self.label,
            "description": self.description, "data_type": self.data_type, "api_writable": self.api_writable,
            "ui_writable": !self.custom, "messenger_writable": false, "custom": self.custom,
            "archived": self.archived, "model": self.model,
        });
        if self.custom {
            v["id"] = json!(self.id);
            v["created_at"] = json!(self.created_at);
            v["updated_at"] = json!(self.created_at);
            v["admin_id"] = json!(self.admin_id.map(|a| a.to_string()));
            if !self.options.is_empty() {
                v["options"] = json!(self.options);
            }
        }
        v
    }
}

/// Everything in one workspace. Guarded by one lock in the server: the real service is
/// eventually consistent, a simulator that is strictly consistent is the safer double.
#[derive(Debug, Default)]
pub struct Workspace {
    pub app_id: String,
    seq: u64,
    pub admins: Vec<Admin>,
    pub teams: Vec<Team>,
    pub tags: Vec<Tag>,
    pub data_attributes: Vec<DataAttribute>,
    pub contacts: BTreeMap<String, Contact>,
    pub users_by_email: HashMap<String, String>,
    pub users_by_external_id: HashMap<String, String>,
    pub companies: BTreeMap<String, Company>,
    pub companies_by_company_id: HashMap<String, String>,
    pub conversations: BTreeMap<u64, Conversation>,
    next_conversation: u64,
    next_part: u64,
    next_tag: u64,
    next_attribute: u64,
    /// How many contacts are archived (listings leave them out).
    pub archived_count: usize,
}

const CONVERSATION_ID_BASE: u64 = 215_472_621_202_600;
const PART_ID_BASE: u64 = 37_358_100_000;
/// Each later workspace numbers its records this far above the one before, so that no id is
/// shared between workspaces (as on the real service, where every id is global).
const NUMERIC_ID_SPACING: u64 = 10_000_000_000;
/// Hex ids of each later workspace start this far up the sequence.
const HEX_SEQ_SPACING: u64 = 1 << 40;

impl Workspace {
    /// An empty workspace `app_id`, the `ordinal`-th of its simulator (0 for the first).
    pub fn new(app_id: &str, ordinal: u64) -> Workspace {
        let mut ws = Workspace {
            app_id: app_id.to_owned(),
            seq: ordinal * HEX_SEQ_SPACING,
            next_conversation: CONVERSATION_ID_BASE + ordinal * NUMERIC_ID_SPACING,
            next_part: PART_ID_BASE + ordinal * NUMERIC_ID_SPACING,
            next_tag: 100 + ordinal * NUMERIC_ID_SPACING,
            next_attribute: 1 + ordinal * NUMERIC_ID_SPACING,
            ..Default::default()
        };
        ws.add_standard_attributes();
        ws
    }

    pub fn next_hex_id(&mut self, created_ms: i64) -> String {
        self.seq += 1;
        hex_id(created_ms.div_euclid(1000), self.seq)
    }

    pub fn next_part_id(&mut self) -> u64 {
        self.next_part += 1;
        self.next_part
    }

    pub fn next_conversation_id(&mut self) -> u64 {
        self.next_conversation += 1;
        self.next_conversation
    }

    fn add_standard_attributes(&mut self) {
        let contact = [
            ("name", "Name", "string"),
            ("email", "Email", "string"),
            ("phone", "Phone", "string"),
            ("external_id", "User ID", "string"),
            ("role", "Role", "string"),
            ("owner_id", "Owner", "integer"),
            ("created_at", "Signed up", "date"),
            ("updated_at", "Updated", "date"),
            ("signed_up_at", "Signed up at", "date"),
            ("last_seen_at", "Last seen", "date"),
            (
                "unsubscribed_from_emails",
                "Unsubscribed from emails",
                "boolean",
            ),
            // Filled by the Messenger from the visit's URL; not writable through the API.
            ("utm_source", "UTM Source", "string"),
            ("utm_medium", "UTM Medium", "string"),
            ("utm_campaign", "UTM Campaign", "string"),
            ("utm_term", "UTM Term", "string"),
            ("utm_content", "UTM Content", "string"),
        ];
        let company = [
            ("name", "Company name", "string"),
            ("company_id", "Company ID", "string"),
            ("plan", "Plan", "string"),
            ("size", "Company size", "integer"),
            ("website", "Website", "string"),
            ("industry", "Industry", "string"),
            ("monthly_spend", "Monthly Spend", "float"),
            ("session_count", "Company web sessions", "integer"),
            ("user_count", "People", "integer"),
            ("remote_created_at", "Company created at", "date"),
        ];
        for (model, list) in [("contact", &contact[..]), ("company", &company[..])] {
            for (name, label, ty) in list {
                self.data_attributes.push(DataAttribute {
                    id: 0,
                    model,
                    name: (*name).into(),
                    label: (*label).into(),
                    description: String::new(),
                    data_type: (*ty).into(),
                    options: vec![],
                    custom: false,
                    api_writable: !matches!(
                        *name,
                        "created_at" | "updated_at" | "user_count" | "role"
                    ) && !name.starts_with("utm_"),
                    archived: false,
                    created_at: 0,
                    admin_id: None,
                });
            }
        }
    }

    pub fn custom_attribute(&self, model: &str, name: &str) -> Option<&DataAttribute> {
        self.data_attributes
            .iter()
            .find(|a| a.custom && a.model == model && a.name == name)
    }

    pub fn add_custom_attribute(
        &mut self,
        model: &'static str,
        name: &str,
        data_type: &str,
        options: Vec<String>,
        admin_id: Option<u64>,
        created_at: i64,
    ) -> &mut DataAttribute {
        self.next_attribute += 1;
        self.data_attributes.push(DataAttribute {
            id: self.next_attribute,
            model,
            name: name.to_owned(),
            label: name.to_owned(),
            description: String::new(),
            data_type: data_type.to_owned(),
            options,
            custom: true,
            api_writable: true,
            archived: false,
            created_at,
            admin_id,
        });
        self.data_attributes.last_mut().expect("just pushed")
    }

    pub fn admin(&self, id: u64) -> Option<&Admin> {
        self.admins.iter().find(|a| a.id == id)
    }

    pub fn tag(&self, id: u64) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id == id)
    }

    pub fn tag_by_name(&mut self, name: &str) -> Tag {
        if let Some(t) = self.tags.iter().find(|t| t.name == name) {
            return t.clone();
        }
        self.next_tag += 1;
        let tag = Tag {
            id: self.next_tag,
            name: name.to_owned(),
        };
        self.tags.push(tag.clone());
        tag
    }

    /// Users are unique by email and by external id; leads are not.
    pub fn index_contact(&mut self, c: &Contact) {
        if c.role == Role::User {
            if let Some(e) = &c.email {
                self.users_by_email.insert(e.to_lowercase(), c.id.clone());
            }
            if let Some(x) = &c.external_id {
                self.users_by_external_id.insert(x.clone(), c.id.clone());
            }
        }
    }

    pub fn unindex_contact(&mut self, c: &Contact) {
        if let Some(e) = &c.email
            && self.users_by_email.get(&e.to_lowercase()) == Some(&c.id)
        {
            self.users_by_email.remove(&e.to_lowercase());
        }
        if let Some(x) = &c.external_id
            && self.users_by_external_id.get(x) == Some(&c.id)
        {
            self.users_by_external_id.remove(x);
        }
    }

    pub fn insert_contact(&mut self, c: Contact) {
        self.index_contact(&c);
        self.contacts.insert(c.id.clone(), c);
    }

    pub fn insert_company(&mut self, c: Company) {
        self.companies_by_company_id
            .insert(c.company_id.clone(), c.id.clone());
        self.companies.insert(c.id.clone(), c);
    }

    /// Attaches a company to a contact; false when it already was.
    pub fn attach(&mut self, contact_id: &str, company_id: &str) -> bool {
        let Some(contact) = self.contacts.get_mut(contact_id) else {
            return false;
        };
        if contact.company_ids.iter().any(|c| c == company_id) {
            return false;
        }
        contact.company_ids.push(company_id.to_owned());
        if let Some(company) = self.companies.get_mut(company_id) {
            company.user_count += 1;
        }
        true
    }

    pub fn detach(&mut self, contact_id: &str, company_id: &str) -> bool {
        let Some(contact) = self.contacts.get_mut(contact_id) else {
            return false;
        };
        let before = contact.company_ids.len();
        contact.company_ids.retain(|c| c != company_id);
        if contact.company_ids.len() == before {
            return false;
        }
        if let Some(company) = self.companies.get_mut(company_id) {
            company.user_count = company.user_count.saturating_sub(1);
        }
        true
    }

    pub fn contact_json(&self, c: &Contact, style: Style) -> Value {
        let time = |ms: i64| match style {
            Style::Rest => json!(ms.div_euclid(1000)),
            Style::Webhook => json!(iso_millis(ms)),
        };
        let sub_list = |what: &str, data: Vec<Value>| {
            json!({"type": "list", "data": data.clone(), "url": format!("/contacts/{}/{what}", c.id),
                   "total_count": data.len(), "has_more": false})
        };
        let tags = c
            .tag_ids
            .iter()
            .map(|t| json!({"type": "tag", "id": t.to_string(), "url": format!("/tags/{t}")}))
            .collect();
        let companies = c
            .company_ids
            .iter()
            .map(|id| json!({"type": "company", "id": id, "url": format!("/companies/{id}")}))
            .collect();
        // Built in three parts: one `json!` this size exceeds the macro recursion limit.
        let mut v = json!({
            "type": "contact", "id": c.id, "workspace_id": self.app_id, "external_id": c.external_id,
            "role": c.role.as_str(), "email": c.email, "phone": c.phone, "name": c.name, "avatar": null,
            "owner_id": c.owner_id, "social_profiles": {"type": "list", "data": []},
            "has_hard_bounced": false, "marked_email_as_spam": false,
            "unsubscribed_from_emails": c.unsubscribed_from_emails,
            "created_at": time(c.created_ms), "updated_at": time(c.updated_ms),
            "signed_up_at": c.signed_up_at, "last_seen_at": c.last_seen_at, "last_replied_at": null,
            "last_contacted_at": null, "last_email_opened_at": null, "last_email_clicked_at": null,
            "language_override": null, "browser": null, "browser_version": null, "browser_language": null,
            "os": null,
            "location": {"type": "location", "country": null, "region": null, "city": null,
                         "country_code": null, "continent_code": null},
        });
        let devices = json!({
            "android_app_name": null, "android_app_version": null, "android_device": null,
            "android_os_version": null, "android_sdk_version": null, "android_last_seen_at": null,
            "ios_app_name": null, "ios_app_version": null, "ios_device": null, "ios_os_version": null,
            "ios_sdk_version": null, "ios_last_seen_at": null,
        });
        let subscriptions = format!("/contacts/{}/subscriptions", c.id);
        let rest = json!({
            "custom_attributes": c.custom_attributes,
            "tags": sub_list("tags", tags),
            "notes": sub_list("notes", vec![]),
            "companies": sub_list("companies", companies),
            "opted_out_subscription_types": {"type": "list", "data": [], "url": subscriptions, "total_count": 0, "has_more": false},
            "opted_in_subscription_types": {"type": "list", "data": [], "url": subscriptions, "total_count": 0, "has_more": false},
            "utm_campaign": null, "utm_content": null, "utm_medium": null, "utm_source": null,
            "utm_term": null, "referrer": null, "sms_consent": false, "unsubscribed_from_sms": false,
            "enabled_push_messaging": null,
        });
        {
            let obj = v.as_object_mut().expect("object");
            for part in [devices, rest] {
                if let Value::Object(m) = part {
                    obj.extend(m);
                }
            }
        }
        if style == Style::Rest {
            let obj = v.as_object_mut().expect("object");
            obj.insert("email_domain".into(), json!(c.email_domain().unwrap_or("")));
            obj.insert("formatted_phone".into(), json!(c.phone));
        }
        v
    }

    pub fn company_json(&self, c: &Company, style: Style) -> Value {
        let user_count = c.user_count;
        let mut v = json!({
            "type": "company", "id": c.id, "name": c.name, "app_id": self.app_id,
            "company_id": c.company_id, "remote_created_at": c.remote_created_at,
            "last_request_at": null, "size": c.size, "website": c.website, "industry": c.industry,
            "monthly_spend": c.monthly_spend, "session_count": c.session_count, "user_count": user_count,
            "custom_attributes": c.custom_attributes,
        });
        let obj = v.as_object_mut().expect("object");
        match style {
            Style::Rest => {
                obj.insert("created_at".into(), json!(c.created_ms.div_euclid(1000)));
                obj.insert("updated_at".into(), json!(c.updated_ms.div_euclid(1000)));
                let plan = match &c.plan {
                    Some(p) => json!({"type": "plan", "id": plan_id(p), "name": p}),
                    None => json!({}),
                };
                obj.insert("plan".into(), plan);
                let tags: Vec<Value> = c
                    .tag_ids
                    .iter()
                    .filter_map(|t| self.tag(*t))
                    .map(Tag::json)
                    .collect();
                obj.insert("tags".into(), json!({"type": "tag.list", "tags": tags}));
                obj.insert(
                    "segments".into(),
                    json!({"type": "segment.list", "segments": []}),
                );
            }
            Style::Webhook => {
                obj.insert("created_at".into(), json!(iso_millis(c.created_ms)));
                obj.insert("updated_at".into(), json!(iso_millis(c.updated_ms)));
                // Company webhooks carry `plan: null` and bare tag ids, unlike REST.
                obj.insert("plan".into(), Value::Null);
                obj.insert(
                    "tag_ids".into(),
                    json!(c.tag_ids.iter().map(u64::to_string).collect::<Vec<_>>()),
                );
            }
        }
        v
    }

    /// A conversation; `parts` picks which parts to include (all for REST, the triggering
    /// ones for webhooks).
    pub fn conversation_json(&self, c: &Conversation, parts: Option<&[Part]>) -> Value {
        let parts: &[Part] = parts.unwrap_or(&c.parts[c.parts.len().saturating_sub(MAX_PARTS)..]);
        let contacts: Vec<Value> = c
            .contact_ids
            .iter()
            .map(|id| match self.contacts.get(id) {
                Some(contact) => contact.reference(),
                None => json!({"type": "contact", "id": id, "external_id": null}),
            })
            .collect();
        let mut teammates: Vec<u64> = c
            .parts
            .iter()
            .filter(|p| p.author.kind == AuthorKind::Admin)
            .filter_map(|p| p.author.id.parse().ok())
            .collect();
        teammates.extend(c.admin_assignee_id);
        teammates.sort_unstable();
        teammates.dedup();
        let stat = Stats::of(c);
        let tags: Vec<Value> = c
            .tag_ids
            .iter()
            .filter_map(|t| self.tag(*t))
            .map(Tag::json)
            .collect();
        json!({
            "type": "conversation", "id": c.id.to_string(), "created_at": c.created_at,
            "updated_at": c.updated_at, "waiting_since": c.waiting_since, "snoozed_until": c.snoozed_until,
            "source": {
                "type": "conversation", "id": c.source_id.to_string(), "delivered_as": c.delivered_as,
                "subject": c.subject, "body": c.body, "author": c.author.json(false),
                "attachments": c.attachments.iter().map(Attachment::json).collect::<Vec<_>>(),
                "url": null, "redacted": false,
            },
            "contacts": {"type": "contact.list", "contacts": contacts},
            "first_contact_reply": if c.delivered_as == "customer_initiated" {
                json!({"created_at": c.created_at, "type": "conversation", "url": null})
            } else { Value::Null },
            "admin_assignee_id": c.admin_assignee_id, "team_assignee_id": c.team_assignee_id,
            "open": c.state != ConvState::Closed, "state": c.state.as_str(), "read": c.read,
            "tags": {"type": "tag.list", "tags": tags},
            "priority": "not_priority", "sla_applied": null,
            "statistics": stat.json(),
            "conversation_rating": null,
            "teammates": {"type": "admin.list", "admins": teammates.iter().map(|id| json!({"type": "admin", "id": id.to_string()})).collect::<Vec<_>>()},
            "title": "",
            "custom_attributes": {
                "Has attachments": !c.attachments.is_empty() || c.parts.iter().any(|p| !p.attachments.is_empty()),
                "Imported via standalone": false, "Auto-translated": false,
                "Fin AI Agent: Preview": false, "Fin AI Agent: Image used in reply": false, "Copilot used": false,
            },
            "topics": {"type": "topic.list", "topics": [], "total_count": 0},
            "ticket": null,
            "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": false},
            "ai_agent": null, "ai_agent_participated": false,
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": parts.iter().map(Part::json).collect::<Vec<_>>(),
                "total_count": parts.len(),
            },
        })
    }
}

pub fn plan_id(name: &str) -> String {
    // Stable small number per plan name, like the real numeric plan ids.
    (name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 900_000
        + 100_000)
        .to_string()
}

struct Stats {
    first_contact_reply_at: Option<i64>,
    last_contact_reply_at: Option<i64>,
    first_admin_reply_at: Option<i64>,
    last_admin_reply_at: Option<i64>,
    first_assignment_at: Option<i64>,
    last_assignment_at: Option<i64>,
    first_close_at: Option<i64>,
    last_close_at: Option<i64>,
    last_closed_by_id: Option<String>,
    count_reopens: usize,
    count_assignments: usize,
    count_parts: usize,
    created_at: i64,
}

impl Stats {
    fn of(c: &Conversation) -> Stats {
        let mut s = Stats {
            first_contact_reply_at: (c.delivered_as == "customer_initiated")
                .then_some(c.created_at),
            last_contact_reply_at: (c.delivered_as == "customer_initiated").then_some(c.created_at),
            first_admin_reply_at: None,
            last_admin_reply_at: None,
            first_assignment_at: None,
            last_assignment_at: None,
            first_close_at: None,
            last_close_at: None,
            last_closed_by_id: None,
            count_reopens: 0,
            count_assignments: 0,
            count_parts: c.parts.len() + 1,
            created_at: c.created_at,
        };
        for p in &c.parts {
            let t = Some(p.created_at);
            match (p.part_type.as_str(), p.author.kind) {
                ("comment", AuthorKind::User | AuthorKind::Lead) => {
                    s.first_contact_reply_at = s.first_contact_reply_at.or(t);
                    s.last_contact_reply_at = t;
                }
                ("comment", AuthorKind::Admin) => {
                    s.first_admin_reply_at = s.first_admin_reply_at.or(t);
                    s.last_admin_reply_at = t;
                }
                ("assignment", _) => {
                    s.count_assignments += 1;
                    s.first_assignment_at = s.first_assignment_at.or(t);
                    s.last_assignment_at = t;
                }
                ("close", _) => {
                    s.first_close_at = s.first_close_at.or(t);
                    s.last_close_at = t;
                    s.last_closed_by_id = Some(p.author.id.clone());
                }
                ("open", _) => s.count_reopens += 1,
                _ => {}
            }
        }
        s
    }

    fn json(&self) -> Value {
        let iso = |t: Option<i64>| t.map(iso_z);
        let since = |t: Option<i64>| t.map(|t| t - self.created_at);
        json!({
            "type": "conversation_statistics",
            "time_to_assignment": since(self.first_assignment_at),
            "time_to_admin_reply": since(self.first_admin_reply_at),
            "time_to_first_close": since(self.first_close_at),
            "time_to_last_close": since(self.last_close_at),
            "median_time_to_reply": since(self.first_admin_reply_at),
            "first_contact_reply_at": iso(self.first_contact_reply_at),
            "first_assignment_at": iso(self.first_assignment_at),
            "first_admin_reply_at": iso(self.first_admin_reply_at),
            "first_close_at": iso(self.first_close_at),
            "last_assignment_at": iso(self.last_assignment_at),
            "last_assignment_admin_reply_at": iso(self.last_admin_reply_at),
            "last_contact_reply_at": iso(self.last_contact_reply_at),
            "last_admin_reply_at": iso(self.last_admin_reply_at),
            "last_close_at": iso(self.last_close_at),
            "last_closed_by_id": self.last_closed_by_id,
            "count_reopens": self.count_reopens,
            "count_assignments": self.count_assignments,
            "count_conversation_parts": self.count_parts,
            "assigned_team_first_response_time": [],
            "assigned_team_first_response_time_in_office_hours": [],
            "handling_time": null,
        })
    }
}
