//! The panel inspector: the PromQL as sent, the step and range, and a table of its series
//! with current, min, max and the value under the full-screen cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::overlay::frame;
use crate::sanitize::one_line;
use crate::tui::app::App;
use crate::tui::widgets::panel::value_near;
use crate::tui::widgets::{format_clock, truncate, width};

pub fn render(
    app: &App,
    dashboard: usize,
    panel: usize,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = &app.theme;
    let Some(d) = app.dashboards.get(dashboard) else {
        return;
    };
    let Some(def) = d.def.panels.get(panel) else {
        return;
    };
    let outer = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let inner = frame(
        app,
        outer,
        &format!("Inspect: {}", one_line(&def.title)),
        buf,
    );
    if inner.width < 20 || inner.height < 3 {
        return;
    }
    let w = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    let heading = |text: &str| {
        Line::from(Span::styled(
            text.to_string(),
            t.accent.add_modifier(Modifier::BOLD),
        ))
    };
    lines.push(heading(" PromQL (as sent)"));
    for q in app.sent_queries(dashboard, panel) {
        // Wrapped, never cut: the user may copy it by hand.
        for part in crate::tui::widgets::wrap(&one_line(&q), w.saturating_sub(2), 20) {
            lines.push(Line::from(Span::styled(format!("  {part}"), t.text)));
        }
    }
    let state = d.panels.get(panel);
    let data = state.and_then(|p| p.data.as_ref());
    match data {
        None => lines.push(Line::from(Span::styled(" no answer yet", t.muted))),
        Some(data) => {
            let win = data.window;
            lines.push(Line::from(Span::styled(
                format!(
                    " range {} – {} · step {}s · {} series · answered {}",
                    format_clock(win.start_ms, app.offset),
                    format_clock(win.end_ms, app.offset),
                    win.step_ms / 1000,
                    data.series.len(),
                    format_clock(data.at_ms, app.offset)
                ),
                t.muted,
            )));
            for warning in &data.warnings {
                lines.push(Line::from(Span::styled(
                    format!(" warning: {}", one_line(warning)),
                    t.warning,
                )));
            }
            let cursor = d.fullscreen.as_ref().and_then(|f| f.cursor);
            let fmt =
                |v: Option<f64>| v.map_or("—".to_string(), |v| def.unit.format(v, def.decimals));
            let col = 11;
            let legend_w = w.saturating_sub(2 + col * (3 + usize::from(cursor.is_some())));
            let mut header = format!(" {:<legend_w$}", "SERIES");
            if let Some(at) = cursor {
                header.push_str(&format!(
                    "{:>col$}",
                    format!("@{}", format_clock(at, app.offset))
                ));
            }
            header.push_str(&format!("{:>col$}{:>col$}{:>col$}", "NOW", "MIN", "MAX"));
            lines.push(heading(&header));
            for s in &data.series {
                let mm = s.min_max();
                let mut row = format!(" {:<legend_w$}", truncate(&one_line(&s.legend), legend_w));
                if let Some(at) = cursor {
                    row.push_str(&format!("{:>col$}", fmt(value_near(s, at, win.step_ms))));
                }
                row.push_str(&format!(
                    "{:>col$}{:>col$}{:>col$}",
                    fmt(s.current(&win)),
                    fmt(mm.map(|m| m.0)),
                    fmt(mm.map(|m| m.1))
                ));
                lines.push(Line::from(Span::styled(row, t.text)));
            }
        }
    }
    if let Some((at, e)) = state.and_then(|p| p.error.as_ref()) {
        lines.push(Line::from(Span::styled(
            format!(
                " last error at {}: {}",
                format_clock(*at, app.offset),
                one_line(&e.full)
            ),
            t.critical,
        )));
    }
    let body = usize::from(inner.height - 1);
    let first = usize::from(scroll).min(lines.len().saturating_sub(body));
    for (i, line) in lines.into_iter().skip(first).take(body).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
    }
    let keys = " y copy query (OSC 52) · ↑↓ scroll · esc close";
    buf.set_stringn(
        inner.x,
        inner.y + inner.height - 1,
        keys,
        w.min(width(keys)),
        t.muted,
    );
}
