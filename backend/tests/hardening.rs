//! What keeps the server standing, over real sockets: each route's body limit, the request
//! timeout, the header-read timeout, the limit on requests in flight, and the security
//! headers and frame rules of the pages.

mod support;

use std::time::Duration;

use serde_json::Value;
use sfbridge::http::hardening::body_limit;
use sim::salesforce::{Fault, FaultKind};
use support::World;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `size` bytes to `path`; the status and the body as JSON (`Null` if it is not JSON).
async fn send_body(
    world: &World,
    method: reqwest::Method,
    path: &str,
    size: usize,
) -> (u16, Value) {
    let response = world
        .http
        .request(method, format!("{}{path}", world.app))
        .header("content-type", "application/json")
        .body(vec![b'x'; size])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_route_takes_bodies_up_to_its_own_limit_and_refuses_more_with_413() {
    use reqwest::Method;
    let world = World::start().await;
    let routes = [
        (Method::POST, "/webhooks/intercom", body_limit::WEBHOOK),
        (Method::POST, "/canvas/initialize", body_limit::CANVAS),
        (Method::POST, "/canvas/submit", body_limit::CANVAS),
        (
            Method::POST,
            "/api/settings/sync/mappings/import",
            body_limit::MAPPINGS,
        ),
        (
            Method::PUT,
            "/api/settings/sync/mappings",
            body_limit::MAPPINGS,
        ),
        (Method::PUT, "/api/settings/owners", body_limit::DEFAULT),
        (Method::POST, "/api/cases", body_limit::DEFAULT),
    ];
    for (method, path, limit) in routes {
        let (status, body) = send_body(&world, method.clone(), path, limit + 1).await;
        assert_eq!(status, 413, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "body_too_large", "{path}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("{} KiB", limit / 1024)),
            "{path}: {message}"
        );
        // At the limit the body is read, and refused for what it says (or for its signature).
        let (status, body) = send_body(&world, method.clone(), path, limit).await;
        assert!(
            matches!(status, 400 | 401 | 415 | 422),
            "{method} {path} at the limit: {status} {body}"
        );
    }
    // A body sent in chunks, with no length announced, meets the same limit.
    let chunks = futures_util::stream::iter(
        (0..5).map(|_| Ok::<_, std::io::Error>(vec![b'x'; body_limit::WEBHOOK / 4])),
    );
    let response = world
        .http
        .post(format!("{}/webhooks/intercom", world.app))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "body_too_large");
    world.stop().await;
}

/// A world whose server uses `adjust`'s limits.
async fn world_with(adjust: impl FnOnce(&mut sfbridge::http::hardening::Serving)) -> World {
    World::start_with(|config| adjust(&mut config.serving)).await
}

/// Reads from `stream` until the server closes it; what it sent first.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&seen).into_owned(),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

fn host_port(world: &World) -> String {
    world.app.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    let world = world_with(|s| s.header_read_timeout = Duration::from_millis(300)).await;
    let stream = TcpStream::connect(host_port(&world)).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // A byte every 20 ms: never idle for long, never done.
    let trickle = tokio::spawn(async move {
        if let Err(error) = writer
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: sfbridge\r\nX-Slow: ")
            .await
        {
            return error;
        }
        loop {
            if let Err(error) = writer.write_all(b"a").await {
                return error;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut buffer = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    // The writer meets the closed connection too.
    let refused = tokio::time::timeout(Duration::from_secs(20), trickle)
        .await
        .expect("the trickle ends once the server has hung up")
        .unwrap();
    assert!(
        matches!(
            refused.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{refused}"
    );
    // Others are still served.
    let (status, _) = world.get("/healthz").await;
    assert_eq!(status, 200);
    world.stop().await;
}

#[tokio::test]
async fn a_request_over_the_timeout_gets_504() {
    let world = world_with(|s| s.request_timeout = Duration::from_secs(1)).await;
    // A client that announces a body and sends only part of it.
    let mut stream = TcpStream::connect(host_port(&world)).await.unwrap();
    // The server's own Host: another is refused before any body is read.
    let request = format!(
        "POST /webhooks/intercom HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: 100\r\n\r\n{{\"type\":",
        host_port(&world)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(20), read_until_closed(&mut stream))
        .await
        .expect("the server answers");
    assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    assert!(answer.contains("within 1 s"), "{answer}");

    // Salesforce taking longer than the timeout: the admin hears so in time.
    world
        .salesforce
        .inject(Fault::next(FaultKind::Latency(Duration::from_secs(3)), 1));
    let (status, body) = world.get("/api/settings/owners").await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "request_timeout");
    world.stop().await;
}

/// Starts a webhook request whose body is held back, and returns once the handler is reading
/// it (hyper sends `100 Continue` then), so it holds a place among the requests in flight.
async fn held_request(world: &World) -> TcpStream {
    let mut stream = TcpStream::connect(host_port(world)).await.unwrap();
    let request = format!(
        "POST /webhooks/intercom HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Connection: close\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
        host_port(world)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("\r\n\r\n") {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "closed before 100 Continue");
        seen.extend_from_slice(&buffer[..n]);
    }
    assert!(
        String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    stream
}

#[tokio::test]
async fn requests_past_the_limit_in_flight_get_503_at_once() {
    let world = world_with(|s| s.max_concurrent_requests = 2).await;
    let mut first = held_request(&world).await;
    let second = held_request(&world).await;

    let response = world
        .http
        .get(format!("{}/healthz", world.app))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "overloaded");

    // The first finishes (unsigned: 401); its place is free by the time its answer is read.
    first.write_all(b"{}").await.unwrap();
    let answer = read_until_closed(&mut first).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let (status, _) = world.get("/healthz").await;
    assert_eq!(status, 200);
    // A held request would keep a graceful stop waiting until its timeout.
    drop(second);
    world.stop().await;
}

/// A world serving a built front end: every bundle's entry and a stylesheet.
async fn world_with_pages() -> (World, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    for entry in shared::pages::Bundle::ALL.map(|b| b.entry()) {
        std::fs::write(
            dist.path().join(entry),
            "<!doctype html><title>sfbridge</title>",
        )
        .unwrap();
    }
    std::fs::write(dist.path().join("style.css"), "body { margin: 0; }\n").unwrap();
    let static_dir = dist.path().to_owned();
    let world = World::start_with(move |config| config.static_dir = static_dir).await;
    (world, dist)
}

#[tokio::test]
async fn pages_carry_security_headers_and_only_the_card_and_case_may_be_framed_by_the_inbox() {
    let (world, _dist) = world_with_pages().await;
    let inbox = "frame-ancestors https://app.intercom.com https://app.eu.intercom.com \
                 https://app.au.intercom.com";
    for (path, framed_by) in [
        ("/card/215472621202601", inbox),
        ("/case/215472621202601", inbox),
        ("/", "frame-ancestors 'none'"),
        ("/connections", "frame-ancestors 'none'"),
        ("/inbox/215472621202601", "frame-ancestors 'none'"),
        ("/settings/sync", "frame-ancestors 'none'"),
        ("/cards/215472621202601", "frame-ancestors 'none'"),
        ("/style.css", "frame-ancestors 'none'"),
    ] {
        let response = world
            .http
            .get(format!("{}{path}", world.app))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.ends_with(framed_by), "{path}: {policy}");
        assert_eq!(
            policy.matches("frame-ancestors").count(),
            1,
            "{path}: {policy}"
        );
        // The wasm app's needs, and nothing from elsewhere.
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
    // The API loads nothing and is framed by nobody.
    let response = world
        .http
        .get(format!("{}/api/connections", world.app))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    world.stop().await;
}
