//! The incident detail pane: the incident as the list knows it, then what PagerDuty said
//! when asked (its alerts, notes, timeline), and the firing alerts here that belong to it.

use super::*;
use crate::tui::app::incident_detail::Fetched;

pub(super) fn render(app: &App, incident: &Incident, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    detail_rule(app, area, buf);
    let kv = |k: &str, v: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {:<11} ", truncate(k, 11)), t.muted),
            Span::styled(clip(&v), style),
        ])
    };
    let when = |at: DateTime<Utc>| {
        format!(
            "{} ({} ago)",
            format_clock(at.timestamp_millis(), app.offset),
            age(app, at)
        )
    };
    let mut lines: Vec<Line> = vec![kv(
        &format!("#{}", incident.incident_number),
        format!(
            "{} ({}, {} urgency)",
            incident.title,
            incident.status.as_str(),
            incident.urgency.as_str()
        ),
        t.text.add_modifier(Modifier::BOLD),
    )];
    // Two lines for what the list knows, so notes and timeline fit at 80x24.
    let service = incident.service.as_ref().map(|s| s.summary.clone());
    let priority = incident.priority.as_ref().map(|p| p.summary.clone());
    lines.push(kv(
        "service",
        format!(
            "{} · priority {} · created {}",
            service.unwrap_or_else(|| "-".into()),
            priority.unwrap_or_else(|| "none set".into()),
            when(incident.created_at)
        ),
        t.text,
    ));
    let mut assigned = incident.assignees();
    if let Some(policy) = &incident.escalation_policy {
        let levels = app.escalation_levels(incident);
        let level = match levels.as_slice() {
            [] => String::new(),
            [one] => format!(", level {one}"),
            more => format!(
                ", levels {}",
                more.iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        assigned.push_str(&format!(" · {}{level}", policy.summary));
    }
    lines.push(kv("assigned", assigned, t.text));
    // The response targets of its tier, and where it stands against the next one.
    let tier = crate::triage::targets::Tier::of(incident);
    let target = app.prefs.targets.for_tier(tier);
    let now = DateTime::<Utc>::from_timestamp_millis(app.now_ms).unwrap_or_default();
    let due = app.prefs.targets.due(incident, now);
    let span = |d: std::time::Duration| crate::duration::format_duration(d);
    let late = matches!(
        due,
        crate::triage::targets::Due::Ack { left_ms, .. } | crate::triage::targets::Due::Resolve { left_ms, .. } if left_ms < 0
    );
    lines.push(kv(
        "targets",
        format!(
            "{} · {}: acknowledge within {}, resolve within {}",
            match crate::triage::targets::short(&due) {
                s if s.is_empty() => "nothing due".to_string(),
                s => s,
            },
            tier.name(),
            span(target.ack),
            span(target.resolve),
        ),
        if late { t.critical } else { t.text },
    ));
    let expiry = incident.ack_expiry();
    if !matches!(expiry, AckExpiry::NotAcked) {
        let by: Vec<&str> = incident
            .acknowledgements
            .iter()
            .map(|a| a.acknowledger.summary.as_str())
            .collect();
        lines.push(kv(
            "acked",
            format!(
                "by {} · {}",
                by.join(", "),
                ack_countdown(expiry, app.now_ms, app.prefs.ascii)
            ),
            t.acknowledged,
        ));
    }
    let here = app.alerts_of_incident(incident);
    let firing: Vec<_> = here
        .iter()
        .filter(|(_, a)| a.status.state != crate::model::AlertState::Suppressed)
        .collect();
    // What tells them apart, as the alerts list shows it.
    let keys = varying_keys(firing.iter().map(|(_, a)| *a));
    for (n, (by, alert)) in firing.iter().enumerate().take(5) {
        let labels = match keys.is_empty() {
            true => label_summary(alert, false),
            false => keys
                .iter()
                .filter_map(|k| alert.labels.get(k).map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(" "),
        };
        lines.push(kv(
            if n == 0 { "alerts here" } else { "" },
            format!("{} {labels} ({})", alert.alertname(), by.describe()),
            t.critical,
        ));
    }
    if firing.len() > 5 {
        lines.push(kv("", format!("… and {} more", firing.len() - 5), t.muted));
    }
    let fetched = app
        .incident_detail
        .as_ref()
        .filter(|d| d.incident == incident.id);
    match fetched.map(|d| d.fetched.as_ref()) {
        None => lines.push(kv(
            "",
            "enter: its notes, timeline and PagerDuty alerts".into(),
            t.muted,
        )),
        Some(None) => lines.push(kv("", "asking PagerDuty…".into(), t.muted)),
        Some(Some(f)) => fetched_lines(app, f, &kv, &mut lines),
    }
    if !incident.html_url.is_empty() {
        lines.push(kv("url", incident.html_url.clone(), t.muted));
    }
    for (i, line) in lines
        .into_iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        buf.set_line(area.x, area.y + 1 + i as u16, &line, area.width);
    }
}

/// PagerDuty's answer: its alerts, the notes (oldest first), the timeline (newest first).
fn fetched_lines<'a>(
    app: &'a App,
    f: &Fetched,
    kv: &dyn Fn(&str, String, Style) -> Line<'a>,
    lines: &mut Vec<Line<'a>>,
) {
    let t = &app.theme;
    let failed = |what: &str, e: &str| format!("could not read its {what}: {e}");
    match &f.alerts {
        Some(Ok(alerts)) => {
            for (n, a) in alerts.iter().enumerate().take(3) {
                let head = if n == 0 { "pd alerts" } else { "" };
                lines.push(kv(head, format!("{} ({})", a.summary, a.status), t.text));
            }
            if alerts.len() > 3 {
                lines.push(kv("", format!("… and {} more", alerts.len() - 3), t.muted));
            }
        }
        Some(Err(e)) => lines.push(kv("pd alerts", failed("alerts", e), t.critical)),
        None => {}
    }
    match &f.notes {
        Some(Ok(notes)) if notes.is_empty() => lines.push(kv("notes", "none".into(), t.muted)),
        Some(Ok(notes)) => {
            for (n, note) in notes.iter().enumerate() {
                let who = note
                    .user
                    .as_ref()
                    .map(|u| u.summary.as_str())
                    .unwrap_or("?");
                lines.push(kv(
                    if n == 0 { "notes" } else { "" },
                    format!(
                        "{} {who}: {}",
                        format_clock(note.created_at.timestamp_millis(), app.offset),
                        note.content
                    ),
                    t.text,
                ));
            }
        }
        Some(Err(e)) => lines.push(kv("notes", failed("notes", e), t.critical)),
        None => {}
    }
    match &f.log {
        Some(Ok((entries, cut))) => {
            for (n, e) in entries.iter().enumerate() {
                lines.push(kv(
                    if n == 0 { "timeline" } else { "" },
                    format!(
                        "{} {:<11} {}",
                        format_clock(e.created_at.timestamp_millis(), app.offset),
                        e.word(),
                        e.summary
                    ),
                    t.text,
                ));
            }
            if *cut {
                lines.push(kv("", "(older entries not read)".into(), t.muted));
            }
        }
        Some(Err(e)) => lines.push(kv("timeline", failed("timeline", e), t.critical)),
        None => {}
    }
}
