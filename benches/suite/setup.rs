//! The servers every figure is measured against: Debian's real Prometheus holding an hour of
//! the demo platform's history (backfilled with promtool) and scraping a live endpoint, and the
//! real Alertmanager holding many alerts.

use std::time::Duration;

use chrono::Utc;
use oncall::demo::DemoPlatform;
use oncall::sources::prometheus::{PrometheusClient, RangeQuery};
use oncall::sources::Endpoint;

use crate::harness::alertmanager::many_alerts;
use crate::harness::{block_on, Alertmanager, MetricsServer, OpenMetrics, Prometheus};

/// History copied: the 1h dashboard's window and then some.
const HISTORY: Duration = Duration::from_secs(65 * 60);
/// The demo's scrape interval, so `rate` windows hold the samples they expect.
const STEP_S: i64 = 15;

pub struct Servers {
    pub prometheus: Prometheus,
    pub alertmanager: Alertmanager,
    pub alerts: usize,
    /// Kept alive: Prometheus scrapes it, so data keeps arriving while we watch.
    _metrics: MetricsServer,
}

pub fn start(alerts: usize) -> Servers {
    let metrics = MetricsServer::start();
    metrics
        .counter(r#"http_requests_total{status="200"}"#, 0.0, 150.0)
        .counter(r#"http_requests_total{status="500"}"#, 0.0, 2.0);
    let prometheus = Prometheus::builder()
        .backfill(demo_history(Utc::now().timestamp()))
        .scrape(&metrics)
        .scrape_interval_s(STEP_S as u32)
        .start();
    prometheus.wait_for_scrape("app");
    let alertmanager = Alertmanager::start();
    alertmanager.push_many(&many_alerts(alerts));
    alertmanager.wait_for_alerts("", alerts);
    Servers {
        prometheus,
        alertmanager,
        alerts,
        _metrics: metrics,
    }
}

/// Every series the demo serves, over `HISTORY` up to a minute ago, as OpenMetrics text
/// (the approach of `tests/it_dashboards.rs`).
fn demo_history(now_s: i64) -> String {
    block_on(async move {
        let demo = DemoPlatform::start_at(Utc::now(), oncall::demo::DEFAULT_SEED)
            .await
            .expect("demo platform starts");
        let client =
            PrometheusClient::new(Endpoint::new(demo.prometheus_url.clone())).expect("client");
        let names = client
            .label_values("__name__", &[], None, None)
            .await
            .expect("demo lists its metric names")
            .data;
        let end_s = now_s - 60;
        let start_s = end_s - HISTORY.as_secs() as i64;
        let mut text = OpenMetrics::new();
        for name in names {
            let series = client
                .query_range(&RangeQuery {
                    expr: format!("{{__name__=\"{name}\"}}"),
                    start_ms: start_s * 1000,
                    end_ms: end_s * 1000,
                    step_ms: STEP_S * 1000,
                })
                .await
                .unwrap_or_else(|e| panic!("demo answers {name}: {e}"))
                .data;
            for s in series {
                let labels: Vec<(String, String)> = s
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "__name__")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let points: Vec<(i64, f64)> =
                    s.points.iter().map(|(t, v)| (t / 1000, *v)).collect();
                text = text.recorded(&name, &labels, &points);
            }
        }
        text.finish()
    })
}
