//! The webhooks step: the URL and the topics to subscribe in the Intercom Developer Hub, the
//! Canvas Kit URLs, and whether a signed notification has arrived yet.

use shared::access::WebhookSetup;

use super::Installer;
use crate::store::StoreError;

pub const WEBHOOK_PATH: &str = "/webhooks/intercom";

impl Installer<'_> {
    pub async fn webhook_setup(&self, installation_id: &str) -> Result<WebhookSetup, StoreError> {
        let base = self.public_url.trim_end_matches('/');
        Ok(WebhookSetup {
            url: format!("{base}{WEBHOOK_PATH}"),
            topics: crate::intercom::webhooks::SYNC_TOPICS
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            last_received_at: self
                .clients
                .store()
                .last_webhook_at(installation_id)
                .await?,
            canvas_initialize_url: format!("{base}/canvas/initialize"),
            canvas_submit_url: format!("{base}/canvas/submit"),
        })
    }
}
