//! The alerts, silences and incidents views: read-only lists for now (acting on them is the
//! next issue), each filtered by free text, kept on screen when their source fails.
//! Everything in them comes from outside and is sanitized before it is drawn.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::model::alert::{Alert, AlertState};
use crate::model::incident::{Incident, IncidentStatus, Urgency};
use crate::model::silence::{Silence, SilenceState};
use crate::sanitize::one_line;
use crate::tui::app::triage::severity_rank;
use crate::tui::app::App;
use crate::tui::command::ViewKind;
use crate::tui::state::HealthState;
use crate::tui::widgets::{format_age, format_clock, truncate, width};

fn matches(filter: &str, fields: &[&str]) -> bool {
    let needle = filter.trim().to_lowercase();
    needle.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(&needle))
}

pub fn alert_rows(app: &App) -> Vec<&Alert> {
    let f = &app.triage.alerts_list.filter;
    app.triage
        .alerts
        .iter()
        .filter(|a| {
            let labels: Vec<&str> = a.labels.values().map(String::as_str).collect();
            let mut fields = labels;
            fields.push(a.summary().unwrap_or(""));
            matches(f, &fields)
        })
        .collect()
}

pub fn silence_rows(app: &App) -> Vec<&Silence> {
    let f = &app.triage.silences_list.filter;
    app.triage
        .silences
        .iter()
        .filter(|s| {
            matches(
                f,
                &[&s.matchers_display(), &s.created_by, &s.comment, &s.id],
            )
        })
        .collect()
}

pub fn incident_rows<'a>(app: &'a App) -> Vec<&'a Incident> {
    let f = &app.triage.incidents_list.filter;
    let service = |i: &'a Incident| i.service.as_ref().map(|s| s.summary.as_str()).unwrap_or("");
    app.triage
        .incidents
        .items
        .iter()
        .filter(|i| matches(f, &[&i.title, service(i), &i.id]))
        .collect()
}

/// Rows the view shows with its filter.
pub fn row_count(app: &App, kind: ViewKind) -> usize {
    match kind {
        ViewKind::Alerts => alert_rows(app).len(),
        ViewKind::Silences => silence_rows(app).len(),
        ViewKind::Incidents => incident_rows(app).len(),
    }
}

fn age(app: &App, t: DateTime<Utc>) -> String {
    format_age(app.now_ms - t.timestamp_millis())
}

/// The text and style of one cell of a row.
type Cell<'a, T> = Box<dyn Fn(&T) -> (String, Style) + 'a>;

/// A column: header, width (0 = share the rest), and how to draw its cell of a row.
struct Column<'a, T> {
    title: &'static str,
    width: u16,
    cell: Cell<'a, T>,
}

fn render_table<T>(
    app: &App,
    area: Rect,
    buf: &mut Buffer,
    columns: Vec<Column<'_, T>>,
    rows: &[T],
    selected: usize,
) {
    if area.height < 2 || area.width < 10 {
        return;
    }
    let t = &app.theme;
    let fixed: u16 = columns.iter().map(|c| c.width + 1).sum();
    let flex = columns.iter().filter(|c| c.width == 0).count() as u16;
    let flex_w = area
        .width
        .saturating_sub(fixed + flex)
        .checked_div(flex)
        .unwrap_or(0);
    let widths: Vec<u16> = columns
        .iter()
        .map(|c| if c.width == 0 { flex_w } else { c.width })
        .collect();
    let mut x = area.x;
    for (c, w) in columns.iter().zip(&widths) {
        buf.set_stringn(
            x,
            area.y,
            c.title,
            usize::from(*w),
            t.muted.add_modifier(Modifier::BOLD),
        );
        x += w + 1;
    }
    let body = area.height - 1;
    // Keep the selection in view.
    let first = selected.saturating_sub(usize::from(body).saturating_sub(1));
    for (n, row) in rows.iter().enumerate().skip(first).take(usize::from(body)) {
        let y = area.y + 1 + (n - first) as u16;
        let is_selected = n == selected;
        if is_selected {
            buf.set_style(Rect::new(area.x, y, area.width, 1), t.selection);
        }
        let mut x = area.x;
        for (c, w) in columns.iter().zip(&widths) {
            let (text, style) = (c.cell)(row);
            let style = if is_selected {
                style.patch(t.selection)
            } else {
                style
            };
            buf.set_stringn(
                x,
                y,
                truncate(&one_line(&text), usize::from(*w)),
                usize::from(*w),
                style,
            );
            x += w + 1;
        }
    }
}

/// The first line of a list view: its title, counts, the source's state, and what it cannot
/// do yet.
fn title_line(
    app: &App,
    area: Rect,
    buf: &mut Buffer,
    title: &str,
    counts: String,
    health: Option<(HealthState, String)>,
) {
    let t = &app.theme;
    let mut spans = vec![
        Span::styled(format!(" {title} "), t.text.add_modifier(Modifier::BOLD)),
        Span::styled(counts, t.muted),
    ];
    if let Some((HealthState::Down, detail)) = health {
        spans.push(Span::styled(format!("  stale: {detail}"), t.stale));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    let note = "read-only in this version";
    let nw = width(note) as u16;
    if area.width > nw + 50 {
        buf.set_string(area.x + area.width - nw - 1, area.y, note, t.muted);
    }
}

pub fn render(app: &App, kind: ViewKind, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let title_area = Rect { height: 1, ..area };
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    match kind {
        ViewKind::Alerts => render_alerts(app, title_area, body, buf),
        ViewKind::Silences => render_silences(app, title_area, body, buf),
        ViewKind::Incidents => render_incidents(app, title_area, body, buf),
    }
}

fn am_health(app: &App) -> Option<(HealthState, String)> {
    let down: Vec<String> = app
        .triage
        .health
        .iter()
        .filter_map(|h| {
            let (at, e) = h.last_error.as_ref()?;
            Some(format!(
                "{} failed at {}: {}",
                one_line(&h.name),
                format_clock(*at, app.offset),
                one_line(e)
            ))
        })
        .collect();
    if down.is_empty() {
        None
    } else {
        Some((HealthState::Down, down.join("; ")))
    }
}

fn empty_state(
    app: &App,
    body: Rect,
    buf: &mut Buffer,
    configured: bool,
    loaded: bool,
    what: &str,
    filtered: bool,
) {
    let t = &app.theme;
    let text = if !configured {
        format!("no {what} source is configured for this context (see `oncall config show`)")
    } else if !loaded {
        "waiting for the first answer…".to_string()
    } else if filtered {
        "nothing matches the filter".to_string()
    } else {
        format!("no {what}")
    };
    buf.set_stringn(
        body.x + 1,
        body.y + 1.min(body.height.saturating_sub(1)),
        text,
        usize::from(body.width),
        t.muted,
    );
}

fn render_alerts(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let rows = alert_rows(app);
    let all = &app.triage.alerts;
    let firing = all.iter().filter(|a| a.is_firing_unsuppressed()).count();
    let muted = all.len() - firing;
    title_line(
        app,
        title,
        buf,
        "Alerts",
        format!(
            "{} shown · {firing} firing · {muted} silenced/inhibited",
            rows.len()
        ),
        am_health(app),
    );
    if rows.is_empty() {
        let filtered = !app.triage.alerts_list.filter.is_empty();
        return empty_state(
            app,
            body,
            buf,
            !app.triage.health.is_empty(),
            app.triage.alerts_known(),
            "alerts",
            filtered,
        );
    }
    let selected = app.triage.alerts_list.selected.min(rows.len() - 1);
    // With room, the selected alert's labels and annotations below the list.
    let detail_h = if body.height >= 16 {
        body.height / 3
    } else {
        0
    };
    let list = Rect {
        height: body.height - detail_h,
        ..body
    };
    let wide = body.width >= 120;
    let state_of = |a: &Alert| -> (String, Style) {
        if a.is_silenced() {
            ("silenced".into(), t.silenced)
        } else if a.is_inhibited() {
            ("inhibited".into(), t.silenced)
        } else if a.status.state == AlertState::Active {
            ("firing".into(), t.critical)
        } else {
            (a.status.state.as_str().into(), t.muted)
        }
    };
    let sev = |a: &Alert| -> (String, Style) {
        let s = a.severity().unwrap_or("-");
        let style = match severity_rank(Some(s)) {
            0 => t.critical.add_modifier(Modifier::BOLD),
            1 => t.warning,
            _ => t.text,
        };
        (truncate(s, 8), style)
    };
    let mut columns: Vec<Column<&Alert>> = vec![
        Column {
            title: "SEVERITY",
            width: 8,
            cell: Box::new(move |a: &&Alert| sev(a)),
        },
        Column {
            title: "STATE",
            width: 9,
            cell: Box::new(move |a: &&Alert| state_of(a)),
        },
        Column {
            title: "ALERT",
            width: 26,
            cell: Box::new(|a: &&Alert| {
                (
                    a.alertname().to_string(),
                    t.text.add_modifier(Modifier::BOLD),
                )
            }),
        },
        Column {
            title: "AGE",
            width: 4,
            cell: Box::new(|a: &&Alert| (age(app, a.starts_at), t.muted)),
        },
    ];
    if wide {
        columns.push(Column {
            title: "LABELS",
            width: 0,
            cell: Box::new(|a: &&Alert| {
                let text = a
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "alertname" && k.as_str() != "severity")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                (text, t.muted)
            }),
        });
    }
    columns.push(Column {
        title: "SUMMARY",
        width: 0,
        cell: Box::new(|a: &&Alert| (a.summary().unwrap_or("").to_string(), t.text)),
    });
    render_table(app, list, buf, columns, &rows, selected);
    if detail_h > 0 {
        render_alert_detail(
            app,
            rows[selected],
            Rect {
                y: list.y + list.height,
                height: detail_h,
                ..body
            },
            buf,
        );
    }
}

fn render_alert_detail(app: &App, a: &Alert, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    buf.set_stringn(
        area.x,
        area.y,
        "─".repeat(usize::from(area.width)),
        usize::from(area.width),
        t.border,
    );
    let mut lines: Vec<Line> = Vec::new();
    let kv = |k: &str, v: &str, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {:<14}", truncate(&one_line(k), 14)), t.muted),
            Span::styled(one_line(v), style),
        ])
    };
    for (k, v) in &a.annotations {
        lines.push(kv(k, v, t.text));
    }
    for (k, v) in &a.labels {
        lines.push(kv(k, v, t.accent));
    }
    lines.push(kv(
        "since",
        &format!(
            "{} ({} ago)",
            format_clock(a.starts_at.timestamp_millis(), app.offset),
            age(app, a.starts_at)
        ),
        t.text,
    ));
    if !a.status.silenced_by.is_empty() {
        lines.push(kv(
            "silenced by",
            &a.status.silenced_by.join(", "),
            t.silenced,
        ));
    }
    for (i, line) in lines
        .into_iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        buf.set_line(area.x, area.y + 1 + i as u16, &line, area.width);
    }
}

fn render_silences(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let rows = silence_rows(app);
    let active = app
        .triage
        .silences
        .iter()
        .filter(|s| s.status == SilenceState::Active)
        .count();
    title_line(
        app,
        title,
        buf,
        "Silences",
        format!("{} shown · {active} active", rows.len()),
        am_health(app),
    );
    if rows.is_empty() {
        let loaded = app.triage.silence_feeds.iter().any(|f| f.loaded);
        let filtered = !app.triage.silences_list.filter.is_empty();
        return empty_state(
            app,
            body,
            buf,
            !app.triage.health.is_empty(),
            loaded,
            "silences",
            filtered,
        );
    }
    let selected = app.triage.silences_list.selected.min(rows.len() - 1);
    let now = app.now_ms;
    let columns: Vec<Column<&Silence>> = vec![
        Column {
            title: "STATE",
            width: 8,
            cell: Box::new(|s: &&Silence| {
                let style = match s.status {
                    SilenceState::Active => t.silenced.add_modifier(Modifier::BOLD),
                    SilenceState::Pending => t.accent,
                    SilenceState::Expired => t.muted,
                };
                (s.status.as_str().into(), style)
            }),
        },
        Column {
            title: "ENDS",
            width: 12,
            cell: Box::new(move |s: &&Silence| {
                let end = s.ends_at.timestamp_millis();
                if end > now {
                    (format!("in {}", format_age(end - now)), t.text)
                } else {
                    (format!("{} ago", format_age(now - end)), t.muted)
                }
            }),
        },
        Column {
            title: "MATCHERS",
            width: 0,
            cell: Box::new(|s: &&Silence| (s.matchers_display(), t.accent)),
        },
        Column {
            title: "BY",
            width: 14,
            cell: Box::new(|s: &&Silence| (s.created_by.clone(), t.muted)),
        },
        Column {
            title: "COMMENT",
            width: 0,
            cell: Box::new(|s: &&Silence| (s.comment.clone(), t.text)),
        },
    ];
    render_table(app, body, buf, columns, &rows, selected);
}

fn render_incidents(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let rows = incident_rows(app);
    let triggered = app
        .triage
        .incidents
        .items
        .iter()
        .filter(|i| i.status == IncidentStatus::Triggered)
        .count();
    let health = app.triage.pagerduty.as_ref().and_then(|h| {
        h.last_error.as_ref().map(|(at, e)| {
            (
                HealthState::Down,
                format!(
                    "failed at {}: {}",
                    format_clock(*at, app.offset),
                    one_line(e)
                ),
            )
        })
    });
    title_line(
        app,
        title,
        buf,
        "Incidents",
        format!("{} open · {triggered} triggered", rows.len()),
        health,
    );
    if rows.is_empty() {
        let filtered = !app.triage.incidents_list.filter.is_empty();
        return empty_state(
            app,
            body,
            buf,
            app.triage.pagerduty.is_some(),
            app.triage.incidents.loaded,
            "incidents",
            filtered,
        );
    }
    let selected = app.triage.incidents_list.selected.min(rows.len() - 1);
    let columns: Vec<Column<&Incident>> = vec![
        Column {
            title: "#",
            width: 6,
            cell: Box::new(|i: &&Incident| (format!("#{}", i.incident_number), t.muted)),
        },
        Column {
            title: "STATUS",
            width: 12,
            cell: Box::new(|i: &&Incident| match i.status {
                IncidentStatus::Triggered => {
                    ("triggered".into(), t.critical.add_modifier(Modifier::BOLD))
                }
                IncidentStatus::Acknowledged => ("acked".into(), t.acknowledged),
                other => (other.as_str().into(), t.muted),
            }),
        },
        Column {
            title: "URG",
            width: 4,
            cell: Box::new(|i: &&Incident| match i.urgency {
                Urgency::High => ("high".into(), t.warning),
                other => (other.as_str().into(), t.muted),
            }),
        },
        Column {
            title: "AGE",
            width: 4,
            cell: Box::new(|i: &&Incident| (age(app, i.created_at), t.muted)),
        },
        Column {
            title: "TITLE",
            width: 0,
            cell: Box::new(|i: &&Incident| (i.title.clone(), t.text)),
        },
        Column {
            title: "SERVICE",
            width: 18,
            cell: Box::new(|i: &&Incident| {
                (
                    i.service
                        .as_ref()
                        .map(|s| s.summary.clone())
                        .unwrap_or_default(),
                    t.accent,
                )
            }),
        },
        Column {
            title: "ASSIGNED",
            width: 16,
            cell: Box::new(|i: &&Incident| (i.assignees(), t.muted)),
        },
    ];
    render_table(app, body, buf, columns, &rows, selected);
}
