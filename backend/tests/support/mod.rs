//! Both simulators with the demo seeds, and the app serving on a free port, connected to the
//! org through the real OAuth flow: the world the end-to-end tests run in.

#![allow(dead_code)] // each test binary uses part of it

use std::net::SocketAddr;

use sfbridge::app;
use sfbridge::config::{self, RawConfig};
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo;
use sfbridge::http::AppState;
use sfbridge::settings;
use sfbridge::store::Store;
use sim::Seed;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

pub struct World {
    pub salesforce: SalesforceSim,
    pub intercom: IntercomSim,
    pub store: Store,
    pub state: AppState,
    /// `http://127.0.0.1:port` of the app.
    pub app: String,
    pub http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn start() -> World {
        let localhost = |port| SocketAddr::from(([127, 0, 0, 1], port));
        let salesforce = SalesforceSim::start(sim::salesforce::Config {
            bind: localhost(0),
            seed: Seed::Demo,
            ..Default::default()
        })
        .await
        .unwrap();
        let intercom = IntercomSim::start(sim::intercom::Config {
            bind: localhost(0),
            seed: Seed::Demo,
            ..Default::default()
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = config::parse(
            RawConfig {
                listen: Some("127.0.0.1:0".to_owned()),
                database_url: Some(format!(
                    "sqlite://{}",
                    dir.path().join("db.sqlite").display()
                )),
                static_dir: Some(dir.path().display().to_string()),
                ..RawConfig::default()
            },
            |_| None,
        )
        .unwrap();
        let cipher = Cipher::new(&SecretKey::generate());
        let store = app::open_store(&config).await.unwrap();
        store
            .save_installation(&demo::pairing(&salesforce, &intercom).seal(&cipher), 1)
            .await
            .unwrap();
        settings::save_identity(
            &store,
            demo::DEMO_INSTALLATION_ID,
            &demo::demo_identity(),
            1,
        )
        .await
        .unwrap();
        let (server, state) = app::bind(&config, store.clone(), cipher).await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            server
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        demo::connect_salesforce(&state.clients, &state.public_url)
            .await
            .unwrap();
        World {
            app: state.public_url.clone(),
            salesforce,
            intercom,
            store,
            state,
            http: reqwest::Client::new(),
            server,
            stop,
            _dir: dir,
        }
    }

    /// `GET` an app path; the status and the JSON body.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.app))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap();
        self.salesforce.shutdown().await;
        self.intercom.shutdown().await;
    }
}
