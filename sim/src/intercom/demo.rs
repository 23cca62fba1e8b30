//! The seeds. `demo` is the plain tables below (edit them freely: they are matched against the
//! Salesforce demo org by email, external id and account number); `scale:<N>` makes N contacts
//! in realistic proportions; `empty` has only the teammates.

use serde_json::{Map, Value, json};

use super::store::{
    Admin, Attachment, Author, Company, Contact, ConvState, Conversation, Part, Role, Team,
    Workspace,
};
use crate::Seed;

pub const WORKSPACE_ID: &str = "sfbdemo1";
/// Workspaces added later are `sfbdemo2`, `sfbdemo3`, ..
pub const WORKSPACE_ID_PREFIX: &str = "sfbdemo";
pub const WORKSPACE_NAME: &str = "Sfbridge Demo";
/// The first workspace's own app, which the demo installs and which other workspaces can
/// install through OAuth.
pub const APP_NAME: &str = "sfbridge";
pub const ACCESS_TOKEN: &str = "dG9rOnNmYnJpZGdlLXNpbS1kZW1vLWFjY2Vzcy10b2tlbg==";
pub const CLIENT_SECRET: &str = "sfbridge-sim-client-secret-3f9a1c2e";
pub const CLIENT_ID: &str = "5f0c2a7e-1b9d-4c3e-8a61-5d2f7b9e0c14";

/// 2026-01-05T09:00:00Z: demo records are created minutes apart from here.
const T0: i64 = 1_767_603_600;

/// Teammates: id, name, email. The first installs the app.
pub const TEAMMATES: &[(u64, &str, &str)] = &[
    (991_267_401, "Alice Anders", "alice@example.com"),
    (991_267_402, "Bob Baker", "bob@example.com"),
    (991_267_403, "Carol Chen", "carol@example.com"),
    (991_267_404, "Dave Diaz", "dave@example.com"),
];

/// Teams: id, name, member teammate ids.
pub const TEAMS: &[(u64, &str, &[u64])] = &[
    (5_017_691, "Support", &[991_267_401, 991_267_402]),
    (5_017_692, "Sales", &[991_267_403, 991_267_404]),
];

/// Companies: company_id (= Salesforce AccountNumber), name, plan, industry, size, website.
/// Rows 1-9 are the Salesforce demo org's first nine accounts.
#[rustfmt::skip]
pub const COMPANIES: &[(&str, &str, &str, &str, i64, &str)] = &[
    ("ACC-0001", "Globex Corporation", "Enterprise", "Manufacturing", 50, "https://globex.example.com"),
    ("ACC-0002", "Initech", "Pro", "Technology", 100, "https://initech.example.com"),
    ("ACC-0003", "Umbrella Health", "Pro", "Healthcare", 150, "https://umbrella.example.com"),
    ("ACC-0004", "Stark Industries", "Enterprise", "Engineering", 200, "https://stark.example.com"),
    ("ACC-0005", "Wayne Enterprises", "Enterprise", "Finance", 250, "https://wayne.example.com"),
    ("ACC-0006", "Wonka Foods", "Starter", "Retail", 300, "https://wonka.example.com"),
    ("ACC-0007", "Cyberdyne Systems", "Pro", "Technology", 350, "https://cyberdyne.example.com"),
    ("ACC-0008", "Soylent Nutrition", "Starter", "Agriculture", 400, "https://soylent.example.com"),
    ("ACC-0009", "Tyrell Labs", "Pro", "Biotechnology", 450, "https://tyrell.example.com"),
    // Matches no Salesforce account.
    ("ZZ000001", "Nowhere Widgets Ltd", "Starter", "Retail", 12, "https://nowhere.example"),
    // Has no users: left out of `GET /companies` listings, still in scroll.
    ("ZZ000002", "Empty Shell Inc.", "Starter", "Holding", 1, "https://empty.example"),
];

/// Users: external_id, email, name, company_id (or ""), owner teammate email (or ""). Maya's
/// owner agrees with Salesforce's owner rule (her account's owner); the others' are as a
/// workspace might have set them by hand, for the sync to correct.
/// Emails 1-11 are the Salesforce demo org's contacts 1-11 (same name, same account).
#[rustfmt::skip]
pub const USERS: &[(&str, &str, &str, &str, &str)] = &[
    ("u-1001", "maya.patel@globex.example.com", "Maya Patel", "ACC-0001", "alice@example.com"),
    ("u-1002", "liam.silva@initech.example.com", "Liam Silva", "ACC-0002", "carol@example.com"),
    ("u-1003", "noah.haddad@umbrella.example.com", "Noah Haddad", "ACC-0003", "alice@example.com"),
    ("u-1004", "emma.garcia@stark.example.com", "Emma Garcia", "ACC-0004", ""),
    ("u-1005", "olivia.cohen@wayne.example.com", "Olivia Cohen", "ACC-0005", "dave@example.com"),
    ("u-1006", "ava.moreau@wonka.example.com", "Ava Moreau", "ACC-0006", ""),
    ("u-1007", "lucas.kim@cyberdyne.example.com", "Lucas Kim", "ACC-0007", ""),
    ("u-1008", "mia.okafor@soylent.example.com", "Mia Okafor", "ACC-0008", ""),
    ("u-1009", "ethan.jensen@tyrell.example.com", "Ethan Jensen", "ACC-0009", ""),
    ("u-1010", "zoe.nguyen@hooli.example.com", "Zoe Nguyen", "", ""),
    ("u-1011", "amir.tanaka@piedpiper.example.com", "Amir Tanaka", "", ""),
    // Meant to match two Salesforce records (its contact, plus a lead with the same email).
    ("u-1012", "priya.costa@vandelay.example.com", "Priya Costa", "", ""),
    // Match nothing in Salesforce.
    ("ic-user-nora", "nora@nowhere.example", "Nora Nobody", "ZZ000001", ""),
    ("ic-user-zed", "zed@unmatched.example", "Zed Unmatched", "", ""),
];

/// Leads: email, name, phone. Leads have no external_id. Rows 1-4 are Salesforce demo leads 1-4.
#[rustfmt::skip]
pub const LEADS: &[(&str, &str, &str)] = &[
    ("ava.garcia@northwindlabs.example.com", "Ava Garcia", "+1 555 0300"),
    ("lucas.smith@contosogroup.example.com", "Lucas Smith", "+1 555 0301"),
    ("mia.silva@fabrikamltd.example.com", "Mia Silva", ""),
    ("ethan.tanaka@tailspinlabs.example.com", "Ethan Tanaka", ""),
    // Matches nothing.
    ("visitor42@anon.example", "Curious Visitor", ""),
];

/// Image attachment used by the demo conversations.
const SCREENSHOT: &str = "https://downloads.intercomcdn.com/i/o/sfbdemo1/screenshot-invoice.png";

/// Conversations: contact email, opening message (HTML), state, assignee teammate email (or ""),
/// image attached to the opening message, then replies: (author email, part type, body).
#[allow(clippy::type_complexity)]
pub const CONVERSATIONS: &[(&str, &str, &str, &str, bool, &[(&str, &str, &str)])] = &[
    (
        "maya.patel@globex.example.com",
        "<p>Our last invoice shows the wrong amount. Can you check?</p>",
        "open",
        "bob@example.com",
        true,
        &[(
            "bob@example.com",
            "comment",
            "<p>Thanks Maya, looking into it now.</p>",
        )],
    ),
    (
        "liam.silva@initech.example.com",
        "<p>The export fails with this error:</p><p><img src=\"https://downloads.intercomcdn.com/i/o/sfbdemo1/export-error.png\"></p>",
        "open",
        "",
        false,
        &[],
    ),
    (
        "noah.haddad@umbrella.example.com",
        "<p>How do we add more seats to our plan?</p>",
        "closed",
        "carol@example.com",
        false,
        &[
            (
                "carol@example.com",
                "comment",
                "<p>I have added 20 seats for you.</p>",
            ),
            (
                "noah.haddad@umbrella.example.com",
                "comment",
                "<p>Perfect, thank you!</p>",
            ),
        ],
    ),
    (
        "ava.garcia@northwindlabs.example.com",
        "<p>Do you offer discounts for start-ups?</p>",
        "open",
        "dave@example.com",
        false,
        &[(
            "dave@example.com",
            "note",
            "<p>Hot lead, ask Sales for the start-up price list.</p>",
        )],
    ),
    (
        "nora@nowhere.example",
        "<p>Just saying hello.</p>",
        "closed",
        "",
        false,
        &[],
    ),
    (
        "ethan.jensen@tyrell.example.com",
        "<p>Here is a photo of the label on the device.</p>",
        "open",
        "alice@example.com",
        false,
        &[(
            "ethan.jensen@tyrell.example.com",
            "comment",
            "<p>And the back side:</p><p><img src=\"https://downloads.intercomcdn.com/i/o/sfbdemo1/label-back.jpg\"></p>",
        )],
    ),
];

/// Custom data attributes: model, name, type.
pub const CUSTOM_ATTRIBUTES: &[(&str, &str, &str)] = &[
    ("contact", "plan_tier", "string"),
    ("contact", "seats", "integer"),
    ("company", "region", "string"),
];

pub const TAGS: &[&str] = &["VIP", "Churn risk"];

/// How far apart the teammate and team ids of successive workspaces are.
const ADMIN_ID_SPACING: u64 = 1_000;

/// Builds workspace `id`, the `ordinal`-th of its simulator (0 for the first), seeded; returns it
/// with the installing teammate's id. Later workspaces have the same people under other ids.
pub(crate) fn build(seed: Seed, id: &str, ordinal: u64) -> (Workspace, u64) {
    let mut ws = Workspace::new(id, ordinal);
    let shift = ordinal * ADMIN_ID_SPACING;
    for (id, name, email) in TEAMMATES {
        let team_ids = TEAMS
            .iter()
            .filter(|t| t.2.contains(id))
            .map(|t| t.0 + shift)
            .collect();
        ws.admins.push(Admin {
            id: *id + shift,
            name: (*name).into(),
            email: (*email).into(),
            job_title: None,
            away_mode_enabled: false,
            team_ids,
        });
    }
    for (id, name, members) in TEAMS {
        ws.teams.push(Team {
            id: *id + shift,
            name: (*name).into(),
            admin_ids: members.iter().map(|m| m + shift).collect(),
        });
    }
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo(&mut ws),
        Seed::Scale(n) => scale(&mut ws, n),
    }
    let installer = ws.admins[0].id;
    (ws, installer)
}

fn admin_by_email(ws: &Workspace, email: &str) -> Option<u64> {
    ws.admins.iter().find(|a| a.email == email).map(|a| a.id)
}

fn new_company(
    ws: &mut Workspace,
    at_ms: i64,
    row: &(&str, &str, &str, &str, i64, &str),
) -> String {
    let id = ws.next_hex_id(at_ms);
    ws.insert_company(Company {
        id: id.clone(),
        company_id: row.0.into(),
        name: Some(row.1.into()),
        plan: Some(row.2.into()),
        size: Some(row.4),
        website: Some(row.5.into()),
        industry: Some(row.3.into()),
        monthly_spend: 0.0,
        session_count: 0,
        remote_created_at: Some(at_ms / 1000),
        created_ms: at_ms,
        updated_ms: at_ms,
        custom_attributes: Map::new(),
        tag_ids: vec![],
        user_count: 0,
    });
    id
}

fn demo(ws: &mut Workspace) {
    let installer = ws.admins[0].id;
    for (model, name, ty) in CUSTOM_ATTRIBUTES {
        let model = if *model == "contact" {
            "contact"
        } else {
            "company"
        };
        ws.add_custom_attribute(model, name, ty, vec![], Some(installer), T0);
    }
    for t in TAGS {
        ws.tag_by_name(t);
    }
    let mut minute = 0i64;
    let mut at = || {
        minute += 1;
        (T0 + minute * 60) * 1000 + minute * 37 % 1000
    };
    for (i, row) in COMPANIES.iter().enumerate() {
        let id = new_company(ws, at(), row);
        let region = if i % 2 == 0 { "AMER" } else { "EMEA" };
        let c = ws.companies.get_mut(&id).expect("inserted");
        c.custom_attributes.insert("region".into(), json!(region));
        c.monthly_spend = (i as f64 + 1.0) * 250.0;
    }
    let vip = ws.tag_by_name("VIP").id;
    for (i, (external_id, email, name, company, owner)) in USERS.iter().enumerate() {
        let ms = at();
        let id = ws.next_hex_id(ms);
        let mut c = Contact::new(id.clone(), Role::User, ms);
        c.external_id = Some((*external_id).into());
        c.email = Some((*email).into());
        c.name = Some((*name).into());
        c.signed_up_at = Some(ms / 1000);
        c.last_seen_at = Some(ms / 1000 + 3600);
        c.owner_id = admin_by_email(ws, owner);
        c.custom_attributes.insert(
            "plan_tier".into(),
            json!(if i % 3 == 0 { "gold" } else { "silver" }),
        );
        c.custom_attributes.insert("seats".into(), json!(5 + i * 5));
        if i % 4 == 0 {
            c.tag_ids.push(vip);
        }
        ws.insert_contact(c);
        if let Some(company) = ws.companies_by_company_id.get(*company).cloned() {
            ws.attach(&id, &company);
        }
    }
    for (email, name, phone) in LEADS {
        let ms = at();
        let id = ws.next_hex_id(ms);
        let mut c = Contact::new(id, Role::Lead, ms);
        c.email = Some((*email).into());
        c.name = Some((*name).into());
        c.phone = Some((*phone).to_owned()).filter(|p| !p.is_empty());
        ws.insert_contact(c);
    }
    for (email, body, state, assignee, image, replies) in CONVERSATIONS {
        let start = at() / 1000;
        let Some(contact) = ws
            .contacts
            .values()
            .find(|c| c.email.as_deref() == Some(*email))
            .cloned()
        else {
            continue;
        };
        let id = ws.next_conversation_id();
        let source_id = ws.next_part_id();
        let mut conv = Conversation {
            waiting_since: Some(start),
            body: (*body).into(),
            attachments: if *image {
                vec![Attachment {
                    name: "screenshot-invoice.png".into(),
                    url: SCREENSHOT.into(),
                    content_type: "image/png".into(),
                    filesize: 84_211,
                    width: Some(1280),
                    height: Some(720),
                }]
            } else {
                vec![]
            },
            ..Conversation::started(
                id,
                source_id,
                start,
                contact.id.clone(),
                Author::of_contact(&contact),
                "customer_initiated",
            )
        };
        let mut t = start;
        if let Some(admin) = admin_by_email(ws, assignee)
            .and_then(|a| ws.admin(a))
            .cloned()
        {
            t += 120;
            conv.admin_assignee_id = Some(admin.id);
            conv.parts.push(Part {
                id: ws.next_part_id(),
                part_type: "assignment".into(),
                body: None,
                author: admin.author(),
                attachments: vec![],
                assigned_to: Some(admin.id),
                created_at: t,
                state: ConvState::Open,
            });
        }
        for (author, kind, text) in *replies {
            t += 300;
            let author = match ws.admins.iter().find(|a| a.email == *author) {
                Some(a) => a.author(),
                None => Author::of_contact(&contact),
            };
            conv.parts.push(Part {
                id: ws.next_part_id(),
                part_type: (*kind).into(),
                body: Some((*text).into()),
                author,
                attachments: vec![],
                assigned_to: None,
                created_at: t,
                state: ConvState::Open,
            });
        }
        if *state == "closed" {
            t += 60;
            let closer = conv
                .admin_assignee_id
                .and_then(|a| ws.admin(a))
                .unwrap_or(&ws.admins[0])
                .author();
            conv.parts.push(Part {
                id: ws.next_part_id(),
                part_type: "close".into(),
                body: None,
                author: closer,
                attachments: vec![],
                assigned_to: None,
                created_at: t,
                state: ConvState::Closed,
            });
            conv.state = ConvState::Closed;
            conv.waiting_since = None;
        }
        conv.updated_at = t;
        ws.conversations.insert(id, conv);
    }
}

/// N contacts (70% users with external ids, 30% leads), one company per 100 contacts,
/// one conversation per 1,000. Deterministic: record i is always the same.
fn scale(ws: &mut Workspace, n: u64) {
    let companies = (n / 100).max(1);
    let mut company_ids = Vec::with_capacity(companies as usize);
    for i in 0..companies {
        let cid = format!("SC{i:06}");
        let name = format!("Scale Company {i}");
        let row = (
            cid.as_str(),
            name.as_str(),
            "Pro",
            "Software",
            50,
            "https://scale.example",
        );
        company_ids.push(new_company(ws, (T0 + i as i64) * 1000, &row));
    }
    let first = ws.admins[0].clone();
    let mut users = 0u64;
    for i in 0..n {
        let ms = T0 * 1000 + i as i64 * 10;
        let id = ws.next_hex_id(ms);
        let user = i % 10 < 7;
        let mut c = Contact::new(id.clone(), if user { Role::User } else { Role::Lead }, ms);
        c.email = Some(format!("person{i}@scale{}.example", i % 97));
        c.name = Some(format!("Person {i}"));
        if user {
            c.external_id = Some(format!("scale-{i}"));
            c.signed_up_at = Some(ms / 1000);
        }
        ws.insert_contact(c);
        if user {
            // Spread users over every company, so each has people.
            ws.attach(&id, &company_ids[(users % companies) as usize]);
            users += 1;
        }
        if i % 1000 == 0 {
            let contact = ws.contacts.get(&id).cloned().expect("inserted");
            let conv_id = ws.next_conversation_id();
            let source_id = ws.next_part_id();
            let at = ms / 1000;
            ws.conversations.insert(
                conv_id,
                Conversation {
                    state: if i % 2000 == 0 {
                        ConvState::Open
                    } else {
                        ConvState::Closed
                    },
                    admin_assignee_id: Some(first.id),
                    body: format!("<p>Question number {i}</p>"),
                    ..Conversation::started(
                        conv_id,
                        source_id,
                        at,
                        id,
                        Author::of_contact(&contact),
                        "customer_initiated",
                    )
                },
            );
        }
    }
}

/// The demo seed as one JSON document (for people reading along).
pub fn describe() -> Value {
    json!({
        "teammates": TEAMMATES.iter().map(|t| json!({"id": t.0.to_string(), "name": t.1, "email": t.2})).collect::<Vec<_>>(),
        "companies": COMPANIES.iter().map(|c| json!({"company_id": c.0, "name": c.1})).collect::<Vec<_>>(),
        "users": USERS.iter().map(|u| json!({"external_id": u.0, "email": u.1, "name": u.2})).collect::<Vec<_>>(),
        "leads": LEADS.iter().map(|l| json!({"email": l.0, "name": l.1})).collect::<Vec<_>>(),
    })
}
