//! The incidents view: PagerDuty's open incidents, mine or all, with their acks.

use super::*;

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
