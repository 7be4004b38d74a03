//! `update` tests of marked rows: one confirmation, one write (a batch or a PagerDuty bulk
//! change) that carries exactly the marked objects, and the answer reported item by item.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::tui::action::{Action, Effect, Write, Written};
use crate::tui::app::test_fixtures::{
    answer_alerts, answer_incidents, key, options, press, started, typed, Backends, NOW,
};
use crate::tui::app::triage::tests::alert;
use crate::tui::app::{App, Overlay};

const ALL: Backends = Backends {
    prometheus: false,
    alertmanager: true,
    pagerduty: true,
};

fn confirm_lines(a: &App) -> Vec<String> {
    match &a.overlay {
        Some(Overlay::Confirm(c)) => c.lines.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

fn app() -> App {
    let mut opts = options(ALL);
    opts.prefs.author = "alice".into();
    let mut a = started(opts);
    let disk = |n: &str| {
        let mut x = alert("DiskFull", "critical", &format!("d{n}"), false);
        x.labels.insert("instance".into(), format!("db-{n}"));
        x
    };
    answer_alerts(&mut a, vec![disk("1"), disk("2"), disk("3")]);
    a
}

#[test]
fn marked_alerts_get_one_silence_each_after_one_confirmation() {
    let mut a = app();
    press(&mut a, KeyCode::Char('8'));
    press(&mut a, KeyCode::Char('g')); // flat
    press(&mut a, KeyCode::Home);
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Char('s'));
    typed(&mut a, "CHG-7 disk swap");
    key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let lines = confirm_lines(&a);
    assert_eq!(lines[0], "Create 2 silences, one per marked alert");
    assert!(
        lines.iter().any(|l| l == "they mute 2 current alerts"),
        "{lines:?}"
    );
    // A refresh before `y` changes nothing: the bodies were captured at ctrl-s.
    answer_alerts(&mut a, vec![alert("Zzz", "critical", "z", false)]);
    let fx = press(&mut a, KeyCode::Char('y'));
    let (id, writes) = match fx.as_slice() {
        [Effect::Write {
            id,
            write: Write::Batch(writes),
            ..
        }] => (*id, writes.clone()),
        other => panic!("{other:?}"),
    };
    let instances: Vec<String> = writes
        .iter()
        .map(|w| match w {
            Write::CreateSilence(b) => b
                .matchers
                .iter()
                .find(|m| m.name == "instance")
                .map(|m| m.value.clone())
                .unwrap_or_default(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(instances, ["db-1", "db-2"]);
    // One of the two fails: said, and the marks stay for another try.
    a.update(
        Action::Written {
            id,
            result: Ok(Written::Batch(vec![
                Ok(Written::SilenceExpired("unused".into())),
                Err("Alertmanager answered HTTP 500".into()),
            ])),
            journal_error: None,
        },
        NOW,
    );
    let m = a.message.clone().map(|m| m.text).unwrap_or_default();
    assert!(
        m.starts_with("1 of 2 done") && m.contains("HTTP 500"),
        "{m}"
    );
    assert_eq!(a.triage.alerts_list.marked.len(), 2);
}

#[test]
fn ctrl_t_makes_one_silence_with_the_common_matchers() {
    let mut a = app();
    press(&mut a, KeyCode::Char('8'));
    press(&mut a, KeyCode::Char('g'));
    press(&mut a, KeyCode::Home);
    for _ in 0..3 {
        press(&mut a, KeyCode::Char(' '));
    }
    press(&mut a, KeyCode::Char('s'));
    key(&mut a, KeyCode::Char('t'), KeyModifiers::CONTROL);
    typed(&mut a, "all of them");
    key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let lines = confirm_lines(&a);
    assert!(lines[0].starts_with("Create a silence"), "{lines:?}");
    let fx = press(&mut a, KeyCode::Char('y'));
    match fx.as_slice() {
        [Effect::Write {
            write: Write::CreateSilence(b),
            ..
        }] => assert!(b.matchers.iter().all(|m| m.name != "instance"), "{b:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn marked_incidents_are_acked_and_resolved_in_one_bulk_change() {
    let mut a = app();
    let incident = |id: &str, n: u64| -> crate::model::Incident {
        serde_json::from_value(serde_json::json!({
            "id": id, "incident_number": n, "title": format!("DiskFull {n}"),
            "status": "triggered", "created_at": "2026-01-15T11:00:00Z"
        }))
        .unwrap()
    };
    answer_incidents(
        &mut a,
        vec![incident("P1", 1), incident("P2", 2), incident("P3", 3)],
    );
    press(&mut a, KeyCode::Char('0'));
    press(&mut a, KeyCode::Home);
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Char(' '));
    let fx = key(&mut a, KeyCode::Char('A'), KeyModifiers::SHIFT);
    assert!(fx.is_empty(), "several at once are confirmed first");
    let lines = confirm_lines(&a);
    assert_eq!(lines[0], "Acknowledge 2 incidents");
    let fx = press(&mut a, KeyCode::Char('y'));
    match fx.as_slice() {
        [Effect::Write {
            write: Write::AckIncidents(ids),
            ..
        }] => assert_eq!(ids.len(), 2),
        other => panic!("{other:?}"),
    }
    key(&mut a, KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert_eq!(confirm_lines(&a)[0], "Resolve 2 incidents");
}

#[test]
fn e_on_a_recurring_window_expires_its_series_and_space_then_e_only_one() {
    use crate::triage::series::{tagged, Repeat};
    let mut a = app();
    let silence = |i: u32, state: &str| -> crate::model::Silence {
        serde_json::from_value(serde_json::json!({
            "id": format!("s{i}"),
            "matchers": [{"name": "alertname", "value": "NodeMaintenance", "isRegex": false}],
            "startsAt": "2026-01-17T02:00:00Z", "endsAt": "2026-01-17T04:00:00Z",
            "updatedAt": "2026-01-15T12:00:00Z", "createdBy": "alice",
            "comment": tagged("CHG-9", Repeat::Weekly, i, 3, "abcdef"),
            "status": {"state": state}
        }))
        .unwrap()
    };
    let generation = a.triage.generation;
    a.update(
        Action::Silences {
            source: 0,
            generation,
            result: Ok(vec![
                silence(2, "pending"),
                silence(1, "pending"),
                silence(3, "pending"),
            ]),
        },
        NOW,
    );
    press(&mut a, KeyCode::Char('9'));
    let rows: Vec<String> = crate::tui::app::rows::silence_rows(&a)
        .iter()
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(
        rows,
        ["s1", "s2", "s3"],
        "a series is listed together, in order"
    );
    press(&mut a, KeyCode::Home);
    press(&mut a, KeyCode::Char('e'));
    let lines = confirm_lines(&a);
    assert_eq!(lines[0], "Expire 3 silences");
    assert!(lines[1].contains("weekly series"), "{lines:?}");
    let fx = press(&mut a, KeyCode::Char('y'));
    match fx.as_slice() {
        [Effect::Write {
            write: Write::Batch(w),
            ..
        }] => assert_eq!(w.len(), 3),
        other => panic!("{other:?}"),
    }
    // Only one: mark it, then e.
    press(&mut a, KeyCode::Home);
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Char('e'));
    assert_eq!(confirm_lines(&a)[0], "Expire 1 silence");
}

#[test]
fn without_pagerduty_marked_alerts_are_acked_with_one_ack_silence_each() {
    let mut opts = options(Backends {
        prometheus: false,
        alertmanager: true,
        pagerduty: false,
    });
    opts.prefs.author = "alice".into();
    let mut a = started(opts);
    answer_alerts(
        &mut a,
        vec![
            alert("DiskFull", "critical", "d1", false),
            alert("HostDown", "critical", "h1", false),
        ],
    );
    press(&mut a, KeyCode::Char('8'));
    press(&mut a, KeyCode::Home);
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Char(' '));
    key(&mut a, KeyCode::Char('A'), KeyModifiers::SHIFT);
    assert!(confirm_lines(&a)[0].starts_with("Acknowledge 2 alerts with ACK! silences"));
    let fx = press(&mut a, KeyCode::Char('y'));
    match fx.as_slice() {
        [Effect::Write {
            write: Write::Batch(w),
            ..
        }] => {
            assert_eq!(w.len(), 2);
            assert!(w
                .iter()
                .all(|w| matches!(w, Write::CreateSilence(b) if b.comment.starts_with("ACK!"))));
        }
        other => panic!("{other:?}"),
    }
}
