//! Conversations as Salesforce Tasks: the admin's switch, the transcript a Task's Description
//! holds, and the plan (create or rewrite, and every field written) decided from what was
//! read. Pure: the back end reads Intercom and Salesforce, calls [`plan`], and writes.
//!
//! Rules:
//! - One Task per conversation, found by its Subject ([`subject`]), which carries the
//!   conversation id and nothing that changes.
//! - `Status` completed, `ActivityDate` the conversation's day (UTC), `WhoId` the person's
//!   Lead or Contact, `WhatId` a Contact's account (none for a Lead: Salesforce refuses one).
//! - `OwnerId` the active Salesforce user whose email is the assigned teammate's, else the
//!   installing teammate's, else left to Salesforce ([`owner`]).
//! - The transcript: each part's author kind, name, time (UTC) and text; notes marked as
//!   internal; attachments as their links; a link to the conversation in Intercom. Past
//!   [`DESCRIPTION_LIMIT`] it keeps its beginning and its newest parts, with a line saying
//!   what was left out and where to read it all.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::owner::SalesforceUser;
use crate::sync::identity::same_key;

/// "Send conversations to Salesforce as Tasks": `GET|PUT /api/settings/tasks`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSettings {
    /// Off until an admin switches it on.
    pub send_conversations: bool,
}

/// What a Task's Description holds. Salesforce counts the limit in bytes through the API;
/// the transcript keeps to it in bytes, which is at most as many characters.
pub const DESCRIPTION_LIMIT: usize = 32_000;

/// What every Task's Subject starts with; the conversation id follows.
pub const SUBJECT_PREFIX: &str = "Intercom conversation #";

/// The Subject of the conversation's Task: the same every time, so a Task whose create
/// answer was lost is found by it.
pub fn subject(conversation_id: &str) -> String {
    format!("{SUBJECT_PREFIX}{conversation_id}")
}

/// The value of a completed Task's `Status`.
pub const COMPLETED: &str = "Completed";

/// Who wrote a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Customer,
    Teammate,
    Bot,
}

impl Speaker {
    pub fn words(self) -> &'static str {
        match self {
            Speaker::Customer => "Customer",
            Speaker::Teammate => "Teammate",
            Speaker::Bot => "Bot",
        }
    }
}

/// A file or image sent in a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: Option<String>,
    pub url: String,
}

/// One part with something to read, its text already out of HTML (images as their URLs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptPart {
    pub speaker: Speaker,
    pub name: Option<String>,
    pub at: DateTime<Utc>,
    pub text: String,
    /// An internal note: teammates only, never seen by the customer.
    pub note: bool,
    pub attachments: Vec<Attachment>,
}

/// A conversation as the Task needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskConversation {
    pub id: String,
    pub title: Option<String>,
    pub started_at: DateTime<Utc>,
    /// The conversation in Intercom's inbox.
    pub url: String,
    /// The contact it is with (its first), as Intercom names them.
    pub contact_id: Option<String>,
    /// The assigned teammate's email, if one is assigned and has one.
    pub assignee_email: Option<String>,
    /// Oldest first, the opening message first.
    pub parts: Vec<TranscriptPart>,
    /// Older parts Intercom's API does not show (it shows the 500 latest).
    pub unavailable_parts: u64,
}

/// The Salesforce record a conversation's person is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Person {
    Lead {
        id: String,
    },
    Contact {
        id: String,
        account_id: Option<String>,
    },
}

impl Person {
    pub fn id(&self) -> &str {
        match self {
            Person::Lead { id } | Person::Contact { id, .. } => id,
        }
    }
}

/// Every field a Task is written with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFields {
    pub subject: String,
    pub status: &'static str,
    pub who_id: String,
    /// `None` writes an empty `WhatId` (a Lead's Task relates to nothing).
    pub what_id: Option<String>,
    pub activity_date: NaiveDate,
    pub description: String,
    /// `None`: left as it is (on a create, Salesforce makes the connected user the owner).
    pub owner_id: Option<String>,
}

/// What to do for one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskPlan {
    Create(TaskFields),
    Rewrite {
        task_id: String,
        fields: TaskFields,
    },
    /// The person is in no Salesforce record: nothing is written.
    NoPerson,
}

/// What was read about one conversation.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub conversation: &'a TaskConversation,
    pub person: Option<&'a Person>,
    /// The conversation's Task, if one exists.
    pub task_id: Option<&'a str>,
    /// The org's active users.
    pub users: &'a [SalesforceUser],
    /// The email of the teammate who installed the app.
    pub installer_email: Option<&'a str>,
}

/// The Task's owner: the active user whose email is the assignee's, else the installer's.
pub fn owner<'u>(
    assignee_email: Option<&str>,
    installer_email: Option<&str>,
    users: &'u [SalesforceUser],
) -> Option<&'u SalesforceUser> {
    let by_email = |email: &str| {
        users
            .iter()
            .filter(|u| u.active)
            .find(|u| u.email.as_deref().is_some_and(|e| same_key(e, email)))
    };
    assignee_email
        .and_then(by_email)
        .or_else(|| installer_email.and_then(by_email))
}

/// Creates the Task, or rewrites the one found, or nothing when the person is not in
/// Salesforce.
pub fn plan(known: Known<'_>) -> TaskPlan {
    let Some(person) = known.person else {
        return TaskPlan::NoPerson;
    };
    let c = known.conversation;
    let fields = TaskFields {
        subject: subject(&c.id),
        status: COMPLETED,
        who_id: person.id().to_owned(),
        what_id: match person {
            Person::Contact { account_id, .. } => account_id.clone(),
            Person::Lead { .. } => None,
        },
        activity_date: c.started_at.date_naive(),
        description: transcript(c),
        owner_id: owner(
            c.assignee_email.as_deref(),
            known.installer_email,
            known.users,
        )
        .map(|u| u.id.clone()),
    };
    match known.task_id {
        Some(id) => TaskPlan::Rewrite {
            task_id: id.to_owned(),
            fields,
        },
        None => TaskPlan::Create(fields),
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// One part as the transcript shows it.
fn block(part: &TranscriptPart) -> String {
    let mut out = format!("[{}] {}", stamp(part.at), part.speaker.words());
    if let Some(name) = part
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        out.push_str(&format!(" ({name})"));
    }
    if part.note {
        out.push_str(", internal note");
    }
    out.push_str(":\n");
    let text = part.text.trim();
    if !text.is_empty() {
        out.push_str(text);
        out.push('\n');
    }
    for a in &part.attachments {
        if text.contains(&a.url) {
            continue;
        }
        match a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => out.push_str(&format!("Attachment {name}: {}\n", a.url)),
            None => out.push_str(&format!("Attachment: {}\n", a.url)),
        }
    }
    out.push('\n');
    out
}

fn header(c: &TaskConversation) -> String {
    let mut out = format!("Intercom conversation {}", c.id);
    if let Some(title) = c.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        out.push_str(&format!(": {title}"));
    }
    out.push_str(&format!("\nRead it in Intercom: {}\n\n", c.url));
    if c.unavailable_parts > 0 {
        out.push_str(&format!(
            "[{} older part{} not shown: Intercom's API gives the 500 latest. Read them in Intercom: {}]\n\n",
            c.unavailable_parts,
            plural(c.unavailable_parts),
            c.url
        ));
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn omission(count: usize, from: DateTime<Utc>, to: DateTime<Utc>, url: &str) -> String {
    format!(
        "[… {count} part{} from {} to {} left out: a Task's Description holds {} characters. \
         Read the whole conversation in Intercom: {url}]\n\n",
        plural(count as u64),
        stamp(from),
        stamp(to),
        "32,000",
    )
}

/// The longest beginning of `text` of at most `max` bytes, cut at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A block shortened to `max` bytes, saying so.
fn shortened(block: &str, max: usize) -> String {
    const MARK: &str = "…[shortened]\n\n";
    if block.len() <= max {
        return block.to_owned();
    }
    let keep = max.saturating_sub(MARK.len());
    format!("{}{MARK}", cut(block, keep))
}

/// The transcript as a Task's Description: at most [`DESCRIPTION_LIMIT`] bytes.
pub fn transcript(c: &TaskConversation) -> String {
    transcript_within(c, DESCRIPTION_LIMIT)
}

/// [`transcript`] within `limit` bytes (tests use small limits).
pub fn transcript_within(c: &TaskConversation, limit: usize) -> String {
    let head = header(c);
    let blocks: Vec<String> = c.parts.iter().map(block).collect();
    let whole: usize = head.len() + blocks.iter().map(String::len).sum::<usize>();
    if whole <= limit {
        let mut out = head;
        blocks.iter().for_each(|b| out.push_str(b));
        return out.trim_end().to_owned();
    }
    let head = cut(&head, limit).to_owned();
    let (Some(first), Some(last)) = (c.parts.first(), c.parts.last()) else {
        return head.trim_end().to_owned();
    };
    // The line in between, at its longest (every part left out).
    let reserve = omission(c.parts.len(), first.at, last.at, &c.url).len();
    let budget = limit.saturating_sub(head.len() + reserve);
    // The beginning gets a quarter, the newest parts the rest.
    let mut begin_budget = budget / 4;
    let mut begin = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if b.len() <= begin_budget {
            begin_budget -= b.len();
            begin.push(b.clone());
        } else {
            if i == 0 && begin_budget > 0 {
                begin.push(shortened(b, begin_budget));
            }
            break;
        }
    }
    let taken_front = begin.len();
    let used_front: usize = begin.iter().map(String::len).sum();
    let mut end_budget = budget - used_front;
    let mut end = Vec::new();
    for (i, b) in blocks.iter().enumerate().rev() {
        if i < taken_front {
            break;
        }
        if b.len() <= end_budget {
            end_budget -= b.len();
            end.push(b.clone());
        } else {
            if end.is_empty() && end_budget > 0 {
                end.push(shortened(b, end_budget));
            }
            break;
        }
    }
    end.reverse();
    let left_out = blocks.len() - taken_front - end.len();
    let mut out = head;
    begin.iter().for_each(|b| out.push_str(b));
    if left_out > 0 {
        let from = c.parts[taken_front].at;
        let to = c.parts[taken_front + left_out - 1].at;
        out.push_str(&omission(left_out, from, to, &c.url));
    } else {
        // Nothing left out whole: a part was shortened.
        out.push_str(&format!(
            "[A part is shortened: a Task's Description holds 32,000 characters. Read the whole conversation in Intercom: {}]\n\n",
            c.url
        ));
    }
    end.iter().for_each(|b| out.push_str(b));
    let out = out.trim_end();
    cut(out, limit).to_owned()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 10, 7, 0, 0).unwrap()
            + chrono::Duration::minutes(minute.into())
    }

    fn part(speaker: Speaker, name: Option<&str>, minute: u32, text: &str) -> TranscriptPart {
        TranscriptPart {
            speaker,
            name: name.map(str::to_owned),
            at: at(minute),
            text: text.to_owned(),
            note: false,
            attachments: Vec::new(),
        }
    }

    fn conversation(parts: Vec<TranscriptPart>) -> TaskConversation {
        TaskConversation {
            id: "215".to_owned(),
            title: Some("Invoice".to_owned()),
            started_at: at(0),
            url: "https://app.intercom.com/a/inbox/ws/inbox/conversation/215".to_owned(),
            contact_id: Some("c1".to_owned()),
            assignee_email: None,
            parts,
            unavailable_parts: 0,
        }
    }

    fn user(id: &str, email: &str, active: bool) -> SalesforceUser {
        SalesforceUser {
            id: id.to_owned(),
            name: id.to_owned(),
            email: Some(email.to_owned()),
            active,
        }
    }

    #[test]
    fn a_transcript_names_authors_times_notes_and_links() {
        let mut note = part(Speaker::Teammate, Some("Bob Baker"), 3, "VIP, be kind");
        note.note = true;
        let mut image = part(
            Speaker::Customer,
            Some("Maya"),
            1,
            "See https://cdn.example/i.png",
        );
        image.attachments = vec![
            Attachment {
                name: Some("i.png".to_owned()),
                url: "https://cdn.example/i.png".to_owned(),
            },
            Attachment {
                name: Some("bill.pdf".to_owned()),
                url: "https://cdn.example/bill.pdf".to_owned(),
            },
            Attachment {
                name: None,
                url: "https://cdn.example/x".to_owned(),
            },
        ];
        let c = conversation(vec![
            part(Speaker::Customer, Some("Maya"), 0, "Our invoice is wrong"),
            image,
            part(Speaker::Bot, None, 2, "A teammate will reply"),
            note,
        ]);
        assert_eq!(
            transcript(&c),
            "Intercom conversation 215: Invoice\n\
             Read it in Intercom: https://app.intercom.com/a/inbox/ws/inbox/conversation/215\n\n\
             [2026-01-10 07:00 UTC] Customer (Maya):\nOur invoice is wrong\n\n\
             [2026-01-10 07:01 UTC] Customer (Maya):\nSee https://cdn.example/i.png\n\
             Attachment bill.pdf: https://cdn.example/bill.pdf\n\
             Attachment: https://cdn.example/x\n\n\
             [2026-01-10 07:02 UTC] Bot:\nA teammate will reply\n\n\
             [2026-01-10 07:03 UTC] Teammate (Bob Baker), internal note:\nVIP, be kind"
        );
    }

    #[test]
    fn parts_intercom_does_not_show_are_named() {
        let mut c = conversation(vec![part(Speaker::Customer, None, 0, "hi")]);
        c.unavailable_parts = 700;
        c.title = None;
        let text = transcript(&c);
        assert!(text.starts_with("Intercom conversation 215\n"), "{text}");
        assert!(
            text.contains("[700 older parts not shown: Intercom's API gives the 500 latest."),
            "{text}"
        );
    }

    #[test]
    fn a_long_transcript_keeps_its_beginning_and_newest_parts() {
        let parts: Vec<_> = (0..1000)
            .map(|i| {
                part(
                    if i % 2 == 0 {
                        Speaker::Customer
                    } else {
                        Speaker::Teammate
                    },
                    None,
                    i,
                    &format!("message number {i} {}", "x".repeat(60)),
                )
            })
            .collect();
        let c = conversation(parts);
        let text = transcript(&c);
        assert!(text.len() <= DESCRIPTION_LIMIT);
        assert!(text.len() > DESCRIPTION_LIMIT - 200, "the room is used");
        assert!(text.contains("message number 0 "));
        assert!(text.contains("message number 999 "));
        assert!(!text.contains("message number 500 "));
        let line = text
            .lines()
            .find(|l| l.starts_with("[… "))
            .expect("a line saying what was left out");
        assert!(line.contains("left out"), "{line}");
        assert!(line.contains(&c.url), "{line}");
        // The count it gives is what is missing.
        let count: usize = line
            .strip_prefix("[… ")
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let shown = (0..1000)
            .filter(|i| text.contains(&format!("message number {i} ")))
            .count();
        assert_eq!(count + shown, 1000);
        // The newest parts are kept whole, up to the end.
        assert!(text.ends_with(&format!("message number 999 {}", "x".repeat(60))));
    }

    #[test]
    fn one_huge_part_is_shortened_within_the_limit_and_on_a_character_boundary() {
        let c = conversation(vec![part(Speaker::Customer, None, 0, &"é".repeat(40_000))]);
        let text = transcript(&c);
        assert!(text.len() <= DESCRIPTION_LIMIT);
        assert!(text.contains("shortened"));
        let two = conversation(vec![
            part(Speaker::Customer, None, 0, "start"),
            part(Speaker::Teammate, None, 1, &"ü".repeat(40_000)),
        ]);
        let text = transcript_within(&two, 2_000);
        assert!(text.len() <= 2_000, "{}", text.len());
        assert!(text.contains("start"));
    }

    #[test]
    fn small_limits_never_overflow() {
        let parts: Vec<_> = (0..50)
            .map(|i| {
                part(
                    Speaker::Customer,
                    Some("Maya"),
                    i,
                    &"word ".repeat(i as usize * 7),
                )
            })
            .collect();
        let c = conversation(parts);
        for limit in [0, 10, 100, 300, 500, 1_000, 5_000] {
            assert!(transcript_within(&c, limit).len() <= limit, "{limit}");
        }
    }

    #[test]
    fn the_owner_is_the_assignee_else_the_installer_else_none() {
        let users = vec![
            user("005A", "Bob@Example.com", true),
            user("005B", "ann@example.com", false),
            user("005C", "inst@example.com", true),
        ];
        let id = |a: Option<&str>, i: Option<&str>| owner(a, i, &users).map(|u| u.id.as_str());
        assert_eq!(
            id(Some(" bob@example.com"), Some("inst@example.com")),
            Some("005A")
        );
        // An inactive user owns nothing.
        assert_eq!(
            id(Some("ann@example.com"), Some("inst@example.com")),
            Some("005C")
        );
        assert_eq!(id(None, Some("inst@example.com")), Some("005C"));
        assert_eq!(id(Some("nobody@example.com"), None), None);
    }

    #[test]
    fn the_plan_creates_rewrites_or_skips() {
        let mut c = conversation(vec![part(Speaker::Customer, None, 0, "hi")]);
        c.assignee_email = Some("bob@example.com".to_owned());
        let users = vec![user("005A", "bob@example.com", true)];
        let contact = Person::Contact {
            id: "003A".to_owned(),
            account_id: Some("001A".to_owned()),
        };
        let known = Known {
            conversation: &c,
            person: Some(&contact),
            task_id: None,
            users: &users,
            installer_email: None,
        };
        let TaskPlan::Create(fields) = plan(known) else {
            panic!("a create");
        };
        assert_eq!(
            fields,
            TaskFields {
                subject: "Intercom conversation #215".to_owned(),
                status: "Completed",
                who_id: "003A".to_owned(),
                what_id: Some("001A".to_owned()),
                activity_date: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
                description: transcript(&c),
                owner_id: Some("005A".to_owned()),
            }
        );
        let lead = Person::Lead {
            id: "00QA".to_owned(),
        };
        let rewrite = plan(Known {
            person: Some(&lead),
            task_id: Some("00TA"),
            users: &[],
            ..known
        });
        let TaskPlan::Rewrite { task_id, fields } = rewrite else {
            panic!("a rewrite");
        };
        assert_eq!(task_id, "00TA");
        assert_eq!((fields.who_id.as_str(), fields.what_id), ("00QA", None));
        assert_eq!(fields.owner_id, None);
        assert_eq!(
            plan(Known {
                person: None,
                ..known
            }),
            TaskPlan::NoPerson
        );
    }

    #[test]
    fn the_setting_is_off_until_switched_on_and_reads_strictly() {
        assert!(!TaskSettings::default().send_conversations);
        let on: TaskSettings = serde_json::from_str("{\"send_conversations\":true}").unwrap();
        assert!(on.send_conversations);
        let typo = serde_json::from_str::<TaskSettings>("{\"send_conversation\":true}");
        assert!(typo.unwrap_err().to_string().contains("send_conversation"));
    }
}
