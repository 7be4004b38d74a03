//! The named commands keys are bound to. The keymap file, the help screen and the status-line
//! hints all use these names and descriptions, so what the help says is what the keys do.

use std::fmt;

use crate::triage::sort::SortKey;

/// A direction for moving between panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// The views after the dashboards (issue 4 fills them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Alerts,
    Silences,
    Incidents,
}

impl ViewKind {
    pub const ALL: [ViewKind; 3] = [ViewKind::Alerts, ViewKind::Silences, ViewKind::Incidents];

    pub fn name(self) -> &'static str {
        match self {
            ViewKind::Alerts => "alerts",
            ViewKind::Silences => "silences",
            ViewKind::Incidents => "incidents",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ViewKind::Alerts => "Alerts",
            ViewKind::Silences => "Silences",
            ViewKind::Incidents => "Incidents",
        }
    }
}

/// Where the cursor of a full-screen panel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CursorMove {
    Left(u16),
    Right(u16),
    Start,
    End,
}

/// Where a list selection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectMove {
    Up,
    Down,
    First,
    Last,
}

/// What the legend of a full-screen panel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegendMove {
    Next,
    Prev,
    /// Hide the selected series, or show it again.
    Toggle,
    /// Show only the selected series (again: all).
    Only,
}

/// Where the runbook's text scrolls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrollMove {
    Up,
    Down,
    Top,
    Bottom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    Help,
    /// A dashboard by its 1-based position.
    Dashboard(u8),
    View(ViewKind),
    NextView,
    PrevView,
    CommandLine,
    Filter,
    ZoomIn,
    ZoomOut,
    PanBack,
    PanForward,
    Live,
    Refresh,
    Focus(Direction),
    PageUp,
    PageDown,
    Fullscreen,
    Variables,
    Cursor(CursorMove),
    Select(SelectMove),
    Choose,
    Close,
    /// Alerts grouped by name, or flat.
    ToggleGrouping,
    /// The first dashboard panel linked to the selected alert.
    OpenLinked,
    /// A silence form, prefilled from the selected alert.
    Silence,
    Expire,
    Extend,
    Ack,
    Resolve,
    ShowUrl,
    /// Incidents assigned to me, or all.
    Mine,
    /// The selected alert's runbook beside it (refresh where there are no alerts).
    Runbook,
    /// The runbook's next / previous command step.
    NextStep,
    PrevStep,
    /// Plan the selected step and ask before it runs in the pane.
    RunStep,
    /// `!`: an interactive shell in the embedded pane.
    Shell,
    /// The pane's prefix key: keys to the pane's program, or back to oncall.
    PaneFocus,
    /// Kill the pane's program (asks first).
    PaneKill,
    /// Close the pane once its program has ended.
    PaneClose,
    /// The pane's scrollback, half a screen at a time.
    PaneScrollUp,
    PaneScrollDown,
    Scroll(ScrollMove),
    /// Sort the list by a column; again reverses.
    Sort(SortKey),
    /// Mark the selected row (or unmark it) to act on several at once.
    Mark,
    /// The focused panel's queries, step, range and series values.
    Inspect,
    Legend(LegendMove),
    /// A note on the selected incident (a line to type, then a confirmation).
    Note,
    /// Snooze the selected incident (1 to 4 picks how long).
    Snooze,
}

/// The commands that take no argument: the one place their keymap name, the command and the
/// help text are written. `parse`, `Display` and `description` read it; the commands with
/// arguments (`dashboard N`, `view`, `focus`, `cursor`, `select`, `scroll`) are spelled out
/// below.
pub const SIMPLE: &[(&str, Command, &str)] = &[
    ("quit", Command::Quit, "Quit oncall"),
    ("help", Command::Help, "Show this help"),
    ("next-view", Command::NextView, "Next view"),
    ("prev-view", Command::PrevView, "Previous view"),
    (
        "command-line",
        Command::CommandLine,
        "Command line (:dash, :range, :context, :theme)",
    ),
    ("filter", Command::Filter, "Filter by title"),
    ("zoom-in", Command::ZoomIn, "Zoom in (halve the time range)"),
    (
        "zoom-out",
        Command::ZoomOut,
        "Zoom out (double the time range)",
    ),
    (
        "pan-back",
        Command::PanBack,
        "Pan back in time by half the range",
    ),
    (
        "pan-forward",
        Command::PanForward,
        "Pan forward in time (back to live at now)",
    ),
    ("live", Command::Live, "Back to live (range ends now)"),
    ("refresh", Command::Refresh, "Refresh now"),
    ("page-up", Command::PageUp, "Scroll up a page"),
    ("page-down", Command::PageDown, "Scroll down a page"),
    (
        "fullscreen",
        Command::Fullscreen,
        "Full-screen panel with a value cursor",
    ),
    (
        "variables",
        Command::Variables,
        "Pick template variable values",
    ),
    ("choose", Command::Choose, "Choose the selected row"),
    (
        "inspect",
        Command::Inspect,
        "Inspect the panel: its PromQL, step, range and series (y copies the query)",
    ),
    (
        "mark",
        Command::Mark,
        "Mark the row (again: unmark); s, A, R, e act on all marked rows",
    ),
    ("close", Command::Close, "Close / go back"),
    (
        "group",
        Command::ToggleGrouping,
        "Group alerts by name, or list them flat",
    ),
    (
        "open-linked",
        Command::OpenLinked,
        "Open the dashboard panel linked to the alert",
    ),
    (
        "silence",
        Command::Silence,
        "Silence the selected alert (a form with a preview)",
    ),
    ("expire", Command::Expire, "Expire the selected silence"),
    (
        "extend",
        Command::Extend,
        "Extend the selected silence (or recreate an expired one)",
    ),
    (
        "ack",
        Command::Ack,
        "Acknowledge the alert's incident (or ACK! silence) / the incident",
    ),
    ("resolve", Command::Resolve, "Resolve the selected incident"),
    (
        "note",
        Command::Note,
        "Add a note to the selected incident (shown before it is sent)",
    ),
    (
        "snooze",
        Command::Snooze,
        "Snooze the selected acknowledged incident",
    ),
    (
        "show-url",
        Command::ShowUrl,
        "Show the incident's URL (alerts: the runbook link), or copy it with [ui] osc52",
    ),
    ("mine", Command::Mine, "Incidents assigned to me, or all"),
    (
        "runbook",
        Command::Runbook,
        "Open the selected alert's runbook beside it (where there are no alerts: refresh)",
    ),
    (
        "next-step",
        Command::NextStep,
        "Select the runbook's next command step",
    ),
    (
        "prev-step",
        Command::PrevStep,
        "Select the runbook's previous command step",
    ),
    (
        "run-step",
        Command::RunStep,
        "Run the selected step in the pane (shows the exact argv; y confirms)",
    ),
    (
        "shell",
        Command::Shell,
        "Open an interactive shell in the pane (no oncall tokens)",
    ),
    (
        "pane-focus",
        Command::PaneFocus,
        "Pane prefix: keys to the pane's program, or back",
    ),
    (
        "pane-kill",
        Command::PaneKill,
        "Kill the pane's program (asks first)",
    ),
    (
        "pane-close",
        Command::PaneClose,
        "Close the pane (once its program has ended)",
    ),
    (
        "pane-scroll-up",
        Command::PaneScrollUp,
        "Scroll the pane back",
    ),
    (
        "pane-scroll-down",
        Command::PaneScrollDown,
        "Scroll the pane forward",
    ),
];

impl Command {
    /// Parse the text used in keymap files: `quit`, `dashboard 3`, `focus left`, `cursor right 10`.
    pub fn parse(text: &str) -> Result<Command, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let arg = |i: usize| words.get(i).copied();
        let no_args = |c: Command| {
            if words.len() == 1 {
                Ok(c)
            } else {
                Err(format!("`{}` takes no argument", words[0]))
            }
        };
        let Some(&name) = words.first() else {
            return Err("empty command".into());
        };
        if let Some((_, command, _)) = SIMPLE.iter().find(|(n, _, _)| *n == name) {
            return no_args(*command);
        }
        match name {
            "dashboard" => match arg(1).map(str::parse::<u8>) {
                Some(Ok(n)) if (1..=99).contains(&n) && words.len() == 2 => {
                    Ok(Command::Dashboard(n))
                }
                _ => Err("`dashboard` takes a position from 1 to 99, e.g. `dashboard 3`".into()),
            },
            "view" => match arg(1) {
                Some(v) if words.len() == 2 => ViewKind::ALL
                    .into_iter()
                    .find(|k| k.name() == v)
                    .map(Command::View)
                    .ok_or_else(|| {
                        format!("unknown view `{v}`; use alerts, silences or incidents")
                    }),
                _ => Err("`view` takes alerts, silences or incidents".into()),
            },
            "focus" => match (arg(1), words.len()) {
                (Some(d), 2) => parse_direction(d).map(Command::Focus),
                _ => Err("`focus` takes left, right, up or down".into()),
            },
            "cursor" => parse_cursor(&words[1..]).map(Command::Cursor),
            "select" => match (arg(1), words.len()) {
                (Some("up"), 2) => Ok(Command::Select(SelectMove::Up)),
                (Some("down"), 2) => Ok(Command::Select(SelectMove::Down)),
                (Some("first"), 2) => Ok(Command::Select(SelectMove::First)),
                (Some("last"), 2) => Ok(Command::Select(SelectMove::Last)),
                _ => Err("`select` takes up, down, first or last".into()),
            },
            "legend" => match (arg(1), words.len()) {
                (Some("next"), 2) => Ok(Command::Legend(LegendMove::Next)),
                (Some("prev"), 2) => Ok(Command::Legend(LegendMove::Prev)),
                (Some("toggle"), 2) => Ok(Command::Legend(LegendMove::Toggle)),
                (Some("only"), 2) => Ok(Command::Legend(LegendMove::Only)),
                _ => Err("`legend` takes next, prev, toggle or only".into()),
            },
            "sort" => match (arg(1), words.len()) {
                (Some(key), 2) => SortKey::parse(key).map(Command::Sort),
                _ => Err("`sort` takes a column, e.g. `sort age`".into()),
            },
            "scroll" => match (arg(1), words.len()) {
                (Some("up"), 2) => Ok(Command::Scroll(ScrollMove::Up)),
                (Some("down"), 2) => Ok(Command::Scroll(ScrollMove::Down)),
                (Some("top"), 2) => Ok(Command::Scroll(ScrollMove::Top)),
                (Some("bottom"), 2) => Ok(Command::Scroll(ScrollMove::Bottom)),
                _ => Err("`scroll` takes up, down, top or bottom".into()),
            },
            other => Err(format!(
                "unknown command `{other}`; the help screen (`?`) lists every command"
            )),
        }
    }

    /// What the command does, for the help screen.
    pub fn description(&self) -> String {
        match self {
            Command::Dashboard(n) => format!("Show dashboard {n}"),
            Command::View(v) => format!("Show the {} view", v.name()),
            Command::Focus(d) => format!("Move to the panel {}", direction_word(*d)),
            Command::Cursor(CursorMove::Left(n)) => format!("Cursor back {n} column{}", plural(*n)),
            Command::Cursor(CursorMove::Right(n)) => {
                format!("Cursor forward {n} column{}", plural(*n))
            }
            Command::Cursor(CursorMove::Start) => "Cursor to the start".into(),
            Command::Cursor(CursorMove::End) => "Cursor to the end".into(),
            Command::Select(SelectMove::Up) => "Select the previous row".into(),
            Command::Select(SelectMove::Down) => "Select the next row".into(),
            Command::Select(SelectMove::First) => "Select the first row".into(),
            Command::Select(SelectMove::Last) => "Select the last row".into(),
            Command::Scroll(ScrollMove::Up) => "Scroll up a line".into(),
            Command::Scroll(ScrollMove::Down) => "Scroll down a line".into(),
            Command::Scroll(ScrollMove::Top) => "Scroll to the top".into(),
            Command::Scroll(ScrollMove::Bottom) => "Scroll to the bottom".into(),
            Command::Sort(key) => format!("Sort by {key} (again: reverse)"),
            Command::Legend(LegendMove::Next) => "Select the next series in the legend".into(),
            Command::Legend(LegendMove::Prev) => "Select the previous series in the legend".into(),
            Command::Legend(LegendMove::Toggle) => {
                "Hide the selected series, or show it again".into()
            }
            Command::Legend(LegendMove::Only) => {
                "Show only the selected series (again: all)".into()
            }
            simple => SIMPLE
                .iter()
                .find(|(_, c, _)| c == simple)
                .map(|(_, _, d)| d.to_string())
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for Command {
    /// The keymap-file spelling, so `Command::parse(&c.to_string()) == Ok(c)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Dashboard(n) => write!(f, "dashboard {n}"),
            Command::View(v) => write!(f, "view {}", v.name()),
            Command::Focus(d) => write!(f, "focus {}", direction_word(*d)),
            Command::Cursor(CursorMove::Left(n)) => write!(f, "cursor left {n}"),
            Command::Cursor(CursorMove::Right(n)) => write!(f, "cursor right {n}"),
            Command::Cursor(CursorMove::Start) => f.write_str("cursor start"),
            Command::Cursor(CursorMove::End) => f.write_str("cursor end"),
            Command::Select(SelectMove::Up) => f.write_str("select up"),
            Command::Select(SelectMove::Down) => f.write_str("select down"),
            Command::Select(SelectMove::First) => f.write_str("select first"),
            Command::Select(SelectMove::Last) => f.write_str("select last"),
            Command::Scroll(ScrollMove::Up) => f.write_str("scroll up"),
            Command::Scroll(ScrollMove::Down) => f.write_str("scroll down"),
            Command::Scroll(ScrollMove::Top) => f.write_str("scroll top"),
            Command::Scroll(ScrollMove::Bottom) => f.write_str("scroll bottom"),
            Command::Sort(key) => write!(f, "sort {key}"),
            Command::Legend(m) => f.write_str(match m {
                LegendMove::Next => "legend next",
                LegendMove::Prev => "legend prev",
                LegendMove::Toggle => "legend toggle",
                LegendMove::Only => "legend only",
            }),
            simple => f.write_str(
                SIMPLE
                    .iter()
                    .find(|(_, c, _)| c == simple)
                    .map_or("?", |(n, _, _)| *n),
            ),
        }
    }
}

fn plural(n: u16) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Left => "left",
        Direction::Right => "right",
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

fn parse_direction(word: &str) -> Result<Direction, String> {
    match word {
        "left" => Ok(Direction::Left),
        "right" => Ok(Direction::Right),
        "up" => Ok(Direction::Up),
        "down" => Ok(Direction::Down),
        other => Err(format!(
            "unknown direction `{other}`; use left, right, up or down"
        )),
    }
}

fn parse_cursor(args: &[&str]) -> Result<CursorMove, String> {
    let count = |s: Option<&&str>| match s {
        None => Ok(1),
        Some(n) => n
            .parse::<u16>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{n}` is not a column count")),
    };
    match args {
        ["left", rest @ ..] if rest.len() <= 1 => count(rest.first()).map(CursorMove::Left),
        ["right", rest @ ..] if rest.len() <= 1 => count(rest.first()).map(CursorMove::Right),
        ["start"] => Ok(CursorMove::Start),
        ["end"] => Ok(CursorMove::End),
        _ => Err("`cursor` takes left [N], right [N], start or end".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_one_spelling_of_each_simple_command() {
        let mut names = std::collections::BTreeSet::new();
        for (name, command, description) in SIMPLE {
            assert!(names.insert(*name), "{name} twice");
            assert_eq!(Command::parse(name), Ok(*command));
            assert_eq!(command.to_string(), *name);
            assert_eq!(command.description(), *description);
            assert!(!description.is_empty());
        }
    }

    #[test]
    fn every_spelling_round_trips() {
        let all = [
            Command::Quit,
            Command::Help,
            Command::Dashboard(7),
            Command::View(ViewKind::Silences),
            Command::NextView,
            Command::PrevView,
            Command::CommandLine,
            Command::Filter,
            Command::ZoomIn,
            Command::ZoomOut,
            Command::PanBack,
            Command::PanForward,
            Command::Live,
            Command::Refresh,
            Command::Focus(Direction::Down),
            Command::PageUp,
            Command::PageDown,
            Command::Fullscreen,
            Command::Variables,
            Command::Cursor(CursorMove::Left(10)),
            Command::Cursor(CursorMove::Right(1)),
            Command::Cursor(CursorMove::Start),
            Command::Cursor(CursorMove::End),
            Command::Select(SelectMove::Last),
            Command::Choose,
            Command::Close,
            Command::ToggleGrouping,
            Command::OpenLinked,
            Command::Silence,
            Command::Expire,
            Command::Extend,
            Command::Ack,
            Command::Resolve,
            Command::ShowUrl,
            Command::Mine,
            Command::Runbook,
            Command::NextStep,
            Command::PrevStep,
            Command::RunStep,
            Command::Shell,
            Command::PaneFocus,
            Command::PaneKill,
            Command::PaneClose,
            Command::PaneScrollUp,
            Command::PaneScrollDown,
            Command::Scroll(ScrollMove::Up),
            Command::Scroll(ScrollMove::Bottom),
            Command::Sort(SortKey::Age),
            Command::Mark,
            Command::Inspect,
            Command::Legend(LegendMove::Toggle),
            Command::Legend(LegendMove::Only),
            Command::Note,
            Command::Snooze,
        ];
        for c in all {
            assert_eq!(Command::parse(&c.to_string()), Ok(c), "{c}");
            assert!(!c.description().is_empty());
        }
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        assert!(Command::parse("dashboard")
            .unwrap_err()
            .contains("position"));
        assert!(Command::parse("view logs")
            .unwrap_err()
            .contains("unknown view"));
        assert!(Command::parse("quit now")
            .unwrap_err()
            .contains("no argument"));
        assert!(Command::parse("launch")
            .unwrap_err()
            .contains("unknown command"));
        assert!(Command::parse("cursor left 0").is_err());
        assert_eq!(
            Command::parse("cursor left"),
            Ok(Command::Cursor(CursorMove::Left(1)))
        );
    }
}
