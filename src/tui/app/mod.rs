//! The app: all state, and `update`, the one place it changes. `update` never awaits and never
//! touches the network, the clock or the terminal: time comes in as `now_ms`, and everything
//! that needs the outside world goes out as an `Effect` for the runtime to run.

pub mod dashboard;
pub mod triage;

use std::time::Duration;

use chrono::FixedOffset;
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use self::dashboard::{absorb, Choices, DashboardState, Fullscreen};
use self::triage::{ListState, Triage};
use super::action::{Action, ContextInfo, Effect, PanelKey};
use super::command::{Command, CursorMove, Direction, SelectMove, ViewKind};
use super::input::{self, Candidates, InputOutcome, LineCommand, LineInput};
use super::keymap::{Key, Keymap, Mode};
use super::layout;
use super::state::{BackendHealth, FetchError};
use super::theme::{ColorDepth, Theme, ThemeSet};
use super::time_range::TimeRange;
use crate::dashboards::model::{Dashboard, PanelKind};
use crate::dashboards::plan::{PlanOptions, VarValue};

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
    /// Overrides every dashboard's default range (`--range`, `[ui] time_range`).
    pub range: Option<Duration>,
    /// Overrides every dashboard's refresh interval (`--refresh`, `[ui] refresh`).
    pub refresh: Option<Duration>,
    pub alerts_refresh: Duration,
    pub incidents_refresh: Duration,
    /// The local time zone, for the clock and time axes.
    pub offset: FixedOffset,
    /// Problems found while loading (dashboards, keymap, themes), for the help screen.
    pub problems: Vec<String>,
    pub plan: PlanOptions,
    pub width: u16,
    pub height: u16,
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
            range: None,
            refresh: None,
            alerts_refresh: DEFAULT_ALERTS_REFRESH,
            incidents_refresh: DEFAULT_INCIDENTS_REFRESH,
            offset: chrono::Offset::fix(&chrono::Utc),
            problems: Vec::new(),
            plan: PlanOptions::default(),
            width: 80,
            height: 24,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard(usize),
    Triage(ViewKind),
}

/// What sits on top of the view and gets the keys first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
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
    pub demo: bool,
    pub now_ms: i64,
    pub offset: FixedOffset,
    pub width: u16,
    pub height: u16,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
    pub message: Option<Message>,
    pub problems: Vec<String>,
    pub plan: PlanOptions,
    pub alerts_refresh: Duration,
    pub incidents_refresh: Duration,
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
        let view = if dashboards.is_empty() {
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
            context: opts.context,
            contexts: opts.contexts,
            demo: opts.demo,
            now_ms: 0,
            offset: opts.offset,
            width: opts.width,
            height: opts.height,
            dirty: true,
            quit: false,
            message,
            problems,
            plan: opts.plan,
            alerts_refresh: opts.alerts_refresh.max(Duration::from_secs(1)),
            incidents_refresh: opts.incidents_refresh.max(Duration::from_secs(15)),
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
                if generation != self.triage.generation {
                    return fx;
                }
                match result {
                    Ok(alerts) => {
                        self.triage.set_alerts(source, alerts);
                        if let Some(h) = self.triage.health.get_mut(source) {
                            h.succeeded(now_ms);
                        }
                    }
                    Err(e) => {
                        if let Some(h) = self.triage.health.get_mut(source) {
                            h.failed(now_ms, e.full);
                        }
                    }
                }
                self.dirty = true;
            }
            Action::Silences {
                source,
                generation,
                result,
            } => {
                if generation != self.triage.generation {
                    return fx;
                }
                match result {
                    Ok(silences) => self.triage.set_silences(source, silences),
                    Err(e) => {
                        if let Some(h) = self.triage.health.get_mut(source) {
                            h.failed(now_ms, e.full);
                        }
                    }
                }
                self.dirty = true;
            }
            Action::Incidents { generation, result } => {
                if generation != self.triage.incidents_generation {
                    return fx;
                }
                if let Some(h) = self.triage.pagerduty.as_mut() {
                    match result {
                        Ok(incidents) => {
                            self.triage.incidents.items = incidents;
                            self.triage.incidents.loaded = true;
                            h.succeeded(now_ms);
                        }
                        Err(e) => h.failed(now_ms, e.full),
                    }
                }
                self.dirty = true;
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
                self.dirty = true;
            }
            Action::ContextSwitched(result) => self.on_context_switched(result, &mut fx),
        }
        fx
    }

    // ----- geometry -----

    /// The panel grid's area on screen.
    pub fn grid_area(&self) -> Rect {
        let screen = layout::screen(Rect::new(0, 0, self.width, self.height));
        layout::dashboard(screen.main).1
    }

    pub fn main_area(&self) -> Rect {
        layout::screen(Rect::new(0, 0, self.width, self.height)).main
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

    // ----- keys and commands -----

    fn on_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let Some(k) = Key::from_event(&key) else {
            return;
        };
        self.message = None;
        self.dirty = true;
        match self.overlay.take() {
            Some(Overlay::CommandLine(mut line)) => {
                match line.handle(&key) {
                    InputOutcome::Submit => self.submit_line(line, fx),
                    InputOutcome::Cancel => {}
                    InputOutcome::Complete => {
                        if let Some(text) = input::complete(&line.text, &self.candidates()) {
                            line.text = text;
                        }
                        self.overlay = Some(Overlay::CommandLine(line));
                    }
                    InputOutcome::Edited | InputOutcome::Ignored => {
                        self.overlay = Some(Overlay::CommandLine(line))
                    }
                }
                return;
            }
            Some(Overlay::Filter(mut line)) => {
                match line.handle(&key) {
                    InputOutcome::Submit => {}
                    InputOutcome::Cancel => self.set_filter(""),
                    InputOutcome::Edited => {
                        self.set_filter(&line.text);
                        self.overlay = Some(Overlay::Filter(line));
                    }
                    InputOutcome::Complete | InputOutcome::Ignored => {
                        self.overlay = Some(Overlay::Filter(line))
                    }
                }
                return;
            }
            other => self.overlay = other,
        }
        match self.keymap.lookup(self.mode(), k) {
            Some(command) => self.run(command, fx),
            None => {
                if !matches!(k.code, crossterm::event::KeyCode::Char(_)) {
                    return;
                }
                let help = self.keymap.keys_for(Mode::Global, Command::Help);
                let hint = help
                    .first()
                    .map(|h| format!("; {h} lists the keys"))
                    .unwrap_or_default();
                self.message = Some(Message {
                    text: format!("{k} does nothing here{hint}"),
                    error: false,
                });
            }
        }
    }

    /// Run a named command (from a key, or directly).
    pub fn run(&mut self, command: Command, fx: &mut Vec<Effect>) {
        self.dirty = true;
        match command {
            Command::Quit => {
                self.quit = true;
                fx.push(Effect::Quit);
            }
            Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Command::Dashboard(n) => {
                let i = usize::from(n) - 1;
                if i < self.dashboards.len() {
                    self.show(View::Dashboard(i), fx);
                } else {
                    self.error(format!(
                        "there is no dashboard {n} (there are {})",
                        self.dashboards.len()
                    ));
                }
            }
            Command::View(kind) => self.show(View::Triage(kind), fx),
            Command::NextView | Command::PrevView => {
                let views = self.views();
                let at = views.iter().position(|v| *v == self.view).unwrap_or(0);
                let next = if command == Command::NextView {
                    (at + 1) % views.len()
                } else {
                    (at + views.len() - 1) % views.len()
                };
                self.show(views[next], fx);
            }
            Command::CommandLine => self.overlay = Some(Overlay::CommandLine(LineInput::default())),
            Command::Filter => {
                let current = match self.view {
                    View::Dashboard(i) => self.dashboards[i].filter.clone(),
                    View::Triage(kind) => self.list(kind).filter.clone(),
                };
                self.overlay = Some(Overlay::Filter(LineInput::with_text(&current)));
            }
            Command::ZoomIn => self.change_range(fx, |r, now| r.zoom_in(now)),
            Command::ZoomOut => self.change_range(fx, |r, now| r.zoom_out(now)),
            Command::PanBack => self.change_range(fx, |r, now| r.pan_back(now)),
            Command::PanForward => self.change_range(fx, |r, now| r.pan_forward(now)),
            Command::Live => self.change_range(fx, |r, _| r.to_live()),
            Command::Refresh => {
                if let View::Dashboard(i) = self.view {
                    self.refresh_dashboard(i, true, fx);
                }
                self.fetch_alerts(fx);
                self.fetch_incidents(fx);
            }
            Command::Focus(dir) => self.move_focus(dir),
            Command::PageUp | Command::PageDown => self.page(command == Command::PageDown),
            Command::Fullscreen => {
                if let View::Dashboard(i) = self.view {
                    let d = &mut self.dashboards[i];
                    if d.visible().contains(&d.focus) {
                        d.fullscreen = Some(Fullscreen {
                            panel: d.focus,
                            cursor: None,
                        });
                        // The panel is wider now: ask for more points.
                        self.refresh_dashboard(i, false, fx);
                    }
                }
            }
            Command::Variables => match self.active() {
                Some(d) if !d.def.variables.is_empty() => {
                    self.overlay = Some(Overlay::Variables { selected: 0 })
                }
                Some(_) => self.info("this dashboard has no template variables"),
                None => {}
            },
            Command::Cursor(m) => self.move_cursor(m),
            Command::Select(m) => self.select(m),
            Command::Choose => self.choose(fx),
            Command::Close => self.close(fx),
        }
    }

    fn error(&mut self, text: String) {
        self.message = Some(Message { text, error: true });
    }

    fn info(&mut self, text: &str) {
        self.message = Some(Message {
            text: text.to_string(),
            error: false,
        });
    }

    pub fn list(&self, kind: ViewKind) -> &ListState {
        match kind {
            ViewKind::Alerts => &self.triage.alerts_list,
            ViewKind::Silences => &self.triage.silences_list,
            ViewKind::Incidents => &self.triage.incidents_list,
        }
    }

    fn list_mut(&mut self, kind: ViewKind) -> &mut ListState {
        match kind {
            ViewKind::Alerts => &mut self.triage.alerts_list,
            ViewKind::Silences => &mut self.triage.silences_list,
            ViewKind::Incidents => &mut self.triage.incidents_list,
        }
    }

    /// Rows a list view shows with its filter applied.
    pub fn list_len(&self, kind: ViewKind) -> usize {
        super::view::triage::row_count(self, kind)
    }

    fn show(&mut self, view: View, fx: &mut Vec<Effect>) {
        if self.view == view {
            return;
        }
        if let View::Dashboard(old) = self.view {
            let d = &mut self.dashboards[old];
            if d.any_loading() {
                // Dashboards not on screen are not refreshed; their queries stop too.
                fx.push(Effect::CancelDashboard(old));
                d.cancel_in_flight();
            }
        }
        self.overlay = None;
        self.view = view;
        if let View::Dashboard(i) = view {
            let d = &self.dashboards[i];
            let unanswered = d
                .panels
                .iter()
                .any(|p| p.data.is_none() && p.error.is_none());
            if (d.range.is_live() && d.is_due(self.now_ms)) || d.replan || unanswered {
                self.refresh_dashboard(i, false, fx);
            }
        }
    }

    /// What `:` commands can complete to.
    pub fn candidates(&self) -> Candidates {
        Candidates {
            dashboards: self.dashboards.iter().map(|d| d.def.id.clone()).collect(),
            themes: self.themes.names(),
            contexts: self.contexts.clone(),
        }
    }

    fn submit_line(&mut self, mut line: LineInput, fx: &mut Vec<Effect>) {
        let fail = |app: &mut App, mut line: LineInput, error: String| {
            line.error = Some(error);
            app.overlay = Some(Overlay::CommandLine(line));
        };
        let command = match input::parse(&line.text) {
            Ok(c) => c,
            Err(e) => return fail(self, line, e),
        };
        match command {
            LineCommand::Dashboard(name) => match self.find_dashboard(&name) {
                Some(i) => self.show(View::Dashboard(i), fx),
                None => {
                    let ids: Vec<&str> =
                        self.dashboards.iter().map(|d| d.def.id.as_str()).collect();
                    fail(
                        self,
                        line,
                        format!("no dashboard `{name}`; known: {}", ids.join(", ")),
                    );
                }
            },
            LineCommand::Range(span) => {
                if self.active().is_none() {
                    return fail(
                        self,
                        line,
                        "ranges apply to dashboards; switch to one first".into(),
                    );
                }
                self.change_range(fx, |r, now| r.with_span(ms(span), now));
            }
            LineCommand::Context(name) => {
                if name == self.context.name {
                    self.info(&format!("already on context {name}"));
                } else if self.demo {
                    fail(
                        self,
                        line,
                        "the demo has only its own context; run without --demo to use yours".into(),
                    );
                } else if !self.contexts.is_empty() && !self.contexts.contains(&name) {
                    let known = self.contexts.join(", ");
                    fail(
                        self,
                        line,
                        format!("no context `{name}` in the config; known: {known}"),
                    );
                } else {
                    self.info(&format!("switching to context {name}…"));
                    fx.push(Effect::SwitchContext(name));
                }
            }
            LineCommand::Theme(name) => match self.themes.resolve(&name, self.depth) {
                Ok(theme) => {
                    self.theme = theme;
                    self.info(&format!("theme {name}"));
                }
                Err(e) => {
                    line.error = Some(e);
                    self.overlay = Some(Overlay::CommandLine(line));
                }
            },
            LineCommand::View(kind) => self.show(View::Triage(kind), fx),
            LineCommand::Live => self.run(Command::Live, fx),
            LineCommand::Refresh => self.run(Command::Refresh, fx),
            LineCommand::Help => self.run(Command::Help, fx),
            LineCommand::Quit => self.run(Command::Quit, fx),
        }
    }

    /// A dashboard by id, 1-based number, or a unique part of its id or title.
    fn find_dashboard(&self, name: &str) -> Option<usize> {
        if let Ok(n) = name.parse::<usize>() {
            return n.checked_sub(1).filter(|i| *i < self.dashboards.len());
        }
        if let Some(i) = self.dashboards.iter().position(|d| d.def.id == name) {
            return Some(i);
        }
        let needle = name.to_lowercase();
        let matches: Vec<usize> = (0..self.dashboards.len())
            .filter(|&i| {
                let d = &self.dashboards[i].def;
                d.id.contains(&needle) || d.title.to_lowercase().contains(&needle)
            })
            .collect();
        (matches.len() == 1).then(|| matches[0])
    }

    fn set_filter(&mut self, text: &str) {
        match self.view {
            View::Dashboard(i) => {
                let d = &mut self.dashboards[i];
                d.filter = text.to_string();
                d.scroll = 0;
                d.replan = true;
                let visible = d.visible();
                if !visible.contains(&d.focus) {
                    if let Some(first) = visible.first() {
                        d.focus = *first;
                    }
                }
            }
            View::Triage(kind) => {
                let list = self.list_mut(kind);
                list.filter = text.to_string();
                list.selected = 0;
            }
        }
    }

    fn change_range(&mut self, fx: &mut Vec<Effect>, f: impl FnOnce(&TimeRange, i64) -> TimeRange) {
        let View::Dashboard(i) = self.view else {
            self.info("time ranges apply to dashboards");
            return;
        };
        let now = self.now_ms;
        let d = &mut self.dashboards[i];
        let range = f(&d.range, now);
        if range == d.range {
            return;
        }
        d.range = range;
        if let Some(f) = d.fullscreen.as_mut() {
            f.cursor = None;
        }
        // The old window's answers are no use now.
        fx.push(Effect::CancelDashboard(i));
        d.cancel_in_flight();
        self.refresh_dashboard(i, false, fx);
    }

    fn move_focus(&mut self, dir: Direction) {
        let grid = self.grid_area();
        let Some(d) = self.active_mut() else { return };
        let layout = d.layout(grid.width, grid.height);
        if let Some(next) = layout::neighbour(&layout, d.focus, dir) {
            d.focus = next;
        } else if layout.rect_of(d.focus).is_none() {
            if let Some((first, _)) = layout.cells.first() {
                d.focus = *first;
            }
        }
        self.keep_focus_visible();
    }

    fn keep_focus_visible(&mut self) {
        let grid = self.grid_area();
        let Some(d) = self.active_mut() else { return };
        let layout = d.layout(grid.width, grid.height);
        if let Some(rect) = layout.rect_of(d.focus) {
            d.scroll = layout::scroll_to(d.scroll, rect, grid.height);
        }
        d.scroll = d.scroll.min(layout.height.saturating_sub(grid.height));
    }

    fn page(&mut self, down: bool) {
        match self.view {
            View::Dashboard(i) => {
                let grid = self.grid_area();
                let d = &mut self.dashboards[i];
                let layout = d.layout(grid.width, grid.height);
                let max = layout.height.saturating_sub(grid.height);
                d.scroll = if down {
                    d.scroll.saturating_add(grid.height).min(max)
                } else {
                    d.scroll.saturating_sub(grid.height)
                };
                // Focus the first panel that starts in view, so the next move starts here.
                let scroll = d.scroll;
                if let Some((first, _)) = layout
                    .cells
                    .iter()
                    .filter(|(_, r)| r.y >= scroll)
                    .min_by_key(|(_, r)| (r.y, r.x))
                {
                    d.focus = *first;
                }
            }
            View::Triage(kind) => {
                let rows = usize::from(self.main_area().height.saturating_sub(2)).max(1);
                let len = self.list_len(kind);
                let list = self.list_mut(kind);
                list.selected = if down {
                    (list.selected + rows).min(len.saturating_sub(1))
                } else {
                    list.selected.saturating_sub(rows)
                };
            }
        }
    }

    fn move_cursor(&mut self, m: CursorMove) {
        let main = self.main_area();
        let Some(d) = self.active_mut() else { return };
        let Some(full) = d.fullscreen.as_mut() else {
            return;
        };
        let Some(window) = d
            .panels
            .get(full.panel)
            .and_then(|p| p.data.as_ref())
            .map(|data| data.window)
        else {
            return;
        };
        let cols = i64::from(layout::plot_cells(PanelKind::Chart, main.width).max(1));
        let col_ms = (window.range_ms() / cols).max(1);
        let at = full.cursor.unwrap_or(window.end_ms);
        let target = match m {
            CursorMove::Left(n) => Some(at - i64::from(n) * col_ms),
            CursorMove::Right(n) => Some(at + i64::from(n) * col_ms),
            CursorMove::Start => Some(window.start_ms),
            CursorMove::End => None,
        };
        full.cursor = target.and_then(|t| {
            let t = t.clamp(window.start_ms, window.end_ms);
            // On a step, where the points are; at the end, follow the newest point.
            let snapped = window.start_ms
                + ((t - window.start_ms) + window.step_ms / 2) / window.step_ms.max(1)
                    * window.step_ms;
            (snapped < window.end_ms).then_some(snapped)
        });
    }

    fn select(&mut self, m: SelectMove) {
        let step = |selected: usize, len: usize| match m {
            SelectMove::Up => selected.saturating_sub(1),
            SelectMove::Down => (selected + 1).min(len.saturating_sub(1)),
            SelectMove::First => 0,
            SelectMove::Last => len.saturating_sub(1),
        };
        let len = match &self.overlay {
            Some(Overlay::Variables { .. }) => {
                self.active().map(|d| d.def.variables.len()).unwrap_or(0)
            }
            Some(Overlay::Values { variable, .. }) => self.value_options(*variable).len(),
            _ => 0,
        };
        match &mut self.overlay {
            Some(Overlay::Help { scroll }) => {
                *scroll = match m {
                    SelectMove::Up => scroll.saturating_sub(1),
                    SelectMove::Down => scroll.saturating_add(1),
                    SelectMove::First => 0,
                    SelectMove::Last => u16::MAX,
                };
            }
            Some(Overlay::Variables { selected }) | Some(Overlay::Values { selected, .. }) => {
                *selected = step(*selected, len);
            }
            _ => {
                if let View::Triage(kind) = self.view {
                    let len = self.list_len(kind);
                    let list = self.list_mut(kind);
                    list.selected = step(list.selected, len);
                }
            }
        }
    }

    /// The options of a variable's value picker: "All", then the values Prometheus knows.
    pub fn value_options(&self, variable: usize) -> Vec<String> {
        let mut out = vec!["All".to_string()];
        if let Some(Some(Choices::Loaded(values))) =
            self.active().and_then(|d| d.choices.get(variable))
        {
            out.extend(values.iter().cloned());
        }
        out
    }

    fn choose(&mut self, fx: &mut Vec<Effect>) {
        let View::Dashboard(i) = self.view else {
            return;
        };
        match self.overlay.clone() {
            Some(Overlay::Variables { selected }) => {
                let now = self.now_ms;
                let grid = self.grid_area();
                let opts = self.plan;
                let d = &mut self.dashboards[i];
                let Some(var) = d.def.variables.get(selected) else {
                    return;
                };
                if !matches!(d.choices[selected], Some(Choices::Loaded(_))) {
                    d.choices[selected] = Some(Choices::Loading);
                    // Values seen over the dashboard's range.
                    let window = d
                        .def
                        .panels
                        .first()
                        .map(|p| d.window_for(p, grid.width, now, &opts))
                        .map(|w| (w.start_ms, w.end_ms))
                        .unwrap_or((now - d.range.span_ms, now));
                    fx.push(Effect::FetchLabelValues {
                        dashboard: i,
                        variable: selected,
                        label: var.label_values.label.clone(),
                        selector: var.label_values.selector.clone(),
                        start_ms: window.0,
                        end_ms: window.1,
                    });
                }
                self.overlay = Some(Overlay::Values {
                    variable: selected,
                    selected: 0,
                });
            }
            Some(Overlay::Values { variable, selected }) => {
                let options = self.value_options(variable);
                let Some(choice) = options.get(selected) else {
                    return;
                };
                let value = if selected == 0 {
                    VarValue::All
                } else {
                    VarValue::Value(choice.clone())
                };
                let d = &mut self.dashboards[i];
                let Some(name) = d.def.variables.get(variable).map(|v| v.name.clone()) else {
                    return;
                };
                self.overlay = None;
                if d.values.get(&name) == Some(&value) {
                    return;
                }
                d.values.insert(name, value);
                fx.push(Effect::CancelDashboard(i));
                d.cancel_in_flight();
                self.refresh_dashboard(i, false, fx);
            }
            _ => {}
        }
    }

    fn close(&mut self, fx: &mut Vec<Effect>) {
        match self.overlay.take() {
            Some(Overlay::Values { variable, .. }) => {
                self.overlay = Some(Overlay::Variables { selected: variable });
            }
            Some(_) => {}
            None => match self.view {
                View::Dashboard(i) => {
                    let d = &mut self.dashboards[i];
                    if d.fullscreen.take().is_some() {
                        self.refresh_dashboard(i, false, fx);
                        self.keep_focus_visible();
                    } else if !d.filter.is_empty() {
                        self.set_filter("");
                    }
                }
                View::Triage(kind) => {
                    if !self.list(kind).filter.is_empty() {
                        self.set_filter("");
                    }
                }
            },
        }
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
    }

    /// Ask for the panels of dashboard `i` whose window moved (all of them when `force`).
    fn refresh_dashboard(&mut self, i: usize, force: bool, fx: &mut Vec<Effect>) {
        if self.prometheus.is_none() {
            return;
        }
        let grid = self.grid_area();
        let main = self.main_area();
        let now = self.now_ms;
        let opts = self.plan;
        let requests = self.dashboards[i].plan_refresh(i, grid, main.width, now, force, &opts);
        fx.extend(requests.into_iter().map(Effect::FetchPanel));
    }

    fn fetch_alerts(&mut self, fx: &mut Vec<Effect>) {
        if self.triage.health.is_empty() {
            return;
        }
        self.triage.generation += 1;
        self.triage.next_alerts_ms = self.now_ms + ms(self.alerts_refresh);
        fx.push(Effect::FetchAlerts {
            generation: self.triage.generation,
        });
    }

    fn fetch_incidents(&mut self, fx: &mut Vec<Effect>) {
        if self.triage.pagerduty.is_none() {
            return;
        }
        self.triage.incidents_generation += 1;
        self.triage.next_incidents_ms = self.now_ms + ms(self.incidents_refresh);
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
mod tests;
