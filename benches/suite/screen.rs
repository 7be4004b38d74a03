//! Figures that drive the real TUI off-screen: (1) time to the first complete dashboard
//! against the same queries fired in parallel by a bare HTTP client, (4) bytes written to the
//! terminal per refresh, (6) render time per frame.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use oncall::dashboards::load_embedded;
use oncall::sources::prometheus::{PrometheusClient, RangeQuery};
use oncall::sources::Endpoint;
use oncall::tui::action::ContextInfo;
use oncall::tui::app::dashboard::range_queries;
use oncall::tui::app::{App, AppOptions, View};
use oncall::tui::runtime::{Clients, RunSummary, Runtime, QUERY_CONCURRENCY};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub const DASHBOARD: &str = "application-performance";
const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;

pub struct FirstDashboard {
    /// Median over the repetitions.
    pub oncall: Duration,
    pub bare: Duration,
    /// The bare client held to the runtime's cap on queries in flight.
    pub bare_capped: Duration,
    /// Per repetition, oncall's time over the bare client's (uncapped, capped) in the same
    /// repetition, sorted: pairs measured back to back share the machine's load of the moment.
    pub ratios: Vec<f64>,
    pub ratios_capped: Vec<f64>,
    /// oncall's times, sorted (for the spread).
    pub oncall_runs: Vec<Duration>,
    /// The same queries through oncall's own client (decoded into series), under the
    /// runtime's cap but without the runtime: what the runtime adds is `oncall` less this.
    pub client: Duration,
    /// Of `oncall`: building the app (dashboards, keymap and themes parsed).
    pub setup: Duration,
    /// Of `oncall`: until the first frame (every panel loading) was drawn.
    pub first_frame: Duration,
    /// Frames drawn in a run (median), the first and the complete one included.
    pub frames: u64,
    pub queries: usize,
    pub response_bytes: u64,
    /// The app as the last run left it, with every panel's data (for figures 4 and 6).
    pub app: App,
}

fn new_app(width: u16, height: u16) -> App {
    let loaded = load_embedded();
    let start = loaded
        .dashboards
        .iter()
        .position(|d| d.id == DASHBOARD)
        .expect("the embedded dashboards include application-performance");
    let context = ContextInfo {
        name: "bench".into(),
        prometheus: true,
        alertmanagers: vec![],
        pagerduty: false,
        insecure: vec![],
    };
    let mut opts = AppOptions::new(loaded.dashboards, context);
    opts.start_dashboard = start;
    opts.range = Some(Duration::from_secs(3600));
    opts.width = width;
    opts.height = height;
    App::new(opts)
}

fn screen_text(buffer: &Buffer) -> String {
    buffer.content().iter().map(|c| c.symbol()).collect()
}

/// One run of the real runtime until no panel is loading; the elapsed time, the part of it
/// spent building the app, the run's summary and the app with its data.
/// The setup part is `App::new`: parsing the embedded dashboards, keymap and themes.
struct OncallRun {
    elapsed: Duration,
    setup: Duration,
    /// When the first frame (every panel loading) was drawn.
    first_frame: Duration,
    summary: RunSummary,
    app: App,
}

async fn oncall_once(prom_url: &str) -> OncallRun {
    let clients = Clients {
        prometheus: Some(
            PrometheusClient::new(Endpoint::parse(prom_url).expect("url")).expect("client"),
        ),
        ..Clients::default()
    };
    let (frames_tx, mut frames) = watch::channel(Buffer::empty(Rect::new(0, 0, WIDTH, HEIGHT)));
    let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let app = new_app(WIDTH, HEIGHT);
    let setup = started.elapsed();
    let mut runtime = Runtime::new(app, clients, terminal)
        .with_frames(frames_tx)
        .with_shutdown(shutdown.clone());
    let task = tokio::spawn(async move {
        let events = futures::stream::pending::<io::Result<Event>>();
        let result = runtime.run(events).await;
        (result, runtime)
    });
    let mut first_frame = None;
    let elapsed = loop {
        frames.changed().await.expect("the runtime draws");
        let text = screen_text(&frames.borrow_and_update());
        first_frame.get_or_insert_with(|| started.elapsed());
        if !text.contains("loading") {
            break started.elapsed();
        }
    };
    shutdown.cancel();
    let (result, runtime) = task.await.expect("runtime task");
    OncallRun {
        elapsed,
        setup,
        first_frame: first_frame.unwrap_or(elapsed),
        summary: result.expect("the runtime ran"),
        app: runtime.app.clone(),
    }
}

/// The range queries the app's dashboard holds data for, each over its full window: the ones
/// its first load made (the step grid, then the newest point).
fn queries_of(app: &App) -> Vec<RangeQuery> {
    let d = app.active().expect("a dashboard is shown");
    d.panels
        .iter()
        .filter_map(|p| p.data.as_ref())
        .flat_map(|data| range_queries(&data.exprs, &data.window, data.window.start_ms))
        .collect()
}

/// The same queries fired by a bare reqwest client, at most `in_flight` at once; the time until
/// every body has been read.
async fn bare_once(prom_url: &str, queries: &[RangeQuery], in_flight: usize) -> Duration {
    let http = reqwest::Client::new();
    let url = format!("{prom_url}/api/v1/query_range");
    let limiter = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
    let started = Instant::now();
    let answers = futures::future::join_all(queries.iter().map(|q| {
        let form = [
            ("query", q.expr.clone()),
            ("start", format!("{:.3}", q.start_ms as f64 / 1000.0)),
            ("end", format!("{:.3}", q.end_ms as f64 / 1000.0)),
            ("step", format!("{:.3}", q.step_ms as f64 / 1000.0)),
        ];
        let http = http.clone();
        let url = url.clone();
        let limiter = limiter.clone();
        async move {
            let _permit = limiter.acquire().await.expect("semaphore open");
            let resp = http.post(&url).form(&form).send().await?;
            resp.error_for_status()?.bytes().await
        }
    }))
    .await;
    let elapsed = started.elapsed();
    for a in answers {
        a.expect("bare query answers");
    }
    elapsed
}

/// The same queries through oncall's `PrometheusClient`, at most `in_flight` at once, as the
/// runtime runs them (decoded into series), but without the runtime around them.
async fn client_once(prom_url: &str, queries: &[RangeQuery], in_flight: usize) -> Duration {
    let client = PrometheusClient::new(Endpoint::parse(prom_url).expect("url")).expect("client");
    let limiter = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
    let started = Instant::now();
    let answers = futures::future::join_all(queries.iter().map(|q| {
        let client = client.clone();
        let limiter = limiter.clone();
        async move {
            let _permit = limiter.acquire().await.expect("semaphore open");
            client.query_range(q).await
        }
    }))
    .await;
    let elapsed = started.elapsed();
    for a in answers {
        a.expect("client query answers");
    }
    elapsed
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Figure 1: `reps` repetitions, each running oncall and the bare client (uncapped and
/// capped) back to back, which one goes first alternating; medians, and the per-repetition
/// ratios.
pub fn first_dashboard(
    rt: &tokio::runtime::Runtime,
    prom_url: &str,
    reps: usize,
) -> FirstDashboard {
    // One run first, unmeasured: it tells the bare client which queries to fire, and warms
    // Prometheus's caches for both sides alike.
    let mut queries = queries_of(&rt.block_on(oncall_once(prom_url)).app);
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    let mut capped = Vec::new();
    let mut clients = Vec::new();
    let mut setups = Vec::new();
    let mut first_frames = Vec::new();
    let mut frames = Vec::new();
    let mut last = None;
    for rep in 0..reps.max(1) {
        let bare_side = |queries: &[RangeQuery]| {
            (
                rt.block_on(bare_once(prom_url, queries, queries.len())),
                rt.block_on(bare_once(prom_url, queries, QUERY_CONCURRENCY)),
            )
        };
        clients.push(rt.block_on(client_once(prom_url, &queries, QUERY_CONCURRENCY)));
        let (b, c) = if rep % 2 == 1 {
            bare_side(&queries)
        } else {
            (Duration::ZERO, Duration::ZERO)
        };
        let run = rt.block_on(oncall_once(prom_url));
        // A new step may have begun since: fire what oncall fired this time.
        queries = queries_of(&run.app);
        let (b, c) = if rep % 2 == 0 {
            bare_side(&queries)
        } else {
            (b, c)
        };
        ours.push(run.elapsed);
        setups.push(run.setup);
        first_frames.push(run.first_frame);
        frames.push(run.summary.frames);
        bare.push(b);
        capped.push(c);
        last = Some((run.summary, run.app, queries.len()));
    }
    let (summary, app, queries) = last.expect("at least one run");
    let sorted_ratios = |reference: &[Duration]| {
        let mut r: Vec<f64> = ours
            .iter()
            .zip(reference)
            .map(|(o, b)| o.as_secs_f64() / b.as_secs_f64().max(1e-9))
            .collect();
        r.sort_by(f64::total_cmp);
        r
    };
    let ratios = sorted_ratios(&bare);
    let ratios_capped = sorted_ratios(&capped);
    let mut oncall_runs = ours.clone();
    oncall_runs.sort();
    FirstDashboard {
        oncall: median(ours),
        bare: median(bare),
        bare_capped: median(capped),
        client: median(clients),
        ratios,
        ratios_capped,
        oncall_runs,
        setup: median(setups),
        first_frame: median(first_frames),
        frames: {
            frames.sort_unstable();
            frames[frames.len() / 2]
        },
        queries,
        response_bytes: summary.response_bytes,
        app,
    }
}

/// Counts what would have gone to the terminal.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub struct TerminalBytes {
    pub first_frame: u64,
    pub unchanged: u64,
    pub one_panel: u64,
}

/// Figure 4: bytes the crossterm backend writes for the first frame, a refresh where nothing
/// changed (the clock moved on by the refresh interval), and one where one panel got a new
/// point.
pub fn terminal_bytes(app: &App) -> TerminalBytes {
    let mut app = app.clone();
    let counter = Counter::default();
    let mut terminal = Terminal::new(CrosstermBackend::new(counter.clone())).expect("terminal");
    terminal
        .resize(Rect::new(0, 0, WIDTH, HEIGHT))
        .expect("resize");
    let mut draw = |app: &App| {
        let before = counter.0.load(Ordering::Relaxed);
        terminal
            .draw(|f| oncall::tui::view::draw(f, app))
            .expect("draw");
        counter.0.load(Ordering::Relaxed) - before
    };
    let first_frame = draw(&app);
    let refresh_ms = app
        .active()
        .map(|d| d.refresh.as_millis() as i64)
        .unwrap_or(30_000);
    // The header's clock shows seconds, so a refresh always changes it.
    app.now_ms += refresh_ms;
    let unchanged = draw(&app);
    let shown = match app.view {
        View::Dashboard(i) => app.dashboards.get_mut(i),
        View::Triage(_) => None,
    };
    if let Some(series) = shown
        .and_then(|d| d.panels.iter_mut().find_map(|p| p.data.as_mut()))
        .and_then(|data| data.series.first_mut())
    {
        if let Some(last) = series.points.last_mut() {
            last.1 = last.1 * 1.5 + 1.0;
        }
    }
    app.now_ms += refresh_ms;
    let one_panel = draw(&app);
    TerminalBytes {
        first_frame,
        unchanged,
        one_panel,
    }
}

/// Figure 6 (second half): mean time to draw one dashboard frame at 200x50 into a
/// `TestBackend`, over `frames` frames.
pub fn render_time(app: &App, frames: u32) -> Duration {
    let mut app = app.clone();
    app.width = 200;
    app.height = 50;
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let started = Instant::now();
    for i in 0..frames.max(1) {
        // A different second each frame, so the header changes as it would live.
        app.now_ms += 1000 * i64::from(i % 2);
        terminal
            .draw(|f| oncall::tui::view::draw(f, &app))
            .expect("draw");
    }
    started.elapsed() / frames.max(1)
}
