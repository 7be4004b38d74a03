//! The note being typed for an incident, and the snooze lengths to pick from.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::overlay::frame;
use super::silence_form::{centered, draw_lines};
use crate::sanitize::one_line;
use crate::tui::app::App;
use crate::tui::input::LineInput;
use crate::tui::widgets::truncate;

pub fn render_note(app: &App, name: &str, input: &LineInput, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let outer = centered(area, 90, 7);
    let inner = frame(app, outer, "Note on the incident", buf);
    let room = usize::from(inner.width).saturating_sub(3);
    // The end of a long note stays in view, where typing goes.
    let text = one_line(&input.text);
    let shown: String = {
        let chars: Vec<char> = text.chars().collect();
        chars[chars.len().saturating_sub(room)..].iter().collect()
    };
    let mut lines = vec![
        Line::from(Span::styled(format!(" {}", truncate(name, room)), t.accent)),
        Line::from(vec![
            Span::styled(format!(" {shown}"), t.text),
            Span::styled("█", t.accent),
        ]),
    ];
    if let Some(e) = &input.error {
        lines.push(Line::from(Span::styled(
            format!(" ✗ {}", one_line(e)),
            t.critical,
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " enter: review and send · esc: drop it",
        t.muted,
    )));
    draw_lines(lines, inner, buf);
}

pub fn render_snooze(app: &App, name: &str, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let outer = centered(area, 70, 6);
    let inner = frame(app, outer, "Snooze the incident", buf);
    let key = |k: &str| Span::styled(k.to_string(), t.key_hint.add_modifier(Modifier::BOLD));
    let mut picks = vec![Span::raw(" ")];
    for (n, m) in crate::tui::app::incident_work::SNOOZE_MINUTES
        .iter()
        .enumerate()
    {
        picks.push(key(&(n + 1).to_string()));
        let length = crate::duration::format_duration(std::time::Duration::from_secs(m * 60));
        picks.push(Span::styled(format!(" {length}   "), t.text));
    }
    picks.push(key("esc"));
    picks.push(Span::styled(" back", t.muted));
    let lines = vec![
        Line::from(Span::styled(format!(" {}", one_line(name)), t.accent)),
        Line::from(Span::styled(
            " it triggers again when the snooze ends",
            t.muted,
        )),
        Line::from(""),
        Line::from(picks),
    ];
    draw_lines(lines, inner, buf);
}
