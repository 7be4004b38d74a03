//! `c` (note) and `z` (snooze) on an incident: typed or picked, shown in full, confirmed,
//! and sent as one write carrying the incident captured when the key was pressed.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::tui::action::{Effect, Write};
use crate::tui::app::test_fixtures::{
    answer_incidents, key, options, press, started, typed, Backends,
};
use crate::tui::app::{App, Overlay};

fn app() -> App {
    let mut a = started(options(Backends {
        prometheus: false,
        alertmanager: false,
        pagerduty: true,
    }));
    let incident = |id: &str, n: u64, status: &str| -> crate::model::Incident {
        serde_json::from_value(serde_json::json!({
            "id": id, "incident_number": n, "title": format!("Checkout down {n}"),
            "status": status, "urgency": "high", "created_at": "2026-01-15T11:00:00Z"
        }))
        .unwrap()
    };
    answer_incidents(
        &mut a,
        vec![
            incident("P1", 1, "acknowledged"),
            incident("P2", 2, "triggered"),
        ],
    );
    press(&mut a, KeyCode::Char('0'));
    a
}

fn select(a: &mut App, id: &str) {
    let at = crate::tui::app::rows::incident_rows(a)
        .iter()
        .position(|i| i.id == id)
        .expect("the incident's row");
    a.triage.incidents_list.selected = at;
}

fn confirm(a: &App) -> Vec<String> {
    match &a.overlay {
        Some(Overlay::Confirm(c)) => c.lines.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

#[test]
fn a_note_is_typed_shown_and_sent_for_the_incident_it_was_started_on() {
    let mut a = app();
    select(&mut a, "P2");
    press(&mut a, KeyCode::Char('c'));
    typed(&mut a, "rolled back v1.4.2");
    press(&mut a, KeyCode::Enter);
    let lines = confirm(&a);
    assert_eq!(lines[0], "Add a note to #2 Checkout down 2");
    assert_eq!(lines[1], "rolled back v1.4.2");
    // The selection moving meanwhile changes nothing.
    select(&mut a, "P1");
    let fx = press(&mut a, KeyCode::Char('y'));
    assert!(
        matches!(fx.as_slice(), [Effect::Write { write: Write::Note { incident, content }, .. }]
            if incident == "P2" && content == "rolled back v1.4.2"),
        "{fx:?}"
    );
}

#[test]
fn snooze_picks_a_length_and_refuses_a_triggered_incident() {
    let mut a = app();
    select(&mut a, "P2");
    press(&mut a, KeyCode::Char('z'));
    assert!(a.overlay.is_none());
    let m = a.message.clone().map(|m| m.text).unwrap_or_default();
    assert!(m.contains("acknowledged incidents only"), "{m}");
    select(&mut a, "P1");
    press(&mut a, KeyCode::Char('z'));
    press(&mut a, KeyCode::Char('2'));
    assert_eq!(confirm(&a)[0], "Snooze #1 Checkout down 1 for 1h");
    let fx = key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(
        matches!(fx.as_slice(), [Effect::Write { write: Write::Snooze { incident, secs: 3600 }, .. }] if incident == "P1"),
        "{fx:?}"
    );
}
