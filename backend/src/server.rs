//! Binding, serving and stopping: one place that turns a router into a running server.
//!
//! Connections are served with hyper directly (`axum::serve` sets no header-read timeout):
//! a client that has not sent a request's headers within the timeout is disconnected, so
//! trickled headers cannot hold connections open.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// A bound server: the port is known (and printed) before the first request.
pub struct Server {
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
}

impl Server {
    /// Serve `router` on a listener bound earlier (when the router needs the bound address).
    pub fn on(listener: TcpListener, router: Router, header_read_timeout: Duration) -> Server {
        Server {
            listener,
            router,
            header_read_timeout,
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serve until `shutdown` completes, then let in-flight requests finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let service = TowerToHyperService::new(self.router);
        let connections = GracefulShutdown::new();
        let mut listener = self.listener;
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                // axum's accept retries what fails per connection and backs off when out of
                // file descriptors.
                (stream, _) = axum::serve::Listener::accept(&mut listener) => {
                    let connection = connections
                        .watch(http.serve_connection(TokioIo::new(stream), service.clone()));
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%error, "connection closed");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        connections.shutdown().await;
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
