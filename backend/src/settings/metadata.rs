//! Each installation's two schemas as the sync rules read them: Lead, Contact and Account
//! fields from Salesforce describes, person and company attributes from Intercom. Cached for a
//! few minutes per installation; concurrent first loads share one.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use shared::sync::{
    IntercomModel, SalesforceField, SalesforceFieldType, SalesforceObject, SyncMetadata,
};

use crate::clients::{ClientError, Clients};
use crate::salesforce::describe::ObjectDescribe;

/// How long loaded metadata is used before it is loaded again (describes revalidate cheaply).
pub const FRESH_FOR: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read the fields and attributes to map: {0}")]
pub struct MetadataError(pub Arc<ClientError>);

/// The metadata of every installation. Cheap to clone.
#[derive(Clone)]
pub struct Metadata {
    cache: Cache<String, Arc<SyncMetadata>>,
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata {
            cache: Cache::builder()
                .max_capacity(1_000)
                .time_to_live(FRESH_FOR)
                .build(),
        }
    }
}

impl Metadata {
    /// The installation's metadata: cached, else read from both services.
    pub async fn load(
        &self,
        clients: &Clients,
        installation_id: &str,
    ) -> Result<Arc<SyncMetadata>, MetadataError> {
        let clients = clients.clone();
        let id = installation_id.to_owned();
        self.cache
            .try_get_with(installation_id.to_owned(), async move {
                read(&clients, &id).await.map(Arc::new)
            })
            .await
            .map_err(MetadataError)
    }

    /// The installation's metadata if cached (the worker loads it for every batch).
    pub async fn cached(&self, installation_id: &str) -> Option<Arc<SyncMetadata>> {
        self.cache.get(installation_id).await
    }

    /// The installation's metadata read anew: for the settings page, which must offer and
    /// check against what the workspace and org hold now.
    pub async fn fresh(
        &self,
        clients: &Clients,
        installation_id: &str,
    ) -> Result<Arc<SyncMetadata>, MetadataError> {
        self.forget(installation_id).await;
        self.load(clients, installation_id).await
    }

    /// Forgets an installation's metadata (its org or workspace changed).
    pub async fn forget(&self, installation_id: &str) {
        self.cache.invalidate(installation_id).await;
    }
}

async fn read(clients: &Clients, installation_id: &str) -> Result<SyncMetadata, ClientError> {
    let salesforce = clients.salesforce(installation_id).await?;
    let intercom = clients.intercom(installation_id).await?;
    let mut fields = Vec::new();
    for object in SalesforceObject::ALL {
        let describe = salesforce.describe(object.api_name()).await?;
        fields.extend(salesforce_fields(object, &describe));
    }
    let mut attributes = intercom.data_attributes(IntercomModel::Person).await?;
    attributes.extend(intercom.data_attributes(IntercomModel::Company).await?);
    Ok(SyncMetadata::new(fields, attributes))
}

/// The describe's fields as the rules see them; types the sync does not know are left out.
pub fn salesforce_fields(
    object: SalesforceObject,
    describe: &ObjectDescribe,
) -> Vec<SalesforceField> {
    describe
        .fields
        .iter()
        .filter_map(|f| {
            let field_type = SalesforceFieldType::from_describe(&f.kind)?;
            Some(SalesforceField {
                object,
                name: f.name.clone(),
                label: f.label.clone(),
                field_type,
                length: f.length,
                precision: f.precision,
                scale: f.scale,
                createable: f.createable,
                updateable: f.updateable,
                calculated: f.calculated,
                nillable: f.nillable,
                defaulted_on_create: f.defaulted_on_create,
                compound_field_name: f.compound_field_name.clone(),
                compound: false,
                external_id: f.external_id,
                unique: f.unique,
                picklist_values: f
                    .picklist_values
                    .iter()
                    .filter(|p| p.active)
                    .map(|p| p.value.clone())
                    .collect(),
                picklist_default: f
                    .picklist_values
                    .iter()
                    .find(|p| p.active && p.default_value)
                    .map(|p| p.value.clone()),
            })
        })
        .collect()
}
