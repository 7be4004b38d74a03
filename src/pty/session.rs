//! A child process on a pseudo-terminal, its screen kept by a vt100 parser.
//!
//! Threads, not tasks: the PTY's reads, writes and `wait` all block. The reader feeds the
//! parser, the writer drains a bounded channel (so a flood of keys or a paste cannot grow
//! memory without limit), and the waiter records the exit status. Dropping the session
//! kills the child (SIGHUP, then SIGKILL after [`KILL_GRACE`] if it is still alive).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use portable_pty::{native_pty_system, ChildKiller, CommandBuilder, MasterPty, PtySize};

/// How many writes may wait for the child before [`Session::write`] refuses more.
const INPUT_QUEUE: usize = 256;
/// Lines kept above the screen for scrolling back.
pub const DEFAULT_SCROLLBACK: usize = 2000;
/// How long a killed program has to end after SIGHUP before it gets SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// What to start.
#[derive(Debug, Clone)]
pub struct Spawn {
    pub argv: Vec<String>,
    /// Added to the minimal environment (`pty::env`): a runbook step's label variables.
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    pub rows: u16,
    pub cols: u16,
    pub scrollback: usize,
}

impl Spawn {
    pub fn new(argv: Vec<String>, rows: u16, cols: u16) -> Spawn {
        Spawn {
            argv,
            env: Vec::new(),
            cwd: None,
            rows,
            cols,
            scrollback: DEFAULT_SCROLLBACK,
        }
    }

    /// A confirmed runbook step: its argv, plus the label variables of a shell step.
    pub fn from_plan(plan: &crate::runbooks::Plan, rows: u16, cols: u16) -> Spawn {
        Spawn {
            env: plan
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..Spawn::new(plan.argv.clone(), rows, cols)
        }
    }

    /// The user's login shell (`$SHELL`, else `/bin/sh`), for `!`.
    pub fn shell(rows: u16, cols: u16) -> Spawn {
        let shell = std::env::var("SHELL")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".into());
        Spawn::new(vec![shell], rows, cols)
    }
}

/// How the child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub code: u32,
    /// The signal that ended it, when one did.
    pub signal: Option<String>,
}

impl Exit {
    pub fn success(&self) -> bool {
        self.code == 0 && self.signal.is_none()
    }

    /// The number of the signal that ended it, when it is one of the standard ones.
    /// portable-pty reports signals by their `strsignal` text (C locale), so this maps back.
    pub fn signal_number(&self) -> Option<u8> {
        const NAMES: [&str; 15] = [
            "Hangup",
            "Interrupt",
            "Quit",
            "Illegal instruction",
            "Trace/breakpoint trap",
            "Aborted",
            "Bus error",
            "Floating point exception",
            "Killed",
            "User defined signal 1",
            "Segmentation fault",
            "User defined signal 2",
            "Broken pipe",
            "Alarm clock",
            "Terminated",
        ];
        let signal = self.signal.as_deref()?;
        let at = NAMES.iter().position(|n| *n == signal)?;
        u8::try_from(at + 1).ok()
    }
}

impl std::fmt::Display for Exit {
    /// `exit 0`, `exit 127`, `killed by signal 9`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.signal, self.signal_number()) {
            (Some(_), Some(n)) => write!(f, "killed by signal {n}"),
            (Some(signal), None) => write!(f, "killed by {signal}"),
            (None, _) => write!(f, "exit {}", self.code),
        }
    }
}

/// Sent (without blocking) to whoever should redraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Output,
    Exited(Exit),
}

#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    #[error("nothing to run: the command is empty")]
    EmptyCommand,
    #[error("cannot open a pseudo-terminal: {0}")]
    Open(String),
    #[error("cannot start {program}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("cannot resize the terminal: {0}")]
    Resize(String),
    #[error("the program is not reading its input; the keys were dropped")]
    InputFull,
    #[error("the program has ended; it takes no more input")]
    Closed,
}

struct Shared {
    parser: Mutex<vt100::Parser>,
    exit: Mutex<Option<Exit>>,
    /// The reader saw end of file: everything the child wrote is in the parser.
    output_done: AtomicBool,
}

impl Shared {
    /// The parser, its scrollback offset clamped to the screen height: vt100 0.15 (the
    /// version tui-term 0.2 draws) panics reading the screen when the offset exceeds it, and
    /// both new output while scrolled back and a smaller size can push it there.
    fn parser(&self) -> MutexGuard<'_, vt100::Parser> {
        let mut parser = lock(&self.parser);
        let rows = usize::from(parser.screen().size().0);
        if parser.screen().scrollback() > rows {
            parser.set_scrollback(rows);
        }
        parser
    }
}

/// A cheap, shareable view of a session's screen (for drawing it, and for the key encoder's
/// cursor and paste modes). Equal when it is the same session's screen.
#[derive(Clone)]
pub struct ScreenHandle {
    shared: Arc<Shared>,
}

impl ScreenHandle {
    /// Look at the live screen.
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(self.shared.parser().screen())
    }

    /// Look at the screen scrolled back by `lines` (at most one screen: see
    /// [`Session::set_scrollback`]). The offset is a property of the view, so each draw sets
    /// the one it wants.
    pub fn with_scrolled<R>(&self, lines: usize, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        let mut parser = self.shared.parser();
        let rows = usize::from(parser.screen().size().0);
        parser.set_scrollback(lines.min(rows));
        f(parser.screen())
    }

    /// The program asked for application cursor keys (DECCKM).
    pub fn application_cursor(&self) -> bool {
        self.with_screen(|s| s.application_cursor())
    }

    /// The program asked for bracketed paste.
    pub fn bracketed_paste(&self) -> bool {
        self.with_screen(|s| s.bracketed_paste())
    }
}

impl std::fmt::Debug for ScreenHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScreenHandle({:p})", Arc::as_ptr(&self.shared))
    }
}

impl PartialEq for ScreenHandle {
    fn eq(&self, other: &ScreenHandle) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// A running (or finished) program in a pseudo-terminal.
pub struct Session {
    master: Box<dyn MasterPty + Send>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    /// For the SIGKILL that follows an ignored SIGHUP.
    pid: Option<u32>,
    input: SyncSender<Bytes>,
    shared: Arc<Shared>,
    size: (u16, u16),
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("size", &self.size)
            .field("exit", &self.exit())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another holder leaves plain data behind; keep using it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Session {
    /// Start `spec.argv[0]` in a new pseudo-terminal with the minimal environment plus
    /// `spec.env`. `events`, when given, hears about output and the exit.
    pub fn spawn(spec: &Spawn, events: Option<SyncSender<Event>>) -> Result<Session, PtyError> {
        let (program, _) = spec.argv.split_first().ok_or(PtyError::EmptyCommand)?;
        let rows = spec.rows.max(1);
        let cols = spec.cols.max(1);
        let pair = native_pty_system()
            .openpty(pty_size(rows, cols))
            .map_err(|e| PtyError::Open(e.to_string()))?;

        let mut command = CommandBuilder::from_argv(spec.argv.iter().map(Into::into).collect());
        command.env_clear();
        for (k, v) in super::env::current()
            .into_iter()
            .chain(spec.env.iter().cloned())
        {
            command.env(k, v);
        }
        match &spec.cwd {
            Some(dir) => command.cwd(dir),
            None => {
                if let Ok(dir) = std::env::current_dir() {
                    command.cwd(dir);
                }
            }
        }
        let mut child = pair
            .slave
            .spawn_command(command)
            .map_err(|e| PtyError::Spawn {
                program: program.clone(),
                reason: e.to_string(),
            })?;
        // The child holds its own copy; ours would keep the reader from seeing end of file.
        drop(pair.slave);

        let reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| PtyError::Open(e.to_string()))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| PtyError::Open(e.to_string()))?;
        let killer = child.clone_killer();
        let pid = child.process_id();
        let shared = Arc::new(Shared {
            parser: Mutex::new(vt100::Parser::new(rows, cols, spec.scrollback)),
            exit: Mutex::new(None),
            output_done: AtomicBool::new(false),
        });
        let (input, input_rx) = mpsc::sync_channel::<Bytes>(INPUT_QUEUE);

        spawn_thread("oncall-pty-reader", {
            let shared = Arc::clone(&shared);
            let events = events.clone();
            move || read_loop(reader, &shared, events.as_ref())
        });
        spawn_thread("oncall-pty-writer", move || write_loop(writer, input_rx));
        spawn_thread("oncall-pty-wait", {
            let shared = Arc::clone(&shared);
            move || {
                let exit = match child.wait() {
                    Ok(status) => Exit {
                        code: status.exit_code(),
                        signal: status.signal().map(str::to_string),
                    },
                    Err(e) => Exit {
                        code: 1,
                        signal: Some(format!("an unknown end ({e})")),
                    },
                };
                *lock(&shared.exit) = Some(exit.clone());
                if let Some(events) = events {
                    // Blocking: output notices may be dropped (one pending is enough), the
                    // exit may not. Fails only when nobody listens any more.
                    let _ = events.send(Event::Exited(exit));
                }
            }
        });

        Ok(Session {
            master: pair.master,
            killer,
            pid,
            input,
            shared,
            size: (rows, cols),
        })
    }

    /// Queue bytes for the child (already encoded: see `pty::keys`).
    pub fn write(&self, bytes: impl Into<Bytes>) -> Result<(), PtyError> {
        if self.exit().is_some() {
            return Err(PtyError::Closed);
        }
        self.input.try_send(bytes.into()).map_err(|e| match e {
            TrySendError::Full(_) => PtyError::InputFull,
            TrySendError::Disconnected(_) => PtyError::Closed,
        })
    }

    /// Resize both the parser and the PTY (the child gets SIGWINCH). Call with the pane's
    /// inner area on every layout change; unchanged sizes cost nothing.
    pub fn resize(&mut self, rows: u16, cols: u16) -> Result<(), PtyError> {
        let (rows, cols) = (rows.max(1), cols.max(1));
        if (rows, cols) == self.size {
            return Ok(());
        }
        {
            let mut parser = self.shared.parser();
            parser.set_size(rows, cols);
            // A smaller screen must not leave the view scrolled back further than it is tall.
            let back = parser.screen().scrollback().min(usize::from(rows));
            parser.set_scrollback(back);
        }
        self.master
            .resize(pty_size(rows, cols))
            .map_err(|e| PtyError::Resize(e.to_string()))?;
        self.size = (rows, cols);
        Ok(())
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// Kill the child if it is still running: SIGHUP now (a shell or `less` ends cleanly),
    /// SIGKILL to its process group after [`KILL_GRACE`] if it is still alive then. Never
    /// blocks: the grace period is waited out on a thread of its own.
    pub fn kill(&mut self) {
        if self.exit().is_some() {
            return;
        }
        // It may have exited between the check and here; that error means nothing.
        let _ = self.killer.kill();
        #[cfg(unix)]
        if let Some(pid) = self.pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
            let shared = Arc::clone(&self.shared);
            spawn_thread("oncall-pty-kill", move || {
                let step = Duration::from_millis(50);
                let mut waited = Duration::ZERO;
                while waited < KILL_GRACE {
                    if lock(&shared.exit).is_some() {
                        return;
                    }
                    std::thread::sleep(step);
                    waited += step;
                }
                // Until the waiter has reaped it (and set `exit`), the pid is still the
                // child's (a zombie at worst), so this cannot hit a reused pid. The child
                // leads its own session, so its group is its pid.
                if lock(&shared.exit).is_none() {
                    // SAFETY: kill(2) with a pid and a signal number has no memory effects.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
            });
        }
    }

    /// A handle to the screen for drawing it elsewhere (the UI's state).
    pub fn screen_handle(&self) -> ScreenHandle {
        ScreenHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// How the child ended, once it has.
    pub fn exit(&self) -> Option<Exit> {
        lock(&self.shared.exit).clone()
    }

    /// Whether everything the child wrote has been parsed (its side of the PTY is closed).
    pub fn output_done(&self) -> bool {
        self.shared.output_done.load(Ordering::Acquire)
    }

    /// Look at the screen (to draw it, or read its text).
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(self.shared.parser().screen())
    }

    /// The visible text, rows joined by newlines.
    pub fn contents(&self) -> String {
        self.with_screen(|s| s.contents())
    }

    /// Scroll the view back by `lines` (0 shows the live screen). vt100 0.15 (the version
    /// tui-term 0.2 draws) panics when the offset exceeds the screen height, so the view
    /// moves back at most one screen.
    pub fn set_scrollback(&self, lines: usize) {
        let mut parser = self.shared.parser();
        let rows = usize::from(parser.screen().size().0);
        parser.set_scrollback(lines.min(rows));
    }

    pub fn scrollback(&self) -> usize {
        self.with_screen(|s| s.scrollback())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill();
    }
}

fn pty_size(rows: u16, cols: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

fn spawn_thread(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
        // Only under resource exhaustion; the pane then shows no output rather than crashing.
        eprintln!("oncall: cannot start the {name} thread: {e}");
    }
}

fn read_loop(
    mut reader: Box<dyn std::io::Read + Send>,
    shared: &Shared,
    events: Option<&SyncSender<Event>>,
) {
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            // Linux reports the closed slave side as EIO rather than end of file.
            Ok(0) => break,
            Ok(n) => {
                shared.parser().process(&buf[..n]);
                if let Some(events) = events {
                    // A full channel already has a redraw pending.
                    let _ = events.try_send(Event::Output);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    shared.output_done.store(true, Ordering::Release);
}

fn write_loop(mut writer: Box<dyn std::io::Write + Send>, input: Receiver<Bytes>) {
    // Ends when the session (the only sender) is dropped or the child stops reading.
    for bytes in input {
        if writer
            .write_all(&bytes)
            .and_then(|()| writer.flush())
            .is_err()
        {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(rows: u16) -> Shared {
        Shared {
            parser: Mutex::new(vt100::Parser::new(rows, 20, 500)),
            exit: Mutex::new(None),
            output_done: AtomicBool::new(false),
        }
    }

    fn lines(from: usize, to: usize) -> Vec<u8> {
        (from..=to)
            .map(|i| format!("line{i}\r\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn output_while_scrolled_back_is_clamped_before_anyone_reads_the_screen() {
        let shared = shared(6);
        shared.parser().process(&lines(1, 50));
        shared.parser().set_scrollback(6);
        // Each new line moves vt100's offset one further back, past the screen height.
        lock(&shared.parser).process(&lines(51, 250));
        assert!(lock(&shared.parser).screen().scrollback() > 6);
        // Read unclamped, vt100 0.15 panics; through `parser()` it is one screen back.
        let parser = shared.parser();
        assert_eq!(parser.screen().scrollback(), 6);
        assert!(parser.screen().contents().contains("line"));
    }

    #[test]
    fn a_smaller_screen_clamps_the_view_too() {
        let shared = shared(6);
        shared.parser().process(&lines(1, 50));
        shared.parser().set_scrollback(6);
        lock(&shared.parser).set_size(2, 20);
        let handle = ScreenHandle {
            shared: Arc::new(shared),
        };
        handle.with_screen(|s| assert_eq!(s.scrollback(), 2));
        handle.with_scrolled(1000, |s| {
            assert_eq!(s.scrollback(), 2);
            assert!(!s.contents().is_empty());
        });
    }
}
