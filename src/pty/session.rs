//! A child process on a pseudo-terminal, its screen kept by a vt100 parser.
//!
//! Threads, not tasks: the PTY's reads, writes and `wait` all block. The reader feeds the
//! parser, the writer drains a bounded channel (so a flood of keys or a paste cannot grow
//! memory without limit), and the waiter records the exit status. Dropping the session
//! kills the child (SIGHUP, then SIGKILL after [`KILL_GRACE`] if it is still alive).

use std::num::NonZeroU16;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use portable_pty::{native_pty_system, ChildKiller, CommandBuilder, MasterPty, PtySize};

use super::scroll::{Extent, ScrollPos};

/// How many writes may wait for the child before [`Session::write`] refuses more.
const INPUT_QUEUE: usize = 256;
/// Lines kept above the screen for scrolling back: enough for a long `kubectl describe` or
/// a log tail. vt100 trims trailing blanks off a line as it enters the scrollback and keeps
/// 32 bytes per cell, so a full scrollback costs 10,000 x (printed width) x 32 bytes: about
/// 25 MB for 80-column lines, 64 MB if every line filled 200 columns.
pub const DEFAULT_SCROLLBACK: usize = 10_000;
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

/// Counts the lines that fall off the far end of the scrollback, so that lines pushed in
/// can be counted (see [`Extent::pushed`]) even once it is full.
#[derive(Debug, Default)]
struct Dropped(usize);

impl vt100::Callbacks for Dropped {
    fn on_scroll(&mut self, _: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        // The alternate screen (`less`, `top`) keeps no scrollback.
        if !alternate_screen {
            self.0 += 1;
        }
    }
}

type Parser = vt100::Parser<Dropped>;

struct Shared {
    parser: Mutex<Parser>,
    exit: Mutex<Option<Exit>>,
    /// The reader saw end of file: everything the child wrote is in the parser.
    output_done: AtomicBool,
}

impl Shared {
    fn new(rows: u16, cols: u16, scrollback: usize) -> Shared {
        let (rows, cols) = non_zero(rows, cols);
        Shared {
            parser: Mutex::new(Parser::new_with_callbacks(
                rows,
                cols,
                scrollback,
                Dropped::default(),
            )),
            exit: Mutex::new(None),
            output_done: AtomicBool::new(false),
        }
    }

    /// The parser, which the reader thread feeds.
    fn parser(&self) -> MutexGuard<'_, Parser> {
        lock(&self.parser)
    }
}

/// The scrollback's reach. While the alternate screen is up the main screen's scrollback
/// is out of sight and unchanged: then it reads as empty and the view stays live.
fn extent(parser: &Parser) -> Extent {
    let screen = parser.screen();
    let len = screen.scrollback_len();
    Extent {
        pushed: len + parser.callbacks().0,
        len,
    }
}

/// vt100 needs at least one row and column; a pane squeezed to nothing still has a program.
fn non_zero(rows: u16, cols: u16) -> (NonZeroU16, NonZeroU16) {
    (
        NonZeroU16::new(rows).unwrap_or(NonZeroU16::MIN),
        NonZeroU16::new(cols).unwrap_or(NonZeroU16::MIN),
    )
}

/// What a scrolled view shows besides the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scrolled {
    /// Lines back from the live screen (0: live).
    pub back: usize,
    /// Output scrolled by since the user moved there.
    pub new_output_below: bool,
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
        self.with_scrolled(ScrollPos::LIVE, |screen, _| f(screen))
    }

    /// Look at the screen as the view at `pos` shows it. The offset is a property of the
    /// view, not of the session, so each look sets the one it wants (vt100 clamps it to
    /// the scrollback it holds).
    pub fn with_scrolled<R>(
        &self,
        pos: ScrollPos,
        f: impl FnOnce(&vt100::Screen, Scrolled) -> R,
    ) -> R {
        let mut parser = self.shared.parser();
        let pushed = extent(&parser).pushed;
        parser.screen_mut().set_scrollback(pos.offset(pushed));
        let screen = parser.screen();
        let scrolled = Scrolled {
            back: screen.scrollback(),
            new_output_below: pos.new_output_below(pushed),
        };
        f(screen, scrolled)
    }

    /// How far back the scrollback reaches now, to move a [`ScrollPos`] through it.
    pub fn extent(&self) -> Extent {
        extent(&self.shared.parser())
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
        let shared = Arc::new(Shared::new(rows, cols, spec.scrollback));
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
            let (r, c) = non_zero(rows, cols);
            // Rows a shorter screen pushes off the top go into the scrollback (and count
            // as pushed, so a view scrolled back stays on its lines).
            self.shared.parser().set_size(r, c);
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

    /// Look at the live screen (to draw it, or read its text).
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        self.screen_handle().with_screen(f)
    }

    /// The visible text, rows joined by newlines.
    pub fn contents(&self) -> String {
        self.with_screen(|s| s.contents())
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

    fn handle(rows: u16, cols: u16, scrollback: usize) -> ScreenHandle {
        ScreenHandle {
            shared: Arc::new(Shared::new(rows, cols, scrollback)),
        }
    }

    fn feed(handle: &ScreenHandle, from: usize, to: usize) {
        let text: String = (from..=to).map(|i| format!("line{i}\r\n")).collect();
        handle.shared.parser().process(text.as_bytes());
    }

    fn top_line(handle: &ScreenHandle, pos: ScrollPos) -> String {
        handle.with_scrolled(pos, |s, _| s.contents().lines().next().unwrap_or("").into())
    }

    #[test]
    fn pushed_keeps_counting_once_the_scrollback_is_full() {
        let h = handle(5, 20, 100);
        feed(&h, 1, 50);
        // 50 lines and the empty line under the cursor: 46 left a 5-row screen.
        assert_eq!(
            h.extent(),
            Extent {
                pushed: 46,
                len: 46
            }
        );
        feed(&h, 51, 300);
        assert_eq!(
            h.extent(),
            Extent {
                pushed: 296,
                len: 100
            }
        );
    }

    #[test]
    fn new_output_leaves_a_scrolled_view_on_its_lines() {
        let h = handle(5, 20, 1000);
        feed(&h, 1, 50);
        let pos = ScrollPos::LIVE.by(20, h.extent());
        assert_eq!(top_line(&h, pos), "line27");
        feed(&h, 51, 80);
        assert_eq!(top_line(&h, pos), "line27");
        h.with_scrolled(pos, |_, scrolled| {
            assert_eq!(scrolled.back, 50);
            assert!(scrolled.new_output_below);
        });
        assert_eq!(top_line(&h, ScrollPos::LIVE), "line77");
    }

    #[test]
    fn any_offset_at_any_size_reads_without_panicking() {
        let h = handle(6, 20, 500);
        feed(&h, 1, 250);
        for (rows, cols) in [(6, 20), (1, 1), (0, 0), (2, 20), (40, 3), (6, 20)] {
            let (r, c) = non_zero(rows, cols);
            h.shared.parser().set_size(r, c);
            for back in [0, 1, 5, 6, 7, 100, 499, 500, 501, usize::MAX / 2] {
                let pos = ScrollPos::LIVE.by(
                    isize::MAX,
                    Extent {
                        pushed: 0,
                        len: back,
                    },
                );
                h.with_scrolled(pos, |s, scrolled| {
                    assert!(scrolled.back <= s.scrollback_len());
                    let _ = s.contents();
                    let (rows, cols) = s.size();
                    for row in 0..rows.get() {
                        for col in 0..cols.get() {
                            let _ = s.cell(row, col).map(|c| c.contents().to_string());
                        }
                    }
                });
            }
        }
    }
}
