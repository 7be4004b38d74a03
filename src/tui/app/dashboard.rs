//! One dashboard's state: its panels, range, variable values, focus and scroll; and how a
//! refresh is planned (which panels, which window, whole or just the new tail).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::dashboards::model::{Dashboard, Panel, PanelKind};
use crate::dashboards::plan::{expand, plan_range, tail_from, PlanOptions, RangeWindow, VarValue};
use crate::sources::prometheus::RangeQuery;
use crate::tui::action::{PanelKey, PanelRequest};
use crate::tui::layout::{self, GridLayout};
use crate::tui::state::{PanelData, PanelFetch, PanelState, PlotSeries};
use crate::tui::time_range::TimeRange;

/// Grid points before the previous grid end re-fetched with a tail, since the newest points
/// can change as late samples arrive.
const TAIL_OVERLAP_POINTS: u32 = 2;

/// How far back a status grid looks for each target's newest value.
const STATUS_WINDOW: Duration = Duration::from_secs(5 * 60);

/// A full-screen panel and its value cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fullscreen {
    pub panel: usize,
    /// Time under the cursor; `None` follows the newest point.
    pub cursor: Option<i64>,
}

/// Which series of a panel the legend shows and hides, as Grafana's legend does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Legend {
    /// Series hidden from the chart, by their legend text (kept across refreshes).
    pub hidden: std::collections::BTreeSet<String>,
    /// The legend row selected in full screen.
    pub selected: Option<usize>,
}

/// The values offered for one template variable in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choices {
    Loading,
    Loaded(Vec<String>),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardState {
    pub def: Dashboard,
    pub panels: Vec<PanelState>,
    pub range: TimeRange,
    pub refresh: Duration,
    pub values: BTreeMap<String, VarValue>,
    pub focus: usize,
    pub scroll: u16,
    /// Panels whose title contains this (case-insensitive) are shown; empty shows all.
    pub filter: String,
    pub fullscreen: Option<Fullscreen>,
    /// When the last refresh was sent; `None` until the first.
    pub last_refresh_ms: Option<i64>,
    /// The layout changed (resize): re-plan at the next tick.
    pub replan: bool,
    pub choices: Vec<Option<Choices>>,
    /// Per variable: its starting value is to be checked against Prometheus (Grafana's
    /// rules) before the panels are asked.
    pub unchecked: Vec<bool>,
    /// Per panel: the series its legend hides.
    pub legends: Vec<Legend>,
}

impl DashboardState {
    pub fn new(
        def: Dashboard,
        range: Option<Duration>,
        refresh: Option<Duration>,
    ) -> DashboardState {
        let values = def
            .variables
            .iter()
            .map(|v| (v.name.clone(), v.initial()))
            .collect();
        DashboardState {
            panels: vec![PanelState::default(); def.panels.len()],
            range: TimeRange::live(range.unwrap_or(def.range)),
            refresh: refresh.unwrap_or(def.refresh).max(Duration::from_secs(1)),
            values,
            focus: 0,
            scroll: 0,
            filter: String::new(),
            fullscreen: None,
            last_refresh_ms: None,
            replan: false,
            choices: vec![None; def.variables.len()],
            unchecked: def.variables.iter().map(|v| v.needs_check()).collect(),
            legends: vec![Legend::default(); def.panels.len()],
            def,
        }
    }

    /// Indices of the panels the filter lets through, in dashboard order.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.trim().to_lowercase();
        (0..self.def.panels.len())
            .filter(|&i| {
                needle.is_empty() || self.def.panels[i].title.to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// The panel grid for a grid area of `width` x `height`.
    pub fn layout(&self, width: u16, height: u16) -> GridLayout {
        layout::grid(
            &self.def.panels,
            &self.visible(),
            width,
            height,
            !self.filter.trim().is_empty(),
        )
    }

    pub fn any_loading(&self) -> bool {
        self.panels.iter().any(|p| p.loading)
    }

    pub fn is_due(&self, now_ms: i64) -> bool {
        match self.last_refresh_ms {
            None => true,
            Some(at) => now_ms - at >= i64::try_from(self.refresh.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// The window a panel `width` cells wide shows now.
    pub fn window_for(
        &self,
        panel: &Panel,
        width: u16,
        now_ms: i64,
        opts: &PlanOptions,
    ) -> RangeWindow {
        let cells = layout::plot_cells(panel.kind, width);
        // A status grid shows only the newest value: a short window at a fine step keeps it
        // current, where the dashboard's range would make it up to a coarse step old.
        let span = match panel.kind {
            PanelKind::StatusGrid => self.range.span().min(STATUS_WINDOW),
            _ => self.range.span(),
        };
        plan_range(self.range.end_ms(now_ms), span, cells, opts)
    }

    /// The width panel `i` is drawn at: full screen, its grid cell, or (hidden by the filter)
    /// the width it would have in the unfiltered grid.
    fn panel_width(&self, i: usize, grid: &GridLayout, grid_width: u16, full_width: u16) -> u16 {
        if self.fullscreen.is_some_and(|f| f.panel == i) {
            return full_width;
        }
        let share =
            |w: u16| u16::try_from(u32::from(grid_width) * u32::from(w) / 24).unwrap_or(grid_width);
        grid.rect_of(i)
            .map(|r| r.width)
            .unwrap_or_else(|| {
                self.def
                    .panels
                    .get(i)
                    .map(|p| share(p.grid.w))
                    .unwrap_or(grid_width)
            })
            .max(1)
    }

    /// Plan a refresh: a request per panel whose window or query changed (or every panel when
    /// `force`), for only the new tail when the rest is already here. The newest point moves
    /// with every scrape, so a live panel is asked again at each refresh after a new scrape:
    /// for that point alone, or with the grid points a step boundary added.
    pub fn plan_refresh(
        &mut self,
        index: usize,
        grid_area: ratatui::layout::Rect,
        full_width: u16,
        now_ms: i64,
        force: bool,
        opts: &PlanOptions,
    ) -> Vec<PanelRequest> {
        let grid = self.layout(grid_area.width, grid_area.height);
        let widths: Vec<u16> = (0..self.def.panels.len())
            .map(|i| self.panel_width(i, &grid, grid_area.width, full_width))
            .collect();
        let mut requests = Vec::new();
        for (i, panel) in self.def.panels.iter().enumerate() {
            let width = widths[i];
            let window = self.window_for(panel, width, now_ms, opts);
            let exprs: Vec<String> = panel
                .queries
                .iter()
                .map(|q| expand(&q.expr, &self.values, &window, opts.scrape_interval))
                .collect();
            let state = &mut self.panels[i];
            let same_query = state.data.as_ref().is_some_and(|d| d.exprs == exprs);
            let healthy = state.error.is_none();
            if !force
                && same_query
                && healthy
                && state.data.as_ref().is_some_and(|d| d.window == window)
            {
                // No new scrape and no new step: Prometheus would answer the same points.
                continue;
            }
            let tail = match (&state.data, force || !same_query || !self.range.is_live()) {
                (Some(d), false) => tail_from(&d.window, &window, TAIL_OVERLAP_POINTS),
                _ => None,
            };
            let from = tail.unwrap_or(window.start_ms);
            state.generation += 1;
            state.loading = true;
            requests.push(PanelRequest {
                key: PanelKey {
                    dashboard: index,
                    panel: i,
                },
                generation: state.generation,
                window,
                tail_from_ms: tail,
                queries: range_queries(&exprs, &window, from),
            });
        }
        self.last_refresh_ms = Some(now_ms);
        self.replan = false;
        requests
    }

    /// Forget in-flight requests (they were cancelled): results for them will be dropped.
    pub fn cancel_in_flight(&mut self) {
        for p in &mut self.panels {
            if p.loading {
                p.loading = false;
                p.generation += 1;
            }
        }
    }
}

/// The range queries of a request for `window` from `from_ms` on: one per expression for
/// each span of [`RangeWindow::spans_from`] (the grid, then the newest point), span by span.
/// The answers come back in the same order; [`absorb`] pairs answer `i` with panel query
/// `i % exprs.len()`.
pub fn range_queries(exprs: &[String], window: &RangeWindow, from_ms: i64) -> Vec<RangeQuery> {
    window
        .spans_from(from_ms)
        .into_iter()
        .flat_map(|span| {
            exprs.iter().map(move |expr| RangeQuery {
                expr: expr.clone(),
                start_ms: span.start_ms,
                end_ms: span.end_ms,
                step_ms: window.step_ms,
            })
        })
        .collect()
}

/// Turn a fetch into the panel's data: legends from the panel's templates, the grid and the
/// newest point of each series joined, sorted, and merged into the kept data when only the
/// tail was fetched.
pub fn absorb(panel: &Panel, old: Option<&PanelData>, fetch: PanelFetch, now_ms: i64) -> PanelData {
    let fresh: Vec<PlotSeries> = crate::dashboards::merge::merge_spans(panel, fetch.per_query);
    let window = fetch.window;
    let series = match (fetch.tail_from_ms, old) {
        (Some(from), Some(old)) => {
            // The held grid points before the tail stay; a held newest point never does (it
            // is off the grid and the fetch brings the current one).
            let kept = window.start_ms..=(from - 1).min(old.window.grid_end_ms());
            merge_tail(&old.series, fresh, kept)
        }
        _ => fresh,
    };
    let mut series: Vec<PlotSeries> = series
        .into_iter()
        .filter(|s| !s.points.is_empty())
        .collect();
    series.sort_by(|a, b| a.query.cmp(&b.query).then_with(|| a.legend.cmp(&b.legend)));
    // A request asks each expression once per span; the data answers each once.
    let mut exprs = fetch.exprs;
    exprs.truncate(panel.queries.len().max(1));
    let mut warnings: Vec<String> = Vec::with_capacity(fetch.warnings.len());
    for w in fetch.warnings {
        if !warnings.contains(&w) {
            warnings.push(w);
        }
    }
    PanelData {
        window,
        exprs,
        series,
        warnings,
        at_ms: now_ms,
    }
}

/// The held points in `kept`, then the new tail (which starts after them).
fn merge_tail(
    old: &[PlotSeries],
    tail: Vec<PlotSeries>,
    kept: std::ops::RangeInclusive<i64>,
) -> Vec<PlotSeries> {
    let mut out: Vec<PlotSeries> = old
        .iter()
        .map(|s| PlotSeries {
            points: s
                .points
                .iter()
                .copied()
                .filter(|p| kept.contains(&p.0))
                .collect(),
            ..s.clone()
        })
        .collect();
    for t in tail {
        match out
            .iter_mut()
            .find(|s| s.query == t.query && s.labels == t.labels)
        {
            Some(s) => {
                s.points
                    .extend(t.points.into_iter().filter(|p| p.0 > *kept.end()));
                s.legend = t.legend;
            }
            None => out.push(t),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboards::model::{GridPos, Origin, PanelQuery, Unit, Variable};
    use crate::model::series::Series;

    fn dashboard() -> Dashboard {
        let panel = |title: &str, expr: &str| Panel {
            title: title.into(),
            kind: PanelKind::Chart,
            unit: Unit::Plain,
            decimals: None,
            thresholds: None,
            min: None,
            max: None,
            queries: vec![PanelQuery {
                expr: expr.into(),
                legend: Some("{{job}}".into()),
            }],
            alerts: vec![],
            grid: GridPos {
                x: 0,
                y: 0,
                w: 12,
                h: 8,
            },
            description: None,
        };
        Dashboard {
            id: "d".into(),
            title: "D".into(),
            refresh: Duration::from_secs(10),
            range: Duration::from_secs(3600),
            variables: vec![Variable {
                name: "job".into(),
                label_values: crate::dashboards::model::LabelValues {
                    label: "job".into(),
                    selector: None,
                },
                default: None,
                include_all: true,
                all_value: None,
            }],
            panels: vec![
                panel("CPU", "rate(x{job=~\"$job\"}[$__rate_interval])"),
                panel("Memory", "y"),
            ],
            origin: Origin::Embedded("d.toml".into()),
        }
    }

    const NOW: i64 = 1_700_000_000_000;
    const GRID: ratatui::layout::Rect = ratatui::layout::Rect {
        x: 0,
        y: 3,
        width: 120,
        height: 30,
    };

    #[test]
    fn plans_a_full_fetch_then_nothing_until_the_window_moves() {
        let opts = PlanOptions::default();
        let mut d = DashboardState::new(dashboard(), None, None);
        let reqs = d.plan_refresh(0, GRID, 120, NOW, false, &opts);
        assert_eq!(reqs.len(), 2);
        assert!(
            reqs[0].queries[0].expr.contains("job=~\".*\""),
            "{}",
            reqs[0].queries[0].expr
        );
        assert!(!reqs[0].queries[0].expr.contains('$'));
        assert_eq!(reqs[0].tail_from_ms, None);
        // Both answered.
        for r in &reqs {
            let fetch = PanelFetch {
                window: r.window,
                tail_from_ms: None,
                exprs: r.queries.iter().map(|q| q.expr.clone()).collect(),
                per_query: vec![vec![]],
                warnings: vec![],
                bytes: 0,
            };
            let p = &mut d.panels[r.key.panel];
            p.loading = false;
            p.data = Some(absorb(&d.def.panels[r.key.panel], None, fetch, NOW));
        }
        // Same aligned window: nothing to ask.
        assert!(d
            .plan_refresh(0, GRID, 120, NOW + 1, false, &opts)
            .is_empty());
        // A step later: only the tail.
        let step = reqs[0].window.step_ms;
        let later = d.plan_refresh(0, GRID, 120, NOW + step, false, &opts);
        assert_eq!(later.len(), 2);
        let tail = later[0].tail_from_ms.expect("a tail fetch");
        assert_eq!(later[0].queries[0].start_ms, tail);
        assert!(later[0].queries[0].end_ms - tail <= 3 * step);
        // Forced: the whole window again.
        let forced = d.plan_refresh(0, GRID, 120, NOW + step, true, &opts);
        assert!(forced.iter().all(|r| r.tail_from_ms.is_none()));
        assert!(forced.iter().all(|r| r.generation == 3));
    }

    /// Answer every query of `r` with a point per step of its span, valued `v(t)`.
    fn answer(r: &PanelRequest, v: impl Fn(i64) -> f64) -> PanelFetch {
        let labels: BTreeMap<String, String> = [("job".to_string(), "api".to_string())]
            .into_iter()
            .collect();
        PanelFetch {
            window: r.window,
            tail_from_ms: r.tail_from_ms,
            exprs: r.queries.iter().map(|q| q.expr.clone()).collect(),
            per_query: r
                .queries
                .iter()
                .map(|q| {
                    let points = (q.start_ms..=q.end_ms)
                        .step_by(q.step_ms as usize)
                        .map(|t| (t, v(t)))
                        .collect();
                    vec![Series {
                        labels: labels.clone(),
                        points,
                    }]
                })
                .collect(),
            warnings: vec![],
            bytes: 0,
        }
    }

    #[test]
    fn the_newest_point_is_asked_again_after_each_scrape_and_replaced() {
        let opts = PlanOptions::default();
        let scrape = 15_000;
        // On an hour boundary: the newest point is on the grid.
        let now = 1_700_002_800_000 + 1;
        let mut d = DashboardState::new(dashboard(), None, None);
        let first = d.plan_refresh(0, GRID, 120, now, false, &opts);
        let step = first[0].window.step_ms;
        assert!(step >= 3 * scrape, "a step of several scrapes: {step}");
        assert_eq!(first[0].window.head_ms(), None);
        assert_eq!(first[0].queries.len(), 1, "the grid alone");
        let absorb_all = |d: &mut DashboardState, reqs: Vec<PanelRequest>, at: i64| {
            for r in reqs {
                let i = r.key.panel;
                let fetch = answer(&r, |t| if t % step == 0 { 1.0 } else { t as f64 });
                let data = absorb(&d.def.panels[i], d.panels[i].data.as_ref(), fetch, at);
                d.panels[i].loading = false;
                d.panels[i].data = Some(data);
            }
        };
        absorb_all(&mut d, first, now);

        // One scrape later, within the step: only the newest point, on its own.
        let second = d.plan_refresh(0, GRID, 120, now + scrape, false, &opts);
        assert_eq!(second.len(), 2);
        let head = now - 1 + scrape;
        assert_eq!(second[0].tail_from_ms, Some(head));
        assert_eq!(second[0].queries.len(), 1);
        assert_eq!(
            (second[0].queries[0].start_ms, second[0].queries[0].end_ms),
            (head, head)
        );
        absorb_all(&mut d, second, now + scrape);
        let points = &d.panels[0].data.as_ref().unwrap().series[0].points;
        assert_eq!(points.last(), Some(&(head, head as f64)));

        // Another scrape: the newest point replaces the previous one, the grid stays.
        let third = d.plan_refresh(0, GRID, 120, now + 2 * scrape, false, &opts);
        absorb_all(&mut d, third, now + 2 * scrape);
        let data = d.panels[0].data.as_ref().unwrap();
        let points = &data.series[0].points;
        let newest = head + scrape;
        assert_eq!(points.last(), Some(&(newest, newest as f64)));
        assert!(points.iter().all(|p| p.0 % step == 0 || p.0 == newest));
        assert_eq!(points.len() as u64, data.window.points());
        assert_eq!(data.exprs.len(), 1, "one expression per panel query");

        // The step boundary passed: the grid tail and the newest point, in one request.
        let fourth = d.plan_refresh(0, GRID, 120, now + step + scrape, false, &opts);
        assert_eq!(
            fourth[0].queries.len(),
            2,
            "the grid tail, then the newest point"
        );
        assert_eq!(fourth[0].tail_from_ms, Some(now - 1 - 2 * step));
        let mut both = answer(&fourth[0], |_| 1.0);
        // Each span's answer carries Prometheus's warnings for the same expression.
        both.warnings = vec!["info: not a counter".into(), "info: not a counter".into()];
        let once = absorb(&d.def.panels[0], d.panels[0].data.as_ref(), both, now);
        assert_eq!(once.warnings, vec!["info: not a counter".to_string()]);
        absorb_all(&mut d, fourth, now + step + scrape);
        let data = d.panels[0].data.as_ref().unwrap();
        assert_eq!(
            data.series.len(),
            1,
            "grid and newest point joined per series"
        );
        let points = &data.series[0].points;
        assert_eq!(points.len() as u64, data.window.points());
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(points.last().map(|p| p.0), Some(now - 1 + step + scrape));
    }

    #[test]
    fn tail_is_merged_and_old_points_trimmed() {
        let s = |q: usize, job: &str, points: Vec<(i64, f64)>| PlotSeries {
            query: q,
            labels: [("job".to_string(), job.to_string())].into_iter().collect(),
            legend: job.into(),
            points,
        };
        let old = vec![
            s(0, "a", vec![(0, 1.0), (10, 2.0), (20, 3.0)]),
            s(0, "gone", vec![(0, 9.0), (10, 9.0)]),
        ];
        let tail = vec![
            s(0, "a", vec![(20, 3.5), (30, 4.0)]),
            s(0, "new", vec![(30, 1.0)]),
        ];
        let merged = merge_tail(&old, tail, 10..=19);
        assert_eq!(merged[0].points, vec![(10, 2.0), (20, 3.5), (30, 4.0)]);
        assert_eq!(merged[1].points, vec![(10, 9.0)]);
        assert_eq!(merged[2].points, vec![(30, 1.0)]);
    }

    #[test]
    fn filter_selects_panels_by_title() {
        let mut d = DashboardState::new(dashboard(), None, None);
        assert_eq!(d.visible(), vec![0, 1]);
        d.filter = "mem".into();
        assert_eq!(d.visible(), vec![1]);
    }
}
