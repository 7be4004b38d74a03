//! A parsed runbook as styled, pre-wrapped lines for a scrollable pane, with where each step
//! starts so `x` can act on the step under the cursor and the view can scroll to it.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::document::{Block, Inline, ListMarker, Runbook};
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
}

/// The lines to draw and, for step `n`, `step_lines[n - 1]` is the line its command is on.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub lines: Vec<Line<'static>>,
    pub step_lines: Vec<usize>,
}

/// Lay the runbook out `width` cells wide. `selected` is the step to highlight (1-based).
pub fn render(runbook: &Runbook, width: u16, styles: &Styles, selected: Option<usize>) -> Rendered {
    let width = usize::from(width.max(10));
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
                for (n, line) in text.lines().enumerate() {
                    let mut spans = Vec::new();
                    match step {
                        Some(number) if n == 0 => {
                            out.step_lines.push(out.lines.len());
                            let style = if selected == Some(*number) {
                                styles.selected
                            } else {
                                styles.step
                            };
                            spans.push(Span::styled(format!("[{number}] "), style));
                        }
                        _ => spans.push(Span::raw("    ")),
                    }
                    spans.push(Span::styled(one_line(line), styles.code));
                    // Commands are not wrapped: a wrapped command reads as two.
                    out.lines.push(Line::from(spans));
                }
            }
        }
    }
    out
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
            let w = word.width();
            if used + w.saturating_sub(1) > width && used > hang_width {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.extend(hang.iter().cloned());
                used = hang_width;
            }
            current.push(Span::styled(word.to_string(), span.style));
            used += w;
        }
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbooks::parse;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn steps_are_numbered_and_located() {
        let rb = parse("# A\n\n## Diagnosis\n\n1. Look at it.\n\n```sh\nls -l\n```\n\n2. Then this.\n\n```sh\nid\n```\n").unwrap();
        let r = render(&rb, 40, &Styles::default(), Some(2));
        assert_eq!(r.step_lines.len(), 2);
        assert_eq!(text(&r.lines[r.step_lines[0]]), "[1] ls -l");
        assert_eq!(text(&r.lines[r.step_lines[1]]), "[2] id");
        assert!(r.lines.iter().any(|l| text(l) == "1. Look at it."));
    }

    #[test]
    fn paragraphs_wrap_with_links_visible() {
        let rb = parse(
            "# A\n\nsee [the docs](https://example.com/very/long/path) for more words here\n",
        )
        .unwrap();
        let r = render(&rb, 20, &Styles::default(), None);
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(
            all.iter()
                .all(|l| l.trim_end().width() <= 20 || !l.contains(' ')),
            "{all:?}"
        );
        assert!(
            all.join(" ")
                .contains("<https://example.com/very/long/path>"),
            "{all:?}"
        );
    }

    #[test]
    fn list_items_hang_under_their_marker() {
        let rb = parse("# A\n\n- one two three four five six\n").unwrap();
        let r = render(&rb, 12, &Styles::default(), None);
        let all: Vec<String> = r.lines.iter().map(text).collect();
        assert!(all.iter().any(|l| l.starts_with("• one")), "{all:?}");
        assert!(all.iter().any(|l| l.starts_with("  ")), "{all:?}");
    }
}
