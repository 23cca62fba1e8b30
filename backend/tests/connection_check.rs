//! The connection check against the simulated Salesforce org and Intercom workspace over real
//! HTTP: what the Connections page shows comes from the services themselves.

use secrecy::SecretString;
use sfbridge::connections;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo;
use sfbridge::installations::{self, Pairing};
use sfbridge::store::Store;
use shared::{ConnectionState, InstallationStatus};
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

/// Both simulators, and a store holding the demo installation as `adjust` leaves it.
struct World {
    salesforce: SalesforceSim,
    intercom: IntercomSim,
    store: Store,
    cipher: Cipher,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start(adjust: impl FnOnce(Pairing) -> Pairing) -> World {
        let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
        let intercom = IntercomSim::start(Default::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = Store::open(&url.parse().unwrap()).await.unwrap();
        let cipher = Cipher::new(&SecretKey::generate());
        // Authorised already, as after the OAuth flow.
        let pairing = adjust(Pairing {
            salesforce_instance_url: Some(salesforce.url()),
            salesforce_access_token: Some(SecretString::from(salesforce.access_token())),
            ..demo::pairing(&salesforce, &intercom)
        });
        store
            .save_installation(&pairing.seal(&cipher), 1_000)
            .await
            .unwrap();
        World {
            salesforce,
            intercom,
            store,
            cipher,
            _dir: dir,
        }
    }

    async fn check(&self) -> InstallationStatus {
        connections::check_all(&self.store, &self.cipher)
            .await
            .unwrap();
        let row = self
            .store
            .installation(demo::DEMO_INSTALLATION_ID)
            .await
            .unwrap()
            .unwrap();
        installations::status(&row)
    }

    async fn stop(self) {
        self.salesforce.shutdown().await;
        self.intercom.shutdown().await;
    }
}

#[tokio::test]
async fn the_check_records_each_side_as_the_services_answer() {
    let world = World::start(|pairing| pairing).await;
    let calls_before = world.salesforce.api_calls();
    let status = world.check().await;
    assert_eq!(
        status.salesforce.state,
        ConnectionState::Connected,
        "{status:?}"
    );
    assert_eq!(status.salesforce.org_id, Some(world.salesforce.org_id()));
    let row = world
        .store
        .installation(demo::DEMO_INSTALLATION_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.salesforce_user_id,
        Some(world.salesforce.admin_user_id())
    );
    assert_eq!(
        status.intercom.state,
        ConnectionState::Connected,
        "{status:?}"
    );
    assert_eq!(
        status.intercom.workspace_id,
        Some(world.intercom.workspace_id())
    );
    assert!(status.salesforce.last_contact_at.is_some());
    // Identity comes from the userinfo endpoint, which does not spend the daily API allocation.
    assert_eq!(world.salesforce.api_calls(), calls_before);

    // An expired session turns the state to Error, keeping which org it was.
    world.salesforce.expire_sessions();
    let status = world.check().await;
    assert_eq!(status.salesforce.state, ConnectionState::Error);
    assert_eq!(status.salesforce.org_id, Some(world.salesforce.org_id()));
    assert!(status.salesforce.last_error.is_some());
    assert_eq!(status.intercom.state, ConnectionState::Connected);
    world.stop().await;
}

#[tokio::test]
async fn a_refused_intercom_token_is_reported_with_intercom_s_own_code() {
    let world = World::start(|pairing| Pairing {
        intercom_access_token: Some(SecretString::from("not-a-valid-token")),
        ..pairing
    })
    .await;
    let status = world.check().await;
    assert_eq!(status.intercom.state, ConnectionState::Error);
    let error = status.intercom.last_error.unwrap();
    assert!(error.contains("unauthorized"), "{error}");
    assert!(!error.contains("not-a-valid-token"), "{error}");
    world.stop().await;
}
