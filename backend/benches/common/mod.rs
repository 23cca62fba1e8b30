//! What the benchmarks share: the demo world on scratch ports, editing its mappings through
//! the settings API, the worker's counters, and one way to take a quantile.

#![allow(dead_code)] // each bench uses part of it

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};
use sfbridge::config::Config;
use sfbridge::crypto::{Cipher, SecretKey};
use sfbridge::demo::{self, Demo};

pub struct World {
    pub demo: Demo,
    /// Signed in as the demo's admin.
    pub http: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// The demo on free ports in a temp folder, its configuration changed by `adjust` first.
pub async fn start(adjust: impl FnOnce(&mut Config)) -> World {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mut config, options) = demo::scratch(dir.path());
    adjust(&mut config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let demo = Demo::start(
        &config,
        Cipher::new(&SecretKey::generate()),
        &options,
        async {
            let _ = stopped.await;
        },
    )
    .await
    .expect("the demo starts");
    // Signed in as the demo's admin, as its pages would be.
    let http = demo::signed_in_client(&demo.state.public_url, &demo.admin_sign_in)
        .await
        .expect("signed in");
    World {
        demo,
        http,
        stop,
        _dir: dir,
    }
}

impl World {
    /// The app's base URL.
    pub fn app(&self) -> String {
        self.demo.state.public_url.clone()
    }

    /// Reads the mappings, lets `edit` change each, and saves them through the settings API.
    pub async fn edit_mappings(&self, edit: impl FnMut(&mut Value)) {
        let app = self.app();
        let view: Value = self
            .http
            .get(format!("{app}/api/settings/sync"))
            .send()
            .await
            .expect("settings")
            .json()
            .await
            .expect("JSON");
        let mut mappings = view["mappings"].as_array().expect("mappings").clone();
        mappings.iter_mut().for_each(edit);
        let saved = self
            .http
            .put(format!("{app}/api/settings/sync/mappings"))
            .json(&json!({ "mappings": mappings }))
            .send()
            .await
            .expect("saved");
        assert!(saved.status().is_success());
    }

    /// Prints the sync worker's counters.
    pub fn print_worker_stats(&self) {
        let stats = &self.demo.state.sync.stats;
        println!(
            "worker: {} batches, {} jobs finished, {} retried",
            stats.batches.load(Ordering::Relaxed),
            stats.jobs_finished.load(Ordering::Relaxed),
            stats.jobs_retried.load(Ordering::Relaxed)
        );
    }

    /// Stops the demo cleanly.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        self.demo.finish().await.expect("a clean stop");
    }
}

/// The `q` quantile of sorted durations (nearest rank).
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}
