//! The Prometheus client against Debian's real `prometheus`, fed by a metrics endpoint the
//! test serves and by hours of backfilled history.

use crate::harness;

use harness::{MetricsServer, OpenMetrics, Prometheus};

const RULES: &str = r#"groups:
  - name: oncall-test
    rules:
      - alert: ServiceDown
        expr: up == 0
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} on {{ $labels.instance }} is down"
          runbook_url: "https://runbooks.example.com/ServiceDown"
      - alert: HighErrorRate
        expr: sum by (job) (rate(demo_http_requests_total{code="500"}[10s])) / sum by (job) (rate(demo_http_requests_total[10s])) > 0.05
        for: 0s
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.job }} answers {{ $value | humanizePercentage }} errors"
      - alert: AppUpForAnHour
        expr: up{job="app"} == 1
        for: 1h
        labels:
          severity: info
      - record: job:demo_http_requests:rate10s
        expr: sum by (job) (rate(demo_http_requests_total[10s]))
"#;

/// Hours of history: now-6h .. now-10m, one point every 15 s, two series.
fn history(now_s: i64) -> String {
    OpenMetrics::new()
        .gauge(
            "demo_cpu_usage",
            &[
                &[("instance", "host-1"), ("job", "history")],
                &[("instance", "host-2"), ("job", "history")],
            ],
            now_s - 6 * 3600,
            now_s - 600,
            15,
            |i, t| (i as f64) + ((t % 3600) as f64) / 3600.0,
        )
        .finish()
}

struct Platform {
    metrics: MetricsServer,
    prom: Prometheus,
    now_s: i64,
}

fn platform() -> Platform {
    let now_s = chrono::Utc::now().timestamp();
    let metrics = MetricsServer::start();
    metrics
        .set("demo_queue_depth{queue=\"mail\"}", 3.0)
        .counter("demo_http_requests_total{code=\"200\"}", 0.0, 10.0)
        .counter("demo_http_requests_total{code=\"500\"}", 0.0, 5.0);
    let dead = vec![format!("127.0.0.1:{}", harness::free_port())];
    let prom = Prometheus::builder()
        .scrape(&metrics)
        .scrape_job("db", &dead)
        .rules(RULES)
        .backfill(history(now_s))
        .start();
    prom.wait_for_scrape("app");
    Platform {
        metrics,
        prom,
        now_s,
    }
}

#[test]
fn harness_prometheus_has_history_rules_and_a_query_log() {
    let p = platform();
    let r = p.prom.wait_for_series("demo_queue_depth");
    assert_eq!(r[0]["value"][1], "3");
    let range = p.prom.api(&format!(
        "query_range?query=demo_cpu_usage&start={}&end={}&step=60",
        p.now_s - 6 * 3600,
        p.now_s - 600
    ));
    let series = range["result"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert!(
        series[0]["values"].as_array().unwrap().len() > 300,
        "hours of points"
    );
    p.prom.wait_for_alert("ServiceDown", "firing");
    p.prom.wait_for_alert("HighErrorRate", "firing");
    p.prom.wait_for_alert("AppUpForAnHour", "pending");
    assert!(p.prom.query_log().contains("demo_queue_depth"));
    assert!(p.metrics.scrapes() > 0);
}

// ---------------------------------------------------------------------------------------
// The client, call by call.

use oncall::sources::prometheus::{
    AlertingState, PrometheusClient, QueryData, RangeQuery, Rule, RuleKind,
};
use oncall::sources::{ApiError, Endpoint, SourceError};

fn client(prom: &Prometheus) -> PrometheusClient {
    PrometheusClient::new(Endpoint::parse(&prom.url()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn client_query_returns_the_scraped_value() {
    let p = platform();
    p.prom.wait_for_series("demo_queue_depth");
    let answer = client(&p.prom)
        .query("demo_queue_depth", None)
        .await
        .unwrap();
    let QueryData::Vector(series) = answer.data else {
        panic!("an instant selector answers a vector: {:?}", answer.data);
    };
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].labels["queue"], "mail");
    assert_eq!(series[0].labels["job"], "app");
    assert_eq!(series[0].points.len(), 1);
    assert_eq!(series[0].points[0].1, 3.0);
    assert!(answer.warnings.is_empty(), "{:?}", answer.warnings);

    p.metrics.set("demo_queue_depth{queue=\"mail\"}", 7.5);
    harness::wait_for("the new value to be scraped", || {
        let v = p.prom.api("query?query=demo_queue_depth")["result"][0]["value"][1].clone();
        (v == "7.5").then_some(())
    });
    let answer = client(&p.prom)
        .query("demo_queue_depth * 2", None)
        .await
        .unwrap();
    assert_eq!(answer.data.into_series()[0].points[0].1, 15.0);

    let answer = client(&p.prom)
        .query("scalar(demo_queue_depth)", None)
        .await
        .unwrap();
    assert!(
        matches!(answer.data, QueryData::Scalar((_, v)) if v == 7.5),
        "{:?}",
        answer.data
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_query_range_reads_hours_of_backfilled_history() {
    let p = platform();
    let start_s = p.now_s - 6 * 3600;
    let end_s = p.now_s - 600;
    let q = RangeQuery {
        expr: "demo_cpu_usage".into(),
        start_ms: start_s * 1000,
        end_ms: end_s * 1000,
        step_ms: 60_000,
    };
    let answer = client(&p.prom).query_range(&q).await.unwrap();
    let mut series = answer.data;
    series.sort_by(|a, b| a.labels["instance"].cmp(&b.labels["instance"]));
    assert_eq!(series.len(), 2);
    let expected_points = ((end_s - start_s) / 60 + 1) as usize;
    for (i, s) in series.iter().enumerate() {
        assert_eq!(s.labels["job"], "history");
        assert_eq!(
            s.points.len(),
            expected_points,
            "one point per step over six hours"
        );
        for &(t_ms, v) in s.points.iter().step_by(37) {
            let t = t_ms / 1000;
            assert_eq!(
                t_ms % 60_000,
                (start_s * 1000) % 60_000,
                "points sit on the steps"
            );
            let want = i as f64 + ((t % 3600) as f64) / 3600.0;
            assert!((v - want).abs() < 1e-9, "at {t}: got {v}, want {want}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_query_range_leaves_a_gap_as_missing_points() {
    let now_s = chrono::Utc::now().timestamp();
    let gap = (now_s - 3 * 3600, now_s - 2 * 3600);
    let text = OpenMetrics::new()
        .gauge(
            "demo_gappy",
            &[&[("job", "history")]],
            now_s - 4 * 3600,
            gap.0,
            15,
            |_, _| 1.0,
        )
        .finish()
        .replace("# EOF\n", "");
    let text = text
        + &OpenMetrics::new()
            .gauge(
                "demo_gappy_tail",
                &[&[("job", "history")]],
                gap.1,
                now_s - 600,
                15,
                |_, _| 2.0,
            )
            .finish();
    // Two families are easier for promtool than one series split in two.
    let prom = Prometheus::builder().backfill(text).start();
    let q = RangeQuery {
        expr:
            "demo_gappy or label_replace(demo_gappy_tail, \"__name__\", \"demo_gappy\", \"\", \"\")"
                .into(),
        start_ms: (now_s - 4 * 3600) * 1000,
        end_ms: (now_s - 600) * 1000,
        step_ms: 60_000,
    };
    let series = client(&prom).query_range(&q).await.unwrap().data;
    let points: Vec<(i64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    let lookback_ms = 5 * 60 * 1000;
    let in_gap = |t: i64| t > gap.0 * 1000 + lookback_ms && t < gap.1 * 1000;
    assert!(!points.is_empty());
    assert!(
        points.iter().all(|&(t, _)| !in_gap(t)),
        "no point inside the gap"
    );
    assert!(
        points.iter().all(|&(_, v)| v == 1.0 || v == 2.0),
        "never a zero"
    );
    assert!(
        points.iter().any(|&(t, _)| t < gap.0 * 1000)
            && points.iter().any(|&(t, _)| t > gap.1 * 1000)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_alerts_and_rules_show_pending_and_firing() {
    let p = platform();
    p.prom.wait_for_alert("ServiceDown", "firing");
    p.prom.wait_for_alert("HighErrorRate", "firing");
    p.prom.wait_for_alert("AppUpForAnHour", "pending");
    let c = client(&p.prom);

    let alerts = c.alerts().await.unwrap().data;
    let down = alerts
        .iter()
        .find(|a| a.labels["alertname"] == "ServiceDown")
        .expect("ServiceDown");
    assert_eq!(down.state, AlertingState::Firing);
    assert_eq!(down.labels["job"], "db");
    assert_eq!(down.labels["severity"], "critical");
    assert_eq!(down.value, 0.0);
    assert!(
        down.annotations["summary"].starts_with("db on 127.0.0.1:"),
        "expanded: {:?}",
        down.annotations
    );
    assert_eq!(
        down.annotations["runbook_url"],
        "https://runbooks.example.com/ServiceDown"
    );
    assert!(down.active_at.is_some());
    let rate = alerts
        .iter()
        .find(|a| a.labels["alertname"] == "HighErrorRate")
        .expect("HighErrorRate");
    assert_eq!(rate.state, AlertingState::Firing);
    assert!(rate.value > 0.05 && rate.value < 1.0, "{}", rate.value);
    let pending = alerts
        .iter()
        .find(|a| a.labels["alertname"] == "AppUpForAnHour")
        .expect("AppUpForAnHour");
    assert_eq!(pending.state, AlertingState::Pending);

    let groups = c.rules(None).await.unwrap().data;
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "oncall-test");
    assert!(groups[0].file.ends_with("rules-0.yml"));
    let names: Vec<&str> = groups[0].rules.iter().map(Rule::name).collect();
    assert_eq!(
        names,
        [
            "ServiceDown",
            "HighErrorRate",
            "AppUpForAnHour",
            "job:demo_http_requests:rate10s"
        ]
    );
    let Rule::Alerting(down_rule) = &groups[0].rules[0] else {
        panic!("ServiceDown is an alerting rule");
    };
    assert_eq!(down_rule.query, "up == 0");
    assert_eq!(down_rule.state, AlertingState::Firing);
    assert_eq!(
        down_rule.annotations["summary"], "{{ $labels.job }} on {{ $labels.instance }} is down",
        "rule annotations stay templates"
    );
    assert_eq!(down_rule.alerts.len(), 1);
    assert!(groups[0].rules.iter().all(|r| r.health() == "ok"));

    let recording = c.rules(Some(RuleKind::Record)).await.unwrap().data;
    let names: Vec<&str> = recording
        .iter()
        .flat_map(|g| g.rules.iter().map(Rule::name))
        .collect();
    assert_eq!(names, ["job:demo_http_requests:rate10s"]);
    let alerting = c.rules(Some(RuleKind::Alert)).await.unwrap().data;
    assert_eq!(alerting[0].rules.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_label_values_and_buildinfo() {
    let p = platform();
    p.prom.wait_for_series("up{job=\"db\"}");
    let c = client(&p.prom);
    let jobs = c.label_values("job", &[], None, None).await.unwrap().data;
    for j in ["app", "db", "history"] {
        assert!(jobs.contains(&j.to_string()), "{jobs:?}");
    }
    let jobs = c
        .label_values("job", &["up".to_string()], None, None)
        .await
        .unwrap()
        .data;
    assert_eq!(jobs, ["app", "db"]);
    let queues = c
        .label_values(
            "queue",
            &["demo_queue_depth{job=\"app\"}".to_string()],
            None,
            None,
        )
        .await
        .unwrap()
        .data;
    assert_eq!(queues, ["mail"]);

    let info = c.buildinfo().await.unwrap().data;
    assert!(info.version.starts_with("2."), "{info:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_surfaces_prometheus_own_parse_error() {
    let prom = Prometheus::builder().start();
    let err = client(&prom)
        .query("sum(rate(http_requests_total[5m])", None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    match &err {
        SourceError::Api {
            api: ApiError::Prometheus { error_type, error },
            ..
        } => {
            assert_eq!(error_type, "bad_data");
            assert!(error.contains("parse error"), "{error}");
        }
        other => panic!("expected Prometheus' own error, got {other:?}"),
    }
    assert!(err.short().contains("parse error"), "{}", err.short());

    let q = RangeQuery {
        expr: "up".into(),
        start_ms: 0,
        end_ms: 11_000 * 1000 * 1000,
        step_ms: 1000,
    };
    let err = client(&prom).query_range(&q).await.unwrap_err();
    assert!(
        err.to_string().contains("exceeded maximum resolution"),
        "{err}"
    );
}

#[test]
fn alerts_flow_from_prometheus_rules_into_alertmanager() {
    let am = harness::Alertmanager::start();
    let dead = vec![format!("127.0.0.1:{}", harness::free_port())];
    let prom = Prometheus::builder()
        .scrape_job("db", &dead)
        .rules(RULES)
        .alertmanager(&am)
        .start();
    prom.wait_for_alert("ServiceDown", "firing");
    let got = am.wait_for_alerts("filter=alertname%3D%22ServiceDown%22", 1);
    assert_eq!(got[0]["labels"]["job"], "db");
    assert_eq!(got[0]["labels"]["severity"], "critical");
    assert!(got[0]["generatorURL"]
        .as_str()
        .unwrap()
        .contains(&prom.url().replace("http://127.0.0.1", "")));
}

#[test]
#[should_panic(expected = "unknown long flag")]
fn harness_reports_a_server_that_fails_to_start_with_its_stderr() {
    let bin = harness::process::require_binary("prometheus");
    let dir = tempfile::tempdir().unwrap();
    harness::process::ServerProcess::start("prometheus", &bin, dir, |_, _| {
        vec!["--no-such-flag".to_string()]
    });
}

#[test]
#[should_panic(expected = "apt-get install -y prometheus prometheus-alertmanager")]
fn harness_fails_with_the_install_hint_when_a_server_is_missing() {
    harness::process::require_binary("prometheus-that-is-not-installed");
}
