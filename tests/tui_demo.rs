//! The UI against the built-in demo platform, in process: the real runtime, the real clients,
//! the simulated Prometheus, Alertmanager and PagerDuty over loopback HTTP. Every panel of
//! the seven dashboards must get data (no error, no "no data"), and the alerts, silences and
//! incidents views must fill.

mod tui_support;

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::unbounded;
use oncall::demo::DemoPlatform;
use oncall::secret::Secret;
use oncall::sources::alertmanager::AlertmanagerClient;
use oncall::sources::pagerduty::PagerDutyClient;
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::transport::{Auth, Endpoint};
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::{Clients, Runtime};
use oncall::tui::state::PanelView;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tokio::sync::watch;

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

async fn wait_for(
    frames: &mut watch::Receiver<Buffer>,
    what: &str,
    pred: impl Fn(&str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let screen = text(&frames.borrow());
        if pred(&screen) {
            return screen;
        }
        if tokio::time::timeout_at(deadline, frames.changed())
            .await
            .is_err()
        {
            panic!("never saw {what}; the screen was:\n{screen}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_of_every_dashboard_has_demo_data() {
    let demo = DemoPlatform::start().await.expect("demo starts");
    let prometheus = PrometheusClient::new(Endpoint::new(demo.prometheus_url.clone()))
        .expect("prometheus client");
    let alertmanager =
        AlertmanagerClient::new(Endpoint::new(demo.alertmanager_url.clone())).expect("am client");
    let mut pd_endpoint = Endpoint::new(demo.pagerduty_url.clone());
    pd_endpoint.auth = Auth::PagerDutyToken(Secret::new("demo"));
    let pagerduty =
        PagerDutyClient::new(pd_endpoint, Some("demo@example.com".into())).expect("pd client");
    let clients = Clients {
        prometheus: Some(prometheus),
        alertmanagers: vec![alertmanager],
        pagerduty: Some(pagerduty),
    };
    let context = ContextInfo {
        name: "demo".into(),
        prometheus: true,
        alertmanagers: vec!["demo".into()],
        pagerduty: true,
        insecure: vec![],
    };
    let (width, height) = (200, 60);
    let mut opts = AppOptions::new(tui_support::dashboards(), context);
    opts.demo = true;
    opts.width = width;
    opts.height = height;
    let (keys, events) = unbounded::<io::Result<Event>>();
    let (frames_tx, mut frames) = watch::channel(Buffer::empty(Rect::new(0, 0, width, height)));
    let terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let mut runtime = Runtime::new(App::new(opts), clients, terminal).with_frames(frames_tx);
    let task = tokio::spawn(async move {
        let result = runtime.run(events).await;
        (runtime, result)
    });
    let press = |c: char| {
        let _ = keys.unbounded_send(Ok(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))));
    };
    let titles: Vec<String> = tui_support::dashboards()
        .into_iter()
        .map(|d| d.title)
        .collect();
    for n in 1..=7u32 {
        let c = char::from_digit(n, 10).expect("digit");
        press(c);
        let title = &titles[n as usize - 1];
        let screen = wait_for(&mut frames, &format!("dashboard {n} loaded"), |t| {
            t.contains("DEMO")
                && t.contains(title.as_str())
                && !t.contains("loading…")
                && !t.contains("⟳ loading")
        })
        .await;
        assert!(!screen.contains("query failed"), "dashboard {n}:\n{screen}");
        assert!(!screen.contains("no data"), "dashboard {n}:\n{screen}");
    }
    let screen = wait_for(&mut frames, "alerts firing in the header", |t| {
        t.contains("critical")
    })
    .await;
    assert!(!screen.contains("nothing firing"), "{screen}");
    press('8');
    wait_for(&mut frames, "the alerts list", |t| {
        t.contains("SEVERITY") && t.contains("firing")
    })
    .await;
    press('9');
    wait_for(&mut frames, "the silences view", |t| t.contains("Silences")).await;
    press('0');
    wait_for(&mut frames, "the incidents list", |t| {
        t.contains("STATUS") && t.contains("triggered")
    })
    .await;
    press('q');
    let (runtime, result) = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("quits")
        .expect("task");
    result.expect("runtime ok");
    for d in &runtime.app.dashboards {
        for (p, state) in d.panels.iter().enumerate() {
            assert!(
                matches!(state.view(), PanelView::Data(_)),
                "{} panel {p} `{}`: {:?}",
                d.def.id,
                d.def.panels[p].title,
                state.view()
            );
        }
    }
    demo.shutdown().await;
}
