//! Nothing unknown is shown as fine: a backend that stalls longer than its timeout goes
//! stale whatever the refresh interval, and a header with an Alertmanager down never says
//! "nothing firing".

use super::tests::{answer, dashboards, NOW};
use super::*;
use crate::tui::app::test_fixtures::{
    answer_alerts, draw, options, started, Backends, NOW as STARTED,
};
use crate::tui::state::{HealthState, PanelView};

/// The reproduced hang: refresh every 5 s, timeout 10 s, Prometheus never answers. Each
/// refresh replaced the request before it could time out, so it read "loading" forever.
#[test]
fn a_stalled_prometheus_goes_stale_whatever_the_refresh_interval() {
    let mut opts = AppOptions::new(dashboards(), super::tests::context());
    opts.refresh = Some(Duration::from_secs(5));
    opts.prefs.request_timeout = Duration::from_secs(10);
    let mut a = App::new(opts);
    let fx = a.start(NOW);
    for e in &fx {
        if let Effect::FetchPanel(r) = e {
            a.update(answer(r, 42.0), NOW + 500);
        }
    }
    // From now on nothing answers; ticks go on once a second for a minute.
    let mut now = NOW + 60_000;
    let mut stale_at = None;
    for _ in 0..60 {
        now += 1_000;
        a.update(Action::Tick, now);
        if stale_at.is_none() && a.prometheus.as_ref().map(|h| h.state()) == Some(HealthState::Down)
        {
            stale_at = Some(now);
        }
    }
    let at = stale_at.expect("Prometheus is marked down");
    assert!(
        at - (NOW + 60_000) <= 13_000,
        "within timeout and a tick: {at}"
    );
    let panel = &a.dashboards[0].panels[1];
    match panel.view() {
        PanelView::Stale(d, _, e) => {
            assert!(!d.is_empty(), "the last data is kept");
            assert!(e.full.contains("has not answered"), "{}", e.full);
        }
        other => panic!("stale, not {other:?}"),
    }
}

#[test]
fn a_stalled_alertmanager_marks_its_alerts_stale() {
    let mut opts = options(Backends {
        alertmanager: true,
        ..Backends::default()
    });
    opts.prefs.alerts_refresh = Duration::from_secs(5);
    opts.prefs.request_timeout = Duration::from_secs(10);
    let mut a = started(opts);
    answer_alerts(&mut a, Vec::new());
    let mut now = STARTED;
    for _ in 0..20 {
        now += 1_000;
        a.update(Action::Tick, now);
    }
    assert_eq!(a.triage.health[0].state(), HealthState::Down);
    let screen = draw(&a);
    assert!(!screen.contains("nothing firing"), "{screen}");
    assert!(screen.contains("0 firing when last seen"), "{screen}");
}

#[test]
fn the_header_never_says_nothing_firing_without_an_answer() {
    let mut a = started(options(Backends {
        alertmanager: true,
        ..Backends::default()
    }));
    let generation = a.triage.generation;
    a.update(
        Action::Alerts {
            source: 0,
            generation,
            result: Err(FetchError {
                short: "unreachable".into(),
                full: "Alertmanager at http://am could not be reached".into(),
                backend_down: true,
            }),
        },
        STARTED,
    );
    let screen = draw(&a);
    assert!(!screen.contains("nothing firing"), "{screen}");
    assert!(screen.contains("alerts unknown"), "{screen}");
    // With an answer, and the Alertmanager up, an empty list is "nothing firing".
    let mut a = started(options(Backends {
        alertmanager: true,
        ..Backends::default()
    }));
    answer_alerts(&mut a, Vec::new());
    assert!(draw(&a).contains("nothing firing"));
}
