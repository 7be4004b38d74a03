//! The UI against the built-in demo platform, in process: the real runtime, the real clients,
//! the simulated Prometheus, Alertmanager and PagerDuty over loopback HTTP. Every panel of
//! the seven dashboards must get data (no error, no "no data"), and the alerts, silences and
//! incidents views must fill.

use crate::tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use oncall::demo::DemoPlatform;
use oncall::secret::Secret;
use oncall::sources::alertmanager::AlertmanagerClient;
use oncall::sources::pagerduty::PagerDutyClient;
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::transport::{Auth, Endpoint};
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use oncall::tui::state::PanelView;
use tui_support::screen;

/// A wait here covers a whole dashboard of demo queries, which on a busy machine can take
/// longer than `SCREEN_WAIT`.
const DEMO_WAIT: Duration = Duration::from_secs(60);

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
    let mut opts = AppOptions::new(tui_support::dashboards(), context);
    opts.demo = true;
    opts.width = 200;
    opts.height = 60;
    let (mut runtime, ui, keys) = screen::attach(App::new(opts), clients);
    // Kept, not dropped with the loop: the test reads the app's panels after quitting.
    let task = tokio::spawn(async move {
        let result = runtime.run(keys).await;
        (runtime, result)
    });
    let press = |c: char| ui.press(KeyCode::Char(c));
    let titles: Vec<String> = tui_support::dashboards()
        .into_iter()
        .map(|d| d.title)
        .collect();
    for n in 1..=7u32 {
        let c = char::from_digit(n, 10).expect("digit");
        press(c);
        let title = &titles[n as usize - 1];
        let screen = ui
            .wait_for_within(&format!("dashboard {n} loaded"), DEMO_WAIT, |t| {
                t.contains("DEMO")
                    && t.contains(title.as_str())
                    && !t.contains("loading…")
                    && !t.contains("⟳ loading")
            })
            .await;
        assert!(!screen.contains("query failed"), "dashboard {n}:\n{screen}");
        assert!(!screen.contains("no data"), "dashboard {n}:\n{screen}");
    }
    let screen = ui
        .wait_for_within("alerts firing in the header", DEMO_WAIT, |t| {
            t.contains("critical")
        })
        .await;
    assert!(!screen.contains("nothing firing"), "{screen}");
    press('8');
    ui.wait_for_within("the alerts list", DEMO_WAIT, |t| {
        t.contains("SEVERITY") && t.contains("firing")
    })
    .await;
    press('9');
    ui.wait_for_within("the silences view", DEMO_WAIT, |t| t.contains("Silences"))
        .await;
    press('0');
    ui.wait_for_within("the incidents list", DEMO_WAIT, |t| {
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
