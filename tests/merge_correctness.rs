//! The incremental refresh is only worth having if it is invisible: after every refresh, the
//! series a panel holds (kept points merged with the fetched tail) must equal what a full
//! fetch of the same window returns. This drives the TUI's own planning and merge code
//! (`DashboardState::plan_refresh`, `absorb`) against the real Prometheus of the harness
//! while samples keep arriving, over many refreshes.

mod harness;

use std::time::Duration;

use harness::{MetricsServer, Prometheus};
use oncall::dashboards::model::{
    Dashboard, GridPos, Origin, Panel, PanelKind, PanelQuery, Unit, Variable,
};
use oncall::dashboards::plan::PlanOptions;
use oncall::sources::prometheus::{PrometheusClient, RangeQuery};
use oncall::sources::transport::Endpoint;
use oncall::tui::action::PanelRequest;
use oncall::tui::app::dashboard::{absorb, DashboardState};
use oncall::tui::state::{PanelFetch, PlotSeries};

/// Refreshes compared; each waits for the aligned window to move by at least one step.
const REFRESHES: usize = 15;

fn panel(title: &str, exprs: &[&str], x: u16) -> Panel {
    Panel {
        title: title.into(),
        kind: PanelKind::Chart,
        unit: Unit::Plain,
        decimals: None,
        thresholds: None,
        min: None,
        max: None,
        queries: exprs
            .iter()
            .map(|e| PanelQuery {
                expr: (*e).into(),
                legend: Some("{{queue}}".into()),
            })
            .collect(),
        alerts: vec![],
        grid: GridPos {
            x,
            y: 0,
            w: 12,
            h: 8,
        },
        description: None,
    }
}

fn dashboard() -> Dashboard {
    Dashboard {
        id: "merge".into(),
        title: "Merge".into(),
        refresh: Duration::from_secs(1),
        range: Duration::from_secs(60),
        variables: vec![Variable {
            name: "queue".into(),
            label_values: oncall::dashboards::model::LabelValues {
                label: "queue".into(),
                selector: None,
            },
            default: None,
        }],
        panels: vec![
            panel(
                "Rates",
                &["rate(jobs_done_total{queue=~\"$queue\"}[$__rate_interval])"],
                0,
            ),
            panel(
                "Depth",
                &[
                    "queue_depth{queue=~\"$queue\"}",
                    "sum(queue_depth{queue=~\"$queue\"})",
                ],
                12,
            ),
        ],
        origin: Origin::Embedded("merge.toml".into()),
    }
}

/// Run a panel request the way the runtime does (one range query per expression).
async fn fetch(client: &PrometheusClient, request: &PanelRequest) -> PanelFetch {
    let mut per_query = Vec::new();
    for q in &request.queries {
        let answer = client.query_range(q).await.expect("range query answers");
        per_query.push(answer.data);
    }
    PanelFetch {
        window: request.window,
        tail_from_ms: request.tail_from_ms,
        exprs: request.queries.iter().map(|q| q.expr.clone()).collect(),
        per_query,
        warnings: vec![],
        bytes: 0,
    }
}

/// The same window fetched whole.
async fn full(client: &PrometheusClient, request: &PanelRequest) -> PanelFetch {
    let whole = PanelRequest {
        tail_from_ms: None,
        queries: request
            .queries
            .iter()
            .map(|q| RangeQuery {
                start_ms: request.window.start_ms,
                ..q.clone()
            })
            .collect(),
        ..request.clone()
    };
    fetch(client, &whole).await
}

fn describe(series: &[PlotSeries]) -> Vec<(usize, String, usize)> {
    series
        .iter()
        .map(|s| (s.query, s.legend.clone(), s.points.len()))
        .collect()
}

#[test]
fn merged_tail_equals_a_full_fetch_over_many_refreshes() {
    let metrics = MetricsServer::start();
    // Values that change on every scrape, so a stale or misplaced point would differ.
    metrics
        .counter(r#"jobs_done_total{queue="mail"}"#, 0.0, 3.0)
        .counter(r#"jobs_done_total{queue="sms"}"#, 100.0, 7.0)
        .counter(r#"queue_depth{queue="mail"}"#, 5.0, 1.0)
        .counter(r#"queue_depth{queue="sms"}"#, 50.0, 2.0);
    let prom = Prometheus::builder()
        .scrape(&metrics)
        .scrape_interval_s(1)
        .start();
    prom.wait_for_scrape("app");

    let client = PrometheusClient::new(Endpoint::parse(&prom.url()).expect("url")).expect("client");
    let opts = PlanOptions {
        min_step: Duration::from_secs(1),
        scrape_interval: Duration::from_secs(1),
    };
    let grid = ratatui::layout::Rect {
        x: 0,
        y: 3,
        width: 160,
        height: 40,
    };
    let mut state = DashboardState::new(dashboard(), None, None);
    let mut tails = 0;
    let mut refreshes = 0;
    let mut added_series = false;

    while refreshes < REFRESHES {
        if refreshes == REFRESHES / 2 && !added_series {
            // A series that appears mid-way must show up in the merge as in a full fetch.
            metrics.counter(r#"queue_depth{queue="push"}"#, 1.0, 1.0);
            metrics.counter(r#"jobs_done_total{queue="push"}"#, 0.0, 1.0);
            added_series = true;
        }
        // Planned 1.5 s in the past so every scrape inside the window has been ingested: the
        // two fetches of one refresh must see the same samples.
        let now = oncall::tui::runtime::system_now_ms() - 1_500;
        let requests = state.plan_refresh(0, grid, grid.width, now, false, &opts);
        if requests.is_empty() {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        refreshes += 1;
        for request in requests {
            let i = request.key.panel;
            let def = state.def.panels[i].clone();
            let (tail, whole) = harness::block_on({
                let client = client.clone();
                async move {
                    let tail = fetch(&client, &request).await;
                    let whole = full(&client, &request).await;
                    (tail, whole)
                }
            });
            if tail.tail_from_ms.is_some() {
                tails += 1;
            }
            let merged = absorb(&def, state.panels[i].data.as_ref(), tail, now);
            let expected = absorb(&def, None, whole, now);
            assert_eq!(
                merged.series,
                expected.series,
                "panel {} after refresh {refreshes}: merged {:?} vs full {:?}",
                def.title,
                describe(&merged.series),
                describe(&expected.series)
            );
            assert_eq!(merged.window, expected.window);
            let p = &mut state.panels[i];
            p.loading = false;
            p.data = Some(merged);
        }
        std::thread::sleep(Duration::from_millis(600));
    }
    // Without tails the test would only compare full fetches with themselves.
    assert!(
        tails >= REFRESHES,
        "only {tails} tail fetches in {REFRESHES} refreshes"
    );
    let depth = state.panels[1].data.as_ref().expect("depth data");
    assert!(
        depth.series.iter().any(|s| s.legend == "push"),
        "the series added mid-way is held: {:?}",
        describe(&depth.series)
    );
}
