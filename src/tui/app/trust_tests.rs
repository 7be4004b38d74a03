//! Nothing unknown is shown as fine: a backend that stalls longer than its timeout goes
//! stale whatever the refresh interval, and a header with an Alertmanager down never says
//! "nothing firing". Confirmations and the incident picker show their objects whole.

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

/// Every confirmation names the object in full at 80x24: long lines wrap (nothing is cut
/// to `…`), and a confirmation taller than the screen scrolls with the keys kept in view.
#[test]
fn confirmations_wrap_and_scroll_at_80x24() {
    use crate::tui::app::writes::Confirm;
    let mut a = started(options(Backends {
        alertmanager: true,
        ..Backends::default()
    }));
    a.width = 80;
    a.height = 24;
    let matchers: Vec<String> = (0..12)
        .map(|i| format!("label_{i}=\"value-{i}-abcdefghij\""))
        .collect();
    let mut lines = vec![
        "Expire silence 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d".to_string(),
        matchers.join(" "),
    ];
    lines.extend((0..30).map(|i| format!("line {i} of a long preview")));
    a.overlay = Some(Overlay::Confirm(Box::new(Confirm {
        lines,
        write: crate::writes::Write::ExpireSilence("0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d".into()),
        form: None,
        origin: Default::default(),
        scroll: 0,
    })));
    let screen = draw(&a);
    assert!(
        screen.contains("0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"),
        "{screen}"
    );
    for m in &matchers {
        assert!(screen.contains(m.as_str()), "{m} missing:\n{screen}");
    }
    assert!(
        screen.contains("y do it") && screen.contains("more below"),
        "{screen}"
    );
    assert!(!screen.contains("line 29 "), "{screen}");
    for _ in 0..40 {
        a.update(
            Action::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Down,
                crossterm::event::KeyModifiers::NONE,
            )),
            STARTED,
        );
    }
    let screen = draw(&a);
    assert!(screen.contains("line 29 of"), "{screen}");
    assert!(screen.contains("y do it"), "{screen}");
}

#[test]
fn the_incident_picker_shows_each_candidate_whole_at_80x24() {
    let mut a = started(options(Backends {
        alertmanager: true,
        pagerduty: true,
        ..Backends::default()
    }));
    a.width = 80;
    a.height = 24;
    let choices: Vec<(String, String)> = (0..8)
        .map(|i| {
            (
                format!("P{i}"),
                format!("#10{i} [FIRING:1] ServiceDown kyc-service-{i} in production-eu-west-{i} (service kyc-{i}, triggered, by title) end-{i}"),
            )
        })
        .collect();
    a.overlay = Some(Overlay::PickIncident {
        choices,
        selected: 7,
        alert: ("fp".into(), "ServiceDown".into()),
    });
    let screen = draw(&a);
    assert!(
        screen.contains("#107") && screen.contains("end-7"),
        "{screen}"
    );
    assert!(screen.contains("enter acknowledge"), "{screen}");
    assert!(
        screen
            .lines()
            .filter(|l| l.starts_with('│'))
            .all(|l| !l.contains('…')),
        "nothing cut: {screen}"
    );
}

/// With no Prometheus configured the dashboards say how to configure one, never "waiting".
#[test]
fn with_nothing_configured_the_dashboard_says_how_to_configure() {
    let context = crate::tui::app::test_fixtures::context(Backends::default());
    let mut a = App::new(AppOptions::new(dashboards(), context));
    a.start(STARTED);
    a.width = 80;
    a.height = 24;
    let screen = draw(&a);
    assert!(!screen.contains("waiting for Prometheus"), "{screen}");
    assert!(screen.contains("ONCALL_PROMETHEUS_URL"), "{screen}");
    assert!(screen.contains("oncall config init"), "{screen}");
    assert!(screen.contains("--demo"), "{screen}");
}
