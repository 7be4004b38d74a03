//! The app: all state, and `update`, the one place it changes. `update` never awaits and never
//! touches the network, the clock or the terminal: time comes in as `now_ms`, and everything
//! that needs the outside world goes out as an `Effect` for the runtime to run.

pub mod ack;
mod bulk;
mod commands;
pub mod dashboard;
mod form;
pub mod incident_detail;
pub mod incident_work;
mod inspect;
mod list_ops;
pub mod notify;
pub mod pane;
mod readonly;
pub mod rows;
pub mod runbook;
pub mod triage;
mod variables;
mod writes;

use std::time::Duration;

use chrono::FixedOffset;
use ratatui::layout::Rect;

use self::dashboard::{absorb, Choices, DashboardState};
use self::triage::Triage;
pub use self::writes::Confirm;
use super::action::{Action, ContextInfo, Effect, PanelKey};
use super::command::ViewKind;
use super::input::LineInput;
use super::keymap::{Keymap, Mode};
use super::layout;
use super::state::{BackendHealth, FetchError};
use super::theme::{ColorDepth, Theme, ThemeSet};
use crate::dashboards::model::Dashboard;
use crate::dashboards::plan::PlanOptions;
use crate::triage::silence_form::SilenceForm;

/// How often alerts and silences are fetched unless the config says otherwise.
pub const DEFAULT_ALERTS_REFRESH: Duration = Duration::from_secs(30);
/// How often PagerDuty is polled unless the config says otherwise; its rate limit is shared
/// by everyone on the account.
pub const DEFAULT_INCIDENTS_REFRESH: Duration = Duration::from_secs(60);

/// What the app starts with.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub dashboards: Vec<Dashboard>,
    pub keymap: Keymap,
    pub themes: ThemeSet,
    pub theme: String,
    pub depth: ColorDepth,
    pub context: ContextInfo,
    pub contexts: Vec<String>,
    pub demo: bool,
    /// Position of the dashboard shown first.
    pub start_dashboard: usize,
    /// A list view to show first instead (`watch --view`).
    pub start_view: Option<ViewKind>,
    /// Overrides every dashboard's default range (`--range`, `[ui] time_range`).
    pub range: Option<Duration>,
    /// Overrides every dashboard's refresh interval (`--refresh`, `[ui] refresh`).
    pub refresh: Option<Duration>,
    /// The local time zone, for the clock and time axes.
    pub offset: FixedOffset,
    /// Problems found while loading (dashboards, keymap, themes), for the help screen.
    pub problems: Vec<String>,
    pub width: u16,
    pub height: u16,
    pub prefs: Preferences,
}

/// What the user chose for the session (config and flags); fixed while it runs.
#[derive(Debug, Clone)]
pub struct Preferences {
    pub alerts_refresh: Duration,
    pub incidents_refresh: Duration,
    pub plan: PlanOptions,
    /// Draw with ASCII only (no braille, blocks or box drawing).
    pub ascii: bool,
    /// Copy URLs with OSC 52 (`[ui] osc52`); off by default.
    pub osc52: bool,
    /// Annotation keys searched for an alert's runbook link, in order.
    pub runbook_keys: Vec<String>,
    /// `createdBy` of silences made here.
    pub author: String,
    /// How long an ack silence lasts when there is no PagerDuty.
    pub ack_duration: Duration,
    /// Time to acknowledge and to resolve an incident, per tier.
    pub targets: crate::triage::targets::Targets,
    /// Runbook directories, fetchable hosts and the label value policy for steps.
    pub runbooks: runbook::RunbookPrefs,
    /// Why writes are refused (`--readonly`, `ONCALL_READONLY`, each context's `readonly`);
    /// see `App::read_only`.
    pub readonly: crate::config::ReadOnly,
    /// How a new critical alert is announced (`[ui] notify`); off by default.
    pub notify: crate::config::NotifyMode,
    /// The longest request timeout of the context's backends: a backend silent for longer
    /// is marked down and its data stale, whatever the refresh interval.
    pub request_timeout: Duration,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            alerts_refresh: DEFAULT_ALERTS_REFRESH,
            incidents_refresh: DEFAULT_INCIDENTS_REFRESH,
            plan: PlanOptions::default(),
            ascii: false,
            osc52: false,
            runbook_keys: crate::config::DEFAULT_RUNBOOK_ANNOTATION_KEYS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            author: crate::config::default_author(&|var| std::env::var(var).ok()),
            ack_duration: crate::config::DEFAULT_ACK_DURATION,
            targets: Default::default(),
            runbooks: runbook::RunbookPrefs::default(),
            readonly: crate::config::ReadOnly::default(),
            notify: crate::config::NotifyMode::Off,
            request_timeout: crate::sources::Endpoint::DEFAULT_TIMEOUT,
        }
    }
}

impl AppOptions {
    /// Options for the given dashboards with defaults everywhere else (tests, embedders).
    pub fn new(dashboards: Vec<Dashboard>, context: ContextInfo) -> AppOptions {
        AppOptions {
            dashboards,
            keymap: Keymap::defaults(),
            themes: ThemeSet::embedded(),
            theme: super::theme::DEFAULT_THEME.to_string(),
            depth: ColorDepth::TrueColor,
            context,
            contexts: Vec::new(),
            demo: false,
            start_dashboard: 0,
            start_view: None,
            range: None,
            refresh: None,
            offset: chrono::Offset::fix(&chrono::Utc),
            problems: Vec::new(),
            width: 80,
            height: 24,
            prefs: Preferences::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard(usize),
    Triage(ViewKind),
}

/// What sits on top of the view and gets the keys first.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The silence form (`s` on an alert).
    Silence(Box<SilenceForm>),
    /// "Do this?" before any write but an ack; `y` sends it.
    Confirm(Box<Confirm>),
    /// How much longer a silence should last.
    Extend(Box<crate::model::Silence>),
    /// Several incidents may belong to the alert: which one to acknowledge.
    PickIncident {
        /// `(incident ID, what to show)`, captured when `A` was pressed.
        choices: Vec<(String, String)>,
        selected: usize,
        /// The alert `A` was pressed on: its fingerprint and how the log names it.
        alert: (String, String),
    },
    /// A runbook step's exact argv before it runs; `y` sends it to the pane.
    ConfirmRun(Box<runbook::ConfirmRun>),
    Help {
        scroll: u16,
    },
    CommandLine(LineInput),
    Filter(LineInput),
    /// The template variables of the dashboard.
    Variables {
        selected: usize,
    },
    /// The values of one variable.
    Values {
        variable: usize,
        selected: usize,
    },
    /// A note being typed for an incident: `(incident ID, how it is named)`.
    Note {
        incident: (String, String),
        input: LineInput,
    },
    /// How long to snooze an incident: `(incident ID, how it is named)`.
    Snooze {
        incident: (String, String),
    },
    /// A panel's queries, step, range and series (`i`).
    Inspect {
        dashboard: usize,
        panel: usize,
        scroll: u16,
    },
}

/// A line in the status bar until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone)]
pub struct App {
    pub dashboards: Vec<DashboardState>,
    pub view: View,
    pub overlay: Option<Overlay>,
    pub keymap: Keymap,
    pub themes: ThemeSet,
    pub theme: Theme,
    pub depth: ColorDepth,
    pub context: ContextInfo,
    pub contexts: Vec<String>,
    /// `None` when this context has no Prometheus.
    pub prometheus: Option<BackendHealth>,
    pub triage: Triage,
    /// The runbook open beside an alert (`r`).
    pub runbook: runbook::RunbookPane,
    /// The embedded terminal pane, while one is open.
    pub pane: Option<pane::PaneState>,
    /// The incident detail pane, while open (`enter` in the incidents view).
    pub incident_detail: Option<incident_detail::IncidentDetail>,
    pub demo: bool,
    pub now_ms: i64,
    /// The clock every time is shown in: local, or UTC after `:tz utc`.
    pub offset: FixedOffset,
    /// The local time zone, for `:tz local`.
    pub local_offset: FixedOffset,
    pub width: u16,
    pub height: u16,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
    pub message: Option<Message>,
    pub problems: Vec<String>,
    pub prefs: Preferences,
    /// Writes sent and not answered yet, by id, with the form to reopen if one fails.
    pub writes: Vec<(u64, Option<SilenceForm>)>,
    /// Acks sent from an alert, by write id, with the alert's fingerprint: once PagerDuty
    /// confirms, that alert shows acknowledged at once.
    pub acking: Vec<(u64, String)>,
    /// A form whose write failed while the user was busy in another overlay; it comes back
    /// as soon as that overlay closes.
    pub parked_form: Option<SilenceForm>,
    /// Which critical alerts were already there, for `[ui] notify`.
    pub notifier: notify::Notifier,
    next_write: u64,
    range_override: Option<Duration>,
    refresh_override: Option<Duration>,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl App {
    pub fn new(opts: AppOptions) -> App {
        let theme = opts
            .themes
            .resolve(&opts.theme, opts.depth)
            .or_else(|_| opts.themes.resolve(super::theme::DEFAULT_THEME, opts.depth))
            .unwrap_or_else(|_| Theme::fallback());
        let mut problems = opts.problems;
        if theme.name != opts.theme {
            problems.push(format!(
                "unknown theme `{}`; using {} (available: {})",
                opts.theme,
                theme.name,
                opts.themes.names().join(", ")
            ));
        }
        let dashboards: Vec<DashboardState> = opts
            .dashboards
            .into_iter()
            .map(|d| DashboardState::new(d, opts.range, opts.refresh))
            .collect();
        let view = if let Some(kind) = opts.start_view {
            View::Triage(kind)
        } else if dashboards.is_empty() {
            View::Triage(ViewKind::Alerts)
        } else {
            View::Dashboard(opts.start_dashboard.min(dashboards.len() - 1))
        };
        let message = (!problems.is_empty()).then(|| Message {
            text: format!(
                "{} problem{} while loading: {} (press ? for all)",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems[0]
            ),
            error: true,
        });
        App {
            dashboards,
            view,
            overlay: None,
            keymap: opts.keymap,
            themes: opts.themes,
            theme,
            depth: opts.depth,
            prometheus: opts
                .context
                .prometheus
                .then(|| BackendHealth::named("Prometheus")),
            triage: Triage::new(&opts.context.alertmanagers, opts.context.pagerduty),
            runbook: runbook::RunbookPane::default(),
            pane: None,
            incident_detail: None,
            context: opts.context,
            contexts: opts.contexts,
            demo: opts.demo,
            now_ms: 0,
            offset: opts.offset,
            local_offset: opts.offset,
            width: opts.width,
            height: opts.height,
            dirty: true,
            quit: false,
            message,
            problems,
            prefs: Preferences {
                alerts_refresh: opts.prefs.alerts_refresh.max(Duration::from_secs(1)),
                incidents_refresh: opts.prefs.incidents_refresh.max(Duration::from_secs(15)),
                ..opts.prefs
            },
            writes: Vec::new(),
            acking: Vec::new(),
            parked_form: None,
            notifier: notify::Notifier::default(),
            next_write: 0,
            range_override: opts.range,
            refresh_override: opts.refresh,
        }
    }

    /// The first requests: the dashboard on screen, alerts, incidents.
    pub fn start(&mut self, now_ms: i64) -> Vec<Effect> {
        self.now_ms = now_ms;
        let mut fx = Vec::new();
        if let View::Dashboard(i) = self.view {
            self.refresh_dashboard(i, false, &mut fx);
        }
        self.fetch_alerts(&mut fx);
        self.fetch_incidents(&mut fx);
        fx
    }

    pub fn update(&mut self, action: Action, now_ms: i64) -> Vec<Effect> {
        self.now_ms = now_ms;
        let mut fx = Vec::new();
        match action {
            Action::Key(key) => self.on_key(key, &mut fx),
            Action::Resize { width, height } => {
                self.width = width;
                self.height = height;
                for d in &mut self.dashboards {
                    d.replan = true;
                }
                self.keep_focus_visible();
                self.pane_layout_changed(&mut fx);
                self.dirty = true;
            }
            Action::Tick => self.on_tick(&mut fx),
            Action::Command(c) => self.run(c, &mut fx),
            Action::PanelData {
                key,
                generation,
                result,
            } => self.on_panel_data(key, generation, result),
            Action::Alerts {
                source,
                generation,
                result,
            } => {
                self.dirty |= self.keeping_selection(|app| {
                    app.triage.absorb_alerts(source, generation, result, now_ms)
                });
                self.notify_new_critical(source, generation, &mut fx);
                self.match_incident_detail();
            }
            Action::PendingAlerts { generation, result } => {
                self.dirty |= self.triage.absorb_pending(generation, result)
            }
            Action::Silences {
                source,
                generation,
                result,
            } => {
                self.dirty |= self.keeping_selection(|app| {
                    app.triage
                        .absorb_silences(source, generation, result, now_ms)
                })
            }
            Action::RouteTree { generation, result } => {
                self.dirty |= self.triage.linking.absorb_tree(generation, result)
            }
            Action::IncidentAlerts { id, result } => self.on_incident_alerts(id, result, &mut fx),
            Action::IncidentDetail { incident, detail } => {
                self.on_incident_detail(incident, detail);
                self.match_incident_detail();
            }
            Action::Incidents { generation, result } => {
                self.dirty |= self.keeping_selection(|app| {
                    app.triage.absorb_incidents(generation, result, now_ms)
                })
            }
            Action::OnCalls { generation, result } => {
                if generation == self.triage.incidents_generation {
                    if let Ok(oncalls) = result {
                        // A failure keeps who was known; the incidents call shows the error.
                        self.triage.oncalls = Some(oncalls);
                        self.dirty = true;
                    }
                }
            }
            Action::Me { generation, result } => {
                // An account-level token has no user: "mine" then says so when asked.
                if generation == self.triage.incidents_generation {
                    if let Ok(user) = result {
                        self.triage.me = Some(user.id);
                    }
                }
            }
            Action::LabelValues {
                dashboard,
                variable,
                result,
            } => {
                if let Some(slot) = self
                    .dashboards
                    .get_mut(dashboard)
                    .and_then(|d| d.choices.get_mut(variable))
                {
                    *slot = Some(match result {
                        Ok(mut values) => {
                            values
                                .iter_mut()
                                .for_each(|v| *v = crate::sanitize::one_line(v));
                            Choices::Loaded(values)
                        }
                        Err(e) => Choices::Failed(e.short),
                    });
                }
                self.variable_answered(dashboard, variable, &mut fx);
                self.dirty = true;
            }
            Action::Written {
                id,
                result,
                journal_error,
            } => {
                self.on_written(id, result, &mut fx);
                if let Some(e) = journal_error {
                    self.error(crate::sanitize::one_line(&e));
                }
            }
            Action::EffectFailed(text) => self.error(crate::sanitize::one_line(&text)),
            Action::WriteProgress { id, text } => {
                if self.writes.iter().any(|(w, _)| *w == id) {
                    self.message = Some(Message {
                        text: crate::sanitize::one_line(&text),
                        error: false,
                    });
                    self.dirty = true;
                }
            }
            Action::ContextSwitched(result) => self.on_context_switched(result, &mut fx),
            Action::Paste(text) => self.on_paste(text, &mut fx),
            Action::Pane(event) => self.on_pane(event, &mut fx),
            Action::RunbookLoaded { generation, result } => {
                self.on_runbook_loaded(generation, result)
            }
        }
        self.reopen_parked_form();
        fx
    }

    // ----- geometry -----

    /// The panel grid's area on screen.
    pub fn grid_area(&self) -> Rect {
        layout::dashboard(self.main_area()).1
    }

    /// The view's area: the body between tab bar and status line, less the pane.
    pub fn main_area(&self) -> Rect {
        self.body_without_pane(layout::screen(Rect::new(0, 0, self.width, self.height)).main)
    }

    pub fn active(&self) -> Option<&DashboardState> {
        match self.view {
            View::Dashboard(i) => self.dashboards.get(i),
            View::Triage(_) => None,
        }
    }

    fn active_mut(&mut self) -> Option<&mut DashboardState> {
        match self.view {
            View::Dashboard(i) => self.dashboards.get_mut(i),
            View::Triage(_) => None,
        }
    }

    /// The keymap table for where the user is.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Some(Overlay::Help { .. }) => Mode::Help,
            Some(Overlay::Variables { .. }) | Some(Overlay::Values { .. }) => Mode::Picker,
            _ => match self.active() {
                Some(d) if d.fullscreen.is_some() => Mode::Fullscreen,
                Some(_) => Mode::Dashboard,
                None if self.runbook_shown() => Mode::Runbook,
                None => Mode::List,
            },
        }
    }

    /// Views in tab order: the dashboards, then alerts, silences, incidents.
    pub fn views(&self) -> Vec<View> {
        (0..self.dashboards.len())
            .map(View::Dashboard)
            .chain(ViewKind::ALL.into_iter().map(View::Triage))
            .collect()
    }

    // ----- refreshing -----

    fn on_tick(&mut self, fx: &mut Vec<Effect>) {
        // The clock moved.
        self.dirty = true;
        if let View::Dashboard(i) = self.view {
            let d = &self.dashboards[i];
            if (d.range.is_live() && d.is_due(self.now_ms)) || d.replan {
                self.refresh_dashboard(i, false, fx);
            }
        }
        if self.now_ms >= self.triage.next_alerts_ms {
            self.fetch_alerts(fx);
        }
        if self.now_ms >= self.triage.next_incidents_ms {
            self.fetch_incidents(fx);
        }
        self.mark_overdue();
    }

    /// Backends that have not answered within their timeout are down, and the panels still
    /// waiting on Prometheus are stale: a stall is a failure even when each refresh replaced
    /// the request before it could time out.
    fn mark_overdue(&mut self) {
        let (now, timeout) = (self.now_ms, self.prefs.request_timeout);
        let triage = &mut self.triage;
        for h in triage.health.iter_mut().chain(triage.pagerduty.as_mut()) {
            if h.fail_if_overdue(now, timeout).is_some() {
                self.dirty = true;
            }
        }
        let Some(message) = self
            .prometheus
            .as_mut()
            .and_then(|h| h.fail_if_overdue(now, timeout))
        else {
            return;
        };
        self.dirty = true;
        let error = FetchError {
            short: format!("no answer in {}s", timeout.as_secs()),
            full: message,
            backend_down: true,
        };
        for d in &mut self.dashboards {
            for p in d
                .panels
                .iter_mut()
                .filter(|p| p.loading && p.error.is_none())
            {
                // Still loading: the answer, if it ever comes, is taken.
                p.error = Some((now, error.clone()));
            }
        }
    }

    /// Ask for the panels of dashboard `i` whose window moved (all of them when `force`).
    fn refresh_dashboard(&mut self, i: usize, force: bool, fx: &mut Vec<Effect>) {
        if self.prometheus.is_none() || !self.variables_settled(i, fx) {
            return;
        }
        let grid = self.grid_area();
        let main = self.main_area();
        let now = self.now_ms;
        let opts = self.prefs.plan;
        let requests = self.dashboards[i].plan_refresh(i, grid, main.width, now, force, &opts);
        if let (false, Some(h)) = (requests.is_empty(), self.prometheus.as_mut()) {
            h.asked(now);
        }
        fx.extend(requests.into_iter().map(Effect::FetchPanel));
    }

    fn fetch_alerts(&mut self, fx: &mut Vec<Effect>) {
        if self.triage.health.is_empty() {
            return;
        }
        self.triage.generation += 1;
        self.triage.next_alerts_ms = self.now_ms + ms(self.prefs.alerts_refresh);
        for h in &mut self.triage.health {
            h.asked(self.now_ms);
        }
        fx.push(Effect::FetchAlerts {
            generation: self.triage.generation,
        });
        // The route tree only matters for linking alerts to PagerDuty incidents.
        if self.triage.pagerduty.is_some() {
            if let Some(generation) = self.triage.linking.due(self.triage.generation) {
                fx.push(Effect::FetchRouteTree { generation });
            }
        }
    }

    fn fetch_incidents(&mut self, fx: &mut Vec<Effect>) {
        if self.triage.pagerduty.is_none() {
            return;
        }
        self.triage.incidents_generation += 1;
        self.triage.next_incidents_ms = self.now_ms + ms(self.prefs.incidents_refresh);
        if let Some(h) = self.triage.pagerduty.as_mut() {
            h.asked(self.now_ms);
        }
        fx.push(Effect::FetchIncidents {
            generation: self.triage.incidents_generation,
        });
    }

    fn on_panel_data(
        &mut self,
        key: PanelKey,
        generation: u64,
        result: Result<super::state::PanelFetch, FetchError>,
    ) {
        let now = self.now_ms;
        let Some(d) = self.dashboards.get_mut(key.dashboard) else {
            return;
        };
        let Some(panel) = d.def.panels.get(key.panel) else {
            return;
        };
        let state = &mut d.panels[key.panel];
        if generation != state.generation {
            // An answer to an older request: a newer one is out or the range moved on.
            return;
        }
        state.loading = false;
        match result {
            Ok(fetch) => {
                state.data = Some(absorb(panel, state.data.as_ref(), fetch, now));
                state.error = None;
                if let Some(h) = self.prometheus.as_mut() {
                    h.succeeded(now);
                }
            }
            Err(e) => {
                if let Some(h) = self.prometheus.as_mut() {
                    if e.backend_down {
                        h.failed(now, e.full.clone());
                    } else {
                        // It answered; the query is what is wrong.
                        h.succeeded(now);
                    }
                }
                state.error = Some((now, e));
            }
        }
        self.dirty = true;
    }

    fn on_context_switched(&mut self, result: Result<ContextInfo, String>, fx: &mut Vec<Effect>) {
        match result {
            Err(e) => self.error(e),
            Ok(info) => {
                // Nothing from the old context may show as the new one's.
                let defs: Vec<Dashboard> = self.dashboards.iter().map(|d| d.def.clone()).collect();
                let old: Vec<(usize, bool)> = self
                    .dashboards
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (i, d.any_loading()))
                    .collect();
                for (i, loading) in old {
                    if loading {
                        fx.push(Effect::CancelDashboard(i));
                    }
                }
                let generations: Vec<Vec<u64>> = self
                    .dashboards
                    .iter()
                    .map(|d| d.panels.iter().map(|p| p.generation + 1).collect())
                    .collect();
                self.dashboards = defs
                    .into_iter()
                    .map(|d| DashboardState::new(d, self.range_override, self.refresh_override))
                    .collect();
                // Keep generations rising so late answers from the old context are dropped.
                for (d, gens) in self.dashboards.iter_mut().zip(generations) {
                    for (p, g) in d.panels.iter_mut().zip(gens) {
                        p.generation = g;
                    }
                }
                let (gen, igen) = (
                    self.triage.generation + 1,
                    self.triage.incidents_generation + 1,
                );
                self.triage = Triage::new(&info.alertmanagers, info.pagerduty);
                self.triage.generation = gen;
                self.triage.incidents_generation = igen;
                // The new context's first load is not news either.
                self.notifier = notify::Notifier::default();
                self.prometheus = info.prometheus.then(|| BackendHealth::named("Prometheus"));
                self.message = Some(Message {
                    text: format!("context {}", info.name),
                    error: false,
                });
                self.context = info;
                if let View::Dashboard(i) = self.view {
                    self.refresh_dashboard(i, false, fx);
                }
                self.fetch_alerts(fx);
                self.fetch_incidents(fx);
            }
        }
        self.dirty = true;
    }
}

#[cfg(test)]
mod bulk_tests;
#[cfg(test)]
mod incident_work_tests;
#[cfg(test)]
mod notify_tests;
#[cfg(test)]
mod pane_tests;
#[cfg(test)]
mod readonly_tests;
#[cfg(test)]
mod runbook_tests;
#[cfg(test)]
mod silence_inventory_tests;
mod test_fixtures;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod triage_tests;
#[cfg(test)]
mod trust_tests;
#[cfg(test)]
mod variables_tests;
