//! The incidents view: PagerDuty's open incidents, mine or all, with their acks.

use super::*;
use crate::triage::targets::{short, Due};

fn now_utc(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

pub(super) fn render_incidents(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let rows = app.incident_rows();
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
    // `enter` opens the selected incident's details below the list.
    // The list keeps its rows (up to half the screen); the pane gets the rest.
    let detail_h = match &app.incident_detail {
        Some(_) if body.height >= 10 => {
            let list = (rows.len() as u16 + 1).clamp(3, body.height / 2);
            body.height - list
        }
        _ => 0,
    };
    let detail_area = Rect {
        y: body.y + body.height - detail_h,
        height: detail_h,
        ..body
    };
    let body = Rect {
        height: body.height - detail_h,
        ..body
    };
    let status = |i: &&Incident| match i.status {
        IncidentStatus::Triggered => ("triggered".into(), t.critical.add_modifier(Modifier::BOLD)),
        IncidentStatus::Acknowledged => ("acked".into(), t.acknowledged),
        other => (other.as_str().into(), t.muted),
    };
    let ack_left = |i: &&Incident| {
        let expiry = i.ack_expiry();
        let text = ack_countdown(expiry, app.now_ms, app.prefs.ascii);
        let style = match expiry {
            AckExpiry::At { at, .. } if at.timestamp_millis() <= app.now_ms => t.critical,
            AckExpiry::At { .. } | AckExpiry::Never => t.acknowledged,
            AckExpiry::NotAcked => t.muted,
        };
        (text, style)
    };
    let service = |i: &&Incident| {
        (
            i.service
                .as_ref()
                .map(|s| s.summary.clone())
                .unwrap_or_default(),
            t.accent,
        )
    };
    let shown = on_screen(&rows, selected, body.height);
    let w = |title: &str, cap, f: &dyn Fn(&&Incident) -> (String, Style)| {
        fit(title, shown.iter().map(|i| f(i).0), cap)
    };
    let assigned = |i: &&Incident| (i.assignees(), t.muted);
    // The next response target: warning in its last quarter, critical once missed.
    let target = |i: &&Incident| {
        let due = app.prefs.targets.due(i, now_utc(app.now_ms));
        let style = match &due {
            Due::Ack {
                left_ms,
                share_left,
            }
            | Due::Resolve {
                left_ms,
                share_left,
            } => {
                if *left_ms < 0 {
                    t.critical.add_modifier(Modifier::BOLD)
                } else if *share_left < 0.25 {
                    t.warning
                } else {
                    t.muted
                }
            }
            Due::Done => t.muted,
        };
        (short(&due), style)
    };
    let number = |i: &&Incident| (format!("#{}", i.incident_number), t.muted);
    let columns: Vec<Column<&Incident>> = vec![
        Column::fixed("#", w("#", 8, &number), number).sorts(SortKey::Number),
        Column::fixed("STATUS", w("STATUS", 9, &status), status).sorts(SortKey::State),
        Column::fixed("ACK LEFT", 9, ack_left).drop_order(20),
        Column::fixed("TARGET", w("TARGET", 14, &target), target).drop_order(25),
        Column::fixed("URG", 4, |i: &&Incident| match i.urgency {
            Urgency::High => ("high".into(), t.warning),
            other => (other.as_str().into(), t.muted),
        })
        .sorts(SortKey::Severity),
        Column::fixed("AGE", 6, |i: &&Incident| (age(app, i.created_at), t.muted))
            .sorts(SortKey::Age),
        // When it started on the clock, beside how long ago, where there is room.
        Column::fixed("CREATED", 8, |i: &&Incident| {
            (
                format_clock(i.created_at.timestamp_millis(), app.offset),
                t.muted,
            )
        })
        .drop_order(35),
        Column::flex("TITLE", 20, |i: &&Incident| (i.title.clone(), t.text))
            .distinct(0)
            .sorts(SortKey::Name),
        Column::fixed("SERVICE", w("SERVICE", 32, &service), service)
            .distinct(8)
            .sorts(SortKey::Service)
            .drop_order(30),
        Column::fixed("ASSIGNED", w("ASSIGNED", 24, &assigned), assigned)
            .sorts(SortKey::Who)
            .drop_order(40),
    ];
    let marked = |i: &&Incident| app.triage.incidents_list.marked.contains(&i.id);
    render_table(
        app,
        body,
        buf,
        columns,
        &rows,
        Table {
            selected,
            sort: app.triage.incidents_list.sort,
            marked: &marked,
        },
    );
    if detail_h > 0 {
        super::incident_detail::render(app, rows[selected], detail_area, buf);
    }
}
