//! The embedded terminal pane through the real event loop: a confirmed runbook step (the
//! effect the runbook's `y` sends) or `!`'s shell runs on a real PTY; keys, resizes and kills
//! go to it from injected terminal events; what it prints is read off the drawn frames; its
//! end is in the incident log.

use crate::tui_support;

use std::collections::BTreeMap;

use crossterm::event::{Event, KeyCode, KeyModifiers};
use oncall::journal::{Entry, Journal};
use oncall::runbooks::Plan;
use oncall::tui::action::{ContextInfo, Effect, PaneRequest};
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use oncall::tui::widgets::term_pane::inner_size;
use ratatui::layout::Rect;
use tui_support::screen::{self, Screen, Task};

const WIDTH: u16 = 100;
const HEIGHT: u16 = 30;

/// The incident log the runtime writes, in a temp dir that lives as long as it.
struct Log {
    journal: Journal,
    _dir: tempfile::TempDir,
}

impl Log {
    fn entries(&self) -> Vec<Entry> {
        self.journal
            .read(None)
            .expect("the incident log reads")
            .entries
    }
}

/// The real runtime over an app with no backends (nothing but the pane talks to anything),
/// with `effects` run first as if `update` had returned them.
fn start(effects: Vec<Effect>) -> (Screen, Task, Log) {
    let context = ContextInfo {
        name: "pane-test".into(),
        ..ContextInfo::default()
    };
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = WIDTH;
    opts.height = HEIGHT;
    opts.prefs.author = "tester".into();
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = Journal::at(dir.path().join(oncall::journal::FILE_NAME));
    let (runtime, ui, keys) = screen::attach(App::new(opts), Clients::default());
    let mut runtime = runtime.with_journal(journal.clone());
    runtime.execute(effects);
    let task = screen::spawn(runtime, keys);
    (ui, task, Log { journal, _dir: dir })
}

fn step(argv: &[&str]) -> Effect {
    Effect::RunInPane(PaneRequest::Step {
        plan: Plan {
            argv: argv.iter().map(|a| a.to_string()).collect(),
            env: BTreeMap::new(),
            shell: false,
        },
        title: "service-down.md step 1".into(),
        alertname: "ServiceDown".into(),
    })
}

#[tokio::test]
async fn a_step_shows_its_output_then_its_exit_status_and_is_logged() {
    let (ui, task, log) = start(vec![step(&["printf", "pane-says-%s\\n", "hello"])]);
    let screen = ui
        .wait_for("the output and the exit", |t| {
            t.contains("pane-says-hello") && t.contains("exit 0 after")
        })
        .await;
    assert!(
        screen.contains("service-down.md step 1: printf"),
        "the frame says what ran:\n{screen}"
    );
    let entries = log.entries();
    assert_eq!(entries.len(), 1, "{:?}", entries);
    let entry = &entries[0];
    assert_eq!(entry.kind, oncall::journal::Kind::RunbookStep);
    assert_eq!(entry.target, "ServiceDown");
    assert_eq!(
        entry.argv.as_deref(),
        Some(
            &[
                "printf".to_string(),
                "pane-says-%s\\n".into(),
                "hello".into()
            ][..]
        )
    );
    assert_eq!(entry.exit_status, Some(0));
    assert_eq!(
        (entry.user.as_str(), entry.context.as_str()),
        ("tester", "pane-test")
    );
    assert!(entry.ended >= entry.started);
    // `oncall log` prints it as a timeline line.
    let plain = oncall::journal::plain(&entries);
    assert!(
        plain.contains(
            "Ran ServiceDown: `printf pane-says-%s\\n hello` (service-down.md step 1), exit 0 [tester@pane-test]"
        ),
        "{plain}"
    );
    ui.quit(task).await;
}

#[tokio::test]
async fn a_focused_step_gets_the_typed_keys() {
    let (ui, task, log) = start(vec![step(&["sh", "-c", "read x; echo got:$x; exit 4"])]);
    ui.wait_for("the step running", |t| t.contains("running"))
        .await;
    ui.typed("abc");
    ui.press(KeyCode::Enter);
    ui.wait_for("the step read the keys", |t| {
        t.contains("got:abc") && t.contains("exit 4 after")
    })
    .await;
    let entries = log.entries();
    assert_eq!(entries[0].exit_status, Some(4));
    ui.quit(task).await;
}

#[tokio::test]
async fn a_resize_reaches_the_program() {
    let (ui, task, _log) = start(vec![step(&["sh", "-c", "read x; stty size"])]);
    ui.wait_for("the step running", |t| t.contains("running"))
        .await;
    let (width, height) = (120, 40);
    ui.event(Event::Resize(width, height));
    let main = oncall::tui::layout::screen(Rect::new(0, 0, width, height)).main;
    let (rows, cols) = inner_size(oncall::tui::app::pane::split(main).1);
    // Keys are taken in order, so the size is set before the program reads the line.
    ui.press(KeyCode::Enter);
    let expected = format!("{rows} {cols}");
    ui.wait_for("stty's answer", |t| {
        t.contains(&expected) && t.contains("exit 0")
    })
    .await;
    ui.quit(task).await;
}

#[tokio::test]
async fn kill_ends_a_program_that_would_run_for_ever() {
    let (ui, task, log) = start(vec![step(&["sleep", "1000"])]);
    ui.wait_for("the step running", |t| t.contains("running"))
        .await;
    // The prefix gives the keys back to oncall.
    ui.key(KeyCode::Char('g'), KeyModifiers::CONTROL);
    ui.typed("K");
    ui.wait_for("the question", |t| t.contains("kill sleep 1000? y/n"))
        .await;
    ui.typed("y");
    ui.wait_for("the end", |t| t.contains("killed by signal"))
        .await;
    let entries = log.entries();
    assert_eq!(entries[0].exit_status, None);
    assert!(
        entries[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("killed by signal")),
        "{:?}",
        entries
    );
    // The pane closes once it has ended.
    ui.press(KeyCode::Esc);
    ui.wait_for("the pane gone", |t| !t.contains("sleep 1000"))
        .await;
    ui.quit(task).await;
}

#[tokio::test]
async fn the_shell_has_no_oncall_tokens_and_is_not_logged_as_a_step() {
    // What oncall itself may hold; the shell must not see any of it.
    std::env::set_var("ONCALL_PAGERDUTY_TOKEN", "pd-secret-in-oncall");
    std::env::set_var("SOME_API_TOKEN", "api-secret-in-oncall");
    std::env::set_var("SHELL", "/bin/sh");
    let (ui, task, log) = start(vec![]);
    ui.wait_for("the alerts view", |t| t.contains("Alerts"))
        .await;
    ui.typed("!");
    ui.wait_for("the shell", |t| t.contains("shell (/bin/sh)"))
        .await;
    ui.typed("echo n=$(env | grep -c -e ONCALL_ -e TOKEN -e secret) term=$TERM");
    ui.press(KeyCode::Enter);
    let screen = ui
        .wait_for("the count", |t| t.contains("n=0 term=xterm-256color"))
        .await;
    assert!(!screen.contains("-in-oncall"), "{screen}");
    ui.typed("exit");
    ui.press(KeyCode::Enter);
    ui.wait_for("the shell's end", |t| t.contains("exit 0 after"))
        .await;
    let entries = log.entries();
    assert!(entries.is_empty(), "{:?}", entries);
    ui.quit(task).await;
}

#[tokio::test]
async fn a_flood_of_output_is_drawn_to_its_end_and_keys_still_work() {
    let started = std::time::Instant::now();
    let (ui, task, _log) = start(vec![step(&["seq", "1", "300000"])]);
    ui.wait_for("the last line and the exit", |t| {
        t.contains("300000") && t.contains("exit 0 after")
    })
    .await;
    let summary = ui.quit(task).await;
    // Not asserted (it depends on the machine): how many frames the ~2 MB took.
    eprintln!(
        "seq 1 300000: {} frames in {:?}",
        summary.frames,
        started.elapsed()
    );
}

/// A drawn line that starts the pane's first column with `text`.
fn pane_line(screen: &str, text: &str) -> bool {
    screen.lines().any(|l| l.starts_with(&format!("│{text} ")))
}

#[tokio::test]
async fn the_scrollback_reaches_the_first_line_and_stays_there_while_output_arrives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let go = dir.path().join("go");
    // More output waits for the test's signal, so it arrives while the view is back.
    let script = format!(
        "seq 1 500; while [ ! -e '{}' ]; do sleep 0.05; done; seq 501 520; read y",
        go.display()
    );
    let (ui, task, _log) = start(vec![step(&["sh", "-c", &script])]);
    ui.wait_for("the first 500 lines", |t| pane_line(t, "500"))
        .await;
    // The keys back to oncall, then the oldest line kept.
    ui.key(KeyCode::Char('g'), KeyModifiers::CONTROL);
    ui.key(KeyCode::Home, KeyModifiers::SHIFT);
    ui.wait_for("the first line", |t| {
        pane_line(t, "1") && t.contains("scrolled back")
    })
    .await;
    std::fs::write(&go, "").expect("the signal file");
    let screen = ui
        .wait_for("the new-output marker", |t| t.contains("new output below"))
        .await;
    assert!(pane_line(&screen, "1"), "the view moved:\n{screen}");
    ui.key(KeyCode::End, KeyModifiers::SHIFT);
    ui.wait_for("the live screen", |t| {
        pane_line(t, "520") && !t.contains("scrolled back")
    })
    .await;
    ui.quit(task).await;
}

#[tokio::test]
async fn quitting_with_a_step_running_ends_it_and_still_logs_it() {
    // It keeps printing, so output is still arriving when oncall stops listening.
    let script = "while :; do echo tick; sleep 0.05; done";
    let (ui, task, log) = start(vec![step(&["sh", "-c", script])]);
    ui.wait_for("the step printing", |t| t.contains("tick"))
        .await;
    // `q` would go to the program: the prefix first.
    ui.key(KeyCode::Char('g'), KeyModifiers::CONTROL);
    ui.quit(task).await;
    let entries = log.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0].argv.as_deref(),
        Some(&["sh".to_string(), "-c".into(), script.into()][..])
    );
    assert!(
        entries[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("killed by signal")),
        "{entries:?}"
    );
}
