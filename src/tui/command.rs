//! The named commands keys are bound to. The keymap file, the help screen and the status-line
//! hints all use these names and descriptions, so what the help says is what the keys do.

use std::fmt;

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
}

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
        match name {
            "quit" => no_args(Command::Quit),
            "help" => no_args(Command::Help),
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
            "next-view" => no_args(Command::NextView),
            "prev-view" => no_args(Command::PrevView),
            "command-line" => no_args(Command::CommandLine),
            "filter" => no_args(Command::Filter),
            "zoom-in" => no_args(Command::ZoomIn),
            "zoom-out" => no_args(Command::ZoomOut),
            "pan-back" => no_args(Command::PanBack),
            "pan-forward" => no_args(Command::PanForward),
            "live" => no_args(Command::Live),
            "refresh" => no_args(Command::Refresh),
            "focus" => match (arg(1), words.len()) {
                (Some(d), 2) => parse_direction(d).map(Command::Focus),
                _ => Err("`focus` takes left, right, up or down".into()),
            },
            "page-up" => no_args(Command::PageUp),
            "page-down" => no_args(Command::PageDown),
            "fullscreen" => no_args(Command::Fullscreen),
            "variables" => no_args(Command::Variables),
            "cursor" => parse_cursor(&words[1..]).map(Command::Cursor),
            "select" => match (arg(1), words.len()) {
                (Some("up"), 2) => Ok(Command::Select(SelectMove::Up)),
                (Some("down"), 2) => Ok(Command::Select(SelectMove::Down)),
                (Some("first"), 2) => Ok(Command::Select(SelectMove::First)),
                (Some("last"), 2) => Ok(Command::Select(SelectMove::Last)),
                _ => Err("`select` takes up, down, first or last".into()),
            },
            "choose" => no_args(Command::Choose),
            "close" => no_args(Command::Close),
            "group" => no_args(Command::ToggleGrouping),
            "open-linked" => no_args(Command::OpenLinked),
            "silence" => no_args(Command::Silence),
            "expire" => no_args(Command::Expire),
            "extend" => no_args(Command::Extend),
            "ack" => no_args(Command::Ack),
            "resolve" => no_args(Command::Resolve),
            "show-url" => no_args(Command::ShowUrl),
            "mine" => no_args(Command::Mine),
            "runbook" => no_args(Command::Runbook),
            "next-step" => no_args(Command::NextStep),
            "prev-step" => no_args(Command::PrevStep),
            "run-step" => no_args(Command::RunStep),
            "shell" => no_args(Command::Shell),
            "pane-focus" => no_args(Command::PaneFocus),
            "pane-kill" => no_args(Command::PaneKill),
            "pane-close" => no_args(Command::PaneClose),
            "pane-scroll-up" => no_args(Command::PaneScrollUp),
            "pane-scroll-down" => no_args(Command::PaneScrollDown),
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
            Command::Quit => "Quit oncall".into(),
            Command::Help => "Show this help".into(),
            Command::Dashboard(n) => format!("Show dashboard {n}"),
            Command::View(v) => format!("Show the {} view", v.name()),
            Command::NextView => "Next view".into(),
            Command::PrevView => "Previous view".into(),
            Command::CommandLine => "Command line (:dash, :range, :context, :theme)".into(),
            Command::Filter => "Filter by title".into(),
            Command::ZoomIn => "Zoom in (halve the time range)".into(),
            Command::ZoomOut => "Zoom out (double the time range)".into(),
            Command::PanBack => "Pan back in time by half the range".into(),
            Command::PanForward => "Pan forward in time (back to live at now)".into(),
            Command::Live => "Back to live (range ends now)".into(),
            Command::Refresh => "Refresh now".into(),
            Command::Focus(d) => format!("Move to the panel {}", direction_word(*d)),
            Command::PageUp => "Scroll up a page".into(),
            Command::PageDown => "Scroll down a page".into(),
            Command::Fullscreen => "Full-screen panel with a value cursor".into(),
            Command::Variables => "Pick template variable values".into(),
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
            Command::Choose => "Choose the selected row".into(),
            Command::Close => "Close / go back".into(),
            Command::ToggleGrouping => "Group alerts by name, or list them flat".into(),
            Command::OpenLinked => "Open the dashboard panel linked to the alert".into(),
            Command::Silence => "Silence the selected alert (a form with a preview)".into(),
            Command::Expire => "Expire the selected silence".into(),
            Command::Extend => "Extend the selected silence (or recreate an expired one)".into(),
            Command::Ack => {
                "Acknowledge the alert's incident (or ACK! silence) / the incident".into()
            }
            Command::Resolve => "Resolve the selected incident".into(),
            Command::ShowUrl => {
                "Show the incident's URL (alerts: the runbook link), or copy it with [ui] osc52"
                    .into()
            }
            Command::Mine => "Incidents assigned to me, or all".into(),
            Command::Runbook => {
                "Open the selected alert's runbook beside it (where there are no alerts: refresh)"
                    .into()
            }
            Command::NextStep => "Select the runbook's next command step".into(),
            Command::PrevStep => "Select the runbook's previous command step".into(),
            Command::RunStep => {
                "Run the selected step in the pane (shows the exact argv; y confirms)".into()
            }
            Command::Shell => "Open an interactive shell in the pane (no oncall tokens)".into(),
            Command::PaneFocus => "Pane prefix: keys to the pane's program, or back".into(),
            Command::PaneKill => "Kill the pane's program (asks first)".into(),
            Command::PaneClose => "Close the pane (once its program has ended)".into(),
            Command::PaneScrollUp => "Scroll the pane back".into(),
            Command::PaneScrollDown => "Scroll the pane forward".into(),
            Command::Scroll(ScrollMove::Up) => "Scroll up a line".into(),
            Command::Scroll(ScrollMove::Down) => "Scroll down a line".into(),
            Command::Scroll(ScrollMove::Top) => "Scroll to the top".into(),
            Command::Scroll(ScrollMove::Bottom) => "Scroll to the bottom".into(),
        }
    }
}

impl fmt::Display for Command {
    /// The keymap-file spelling, so `Command::parse(&c.to_string()) == Ok(c)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Quit => f.write_str("quit"),
            Command::Help => f.write_str("help"),
            Command::Dashboard(n) => write!(f, "dashboard {n}"),
            Command::View(v) => write!(f, "view {}", v.name()),
            Command::NextView => f.write_str("next-view"),
            Command::PrevView => f.write_str("prev-view"),
            Command::CommandLine => f.write_str("command-line"),
            Command::Filter => f.write_str("filter"),
            Command::ZoomIn => f.write_str("zoom-in"),
            Command::ZoomOut => f.write_str("zoom-out"),
            Command::PanBack => f.write_str("pan-back"),
            Command::PanForward => f.write_str("pan-forward"),
            Command::Live => f.write_str("live"),
            Command::Refresh => f.write_str("refresh"),
            Command::Focus(d) => write!(f, "focus {}", direction_word(*d)),
            Command::PageUp => f.write_str("page-up"),
            Command::PageDown => f.write_str("page-down"),
            Command::Fullscreen => f.write_str("fullscreen"),
            Command::Variables => f.write_str("variables"),
            Command::Cursor(CursorMove::Left(n)) => write!(f, "cursor left {n}"),
            Command::Cursor(CursorMove::Right(n)) => write!(f, "cursor right {n}"),
            Command::Cursor(CursorMove::Start) => f.write_str("cursor start"),
            Command::Cursor(CursorMove::End) => f.write_str("cursor end"),
            Command::Select(SelectMove::Up) => f.write_str("select up"),
            Command::Select(SelectMove::Down) => f.write_str("select down"),
            Command::Select(SelectMove::First) => f.write_str("select first"),
            Command::Select(SelectMove::Last) => f.write_str("select last"),
            Command::Choose => f.write_str("choose"),
            Command::Close => f.write_str("close"),
            Command::ToggleGrouping => f.write_str("group"),
            Command::OpenLinked => f.write_str("open-linked"),
            Command::Silence => f.write_str("silence"),
            Command::Expire => f.write_str("expire"),
            Command::Extend => f.write_str("extend"),
            Command::Ack => f.write_str("ack"),
            Command::Resolve => f.write_str("resolve"),
            Command::ShowUrl => f.write_str("show-url"),
            Command::Mine => f.write_str("mine"),
            Command::Runbook => f.write_str("runbook"),
            Command::NextStep => f.write_str("next-step"),
            Command::PrevStep => f.write_str("prev-step"),
            Command::RunStep => f.write_str("run-step"),
            Command::Shell => f.write_str("shell"),
            Command::PaneFocus => f.write_str("pane-focus"),
            Command::PaneKill => f.write_str("pane-kill"),
            Command::PaneClose => f.write_str("pane-close"),
            Command::PaneScrollUp => f.write_str("pane-scroll-up"),
            Command::PaneScrollDown => f.write_str("pane-scroll-down"),
            Command::Scroll(ScrollMove::Up) => f.write_str("scroll up"),
            Command::Scroll(ScrollMove::Down) => f.write_str("scroll down"),
            Command::Scroll(ScrollMove::Top) => f.write_str("scroll top"),
            Command::Scroll(ScrollMove::Bottom) => f.write_str("scroll bottom"),
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
