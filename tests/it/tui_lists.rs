//! Every list view at 80x24 and 200x50 with long, similar values (the hosts of one cloud
//! region, the mounts of one node, incidents of one service): the rows on screen stay
//! distinguishable, and no column is cut down to a lone `…`.

use crate::tui_support;

use insta::assert_snapshot;
use oncall::model::{Alert, Incident, Silence};
use oncall::tui::action::Action;
use tui_support::*;

const HOST: &str = ".eu-west-1.compute.internal:9100";

fn alert(name: &str, n: usize, mount: &str, state: &str) -> Alert {
    serde_json::from_value(serde_json::json!({
        "labels": {
            "alertname": name,
            "severity": if name == "DiskUsageCritical" { "critical" } else { "warning" },
            "cluster": "prod-eu-west-1-kubernetes-main",
            "job": "node-exporter",
            "instance": format!("ip-10-0-1-{n}{HOST}"),
            "mountpoint": mount,
        },
        "annotations": {
            "summary": format!("Disk usage above 90% on ip-10-0-1-{n}{HOST} {mount}"),
        },
        "fingerprint": format!("{name}-{n}-{}", mount.len()),
        "startsAt": "2026-01-15T10:01:00Z", "updatedAt": "2026-01-15T11:50:00Z",
        "endsAt": "2026-01-15T13:00:00Z",
        "status": {"state": state, "silencedBy": [], "inhibitedBy": []}
    }))
    .expect("alert")
}

fn alerts() -> Vec<Alert> {
    let mut out = Vec::new();
    for n in [17, 18, 19] {
        for mount in ["/var/lib/docker/overlay2", "/var/lib/kubelet/pods"] {
            out.push(alert("DiskUsageWarning", n, mount, "active"));
        }
    }
    out.push(alert(
        "DiskUsageCritical",
        21,
        "/var/lib/docker/overlay2",
        "active",
    ));
    out
}

fn silences() -> Vec<Silence> {
    (17..23)
        .map(|n| {
            serde_json::from_value(serde_json::json!({
                "id": format!("3f2a6c1e-77aa-4d1b-9c0e-00000000{n:04}"),
                "matchers": [
                    {"name": "cluster", "value": "prod-eu-west-1-kubernetes-main", "isRegex": false, "isEqual": true},
                    {"name": "instance", "value": format!("ip-10-0-1-{n}{HOST}"), "isRegex": false, "isEqual": true}
                ],
                "startsAt": "2026-01-15T11:00:00Z",
                "endsAt": format!("2026-01-15T{:02}:00:00Z", 12 + n % 5),
                "createdBy": "alice@example.com",
                "comment": format!("CHG-{n}: kernel patching of the node pool, one node at a time"),
                "status": {"state": "active"},
                "updatedAt": "2026-01-15T11:00:00Z"
            }))
            .expect("silence")
        })
        .collect()
}

fn incidents() -> Vec<Incident> {
    (0..4)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "id": format!("PINC{i}"),
                "incident_number": 4711 + i,
                "title": format!("[FIRING:2] DiskUsageWarning prod-eu-west-1-kubernetes-main ip-10-0-1-{}{HOST}", 17 + i),
                "status": if i % 2 == 0 { "triggered" } else { "acknowledged" },
                "urgency": if i < 2 { "high" } else { "low" },
                "created_at": format!("2026-01-15T11:{:02}:00Z", 10 + i),
                "service": {"id": "S1", "summary": "Kubernetes node pool eu-west-1"},
                "assignments": [{"assignee": {"id": "U1", "summary": "Alice Example-Operator"}}]
            }))
            .expect("incident")
        })
        .collect()
}

fn loaded(width: u16, height: u16) -> oncall::tui::app::App {
    let mut app = app(width, height);
    app.start(NOW);
    answer_alerts(&mut app, alerts());
    app.update(
        Action::Silences {
            source: 0,
            generation: 1,
            result: Ok(silences()),
        },
        NOW,
    );
    app.update(
        Action::Incidents {
            generation: 1,
            result: Ok(incidents()),
        },
        NOW,
    );
    app
}

/// The table's rows: from the line after the header to the detail pane's rule.
fn table_rows(text: &str, header: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains(header))
        .expect("header")
        + 1;
    lines[start..]
        .iter()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('─'))
        .map(|l| l.chars().skip(2).collect::<String>().trim_end().to_string())
        .collect()
}

fn check(text: &str, header: &str) {
    let rows = table_rows(text, header);
    assert!(rows.len() > 1, "{text}");
    for (i, a) in rows.iter().enumerate() {
        assert!(
            !a.contains(" … ") && !a.ends_with(" …"),
            "a lone … in {a:?}"
        );
        for b in &rows[i + 1..] {
            assert_ne!(a, b, "two rows read the same:\n{text}");
        }
    }
}

#[test]
fn every_list_view_at_80x24_and_200x50_tells_rows_apart() {
    for (w, h) in [(80, 24), (200, 50)] {
        let mut app = loaded(w, h);
        for (view, name, header) in [
            ('8', "alerts", "SEVERITY"),
            ('9', "silences", "MATCHERS"),
            ('0', "incidents", "TITLE"),
        ] {
            app.update(key(view), NOW);
            let text = screen_text(&render(&app, w, h));
            check(&text, header);
            assert_snapshot!(format!("{name}_{w}x{h}"), text);
        }
        // Flat, and grouped by a label (its shared labels once, in the group's header).
        app.update(key('8'), NOW);
        app.update(key('g'), NOW);
        let text = screen_text(&render(&app, w, h));
        check(&text, "SEVERITY");
        assert_snapshot!(format!("alerts_flat_{w}x{h}"), text);
        app.update(key(':'), NOW);
        for c in "group-by mountpoint\n".chars() {
            let k = if c == '\n' {
                chord(
                    crossterm::event::KeyCode::Enter,
                    crossterm::event::KeyModifiers::NONE,
                )
            } else {
                key(c)
            };
            app.update(k, NOW);
        }
        let text = screen_text(&render(&app, w, h));
        assert!(text.contains("by mountpoint"), "{text}");
        assert!(text.contains("▾ /var/lib/kubelet/pods (3)"), "{text}");
        assert_snapshot!(format!("alerts_by_mount_{w}x{h}"), text);
    }
}

#[test]
fn incident_detail_pane_at_80x24_and_200x50() {
    use oncall::tui::app::incident_detail::Fetched;
    for (w, h) in [(80, 24), (200, 50)] {
        let mut app = loaded(w, h);
        app.update(key('0'), NOW);
        let fx = app.update(
            chord(
                crossterm::event::KeyCode::Enter,
                crossterm::event::KeyModifiers::NONE,
            ),
            NOW,
        );
        let incident = fx
            .iter()
            .find_map(|e| match e {
                oncall::tui::action::Effect::FetchIncidentDetail { incident } => {
                    Some(incident.clone())
                }
                _ => None,
            })
            .expect("enter asks PagerDuty for the details");
        let text = screen_text(&render(&app, w, h));
        assert!(text.contains("asking PagerDuty…"), "{text}");
        let notes = serde_json::from_value(serde_json::json!([
            {"id": "N1", "user": {"id": "U1", "summary": "Alice Example-Operator"},
             "content": "drained ip-10-0-1-17, replacing the volume", "created_at": "2026-01-15T11:20:00Z"}
        ]))
        .expect("notes");
        let log = serde_json::from_value(serde_json::json!([
            {"id": "L2", "type": "acknowledge_log_entry", "summary": "Acknowledged by Alice.", "created_at": "2026-01-15T11:15:00Z"},
            {"id": "L1", "type": "trigger_log_entry", "summary": "Triggered through the API.", "created_at": "2026-01-15T11:10:00Z"}
        ]))
        .expect("log entries");
        app.update(
            Action::IncidentDetail {
                incident,
                detail: Fetched {
                    notes: Some(Ok(notes)),
                    log: Some(Ok((log, false))),
                    alerts: Some(Err("PagerDuty answered HTTP 500".into())),
                },
            },
            NOW,
        );
        let text = screen_text(&render(&app, w, h));
        assert!(text.contains("drained ip-10-0-1-17"), "{text}");
        assert!(text.contains("could not read its alerts"), "{text}");
        assert_snapshot!(format!("incident_detail_{w}x{h}"), text);
    }
}
