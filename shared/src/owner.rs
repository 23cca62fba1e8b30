//! Who owns a person: the rule of the inbox card and of owner sync.
//!
//! Account owner, else contact owner, else lead owner, else the teammate who installed the app.
//! Salesforce users are matched to Intercom teammates by email. An account owner with no matching
//! teammate clears the owner, even when the contact owner would match.

use serde::{Deserialize, Serialize};

use crate::card::{Owner, OwnerSource};

/// What the admin chose about owners ("Maintain lead and account ownership").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerSettings {
    /// Write each linked person's owner to Intercom's `owner_id` when it changes in Salesforce.
    pub sync_owners: bool,
    /// Assign a new conversation to its person's owner.
    pub route_conversations: bool,
}

impl Default for OwnerSettings {
    /// Both on: the articles keep ownership up to date without a switch.
    fn default() -> Self {
        OwnerSettings {
            sync_owners: true,
            route_conversations: true,
        }
    }
}

/// A Salesforce user as the rule needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceUser {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// An active user. A queue (a lead's owner may be one) or a deactivated user owns as if
    /// the record had no owner: the rule goes on to the next one.
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

impl SalesforceUser {
    /// Whether an owner with this id and `IsActive` can own people: users' ids start `005`.
    pub fn can_own(id: &str, is_active: Option<bool>) -> bool {
        id.starts_with("005") && is_active != Some(false)
    }
}

/// An Intercom teammate (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teammate {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// The Salesforce owners a person has, by where they come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesforceOwners<'a> {
    pub account_owner: Option<&'a SalesforceUser>,
    pub contact_owner: Option<&'a SalesforceUser>,
    pub lead_owner: Option<&'a SalesforceUser>,
}

/// One Salesforce user and the teammate they are matched to, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMatch {
    pub salesforce_user: SalesforceUser,
    pub teammate: Option<Teammate>,
}

/// The owner settings page: the choices, and how the org's users match teammates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnersView {
    pub settings: OwnerSettings,
    pub matches: Vec<UserMatch>,
    /// The teammate owners fall back to: the one who installed the app.
    pub installer: Option<Teammate>,
}

/// Each user with their teammate by email, in the users' order.
pub fn user_matches(users: &[SalesforceUser], teammates: &[Teammate]) -> Vec<UserMatch> {
    users
        .iter()
        .map(|user| UserMatch {
            salesforce_user: user.clone(),
            teammate: teammate_for(user, teammates).cloned(),
        })
        .collect()
}

/// The teammate whose email equals the user's, ignoring case and surrounding space.
pub fn teammate_for<'t>(user: &SalesforceUser, teammates: &'t [Teammate]) -> Option<&'t Teammate> {
    let email = normalize(user.email.as_deref()?)?;
    teammates
        .iter()
        .find(|t| t.email.as_deref().and_then(normalize).as_deref() == Some(email.as_str()))
}

fn normalize(email: &str) -> Option<String> {
    let trimmed = email.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_lowercase())
}

/// Applies the owner rule. `installer` is the teammate who installed the app, if known.
pub fn choose_owner(
    owners: &SalesforceOwners<'_>,
    teammates: &[Teammate],
    installer: Option<&Teammate>,
) -> Option<Owner> {
    // A queue or a deactivated user counts as no owner at all.
    let owners = SalesforceOwners {
        account_owner: owners.account_owner.filter(|u| u.active),
        contact_owner: owners.contact_owner.filter(|u| u.active),
        lead_owner: owners.lead_owner.filter(|u| u.active),
    };
    let from_salesforce = |user: &SalesforceUser, source| {
        teammate_for(user, teammates).map(|teammate| Owner {
            name: user.name.clone(),
            email: user.email.clone(),
            teammate_id: Some(teammate.id.clone()),
            salesforce_user_id: Some(user.id.clone()),
            source,
        })
    };
    if let Some(account_owner) = owners.account_owner {
        // Account owners override: no matching teammate clears the owner.
        return from_salesforce(account_owner, OwnerSource::AccountOwner);
    }
    owners
        .contact_owner
        .and_then(|u| from_salesforce(u, OwnerSource::ContactOwner))
        .or_else(|| {
            owners
                .lead_owner
                .and_then(|u| from_salesforce(u, OwnerSource::LeadOwner))
        })
        .or_else(|| {
            installer.map(|t| Owner {
                name: t.name.clone(),
                email: t.email.clone(),
                teammate_id: Some(t.id.clone()),
                salesforce_user_id: None,
                source: OwnerSource::Installer,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, email: &str) -> SalesforceUser {
        SalesforceUser {
            id: id.to_owned(),
            name: id.to_owned(),
            email: Some(email.to_owned()),
            active: true,
        }
    }

    fn teammate(id: &str, email: &str) -> Teammate {
        Teammate {
            id: id.to_owned(),
            name: id.to_owned(),
            email: Some(email.to_owned()),
        }
    }

    fn team() -> Vec<Teammate> {
        vec![
            teammate("t-alice", "alice@example.com"),
            teammate("t-bob", "Bob@Example.com"),
        ]
    }

    #[test]
    fn account_owner_wins_over_contact_owner() {
        let alice = user("u-alice", "alice@example.com");
        let bob = user("u-bob", "bob@example.com");
        let owners = SalesforceOwners {
            account_owner: Some(&alice),
            contact_owner: Some(&bob),
            lead_owner: None,
        };
        let owner = choose_owner(&owners, &team(), None).unwrap();
        assert_eq!(owner.source, OwnerSource::AccountOwner);
        assert_eq!(owner.teammate_id.as_deref(), Some("t-alice"));
        assert!(owner.assigned_by_salesforce());
    }

    #[test]
    fn an_unmatched_account_owner_clears_the_owner() {
        let stranger = user("u-x", "x@elsewhere.example");
        let bob = user("u-bob", "bob@example.com");
        let installer = teammate("t-alice", "alice@example.com");
        let owners = SalesforceOwners {
            account_owner: Some(&stranger),
            contact_owner: Some(&bob),
            lead_owner: None,
        };
        assert_eq!(choose_owner(&owners, &team(), Some(&installer)), None);
    }

    #[test]
    fn contact_owner_matches_by_email_ignoring_case() {
        let bob = user("u-bob", " BOB@example.com ");
        let owners = SalesforceOwners {
            contact_owner: Some(&bob),
            ..Default::default()
        };
        let owner = choose_owner(&owners, &team(), None).unwrap();
        assert_eq!(owner.source, OwnerSource::ContactOwner);
        assert_eq!(owner.teammate_id.as_deref(), Some("t-bob"));
    }

    #[test]
    fn lead_owner_then_installer() {
        let bob = user("u-bob", "bob@example.com");
        let stranger = user("u-x", "x@elsewhere.example");
        let installer = teammate("t-alice", "alice@example.com");
        let lead = SalesforceOwners {
            lead_owner: Some(&bob),
            ..Default::default()
        };
        assert_eq!(
            choose_owner(&lead, &team(), Some(&installer))
                .unwrap()
                .source,
            OwnerSource::LeadOwner
        );
        let unmatched = SalesforceOwners {
            lead_owner: Some(&stranger),
            ..Default::default()
        };
        let owner = choose_owner(&unmatched, &team(), Some(&installer)).unwrap();
        assert_eq!(owner.source, OwnerSource::Installer);
        assert!(!owner.assigned_by_salesforce());
        assert_eq!(owner.salesforce_user_id, None);
        assert_eq!(choose_owner(&unmatched, &team(), None), None);
    }

    #[test]
    fn every_user_is_listed_with_their_teammate_or_none() {
        let users = vec![
            user("u-bob", "BOB@example.com"),
            user("u-x", "x@elsewhere.example"),
        ];
        let matches = user_matches(&users, &team());
        assert_eq!(matches.len(), 2);
        assert_eq!(
            matches[0].teammate.as_ref().map(|t| t.id.as_str()),
            Some("t-bob")
        );
        assert_eq!(matches[1].teammate, None);
        assert_eq!(matches[1].salesforce_user.id, "u-x");
    }

    #[test]
    fn a_queue_or_a_deactivated_owner_counts_as_none() {
        let mut gone = user("u-alice", "alice@example.com");
        gone.active = false;
        let bob = user("u-bob", "bob@example.com");
        let installer = teammate("t-carol", "carol@example.com");
        // A deactivated account owner does not clear: the contact owner takes over.
        let owners = SalesforceOwners {
            account_owner: Some(&gone),
            contact_owner: Some(&bob),
            lead_owner: None,
        };
        let owner = choose_owner(&owners, &team(), Some(&installer)).unwrap();
        assert_eq!(owner.source, OwnerSource::ContactOwner);
        // A lead owned by a queue falls back to the installer.
        let mut queue = user("00G000000000001", "bob@example.com");
        queue.active = SalesforceUser::can_own(&queue.id, None);
        let lead = SalesforceOwners {
            lead_owner: Some(&queue),
            ..Default::default()
        };
        let owner = choose_owner(&lead, &team(), Some(&installer)).unwrap();
        assert_eq!(owner.source, OwnerSource::Installer);
        assert!(SalesforceUser::can_own("005000000000001", Some(true)));
        assert!(!SalesforceUser::can_own("005000000000001", Some(false)));
    }

    #[test]
    fn a_user_without_email_matches_nobody() {
        let mut nobody = user("u-n", "");
        assert_eq!(teammate_for(&nobody, &team()), None);
        nobody.email = None;
        assert_eq!(teammate_for(&nobody, &team()), None);
    }
}
