//! The alerts view with hostile alerts: escape sequences, 10 KB values, newlines, right-to-left
//! text and emoji in labels and annotations are drawn without reaching the terminal as control
//! sequences and without breaking the table's columns. Plus a snapshot of the grouped list.

use crate::tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use insta::assert_snapshot;
use oncall::model::alert::Alert;
use tui_support::*;

fn hostile_alerts() -> Vec<Alert> {
    let long = "x".repeat(10 * 1024);
    let values = [
        ("Escapes", "\u{1b}[31mred\u{1b}[0m \u{1b}]52;c;ZXZpbA==\u{7} \u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7}"),
        ("Long", long.as_str()),
        ("Newlines", "first line\nsecond line\r\nthird\u{0}"),
        ("RightToLeft", "\u{202e}gnp.exe \u{5e9}\u{5dc}\u{5d5}\u{5dd} مرحبا"),
        ("Emoji", "🔥🔥 disk 💾 full 👩‍👩‍👧 全角テキスト"),
    ];
    values
        .iter()
        .enumerate()
        .map(|(i, (name, v))| {
            serde_json::from_value(serde_json::json!({
                "labels": {"alertname": name, "severity": "critical", "instance": v, "pod": v},
                "annotations": {"summary": v, "description": v, "runbook_url": v},
                "fingerprint": format!("f{i}"),
                "startsAt": "2026-01-15T11:50:00Z", "updatedAt": "2026-01-15T11:50:00Z",
                "endsAt": "2026-01-15T13:00:00Z", "generatorURL": v,
                "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
            }))
            .expect("alert")
        })
        .collect()
}

#[test]
fn hostile_values_are_drawn_safely_at_every_row() {
    let mut app = app(120, 40);
    app.start(NOW);
    app.update(key('8'), NOW);
    app.update(key('g'), NOW); // flat: one row per alert
    answer_alerts(&mut app, hostile_alerts());
    for row in 0..5 {
        let terminal = render(&app, 120, 40);
        let buf = terminal.backend().buffer();
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}'),
                "row {row}: control character {:?} reached the screen",
                cell.symbol()
            );
        }
        let text = screen_text(&terminal);
        assert!(!text.contains("ZXZpbA"), "the OSC 52 payload is stripped");
        // The columns hold: every alert row starts with its severity at the same place and
        // keeps the AGE column where the header put it.
        let lines: Vec<&str> = text.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.contains("SEVERITY"))
            .expect("table header");
        let age_at = lines[header].find("AGE").expect("AGE column");
        for line in &lines[header + 1..header + 6] {
            // The selection marker is one cell, as `>` is.
            let line = line.replacen('▶', ">", 1);
            assert!(line[1..].starts_with("   critical"), "{line}");
            assert_eq!(line.get(age_at..age_at + 3), Some("10m"), "{line}");
        }
        app.update(key('j'), NOW);
    }
}

#[test]
fn grouped_alerts_with_hostile_values_snapshot() {
    let mut app = app(100, 30);
    app.start(NOW);
    app.update(key('8'), NOW);
    answer_alerts(&mut app, hostile_alerts());
    app.update(key('j'), NOW);
    app.update(key('j'), NOW);
    app.update(key('j'), NOW);
    let text = screen_text(&render(&app, 100, 30));
    assert_snapshot!("alerts_hostile_grouped_100x30", text);
}

fn plain_alerts() -> Vec<Alert> {
    ["db-1", "db-2", "web-1"]
        .iter()
        .enumerate()
        .map(|(i, instance)| {
            let name = if i < 2 { "DiskFull" } else { "HighCPU" };
            serde_json::from_value(serde_json::json!({
                "labels": {"alertname": name, "severity": if i < 2 {"critical"} else {"warning"},
                           "instance": instance, "job": "node"},
                "annotations": {"summary": format!("{name} on {instance}")},
                "fingerprint": format!("p{i}"),
                "startsAt": "2026-01-15T11:50:00Z", "updatedAt": "2026-01-15T11:50:00Z",
                "endsAt": "2026-01-15T13:00:00Z",
                "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
            }))
            .expect("alert")
        })
        .collect()
}

#[test]
fn silence_form_preview_and_confirmation_snapshots() {
    let mut opts = oncall::tui::app::AppOptions::new(dashboards(), context());
    opts.width = 100;
    opts.height = 30;
    opts.prefs.author = "alice".into();
    let mut app = oncall::tui::app::App::new(opts);
    app.start(NOW);
    app.update(key('8'), NOW);
    answer_alerts(&mut app, plain_alerts());
    app.update(key('s'), NOW);
    // Broaden it: drop the instance matcher so both DiskFull alerts are muted. The form
    // opens on the comment; tab past the author to the matchers, down to the instance.
    app.update(chord(KeyCode::Tab, KeyModifiers::NONE), NOW);
    app.update(chord(KeyCode::Tab, KeyModifiers::NONE), NOW);
    app.update(chord(KeyCode::Down, KeyModifiers::NONE), NOW);
    app.update(chord(KeyCode::Char('d'), KeyModifiers::CONTROL), NOW);
    let text = screen_text(&render(&app, 100, 30));
    assert!(text.contains("mutes 2 current alerts"), "{text}");
    assert!(text.contains("a comment is required"), "{text}");
    assert_snapshot!("silence_form_100x30", text);
    // Tab leaves the matchers block, then the length: the comment.
    app.update(chord(KeyCode::Tab, KeyModifiers::NONE), NOW);
    app.update(chord(KeyCode::Tab, KeyModifiers::NONE), NOW);
    for c in "disk swap CHG-42".chars() {
        app.update(key(c), NOW);
    }
    app.update(chord(KeyCode::Char('s'), KeyModifiers::CONTROL), NOW);
    let text = screen_text(&render(&app, 100, 30));
    assert!(text.contains("it mutes 2 current alerts"), "{text}");
    assert_snapshot!("silence_confirm_100x30", text);
}
