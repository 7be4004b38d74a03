//! What is drawn on top of the view: the help screen (generated from the keymap), the
//! template-variable pickers, and the `:` command line's completions and errors.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

use crate::dashboards::plan::VarValue;
use crate::tui::app::dashboard::Choices;
use crate::tui::app::{App, Overlay};
use crate::tui::input::{self, VERBS};
use crate::tui::keymap::Mode;
use crate::tui::layout::{self, Screen};
use crate::tui::widgets::{truncate, width};

pub fn render(app: &App, area: Rect, screen: Screen, buf: &mut Buffer) {
    match &app.overlay {
        Some(Overlay::Help { scroll }) => render_help(app, area, *scroll, buf),
        Some(Overlay::Variables { selected }) => render_variables(app, area, *selected, buf),
        Some(Overlay::Values { variable, selected }) => {
            render_values(app, area, *variable, *selected, buf)
        }
        Some(Overlay::CommandLine(line)) => {
            render_completions(app, screen, &line.text, line.error.as_deref(), buf)
        }
        Some(Overlay::Silence(form)) => super::silence_form::render_form(app, form, area, buf),
        Some(Overlay::Confirm(c)) => super::silence_form::render_confirm(app, c, area, buf),
        Some(Overlay::Extend(s)) => super::silence_form::render_extend(app, s, area, buf),
        Some(Overlay::PickIncident {
            choices, selected, ..
        }) => super::silence_form::render_pick_incident(app, choices, *selected, area, buf),
        Some(Overlay::ConfirmRun(c)) => super::runbook::render_confirm(app, c, area, buf),
        Some(Overlay::Note { incident, input }) => {
            super::incident_work::render_note(app, &incident.1, input, area, buf)
        }
        Some(Overlay::Snooze { incident }) => {
            super::incident_work::render_snooze(app, &incident.1, area, buf)
        }
        Some(Overlay::Inspect {
            dashboard,
            panel,
            scroll,
        }) => super::inspect::render(app, *dashboard, *panel, *scroll, area, buf),
        Some(Overlay::Filter(_)) | None => {}
    }
}

pub(super) fn frame(app: &App, area: Rect, title: &str, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(app.theme.border_focus)
        .title(Line::from(Span::styled(
            format!(" {title} "),
            app.theme.accent,
        )));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The help text: every binding of every mode, the `:` commands, and any loading problems.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (i, p) in app.problems.iter().enumerate() {
        if i == 0 {
            lines.push(Line::from(Span::styled(
                "Problems while loading",
                t.critical.add_modifier(Modifier::BOLD),
            )));
        }
        lines.push(Line::from(Span::styled(
            format!("  {}", crate::sanitize::one_line(p)),
            t.critical,
        )));
        if i + 1 == app.problems.len() {
            lines.push(Line::from(""));
        }
    }
    for mode in Mode::ALL {
        let bindings = app.keymap.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(
            mode.title().to_string(),
            t.accent.add_modifier(Modifier::BOLD),
        )));
        // One line per command, with all its keys.
        let mut seen = Vec::new();
        for (_, command) in bindings {
            if seen.contains(command) {
                continue;
            }
            seen.push(*command);
            let keys: Vec<String> = bindings
                .iter()
                .filter(|(_, c)| c == command)
                .map(|(k, _)| k.to_string())
                .collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys.join(", ")), t.key_hint),
                Span::styled(command.description(), t.text),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Commands (:)",
        t.accent.add_modifier(Modifier::BOLD),
    )));
    for verb in VERBS {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{:<15}", verb.name), t.key_hint),
            Span::styled(verb.help, t.text),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Keys are set in assets/keymap.toml; a keymap.toml in the config folder overrides any of them.",
        t.muted,
    )));
    lines
}

fn render_help(app: &App, area: Rect, scroll: u16, buf: &mut Buffer) {
    let w = area.width.saturating_sub(4).min(90);
    let h = area.height.saturating_sub(2);
    if w < 10 || h < 3 {
        return;
    }
    let inner = frame(app, layout::centred(area, w, h), "Help", buf);
    let lines = help_lines(app);
    let max_scroll = lines.len().saturating_sub(usize::from(inner.height));
    let first = usize::from(scroll).min(max_scroll);
    for (i, line) in lines
        .iter()
        .skip(first)
        .take(usize::from(inner.height))
        .enumerate()
    {
        buf.set_line(
            inner.x + 1,
            inner.y + i as u16,
            line,
            inner.width.saturating_sub(1),
        );
    }
}

fn picker_list(
    app: &App,
    area: Rect,
    title: &str,
    items: &[(String, String)],
    selected: usize,
    buf: &mut Buffer,
) {
    let longest = items
        .iter()
        .map(|(a, b)| width(a) + width(b) + 4)
        .max()
        .unwrap_or(10);
    let w = (longest as u16 + 4)
        .max(width(title) as u16 + 6)
        .min(area.width.saturating_sub(2))
        .max(10);
    let h = (items.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    if area.width < 12 || area.height < 5 {
        return;
    }
    let inner = frame(app, layout::centred(area, w, h), title, buf);
    let rows = usize::from(inner.height);
    let first = selected.saturating_sub(rows.saturating_sub(1));
    for (n, (name, value)) in items.iter().enumerate().skip(first).take(rows) {
        let y = inner.y + (n - first) as u16;
        let style = if n == selected {
            app.theme.selection.add_modifier(Modifier::BOLD)
        } else {
            app.theme.text
        };
        if n == selected {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), app.theme.selection);
        }
        let text = if value.is_empty() {
            format!(" {name}")
        } else {
            format!(" {name} = {value}")
        };
        buf.set_stringn(
            inner.x,
            y,
            truncate(&text, usize::from(inner.width)),
            usize::from(inner.width),
            style,
        );
    }
}

fn render_variables(app: &App, area: Rect, selected: usize, buf: &mut Buffer) {
    let Some(d) = app.active() else { return };
    let items: Vec<(String, String)> = d
        .def
        .variables
        .iter()
        .map(|v| {
            let value = d.values.get(&v.name).map_or("All".into(), VarValue::shown);
            (format!("${}", v.name), value)
        })
        .collect();
    picker_list(app, area, "Variables", &items, selected, buf);
}

fn render_values(app: &App, area: Rect, variable: usize, selected: usize, buf: &mut Buffer) {
    let Some(d) = app.active() else { return };
    let Some(var) = d.def.variables.get(variable) else {
        return;
    };
    let title = format!("${}", var.name);
    let mut items: Vec<(String, String)> = app
        .value_options(variable)
        .into_iter()
        .map(|v| (v, String::new()))
        .collect();
    match d.choices.get(variable) {
        Some(Some(Choices::Loading)) => items.push(("loading values…".into(), String::new())),
        Some(Some(Choices::Failed(e))) => {
            items.push((format!("could not load values: {e}"), String::new()))
        }
        _ => {}
    }
    picker_list(app, area, &title, &items, selected, buf);
}

fn render_completions(
    app: &App,
    screen: Screen,
    text: &str,
    error: Option<&str>,
    buf: &mut Buffer,
) {
    let t = &app.theme;
    let options = input::completions(text, &app.candidates());
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = error {
        lines.push(Line::from(Span::styled(
            format!(" ✖ {}", crate::sanitize::one_line(e)),
            t.critical,
        )));
    }
    let words = text.split_whitespace().count();
    for o in options.iter().take(8) {
        let help = if words <= 1 && !text.ends_with(' ') {
            VERBS
                .iter()
                .find(|v| v.name == o)
                .map(|v| v.help)
                .unwrap_or("")
        } else {
            ""
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {o:<12}"), t.key_hint),
            Span::styled(format!(" {help}"), t.muted),
        ]));
    }
    if options.len() > 8 {
        lines.push(Line::from(Span::styled(
            format!(" … {} more", options.len() - 8),
            t.muted,
        )));
    }
    if lines.is_empty() || screen.status.y == 0 {
        return;
    }
    let h = (lines.len() as u16).min(screen.status.y.saturating_sub(screen.main.y).max(1));
    let w = lines
        .iter()
        .map(|l| l.width() as u16 + 1)
        .max()
        .unwrap_or(10)
        .min(screen.status.width);
    let area = Rect {
        x: screen.status.x,
        y: screen.status.y.saturating_sub(h),
        width: w,
        height: h,
    };
    Clear.render(area, buf);
    buf.set_style(area, t.header);
    for (i, line) in lines.iter().take(usize::from(h)).enumerate() {
        buf.set_line(area.x, area.y + i as u16, line, area.width);
    }
}
