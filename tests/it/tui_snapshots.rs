//! Screens of `oncall watch` drawn into a `TestBackend` from fixed data at a fixed time:
//! every dashboard at 80x24 and 160x48, the panel states (loading, no data, error, stale),
//! the triage views, the help screen, and tiny terminals.

use crate::tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use oncall::model::alert::Alert;
use oncall::model::incident::Incident;
use oncall::model::silence::Silence;
use oncall::tui::action::Action;
use oncall::tui::app::App;
use oncall::tui::state::FetchError;
use tui_support::*;

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn alerts() -> Vec<Alert> {
    let alert = |name: &str, severity: &str, fp: &str, silenced: bool, summary: &str| -> Alert {
        serde_json::from_value(serde_json::json!({
            "labels": {"alertname": name, "severity": severity, "job": "order-service", "instance": "10.0.3.7:8080"},
            "annotations": {"summary": summary, "runbook_url": "https://runbooks.example.com/x"},
            "receivers": [{"name": "pagerduty"}],
            "fingerprint": fp,
            "startsAt": "2026-01-15T11:48:00Z",
            "updatedAt": "2026-01-15T11:59:00Z",
            "endsAt": "2026-01-15T12:10:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "status": {"state": if silenced { "suppressed" } else { "active" }, "silencedBy": if silenced { vec!["s-1"] } else { vec![] }, "inhibitedBy": []}
        }))
        .expect("alert JSON")
    };
    vec![
        alert(
            "HighErrorRate",
            "critical",
            "a1",
            false,
            "5xx above 5% on order-service",
        ),
        alert(
            "ServiceDown",
            "critical",
            "a2",
            false,
            "order-service target down",
        ),
        alert(
            "APILatencyWarning",
            "warning",
            "a3",
            false,
            "P95 latency above 1s",
        ),
        alert(
            "HighCPUUsage",
            "warning",
            "a4",
            true,
            "CPU above 80% on node-2",
        ),
    ]
}

fn silences() -> Vec<Silence> {
    vec![serde_json::from_value(serde_json::json!({
        "id": "s-1",
        "matchers": [{"name": "alertname", "value": "HighCPUUsage", "isRegex": false, "isEqual": true}],
        "startsAt": "2026-01-15T11:00:00Z",
        "endsAt": "2026-01-15T14:00:00Z",
        "createdBy": "alice",
        "comment": "batch reindex, expected",
        "status": {"state": "active"},
        "updatedAt": "2026-01-15T11:00:00Z"
    }))
    .expect("silence JSON")]
}

fn incidents() -> Vec<Incident> {
    vec![serde_json::from_value(serde_json::json!({
        "id": "PABC123",
        "incident_number": 4711,
        "title": "[FIRING:1] HighErrorRate order-service",
        "status": "triggered",
        "urgency": "high",
        "html_url": "https://example.pagerduty.com/incidents/PABC123",
        "created_at": "2026-01-15T11:49:00Z",
        "service": {"id": "S1", "summary": "Trading Platform"},
        "assignments": [{"assignee": {"id": "U1", "summary": "Alice Ops"}}]
    }))
    .expect("incident JSON")]
}

/// The first alerts and incidents rounds answered with the fixtures.
fn answer_triage(app: &mut App) {
    app.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(alerts().into_iter().map(Into::into).collect()),
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
}

/// An app showing dashboard `n` (1-based), every panel answered, alerts and incidents in.
fn loaded(n: usize, width: u16, height: u16) -> App {
    let mut app = app(width, height);
    let fx = app.start(NOW);
    answer_all(&mut app, &fx, NOW);
    if n > 1 {
        let c = char::from_digit(n as u32, 10).expect("digit");
        let fx = app.update(key(c), NOW);
        answer_all(&mut app, &fx, NOW);
    }
    answer_triage(&mut app);
    app.update(
        Action::Silences {
            source: 0,
            generation: 1,
            result: Ok(silences()),
        },
        NOW,
    );
    app
}

fn snapshot_dashboard(n: usize, width: u16, height: u16) -> String {
    let app = loaded(n, width, height);
    let id = app.dashboards[n - 1].def.id.clone();
    let terminal = render(&app, width, height);
    let text = screen_text(&terminal);
    assert!(
        !text.contains("loading…"),
        "{id}: every panel answered\n{text}"
    );
    assert!(
        !text.contains("no data"),
        "{id}: every panel has data\n{text}"
    );
    text
}

#[test]
fn every_dashboard_at_80x24() {
    for n in 1..=7 {
        let text = snapshot_dashboard(n, 80, 24);
        let id = loaded(n, 80, 24).dashboards[n - 1].def.id.clone();
        assert_snapshot!(format!("dashboard_{n}_{id}_80x24"), text);
    }
}

#[test]
fn every_dashboard_at_160x48() {
    for n in 1..=7 {
        let text = snapshot_dashboard(n, 160, 48);
        let id = loaded(n, 160, 48).dashboards[n - 1].def.id.clone();
        assert_snapshot!(format!("dashboard_{n}_{id}_160x48"), text);
    }
}

#[test]
fn panel_states_loading_no_data_error_and_stale() {
    let mut app = app(100, 30);
    let fx = app.start(NOW);
    // Alertmanager and PagerDuty answered: only Prometheus's panels are under test (a backend
    // that never answers is marked down after its timeout).
    answer_triage(&mut app);
    let d = app.dashboards[0].def.clone();
    let error = || FetchError {
        short: "bad_data: 1:24: parse error: unexpected \"}\" in label matching".into(),
        full: "Prometheus at http://prometheus:9090/ answered HTTP 400".into(),
        backend_down: false,
    };
    let empty = |r: &oncall::tui::action::PanelRequest| match answer(&d, r) {
        Action::PanelData {
            key,
            generation,
            result: Ok(mut fetch),
        } => {
            fetch.per_query.iter_mut().for_each(Vec::clear);
            fetch.tail_from_ms = None;
            Action::PanelData {
                key,
                generation,
                result: Ok(fetch),
            }
        }
        other => other,
    };
    // Panel 2 has a broken query, panel 3 selects nothing, panel 4 never answers; the rest
    // answer.
    for r in requests(&fx).iter() {
        match r.key.panel {
            2 => {
                app.update(
                    Action::PanelData {
                        key: r.key,
                        generation: r.generation,
                        result: Err(error()),
                    },
                    NOW,
                );
            }
            3 => {
                app.update(empty(r), NOW);
            }
            4 => {}
            _ => {
                app.update(answer(&d, r), NOW);
            }
        }
    }
    // Ten minutes later the refresh goes out: panel 1 fails (stale), the others as before.
    let later = NOW + 10 * 60_000;
    let fx = app.update(Action::Tick, later);
    let mut reqs = requests(&fx);
    // The failure arrives last, so the header shows Prometheus down.
    reqs.sort_by_key(|r| r.key.panel == 1);
    for r in &reqs {
        match r.key.panel {
            1 => {
                let down = FetchError {
                    short: "unreachable: connection refused".into(),
                    full: "Prometheus at http://prometheus:9090/ could not be reached".into(),
                    backend_down: true,
                };
                app.update(
                    Action::PanelData {
                        key: r.key,
                        generation: r.generation,
                        result: Err(down),
                    },
                    later + 2000,
                );
            }
            2 => {
                app.update(
                    Action::PanelData {
                        key: r.key,
                        generation: r.generation,
                        result: Err(error()),
                    },
                    later,
                );
            }
            3 => {
                app.update(empty(r), later);
            }
            4 => {}
            _ => {
                app.update(answer(&d, r), later);
            }
        }
    }
    let text = screen_text(&render(&app, 100, 30));
    assert!(text.contains("stale since 12:10:02"), "{text}");
    assert!(text.contains("parse error"), "{text}");
    assert!(text.contains("no data"), "{text}");
    assert!(text.contains("loading…"), "{text}");
    assert!(text.contains("prometheus down 12:10:02"), "{text}");
    assert_snapshot!("panel_states_100x30", text);
}

#[test]
fn triage_views() {
    for (c, name) in [('8', "alerts"), ('9', "silences"), ('0', "incidents")] {
        let mut app = loaded(1, 100, 30);
        app.update(key(c), NOW);
        let text = screen_text(&render(&app, 100, 30));
        assert_snapshot!(format!("view_{name}_100x30"), text);
    }
}

/// The ack countdown: the service's timeout, PagerDuty's default assumed (`~`), acks that
/// never expire, and one that has run out.
#[test]
fn incidents_ack_countdown() {
    let mut app = loaded(1, 100, 30);
    let acked = |id: &str, number: u64, at: &str, service: serde_json::Value| -> Incident {
        serde_json::from_value(serde_json::json!({
            "id": id, "incident_number": number, "title": format!("acked {id}"),
            "status": "acknowledged", "urgency": "low",
            "created_at": "2026-01-15T11:00:00Z",
            "service": service,
            "acknowledgements": [{"at": at, "acknowledger": {"id": "U1"}}],
            "assignments": [{"assignee": {"id": "U1", "summary": "Alice Ops"}}]
        }))
        .expect("incident JSON")
    };
    app.triage.incidents.items.extend([
        acked(
            "P2",
            4712,
            "2026-01-15T11:50:00Z",
            serde_json::json!({"id": "S1", "summary": "Trading Platform", "acknowledgement_timeout": 1800}),
        ),
        acked(
            "P3",
            4713,
            "2026-01-15T11:55:00Z",
            serde_json::json!({"id": "S2", "summary": "Payments"}),
        ),
        acked(
            "P4",
            4714,
            "2026-01-15T11:00:00Z",
            serde_json::json!({"id": "S3", "summary": "Batch", "acknowledgement_timeout": null}),
        ),
        acked(
            "P5",
            4715,
            "2026-01-15T11:00:00Z",
            serde_json::json!({"id": "S1", "summary": "Trading Platform", "acknowledgement_timeout": 1800}),
        ),
    ]);
    app.update(key('0'), NOW);
    let text = screen_text(&render(&app, 100, 30));
    assert_snapshot!("view_incidents_ack_countdown_100x30", text);
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = loaded(1, 100, 40);
    app.update(key('?'), NOW);
    let text = screen_text(&render(&app, 100, 40));
    assert!(text.contains("Zoom in (halve the time range)"), "{text}");
    assert_snapshot!("help_100x40", text);
}

#[test]
fn full_screen_panel_with_cursor() {
    let mut app = loaded(2, 120, 36);
    app.update(key('j'), NOW);
    let fx = app.update(key('f'), NOW);
    answer_all(&mut app, &fx, NOW);
    for _ in 0..12 {
        app.update(key('h'), NOW);
    }
    let text = screen_text(&render(&app, 120, 36));
    assert!(
        text.contains("@11:"),
        "the legend reads values at the cursor\n{text}"
    );
    assert_snapshot!("fullscreen_cursor_120x36", text);
}

#[test]
fn command_line_with_completions() {
    let mut app = loaded(1, 80, 24);
    for c in ":dash ".chars() {
        app.update(key(c), NOW);
    }
    let text = screen_text(&render(&app, 80, 24));
    assert!(text.contains("dash trading-engine"), "{text}");
    assert_snapshot!("command_line_80x24", text);
}

#[test]
fn tiny_terminals_never_panic() {
    let mut app = loaded(1, 20, 5);
    for size in [
        (20u16, 5u16),
        (1, 1),
        (0, 0),
        (10, 3),
        (300, 100),
        (80, 2),
        (6, 30),
    ] {
        app.update(
            Action::Resize {
                width: size.0,
                height: size.1,
            },
            NOW,
        );
        for c in "jlkh?".chars() {
            app.update(key(c), NOW);
            let _ = render(&app, size.0.max(1), size.1.max(1));
        }
        app.update(key('?'), NOW);
        app.update(key('8'), NOW);
        let _ = render(&app, size.0.max(1), size.1.max(1));
        app.update(key('1'), NOW);
        app.update(key('f'), NOW);
        let _ = render(&app, size.0.max(1), size.1.max(1));
        app.update(
            Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            NOW,
        );
    }
    app.update(
        Action::Resize {
            width: 20,
            height: 5,
        },
        NOW,
    );
    let text = screen_text(&render(&app, 20, 5));
    assert_snapshot!("tiny_20x5", text);
}

#[test]
fn no_color_and_16_colour_themes_render() {
    use oncall::tui::theme::{ColorDepth, ThemeSet};
    for depth in [ColorDepth::None, ColorDepth::Ansi16, ColorDepth::Ansi256] {
        for name in ["dark", "light", "high-contrast", "colorblind"] {
            let mut app = loaded(1, 80, 24);
            app.theme = ThemeSet::embedded().resolve(name, depth).expect("theme");
            let terminal = render(&app, 80, 24);
            let buf = terminal.backend().buffer();
            if depth == ColorDepth::None {
                let coloured = buf.content().iter().any(|c| {
                    c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset
                });
                assert!(!coloured, "NO_COLOR: {name} draws no colour");
            }
        }
    }
}

#[test]
fn ascii_mode_draws_only_ascii() {
    let mut app = loaded(2, 80, 24);
    app.prefs.ascii = true;
    let text = screen_text(&render(&app, 80, 24));
    assert!(text.is_ascii(), "{text}");
    assert_snapshot!("ascii_application-performance_80x24", text);
}
