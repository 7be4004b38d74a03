//! The runbook pane beside the alerts list (the whole body on a narrow terminal), and the
//! confirmation that shows a step's exact argv. Runbook text comes from files and links we
//! trust less than our code: everything drawn here is sanitized.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::runbooks::render::Styles;
use crate::runbooks::LoadError;
use crate::sanitize::one_line;
use crate::tui::app::runbook::{ConfirmRun, OpenRunbook, RunbookLoad};
use crate::tui::app::App;
use crate::tui::command::Command;
use crate::tui::keymap::Mode;
use crate::tui::layout;
use crate::tui::widgets::truncate;

pub fn styles(app: &App) -> Styles {
    let t = &app.theme;
    Styles {
        text: t.text,
        heading: t.accent,
        code: t.ok,
        link: t.accent.add_modifier(Modifier::UNDERLINED),
        step: t.key_hint.add_modifier(Modifier::BOLD),
        selected: t.selection.add_modifier(Modifier::BOLD),
        muted: t.muted,
        value: t.accent.add_modifier(Modifier::BOLD),
        refused: t.critical.add_modifier(Modifier::BOLD),
    }
}

/// The key bound to `command` in the runbook, for the text that names it.
fn key_for(app: &App, command: Command) -> String {
    app.keymap
        .hint_key(Mode::Runbook, command)
        .map_or_else(|| command.to_string(), |k| k.to_string())
}

/// Draw the open runbook into `pane`.
pub fn render(app: &App, pane: Rect, buf: &mut Buffer) {
    let Some(open) = app.runbook.open.as_ref() else {
        return;
    };
    if pane.width < 12 || pane.height < 2 {
        return;
    }
    let t = &app.theme;
    Clear.render(pane, buf);
    let rule = if app.prefs.ascii { "|" } else { "│" };
    for y in pane.y..pane.y + pane.height {
        buf.set_string(pane.x, y, rule, t.border);
    }
    let header = open.header_rows();
    let text = layout::runbook_text(pane, header);
    let rendered = open.layout(text.width, &styles(app), &app.prefs);

    // Title: which alert, which file, where in it.
    let mut title = vec![
        Span::styled("Runbook ", t.accent.add_modifier(Modifier::BOLD)),
        Span::styled(
            truncate(&one_line(&open.alertname), 40),
            t.text.add_modifier(Modifier::BOLD),
        ),
    ];
    if let Some(loaded) = open.loaded() {
        title.push(Span::styled(
            format!(" · {}", one_line(&loaded.found.origin.to_string())),
            t.muted,
        ));
        let steps = loaded.runbook.steps.len();
        if let (Some(n), true) = (open.selected, steps > 0) {
            title.push(Span::styled(format!(" · step {n}/{steps}"), t.accent));
        }
    }
    buf.set_line(text.x, pane.y, &Line::from(title), text.width);

    match (&open.load, rendered) {
        (RunbookLoad::Ready(loaded), Some(rendered)) => {
            if let Some(url) = &loaded.unfetched {
                let line = Line::from(vec![
                    Span::styled("link ", t.muted),
                    Span::styled(one_line(url.as_str()), t.accent),
                    Span::styled(" not fetched", t.warning),
                    Span::styled(
                        format!(
                            " · {} shows it · to fetch it, add its host to runbook_allowed_hosts",
                            key_for(app, Command::ShowUrl)
                        ),
                        t.muted,
                    ),
                ]);
                buf.set_line(text.x, pane.y + 1, &line, text.width);
            }
            let selected_rows = open
                .selected
                .and_then(|n| rendered.steps.get(n.wrapping_sub(1)))
                .cloned()
                .unwrap_or_default();
            for (row, (n, line)) in rendered
                .lines
                .iter()
                .enumerate()
                .skip(open.scroll)
                .take(usize::from(text.height))
                .enumerate()
            {
                let y = text.y + row as u16;
                if selected_rows.contains(&n) {
                    buf.set_style(Rect::new(text.x, y, text.width, 1), t.selection);
                }
                buf.set_line(text.x, y, line, text.width);
            }
        }
        (RunbookLoad::Loading, _) | (RunbookLoad::Ready(_), None) => {
            buf.set_stringn(
                text.x,
                text.y,
                "loading runbook…",
                usize::from(text.width),
                t.muted,
            );
        }
        (RunbookLoad::Failed(error), _) => {
            Paragraph::new(failure_lines(app, open, error))
                .wrap(Wrap { trim: false })
                .render(text, buf);
        }
    }
}

/// What went wrong and what to do about it.
fn failure_lines(app: &App, open: &OpenRunbook, error: &LoadError) -> Vec<Line<'static>> {
    let t = &app.theme;
    let name = one_line(&open.alertname);
    let mut lines = Vec::new();
    match error {
        LoadError::NotAllowed { key, url } => {
            let host = one_line(url.host_str().unwrap_or("its host"));
            lines.push(Line::styled(
                format!("The {} annotation links the runbook:", one_line(key)),
                t.text,
            ));
            lines.push(Line::styled(
                format!("  {}", one_line(url.as_str())),
                t.accent,
            ));
            lines.push(Line::default());
            lines.push(Line::styled(
                format!("It is not fetched: {host} is not in runbook_allowed_hosts."),
                t.warning,
            ));
            lines.push(Line::styled(
                format!(
                    "{} copies the link (with [ui] osc52) or shows it below. To read it here, add \"{host}\" to runbook_allowed_hosts in the config.",
                    key_for(app, Command::ShowUrl)
                ),
                t.muted,
            ));
        }
        LoadError::NotFound { stem, notes, .. } => {
            lines.push(Line::styled(format!("No runbook for {name}."), t.warning));
            lines.push(Line::styled("Looked at:", t.text));
            lines.extend(
                notes
                    .iter()
                    .map(|n| Line::styled(format!("  • {}", one_line(n)), t.muted)),
            );
            lines.push(Line::default());
            lines.push(Line::styled(
                format!(
                    "Add {}.md to a directory in runbook_dirs (config), or give the alert a runbook_url annotation naming one.",
                    one_line(stem)
                ),
                t.text,
            ));
        }
        LoadError::Fetch(e) => {
            lines.push(Line::styled(
                "The runbook could not be fetched:",
                t.critical,
            ));
            lines.push(Line::styled(one_line(&e.to_string()), t.text));
            lines.push(Line::styled(
                format!("{} on the alert tries again.", key_in_list(app)),
                t.muted,
            ));
        }
        LoadError::Parse { .. } | LoadError::Interrupted => {
            lines.push(Line::styled("The runbook could not be read:", t.critical));
            lines.push(Line::styled(one_line(&error.to_string()), t.text));
        }
    }
    lines
}

fn key_in_list(app: &App) -> String {
    app.keymap
        .hint_key(Mode::List, Command::Runbook)
        .map_or_else(|| "runbook".into(), |k| k.to_string())
}

/// The confirmation before a step runs: the exact argv, wrapped, never cut.
pub fn render_confirm(app: &App, confirm: &ConfirmRun, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(100);
    if w < 20 || area.height < 6 {
        return;
    }
    // Inside the border, one column of margin each side.
    let cols = usize::from(w.saturating_sub(4));
    let mut lines: Vec<Line> = Vec::new();
    for text in &confirm.lines {
        // Indented lines are what runs: they wrap by character, so nothing reads as a
        // separate word that is not one, and continue indented.
        let (style, indent) = if text.starts_with("  ") {
            (t.accent.add_modifier(Modifier::BOLD), "    ")
        } else {
            (t.text, "")
        };
        lines.extend(
            hard_wrap(text, cols, indent)
                .into_iter()
                .map(|l| Line::styled(l, style)),
        );
    }
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("y", t.key_hint.add_modifier(Modifier::BOLD)),
        Span::styled(" run it   ", t.muted),
        Span::styled("any other key", t.key_hint.add_modifier(Modifier::BOLD)),
        Span::styled(" cancel", t.muted),
    ]));
    let h = (lines.len() as u16 + 2).min(area.height);
    let outer = crate::tui::layout::centred(area, w, h);
    let inner = super::overlay::frame(app, outer, "Run this step?", buf);
    for (i, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
        buf.set_line(
            inner.x + 1,
            inner.y + i as u16,
            line,
            inner.width.saturating_sub(2),
        );
    }
}

/// Split `text` into rows at most `cols` cells wide, continuing with `indent`.
fn hard_wrap(text: &str, cols: usize, indent: &str) -> Vec<String> {
    let indent_w = indent.width();
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > cols && used > indent_w {
            rows.push(std::mem::take(&mut row));
            row.push_str(indent);
            used = indent_w;
        }
        row.push(c);
        used += cw;
    }
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::hard_wrap;

    #[test]
    fn long_commands_wrap_by_character_and_keep_every_character() {
        let argv = "  curl -s 'a b' http://x/y";
        let rows = hard_wrap(argv, 10, "    ");
        assert!(rows.iter().all(|r| r.chars().count() <= 10), "{rows:?}");
        let joined: String = rows
            .iter()
            .enumerate()
            .map(|(i, r)| if i == 0 { r.as_str() } else { &r[4..] })
            .collect();
        assert_eq!(joined, argv);
    }
}
