//! `sfbridge demo`: the server paired with a simulated Salesforce org and Intercom workspace,
//! both seeded and running in this process, so the whole product can be tried offline.

use std::net::{IpAddr, SocketAddr};

use secrecy::SecretString;
use shared::SalesforceEnvironment;
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

use crate::app::{self, ExitError};
use crate::config::Config;
use crate::connections;
use crate::crypto::Cipher;
use crate::installations::Pairing;

/// The demo installation's id: a restarted demo updates it rather than adding another.
pub const DEMO_INSTALLATION_ID: &str = "demo";

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub host: IpAddr,
    pub salesforce_port: u16,
    pub intercom_port: u16,
}

pub async fn run(config: Config, options: DemoOptions) -> Result<(), ExitError> {
    let key = config
        .secret_key
        .as_ref()
        .expect("the demo always has a key (configured or generated)");
    let cipher = Cipher::new(key);

    let salesforce = SalesforceSim::start(sim::salesforce::Config {
        bind: SocketAddr::new(options.host, options.salesforce_port),
        seed: Seed::Demo,
        ..Default::default()
    })
    .await
    .map_err(|e| anyhow::anyhow!("cannot start the simulated Salesforce org: {e:#}"))?;
    let intercom = IntercomSim::start(sim::intercom::Config {
        bind: SocketAddr::new(options.host, options.intercom_port),
        seed: Seed::Demo,
        ..Default::default()
    })
    .await
    .map_err(|e| anyhow::anyhow!("cannot start the simulated Intercom workspace: {e:#}"))?;
    println!("simulated Salesforce org at {}", salesforce.url());
    println!("simulated Intercom workspace at {}", intercom.url());

    let store = app::open_store(&config).await?;
    let pairing = pairing(&salesforce, &intercom);
    store
        .save_installation(
            &pairing.seal(&cipher),
            chrono::Utc::now().timestamp_millis(),
        )
        .await
        .map_err(anyhow::Error::from)?;
    // Both simulators are up, so the first page load already shows live connection states.
    connections::check_all(&store, &cipher)
        .await
        .map_err(anyhow::Error::from)?;

    let result = app::run(&config, store).await;
    salesforce.shutdown().await;
    intercom.shutdown().await;
    Ok(result?)
}

/// The demo installation: the simulated org paired with the simulated workspace.
pub fn pairing(salesforce: &SalesforceSim, intercom: &IntercomSim) -> Pairing {
    Pairing {
        id: DEMO_INSTALLATION_ID.to_owned(),
        name: "Demo workspace".to_owned(),
        salesforce_environment: SalesforceEnvironment::Production,
        salesforce_login_url: salesforce.url(),
        salesforce_instance_url: Some(salesforce.url()),
        salesforce_client_id: Some(salesforce.client_id()),
        salesforce_client_secret: Some(SecretString::from(salesforce.client_secret())),
        salesforce_access_token: Some(SecretString::from(salesforce.access_token())),
        salesforce_refresh_token: None,
        intercom_api_base_url: intercom.url(),
        intercom_access_token: Some(SecretString::from(intercom.access_token())),
        intercom_client_secret: Some(SecretString::from(intercom.client_secret())),
    }
}
