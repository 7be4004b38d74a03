//! Keys are data: `assets/keymap.toml` is embedded, and a user `keymap.toml` is merged over it
//! key by key. Errors name the file, the line and the bad key or command, and never stop the
//! program: the entries that are fine still apply.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use toml::Spanned;

use super::command::Command;

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A keymap table. A key is looked up in the active mode first, then in `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    Global,
    Dashboard,
    Fullscreen,
    List,
    Picker,
    Help,
    /// The runbook open beside an alert.
    Runbook,
    /// The embedded terminal pane, while one is open (ahead of the view's keys).
    Pane,
}

impl Mode {
    pub const ALL: [Mode; 8] = [
        Mode::Global,
        Mode::Dashboard,
        Mode::Fullscreen,
        Mode::List,
        Mode::Runbook,
        Mode::Pane,
        Mode::Picker,
        Mode::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Dashboard => "dashboard",
            Mode::Fullscreen => "fullscreen",
            Mode::List => "list",
            Mode::Picker => "picker",
            Mode::Help => "help",
            Mode::Runbook => "runbook",
            Mode::Pane => "pane",
        }
    }

    /// Heading on the help screen.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::Dashboard => "Dashboards",
            Mode::Fullscreen => "Full-screen panel",
            Mode::List => "Lists (alerts)",
            Mode::Picker => "Pickers",
            Mode::Help => "Help",
            Mode::Runbook => "Runbook (r on an alert)",
            Mode::Pane => "Terminal pane (the prefix gives its program every other key)",
        }
    }

    fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// One key with its modifiers, normalized so that `Q` and `shift-q` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Key {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // The character already says whether shift was down.
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                modifiers.insert(KeyModifiers::SHIFT);
                KeyCode::Tab
            }
            other => other,
        };
        Key { code, modifiers }
    }

    pub fn plain(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// The key of a press event; releases and repeats of other kinds give `None`.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        Some(Key::new(event.code, event.modifiers))
    }

    /// Parse `q`, `ctrl-c`, `shift-tab`, `enter`, `f5`, `space`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        // A lone "-" or "+" is a key, not a modifier separator.
        while rest.len() > 1 {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            modifiers |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => named_key(&rest.to_ascii_lowercase()).ok_or_else(|| {
                format!("unknown key `{text}`; write e.g. \"q\", \"ctrl-c\", \"shift-tab\", \"enter\", \"f5\"")
            })?,
        };
        Ok(Key::new(code, modifiers))
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok().filter(|n| (1..=12).contains(n))?;
            KeyCode::F(n)
        }
        _ => return None,
    })
}

impl fmt::Display for Key {
    /// The spelling used in keymap files and hints: `q`, `ctrl-c`, `shift-tab`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A problem in a keymap file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The effective bindings: defaults with the user's overrides merged in.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// In file order per mode, so the help screen reads like the file.
    modes: BTreeMap<Mode, Vec<(Key, Command)>>,
}

type RawKeymap = BTreeMap<Spanned<String>, Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>;

impl Keymap {
    /// The embedded defaults. They are checked by a test, so an error here is a build mistake;
    /// any that slipped through are skipped rather than stopping the program.
    pub fn defaults() -> Keymap {
        let mut keymap = Keymap {
            modes: BTreeMap::new(),
        };
        let _ = keymap.merge_toml(DEFAULT_KEYMAP, "assets/keymap.toml");
        keymap
    }

    /// Defaults merged with the user's file, if it exists. The errors are for the status line.
    pub fn load(user_file: Option<&Path>) -> (Keymap, Vec<KeymapError>) {
        let mut keymap = Keymap::defaults();
        let Some(path) = user_file else {
            return (keymap, Vec::new());
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let errors = keymap.merge_toml(&text, &path.display().to_string());
                (keymap, errors)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (keymap, Vec::new()),
            Err(e) => {
                let error = KeymapError {
                    file: path.display().to_string(),
                    line: 0,
                    message: format!("could not be read: {e}"),
                };
                (keymap, vec![error])
            }
        }
    }

    /// Merge a keymap file over this one: each key it names replaces the binding in that mode;
    /// `"none"` removes it. Bad entries are reported and skipped.
    pub fn merge_toml(&mut self, text: &str, file: &str) -> Vec<KeymapError> {
        let error = |span: std::ops::Range<usize>, message: String| KeymapError {
            file: file.to_string(),
            line: line_of(text, span.start),
            message,
        };
        let raw: RawKeymap = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
                return vec![KeymapError {
                    file: file.to_string(),
                    line,
                    message: e.message().to_string(),
                }];
            }
        };
        let mut errors = Vec::new();
        for (mode_name, table) in raw {
            let Some(mode) = Mode::parse(mode_name.get_ref()) else {
                let names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                errors.push(error(
                    mode_name.span(),
                    format!(
                        "unknown mode `[{}]`; use one of {}",
                        mode_name.get_ref(),
                        names.join(", ")
                    ),
                ));
                continue;
            };
            let mut entries: Vec<_> = table.into_inner().into_iter().collect();
            // BTreeMap order is alphabetical; keep the file's order for the help screen.
            entries.sort_by_key(|(k, _)| k.span().start);
            for (key_text, command_text) in entries {
                let key = match Key::parse(key_text.get_ref()) {
                    Ok(key) => key,
                    Err(message) => {
                        errors.push(error(key_text.span(), message));
                        continue;
                    }
                };
                let command = command_text.get_ref().trim();
                if command == "none" || command.is_empty() {
                    self.unbind(mode, key);
                    continue;
                }
                match Command::parse(command) {
                    Ok(command) => self.bind(mode, key, command),
                    Err(message) => errors.push(error(
                        command_text.span(),
                        format!("key `{}`: {message}", key_text.get_ref()),
                    )),
                }
            }
        }
        errors
    }

    pub fn bind(&mut self, mode: Mode, key: Key, command: Command) {
        let bindings = self.modes.entry(mode).or_default();
        match bindings.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = command,
            None => bindings.push((key, command)),
        }
    }

    pub fn unbind(&mut self, mode: Mode, key: Key) {
        if let Some(bindings) = self.modes.get_mut(&mode) {
            bindings.retain(|(k, _)| *k != key);
        }
    }

    /// The command for a key in a mode, falling back to the global table.
    pub fn lookup(&self, mode: Mode, key: Key) -> Option<Command> {
        let find = |m: Mode| {
            self.modes
                .get(&m)
                .and_then(|b| b.iter().find(|(k, _)| *k == key))
                .map(|(_, c)| *c)
        };
        find(mode).or_else(|| {
            if mode == Mode::Global {
                None
            } else {
                find(Mode::Global)
            }
        })
    }

    /// Keys that reach `command` in `mode` (its own table, then global keys it does not shadow).
    pub fn keys_for(&self, mode: Mode, command: Command) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings(mode)
            .iter()
            .filter(|(_, c)| *c == command)
            .map(|(k, _)| *k)
            .collect();
        if mode != Mode::Global {
            for (k, c) in self.bindings(Mode::Global) {
                if *c == command && self.lookup(mode, *k) == Some(command) && !keys.contains(k) {
                    keys.push(*k);
                }
            }
        }
        keys
    }

    /// The key to show for `command` in hints: a plain character if there is one (`h` over
    /// `←`, `q` over `ctrl-c`), else the first bound.
    pub fn hint_key(&self, mode: Mode, command: Command) -> Option<Key> {
        self.keys_for(mode, command)
            .into_iter()
            .min_by_key(|k| (!k.modifiers.is_empty(), !matches!(k.code, KeyCode::Char(_))))
    }

    /// The bindings of one mode, in file order.
    pub fn bindings(&self, mode: Mode) -> &[(Key, Command)] {
        self.modes.get(&mode).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::command::{CursorMove, Direction, ViewKind};

    #[test]
    fn embedded_defaults_parse_without_errors() {
        let mut keymap = Keymap {
            modes: BTreeMap::new(),
        };
        assert_eq!(
            keymap.merge_toml(DEFAULT_KEYMAP, "assets/keymap.toml"),
            vec![]
        );
        assert_eq!(keymap, Keymap::defaults());
        let g = |c| keymap.lookup(Mode::Dashboard, Key::plain(c));
        assert_eq!(g('q'), Some(Command::Quit));
        assert_eq!(g('3'), Some(Command::Dashboard(3)));
        assert_eq!(g('8'), Some(Command::View(ViewKind::Alerts)));
        assert_eq!(g('0'), Some(Command::View(ViewKind::Incidents)));
        assert_eq!(g('j'), Some(Command::Focus(Direction::Down)));
        assert_eq!(
            keymap.lookup(Mode::Fullscreen, Key::plain('L')),
            Some(Command::Cursor(CursorMove::Right(10)))
        );
        assert_eq!(
            keymap.lookup(
                Mode::Dashboard,
                Key::new(KeyCode::BackTab, KeyModifiers::SHIFT)
            ),
            Some(Command::PrevView)
        );
        assert_eq!(
            keymap.lookup(Mode::Help, Key::plain('q')),
            Some(Command::Close),
            "a mode's own binding shadows the global one"
        );
    }

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(
            Key::parse("ctrl-c"),
            Ok(Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
        );
        assert_eq!(Key::parse("shift-q"), Ok(Key::plain('Q')));
        assert_eq!(Key::parse("-"), Ok(Key::plain('-')));
        assert_eq!(
            Key::parse("ctrl--"),
            Ok(Key::new(KeyCode::Char('-'), KeyModifiers::CONTROL))
        );
        assert_eq!(
            Key::parse("F5"),
            Ok(Key::new(KeyCode::F(5), KeyModifiers::NONE))
        );
        assert_eq!(Key::parse("space"), Ok(Key::plain(' ')));
        assert!(Key::parse("ctlr-x").is_err());
        assert!(Key::parse("f13").is_err());
        assert_eq!(
            Key::parse("shift-tab").map(|k| k.to_string()),
            Ok("shift-tab".into())
        );
        assert_eq!(
            Key::parse("ctrl-c").map(|k| k.to_string()),
            Ok("ctrl-c".into())
        );
        // What terminals send for shift-tab and shifted letters.
        assert_eq!(
            Key::new(KeyCode::BackTab, KeyModifiers::NONE),
            Key::parse("shift-tab").unwrap()
        );
        assert_eq!(
            Key::new(KeyCode::Char('Q'), KeyModifiers::SHIFT),
            Key::plain('Q')
        );
    }

    #[test]
    fn user_file_merges_over_defaults() {
        let mut keymap = Keymap::defaults();
        let errors = keymap.merge_toml(
            "[global]\n\"q\" = \"none\"\n\"ctrl-q\" = \"quit\"\n[dashboard]\n\"x\" = \"zoom-out\"\n",
            "keymap.toml",
        );
        assert_eq!(errors, vec![]);
        assert_eq!(keymap.lookup(Mode::Dashboard, Key::plain('q')), None);
        assert_eq!(
            keymap.lookup(Mode::Dashboard, Key::parse("ctrl-q").unwrap()),
            Some(Command::Quit)
        );
        assert_eq!(
            keymap.lookup(Mode::Dashboard, Key::plain('x')),
            Some(Command::ZoomOut)
        );
        // Everything else is still there.
        assert_eq!(
            keymap.lookup(Mode::Dashboard, Key::plain('-')),
            Some(Command::ZoomOut)
        );
        assert_eq!(
            keymap.keys_for(Mode::Dashboard, Command::ZoomOut),
            vec![Key::plain('-'), Key::plain('x')]
        );
    }

    #[test]
    fn errors_name_file_line_and_key_and_keep_the_good_entries() {
        let mut keymap = Keymap::defaults();
        let text = "[dashboard]\n\"x\" = \"zoom-out\"\n\"ctlr-y\" = \"quit\"\n\"z\" = \"explode\"\n[nope]\n\"a\" = \"quit\"\n";
        let errors = keymap.merge_toml(text, "/home/me/.config/oncall/keymap.toml");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0].line, 3);
        assert!(errors[0]
            .to_string()
            .starts_with("/home/me/.config/oncall/keymap.toml line 3: unknown key `ctlr-y`"));
        assert_eq!(errors[1].line, 4);
        assert!(errors[1].message.contains("`explode`"));
        // The unknown mode is found before the entries of later tables are read.
        assert!(errors
            .iter()
            .any(|e| e.line == 5 && e.message.contains("[nope]")));
        assert_eq!(
            keymap.lookup(Mode::Dashboard, Key::plain('x')),
            Some(Command::ZoomOut)
        );
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let mut keymap = Keymap::defaults();
        let errors = keymap.merge_toml("[global]\n\"q\" = quit\n", "k.toml");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }
}
