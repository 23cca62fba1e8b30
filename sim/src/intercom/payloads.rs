//! Typed webhook payloads, strict (`deny_unknown_fields`, every key required): what real captures
//! and the simulator's deliveries must both parse into. Tests use them to prove the two agree.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    #[serde(rename = "type")]
    pub kind: String,
    pub app_id: String,
    pub data: NotificationData,
    pub links: BTreeMap<String, Value>,
    pub id: String,
    pub topic: String,
    pub delivery_status: String,
    pub delivery_attempts: u32,
    pub delivered_at: i64,
    pub first_sent_at: i64,
    pub created_at: i64,
    #[serde(rename = "self")]
    pub self_link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationData {
    #[serde(rename = "type")]
    pub kind: String,
    pub item: Value,
}

/// The item of the topic, parsed strictly.
#[derive(Debug)]
pub enum Item {
    Contact(Box<WebhookContact>),
    Company(Box<WebhookCompany>),
    CompanyContact(Box<CompanyContact>),
    Conversation(Box<WebhookConversation>),
    Deleted(Deleted),
}

impl Notification {
    pub fn item(&self) -> Result<Item, serde_json::Error> {
        let item = self.data.item.clone();
        Ok(match self.topic.as_str() {
            t if t.ends_with(".deleted") => Item::Deleted(serde_json::from_value(item)?),
            t if t.starts_with("company.contact.") => {
                Item::CompanyContact(Box::new(serde_json::from_value(item)?))
            }
            t if t.starts_with("contact.") => {
                Item::Contact(Box::new(serde_json::from_value(item)?))
            }
            t if t.starts_with("company.") => {
                Item::Company(Box::new(serde_json::from_value(item)?))
            }
            _ => Item::Conversation(Box::new(serde_json::from_value(item)?)),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deleted {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub deleted: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Vec<Value>,
    pub url: String,
    pub total_count: u64,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[serde(rename = "type")]
    pub kind: String,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub continent_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialProfiles {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Vec<Value>,
}

/// A key that is present (maybe `null`) in some payloads and absent from others.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Contact inside webhooks: times are ISO-8601 strings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookContact {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub workspace_id: String,
    pub external_id: Option<String>,
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Only inside `company.contact.*` items.
    #[serde(default, deserialize_with = "present")]
    pub formatted_phone: Option<Option<String>>,
    pub name: Option<String>,
    pub avatar: Option<Value>,
    pub owner_id: Option<u64>,
    pub social_profiles: SocialProfiles,
    pub has_hard_bounced: bool,
    pub marked_email_as_spam: bool,
    pub unsubscribed_from_emails: bool,
    pub created_at: String,
    pub updated_at: String,
    pub signed_up_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub last_replied_at: Option<i64>,
    pub last_contacted_at: Option<i64>,
    pub last_email_opened_at: Option<i64>,
    pub last_email_clicked_at: Option<i64>,
    pub language_override: Option<String>,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub browser_language: Option<String>,
    pub os: Option<String>,
    pub location: Location,
    pub android_app_name: Option<String>,
    pub android_app_version: Option<String>,
    pub android_device: Option<String>,
    pub android_os_version: Option<String>,
    pub android_sdk_version: Option<String>,
    pub android_last_seen_at: Option<i64>,
    pub ios_app_name: Option<String>,
    pub ios_app_version: Option<String>,
    pub ios_device: Option<String>,
    pub ios_os_version: Option<String>,
    pub ios_sdk_version: Option<String>,
    pub ios_last_seen_at: Option<i64>,
    pub custom_attributes: BTreeMap<String, Value>,
    pub tags: ListRef,
    pub notes: ListRef,
    pub companies: ListRef,
    pub opted_out_subscription_types: ListRef,
    pub opted_in_subscription_types: ListRef,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_source: Option<String>,
    pub utm_term: Option<String>,
    pub referrer: Option<String>,
    pub sms_consent: bool,
    pub unsubscribed_from_sms: bool,
    pub enabled_push_messaging: Option<bool>,
}

/// Company inside webhooks: ISO-8601 times, `plan: null`, bare `tag_ids`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookCompany {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    pub app_id: String,
    pub plan: Option<Value>,
    pub company_id: String,
    pub remote_created_at: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub last_request_at: Option<i64>,
    pub size: Option<i64>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub monthly_spend: f64,
    pub session_count: i64,
    pub user_count: i64,
    pub custom_attributes: BTreeMap<String, Value>,
    pub tag_ids: Vec<String>,
}

/// The item of `company.contact.attached` and `.detached`: no `type`, just both ends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyContact {
    pub company: AttachedCompany,
    pub contact: WebhookContact,
}

/// The company inside `company.contact.*` items: a short form with `plan_id`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedCompany {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub company_id: String,
    pub app_id: String,
    pub name: Option<String>,
    pub plan_id: Option<String>,
    pub remote_created_at: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub last_request_at: Option<i64>,
    pub monthly_spend: f64,
    pub session_count: i64,
    pub user_count: i64,
    pub tag_ids: Vec<String>,
    pub custom_attributes: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceAuthor {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartAuthor {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub from_ai_agent: bool,
    pub is_ai_answer: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub url: String,
    pub content_type: String,
    pub filesize: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub delivered_as: String,
    pub subject: String,
    pub body: String,
    pub author: SourceAuthor,
    pub attachments: Vec<Upload>,
    pub url: Option<String>,
    pub redacted: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub external_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRefs {
    #[serde(rename = "type")]
    pub kind: String,
    pub contacts: Vec<ContactRef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub part_type: String,
    pub body: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub notified_at: i64,
    pub assigned_to: Option<AdminRef>,
    pub author: PartAuthor,
    pub attachments: Vec<Upload>,
    pub external_id: Option<String>,
    pub redacted: bool,
    pub metadata: BTreeMap<String, Value>,
    pub email_message_metadata: Option<Value>,
    pub state: String,
    pub tags: Vec<Value>,
    pub event_details: BTreeMap<String, Value>,
    pub app_package_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parts {
    #[serde(rename = "type")]
    pub kind: String,
    pub conversation_parts: Vec<Part>,
    pub total_count: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statistics {
    #[serde(rename = "type")]
    pub kind: String,
    pub time_to_assignment: Option<i64>,
    pub time_to_admin_reply: Option<i64>,
    pub time_to_first_close: Option<i64>,
    pub time_to_last_close: Option<i64>,
    pub median_time_to_reply: Option<i64>,
    pub first_contact_reply_at: Option<String>,
    pub first_assignment_at: Option<String>,
    pub first_admin_reply_at: Option<String>,
    pub first_close_at: Option<String>,
    pub last_assignment_at: Option<String>,
    pub last_assignment_admin_reply_at: Option<String>,
    pub last_contact_reply_at: Option<String>,
    pub last_admin_reply_at: Option<String>,
    pub last_close_at: Option<String>,
    pub last_closed_by_id: Option<String>,
    pub count_reopens: u64,
    pub count_assignments: u64,
    pub count_conversation_parts: u64,
    pub assigned_team_first_response_time: Vec<Value>,
    pub assigned_team_first_response_time_in_office_hours: Vec<Value>,
    pub handling_time: Option<i64>,
}

/// Conversation inside webhooks: unix seconds, only the triggering part(s).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConversation {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub waiting_since: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub source: Source,
    pub contacts: ContactRefs,
    pub first_contact_reply: Option<Value>,
    pub admin_assignee_id: Option<u64>,
    pub team_assignee_id: Option<u64>,
    pub open: bool,
    pub state: String,
    pub read: bool,
    pub tags: Value,
    pub priority: String,
    pub sla_applied: Option<Value>,
    pub statistics: Option<Statistics>,
    pub conversation_rating: Option<Value>,
    pub teammates: Value,
    pub title: Option<String>,
    pub custom_attributes: BTreeMap<String, Value>,
    pub topics: Value,
    pub ticket: Option<Value>,
    pub linked_objects: Value,
    pub ai_agent: Option<Value>,
    pub ai_agent_participated: bool,
    pub conversation_parts: Parts,
}
