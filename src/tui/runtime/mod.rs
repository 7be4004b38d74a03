//! The event loop: terminal events, worker results and a one-second tick become `Action`s for
//! `App::update`; the `Effect`s it returns are run here. Queries run as tokio tasks under a
//! concurrency cap; a newer request for a panel aborts the older one; results come back on a
//! channel and are drained in batches; a frame is drawn only when something changed, at most
//! one per `FRAME`.
//!
//! The event source is a parameter, so tests drive the real loop with key sequences and a
//! `TestBackend`.

pub mod incident_log;
pub mod link_fetch;
pub mod pane_host;
pub mod runbook_loader;
pub mod terminal;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::AbortHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::action::{Action, ContextInfo, Effect, PanelKey, PanelRequest};
use super::app::App;
use super::state::{FetchError, PanelFetch};
use super::view;
use crate::sources::alertmanager::{AlertQuery, AlertmanagerClient};
use crate::sources::fleet::Fleet;
use crate::sources::pagerduty::{IncidentQuery, OnCallQuery, PagerDutyClient};
use crate::sources::prometheus::PrometheusClient;
use crate::sources::SourceError;

/// At most one frame per this long (~60 fps); input between frames is batched.
pub const FRAME: Duration = Duration::from_millis(16);
/// While panels load, their results alone are drawn at most this often: a load that is
/// over sooner shows in one frame, drawn as its last panel arrives, instead of taking CPU
/// from the load with partial frames; a slow one still fills in as it goes.
pub const LOADING_FRAME: Duration = Duration::from_millis(100);
/// Range queries in flight at once, across the dashboard's panels.
pub const QUERY_CONCURRENCY: usize = 6;

/// The clients of one context.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    pub prometheus: Option<PrometheusClient>,
    pub alertmanagers: Vec<AlertmanagerClient>,
    pub pagerduty: Option<PagerDutyClient>,
}

/// Loads another context's clients for `:context`. Runs on a blocking thread: reading secrets
/// may run a command or ask the keyring.
pub type ContextLoader = Arc<dyn Fn(&str) -> Result<(Clients, ContextInfo), String> + Send + Sync>;

/// What happened during a run, for the performance figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub frames: u64,
    pub panel_requests: u64,
    pub queries: u64,
    pub response_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot draw to the terminal: {0}")]
    Draw(io::Error),
    #[error("cannot read from the terminal: {0}")]
    Input(io::Error),
}

pub struct Runtime<B: Backend> {
    pub app: App,
    pub terminal: Terminal<B>,
    clients: Arc<Clients>,
    tx: mpsc::Sender<Action>,
    rx: mpsc::Receiver<Action>,
    context_tx: mpsc::Sender<Result<(Clients, ContextInfo), String>>,
    context_rx: mpsc::Receiver<Result<(Clients, ContextInfo), String>>,
    context_loader: Option<ContextLoader>,
    /// Per panel: the generation being fetched and the task fetching it.
    in_flight: HashMap<PanelKey, (u64, AbortHandle)>,
    /// Other tasks (alerts, incidents, label values), aborted at exit.
    background: Vec<AbortHandle>,
    /// Each Alertmanager's last alert list, shared by the next decode of its alerts.
    last_alerts: crate::sources::alert_reuse::LastAnswers,
    limiter: Arc<Semaphore>,
    frames: Option<watch::Sender<Buffer>>,
    shutdown: CancellationToken,
    summary: RunSummary,
    clock: fn() -> i64,
    /// Where OSC 52 copies and notifications go; `None` is the terminal (stdout).
    clipboard: Option<ClipboardSink>,
    /// The incident log the UI's writes go to; `None` is the default location (the data
    /// dir or `ONCALL_DATA_DIR`).
    journal: Option<crate::journal::Journal>,
    /// The embedded terminal pane's program.
    pane: pane_host::PaneHost,
}

/// Receives the bytes of an OSC 52 sequence or a notification (tests capture them here).
pub type ClipboardSink = Box<dyn FnMut(&[u8]) -> io::Result<()> + Send>;

/// Unix time in milliseconds from the system clock.
pub fn system_now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl<B: Backend> Runtime<B> {
    pub fn new(app: App, clients: Clients, terminal: Terminal<B>) -> Runtime<B> {
        // Bounded: a burst of results waits for the loop rather than growing memory.
        let (tx, rx) = mpsc::channel(256);
        let (context_tx, context_rx) = mpsc::channel(4);
        Runtime {
            app,
            terminal,
            clients: Arc::new(clients),
            tx: tx.clone(),
            rx,
            context_tx,
            context_rx,
            context_loader: None,
            in_flight: HashMap::new(),
            background: Vec::new(),
            last_alerts: Default::default(),
            limiter: Arc::new(Semaphore::new(QUERY_CONCURRENCY)),
            frames: None,
            shutdown: CancellationToken::new(),
            summary: RunSummary::default(),
            clock: system_now_ms,
            clipboard: None,
            journal: None,
            pane: pane_host::PaneHost::new(tx.clone()),
        }
    }

    /// Every drawn frame is also sent here (tests read the screen through it).
    pub fn with_frames(mut self, frames: watch::Sender<Buffer>) -> Self {
        self.frames = Some(frames);
        self
    }

    pub fn with_context_loader(mut self, loader: ContextLoader) -> Self {
        self.context_loader = Some(loader);
        self
    }

    /// Send OSC 52 copies here instead of the terminal.
    pub fn with_clipboard(mut self, sink: ClipboardSink) -> Self {
        self.clipboard = Some(sink);
        self
    }

    /// Append the UI's writes to this incident log instead of the default one.
    pub fn with_journal(mut self, journal: crate::journal::Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Cancelling this token ends the loop as if the user quit (SIGTERM, SIGHUP).
    pub fn with_shutdown(mut self, token: CancellationToken) -> Self {
        self.shutdown = token;
        self
    }

    /// Run until the user quits, the event stream ends, or shutdown is requested.
    pub async fn run<S>(&mut self, mut events: S) -> Result<RunSummary, RuntimeError>
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        if let Ok(size) = self.terminal.size() {
            let now = (self.clock)();
            self.app.update(
                Action::Resize {
                    width: size.width,
                    height: size.height,
                },
                now,
            );
        }
        let effects = self.app.start((self.clock)());
        self.execute(effects);
        self.draw()?;
        let mut last_frame = Instant::now();
        // Tick on whole seconds so the clock changes when the second does.
        let into_second = Duration::from_millis(1000 - ((self.clock)().rem_euclid(1000)) as u64);
        let mut tick =
            tokio::time::interval_at(Instant::now() + into_second, Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut batch: Vec<Action> = Vec::with_capacity(64);
        let mut render_at: Option<Instant> = None;
        // Something besides panel results (a key, the clock, the pane) waits to be drawn.
        let mut urgent = false;
        let shutdown = self.shutdown.clone();
        loop {
            let fetching = !self.in_flight.is_empty();
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                event = events.next() => match event {
                    Some(Ok(event)) => {
                        if let Some(action) = translate(event) {
                            urgent = true;
                            self.dispatch(action);
                        }
                    }
                    Some(Err(e)) => {
                        self.stop_all();
                        return Err(RuntimeError::Input(e));
                    }
                    // No more input (a closed terminal): nothing more can be asked of us.
                    None => break,
                },
                n = self.rx.recv_many(&mut batch, 64) => {
                    if n == 0 {
                        break;
                    }
                    for action in batch.drain(..) {
                        urgent |= !matches!(action, Action::PanelData { .. });
                        self.dispatch(action);
                    }
                }
                Some(switched) = self.context_rx.recv() => {
                    urgent = true;
                    self.context_switched(switched);
                }
                _ = tick.tick() => {
                    urgent = true;
                    self.dispatch(Action::Tick);
                }
                _ = sleep_until(render_at), if render_at.is_some() => {
                    render_at = None;
                    urgent = false;
                    self.draw()?;
                    last_frame = Instant::now();
                }
            }
            // Whatever else arrived meanwhile goes into the same frame.
            while let Ok(action) = self.rx.try_recv() {
                urgent |= !matches!(action, Action::PanelData { .. });
                self.dispatch(action);
            }
            if self.app.quit {
                break;
            }
            if self.app.dirty {
                let loading = !self.in_flight.is_empty();
                let due = last_frame + frame_pace(fetching && !loading, loading, urgent);
                if Instant::now() >= due {
                    render_at = None;
                    urgent = false;
                    self.draw()?;
                    last_frame = Instant::now();
                } else {
                    // A key after partial results must not wait for the slower slot.
                    render_at = Some(render_at.map_or(due, |at| at.min(due)));
                }
            }
        }
        self.stop_all();
        Ok(self.summary)
    }

    fn draw(&mut self) -> Result<(), RuntimeError> {
        // This frame shows all the pane's output so far.
        self.pane.frame_drawn();
        let app = &self.app;
        let frame = self
            .terminal
            .draw(|f| view::draw(f, app))
            // Each backend has its own error type; the terminal's is an io::Error.
            .map_err(|e| RuntimeError::Draw(io::Error::other(e.to_string())))?;
        if let Some(frames) = &self.frames {
            let _ = frames.send(frame.buffer.clone());
        }
        self.app.dirty = false;
        self.summary.frames += 1;
        Ok(())
    }

    fn dispatch(&mut self, action: Action) {
        if let Action::PanelData {
            key,
            generation,
            result,
        } = &action
        {
            if self
                .in_flight
                .get(key)
                .is_some_and(|(g, _)| g == generation)
            {
                self.in_flight.remove(key);
            }
            if let Ok(fetch) = result {
                self.summary.response_bytes += fetch.bytes as u64;
            }
        }
        let effects = self.app.update(action, (self.clock)());
        self.execute(effects);
    }

    /// Run effects as `update` returned them (tests start a confirmed runbook step this way).
    pub fn execute(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::FetchPanel(request) => self.fetch_panel(request),
                Effect::CancelDashboard(d) => {
                    self.in_flight.retain(|key, (_, task)| {
                        if key.dashboard == d {
                            task.abort();
                            false
                        } else {
                            true
                        }
                    });
                }
                Effect::FetchAlerts { generation } => self.fetch_alerts(generation),
                Effect::FetchIncidents { generation } => self.fetch_incidents(generation),
                Effect::FetchRouteTree { generation } => {
                    let clients = self.clients.clone();
                    let tx = self.tx.clone();
                    let task = tokio::spawn(async move {
                        let result =
                            crate::sources::alertmanager::first_route_tree(&clients.alertmanagers)
                                .await
                                .map_err(|e| e.to_string());
                        let _ = tx.send(Action::RouteTree { generation, result }).await;
                    });
                    self.keep(task.abort_handle());
                }
                Effect::FetchIncidentAlerts { id, incidents } => {
                    let Some(pagerduty) = self.clients.pagerduty.clone() else {
                        continue;
                    };
                    let tx = self.tx.clone();
                    let task = tokio::spawn(async move {
                        let result = link_fetch::incident_alerts(&pagerduty, &incidents).await;
                        let _ = tx.send(Action::IncidentAlerts { id, result }).await;
                    });
                    self.keep(task.abort_handle());
                }
                Effect::FetchIncidentDetail { incident } => {
                    let Some(pagerduty) = self.clients.pagerduty.clone() else {
                        continue;
                    };
                    let tx = self.tx.clone();
                    let task = tokio::spawn(async move {
                        let detail = link_fetch::incident_detail(&pagerduty, &incident).await;
                        let _ = tx.send(Action::IncidentDetail { incident, detail }).await;
                    });
                    self.keep(task.abort_handle());
                }
                Effect::FetchLabelValues {
                    dashboard,
                    variable,
                    label,
                    selector,
                    start_ms,
                    end_ms,
                } => {
                    let Some(prometheus) = self.clients.prometheus.clone() else {
                        continue;
                    };
                    let tx = self.tx.clone();
                    let task = tokio::spawn(async move {
                        let matchers: Vec<String> = selector.into_iter().collect();
                        let result = prometheus
                            .label_values(&label, &matchers, Some(start_ms), Some(end_ms))
                            .await
                            .map(|a| a.data)
                            .map_err(|e| FetchError::from_source(&e));
                        let _ = tx
                            .send(Action::LabelValues {
                                dashboard,
                                variable,
                                result,
                            })
                            .await;
                    });
                    self.keep(task.abort_handle());
                }
                Effect::SwitchContext(name) => {
                    let Some(loader) = self.context_loader.clone() else {
                        let _ = self
                            .context_tx
                            .try_send(Err("switching contexts is not available here".into()));
                        continue;
                    };
                    let tx = self.context_tx.clone();
                    tokio::spawn(async move {
                        let result = tokio::task::spawn_blocking(move || loader(&name))
                            .await
                            .unwrap_or_else(|e| Err(format!("loading the context failed: {e}")));
                        let _ = tx.send(result).await;
                    });
                }
                Effect::Write { id, write, detail } => {
                    let writer = crate::writes::Writer {
                        fleet: Fleet::from_clients(self.clients.alertmanagers.clone()),
                        pagerduty: self.clients.pagerduty.clone(),
                    };
                    let tx = self.tx.clone();
                    // Captured now, like the write itself.
                    let user = self.app.prefs.author.clone();
                    let context = self.app.context.name.clone();
                    let journal = self.journal.clone();
                    // Writes are not aborted with the background reads: once sent, the answer
                    // must be shown.
                    tokio::spawn(async move {
                        let news = tx.clone();
                        let progress = move |text: String| {
                            let _ = news.try_send(Action::WriteProgress { id, text });
                        };
                        let result = crate::writes::run(&writer, &write, &progress).await;
                        // What was changed goes to the incident log (`oncall log`).
                        let journal_error = match &result {
                            Ok(written) => {
                                let entries = crate::writes::log::entries(
                                    &write, written, &detail, &user, &context,
                                );
                                tokio::task::spawn_blocking(move || {
                                    incident_log::append(journal.as_ref(), &entries)
                                })
                                .await
                                .unwrap_or_else(|e| Err(format!("the incident log: {e}")))
                                .err()
                            }
                            Err(_) => None,
                        };
                        let _ = tx
                            .send(Action::Written {
                                id,
                                result,
                                journal_error,
                            })
                            .await;
                    });
                }
                Effect::Copy(text) => {
                    let bytes = terminal::osc52(&text);
                    if let Err(e) = self.write_sequence(&bytes) {
                        // State changes only in `update`: the failure goes back as an action.
                        self.dispatch(Action::EffectFailed(format!(
                            "could not copy to the clipboard: {e}"
                        )));
                    }
                }
                Effect::Notify(text) => {
                    let bytes = terminal::notification(self.app.prefs.notify, &text);
                    // A bell that cannot be rung is not worth a message over the status line.
                    if let Some(bytes) = bytes {
                        let _ = self.write_sequence(&bytes);
                    }
                }
                // `app.quit` ends the loop.
                effect @ (Effect::RunInPane(_)
                | Effect::PaneInput(_)
                | Effect::PaneResize { .. }
                | Effect::PaneKill
                | Effect::PaneClose) => {
                    let ctx = pane_host::PaneContext {
                        user: self.app.prefs.author.clone(),
                        context: self.app.context.name.clone(),
                        journal: self.journal.clone(),
                        clock: self.clock,
                    };
                    let size = self.app.pane_inner_size();
                    if let Some(event) = self.pane.execute(effect, size, &ctx) {
                        self.dispatch(Action::Pane(event));
                    }
                }
                Effect::LoadRunbook {
                    generation,
                    alertname,
                    annotations,
                    ..
                } => {
                    let lookup = self.app.prefs.runbook_lookup();
                    let tx = self.tx.clone();
                    self.keep(runbook_loader::spawn(
                        generation,
                        alertname,
                        annotations,
                        lookup,
                        tx,
                    ));
                }
                Effect::Quit => {}
            }
        }
    }

    fn keep(&mut self, task: AbortHandle) {
        self.background.retain(|t| !t.is_finished());
        self.background.push(task);
    }

    fn fetch_panel(&mut self, request: PanelRequest) {
        let key = request.key;
        if let Some((_, old)) = self.in_flight.remove(&key) {
            // The newest request for a panel wins.
            old.abort();
        }
        let Some(prometheus) = self.clients.prometheus.clone() else {
            return;
        };
        self.summary.panel_requests += 1;
        self.summary.queries += request.queries.len() as u64;
        let limiter = self.limiter.clone();
        let tx = self.tx.clone();
        let generation = request.generation;
        let task = tokio::spawn(async move {
            let result = run_panel(&prometheus, &limiter, &request).await;
            let _ = tx
                .send(Action::PanelData {
                    key,
                    generation,
                    result,
                })
                .await;
        });
        self.in_flight
            .insert(key, (generation, task.abort_handle()));
    }

    /// Write an escape sequence (OSC 52, a bell, OSC 9/777) to the terminal, or to the sink
    /// given with `with_clipboard`.
    fn write_sequence(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.clipboard.as_mut() {
            Some(sink) => sink(bytes),
            None => {
                let mut out = io::stdout().lock();
                io::Write::write_all(&mut out, bytes).and_then(|()| io::Write::flush(&mut out))
            }
        }
    }

    fn fetch_alerts(&mut self, generation: u64) {
        let clients = self.clients.clone();
        if let Some(prometheus) = clients.prometheus.clone() {
            let tx = self.tx.clone();
            let task = tokio::spawn(async move {
                let result = prometheus
                    .alerts()
                    .await
                    .map(|a| a.data)
                    .map_err(|e| FetchError::from_source(&e));
                let _ = tx.send(Action::PendingAlerts { generation, result }).await;
            });
            self.keep(task.abort_handle());
        }
        for (source, client) in clients.alertmanagers.iter().enumerate() {
            let client = client.clone();
            let tx = self.tx.clone();
            let last_alerts = self.last_alerts.clone();
            let task = tokio::spawn(async move {
                let query = AlertQuery::default();
                // Decoded against the last answer: unchanged alerts are not copied again.
                let held = last_alerts.take(source);
                let (alerts, silences) =
                    tokio::join!(client.alerts_reusing(&query, &held), client.silences(&[]));
                match &alerts {
                    Ok(fresh) => last_alerts.put(source, fresh.clone()),
                    Err(_) => last_alerts.put(source, held),
                }
                let result = alerts.map_err(|e| FetchError::from_source(&e));
                let _ = tx
                    .send(Action::Alerts {
                        source,
                        generation,
                        result,
                    })
                    .await;
                let result = silences.map_err(|e| FetchError::from_source(&e));
                let _ = tx
                    .send(Action::Silences {
                        source,
                        generation,
                        result,
                    })
                    .await;
            });
            self.keep(task.abort_handle());
        }
    }

    fn fetch_incidents(&mut self, generation: u64) {
        let Some(client): Option<PagerDutyClient> = self.clients.pagerduty.clone() else {
            return;
        };
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            let result = client
                .incidents(&IncidentQuery::open())
                .await
                .map(|page| page.incidents)
                .map_err(|e| FetchError::from_source(&e));
            let _ = tx.send(Action::Incidents { generation, result }).await;
            let query = OnCallQuery {
                escalation_policy_ids: Vec::new(),
                earliest: true,
            };
            let result = client
                .oncalls(&query)
                .await
                .map_err(|e| FetchError::from_source(&e));
            let _ = tx.send(Action::OnCalls { generation, result }).await;
            let result = client.me().await.map_err(|e| FetchError::from_source(&e));
            let _ = tx.send(Action::Me { generation, result }).await;
        });
        self.keep(task.abort_handle());
    }

    fn context_switched(&mut self, result: Result<(Clients, ContextInfo), String>) {
        let result = result.map(|(clients, info)| {
            // Nothing in flight may land in the new context.
            self.stop_all();
            self.last_alerts.clear();
            self.clients = Arc::new(clients);
            info
        });
        self.dispatch(Action::ContextSwitched(result));
    }

    fn stop_all(&mut self) {
        for (_, (_, task)) in self.in_flight.drain() {
            task.abort();
        }
        for task in self.background.drain(..) {
            task.abort();
        }
    }
}

impl<B: Backend> Drop for Runtime<B> {
    fn drop(&mut self) {
        self.stop_all();
    }
}

pub use crate::dashboards::{PANEL_MAX_BODY, PANEL_MAX_SERIES};

/// A panel's failure, with the fix for an answer too large to draw.
fn panel_error(e: &SourceError) -> FetchError {
    match e {
        SourceError::TooLarge { limit, .. } => FetchError {
            short: format!(
                "answer over {} MiB: aggregate the query (sum by, topk)",
                limit / (1024 * 1024)
            ),
            full: crate::sanitize::one_line(&e.to_string()),
            backend_down: false,
        },
        other => FetchError::from_source(other),
    }
}

/// A panel's queries, in parallel under the shared cap. Any failure fails the panel (a panel
/// with half its series would mislead); the first error is the one shown.
async fn run_panel(
    prometheus: &PrometheusClient,
    limiter: &Semaphore,
    request: &PanelRequest,
) -> Result<PanelFetch, FetchError> {
    let answers = futures::future::join_all(request.queries.iter().map(|q| async move {
        let _permit = limiter
            .acquire()
            .await
            .map_err(|_| FetchError::other("shutting down"))?;
        prometheus
            .query_range_top::<PANEL_MAX_SERIES>(q, PANEL_MAX_BODY)
            .await
            .map_err(|e| panel_error(&e))
    }))
    .await;
    let mut fetch = PanelFetch {
        window: request.window,
        tail_from_ms: request.tail_from_ms,
        exprs: request.queries.iter().map(|q| q.expr.clone()).collect(),
        per_query: Vec::with_capacity(answers.len()),
        warnings: Vec::new(),
        bytes: 0,
    };
    // Per expression: the grid and the newest point of one query are the same series.
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (answer, q) in answers.into_iter().zip(&request.queries) {
        let answer = answer?;
        fetch.bytes += answer.bytes;
        fetch
            .warnings
            .extend(answer.warnings.iter().map(|w| crate::sanitize::one_line(w)));
        let c = counts.entry(q.expr.as_str()).or_default();
        *c = (
            c.0.max(answer.data.series.len()),
            c.1.max(answer.data.total),
        );
        fetch.per_query.push(answer.data.series);
    }
    let (shown, total) = counts
        .values()
        .fold((0, 0), |(s, t), (cs, ct)| (s + cs, t + ct));
    if shown < total {
        // First, so the panel's frame shows it.
        fetch.warnings.insert(
            0,
            format!(
                "showing {shown} of {total} series (highest now); narrow the query to see others"
            ),
        );
    }
    Ok(fetch)
}

/// How long after the last frame the next may be drawn. The frame that shows the last panel
/// of a load is the one the user waits for: it is drawn at once, not at the next frame slot
/// (once per load, so frames stay capped). Panel results mid-load wait for the slower
/// `LOADING_FRAME`, unless something `urgent` (a key, the clock, the pane) is to be drawn.
fn frame_pace(load_finished: bool, loading: bool, urgent: bool) -> Duration {
    if load_finished {
        Duration::ZERO
    } else if loading && !urgent {
        LOADING_FRAME
    } else {
        FRAME
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Terminal events the app cares about.
fn translate(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Action::Key(key)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        Event::Paste(text) => Some(Action::Paste(text)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use ratatui::backend::TestBackend;

    use super::*;
    use crate::tui::app::AppOptions;

    #[test]
    fn the_last_panel_of_a_load_is_drawn_at_once_and_keys_never_wait_for_a_load() {
        assert_eq!(frame_pace(true, false, false), Duration::ZERO);
        assert_eq!(frame_pace(false, true, false), LOADING_FRAME);
        assert_eq!(frame_pace(false, true, true), FRAME, "a key during a load");
        assert_eq!(frame_pace(false, false, false), FRAME);
        assert_eq!(frame_pace(false, false, true), FRAME);
    }

    #[test]
    fn a_copy_effect_writes_one_osc52_sequence() {
        let context = ContextInfo {
            name: "test".into(),
            prometheus: false,
            alertmanagers: vec![],
            pagerduty: false,
            insecure: vec![],
        };
        let clients = Clients {
            prometheus: None,
            alertmanagers: vec![],
            pagerduty: None,
        };
        let terminal = Terminal::new(TestBackend::new(40, 10)).expect("terminal");
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        let mut runtime = Runtime::new(
            App::new(AppOptions::new(Vec::new(), context)),
            clients,
            terminal,
        )
        .with_clipboard(Box::new(move |bytes: &[u8]| {
            sink.lock()
                .map(|mut g| g.extend_from_slice(bytes))
                .map_err(|e| io::Error::other(e.to_string()))
        }));
        runtime.execute(vec![Effect::Copy("https://x/P1\x07".into())]);
        let got = got.lock().expect("lock").clone();
        assert_eq!(got, super::terminal::osc52("https://x/P1"));
        assert!(got.starts_with(b"\x1b]52;c;") && got.ends_with(b"\x07"));
    }

    #[test]
    fn a_notify_effect_writes_the_configured_sequence_and_off_writes_nothing() {
        use crate::config::NotifyMode;
        let got = Arc::new(Mutex::new(Vec::new()));
        let runtime_with = |mode: NotifyMode| {
            let mut opts = AppOptions::new(Vec::new(), ContextInfo::default());
            opts.prefs.notify = mode;
            let terminal = Terminal::new(TestBackend::new(40, 10)).expect("terminal");
            let sink = got.clone();
            Runtime::new(App::new(opts), Clients::default(), terminal).with_clipboard(Box::new(
                move |bytes: &[u8]| {
                    sink.lock()
                        .map(|mut g| g.extend_from_slice(bytes))
                        .map_err(|e| io::Error::other(e.to_string()))
                },
            ))
        };
        let hostile = "2 new critical alerts: Disk\x1b]0;pwned\x07Full; X";
        for mode in [NotifyMode::Bell, NotifyMode::Osc9, NotifyMode::Osc777] {
            got.lock().expect("lock").clear();
            runtime_with(mode).execute(vec![Effect::Notify(hostile.into())]);
            let bytes = got.lock().expect("lock").clone();
            assert_eq!(
                Some(bytes.clone()),
                super::terminal::notification(mode, hostile),
                "{mode:?}"
            );
            assert_eq!(bytes.iter().filter(|b| **b == 0x07).count(), 1, "{mode:?}");
        }
        let osc777 = {
            got.lock().expect("lock").clear();
            runtime_with(NotifyMode::Osc777).execute(vec![Effect::Notify(
                "1 new critical alert: DiskFull".into(),
            )]);
            got.lock().expect("lock").clone()
        };
        assert_eq!(
            osc777,
            b"\x1b]777;notify;oncall;1 new critical alert: DiskFull\x07"
        );
        got.lock().expect("lock").clear();
        runtime_with(NotifyMode::Off).execute(vec![Effect::Notify("x".into())]);
        assert!(got.lock().expect("lock").is_empty());
    }
}

#[cfg(test)]
mod panel_tests {
    use std::time::Duration;

    use super::*;
    use crate::sources::prometheus::RangeQuery;
    use crate::sources::test_server::{Reply, TestServer};
    use crate::sources::Endpoint;

    fn matrix(series: usize) -> String {
        let result: Vec<String> = (0..series)
            .map(|i| {
                format!(
                    r#"{{"metric":{{"instance":"node-{i}"}},"values":[[1700000000,"{i}"],[1700000060,"{i}"]]}}"#
                )
            })
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
            result.join(",")
        )
    }

    fn request() -> PanelRequest {
        PanelRequest {
            key: PanelKey {
                dashboard: 0,
                panel: 0,
            },
            generation: 1,
            window: crate::dashboards::plan::RangeWindow {
                start_ms: 1_700_000_000_000,
                end_ms: 1_700_000_060_000,
                step_ms: 60_000,
            },
            tail_from_ms: None,
            queries: vec![RangeQuery {
                expr: "up".into(),
                start_ms: 1_700_000_000_000,
                end_ms: 1_700_000_060_000,
                step_ms: 60_000,
            }],
        }
    }

    async fn fetch_panel(body: String) -> Result<PanelFetch, FetchError> {
        let server =
            TestServer::start(Duration::ZERO, move |_| Reply::json(200, body.clone())).await;
        let client = PrometheusClient::new(Endpoint::new(server.url.clone())).unwrap();
        run_panel(&client, &Semaphore::new(4), &request()).await
    }

    #[tokio::test]
    async fn a_panel_keeps_the_top_series_and_says_how_many_it_had() {
        let fetch = fetch_panel(matrix(300)).await.unwrap();
        assert_eq!(fetch.per_query[0].len(), PANEL_MAX_SERIES);
        assert_eq!(
            fetch.warnings[0],
            "showing 50 of 300 series (highest now); narrow the query to see others"
        );
        // The highest values now: node-250..node-299.
        assert!(fetch.per_query[0].iter().all(|s| s.labels["instance"]
            .trim_start_matches("node-")
            .parse::<usize>()
            .unwrap()
            >= 250));
        assert!(fetch_panel(matrix(10)).await.unwrap().warnings.is_empty());
    }

    #[tokio::test]
    async fn an_answer_bigger_than_a_panel_can_draw_is_refused_unread() {
        // About 20 MB of series.
        let e = fetch_panel(matrix(230_000)).await.unwrap_err();
        assert!(e.short.contains("answer over 8 MiB"), "{}", e.short);
        assert!(e.short.contains("aggregate"), "{}", e.short);
        assert!(
            !e.backend_down,
            "Prometheus answered; the query is what is too big"
        );
    }
}
