//! The embedded terminal pane through the real event loop: a confirmed runbook step (the
//! effect the runbook's `y` sends) or `!`'s shell runs on a real PTY; keys, resizes and kills
//! go to it from injected terminal events; what it prints is read off the drawn frames; its
//! end is in the incident log.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{unbounded, UnboundedSender};
use oncall::journal::Journal;
use oncall::runbooks::Plan;
use oncall::tui::action::{ContextInfo, Effect, PaneRequest};
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::{Clients, RunSummary, Runtime, RuntimeError};
use oncall::tui::widgets::term_pane::inner_size;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tokio::sync::watch;
use tokio::task::JoinHandle;

const WIDTH: u16 = 100;
const HEIGHT: u16 = 30;

struct Ui {
    keys: UnboundedSender<io::Result<Event>>,
    frames: watch::Receiver<Buffer>,
    task: JoinHandle<Result<RunSummary, RuntimeError>>,
    journal: Journal,
    _dir: tempfile::TempDir,
}

impl Ui {
    fn event(&self, event: Event) {
        let _ = self.keys.unbounded_send(Ok(event));
    }

    fn chord(&self, code: KeyCode, modifiers: KeyModifiers) {
        self.event(Event::Key(KeyEvent::new(code, modifiers)));
    }

    fn typed(&self, text: &str) {
        for c in text.chars() {
            self.chord(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    fn enter(&self) {
        self.chord(KeyCode::Enter, KeyModifiers::NONE);
    }

    fn prefix(&self) {
        self.chord(KeyCode::Char('g'), KeyModifiers::CONTROL);
    }

    fn text(&self) -> String {
        let buf = self.frames.borrow();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// Wait until a drawn frame satisfies `pred`; fail with the screen if none does.
    async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if pred(&text) {
                return text;
            }
            if tokio::time::timeout_at(deadline, self.frames.changed())
                .await
                .is_err()
            {
                panic!("never saw {what}; the screen was:\n{text}");
            }
        }
    }

    async fn quit(self) -> RunSummary {
        self.chord(KeyCode::Char('q'), KeyModifiers::NONE);
        let summary = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("quit ends the loop")
            .expect("task")
            .expect("runtime ok");
        assert!(summary.frames > 0);
        summary
    }
}

/// The real runtime over an app with no backends (nothing but the pane talks to anything),
/// with `effects` run first as if `update` had returned them.
fn start(effects: Vec<Effect>) -> Ui {
    let context = ContextInfo {
        name: "pane-test".into(),
        ..ContextInfo::default()
    };
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = WIDTH;
    opts.height = HEIGHT;
    opts.prefs.author = "tester".into();
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = Journal::at(dir.path().join("incident-log.jsonl"));
    let (keys, events) = unbounded();
    let (frames_tx, frames) = watch::channel(Buffer::empty(Rect::new(0, 0, WIDTH, HEIGHT)));
    let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let mut runtime = Runtime::new(App::new(opts), Clients::default(), terminal)
        .with_frames(frames_tx)
        .with_journal(journal.clone());
    runtime.execute(effects);
    let task = tokio::spawn(async move { runtime.run(events).await });
    Ui {
        keys,
        frames,
        task,
        journal,
        _dir: dir,
    }
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
    let mut ui = start(vec![step(&["printf", "pane-says-%s\\n", "hello"])]);
    let screen = ui
        .wait_for("the output and the exit", |t| {
            t.contains("pane-says-hello") && t.contains("exit 0 after")
        })
        .await;
    assert!(
        screen.contains("service-down.md step 1: printf"),
        "the frame says what ran:\n{screen}"
    );
    let read = ui.journal.read(None).expect("the incident log reads");
    assert_eq!(read.entries.len(), 1, "{:?}", read.entries);
    let entry = &read.entries[0];
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
    let plain = oncall::journal::plain(&read.entries);
    assert!(
        plain.contains(
            "Ran ServiceDown: `printf pane-says-%s\\n hello` (service-down.md step 1), exit 0 [tester@pane-test]"
        ),
        "{plain}"
    );
    ui.quit().await;
}

#[tokio::test]
async fn a_focused_step_gets_the_typed_keys() {
    let mut ui = start(vec![step(&["sh", "-c", "read x; echo got:$x; exit 4"])]);
    ui.wait_for("the step running", |t| t.contains("running"))
        .await;
    ui.typed("abc");
    ui.enter();
    ui.wait_for("the step read the keys", |t| {
        t.contains("got:abc") && t.contains("exit 4 after")
    })
    .await;
    let read = ui.journal.read(None).expect("the incident log reads");
    assert_eq!(read.entries[0].exit_status, Some(4));
    ui.quit().await;
}

#[tokio::test]
async fn a_resize_reaches_the_program() {
    let mut ui = start(vec![step(&["sh", "-c", "read x; stty size"])]);
    ui.wait_for("the step running", |t| t.contains("running"))
        .await;
    let (width, height) = (120, 40);
    ui.event(Event::Resize(width, height));
    let main = oncall::tui::layout::screen(Rect::new(0, 0, width, height)).main;
    let (rows, cols) = inner_size(oncall::tui::app::pane::split(main).1);
    // Keys are taken in order, so the size is set before the program reads the line.
    ui.enter();
    let expected = format!("{rows} {cols}");
    ui.wait_for("stty's answer", |t| {
        t.contains(&expected) && t.contains("exit 0")
    })
    .await;
    ui.quit().await;
}

#[tokio::test]
async fn kill_ends_a_program_that_would_run_for_ever() {
    let mut ui = start(vec![step(&["sleep", "1000"])]);
    ui.wait_for("the step running", |t| t.contains("running"))
        .await;
    ui.prefix();
    ui.typed("K");
    ui.wait_for("the question", |t| t.contains("kill sleep 1000? y/n"))
        .await;
    ui.typed("y");
    ui.wait_for("the end", |t| t.contains("killed by signal"))
        .await;
    let read = ui.journal.read(None).expect("the incident log reads");
    assert_eq!(read.entries[0].exit_status, None);
    assert!(
        read.entries[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("killed by signal")),
        "{:?}",
        read.entries
    );
    // The pane closes once it has ended.
    ui.chord(KeyCode::Esc, KeyModifiers::NONE);
    ui.wait_for("the pane gone", |t| !t.contains("sleep 1000"))
        .await;
    ui.quit().await;
}

#[tokio::test]
async fn the_shell_has_no_oncall_tokens_and_is_not_logged_as_a_step() {
    // What oncall itself may hold; the shell must not see any of it.
    std::env::set_var("ONCALL_PAGERDUTY_TOKEN", "pd-secret-in-oncall");
    std::env::set_var("SOME_API_TOKEN", "api-secret-in-oncall");
    std::env::set_var("SHELL", "/bin/sh");
    let mut ui = start(vec![]);
    ui.wait_for("the alerts view", |t| t.contains("Alerts"))
        .await;
    ui.typed("!");
    ui.wait_for("the shell", |t| t.contains("shell (/bin/sh)"))
        .await;
    ui.typed("echo n=$(env | grep -c -e ONCALL_ -e TOKEN -e secret) term=$TERM");
    ui.enter();
    let screen = ui
        .wait_for("the count", |t| t.contains("n=0 term=xterm-256color"))
        .await;
    assert!(!screen.contains("-in-oncall"), "{screen}");
    ui.typed("exit");
    ui.enter();
    ui.wait_for("the shell's end", |t| t.contains("exit 0 after"))
        .await;
    let read = ui.journal.read(None).expect("the incident log reads");
    assert!(read.entries.is_empty(), "{:?}", read.entries);
    ui.quit().await;
}

#[tokio::test]
async fn a_flood_of_output_is_drawn_to_its_end_and_keys_still_work() {
    let started = std::time::Instant::now();
    let mut ui = start(vec![step(&["seq", "1", "300000"])]);
    ui.wait_for("the last line and the exit", |t| {
        t.contains("300000") && t.contains("exit 0 after")
    })
    .await;
    let summary = ui.quit().await;
    // Not asserted (it depends on the machine): how many frames the ~2 MB took.
    eprintln!(
        "seq 1 300000: {} frames in {:?}",
        summary.frames,
        started.elapsed()
    );
}

#[tokio::test]
async fn quitting_with_a_step_running_ends_it_and_still_logs_it() {
    // It keeps printing, so output is still arriving when oncall stops listening.
    let script = "while :; do echo tick; sleep 0.05; done";
    let mut ui = start(vec![step(&["sh", "-c", script])]);
    ui.wait_for("the step printing", |t| t.contains("tick"))
        .await;
    // `q` would go to the program: the prefix first.
    ui.prefix();
    let Ui {
        keys,
        task,
        journal,
        _dir,
        ..
    } = ui;
    let _ = keys.unbounded_send(Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
    ))));
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("quit ends the loop")
        .expect("task")
        .expect("runtime ok");
    let entries = journal.read(None).expect("the incident log reads").entries;
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
