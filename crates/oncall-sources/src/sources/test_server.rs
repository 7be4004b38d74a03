//! A loopback HTTP server for the clients' tests: every request is recorded and answered by
//! a plain function, so each test states exactly what the backend says.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use url::Url;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All values of a query parameter.
    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params(name).into_iter().next()
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the handler answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

pub struct TestServer {
    pub url: Url,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Most requests that were being answered at the same time.
    pub max_in_flight: Arc<AtomicUsize>,
}

impl TestServer {
    /// Serve `handler` on 127.0.0.1, a free port; each answer waits `delay` first.
    pub async fn start(
        delay: Duration,
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let handler: Handler = Arc::new(handler);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let (s, f, m) = (seen.clone(), in_flight.clone(), max_in_flight.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (handler, seen, in_flight, max) =
                    (handler.clone(), s.clone(), f.clone(), m.clone());
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    let req = Seen {
                        method,
                        path: uri.path().to_string(),
                        query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                            .into_owned()
                            .collect(),
                        headers,
                        body,
                    };
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let reply = handler(&req);
                    seen.lock().unwrap().push(req);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let mut resp =
                        Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
                    for (k, v) in reply.headers {
                        resp = resp.header(k, v);
                    }
                    resp.body(axum::body::Body::from(reply.body)).unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            url: Url::parse(&format!("http://{addr}/")).unwrap(),
            seen,
            max_in_flight,
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
