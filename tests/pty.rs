//! The embedded terminal: output reads back through vt100, resize reaches both the parser
//! and the program, keys arrive encoded, kill and exit status, and no oncall token leaks.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oncall::pty::{encode_key, Event, Session, Spawn};
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
    assert_eq!(session.with_screen(|s| s.size()), (30, 100));
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

#[test]
fn scrollback_keeps_lines_that_left_the_screen() {
    let spec = Spawn::new(
        argv(&[
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done",
        ]),
        4,
        20,
    );
    let session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the exit", finished);
    assert!(!session.contents().contains("line1\n"));
    // One screen back (the most vt100 0.15 allows) shows lines 4 to 7.
    session.set_scrollback(100);
    assert_eq!(session.scrollback(), 4);
    let back = session.contents();
    assert!(back.contains("line4") && !back.contains("line10"), "{back}");
    session.set_scrollback(0);
    assert!(session.contents().contains("line10"));
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
fn output_while_scrolled_back_or_a_smaller_screen_never_panics() {
    // New lines while scrolled back push vt100's offset up; a smaller screen leaves less
    // room: both would exceed the screen height and panic vt100 0.15 when read.
    let spec = Spawn::new(
        argv(&["sh", "-c", "seq 1 50; read x; seq 51 250; read y"]),
        6,
        20,
    );
    let mut session = Session::spawn(&spec, None).unwrap();
    wait_for(&session, "the first lines", |s| s.contents().contains("50"));
    session.set_scrollback(6);
    assert_eq!(session.scrollback(), 6);
    session.write(b"\r".to_vec()).unwrap();
    wait_for(&session, "the second lines", |s| {
        s.screen_handle()
            .with_scrolled(0, |screen| screen.contents().contains("250"))
    });
    session.set_scrollback(6);
    session.resize(2, 20).unwrap();
    assert!(session.scrollback() <= 2);
    let handle = session.screen_handle();
    handle.with_scrolled(1000, |screen| {
        assert_eq!(screen.scrollback(), 2);
        let _ = screen.contents();
    });
    session.write(b"\r".to_vec()).unwrap();
    wait_for(&session, "the exit", finished);
    let _ = session.contents();
}
