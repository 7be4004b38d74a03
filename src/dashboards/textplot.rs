//! A dashboard as plain text, for pasting into an incident channel (`oncall snapshot`): per
//! panel its title, unit, thresholds, linked alerts, each series' current/min/max value and
//! state, and a plot (braille line chart from `textplots`, block sparklines, gauge bars, up/down
//! lists). Pure: the caller fetches, this only formats. No escape codes; label text and server
//! messages are sanitized.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use textplots::{Chart, LabelBuilder, LabelFormat, Plot, Shape};
use unicode_width::UnicodeWidthStr;

use super::model::{Dashboard, Direction, Level, Panel, PanelKind, Thresholds};
use super::plan::RangeWindow;
use super::units::Unit;
use crate::duration::format_duration;
use crate::sanitize::one_line;

/// Series drawn in one chart at most: past that, monochrome lines are unreadable.
const MAX_PLOTTED_SERIES: usize = 10;
/// Series listed per panel at most.
const MAX_LISTED_SERIES: usize = 20;
/// Narrowest output; textplots needs 32 dots (16 columns) of canvas.
pub const MIN_WIDTH: u16 = 48;
const CHART_ROWS: u32 = 8;
const SPARK_BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One series of a panel, its legend already filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSeries {
    pub legend: String,
    /// (unix ms, value); a gap is a missing point.
    pub points: Vec<(i64, f64)>,
}

/// What came back for one panel.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelOutcome {
    Data {
        series: Vec<NamedSeries>,
        warnings: Vec<String>,
    },
    /// The reason, e.g. Prometheus's PromQL parse error.
    Failed(String),
}

/// How many alerts of one rule are active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlertCount {
    pub firing: usize,
    pub pending: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlertsOutcome {
    /// Active alerts by rule name (names absent here are inactive).
    States(BTreeMap<String, AlertCount>),
    Failed(String),
}

/// Everything `render_snapshot` needs besides the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotResults {
    pub window: RangeWindow,
    /// The chosen variable values, for the header (`job=all`).
    pub variables: Vec<(String, String)>,
    /// One per dashboard panel, same order.
    pub panels: Vec<PanelOutcome>,
    pub alerts: AlertsOutcome,
}

/// Current, min and max of a series, and when it was last seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStats {
    pub last: f64,
    pub last_ms: i64,
    pub min: f64,
    pub max: f64,
}

/// Stats over the non-NaN points; `None` when there are none.
pub fn series_stats(points: &[(i64, f64)]) -> Option<SeriesStats> {
    let (last_ms, last) = *points.iter().rev().find(|(_, v)| !v.is_nan())?;
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    for &(_, v) in points.iter().filter(|(_, v)| !v.is_nan()) {
        min = min.min(v);
        max = max.max(v);
    }
    Some(SeriesStats {
        last,
        last_ms,
        min,
        max,
    })
}

/// The dashboard as text, `width` columns wide (at least `MIN_WIDTH`).
pub fn render_snapshot(dashboard: &Dashboard, results: &SnapshotResults, width: u16) -> String {
    let width = usize::from(width.max(MIN_WIDTH));
    let mut out = String::new();
    let w = results.window;
    let _ = writeln!(out, "{} ({})", one_line(&dashboard.title), dashboard.id);
    let _ = writeln!(
        out,
        "Range: last {}, {} to {} UTC, step {}",
        format_duration(w.range()),
        time_label(w.start_ms, "%Y-%m-%d %H:%M"),
        time_label(
            w.end_ms,
            if w.range_ms() >= 86_400_000 {
                "%Y-%m-%d %H:%M"
            } else {
                "%H:%M"
            }
        ),
        format_duration(w.step())
    );
    if !results.variables.is_empty() {
        let vars: Vec<String> = results
            .variables
            .iter()
            .map(|(k, v)| format!("{}={}", one_line(k), one_line(v)))
            .collect();
        let _ = writeln!(out, "Variables: {}", vars.join(", "));
    }
    let names = dashboard.alert_names();
    if !names.is_empty() {
        out.push_str(&wrap(
            "Alerts: ",
            &alert_summary(&names, &results.alerts),
            width,
        ));
    }
    for (i, panel) in dashboard.panels.iter().enumerate() {
        out.push('\n');
        let outcome = results.panels.get(i);
        render_panel(&mut out, panel, outcome, &results.alerts, w, width);
    }
    out
}

fn alert_summary(names: &[&str], alerts: &AlertsOutcome) -> String {
    match alerts {
        AlertsOutcome::Failed(e) => format!("state unknown ({})", one_line(e)),
        AlertsOutcome::States(states) => {
            let mut active = Vec::new();
            let mut quiet = Vec::new();
            for name in names {
                match states.get(*name) {
                    Some(c) if c.firing > 0 || c.pending > 0 => {
                        active.push(describe_alert(name, c))
                    }
                    _ => quiet.push(one_line(name)),
                }
            }
            let inactive = quiet.len();
            if active.is_empty() && inactive <= 3 {
                format!("{} inactive", quiet.join(", "))
            } else if active.is_empty() {
                format!("none of the {inactive} linked alerts is active")
            } else if inactive > 0 {
                format!("{}; {inactive} more inactive", active.join(", "))
            } else {
                active.join(", ")
            }
        }
    }
}

fn describe_alert(name: &str, c: &AlertCount) -> String {
    let mut parts = Vec::new();
    if c.firing > 0 {
        parts.push(format!("FIRING x{}", c.firing));
    }
    if c.pending > 0 {
        parts.push(format!("pending x{}", c.pending));
    }
    format!("{} {}", one_line(name), parts.join(" "))
}

/// `prefix` + `text`, wrapped at word boundaries to `width`, continuation lines indented.
fn wrap(prefix: &str, text: &str, width: usize) -> String {
    let indent = " ".repeat(prefix.width());
    let mut out = String::new();
    let mut line = prefix.to_string();
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.width() + 1 + word.width() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

fn render_panel(
    out: &mut String,
    panel: &Panel,
    outcome: Option<&PanelOutcome>,
    alerts: &AlertsOutcome,
    w: RangeWindow,
    width: usize,
) {
    let fmt = |v: f64| panel.unit.format(v, panel.decimals);
    let series: &[NamedSeries] = match outcome {
        Some(PanelOutcome::Data { series, .. }) => series,
        _ => &[],
    };
    let stats: Vec<Option<SeriesStats>> = series.iter().map(|s| series_stats(&s.points)).collect();
    let level = panel.thresholds.map(|t| {
        stats
            .iter()
            .flatten()
            .map(|s| t.level(s.last))
            .max()
            .unwrap_or(Level::Ok)
    });
    let mut title = format!(
        "── {} [{}]",
        one_line(&panel.title),
        unit_label(&panel.unit)
    );
    if let (Some(level), Some(PanelOutcome::Data { .. })) = (level, outcome) {
        if stats.iter().any(Option::is_some) {
            title.push_str(&format!(" {}", level_word(level)));
        }
    }
    title.push(' ');
    let pad = width.saturating_sub(title.width());
    title.push_str(&"─".repeat(pad.min(width)));
    let _ = writeln!(out, "{title}");

    if let Some(t) = panel.thresholds {
        let _ = writeln!(out, "  thresholds: {}", describe_thresholds(&t, &fmt));
    }
    if !panel.alerts.is_empty() {
        let names: Vec<&str> = panel.alerts.iter().map(String::as_str).collect();
        out.push_str(&wrap("  alerts: ", &alert_summary(&names, alerts), width));
    }
    let (series, warnings) = match outcome {
        None => {
            let _ = writeln!(out, "  not queried");
            return;
        }
        Some(PanelOutcome::Failed(e)) => {
            out.push_str(&wrap("  error: ", &one_line(e), width));
            return;
        }
        Some(PanelOutcome::Data { series, warnings }) => (series, warnings),
    };
    for warning in warnings {
        out.push_str(&wrap("  warning: ", &one_line(warning), width));
    }
    if stats.iter().all(Option::is_none) {
        let _ = writeln!(out, "  no data");
        return;
    }
    match panel.kind {
        PanelKind::Chart => {
            render_rows(out, panel, series, &stats, w, width, false);
            render_chart(out, panel, series, w, width);
        }
        PanelKind::Sparkline | PanelKind::Stat => {
            render_rows(out, panel, series, &stats, w, width, true)
        }
        PanelKind::Gauge => render_gauges(out, panel, series, &stats, width),
        PanelKind::StatusGrid => render_status(out, series, &stats, w),
    }
}

fn unit_label(unit: &Unit) -> String {
    match unit {
        Unit::Seconds | Unit::Milliseconds => "time".into(),
        Unit::Bytes => "bytes".into(),
        Unit::BytesPerSec => "bytes/s".into(),
        Unit::Percent | Unit::Ratio => "%".into(),
        Unit::ReqPerSec => "req/s".into(),
        Unit::OpsPerSec => "ops/s".into(),
        Unit::Plain => "count".into(),
        Unit::Currency(code) => one_line(code),
        Unit::Time(_) => "time".into(),
        Unit::Si(symbol) => one_line(symbol),
        Unit::Suffix(text) => one_line(text),
        Unit::Bool(_) => "state".into(),
        Unit::BytesOf(_) => "bytes".into(),
    }
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Ok => "OK",
        Level::Warning => "WARNING",
        Level::Critical => "CRITICAL",
    }
}

fn describe_thresholds(t: &Thresholds, fmt: &dyn Fn(f64) -> String) -> String {
    let cmp = if t.bad == Direction::High {
        "at or above"
    } else {
        "at or below"
    };
    let mut parts = Vec::new();
    if let Some(w) = t.warning {
        parts.push(format!("warning {cmp} {}", fmt(w)));
    }
    if let Some(c) = t.critical {
        parts.push(format!("critical {cmp} {}", fmt(c)));
    }
    parts.join(", ")
}

fn time_label(ms: i64, pattern: &str) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format(pattern).to_string())
        .unwrap_or_else(|| "?".into())
}

/// Sanitize, truncate to `max` columns with an ellipsis, then pad to `max`.
fn fit(text: &str, max: usize) -> String {
    let text = one_line(text);
    let mut out = String::new();
    let mut used = 0;
    let over = text.width() > max;
    for c in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw + usize::from(over) > max {
            break;
        }
        out.push(c);
        used += cw;
    }
    if over {
        out.push('…');
        used += 1;
    }
    out.push_str(&" ".repeat(max.saturating_sub(used)));
    out
}

/// One line per series: legend, optional block sparkline, now/min/max, state.
fn render_rows(
    out: &mut String,
    panel: &Panel,
    series: &[NamedSeries],
    stats: &[Option<SeriesStats>],
    w: RangeWindow,
    width: usize,
    sparkline: bool,
) {
    let fmt = |v: f64| panel.unit.format(v, panel.decimals);
    let rows: Vec<(usize, SeriesStats)> = stats
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .take(MAX_LISTED_SERIES)
        .collect();
    let values: Vec<[String; 3]> = rows
        .iter()
        .map(|(_, s)| [fmt(s.last), fmt(s.min), fmt(s.max)])
        .collect();
    let col = |k: usize| values.iter().map(|v| v[k].width()).max().unwrap_or(0);
    let (now_w, min_w, max_w) = (col(0), col(1), col(2));
    let state_w = if panel.thresholds.is_some() { 9 } else { 0 };
    let numbers_w = 4 + now_w + 6 + min_w + 6 + max_w + state_w;
    let legend_max = series
        .iter()
        .map(|s| one_line(&s.legend).width())
        .max()
        .unwrap_or(0)
        .max(1);
    let spare = width.saturating_sub(2 + numbers_w + 2);
    let (legend_w, spark_w) = if sparkline {
        // The legend says which series it is: it gets room before the sparkline does.
        let cap = spare.saturating_sub(9).clamp(6, 40);
        let legend_w = legend_max.clamp(6, cap);
        // One block per step at most: a narrower bucket than the step would show empty
        // buckets between samples as gaps.
        let steps = usize::try_from(w.points()).unwrap_or(usize::MAX).max(1);
        (
            legend_w,
            spare.saturating_sub(legend_w + 1).clamp(8, 60).min(steps),
        )
    } else {
        (legend_max.min(spare.max(8)), 0)
    };
    // A chart of several series draws each with a marker: the rows say which.
    let marked = !sparkline && panel.kind == PanelKind::Chart && series.len() > 1;
    for ((i, s), v) in rows.iter().zip(&values) {
        let marker = match (marked, super::markchart::mark(*i)) {
            (true, Some(m)) => format!("{m} "),
            (true, None) => "  ".to_string(),
            (false, _) => String::new(),
        };
        let mut line = format!("  {marker}{}", fit(&series[*i].legend, legend_w));
        if sparkline {
            line.push(' ');
            let blocks = spark(&series[*i].points, w, spark_w, panel);
            line.push_str(&format!("{blocks:<spark_w$}"));
        }
        let _ = write!(
            line,
            "  now {:>now_w$}  min {:>min_w$}  max {:>max_w$}",
            v[0], v[1], v[2]
        );
        if let Some(t) = panel.thresholds {
            let _ = write!(line, "  {}", level_word(t.level(s.last)));
        }
        if s.last_ms < w.end_ms - w.step_ms {
            let _ = write!(line, "  (last seen {})", time_label(s.last_ms, "%H:%M"));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let hidden = stats
        .iter()
        .filter(|s| s.is_some())
        .count()
        .saturating_sub(rows.len());
    if hidden > 0 {
        let _ = writeln!(out, "  (+{hidden} more series not listed)");
    }
}

/// Eighth-block sparkline over the window, one column per time bucket; empty buckets (gaps)
/// are spaces. A bucket shows its worst value (max, or min when low is bad) so a spike or a dip
/// survives the squeeze.
fn spark(points: &[(i64, f64)], w: RangeWindow, cols: usize, panel: &Panel) -> String {
    if cols == 0 {
        return String::new();
    }
    let low_bad = panel.thresholds.is_some_and(|t| t.bad == Direction::Low);
    let mut buckets: Vec<Option<f64>> = vec![None; cols];
    let span = (w.range_ms().max(1)) as f64;
    for &(t, v) in points.iter().filter(|(_, v)| !v.is_nan()) {
        let pos = ((t - w.start_ms) as f64 / span * cols as f64).floor();
        let idx = (pos.max(0.0) as usize).min(cols - 1);
        buckets[idx] = Some(match buckets[idx] {
            None => v,
            Some(old) if low_bad => old.min(v),
            Some(old) => old.max(v),
        });
    }
    let present: Vec<f64> = buckets.iter().flatten().copied().collect();
    let lo = panel
        .min
        .unwrap_or_else(|| present.iter().copied().fold(f64::INFINITY, f64::min));
    let hi = panel
        .max
        .unwrap_or_else(|| present.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let flat = !spread(lo, hi);
    buckets
        .iter()
        .map(|b| match b {
            None => ' ',
            Some(v) if flat => SPARK_BLOCKS[if *v > 0.0 { 3 } else { 0 }],
            Some(v) => {
                let frac = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
                SPARK_BLOCKS[((frac * 7.0).round() as usize).min(7)]
            }
        })
        .collect()
}

/// Whether `lo..hi` is a usable scale (not empty, not inverted, not NaN).
fn spread(lo: f64, hi: f64) -> bool {
    hi.partial_cmp(&lo) == Some(std::cmp::Ordering::Greater)
}

fn render_gauges(
    out: &mut String,
    panel: &Panel,
    series: &[NamedSeries],
    stats: &[Option<SeriesStats>],
    width: usize,
) {
    let fmt = |v: f64| panel.unit.format(v, panel.decimals);
    let (default_lo, default_hi) = match panel.unit {
        Unit::Percent => (0.0, 100.0),
        Unit::Ratio => (0.0, 1.0),
        _ => (
            0.0,
            stats.iter().flatten().map(|s| s.max).fold(0.0, f64::max),
        ),
    };
    let lo = panel.min.unwrap_or(default_lo);
    let hi = panel.max.unwrap_or(default_hi);
    let legend_w = series
        .iter()
        .map(|s| one_line(&s.legend).width())
        .max()
        .unwrap_or(1)
        .min(width / 3)
        .max(4);
    let bar_w = width.saturating_sub(legend_w + 30).clamp(10, 40);
    for (s, st) in series.iter().zip(stats).take(MAX_LISTED_SERIES) {
        let Some(st) = st else { continue };
        let frac = if spread(lo, hi) {
            ((st.last - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let filled = (frac * bar_w as f64).round() as usize;
        let mut line = format!(
            "  {} [{}{}] {}",
            fit(&s.legend, legend_w),
            "#".repeat(filled),
            ".".repeat(bar_w - filled),
            fmt(st.last)
        );
        if let Some(t) = panel.thresholds {
            let _ = write!(line, "  {}", level_word(t.level(st.last)));
        }
        let _ = writeln!(out, "{line}");
    }
}

/// `up`-style series: DOWN first, then UP; a series that stopped reporting says since when.
fn render_status(
    out: &mut String,
    series: &[NamedSeries],
    stats: &[Option<SeriesStats>],
    w: RangeWindow,
) {
    let mut rows: Vec<(u8, String)> = Vec::new();
    for (s, st) in series.iter().zip(stats) {
        let Some(st) = st else { continue };
        let gone = st.last_ms < w.end_ms - w.step_ms;
        let (rank, word) = if gone {
            (
                1,
                format!(
                    "GONE  {} (last seen {})",
                    s.legend,
                    time_label(st.last_ms, "%H:%M")
                ),
            )
        } else if st.last == 0.0 {
            (0, format!("DOWN  {}", s.legend))
        } else if st.last == 1.0 {
            (2, format!("UP    {}", s.legend))
        } else {
            (1, format!("{:<5} {}", st.last, s.legend))
        };
        rows.push((rank, word));
    }
    rows.sort();
    let down = rows.iter().filter(|(r, _)| *r == 0).count();
    let _ = writeln!(out, "  {} of {} down", down, rows.len());
    for (_, row) in rows.iter().take(MAX_LISTED_SERIES) {
        let _ = writeln!(out, "  {}", one_line(row));
    }
    if rows.len() > MAX_LISTED_SERIES {
        let _ = writeln!(out, "  (+{} more)", rows.len() - MAX_LISTED_SERIES);
    }
}

/// A braille line chart of up to `MAX_PLOTTED_SERIES` series; gaps split a line.
fn render_chart(
    out: &mut String,
    panel: &Panel,
    series: &[NamedSeries],
    w: RangeWindow,
    width: usize,
) {
    let start = w.start_ms;
    let range_s = (w.range_ms().max(1) as f64 / 1000.0) as f32;
    let step = w.step_ms.max(1);
    // Runs of consecutive points (no gap) as (seconds since start, value).
    let mut runs: Vec<Vec<(f32, f32)>> = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in series.iter().take(MAX_PLOTTED_SERIES) {
        let mut run: Vec<(f32, f32)> = Vec::new();
        let mut prev_t: Option<i64> = None;
        for &(t, v) in &s.points {
            if v.is_nan() || v.is_infinite() {
                prev_t = None;
                continue;
            }
            if prev_t.is_some_and(|p| t - p > step) && !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
            run.push((((t - start) as f64 / 1000.0) as f32, v as f32));
            lo = lo.min(v);
            hi = hi.max(v);
            prev_t = Some(t);
        }
        if !run.is_empty() {
            runs.push(run);
        }
    }
    if runs.is_empty() {
        return;
    }
    let mut lo = panel.min.map_or(lo, |m| m.min(lo));
    let mut hi = panel.max.map_or(hi, |m| m.max(hi));
    if !spread(lo, hi) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    }
    let unit = panel.unit.clone();
    let decimals = panel.decimals;
    let y_label_w = [lo, hi]
        .iter()
        .map(|v| unit.format(*v, decimals).width())
        .max()
        .unwrap_or(6);
    let cols = width.saturating_sub(2 + y_label_w + 2).max(16);
    let dots = u32::try_from(cols * 2).unwrap_or(u32::MAX).max(32);
    // Points on a run boundary are drawn as single dots so a one-sample run still shows.
    let shapes: Vec<Shape> = runs
        .iter()
        .map(|r| {
            if r.len() == 1 {
                Shape::Points(r)
            } else {
                Shape::Lines(r)
            }
        })
        .collect();
    let pattern = if w.range_ms() >= 86_400_000 {
        "%m-%d %H:%M"
    } else {
        "%H:%M"
    };
    if series.len() > 1 {
        // Several series: a marker each, as the rows above list them.
        let plotted: Vec<&[(i64, f64)]> = series
            .iter()
            .take(MAX_PLOTTED_SERIES)
            .map(|s| s.points.as_slice())
            .collect();
        let frame = super::markchart::Frame {
            cols: width.saturating_sub(4 + y_label_w + 1),
            rows: CHART_ROWS as usize,
            range: (lo, hi),
            labels: (unit.format(lo, decimals), unit.format(hi, decimals)),
            times: (
                time_label(w.start_ms, pattern),
                time_label(w.end_ms, pattern),
            ),
        };
        super::markchart::render(out, &plotted, w, &frame);
        let hidden = series.len().saturating_sub(MAX_PLOTTED_SERIES);
        if hidden > 0 {
            let _ = writeln!(
                out,
                "  (chart shows the first {MAX_PLOTTED_SERIES} series; {hidden} more listed above)"
            );
        }
        return;
    }
    let mut chart =
        Chart::new_with_y_range(dots, CHART_ROWS * 4, 0.0, range_s, lo as f32, hi as f32);
    let mut c: &mut Chart = &mut chart;
    c = c.x_label_format(LabelFormat::Custom(Box::new(move |x| {
        time_label(start + (f64::from(x) * 1000.0) as i64, pattern)
    })));
    c = c.y_label_format(LabelFormat::Custom(Box::new(move |y| {
        unit.format(f64::from(y), decimals)
    })));
    for shape in &shapes {
        c = c.lineplot(shape);
    }
    c.figures();
    let text = c.to_string().replace('\u{2800}', " ");
    for line in text.lines() {
        let _ = writeln!(out, "{}", format!("  {line}").trim_end());
    }
    let hidden = series.len().saturating_sub(MAX_PLOTTED_SERIES);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "  (chart shows the first {MAX_PLOTTED_SERIES} series; {hidden} more listed above)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboards::model::{GridPos, Origin, PanelQuery};

    const START: i64 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
    const STEP: i64 = 60_000;

    fn window() -> RangeWindow {
        RangeWindow {
            start_ms: START,
            end_ms: START + 30 * STEP,
            step_ms: STEP,
        }
    }

    fn panel(title: &str, kind: PanelKind, unit: Unit, thresholds: Option<Thresholds>) -> Panel {
        Panel {
            title: title.into(),
            kind,
            unit,
            decimals: None,
            thresholds,
            min: None,
            max: None,
            queries: vec![PanelQuery {
                expr: "x".into(),
                legend: None,
            }],
            alerts: Vec::new(),
            grid: GridPos {
                x: 0,
                y: 0,
                w: 12,
                h: 8,
            },
            description: None,
        }
    }

    fn series(legend: &str, f: impl Fn(i64) -> Option<f64>) -> NamedSeries {
        NamedSeries {
            legend: legend.into(),
            points: (0..=30)
                .filter_map(|i| f(i).map(|v| (START + i * STEP, v)))
                .collect(),
        }
    }

    fn dashboard() -> Dashboard {
        let mut latency = panel(
            "Latency",
            PanelKind::Chart,
            Unit::Seconds,
            Some(Thresholds {
                warning: Some(0.5),
                critical: Some(1.0),
                bad: Direction::High,
            }),
        );
        latency.alerts = vec!["APILatencyCritical".into()];
        let mut up = panel("Targets", PanelKind::StatusGrid, Unit::Plain, None);
        up.alerts = vec!["ServiceDown".into()];
        let mut pool = panel("Pool", PanelKind::Gauge, Unit::Percent, None);
        pool.max = Some(100.0);
        Dashboard {
            id: "demo-test".into(),
            title: "Test \u{1b}[31mBoard".into(),
            refresh: std::time::Duration::from_secs(10),
            range: std::time::Duration::from_secs(1800),
            variables: Vec::new(),
            panels: vec![
                latency,
                panel("Error ratio", PanelKind::Sparkline, Unit::Ratio, None),
                up,
                pool,
                panel("Broken", PanelKind::Stat, Unit::Plain, None),
                panel("Empty", PanelKind::Stat, Unit::Plain, None),
            ],
            origin: Origin::Embedded("test.toml".into()),
        }
    }

    fn results() -> SnapshotResults {
        SnapshotResults {
            window: window(),
            variables: vec![("job".into(), "all".into())],
            panels: vec![
                PanelOutcome::Data {
                    series: vec![
                        series("P50", |i| Some(0.05 + i as f64 * 0.001)),
                        // A gap between points 10 and 15 must stay a gap.
                        series("P99", |i| {
                            (!(10..15).contains(&i)).then_some(0.2 + i as f64 * 0.03)
                        }),
                    ],
                    warnings: Vec::new(),
                },
                PanelOutcome::Data {
                    series: vec![series("wallet\u{1b}]52;c;AAAA\u{7}-service", |i| {
                        Some(0.0004 * i as f64)
                    })],
                    warnings: vec!["info: partial result".into()],
                },
                PanelOutcome::Data {
                    series: vec![
                        series("auth-service", |_| Some(1.0)),
                        series("wallet-service", |i| Some(if i > 25 { 0.0 } else { 1.0 })),
                        series("old-job", |i| (i < 20).then_some(1.0)),
                    ],
                    warnings: Vec::new(),
                },
                PanelOutcome::Data {
                    series: vec![series("db-1", |_| Some(72.5))],
                    warnings: Vec::new(),
                },
                PanelOutcome::Failed("bad_data: 1:5: parse error: unexpected \"}\"".into()),
                PanelOutcome::Data {
                    series: Vec::new(),
                    warnings: Vec::new(),
                },
            ],
            alerts: AlertsOutcome::States(BTreeMap::from([(
                "ServiceDown".to_string(),
                AlertCount {
                    firing: 1,
                    pending: 0,
                },
            )])),
        }
    }

    #[test]
    fn snapshot_of_fixed_data() {
        let text = render_snapshot(&dashboard(), &results(), 100);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "escape codes leaked:\n{text}"
        );
        assert!(text.starts_with("Test Board (demo-test)\n"), "{text}");
        assert!(
            text.contains("Range: last 30m, 2023-11-14 22:13 to 22:43 UTC, step 1m"),
            "{text}"
        );
        assert!(
            text.contains("Alerts: ServiceDown FIRING x1; 1 more inactive"),
            "{text}"
        );
        // Latency: worst current value is P99 = 0.2 + 30 * 0.03 = 1.1 s -> critical.
        assert!(text.contains("── Latency [time] CRITICAL ──"), "{text}");
        assert!(
            text.contains("thresholds: warning at or above 500 ms, critical at or above 1 s"),
            "{text}"
        );
        assert!(
            text.contains("P99  now 1.1 s  min 200 ms  max 1.1 s  CRITICAL"),
            "{text}"
        );
        assert!(
            text.contains("P50  now 80 ms  min  50 ms  max 80 ms  OK"),
            "{text}"
        );
        assert!(
            text.contains("alerts: APILatencyCritical inactive"),
            "{text}"
        );
        // Values below 1 are not zero.
        assert!(text.contains("now 1.2 %"), "{text}");
        assert!(text.contains("warning: info: partial result"), "{text}");
        assert!(text.contains("wallet-service"), "{text}");
        assert!(text.contains("1 of 3 down\n  DOWN  wallet-service\n  GONE  old-job (last seen 22:32)\n  UP    auth-service"), "{text}");
        assert!(
            text.contains("[#############################...........] 72.5 %"),
            "{text}"
        );
        assert!(
            text.contains("error: bad_data: 1:5: parse error: unexpected \"}\""),
            "{text}"
        );
        assert!(text.contains("── Empty [count] ──"), "{text}");
        assert!(text.ends_with("  no data\n"), "{text}");
        for line in text.lines() {
            assert!(line.width() <= 100, "line wider than 100: {line:?}");
        }
    }

    #[test]
    fn gaps_stay_gaps_in_sparklines() {
        let p = panel("x", PanelKind::Sparkline, Unit::Plain, None);
        let s = series("a", |i| (!(10..20).contains(&i)).then_some(i as f64));
        let line = spark(&s.points, window(), 31, &p);
        assert_eq!(line.chars().count(), 31);
        assert_eq!(
            &line.chars().skip(10).take(10).collect::<String>(),
            "          "
        );
        assert!(line.starts_with('▁') && line.ends_with('█'), "{line}");
    }

    #[test]
    fn chart_draws_something_for_every_run() {
        let d = dashboard();
        let r = results();
        let mut out = String::new();
        let PanelOutcome::Data { series, .. } = &r.panels[0] else {
            unreachable!()
        };
        render_chart(&mut out, &d.panels[0], series, window(), 80);
        // Several series: each with its marker, never one braille blur.
        for (i, _) in series.iter().enumerate().take(MAX_PLOTTED_SERIES) {
            let m = crate::dashboards::markchart::mark(i).unwrap_or(' ');
            assert!(out.contains(m), "series {i} drawn with {m}:\n{out}");
        }
        assert!(out.contains("22:13") && out.contains("22:43"), "{out}");
        assert!(out.lines().all(|l| l.width() <= 80), "{out}");
        // One series keeps the finer braille chart.
        let mut one = String::new();
        render_chart(&mut one, &d.panels[0], &series[..1], window(), 80);
        let braille = one
            .chars()
            .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
            .count();
        assert!(braille > 20, "{one}");
    }

    #[test]
    fn narrow_and_flat_data_do_not_panic() {
        let d = dashboard();
        let mut r = results();
        r.panels[0] = PanelOutcome::Data {
            series: vec![series("flat", |_| Some(0.0))],
            warnings: Vec::new(),
        };
        let text = render_snapshot(&d, &r, 10);
        assert!(text.contains("flat"));
    }

    #[test]
    fn stats_skip_nan() {
        let s = series_stats(&[(1, 2.0), (2, f64::NAN), (3, 1.0), (4, f64::NAN)]).unwrap();
        assert_eq!((s.last, s.last_ms, s.min, s.max), (1.0, 3, 1.0, 2.0));
        assert!(series_stats(&[(1, f64::NAN)]).is_none());
    }
}
