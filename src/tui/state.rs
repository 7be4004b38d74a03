//! Plain data the views draw: what each panel knows, and how each backend is doing.
//!
//! A panel keeps its last good data through failures: a failed refresh makes it *stale*
//! (data drawn, marked, with the time of the failure), never blank.

use crate::dashboards::plan::RangeWindow;
use crate::model::series::Series;
use crate::sources::SourceError;

/// One series as a panel draws it: a panel's series as `dashboards::merge` makes them (the
/// query it came from, labels, legend, points sorted by time; a gap is a missing point).
pub use crate::dashboards::merge::PanelSeries as PlotSeries;

impl PlotSeries {
    /// The newest value, if it is recent enough to call "current": within two steps of the
    /// window's end. A series that stopped (a target gone) has no current value.
    pub fn current(&self, window: &RangeWindow) -> Option<f64> {
        let (t, v) = *self.points.last()?;
        (t >= window.end_ms - 2 * window.step_ms).then_some(v)
    }

    /// Smallest and largest finite value over the range.
    pub fn min_max(&self) -> Option<(f64, f64)> {
        min_max(self.points.iter().map(|p| p.1))
    }
}

/// The data of a panel from one successful fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    pub window: RangeWindow,
    /// The expanded PromQL the data answers, to tell whether a tail fetch can extend it.
    pub exprs: Vec<String>,
    pub series: Vec<PlotSeries>,
    pub warnings: Vec<String>,
    /// When it arrived.
    pub at_ms: i64,
}

impl PanelData {
    pub fn min_max(&self) -> Option<(f64, f64)> {
        let all = self.series.iter().filter_map(PlotSeries::min_max);
        all.reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    }

    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }
}

/// Smallest and largest finite values; `None` if there are none.
pub fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A failed fetch, kept as text so state stays plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// The backend's own words (e.g. a PromQL parse error), for inside a panel.
    pub short: String,
    /// The full message with the fix, for the status line.
    pub full: String,
    /// The backend did not answer properly (down, timeout, 5xx, garbage), as opposed to
    /// answering "your query is wrong". Drives the health chip.
    pub backend_down: bool,
}

impl FetchError {
    pub fn from_source(e: &SourceError) -> FetchError {
        let backend_down = match e {
            SourceError::Api { status, .. } | SourceError::Status { status, .. } => *status >= 500,
            SourceError::Invalid { .. } => false,
            _ => true,
        };
        FetchError {
            short: crate::sanitize::one_line(&e.short()),
            full: crate::sanitize::one_line(&e.to_string()),
            backend_down,
        }
    }

    pub fn other(message: impl Into<String>) -> FetchError {
        let message = crate::sanitize::one_line(&message.into());
        FetchError {
            short: message.clone(),
            full: message,
            backend_down: false,
        }
    }
}

/// What a panel knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelState {
    /// The generation of the newest request; results of older ones are dropped.
    pub generation: u64,
    pub loading: bool,
    /// The last good data.
    pub data: Option<PanelData>,
    /// The newest failure, and when; cleared by the next success.
    pub error: Option<(i64, FetchError)>,
}

/// How a panel should be drawn, derived from its state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PanelView<'a> {
    /// Nothing yet; a request is out.
    Loading,
    /// Nothing requested yet (e.g. no Prometheus configured).
    Idle,
    /// The query answered with no series.
    NoData(&'a PanelData),
    Data(&'a PanelData),
    /// A failure and no data to show.
    Error(i64, &'a FetchError),
    /// A failure after good data: draw the data, marked stale since `at`.
    Stale(&'a PanelData, i64, &'a FetchError),
}

impl PanelState {
    pub fn view(&self) -> PanelView<'_> {
        match (&self.data, &self.error) {
            (Some(d), Some((at, e))) => PanelView::Stale(d, *at, e),
            (None, Some((at, e))) => PanelView::Error(*at, e),
            (Some(d), None) if d.is_empty() => PanelView::NoData(d),
            (Some(d), None) => PanelView::Data(d),
            (None, None) if self.loading => PanelView::Loading,
            (None, None) => PanelView::Idle,
        }
    }
}

/// The raw answer of a panel fetch: per query, its series.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelFetch {
    /// The full window the panel shows.
    pub window: RangeWindow,
    /// Set when only the tail was fetched, from this time on; merged into the kept data.
    pub tail_from_ms: Option<i64>,
    pub exprs: Vec<String>,
    pub per_query: Vec<Vec<Series>>,
    pub warnings: Vec<String>,
    pub bytes: usize,
}

/// A backend's health, for its chip in the header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackendHealth {
    pub name: String,
    pub last_success_ms: Option<i64>,
    pub last_error: Option<(i64, String)>,
    /// Since when a request has been out with no answer at all. Kept across the newer
    /// requests that replace it, so a backend that stalls longer than the refresh interval
    /// still comes due (`overdue`) instead of looking forever like "loading".
    pub waiting_since_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// Not asked yet.
    Unknown,
    Ok,
    /// The last call failed; earlier data is kept.
    Down,
}

impl BackendHealth {
    pub fn named(name: impl Into<String>) -> BackendHealth {
        BackendHealth {
            name: name.into(),
            ..BackendHealth::default()
        }
    }

    pub fn succeeded(&mut self, now_ms: i64) {
        self.last_success_ms = Some(now_ms);
        self.last_error = None;
        self.waiting_since_ms = None;
    }

    pub fn failed(&mut self, now_ms: i64, message: String) {
        self.last_error = Some((now_ms, message));
        self.waiting_since_ms = None;
    }

    /// A request went out; the wait is counted from the oldest one still unanswered.
    pub fn asked(&mut self, now_ms: i64) {
        self.waiting_since_ms.get_or_insert(now_ms);
    }

    /// Nothing has answered for longer than `timeout`: whatever the refresh interval, the
    /// backend is failing and what it gave last is stale. Marks it failed and returns the
    /// message, once per overdue wait.
    pub fn fail_if_overdue(&mut self, now_ms: i64, timeout: std::time::Duration) -> Option<String> {
        let since = self.waiting_since_ms?;
        let timeout_ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        // One second of grace: the transport's own timeout error should win when it comes.
        if now_ms - since <= timeout_ms.saturating_add(1_000) {
            return None;
        }
        let message = format!(
            "{} has not answered for {}s (timeout {}s); the last data is kept, marked stale",
            self.name,
            (now_ms - since) / 1_000,
            timeout.as_secs()
        );
        self.failed(now_ms, message.clone());
        Some(message)
    }

    pub fn state(&self) -> HealthState {
        match (&self.last_success_ms, &self.last_error) {
            (_, Some(_)) => HealthState::Down,
            (Some(_), None) => HealthState::Ok,
            (None, None) => HealthState::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::series::Point;
    use std::collections::BTreeMap;

    fn data(points: Vec<Point>) -> PanelData {
        PanelData {
            window: RangeWindow {
                start_ms: 0,
                end_ms: 600_000,
                step_ms: 60_000,
            },
            exprs: vec!["x".into()],
            series: vec![PlotSeries {
                query: 0,
                labels: BTreeMap::new(),
                legend: "x".into(),
                points,
            }],
            warnings: vec![],
            at_ms: 0,
        }
    }

    #[test]
    fn a_backend_that_never_answers_comes_due_whatever_the_refresh() {
        let timeout = std::time::Duration::from_secs(10);
        let mut h = BackendHealth::named("Prometheus");
        h.succeeded(0);
        // Refreshed every 5 s, each request replacing the last: the wait counts from the first.
        for now in (1_000..=11_000).step_by(5_000) {
            h.asked(now);
            assert_eq!(h.fail_if_overdue(now, timeout), None);
        }
        assert_eq!(h.state(), HealthState::Ok);
        let message = h.fail_if_overdue(12_001, timeout).unwrap();
        assert!(message.contains("has not answered for 11s"), "{message}");
        assert_eq!(h.state(), HealthState::Down);
        assert_eq!(h.fail_if_overdue(13_000, timeout), None, "once per wait");
        h.asked(14_000);
        h.succeeded(15_000);
        assert_eq!(h.state(), HealthState::Ok);
    }

    #[test]
    fn view_distinguishes_every_state() {
        let mut p = PanelState::default();
        assert!(matches!(p.view(), PanelView::Idle));
        p.loading = true;
        assert!(matches!(p.view(), PanelView::Loading));
        p.data = Some(data(vec![]));
        assert!(matches!(p.view(), PanelView::NoData(_)));
        p.data = Some(data(vec![(0, 0.5)]));
        assert!(matches!(p.view(), PanelView::Data(_)));
        p.error = Some((5, FetchError::other("boom")));
        assert!(matches!(p.view(), PanelView::Stale(_, 5, _)));
        p.data = None;
        assert!(matches!(p.view(), PanelView::Error(5, _)));
    }

    #[test]
    fn current_value_needs_a_recent_point() {
        let d = data(vec![(0, 1.0), (540_000, 0.25)]);
        assert_eq!(d.series[0].current(&d.window), Some(0.25));
        let old = data(vec![(0, 1.0), (300_000, 0.25)]);
        assert_eq!(old.series[0].current(&old.window), None);
        assert_eq!(d.min_max(), Some((0.25, 1.0)));
        assert_eq!(
            min_max([f64::NAN, 2.0, f64::INFINITY].into_iter()),
            Some((2.0, 2.0))
        );
    }
}
