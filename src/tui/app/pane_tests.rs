//! `update` with the embedded terminal pane open: who gets the keys, what they become, and
//! what the pane asks of the runtime. The screen handle is a real PTY session (`sleep`)
//! that nothing here writes to; every byte a key becomes is read off the effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::test_fixtures::draw;
use super::tests::{app, key, NOW};
use super::*;
use crate::pty::{Exit, Session, Spawn};
use crate::tui::action::{PaneEvent, PaneRequest};
use crate::tui::widgets::term_pane::inner_size;

/// A program to stand behind the pane's screen handle (killed when the session drops).
fn session(rows: u16, cols: u16) -> Session {
    spawn(&["sleep", "600"], rows, cols)
}

fn spawn(argv: &[&str], rows: u16, cols: u16) -> Session {
    let argv = argv.iter().map(|a| a.to_string()).collect();
    Session::spawn(&Spawn::new(argv, rows, cols), None).expect("the program starts in a pty")
}

/// An app at 100x30 in the alerts view with a step running in the pane (id 7).
fn with_pane() -> (App, Session) {
    with_program(&["sleep", "600"])
}

/// As [`with_pane`], running `argv`.
fn with_program(argv: &[&str]) -> (App, Session) {
    let mut a = app();
    a.update(
        Action::Resize {
            width: 100,
            height: 30,
        },
        NOW,
    );
    a.update(key('8'), NOW);
    let size = a.pane_inner_size();
    let s = spawn(argv, size.0, size.1);
    let fx = a.update(
        Action::Pane(PaneEvent::Started {
            id: 7,
            screen: s.screen_handle(),
            title: "service-down.md step 2: sleep 600".into(),
            argv: "sleep 600".into(),
            shell: false,
            size,
        }),
        NOW,
    );
    assert_eq!(fx, vec![], "started at the size it has: no resize");
    (a, s)
}

fn chord(code: KeyCode, modifiers: KeyModifiers) -> Action {
    Action::Key(KeyEvent::new(code, modifiers))
}

fn prefix() -> Action {
    chord(KeyCode::Char('g'), KeyModifiers::CONTROL)
}

#[test]
fn a_started_program_has_the_keys_and_the_prefix_toggles_them() {
    let (mut a, _s) = with_pane();
    assert!(a.pane.as_ref().unwrap().focused);
    assert_eq!(a.update(prefix(), NOW), vec![]);
    assert!(!a.pane.as_ref().unwrap().focused);
    assert_eq!(a.update(prefix(), NOW), vec![]);
    assert!(a.pane.as_ref().unwrap().focused);
    // The frame says who has the keys and how to switch.
    let text = draw(&a);
    assert!(text.contains("keys: program"), "{text}");
    assert!(text.contains("ctrl-g: back to oncall"), "{text}");
}

#[test]
fn with_focus_keys_become_the_bytes_a_terminal_sends() {
    let (mut a, _s) = with_pane();
    let cases: [(Action, &[u8]); 6] = [
        (chord(KeyCode::Up, KeyModifiers::NONE), b"\x1b[A"),
        (chord(KeyCode::Char('c'), KeyModifiers::CONTROL), b"\x03"),
        (chord(KeyCode::Char('x'), KeyModifiers::ALT), b"\x1bx"),
        (chord(KeyCode::F(5), KeyModifiers::NONE), b"\x1b[15~"),
        (chord(KeyCode::Enter, KeyModifiers::NONE), b"\r"),
        (key('q'), b"q"),
    ];
    for (action, bytes) in cases {
        let fx = a.update(action.clone(), NOW);
        assert_eq!(fx, vec![Effect::PaneInput(bytes.to_vec())], "{action:?}");
    }
    // None of them reached oncall: `q` did not quit, ctrl-c did not either.
    assert!(!a.quit);
    assert_eq!(a.view, View::Triage(crate::tui::command::ViewKind::Alerts));
    // Oncall's own keys are the program's too.
    assert_eq!(
        a.update(key('?'), NOW),
        vec![Effect::PaneInput(b"?".to_vec())]
    );
    assert!(a.overlay.is_none());
}

#[test]
fn without_focus_q_quits_as_before() {
    let (mut a, _s) = with_pane();
    a.update(prefix(), NOW);
    assert_eq!(a.update(key('q'), NOW), vec![Effect::Quit]);
    assert!(a.quit);
}

#[test]
fn pastes_go_to_the_program_only_when_it_has_the_keys() {
    let (mut a, _s) = with_pane();
    // `sleep` never asked for bracketed paste: line feeds go as carriage returns.
    let fx = a.update(Action::Paste("ls\n-l".into()), NOW);
    assert_eq!(fx, vec![Effect::PaneInput(b"ls\r-l".to_vec())]);
    a.update(prefix(), NOW);
    // In a list a paste must not run commands (`q` would quit).
    assert_eq!(a.update(Action::Paste("q".into()), NOW), vec![]);
    assert!(!a.quit);
    // Into a text field it types, without its newlines.
    a.update(key('/'), NOW);
    a.update(Action::Paste("disk\nfull".into()), NOW);
    match &a.overlay {
        Some(Overlay::Filter(line)) => assert_eq!(line.text, "diskfull"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_layout_sizes_the_program() {
    let (mut a, _s) = with_pane();
    let fx = a.update(
        Action::Resize {
            width: 140,
            height: 50,
        },
        NOW,
    );
    let main = crate::tui::layout::screen(Rect::new(0, 0, 140, 50)).main;
    let (view, pane) = pane::split(main);
    let (rows, cols) = inner_size(pane);
    assert!(fx.contains(&Effect::PaneResize { rows, cols }), "{fx:?}");
    assert_eq!((rows, cols), (19, 138));
    // The pane sits below the view and the view gives up the room.
    assert_eq!(view.y + view.height, pane.y);
    assert_eq!(a.main_area(), view);
    // The same size again asks for nothing.
    let fx = a.update(
        Action::Resize {
            width: 140,
            height: 50,
        },
        NOW,
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::PaneResize { .. })),
        "{fx:?}"
    );
}

#[test]
fn bang_opens_a_shell_unless_a_program_runs() {
    let mut a = app();
    a.update(key('9'), NOW);
    assert_eq!(
        a.update(key('!'), NOW),
        vec![Effect::RunInPane(PaneRequest::Shell)]
    );
    let (mut a, _s) = with_pane();
    a.update(prefix(), NOW);
    assert_eq!(a.update(key('!'), NOW), vec![]);
    let m = a.message.clone().unwrap();
    assert!(m.error);
    assert_eq!(
        m.text,
        "nothing was run: sleep 600 is still running in the pane (K kills it, ctrl-g gives it the keys)"
    );
    // The same when the runbook's confirmed step finds the pane busy (the host says so).
    a.update(Action::Pane(PaneEvent::Busy), NOW);
    assert!(a.message.as_ref().unwrap().error);
    assert!(a.pane.as_ref().unwrap().running());
}

#[test]
fn kill_asks_first() {
    let (mut a, _s) = with_pane();
    a.update(prefix(), NOW);
    assert_eq!(a.update(key('K'), NOW), vec![]);
    assert_eq!(a.message.as_ref().unwrap().text, "kill sleep 600? y/n");
    assert!(draw(&a).contains("kill sleep 600? y/n"));
    assert_eq!(a.update(key('n'), NOW), vec![]);
    assert_eq!(a.message.as_ref().unwrap().text, "not killed");
    a.update(key('K'), NOW);
    assert_eq!(a.update(key('y'), NOW), vec![Effect::PaneKill]);
}

#[test]
fn the_exit_status_is_kept_shown_and_the_pane_then_closes() {
    let (mut a, _s) = with_pane();
    // News about another session changes nothing.
    let exit = |code, signal: Option<&str>| Exit {
        code,
        signal: signal.map(str::to_string),
    };
    a.update(
        Action::Pane(PaneEvent::Exited {
            id: 6,
            exit: exit(0, None),
            journal_error: None,
        }),
        NOW,
    );
    assert!(a.pane.as_ref().unwrap().running());
    a.update(
        Action::Pane(PaneEvent::Exited {
            id: 7,
            exit: exit(127, None),
            journal_error: None,
        }),
        NOW + 65_000,
    );
    let pane = a.pane.as_ref().unwrap();
    assert_eq!(pane.ended, Some((exit(127, None), NOW + 65_000)));
    assert!(!pane.focused, "keys come back to oncall");
    let m = a.message.clone().unwrap();
    assert!(
        m.error && m.text.contains("exit 127 (the program was not found"),
        "it says why: {m:?}"
    );
    assert!(m.text.contains("after 1m05s"), "{m:?}");
    let text = draw(&a);
    assert!(text.contains("exit 127 after 1m05s"), "{text}");
    assert!(text.contains("service-down.md step 2: sleep 600"), "{text}");
    // The prefix no longer gives keys to a program that is gone.
    a.update(prefix(), NOW);
    assert!(!a.pane.as_ref().unwrap().focused);
    assert_eq!(a.update(code_esc(), NOW), vec![Effect::PaneClose]);
    assert!(a.pane.is_none());
    assert!(!draw(&a).contains("sleep 600"));
}

#[test]
fn a_signal_is_shown_by_number() {
    let (mut a, _s) = with_pane();
    a.update(
        Action::Pane(PaneEvent::Exited {
            id: 7,
            exit: Exit {
                code: 1,
                signal: Some("Killed".into()),
            },
            journal_error: Some("not written to the incident log: disk full".into()),
        }),
        NOW + 2_000,
    );
    assert!(draw(&a).contains("killed by signal 9 after 2s"));
    // The log failure is what the status line says: it is the thing to act on.
    assert!(a.message.as_ref().unwrap().text.contains("disk full"));
}

#[test]
fn esc_keeps_its_meaning_while_the_program_runs() {
    let (mut a, _s) = with_pane();
    a.update(prefix(), NOW);
    assert_eq!(a.update(code_esc(), NOW), vec![]);
    assert!(a.pane.is_some());
}

/// Poll until the pane's program has pushed `lines` into its scrollback; a generous limit
/// only keeps a broken test from hanging.
fn wait_for_scrollback(a: &App, lines: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let screen = &a.pane.as_ref().unwrap().screen;
    while screen.extent().pushed < lines {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            screen.extent()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn offset(a: &App) -> usize {
    let pane = a.pane.as_ref().unwrap();
    pane.scroll.offset(pane.screen.extent().pushed)
}

#[test]
fn scrolling_moves_through_the_whole_scrollback_and_no_key_panics() {
    let (mut a, _s) = with_program(&["sh", "-c", "seq 1 500; exec sleep 600"]);
    let rows = usize::from(a.pane.as_ref().unwrap().size.0);
    // 500 lines and the line under the cursor on a screen of `rows`.
    wait_for_scrollback(&a, 501 - rows);
    let extent = a.pane.as_ref().unwrap().screen.extent();
    assert_eq!(extent.len, 501 - rows);
    a.update(prefix(), NOW);
    let shift = |code| chord(code, KeyModifiers::SHIFT);

    // Half a screen at a time, far past one screen.
    let step = rows / 2;
    for n in 1..=10 {
        a.update(shift(KeyCode::PageUp), NOW);
        assert_eq!(offset(&a), n * step);
    }
    assert!(draw(&a).contains(&format!("scrolled back {} lines", 10 * step)));
    a.update(shift(KeyCode::PageDown), NOW);
    assert_eq!(offset(&a), 9 * step);

    // A line at a time.
    a.update(shift(KeyCode::Up), NOW);
    assert_eq!(offset(&a), 9 * step + 1);
    a.update(shift(KeyCode::Down), NOW);
    assert_eq!(offset(&a), 9 * step);

    // The oldest line kept: `1` heads the pane.
    a.update(shift(KeyCode::Home), NOW);
    assert_eq!(offset(&a), extent.len);
    let screen = draw(&a);
    assert!(
        screen.contains(&format!("scrolled back {} lines", extent.len)),
        "{screen}"
    );
    let first = a.pane_area().unwrap().y + 1;
    assert!(
        screen
            .lines()
            .nth(usize::from(first))
            .unwrap()
            .starts_with("│1 "),
        "{screen}"
    );
    // Never past it.
    for _ in 0..5 {
        a.update(shift(KeyCode::PageUp), NOW);
    }
    assert_eq!(offset(&a), extent.len);

    // Back to the live screen: the last lines, no "scrolled back".
    a.update(shift(KeyCode::End), NOW);
    assert!(a.pane.as_ref().unwrap().scroll.is_live());
    let screen = draw(&a);
    assert!(!screen.contains("scrolled back"), "{screen}");
    assert!(screen.contains("│500 "), "{screen}");

    // Typing to the program shows the live screen again.
    a.update(shift(KeyCode::PageUp), NOW);
    a.update(prefix(), NOW);
    a.update(key('x'), NOW);
    assert!(a.pane.as_ref().unwrap().scroll.is_live());
    a.update(prefix(), NOW);

    // A smaller terminal shrinks the pane under a scrolled view.
    a.update(shift(KeyCode::Home), NOW);
    a.update(
        Action::Resize {
            width: 30,
            height: 8,
        },
        NOW,
    );
    draw(&a);
    // The step shrank with the pane; it still ends live.
    for _ in 0..extent.len {
        a.update(shift(KeyCode::PageDown), NOW);
    }
    assert!(a.pane.as_ref().unwrap().scroll.is_live());
    // Every key, with every modifier, focused or not, and tiny screens.
    for (w, h) in [(100, 30), (10, 3), (1, 1), (0, 0)] {
        a.update(
            Action::Resize {
                width: w,
                height: h,
            },
            NOW,
        );
        for focused in [true, false] {
            if let Some(p) = a.pane.as_mut() {
                p.focused = focused;
            }
            for code in [
                KeyCode::Up,
                KeyCode::F(12),
                KeyCode::Char('é'),
                KeyCode::PageUp,
                KeyCode::Home,
                KeyCode::Null,
                KeyCode::Esc,
            ] {
                for m in [
                    KeyModifiers::NONE,
                    KeyModifiers::SHIFT,
                    KeyModifiers::ALT | KeyModifiers::CONTROL,
                ] {
                    a.update(chord(code, m), NOW);
                }
            }
            draw(&a);
        }
    }
}

fn code_esc() -> Action {
    chord(KeyCode::Esc, KeyModifiers::NONE)
}

#[test]
fn the_pane_keys_are_data_and_listed_in_help() {
    let mut a = app();
    let help: Vec<String> = crate::tui::view::overlay::help_lines(&a)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let at = help
        .iter()
        .position(|l| l.starts_with("Terminal pane"))
        .expect("a [pane] section");
    let section = help[at..].join("\n");
    for want in [
        "ctrl-g",
        "Pane prefix",
        "K",
        "Kill the pane's program",
        "shift-pageup",
        "shift-home",
    ] {
        assert!(section.contains(want), "{want}: {section}");
    }
    // A user keymap moves the prefix; the pane follows it.
    let errors = a.keymap.merge_toml(
        "[pane]\n\"ctrl-g\" = \"none\"\n\"ctrl-b\" = \"pane-focus\"\n",
        "keymap.toml",
    );
    assert_eq!(errors, vec![]);
    let size = a.pane_inner_size();
    let s = session(size.0, size.1);
    a.update(
        Action::Pane(PaneEvent::Started {
            id: 1,
            screen: s.screen_handle(),
            title: "shell (/bin/sh)".into(),
            argv: "/bin/sh".into(),
            shell: true,
            size,
        }),
        NOW,
    );
    assert_eq!(a.update(prefix(), NOW), vec![Effect::PaneInput(vec![7])]);
    a.update(chord(KeyCode::Char('b'), KeyModifiers::CONTROL), NOW);
    assert!(!a.pane.as_ref().unwrap().focused);
}
