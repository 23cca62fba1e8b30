//! Installation settings as stored: JSON documents, one per kind, read with their defaults and
//! saved only when the shared rules accept them.
//!
//! Sync settings are three documents: `identity` (how people and companies are matched),
//! `mappings` (the attribute mappings) and `lead_fallbacks` (the required Lead fields'
//! fallbacks, saved with the mappings). Changing an identity key unlinks everyone it matched, in
//! the same transaction that saves it. Owners (`owners`) and conversations as Tasks (`tasks`)
//! are a document each. Settings are checked against each installation's fields and
//! attributes, read and cached by [`metadata`].

pub mod metadata;

use serde::Deserialize;
use shared::owner::{OwnerSettings, OwnersView, user_matches};
pub use shared::sync::settings::{IdentitySaved, SettingsView, Unlinked};
use shared::sync::settings::{lead_fallback_defaults, standard_lead_mappings};
use shared::sync::{
    AttributeMapping, IdentitySettings, ImportError, LeadFallbacks, MappingsFile, PeopleIdentity,
    SettingsProblem, SyncMetadata, SyncSettings, export_mappings, import_mappings,
    required_lead_fields, unlinks_needed, validate_settings,
};

use crate::clients::Clients;
use crate::store::{Store, StoreError};
use metadata::{Metadata, MetadataError};

pub const IDENTITY: &str = "identity";
pub const MAPPINGS: &str = "mappings";
pub const LEAD_FALLBACKS: &str = "lead_fallbacks";
pub const OWNERS: &str = "owners";
pub const TASKS: &str = "tasks";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored {kind} settings cannot be read: {problem}")]
    Corrupt { kind: &'static str, problem: String },
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The settings break rules: every problem, each naming its rule.
    #[error("the settings break {} rule(s)", .0.len())]
    Refused(Vec<SettingsProblem>),
    #[error("{0}")]
    Import(ImportError),
}

/// A settings document of `kind`, if saved.
pub(crate) async fn document<T: serde::de::DeserializeOwned>(
    store: &Store,
    installation_id: &str,
    kind: &'static str,
) -> Result<Option<T>, SettingsError> {
    match store.setting(installation_id, kind).await? {
        None => Ok(None),
        Some(body) => serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| SettingsError::Corrupt {
                kind,
                problem: e.to_string(),
            }),
    }
}

/// The identity document as the inbox card's first release stored it, before companies.
#[derive(Deserialize)]
struct CardIdentity {
    people: CardPeople,
}

#[derive(Deserialize)]
struct CardPeople {
    external_id_field: Option<String>,
    #[serde(default = "yes")]
    email_fallback: bool,
}

fn yes() -> bool {
    true
}

/// Reads the identity document, in today's form or the card's first one.
fn parse_identity(body: &str) -> Result<IdentitySettings, SettingsError> {
    serde_json::from_str(body).or_else(|error| {
        let old: CardIdentity = serde_json::from_str(body).map_err(|_| SettingsError::Corrupt {
            kind: IDENTITY,
            problem: error.to_string(),
        })?;
        Ok(IdentitySettings {
            people: match old.people.external_id_field {
                Some(salesforce_field) => PeopleIdentity::ExternalId {
                    salesforce_field,
                    email_fallback: old.people.email_fallback,
                },
                None => PeopleIdentity::Email,
            },
            ..IdentitySettings::default()
        })
    })
}

/// How people and companies are matched (email and `AccountNumber` until saved).
pub async fn identity(
    store: &Store,
    installation_id: &str,
) -> Result<IdentitySettings, SettingsError> {
    match store.setting(installation_id, IDENTITY).await? {
        None => Ok(IdentitySettings::default()),
        Some(body) => parse_identity(&body),
    }
}

/// The identity, the attribute mappings (the required Lead fields' until saved) and the
/// fallbacks (every required field's default until saved).
pub async fn sync_settings(
    store: &Store,
    installation_id: &str,
) -> Result<SyncSettings, SettingsError> {
    let identity = identity(store, installation_id).await?;
    let mappings: Option<Vec<AttributeMapping>> =
        document(store, installation_id, MAPPINGS).await?;
    let lead_fallbacks: Option<LeadFallbacks> =
        document(store, installation_id, LEAD_FALLBACKS).await?;
    Ok(SyncSettings {
        identity,
        mappings: mappings.unwrap_or_else(standard_lead_mappings),
        lead_fallbacks: lead_fallbacks.unwrap_or_default(),
    })
}

/// Owner sync and conversation routing (both on until saved).
pub async fn owners(store: &Store, installation_id: &str) -> Result<OwnerSettings, SettingsError> {
    Ok(document(store, installation_id, OWNERS)
        .await?
        .unwrap_or_default())
}

/// The owner settings with how the org's active users match teammates: both sides from caches
/// (the users for `salesforce::users::USERS_FRESH_FOR`, the teammates for the inbox's TTL).
pub async fn owners_view(
    clients: &Clients,
    inbox: &crate::inbox::Inbox,
    installation_id: &str,
) -> Result<OwnersView, OwnersViewError> {
    let settings = owners(clients.store(), installation_id).await?;
    let salesforce = clients.salesforce(installation_id).await?;
    let users = salesforce
        .active_users()
        .await
        .map_err(crate::clients::ClientError::from)?;
    let team = inbox.team(clients, installation_id).await?;
    Ok(OwnersView {
        settings,
        matches: user_matches(&users, &team.teammates),
        installer: team.installer.clone(),
    })
}

/// Why the owner settings page cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum OwnersViewError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Client(#[from] crate::clients::ClientError),
}

/// Saves the owner settings.
pub async fn save_owners(
    store: &Store,
    installation_id: &str,
    owners: &OwnerSettings,
    now: i64,
) -> Result<(), SettingsError> {
    let body = serde_json::to_string(owners).expect("owner settings serialise");
    store
        .save_setting(installation_id, OWNERS, &body, now)
        .await?;
    Ok(())
}

/// Whether conversations go to Salesforce as Tasks (off until an admin switches it on).
pub async fn tasks(
    store: &Store,
    installation_id: &str,
) -> Result<shared::tasks::TaskSettings, SettingsError> {
    Ok(document(store, installation_id, TASKS)
        .await?
        .unwrap_or_default())
}

pub async fn save_tasks(
    store: &Store,
    installation_id: &str,
    tasks: &shared::tasks::TaskSettings,
    now: i64,
) -> Result<(), SettingsError> {
    let body = serde_json::to_string(tasks).expect("task settings serialise");
    store
        .save_setting(installation_id, TASKS, &body, now)
        .await?;
    Ok(())
}

/// Saves settings without checking them against the org: for the demo's seeding, which knows
/// its org. Unlinks whoever a changed key matched.
pub async fn save_unchecked(
    store: &Store,
    installation_id: &str,
    settings: &SyncSettings,
    now: i64,
) -> Result<Unlinked, SettingsError> {
    let before = identity(store, installation_id).await?;
    let mut tx = store.begin().await?;
    let unlinked =
        save_identity_in(&mut tx, installation_id, &before, &settings.identity, now).await?;
    let mappings = serde_json::to_string(&settings.mappings).expect("mappings serialise");
    tx.save_setting(installation_id, MAPPINGS, &mappings, now)
        .await?;
    let fallbacks = serde_json::to_string(&settings.lead_fallbacks).expect("fallbacks serialise");
    tx.save_setting(installation_id, LEAD_FALLBACKS, &fallbacks, now)
        .await?;
    tx.commit().await?;
    Ok(unlinked)
}

async fn save_identity_in(
    tx: &mut crate::store::StoreTx,
    installation_id: &str,
    before: &IdentitySettings,
    after: &IdentitySettings,
    now: i64,
) -> Result<Unlinked, SettingsError> {
    let needed = unlinks_needed(before, after);
    let mut unlinked = Unlinked::default();
    if needed.people {
        unlinked.people = tx.unlink_all_people(installation_id).await?;
    }
    if needed.companies {
        unlinked.companies = tx.unlink_all_companies(installation_id).await?;
    }
    let body = serde_json::to_string(after).expect("identity serialises");
    tx.save_setting(installation_id, IDENTITY, &body, now)
        .await?;
    unlinked.notices = needed.notices().into_iter().map(str::to_owned).collect();
    Ok(unlinked)
}

fn view(settings: SyncSettings, metadata: &SyncMetadata) -> SettingsView {
    let problems = validate_settings(&settings, metadata)
        .err()
        .unwrap_or_default();
    SettingsView {
        required_lead_fields: required_lead_fields(metadata),
        lead_fallback_defaults: lead_fallback_defaults(metadata),
        settings,
        problems,
    }
}

/// The sync settings and what is wrong with them.
pub async fn current(
    clients: &Clients,
    metadata: &Metadata,
    installation_id: &str,
) -> Result<SettingsView, SettingsError> {
    let meta = metadata.load(clients, installation_id).await?;
    let settings = sync_settings(clients.store(), installation_id).await?;
    Ok(view(settings, &meta))
}

/// The identity problems of `identity` against the org.
fn identity_problems(identity: &IdentitySettings, metadata: &SyncMetadata) -> Vec<SettingsProblem> {
    let mut problems = Vec::new();
    if let Err(refusal) = identity.people.validate(metadata) {
        problems.push(SettingsProblem::PeopleIdentity { refusal });
    }
    if let Err(refusal) = identity.companies.validate(metadata) {
        problems.push(SettingsProblem::CompanyIdentity { refusal });
    }
    problems
}

/// Saves how people and companies are matched, if the org has fitting fields and no mapping
/// uses the new key. A changed key unlinks everyone it matched; the answer says how many.
pub async fn save_identity(
    clients: &Clients,
    metadata: &Metadata,
    installation_id: &str,
    identity: IdentitySettings,
    now: i64,
) -> Result<IdentitySaved, SettingsError> {
    let meta = metadata.fresh(clients, installation_id).await?;
    let store = clients.store();
    let current = sync_settings(store, installation_id).await?;
    let candidate = SyncSettings {
        identity: identity.clone(),
        mappings: current.mappings,
        lead_fallbacks: current.lead_fallbacks,
    };
    let mut problems = identity_problems(&identity, &meta);
    // A mapping that now uses the key field is refused, naming the mapping.
    if let Err(all) = validate_settings(&candidate, &meta) {
        problems.extend(all.into_iter().filter(|p| {
            matches!(
                p,
                SettingsProblem::Mapping {
                    refusal: shared::sync::MappingRefusal::IdentityKey { .. },
                    ..
                }
            )
        }));
    }
    if !problems.is_empty() {
        return Err(SettingsError::Refused(problems));
    }
    let mut tx = store.begin().await?;
    let unlinked =
        save_identity_in(&mut tx, installation_id, &current.identity, &identity, now).await?;
    tx.commit().await?;
    Ok(IdentitySaved { identity, unlinked })
}

/// What saving `identity` would unlink, counted now: the links of whichever key changes.
/// Nothing is saved; the settings page asks before it saves.
pub async fn preview_identity(
    store: &Store,
    installation_id: &str,
    identity: &IdentitySettings,
) -> Result<Unlinked, SettingsError> {
    let before = self::identity(store, installation_id).await?;
    let needed = unlinks_needed(&before, identity);
    let (people, companies) = if needed.any() {
        store.link_counts(installation_id).await?
    } else {
        (0, 0)
    };
    Ok(Unlinked {
        people: if needed.people { people } else { 0 },
        companies: if needed.companies { companies } else { 0 },
        notices: needed.notices().into_iter().map(str::to_owned).collect(),
    })
}

/// Replaces the attribute mappings and, when given, the required Lead fields' fallbacks (kept
/// as they are when not), if together they keep every rule. Both are saved together.
pub async fn save_mappings(
    clients: &Clients,
    metadata: &Metadata,
    installation_id: &str,
    mappings: Vec<AttributeMapping>,
    lead_fallbacks: Option<LeadFallbacks>,
    now: i64,
) -> Result<SettingsView, SettingsError> {
    let meta = metadata.fresh(clients, installation_id).await?;
    let store = clients.store();
    let current = sync_settings(store, installation_id).await?;
    let settings = SyncSettings {
        identity: current.identity,
        mappings,
        lead_fallbacks: lead_fallbacks.unwrap_or(current.lead_fallbacks),
    };
    validate_settings(&settings, &meta).map_err(SettingsError::Refused)?;
    let body = serde_json::to_string(&settings.mappings).expect("mappings serialise");
    let fallbacks = serde_json::to_string(&settings.lead_fallbacks).expect("fallbacks serialise");
    let mut tx = store.begin().await?;
    tx.save_setting(installation_id, MAPPINGS, &body, now)
        .await?;
    tx.save_setting(installation_id, LEAD_FALLBACKS, &fallbacks, now)
        .await?;
    tx.commit().await?;
    Ok(view(settings, &meta))
}

/// The mappings as a version 1 file.
pub async fn export(store: &Store, installation_id: &str) -> Result<MappingsFile, SettingsError> {
    Ok(export_mappings(
        &sync_settings(store, installation_id).await?,
    ))
}

/// Replaces the mappings with a file's, if it is a known version and keeps every rule. The
/// identity stays, so an import never unlinks anyone.
pub async fn import(
    clients: &Clients,
    metadata: &Metadata,
    installation_id: &str,
    file: MappingsFile,
    now: i64,
) -> Result<SettingsView, SettingsError> {
    let meta = metadata.fresh(clients, installation_id).await?;
    let store = clients.store();
    let current = sync_settings(store, installation_id).await?;
    let imported = import_mappings(file, &current, &meta).map_err(SettingsError::Import)?;
    let body = serde_json::to_string(&imported.mappings).expect("mappings serialise");
    store
        .save_setting(installation_id, MAPPINGS, &body, now)
        .await?;
    Ok(view(imported, &meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_s_first_identity_document_still_reads() {
        let old =
            r#"{"people":{"external_id_field":"Intercom_Contact_Id__c","email_fallback":false}}"#;
        let identity = parse_identity(old).unwrap();
        assert_eq!(
            identity.people,
            PeopleIdentity::ExternalId {
                salesforce_field: "Intercom_Contact_Id__c".into(),
                email_fallback: false
            }
        );
        assert_eq!(identity.companies.salesforce_field, "AccountNumber");
        let email = parse_identity(r#"{"people":{"external_id_field":null}}"#).unwrap();
        assert_eq!(email.people, PeopleIdentity::Email);
        let today = serde_json::to_string(&identity).unwrap();
        assert_eq!(parse_identity(&today).unwrap(), identity);
        assert!(matches!(
            parse_identity("[1]"),
            Err(SettingsError::Corrupt { .. })
        ));
    }
}
