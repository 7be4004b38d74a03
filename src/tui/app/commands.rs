//! Keys and the commands they run: switching views, the command line, filters, zoom and
//! pan, moving between panels, the full-screen cursor, lists and pickers.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::dashboard::Fullscreen;
use super::triage::ListState;
use super::{ms, App, Message, Overlay, View};
use crate::dashboards::model::PanelKind;
use crate::tui::action::Effect;
use crate::tui::command::{Command, CursorMove, Direction, SelectMove, ViewKind};
use crate::tui::input::{self, Candidates, InputOutcome, LineCommand, LineInput};
use crate::tui::keymap::{Key, Mode};
use crate::tui::layout;
use crate::tui::time_range::TimeRange;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        // With the keys, the pane's program gets all of them but the prefix.
        if self.pane_key(&key, fx) {
            return;
        }
        let Some(k) = Key::from_event(&key) else {
            return;
        };
        // Esc then a key in one read (fast typing, or a slow link batching them) arrives as
        // alt-key. Unless alt-key is bound, it means what was typed: Esc, then the key.
        if let KeyCode::Char(c) = k.code {
            if k.modifiers == KeyModifiers::ALT && self.keymap.lookup(self.mode(), k).is_none() {
                self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), fx);
                self.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), fx);
                return;
            }
        }
        self.message = None;
        self.dirty = true;
        match self.overlay.take() {
            Some(Overlay::Silence(form)) => return self.form_key(*form, &key),
            Some(Overlay::Confirm(confirm)) => return self.confirm_key(*confirm, &key, fx),
            Some(Overlay::ConfirmRun(confirm)) => return self.confirm_run_key(*confirm, &key, fx),
            Some(Overlay::Inspect {
                dashboard,
                panel,
                scroll,
            }) => return self.inspect_key(dashboard, panel, scroll, &key, fx),
            Some(Overlay::Note { incident, input }) => return self.note_key(incident, input, &key),
            Some(Overlay::Snooze { incident }) => return self.snooze_key(incident, &key),
            Some(Overlay::Extend(silence)) => return self.extend_key(*silence, &key),
            Some(Overlay::PickIncident {
                choices,
                selected,
                alert,
            }) => return self.pick_key(choices, selected, alert, &key, fx),
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
                    InputOutcome::Cancel => {
                        self.set_filter("");
                    }
                    InputOutcome::Edited => {
                        line.error = self.set_filter(&line.text);
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
                if !matches!(k.code, KeyCode::Char(_)) {
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
        if self.mode() == Mode::Runbook && self.runbook_command(command, fx) {
            return;
        }
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
            Command::Sort(key) => self.sort_by(key, None),
            Command::Mark => self.toggle_mark(),
            Command::Inspect => self.inspect_focused(),
            Command::Legend(m) => self.legend(m),
            Command::Note => self.open_note(),
            Command::Snooze => self.open_snooze(),
            Command::Close => self.close(fx),
            Command::ToggleGrouping => match self.view {
                View::Triage(ViewKind::Alerts) => self.triage.toggle_grouping(),
                _ => self.info("grouping applies to the alerts view"),
            },
            Command::OpenLinked => self.open_linked(fx),
            Command::Silence => self.open_silence_form(),
            Command::Expire => self.expire_selected(),
            Command::Extend => self.extend_selected(),
            Command::Ack => self.acknowledge(fx),
            Command::Resolve => self.resolve_selected(),
            Command::ShowUrl => self.show_url(fx),
            Command::Mine => self.toggle_mine(),
            Command::Runbook => self.open_runbook(fx),
            Command::Shell
            | Command::PaneFocus
            | Command::PaneKill
            | Command::PaneClose
            | Command::PaneScrollUp
            | Command::PaneScrollDown => self.pane_command(command, fx),
            // Outside the runbook these have nothing to act on.
            Command::NextStep | Command::PrevStep | Command::RunStep | Command::Scroll(_) => {}
        }
    }

    pub(super) fn error(&mut self, text: String) {
        self.message = Some(Message { text, error: true });
    }

    pub(super) fn info(&mut self, text: &str) {
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

    pub(super) fn list_mut(&mut self, kind: ViewKind) -> &mut ListState {
        match kind {
            ViewKind::Alerts => &mut self.triage.alerts_list,
            ViewKind::Silences => &mut self.triage.silences_list,
            ViewKind::Incidents => &mut self.triage.incidents_list,
        }
    }

    /// Rows a list view shows with its filter applied.
    pub fn list_len(&self, kind: ViewKind) -> usize {
        match kind {
            ViewKind::Alerts => self.triage.rows.len(),
            _ => crate::tui::app::rows::row_count(self, kind),
        }
    }

    /// Dashboards and panels that link the alert name, in dashboard order.
    pub fn linked_panels(&self, alertname: &str) -> Vec<(usize, usize)> {
        self.dashboards
            .iter()
            .enumerate()
            .flat_map(|(d, state)| {
                state
                    .def
                    .panels
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.alerts.iter().any(|a| a == alertname))
                    .map(move |(p, _)| (d, p))
            })
            .collect()
    }

    /// Jump from the selected alert to the first dashboard panel linked to it.
    fn open_linked(&mut self, fx: &mut Vec<Effect>) {
        if self.view != View::Triage(ViewKind::Alerts) {
            return;
        }
        let Some(name) = self
            .triage
            .selected_entry()
            .map(|e| e.alert.alertname().to_string())
        else {
            return;
        };
        match self.linked_panels(&name).first() {
            Some(&(d, panel)) => {
                self.show(View::Dashboard(d), fx);
                self.dashboards[d].focus = panel;
                self.keep_focus_visible();
            }
            None => self.info(&format!(
                "no dashboard panel links {}",
                crate::sanitize::one_line(&name)
            )),
        }
    }

    pub(super) fn show(&mut self, view: View, fx: &mut Vec<Effect>) {
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
        if self.view == View::Triage(ViewKind::Alerts) {
            self.triage.mark_seen();
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
            labels: self.label_names(),
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
            LineCommand::Sort(key, reverse) => self.sort_by(key, reverse),
            LineCommand::GroupBy(grouping) => self.group_by(grouping, fx),
            LineCommand::Clock(utc) => self.set_clock(utc),
            LineCommand::Query(expr) => {
                if let Err(e) = self.explore(&expr, fx) {
                    fail(self, line, e);
                }
            }
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

    /// Apply a filter to the view; returns why the text is not a valid filter.
    fn set_filter(&mut self, text: &str) -> Option<String> {
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
            View::Triage(ViewKind::Alerts) => return self.triage.set_alert_filter(text),
            // The selected silence or incident stays selected while the filter shows it.
            View::Triage(kind) => self.keeping_selection(|app| {
                let list = app.list_mut(kind);
                list.filter = text.to_string();
                list.selected = 0;
            }),
        }
        None
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

    pub(super) fn keep_focus_visible(&mut self) {
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
                if kind == ViewKind::Alerts {
                    self.triage.remember_alert_selection();
                }
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

    pub(super) fn select(&mut self, m: SelectMove) {
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
                    if kind == ViewKind::Alerts {
                        self.triage.remember_alert_selection();
                    }
                }
            }
        }
    }

    /// The options of a variable's value picker: "All", then the values Prometheus knows.
    fn choose(&mut self, fx: &mut Vec<Effect>) {
        if self.view == View::Triage(ViewKind::Alerts) && self.overlay.is_none() {
            self.triage.toggle_group();
            return;
        }
        if self.view == View::Triage(ViewKind::Silences) && self.overlay.is_none() {
            self.edit_selected();
            return;
        }
        if self.view == View::Triage(ViewKind::Incidents) && self.overlay.is_none() {
            self.open_incident_detail(fx);
            return;
        }
        let View::Dashboard(i) = self.view else {
            return;
        };
        match self.overlay.clone() {
            Some(Overlay::Variables { selected }) => self.open_values(i, selected, fx),
            Some(Overlay::Values { variable, selected }) => {
                self.choose_value(i, variable, selected, fx)
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
                    // Marks go first: they are what a slip of esc would cost most.
                    if !self.clear_marks()
                        && !self.close_incident_detail()
                        && !self.list(kind).filter.is_empty()
                    {
                        self.set_filter("");
                    }
                }
            },
        }
    }
}
