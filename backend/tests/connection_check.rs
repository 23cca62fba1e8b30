//! The connection check against the simulated Salesforce org and Intercom workspace over real
//! HTTP: what the Connections page shows comes from the services themselves.

use secrecy::SecretString;
use sfbridge::connections;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::installations::{self, Pairing};
use sfbridge::store::Store;
use shared::{ConnectionState, SalesforceEnvironment};
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

fn pairing(salesforce: &SalesforceSim, intercom: &IntercomSim, intercom_token: &str) -> Pairing {
    Pairing {
        id: "demo".into(),
        name: "Demo workspace".into(),
        salesforce_environment: SalesforceEnvironment::Production,
        salesforce_login_url: salesforce.url(),
        salesforce_instance_url: Some(salesforce.url()),
        salesforce_client_id: Some(salesforce.client_id()),
        salesforce_client_secret: Some(SecretString::from(salesforce.client_secret())),
        salesforce_access_token: Some(SecretString::from(salesforce.access_token())),
        salesforce_refresh_token: None,
        intercom_api_base_url: intercom.url(),
        intercom_access_token: Some(SecretString::from(intercom_token.to_owned())),
        intercom_client_secret: Some(SecretString::from(intercom.client_secret())),
    }
}

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    (Store::open(&url.parse().unwrap()).await.unwrap(), dir)
}

#[tokio::test]
async fn the_check_records_each_side_as_the_services_answer() {
    let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
    let intercom = IntercomSim::start(Default::default()).await.unwrap();
    let (store, _dir) = store().await;
    let cipher = Cipher::new(&SecretKey::generate());
    store
        .save_installation(
            &pairing(&salesforce, &intercom, &intercom.access_token()).seal(&cipher),
            1_000,
        )
        .await
        .unwrap();

    let calls_before = salesforce.api_calls();
    connections::check_all(&store, &cipher).await.unwrap();
    let row = store.installation("demo").await.unwrap().unwrap();
    let status = installations::status(&row);
    assert_eq!(
        status.salesforce.state,
        ConnectionState::Connected,
        "{status:?}"
    );
    assert_eq!(status.salesforce.org_id, Some(salesforce.org_id()));
    assert_eq!(row.salesforce_user_id, Some(salesforce.admin_user_id()));
    assert_eq!(
        status.intercom.state,
        ConnectionState::Connected,
        "{status:?}"
    );
    assert_eq!(status.intercom.workspace_id, Some(intercom.workspace_id()));
    assert!(status.salesforce.last_contact_at.is_some());
    // Identity comes from the userinfo endpoint, which does not spend the daily API allocation.
    assert_eq!(salesforce.api_calls(), calls_before);

    // An expired session turns the state to Error, keeping which org it was.
    salesforce.expire_sessions();
    connections::check_all(&store, &cipher).await.unwrap();
    let status = installations::status(&store.installation("demo").await.unwrap().unwrap());
    assert_eq!(status.salesforce.state, ConnectionState::Error);
    assert_eq!(status.salesforce.org_id, Some(salesforce.org_id()));
    assert!(status.salesforce.last_error.is_some());
    assert_eq!(status.intercom.state, ConnectionState::Connected);

    salesforce.shutdown().await;
    intercom.shutdown().await;
}

#[tokio::test]
async fn a_refused_intercom_token_is_reported_with_intercom_s_own_code() {
    let salesforce = SalesforceSim::start(Default::default()).await.unwrap();
    let intercom = IntercomSim::start(Default::default()).await.unwrap();
    let (store, _dir) = store().await;
    let cipher = Cipher::new(&SecretKey::generate());
    store
        .save_installation(
            &pairing(&salesforce, &intercom, "not-a-valid-token").seal(&cipher),
            1_000,
        )
        .await
        .unwrap();
    connections::check_all(&store, &cipher).await.unwrap();
    let status = installations::status(&store.installation("demo").await.unwrap().unwrap());
    assert_eq!(status.intercom.state, ConnectionState::Error);
    let error = status.intercom.last_error.unwrap();
    assert!(error.contains("unauthorized"), "{error}");
    assert!(!error.contains("not-a-valid-token"), "{error}");
    salesforce.shutdown().await;
    intercom.shutdown().await;
}
