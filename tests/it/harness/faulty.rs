//! Servers that misbehave in one specific way, for the failure-case tests: nothing
//! listening, accepting and never answering, fixed error statuses, malformed JSON, and
//! bodies far larger than any real answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::HttpServer;

/// A loopback URL on a port nothing listens on (connection refused).
pub fn refused_url() -> String {
    format!("http://127.0.0.1:{}", super::free_port())
}

pub struct FaultyServer {
    inner: Inner,
    hits: Arc<AtomicUsize>,
}

enum Inner {
    Http(HttpServer),
    BlackHole {
        addr: std::net::SocketAddr,
        shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    },
}

impl FaultyServer {
    /// Every request gets `status` with `content_type` and `body`.
    pub fn respond(
        status: u16,
        content_type: &'static str,
        body: impl Into<Bytes>,
    ) -> FaultyServer {
        let body: Bytes = body.into();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let status = StatusCode::from_u16(status).expect("valid status");
        let router = Router::new().fallback(move || {
            let body = body.clone();
            h.fetch_add(1, Ordering::SeqCst);
            async move { (status, [(header::CONTENT_TYPE, content_type)], body).into_response() }
        });
        FaultyServer {
            inner: Inner::Http(HttpServer::start(router)),
            hits,
        }
    }

    /// HTTP 500 with a plain-text body, like a crashing proxy.
    pub fn internal_error() -> FaultyServer {
        Self::respond(500, "text/plain", "internal error: upstream exploded\n")
    }

    /// HTTP 200 with a body that starts like JSON and breaks off.
    pub fn malformed_json() -> FaultyServer {
        Self::respond(
            200,
            "application/json",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":"#,
        )
    }

    /// HTTP 200 with an HTML page, like a login portal in front of the real server.
    pub fn html_page() -> FaultyServer {
        Self::respond(
            200,
            "text/html",
            "<!doctype html><html><body>Please log in</body></html>",
        )
    }

    /// HTTP 200 with a `size`-byte JSON array. With `announce_length` the size is in
    /// `Content-Length`; without it the body is streamed chunked, so a client can only find
    /// out by counting.
    pub fn huge(size: usize, announce_length: bool) -> FaultyServer {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let router = Router::new().fallback(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async move { huge_body(size, announce_length) }
        });
        FaultyServer {
            inner: Inner::Http(HttpServer::start(router)),
            hits,
        }
    }

    /// Accepts connections and never answers (a hung server, not a refused one).
    pub fn black_hole() -> FaultyServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("address");
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let _guard = super::rt().enter();
        let listener = tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
        super::rt().spawn(async move {
            // Keep every accepted socket open and unread until shutdown.
            let mut held = Vec::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        if let Ok((sock, _)) = accepted {
                            h.fetch_add(1, Ordering::SeqCst);
                            held.push(sock);
                        }
                    }
                }
            }
        });
        FaultyServer {
            inner: Inner::BlackHole {
                addr,
                shutdown: Some(tx),
            },
            hits,
        }
    }

    pub fn url(&self) -> String {
        match &self.inner {
            Inner::Http(s) => s.url(),
            Inner::BlackHole { addr, .. } => format!("http://{addr}"),
        }
    }

    /// How many requests (or, for the black hole, connections) arrived.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        if let Inner::BlackHole { shutdown, .. } = &mut self.inner {
            if let Some(tx) = shutdown.take() {
                let _ = tx.send(());
            }
        }
    }
}

/// A valid JSON array of zeros, exactly `size` bytes long (so a client that reads it all
/// could decode it: failing on it is about size, not syntax).
fn huge_body(size: usize, announce_length: bool) -> Response {
    const CHUNK: usize = 64 * 1024;
    let size = size.max(3);
    let mut buf = Vec::with_capacity(size);
    buf.push(b'[');
    while buf.len() + 2 < size {
        buf.extend_from_slice(b"0,");
    }
    buf.truncate(size - 2);
    // End on `,` or `[` so the closing `0]` is valid; a trailing `0` becomes a space.
    if buf.last() == Some(&b'0') {
        buf.pop();
        buf.push(b' ');
    }
    buf.extend_from_slice(b"0]");
    let body = Bytes::from(buf);
    if announce_length {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    let chunks: Vec<Result<Bytes, std::io::Error>> = (0..body.len())
        .step_by(CHUNK)
        .map(|at| Ok(body.slice(at..(at + CHUNK).min(body.len()))))
        .collect();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(futures::stream::iter(chunks)),
    )
        .into_response()
}
