//! The alerts view: the grouped list, and the detail pane of the selected alert (its labels,
//! annotations, ack, silences, inhibitions and linked incident).

use super::*;

pub(super) fn render_alerts(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
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
