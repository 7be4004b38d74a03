//! The one-line text inputs: the `:` command line and the `/` filter. Also the parsing and
//! completion of `:` commands, kept apart from the app so they are tested on plain strings.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::ViewKind;
use crate::duration::parse_positive_duration as parse_duration;
use crate::triage::alert_list::Grouping;
use crate::triage::sort::SortKey;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineInput {
    pub text: String,
    /// Shown under the input after a failed `:` command; cleared by typing.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputOutcome {
    Edited,
    Submit,
    Cancel,
    Complete,
    Ignored,
}

impl LineInput {
    pub fn with_text(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            error: None,
        }
    }

    /// Apply a key: typing, backspace, ctrl-u (clear), ctrl-w (word), enter, esc, tab. The
    /// line is edited at its end (its views draw no cursor inside it).
    pub fn handle(&mut self, key: &KeyEvent) -> InputOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let outcome = match key.code {
            KeyCode::Enter => return InputOutcome::Submit,
            KeyCode::Esc => return InputOutcome::Cancel,
            KeyCode::Char('c') if ctrl => return InputOutcome::Cancel,
            KeyCode::Tab => return InputOutcome::Complete,
            // Backspace on an empty line closes it, as in vim and k9s.
            KeyCode::Backspace if self.text.is_empty() => return InputOutcome::Cancel,
            KeyCode::Backspace | KeyCode::Char(_) => {
                // A filter or a name never needs more than this; pasting a novel is a mistake.
                edit_at(&mut self.text, &mut None, key, 256)
            }
            _ => InputOutcome::Ignored,
        };
        self.error = None;
        outcome
    }
}

/// Byte offset of the `i`th character (the end when there are fewer).
fn byte_at(text: &str, i: usize) -> usize {
    text.char_indices().nth(i).map_or(text.len(), |(b, _)| b)
}

/// Edit `text` with a cursor: `None` is the end (where typing appends), `Some(i)` is before
/// the `i`th character. Left/right, home/end (and ctrl-a/ctrl-e) move; backspace and delete
/// remove around the cursor; ctrl-w removes the word before it, ctrl-u everything before it;
/// other characters are inserted there, up to `max_chars`. `Ignored` for any other key.
pub fn edit_at(
    text: &mut String,
    cursor: &mut Option<usize>,
    key: &KeyEvent,
    max_chars: usize,
) -> InputOutcome {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let len = text.chars().count();
    let mut at = cursor.unwrap_or(len).min(len);
    match key.code {
        KeyCode::Left => at = at.saturating_sub(1),
        KeyCode::Right => at = (at + 1).min(len),
        KeyCode::Home => at = 0,
        KeyCode::Char('a') if ctrl => at = 0,
        KeyCode::End => at = len,
        KeyCode::Char('e') if ctrl => at = len,
        KeyCode::Backspace => {
            if at > 0 {
                text.remove(byte_at(text, at - 1));
                at -= 1;
            }
        }
        KeyCode::Delete => {
            if at < len {
                text.remove(byte_at(text, at));
            }
        }
        KeyCode::Char('u') if ctrl => {
            text.replace_range(..byte_at(text, at), "");
            at = 0;
        }
        KeyCode::Char('w') if ctrl => {
            let end = byte_at(text, at);
            let start = text[..end]
                .trim_end()
                .rfind(' ')
                .map_or(0, |i| i + ' '.len_utf8());
            at -= text[start..end].chars().count();
            text.replace_range(start..end, "");
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            if len < max_chars {
                text.insert(byte_at(text, at), c);
                at += 1;
            }
        }
        _ => return InputOutcome::Ignored,
    }
    *cursor = (at < text.chars().count()).then_some(at);
    InputOutcome::Edited
}

/// A `:` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineCommand {
    Dashboard(String),
    Range(Duration),
    Context(String),
    Theme(String),
    View(ViewKind),
    /// `:sort COLUMN [asc|desc]`.
    Sort(SortKey, Option<bool>),
    GroupBy(Grouping),
    /// `:tz utc` (true) or `:tz local`.
    Clock(bool),
    /// `:query PROMQL`: an ad-hoc panel.
    Query(String),
    Live,
    Refresh,
    Help,
    Quit,
}

/// What a verb takes after it.
#[derive(Debug, Clone, Copy)]
enum Takes {
    /// Nothing: the command is made as it is.
    Nothing(fn() -> LineCommand),
    Dashboard,
    Range,
    Context,
    Theme,
    View,
    Sort,
    GroupBy,
    Clock,
    /// The rest of the line, spaces and all.
    Query,
}

/// A `:` verb: its name, the other spellings it answers to, the help text. The one place a
/// verb is written: parsing, completion and the help screen read it.
#[derive(Debug, Clone, Copy)]
pub struct Verb {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
    takes: Takes,
}

impl Verb {
    fn answers_to(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }
}

pub const VERBS: [Verb; 16] = [
    Verb {
        name: "dash",
        aliases: &["dashboard", "d"],
        help: "NAME|N  show a dashboard",
        takes: Takes::Dashboard,
    },
    Verb {
        name: "range",
        aliases: &[],
        help: "DURATION  e.g. 15m, 6h, 7d",
        takes: Takes::Range,
    },
    Verb {
        name: "context",
        aliases: &["ctx"],
        help: "NAME  switch to another context",
        takes: Takes::Context,
    },
    Verb {
        name: "theme",
        aliases: &[],
        help: "NAME  switch colour theme",
        takes: Takes::Theme,
    },
    Verb {
        name: "alerts",
        aliases: &[],
        help: "show alerts",
        takes: Takes::Nothing(|| LineCommand::View(ViewKind::Alerts)),
    },
    Verb {
        name: "silences",
        aliases: &[],
        help: "show silences",
        takes: Takes::Nothing(|| LineCommand::View(ViewKind::Silences)),
    },
    Verb {
        name: "incidents",
        aliases: &[],
        help: "show incidents",
        takes: Takes::Nothing(|| LineCommand::View(ViewKind::Incidents)),
    },
    Verb {
        name: "view",
        aliases: &[],
        help: "alerts|silences|incidents  show that view",
        takes: Takes::View,
    },
    Verb {
        name: "sort",
        aliases: &[],
        help: "COLUMN [asc|desc]  sort the list (shift-letter does too)",
        takes: Takes::Sort,
    },
    Verb {
        name: "group-by",
        aliases: &["group"],
        help: "LABEL|name|none  group the alerts",
        takes: Takes::GroupBy,
    },
    Verb {
        name: "query",
        aliases: &["explore"],
        help: "PROMQL  an ad-hoc panel (i inspects it)",
        takes: Takes::Query,
    },
    Verb {
        name: "tz",
        aliases: &["clock"],
        help: "utc|local  the clock of every time shown",
        takes: Takes::Clock,
    },
    Verb {
        name: "live",
        aliases: &[],
        help: "range ends now again",
        takes: Takes::Nothing(|| LineCommand::Live),
    },
    Verb {
        name: "refresh",
        aliases: &[],
        help: "refresh now",
        takes: Takes::Nothing(|| LineCommand::Refresh),
    },
    Verb {
        name: "help",
        aliases: &[],
        help: "show help",
        takes: Takes::Nothing(|| LineCommand::Help),
    },
    Verb {
        name: "quit",
        aliases: &["q"],
        help: "quit oncall",
        takes: Takes::Nothing(|| LineCommand::Quit),
    },
];

pub fn parse(text: &str) -> Result<LineCommand, String> {
    let mut words = text.split_whitespace();
    let Some(word) = words.next() else {
        return Err("type a command: dash, range, context, theme, ... (tab completes)".into());
    };
    let arg: Vec<&str> = words.collect();
    let Some(verb) = VERBS.iter().find(|v| v.answers_to(word)) else {
        return Err(format!(
            "unknown command `{word}`; try dash, range, context, theme (tab completes)"
        ));
    };
    let one = |what: &str| -> Result<String, String> {
        match arg.as_slice() {
            [a] => Ok(a.to_string()),
            [] => Err(format!("`{word}` needs {what}")),
            _ => Err(format!("`{word}` takes one {what}")),
        }
    };
    match verb.takes {
        Takes::Nothing(make) if arg.is_empty() => Ok(make()),
        Takes::Nothing(_) => Err(format!("`{word}` takes no argument")),
        Takes::Dashboard => one("a dashboard id or number").map(LineCommand::Dashboard),
        Takes::Range => parse_duration(&one("a duration such as 6h")?).map(LineCommand::Range),
        Takes::Context => one("a context name").map(LineCommand::Context),
        Takes::Theme => one("a theme name").map(LineCommand::Theme),
        Takes::View => {
            let v = one("alerts, silences or incidents")?;
            ViewKind::ALL
                .into_iter()
                .find(|k| k.name() == v)
                .map(LineCommand::View)
                .ok_or_else(|| format!("no view `{v}`; use alerts, silences or incidents"))
        }
        Takes::Sort => {
            let (key, way) = match arg.as_slice() {
                [key] => (key, None),
                [key, way] => (key, Some(*way)),
                _ => {
                    return Err(
                        "`sort` takes a column and asc or desc, e.g. `sort age desc`".into(),
                    )
                }
            };
            let reverse = match way {
                None => None,
                Some("asc") => Some(false),
                Some("desc") => Some(true),
                Some(other) => return Err(format!("`{other}`: use asc or desc")),
            };
            SortKey::parse(key).map(|k| LineCommand::Sort(k, reverse))
        }
        Takes::GroupBy => {
            one("a label name, `name` or `none`").map(|l| LineCommand::GroupBy(Grouping::parse(&l)))
        }
        Takes::Query => {
            let rest = text.trim_start()[word.len()..].trim();
            crate::dashboards::explore::check(rest).map(|e| LineCommand::Query(e.to_string()))
        }
        Takes::Clock => match one("utc or local")?.as_str() {
            "utc" | "UTC" => Ok(LineCommand::Clock(true)),
            "local" => Ok(LineCommand::Clock(false)),
            other => Err(format!("`{other}`: use utc or local")),
        },
    }
}

/// What can be completed after each verb.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pub dashboards: Vec<String>,
    pub themes: Vec<String>,
    pub contexts: Vec<String>,
    /// Label names of the alerts, for `:group-by`.
    pub labels: Vec<String>,
}

pub const RANGES: [&str; 10] = [
    "5m", "15m", "30m", "1h", "3h", "6h", "12h", "24h", "2d", "7d",
];

/// The possible completions of the word being typed, as whole lines.
pub fn completions(text: &str, c: &Candidates) -> Vec<String> {
    let ends_with_space = text.ends_with(' ');
    let words: Vec<&str> = text.split_whitespace().collect();
    match (words.as_slice(), ends_with_space) {
        ([], _) => VERBS.iter().map(|v| v.name.to_string()).collect(),
        ([partial], false) => VERBS
            .iter()
            .map(|v| v.name)
            .filter(|v| v.starts_with(partial))
            .map(|v| v.to_string())
            .collect(),
        ([verb], true) | ([verb, _], false) => {
            let partial = if ends_with_space { "" } else { words[1] };
            let takes = VERBS.iter().find(|v| v.answers_to(verb)).map(|v| v.takes);
            let pool: Vec<String> = match takes {
                Some(Takes::Dashboard) => c.dashboards.clone(),
                Some(Takes::Range) => RANGES.iter().map(|r| r.to_string()).collect(),
                Some(Takes::Context) => c.contexts.clone(),
                Some(Takes::Theme) => c.themes.clone(),
                Some(Takes::View) => ViewKind::ALL.iter().map(|v| v.name().to_string()).collect(),
                Some(Takes::Clock) => vec!["utc".into(), "local".into()],
                Some(Takes::Sort) => [
                    "severity", "state", "name", "age", "ends", "who", "service", "number",
                    "labels",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
                Some(Takes::GroupBy) => c.labels.clone(),
                _ => Vec::new(),
            };
            pool.into_iter()
                .filter(|p| p.starts_with(partial))
                .map(|p| format!("{verb} {p}"))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Tab: the single completion, or the longest prefix all completions share.
pub fn complete(text: &str, c: &Candidates) -> Option<String> {
    let options = completions(text, c);
    let first = options.first()?;
    if options.len() == 1 {
        return Some(format!("{first} "));
    }
    let mut prefix = first.clone();
    for o in &options[1..] {
        let common = prefix
            .chars()
            .zip(o.chars())
            .take_while(|(a, b)| a == b)
            .count();
        prefix = prefix.chars().take(common).collect();
    }
    (prefix.len() > text.len()).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new_with_kind(code, KeyModifiers::NONE, KeyEventKind::Press)
    }

    #[test]
    fn editing() {
        let mut i = LineInput::default();
        for c in "range 6h".chars() {
            assert_eq!(i.handle(&key(KeyCode::Char(c))), InputOutcome::Edited);
        }
        assert_eq!(i.text, "range 6h");
        i.handle(&key(KeyCode::Backspace));
        assert_eq!(i.text, "range 6");
        i.handle(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(i.text, "range ");
        assert_eq!(i.handle(&key(KeyCode::Enter)), InputOutcome::Submit);
        i.handle(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(i.handle(&key(KeyCode::Backspace)), InputOutcome::Cancel);
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn editing_inside_the_text_with_a_cursor() {
        let mut text = "alertname=Disk".to_string();
        let mut cursor = None;
        let mut press = |k: KeyEvent| edit_at(&mut text, &mut cursor, &k, 64);
        // Home, then insert at the start.
        press(key(KeyCode::Home));
        press(key(KeyCode::Char('!')));
        press(key(KeyCode::Delete));
        assert_eq!(press(key(KeyCode::F(1))), InputOutcome::Ignored);
        let (t, c) = (text.clone(), cursor);
        assert_eq!((t.as_str(), c), ("!lertname=Disk", Some(1)));
        let mut press = |k: KeyEvent| edit_at(&mut text, &mut cursor, &k, 64);
        press(key(KeyCode::Backspace));
        press(key(KeyCode::Char('a')));
        // End: typing appends again.
        press(key(KeyCode::End));
        press(key(KeyCode::Char('F')));
        assert_eq!(text, "alertname=DiskF");
        assert_eq!(cursor, None);
    }

    #[test]
    fn words_and_lines_are_cut_before_the_cursor_only() {
        let mut text = "job=api env=prod é".to_string();
        let mut cursor = None;
        for k in [key(KeyCode::Left), key(KeyCode::Left)] {
            edit_at(&mut text, &mut cursor, &k, 64);
        }
        assert_eq!(cursor, Some(16));
        edit_at(&mut text, &mut cursor, &ctrl('w'), 64);
        assert_eq!((text.as_str(), cursor), ("job=api  é", Some(8)));
        edit_at(&mut text, &mut cursor, &key(KeyCode::Right), 64);
        edit_at(&mut text, &mut cursor, &key(KeyCode::Right), 64);
        assert_eq!(cursor, None, "past the last character is the end");
        edit_at(&mut text, &mut cursor, &ctrl('a'), 64);
        edit_at(&mut text, &mut cursor, &key(KeyCode::Right), 64);
        edit_at(&mut text, &mut cursor, &ctrl('u'), 64);
        assert_eq!((text.as_str(), cursor), ("ob=api  é", Some(0)));
        edit_at(&mut text, &mut cursor, &ctrl('e'), 64);
        assert_eq!(cursor, None);
        // Full: typing is refused, not truncating what is there.
        let mut short = "ab".to_string();
        edit_at(&mut short, &mut Some(1), &key(KeyCode::Char('x')), 2);
        assert_eq!(short, "ab");
    }

    #[test]
    fn parses_commands_and_names_errors() {
        assert_eq!(
            parse("dash trading-engine"),
            Ok(LineCommand::Dashboard("trading-engine".into()))
        );
        assert_eq!(parse("d 3"), Ok(LineCommand::Dashboard("3".into())));
        assert_eq!(
            parse(" range 6h "),
            Ok(LineCommand::Range(Duration::from_secs(6 * 3600)))
        );
        assert_eq!(parse("theme light"), Ok(LineCommand::Theme("light".into())));
        assert_eq!(parse("ctx prod"), Ok(LineCommand::Context("prod".into())));
        assert_eq!(parse("q"), Ok(LineCommand::Quit));
        assert!(parse("range").unwrap_err().contains("needs"));
        assert!(parse("range 6").unwrap_err().contains("needs a unit"));
        assert!(parse("dash a b").unwrap_err().contains("takes one"));
        assert!(parse("launch").unwrap_err().contains("unknown command"));
        assert!(parse("").is_err());
    }

    #[test]
    fn completes_verbs_and_arguments() {
        let c = Candidates {
            dashboards: vec!["system-health".into(), "security".into(), "business".into()],
            themes: vec!["dark".into(), "light".into()],
            contexts: vec!["prod".into()],
            labels: vec!["cluster".into(), "instance".into()],
        };
        assert_eq!(complete("th", &c), Some("theme ".into()));
        assert_eq!(
            complete("group-by cl", &c),
            Some("group-by cluster ".into())
        );
        assert_eq!(complete("tz u", &c), Some("tz utc ".into()));
        assert_eq!(
            parse("sort age desc"),
            Ok(LineCommand::Sort(SortKey::Age, Some(true)))
        );
        assert_eq!(
            parse("group-by cluster"),
            Ok(LineCommand::GroupBy(Grouping::ByLabel("cluster".into())))
        );
        assert_eq!(
            parse("view silences"),
            Ok(LineCommand::View(ViewKind::Silences))
        );
        assert!(parse("sort colour").unwrap_err().contains("colour"));
        assert!(parse("tz mars").is_err());
        assert_eq!(
            parse("query sum by (job) (up)"),
            Ok(LineCommand::Query("sum by (job) (up)".into()))
        );
        assert!(parse("query").is_err());
        assert_eq!(
            completions("dash s", &c),
            vec!["dash system-health", "dash security"]
        );
        assert_eq!(complete("dash s", &c), None);
        assert_eq!(complete("dash sy", &c), Some("dash system-health ".into()));
        assert_eq!(complete("theme ", &c), None);
        assert_eq!(completions("theme ", &c), vec!["theme dark", "theme light"]);
        assert_eq!(complete("range 1", &c), None);
        assert_eq!(
            completions("range 1", &c),
            vec!["range 15m", "range 1h", "range 12h"]
        );
        assert_eq!(complete("ctx ", &c), Some("ctx prod ".into()));
    }
}
