//! The runtime's side of the embedded terminal pane: it starts the one program the pane
//! shows, feeds it keys and sizes, kills and closes it, and turns what the PTY session
//! reports into `Action::Pane` for the app.
//!
//! The session reports on a std channel from its own threads; a bridge thread per session
//! forwards that to the runtime's tokio channel. Output notices are coalesced: one is sent,
//! and no other until a frame has been drawn, so a program printing in a tight loop costs
//! one redraw per frame rather than one per read. When a runbook step ends, the bridge
//! appends it to the incident log before reporting the exit, so `update` stays free of IO.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::Sender;

use crate::journal::Journal;
use crate::pty::{self, Session, Spawn};
use crate::tui::action::{Action, Effect, PaneEvent, PaneRequest};

/// Session events that may wait for the bridge (output notices beyond one are dropped by
/// the session anyway; the exit waits for room).
const EVENT_QUEUE: usize = 64;

/// What a started program is, for the incident log.
#[derive(Debug, Clone)]
enum Running {
    Step {
        argv: Vec<String>,
        title: String,
        alertname: String,
    },
    Shell,
}

/// Who and where, captured when the program starts (as writes capture theirs).
#[derive(Debug, Clone)]
pub struct PaneContext {
    pub user: String,
    pub context: String,
    /// `None`: the default incident log.
    pub journal: Option<Journal>,
    /// The runtime's clock (unix ms).
    pub clock: fn() -> i64,
}

struct Hosted {
    id: u64,
    session: Session,
    /// Set by the bridge once the program's end is in the incident log.
    logged: Arc<Logged>,
}

/// A flag the bridge raises when the exit has been handled, for oncall's own exit to wait
/// on (briefly) so quitting with a step running still logs it.
#[derive(Default)]
struct Logged {
    done: Mutex<bool>,
    cond: Condvar,
}

impl Logged {
    fn set(&self) {
        *self.done.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cond.notify_all();
    }

    fn wait(&self, limit: Duration) {
        let done = self.done.lock().unwrap_or_else(|p| p.into_inner());
        // Timed out or not, oncall is leaving: the wait only gives the log its chance.
        let _ = self.cond.wait_timeout_while(done, limit, |done| !*done);
    }
}

/// The pane's program, if any. Only one at a time.
pub struct PaneHost {
    current: Option<Hosted>,
    next_id: u64,
    /// An output notice is on its way and no frame has been drawn since.
    output_pending: Arc<AtomicBool>,
    tx: Sender<Action>,
}

impl std::fmt::Debug for PaneHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaneHost")
            .field("id", &self.current.as_ref().map(|h| h.id))
            .finish_non_exhaustive()
    }
}

impl PaneHost {
    /// News goes to `tx`, the runtime's action channel.
    pub fn new(tx: Sender<Action>) -> PaneHost {
        PaneHost {
            current: None,
            next_id: 0,
            output_pending: Arc::new(AtomicBool::new(false)),
            tx,
        }
    }

    /// Start `request` in a pane of `size` (rows, cols). A program still running is never
    /// replaced: the answer says how to end it. One that has ended is closed first.
    pub fn run(&mut self, request: PaneRequest, size: (u16, u16), ctx: &PaneContext) -> PaneEvent {
        if let Some(hosted) = &self.current {
            if hosted.session.exit().is_none() {
                return PaneEvent::Busy;
            }
        }
        self.close();
        let (rows, cols) = size;
        let shell = matches!(request, PaneRequest::Shell);
        let (spec, running, title, argv) = match request {
            PaneRequest::Step {
                plan,
                title,
                alertname,
            } => {
                let shown = plan.display();
                (
                    Spawn::from_plan(&plan, rows, cols),
                    Running::Step {
                        argv: plan.argv.clone(),
                        title: title.clone(),
                        alertname,
                    },
                    format!("{title}: {shown}"),
                    shown,
                )
            }
            PaneRequest::Shell => {
                let spec = Spawn::shell(rows, cols);
                let shell = spec.argv.join(" ");
                (spec, Running::Shell, format!("shell ({shell})"), shell)
            }
        };
        let (events_tx, events_rx) = mpsc::sync_channel(EVENT_QUEUE);
        let session = match Session::spawn(&spec, Some(events_tx)) {
            Ok(session) => session,
            Err(e) => return PaneEvent::Failed(format!("nothing was run: {e}")),
        };
        self.next_id += 1;
        let id = self.next_id;
        let started = now(ctx.clock);
        let logged = Arc::new(Logged::default());
        let bridge = Bridge {
            logged: Arc::clone(&logged),
            id,
            events: events_rx,
            tx: self.tx.clone(),
            output_pending: Arc::clone(&self.output_pending),
            running,
            started,
            ctx: ctx.clone(),
        };
        if let Err(e) = std::thread::Builder::new()
            .name("oncall-pane-bridge".into())
            .spawn(move || bridge.run())
        {
            // Without the bridge nothing would be drawn or logged: do not leave it running.
            drop(session);
            return PaneEvent::Failed(format!("nothing was run: cannot start a thread: {e}"));
        }
        let screen = session.screen_handle();
        let size = session.size();
        self.current = Some(Hosted {
            id,
            session,
            logged,
        });
        PaneEvent::Started {
            id,
            screen,
            title,
            argv,
            shell,
            size,
        }
    }

    /// Carry out one of the pane's effects; what the app should hear comes back.
    pub fn execute(
        &mut self,
        effect: Effect,
        size: (u16, u16),
        ctx: &PaneContext,
    ) -> Option<PaneEvent> {
        let failed = |r: Result<(), String>| r.err().map(PaneEvent::Failed);
        match effect {
            Effect::RunInPane(request) => Some(self.run(request, size, ctx)),
            Effect::PaneInput(bytes) => failed(self.input(bytes)),
            Effect::PaneResize { rows, cols } => failed(self.resize(rows, cols)),
            Effect::PaneKill => {
                self.kill();
                None
            }
            Effect::PaneClose => {
                self.close();
                None
            }
            // Not the pane's.
            _ => None,
        }
    }

    /// Keys or a paste for the program.
    pub fn input(&self, bytes: Vec<u8>) -> Result<(), String> {
        let Some(hosted) = &self.current else {
            return Ok(());
        };
        hosted
            .session
            .write(bytes)
            .map_err(|e| format!("the pane: {e}"))
    }

    /// Resize the parser and the PTY (the program gets SIGWINCH).
    pub fn resize(&mut self, rows: u16, cols: u16) -> Result<(), String> {
        let Some(hosted) = self.current.as_mut() else {
            return Ok(());
        };
        hosted
            .session
            .resize(rows, cols)
            .map_err(|e| format!("the pane: {e}"))
    }

    /// SIGHUP now, SIGKILL after the grace period; the exit arrives as usual.
    pub fn kill(&mut self) {
        if let Some(hosted) = self.current.as_mut() {
            hosted.session.kill();
        }
    }

    /// Forget the session (killing the program if it still runs).
    pub fn close(&mut self) {
        self.current = None;
    }

    /// A frame is about to be drawn: it shows all output so far, so the next output needs a
    /// notice of its own.
    pub fn frame_drawn(&self) {
        self.output_pending.store(false, Ordering::Release);
    }
}

impl Drop for PaneHost {
    /// Oncall is quitting: a program still running is killed (dropping its session), and
    /// its end is given a moment to reach the incident log. A program that ignores SIGHUP
    /// gets SIGKILL after the kill grace, so this waits a little longer than that at most.
    fn drop(&mut self) {
        let Some(hosted) = self.current.take() else {
            return;
        };
        let running = hosted.session.exit().is_none();
        drop(hosted.session);
        if running {
            hosted
                .logged
                .wait(pty::session::KILL_GRACE + Duration::from_secs(1));
        }
    }
}

fn now(clock: fn() -> i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(clock()).unwrap_or_else(Utc::now)
}

/// Forwards one session's events to the runtime.
struct Bridge {
    logged: Arc<Logged>,
    id: u64,
    events: Receiver<pty::Event>,
    tx: Sender<Action>,
    output_pending: Arc<AtomicBool>,
    running: Running,
    started: DateTime<Utc>,
    ctx: PaneContext,
}

impl Bridge {
    /// Until the session's reader and waiter are gone (the program ended and its output
    /// was read). When the runtime stops listening (oncall is quitting) it goes on only to
    /// log the program's end.
    fn run(self) {
        let id = self.id;
        let mut listening = true;
        for event in self.events.iter() {
            let action = match event {
                pty::Event::Output => {
                    if !listening || self.output_pending.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    PaneEvent::Output { id }
                }
                pty::Event::Exited(exit) => {
                    let journal_error = self.log(&exit);
                    self.logged.set();
                    PaneEvent::Exited {
                        id,
                        exit,
                        journal_error,
                    }
                }
            };
            // A std thread may block here: a full channel means the UI is busy, and waiting
            // is what keeps the PTY from outrunning it.
            if listening && self.tx.blocking_send(Action::Pane(action)).is_err() {
                listening = false;
            }
        }
    }

    /// A runbook step's end goes to the incident log; the shell is not logged (what is
    /// typed there is not recorded, so "opened a shell" would say nothing useful).
    fn log(&self, exit: &pty::Exit) -> Option<String> {
        let Running::Step {
            argv,
            title,
            alertname,
        } = &self.running
        else {
            return None;
        };
        let entry = super::incident_log::step_entry(
            super::incident_log::StepRun {
                alertname,
                title,
                argv,
                exit,
                started: self.started,
                ended: now(self.ctx.clock),
            },
            &self.ctx.user,
            &self.ctx.context,
        );
        super::incident_log::append(self.ctx.journal.as_ref(), &[entry]).err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(argv: &[&str]) -> PaneRequest {
        PaneRequest::Step {
            plan: crate::runbooks::Plan {
                argv: argv.iter().map(|a| a.to_string()).collect(),
                env: Default::default(),
                shell: false,
            },
            title: "disk-space-low.md step 1".into(),
            alertname: "DiskSpaceLow".into(),
        }
    }

    /// The next `Exited` the host reports, skipping output notices.
    fn exited(rx: &mut tokio::sync::mpsc::Receiver<Action>) -> (u64, pty::Exit, Option<String>) {
        loop {
            match rx.blocking_recv() {
                Some(Action::Pane(PaneEvent::Exited {
                    id,
                    exit,
                    journal_error,
                })) => return (id, exit, journal_error),
                Some(_) => {}
                None => panic!("the host stopped reporting"),
            }
        }
    }

    #[test]
    fn one_program_at_a_time_and_an_ended_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("log.jsonl"));
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let mut host = PaneHost::new(tx);
        let ctx = PaneContext {
            user: "alice".into(),
            context: "prod".into(),
            journal: Some(journal.clone()),
            clock: crate::tui::runtime::system_now_ms,
        };
        match host.run(step(&["sleep", "600"]), (5, 40), &ctx) {
            PaneEvent::Started {
                id, shell, size, ..
            } => assert_eq!((id, shell, size), (1, false, (5, 40))),
            other => panic!("{other:?}"),
        }
        assert_eq!(host.run(PaneRequest::Shell, (5, 40), &ctx), PaneEvent::Busy);
        host.kill();
        let (id, exit, journal_error) = exited(&mut rx);
        assert_eq!((id, journal_error), (1, None));
        assert!(exit.signal.is_some(), "{exit:?}");
        // Ended: the next program replaces it.
        match host.run(step(&["true"]), (5, 40), &ctx) {
            PaneEvent::Started { id, .. } => assert_eq!(id, 2),
            other => panic!("{other:?}"),
        }
        let (id, exit, _) = exited(&mut rx);
        assert_eq!((id, exit.code), (2, 0));
        let entries = journal.read(None).unwrap().entries;
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[1].argv.as_deref(), Some(&["true".to_string()][..]));
    }

    #[test]
    fn a_program_that_cannot_start_is_a_sentence_not_a_pane() {
        let (tx, _rx) = tokio::sync::mpsc::channel(16);
        let mut host = PaneHost::new(tx);
        let ctx = PaneContext {
            user: "alice".into(),
            context: "prod".into(),
            journal: None,
            clock: crate::tui::runtime::system_now_ms,
        };
        match host.run(step(&["/nonexistent/kubectl"]), (5, 40), &ctx) {
            PaneEvent::Failed(text) => {
                assert!(text.starts_with("nothing was run: "), "{text}");
                assert!(text.contains("/nonexistent/kubectl"), "{text}");
            }
            other => panic!("{other:?}"),
        }
        // Nothing runs, so keys and sizes have nowhere to go and that is not an error.
        assert_eq!(host.input(b"x".to_vec()), Ok(()));
        assert_eq!(host.resize(10, 10), Ok(()));
    }
}
