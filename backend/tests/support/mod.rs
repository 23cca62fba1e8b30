//! The demo (both simulators with their seeds, the app on a free port, Salesforce connected
//! through the real OAuth flow) as the world the end-to-end tests run in.

#![allow(dead_code)] // each test binary uses part of it

use sfbridge::config;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo::{self, Demo};

pub struct World {
    pub demo: Demo,
    /// `http://127.0.0.1:port` of the app.
    pub app: String,
    /// Signed in as the demo's admin (the installing teammate): its session cookie and the
    /// app's `Origin` go with every request.
    pub http: reqwest::Client,
    /// Not signed in.
    pub anonymous: reqwest::Client,
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
        let (mut config, options) = demo::scratch(dir.path());
        adjust(&mut config);
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
        // The tests start from the one-way mappings and add what each needs toward Intercom.
        sfbridge::settings::save_mappings(
            &demo.state.clients,
            &demo.state.sync.metadata,
            demo::DEMO_INSTALLATION_ID,
            sfbridge::sync::demo::demo_settings().mappings,
            None,
            chrono::Utc::now().timestamp_millis(),
        )
        .await
        .unwrap();
        let app = demo.state.public_url.clone();
        let http = demo::signed_in_client(&app, &demo.admin_sign_in)
            .await
            .unwrap();
        World {
            app,
            demo,
            http,
            anonymous: reqwest::Client::new(),
            stop,
            _dir: dir,
        }
    }

    /// A client signed in as the workspace's teammate `admin_id` (an admin only if granted).
    pub async fn sign_in_as(&self, admin_id: &str) -> reqwest::Client {
        let token = self
            .state
            .auth
            .make_installer_link(&self.store, demo::DEMO_INSTALLATION_ID, admin_id)
            .await
            .unwrap();
        let link = sfbridge::auth::team::sign_in_url(&self.app, &token);
        demo::signed_in_client(&self.app, &link).await.unwrap()
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

    /// [`World::get`] with an owned path, for futures that outlive the caller's strings.
    pub async fn get_owned(&self, path: String) -> (u16, serde_json::Value) {
        self.get(&path).await
    }

    /// The conversation whose contact has this email, from the app's own inbox API.
    pub async fn conversation_of(&self, email: &str) -> String {
        let (status, list) = self.get("/api/inbox/conversations").await;
        assert_eq!(status, 200, "{list}");
        list["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["contact"]["email"] == email)
            .unwrap_or_else(|| panic!("no conversation with {email} in {list}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Polls `check` until it gives a value, for at most `within`; panics naming `what`.
    pub async fn eventually<T, F, Fut>(
        &self,
        what: &str,
        within: std::time::Duration,
        mut check: F,
    ) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(value) = check().await {
                return value;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "gave up waiting for {what}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.demo.finish().await.unwrap();
    }
}

/// A Canvas Kit `text` component as a teammate reads it: its Markdown rendered the CommonMark
/// way, and every piece of markup (link, image, HTML, emphasis, code) found in it.
pub fn read_markdown(markdown: &str) -> (String, Vec<String>) {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut plain = String::new();
    let mut markup = Vec::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) => plain.push_str(&t),
            Event::Start(Tag::Paragraph) | Event::End(_) => {}
            other => markup.push(format!("{other:?}")),
        }
    }
    (plain, markup)
}
