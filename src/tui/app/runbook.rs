//! The runbook beside an alert: `r` opens it for the alert under the cursor (its labels are
//! captured then, so a list refresh cannot change which alert a step runs for), the runtime
//! loads it off the UI thread, and `x` on a step plans its argv, shows it, and only `y` sends
//! it to the pane. Nothing here spawns anything.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use url::Url;

use super::{App, Message, Overlay, Preferences, View};
use crate::runbooks::fill::ForAlert;
use crate::runbooks::render::{render, Options, Rendered, Styles};
use crate::runbooks::{self, LoadError, Loaded, Lookup, Origin, Plan, ValuePolicy};
use crate::sanitize::one_line;
use crate::tui::action::{Effect, PaneRequest};
use crate::tui::command::{Command, ScrollMove, ViewKind};

/// The runbook settings the session uses (config `runbook_*`).
#[derive(Debug, Clone, Default)]
pub struct RunbookPrefs {
    /// Team runbook checkouts, searched before the shipped runbooks.
    pub dirs: Vec<PathBuf>,
    /// Hosts whose http(s) runbook links may be fetched.
    pub allowed_hosts: Vec<String>,
    /// What a label value must look like to go into a step.
    pub policy: ValuePolicy,
    /// `${prometheus_url}` and `${alertmanager_url}`: the context's backends.
    pub urls: BTreeMap<String, String>,
}

impl OpenRunbook {
    /// Rows above the text: the title, and the line about a link not fetched.
    pub fn header_rows(&self) -> u16 {
        match self.loaded() {
            Some(l) if l.unfetched.is_some() => 2,
            _ => 1,
        }
    }
}

impl App {
    /// Where the runbook's text goes on screen now (the app scrolls and pages with it).
    pub fn runbook_text_area(&self) -> ratatui::layout::Rect {
        let main = self.main_area();
        let body = ratatui::layout::Rect {
            y: main.y + 1,
            height: main.height.saturating_sub(1),
            ..main
        };
        let (_, pane) = crate::tui::layout::runbook_split(body);
        let header = self
            .runbook
            .open
            .as_ref()
            .map_or(1, OpenRunbook::header_rows);
        crate::tui::layout::runbook_text(pane, header)
    }
}

impl Preferences {
    /// Where the runtime looks for a runbook.
    pub fn runbook_lookup(&self) -> Lookup {
        Lookup {
            dirs: self.runbooks.dirs.clone(),
            annotation_keys: self.runbook_keys.clone(),
            allowed_hosts: self.runbooks.allowed_hosts.clone(),
        }
    }
}

/// The open runbook, if any, and the generation of the last load asked for (it only rises,
/// so an answer for a runbook closed or replaced since is recognised and dropped).
#[derive(Debug, Clone, Default)]
pub struct RunbookPane {
    pub open: Option<OpenRunbook>,
    pub generation: u64,
}

/// A runbook opened for one alert.
#[derive(Debug, Clone)]
pub struct OpenRunbook {
    pub generation: u64,
    pub alertname: String,
    /// The alert's labels when `r` was pressed: steps are planned with these.
    pub labels: BTreeMap<String, String>,
    pub load: RunbookLoad,
    /// The first line shown.
    pub scroll: usize,
    /// The highlighted step (1-based).
    pub selected: Option<usize>,
}

#[derive(Debug, Clone)]
pub enum RunbookLoad {
    Loading,
    Ready(Box<Loaded>),
    Failed(LoadError),
}

impl OpenRunbook {
    pub fn loaded(&self) -> Option<&Loaded> {
        match &self.load {
            RunbookLoad::Ready(loaded) => Some(loaded),
            _ => None,
        }
    }

    /// The link to offer for copying: the one not fetched, or the one fetched.
    pub fn link(&self) -> Option<&Url> {
        match &self.load {
            RunbookLoad::Ready(loaded) => match &loaded.found.origin {
                Origin::Remote { url, .. } => Some(url),
                _ => loaded.unfetched.as_ref(),
            },
            RunbookLoad::Failed(LoadError::NotAllowed { url, .. }) => Some(url),
            _ => None,
        }
    }

    /// The runbook laid out `width` cells wide with the selection highlighted and the steps
    /// filled with this alert's labels as `prefs`' policy allows.
    pub fn layout(&self, width: u16, styles: &Styles, prefs: &Preferences) -> Option<Rendered> {
        let options = Options {
            width,
            selected: self.selected,
            ascii: prefs.ascii,
            alert: Some(ForAlert {
                labels: &self.labels,
                policy: &prefs.runbooks.policy,
            }),
        };
        self.loaded().map(|l| render(&l.runbook, styles, &options))
    }

    /// What the pane's title calls the runbook: its file name.
    pub fn file_name(&self) -> String {
        let Some(loaded) = self.loaded() else {
            return format!("{}.md", runbooks::kebab_case(&self.alertname));
        };
        let name = match &loaded.found.origin {
            Origin::Annotation { path, .. } | Origin::Dir(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            Origin::Shipped { stem } => format!("{stem}.md"),
            Origin::Remote { url, .. } => url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| url.host_str().unwrap_or("runbook"))
                .to_string(),
        };
        one_line(&name)
    }
}

/// A planned step waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmRun {
    /// What will run, line by line, already sanitized.
    pub lines: Vec<String>,
    pub plan: Plan,
    pub title: String,
    pub alertname: String,
}

impl App {
    /// Whether the runbook pane has the keys: it is open, the alerts view is on screen and
    /// nothing sits on top.
    pub fn runbook_shown(&self) -> bool {
        self.runbook.open.is_some() && self.view == View::Triage(ViewKind::Alerts)
    }

    /// `r`: the runbook of the alert under the cursor. In views without alerts `r` keeps its
    /// old meaning, refresh.
    pub(super) fn open_runbook(&mut self, fx: &mut Vec<Effect>) {
        if self.view != View::Triage(ViewKind::Alerts) {
            return self.run(Command::Refresh, fx);
        }
        let Some(alert) = self.triage.selected_entry().map(|e| (*e.alert).clone()) else {
            self.message = Some(Message {
                text: "select an alert to open its runbook".into(),
                error: false,
            });
            return;
        };
        self.runbook.generation += 1;
        let generation = self.runbook.generation;
        let alertname = alert.alertname().to_string();
        fx.push(Effect::LoadRunbook {
            generation,
            alertname: alertname.clone(),
            labels: alert.labels.clone(),
            annotations: alert.annotations,
        });
        self.runbook.open = Some(OpenRunbook {
            generation,
            alertname,
            labels: crate::runbooks::context_urls::with_context_urls(
                alert.labels,
                &self.prefs.runbooks.urls,
            ),
            load: RunbookLoad::Loading,
            scroll: 0,
            selected: None,
        });
    }

    /// The loader's answer: kept only for the runbook still open for that request.
    pub(super) fn on_runbook_loaded(&mut self, generation: u64, result: Result<Loaded, LoadError>) {
        let Some(open) = self.runbook.open.as_mut() else {
            return;
        };
        if open.generation != generation {
            return;
        }
        // It opens at the top, with no step selected: the meaning comes before the commands,
        // and `n` goes to the first step.
        open.load = match result {
            Ok(loaded) => RunbookLoad::Ready(Box::new(loaded)),
            Err(e) => RunbookLoad::Failed(e),
        };
        open.selected = None;
        open.scroll = 0;
        self.dirty = true;
    }

    /// Commands while the runbook has the keys. Returns whether the command was the
    /// runbook's; the rest (quit, help, views) run as anywhere else.
    pub(super) fn runbook_command(&mut self, command: Command, fx: &mut Vec<Effect>) -> bool {
        if !self.runbook_shown() {
            return false;
        }
        let (width, height) = self.runbook_text_size();
        match command {
            Command::Close => self.runbook.open = None,
            Command::Scroll(m) => self.scroll_runbook(m, width, height),
            Command::PageUp => self.scroll_by(-(height as isize), width, height),
            Command::PageDown => self.scroll_by(height as isize, width, height),
            Command::NextStep => self.select_step(true, width, height),
            Command::PrevStep => self.select_step(false, width, height),
            Command::RunStep => self.plan_selected_step(),
            Command::ShowUrl => self.offer_runbook_link(fx),
            _ => return false,
        }
        self.dirty = true;
        true
    }

    /// Width and height of the runbook's text on screen now.
    fn runbook_text_size(&self) -> (u16, usize) {
        let area = self.runbook_text_area();
        (area.width, usize::from(area.height).max(1))
    }

    fn scroll_runbook(&mut self, m: ScrollMove, width: u16, height: usize) {
        match m {
            ScrollMove::Up => self.scroll_by(-1, width, height),
            ScrollMove::Down => self.scroll_by(1, width, height),
            ScrollMove::Top => self.scroll_by(isize::MIN / 2, width, height),
            ScrollMove::Bottom => self.scroll_by(isize::MAX / 2, width, height),
        }
    }

    fn scroll_by(&mut self, delta: isize, width: u16, height: usize) {
        let Some(open) = self.runbook.open.as_mut() else {
            return;
        };
        let total = open
            .layout(width, &Styles::default(), &self.prefs)
            .map_or(0, |r| r.lines.len());
        let max = total.saturating_sub(height);
        open.scroll = open.scroll.saturating_add_signed(delta).min(max);
    }

    /// `n`/`p`: the next or previous step, scrolled into view with a line of context above.
    fn select_step(&mut self, forward: bool, width: u16, height: usize) {
        let Some(open) = self.runbook.open.as_mut() else {
            return;
        };
        let Some(count) = open.loaded().map(|l| l.runbook.steps.len()) else {
            return;
        };
        if count == 0 {
            self.message = Some(Message {
                text: "this runbook has no commands to run".into(),
                error: false,
            });
            return;
        }
        open.selected = Some(match (open.selected, forward) {
            (None, _) => 1,
            (Some(n), true) => (n + 1).min(count),
            (Some(n), false) => n.saturating_sub(1).max(1),
        });
        let Some(rendered) = open.layout(width, &Styles::default(), &self.prefs) else {
            return;
        };
        let Some(rows) = open.selected.and_then(|n| rendered.steps.get(n - 1)) else {
            return;
        };
        // All of the step's rows (wrapped lines and notes) when they fit, its first always.
        let context = 2.min(height.saturating_sub(1));
        if rows.start < open.scroll + context {
            open.scroll = rows.start.saturating_sub(context);
        } else if rows.end > open.scroll + height {
            open.scroll = (rows.end - height).min(rows.start);
        }
    }

    /// `x`: plan the selected step with the captured labels and ask; a refused value stops
    /// here with the reason.
    fn plan_selected_step(&mut self) {
        if self.refuse_write(super::readonly::STEP_NOT_RUN) {
            return;
        }
        let Some(open) = self.runbook.open.as_ref() else {
            return;
        };
        let Some(loaded) = open.loaded() else {
            return self.error("the runbook is not loaded; nothing to run".into());
        };
        let Some(step) = open.selected.and_then(|n| loaded.runbook.step(n)) else {
            return self.error("select a step first (n / p)".into());
        };
        let number = step.number;
        let plan = match runbooks::plan(&step.command, &open.labels, &self.prefs.runbooks.policy) {
            Ok(plan) => plan,
            Err(e) => {
                return self.error(format!(
                    "step {number} not run: {}",
                    one_line(&e.to_string())
                ))
            }
        };
        let file = open.file_name();
        let alertname = open.alertname.clone();
        let mut lines = vec![
            format!(
                "Run step {number} of {file} for {} in the pane:",
                one_line(&alertname)
            ),
            String::new(),
            format!("  {}", one_line(&plan.display())),
            String::new(),
        ];
        if plan.shell {
            lines.push(
                "It needs a shell: the script runs with sh -c, and the label values reach it"
                    .into(),
            );
            lines.push("only as these environment variables, never inside its text:".into());
            lines.extend(
                plan.env
                    .iter()
                    .map(|(k, v)| format!("  {}={}", one_line(k), one_line(v))),
            );
        } else {
            lines.push("Each label value is one whole argument; no shell is involved.".into());
        }
        self.overlay = Some(Overlay::ConfirmRun(Box::new(ConfirmRun {
            lines,
            plan,
            title: format!("{file} step {number}"),
            alertname,
        })));
    }

    /// A key while a step waits for confirmation: `y` runs it, anything else cancels.
    pub(super) fn confirm_run_key(
        &mut self,
        confirm: ConfirmRun,
        key: &KeyEvent,
        fx: &mut Vec<Effect>,
    ) {
        match key.code {
            // A step confirmed before a switch to a read-only context does not run either.
            KeyCode::Char('y') | KeyCode::Char('Y')
                if self.refuse_write(super::readonly::STEP_NOT_RUN) => {}
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.message = Some(Message {
                    text: format!("running {} in the pane", confirm.title),
                    error: false,
                });
                fx.push(Effect::RunInPane(PaneRequest::Step {
                    plan: confirm.plan,
                    title: confirm.title,
                    alertname: confirm.alertname,
                }));
            }
            _ => {
                self.message = Some(Message {
                    text: "not run".into(),
                    error: false,
                })
            }
        }
    }

    /// `u` on the runbook: its link to the clipboard (OSC 52) or the status line.
    fn offer_runbook_link(&mut self, fx: &mut Vec<Effect>) {
        let Some(url) = self
            .runbook
            .open
            .as_ref()
            .and_then(|o| o.link())
            .map(|u| one_line(u.as_str()))
        else {
            self.message = Some(Message {
                text: "this runbook has no link; it was read from a local file".into(),
                error: false,
            });
            return;
        };
        let text = if self.prefs.osc52 {
            fx.push(Effect::Copy(url.clone()));
            format!("copied {url} (OSC 52)")
        } else {
            format!("{url}  (to copy with a key, set [ui] osc52 = true)")
        };
        self.message = Some(Message { text, error: false });
    }
}
