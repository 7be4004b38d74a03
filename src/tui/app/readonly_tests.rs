//! `update` tests of a read-only session: every write key (silence, edit, expire, extend,
//! ack, resolve, a runbook step) is refused where it starts, with the reason and the way out
//! on the status line, and nothing reaches `Effect::Write` or runs in the pane, even from a
//! confirmation already on screen. The `!` shell stays allowed; the header says READ-ONLY;
//! a context's own `readonly` follows `:context` switches.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::config::{Origin, ReadOnly, ReadOnlyReason};
use crate::model::{Incident, Silence};
use crate::tui::action::{Action, ContextInfo, Effect, PaneRequest, Write};
use crate::tui::app::test_fixtures::{
    answer_alerts, answer_incidents, context, draw, key, options, press, started, Backends, NOW,
};
use crate::tui::app::triage::tests::alert;
use crate::tui::app::{App, Confirm, Overlay};

const ALL: Backends = Backends {
    prometheus: false,
    alertmanager: true,
    pagerduty: true,
};

/// `readonly = true` in `[contexts.NAME]`.
fn by_context(name: &str) -> ReadOnlyReason {
    ReadOnlyReason::Context {
        name: name.into(),
        at: Some(Origin::File {
            path: "/etc/oncall/config.toml".into(),
            line: 7,
            column: 12,
        }),
    }
}

fn app_with(reasons: &[ReadOnlyReason]) -> App {
    let mut opts = options(ALL);
    let mut readonly = ReadOnly::default();
    for r in reasons {
        readonly.add(r.clone());
    }
    opts.prefs.readonly = readonly;
    let mut a = started(opts);
    answer_alerts(&mut a, vec![alert("DiskFull", "critical", "d", false)]);
    answer_incidents(&mut a, vec![incident("P1")]);
    let generation = a.triage.generation;
    a.update(
        Action::Silences {
            source: 0,
            generation,
            result: Ok(vec![silence("s1")]),
        },
        NOW,
    );
    a
}

/// The context `test` is read-only by its config.
fn read_only_app() -> App {
    app_with(&[by_context("test")])
}

fn incident(id: &str) -> Incident {
    serde_json::from_value(serde_json::json!({
        "id": id, "title": "Checkout down", "status": "triggered", "incident_number": 7,
        "created_at": "2026-01-15T11:00:00Z"
    }))
    .unwrap()
}

fn silence(id: &str) -> Silence {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true}],
        "startsAt": "2026-01-15T11:00:00Z",
        "endsAt": "2026-01-15T14:00:00Z",
        "createdBy": "alice",
        "comment": "disk swap",
        "status": {"state": "active"},
        "updatedAt": "2026-01-15T11:00:00Z"
    }))
    .unwrap()
}

/// Nothing that changes anything: no write, no runbook step.
fn assert_no_write(fx: &[Effect], what: &str) {
    assert!(
        !fx.iter().any(|e| matches!(
            e,
            Effect::Write { .. } | Effect::RunInPane(PaneRequest::Step { .. })
        )),
        "{what}: {fx:?}"
    );
}

/// The status line says it was refused, why, and how to lift it.
fn assert_refused(a: &App, what: &str) {
    let m = a
        .message
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no message"));
    assert!(m.error, "{what}: {m:?}");
    assert!(
        m.text.starts_with("read-only (context test): "),
        "{what}: {}",
        m.text
    );
    assert!(
        m.text
            .ends_with("; set readonly = false in [contexts.test] to change it"),
        "{what}: {}",
        m.text
    );
}

fn view(a: &mut App, digit: char) {
    press(a, KeyCode::Char(digit));
    a.message = None;
}

#[test]
fn every_write_key_is_refused_where_it_starts_and_sends_nothing() {
    // (view key, write key, modifiers, what the status line says was not done)
    let cases = [
        (
            '8',
            KeyCode::Char('s'),
            KeyModifiers::NONE,
            "silences are not created",
        ),
        (
            '8',
            KeyCode::Char('A'),
            KeyModifiers::SHIFT,
            "nothing is acknowledged",
        ),
        (
            '9',
            KeyCode::Char('s'),
            KeyModifiers::NONE,
            "silences are not created",
        ),
        (
            '9',
            KeyCode::Enter,
            KeyModifiers::NONE,
            "silences are not changed",
        ),
        (
            '9',
            KeyCode::Char('e'),
            KeyModifiers::NONE,
            "silences are not expired",
        ),
        (
            '9',
            KeyCode::Char('x'),
            KeyModifiers::NONE,
            "silences are not changed",
        ),
        (
            '0',
            KeyCode::Char('A'),
            KeyModifiers::SHIFT,
            "nothing is acknowledged",
        ),
        (
            '0',
            KeyCode::Char('R'),
            KeyModifiers::SHIFT,
            "incidents are not resolved",
        ),
    ];
    for (digit, code, modifiers, what) in cases {
        let mut a = read_only_app();
        view(&mut a, digit);
        let label = format!("{code:?} in view {digit}");
        let fx = key(&mut a, code, modifiers);
        assert_no_write(&fx, &label);
        assert!(a.overlay.is_none(), "{label}: {:?}", a.overlay);
        assert_refused(&a, &label);
        assert!(
            a.message.as_ref().is_some_and(|m| m.text.contains(what)),
            "{label}: {:?}",
            a.message
        );
        assert!(a.writes.is_empty(), "{label}");
    }
}

#[test]
fn the_same_keys_do_write_when_the_session_may() {
    let mut a = app_with(&[]);
    view(&mut a, '8');
    key(&mut a, KeyCode::Char('s'), KeyModifiers::NONE);
    assert!(
        matches!(a.overlay, Some(Overlay::Silence(_))),
        "{:?}",
        a.overlay
    );
    a.overlay = None;
    view(&mut a, '0');
    let fx = key(&mut a, KeyCode::Char('A'), KeyModifiers::SHIFT);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Write {
            id: 1,
            write: Write::AckIncidents(ids),
            ..
        } if ids == &vec!["P1".to_string()])),
        "{fx:?}"
    );
}

#[test]
fn a_confirmation_on_screen_still_sends_nothing() {
    let mut a = read_only_app();
    a.overlay = Some(Overlay::Confirm(Box::new(Confirm {
        lines: vec!["Expire silence s1".into()],
        write: Write::ExpireSilence("s1".into()),
        form: None,
        origin: Default::default(),
        scroll: 0,
    })));
    let fx = press(&mut a, KeyCode::Char('y'));
    assert_no_write(&fx, "y on a confirmation");
    assert_refused(&a, "y on a confirmation");
    assert!(a.writes.is_empty());
}

#[test]
fn the_session_wide_reasons_name_the_flag_and_the_variable() {
    let mut a = app_with(&[ReadOnlyReason::Flag, ReadOnlyReason::Env]);
    view(&mut a, '0');
    let fx = key(&mut a, KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert_no_write(&fx, "R");
    assert_eq!(
        a.message.as_ref().map(|m| m.text.as_str()),
        Some(
            "read-only (--readonly, ONCALL_READONLY): incidents are not resolved; \
             start without --readonly and unset ONCALL_READONLY to change it"
        )
    );
}

#[test]
fn a_runbook_step_does_not_run_but_the_shell_does() {
    let mut a = read_only_app();
    a.overlay = Some(Overlay::ConfirmRun(Box::new(
        crate::tui::app::runbook::ConfirmRun {
            lines: vec![],
            plan: crate::runbooks::plan(
                "uptime",
                &Default::default(),
                &crate::runbooks::ValuePolicy::default(),
            )
            .unwrap(),
            title: "service-down.md step 1".into(),
            alertname: "DiskFull".into(),
        },
    )));
    let fx = press(&mut a, KeyCode::Char('y'));
    assert_no_write(&fx, "y on a step");
    assert_refused(&a, "y on a step");
    assert!(
        a.message
            .as_ref()
            .is_some_and(|m| m.text.contains("runbook steps are not run")),
        "{:?}",
        a.message
    );

    a.message = None;
    let fx = press(&mut a, KeyCode::Char('!'));
    assert_eq!(fx, vec![Effect::RunInPane(PaneRequest::Shell)]);
}

#[test]
fn a_context_switch_carries_the_new_contexts_read_only_state() {
    // Only `prod` says readonly = true; the session starts in `test`.
    let mut a = app_with(&[by_context("prod")]);
    assert!(!a.read_only().is_set());
    let switch = |a: &mut App, name: &str| {
        let info = ContextInfo {
            name: name.into(),
            ..context(ALL)
        };
        a.update(Action::ContextSwitched(Ok(info)), NOW);
        answer_alerts(a, vec![alert("DiskFull", "critical", "d", false)]);
        a.message = None;
    };
    switch(&mut a, "prod");
    assert!(a.read_only().is_set());
    view(&mut a, '8');
    let fx = key(&mut a, KeyCode::Char('s'), KeyModifiers::NONE);
    assert_no_write(&fx, "s in prod");
    assert!(a.overlay.is_none());
    assert!(
        a.message
            .as_ref()
            .is_some_and(|m| m.text.starts_with("read-only (context prod): ")),
        "{:?}",
        a.message
    );
    switch(&mut a, "test");
    key(&mut a, KeyCode::Char('s'), KeyModifiers::NONE);
    assert!(
        matches!(a.overlay, Some(Overlay::Silence(_))),
        "{:?}",
        a.overlay
    );
}

#[test]
fn the_run_step_key_shows_no_confirmation() {
    let mut a = read_only_app();
    view(&mut a, '8');
    let fx = press(&mut a, KeyCode::Char('r'));
    let generation = match fx.as_slice() {
        [Effect::LoadRunbook { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    let markdown = "# DiskFull\n\n1. Look.\n\n```sh\ndf -h\n```\n";
    let loaded = crate::runbooks::Loaded {
        found: crate::runbooks::Found {
            origin: crate::runbooks::Origin::Shipped {
                stem: "disk-full".into(),
            },
            markdown: markdown.into(),
        },
        runbook: crate::runbooks::parse(markdown).unwrap(),
        unfetched: None,
    };
    a.update(
        Action::RunbookLoaded {
            generation,
            result: Ok(loaded),
        },
        NOW,
    );
    press(&mut a, KeyCode::Char('n'));
    let fx = press(&mut a, KeyCode::Char('x'));
    assert_no_write(&fx, "x on a step");
    assert!(a.overlay.is_none(), "{:?}", a.overlay);
    assert_refused(&a, "x on a step");
}

#[test]
fn the_header_says_read_only_and_the_hints_leave_out_the_write_keys() {
    let mut a = read_only_app();
    view(&mut a, '8');
    let screen = draw(&a);
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("READ-ONLY"), "{header}");
    let hints = crate::tui::view::status::hints(&a, a.mode());
    assert!(
        !hints.iter().any(|(_, word)| *word == "silence"),
        "{hints:?}"
    );

    let mut writable = app_with(&[]);
    view(&mut writable, '8');
    assert!(!draw(&writable).contains("READ-ONLY"));
}
