//! Query planning: the step and window of a range query for a panel of a given width, and the
//! expansion of `$variables` in its PromQL. Pure functions: the clock is passed in.
//!
//! Unlike a fixed step (grafatui), the step follows the plotted width, so a wide chart gets
//! detail and a narrow one does not fetch points it cannot draw; and the window is aligned to
//! the step so successive refreshes ask Prometheus for the same timestamps.

use std::collections::BTreeMap;
use std::time::Duration;

/// Prometheus refuses range queries with more than 11,000 points per series.
pub const PROMETHEUS_MAX_POINTS: u64 = 11_000;

/// Braille cells hold two dots across, so a chart `w` cells wide plots `2 * w` points.
pub const POINTS_PER_CELL: u32 = 2;

/// "Nice" steps, in seconds; steps beyond the last are whole days.
const NICE_STEPS_S: [u64; 18] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/// Built-in variables (Grafana's names), always available in queries.
pub const BUILTIN_VARIABLES: [&str; 6] = [
    "__interval",
    "__interval_ms",
    "__range",
    "__range_s",
    "__range_ms",
    "__rate_interval",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// Smallest step worth asking for: below the scrape interval, points just repeat.
    pub min_step: Duration,
    /// How often Prometheus scrapes the targets (drives `$__rate_interval`).
    pub scrape_interval: Duration,
}

impl Default for PlanOptions {
    fn default() -> Self {
        // The seeds' Prometheus scrapes every 15 s.
        PlanOptions {
            min_step: Duration::from_secs(15),
            scrape_interval: Duration::from_secs(15),
        }
    }
}

/// A panel's window: the step grid from `start_ms` (a multiple of `step_ms`) up to the last
/// step boundary at or before `end_ms`, plus the newest point, evaluated at `end_ms` itself
/// (the last scrape boundary, so it shows the value as of the last scrape).
///
/// The grid stays aligned to the step, so successive refreshes (and other users watching the
/// same panel) ask Prometheus for the same timestamps and a tail merges exactly; only the
/// newest point is off the grid, and every refresh evaluates it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RangeWindow {
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
}

/// A part of a window Prometheus answers with one range query at the window's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl RangeWindow {
    /// The last point of the step grid: the step boundary at or before `end_ms`.
    pub fn grid_end_ms(&self) -> i64 {
        if self.step_ms <= 0 || self.end_ms < self.start_ms {
            return self.start_ms;
        }
        self.start_ms + (self.end_ms - self.start_ms) / self.step_ms * self.step_ms
    }

    /// The newest point when it is off the grid (the last scrape came after the last step
    /// boundary).
    pub fn head_ms(&self) -> Option<i64> {
        (self.end_ms != self.grid_end_ms()).then_some(self.end_ms)
    }

    /// The right edge of the time axis: the step boundary at or after the newest point. The
    /// axis moves once per step rather than with every scrape, so a chart is not redrawn
    /// (nor its points shifted by a dot) each time only the newest point changes.
    pub fn axis_end_ms(&self) -> i64 {
        match self.head_ms() {
            Some(_) => self.grid_end_ms() + self.step_ms,
            None => self.end_ms,
        }
    }

    /// Points per series Prometheus returns for this window (the grid, both ends included,
    /// and the newest point when it is off the grid).
    pub fn points(&self) -> u64 {
        if self.step_ms <= 0 || self.end_ms < self.start_ms {
            return 0;
        }
        let grid =
            u64::try_from((self.grid_end_ms() - self.start_ms) / self.step_ms + 1).unwrap_or(0);
        grid + u64::from(self.head_ms().is_some())
    }

    /// The span of the step grid: the range asked for, in whole steps. It is what `$__range`
    /// stands for, and it does not change as the newest point moves within a step.
    pub fn range_ms(&self) -> i64 {
        self.grid_end_ms() - self.start_ms
    }

    pub fn step(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.step_ms).unwrap_or(0))
    }

    pub fn range(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.range_ms()).unwrap_or(0))
    }

    /// The range queries that fetch this window from `from_ms` on: the grid part, then the
    /// newest point on its own (a one-point query at its time, since it is off the grid).
    pub fn spans_from(&self, from_ms: i64) -> Vec<Span> {
        let from = from_ms.max(self.start_ms);
        let grid_end = self.grid_end_ms();
        let mut spans = Vec::with_capacity(2);
        if from <= grid_end {
            spans.push(Span {
                start_ms: from,
                end_ms: grid_end,
            });
        }
        if let Some(head) = self.head_ms().filter(|h| *h >= from) {
            spans.push(Span {
                start_ms: head,
                end_ms: head,
            });
        }
        spans
    }
}

/// The smallest nice step >= `raw_ms`.
pub fn nice_step_ms(raw_ms: u64) -> u64 {
    for s in NICE_STEPS_S {
        if s * 1000 >= raw_ms {
            return s * 1000;
        }
    }
    let day = 86_400_000;
    raw_ms.div_ceil(day) * day
}

/// Plan the window of a panel `width_cells` wide showing `range` up to `now_ms`.
///
/// Step = range / plotted points, rounded up to a nice step, at least `min_step`, and large
/// enough that a series has at most 11,000 points. The newest point is evaluated at the last
/// scrape boundary (`floor(now / scrape) * scrape`): not at the next step boundary, which lies
/// in the future, where Prometheus 2.42 extrapolates a `rate` over a window it has only partly
/// seen (a steady 1/s reads 0.59/s) and finds nothing at all once the point is more than the
/// 5 minute lookback ahead. The grid runs, aligned to the step, from one range before the last
/// step boundary at or before that point.
pub fn plan_range(
    now_ms: i64,
    range: Duration,
    width_cells: u16,
    opts: &PlanOptions,
) -> RangeWindow {
    let range_ms = u64::try_from(range.as_millis()).unwrap_or(u64::MAX).max(1);
    let plotted = u64::from(width_cells.max(1)) * u64::from(POINTS_PER_CELL);
    let min_step_ms = u64::try_from(opts.min_step.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    // range / step <= 11,000 - 2 intervals keeps points (both ends and the head) <= 11,000.
    let floor_for_limit = range_ms.div_ceil(PROMETHEUS_MAX_POINTS - 2);
    let raw = range_ms
        .div_ceil(plotted)
        .max(min_step_ms)
        .max(floor_for_limit);
    let step = i64::try_from(nice_step_ms(raw)).unwrap_or(i64::MAX / 4);
    let intervals = i64::try_from(range_ms.div_ceil(step as u64)).unwrap_or(1);
    let scrape = i64::try_from(opts.scrape_interval.as_millis())
        .unwrap_or(i64::MAX / 4)
        .max(1);
    let end_ms = now_ms.div_euclid(scrape) * scrape;
    let grid_end = end_ms.div_euclid(step) * step;
    RangeWindow {
        start_ms: grid_end - intervals * step,
        end_ms,
        step_ms: step,
    }
}

/// Where a refresh from `previous` to `new` (same step, same grid span) starts fetching; the
/// held points before it stay. When the grid moved: `overlap_points` before the previous
/// grid end, since the newest grid points can change as late samples arrive. When only the
/// newest point moved: that point alone. `None` means fetch `new` whole (the step or span
/// changed, time went backwards, or the gap is as long as the window), or nothing if
/// `new == previous`.
pub fn tail_from(previous: &RangeWindow, new: &RangeWindow, overlap_points: u32) -> Option<i64> {
    if previous.step_ms != new.step_ms || previous.range_ms() != new.range_ms() || new.step_ms <= 0
    {
        return None;
    }
    if new.end_ms <= previous.end_ms {
        return None;
    }
    if new.grid_end_ms() == previous.grid_end_ms() {
        return Some(new.end_ms);
    }
    let start = previous.grid_end_ms() - i64::from(overlap_points) * new.step_ms;
    (start > new.start_ms).then_some(start)
}

/// The value chosen for a template variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    /// No filter: expands to `.*` (queries use `=~"$var"`), or the variable's `all_value`.
    All,
    /// One label value, matched exactly.
    Value(String),
    /// No value yet: the first one Prometheus knows is to be read (a variable without
    /// "All"). Panels using it wait for it.
    Unresolved,
    /// "All" as the variable's `all_value` says (Grafana's `allValue`), written as is.
    AllAs(String),
    /// One value written as is, for a variable without "All" (Grafana leaves those
    /// unescaped: dashboards use them in `instance="$node"`).
    Literal(String),
}

impl VarValue {
    /// What it says on screen: the value, `All`, or `…` while it is read.
    pub fn shown(&self) -> String {
        match self {
            VarValue::Value(v) | VarValue::Literal(v) => crate::sanitize::one_line(v),
            VarValue::All | VarValue::AllAs(_) => "All".into(),
            VarValue::Unresolved => "…".into(),
        }
    }
}

/// What `$__rate_interval` is: never shorter than four scrapes (a `rate` needs two samples,
/// and four leaves room for a missed scrape), and covering at least one step plus a scrape so
/// consecutive points overlap (Grafana's rule).
pub fn rate_interval(step: Duration, scrape_interval: Duration) -> Duration {
    (scrape_interval * 4).max(step + scrape_interval)
}

/// Replace `$var` and `${var}` in `expr`: template variables from `values` (missing ones are
/// "all"), and the built-ins from the window. Unknown names are left as written.
///
/// Values are label values used inside `=~"..."`: they are regex-escaped (exact match) and
/// escaped for a PromQL double-quoted string, so a value cannot change the query's shape.
pub fn expand(
    expr: &str,
    values: &BTreeMap<String, VarValue>,
    window: &RangeWindow,
    scrape_interval: Duration,
) -> String {
    let step = window.step();
    let lookup = |name: &str| -> Option<String> {
        Some(match name {
            "__interval" => promql_duration(step),
            "__interval_ms" => window.step_ms.to_string(),
            "__range" => promql_duration(window.range()),
            "__range_s" => (window.range_ms() / 1000).to_string(),
            "__range_ms" => window.range_ms().to_string(),
            "__rate_interval" => promql_duration(rate_interval(step, scrape_interval)),
            _ => match values.get(name) {
                Some(VarValue::Value(v)) => quote_in_string(&quote_meta(v)),
                Some(VarValue::All | VarValue::Unresolved) => ".*".to_string(),
                Some(VarValue::AllAs(all) | VarValue::Literal(all)) => quote_in_string(all),
                None => return None,
            },
        })
    };
    substitute(expr, |name| lookup(name))
}

/// The variable names (without `$`) an expression refers to, in order, with repeats.
pub fn referenced_variables(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    substitute(expr, |name| {
        names.push(name.to_string());
        None
    });
    names
}

pub fn is_builtin_variable(name: &str) -> bool {
    BUILTIN_VARIABLES.contains(&name)
}

/// Walk `$name` / `${name}` occurrences; `f` returns the replacement or `None` to keep the
/// text. `$1` (label_replace) and `$` at a regex end are not variables.
fn substitute(expr: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let bytes = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let (name_start, braced) = if bytes.get(i + 1) == Some(&b'{') {
            (i + 2, true)
        } else {
            (i + 1, false)
        };
        let mut end = name_start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let starts_ok = bytes
            .get(name_start)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        let closes_ok = !braced || bytes.get(end) == Some(&b'}');
        if end == name_start || !starts_ok || !closes_ok {
            i += 1;
            continue;
        }
        let token_end = if braced { end + 1 } else { end };
        if let Some(rep) = f(&expr[name_start..end]) {
            out.push_str(&expr[copied..i]);
            out.push_str(&rep);
            copied = token_end;
        }
        i = token_end;
    }
    out.push_str(&expr[copied..]);
    out
}

/// A duration as PromQL accepts it everywhere: whole seconds, or milliseconds.
pub fn promql_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Escape RE2 metacharacters as Go's `regexp.QuoteMeta` does (Prometheus matchers are RE2).
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn quote_in_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn step_follows_width_and_rounds_up_to_nice() {
        let opts = PlanOptions::default();
        // 1 h over 100 cells = 200 points -> 18 s -> 30 s.
        let w = plan_range(1_700_000_000_000, Duration::from_secs(3600), 100, &opts);
        assert_eq!(w.step_ms, 30_000);
        // 6 h over 80 cells = 160 points -> 135 s -> 5 m.
        let w = plan_range(1_700_000_000_000, Duration::from_secs(6 * 3600), 80, &opts);
        assert_eq!(w.step_ms, 5 * MIN);
        // 24 h over 40 cells -> 18 min -> 30 m.
        let w = plan_range(1_700_000_000_000, Duration::from_secs(86_400), 40, &opts);
        assert_eq!(w.step_ms, 30 * MIN);
    }

    #[test]
    fn step_never_below_min_step() {
        let opts = PlanOptions::default();
        let w = plan_range(1_700_000_000_000, Duration::from_secs(300), 300, &opts);
        assert_eq!(w.step_ms, 15_000);
        let fine = PlanOptions {
            min_step: Duration::from_secs(1),
            ..opts
        };
        let w = plan_range(1_700_000_000_000, Duration::from_secs(300), 300, &fine);
        assert_eq!(w.step_ms, 1_000);
    }

    #[test]
    fn never_more_than_11000_points() {
        let opts = PlanOptions {
            min_step: Duration::from_millis(1),
            ..PlanOptions::default()
        };
        for (range_s, width) in [
            (86_400 * 30, u16::MAX),
            (86_400, 60_000),
            (3600 * 13, 10_000),
        ] {
            let w = plan_range(
                1_700_000_123_456,
                Duration::from_secs(range_s),
                width,
                &opts,
            );
            assert!(
                w.points() <= PROMETHEUS_MAX_POINTS,
                "{range_s}s at {width}: {} points",
                w.points()
            );
        }
    }

    #[test]
    fn window_is_aligned_and_covers_the_range() {
        let opts = PlanOptions::default();
        // 1_700_000_010_000 is a multiple of the 30 s step; 1_700_000_025_000 of the scrape.
        let now = 1_700_000_027_345;
        let w = plan_range(now, Duration::from_secs(3600), 100, &opts);
        assert_eq!(w.step_ms, 30_000);
        assert_eq!(w.start_ms % w.step_ms, 0);
        assert_eq!(w.grid_end_ms(), 1_700_000_010_000);
        assert_eq!(
            w.end_ms, 1_700_000_025_000,
            "the newest point: the last scrape"
        );
        assert_eq!(w.head_ms(), Some(w.end_ms));
        assert_eq!(w.axis_end_ms(), 1_700_000_040_000);
        assert_eq!(w.range_ms(), 3_600_000);
        assert_eq!(w.points(), 122, "121 on the grid and the newest");
    }

    #[test]
    fn the_newest_point_is_at_most_one_scrape_old() {
        let opts = PlanOptions::default();
        let scrape = opts.scrape_interval.as_millis() as i64;
        for (range_s, width) in [(300, 100), (3600, 100), (86_400, 40), (7 * 86_400, 200)] {
            for now in (1_700_000_000_000..1_700_000_000_000 + 2 * 86_400_000).step_by(7_777_777) {
                let w = plan_range(now, Duration::from_secs(range_s), width, &opts);
                assert!(w.end_ms <= now && now - w.end_ms < scrape, "{w:?} at {now}");
                assert_eq!(w.end_ms % scrape, 0);
                assert_eq!(w.start_ms % w.step_ms, 0);
                assert_eq!(w.grid_end_ms() % w.step_ms, 0);
                assert!(w.grid_end_ms() <= w.end_ms && w.end_ms < w.grid_end_ms() + w.step_ms);
                assert!(w.range_ms() >= range_s as i64 * 1000);
                assert!(w.axis_end_ms() >= w.end_ms && w.axis_end_ms() % w.step_ms == 0);
            }
        }
    }

    #[test]
    fn a_scrape_on_a_step_boundary_has_no_separate_head() {
        let opts = PlanOptions::default();
        let w = plan_range(1_700_000_010_500, Duration::from_secs(3600), 100, &opts);
        assert_eq!(w.end_ms, 1_700_000_010_000);
        assert_eq!(w.grid_end_ms(), w.end_ms);
        assert_eq!(w.head_ms(), None);
        assert_eq!(w.axis_end_ms(), w.end_ms);
        assert_eq!(w.points(), 121);
        assert_eq!(
            w.spans_from(w.start_ms),
            vec![Span {
                start_ms: w.start_ms,
                end_ms: w.end_ms
            }]
        );
    }

    #[test]
    fn successive_refreshes_ask_for_the_same_points() {
        let opts = PlanOptions::default();
        // 1_700_000_010_000 is a multiple of the 30 s step.
        let a = plan_range(1_700_000_011_000, Duration::from_secs(3600), 100, &opts);
        let b = plan_range(1_700_000_024_000, Duration::from_secs(3600), 100, &opts);
        assert_eq!(a, b, "within one scrape the window does not move");
        let c = plan_range(1_700_000_039_000, Duration::from_secs(3600), 100, &opts);
        assert_eq!(
            c.start_ms, a.start_ms,
            "within one step the grid does not move"
        );
        assert_eq!(c.grid_end_ms(), a.grid_end_ms());
        assert_eq!(
            c.end_ms - a.end_ms,
            15_000,
            "the newest point follows the scrapes"
        );
        let d = plan_range(1_700_000_041_000, Duration::from_secs(3600), 100, &opts);
        assert_eq!(d.start_ms - a.start_ms, a.step_ms);
    }

    #[test]
    fn spans_fetch_the_grid_then_the_newest_point() {
        let w = RangeWindow {
            start_ms: 0,
            end_ms: 3_615_000,
            step_ms: 30_000,
        };
        assert_eq!(
            w.spans_from(0),
            vec![
                Span {
                    start_ms: 0,
                    end_ms: 3_600_000
                },
                Span {
                    start_ms: 3_615_000,
                    end_ms: 3_615_000
                }
            ]
        );
        assert_eq!(
            w.spans_from(3_540_000)[0],
            Span {
                start_ms: 3_540_000,
                end_ms: 3_600_000
            }
        );
        assert_eq!(
            w.spans_from(3_615_000),
            vec![Span {
                start_ms: 3_615_000,
                end_ms: 3_615_000
            }]
        );
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step_ms(1), 1000);
        assert_eq!(nice_step_ms(14_000), 15_000);
        assert_eq!(nice_step_ms(61_000), 120_000);
        assert_eq!(nice_step_ms(86_400_001), 2 * 86_400_000);
    }

    #[test]
    fn tail_starts_before_the_old_grid_end_or_at_the_newest_point() {
        let prev = RangeWindow {
            start_ms: 0,
            end_ms: 3_615_000,
            step_ms: 30_000,
        };
        // The grid moved by two steps: from two steps before the old grid end.
        let new = RangeWindow {
            start_ms: 60_000,
            end_ms: 3_675_000,
            step_ms: 30_000,
        };
        assert_eq!(tail_from(&prev, &new, 2), Some(3_540_000));
        // Only the newest point moved: it alone.
        let later = RangeWindow {
            end_ms: 3_625_000,
            ..prev
        };
        assert_eq!(tail_from(&prev, &later, 2), Some(3_625_000));
        // The newest point reached the next step boundary: the grid moved.
        let on_boundary = RangeWindow {
            start_ms: 30_000,
            end_ms: 3_630_000,
            step_ms: 30_000,
        };
        assert_eq!(tail_from(&prev, &on_boundary, 2), Some(3_540_000));
        assert_eq!(tail_from(&prev, &prev, 2), None);
        assert_eq!(tail_from(&later, &prev, 2), None, "time went backwards");
        let other_step = RangeWindow {
            step_ms: 60_000,
            ..new
        };
        assert_eq!(tail_from(&prev, &other_step, 2), None);
        let longer = RangeWindow { start_ms: 0, ..new };
        assert_eq!(tail_from(&prev, &longer, 2), None);
        let far = RangeWindow {
            start_ms: 7_200_000,
            end_ms: 10_815_000,
            step_ms: 30_000,
        };
        assert_eq!(tail_from(&prev, &far, 2), None);
    }

    #[test]
    fn rate_interval_is_at_least_four_scrapes() {
        let scrape = Duration::from_secs(15);
        assert_eq!(
            rate_interval(Duration::from_secs(15), scrape),
            Duration::from_secs(60)
        );
        assert_eq!(
            rate_interval(Duration::from_secs(300), scrape),
            Duration::from_secs(315)
        );
    }

    #[test]
    fn expands_variables_and_builtins() {
        let w = RangeWindow {
            start_ms: 0,
            end_ms: 3_600_000,
            step_ms: 30_000,
        };
        let mut values = BTreeMap::new();
        values.insert("job".to_string(), VarValue::Value("auth-service".into()));
        values.insert("instance".to_string(), VarValue::All);
        let expr = r#"sum by (job) (rate(http_requests_total{job=~"$job",instance=~"${instance}"}[$__rate_interval])) / $__range_s"#;
        assert_eq!(
            expand(expr, &values, &w, Duration::from_secs(15)),
            r#"sum by (job) (rate(http_requests_total{job=~"auth-service",instance=~".*"}[60s])) / 3600"#
        );
        assert_eq!(
            expand(
                "x[$__interval] $__range $__interval_ms",
                &values,
                &w,
                Duration::from_secs(15)
            ),
            "x[30s] 3600s 30000"
        );
    }

    #[test]
    fn expansion_leaves_non_variables_alone() {
        let w = RangeWindow {
            start_ms: 0,
            end_ms: 60_000,
            step_ms: 15_000,
        };
        let values = BTreeMap::new();
        let expr =
            r#"label_replace(up{job=~".*-service$"}, "x", "$1", "job", "(.*)") $unknown ${open"#;
        assert_eq!(expand(expr, &values, &w, Duration::from_secs(15)), expr);
    }

    #[test]
    fn values_cannot_break_out_of_the_matcher() {
        let w = RangeWindow {
            start_ms: 0,
            end_ms: 60_000,
            step_ms: 15_000,
        };
        let mut values = BTreeMap::new();
        values.insert(
            "job".to_string(),
            VarValue::Value(r#"a.b"} or vector(1) #"#.into()),
        );
        let out = expand(r#"up{job=~"$job"}"#, &values, &w, Duration::from_secs(15));
        assert_eq!(out, r#"up{job=~"a\\.b\"\\} or vector\\(1\\) #"}"#);
    }

    #[test]
    fn finds_referenced_variables() {
        assert_eq!(
            referenced_variables(r#"rate(x{a=~"$job", b="${env}"}[$__rate_interval]) $1"#),
            vec!["job", "env", "__rate_interval"]
        );
    }
}
