//! The processes under test and the one address in front of them, as a load balancer would
//! give: Intercom's webhooks go there and reach whichever process is up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::Sfbridge;

/// The shortest lease the configuration allows, so a takeover after SIGKILL comes soon.
const LEASE_SECONDS: &str = "3";
/// The shortest sweep period the configuration allows.
const SWEEP_SECONDS: &str = "10";

/// The processes' addresses, the front's view of who is up.
type Upstreams = Arc<Mutex<Vec<Option<String>>>>;

pub struct Fleet {
    database_url: String,
    key: String,
    processes: Vec<Option<Sfbridge>>,
    upstreams: Upstreams,
    front: String,
    front_task: tokio::task::JoinHandle<()>,
    restarts: u64,
}

impl Fleet {
    /// `n` processes on the database and the front before them.
    pub async fn start(database_url: &str, key: &str, n: usize) -> Result<Fleet> {
        let upstreams: Upstreams = Arc::new(Mutex::new(vec![None; n]));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let front = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .fallback(forward)
            .with_state((upstreams.clone(), reqwest::Client::new()));
        let front_task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let mut fleet = Fleet {
            database_url: database_url.to_owned(),
            key: key.to_owned(),
            processes: (0..n).map(|_| None).collect(),
            upstreams,
            front,
            front_task,
            restarts: 0,
        };
        for slot in 0..n {
            fleet.start_slot(slot).await?;
        }
        Ok(fleet)
    }

    pub fn front_url(&self) -> &str {
        &self.front
    }

    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    async fn start_slot(&mut self, slot: usize) -> Result<()> {
        let settings = [
            ("SFBRIDGE_LISTENER_LEASE_SECONDS", LEASE_SECONDS.to_owned()),
            ("SFBRIDGE_SWEEP_EVERY_SECONDS", SWEEP_SECONDS.to_owned()),
            // The soak proves delivery under faults, not pacing (the sync benches measure
            // that): the simulated org's 15,000-call day would pace these rates within a minute.
            ("SFBRIDGE_SYNC_CALLS_PER_HOUR", "1000000".to_owned()),
        ];
        let process = Sfbridge::serve_on(&self.database_url, &self.key, &settings).await?;
        self.upstreams.lock().expect("upstreams")[slot] = Some(process.base_url().to_owned());
        self.processes[slot] = Some(process);
        Ok(())
    }

    /// SIGKILL to a random process (no shutdown, no last writes), then the same process
    /// started again.
    pub async fn kill_and_restart(&mut self) -> Result<()> {
        let slot = rand::rng().random_range(0..self.processes.len());
        self.upstreams.lock().expect("upstreams")[slot] = None;
        if let Some(process) = self.processes[slot].take() {
            keep_log(slot, &process.stderr());
            process.kill().await?;
        }
        self.start_slot(slot).await?;
        self.restarts += 1;
        Ok(())
    }

    /// SIGTERM to every process.
    pub async fn stop(mut self) {
        for (slot, process) in self.processes.iter_mut().enumerate() {
            let Some(process) = process.take() else {
                continue;
            };
            keep_log(slot, &process.stderr());
            if let Ok((status, log)) = process.terminate().await
                && !status.success()
            {
                eprintln!("soak: a process exited with {status}:\n{log}");
            }
        }
        self.front_task.abort();
    }
}

/// Appends a process's log to `slot-N.log` in the folder `SOAK_LOGS` names, when it names one
/// (to read what the processes did when the soak finds something wrong).
fn keep_log(slot: usize, log: &str) {
    if let Some(dir) = std::env::var_os("SOAK_LOGS") {
        use std::io::Write as _;
        let path = std::path::Path::new(&dir).join(format!("slot-{slot}.log"));
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "--- process ---\n{log}");
        }
    }
}

/// Sends the request to a process that is up (the next one when one does not answer).
async fn forward(
    State((upstreams, client)): State<(Upstreams, reqwest::Client)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    for _ in 0..6 {
        let up: Vec<String> = upstreams
            .lock()
            .expect("upstreams")
            .iter()
            .flatten()
            .cloned()
            .collect();
        if up.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let base = &up[rand::rng().random_range(0..up.len())];
        let mut headers = parts.headers.clone();
        headers.remove(axum::http::header::HOST);
        let sent = client
            .request(parts.method.clone(), format!("{base}{path}"))
            .headers(headers)
            .body(body.clone())
            .timeout(Duration::from_secs(4))
            .send()
            .await;
        match sent {
            Ok(answer) => {
                let status = answer.status();
                let headers = answer.headers().clone();
                let bytes = answer.bytes().await.unwrap_or_default();
                let mut response = Response::new(Body::from(bytes));
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                return response;
            }
            // Refused: that process is going or gone; another takes it.
            Err(e) if e.is_connect() => continue,
            Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
        }
    }
    StatusCode::BAD_GATEWAY.into_response()
}
