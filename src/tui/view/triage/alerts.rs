//! The alerts view: the grouped list, and the detail pane of the selected alert (its labels,
//! annotations, ack, silences, inhibitions and linked incident).

use super::*;

pub(super) fn render_alerts(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let tr = &app.triage;
    let rows = &tr.rows;
    let count = |s: Shown| tr.entries.iter().filter(|e| e.shown == s).count();
    let new = tr
        .entries
        .iter()
        .filter(|e| tr.is_new(&e.alert.fingerprint))
        .count();
    // Firing always (0 is news too); the other states when there are some.
    let mut counts = format!("{} firing", count(Shown::Firing));
    for state in [
        Shown::Pending,
        Shown::Acknowledged,
        Shown::Silenced,
        Shown::Inhibited,
    ] {
        let n = count(state);
        if n > 0 {
            counts.push_str(&format!(" · {n} {}", state.as_str()));
        }
    }
    if new > 0 {
        counts.push_str(&format!(" · {new} new"));
    }
    if let Grouping::ByLabel(label) = &tr.grouping {
        counts.push_str(&format!(" · by {}", truncate(&one_line(label), 20)));
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
    let body_rows = usize::from(list.height.saturating_sub(1));
    let first = window(rows.len(), selected, body_rows);
    let lines = visible_lines(rows, first, body_rows);
    let alerts = lines
        .iter()
        .filter_map(|l| l.row.alert())
        .filter_map(|i| tr.entries.get(i))
        .map(|e| &*e.alert);
    let mut keys = varying_keys(alerts);
    // The label grouped by is in each group's header.
    if let Grouping::ByLabel(label) = &tr.grouping {
        keys.retain(|k| k != label);
    }
    let columns = alert_columns(app, &lines, &keys);
    let marked = |l: &AlertLine| is_marked(tr, l.row);
    render_table(
        app,
        list,
        buf,
        columns,
        &lines,
        Table {
            selected: selected - first,
            sort: tr.alerts_list.sort,
            marked: &marked,
        },
    );
    if detail_h > 0 {
        if let Some(e) = tr.entries.get(rows[selected].entry()) {
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

/// A row on screen with the labels its group shares (shown once, on the group's header).
struct AlertLine<'a> {
    row: &'a Row,
    shared: &'a [(String, String)],
}

/// The rows from `first` that fit in `body` rows, each with its group's shared labels (the
/// header may be above the screen).
fn visible_lines(rows: &[Row], first: usize, body: usize) -> Vec<AlertLine<'_>> {
    let mut shared: &[(String, String)] = rows[..first.min(rows.len())]
        .iter()
        .rev()
        .find_map(|r| match r {
            Row::Group { shared, .. } => Some(shared.as_slice()),
            Row::Alert(_) => Some(&[][..]),
            Row::Member(_) => None,
        })
        .unwrap_or(&[]);
    rows.iter()
        .skip(first)
        .take(body)
        .map(|row| {
            match row {
                Row::Group { shared: s, .. } => shared = s,
                Row::Alert(_) => shared = &[],
                Row::Member(_) => {}
            }
            AlertLine { row, shared }
        })
        .collect()
}

/// A row is marked when its alert is; a header when all its alerts are.
fn is_marked(tr: &Triage, row: &Row) -> bool {
    let marked = &tr.alerts_list.marked;
    if marked.is_empty() {
        return false;
    }
    match row {
        Row::Group { name, .. } => {
            let members = tr
                .entries
                .iter()
                .filter(|e| tr.grouping.key(&e.alert).as_deref() == Some(name.as_str()));
            let mut any = false;
            for e in members {
                if !marked.contains(&e.alert.fingerprint) {
                    return false;
                }
                any = true;
            }
            any
        }
        Row::Alert(i) | Row::Member(i) => tr
            .entries
            .get(*i)
            .is_some_and(|e| marked.contains(&e.alert.fingerprint)),
    }
}

/// The alert list's columns for the rows on screen: each as wide as its widest cell, one
/// column per label that tells the rows apart (before the summary, which goes first when
/// the screen is narrow).
fn alert_columns<'a>(
    app: &'a App,
    lines: &[AlertLine<'a>],
    keys: &'a [String],
) -> Vec<Column<'a, AlertLine<'a>>> {
    let t = &app.theme;
    let tr = &app.triage;
    let entry = move |l: &AlertLine| tr.entries.get(l.row.entry());
    let new_mark = if app.prefs.ascii { "!" } else { "●" };
    let new = move |l: &AlertLine| {
        let any_new = match l.row {
            Row::Group { name, .. } => tr.entries.iter().any(|e| {
                tr.is_new(&e.alert.fingerprint)
                    && tr.grouping.key(&e.alert).as_deref() == Some(name.as_str())
            }),
            _ => entry(l).is_some_and(|e| tr.is_new(&e.alert.fingerprint)),
        };
        if any_new {
            (new_mark.to_string(), t.accent)
        } else {
            (String::new(), t.text)
        }
    };
    let severity = move |l: &AlertLine| {
        let s = entry(l).and_then(|e| e.alert.severity()).unwrap_or("-");
        (s.to_string(), severity_style(app, s))
    };
    let state = move |l: &AlertLine| match l.row {
        Row::Group {
            worst, worst_count, ..
        } => group_state(app, *worst, *worst_count),
        _ => match entry(l) {
            Some(e) => (e.shown.as_str().into(), shown_style(app, e.shown)),
            None => (String::new(), t.text),
        },
    };
    let name = move |l: &AlertLine| match l.row {
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
            // Grouped by a label, the title line names it: the header shows the value.
            let name = match &tr.grouping {
                Grouping::ByLabel(l) => name
                    .strip_prefix(l.as_str())
                    .and_then(|v| v.strip_prefix('='))
                    .unwrap_or(name),
                _ => name,
            };
            (
                format!("{arrow} {} ({count})", one_line(name)),
                t.text.add_modifier(Modifier::BOLD),
            )
        }
        Row::Member(i) => {
            let name = tr
                .entries
                .get(*i)
                .map(|e| e.alert.alertname())
                .unwrap_or("");
            (format!("  {}", one_line(name)), t.text)
        }
        Row::Alert(i) => {
            let name = tr
                .entries
                .get(*i)
                .map(|e| e.alert.alertname())
                .unwrap_or("");
            (one_line(name), t.text)
        }
    };
    let since = move |l: &AlertLine| match entry(l) {
        Some(e) => (age(app, e.alert.starts_at), t.muted),
        None => (String::new(), t.muted),
    };
    let widths = |title: &str, cap, f: &dyn Fn(&AlertLine) -> (String, Style)| {
        fit(title, lines.iter().map(|l| f(l).0), cap)
    };
    let mut columns = vec![
        Column::fixed(" ", 1, new),
        Column::fixed("SEVERITY", widths("SEVERITY", 8, &severity), severity)
            .sorts(SortKey::Severity),
        Column::fixed("STATE", widths("STATE", 11, &state), state).sorts(SortKey::State),
        // The name and a group's count stay whole up to 24 cells: label columns narrow first.
        Column::fixed("ALERT", widths("ALERT", 32, &name), name)
            .distinct(24)
            .sorts(SortKey::Name),
        Column::fixed("AGE", widths("AGE", 6, &since), since).sorts(SortKey::Age),
    ];
    for (n, key) in keys.iter().enumerate() {
        let value = move |l: &AlertLine| -> (String, Style) {
            let in_group = l.shared.iter().find(|(k, _)| k == key);
            match (l.row, in_group) {
                // Shown once, on the header.
                (Row::Group { .. }, Some((_, v))) => (v.clone(), t.accent),
                (Row::Group { .. }, None) | (Row::Member(_), Some(_)) => (String::new(), t.muted),
                _ => {
                    let v = entry(l).and_then(|e| e.alert.labels.get(key));
                    (v.cloned().unwrap_or_default(), t.muted)
                }
            }
        };
        let title = key.to_uppercase();
        let w = widths(&title, 48, &value);
        let texts: Vec<String> = lines.iter().map(|l| value(l).0).collect();
        let all: Vec<&str> = texts.iter().map(String::as_str).collect();
        let least = all
            .iter()
            .map(|v| distinct_width(v, &all))
            .max()
            .unwrap_or(0);
        let least = least.max(width(&title)).min(usize::from(w)) as u16;
        columns.push(
            Column::fixed(title, w, value)
                .distinct(least)
                .sorts(SortKey::Labels)
                .drop_order(20u8.saturating_add(n as u8)),
        );
    }
    // A header says what its group shares beyond the columns; an alert, its summary.
    let summary = move |l: &AlertLine| match l.row {
        Row::Group { .. } if !l.shared.is_empty() => {
            let text: Vec<String> = l
                .shared
                .iter()
                .filter(|(k, _)| !keys.contains(k))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            (text.join(" "), t.muted)
        }
        _ => {
            let text = entry(l).and_then(|e| e.alert.summary()).unwrap_or("");
            (text.to_string(), t.text)
        }
    };
    columns.push(Column::flex("SUMMARY", 16, summary).drop_order(60));
    columns
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
