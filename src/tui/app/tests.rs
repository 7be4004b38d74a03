//! `update` driven by plain actions: keys in, state and effects out. No terminal, no network,
//! no clock.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::dashboards::model::{
    Dashboard, Direction as Bad, GridPos, LabelValues, Origin, Panel, PanelKind, PanelQuery,
    Thresholds, Unit, Variable,
};
use crate::model::series::Series;
use crate::tui::state::{PanelFetch, PanelView};

pub const NOW: i64 = 1_700_000_000_000;

fn panel(title: &str, kind: PanelKind, grid: (u16, u16, u16, u16), alerts: &[&str]) -> Panel {
    Panel {
        title: title.into(),
        kind,
        unit: Unit::Percent,
        decimals: Some(1),
        thresholds: Some(Thresholds {
            warning: Some(80.0),
            critical: Some(95.0),
            bad: Bad::High,
        }),
        min: Some(0.0),
        max: Some(100.0),
        queries: vec![PanelQuery {
            expr: format!(
                "{}{{instance=~\"$instance\"}}",
                title.to_lowercase().replace(' ', "_")
            ),
            legend: Some("{{instance}}".into()),
        }],
        alerts: alerts.iter().map(|a| a.to_string()).collect(),
        grid: GridPos {
            x: grid.0,
            y: grid.1,
            w: grid.2,
            h: grid.3,
        },
        description: None,
    }
}

pub fn dashboards() -> Vec<Dashboard> {
    let one = Dashboard {
        id: "system-health".into(),
        title: "System Health".into(),
        refresh: Duration::from_secs(30),
        range: Duration::from_secs(6 * 3600),
        variables: vec![Variable {
            name: "instance".into(),
            label_values: LabelValues {
                label: "instance".into(),
                selector: Some("node_uname_info".into()),
            },
            default: None,
            include_all: true,
            all_value: None,
        }],
        panels: vec![
            panel(
                "Status",
                PanelKind::StatusGrid,
                (0, 0, 24, 4),
                &["ServiceDown"],
            ),
            panel(
                "CPU Usage",
                PanelKind::Chart,
                (0, 4, 12, 8),
                &["HighCPUUsage"],
            ),
            panel("Memory Usage", PanelKind::Chart, (12, 4, 12, 8), &[]),
        ],
        origin: Origin::Embedded("a.toml".into()),
    };
    let two = Dashboard {
        id: "trading-engine".into(),
        title: "Trading Engine".into(),
        refresh: Duration::from_secs(5),
        range: Duration::from_secs(3600),
        variables: vec![],
        panels: vec![panel("Orders", PanelKind::Sparkline, (0, 0, 24, 8), &[])],
        origin: Origin::Embedded("b.toml".into()),
    };
    vec![one, two]
}

pub fn context() -> ContextInfo {
    ContextInfo {
        name: "prod".into(),
        prometheus: true,
        alertmanagers: vec!["am".into()],
        pagerduty: true,
        insecure: vec![],
    }
}

pub fn app() -> App {
    App::new(AppOptions::new(dashboards(), context()))
}

pub fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn typed(app: &mut App, text: &str, now: i64) -> Vec<Effect> {
    text.chars().flat_map(|c| app.update(key(c), now)).collect()
}

fn fetches(fx: &[Effect]) -> Vec<&super::super::action::PanelRequest> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::FetchPanel(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// Answer a request with one series per query, values `v` at every step of its span.
pub fn answer(req: &super::super::action::PanelRequest, v: f64) -> Action {
    let w = req.window;
    let points = |q: &crate::sources::prometheus::RangeQuery| -> Vec<(i64, f64)> {
        (0..)
            .map(|i| q.start_ms + i * q.step_ms)
            .take_while(|t| *t <= q.end_ms)
            .map(|t| (t, v))
            .collect()
    };
    Action::PanelData {
        key: req.key,
        generation: req.generation,
        result: Ok(PanelFetch {
            window: w,
            tail_from_ms: req.tail_from_ms,
            exprs: req.queries.iter().map(|q| q.expr.clone()).collect(),
            per_query: req
                .queries
                .iter()
                .map(|q| {
                    vec![Series {
                        labels: [("instance".to_string(), "node-1".to_string())]
                            .into_iter()
                            .collect(),
                        points: points(q),
                    }]
                })
                .collect(),
            warnings: vec![],
            bytes: 100,
        }),
    }
}

fn down() -> FetchError {
    FetchError {
        short: "unreachable: connection refused".into(),
        full: "Prometheus at http://x could not be reached".into(),
        backend_down: true,
    }
}

#[test]
fn start_asks_for_the_dashboard_on_screen_alerts_and_incidents() {
    let mut a = app();
    let fx = a.start(NOW);
    assert_eq!(
        fetches(&fx).len(),
        3,
        "the three panels of the first dashboard"
    );
    assert!(fx.contains(&Effect::FetchAlerts { generation: 1 }));
    assert!(fx.contains(&Effect::FetchIncidents { generation: 1 }));
    assert!(fetches(&fx).iter().all(|r| r.key.dashboard == 0));
    for r in fetches(&fx) {
        assert!(r.queries[0].expr.contains("instance=~\".*\""));
        assert!(r.window.points() <= 11_000);
        assert_eq!(
            r.window.start_ms % r.window.step_ms,
            0,
            "aligned to the step"
        );
        assert_eq!(r.window.grid_end_ms() % r.window.step_ms, 0);
        assert!(
            r.window.end_ms <= NOW,
            "the newest point is not in the future"
        );
    }
    assert!(a.dashboards[0].panels.iter().all(|p| p.loading));
}

#[test]
fn switching_dashboards_cancels_the_old_queries_and_fetches_the_new() {
    let mut a = app();
    a.start(NOW);
    let fx = a.update(key('2'), NOW + 100);
    assert_eq!(a.view, View::Dashboard(1));
    assert!(fx.contains(&Effect::CancelDashboard(0)));
    assert_eq!(fetches(&fx).len(), 1);
    assert!(a.dashboards[0].panels.iter().all(|p| !p.loading));
    // Alerts, silences and incidents views.
    a.update(key('8'), NOW);
    assert_eq!(a.view, View::Triage(ViewKind::Alerts));
    a.update(key('9'), NOW);
    assert_eq!(a.view, View::Triage(ViewKind::Silences));
    a.update(key('0'), NOW);
    assert_eq!(a.view, View::Triage(ViewKind::Incidents));
    // Tab wraps around to the first dashboard, shift-tab goes back.
    a.update(code(KeyCode::Tab), NOW);
    assert_eq!(a.view, View::Dashboard(0));
    a.update(code(KeyCode::BackTab), NOW);
    assert_eq!(a.view, View::Triage(ViewKind::Incidents));
    // No dashboard 7 here: a message, no crash.
    a.update(key('7'), NOW);
    assert!(a
        .message
        .as_ref()
        .is_some_and(|m| m.error && m.text.contains("no dashboard 7")));
}

#[test]
fn answers_to_older_requests_are_dropped() {
    let mut a = app();
    let first = a.start(NOW);
    let old = fetches(&first)[1].clone();
    // Refresh now: a newer request for the same panel.
    let second = a.update(key('r'), NOW + 1000);
    let new = fetches(&second)
        .into_iter()
        .find(|r| r.key == old.key)
        .cloned()
        .expect("refetched");
    assert!(new.generation > old.generation);
    a.dirty = false;
    a.update(answer(&old, 50.0), NOW + 2000);
    assert!(
        a.dashboards[0].panels[1].data.is_none(),
        "stale generation dropped"
    );
    assert!(a.dashboards[0].panels[1].loading);
    assert!(!a.dirty);
    a.update(answer(&new, 60.0), NOW + 2000);
    assert!(matches!(
        a.dashboards[0].panels[1].view(),
        PanelView::Data(_)
    ));
    assert!(a
        .prometheus
        .as_ref()
        .is_some_and(|h| h.last_success_ms == Some(NOW + 2000)));
}

#[test]
fn a_failed_refresh_keeps_the_data_and_marks_it_stale() {
    let mut a = app();
    let fx = a.start(NOW);
    for r in fetches(&fx) {
        a.update(answer(r, 42.0), NOW + 500);
    }
    let later = NOW + 60_000 * 10;
    let fx = a.update(Action::Tick, later);
    let reqs = fetches(&fx);
    assert!(!reqs.is_empty());
    let r = reqs[0].clone();
    a.update(
        Action::PanelData {
            key: r.key,
            generation: r.generation,
            result: Err(down()),
        },
        later + 10,
    );
    match a.dashboards[0].panels[r.key.panel].view() {
        PanelView::Stale(d, at, e) => {
            assert!(!d.is_empty(), "last good data kept");
            assert_eq!(at, later + 10);
            assert!(e.short.contains("connection refused"));
        }
        other => panic!("expected stale, got {other:?}"),
    }
    assert_eq!(
        a.prometheus.as_ref().map(|h| h.state()),
        Some(crate::tui::state::HealthState::Down)
    );
    // The next good answer clears it.
    let fx = a.update(key('r'), later + 20);
    let r = fetches(&fx)
        .into_iter()
        .find(|x| x.key == r.key)
        .cloned()
        .expect("refetch");
    a.update(answer(&r, 43.0), later + 30);
    assert!(matches!(
        a.dashboards[0].panels[r.key.panel].view(),
        PanelView::Data(_)
    ));
}

#[test]
fn a_query_error_is_shown_in_the_panel_without_marking_prometheus_down() {
    let mut a = app();
    let fx = a.start(NOW);
    let r = fetches(&fx)[0].clone();
    let parse_error = FetchError {
        short: "bad_data: 1:5: parse error: unexpected \"}\"".into(),
        full: "Prometheus answered HTTP 400".into(),
        backend_down: false,
    };
    a.update(
        Action::PanelData {
            key: r.key,
            generation: r.generation,
            result: Err(parse_error),
        },
        NOW + 10,
    );
    assert!(
        matches!(a.dashboards[0].panels[0].view(), PanelView::Error(_, e) if e.short.contains("parse error"))
    );
    assert_eq!(
        a.prometheus.as_ref().map(|h| h.state()),
        Some(crate::tui::state::HealthState::Ok)
    );
}

#[test]
fn zoom_pan_and_live_change_the_range_and_refetch() {
    let mut a = app();
    a.start(NOW);
    let span = a.dashboards[0].range.span_ms;
    let fx = a.update(key('+'), NOW);
    assert_eq!(a.dashboards[0].range.span_ms, span / 2);
    assert!(fx.contains(&Effect::CancelDashboard(0)));
    let reqs = fetches(&fx);
    assert_eq!(reqs.len(), 3);
    // Panel 0 is a status grid, which looks only at the newest values.
    assert!(reqs
        .iter()
        .filter(|r| r.key.panel != 0)
        .all(|r| r.window.range_ms() >= span / 2 && r.window.range_ms() < span));
    a.update(key('-'), NOW);
    a.update(key('-'), NOW);
    assert_eq!(a.dashboards[0].range.span_ms, span * 2);
    let fx = a.update(key('['), NOW);
    assert!(!a.dashboards[0].range.is_live());
    assert!(fetches(&fx).iter().all(|r| r.window.end_ms <= NOW - span));
    // Panned: the refresh timer leaves it alone.
    let fx = a.update(Action::Tick, NOW + 3_600_000);
    assert!(fetches(&fx).is_empty());
    a.update(key('='), NOW);
    assert!(a.dashboards[0].range.is_live());
    // :range sets the span.
    let fx = typed(&mut a, ":range 15m", NOW);
    assert!(fx.is_empty());
    let fx = a.update(code(KeyCode::Enter), NOW);
    assert_eq!(a.dashboards[0].range.span_ms, 15 * 60_000);
    assert_eq!(fetches(&fx).len(), 3);
}

#[test]
fn the_refresh_timer_only_refreshes_the_dashboard_on_screen() {
    let mut a = app();
    let fx = a.start(NOW);
    for r in fetches(&fx) {
        a.update(answer(r, 1.0), NOW);
    }
    // Before the 30 s refresh interval: nothing.
    assert!(fetches(&a.update(Action::Tick, NOW + 10_000)).is_empty());
    let fx = a.update(Action::Tick, NOW + 31 * 60_000);
    assert!(fetches(&fx).iter().all(|r| r.key.dashboard == 0));
    assert!(!fetches(&fx).is_empty());
    // Dashboard 2 is never asked for while dashboard 1 is on screen.
    for t in 1..20 {
        let fx = a.update(Action::Tick, NOW + 31 * 60_000 + t * 1000);
        assert!(fetches(&fx).iter().all(|r| r.key.dashboard == 0));
    }
    // Alerts every 30 s.
    let fx = a.update(Action::Tick, NOW + 40 * 60_000);
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchAlerts { .. })));
}

#[test]
fn the_command_line_switches_dashboards_and_themes_and_reports_errors() {
    let mut a = app();
    a.start(NOW);
    typed(&mut a, ":dash trading", NOW);
    a.update(code(KeyCode::Enter), NOW);
    assert_eq!(a.view, View::Dashboard(1));
    assert!(a.overlay.is_none());
    typed(&mut a, ":theme light", NOW);
    a.update(code(KeyCode::Enter), NOW);
    assert_eq!(a.theme.name, "light");
    typed(&mut a, ":theme nope", NOW);
    a.update(code(KeyCode::Enter), NOW);
    match &a.overlay {
        Some(Overlay::CommandLine(line)) => assert!(line
            .error
            .as_deref()
            .is_some_and(|e| e.contains("unknown theme"))),
        other => panic!("the line stays open with the error: {other:?}"),
    }
    a.update(code(KeyCode::Esc), NOW);
    assert!(a.overlay.is_none());
    // Tab completes.
    typed(&mut a, ":da", NOW);
    a.update(code(KeyCode::Tab), NOW);
    assert!(matches!(&a.overlay, Some(Overlay::CommandLine(l)) if l.text == "dash "));
    a.update(code(KeyCode::Esc), NOW);
    // Unknown context names the known ones.
    a.contexts = vec!["prod".into(), "staging".into()];
    typed(&mut a, ":context qa", NOW);
    a.update(code(KeyCode::Enter), NOW);
    assert!(
        matches!(&a.overlay, Some(Overlay::CommandLine(l)) if l.error.as_deref().is_some_and(|e| e.contains("staging")))
    );
    a.update(code(KeyCode::Esc), NOW);
    typed(&mut a, ":context staging", NOW);
    let fx = a.update(code(KeyCode::Enter), NOW);
    assert!(fx.contains(&Effect::SwitchContext("staging".into())));
}

#[test]
fn a_context_switch_forgets_the_old_contexts_data() {
    let mut a = app();
    let fx = a.start(NOW);
    let reqs: Vec<_> = fetches(&fx).into_iter().cloned().collect();
    a.update(answer(&reqs[0], 5.0), NOW);
    let info = ContextInfo {
        name: "staging".into(),
        alertmanagers: vec![],
        pagerduty: false,
        ..context()
    };
    let fx = a.update(Action::ContextSwitched(Ok(info)), NOW + 1);
    assert_eq!(a.context.name, "staging");
    assert!(a.dashboards[0].panels[0].data.is_none());
    assert!(a.triage.pagerduty.is_none());
    assert_eq!(fetches(&fx).len(), 3);
    // A late answer from the old context is dropped.
    a.update(answer(&reqs[1], 5.0), NOW + 2);
    assert!(a.dashboards[0].panels[1].data.is_none());
}

#[test]
fn the_filter_narrows_panels_and_esc_clears_it() {
    let mut a = app();
    a.start(NOW);
    typed(&mut a, "/mem", NOW);
    assert_eq!(a.dashboards[0].visible(), vec![2]);
    assert_eq!(a.dashboards[0].focus, 2);
    a.update(code(KeyCode::Enter), NOW);
    assert!(a.overlay.is_none());
    assert_eq!(a.dashboards[0].filter, "mem");
    a.update(code(KeyCode::Esc), NOW);
    assert_eq!(a.dashboards[0].filter, "");
}

#[test]
fn hjkl_move_between_panels() {
    let mut a = app();
    a.start(NOW);
    assert_eq!(a.dashboards[0].focus, 0);
    a.update(key('j'), NOW);
    assert_eq!(a.dashboards[0].focus, 1);
    a.update(key('l'), NOW);
    assert_eq!(a.dashboards[0].focus, 2);
    a.update(code(KeyCode::Left), NOW);
    assert_eq!(a.dashboards[0].focus, 1);
    a.update(key('k'), NOW);
    assert_eq!(a.dashboards[0].focus, 0);
}

#[test]
fn small_terminals_scroll_to_the_focused_panel() {
    let mut a = app();
    a.update(
        Action::Resize {
            width: 80,
            height: 10,
        },
        NOW,
    );
    a.start(NOW);
    a.update(key('j'), NOW);
    assert!(
        a.dashboards[0].scroll > 0,
        "the chart below is scrolled into view"
    );
    a.update(key('k'), NOW);
    assert_eq!(a.dashboards[0].scroll, 0);
    // Tiny: nothing panics.
    a.update(
        Action::Resize {
            width: 20,
            height: 5,
        },
        NOW,
    );
    for c in "jjlkh+-[]=".chars() {
        a.update(key(c), NOW);
    }
}

#[test]
fn full_screen_has_a_cursor_that_moves_by_columns() {
    let mut a = app();
    let fx = a.start(NOW);
    for r in fetches(&fx) {
        a.update(answer(r, 10.0), NOW);
    }
    a.update(key('j'), NOW);
    let fx = a.update(key('f'), NOW);
    assert_eq!(a.mode(), Mode::Fullscreen);
    // Wider now: the panel is asked for again at a finer step.
    let r = fetches(&fx)
        .into_iter()
        .find(|r| r.key.panel == 1)
        .cloned()
        .expect("refetched at full width");
    a.update(answer(&r, 10.0), NOW);
    let window = a.dashboards[0].panels[1]
        .data
        .as_ref()
        .map(|d| d.window)
        .expect("data");
    assert_eq!(a.dashboards[0].fullscreen.map(|f| f.cursor), Some(None));
    a.update(key('h'), NOW);
    let c1 = a.dashboards[0]
        .fullscreen
        .and_then(|f| f.cursor)
        .expect("cursor set");
    assert!(
        c1 < window.end_ms && c1 >= window.end_ms - 2 * window.step_ms.max(window.range_ms() / 70)
    );
    a.update(key('H'), NOW);
    let c2 = a.dashboards[0]
        .fullscreen
        .and_then(|f| f.cursor)
        .expect("cursor");
    assert!(c2 < c1);
    assert_eq!((c2 - window.start_ms) % window.step_ms, 0, "on a step");
    a.update(code(KeyCode::Home), NOW);
    assert_eq!(
        a.dashboards[0].fullscreen.and_then(|f| f.cursor),
        Some(window.start_ms)
    );
    a.update(code(KeyCode::End), NOW);
    assert_eq!(a.dashboards[0].fullscreen.and_then(|f| f.cursor), None);
    a.update(code(KeyCode::Esc), NOW);
    assert!(a.dashboards[0].fullscreen.is_none());
    assert_eq!(a.mode(), Mode::Dashboard);
}

#[test]
fn the_variable_picker_loads_values_and_refetches_with_the_choice() {
    let mut a = app();
    a.start(NOW);
    a.update(key('v'), NOW);
    assert_eq!(a.overlay, Some(Overlay::Variables { selected: 0 }));
    let fx = a.update(code(KeyCode::Enter), NOW);
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchLabelValues { label, selector, .. } if label == "instance" && selector.as_deref() == Some("node_uname_info"))));
    a.update(
        Action::LabelValues {
            dashboard: 0,
            variable: 0,
            result: Ok(vec!["node-1".into(), "node-2\u{1b}[31m".into()]),
        },
        NOW,
    );
    assert_eq!(
        a.value_options(0),
        vec!["All", "node-1", "node-2"],
        "values are sanitized"
    );
    a.update(key('j'), NOW);
    a.update(key('j'), NOW);
    let fx = a.update(code(KeyCode::Enter), NOW);
    assert!(a.overlay.is_none());
    let reqs = fetches(&fx);
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs.iter()
            .all(|r| r.queries[0].expr.contains("instance=~\"node-2\"")),
        "{:?}",
        reqs[0].queries[0].expr
    );
    // Trading has no variables.
    a.update(key('2'), NOW);
    a.update(key('v'), NOW);
    assert!(a.overlay.is_none());
    assert!(a.message.is_some());
}

#[test]
fn help_and_quit() {
    let mut a = app();
    a.update(key('?'), NOW);
    assert_eq!(a.mode(), Mode::Help);
    // q closes help rather than quitting.
    a.update(key('q'), NOW);
    assert!(a.overlay.is_none());
    assert!(!a.quit);
    let fx = a.update(
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        NOW,
    );
    assert!(a.quit);
    assert_eq!(fx, vec![Effect::Quit]);
}

#[test]
fn a_user_keymap_changes_what_keys_do() {
    let mut opts = AppOptions::new(dashboards(), context());
    let errors = opts.keymap.merge_toml(
        "[global]\n\"q\" = \"none\"\n\"Q\" = \"quit\"\n",
        "keymap.toml",
    );
    assert!(errors.is_empty());
    let mut a = App::new(opts);
    a.update(key('q'), NOW);
    assert!(!a.quit);
    a.update(key('Q'), NOW);
    assert!(a.quit);
    let hints = crate::tui::view::status::hints(&a, Mode::Dashboard);
    assert!(hints.contains(&("Q".to_string(), "quit")), "{hints:?}");
}

#[test]
fn alerts_from_an_older_round_are_dropped_and_failures_keep_the_list() {
    let mut a = app();
    a.start(NOW);
    let alert = crate::tui::app::triage::tests::alert("ServiceDown", "critical", "f1", false);
    a.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(vec![alert.into()]),
        },
        NOW,
    );
    assert_eq!(a.triage.alerts.len(), 1);
    a.update(key('r'), NOW);
    a.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(vec![]),
        },
        NOW,
    );
    assert_eq!(a.triage.alerts.len(), 1, "old round dropped");
    a.update(
        Action::Alerts {
            source: 0,
            generation: 2,
            result: Err(down()),
        },
        NOW,
    );
    assert_eq!(a.triage.alerts.len(), 1, "kept through the failure");
    assert_eq!(
        a.triage.health[0].state(),
        crate::tui::state::HealthState::Down
    );
}

#[test]
fn without_prometheus_nothing_is_queried() {
    let mut a = App::new(AppOptions::new(
        dashboards(),
        ContextInfo {
            prometheus: false,
            ..context()
        },
    ));
    let fx = a.start(NOW);
    assert!(fetches(&fx).is_empty());
    assert!(a.dashboards[0]
        .panels
        .iter()
        .all(|p| matches!(p.view(), PanelView::Idle)));
}

#[test]
fn esc_and_a_key_read_together_count_as_both() {
    let mut a = app();
    a.start(NOW);
    a.update(key('?'), NOW);
    // What a terminal sends for Esc followed at once by q: alt-q.
    a.update(
        Action::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT)),
        NOW,
    );
    assert!(a.overlay.is_none(), "Esc closed help");
    assert!(a.quit, "and q quit");
}
