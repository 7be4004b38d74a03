//! Every panel of all seven dashboards against Debian's real Prometheus, with history in the
//! seeds' metric names: no error, no "no data".
//!
//! The history is the demo platform's own series (every metric it serves, with its labels),
//! read through its Prometheus API and backfilled into the real TSDB with promtool. So this
//! checks two things at once: the dashboards' PromQL runs on the real engine (2.42), and the
//! demo's series are shaped as a real exporter's would be.

use crate::harness;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use oncall::dashboards::plan::{expand, plan_range, PlanOptions, VarValue};
use oncall::dashboards::{load_embedded, Dashboard};
use oncall::model::series::Series;
use oncall::sources::prometheus::{PrometheusClient, RangeQuery};
use oncall::sources::Endpoint;

use harness::{block_on, demo_history, Oncall, Prometheus};

/// How much history to copy: enough for the 1h dashboards, and data inside every longer range.
const HISTORY: Duration = Duration::from_secs(75 * 60);
/// The demo's scrape interval, so `rate` windows hold the samples they expect.
const STEP_S: i64 = 15;
/// The panel width the plans are made for (cells), as on a 160-column screen with two panels a row.
const WIDTH_CELLS: u16 = 78;

/// What one panel query answered, or why it did not count as data.
fn check_query(
    client: &PrometheusClient,
    expr: String,
    window: &oncall::dashboards::plan::RangeWindow,
) -> Result<usize, String> {
    let client = client.clone();
    let q = RangeQuery {
        expr: expr.clone(),
        start_ms: window.start_ms,
        end_ms: window.end_ms,
        step_ms: window.step_ms,
    };
    let series: Vec<Series> = block_on(async move { client.query_range(&q).await })
        .map_err(|e| format!("error: {e}"))?
        .data;
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(_, v)| v.is_finite())
        .count();
    if points == 0 {
        return Err("no data".into());
    }
    Ok(points)
}

fn all_variables(d: &Dashboard) -> BTreeMap<String, VarValue> {
    d.variables
        .iter()
        .map(|v| (v.name.clone(), VarValue::All))
        .collect()
}

#[test]
fn every_panel_of_every_dashboard_has_data_on_the_real_prometheus() {
    let now_s = Utc::now().timestamp();
    let prometheus = Prometheus::builder()
        .backfill(demo_history(now_s, HISTORY, STEP_S))
        .start();
    let client =
        PrometheusClient::new(Endpoint::parse(&prometheus.url()).expect("url")).expect("client");

    let loaded = load_embedded();
    assert!(
        loaded.errors.is_empty(),
        "embedded dashboards load: {:?}",
        loaded.errors
    );
    assert_eq!(loaded.dashboards.len(), 7);

    let opts = PlanOptions::default();
    let now_ms = Utc::now().timestamp_millis();
    let mut failures = Vec::new();
    let mut checked = 0;
    for d in &loaded.dashboards {
        let window = plan_range(now_ms, d.range, WIDTH_CELLS, &opts);
        let vars = all_variables(d);
        for panel in &d.panels {
            for q in &panel.queries {
                let expr = expand(&q.expr, &vars, &window, opts.scrape_interval);
                checked += 1;
                if let Err(why) = check_query(&client, expr.clone(), &window) {
                    failures.push(format!("{} / {}: {why}\n    {expr}", d.id, panel.title));
                }
            }
        }
    }
    eprintln!("checked {checked} panel queries, {} failed", failures.len());
    assert!(checked > 60, "all panel queries were run ({checked})");
    assert!(
        failures.is_empty(),
        "{} of {checked} panel queries have no data on the real Prometheus:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `oncall snapshot` (the built binary) prints every panel of a dashboard with data: against
/// the real Prometheus by id and range, and against the demo by number.
#[test]
fn snapshot_prints_every_panel_from_the_real_prometheus_and_the_demo() {
    let now_s = Utc::now().timestamp();
    let prometheus = Prometheus::builder()
        .backfill(demo_history(now_s, HISTORY, STEP_S))
        .start();
    let dashboard = load_embedded()
        .dashboards
        .into_iter()
        .find(|d| d.id == "application-performance")
        .expect("application-performance is embedded");

    let real = Oncall::new().prometheus(&prometheus.url()).run(&[
        "snapshot",
        "application-performance",
        "--range",
        "1h",
        "--width",
        "100",
    ]);
    real.expect_code(0);
    let demo = Oncall::new().run(&["--demo", "snapshot", "2", "--width", "80"]);
    demo.expect_code(0);

    for (what, run) in [("real Prometheus", &real), ("demo", &demo)] {
        let text = &run.stdout;
        assert!(
            !text.contains('\u{1b}'),
            "{what}: a snapshot is plain text for pasting:\n{text}"
        );
        for panel in &dashboard.panels {
            assert!(
                text.contains(&panel.title),
                "{what}: panel `{}` is missing:\n{text}",
                panel.title
            );
        }
        assert!(
            !text.contains("no data") && !text.contains("  error: "),
            "{what}: every panel has data:\n{text}"
        );
    }
}

/// `oncall query PROMQL` against the real Prometheus: a text plot with a marker per series
/// (the rows list them with the same markers), `-o json` with every series' points, and a
/// PromQL error named as Prometheus's parse error with exit 1.
#[test]
fn query_draws_an_ad_hoc_expression_from_the_real_prometheus() {
    let now_s = Utc::now().timestamp();
    let prometheus = Prometheus::builder()
        .backfill(demo_history(now_s, HISTORY, STEP_S))
        .start();
    let oncall = || Oncall::new().prometheus(&prometheus.url());
    let expr = "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m]))";
    let run = oncall().run(&["query", expr, "--range", "1h", "--width", "90"]);
    run.expect_code(0);
    let text = &run.stdout;
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  * ") || l.starts_with("  + "))
        .collect();
    assert_eq!(
        listed.len(),
        2,
        "the first two series carry * and +:\n{text}"
    );
    let plot: Vec<&str> = text.lines().filter(|l| l.starts_with("  |")).collect();
    assert!(plot.iter().any(|l| l.contains('*')), "{text}");
    assert!(plot.iter().any(|l| l.contains('+')), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 90), "{text}");

    let json = oncall().run(&["query", expr, "--range", "30m", "-o", "json"]);
    json.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let series = v["series"].as_array().expect("series");
    assert!(series.len() >= 2, "{v}");
    assert!(series
        .iter()
        .all(|s| s["points"].as_array().is_some_and(|p| p.len() > 10)));

    let bad = oncall().run(&["query", "rate(up[5m]"]);
    bad.expect_code(1);
    assert!(
        bad.stderr.contains("parse error") || bad.stderr.contains("unclosed"),
        "{}",
        bad.stderr
    );
}

/// A community dashboard built like Node Exporter Full (variables without "All", saved
/// values from its author's install, `instance="$node"` matchers), imported with
/// `oncall dashboard import` and drawn with `oncall snapshot` against the real Prometheus:
/// every panel has data, as Grafana would show it (the saved `job` and `node` are not known
/// here, so each takes the first value its label has, `node` from the chosen `job`).
#[test]
fn an_imported_dashboard_follows_grafanas_variable_rules_against_the_real_prometheus() {
    let now_s = Utc::now().timestamp();
    let prometheus = Prometheus::builder()
        .backfill(demo_history(now_s, HISTORY, STEP_S))
        .start();
    let oncall = Oncall::new().prometheus(&prometheus.url());
    oncall.write_config("current_context = \"default\"\n");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grafana/node-exporter-style.json");
    let import = oncall.run(&["dashboard", "import", &fixture.display().to_string()]);
    import.expect_code(0);
    assert!(
        !import.stderr.contains("unit") && !import.stdout.contains("not supported"),
        "bps and the rest are Grafana's standard units:\n{}{}",
        import.stdout,
        import.stderr
    );
    // Its id comes from its title, not its uid ("rYdddlPWk").
    let run = oncall.run(&[
        "snapshot",
        "node-exporter-full",
        "--range",
        "1h",
        "--width",
        "100",
    ]);
    run.expect_code(0);
    let text = &run.stdout;
    for title in [
        "CPU Busy",
        "Sys Load",
        "RAM Used",
        "Root FS Used",
        "Network Traffic Basic",
        "Uptime",
    ] {
        assert!(text.contains(title), "{title} missing:\n{text}");
    }
    assert!(
        !text.contains("no data"),
        "every panel has data:\n{text}\n{}",
        run.stderr
    );
    assert!(
        text.contains("job=node-exporter"),
        "the first job Prometheus has:\n{text}"
    );
    assert!(
        text.contains("node=node-1:9100"),
        "the first node of that job:\n{text}"
    );
    assert!(
        text.contains("b/s"),
        "bps is drawn as bits per second:\n{text}"
    );
    // A value given on the command line wins; "all" is refused where it is not offered.
    let node3 = oncall.run(&[
        "snapshot",
        "node-exporter-full",
        "--var",
        "node=node-3:9100",
    ]);
    node3.expect_code(0);
    assert!(node3.stdout.contains("node=node-3:9100") && !node3.stdout.contains("no data"));
    let all = oncall.run(&["snapshot", "node-exporter-full", "--var", "node=all"]);
    all.expect_code(2);
    assert!(all.stderr.contains("has no \"all\""), "{}", all.stderr);
}
