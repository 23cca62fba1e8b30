//! Cases from the inbox: the form a teammate fills in, filing it, and the admin's case settings.
//!
//! The form is built from Salesforce's describe, layouts and UI API picklists (all cached by the
//! Salesforce client) or from the custom field list; its lookups hold the conversation's person
//! as the card service knows them; Subject and Description come from the Intercom transcript.
//! Filing checks the form with the shared validation before anything is sent, claims the form
//! instance in the store so one form files one case, and costs at most two Salesforce calls once
//! the metadata and the card are cached: the owner's user (when the teammate should own it) and
//! one `/composite` that creates the case and reads its CaseNumber.

pub mod canvas;
pub mod conversation;
pub mod filing;
pub mod schema;
pub mod settings;

use futures_util::future::try_join_all;
use shared::api_error::codes;
use shared::card::{CardView, PersonKind};
use shared::case_form::{
    CaseFormView, CaseSettings, CaseSettingsView, FieldErrors, FormMode, FormSchema, LookupRecord,
    RecordType, SettingsError as SettingsProblem,
};

use crate::card::{CardError, Cards, ContactIdentity, Request};
use crate::clients::{ClientError, Clients};
use crate::inbox::Inbox;
use crate::salesforce::cases::MASTER_RECORD_TYPE;
use crate::salesforce::describe::ObjectDescribe;
use crate::salesforce::{self, SalesforceError};
use crate::settings::SettingsError;
use crate::store::StoreError;

use schema::Person;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The form does not pass the shared validation: nothing was sent.
    #[error("the case form has mistakes: {0}")]
    Invalid(FieldErrors),
    /// Salesforce refused the case; its words are on the fields they name.
    #[error("Salesforce refused the case: {0}")]
    Refused(FieldErrors),
    #[error(
        "the record type {0:?} is not available to the connected Salesforce user any more: reload \
         the form"
    )]
    RecordTypeUnavailable(String),
    #[error("this form is being filed by another request; wait for its answer")]
    InProgress,
    /// Salesforce's answer to the create was lost: the case may exist.
    #[error(
        "Salesforce did not answer when the case was sent, so it may exist; look for it in \
         Salesforce before filing the form again ({0})"
    )]
    NoAnswer(SalesforceError),
    /// An earlier submit of the form got no answer: it is never sent again.
    #[error(
        "an earlier submit of this form got no answer from Salesforce, so the case may exist; \
         look for it in Salesforce"
    )]
    OutcomeUnknown,
    #[error("the case settings do not fit Salesforce's Case object")]
    InvalidSettings(Vec<SettingsProblem>),
    #[error(transparent)]
    Salesforce(#[from] SalesforceError),
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("a stored case answer cannot be read: {0}")]
    Corrupt(String),
}

impl CaseError {
    /// The error in words for a teammate inside Intercom: sentences of this module's own that
    /// say what to do, never the error inside (it is logged here).
    pub fn for_people(&self) -> String {
        let said = match self {
            CaseError::Invalid(_) | CaseError::Refused(_) => {
                "The form has mistakes; they are shown beside the fields."
            }
            CaseError::RecordTypeUnavailable(_) => {
                "This type of case is not available any more: start the form again."
            }
            CaseError::InProgress | CaseError::OutcomeUnknown => return self.to_string(),
            CaseError::NoAnswer(_) => {
                "Salesforce did not answer when the case was sent, so it may exist; look for it in \
                 Salesforce before filing the form again."
            }
            CaseError::InvalidSettings(_) => {
                "The case settings no longer fit Salesforce's Case object; an admin can fix them \
                 in the case settings."
            }
            _ => match (self.salesforce(), self.intercom()) {
                (Some(e), _) => match e {
                    SalesforceError::ReconnectNeeded(_) => {
                        "Salesforce no longer accepts sfbridge's connection; an admin can \
                         reconnect it on the Connections page."
                    }
                    SalesforceError::LimitExceeded(_) => {
                        "The org has spent its API calls for today; try again when Salesforce \
                         grants more."
                    }
                    SalesforceError::ApiDisabled(_) => {
                        "This Salesforce org's edition has no API access."
                    }
                    SalesforceError::Unavailable(_) | SalesforceError::Transport(_) => {
                        "Salesforce did not answer in time. Try again in a moment."
                    }
                    SalesforceError::Refused { .. } | SalesforceError::Unexpected(_) => INTERNAL,
                },
                (None, Some(e)) => match e.api_code() {
                    Some(code) if code == codes::INTERCOM_RECONNECT_NEEDED => {
                        "Intercom no longer accepts sfbridge's connection; an admin can reconnect \
                         it on the Connections page."
                    }
                    Some(_) => "Intercom did not answer in time. Try again in a moment.",
                    None => INTERNAL,
                },
                (None, None) => INTERNAL,
            },
        };
        if said == INTERNAL {
            tracing::error!(error = %self, "a case request failed");
        } else {
            tracing::warn!(error = %self, "a case request failed");
        }
        said.to_owned()
    }

    /// The Salesforce error inside, however it was wrapped.
    fn salesforce(&self) -> Option<&SalesforceError> {
        match self {
            CaseError::Salesforce(e) | CaseError::NoAnswer(e) => Some(e),
            CaseError::Card(CardError::Salesforce(e)) => Some(e),
            CaseError::Client(ClientError::Salesforce(e))
            | CaseError::Card(CardError::Client(ClientError::Salesforce(e))) => Some(e),
            _ => None,
        }
    }

    /// The Intercom error inside, however it was wrapped.
    fn intercom(&self) -> Option<&crate::intercom::IntercomError> {
        match self {
            CaseError::Client(ClientError::Intercom(e))
            | CaseError::Card(CardError::Client(ClientError::Intercom(e))) => Some(e),
            _ => None,
        }
    }
}

/// What a teammate is told of a failure only the log can explain.
const INTERNAL: &str = "sfbridge could not complete the request; what went wrong is in its log.";

/// Where the conversation's person comes from.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// Asked of Intercom (and cached): the case page.
    Conversation,
    /// Named by the request: Canvas Kit sends the contact.
    Contact(Option<&'a ContactIdentity>),
}

/// The services a case needs. Cheap to make per request.
#[derive(Clone, Copy)]
pub struct Cases<'a> {
    pub clients: &'a Clients,
    pub cards: &'a Cards,
    pub inbox: &'a Inbox,
}

/// Which forms to build.
#[derive(Debug, Clone, Copy)]
enum Wanted<'a> {
    All,
    /// Only the form of this record type (`None`: the form without one).
    One(Option<&'a str>),
}

impl Cases<'_> {
    /// The form of a conversation: every record type's (or the custom one), prefilled.
    pub async fn form(
        &self,
        installation_id: &str,
        conversation_id: &str,
        who: Who<'_>,
    ) -> Result<CaseFormView, CaseError> {
        let salesforce = self.clients.salesforce(installation_id).await?;
        let describe = salesforce.describe("Case").await?;
        let settings = self.case_settings(installation_id, &describe).await?;
        let person = self.person(installation_id, conversation_id, who).await?;
        let schema = self
            .schema(&salesforce, &describe, &settings, &person, Wanted::All)
            .await?;
        let conversation = self
            .inbox
            .conversation(self.clients, installation_id, conversation_id)
            .await?;
        let team = self.inbox.team(self.clients, installation_id).await?;
        Ok(CaseFormView {
            conversation_id: conversation_id.to_owned(),
            schema,
            conversation: conversation::prefill(&conversation),
            owner_mode: settings.owner_mode,
            teammates: team.teammates.clone(),
            installer_id: team.installer.as_ref().map(|t| t.id.clone()),
        })
    }

    /// The settings in force, and the Case fields a custom form may hold.
    pub async fn settings(&self, installation_id: &str) -> Result<CaseSettingsView, CaseError> {
        let salesforce = self.clients.salesforce(installation_id).await?;
        let describe = salesforce.describe("Case").await?;
        let settings = self.case_settings(installation_id, &describe).await?;
        let fields = schema::case_describe(&describe)
            .fields
            .into_iter()
            .filter(|f| f.createable && f.has_input)
            .collect();
        Ok(CaseSettingsView { settings, fields })
    }

    /// Checks the settings against the Case describe and saves them as accepted.
    pub async fn save_settings(
        &self,
        installation_id: &str,
        settings: &CaseSettings,
    ) -> Result<CaseSettings, CaseError> {
        let salesforce = self.clients.salesforce(installation_id).await?;
        let describe = salesforce.describe("Case").await?;
        let accepted = settings
            .validate(&schema::case_describe(&describe))
            .map_err(CaseError::InvalidSettings)?;
        let now = chrono::Utc::now().timestamp_millis();
        settings::save(self.clients.store(), installation_id, &accepted, now).await?;
        Ok(accepted)
    }

    /// Saved settings, else the initial ones for this org.
    async fn case_settings(
        &self,
        installation_id: &str,
        describe: &ObjectDescribe,
    ) -> Result<CaseSettings, CaseError> {
        Ok(
            match settings::stored(self.clients.store(), installation_id).await? {
                Some(saved) => saved,
                None => CaseSettings::initial(&schema::case_describe(describe)),
            },
        )
    }

    /// The conversation's contact and their account, from the card service (cached).
    async fn person(
        &self,
        installation_id: &str,
        conversation_id: &str,
        who: Who<'_>,
    ) -> Result<Person, CaseError> {
        let view = match who {
            Who::Conversation => {
                self.cards
                    .for_conversation(
                        self.clients,
                        self.inbox,
                        installation_id,
                        conversation_id,
                        false,
                    )
                    .await?
            }
            Who::Contact(contact) => {
                self.cards
                    .for_contact(
                        self.clients,
                        self.inbox,
                        Request {
                            installation_id,
                            conversation_id,
                            contact,
                            include_closed: false,
                        },
                    )
                    .await?
            }
        };
        Ok(match view {
            // A case's contact is a Contact: a lead is not one yet.
            CardView::Found(card) if card.person.kind == PersonKind::Contact => Person {
                contact: Some(LookupRecord {
                    id: card.person.id,
                    name: card.person.name,
                }),
                account: card.account.map(|a| LookupRecord {
                    id: a.id,
                    name: a.name,
                }),
            },
            _ => Person::default(),
        })
    }

    /// The forms the settings call for; layouts and picklists come from the client's cache.
    async fn schema(
        &self,
        salesforce: &salesforce::Client,
        describe: &ObjectDescribe,
        settings: &CaseSettings,
        person: &Person,
        wanted: Wanted<'_>,
    ) -> Result<FormSchema, CaseError> {
        let record_types = match &settings.form_mode {
            FormMode::Custom { fields } => {
                return Ok(FormSchema {
                    forms: vec![schema::custom_form(describe, fields, person)],
                });
            }
            FormMode::RecordTypes => schema::available_record_types(describe),
        };
        let mut chosen: Vec<Option<RecordType>> = if record_types.is_empty() {
            // An org without record types: the master layout, and no record type is sent.
            vec![None]
        } else {
            record_types.into_iter().map(Some).collect()
        };
        if let Wanted::One(id) = wanted {
            chosen.retain(|rt| rt.as_ref().map(|rt| rt.id.as_str()) == id);
        }
        let loads = chosen.into_iter().map(|record_type| async move {
            let id = record_type
                .as_ref()
                .map_or(MASTER_RECORD_TYPE, |rt| rt.id.as_str())
                .to_owned();
            let (layout, picklists) = futures_util::try_join!(
                salesforce.case_layout(&id),
                salesforce.case_picklists(&id)
            )?;
            Ok::<_, SalesforceError>(schema::record_type_form(
                describe,
                record_type,
                &layout,
                &picklists,
                person,
            ))
        });
        Ok(FormSchema {
            forms: try_join_all(loads).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teammate_is_told_what_to_do_never_what_broke_inside() {
        let inside = "connection closed before message completed at 10.0.0.7:443";
        for (error, told) in [
            (
                CaseError::NoAnswer(SalesforceError::Transport(inside.into())),
                "look for it in Salesforce before filing the form again",
            ),
            (
                CaseError::Card(CardError::Salesforce(std::sync::Arc::new(
                    SalesforceError::Transport(inside.into()),
                ))),
                "Salesforce did not answer in time",
            ),
            (
                CaseError::Salesforce(SalesforceError::ReconnectNeeded(inside.into())),
                "reconnect it on the Connections page",
            ),
            (
                CaseError::Salesforce(SalesforceError::Unexpected(inside.into())),
                "what went wrong is in its log",
            ),
            (
                CaseError::Corrupt(inside.into()),
                "what went wrong is in its log",
            ),
        ] {
            let said = error.for_people();
            assert!(said.contains(told), "{error:?}: {said}");
            assert!(!said.contains("10.0.0.7"), "{error:?}: {said}");
        }
        assert_eq!(
            CaseError::InProgress.for_people(),
            CaseError::InProgress.to_string()
        );
    }
}
