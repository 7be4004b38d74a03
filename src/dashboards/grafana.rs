//! Grafana dashboard JSON -> `Dashboard`. Grafana can express far more than we draw; whatever
//! has no equivalent is skipped with a warning naming the panel, never a failure, so a
//! dashboard exported from Grafana always gives something to look at.

use std::collections::BTreeMap;

use serde_json::Value;

use super::file::DashboardError;
use super::model::{
    Dashboard, Direction, GridPos, LabelValues, Origin, Panel, PanelKind, PanelQuery, Thresholds,
    Variable, GRID_COLUMNS,
};
use super::plan::{is_builtin_variable, referenced_variables};
use super::units::Unit;
use crate::duration::parse_positive_duration as parse_duration;
use std::time::Duration;

/// Refresh used when the Grafana dashboard has auto-refresh off.
const DEFAULT_REFRESH: Duration = Duration::from_secs(60);
/// Range used when `time.from` is absent or not a relative `now-<duration>`.
const DEFAULT_RANGE: Duration = Duration::from_secs(6 * 3600);

/// An imported dashboard and what was left out.
#[derive(Debug, Clone)]
pub struct Imported {
    pub dashboard: Dashboard,
    pub warnings: Vec<String>,
}

/// Import Grafana dashboard JSON: the dashboard model itself, or the API's
/// `{"dashboard": {...}}` envelope. `id` overrides the id taken from the title.
pub fn import(json: &str, id: Option<&str>, origin: Origin) -> Result<Imported, DashboardError> {
    let fail = |line: Option<usize>, message: String| DashboardError {
        origin: origin.clone(),
        line,
        message,
    };
    let root: Value = serde_json::from_str(json)
        .map_err(|e| fail(Some(e.line()), format!("not valid JSON: {e}")))?;
    let model = match root.get("dashboard") {
        Some(inner) if inner.is_object() => inner,
        _ => &root,
    };
    if !model.is_object() {
        return Err(fail(
            None,
            "not a Grafana dashboard: expected a JSON object".into(),
        ));
    }
    let mut warnings = Vec::new();
    let title = str_field(model, "title")
        .unwrap_or("Imported dashboard")
        .to_string();
    // The title names it for people (`:dash node-exporter-full`); a uid is random letters.
    let id = match id {
        Some(id) => slug(id),
        None => slug(&title),
    };
    let refresh = match model.get("refresh") {
        Some(Value::String(s)) if !s.is_empty() => parse_duration(s).unwrap_or_else(|e| {
            warnings.push(format!("refresh \"{s}\": {e}; using 1m"));
            DEFAULT_REFRESH
        }),
        _ => DEFAULT_REFRESH,
    };
    let range = time_range(model, &mut warnings);

    let (variables, inline) = variables(model, &mut warnings);
    let raw_panels = flatten_panels(model, &mut warnings);
    let mut panels = Vec::new();
    for (index, raw) in raw_panels.iter().enumerate() {
        if let Some(panel) = panel(raw, index, &variables, &inline, &mut warnings) {
            panels.push(panel);
        }
    }
    if panels.is_empty() {
        let mut message = "no panel could be imported".to_string();
        if !warnings.is_empty() {
            message.push_str(": ");
            message.push_str(&warnings.join("; "));
        }
        return Err(fail(None, message));
    }
    let dashboard = Dashboard {
        id,
        title,
        refresh,
        range,
        variables,
        panels,
        origin,
    };
    Ok(Imported {
        dashboard,
        warnings,
    })
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A file-name-safe id: lowercase letters, digits and `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(64).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() || trimmed.chars().all(|c| c.is_ascii_digit()) {
        format!("imported-{trimmed}")
            .trim_end_matches('-')
            .to_string()
    } else {
        trimmed
    }
}

/// `time.from = "now-6h"`, `time.to = "now"` -> 6 h. Absolute or rounded ranges fall back.
fn time_range(model: &Value, warnings: &mut Vec<String>) -> Duration {
    let Some(time) = model.get("time") else {
        return DEFAULT_RANGE;
    };
    let from = str_field(time, "from").unwrap_or("");
    let to = str_field(time, "to").unwrap_or("now");
    if to != "now" {
        warnings.push(format!(
            "time.to \"{to}\" is not \"now\"; showing the range up to now"
        ));
    }
    match from.strip_prefix("now-").map(parse_duration) {
        Some(Ok(d)) => d,
        _ => {
            warnings.push(format!(
                "time.from \"{from}\" is not of the form now-<duration>; using 6h"
            ));
            DEFAULT_RANGE
        }
    }
}

/// Template variables: `label_values(...)` query variables become ours; variables we cannot
/// offer a picker for (custom, constant, interval, other queries) are replaced in the queries
/// by their current value. Returns the variables and the inline replacements.
fn variables(
    model: &Value,
    warnings: &mut Vec<String>,
) -> (Vec<Variable>, BTreeMap<String, String>) {
    let mut vars = Vec::new();
    let mut inline = BTreeMap::new();
    let list = model
        .pointer("/templating/list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for v in &list {
        let Some(name) = str_field(v, "name").filter(|n| valid_var_name(n)) else {
            warnings.push("a template variable without a usable name was skipped".into());
            continue;
        };
        let kind = str_field(v, "type").unwrap_or("query");
        let current = current_value(v);
        // Grafana's defaults: no "All" unless asked for; "all" is a regex of every value
        // unless `allValue` says otherwise (`.*` here: the same for `=~` matchers).
        let include_all = v.get("includeAll").and_then(Value::as_bool) == Some(true);
        // `.*` is what "all" writes anyway.
        let all_value = str_field(v, "allValue")
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != ".*")
            .map(str::to_string);
        if kind == "datasource" {
            // Only one Prometheus: `${DS}` in datasource fields needs no value.
            continue;
        }
        let query = match v.get("query") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => o
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        };
        if kind == "query" {
            if let Some(label_values) = parse_label_values(&query) {
                if v.get("multi").and_then(Value::as_bool) == Some(true) {
                    warnings.push(format!("variable ${name}: multi-value selection is not supported; one value or all"));
                }
                vars.push(Variable {
                    name: name.to_string(),
                    label_values,
                    default: current,
                    include_all,
                    all_value,
                });
                continue;
            }
        }
        // A custom list's first option is what Grafana shows when nothing valid is saved.
        let first_option = query
            .split(',')
            .map(str::trim)
            .find(|o| !o.is_empty())
            .map(str::to_string);
        let value = match (kind, current) {
            ("interval", Some(c)) if c.starts_with("$__auto") || c == "auto" => {
                "$__interval".to_string()
            }
            (_, Some(c)) => c,
            ("interval", None) => "$__interval".to_string(),
            (_, None) if include_all => all_value.clone().unwrap_or_else(|| ".*".to_string()),
            ("custom", None) => first_option.unwrap_or_else(|| ".*".to_string()),
            (_, None) => ".*".to_string(),
        };
        warnings.push(format!(
            "variable ${name} ({kind}{}) has no picker here; its current value \"{value}\" is written into the queries",
            if query.is_empty() { String::new() } else { format!(" {query}") }
        ));
        inline.insert(name.to_string(), value);
    }
    (vars, inline)
}

fn valid_var_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.starts_with("__")
}

/// The variable's current selection; "All" and multi-selections become `None` (all values).
fn current_value(v: &Value) -> Option<String> {
    let value = v.pointer("/current/value")?;
    let one = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.len() == 1 => items[0].as_str()?.to_string(),
        _ => return None,
    };
    if one.is_empty() || one == "$__all" || one == "All" {
        None
    } else {
        Some(one)
    }
}

/// `label_values(up{job="x"}, instance)` or `label_values(instance)`.
fn parse_label_values(query: &str) -> Option<LabelValues> {
    let inner = query
        .trim()
        .strip_prefix("label_values(")?
        .strip_suffix(')')?;
    // The label is after the last comma outside braces and quotes.
    let (mut depth, mut in_quote, mut split) = (0i32, false, None);
    for (i, c) in inner.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '{' | '(' if !in_quote => depth += 1,
            '}' | ')' if !in_quote => depth -= 1,
            ',' if !in_quote && depth == 0 => split = Some(i),
            _ => {}
        }
    }
    let (selector, label) = match split {
        Some(i) => (Some(inner[..i].trim().to_string()), inner[i + 1..].trim()),
        None => (None, inner.trim()),
    };
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some(LabelValues {
        label: label.to_string(),
        selector: selector.filter(|s| !s.is_empty()),
    })
}

/// Panels in reading order, rows flattened: a collapsed row keeps its panels inside it, and
/// the old schema has `rows[].panels` with 12-column `span`s and no `gridPos`.
fn flatten_panels(model: &Value, warnings: &mut Vec<String>) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(panels) = model.get("panels").and_then(Value::as_array) {
        for p in panels {
            if str_field(p, "type") == Some("row") {
                if let Some(inner) = p.get("panels").and_then(Value::as_array) {
                    out.extend(inner.iter().cloned());
                }
            } else {
                out.push(p.clone());
            }
        }
    }
    if let Some(rows) = model.get("rows").and_then(Value::as_array) {
        // Old schema: lay rows out top to bottom, panels left to right by span.
        let mut y = out
            .iter()
            .filter_map(grid_of)
            .map(|g| g.y + g.h)
            .max()
            .unwrap_or(0);
        for row in rows {
            let height = row_height(row);
            let mut x: u16 = 0;
            for p in row
                .get("panels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let span = p
                    .get("span")
                    .and_then(Value::as_f64)
                    .unwrap_or(12.0)
                    .clamp(1.0, 12.0);
                let w = ((span * 2.0).round() as u16).clamp(1, GRID_COLUMNS);
                if x + w > GRID_COLUMNS {
                    x = 0;
                    y += height;
                }
                let mut p = p.clone();
                if let Some(obj) = p.as_object_mut() {
                    obj.insert(
                        "gridPos".into(),
                        serde_json::json!({"x": x, "y": y, "w": w, "h": height}),
                    );
                }
                out.push(p);
                x += w;
            }
            y += height;
        }
        if !rows.is_empty() {
            warnings
                .push("old Grafana schema (rows with spans): panel positions were computed".into());
        }
    }
    out
}

/// Old-schema row height ("250px") in 30-pixel grid rows.
fn row_height(row: &Value) -> u16 {
    let px = match row.get("height") {
        Some(Value::String(s)) => s.trim_end_matches("px").parse::<f64>().unwrap_or(250.0),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(250.0),
        _ => 250.0,
    };
    ((px / 30.0).round() as u16).clamp(2, 40)
}

fn grid_of(p: &Value) -> Option<GridPos> {
    let g = p.get("gridPos")?;
    let num = |k: &str| {
        g.get(k)
            .and_then(Value::as_u64)
            .map(|v| u16::try_from(v).unwrap_or(u16::MAX))
    };
    Some(GridPos {
        x: num("x")?,
        y: num("y")?,
        w: num("w")?,
        h: num("h")?,
    })
}

fn kind_of(panel_type: &str) -> Option<PanelKind> {
    Some(match panel_type {
        "graph" | "timeseries" | "trend" | "xychart" => PanelKind::Chart,
        "stat" | "singlestat" => PanelKind::Stat,
        "gauge" | "bargauge" => PanelKind::Gauge,
        // A table of current values per series is what our sparkline rows show.
        "table" | "table-old" => PanelKind::Sparkline,
        "state-timeline" | "status-history" => PanelKind::StatusGrid,
        _ => return None,
    })
}

fn panel(
    raw: &Value,
    index: usize,
    variables: &[Variable],
    inline: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Option<Panel> {
    let panel_type = str_field(raw, "type").unwrap_or("graph");
    let title = str_field(raw, "title")
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string);
    let name = title
        .clone()
        .unwrap_or_else(|| format!("panel {}", index + 1));
    if raw.get("libraryPanel").is_some() && raw.get("targets").is_none() {
        warnings.push(format!(
            "\"{name}\": library panels are not stored in the dashboard JSON; skipped"
        ));
        return None;
    }
    let Some(kind) = kind_of(panel_type) else {
        warnings.push(format!(
            "\"{name}\": panel type \"{panel_type}\" is not supported; skipped"
        ));
        return None;
    };
    if let Some(rep) = str_field(raw, "repeat").filter(|r| !r.is_empty()) {
        warnings.push(format!(
            "\"{name}\": repeat by ${rep} is not supported; shown once"
        ));
    }
    let queries = queries(raw, &name, variables, inline, warnings);
    if queries.is_empty() {
        warnings.push(format!("\"{name}\": no Prometheus query; skipped"));
        return None;
    }
    let defaults = raw.pointer("/fieldConfig/defaults");
    let legacy_axis = raw.pointer("/yaxes/0");
    let unit_id = defaults
        .and_then(|d| str_field(d, "unit"))
        .or_else(|| legacy_axis.and_then(|a| str_field(a, "format")))
        .or_else(|| str_field(raw, "format"))
        .unwrap_or("");
    let unit = unit_of(unit_id).unwrap_or_else(|| {
        warnings.push(format!(
            "\"{name}\": unit \"{unit_id}\" is not supported; shown as a plain number"
        ));
        Unit::Plain
    });
    let number = |v: Option<&Value>| -> Option<f64> {
        match v? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let mut min = number(defaults.and_then(|d| d.get("min")))
        .or_else(|| number(legacy_axis.and_then(|a| a.get("min"))));
    let mut max = number(defaults.and_then(|d| d.get("max")))
        .or_else(|| number(legacy_axis.and_then(|a| a.get("max"))));
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo >= hi {
            warnings.push(format!(
                "\"{name}\": min {lo} is not below max {hi}; both dropped"
            ));
            min = None;
            max = None;
        }
    }
    let decimals = number(
        defaults
            .and_then(|d| d.get("decimals"))
            .or_else(|| raw.get("decimals")),
    )
    .filter(|d| *d >= 0.0)
    .map(|d| d.min(9.0) as u8);
    let thresholds = thresholds(raw, kind, min, max, &name, warnings);
    let mut alerts = Vec::new();
    if let Some(alert_name) = raw.pointer("/alert/name").and_then(Value::as_str) {
        alerts.push(alert_name.to_string());
    }
    let grid = match grid_of(raw) {
        Some(g) => clamp_grid(g),
        None => {
            warnings.push(format!("\"{name}\": no gridPos; placed in a new row"));
            GridPos {
                x: 0,
                y: u16::try_from(index)
                    .unwrap_or(u16::MAX / 8)
                    .saturating_mul(8),
                w: 12,
                h: 8,
            }
        }
    };
    Some(Panel {
        title: name,
        kind,
        unit,
        decimals,
        thresholds,
        min,
        max,
        queries,
        alerts,
        grid,
        description: str_field(raw, "description")
            .filter(|d| !d.trim().is_empty())
            .map(str::to_string),
    })
}

fn clamp_grid(g: GridPos) -> GridPos {
    let w = g.w.clamp(1, GRID_COLUMNS);
    let x = g.x.min(GRID_COLUMNS - w);
    GridPos {
        x,
        y: g.y,
        w,
        h: g.h.max(1),
    }
}

fn queries(
    raw: &Value,
    name: &str,
    variables: &[Variable],
    inline: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Vec<PanelQuery> {
    let panel_ds = datasource_type(raw.get("datasource"));
    let mut out = Vec::new();
    for t in raw
        .get("targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if t.get("hide").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let ds = datasource_type(t.get("datasource")).or(panel_ds.clone());
        if let Some(ds) = ds.filter(|d| d != "prometheus") {
            warnings.push(format!(
                "\"{name}\": a {ds} query was skipped (only Prometheus is supported)"
            ));
            continue;
        }
        let Some(expr) = str_field(t, "expr")
            .map(str::trim)
            .filter(|e| !e.is_empty())
        else {
            continue;
        };
        if t.get("interval")
            .and_then(Value::as_str)
            .is_some_and(|i| !i.is_empty())
        {
            warnings.push(format!(
                "\"{name}\": the query's min interval is ignored; the step follows the width"
            ));
        }
        let expr = rewrite_expr(expr, inline);
        let undefined: Vec<String> = referenced_variables(&expr)
            .into_iter()
            .filter(|v| !is_builtin_variable(v) && !variables.iter().any(|d| &d.name == v))
            .collect();
        if let Some(var) = undefined.first() {
            warnings.push(format!(
                "\"{name}\": a query uses ${var}, which is not defined; skipped"
            ));
            continue;
        }
        let legend = str_field(t, "legendFormat")
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "__auto")
            .map(str::to_string);
        out.push(PanelQuery { expr, legend });
    }
    out
}

/// `"datasource": {"type": "prometheus", "uid": ...}`, or a name string (old schema: assume
/// Prometheus unless it names another kind of source we know).
fn datasource_type(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(|t| {
            if t == "datasource" {
                // Grafana's "-- Mixed --" / "-- Dashboard --" pseudo sources.
                "mixed".to_string()
            } else {
                t.to_string()
            }
        }),
        Value::String(s) => {
            let lower = s.to_ascii_lowercase();
            [
                "loki",
                "elasticsearch",
                "influx",
                "graphite",
                "mysql",
                "postgres",
                "cloudwatch",
                "tempo",
            ]
            .into_iter()
            .find(|k| lower.contains(k))
            .map(str::to_string)
        }
        _ => None,
    }
}

/// Grafana syntax we expand differently: `[[var]]` (old) and `${var:format}` become `${var}`;
/// inlined variables are written out.
fn rewrite_expr(expr: &str, inline: &BTreeMap<String, String>) -> String {
    let mut s = expr.to_string();
    // [[var]] and [[var:fmt]]
    while let Some(open) = s.find("[[") {
        let Some(close) = s[open..].find("]]").map(|c| open + c) else {
            break;
        };
        let name = s[open + 2..close]
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        if !valid_var_name(&name) && !name.starts_with("__") {
            break;
        }
        s.replace_range(open..close + 2, &format!("${{{name}}}"));
    }
    // ${var:fmt} -> ${var}
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find('}') {
            Some(close) if after[..close].contains(':') => {
                let name = after[..close].split(':').next().unwrap_or("");
                out.push_str(&format!("${{{name}}}"));
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // Write inlined values in place of their variables.
    for (name, value) in inline {
        out = out.replace(&format!("${{{name}}}"), value);
        out = replace_bare_var(&out, name, value);
    }
    out
}

/// Replace `$name` where it is not the prefix of a longer name.
fn replace_bare_var(s: &str, name: &str, value: &str) -> String {
    let token = format!("${name}");
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(&token) {
        let end = at + token.len();
        let continues = rest[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if continues { &token } else { value });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Grafana unit ids we can show. `None` for the rest.
pub use super::grafana_units::unit_of;

/// Which level a Grafana colour stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColourLevel {
    Ok,
    Warning,
    Critical,
}

fn colour_level(colour: &str) -> ColourLevel {
    let c = colour.trim().to_ascii_lowercase();
    if c.contains("red") {
        return ColourLevel::Critical;
    }
    if c.contains("orange") || c.contains("yellow") {
        return ColourLevel::Warning;
    }
    if let Some(hex) = c.strip_prefix('#').filter(|h| h.len() == 6) {
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        let (r, g, b) = (
            f64::from(channel(0)),
            f64::from(channel(2)),
            f64::from(channel(4)),
        );
        if r > 1.4 * g.max(b) {
            return ColourLevel::Critical;
        }
        if r > 1.4 * b && g > 1.4 * b && r >= 0.8 * g {
            return ColourLevel::Warning;
        }
    }
    if let Some(inner) = c.strip_prefix("rgba(").or_else(|| c.strip_prefix("rgb(")) {
        let parts: Vec<f64> = inner
            .trim_end_matches(')')
            .split(',')
            .take(3)
            .filter_map(|p| p.trim().parse().ok())
            .collect();
        if let [r, g, b] = parts[..] {
            if r > 1.4 * f64::max(g, b) {
                return ColourLevel::Critical;
            }
            if r > 1.4 * b && g > 1.4 * b {
                return ColourLevel::Warning;
            }
        }
    }
    ColourLevel::Ok
}

/// Threshold steps -> warning/critical and which side is bad. Time series panels only draw
/// thresholds when `thresholdsStyle` is on (Grafana's default steps are otherwise invisible
/// there), so they are imported only then.
fn thresholds(
    raw: &Value,
    kind: PanelKind,
    min: Option<f64>,
    max: Option<f64>,
    name: &str,
    warnings: &mut Vec<String>,
) -> Option<Thresholds> {
    // Old graph panels: [{"value": 80, "colorMode": "critical", "op": "gt"}].
    if let Some(list) = raw.get("thresholds").and_then(Value::as_array) {
        let mut t = Thresholds {
            warning: None,
            critical: None,
            bad: Direction::High,
        };
        for item in list {
            let Some(v) = item.get("value").and_then(Value::as_f64) else {
                continue;
            };
            if str_field(item, "op") == Some("lt") {
                t.bad = Direction::Low;
            }
            match str_field(item, "colorMode") {
                Some("critical") => t.critical = Some(v),
                Some("warning") => t.warning = Some(v),
                _ => {}
            }
        }
        return (t.warning.is_some() || t.critical.is_some()).then_some(t);
    }
    let defaults = raw.pointer("/fieldConfig/defaults")?;
    let config = defaults.get("thresholds")?;
    if kind == PanelKind::Chart {
        let style = defaults
            .pointer("/custom/thresholdsStyle/mode")
            .and_then(Value::as_str)
            .unwrap_or("off");
        if style == "off" {
            return None;
        }
    }
    let percentage = str_field(config, "mode") == Some("percentage");
    let scale = |v: f64| -> Option<f64> {
        if !percentage {
            return Some(v);
        }
        Some(min? + v / 100.0 * (max? - min?))
    };
    let steps = config.get("steps").and_then(Value::as_array)?;
    let mut levels: Vec<(Option<f64>, ColourLevel)> = Vec::new();
    for s in steps {
        let level = colour_level(str_field(s, "color").unwrap_or(""));
        let value = match s.get("value") {
            Some(Value::Number(n)) => match n.as_f64().and_then(scale) {
                Some(v) => Some(v),
                None => {
                    warnings.push(format!(
                        "\"{name}\": percentage thresholds need min and max; skipped"
                    ));
                    return None;
                }
            },
            _ => None,
        };
        levels.push((value, level));
    }
    let base = levels.first().map(|l| l.1).unwrap_or(ColourLevel::Ok);
    let bad = if base == ColourLevel::Ok {
        Direction::High
    } else {
        Direction::Low
    };
    let mut t = Thresholds {
        warning: None,
        critical: None,
        bad,
    };
    match bad {
        // Rising into worse colours: the first step of each colour.
        Direction::High => {
            for (value, level) in &levels {
                match (value, level) {
                    (Some(v), ColourLevel::Warning) if t.warning.is_none() => t.warning = Some(*v),
                    (Some(v), ColourLevel::Critical) if t.critical.is_none() => {
                        t.critical = Some(*v)
                    }
                    _ => {}
                }
            }
        }
        // Bad at the bottom: the value where each bad colour ends is where it starts, going down.
        Direction::Low => {
            for pair in levels.windows(2) {
                let (prev_level, next_value) = (pair[0].1, pair[1].0);
                match (prev_level, next_value) {
                    (ColourLevel::Critical, Some(v)) => t.critical = Some(v),
                    (ColourLevel::Warning, Some(v)) => t.warning = Some(v),
                    _ => {}
                }
            }
        }
    }
    if let (Some(w), Some(c)) = (t.warning, t.critical) {
        let ordered = match t.bad {
            Direction::High => w <= c,
            Direction::Low => w >= c,
        };
        if !ordered {
            warnings.push(format!(
                "\"{name}\": thresholds are not in order; only critical kept"
            ));
            t.warning = None;
        }
    }
    (t.warning.is_some() || t.critical.is_some()).then_some(t)
}

/// Our dashboard as Grafana JSON (schema 39), for Grafana itself or other tools that read it.
/// With `inline_all`, variables are not exported: each `$var` is written as `.*` (all values),
/// so every tool runs exactly the queries oncall runs with nothing selected. Sparklines become
/// time series, and alert links are not exported (Grafana has no such field).
pub fn export(d: &Dashboard, inline_all: bool) -> Value {
    use serde_json::json;
    let expr_of = |e: &str| -> String {
        if !inline_all {
            return e.to_string();
        }
        let mut out = e.to_string();
        for v in &d.variables {
            out = out.replace(&format!("${{{}}}", v.name), ".*");
            out = replace_bare_var(&out, &v.name, ".*");
        }
        out
    };
    let panels: Vec<Value> = d
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let panel_type = match p.kind {
                PanelKind::Chart | PanelKind::Sparkline => "timeseries",
                PanelKind::Stat => "stat",
                PanelKind::Gauge => "gauge",
                PanelKind::StatusGrid => "state-timeline",
            };
            let targets: Vec<Value> = p
                .queries
                .iter()
                .enumerate()
                .map(|(j, q)| {
                    let ref_id = char::from(b'A' + u8::try_from(j % 26).unwrap_or(0)).to_string();
                    json!({
                        "datasource": {"type": "prometheus", "uid": "${datasource}"},
                        "expr": expr_of(&q.expr),
                        "legendFormat": q.legend.clone().unwrap_or_default(),
                        "range": true,
                        "refId": ref_id,
                    })
                })
                .collect();
            let mut defaults = serde_json::Map::new();
            defaults.insert("unit".into(), json!(grafana_unit(&p.unit)));
            if let Some(dec) = p.decimals {
                defaults.insert("decimals".into(), json!(dec));
            }
            if let Some(min) = p.min {
                defaults.insert("min".into(), json!(min));
            }
            if let Some(max) = p.max {
                defaults.insert("max".into(), json!(max));
            }
            let mut steps = Vec::new();
            if let Some(t) = p.thresholds {
                match t.bad {
                    Direction::High => {
                        steps.push(json!({"color": "green", "value": null}));
                        if let Some(w) = t.warning {
                            steps.push(json!({"color": "orange", "value": w}));
                        }
                        if let Some(c) = t.critical {
                            steps.push(json!({"color": "red", "value": c}));
                        }
                    }
                    Direction::Low => {
                        let (first, second) = match (t.critical, t.warning) {
                            (Some(c), Some(w)) => {
                                steps.push(json!({"color": "red", "value": null}));
                                (Some(("orange", c)), Some(("green", w)))
                            }
                            (Some(c), None) => {
                                steps.push(json!({"color": "red", "value": null}));
                                (Some(("green", c)), None)
                            }
                            (None, Some(w)) => {
                                steps.push(json!({"color": "orange", "value": null}));
                                (Some(("green", w)), None)
                            }
                            (None, None) => (None, None),
                        };
                        for (colour, v) in first.into_iter().chain(second) {
                            steps.push(json!({"color": colour, "value": v}));
                        }
                    }
                }
                defaults.insert(
                    "thresholds".into(),
                    json!({"mode": "absolute", "steps": steps}),
                );
                if p.kind == PanelKind::Chart || p.kind == PanelKind::Sparkline {
                    defaults.insert(
                        "custom".into(),
                        json!({"thresholdsStyle": {"mode": "line"}}),
                    );
                }
            }
            let mut panel = json!({
                "id": i + 1,
                "type": panel_type,
                "title": p.title,
                "gridPos": {"x": p.grid.x, "y": p.grid.y, "w": p.grid.w, "h": p.grid.h},
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "fieldConfig": {"defaults": Value::Object(defaults), "overrides": []},
                "targets": targets,
            });
            if let (Some(desc), Some(obj)) = (&p.description, panel.as_object_mut()) {
                obj.insert("description".into(), json!(desc));
            }
            panel
        })
        .collect();
    let mut templating = vec![json!({
        "name": "datasource",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0
    })];
    if !inline_all {
        for v in &d.variables {
            let query = match &v.label_values.selector {
                Some(sel) => format!("label_values({sel}, {})", v.label_values.label),
                None => format!("label_values({})", v.label_values.label),
            };
            let current = match &v.default {
                Some(value) => json!({"text": value, "value": value}),
                None if v.include_all => json!({"text": "All", "value": "$__all"}),
                None => json!({}),
            };
            templating.push(json!({
                "name": v.name,
                "type": "query",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
                "includeAll": v.include_all,
                "allValue": v.all_value.as_deref().unwrap_or(".*"),
                "multi": false,
                "refresh": 2,
                "current": current,
            }));
        }
    }
    json!({
        "uid": d.id,
        "title": d.title,
        "schemaVersion": 39,
        "editable": true,
        "refresh": crate::duration::format_duration(d.refresh),
        "time": {"from": format!("now-{}", crate::duration::format_duration(d.range)), "to": "now"},
        "templating": {"list": templating},
        "panels": panels,
    })
}

fn grafana_unit(u: &Unit) -> String {
    super::grafana_units::grafana_id(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn origin() -> Origin {
        Origin::File(PathBuf::from("fixture.json"))
    }

    #[test]
    fn units_map_from_grafana_ids() {
        assert_eq!(unit_of("s"), Some(Unit::Seconds));
        assert_eq!(unit_of("percentunit"), Some(Unit::Ratio));
        // Grafana's decbytes are SI (kB, MB), its bytes IEC (KiB, MiB).
        assert_eq!(unit_of("decbytes"), Some(Unit::Si("B".into())));
        assert_eq!(unit_of("bytes"), Some(Unit::Bytes));
        assert_eq!(unit_of("Bps"), Some(Unit::BytesPerSec));
        assert_eq!(unit_of("currencyUSD"), Some(Unit::Currency("USD".into())));
        assert_eq!(unit_of("reqps"), Some(Unit::ReqPerSec));
        assert_eq!(unit_of("lengthm"), Some(Unit::Si("m".into())));
        assert_eq!(unit_of("no-such-unit"), None);
    }

    #[test]
    fn label_values_forms() {
        assert_eq!(
            parse_label_values("label_values(up{job=~\"a,b\"}, instance)"),
            Some(LabelValues {
                label: "instance".into(),
                selector: Some("up{job=~\"a,b\"}".into())
            })
        );
        assert_eq!(
            parse_label_values("label_values(job)"),
            Some(LabelValues {
                label: "job".into(),
                selector: None
            })
        );
        assert_eq!(parse_label_values("query_result(up)"), None);
    }

    #[test]
    fn colours_classify() {
        assert_eq!(colour_level("green"), ColourLevel::Ok);
        assert_eq!(colour_level("semi-dark-red"), ColourLevel::Critical);
        assert_eq!(colour_level("#EAB839"), ColourLevel::Warning);
        assert_eq!(colour_level("#F2495C"), ColourLevel::Critical);
        assert_eq!(colour_level("#73BF69"), ColourLevel::Ok);
        assert_eq!(
            colour_level("rgba(245, 54, 54, 0.9)"),
            ColourLevel::Critical
        );
    }

    #[test]
    fn rewrites_old_and_formatted_variables() {
        let inline = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        assert_eq!(
            rewrite_expr(
                "up{job=~\"[[job]]\",i=~\"${inst:regex}\",e=\"$env\",f=\"$environment\"}",
                &inline
            ),
            "up{job=~\"${job}\",i=~\"${inst}\",e=\"prod\",f=\"$environment\"}"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("API Gateway / Prod"), "api-gateway-prod");
        assert_eq!(slug("123"), "imported-123");
        assert_eq!(slug("!!!"), "imported");
    }

    #[test]
    fn invalid_json_names_the_line() {
        let e = import("{\n\"title\": \"x\",\n oops }", None, origin()).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("not valid JSON"));
    }

    #[test]
    fn nothing_importable_is_an_error_that_says_why() {
        let json = r#"{"title": "t", "panels": [{"type": "text", "title": "Notes"}]}"#;
        let e = import(json, None, origin()).unwrap_err();
        assert!(
            e.message.contains("panel type \"text\" is not supported"),
            "{e}"
        );
    }

    #[test]
    fn thresholds_from_steps() {
        let raw = serde_json::json!({
            "type": "stat",
            "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute", "steps": [
                {"color": "green", "value": null}, {"color": "orange", "value": 0.5}, {"color": "red", "value": 1}
            ]}}}
        });
        let mut w = Vec::new();
        let t = thresholds(&raw, PanelKind::Stat, None, None, "p", &mut w).unwrap();
        assert_eq!(
            (t.warning, t.critical, t.bad),
            (Some(0.5), Some(1.0), Direction::High)
        );
        let low = serde_json::json!({
            "type": "stat",
            "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute", "steps": [
                {"color": "red", "value": null}, {"color": "yellow", "value": 99.5}, {"color": "green", "value": 99.9}
            ]}}}
        });
        let t = thresholds(&low, PanelKind::Stat, None, None, "p", &mut w).unwrap();
        assert_eq!(
            (t.warning, t.critical, t.bad),
            (Some(99.9), Some(99.5), Direction::Low)
        );
        let pct = serde_json::json!({
            "fieldConfig": {"defaults": {"thresholds": {"mode": "percentage", "steps": [
                {"color": "green", "value": null}, {"color": "red", "value": 80}
            ]}}}
        });
        let t = thresholds(&pct, PanelKind::Gauge, Some(0.0), Some(1.0), "p", &mut w).unwrap();
        assert_eq!(t.critical, Some(0.8));
        assert!(thresholds(&pct, PanelKind::Gauge, None, None, "p", &mut w).is_none());
        // Default steps on a time series with thresholdsStyle off are not drawn by Grafana.
        assert!(thresholds(&raw, PanelKind::Chart, None, None, "p", &mut w).is_none());
    }

    const SERVICES: &str = include_str!("../../tests/fixtures/grafana/services-overview.json");
    const APP_PERF: &str =
        include_str!("../../tests/fixtures/grafana/application-performance.json");

    #[test]
    fn imports_a_realistic_dashboard() {
        let imported = import(SERVICES, None, origin()).unwrap();
        let d = &imported.dashboard;
        // From the title, not the uid ("svc-overview"): `:dash services` finds it.
        assert_eq!(d.id, "services-overview-prod");
        assert_eq!(d.title, "Services Overview (Prod)");
        assert_eq!(d.refresh, Duration::from_secs(30));
        assert_eq!(d.range, Duration::from_secs(3 * 3600));
        let vars: Vec<(&str, &str, Option<&str>, Option<&str>)> = d
            .variables
            .iter()
            .map(|v| {
                (
                    v.name.as_str(),
                    v.label_values.label.as_str(),
                    v.label_values.selector.as_deref(),
                    v.default.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            vars,
            [
                ("job", "job", Some("http_requests_total"), None),
                (
                    "instance",
                    "instance",
                    Some("up{job=~\"$job\"}"),
                    Some("node-1:9100")
                ),
            ]
        );
        let titles: Vec<&str> = d.panels.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Requests per second",
                "P95 latency",
                "Memory used",
                "Disk free",
                "Open connections",
                "Availability",
                "Targets",
                "Revenue today",
                "Network"
            ]
        );
        let p = |t: &str| d.panels.iter().find(|p| p.title == t).unwrap();
        let rps = p("Requests per second");
        assert_eq!(rps.kind, PanelKind::Chart);
        assert_eq!(rps.unit, Unit::ReqPerSec);
        assert_eq!(rps.min, Some(0.0));
        assert_eq!(
            rps.thresholds, None,
            "thresholdsStyle off: Grafana does not draw them"
        );
        assert_eq!(rps.queries.len(), 1, "the hidden query is dropped");
        assert_eq!(
            rps.queries[0].expr,
            "sum by (job) (rate(http_requests_total{job=~\"$job\",env=\"prod\"}[$__rate_interval]))"
        );
        assert_eq!(rps.queries[0].legend.as_deref(), Some("{{job}}"));
        assert_eq!(
            rps.description.as_deref(),
            Some("All HTTP requests, per service.")
        );
        assert_eq!(
            rps.grid,
            GridPos {
                x: 0,
                y: 1,
                w: 12,
                h: 8
            }
        );
        let lat = p("P95 latency");
        assert_eq!((lat.unit.clone(), lat.decimals), (Unit::Seconds, Some(3)));
        assert_eq!(
            lat.thresholds,
            Some(Thresholds {
                warning: Some(0.5),
                critical: Some(1.0),
                bad: Direction::High
            })
        );
        assert!(
            lat.queries[0].expr.contains("{job=~\"${job}\"}"),
            "{}",
            lat.queries[0].expr
        );
        assert_eq!(
            lat.queries[0].legend, None,
            "__auto means the series' labels"
        );
        let mem = p("Memory used");
        assert_eq!(
            (mem.kind, mem.unit.clone()),
            (PanelKind::Gauge, Unit::Ratio)
        );
        assert_eq!(
            mem.thresholds,
            Some(Thresholds {
                warning: Some(0.8),
                critical: Some(0.95),
                bad: Direction::High
            })
        );
        assert!(
            mem.queries[0].expr.contains("instance=\"${instance}\""),
            "{}",
            mem.queries[0].expr
        );
        let disk = p("Disk free");
        assert_eq!(
            (disk.kind, disk.unit.clone()),
            (PanelKind::Gauge, Unit::Si("B".into()))
        );
        assert_eq!(
            disk.thresholds,
            Some(Thresholds {
                warning: Some(5e10),
                critical: Some(1e10),
                bad: Direction::Low
            })
        );
        assert_eq!(p("Open connections").kind, PanelKind::Sparkline);
        let avail = p("Availability");
        assert_eq!(
            avail.thresholds,
            Some(Thresholds {
                warning: Some(99.9),
                critical: Some(99.5),
                bad: Direction::Low
            })
        );
        assert_eq!(p("Targets").kind, PanelKind::StatusGrid);
        assert_eq!(p("Revenue today").unit, Unit::Currency("EUR".into()));
        let net = p("Network");
        assert_eq!(
            net.grid,
            GridPos {
                x: 0,
                y: 31,
                w: 24,
                h: 8
            }
        );
        // Grafana's lengthmm is one of its standard units: kept, not warned about.
        assert_eq!(net.unit, Unit::Suffix("mm".into()));

        let warnings = imported.warnings.join("\n");
        for expected in [
            "variable $job: multi-value selection is not supported",
            "variable $env (custom prod,staging) has no picker here; its current value \"prod\"",
            "variable $smoothing (interval 1m,5m,10m) has no picker here; its current value \"$__interval\"",
            "\"Requests per second\": the query's min interval is ignored",
            "\"Availability\": repeat by $job is not supported; shown once",
            "\"On-call notes\": panel type \"text\" is not supported; skipped",
            "\"Latency heatmap\": panel type \"heatmap\" is not supported; skipped",
            "\"Error logs\": a loki query was skipped",
            "\"Error logs\": no Prometheus query; skipped",
        ] {
            assert!(warnings.contains(expected), "missing warning {expected:?} in:\n{warnings}");
        }
        // What import produces is a valid dashboard file.
        let text = crate::dashboards::to_toml(d);
        let back = crate::dashboards::parse_dashboard(&text, origin())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&back, d);
    }

    #[test]
    fn old_schema_rows_are_laid_out() {
        let json = r#"{"title": "Old", "rows": [
            {"height": "300px", "panels": [
                {"type": "graph", "title": "A", "span": 6, "targets": [{"expr": "up"}], "yaxes": [{"format": "ms", "min": 0}],
                 "thresholds": [{"value": 200, "colorMode": "critical", "op": "gt"}], "alert": {"name": "HighLatency"}},
                {"type": "singlestat", "title": "B", "span": 6, "format": "percent", "targets": [{"expr": "up"}]}
            ]},
            {"panels": [{"type": "graph", "title": "C", "span": 12, "targets": [{"expr": "up"}]}]}
        ]}"#;
        let imported = import(json, Some("old"), origin()).unwrap();
        let d = imported.dashboard;
        let grids: Vec<GridPos> = d.panels.iter().map(|p| p.grid).collect();
        assert_eq!(
            grids,
            [
                GridPos {
                    x: 0,
                    y: 0,
                    w: 12,
                    h: 10
                },
                GridPos {
                    x: 12,
                    y: 0,
                    w: 12,
                    h: 10
                },
                GridPos {
                    x: 0,
                    y: 10,
                    w: 24,
                    h: 8
                }
            ]
        );
        assert_eq!(d.panels[0].unit, Unit::Milliseconds);
        assert_eq!(d.panels[0].min, Some(0.0));
        assert_eq!(
            d.panels[0].thresholds,
            Some(Thresholds {
                warning: None,
                critical: Some(200.0),
                bad: Direction::High
            })
        );
        assert_eq!(d.panels[0].alerts, ["HighLatency"]);
        assert_eq!(
            (d.panels[1].kind, d.panels[1].unit.clone()),
            (PanelKind::Stat, Unit::Percent)
        );
        assert_eq!(d.range, DEFAULT_RANGE);
        assert_eq!(d.refresh, DEFAULT_REFRESH);
    }

    #[test]
    fn export_then_import_keeps_every_embedded_dashboard() {
        for d in crate::dashboards::load_embedded().dashboards {
            let json = serde_json::to_string(&export(&d, false)).unwrap();
            // The id comes from the title unless given (the uid is Grafana's, not a name).
            let back = import(&json, Some(&d.id), d.origin.clone()).unwrap();
            assert!(back.warnings.is_empty(), "{}: {:?}", d.id, back.warnings);
            let mut expect = d.clone();
            for p in &mut expect.panels {
                // Grafana has no sparkline kind nor alert links.
                if p.kind == PanelKind::Sparkline {
                    p.kind = PanelKind::Chart;
                }
                p.alerts.clear();
            }
            assert_eq!(back.dashboard, expect, "{}", d.id);
        }
    }

    #[test]
    fn application_performance_fixture_is_the_export_with_all_jobs() {
        let loaded = crate::dashboards::load_embedded();
        let d = loaded.find("application-performance").unwrap();
        let fixture: Value = serde_json::from_str(APP_PERF).unwrap();
        assert_eq!(fixture, export(d, true), "regenerate with export(d, true)");
        let imported = import(APP_PERF, None, origin()).unwrap().dashboard;
        assert!(imported.variables.is_empty());
        assert_eq!(imported.panels.len(), d.panels.len());
        for (a, b) in imported.panels.iter().zip(&d.panels) {
            for (qa, qb) in a.queries.iter().zip(&b.queries) {
                assert_eq!(qa.expr, qb.expr.replace("$job", ".*"));
            }
        }
    }
}
