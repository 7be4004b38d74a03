//! The servers every figure is measured against: Debian's real Prometheus holding an hour of
//! the demo platform's history (backfilled with promtool) and scraping a live endpoint, and the
//! real Alertmanager holding many alerts.

use std::time::Duration;

use chrono::Utc;

use crate::harness::alertmanager::many_alerts;
use crate::harness::{demo_history, Alertmanager, MetricsServer, Prometheus};

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
        .backfill(demo_history(Utc::now().timestamp(), HISTORY, STEP_S))
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
