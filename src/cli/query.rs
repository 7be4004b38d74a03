//! `oncall query PROMQL`: an ad-hoc range query drawn as a text plot (a legend, current,
//! min and max per series), or its series as JSON with `-o json`, as Grafana's Explore.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;

use super::{block_on, CliError, Globals, OutputFormat};
use crate::dashboards::explore::{check, explore_dashboard};
use crate::dashboards::plan::{plan_range, PlanOptions};
use crate::dashboards::textplot::{render_snapshot, AlertsOutcome, PanelOutcome, SnapshotResults};
use crate::duration::parse_positive_duration;
use crate::sources::prometheus::PrometheusClient;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The PromQL expression (quote it for the shell).
    pub expr: String,
    /// Time range up to now, e.g. 15m, 6h, 2d.
    #[arg(long, default_value = "1h", value_parser = parse_positive_duration)]
    pub range: Duration,
    /// Width of the output in columns.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(i64::from(crate::dashboards::textplot::MIN_WIDTH)..=1000))]
    pub width: u16,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    block_on(query(globals, args))
}

async fn query(globals: &Globals, args: Args) -> Result<(), CliError> {
    let expr = check(&args.expr).map_err(CliError::Usage)?;
    let session = globals.session().await?;
    let client = PrometheusClient::new(session.settings.require_prometheus()?.clone())?;
    let dashboard = explore_dashboard(expr, args.range);
    let opts = PlanOptions::default();
    let window = plan_range(
        Utc::now().timestamp_millis(),
        args.range,
        super::snapshot::plot_columns(args.width),
        &opts,
    );
    let mut panels = super::snapshot::fetch_panels(
        &client,
        &dashboard,
        &BTreeMap::new(),
        &window,
        opts.scrape_interval,
    )
    .await;
    let outcome = match panels.pop() {
        Some(Ok(outcome)) => outcome,
        Some(Err(e)) => return Err(CliError::Source(e)),
        None => return Err(CliError::Backend("no answer".into())),
    };
    if globals.output == OutputFormat::Json {
        let PanelOutcome::Data { series, warnings } = &outcome else {
            return Err(CliError::Backend("no data".into()));
        };
        let json = serde_json::json!({
            "expr": expr,
            "start_ms": window.start_ms,
            "end_ms": window.end_ms,
            "step_ms": window.step_ms,
            "warnings": warnings,
            "series": series.iter().map(|s| serde_json::json!({
                "legend": s.legend,
                "points": s.points,
            })).collect::<Vec<_>>(),
        });
        return super::output::print_json(&json);
    }
    let results = SnapshotResults {
        window,
        variables: Vec::new(),
        panels: vec![outcome],
        alerts: AlertsOutcome::States(BTreeMap::new()),
    };
    super::output::print(&render_snapshot(&dashboard, &results, args.width))
}
