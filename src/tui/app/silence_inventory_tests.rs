//! `update` tests of the silence inventory: what each silence mutes follows every answer,
//! the flag words filter the silences view, expire and extend act on the silence selected
//! when the key was pressed, and `x` on an acked alert extends its ack.

use crossterm::event::KeyCode;

use crate::model::{Alert, Silence};
use crate::triage::silence_inventory::Flag;
use crate::tui::action::{Action, Write};
use crate::tui::app::rows::silence_rows;
use crate::tui::app::test_fixtures::{
    answer_alerts, options, press, started, typed, Backends, NOW,
};
use crate::tui::app::{App, Overlay};

fn app() -> App {
    started(options(Backends {
        prometheus: false,
        alertmanager: true,
        pagerduty: false,
    }))
}

fn alert(name: &str, fp: &str, silenced_by: &[&str]) -> Alert {
    serde_json::from_value(serde_json::json!({
        "labels": {"alertname": name, "severity": "warning", "instance": format!("{fp}:9100")},
        "fingerprint": fp,
        "startsAt": "2026-01-15T11:00:00Z",
        "updatedAt": "2026-01-15T11:59:00Z",
        "endsAt": "2026-01-15T12:10:00Z",
        "status": {
            "state": if silenced_by.is_empty() { "active" } else { "suppressed" },
            "silencedBy": silenced_by,
            "inhibitedBy": []
        }
    }))
    .unwrap()
}

fn silence(id: &str, name: &str, comment: &str, ends: &str) -> Silence {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "matchers": [{"name": "alertname", "value": name, "isRegex": false, "isEqual": true}],
        "startsAt": "2026-01-15T11:00:00Z",
        "endsAt": ends,
        "createdBy": "alice",
        "comment": comment,
        "status": {"state": "active"},
        "updatedAt": "2026-01-15T11:00:00Z"
    }))
    .unwrap()
}

fn answer_silences(a: &mut App, silences: Vec<Silence>) {
    let generation = a.triage.generation;
    a.update(
        Action::Silences {
            source: 0,
            generation,
            result: Ok(silences),
        },
        NOW,
    );
}

/// `disk` mutes two alerts, `gone` matches nothing, `ack` is an ack over `Cpu` ending in 4m.
fn loaded() -> App {
    let mut a = app();
    answer_silences(
        &mut a,
        vec![
            silence("disk", "DiskFull", "swap CHG-1", "2026-01-15T14:00:00Z"),
            silence(
                "gone",
                "Vanished",
                "old maintenance",
                "2026-01-16T12:00:00Z",
            ),
            silence(
                "ack",
                "Cpu",
                "ACK! acknowledged in oncall",
                "2026-01-15T12:04:00Z",
            ),
        ],
    );
    answer_alerts(
        &mut a,
        vec![
            alert("DiskFull", "d1", &["disk"]),
            alert("DiskFull", "d2", &["disk"]),
            alert("Cpu", "c1", &["ack"]),
            alert("Load", "l1", &[]),
        ],
    );
    a
}

fn shown_ids(a: &App) -> Vec<String> {
    silence_rows(a).iter().map(|s| s.id.clone()).collect()
}

#[test]
fn the_inventory_follows_each_answer() {
    let mut a = loaded();
    let usage = |a: &App, id: &str| a.triage.inventory.usage(id).cloned().unwrap();
    assert_eq!(usage(&a, "disk").mutes, ["d1", "d2"]);
    assert!(usage(&a, "gone").mutes.is_empty());
    assert!(usage(&a, "ack").ack);
    let flags = |a: &App, id: &str| {
        let s = a.triage.silences.iter().find(|s| s.id == id).unwrap();
        a.triage.inventory.flags(s, NOW)
    };
    assert_eq!(flags(&a, "gone"), [Flag::MatchesNothing]);
    assert_eq!(flags(&a, "ack"), [Flag::EndsSoon]);
    // The acked alert resolves: Alertmanager stops listing it, and the ack says so.
    answer_alerts(
        &mut a,
        vec![
            alert("DiskFull", "d1", &["disk"]),
            alert("DiskFull", "d2", &["disk"]),
        ],
    );
    assert_eq!(flags(&a, "ack"), [Flag::AckResolved]);
    assert!(flags(&a, "disk").is_empty());
}

#[test]
fn the_inventory_counts_mutes_from_every_peer() {
    let mut a = started(options(Backends {
        prometheus: false,
        alertmanager: true,
        pagerduty: false,
    }));
    // A second peer, whose copy of the alert is the only one that lists the silence yet.
    a.triage = super::triage::Triage::new(&["am1".into(), "am2".into()], false);
    a.triage.set_silences(
        0,
        vec![silence("s", "DiskFull", "swap", "2026-01-15T14:00:00Z")],
    );
    a.triage.set_alerts(0, vec![alert("DiskFull", "d1", &[])]);
    a.triage
        .set_alerts(1, vec![alert("DiskFull", "d1", &["s"])]);
    let usage = a.triage.inventory.usage("s").unwrap();
    assert_eq!(usage.mutes, ["d1"]);
    assert_eq!(usage.matches, ["d1"]);
}

#[test]
fn flag_words_filter_the_silences_view() {
    let mut a = loaded();
    press(&mut a, KeyCode::Char('9'));
    assert_eq!(shown_ids(&a).len(), 3);
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "stale");
    press(&mut a, KeyCode::Enter);
    assert_eq!(shown_ids(&a), ["gone"]);
    press(&mut a, KeyCode::Char('/'));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "ends soon");
    press(&mut a, KeyCode::Enter);
    assert_eq!(shown_ids(&a), ["ack"]);
    press(&mut a, KeyCode::Char('/'));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "ack");
    press(&mut a, KeyCode::Enter);
    assert_eq!(shown_ids(&a), ["ack"]);
}

#[test]
fn expire_from_the_filtered_view_acts_on_the_silence_selected_at_the_key() {
    let mut a = loaded();
    press(&mut a, KeyCode::Char('9'));
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "stale");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('e'));
    // A refresh lands while the confirmation is open: the rows change under it.
    answer_silences(
        &mut a,
        vec![
            silence("new", "Vanished", "another", "2026-01-15T12:30:00Z"),
            silence(
                "gone",
                "Vanished",
                "old maintenance",
                "2026-01-16T12:00:00Z",
            ),
        ],
    );
    let fx = press(&mut a, KeyCode::Char('y'));
    assert!(
        fx.iter().any(|e| matches!(
            e,
            crate::tui::action::Effect::Write {
                write: Write::ExpireSilence(id),
                ..
            } if id == "gone"
        )),
        "{fx:?}"
    );
}

#[test]
fn x_on_an_acked_alert_extends_its_ack() {
    let mut a = loaded();
    press(&mut a, KeyCode::Char('8'));
    press(&mut a, KeyCode::Char('g')); // flat: one row per alert
    let row = a
        .triage
        .rows
        .iter()
        .position(|r| r.key(&a.triage.entries) == "c1")
        .unwrap();
    a.triage.alerts_list.selected = row;
    a.triage.remember_alert_selection();
    press(&mut a, KeyCode::Char('x'));
    match &a.overlay {
        Some(Overlay::Extend(s)) => assert_eq!(s.id, "ack"),
        other => panic!("{other:?}"),
    }
    press(&mut a, KeyCode::Char('1'));
    let fx = press(&mut a, KeyCode::Char('y'));
    let body = fx
        .iter()
        .find_map(|e| match e {
            crate::tui::action::Effect::Write {
                write: Write::ReplaceSilence(b),
                ..
            } => Some(b.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(body.id.as_deref(), Some("ack"));
    assert_eq!(body.ends_at.to_rfc3339(), "2026-01-15T12:19:00+00:00");
    // An alert with no ack silence: a message, no picker.
    let row = a
        .triage
        .rows
        .iter()
        .position(|r| r.key(&a.triage.entries) == "l1")
        .unwrap();
    a.triage.alerts_list.selected = row;
    press(&mut a, KeyCode::Char('x'));
    assert!(a.overlay.is_none());
    let text = a
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(text.contains("not acked"), "{text}");
}

#[test]
fn an_alert_muted_by_a_plain_silence_is_not_extended_from_the_alerts_view() {
    let mut a = loaded();
    press(&mut a, KeyCode::Char('8'));
    press(&mut a, KeyCode::Char('g'));
    let row = a
        .triage
        .rows
        .iter()
        .position(|r| r.key(&a.triage.entries) == "d1")
        .unwrap();
    a.triage.alerts_list.selected = row;
    press(&mut a, KeyCode::Char('x'));
    assert!(
        a.overlay.is_none(),
        "plain silences are extended in their view"
    );
}

/// The silences view with s1, s2 (comments as given) and s3, the cursor on s2; and the end
/// they share.
fn silences_view_on_s2(one: &str, two: &str) -> (App, &'static str) {
    let mut a = app();
    let ends = "2026-01-15T14:00:00Z";
    answer_silences(
        &mut a,
        vec![
            silence("s1", "A", one, ends),
            silence("s2", "B", two, ends),
            silence("s3", "C", "three", ends),
        ],
    );
    press(&mut a, KeyCode::Char('9'));
    press(&mut a, KeyCode::Down);
    assert_eq!(silence_rows(&a)[a.triage.silences_list.selected].id, "s2");
    (a, ends)
}

#[test]
fn the_selection_stays_on_the_same_silence_when_a_refresh_moves_the_rows() {
    let (mut a, ends) = silences_view_on_s2("one", "two");
    // A new silence arrives first and `s1` is gone: the cursor follows `s2`, not row 1.
    answer_silences(
        &mut a,
        vec![
            silence("s0", "Z", "new", ends),
            silence("s4", "Y", "newer", ends),
            silence("s2", "B", "two", ends),
            silence("s3", "C", "three", ends),
        ],
    );
    assert_eq!(silence_rows(&a)[a.triage.silences_list.selected].id, "s2");
}

/// The reproduced wrong expire: an extend replaced the silence, the list re-sorted and the
/// cursor stayed on its row number, so the next `e` offered someone else's silence. The
/// silence just written is selected, and stays selected through the refresh.
#[test]
fn the_silence_just_written_is_selected_and_e_names_it() {
    let (mut a, ends) = silences_view_on_s2("one", "two");
    let fx = press(&mut a, KeyCode::Char('x'));
    assert!(fx.is_empty());
    press(&mut a, KeyCode::Char('2'));
    let fx = press(&mut a, KeyCode::Char('y'));
    let Some(crate::tui::action::Effect::Write { id, .. }) = fx.first().cloned() else {
        panic!("{fx:?} {:?}", a.overlay);
    };
    // Alertmanager replaced it: s2 is gone, s9 is new and sorts elsewhere.
    let mut replaced = silence("s9", "B", "two", "2026-01-15T16:00:00Z");
    replaced.created_by = "alice".into();
    a.update(
        Action::Written {
            id,
            result: Ok(crate::writes::Written::SilenceReplaced {
                old: "s2".into(),
                new: replaced.clone(),
            }),
            journal_error: None,
        },
        NOW,
    );
    assert_eq!(silence_rows(&a)[a.triage.silences_list.selected].id, "s9");
    // The refresh re-sorts: still s9.
    answer_silences(
        &mut a,
        vec![
            replaced,
            silence("s1", "A", "one", ends),
            silence("s3", "C", "three", ends),
        ],
    );
    assert_eq!(silence_rows(&a)[a.triage.silences_list.selected].id, "s9");
    press(&mut a, KeyCode::Char('e'));
    let Some(Overlay::Confirm(confirm)) = &a.overlay else {
        panic!("{:?}", a.overlay);
    };
    assert!(confirm.lines[0].contains("s9"), "{:?}", confirm.lines);
    assert!(
        matches!(&confirm.write, Write::ExpireSilence(id) if id == "s9"),
        "{:?}",
        confirm.write
    );
}

/// A filter narrows the list: the selected silence stays selected while it is shown.
#[test]
fn the_selection_stays_on_the_same_silence_through_a_filter() {
    let (mut a, _) = silences_view_on_s2("one maintenance", "two maintenance");
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "two");
    assert_eq!(silence_rows(&a)[a.triage.silences_list.selected].id, "s2");
    press(&mut a, KeyCode::Esc);
    assert_eq!(silence_rows(&a)[a.triage.silences_list.selected].id, "s2");
}
