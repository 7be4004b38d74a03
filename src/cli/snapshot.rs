//! `oncall snapshot DASHBOARD`: a dashboard's panels as plain text, for pasting into an
//! incident channel. Queries run in parallel; a failing panel prints its error and the rest
//! still print (exit 1 if any failed).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;

use super::{block_on, CliError, Globals};
use crate::dashboards::merge::merge_spans;
use crate::dashboards::plan::{expand, plan_range, PlanOptions, RangeWindow, VarValue};
use crate::dashboards::textplot::{
    render_snapshot, AlertCount, AlertsOutcome, NamedSeries, PanelOutcome, SnapshotResults,
    MIN_WIDTH,
};
use crate::dashboards::{self, Dashboard, Loaded};
use crate::duration::parse_positive_duration as parse_duration;
use crate::model::series::Series;
use crate::sources::prometheus::{AlertingState, PrometheusClient, RangeQuery};
use crate::sources::SourceError;

/// Range queries in flight at once: enough to overlap round trips, few enough not to load
/// a Prometheus that is already struggling during an incident.
const MAX_IN_FLIGHT: usize = 8;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dashboard id (e.g. `trading-engine`) or its number 1-7; see `oncall dashboard list`.
    pub dashboard: String,
    /// Time range up to now (e.g. 30m, 6h, 2d); default: the dashboard's.
    #[arg(long, value_name = "DURATION", value_parser = parse_range)]
    pub range: Option<Duration>,
    /// Width of the output in columns.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(i64::from(MIN_WIDTH)..=1000))]
    pub width: u16,
    /// Set a template variable, e.g. `--var job=auth-service` (`all` for every value).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
}

fn parse_range(s: &str) -> Result<Duration, String> {
    parse_duration(s)
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    block_on(snapshot(globals, args))
}

async fn snapshot(globals: &Globals, args: Args) -> Result<(), CliError> {
    let session = globals.session().await?;
    let settings = &session.settings;
    let loaded = dashboards::load_all(dashboards::user_dir(settings.path.as_deref()).as_deref());
    for e in &loaded.errors {
        eprintln!("oncall: warning: dashboard not loaded: {e}");
    }
    let dashboard = find(&loaded, &args.dashboard)?;
    let mut values = variable_values(dashboard, &args.vars)?;
    let client = PrometheusClient::new(settings.require_prometheus()?.clone())?;

    let range = args.range.unwrap_or(dashboard.range);
    let plot_columns = plot_columns(args.width);
    let opts = PlanOptions::default();
    let window = plan_range(Utc::now().timestamp_millis(), range, plot_columns, &opts);
    let given: Vec<&str> = args
        .vars
        .iter()
        .filter_map(|v| {
            v.split_once('=')
                .map(|(n, _)| n.trim().trim_start_matches('$'))
        })
        .collect();
    settle_variables(&client, dashboard, &mut values, &given, &window).await;

    let (panels, alerts) = futures::join!(
        fetch_panels(&client, dashboard, &values, &window, opts.scrape_interval),
        fetch_alerts(&client)
    );
    if let Some(e) = unreachable(&panels) {
        // Nothing answered: one clear message beats the same error under every panel.
        return Err(CliError::Source(e));
    }
    let failed = panels.iter().filter(|p| p.is_err()).count();
    let results = SnapshotResults {
        window,
        variables: dashboard
            .variables
            .iter()
            .map(|v| {
                let shown = values.get(&v.name).map_or("all".into(), VarValue::shown);
                (v.name.clone(), shown)
            })
            .collect(),
        panels: panels
            .into_iter()
            .map(|p| match p {
                Ok(outcome) => outcome,
                Err(e) => PanelOutcome::Failed(e.short()),
            })
            .collect(),
        alerts,
    };
    super::output::print(&render_snapshot(dashboard, &results, args.width))?;
    if failed > 0 {
        return Err(CliError::Backend(format!(
            "{failed} of {} panels failed; their errors are shown above",
            dashboard.panels.len()
        )));
    }
    Ok(())
}

/// The canvas width the chart gets: the output width less the indent and the y-axis labels,
/// so the step asks for about one point per braille dot column.
pub(super) fn plot_columns(width: u16) -> u16 {
    width.saturating_sub(14).max(16)
}

fn find<'a>(loaded: &'a Loaded, key: &str) -> Result<&'a Dashboard, CliError> {
    loaded.find(key).ok_or_else(|| {
        let choices: Vec<String> = loaded
            .dashboards
            .iter()
            .enumerate()
            .map(|(i, d)| format!("{} {}", i + 1, d.id))
            .collect();
        CliError::Usage(format!(
            "no dashboard \"{}\"; choose one of: {}",
            crate::sanitize::one_line(key),
            choices.join(", ")
        ))
    })
}

/// Each variable's default, overridden by `--var NAME=VALUE`.
fn variable_values(
    d: &Dashboard,
    overrides: &[String],
) -> Result<BTreeMap<String, VarValue>, CliError> {
    let mut values: BTreeMap<String, VarValue> = d
        .variables
        .iter()
        .map(|v| (v.name.clone(), v.initial()))
        .collect();
    for o in overrides {
        let Some((name, value)) = o.split_once('=') else {
            return Err(CliError::Usage(format!(
                "--var {o}: write NAME=VALUE, e.g. --var job=auth-service"
            )));
        };
        let name = name.trim().trim_start_matches('$');
        if !values.contains_key(name) {
            let known: Vec<&str> = d.variables.iter().map(|v| v.name.as_str()).collect();
            return Err(CliError::Usage(if known.is_empty() {
                format!("dashboard {} has no variables (--var {name})", d.id)
            } else {
                format!(
                    "dashboard {} has no variable `{name}`; it has: {}",
                    d.id,
                    known.join(", ")
                )
            }));
        }
        let var = d.variables.iter().find(|v| v.name == name);
        let value = match (value.trim(), var) {
            ("" | "all" | "*" | ".*", Some(v)) if v.include_all => v.all(),
            ("" | "all" | "*" | ".*", Some(v)) => {
                return Err(CliError::Usage(format!(
                    "variable ${} has no \"all\" (the dashboard does not offer it); give one value",
                    v.name
                )))
            }
            (v, Some(var)) => var.value(v.to_string()),
            (v, None) => VarValue::Value(v.to_string()),
        };
        values.insert(name.to_string(), value);
    }
    Ok(values)
}

/// Grafana's rules for the variables not given with `--var`: a saved value only if the
/// label still has it, else "all" where offered, else the label's first value. A failed
/// read keeps the starting value and says so on stderr.
async fn settle_variables(
    client: &PrometheusClient,
    d: &Dashboard,
    values: &mut BTreeMap<String, VarValue>,
    given: &[&str],
    window: &RangeWindow,
) {
    for var in d.variables.iter().filter(|v| v.needs_check()) {
        if given.contains(&var.name.as_str()) {
            continue;
        }
        // A selector may use the variables before it (`node_uname_info{job="$job"}`).
        let matchers: Vec<String> = var
            .label_values
            .selector
            .iter()
            .map(|s| expand(s, values, window, PlanOptions::default().scrape_interval))
            .collect();
        let current = values
            .get(&var.name)
            .cloned()
            .unwrap_or_else(|| var.initial());
        match client
            .label_values(
                &var.label_values.label,
                &matchers,
                Some(window.start_ms),
                Some(window.end_ms),
            )
            .await
        {
            Ok(known) => {
                let value = var.resolve(&current, &known.data);
                if value == VarValue::Unresolved {
                    eprintln!(
                        "oncall: warning: variable ${}: Prometheus has no values of `{}`; panels using it have no data",
                        var.name, var.label_values.label
                    );
                }
                values.insert(var.name.clone(), value);
            }
            Err(e) => eprintln!(
                "oncall: warning: variable ${}: its values could not be read ({}); set one with --var {}=VALUE",
                var.name,
                e.short(),
                var.name
            ),
        }
    }
}

/// Run every panel's queries (at most `MAX_IN_FLIGHT` at once). A panel fails if any of its
/// queries fails.
pub(super) async fn fetch_panels(
    client: &PrometheusClient,
    d: &Dashboard,
    values: &BTreeMap<String, VarValue>,
    window: &RangeWindow,
    scrape_interval: Duration,
) -> Vec<Result<PanelOutcome, SourceError>> {
    // Like the TUI: the step grid, then the newest point on its own (it sits at the last
    // scrape, off the grid), so "now" in a snapshot is the value as of the last scrape.
    let spans = window.spans_from(window.start_ms);
    let spans = &spans;
    let jobs: Vec<(usize, usize, usize, RangeQuery)> = d
        .panels
        .iter()
        .enumerate()
        .flat_map(|(pi, p)| {
            p.queries.iter().enumerate().flat_map(move |(qi, q)| {
                let expr = expand(&q.expr, values, window, scrape_interval);
                spans.iter().enumerate().map(move |(si, span)| {
                    let query = RangeQuery {
                        expr: expr.clone(),
                        start_ms: span.start_ms,
                        end_ms: span.end_ms,
                        step_ms: window.step_ms,
                    };
                    (pi, qi, si, query)
                })
            })
        })
        .collect();
    let answers: Vec<_> = futures::stream::iter(jobs)
        .map(|(pi, qi, si, q)| async move {
            // As the UI: a bounded answer, the top series kept while decoding.
            let answer = client
                .query_range_top::<{ crate::dashboards::PANEL_MAX_SERIES }>(
                    &q,
                    crate::dashboards::PANEL_MAX_BODY,
                )
                .await;
            (pi, qi, si, answer)
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;

    // Per panel, the answers in the order the UI merges them (span by span, query by query);
    // a failed query fails its panel.
    let per_panel_query = |pi: usize| d.panels[pi].queries.len().max(1);
    let mut per_query: Vec<Vec<Vec<Series>>> = d
        .panels
        .iter()
        .enumerate()
        .map(|(pi, _)| vec![Vec::new(); spans.len() * per_panel_query(pi)])
        .collect();
    let mut warnings: Vec<Vec<String>> = vec![Vec::new(); d.panels.len()];
    let mut failed: Vec<Option<SourceError>> = d.panels.iter().map(|_| None).collect();
    for (pi, qi, si, answer) in answers {
        match answer {
            Ok(a) => {
                let mut answer_warnings = a.warnings;
                if a.data.total > a.data.series.len() {
                    answer_warnings.push(format!(
                        "showing {} of {} series (highest now)",
                        a.data.series.len(),
                        a.data.total
                    ));
                }
                for w in answer_warnings {
                    if !warnings[pi].contains(&w) {
                        warnings[pi].push(w);
                    }
                }
                per_query[pi][si * per_panel_query(pi) + qi] = a.data.series;
            }
            Err(e) => {
                failed[pi].get_or_insert(e);
            }
        }
    }
    d.panels
        .iter()
        .zip(per_query)
        .zip(warnings.into_iter().zip(failed))
        .map(|((panel, per_query), (warnings, failed))| match failed {
            Some(e) => Err(e),
            None => Ok(PanelOutcome::Data {
                series: merge_spans(panel, per_query)
                    .into_iter()
                    .map(|m| NamedSeries {
                        legend: m.legend,
                        points: m.points,
                    })
                    .collect(),
                warnings,
            }),
        })
        .collect()
}

async fn fetch_alerts(client: &PrometheusClient) -> AlertsOutcome {
    match client.alerts().await {
        Ok(answer) => {
            let mut states: BTreeMap<String, AlertCount> = BTreeMap::new();
            for alert in answer.data {
                let Some(name) = alert.labels.get("alertname") else {
                    continue;
                };
                let count = states.entry(name.clone()).or_default();
                match alert.state {
                    AlertingState::Firing => count.firing += 1,
                    AlertingState::Pending => count.pending += 1,
                    _ => {}
                }
            }
            AlertsOutcome::States(states)
        }
        Err(e) => AlertsOutcome::Failed(e.short()),
    }
}

/// When every panel failed because Prometheus could not be reached at all, that error.
fn unreachable(panels: &[Result<PanelOutcome, SourceError>]) -> Option<SourceError> {
    let all_transport = !panels.is_empty()
        && panels.iter().all(|p| {
            matches!(
                p,
                Err(SourceError::Connect { .. }
                    | SourceError::Timeout { .. }
                    | SourceError::Tls { .. }
                    | SourceError::Unauthorized { .. })
            )
        });
    if !all_transport {
        return None;
    }
    panels.iter().find_map(|p| match p {
        Err(e) => Some(clone_transport_error(e)),
        Ok(_) => None,
    })
}

/// `SourceError` is not `Clone`; rebuild the transport variants `unreachable` returns.
fn clone_transport_error(e: &SourceError) -> SourceError {
    match e {
        SourceError::Connect {
            kind,
            url,
            detail,
            env,
            sent,
        } => SourceError::Connect {
            kind: *kind,
            url: url.clone(),
            detail: detail.clone(),
            env,
            sent: *sent,
        },
        SourceError::Timeout {
            kind,
            url,
            after,
            sent,
        } => SourceError::Timeout {
            kind: *kind,
            url: url.clone(),
            after: *after,
            sent: *sent,
        },
        SourceError::Tls {
            kind,
            url,
            detail,
            fix,
        } => SourceError::Tls {
            kind: *kind,
            url: url.clone(),
            detail: detail.clone(),
            fix: fix.clone(),
        },
        SourceError::Unauthorized {
            kind,
            url,
            status,
            detail,
        } => SourceError::Unauthorized {
            kind: *kind,
            url: url.clone(),
            status: *status,
            detail: detail.clone(),
        },
        other => SourceError::Invalid {
            kind: crate::sources::SourceKind::Prometheus,
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded() -> Loaded {
        dashboards::load_embedded()
    }

    #[test]
    fn finds_by_id_or_number_and_lists_choices() {
        let l = loaded();
        assert_eq!(find(&l, "2").unwrap().id, "application-performance");
        assert_eq!(find(&l, "security").unwrap().id, "security");
        let e = find(&l, "nope").unwrap_err().to_string();
        assert!(
            e.contains("1 system-health") && e.contains("7 infrastructure"),
            "{e}"
        );
    }

    #[test]
    fn variables_default_to_all_and_take_overrides() {
        let l = loaded();
        let d = find(&l, "application-performance").unwrap();
        let v = variable_values(d, &[]).unwrap();
        assert_eq!(v.get("job"), Some(&VarValue::All));
        let v = variable_values(d, &["job=auth-service".into()]).unwrap();
        assert_eq!(v.get("job"), Some(&VarValue::Value("auth-service".into())));
        assert!(variable_values(d, &["nope=1".into()])
            .unwrap_err()
            .to_string()
            .contains("it has: job"));
        assert!(variable_values(d, &["job".into()])
            .unwrap_err()
            .to_string()
            .contains("NAME=VALUE"));
    }

    #[test]
    fn unreachable_only_when_every_panel_failed_to_connect() {
        let connect = || SourceError::Connect {
            kind: crate::sources::SourceKind::Prometheus,
            url: "http://127.0.0.1:9".into(),
            detail: "connection refused".into(),
            env: "ONCALL_PROMETHEUS_URL",
            sent: false,
        };
        assert!(unreachable(&[Err(connect()), Err(connect())]).is_some());
        let ok = Ok(PanelOutcome::Data {
            series: Vec::new(),
            warnings: Vec::new(),
        });
        assert!(unreachable(&[Err(connect()), ok]).is_none());
        assert!(unreachable(&[]).is_none());
    }
}
