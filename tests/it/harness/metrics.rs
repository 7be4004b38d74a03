//! A metrics endpoint the test serves itself, for Prometheus to scrape. The test sets the
//! values; counters can grow by a fixed step on every scrape so `rate()` has something to see.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::HttpServer;

#[derive(Default)]
struct Values {
    /// `series` (name with its label set, as exposition text) -> value.
    values: BTreeMap<String, f64>,
    /// Added to the value of `series` on every scrape.
    per_scrape: BTreeMap<String, f64>,
    /// Answer 500, so Prometheus records `up == 0` for this target.
    failing: bool,
    scrapes: u64,
}

pub struct MetricsServer {
    server: HttpServer,
    values: Arc<Mutex<Values>>,
}

impl MetricsServer {
    pub fn start() -> MetricsServer {
        let values = Arc::new(Mutex::new(Values::default()));
        let router = Router::new()
            .route("/metrics", get(scrape))
            .with_state(values.clone());
        MetricsServer {
            server: HttpServer::start(router),
            values,
        }
    }

    /// `host:port`, as a Prometheus static target.
    pub fn target(&self) -> String {
        self.server.addr().to_string()
    }

    pub fn url(&self) -> String {
        format!("{}/metrics", self.server.url())
    }

    /// Set a gauge, e.g. `set(r#"queue_depth{queue="mail"}"#, 3.0)`.
    pub fn set(&self, series: &str, value: f64) -> &Self {
        self.lock().values.insert(series.to_string(), value);
        self
    }

    /// A counter that grows by `step` on every scrape, starting at `start`.
    pub fn counter(&self, series: &str, start: f64, step: f64) -> &Self {
        let mut v = self.lock();
        v.values.insert(series.to_string(), start);
        v.per_scrape.insert(series.to_string(), step);
        self
    }

    pub fn remove(&self, series: &str) -> &Self {
        let mut v = self.lock();
        v.values.remove(series);
        v.per_scrape.remove(series);
        self
    }

    /// Make every scrape fail (HTTP 500), or recover.
    pub fn set_failing(&self, failing: bool) -> &Self {
        self.lock().failing = failing;
        self
    }

    pub fn scrapes(&self) -> u64 {
        self.lock().scrapes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Values> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn scrape(State(values): State<Arc<Mutex<Values>>>) -> impl IntoResponse {
    let mut v = values.lock().unwrap_or_else(|e| e.into_inner());
    v.scrapes += 1;
    if v.failing {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            String::from("scrape failure requested by the test\n"),
        );
    }
    let steps: Vec<(String, f64)> = v.per_scrape.iter().map(|(k, s)| (k.clone(), *s)).collect();
    for (series, step) in steps {
        if let Some(value) = v.values.get_mut(&series) {
            *value += step;
        }
    }
    let mut body = String::new();
    for (series, value) in &v.values {
        body.push_str(&format!("{series} {value}\n"));
    }
    (StatusCode::OK, body)
}
