//! The typed dashboard: what the UI draws, the demo generates data for, and `snapshot` prints.
//! Plain data, no IO; files become these through `file.rs`, Grafana JSON through `grafana.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use super::units::Unit;

/// Columns in the panel grid; Grafana uses the same so imported layouts keep their shape.
pub const GRID_COLUMNS: u16 = 24;

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// Short stable name (`system-health`), used by `:dash`, `snapshot` and user overrides.
    pub id: String,
    pub title: String,
    /// How often the panels on screen are refreshed.
    pub refresh: Duration,
    /// The default time range (now - range .. now).
    pub range: Duration,
    pub variables: Vec<Variable>,
    pub panels: Vec<Panel>,
    pub origin: Origin,
}

impl Dashboard {
    /// Every alert name linked from any panel, in first-seen order, without repeats.
    pub fn alert_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for name in self.panels.iter().flat_map(|p| p.alerts.iter()) {
            if !out.contains(&name.as_str()) {
                out.push(name);
            }
        }
        out
    }
}

/// Where a dashboard came from, so errors and `dashboard list` can name the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Shipped in the binary: the file name under `assets/dashboards/`.
    Embedded(String),
    /// Read from the user's config dir (or given on the command line).
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded(name) => write!(f, "built-in {name}"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A template variable; its values come from Prometheus `label/<label>/values`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub label_values: LabelValues,
    /// Value used before the user picks one, when Prometheus knows it; `None` means "all"
    /// where that is offered, else the first value the label has (Grafana's rules).
    pub default: Option<String>,
    /// "All" is offered (Grafana's `includeAll`); without it the variable always has one value.
    pub include_all: bool,
    /// What "all" writes into queries (Grafana's `allValue`); `None` is `.*`.
    pub all_value: Option<String>,
}

impl Variable {
    /// The value a variable starts with: its default (checked against what Prometheus knows
    /// once that is read), else "all" where offered, else to be read.
    pub fn initial(&self) -> crate::dashboards::plan::VarValue {
        use crate::dashboards::plan::VarValue;
        match (&self.default, self.include_all) {
            (Some(v), _) => self.value(v.clone()),
            (None, true) => self.all(),
            (None, false) => VarValue::Unresolved,
        }
    }

    /// One chosen value: exact-matched where "All" is offered (used as `=~"$var"`), written
    /// as is where it is not (Grafana's rule: such variables sit in `label="$var"`).
    pub fn value(&self, v: String) -> crate::dashboards::plan::VarValue {
        use crate::dashboards::plan::VarValue;
        match self.include_all {
            true => VarValue::Value(v),
            false => VarValue::Literal(v),
        }
    }

    /// "All" for this variable: its `all_value` when it has one.
    pub fn all(&self) -> crate::dashboards::plan::VarValue {
        use crate::dashboards::plan::VarValue;
        match &self.all_value {
            Some(all) => VarValue::AllAs(all.clone()),
            None => VarValue::All,
        }
    }

    /// Grafana's rule once the label's values are known: the current value if the label has
    /// it, else "all" where offered, else the first value (none: still unresolved).
    pub fn resolve(
        &self,
        current: &crate::dashboards::plan::VarValue,
        known: &[String],
    ) -> crate::dashboards::plan::VarValue {
        use crate::dashboards::plan::VarValue;
        match current {
            VarValue::Value(v) | VarValue::Literal(v) if known.contains(v) => self.value(v.clone()),
            VarValue::All | VarValue::AllAs(_) if self.include_all => self.all(),
            _ if self.include_all => self.all(),
            _ => known
                .first()
                .map_or(VarValue::Unresolved, |v| self.value(v.clone())),
        }
    }

    /// Whether the starting value must be checked against the label's values before the
    /// panels are asked (Grafana picks another when the saved one is gone).
    pub fn needs_check(&self) -> bool {
        self.default.is_some() || !self.include_all
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelValues {
    pub label: String,
    /// Series selector restricting where values are looked up (`match[]`), e.g. `up{job=~".*-service"}`.
    pub selector: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub kind: PanelKind,
    pub unit: Unit,
    /// Digits after the point; `None` picks a sensible number for the value's size.
    pub decimals: Option<u8>,
    pub thresholds: Option<Thresholds>,
    /// Fixed axis bounds; `None` fits the data.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub queries: Vec<PanelQuery>,
    /// Alert rule names whose state is shown with this panel.
    pub alerts: Vec<String>,
    pub grid: GridPos,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelQuery {
    /// PromQL, possibly with `$var`, `$__rate_interval` etc. (see `plan::expand`).
    pub expr: String,
    /// Legend template such as `{{job}} {{status}}`; `None` shows the series' labels.
    pub legend: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelKind {
    /// One small line per series with its current value.
    Sparkline,
    /// Braille line chart, several series with a legend.
    Chart,
    /// The current value, large.
    Stat,
    /// The current value against min..max.
    Gauge,
    /// One cell per series of an `up`-style 1/0 metric.
    StatusGrid,
}

impl PanelKind {
    pub const ALL: [PanelKind; 5] = [
        PanelKind::Sparkline,
        PanelKind::Chart,
        PanelKind::Stat,
        PanelKind::Gauge,
        PanelKind::StatusGrid,
    ];

    /// The name used in dashboard files.
    pub fn as_str(self) -> &'static str {
        match self {
            PanelKind::Sparkline => "sparkline",
            PanelKind::Chart => "chart",
            PanelKind::Stat => "stat",
            PanelKind::Gauge => "gauge",
            PanelKind::StatusGrid => "status_grid",
        }
    }

    pub fn parse(s: &str) -> Option<PanelKind> {
        PanelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Position on the 24-column grid; `y` and `h` are in grid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GridPos {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub warning: Option<f64>,
    pub critical: Option<f64>,
    /// Which side of the thresholds is bad.
    pub bad: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Values at or above the thresholds are bad (latency, error rate).
    High,
    /// Values at or below the thresholds are bad (availability, hit rate).
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

impl Thresholds {
    /// The state of one value. NaN is not judged (`Ok`): the panel shows "NaN" itself.
    pub fn level(&self, v: f64) -> Level {
        if v.is_nan() {
            return Level::Ok;
        }
        let crosses = |t: Option<f64>| match (t, self.bad) {
            (Some(t), Direction::High) => v >= t,
            (Some(t), Direction::Low) => v <= t,
            (None, _) => false,
        };
        if crosses(self.critical) {
            Level::Critical
        } else if crosses(self.warning) {
            Level::Warning
        } else {
            Level::Ok
        }
    }
}

/// Fill a legend template: `{{label}}` (spaces inside the braces allowed) becomes the label's
/// value, a missing label becomes empty. An empty template gives the Prometheus-style
/// `name{a="b", ...}` form. Label text is untrusted, so the result is sanitized.
pub fn legend(template: &str, labels: &BTreeMap<String, String>) -> String {
    if template.trim().is_empty() {
        return crate::sanitize::one_line(&series_name(labels));
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = after[..close].trim();
                if let Some(v) = labels.get(name) {
                    out.push_str(v);
                }
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    crate::sanitize::one_line(&out)
}

/// The legend for a query's series: its template if it has one, else the labels.
pub fn series_legend(query: &PanelQuery, labels: &BTreeMap<String, String>) -> String {
    legend(query.legend.as_deref().unwrap_or(""), labels)
}

/// `metric{a="b", c="d"}` as Prometheus prints a series; `{}` when there are no labels.
fn series_name(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map(String::as_str).unwrap_or("");
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    if rest.is_empty() && !name.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{}}}", rest.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::labels;

    #[test]
    fn legend_fills_labels_and_drops_missing_ones() {
        let l = labels(&[("job", "auth-service"), ("status", "500")]);
        assert_eq!(legend("{{job}} {{ status }}", &l), "auth-service 500");
        assert_eq!(legend("{{job}} {{nope}}!", &l), "auth-service !");
        assert_eq!(legend("P95", &l), "P95");
        assert_eq!(legend("{{job", &l), "{{job");
    }

    #[test]
    fn legend_without_template_prints_the_series() {
        let l = labels(&[("__name__", "up"), ("job", "x")]);
        assert_eq!(legend("", &l), "up{job=\"x\"}");
        assert_eq!(legend("", &labels(&[("__name__", "up")])), "up");
        assert_eq!(legend("", &BTreeMap::new()), "{}");
    }

    #[test]
    fn legend_sanitizes_hostile_label_values() {
        let l = labels(&[("job", "a\u{1b}[31mb\nc")]);
        assert_eq!(legend("{{job}}", &l), "ab c");
    }

    #[test]
    fn thresholds_high_and_low() {
        let high = Thresholds {
            warning: Some(0.5),
            critical: Some(1.0),
            bad: Direction::High,
        };
        assert_eq!(high.level(0.2), Level::Ok);
        assert_eq!(high.level(0.5), Level::Warning);
        assert_eq!(high.level(1.5), Level::Critical);
        assert_eq!(high.level(f64::NAN), Level::Ok);
        let low = Thresholds {
            warning: Some(99.9),
            critical: Some(99.5),
            bad: Direction::Low,
        };
        assert_eq!(low.level(99.95), Level::Ok);
        assert_eq!(low.level(99.7), Level::Warning);
        assert_eq!(low.level(99.0), Level::Critical);
        let only_crit = Thresholds {
            warning: None,
            critical: Some(0.0),
            bad: Direction::Low,
        };
        assert_eq!(only_crit.level(0.0), Level::Critical);
        assert_eq!(only_crit.level(1.0), Level::Ok);
    }
}
