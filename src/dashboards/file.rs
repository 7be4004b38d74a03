//! The dashboard file format (TOML), loading the embedded and user dashboards, and the errors
//! that name the file, the line and what is wrong.
//!
//! ```toml
//! id = "checkout"                 # lowercase letters, digits, - and _; used by :dash and snapshot
//! title = "Checkout"
//! refresh = "30s"                 # Prometheus durations: 500ms, 15s, 5m, 6h, 7d, 1h30m
//! range = "6h"
//!
//! [[variables]]                   # optional; queries use it as =~"$job" (all values: .*)
//! name = "job"
//! label_values = { label = "job", selector = "http_requests_total" }
//! default = "checkout"            # optional; absent means all values (or the first value
//!                                 # when `include_all = false`, as Grafana does)
//! include_all = true              # optional; false: always one value, never "all"
//! all_value = ".+"                # optional; what "all" writes into queries (default .*)
//!
//! [[panels]]
//! title = "Error rate"
//! kind = "chart"                  # sparkline, chart, stat, gauge, status_grid
//! unit = "percent"                # s, ms, bytes, bytes/s, percent, ratio, req/s, ops/s, plain, currency:EUR
//! decimals = 2                    # optional
//! min = 0                         # optional axis bounds
//! thresholds = { warning = 1, critical = 5, bad = "high" }   # bad = "low" for availability
//! alerts = ["HighErrorRate"]      # alert rules whose state is shown with the panel
//! grid = { x = 0, y = 0, w = 12, h = 8 }                     # 24 columns, like Grafana
//! description = "5xx share"       # optional
//!
//! [[panels.queries]]              # one or more
//! expr = 'sum by (job) (rate(http_requests_total{job=~"$job",status=~"5.."}[$__rate_interval]))'
//! legend = "{{job}}"              # optional; default: the series' labels
//! ```
//!
//! Built-in variables: `$__rate_interval`, `$__interval`, `$__interval_ms`, `$__range`,
//! `$__range_s`, `$__range_ms` (see `plan`). Unknown keys are errors, so a typo is reported
//! rather than ignored.
//!
//! Validation happens while deserializing (each field type checks itself), so the TOML
//! parser attaches the span of the offending value and the error can name its line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::model::{
    Dashboard, Direction, GridPos, LabelValues, Origin, Panel, PanelKind, PanelQuery, Thresholds,
    Variable, GRID_COLUMNS,
};
use super::plan::{is_builtin_variable, referenced_variables};
use super::units::{Unit, UNIT_NAMES};
use crate::duration::{format_duration, parse_positive_duration as parse_duration};

/// The shipped dashboards, in the order of the keys `1`-`7`.
const EMBEDDED: [(&str, &str); 7] = [
    (
        "system-health.toml",
        include_str!("../../assets/dashboards/system-health.toml"),
    ),
    (
        "application-performance.toml",
        include_str!("../../assets/dashboards/application-performance.toml"),
    ),
    (
        "trading-engine.toml",
        include_str!("../../assets/dashboards/trading-engine.toml"),
    ),
    (
        "database-cache.toml",
        include_str!("../../assets/dashboards/database-cache.toml"),
    ),
    (
        "business.toml",
        include_str!("../../assets/dashboards/business.toml"),
    ),
    (
        "security.toml",
        include_str!("../../assets/dashboards/security.toml"),
    ),
    (
        "infrastructure.toml",
        include_str!("../../assets/dashboards/infrastructure.toml"),
    ),
];

/// User dashboard files larger than this are refused: a dashboard is a few KiB, and a huge
/// file is more likely a mistake (a log, a dump) than a dashboard.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A dashboard file that could not be loaded. The other dashboards still load.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct DashboardError {
    pub origin: Origin,
    /// 1-based line of the offending value, when known.
    pub line: Option<usize>,
    pub message: String,
}

/// Something skipped while loading (e.g. a Grafana panel type with no equivalent).
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardWarning {
    pub origin: Origin,
    pub message: String,
}

impl std::fmt::Display for DashboardWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// The result of loading: everything that loaded, and everything that did not.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub dashboards: Vec<Dashboard>,
    pub errors: Vec<DashboardError>,
    pub warnings: Vec<DashboardWarning>,
}

impl Loaded {
    /// A dashboard by id, or by its 1-based position (`"3"`), as `snapshot` and `:dash` take it.
    pub fn find(&self, id_or_number: &str) -> Option<&Dashboard> {
        let key = id_or_number.trim();
        if let Ok(n) = key.parse::<usize>() {
            return n.checked_sub(1).and_then(|i| self.dashboards.get(i));
        }
        self.dashboards.iter().find(|d| d.id == key)
    }
}

/// The seven shipped dashboards. They are checked by tests, so `errors` is empty in practice.
pub fn load_embedded() -> Loaded {
    let mut loaded = Loaded::default();
    for (name, text) in EMBEDDED {
        match parse_dashboard(text, Origin::Embedded(name.to_string())) {
            Ok(d) => loaded.dashboards.push(d),
            Err(e) => loaded.errors.push(e),
        }
    }
    loaded
}

/// The embedded dashboards, then `*.toml` and Grafana `*.json` files in `user_dir` (the
/// `dashboards` folder of the config dir): a file with the id of an existing dashboard
/// replaces it in place, any other is added after, in file-name order. A missing folder is
/// not an error.
pub fn load_all(user_dir: Option<&Path>) -> Loaded {
    let mut loaded = load_embedded();
    let Some(dir) = user_dir else { return loaded };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return loaded,
        Err(e) => {
            loaded.errors.push(DashboardError {
                origin: Origin::File(dir.to_path_buf()),
                line: None,
                message: format!("cannot read the dashboards folder: {e}"),
            });
            return loaded;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml") | Some("json")
            )
        })
        .collect();
    files.sort();
    for path in files {
        match load_file(&path) {
            Ok((dashboard, warnings)) => {
                loaded.warnings.extend(warnings);
                match loaded.dashboards.iter_mut().find(|d| d.id == dashboard.id) {
                    Some(slot) => *slot = dashboard,
                    None => loaded.dashboards.push(dashboard),
                }
            }
            Err(e) => loaded.errors.push(e),
        }
    }
    loaded
}

/// One dashboard file: TOML in our format, or Grafana JSON (`.json`), whose id is the file
/// stem.
pub fn load_file(path: &Path) -> Result<(Dashboard, Vec<DashboardWarning>), DashboardError> {
    let origin = Origin::File(path.to_path_buf());
    let fail = |message: String| DashboardError {
        origin: origin.clone(),
        line: None,
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(fail(format!(
            "{size} bytes is too large for a dashboard file (limit {MAX_FILE_BYTES})"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if path.extension().and_then(|e| e.to_str()) == Some("json") {
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("imported");
        let imported = super::grafana::import(&text, Some(id), origin.clone())?;
        let warnings = imported
            .warnings
            .into_iter()
            .map(|message| DashboardWarning {
                origin: origin.clone(),
                message,
            })
            .collect();
        Ok((imported.dashboard, warnings))
    } else {
        Ok((parse_dashboard(&text, origin)?, Vec::new()))
    }
}

/// Parse and check one dashboard in our TOML format.
pub fn parse_dashboard(text: &str, origin: Origin) -> Result<Dashboard, DashboardError> {
    let file: DashboardFile = toml::from_str(text).map_err(|e| DashboardError {
        origin: origin.clone(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let dashboard = file.into_dashboard(origin);
    check_semantics(&dashboard, text)?;
    Ok(dashboard)
}

/// Checks that need the whole dashboard: variables referenced but not defined, repeats.
fn check_semantics(d: &Dashboard, text: &str) -> Result<(), DashboardError> {
    let fail = |needle: &str, message: String| DashboardError {
        origin: d.origin.clone(),
        line: text.find(needle).map(|at| line_of(text, at)),
        message,
    };
    if d.panels.is_empty() {
        return Err(fail(
            "",
            "the dashboard has no panels; add at least one [[panels]]".into(),
        ));
    }
    let mut names = BTreeSet::new();
    for v in &d.variables {
        if !names.insert(v.name.as_str()) {
            return Err(fail(
                &format!("\"{}\"", v.name),
                format!("variable `{}` is defined twice", v.name),
            ));
        }
    }
    for panel in &d.panels {
        for q in &panel.queries {
            for name in referenced_variables(&q.expr) {
                if !names.contains(name.as_str()) && !is_builtin_variable(&name) {
                    return Err(fail(
                        &format!("${name}"),
                        format!(
                            "panel \"{}\" uses `${name}`, which is not defined; add a [[variables]] entry named \"{name}\"",
                            panel.title
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

// ---- the file format ------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardFile {
    id: Id,
    title: NonEmpty,
    refresh: DurationText,
    range: DurationText,
    #[serde(default)]
    variables: Vec<VariableFile>,
    #[serde(default)]
    panels: Vec<PanelFile>,
}

impl DashboardFile {
    fn into_dashboard(self, origin: Origin) -> Dashboard {
        Dashboard {
            id: self.id.0,
            title: self.title.0,
            refresh: self.refresh.0,
            range: self.range.0,
            variables: self
                .variables
                .into_iter()
                .map(|v| Variable {
                    name: v.name.0,
                    label_values: LabelValues {
                        label: v.label_values.label.0,
                        selector: v.label_values.selector,
                    },
                    default: v.default,
                    include_all: v.include_all,
                    all_value: v.all_value,
                })
                .collect(),
            panels: self.panels.into_iter().map(|p| p.0).collect(),
            origin,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableFile {
    name: VarName,
    label_values: LabelValuesFile,
    default: Option<String>,
    #[serde(default = "yes")]
    include_all: bool,
    all_value: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelValuesFile {
    label: NonEmpty,
    selector: Option<String>,
}

/// A panel, checked as a whole (min below max, thresholds in order).
#[derive(Deserialize)]
#[serde(try_from = "RawPanel")]
struct PanelFile(Panel);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPanel {
    title: NonEmpty,
    kind: KindText,
    #[serde(default)]
    unit: UnitText,
    decimals: Option<u8>,
    thresholds: Option<ThresholdsFile>,
    min: Option<f64>,
    max: Option<f64>,
    queries: Queries,
    #[serde(default)]
    alerts: Vec<NonEmpty>,
    grid: GridFile,
    description: Option<String>,
}

impl TryFrom<RawPanel> for PanelFile {
    type Error = String;
    fn try_from(p: RawPanel) -> Result<Self, String> {
        let title = p.title.0;
        if let (Some(min), Some(max)) = (p.min, p.max) {
            if min >= max {
                return Err(format!(
                    "panel \"{title}\": min ({min}) must be below max ({max})"
                ));
            }
        }
        if p.decimals.is_some_and(|d| d > 9) {
            return Err(format!("panel \"{title}\": decimals must be 0-9"));
        }
        Ok(PanelFile(Panel {
            title,
            kind: p.kind.0,
            unit: p.unit.0,
            decimals: p.decimals,
            thresholds: p.thresholds.map(|t| t.0),
            min: p.min,
            max: p.max,
            queries: p.queries.0,
            alerts: p.alerts.into_iter().map(|a| a.0).collect(),
            grid: p.grid.0,
            description: p.description,
        }))
    }
}

#[derive(Deserialize)]
#[serde(try_from = "Vec<QueryFile>")]
struct Queries(Vec<PanelQuery>);

impl TryFrom<Vec<QueryFile>> for Queries {
    type Error = String;
    fn try_from(v: Vec<QueryFile>) -> Result<Self, String> {
        if v.is_empty() {
            return Err(
                "a panel needs at least one query: add [[panels.queries]] with an expr".into(),
            );
        }
        Ok(Queries(
            v.into_iter()
                .map(|q| PanelQuery {
                    expr: q.expr.0,
                    legend: q.legend,
                })
                .collect(),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryFile {
    expr: Expr,
    legend: Option<String>,
}

#[derive(Deserialize)]
#[serde(try_from = "RawThresholds")]
struct ThresholdsFile(Thresholds);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    warning: Option<f64>,
    critical: Option<f64>,
    #[serde(default)]
    bad: DirectionText,
}

impl TryFrom<RawThresholds> for ThresholdsFile {
    type Error = String;
    fn try_from(t: RawThresholds) -> Result<Self, String> {
        if t.warning.is_none() && t.critical.is_none() {
            return Err("thresholds need a warning or a critical value".into());
        }
        if let (Some(w), Some(c)) = (t.warning, t.critical) {
            let ordered = match t.bad.0 {
                Direction::High => w <= c,
                Direction::Low => w >= c,
            };
            if !ordered {
                let side = if t.bad.0 == Direction::High {
                    "above"
                } else {
                    "below"
                };
                return Err(format!(
                    "critical ({c}) must be {side} warning ({w}) when bad = \"{}\"",
                    if t.bad.0 == Direction::High {
                        "high"
                    } else {
                        "low"
                    }
                ));
            }
        }
        Ok(ThresholdsFile(Thresholds {
            warning: t.warning,
            critical: t.critical,
            bad: t.bad.0,
        }))
    }
}

#[derive(Deserialize)]
#[serde(try_from = "RawGrid")]
struct GridFile(GridPos);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    x: u16,
    y: u16,
    w: u16,
    h: u16,
}

impl TryFrom<RawGrid> for GridFile {
    type Error = String;
    fn try_from(g: RawGrid) -> Result<Self, String> {
        if g.w == 0 || g.h == 0 {
            return Err("grid w and h must be at least 1".into());
        }
        if u32::from(g.x) + u32::from(g.w) > u32::from(GRID_COLUMNS) {
            return Err(format!(
                "grid x + w = {} is wider than the {GRID_COLUMNS}-column grid",
                u32::from(g.x) + u32::from(g.w)
            ));
        }
        Ok(GridFile(GridPos {
            x: g.x,
            y: g.y,
            w: g.w,
            h: g.h,
        }))
    }
}

/// Dashboard ids are used on the command line and as file names: keep them plain.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Id(String);

impl TryFrom<String> for Id {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && !s.chars().all(|c| c.is_ascii_digit());
        if ok {
            Ok(Id(s))
        } else {
            Err(format!(
                "id \"{s}\" must be lowercase letters, digits, - or _ (and not only digits, which select by number)"
            ))
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct NonEmpty(String);

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            Err("must not be empty".into())
        } else {
            Ok(NonEmpty(s))
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Expr(String);

impl TryFrom<String> for Expr {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            Err("empty query: expr must be a PromQL expression".into())
        } else {
            Ok(Expr(s.trim().to_string()))
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct VarName(String);

impl TryFrom<String> for VarName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let mut chars = s.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "variable name \"{s}\" must be letters, digits and _ (not starting with a digit)"
            ));
        }
        if s.starts_with("__") {
            return Err(format!(
                "variable name \"{s}\" is reserved: names starting with __ are built-in"
            ));
        }
        Ok(VarName(s))
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct DurationText(Duration);

impl TryFrom<String> for DurationText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_duration(&s).map(DurationText)
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct UnitText(Unit);

impl Default for UnitText {
    fn default() -> Self {
        UnitText(Unit::Plain)
    }
}

impl TryFrom<String> for UnitText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Unit::parse(&s)
            .map(UnitText)
            .ok_or_else(|| format!("unknown unit \"{s}\"; use one of {UNIT_NAMES}"))
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct KindText(PanelKind);

impl TryFrom<String> for KindText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PanelKind::parse(&s).map(KindText).ok_or_else(|| {
            let names: Vec<&str> = PanelKind::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "unknown panel kind \"{s}\"; use one of {}",
                names.join(", ")
            )
        })
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct DirectionText(Direction);

impl Default for DirectionText {
    fn default() -> Self {
        DirectionText(Direction::High)
    }
}

impl TryFrom<String> for DirectionText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "high" => Ok(DirectionText(Direction::High)),
            "low" => Ok(DirectionText(Direction::Low)),
            _ => Err(format!(
                "bad = \"{s}\": use \"high\" (high values are bad) or \"low\""
            )),
        }
    }
}

// ---- writing ---------------------------------------------------------------------------

/// A dashboard in our TOML format (for `dashboard import`); `parse_dashboard` reads it back
/// to the same dashboard.
pub fn to_toml(d: &Dashboard) -> String {
    let mut out = String::new();
    let s = |text: &str| toml::Value::String(text.to_string()).to_string();
    let f = |v: f64| toml::Value::Float(v).to_string();
    out.push_str(&format!("id = {}\ntitle = {}\n", s(&d.id), s(&d.title)));
    out.push_str(&format!(
        "refresh = {}\nrange = {}\n",
        s(&format_duration(d.refresh)),
        s(&format_duration(d.range))
    ));
    for v in &d.variables {
        out.push_str(&format!("\n[[variables]]\nname = {}\n", s(&v.name)));
        match &v.label_values.selector {
            Some(sel) => out.push_str(&format!(
                "label_values = {{ label = {}, selector = {} }}\n",
                s(&v.label_values.label),
                s(sel)
            )),
            None => out.push_str(&format!(
                "label_values = {{ label = {} }}\n",
                s(&v.label_values.label)
            )),
        }
        if let Some(def) = &v.default {
            out.push_str(&format!("default = {}\n", s(def)));
        }
        if !v.include_all {
            out.push_str("include_all = false\n");
        }
        if let Some(all) = &v.all_value {
            out.push_str(&format!("all_value = {}\n", s(all)));
        }
    }
    for p in &d.panels {
        out.push_str(&format!("\n[[panels]]\ntitle = {}\n", s(&p.title)));
        if let Some(desc) = &p.description {
            out.push_str(&format!("description = {}\n", s(desc)));
        }
        out.push_str(&format!(
            "kind = {}\nunit = {}\n",
            s(p.kind.as_str()),
            s(&p.unit.name())
        ));
        if let Some(dec) = p.decimals {
            out.push_str(&format!("decimals = {dec}\n"));
        }
        if let Some(min) = p.min {
            out.push_str(&format!("min = {}\n", f(min)));
        }
        if let Some(max) = p.max {
            out.push_str(&format!("max = {}\n", f(max)));
        }
        out.push_str(&format!(
            "grid = {{ x = {}, y = {}, w = {}, h = {} }}\n",
            p.grid.x, p.grid.y, p.grid.w, p.grid.h
        ));
        if let Some(t) = &p.thresholds {
            let mut parts = Vec::new();
            if let Some(w) = t.warning {
                parts.push(format!("warning = {}", f(w)));
            }
            if let Some(c) = t.critical {
                parts.push(format!("critical = {}", f(c)));
            }
            let bad = if t.bad == Direction::High {
                "high"
            } else {
                "low"
            };
            parts.push(format!("bad = {}", s(bad)));
            out.push_str(&format!("thresholds = {{ {} }}\n", parts.join(", ")));
        }
        if !p.alerts.is_empty() {
            let names: Vec<String> = p.alerts.iter().map(|a| s(a)).collect();
            out.push_str(&format!("alerts = [{}]\n", names.join(", ")));
        }
        for q in &p.queries {
            out.push_str(&format!("\n[[panels.queries]]\nexpr = {}\n", s(&q.expr)));
            if let Some(legend) = &q.legend {
                out.push_str(&format!("legend = {}\n", s(legend)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    /// Every alert rule name the platform's rules define or its dashboards link (the exchange
    /// dashboards' "Alerts Linked" lists, where "X / Warning" names the X...Warning rule; the
    /// rules of the microservice and data platforms).
    const SEED_ALERTS: &[&str] = &[
        // The exchange's dashboards and rules.
        "ServiceDown",
        "DiskSpaceCritical",
        "HighCPUUsage",
        "HighMemoryUsage",
        "HighErrorRate",
        "HighErrorRateWarning",
        "APILatencyCritical",
        "APILatencyWarning",
        "HighRateLimitViolations",
        "MatchingEngineDown",
        "MatchingEngineLatencyHigh",
        "LowOrderMatchSuccessRate",
        "HighOrderRejectionRate",
        "DatabaseConnectionPoolExhausted",
        "DatabaseConnectionPoolWarning",
        "SlowQueriesDetected",
        "DatabaseReplicationLagCritical",
        "RedisMemoryCritical",
        "RedisMemoryWarning",
        "RedisCacheHitRateLow",
        "KYCBacklog",
        "LowKYCApprovalRate",
        "DDoSDetected",
        "SuspiciousLoginAttempts",
        "UnusualOrderPattern",
        "HighWithdrawalFailureRate",
        // The microservice platform.
        "HighLatency",
        "DiskSpaceLow",
        "ElevatedErrorRate",
        "SlowDatabaseQueries",
        // The crypto-stock data platform.
        "APIDown",
        "DatabaseDown",
        "RedisDown",
        "HighAPILatency",
        "LowCacheHitRate",
        "CircuitBreakerOpen",
        "HighDataCollectionLag",
        "LowDataQualityScore",
    ];

    const MINIMAL: &str = r#"
id = "mini"
title = "Mini"
refresh = "30s"
range = "1h"

[[panels]]
title = "Up"
kind = "stat"
unit = "plain"
grid = { x = 0, y = 0, w = 6, h = 4 }

[[panels.queries]]
expr = "up"
"#;

    fn origin() -> Origin {
        Origin::File(PathBuf::from("test.toml"))
    }

    #[test]
    fn embedded_dashboards_load_in_order() {
        let loaded = load_embedded();
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let ids: Vec<&str> = loaded.dashboards.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "system-health",
                "application-performance",
                "trading-engine",
                "database-cache",
                "business",
                "security",
                "infrastructure"
            ]
        );
        let timing: Vec<(u64, u64)> = loaded
            .dashboards
            .iter()
            .map(|d| (d.refresh.as_secs(), d.range.as_secs()))
            .collect();
        assert_eq!(
            timing,
            [
                (30, 21_600),
                (10, 3600),
                (5, 3600),
                (60, 21_600),
                (300, 86_400),
                (60, 86_400),
                (30, 21_600)
            ]
        );
        assert_eq!(
            loaded.find("3").map(|d| d.id.as_str()),
            Some("trading-engine")
        );
        assert_eq!(
            loaded.find("business").map(|d| d.id.as_str()),
            Some("business")
        );
        assert!(loaded.find("0").is_none() && loaded.find("8").is_none());
    }

    #[test]
    fn embedded_dashboards_hold_their_invariants() {
        let loaded = load_embedded();
        let mut ids = HashSet::new();
        for d in &loaded.dashboards {
            assert!(ids.insert(d.id.clone()), "duplicate id {}", d.id);
            assert!(!d.panels.is_empty(), "{} has no panels", d.id);
            let mut titles = HashSet::new();
            for p in &d.panels {
                let at = format!("{} / {}", d.id, p.title);
                assert!(titles.insert(p.title.clone()), "duplicate panel title {at}");
                assert!(!p.queries.is_empty(), "{at} has no query");
                for q in &p.queries {
                    assert!(!q.expr.trim().is_empty(), "{at} has an empty query");
                    assert!(
                        q.legend.as_deref().is_some_and(|l| !l.is_empty()),
                        "{at}: every query has a legend"
                    );
                    // Rate windows follow the step; fixed windows are deliberate ([1h], [1d]).
                    assert!(
                        !q.expr.contains("[5m]"),
                        "{at}: use $__rate_interval, not [5m]"
                    );
                    let open = q.expr.matches('(').count();
                    assert_eq!(
                        open,
                        q.expr.matches(')').count(),
                        "{at}: unbalanced parentheses"
                    );
                }
                for a in &p.alerts {
                    assert!(
                        SEED_ALERTS.contains(&a.as_str()),
                        "{at}: alert {a} is not in the seeds"
                    );
                }
                assert!(
                    p.grid.x + p.grid.w <= GRID_COLUMNS,
                    "{at} is wider than the grid"
                );
                assert!(p.grid.w > 0 && p.grid.h > 0, "{at} has an empty grid cell");
                assert!(
                    Unit::parse(&p.unit.name()).as_ref() == Some(&p.unit),
                    "{at}: unknown unit"
                );
                if let Some(t) = p.thresholds {
                    assert!(
                        t.warning.is_some() || t.critical.is_some(),
                        "{at}: empty thresholds"
                    );
                }
            }
            // Panels must not overlap on the grid.
            for (i, a) in d.panels.iter().enumerate() {
                for b in &d.panels[i + 1..] {
                    let overlap = a.grid.x < b.grid.x + b.grid.w
                        && b.grid.x < a.grid.x + a.grid.w
                        && a.grid.y < b.grid.y + b.grid.h
                        && b.grid.y < a.grid.y + a.grid.h;
                    assert!(
                        !overlap,
                        "{}: panels {} and {} overlap",
                        d.id, a.title, b.title
                    );
                }
            }
        }
    }

    #[test]
    fn every_panel_the_seed_lists_is_there() {
        let loaded = load_embedded();
        let expect: BTreeMap<&str, &[&str]> = BTreeMap::from([
            (
                "system-health",
                &[
                    "Service Status",
                    "Disk Usage",
                    "CPU Usage",
                    "Memory Usage",
                    "Active Connections",
                    "Request Rate",
                ] as &[&str],
            ),
            (
                "application-performance",
                &[
                    "Request Rate (RPS)",
                    "Error Rate",
                    "Latency (P50/P95/P99)",
                    "Status Code Distribution",
                    "Apdex Score",
                    "Successful Requests",
                ],
            ),
            (
                "trading-engine",
                &[
                    "Orders per Minute",
                    "Matching Latency (P50/P95/P99)",
                    "Match Success Rate",
                    "Rejection Rate",
                    "Order Book Depth",
                    "Trade Volume",
                ],
            ),
            (
                "database-cache",
                &[
                    "Query Latency (P50/P95/P99)",
                    "Connection Pool Usage",
                    "Cache Hit Ratio",
                    "Slow Queries",
                    "Replication Lag",
                    "Table Sizes",
                    "Redis Memory Usage",
                    "Redis Operations/sec",
                    "Redis Hit Rate",
                    "Redis Evicted Keys",
                ],
            ),
            (
                "business",
                &[
                    "Daily Active Users (DAU)",
                    "Monthly Active Users (MAU)",
                    "New Registrations (24h)",
                    "KYC Completion Rate",
                    "Trading Volume (24h)",
                    "Fee Revenue (24h)",
                    "Deposit/Withdrawal Volume",
                ],
            ),
            (
                "security",
                &[
                    "Failed Login Attempts",
                    "Account Lockouts",
                    "Rate Limit Violations",
                    "Unusual Trading",
                    "DDoS Indicators",
                    "Withdrawal Anomalies",
                    "Geographic Anomalies",
                ],
            ),
            (
                "infrastructure",
                &[
                    "CPU Usage per Node",
                    "CPU Usage per Pod",
                    "Memory Used vs Available",
                    "Network I/O",
                    "Disk I/O",
                    "Target Status",
                    "Pod Status",
                ],
            ),
        ]);
        for (id, titles) in expect {
            let d = loaded.find(id).unwrap();
            for t in titles {
                assert!(
                    d.panels.iter().any(|p| p.title == *t),
                    "{id} lacks panel {t}"
                );
            }
        }
        // Seed 000's linked alerts per dashboard are all shown somewhere on it.
        let linked: BTreeMap<&str, &[&str]> = BTreeMap::from([
            (
                "system-health",
                &[
                    "ServiceDown",
                    "DiskSpaceCritical",
                    "HighCPUUsage",
                    "HighMemoryUsage",
                ] as &[&str],
            ),
            (
                "application-performance",
                &[
                    "HighErrorRate",
                    "HighErrorRateWarning",
                    "APILatencyCritical",
                    "APILatencyWarning",
                    "HighRateLimitViolations",
                ],
            ),
            (
                "trading-engine",
                &[
                    "MatchingEngineDown",
                    "MatchingEngineLatencyHigh",
                    "LowOrderMatchSuccessRate",
                    "HighOrderRejectionRate",
                ],
            ),
            (
                "database-cache",
                &[
                    "DatabaseConnectionPoolExhausted",
                    "DatabaseConnectionPoolWarning",
                    "SlowQueriesDetected",
                    "DatabaseReplicationLagCritical",
                    "RedisMemoryCritical",
                    "RedisMemoryWarning",
                    "RedisCacheHitRateLow",
                ],
            ),
            (
                "business",
                &[
                    "KYCBacklog",
                    "LowKYCApprovalRate",
                    "LowOrderMatchSuccessRate",
                ],
            ),
            (
                "security",
                &[
                    "DDoSDetected",
                    "SuspiciousLoginAttempts",
                    "UnusualOrderPattern",
                    "HighWithdrawalFailureRate",
                ],
            ),
        ]);
        for (id, alerts) in linked {
            let names = loaded.find(id).unwrap().alert_names();
            for a in alerts {
                assert!(names.contains(a), "{id} does not link {a}");
            }
        }
    }

    #[test]
    fn seed_thresholds_are_drawn() {
        let loaded = load_embedded();
        let panel = |d: &str, t: &str| {
            loaded
                .find(d)
                .unwrap()
                .panels
                .iter()
                .find(|p| p.title == t)
                .unwrap()
                .clone()
        };
        let th = |d: &str, t: &str| panel(d, t).thresholds.unwrap();
        let lat = th("application-performance", "Latency (P50/P95/P99)");
        assert_eq!(
            (lat.warning, lat.critical, lat.bad),
            (Some(0.5), Some(1.0), Direction::High)
        );
        let me = th("trading-engine", "Matching Latency (P50/P95/P99)");
        assert_eq!((me.warning, me.critical), (Some(0.05), Some(0.1)));
        let lag = th("database-cache", "Replication Lag");
        assert_eq!((lag.warning, lag.critical), (Some(5.0), Some(30.0)));
        let err = th("application-performance", "Error Rate");
        assert_eq!((err.warning, err.critical), (Some(1.0), Some(5.0)));
        let avail = th("application-performance", "API Gateway Availability");
        assert_eq!(
            (avail.warning, avail.critical, avail.bad),
            (Some(99.9), Some(99.5), Direction::Low)
        );
        let engine = th("trading-engine", "Engine Availability");
        assert_eq!((engine.warning, engine.critical), (Some(99.95), Some(99.5)));
        assert_eq!(
            panel("application-performance", "Latency (P50/P95/P99)").unit,
            Unit::Seconds
        );
    }

    #[test]
    fn reads_a_minimal_file() {
        let d = parse_dashboard(MINIMAL, origin()).unwrap();
        assert_eq!(d.id, "mini");
        assert_eq!(d.refresh, Duration::from_secs(30));
        assert_eq!(d.panels[0].kind, PanelKind::Stat);
        assert_eq!(
            d.panels[0].queries[0],
            PanelQuery {
                expr: "up".into(),
                legend: None
            }
        );
    }

    fn error_of(text: &str) -> DashboardError {
        parse_dashboard(text, origin()).unwrap_err()
    }

    #[test]
    fn bad_toml_names_the_line() {
        let text = MINIMAL.replace("title = \"Up\"", "title = \"Up");
        let e = error_of(&text);
        assert_eq!(e.line, Some(8), "{e}");
        assert!(e.to_string().starts_with("test.toml:8: "), "{e}");
    }

    #[test]
    fn unknown_unit_names_the_line_and_the_choices() {
        let e = error_of(&MINIMAL.replace("unit = \"plain\"", "unit = \"furlongs\""));
        assert_eq!(e.line, Some(10), "{e}");
        assert!(e.message.contains("unknown unit \"furlongs\""), "{e}");
        assert!(e.message.contains("req/s"), "{e}");
    }

    #[test]
    fn empty_query_is_an_error() {
        let e = error_of(&MINIMAL.replace("expr = \"up\"", "expr = \"  \""));
        assert_eq!(e.line, Some(14), "{e}");
        assert!(e.message.contains("empty query"), "{e}");
        let no_queries = MINIMAL.replace("[[panels.queries]]\nexpr = \"up\"\n", "");
        let e = error_of(&no_queries);
        assert!(e.message.contains("missing field `queries`"), "{e}");
        let empty_list = no_queries.replace("grid =", "queries = []\ngrid =");
        assert!(error_of(&empty_list).message.contains("at least one query"));
    }

    #[test]
    fn unknown_key_is_an_error() {
        let e = error_of(&MINIMAL.replace("kind = \"stat\"", "kind = \"stat\"\ncolour = \"red\""));
        assert_eq!(e.line, Some(10), "{e}");
        assert!(e.message.contains("unknown field `colour`"), "{e}");
    }

    #[test]
    fn grid_thresholds_and_variables_are_checked() {
        let e = error_of(&MINIMAL.replace("x = 0, y = 0, w = 6", "x = 20, y = 0, w = 6"));
        assert!(e.message.contains("wider than the 24-column grid"), "{e}");
        let e = error_of(&MINIMAL.replace(
            "grid =",
            "thresholds = { warning = 5, critical = 1 }\ngrid =",
        ));
        assert!(
            e.message.contains("critical (1) must be above warning (5)"),
            "{e}"
        );
        let e = error_of(&MINIMAL.replace("expr = \"up\"", "expr = 'up{job=~\"$job\"}'"));
        assert!(e.message.contains("`$job`, which is not defined"), "{e}");
        assert_eq!(e.line, Some(14));
        let e = error_of(&MINIMAL.replace("range = \"1h\"", "range = \"1 hour\""));
        assert_eq!(e.line, Some(5));
        let e = error_of(&MINIMAL.replace("kind = \"stat\"", "kind = \"pie\""));
        assert!(e.message.contains("unknown panel kind \"pie\""), "{e}");
        let e = error_of(&MINIMAL.replace("id = \"mini\"", "id = \"3\""));
        assert!(e.message.contains("not only digits"), "{e}");
    }

    #[test]
    fn written_toml_reads_back_the_same() {
        for d in load_embedded().dashboards {
            let text = to_toml(&d);
            let back =
                parse_dashboard(&text, d.origin.clone()).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, d);
        }
    }

    #[test]
    fn user_files_override_by_id_or_add_and_errors_do_not_stop_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let override_health = MINIMAL.replace("id = \"mini\"", "id = \"system-health\"");
        std::fs::write(dir.path().join("a-health.toml"), override_health).unwrap();
        std::fs::write(dir.path().join("b-mini.toml"), MINIMAL).unwrap();
        std::fs::write(dir.path().join("c-broken.toml"), "id = ").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let loaded = load_all(Some(dir.path()));
        assert_eq!(loaded.dashboards.len(), 8);
        assert_eq!(loaded.dashboards[0].id, "system-health");
        assert_eq!(loaded.dashboards[0].title, "Mini");
        assert!(
            matches!(&loaded.dashboards[0].origin, Origin::File(p) if p.ends_with("a-health.toml"))
        );
        assert_eq!(loaded.dashboards[7].id, "mini");
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0].to_string().contains("c-broken.toml:1"),
            "{}",
            loaded.errors[0]
        );
    }

    #[test]
    fn grafana_json_in_the_user_dir_is_imported_with_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = include_str!("../../tests/fixtures/grafana/services-overview.json");
        std::fs::write(dir.path().join("services.json"), fixture).unwrap();
        std::fs::write(dir.path().join("broken.json"), "{ nope").unwrap();
        let loaded = load_all(Some(dir.path()));
        let d = loaded.find("services").expect("id from the file name");
        assert_eq!(d.panels.len(), 9);
        assert!(loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("\"text\" is not supported")));
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0]
                .to_string()
                .contains("broken.json:1: not valid JSON"),
            "{}",
            loaded.errors[0]
        );
    }

    #[test]
    fn a_missing_user_dir_is_not_an_error() {
        let loaded = load_all(Some(Path::new("/nonexistent/oncall/dashboards")));
        assert!(loaded.errors.is_empty());
        assert_eq!(loaded.dashboards.len(), 7);
    }
}
