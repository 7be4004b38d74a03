//! The silence form and the confirmation box. The form shows, while typing, how many and which
//! current alerts the silence would mute and why it may be too broad.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::overlay::frame;
use crate::sanitize::one_line;
use crate::triage::alert_list::label_summary;
use crate::triage::silence_form::{local_now, Field, SilenceForm, LENGTHS};
use crate::tui::app::{App, Confirm};
use crate::tui::widgets::{truncate, width};

/// A box of `w`×`h` in the middle of `area`.
pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub(super) fn draw_lines(lines: Vec<Line>, inner: Rect, buf: &mut Buffer) {
    for (i, line) in lines
        .into_iter()
        .take(usize::from(inner.height))
        .enumerate()
    {
        buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
    }
}

/// Cells of a field's label (`›` and nine for the name).
const LABEL_CELLS: usize = 10;

/// The text before and after the cursor cut to `room` cells so the cursor stays in view:
/// what follows the cursor gets at most a third, what precedes it the rest (its start gives
/// way, marked `…`).
fn around_cursor(before: &str, after: &str, room: usize) -> (String, String) {
    if width(before) + width(after) <= room {
        return (before.to_string(), after.to_string());
    }
    let after = truncate(after, (room / 3).min(width(after)));
    let keep = room.saturating_sub(width(&after));
    if width(before) <= keep {
        return (before.to_string(), after);
    }
    if keep == 0 {
        return (String::new(), after);
    }
    // The tail of `before` in `keep - 1` cells, after an ellipsis.
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in before.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > keep - 1 {
            break;
        }
        used += w;
        tail.push(c);
    }
    let mut shown = String::from("…");
    shown.extend(tail.into_iter().rev());
    (shown, after)
}

pub fn render_form(app: &App, form: &SilenceForm, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let outer = centered(area, 96, area.height.saturating_sub(2).max(3));
    let title = if form.replaces.is_some() {
        "Edit silence"
    } else {
        "New silence"
    };
    let inner = frame(app, outer, title, buf);
    if inner.width < 10 || inner.height == 0 {
        return;
    }
    let focus = form.focused();
    // What is left of a line after the field's label.
    let room = usize::from(inner.width).saturating_sub(LABEL_CELLS);
    // The focused field shows the cursor where typing goes: a block at the end, or the
    // character under it reversed; a long value is cut so the cursor stays in view.
    let value = |text: &str, on: bool| -> Vec<Span<'static>> {
        if !on {
            return vec![Span::styled(one_line(text), t.text)];
        }
        let (before, under, after) = SilenceForm::split_at_cursor(text, form.cursor);
        let under_text = under.map(|c| one_line(&c.to_string()));
        let cursor_cells = under_text.as_deref().map_or(1, width).max(1);
        let (before, after) = around_cursor(
            &one_line(before),
            &one_line(after),
            room.saturating_sub(cursor_cells),
        );
        let under = match under_text {
            Some(c) => Span::styled(c, t.accent.add_modifier(Modifier::REVERSED)),
            None => Span::styled("█", t.accent),
        };
        vec![
            Span::styled(before, t.text),
            under,
            Span::styled(after, t.text),
        ]
    };
    let label = |text: &str, on: bool| {
        Span::styled(
            format!("{}{text:<9}", if on { "›" } else { " " }),
            if on {
                t.accent.add_modifier(Modifier::BOLD)
            } else {
                t.muted
            },
        )
    };
    let mut lines: Vec<Line> = Vec::new();
    if form.one_each {
        lines.push(Line::from(Span::styled(
            format!(
                " One silence per marked alert ({}); ctrl-t: one with their common matchers",
                form.per_alert.len()
            ),
            t.muted,
        )));
        let shown = form.per_alert.len().min(6);
        for m in form.per_alert.iter().take(shown) {
            lines.push(Line::from(vec![
                label("", false),
                Span::styled(one_line(&m.join(", ")), t.text),
            ]));
        }
        if form.per_alert.len() > shown {
            lines.push(Line::from(Span::styled(
                format!("   … and {} more", form.per_alert.len() - shown),
                t.muted,
            )));
        }
    } else {
        let toggle = if form.per_alert.len() > 1 {
            "; ctrl-t: one per marked alert"
        } else {
            ""
        };
        lines.push(Line::from(Span::styled(
            format!(" Matchers (one per line: = != =~ !~; ctrl-n adds, ctrl-d removes{toggle})"),
            t.muted,
        )));
        for (i, m) in form.matchers.iter().enumerate() {
            let on = focus == Field::Matcher(i);
            let mut spans = vec![label("", on)];
            spans.extend(value(m, on));
            lines.push(Line::from(spans));
        }
    }
    let on = focus == Field::Length;
    let mut length = vec![label("length", on)];
    for (i, l) in LENGTHS.iter().enumerate() {
        let style = if i == form.length {
            t.selection.add_modifier(Modifier::BOLD)
        } else {
            t.muted
        };
        let text = if i == form.length {
            format!("[{}]", l.label())
        } else {
            format!(" {} ", l.label())
        };
        length.push(Span::styled(text, style));
    }
    if on {
        length.push(Span::styled("  ←/→", t.muted));
    }
    lines.push(Line::from(length));
    let text_field = |name: &str, text: &str, field: Field| {
        let on = focus == field;
        let mut spans = vec![label(name, on)];
        spans.extend(value(text, on));
        Line::from(spans)
    };
    if form.fields().contains(&Field::Start) {
        lines.push(text_field("start", &form.start, Field::Start));
        lines.push(text_field("end", &form.end, Field::End));
    }
    lines.push(text_field("comment", &form.comment, Field::Comment));
    lines.push(text_field("author", &form.author, Field::Author));
    let now = local_now(app.now_ms, app.offset);
    let preview = form.preview(app.triage.entries.iter().map(|e| &*e.alert), now);
    lines.push(Line::from(Span::styled(
        format!(
            " ── mutes {} current alert{} ──",
            preview.muted.len(),
            if preview.muted.len() == 1 { "" } else { "s" }
        ),
        t.accent.add_modifier(Modifier::BOLD),
    )));
    for w in &preview.warnings {
        lines.push(Line::from(Span::styled(
            format!(" ⚠ {}", one_line(w)),
            t.warning,
        )));
    }
    if let Some(p) = &preview.problem {
        lines.push(Line::from(Span::styled(
            format!(" ✗ {}", one_line(p)),
            t.critical,
        )));
    }
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(
            format!(" ✗ {}", one_line(e)),
            t.critical,
        )));
    }
    // The footer keeps its line; the muted alerts get what is left.
    let room = usize::from(inner.height).saturating_sub(lines.len() + 1);
    let shown = preview.muted.len().min(room);
    for a in preview.muted.iter().take(shown) {
        let text = format!(
            "   {} {}",
            one_line(a.alertname()),
            one_line(&label_summary(a, false))
        );
        lines.push(Line::from(Span::styled(
            truncate(&text, usize::from(inner.width)),
            t.text,
        )));
    }
    if preview.muted.len() > shown && shown > 0 {
        if let Some(last) = lines.last_mut() {
            *last = Line::from(Span::styled(
                format!("   … and {} more", preview.muted.len() - shown + 1),
                t.muted,
            ));
        }
    }
    while lines.len() + 1 < usize::from(inner.height) {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        " ctrl-s create · tab next field · ↑↓ line · esc close",
        Style::default().patch(t.muted),
    )));
    draw_lines(lines, inner, buf);
}

/// "Do this?": every line of what will happen, wrapped (never cut: the user must see the
/// whole ID, every matcher, the whole argv), scrolled with up/down when taller than the
/// screen; the keys stay on the last row.
pub fn render_confirm(app: &App, confirm: &Confirm, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let width = area.width.min(90);
    let text_cells = usize::from(width.saturating_sub(3)).max(1);
    let mut lines: Vec<Line> = Vec::new();
    for l in &confirm.lines {
        let style = if l.starts_with("warning:") {
            t.warning
        } else {
            t.text
        };
        for (i, piece) in crate::tui::widgets::wrap(l, text_cells, usize::MAX)
            .into_iter()
            .enumerate()
        {
            // Continuation lines are indented, so where a line wraps is visible.
            let lead = if i == 0 { " " } else { "   " };
            lines.push(Line::from(Span::styled(format!("{lead}{piece}"), style)));
        }
    }
    let h = (lines.len() as u16 + 4).min(area.height);
    let outer = centered(area, width, h);
    let inner = frame(app, outer, "Confirm", buf);
    let room = usize::from(inner.height.saturating_sub(2));
    let last_start = lines.len().saturating_sub(room);
    let start = usize::from(confirm.scroll).min(last_start);
    let more_above = start > 0;
    let more_below = start + room < lines.len();
    let shown: Vec<Line> = lines.into_iter().skip(start).take(room).collect();
    draw_lines(shown, inner, buf);
    let mut keys = vec![
        Span::styled(" y", t.key_hint.add_modifier(Modifier::BOLD)),
        Span::styled(" do it   ", t.muted),
        Span::styled("n/esc", t.key_hint.add_modifier(Modifier::BOLD)),
        Span::styled(" go back", t.muted),
    ];
    if more_above || more_below {
        keys.push(Span::styled(
            "   ↑↓",
            t.key_hint.add_modifier(Modifier::BOLD),
        ));
        keys.push(Span::styled(
            match (more_above, more_below) {
                (_, true) => " more below",
                _ => " more above",
            },
            t.muted,
        ));
    }
    if inner.height > 0 {
        let y = inner.y + inner.height - 1;
        buf.set_line(inner.x, y, &Line::from(keys), inner.width);
    }
}

pub fn render_extend(app: &App, silence: &crate::model::Silence, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let outer = centered(area, 70, 8);
    let inner = frame(app, outer, "Extend silence", buf);
    let from = if silence.status == crate::model::SilenceState::Expired {
        "expired: a new silence like it starts now".to_string()
    } else {
        format!(
            "ends {}",
            crate::tui::widgets::format_clock(silence.ends_at.timestamp_millis(), app.offset)
        )
    };
    let lines = vec![
        Line::from(Span::styled(
            format!(" {}", one_line(&silence.matchers_display())),
            t.accent,
        )),
        Line::from(Span::styled(format!(" {from}"), t.muted)),
        Line::from(""),
        Line::from(vec![
            Span::styled(" 1", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" +15m   ", t.text),
            Span::styled("2", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" +1h   ", t.text),
            Span::styled("3", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" +2h   ", t.text),
            Span::styled("4", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" +4h   ", t.text),
            Span::styled("esc", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" back", t.muted),
        ]),
    ];
    draw_lines(lines, inner, buf);
}

/// Which incident to acknowledge: each candidate whole (number, title, service, status, how
/// it was matched), wrapped; the list scrolls to keep the selected one in view.
pub fn render_pick_incident(
    app: &App,
    choices: &[(String, String)],
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = &app.theme;
    let width = area.width.min(90);
    let text_cells = usize::from(width.saturating_sub(4)).max(1);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_rows = 0..0;
    for (i, (_, label)) in choices.iter().enumerate() {
        let style = if i == selected { t.selection } else { t.text };
        let marker = if i == selected { "›" } else { " " };
        let first = lines.len();
        for (n, piece) in crate::tui::widgets::wrap(&one_line(label), text_cells, usize::MAX)
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 { marker } else { " " };
            lines.push(Line::from(Span::styled(format!("{lead} {piece}"), style)));
        }
        if i == selected {
            selected_rows = first..lines.len();
        }
    }
    let h = (lines.len() as u16 + 4).min(area.height);
    let outer = centered(area, width, h);
    let inner = frame(app, outer, "Which incident to acknowledge?", buf);
    let room = usize::from(inner.height.saturating_sub(2)).max(1);
    let start = selected_rows
        .end
        .saturating_sub(room)
        .min(selected_rows.start);
    let shown: Vec<Line> = lines.into_iter().skip(start).take(room).collect();
    draw_lines(shown, inner, buf);
    if inner.height > 0 {
        let keys = Line::from(vec![
            Span::styled(" enter", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" acknowledge   ", t.muted),
            Span::styled("↑↓", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" choose   ", t.muted),
            Span::styled("esc", t.key_hint.add_modifier(Modifier::BOLD)),
            Span::styled(" cancel", t.muted),
        ]);
        buf.set_line(inner.x, inner.y + inner.height - 1, &keys, inner.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_around_the_cursor() {
        assert_eq!(around_cursor("abc", "de", 10), ("abc".into(), "de".into()));
        let before = "x".repeat(50);
        let (b, a) = around_cursor(&before, "yyyyyyyyyy", 24);
        assert_eq!(a, "yyyyyyy…", "a third for what follows");
        assert!(b.starts_with('…') && b.ends_with('x'), "{b}");
        assert_eq!(width(&b) + width(&a), 24);
        // At the end: all the room goes to the text before the cursor.
        let (b, a) = around_cursor(&before, "", 20);
        assert_eq!((width(&b), a.as_str()), (20, ""));
        // Wide characters are never split.
        let (b, _) = around_cursor("日本語日本語", "", 5);
        assert_eq!(b, "…本語");
    }
}
