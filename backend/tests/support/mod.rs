//! The demo (both simulators with their seeds, the app on a free port, Salesforce connected
//! through the real OAuth flow) as the world the end-to-end tests run in.

#![allow(dead_code)] // each test binary uses part of it

use std::net::{IpAddr, Ipv4Addr};

use sfbridge::config::{self, RawConfig};
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo::{Demo, DemoOptions};

pub struct World {
    pub demo: Demo,
    /// `http://127.0.0.1:port` of the app.
    pub app: String,
    pub http: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for World {
    type Target = Demo;
    fn deref(&self) -> &Demo {
        &self.demo
    }
}

impl World {
    pub async fn start() -> World {
        World::start_with(|_| {}).await
    }

    /// A world whose configuration `adjust` changes first (shorter sync waits, say).
    pub async fn start_with(adjust: impl FnOnce(&mut config::Config)) -> World {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config::parse(
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
        adjust(&mut config);
        let options = DemoOptions {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            salesforce_port: 0,
            intercom_port: 0,
            credentials_json: None,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let demo = Demo::start(
            &config,
            Cipher::new(&SecretKey::generate()),
            &options,
            shutdown,
        )
        .await
        .unwrap();
        World {
            app: demo.state.public_url.clone(),
            demo,
            http: reqwest::Client::new(),
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
        self.demo.finish().await.unwrap();
    }
}
