//! A parsed runbook as styled, pre-wrapped lines for a scrollable pane, with the rows each step
//! takes so `x` can act on the step under the cursor and the view can scroll to it. Commands
//! wrap with a marker instead of being cut, and show the values they would run with.

use std::ops::Range;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::document::{Block, Inline, ListMarker, Runbook};
use super::fill::{fill, ForAlert, Piece};
use crate::sanitize::one_line;

/// The styles the pane uses; the caller maps them from its theme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Styles {
    pub text: Style,
    pub heading: Style,
    pub code: Style,
    pub link: Style,
    pub step: Style,
    pub selected: Style,
    pub muted: Style,
    /// A label value put into a command in place of its placeholder.
    pub value: Style,
    /// A placeholder that gets no value, and the reason under its step.
    pub refused: Style,
}

/// How to lay a runbook out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    pub width: u16,
    /// The step to highlight (1-based).
    pub selected: Option<usize>,
    /// Mark wrapped command lines with `>` instead of `↪`.
    pub ascii: bool,
    /// The alert whose labels fill the steps; without one they show as written.
    pub alert: Option<ForAlert<'a>>,
}

/// The lines to draw and, for step `n`, `steps[n - 1]`: the rows it takes, from its numbered
/// line through its wrapped lines and the notes under it.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub lines: Vec<Line<'static>>,
    pub steps: Vec<Range<usize>>,
}

/// Lay the runbook out.
pub fn render(runbook: &Runbook, styles: &Styles, options: &Options) -> Rendered {
    let width = usize::from(options.width.max(10));
    let mut out = Rendered::default();
    for (i, block) in runbook.blocks.iter().enumerate() {
        match block {
            Block::Heading { level, text } => {
                if i > 0 {
                    out.lines.push(Line::default());
                }
                let style = match level {
                    1 => styles
                        .heading
                        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                    _ => styles.heading.add_modifier(Modifier::BOLD),
                };
                let spans = spans(text, styles)
                    .into_iter()
                    .map(|s| s.style(style))
                    .collect();
                out.lines.extend(wrap(spans, width, Vec::new()));
            }
            Block::Paragraph(text) => {
                out.lines.push(Line::default());
                out.lines
                    .extend(wrap(spans(text, styles), width, Vec::new()));
            }
            Block::ListItem {
                depth,
                marker,
                text,
            } => {
                let indent = "  ".repeat(*depth);
                let bullet = match marker {
                    ListMarker::Bullet => format!("{indent}• "),
                    ListMarker::Number(n) => format!("{indent}{n}. "),
                };
                let mut first = vec![Span::styled(bullet.clone(), styles.muted)];
                first.extend(spans(text, styles));
                let hang = vec![Span::raw(" ".repeat(bullet.width()))];
                out.lines.extend(wrap(first, width, hang));
            }
            Block::Code { text, step, .. } => {
                let start = out.lines.len();
                out.lines
                    .extend(code(runbook, text, *step, width, styles, options));
                if step.is_some() {
                    out.steps.push(start..out.lines.len());
                }
            }
        }
    }
    out
}

/// A code block: every line wrapped under its `[n] ` (or blank) prefix with a marker, the
/// step's placeholders filled for the alert, and why a value is missing beneath.
fn code(
    runbook: &Runbook,
    text: &str,
    step: Option<usize>,
    width: usize,
    styles: &Styles,
    options: &Options,
) -> Vec<Line<'static>> {
    let number = step.map(|n| {
        let style = if options.selected == Some(n) {
            styles.selected
        } else {
            styles.step
        };
        Span::styled(format!("[{n}] "), style)
    });
    let indent = number.as_ref().map_or(4, |s| s.content.width());
    let marker = if options.ascii { "> " } else { "↪ " };
    let marker = Span::styled(format!("{marker:>indent$}"), styles.muted);
    let command = step.and_then(|n| runbook.step(n));
    let filled = match (command, options.alert) {
        (Some(command), Some(alert)) => Some(fill(text, &command.command, alert)),
        _ => None,
    };
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let cells = match filled.as_ref().and_then(|f| f.lines.get(n)) {
            Some(pieces) => pieces
                .iter()
                .flat_map(|piece| {
                    let (text, style) = match piece {
                        Piece::Text(t) => (one_line(t), styles.code),
                        Piece::Value { value, .. } => (one_line(value), styles.value),
                        Piece::Refused { written, .. } => (one_line(written), styles.refused),
                    };
                    text.chars().map(move |c| (c, style)).collect::<Vec<_>>()
                })
                .collect(),
            None => one_line(line).chars().map(|c| (c, styles.code)).collect(),
        };
        let first = match (&number, n) {
            (Some(number), 0) => number.clone(),
            _ => Span::raw(" ".repeat(indent)),
        };
        lines.extend(wrap_code(first, &marker, cells, width));
    }
    for note in filled.iter().flat_map(|f| &f.notes) {
        let first = vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(format!("! {}", one_line(note)), styles.refused),
        ];
        let hang = vec![Span::raw(" ".repeat(indent + 2))];
        lines.extend(wrap(first, width, hang));
    }
    lines
}

/// Wrap a command line to `width`: `first` starts it, `marker` (as wide) starts each
/// continuation. Breaks go after a space where the row has one, else mid-word; every
/// character is kept, so the rows joined are the line.
fn wrap_code(
    first: Span<'static>,
    marker: &Span<'static>,
    cells: Vec<(char, Style)>,
    width: usize,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(first.content.width()).max(1);
    let mut lines = Vec::new();
    let mut start = 0;
    let mut prefix = first;
    loop {
        let mut used = 0;
        let mut end = start;
        while end < cells.len() {
            let w = cells[end].0.width().unwrap_or(0);
            if used + w > room && end > start {
                break;
            }
            used += w;
            end += 1;
        }
        if end < cells.len() {
            // Move the cut word to the next row, unless it would not fit there either.
            let after_space = (start + 1..end).rev().find(|&i| cells[i - 1].0 == ' ');
            if let Some(at) = after_space {
                let word: usize = cells[at..]
                    .iter()
                    .take_while(|(c, _)| *c != ' ')
                    .map(|(c, _)| c.width().unwrap_or(0))
                    .sum();
                if word <= room {
                    end = at;
                }
            }
        }
        let mut spans = vec![prefix];
        spans.extend(group(&cells[start..end]));
        lines.push(Line::from(spans));
        if end >= cells.len() {
            return lines;
        }
        start = end;
        prefix = marker.clone();
    }
}

/// The longest start of `text` at most `cols` cells wide, and the rest.
fn split_at_width(text: &str, cols: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > cols {
            return text.split_at(i);
        }
    }
    (text, "")
}

/// Runs of equally styled characters as spans.
fn group(cells: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    for &(c, style) in cells {
        match spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push(c),
            _ => spans.push(Span::styled(c.to_string(), style)),
        }
    }
    spans
}

fn spans(inlines: &[Inline], styles: &Styles) -> Vec<Span<'static>> {
    inlines
        .iter()
        .flat_map(|inline| match inline {
            Inline::Text(t) => vec![Span::styled(one_line(t), styles.text)],
            Inline::Code(t) => vec![Span::styled(one_line(t), styles.code)],
            Inline::Strong(t) => vec![Span::styled(
                one_line(t),
                styles.text.add_modifier(Modifier::BOLD),
            )],
            // The target is shown, not hidden behind the text, so a link cannot pretend to
            // go somewhere else.
            Inline::Link { text, url } => vec![
                Span::styled(one_line(text), styles.text),
                Span::styled(format!(" <{}>", one_line(url)), styles.link),
            ],
        })
        .collect()
}

/// Word-wrap spans to `width`, continuing lines with `hang` (a list item's indent).
fn wrap(spans: Vec<Span<'static>>, width: usize, hang: Vec<Span<'static>>) -> Vec<Line<'static>> {
    let hang_width: usize = hang.iter().map(|s| s.content.width()).sum();
    let mut lines = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        // Split into words keeping their trailing spaces, so styles survive the wrap.
        for word in span.content.split_inclusive(' ') {
            // A trailing space may hang past the edge; the word's last character may not.
            let visible = word.trim_end_matches(' ').width();
            if used + visible > width && used > hang_width {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.extend(hang.iter().cloned());
                used = hang_width;
            }
            // A word wider than a whole row (a long link) is cut by character rather than
            // lost past the edge.
            let mut rest = word;
            while used + rest.trim_end_matches(' ').width() > width {
                let (head, tail) = split_at_width(rest, width.saturating_sub(used));
                if head.is_empty() {
                    break;
                }
                current.push(Span::styled(head.to_string(), span.style));
                lines.push(Line::from(std::mem::take(&mut current)));
                current.extend(hang.iter().cloned());
                used = hang_width;
                rest = tail;
            }
            current.push(Span::styled(rest.to_string(), span.style));
            used += rest.width();
        }
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::runbooks::{parse, ValuePolicy};

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    fn plain(width: u16) -> Options<'static> {
        Options {
            width,
            ..Options::default()
        }
    }

    #[test]
    fn steps_are_numbered_and_located() {
        let rb = parse("# A\n\n## Diagnosis\n\n1. Look at it.\n\n```sh\nls -l\n```\n\n2. Then this.\n\n```sh\nid\n```\n").unwrap();
        let options = Options {
            selected: Some(2),
            ..plain(40)
        };
        let r = render(&rb, &Styles::default(), &options);
        assert_eq!(r.steps.len(), 2);
        assert_eq!(text(&r.lines[r.steps[0].start]), "[1] ls -l");
        assert_eq!(text(&r.lines[r.steps[1].start]), "[2] id");
        assert_eq!(r.steps[1].len(), 1);
        assert!(r.lines.iter().any(|l| text(l) == "1. Look at it."));
    }

    #[test]
    fn paragraphs_wrap_with_links_visible() {
        let rb = parse(
            "# A\n\nsee [the docs](https://example.com/very/long/path) for more words here\n",
        )
        .unwrap();
        let r = render(&rb, &Styles::default(), &plain(20));
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(all.iter().all(|l| l.trim_end().width() <= 20), "{all:?}");
        // Rows end in the space they broke at, or mid-link: joined, they are the text.
        assert!(
            all.concat()
                .contains("see the docs <https://example.com/very/long/path> for more"),
            "{all:?}"
        );
    }

    #[test]
    fn list_items_hang_under_their_marker() {
        let rb = parse("# A\n\n- one two three four five six\n").unwrap();
        let r = render(&rb, &Styles::default(), &plain(12));
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(all.iter().any(|l| l.starts_with("• one")), "{all:?}");
        assert!(all.iter().any(|l| l.starts_with("  ")), "{all:?}");
    }

    #[test]
    fn the_last_word_of_a_row_is_never_clipped() {
        // "abc defgh." fits 10 cells exactly; "abcd efghi." is one too many, so its last
        // word moves down whole instead of losing its full stop at the edge.
        let rb = parse("# A\n\nabc defgh.\n").unwrap();
        let r = render(&rb, &Styles::default(), &plain(10));
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(all.contains(&"abc defgh.".to_string()), "{all:?}");
        let rb = parse("# A\n\nabcd efghi.\n").unwrap();
        let r = render(&rb, &Styles::default(), &plain(10));
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(all.contains(&"efghi.".to_string()), "{all:?}");
        assert!(all.iter().all(|l| l.trim_end().width() <= 10), "{all:?}");
    }

    #[test]
    fn a_link_longer_than_the_row_is_cut_not_lost() {
        let url = "https://wiki.example.com/runbooks/platform/service-down#diagnosis";
        let rb = parse(&format!("# A\n\n- see [the wiki]({url}) first\n")).unwrap();
        let r = render(&rb, &Styles::default(), &plain(24));
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(all.iter().all(|l| l.width() <= 24), "{all:?}");
        let joined: String = all.iter().map(|l| l.trim_start()).collect();
        assert!(joined.contains(&format!("<{url}>")), "{all:?}");
    }

    const LONG: &str = "curl -sG http://prometheus:9090/api/v1/targets --data-urlencode 'state=active' --data-urlencode 'scrapePool=$job'";

    /// The rows of step 1 with their 4-cell prefix removed, joined: the line as drawn.
    fn joined(r: &Rendered, step: usize) -> String {
        r.lines[r.steps[step - 1].clone()]
            .iter()
            .map(|l| text(l).chars().skip(4).collect::<String>())
            .collect()
    }

    #[test]
    fn long_commands_wrap_under_the_number_with_a_marker_and_keep_every_character() {
        let rb = parse(&format!("# A\n\n```sh\n{LONG}\n```\n")).unwrap();
        for (ascii, marker) in [(false, "  ↪ "), (true, "  > ")] {
            let options = Options { ascii, ..plain(40) };
            let r = render(&rb, &Styles::default(), &options);
            let rows: Vec<String> = r.lines[r.steps[0].clone()].iter().map(text).collect();
            assert!(rows.len() >= 3, "{rows:?}");
            assert!(rows[0].starts_with("[1] curl"), "{rows:?}");
            assert!(rows[1..].iter().all(|l| l.starts_with(marker)), "{rows:?}");
            assert!(rows.iter().all(|l| l.width() <= 40), "{rows:?}");
            assert_eq!(joined(&r, 1), LONG);
            // A word that fits a row is not cut; the URL, longer than a row, is.
            assert!(rows[0].ends_with("/api/"), "{rows:?}");
            assert!(
                rows[1..rows.len() - 1].iter().all(|l| l.ends_with(' ')),
                "{rows:?}"
            );
        }
    }

    #[test]
    fn a_word_longer_than_the_row_is_cut_by_character() {
        let url = "http://prometheus:9090/api/v1/query?query=up";
        let rb = parse(&format!("# A\n\n```sh\ncurl {url}\n```\n")).unwrap();
        let r = render(&rb, &Styles::default(), &plain(20));
        let rows: Vec<String> = r.lines[r.steps[0].clone()].iter().map(text).collect();
        assert!(rows.iter().all(|l| l.width() <= 20), "{rows:?}");
        assert_eq!(joined(&r, 1), format!("curl {url}"));
    }

    #[test]
    fn steps_show_the_alerts_values_and_why_one_is_missing() {
        let rb = parse(&format!(
            "# A\n\n```sh\n{LONG}\n```\n\n```sh\nkubectl logs $pod -l app=$job\n```\n"
        ))
        .unwrap();
        let labels: BTreeMap<String, String> =
            [("job".to_string(), "wallet-service".to_string())].into();
        let policy = ValuePolicy::default();
        let styles = Styles {
            value: Style::new().add_modifier(Modifier::BOLD),
            refused: Style::new().add_modifier(Modifier::REVERSED),
            ..Styles::default()
        };
        let options = Options {
            alert: Some(ForAlert {
                labels: &labels,
                policy: &policy,
            }),
            ..plain(60)
        };
        let r = render(&rb, &styles, &options);
        assert_eq!(joined(&r, 1), LONG.replace("$job", "wallet-service"));
        let value = r.lines[r.steps[0].clone()]
            .iter()
            .flat_map(|l| &l.spans)
            .find(|s| s.style == styles.value)
            .expect("a value span");
        assert_eq!(value.content, "wallet-service");

        let rows: Vec<&Line> = r.lines[r.steps[1].clone()].iter().collect();
        assert_eq!(text(rows[0]), "[2] kubectl logs $pod -l app=wallet-service");
        assert!(rows[0]
            .spans
            .iter()
            .any(|s| s.content == "$pod" && s.style == styles.refused));
        assert_eq!(text(rows[1]), "    ! label pod missing");
    }
}
