//! The embedded terminal: output reads back through vt100, resize reaches both the parser
//! and the program, keys arrive encoded, kill and exit status, no oncall token leaks, and
//! the scrollback reaches far back without moving under the reader.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oncall::pty::{encode_key, Event, ScrollPos, Session, Spawn};
use oncall::runbooks::{plan, ValuePolicy};

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Poll until `done` holds; a generous limit only keeps a broken test from hanging.
fn wait_for(session: &Session, what: &str, done: impl Fn(&Session) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(session) {
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}: {:?}\n{}",
            session,
            session.contents()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn finished(session: &Session) -> bool {
    session.exit().is_some() && session.output_done()
}

#[test]
fn output_reads_back_through_vt100_with_attributes_and_exit_status() {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    let spec = Spawn::new(
        argv(&["sh", "-c", "printf 'hello \\033[1mbold\\033[0m\\n'; exit 3"]),
        10,
        40,
    );
    let session = Session::spawn(&spec, Some(tx)).unwrap();
    wait_for(&session, "the exit", finished);
    assert!(
        session.contents().contains("hello bold"),
        "{}",
        session.contents()
    );
    session.with_screen(|screen| {
        let cell = screen.cell(0, 6).unwrap();
        assert_eq!(cell.contents(), "b");
        assert!(cell.bold());
    });
    let exit = session.exit().unwrap();
    assert_eq!(exit.code, 3);
    assert!(!exit.success());
    assert_eq!(exit.to_string(), "exit 3");
    let events: Vec<Event> = rx.try_iter().collect();
    assert!(events.contains(&Event::Output));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Exited(x) if x.code == 3)));
}

#[test]
fn resize_reaches_the_parser_and_the_program() {
    let spec = Spawn::new(argv(&["sh", "-c", "read line; stty size"]), 24, 80);
    let mut session = Session::spawn(&spec, None).unwrap();
    session.resize(30, 100).unwrap();
    assert_eq!(session.size(), (30, 100));
    let size = session.with_screen(|s| s.size());
    assert_eq!((size.0.get(), size.1.get()), (30, 100));
    session.write(b"go\r".to_vec()).unwrap();
    wait_for(&session, "the exit", finished);
    assert!(
        session.contents().contains("30 100"),
        "{}",
        session.contents()
    );
}

#[test]
fn encoded_keys_arrive_as_terminal_bytes() {
    // `od -c` shows exactly the bytes the program received.
    let spec = Spawn::new(
        argv(&[
            "sh",
            "-c",
            "stty raw -echo; printf READY; head -c 7 | od -An -c",
        ]),
        10,
        60,
    );
    let session = Session::spawn(&spec, None).unwrap();
    // The program says when raw mode is on, so ctrl-c arrives as a byte, not a signal.
    wait_for(&session, "raw mode", |s| s.contents().contains("READY"));
    let up = encode_key(&KeyEvent::new(KeyCode::Up, KeyModifiers::NONE), false).unwrap();
    let ctrl_c = encode_key(
        &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        false,
    )
    .unwrap();
    let f5 = encode_key(&KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE), false).unwrap();
    session.write(up).unwrap();
    session.write(ctrl_c).unwrap();
    session.write(f5[..3].to_vec()).unwrap();
    wait_for(&session, "the exit", finished);
    let text = session.contents();
    assert!(text.contains("033   [   A 003 033   ["), "{text}");
}

#[test]
fn kill_ends_the_program_and_reports_the_signal() {
    let spec = Spawn::new(argv(&["sleep", "600"]), 5, 20);
    let mut session = Session::spawn(&spec, None).unwrap();
    session.kill();
    wait_for(&session, "the exit", |s| s.exit().is_some());
    let exit = session.exit().unwrap();
    assert!(!exit.success());
    assert!(exit.to_string().starts_with("killed by"), "{exit}");
    assert!(session.write(b"x".to_vec()).is_err());
}

#[test]
fn the_child_environment_has_no_oncall_tokens() {
    std::env::set_var("ONCALL_PAGERDUTY_TOKEN", "pd-token-in-parent");
    std::env::set_var("GITHUB_TOKEN", "gh-token-in-parent");
    let spec = Spawn::new(argv(&["env"]), 50, 200);
    let session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the exit", finished);
    let text = session.contents();
    assert!(text.contains("TERM=xterm-256color"), "{text}");
    assert!(!text.contains("token-in-parent"), "{text}");
    assert!(!text.contains("ONCALL_"), "{text}");
}

#[test]
fn a_runbook_step_runs_in_the_pane_with_hostile_values_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let loose = ValuePolicy::default().with_pattern("job", ".+").unwrap();
    let labels: BTreeMap<String, String> =
        [("job".to_string(), "$(touch CANARY)".to_string())].into();
    let plan = plan("printf '%s|' \"$job\" | cat", &labels, &loose).unwrap();
    assert!(plan.shell);
    let mut spec = Spawn::from_plan(&plan, 10, 60);
    spec.cwd = Some(dir.path().to_path_buf());
    let session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the exit", finished);
    assert!(
        session.contents().contains("$(touch CANARY)|"),
        "{}",
        session.contents()
    );
    assert!(session.exit().unwrap().success());
    assert!(!dir.path().join("CANARY").exists());
}

/// The rows of the screen as the view at `pos` shows them.
fn rows_at(session: &Session, pos: ScrollPos) -> Vec<String> {
    session.screen_handle().with_scrolled(pos, |screen, _| {
        let cols = screen.size().1.get();
        screen.rows(0, cols).collect()
    })
}

#[test]
fn scrollback_reaches_three_screens_back_and_to_the_first_line() {
    let spec = Spawn::new(argv(&["seq", "1", "500"]), 10, 20);
    let session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the exit", finished);
    let handle = session.screen_handle();
    let extent = handle.extent();
    // 500 lines and the empty one under the cursor, 10 of them on the screen.
    assert_eq!(extent.len, 491);
    let live = rows_at(&session, ScrollPos::LIVE);
    assert_eq!((live[0].as_str(), live[8].as_str()), ("492", "500"));
    let back = ScrollPos::LIVE.by(30, extent);
    let rows = rows_at(&session, back);
    let want: Vec<String> = (462..=471).map(|i| i.to_string()).collect();
    assert_eq!(rows, want);
    handle.with_scrolled(back, |_, scrolled| {
        assert_eq!(scrolled.back, 30);
        assert!(!scrolled.new_output_below);
    });
    let top = rows_at(&session, ScrollPos::top(extent));
    assert_eq!((top[0].as_str(), top[9].as_str()), ("1", "10"));
    // Reading the live screen is not disturbed by a view that was scrolled back.
    assert!(session.contents().contains("500"));
}

#[test]
fn kill_falls_back_to_sigkill_when_sighup_is_ignored() {
    let spec = Spawn::new(
        argv(&[
            "sh",
            "-c",
            "trap '' HUP; echo ready; while :; do sleep 1; done",
        ]),
        5,
        40,
    );
    let mut session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the trap set", |s| s.contents().contains("ready"));
    session.kill();
    wait_for(&session, "the exit", |s| s.exit().is_some());
    assert_eq!(session.exit().unwrap().to_string(), "killed by signal 9");
}

#[test]
fn output_while_scrolled_back_keeps_the_view_and_no_offset_or_size_panics() {
    let spec = Spawn::new(
        argv(&["sh", "-c", "seq 1 50; read x; seq 51 250; read y"]),
        6,
        20,
    );
    let mut session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the first lines", |s| s.contents().contains("50"));
    let handle = session.screen_handle();
    let pos = ScrollPos::LIVE.by(10, handle.extent());
    let before = rows_at(&session, pos);
    assert_eq!(before[0], "36");
    session.write(b"\r".to_vec()).unwrap();
    wait_for(&session, "the second lines", |s| {
        s.contents().contains("250")
    });
    // The same lines, 200 more below them.
    assert_eq!(rows_at(&session, pos), before);
    handle.with_scrolled(pos, |_, scrolled| {
        assert!(scrolled.new_output_below);
        assert!(scrolled.back > 200, "{scrolled:?}");
    });
    // Shrinking pushes rows into the scrollback; the view still shows the same lines.
    session.resize(3, 20).unwrap();
    assert_eq!(rows_at(&session, pos)[..3], before[..3]);
    for (rows, cols) in [(1, 1), (0, 0), (2, 20), (40, 2), (6, 20)] {
        session.resize(rows, cols).unwrap();
        let len = handle.extent().len;
        for lines in [0, 1, 5, 6, 7, len, len + 1, len + 100, isize::MAX as usize] {
            let pos = ScrollPos::LIVE.by(isize::try_from(lines).unwrap(), handle.extent());
            handle.with_scrolled(pos, |screen, scrolled| {
                assert!(scrolled.back <= len);
                let _ = screen.contents();
            });
        }
    }
    session.write(b"\r".to_vec()).unwrap();
    wait_for(&session, "the exit", finished);
    let _ = session.contents();
}
