//! An ad-hoc query as a one-panel dashboard, as Grafana's Explore does: `:query PROMQL` in
//! the terminal UI and `oncall query PROMQL` on the command line draw it like any panel.

use std::time::Duration;

use super::model::{Dashboard, GridPos, Origin, Panel, PanelKind, PanelQuery};
use super::units::Unit;

/// The id of the explore dashboard (one at a time: a new query replaces it).
pub const EXPLORE_ID: &str = "explore";

/// Why `expr` cannot be asked as it is, before any request.
pub fn check(expr: &str) -> Result<&str, String> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Err("give a PromQL expression, e.g. `query rate(http_requests_total[5m])`".into());
    }
    if expr.len() > 4096 {
        return Err("that expression is longer than 4096 characters".into());
    }
    Ok(expr)
}

pub fn explore_dashboard(expr: &str, range: Duration) -> Dashboard {
    Dashboard {
        id: EXPLORE_ID.into(),
        title: "Explore".into(),
        refresh: Duration::from_secs(30),
        range,
        variables: Vec::new(),
        panels: vec![Panel {
            title: expr.to_string(),
            kind: PanelKind::Chart,
            unit: Unit::Plain,
            decimals: None,
            thresholds: None,
            min: None,
            max: None,
            queries: vec![PanelQuery {
                expr: expr.to_string(),
                legend: None,
            }],
            alerts: Vec::new(),
            grid: GridPos {
                x: 0,
                y: 0,
                w: 24,
                h: 12,
            },
            description: Some("an ad-hoc query (:query); not saved".into()),
        }],
        origin: Origin::Embedded("explore".into()),
    }
}
