//! Figure 6 in the alerts view: against the suite's real Alertmanager holding many alerts, the
//! time to show the view (fetch, decode, merge, sort, group, first frame), the time per `/`
//! filter keystroke (update and frame) for a matcher and for free text, and the process's
//! peak RSS over it. Each filter's result is checked against the alerts themselves; no
//! figure is asserted on.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oncall::sources::alertmanager::{AlertQuery, AlertmanagerClient};
use oncall::sources::Endpoint;
use oncall::tui::action::{Action, ContextInfo};
use oncall::tui::app::{App, AppOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::screen::median;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;
/// Typed one character at a time, as a person types them. Of the full suite's 10,000 alerts the
/// matcher selects a tenth (`host-00000` to `host-00999`), the text a hundredth.
pub const MATCHER: &str = "instance=~\"host-00.*\"";
const MATCHER_PREFIX: &str = "host-00";
pub const TEXT: &str = "host-001";

/// Mean and worst of a run of keystrokes.
pub struct Keystrokes {
    pub count: usize,
    pub mean: Duration,
    pub max: Duration,
}

impl Keystrokes {
    fn of(times: &[Duration]) -> Keystrokes {
        Keystrokes {
            count: times.len(),
            mean: times.iter().sum::<Duration>() / times.len().max(1) as u32,
            max: times.iter().max().copied().unwrap_or_default(),
        }
    }
}

pub struct AlertsView {
    pub alerts: usize,
    /// Fetch to the first frame of the view (median over the repetitions).
    pub shown: Duration,
    /// Of `shown`: the GET and the decode.
    pub fetched: Duration,
    pub matcher: Keystrokes,
    pub text: Keystrokes,
    /// The bench process's peak RSS over this figure, and its RSS before (the harness and
    /// the figures before it), in KiB; `None` where /proc cannot reset the peak.
    pub peak_rss_kib: Option<u64>,
    pub before_rss_kib: Option<u64>,
}

fn new_app() -> App {
    let context = ContextInfo {
        name: "bench".into(),
        prometheus: false,
        alertmanagers: vec!["am".into()],
        pagerduty: false,
        insecure: vec![],
    };
    // No dashboards: the app opens on the alerts view.
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = WIDTH;
    opts.height = HEIGHT;
    App::new(opts)
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Reset VmHWM to the current RSS (Linux: `5` to clear_refs), so the peak is this figure's.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Alert rows shown now.
fn alert_rows(app: &App) -> usize {
    app.triage
        .rows
        .iter()
        .filter(|r| r.alert().is_some())
        .count()
}

/// Alerts whose `instance` starts with `prefix`, counted from the data, not the filter.
fn with_instance_prefix(app: &App, prefix: &str) -> usize {
    app.triage
        .entries
        .iter()
        .filter(|e| {
            e.alert
                .labels
                .get("instance")
                .is_some_and(|v| v.starts_with(prefix))
        })
        .count()
}

pub fn measure(am_url: &str, reps: usize) -> AlertsView {
    let client = AlertmanagerClient::new(Endpoint::parse(am_url).expect("Alertmanager URL"))
        .expect("Alertmanager client");
    let now = chrono::Utc::now().timestamp_millis();
    let before_rss_kib = status_kib("VmRSS:");
    let peak_known = reset_peak_rss();
    let mut shown = Vec::new();
    let mut fetched = Vec::new();
    let mut last = None;
    for _ in 0..reps.max(1) {
        let mut app = new_app();
        app.start(now);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        let client = client.clone();
        let started = Instant::now();
        let alerts =
            crate::harness::block_on(async move { client.alerts(&AlertQuery::default()).await })
                .expect("the alerts");
        fetched.push(started.elapsed());
        let generation = app.triage.generation;
        app.update(
            Action::Alerts {
                source: 0,
                generation,
                result: Ok(alerts.into_iter().map(Into::into).collect()),
            },
            now,
        );
        terminal
            .draw(|f| oncall::tui::view::draw(f, &app))
            .expect("draw");
        shown.push(started.elapsed());
        last = Some((app, terminal));
    }
    let (mut app, mut terminal) = last.expect("at least one repetition");
    let alerts = app.triage.entries.len();

    let mut type_text = |app: &mut App, text: &str| -> Vec<Duration> {
        let mut times = Vec::new();
        for c in text.chars() {
            let t = Instant::now();
            app.update(key(KeyCode::Char(c)), now);
            terminal
                .draw(|f| oncall::tui::view::draw(f, app))
                .expect("draw");
            times.push(t.elapsed());
        }
        times
    };
    app.update(key(KeyCode::Char('/')), now);
    let matcher = type_text(&mut app, MATCHER);
    assert_eq!(
        alert_rows(&app),
        with_instance_prefix(&app, MATCHER_PREFIX),
        "the matcher filter shows exactly the alerts it selects"
    );
    for _ in MATCHER.chars() {
        app.update(key(KeyCode::Backspace), now);
    }
    assert_eq!(
        alert_rows(&app),
        alerts,
        "an empty filter shows every alert"
    );
    let text = type_text(&mut app, TEXT);
    assert_eq!(
        alert_rows(&app),
        with_instance_prefix(&app, TEXT),
        "the text filter shows exactly the alerts it selects"
    );

    AlertsView {
        alerts,
        shown: median(shown),
        fetched: median(fetched),
        matcher: Keystrokes::of(&matcher),
        text: Keystrokes::of(&text),
        peak_rss_kib: peak_known.then(|| status_kib("VmHWM:")).flatten(),
        before_rss_kib,
    }
}
