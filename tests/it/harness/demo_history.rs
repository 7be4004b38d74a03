//! History in the seeds' metric names for a real Prometheus: every series the demo platform
//! serves, read through its Prometheus API and written as OpenMetrics for promtool's backfill.
//! So the dashboards' PromQL runs on the real engine against series shaped as the demo's.

use std::time::Duration;

use chrono::Utc;
use oncall::demo::DemoPlatform;
use oncall::sources::prometheus::{PrometheusClient, RangeQuery};
use oncall::sources::Endpoint;

use super::{block_on, OpenMetrics};

/// Every demo series over `history` up to a minute before `now_s`, one point every `step_s`
/// seconds (the scrape interval the backfilled data should look like).
pub fn demo_history(now_s: i64, history: Duration, step_s: i64) -> String {
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
        assert!(
            names.len() > 50,
            "the demo serves the seeds' metrics: {names:?}"
        );
        let end_s = now_s - 60;
        let start_s = end_s - history.as_secs() as i64;
        let mut text = OpenMetrics::new();
        for name in names {
            let series = client
                .query_range(&RangeQuery {
                    expr: format!("{{__name__=\"{name}\"}}"),
                    start_ms: start_s * 1000,
                    end_ms: end_s * 1000,
                    step_ms: step_s * 1000,
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
