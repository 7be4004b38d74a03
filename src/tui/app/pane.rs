//! The embedded terminal pane as the app sees it: what runs, whether it has ended, who has
//! the keys, how far it is scrolled back. The program itself lives in the runtime's pane
//! host; `update` only reads its screen (for the key encoder's modes) and sends keys, pastes,
//! resizes and kills out as effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::{App, Message, Overlay};
use crate::pty::{encode_key, encode_paste, Exit, ScreenHandle, ScrollPos};
use crate::tui::action::{Action, Effect, PaneEvent, PaneRequest};
use crate::tui::command::{Command, ScrollMove};
use crate::tui::keymap::{Key, Mode};
use crate::tui::widgets::term_pane::inner_size;

/// The share of the body (in percent) the pane takes, below the view.
const PANE_PERCENT: u16 = 45;
/// The pane never gets fewer rows than this (frame included) while the body has them.
const PANE_MIN_ROWS: u16 = 4;
/// The prefix key when the keymap binds none to `pane-focus`.
const DEFAULT_PREFIX: Key = Key {
    code: KeyCode::Char('g'),
    modifiers: KeyModifiers::CONTROL,
};

/// The program in the pane.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneState {
    /// The host's session id: news about other sessions is dropped.
    pub id: u64,
    pub screen: ScreenHandle,
    /// What runs, for the frame (already sanitized when drawn).
    pub title: String,
    /// The argv as it was confirmed.
    pub argv: String,
    /// `!`'s shell rather than a runbook step.
    pub shell: bool,
    pub started_ms: i64,
    /// How it ended and when.
    pub ended: Option<(Exit, i64)>,
    /// Keys go to the program (the prefix key toggles).
    pub focused: bool,
    /// Where the view is in the scrollback (it stays on its lines while output arrives).
    pub scroll: ScrollPos,
    /// `K` was pressed: the next key answers "kill it?".
    pub confirm_kill: bool,
    /// The size the program was last given (rows, cols).
    pub size: (u16, u16),
}

impl PaneState {
    pub fn running(&self) -> bool {
        self.ended.is_none()
    }
}

/// The body split into the view (top) and the pane (bottom ~45%).
pub fn split(main: Rect) -> (Rect, Rect) {
    let pane = (main.height * PANE_PERCENT / 100)
        .max(PANE_MIN_ROWS)
        .min(main.height);
    let view = Rect {
        height: main.height - pane,
        ..main
    };
    let pane = Rect {
        y: main.y + view.height,
        height: pane,
        ..main
    };
    (view, pane)
}

/// `3s`, `2m05s`, `1h02m`: how long something ran.
impl App {
    /// The body (between tab bar and status line) without the pane.
    pub(super) fn body_without_pane(&self, main: Rect) -> Rect {
        match self.pane {
            Some(_) => split(main).0,
            None => main,
        }
    }

    /// Where the pane is drawn, when there is one.
    pub fn pane_area(&self) -> Option<Rect> {
        let main = crate::tui::layout::screen(Rect::new(0, 0, self.width, self.height)).main;
        self.pane.as_ref().map(|_| split(main).1)
    }

    /// Rows and columns inside the pane's frame (what a program started now is given).
    pub fn pane_inner_size(&self) -> (u16, u16) {
        let main = crate::tui::layout::screen(Rect::new(0, 0, self.width, self.height)).main;
        inner_size(split(main).1)
    }

    /// The key that moves the keys between the pane and oncall.
    pub fn pane_prefix(&self) -> Key {
        self.keymap
            .keys_for(Mode::Pane, Command::PaneFocus)
            .first()
            .copied()
            .unwrap_or(DEFAULT_PREFIX)
    }

    /// "esc closes the pane", with the key the keymap binds.
    fn close_hint(&self) -> String {
        match self.keymap.keys_for(Mode::Pane, Command::PaneClose).first() {
            Some(k) => format!("{k} closes the pane"),
            None => "the pane stays until another program runs".into(),
        }
    }

    /// A key while a pane is open. Returns whether the pane took it: with focus every key
    /// but the prefix goes to the program; without, only the `[pane]` keys are the pane's.
    pub(super) fn pane_key(&mut self, key: &KeyEvent, fx: &mut Vec<Effect>) -> bool {
        let Some(k) = Key::from_event(key) else {
            return false;
        };
        let prefix = self.pane_prefix();
        let Some(pane) = self.pane.as_mut() else {
            return false;
        };
        if pane.focused {
            self.dirty = true;
            if k == prefix {
                pane.focused = false;
                // "keys go to the pane" no longer holds.
                self.message = None;
                return true;
            }
            if let Some(bytes) = encode_key(key, pane.screen.application_cursor()) {
                // Typing shows the live screen again, as terminals do.
                pane.scroll = ScrollPos::LIVE;
                fx.push(Effect::PaneInput(bytes));
            }
            return true;
        }
        if self.overlay.is_some() {
            return false;
        }
        if pane.confirm_kill {
            pane.confirm_kill = false;
            self.dirty = true;
            if k == Key::plain('y') && pane.running() {
                fx.push(Effect::PaneKill);
                self.message = Some(Message {
                    text: "killing… (SIGHUP, then SIGKILL if it does not end)".into(),
                    error: false,
                });
            } else {
                self.message = Some(Message {
                    text: "not killed".into(),
                    error: false,
                });
            }
            return true;
        }
        let Some(command) = self
            .keymap
            .bindings(Mode::Pane)
            .iter()
            .find(|(bound, _)| *bound == k)
            .map(|(_, c)| *c)
        else {
            return false;
        };
        // Close is the pane's only once its program has ended; until then `esc` keeps
        // meaning what it means in the view.
        if command == Command::PaneClose && pane.running() {
            return false;
        }
        self.message = None;
        self.pane_command(command, fx);
        true
    }

    /// The pane's commands (from its keys, or run directly).
    pub(super) fn pane_command(&mut self, command: Command, fx: &mut Vec<Effect>) {
        self.dirty = true;
        if command == Command::Shell {
            return self.open_shell(fx);
        }
        let prefix = self.pane_prefix();
        let close = self.close_hint();
        let Some(pane) = self.pane.as_mut() else {
            return self.error("no pane is open; ! opens a shell in one".into());
        };
        match command {
            Command::PaneFocus | Command::PaneKill if !pane.running() => {
                self.message = Some(Message {
                    text: format!(
                        "the program has ended ({}); {close}",
                        pane.ended
                            .as_ref()
                            .map(|(e, _)| e.to_string())
                            .unwrap_or_default()
                    ),
                    error: false,
                })
            }
            Command::PaneFocus => {
                pane.focused = true;
                pane.confirm_kill = false;
            }
            Command::PaneKill => {
                pane.confirm_kill = true;
                self.message = Some(Message {
                    text: format!("kill {}? y/n", crate::sanitize::one_line(&pane.argv)),
                    error: true,
                });
            }
            Command::PaneClose if pane.running() => {
                self.message = Some(Message {
                    text: format!(
                        "the program is still running; K kills it, {prefix} gives it the keys"
                    ),
                    error: false,
                })
            }
            Command::PaneClose => {
                self.pane = None;
                fx.push(Effect::PaneClose);
                self.layout_changed();
            }
            Command::PaneScrollUp | Command::PaneScrollDown => {
                let step = isize::try_from(pane.size.0 / 2).unwrap_or(1).max(1);
                let lines = if command == Command::PaneScrollUp {
                    step
                } else {
                    -step
                };
                pane.scroll = pane.scroll.by(lines, pane.screen.extent());
            }
            // `[pane]` binds these to a line at a time, the oldest line kept, and live.
            Command::Scroll(ScrollMove::Up) => {
                pane.scroll = pane.scroll.by(1, pane.screen.extent())
            }
            Command::Scroll(ScrollMove::Down) => {
                pane.scroll = pane.scroll.by(-1, pane.screen.extent())
            }
            Command::Scroll(ScrollMove::Top) => pane.scroll = ScrollPos::top(pane.screen.extent()),
            Command::Scroll(ScrollMove::Bottom) => pane.scroll = ScrollPos::LIVE,
            _ => {}
        }
    }

    /// `!`: a shell in the pane, unless a program is still running there.
    fn open_shell(&mut self, fx: &mut Vec<Effect>) {
        if self.pane.as_ref().is_some_and(|p| p.running()) {
            return self.on_pane(PaneEvent::Busy, fx);
        }
        // Help would sit over the shell's first prompt.
        if matches!(self.overlay, Some(Overlay::Help { .. })) {
            self.overlay = None;
        }
        fx.push(Effect::RunInPane(PaneRequest::Shell));
    }

    /// News from the pane host.
    pub(super) fn on_pane(&mut self, event: PaneEvent, fx: &mut Vec<Effect>) {
        match event {
            PaneEvent::Started {
                id,
                screen,
                title,
                argv,
                shell,
                size,
            } => {
                let had_pane = self.pane.is_some();
                self.pane = Some(PaneState {
                    id,
                    screen,
                    title,
                    argv,
                    shell,
                    started_ms: self.now_ms,
                    ended: None,
                    // The user just asked for it: its prompt or question wants the keys.
                    focused: true,
                    scroll: ScrollPos::LIVE,
                    confirm_kill: false,
                    size,
                });
                let prefix = self.pane_prefix();
                self.message = Some(Message {
                    text: format!("keys go to the pane; {prefix} switches back to oncall"),
                    error: false,
                });
                if !had_pane {
                    self.layout_changed();
                }
                self.pane_layout_changed(fx);
            }
            PaneEvent::Output { id } => {
                if self.pane.as_ref().is_some_and(|p| p.id == id) {
                    self.dirty = true;
                }
            }
            PaneEvent::Exited {
                id,
                exit,
                journal_error,
            } => {
                let now = self.now_ms;
                let close = self.close_hint();
                let Some(pane) = self.pane.as_mut().filter(|p| p.id == id) else {
                    return;
                };
                let took = crate::tui::widgets::run_time(now - pane.started_ms);
                // How it ended first: a long argv would push it off the status line.
                let error = !exit.success() && !pane.shell;
                // A failed step says why, where the code's meaning is known.
                let program = shlex::split(&pane.argv)
                    .and_then(|w| w.into_iter().next())
                    .unwrap_or_default();
                let why = match (error, exit.signal.is_none()) {
                    (true, true) => crate::runbooks::exit_reason::explain(&program, exit.code)
                        .map(|w| format!(" ({w})"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let text = format!(
                    "{exit}{why} after {took}; {close} · {}",
                    crate::sanitize::one_line(&pane.title)
                );
                pane.ended = Some((exit, now));
                // Keys to a program that is gone would vanish: give them back to oncall.
                pane.focused = false;
                pane.confirm_kill = false;
                self.message = Some(Message { text, error });
                if let Some(e) = journal_error {
                    self.error(crate::sanitize::one_line(&e));
                }
                self.dirty = true;
            }
            PaneEvent::Busy => {
                let argv = self
                    .pane
                    .as_ref()
                    .map(|p| crate::sanitize::one_line(&p.argv))
                    .unwrap_or_else(|| "a program".into());
                let prefix = self.pane_prefix();
                let kill = self
                    .keymap
                    .keys_for(Mode::Pane, Command::PaneKill)
                    .first()
                    .map(|k| format!("{k} kills it, "))
                    .unwrap_or_default();
                self.error(format!(
                    "nothing was run: {argv} is still running in the pane ({kill}{prefix} gives it the keys)"
                ));
            }
            PaneEvent::Failed(text) => self.error(crate::sanitize::one_line(&text)),
        }
    }

    /// Pasted text: to the program when the pane has the keys (bracketed if it asked), into
    /// a text field when one is open, else nowhere (a paste must not run commands).
    pub(super) fn on_paste(&mut self, text: String, fx: &mut Vec<Effect>) {
        if let Some(pane) = self.pane.as_mut().filter(|p| p.focused) {
            pane.scroll = ScrollPos::LIVE;
            fx.push(Effect::PaneInput(encode_paste(
                &text,
                pane.screen.bracketed_paste(),
            )));
            return;
        }
        let typing = matches!(
            self.overlay,
            Some(Overlay::Silence(_) | Overlay::CommandLine(_) | Overlay::Filter(_))
        );
        if !typing {
            return;
        }
        // Control characters (a newline would submit) are left out.
        for c in text.chars().filter(|c| !c.is_control()) {
            let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            fx.extend(self.update(Action::Key(key), self.now_ms));
        }
    }

    /// After anything that moves the pane's inner area: tell the program its new size.
    pub(super) fn pane_layout_changed(&mut self, fx: &mut Vec<Effect>) {
        let size = self.pane_inner_size();
        if let Some(pane) = self.pane.as_mut() {
            if pane.size != size {
                pane.size = size;
                fx.push(Effect::PaneResize {
                    rows: size.0,
                    cols: size.1,
                });
            }
        }
    }

    /// The view's area changed size (the pane opened or closed): dashboards ask for points
    /// for their new widths, lists keep the selection visible.
    fn layout_changed(&mut self) {
        for d in &mut self.dashboards {
            d.replan = true;
        }
        self.keep_focus_visible();
        self.dirty = true;
    }
}
