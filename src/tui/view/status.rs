//! The bottom line: the command line or filter being typed, else a message, else key hints
//! for where the user is. Hints are looked up in the keymap, so rebinding a key changes them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, Overlay, View};
use crate::tui::command::{
    Command, CursorMove, Direction, LegendMove, ScrollMove, SelectMove, ViewKind,
};
use crate::tui::keymap::Mode;
use crate::tui::widgets::width;

/// A hint: the commands whose keys are shown together, and the word for them.
type Hint = (&'static [Command], &'static str);

const DASHBOARD_HINTS: &[Hint] = &[
    (&[Command::Help], "help"),
    (
        &[
            Command::Focus(Direction::Left),
            Command::Focus(Direction::Down),
            Command::Focus(Direction::Up),
            Command::Focus(Direction::Right),
        ],
        "move",
    ),
    (&[Command::Fullscreen], "full"),
    (&[Command::ZoomIn, Command::ZoomOut], "zoom"),
    (&[Command::PanBack, Command::PanForward], "pan"),
    (&[Command::Live], "live"),
    (&[Command::Filter], "filter"),
    (&[Command::CommandLine], "cmd"),
    (&[Command::Variables], "vars"),
    (&[Command::Refresh], "refresh"),
    (&[Command::NextView], "next"),
    (&[Command::Quit], "quit"),
];

const FULLSCREEN_HINTS: &[Hint] = &[
    (
        &[
            Command::Cursor(CursorMove::Left(1)),
            Command::Cursor(CursorMove::Right(1)),
        ],
        "cursor",
    ),
    (
        &[
            Command::Cursor(CursorMove::Left(10)),
            Command::Cursor(CursorMove::Right(10)),
        ],
        "×10",
    ),
    (&[Command::ZoomIn, Command::ZoomOut], "zoom"),
    (&[Command::PanBack, Command::PanForward], "pan"),
    (&[Command::Live], "live"),
    (&[Command::Legend(LegendMove::Next)], "series"),
    (&[Command::Legend(LegendMove::Toggle)], "hide"),
    (&[Command::Inspect], "inspect"),
    (&[Command::Close], "back"),
    (&[Command::Help], "help"),
    (&[Command::Quit], "quit"),
];

const ALERT_HINTS: &[Hint] = &[
    (
        &[
            Command::Select(SelectMove::Down),
            Command::Select(SelectMove::Up),
        ],
        "move",
    ),
    (&[Command::Filter], "filter"),
    (&[Command::Mark], "mark"),
    (&[Command::Silence], "silence"),
    (&[Command::Ack], "ack"),
    (&[Command::ToggleGrouping], "group"),
    (&[Command::OpenLinked], "dashboard"),
    (&[Command::NextView], "next"),
    (&[Command::Help], "help"),
    (&[Command::Quit], "quit"),
];

const SILENCE_HINTS: &[Hint] = &[
    (
        &[
            Command::Select(SelectMove::Down),
            Command::Select(SelectMove::Up),
        ],
        "move",
    ),
    (&[Command::Filter], "filter"),
    (&[Command::Mark], "mark"),
    (&[Command::Silence], "new"),
    (&[Command::Choose], "edit"),
    (&[Command::Extend], "extend"),
    (&[Command::Expire], "expire"),
    (&[Command::NextView], "next"),
    (&[Command::Help], "help"),
    (&[Command::Quit], "quit"),
];

const INCIDENT_HINTS: &[Hint] = &[
    (
        &[
            Command::Select(SelectMove::Down),
            Command::Select(SelectMove::Up),
        ],
        "move",
    ),
    (&[Command::Filter], "filter"),
    (&[Command::Choose], "detail"),
    (&[Command::Mark], "mark"),
    (&[Command::Ack], "ack"),
    (&[Command::Note], "note"),
    (&[Command::Resolve], "resolve"),
    (&[Command::ShowUrl], "url"),
    (&[Command::Mine], "mine/all"),
    (&[Command::NextView], "next"),
    (&[Command::Refresh], "refresh"),
    (&[Command::Help], "help"),
    (&[Command::Quit], "quit"),
];

const RUNBOOK_HINTS: &[Hint] = &[
    (
        &[
            Command::Scroll(ScrollMove::Down),
            Command::Scroll(ScrollMove::Up),
        ],
        "scroll",
    ),
    (&[Command::NextStep, Command::PrevStep], "step"),
    (&[Command::RunStep], "run"),
    (&[Command::ShowUrl], "link"),
    (&[Command::Close], "close"),
    (&[Command::Help], "help"),
];

const PICKER_HINTS: &[Hint] = &[
    (
        &[
            Command::Select(SelectMove::Down),
            Command::Select(SelectMove::Up),
        ],
        "move",
    ),
    (&[Command::Choose], "choose"),
    (&[Command::Close], "back"),
];

const PANE_HINTS: &[Hint] = &[
    (&[Command::PaneFocus], "pane keys"),
    (&[Command::PaneKill], "kill"),
    (&[Command::PaneScrollUp, Command::PaneScrollDown], "scroll"),
];

const HELP_HINTS: &[Hint] = &[
    (
        &[
            Command::Select(SelectMove::Down),
            Command::Select(SelectMove::Up),
        ],
        "scroll",
    ),
    (&[Command::Close], "close"),
];

/// Commands that change something (refused in a read-only session).
fn is_write(command: Command) -> bool {
    matches!(
        command,
        Command::Silence
            | Command::Expire
            | Command::Extend
            | Command::Ack
            | Command::Resolve
            | Command::RunStep
    )
}

/// The hints of a mode as (keys, word) pairs, skipping commands with no key bound.
pub fn hints(app: &App, mode: Mode) -> Vec<(String, &'static str)> {
    let list = match mode {
        Mode::Dashboard | Mode::Global => DASHBOARD_HINTS,
        Mode::Fullscreen => FULLSCREEN_HINTS,
        Mode::List => match app.view {
            View::Triage(ViewKind::Silences) => SILENCE_HINTS,
            View::Triage(ViewKind::Incidents) => INCIDENT_HINTS,
            _ => ALERT_HINTS,
        },
        Mode::Picker => PICKER_HINTS,
        Mode::Help => HELP_HINTS,
        Mode::Runbook => RUNBOOK_HINTS,
        Mode::Pane => PANE_HINTS,
    };
    let has_variables = app.active().is_some_and(|d| !d.def.variables.is_empty());
    // A read-only session does not offer the keys it would refuse.
    let read_only = app.is_read_only();
    list.iter()
        .filter(|(commands, _)| has_variables || !commands.contains(&Command::Variables))
        .filter(|(commands, _)| !read_only || !commands.iter().any(|c| is_write(*c)))
        .filter_map(|(commands, word)| {
            let keys: Vec<String> = commands
                .iter()
                .filter_map(|c| app.keymap.hint_key(mode, *c).map(|k| k.to_string()))
                .collect();
            if keys.is_empty() {
                return None;
            }
            let joined = if keys.iter().all(|k| k.chars().count() == 1) {
                keys.concat()
            } else {
                keys.join("/")
            };
            Some((joined, *word))
        })
        .collect()
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let t = &app.theme;
    buf.set_style(area, t.header);
    let line = match &app.overlay {
        Some(Overlay::CommandLine(input)) => Line::from(vec![
            Span::styled(":", t.accent),
            Span::styled(crate::sanitize::one_line(&input.text), t.text),
            Span::styled("█", t.accent),
        ]),
        Some(Overlay::Filter(input)) => Line::from(vec![
            Span::styled("/", t.accent),
            Span::styled(crate::sanitize::one_line(&input.text), t.text),
            Span::styled("█", t.accent),
            match &input.error {
                Some(e) => Span::styled(format!("  {}", crate::sanitize::one_line(e)), t.critical),
                None => Span::styled("  enter keeps, esc clears", t.muted),
            },
        ]),
        _ => match &app.message {
            Some(m) => Line::from(Span::styled(
                format!(" {}", crate::sanitize::one_line(&m.text)),
                if m.error { t.critical } else { t.accent },
            )),
            None => hint_line(app, area.width),
        },
    };
    buf.set_line(area.x, area.y, &line, area.width);
}

fn hint_line(app: &App, max: u16) -> Line<'static> {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    // With a pane open its keys come first: they are what the user needs to get out of it.
    let pane_hints = match &app.pane {
        Some(p) if p.focused => {
            let prefix = app.pane_prefix();
            return Line::from(vec![
                Span::raw(" keys go to the pane's program; "),
                Span::styled(prefix.to_string(), t.key_hint.add_modifier(Modifier::BOLD)),
                Span::styled(" back to oncall", t.muted),
            ]);
        }
        Some(_) => hints(app, Mode::Pane),
        None => Vec::new(),
    };
    for (keys, word) in pane_hints.into_iter().chain(hints(app, app.mode())) {
        let w = width(&keys) + 1 + width(word) + 2;
        if used + w > usize::from(max) {
            break;
        }
        spans.push(Span::styled(keys, t.key_hint.add_modifier(Modifier::BOLD)));
        spans.push(Span::styled(format!(" {word}  "), t.muted));
        used += w;
    }
    Line::from(spans)
}
