//! The real `Runtime` driven from outside: key events go in through a channel, as from a
//! terminal, and every frame it draws comes out through `with_frames`. One home for the
//! wiring, the key helpers and the waits every runtime test needs.

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use oncall::tui::app::App;
use oncall::tui::runtime::{Clients, RunSummary, Runtime, RuntimeError};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a wait for the screen may take before the test fails. Generous: the machine is
/// shared and the tests never assert on timing.
pub const SCREEN_WAIT: Duration = Duration::from_secs(30);

/// What the runtime reads its terminal events from.
pub type Keys = UnboundedReceiver<io::Result<Event>>;

/// The runtime's loop, spawned by `spawn`.
pub type Task = JoinHandle<Result<RunSummary, RuntimeError>>;

/// A keyboard into a running `Runtime` and the frames it draws.
pub struct Screen {
    keys: UnboundedSender<io::Result<Event>>,
    frames: watch::Receiver<Buffer>,
}

/// The real runtime over `app` and `clients`, drawing at the app's size into a test backend
/// and publishing each frame to the returned `Screen`. Run it with `runtime.run(keys)`; add
/// a journal, a context loader or first effects before that.
pub fn attach(app: App, clients: Clients) -> (Runtime<TestBackend>, Screen, Keys) {
    let (width, height) = (app.width, app.height);
    let (keys_tx, keys) = unbounded();
    let (frames_tx, frames) = watch::channel(Buffer::empty(Rect::new(0, 0, width, height)));
    let terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let runtime = Runtime::new(app, clients, terminal).with_frames(frames_tx);
    let screen = Screen {
        keys: keys_tx,
        frames,
    };
    (runtime, screen, keys)
}

/// Run `runtime`'s loop on the current tokio runtime until it quits or `keys` ends.
pub fn spawn(mut runtime: Runtime<TestBackend>, keys: Keys) -> Task {
    tokio::spawn(async move { runtime.run(keys).await })
}

/// A buffer as plain text, one line per row.
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

impl Screen {
    /// Any terminal event (a resize, a paste), as the terminal would send it.
    pub fn event(&self, event: Event) {
        // A send fails only once the loop has ended; the next wait then says what was missed.
        let _ = self.keys.unbounded_send(Ok(event));
    }

    pub fn key(&self, code: KeyCode, modifiers: KeyModifiers) {
        self.event(Event::Key(KeyEvent::new(code, modifiers)));
    }

    /// A key with no modifier.
    pub fn press(&self, code: KeyCode) {
        self.key(code, KeyModifiers::NONE);
    }

    /// Each character of `text` as its own key press.
    pub fn typed(&self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// The last frame drawn, as text.
    pub fn text(&self) -> String {
        buffer_text(&self.frames.borrow())
    }

    /// Wait until a drawn frame satisfies `pred`; fail with the screen if none does within
    /// `SCREEN_WAIT`.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_for_within(what, SCREEN_WAIT, pred).await
    }

    pub async fn wait_for_within(
        &self,
        what: &str,
        limit: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        // A receiver of our own, so waiting needs no `&mut self` and a blocking caller can
        // share the screen.
        let mut frames = self.frames.clone();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let text = buffer_text(&frames.borrow_and_update());
            if pred(&text) {
                return text;
            }
            match tokio::time::timeout_at(deadline, frames.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("the runtime stopped before {what}; the screen was:\n{text}"),
                Err(_) => panic!("never saw {what}; the screen was:\n{text}"),
            }
        }
    }

    /// Press `q` and wait for the loop to end; it must have drawn.
    pub async fn quit(&self, task: Task) -> RunSummary {
        self.press(KeyCode::Char('q'));
        let summary = tokio::time::timeout(SCREEN_WAIT, task)
            .await
            .expect("quit ends the loop")
            .expect("task")
            .expect("runtime ok");
        assert!(summary.frames > 0);
        summary
    }
}

/// The real runtime on a tokio runtime of its own, for plain `#[test]`s that block on
/// harness calls while the UI keeps running; its incident log is in a temp dir.
pub struct Background {
    pub screen: Screen,
    // Dropped before the temp dir, so nothing writes to the log once it is deleted.
    rt: tokio::runtime::Runtime,
    journal: tempfile::TempDir,
}

impl Background {
    pub fn start(app: App, clients: Clients) -> Background {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let journal = tempfile::tempdir().expect("a temp dir for the incident log");
        let (runtime, screen, keys) = attach(app, clients);
        let mut runtime = runtime.with_journal(oncall::journal::Journal::at(
            journal.path().join(oncall::journal::FILE_NAME),
        ));
        rt.spawn(async move { runtime.run(keys).await });
        Background {
            screen,
            rt,
            journal,
        }
    }

    /// `Screen::wait_for`, blocking the test's thread.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.rt.block_on(self.screen.wait_for(what, pred))
    }

    /// The incident log's entries, one JSON object per line.
    pub fn journal(&self) -> Vec<serde_json::Value> {
        let path = self.journal.path().join(oncall::journal::FILE_NAME);
        std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON entry per line"))
            .collect()
    }
}
