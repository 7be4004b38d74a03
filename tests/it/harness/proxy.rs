//! A proxy in front of a real server that applies every request and then, for the requests
//! chosen, answers late: the write happened, but a client with a shorter timeout never hears
//! of it. Also servers that redirect elsewhere and that record the headers they receive.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::HttpServer;

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    /// `(method, path)` whose answers are held back for `delay`.
    slow: (String, String),
    delay: Duration,
    /// How many requests matched `slow` (each one applied upstream).
    slowed: Arc<Mutex<usize>>,
}

pub struct SlowProxy {
    server: HttpServer,
    slowed: Arc<Mutex<usize>>,
}

impl SlowProxy {
    /// Forward everything to `upstream`; answer `method path` only `delay` after upstream did.
    pub fn start(upstream: &str, method: &str, path: &str, delay: Duration) -> SlowProxy {
        let slowed = Arc::new(Mutex::new(0));
        let state = ProxyState {
            upstream: upstream.trim_end_matches('/').to_string(),
            slow: (method.to_string(), path.to_string()),
            delay,
            slowed: slowed.clone(),
        };
        let router = Router::new().fallback(forward).with_state(state);
        SlowProxy {
            server: HttpServer::start(router),
            slowed,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Requests that were applied upstream and answered late.
    pub fn slowed(&self) -> usize {
        *self.slowed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn forward(State(s): State<ProxyState>, req: Request) -> Response {
    let method = req.method().clone();
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let slow = method.as_str() == s.slow.0 && req.uri().path() == s.slow.1;
    let headers = req.headers().clone();
    let body = to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let mut rb = super::http().request(method, format!("{}{path_q}", s.upstream));
    if let Some(ct) = headers.get("content-type") {
        rb = rb.header("content-type", ct.clone());
    }
    let answer = match rb.body(body).send().await {
        Ok(a) => a,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = answer.status();
    let ct = answer.headers().get("content-type").cloned();
    let bytes = answer.bytes().await.unwrap_or_default();
    if slow {
        *s.slowed.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        tokio::time::sleep(s.delay).await;
    }
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    if let Some(ct) = ct {
        resp.headers_mut().insert("content-type", ct);
    }
    resp
}

/// A server that records the headers of every request and answers `body` with 200.
pub struct Recorder {
    server: HttpServer,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Recorder {
    pub fn start(body: &'static str) -> Recorder {
        let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
        let s = seen.clone();
        let router = Router::new().fallback(move |headers: HeaderMap| {
            s.lock().unwrap_or_else(|e| e.into_inner()).push(headers);
            async move { ([("content-type", "application/json")], body).into_response() }
        });
        Recorder {
            server: HttpServer::start(router),
            seen,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<HeaderMap> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A server that answers every request with `status` and `Location: {to}{path}`.
pub fn redirecting(status: u16, to: &str) -> HttpServer {
    let to = to.trim_end_matches('/').to_string();
    let router = Router::new().fallback(move |req: Request| {
        let to = to.clone();
        async move {
            let location = format!(
                "{to}{}",
                req.uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/")
            );
            (
                StatusCode::from_u16(status).expect("status"),
                [("location", location)],
            )
                .into_response()
        }
    });
    HttpServer::start(router)
}
