//! The demo's `/api/v1/targets`: one active target per `up` series, healthy when it is 1, so
//! runbook steps that look at scrape targets (`api-down.md`) work against `--demo` as they do
//! against a real Prometheus.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::prometheus::{blocking, ApiFailure};
use super::promql::{self, InstantResult, Labels};
use super::storage::View;
use super::Platform;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    discovered_labels: Labels,
    labels: Labels,
    scrape_pool: String,
    scrape_url: String,
    global_url: String,
    last_error: String,
    last_scrape: String,
    last_scrape_duration: f64,
    health: &'static str,
    scrape_interval: &'static str,
    scrape_timeout: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    active_targets: Vec<Target>,
    dropped_targets: Vec<Target>,
}

pub(super) async fn targets(State(p): State<Arc<Platform>>) -> Response {
    blocking(p, |p| {
        let now = p.now();
        let up = promql::parse("up").map_err(|e| ApiFailure::internal(e.render("up")))?;
        let view = View {
            scenario: &p.scenario,
            now,
        };
        let samples = match promql::instant_query(&view, &up, now)? {
            InstantResult::Vector(samples) => samples,
            _ => Vec::new(),
        };
        let last_scrape = chrono::DateTime::from_timestamp_millis(now)
            .unwrap_or_default()
            .to_rfc3339();
        let active_targets = samples
            .into_iter()
            .map(|(labels, v)| {
                let job = labels.get("job").cloned().unwrap_or_default();
                let instance = labels.get("instance").cloned().unwrap_or_default();
                let mut shown = labels.clone();
                shown.remove("__name__");
                Target {
                    discovered_labels: shown.clone(),
                    labels: shown,
                    scrape_pool: job,
                    scrape_url: format!("http://{instance}/metrics"),
                    global_url: format!("http://{instance}/metrics"),
                    last_error: if v == 1.0 {
                        String::new()
                    } else {
                        "connection refused (demo)".into()
                    },
                    last_scrape: last_scrape.clone(),
                    last_scrape_duration: 0.012,
                    health: if v == 1.0 { "up" } else { "down" },
                    scrape_interval: "15s",
                    scrape_timeout: "10s",
                }
            })
            .collect();
        let data = Data {
            active_targets,
            dropped_targets: Vec::new(),
        };
        serde_json::to_string(&data).map_err(|e| ApiFailure::internal(e.to_string()))
    })
    .await
}
