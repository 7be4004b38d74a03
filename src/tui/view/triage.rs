//! The alerts, silences and incidents views, each filtered, kept on screen when their source
//! fails. Everything in them comes from outside and is sanitized before it is drawn.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::model::incident::{AckExpiry, Incident, IncidentStatus, Urgency};
use crate::model::silence::{Silence, SilenceState};
use crate::sanitize::one_line;
use crate::triage::alert_list::{label_summary, Entry, Row, Shown};
use crate::triage::severity_rank;
use crate::triage::silence_inventory::{Flag, ENDS_SOON_MS};
use crate::tui::app::rows::{incident_rows, silence_rows, silence_tags};
use crate::tui::app::App;
use crate::tui::command::{Command, ViewKind};
use crate::tui::keymap::Mode;
use crate::tui::state::HealthState;
use crate::tui::widgets::{format_age, format_clock, truncate};

fn age(app: &App, t: DateTime<Utc>) -> String {
    format_age(app.now_ms - t.timestamp_millis())
}

/// Time until an ack runs out: `12m left`, `~12m left` when PagerDuty's default timeout is
/// assumed, `expired`, `never`, and a dash when the incident is not acknowledged.
pub fn ack_countdown(expiry: AckExpiry, now_ms: i64, ascii: bool) -> String {
    match expiry {
        AckExpiry::NotAcked => if ascii { "-" } else { "–" }.into(),
        AckExpiry::Never => "never".into(),
        AckExpiry::At { at, assumed } => {
            let left = at.timestamp_millis() - now_ms;
            if left <= 0 {
                "expired".into()
            } else {
                // Round up: "0s left" would read as expired.
                let left = format_age(left + 999);
                format!("{}{left} left", if assumed { "~" } else { "" })
            }
        }
    }
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

/// The first line of a list view: its title, counts and the source's state.
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
        // An open runbook sits right of the list, or over all of it when narrow.
        ViewKind::Alerts if app.runbook.open.is_some() => {
            let (list, pane) = super::runbook::split(body);
            render_alerts(
                app,
                title_area,
                list.unwrap_or(Rect { height: 0, ..body }),
                buf,
            );
            super::runbook::render(app, pane, buf);
        }
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

fn severity_style(app: &App, severity: &str) -> Style {
    let t = &app.theme;
    match severity_rank(Some(severity)) {
        0 => t.critical.add_modifier(Modifier::BOLD),
        1 | 2 => t.warning,
        _ => t.text,
    }
}

fn shown_style(app: &App, shown: Shown) -> Style {
    let t = &app.theme;
    match shown {
        Shown::Firing => t.critical,
        Shown::Pending => t.warning,
        Shown::Acknowledged => t.acknowledged,
        Shown::Silenced | Shown::Inhibited => t.silenced,
    }
}

/// "2 firing" for a group: the most pressing state and how many alerts show it.
fn group_state(app: &App, worst: Shown, count: usize) -> (String, Style) {
    (
        format!("{count} {}", worst.as_str()),
        shown_style(app, worst),
    )
}

fn render_alerts(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let tr = &app.triage;
    let rows = &tr.rows;
    let count = |s: Shown| tr.entries.iter().filter(|e| e.shown == s).count();
    let new = tr
        .entries
        .iter()
        .filter(|e| tr.is_new(&e.alert.fingerprint))
        .count();
    let mut counts = format!(
        "{} firing · {} pending · {} acked · {} silenced · {} inhibited",
        count(Shown::Firing),
        count(Shown::Pending),
        count(Shown::Acknowledged),
        count(Shown::Silenced),
        count(Shown::Inhibited),
    );
    if new > 0 {
        counts.push_str(&format!(" · {new} new"));
    }
    if !tr.alerts_list.filter.is_empty() {
        counts.push_str(&format!(
            " · filter {}",
            truncate(&one_line(&tr.alerts_list.filter), 30)
        ));
    }
    title_line(app, title, buf, "Alerts", counts, am_health(app));
    if rows.is_empty() {
        let filtered = !tr.alerts_list.filter.is_empty();
        return empty_state(
            app,
            body,
            buf,
            !tr.health.is_empty(),
            tr.alerts_known(),
            "alerts",
            filtered,
        );
    }
    let selected = tr.alerts_list.selected.min(rows.len() - 1);
    // With room, the selected alert's details below the list.
    let detail_h = if body.height >= 16 && app.runbook.open.is_none() {
        body.height / 2
    } else {
        0
    };
    let list = Rect {
        height: body.height - detail_h,
        ..body
    };
    let wide = body.width >= 120;
    let entry = |r: &Row| match r {
        Row::Alert(i) | Row::Group { first: i, .. } => tr.entries.get(*i),
    };
    let mut columns: Vec<Column<Row>> = vec![
        Column {
            title: " ",
            width: 1,
            cell: Box::new(|r: &Row| match r {
                Row::Alert(i) => match tr.entries.get(*i) {
                    Some(e) if tr.is_new(&e.alert.fingerprint) => ("●".into(), t.accent),
                    _ => (String::new(), t.text),
                },
                Row::Group { name, .. } => {
                    let any_new = tr
                        .entries
                        .iter()
                        .any(|e| e.alert.alertname() == name && tr.is_new(&e.alert.fingerprint));
                    if any_new {
                        ("●".into(), t.accent)
                    } else {
                        (String::new(), t.text)
                    }
                }
            }),
        },
        Column {
            title: "SEVERITY",
            width: 8,
            cell: Box::new(move |r: &Row| {
                let s = entry(r).and_then(|e| e.alert.severity()).unwrap_or("-");
                (truncate(s, 8), severity_style(app, s))
            }),
        },
        Column {
            title: "STATE",
            width: 11,
            cell: Box::new(move |r: &Row| match r {
                Row::Group {
                    worst, worst_count, ..
                } => group_state(app, *worst, *worst_count),
                Row::Alert(_) => match entry(r) {
                    Some(e) => (e.shown.as_str().into(), shown_style(app, e.shown)),
                    None => (String::new(), t.text),
                },
            }),
        },
        Column {
            title: "ALERT",
            width: 28,
            cell: Box::new(move |r: &Row| match r {
                Row::Group {
                    name,
                    count,
                    collapsed,
                    ..
                } => {
                    let arrow = match (*collapsed, app.prefs.ascii) {
                        (true, false) => "▸",
                        (false, false) => "▾",
                        (true, true) => "+",
                        (false, true) => "-",
                    };
                    (
                        format!("{arrow} {} ({count})", one_line(name)),
                        t.text.add_modifier(Modifier::BOLD),
                    )
                }
                Row::Alert(_) => {
                    let name = entry(r).map(|e| e.alert.alertname()).unwrap_or("");
                    let indent = if tr.grouped { "  " } else { "" };
                    (format!("{indent}{}", one_line(name)), t.text)
                }
            }),
        },
        Column {
            title: "AGE",
            width: 4,
            cell: Box::new(move |r: &Row| match entry(r) {
                Some(e) => (age(app, e.alert.starts_at), t.muted),
                None => (String::new(), t.muted),
            }),
        },
        Column {
            title: "LABELS",
            width: 0,
            cell: Box::new(move |r: &Row| match r {
                Row::Group { .. } => (String::new(), t.muted),
                Row::Alert(_) => match entry(r) {
                    Some(e) => (label_summary(&e.alert, wide), t.muted),
                    None => (String::new(), t.muted),
                },
            }),
        },
    ];
    columns.push(Column {
        title: "SUMMARY",
        width: 0,
        cell: Box::new(move |r: &Row| {
            let text = entry(r).and_then(|e| e.alert.summary()).unwrap_or("");
            (text.to_string(), t.text)
        }),
    });
    render_table(app, list, buf, columns, rows, selected);
    if detail_h > 0 {
        if let Some(e) = entry(&rows[selected]) {
            render_alert_detail(
                app,
                e,
                Rect {
                    y: list.y + list.height,
                    height: detail_h,
                    ..body
                },
                buf,
            );
        }
    }
}

/// At most this much of one value is sanitized and drawn: the line is cut at the screen edge
/// anyway, and a 10 KB label must not cost 10 KB of work per frame.
const DETAIL_VALUE_MAX: usize = 512;

fn clip(text: &str) -> String {
    let end = text
        .char_indices()
        .nth(DETAIL_VALUE_MAX)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    one_line(&text[..end])
}

/// The rule that separates a list from its detail pane (the pane's first row).
fn detail_rule(app: &App, area: Rect, buf: &mut Buffer) {
    let rule = if app.prefs.ascii { "-" } else { "─" };
    buf.set_stringn(
        area.x,
        area.y,
        rule.repeat(usize::from(area.width)),
        usize::from(area.width),
        app.theme.border,
    );
}

fn render_alert_detail(app: &App, e: &Entry, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let a = &e.alert;
    detail_rule(app, area, buf);
    let mut lines: Vec<Line> = Vec::new();
    let kv = |k: &str, v: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {:<13} ", truncate(&clip(k), 13)), t.muted),
            Span::styled(v, style),
        ])
    };
    lines.push(kv(
        e.shown.as_str(),
        format!(
            "{} since {} ({} ago)",
            clip(a.alertname()),
            format_clock(a.starts_at.timestamp_millis(), app.offset),
            age(app, a.starts_at)
        ),
        shown_style(app, e.shown).add_modifier(Modifier::BOLD),
    ));
    let keys: Vec<&str> = app.prefs.runbook_keys.iter().map(String::as_str).collect();
    if let Some(url) = a.runbook_url(&keys) {
        lines.push(kv("runbook", clip(url), t.accent));
    }
    for (k, v) in &a.annotations {
        if keys.contains(&k.as_str()) {
            continue;
        }
        lines.push(kv(k, clip(v), t.text));
    }
    for id in &a.status.silenced_by {
        let silence = app.triage.silences.iter().find(|s| &s.id == id);
        if let Some(s) = silence.filter(|s| crate::triage::silence_inventory::is_ack(s)) {
            lines.push(ack_line(app, s));
            continue;
        }
        let text = match silence {
            Some(s) => format!(
                "{} by {}, ends in {}: {}",
                clip(&s.matchers_display()),
                clip(&s.created_by),
                format_age(s.ends_at.timestamp_millis() - app.now_ms),
                clip(&s.comment)
            ),
            None => format!("silence {}", clip(id)),
        };
        lines.push(kv("silenced by", text, t.silenced));
    }
    for fp in &a.status.inhibited_by {
        let by = app
            .triage
            .entries
            .iter()
            .find(|x| &x.alert.fingerprint == fp)
            .map(|x| format!("{} {}", x.alert.alertname(), label_summary(&x.alert, false)))
            .unwrap_or_else(|| format!("alert {fp}"));
        lines.push(kv("inhibited by", clip(&by), t.silenced));
    }
    if app.triage.pagerduty.is_some() {
        let linking = &app.triage.linking;
        let text = match linking.related(a, &app.triage.incidents.items, &app.triage.alerts) {
            None => match &linking.tree_error {
                // Without a tree only `A` can look further (in the incidents' details).
                Some(_) => "none by title (no route tree: A looks in alert details)".to_string(),
                None => "none found (A looks in the incidents' alert details)".to_string(),
            },
            Some((by, related)) => match related.as_slice() {
                [one] => format!(
                    "#{} {} ({}) {}",
                    one.incident_number,
                    clip(&one.title),
                    one.status.as_str(),
                    by.describe()
                ),
                [first, rest @ ..] => format!(
                    "#{} {} ({}) and {} more {}",
                    first.incident_number,
                    clip(&first.title),
                    first.status.as_str(),
                    rest.len(),
                    by.describe()
                ),
                [] => String::new(),
            },
        };
        lines.push(kv("incident", text, t.text));
        if let Some(e) = &linking.tree_error {
            // Why the exact link is not available: the config, a parse error, a failure.
            lines.push(kv("routes", clip(e), t.muted));
        }
    }
    let linked = app.linked_panels(a.alertname());
    if !linked.is_empty() {
        let names: Vec<String> = linked
            .iter()
            .filter_map(|&(d, p)| {
                let dash = app.dashboards.get(d)?;
                let panel = dash.def.panels.get(p)?;
                Some(format!("{} › {}", dash.def.title, panel.title))
            })
            .collect();
        let key = app
            .keymap
            .keys_for(Mode::List, Command::OpenLinked)
            .first()
            .map(|k| format!("{k}: "))
            .unwrap_or_default();
        lines.push(kv(
            "dashboards",
            format!("{key}{}", names.join(", ")),
            t.accent,
        ));
    }
    if !a.generator_url.is_empty() {
        lines.push(kv("source", clip(&a.generator_url), t.muted));
    }
    for (k, v) in &a.labels {
        lines.push(kv(k, clip(v), t.accent));
    }
    for (i, line) in lines
        .into_iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        buf.set_line(area.x, area.y + 1 + i as u16, &line, area.width);
    }
}

/// The alert detail's line for an ack silence: who acked it and when the ack ends, with the
/// key that extends it when that is soon (the alert notifies again when it ends).
fn ack_line<'a>(app: &'a App, s: &Silence) -> Line<'a> {
    let t = &app.theme;
    let left = s.ends_at.timestamp_millis() - app.now_ms;
    // Round up: "ends in 0s" would read as ended.
    let ends = if left > 0 {
        format!("ack ends in {}", format_age(left + 999))
    } else {
        "ack ended".to_string()
    };
    let soon = left < ENDS_SOON_MS;
    let extend = app
        .keymap
        .keys_for(Mode::List, Command::Extend)
        .first()
        .filter(|_| soon)
        .map(|k| format!(" · {k} extends it"))
        .unwrap_or_default();
    let style = if soon {
        t.warning.add_modifier(Modifier::BOLD)
    } else {
        t.acknowledged
    };
    Line::from(vec![
        Span::styled(format!(" {:<13} ", "acked by"), t.muted),
        Span::styled(format!("{}, {ends}{extend}", clip(&s.created_by)), style),
        Span::styled(format!(": {}", clip(&s.comment)), t.acknowledged),
    ])
}

fn render_silences(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let rows = silence_rows(app);
    let now = app.now_ms;
    let active = app
        .triage
        .silences
        .iter()
        .filter(|s| s.status == SilenceState::Active)
        .count();
    let mut counts = format!("{} shown · {active} active", rows.len());
    // The inventory at a glance: how many need a look, by flag (searchable with `/`).
    let mut flagged: Vec<(Flag, usize)> = Vec::new();
    for s in &app.triage.silences {
        for f in app.triage.inventory.flags(s, now) {
            match flagged.iter_mut().find(|(g, _)| *g == f) {
                Some((_, n)) => *n += 1,
                None => flagged.push((f, 1)),
            }
        }
    }
    flagged.sort();
    for (f, n) in flagged {
        counts.push_str(&format!(" · {n} {}", f.word()));
    }
    if !app.triage.silences_list.filter.is_empty() {
        counts.push_str(&format!(
            " · filter {}",
            truncate(&one_line(&app.triage.silences_list.filter), 30)
        ));
    }
    title_line(app, title, buf, "Silences", counts, am_health(app));
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
    // With room, the selected silence's details below the list, as in the alerts view.
    let detail_h = if body.height >= 16 {
        body.height / 2
    } else {
        0
    };
    let list = Rect {
        height: body.height - detail_h,
        ..body
    };
    let inventory = &app.triage.inventory;
    let mut columns: Vec<Column<&Silence>> = vec![
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
            width: 8,
            cell: Box::new(move |s: &&Silence| {
                let end = s.ends_at.timestamp_millis();
                if end > now {
                    let style = if end - now < ENDS_SOON_MS {
                        t.warning
                    } else {
                        t.text
                    };
                    (format!("in {}", format_age(end - now)), style)
                } else {
                    (format!("{} ago", format_age(now - end)), t.muted)
                }
            }),
        },
        Column {
            title: "MUTES",
            width: 5,
            cell: Box::new(|s: &&Silence| match (s.status, inventory.usage(&s.id)) {
                // Known only from the next refresh (a silence just made here).
                (_, None) => ("?".into(), t.muted),
                (SilenceState::Expired, _) => ("-".into(), t.muted),
                // Not started: what it will mute when it starts.
                (SilenceState::Pending, Some(u)) => (format!("({})", u.reach), t.muted),
                (SilenceState::Active, Some(u)) if u.mutes.is_empty() => {
                    ("0".into(), t.warning.add_modifier(Modifier::BOLD))
                }
                (SilenceState::Active, Some(u)) => (u.mutes.len().to_string(), t.text),
            }),
        },
        Column {
            title: "FLAGS",
            width: 13,
            cell: Box::new(|s: &&Silence| {
                let tags = silence_tags(app, s);
                let ack = inventory.usage(&s.id).is_some_and(|u| u.ack);
                let text = if ack {
                    std::iter::once("ack")
                        .chain(tags.iter().copied())
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    tags.join(" ")
                };
                let style = if !tags.is_empty() {
                    t.warning
                } else {
                    t.acknowledged
                };
                (text, style)
            }),
        },
        Column {
            title: "MATCHERS",
            width: 0,
            cell: Box::new(|s: &&Silence| (s.matchers_display(), t.accent)),
        },
    ];
    // The author is in the detail pane: narrow screens keep the room for matchers.
    if body.width >= 100 {
        columns.push(Column {
            title: "BY",
            width: 14,
            cell: Box::new(|s: &&Silence| (s.created_by.clone(), t.muted)),
        });
    }
    columns.push(Column {
        title: "COMMENT",
        width: 0,
        cell: Box::new(|s: &&Silence| (s.comment.clone(), t.text)),
    });
    render_table(app, list, buf, columns, &rows, selected);
    if detail_h > 0 {
        render_silence_detail(
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

/// `ends in 12m (14:00:00)` or `ended 3m ago (11:57:00)`.
fn silence_end(app: &App, s: &Silence) -> String {
    let end = s.ends_at.timestamp_millis();
    let clock = format_clock(end, app.offset);
    if end > app.now_ms {
        format!("ends in {} ({clock})", format_age(end - app.now_ms))
    } else {
        format!("ended {} ago ({clock})", format_age(app.now_ms - end))
    }
}

/// The selected silence in full: when, flags, matchers, author and comment, where it is
/// held, and the alerts it mutes or would match with their key labels.
fn render_silence_detail(app: &App, s: &Silence, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let tr = &app.triage;
    detail_rule(app, area, buf);
    let kv = |k: &str, v: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {:<13} ", truncate(k, 13)), t.muted),
            Span::styled(v, style),
        ])
    };
    let usage = tr.inventory.usage(&s.id);
    let ack = usage.is_some_and(|u| u.ack);
    let mut lines: Vec<Line> = Vec::new();
    let kind = match (ack, s.status) {
        (true, SilenceState::Active) => "active ack",
        (_, state) => state.as_str(),
    };
    let starts = s.starts_at.timestamp_millis();
    let start = if starts > app.now_ms {
        format!("starts in {}", format_age(starts - app.now_ms))
    } else {
        format!("started {} ago", format_age(app.now_ms - starts))
    };
    lines.push(kv(
        kind,
        format!(
            "{} · {start} ({})",
            silence_end(app, s),
            format_clock(starts, app.offset)
        ),
        t.text.add_modifier(Modifier::BOLD),
    ));
    for f in tr.inventory.flags(s, app.now_ms) {
        lines.push(kv(f.word(), f.describe().into(), t.warning));
    }
    lines.push(kv("matchers", clip(&s.matchers_display()), t.accent));
    lines.push(kv("by", clip(&s.created_by), t.text));
    lines.push(kv("comment", clip(&s.comment), t.text));
    // Mutes now, then what else its matchers select (muted by another silence, or pending
    // until it starts), each with the state it shows and its key labels.
    let (mutes, matches) = match usage {
        Some(u) if s.status != SilenceState::Expired => (u.mutes.clone(), u.matches.clone()),
        _ => (
            Vec::new(),
            crate::triage::silence_inventory::matching(s, tr.alerts.iter().map(|a| &**a)),
        ),
    };
    let alert_line = |e: &Entry| {
        format!(
            "{:<9} {} {}",
            e.shown.as_str(),
            clip(e.alert.alertname()),
            clip(&label_summary(&e.alert, false))
        )
    };
    // In the list's order; a set, as a silence may mute thousands of alerts.
    let listed = |fps: &[String]| -> Vec<&Entry> {
        let fps: std::collections::HashSet<&str> = fps.iter().map(String::as_str).collect();
        tr.entries
            .iter()
            .filter(|e| fps.contains(e.alert.fingerprint.as_str()))
            .collect()
    };
    let muted = listed(&mutes);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let title = format!("mutes {}", muted.len());
    if muted.is_empty() && s.status == SilenceState::Active {
        lines.push(kv(&title, "no alert now".into(), t.warning));
    }
    for (i, e) in muted.iter().enumerate() {
        let k = if i == 0 { title.as_str() } else { "" };
        lines.push(kv(k, alert_line(e), shown_style(app, e.shown)));
    }
    let muted_now: std::collections::HashSet<&String> = mutes.iter().collect();
    let others: Vec<String> = matches
        .into_iter()
        .filter(|f| !muted_now.contains(f))
        .collect();
    let others = listed(&others);
    if !others.is_empty() {
        let title = match s.status {
            SilenceState::Active => format!("also matches {}", others.len()),
            _ => format!("would mute {}", others.len()),
        };
        for (i, e) in others.iter().enumerate() {
            let k = if i == 0 { title.as_str() } else { "" };
            lines.push(kv(k, alert_line(e), shown_style(app, e.shown)));
        }
    }
    if let Some(u) = usage.filter(|u| !u.duplicates.is_empty()) {
        lines.push(kv(
            &format!("duplicate{}", plural(u.duplicates.len())),
            clip(&u.duplicates.join(", ")),
            t.warning,
        ));
    }
    let held: Vec<String> = tr
        .silence_feeds
        .iter()
        .zip(&tr.health)
        .filter(|(f, _)| f.items.iter().any(|x| x.id == s.id))
        .map(|(_, h)| one_line(&h.name))
        .collect();
    if !held.is_empty() {
        lines.push(kv("held by", held.join(", "), t.muted));
    }
    lines.push(kv(
        "updated",
        format!(
            "{} ({} ago)",
            format_clock(s.updated_at.timestamp_millis(), app.offset),
            age(app, s.updated_at)
        ),
        t.muted,
    ));
    lines.push(kv("id", clip(&s.id), t.muted));
    for (i, line) in lines
        .into_iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        buf.set_line(area.x, area.y + 1 + i as u16, &line, area.width);
    }
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
        format!(
            "{} {} · {triggered} triggered",
            rows.len(),
            if app.triage.mine_only && app.triage.me.is_some() {
                "open, assigned to me"
            } else {
                "open"
            }
        ),
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
            title: "ACK LEFT",
            width: 9,
            cell: Box::new(|i: &&Incident| {
                let expiry = i.ack_expiry();
                let text = ack_countdown(expiry, app.now_ms, app.prefs.ascii);
                let style = match expiry {
                    AckExpiry::At { at, .. } if at.timestamp_millis() <= app.now_ms => t.critical,
                    AckExpiry::At { .. } | AckExpiry::Never => t.acknowledged,
                    AckExpiry::NotAcked => t.muted,
                };
                (text, style)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_countdown_text() {
        let now = 1_768_478_400_000;
        let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(now + ms).unwrap_or_default();
        let exact = |ms| AckExpiry::At {
            at: at(ms),
            assumed: false,
        };
        assert_eq!(ack_countdown(exact(12 * 60_000), now, false), "12m left");
        assert_eq!(
            ack_countdown(
                AckExpiry::At {
                    at: at(30 * 60_000),
                    assumed: true
                },
                now,
                false
            ),
            "~30m left"
        );
        assert_eq!(ack_countdown(exact(0), now, false), "expired");
        assert_eq!(ack_countdown(exact(-5_000), now, false), "expired");
        assert_eq!(ack_countdown(exact(500), now, false), "1s left");
        assert_eq!(ack_countdown(AckExpiry::Never, now, false), "never");
        assert_eq!(ack_countdown(AckExpiry::NotAcked, now, false), "–");
        assert_eq!(ack_countdown(AckExpiry::NotAcked, now, true), "-");
    }
}
