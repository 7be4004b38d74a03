//! A dashboard: a bar (title, range, variables, filter, linked alerts) and the panel grid,
//! scrolled when it is taller than the screen; or one panel full screen with its cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::dashboards::plan::VarValue;
use crate::tui::app::dashboard::DashboardState;
use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::widgets::panel::PanelWidget;
use crate::tui::widgets::{format_time, width};

pub fn render(app: &App, d: &DashboardState, main: Rect, buf: &mut Buffer) {
    if main.width == 0 || main.height == 0 {
        return;
    }
    let (bar, grid) = layout::dashboard(main);
    if app.prometheus.is_none() {
        // Nothing will ever answer: say how to get something, not "waiting".
        render_bar(app, d, bar, buf, None);
        return render_unconfigured(app, grid, buf);
    }
    if let Some(full) = d.fullscreen {
        render_bar(app, d, bar, buf, None);
        panel(app, d, full.panel, true, full.cursor).render(grid, buf);
        return;
    }
    let layout = d.layout(grid.width, grid.height);
    let scroll = d.scroll.min(layout.height.saturating_sub(grid.height));
    let more = (scroll > 0, scroll + grid.height < layout.height);
    render_bar(app, d, bar, buf, Some(more));
    if layout.cells.is_empty() {
        let text = if d.filter.is_empty() {
            "this dashboard has no panels"
        } else {
            "no panel title matches the filter"
        };
        buf.set_string(grid.x + 1, grid.y, text, app.theme.muted);
        return;
    }
    // Draw the whole grid off screen, then copy the visible rows: panels cut by the edge of
    // the screen are drawn as far as they show, frames and all.
    let virtual_area = Rect::new(0, 0, grid.width, layout.height.max(1));
    let mut canvas = Buffer::empty(virtual_area);
    for (i, rect) in &layout.cells {
        // Only panels that show are worth drawing.
        if rect.y + rect.height <= scroll || rect.y >= scroll + grid.height {
            continue;
        }
        panel(app, d, *i, false, None).render(*rect, &mut canvas);
    }
    for y in 0..grid.height.min(layout.height.saturating_sub(scroll)) {
        for x in 0..grid.width {
            if let (Some(src), Some(dst)) = (
                canvas.cell((x, y + scroll)),
                buf.cell_mut((grid.x + x, grid.y + y)),
            ) {
                *dst = src.clone();
            }
        }
    }
}

fn panel<'a>(
    app: &'a App,
    d: &'a DashboardState,
    i: usize,
    expanded: bool,
    cursor: Option<i64>,
) -> PanelWidget<'a> {
    let def = &d.def.panels[i];
    PanelWidget {
        panel: def,
        state: &d.panels[i],
        theme: &app.theme,
        focused: !expanded && d.focus == i,
        firing: def
            .alerts
            .iter()
            .filter(|a| app.triage.is_firing(a))
            .map(String::as_str)
            .collect(),
        offset: app.offset,
        live: d.range.is_live(),
        cursor: if expanded {
            cursor.or_else(|| d.panels[i].data.as_ref().map(|data| data.window.end_ms))
        } else {
            None
        },
        expanded,
        legend: d.legends.get(i),
    }
}

/// `System Health Overview · 6h live · instance=All · filter: cpu       ServiceDown ▲2  ✓3`
fn render_bar(
    app: &App,
    d: &DashboardState,
    area: Rect,
    buf: &mut Buffer,
    more: Option<(bool, bool)>,
) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let mut left = vec![Span::styled(
        format!(" {} ", crate::sanitize::one_line(&d.def.title)),
        t.text.add_modifier(Modifier::BOLD),
    )];
    let range = if d.range.is_live() {
        format!("last {}", d.range.span_label())
    } else {
        let end = d.range.end_ms(app.now_ms);
        let long = d.range.span_ms > 86_400_000;
        format!(
            "{} – {} (panned)",
            format_time(end - d.range.span_ms, app.offset, long),
            format_time(end, app.offset, long)
        )
    };
    left.push(Span::styled(
        format!("· {range} "),
        if d.range.is_live() {
            t.muted
        } else {
            t.warning
        },
    ));
    for v in &d.def.variables {
        let value = d.values.get(&v.name).map_or("All".into(), VarValue::shown);
        left.push(Span::styled(format!("· ${}=", v.name), t.muted));
        left.push(Span::styled(format!("{value} "), t.accent));
    }
    if !d.filter.is_empty() {
        let shown = d.visible().len();
        left.push(Span::styled(
            format!(
                "· filter \"{}\" {shown}/{} ",
                crate::sanitize::one_line(&d.filter),
                d.def.panels.len()
            ),
            t.accent,
        ));
    }
    if let Some(f) = d.fullscreen {
        let cursor = f
            .cursor
            .map(|c| {
                format!(
                    "cursor {}",
                    crate::tui::widgets::format_clock(c, app.offset)
                )
            })
            .unwrap_or_else(|| "cursor at newest".into());
        left.push(Span::styled(format!("· full screen, {cursor} "), t.muted));
    }
    // Linked alerts: firing ones by name, muted ones counted, the rest as "ok".
    let mut right: Vec<Span> = Vec::new();
    let names = d.def.alert_names();
    if !names.is_empty() && app.triage.alerts_known() {
        let mut ok = 0;
        let mut muted = 0;
        for name in &names {
            let (firing, silenced) = app.triage.linked(name);
            if firing > 0 {
                right.push(Span::styled(
                    format!("▲ {} ", crate::sanitize::one_line(name)),
                    t.critical,
                ));
                if firing > 1 {
                    right.push(Span::styled(format!("×{firing} "), t.critical));
                }
            } else if silenced > 0 {
                muted += 1;
            } else {
                ok += 1;
            }
        }
        if muted > 0 {
            right.push(Span::styled(format!("{muted} silenced "), t.silenced));
        }
        if ok > 0 {
            right.push(Span::styled(format!("✓ {ok} ok "), t.ok));
        }
    }
    if let Some((up, down)) = more {
        let arrows = match (up, down) {
            (true, true) => "↑↓ ",
            (true, false) => "↑ ",
            (false, true) => "↓ more ",
            (false, false) => "",
        };
        right.push(Span::styled(arrows, t.accent));
    }
    let right_w =
        (right.iter().map(|s| width(&s.content)).sum::<usize>() as u16).min(area.width / 2);
    let left_room = area.width.saturating_sub(right_w + 1);
    buf.set_line(area.x, area.y, &Line::from(left), left_room);
    if right_w < area.width {
        buf.set_line(
            area.x + area.width - right_w,
            area.y,
            &Line::from(right),
            right_w,
        );
    }
}

/// No Prometheus in this context: how to configure one (or see everything with the demo).
fn render_unconfigured(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let lines = [
        (
            "No Prometheus is configured for this context, so the dashboards have no data.",
            t.text,
        ),
        ("", t.text),
        (
            "  export ONCALL_PROMETHEUS_URL=http://localhost:9090",
            t.accent,
        ),
        (
            "  export ONCALL_ALERTMANAGER_URL=http://localhost:9093",
            t.accent,
        ),
        (
            "  oncall config init      writes a commented config file to edit",
            t.accent,
        ),
        (
            "  oncall watch --demo     everything, against a built-in simulated platform",
            t.accent,
        ),
        ("", t.text),
        (
            "then start oncall again; `oncall config show` says what it read and from where.",
            t.muted,
        ),
    ];
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, (text, style)) in lines.iter().enumerate() {
        let y = top + i as u16;
        if y >= area.y + area.height {
            break;
        }
        let text = crate::tui::widgets::truncate(text, usize::from(area.width.saturating_sub(2)));
        buf.set_string(area.x + 1, y, text, *style);
    }
}
