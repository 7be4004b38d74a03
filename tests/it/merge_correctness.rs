//! The incremental refresh is only worth having if it is invisible: after every refresh, the
//! series a panel holds (kept points merged with the fetched tail) must equal what a full
//! fetch of the same window returns. This drives the TUI's own planning and merge code
//! (`DashboardState::plan_refresh`, `absorb`) against the real Prometheus of the harness
//! while samples keep arriving, over many refreshes: refreshes where a step boundary passed
//! (grid tail and newest point) and refreshes within a step (the newest point alone).
//!
//! And the point of re-asking for the newest point: right after a refresh it shows the value
//! as of the last scrape, not of the last step boundary.

use crate::harness;

use std::time::Duration;

use harness::{MetricsServer, Prometheus};
use oncall::dashboards::model::{
    Dashboard, GridPos, Origin, Panel, PanelKind, PanelQuery, Unit, Variable,
};
use oncall::dashboards::plan::PlanOptions;
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::transport::Endpoint;
use oncall::tui::action::PanelRequest;
use oncall::tui::app::dashboard::{absorb, range_queries, DashboardState};
use oncall::tui::state::{PanelFetch, PlotSeries};

/// Refreshes compared; each waits for the window to move (a new scrape).
const REFRESHES: usize = 20;

/// Prometheus scrapes every second; panels step by several seconds, so the newest point is
/// usually off the grid.
const SCRAPE: Duration = Duration::from_secs(1);

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

/// Five minutes over an 80-cell panel: a 5 s step.
fn dashboard() -> Dashboard {
    Dashboard {
        id: "merge".into(),
        title: "Merge".into(),
        refresh: Duration::from_secs(1),
        range: Duration::from_secs(300),
        variables: vec![Variable {
            name: "queue".into(),
            label_values: oncall::dashboards::model::LabelValues {
                label: "queue".into(),
                selector: None,
            },
            default: None,
            include_all: true,
            all_value: None,
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

/// The same window fetched whole: each of the panel's `exprs` over the grid and at the newest
/// point.
async fn full(client: &PrometheusClient, request: &PanelRequest, exprs: usize) -> PanelFetch {
    let exprs: Vec<String> = request.queries[..exprs]
        .iter()
        .map(|q| q.expr.clone())
        .collect();
    let whole = PanelRequest {
        tail_from_ms: None,
        queries: range_queries(&exprs, &request.window, request.window.start_ms),
        ..request.clone()
    };
    fetch(client, &whole).await
}

fn client(prom: &Prometheus) -> PrometheusClient {
    PrometheusClient::new(Endpoint::parse(&prom.url()).expect("url")).expect("client")
}

fn plan_options() -> PlanOptions {
    PlanOptions {
        min_step: SCRAPE,
        scrape_interval: SCRAPE,
    }
}

const GRID: ratatui::layout::Rect = ratatui::layout::Rect {
    x: 0,
    y: 3,
    width: 160,
    height: 40,
};

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
        .scrape_interval_s(SCRAPE.as_secs() as u32)
        .start();
    prom.wait_for_scrape("app");

    let client = client(&prom);
    let opts = plan_options();
    let grid = GRID;
    let mut state = DashboardState::new(dashboard(), None, None);
    let mut tails = 0;
    let mut newest_only = 0;
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
            assert!(request.window.step_ms > SCRAPE.as_millis() as i64);
            match request.tail_from_ms {
                Some(from) if from > request.window.grid_end_ms() => newest_only += 1,
                Some(_) => tails += 1,
                None => {}
            }
            let exprs = def.queries.len();
            let (tail, whole) = harness::block_on({
                let client = client.clone();
                async move {
                    let tail = fetch(&client, &request).await;
                    let whole = full(&client, &request, exprs).await;
                    (tail, whole)
                }
            });
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
    // Without both kinds of partial fetch the test would prove less than it claims.
    assert!(
        tails >= 2 && newest_only >= 2,
        "{tails} grid tails and {newest_only} newest-point fetches in {REFRESHES} refreshes"
    );
    let depth = state.panels[1].data.as_ref().expect("depth data");
    assert!(
        depth.series.iter().any(|s| s.legend == "push"),
        "the series added mid-way is held: {:?}",
        describe(&depth.series)
    );
}

/// Right after each refresh the newest point a panel holds shows a sample no older than one
/// scrape interval plus the refresh interval, although the step (5 minutes) is far longer:
/// the panel asks `timestamp(...)`, so each point's value is the time of the sample it shows.
#[test]
fn the_newest_point_shows_the_last_scrape() {
    let metrics = MetricsServer::start();
    metrics.counter(r#"queue_depth{queue="mail"}"#, 5.0, 1.0);
    let prom = Prometheus::builder()
        .scrape(&metrics)
        .scrape_interval_s(SCRAPE.as_secs() as u32)
        .start();
    // A sample a scrape before now, so the newest point (at the last scrape boundary) has one.
    prom.wait_for_series("queue_depth offset 2s");
    let client = client(&prom);
    let opts = plan_options();
    let refresh = Duration::from_secs(5);
    let mut def = dashboard();
    def.range = Duration::from_secs(12 * 3600);
    def.refresh = refresh;
    def.panels = vec![panel(
        "Last sample",
        &["timestamp(queue_depth{queue=~\"$queue\"})"],
        0,
    )];
    let mut state = DashboardState::new(def, None, None);
    let bound_ms = (SCRAPE + refresh).as_millis() as i64;
    let mut checked = 0;
    while checked < 6 {
        let now = oncall::tui::runtime::system_now_ms();
        let requests = state.plan_refresh(0, GRID, GRID.width, now, false, &opts);
        for request in requests {
            assert!(
                request.window.step_ms > 10 * bound_ms,
                "the step alone would make the newest point up to {} ms old",
                request.window.step_ms
            );
            let answer = harness::block_on({
                let client = client.clone();
                async move { fetch(&client, &request).await }
            });
            let data = absorb(
                &state.def.panels[0],
                state.panels[0].data.as_ref(),
                answer,
                now,
            );
            let (t, v) = *data.series[0].points.last().expect("a newest point");
            assert!(
                now - t < SCRAPE.as_millis() as i64,
                "evaluated at {t}, now {now}"
            );
            let sample_ms = (v * 1000.0) as i64;
            assert!(
                now - sample_ms <= bound_ms,
                "the newest point shows a sample {} ms old (bound {bound_ms} ms)",
                now - sample_ms
            );
            state.panels[0].data = Some(data);
            checked += 1;
        }
        std::thread::sleep(Duration::from_millis(700));
    }
}
