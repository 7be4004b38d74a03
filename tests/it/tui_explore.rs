//! Grafana's habits on the dashboards: `i` inspects a panel (its PromQL as sent, step and
//! range, a table of its series), `y` copies the query with OSC 52, `:query PROMQL` opens an
//! ad-hoc panel full screen (a second one replaces it).

use crate::tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use insta::assert_snapshot;
use oncall::tui::action::Effect;
use oncall::tui::app::Overlay;
use tui_support::*;

fn command(app: &mut oncall::tui::app::App, line: &str) -> Vec<Effect> {
    app.update(key(':'), NOW);
    for c in line.chars() {
        app.update(key(c), NOW);
    }
    app.update(chord(KeyCode::Enter, KeyModifiers::NONE), NOW)
}

#[test]
fn inspect_shows_the_query_as_sent_and_copies_it() {
    for (w, h) in [(80, 24), (200, 50)] {
        let mut app = app(w, h);
        app.prefs.osc52 = true;
        let fx = app.start(NOW);
        answer_all(&mut app, &fx, NOW);
        app.update(key('i'), NOW);
        assert!(matches!(app.overlay, Some(Overlay::Inspect { .. })));
        let text = screen_text(&render(&app, w, h));
        assert!(text.contains("PromQL (as sent)"), "{text}");
        assert!(
            text.contains("NOW") && text.contains("MIN") && text.contains("MAX"),
            "{text}"
        );
        assert!(text.contains("step"), "{text}");
        assert_snapshot!(format!("inspect_{w}x{h}"), text);
        let fx = app.update(key('y'), NOW);
        let sent = app.sent_queries(0, app.dashboards[0].focus).join("\n");
        assert!(
            fx.contains(&Effect::Copy(sent.clone())),
            "y copies {sent}: {fx:?}"
        );
        assert!(
            !sent.contains("$__rate_interval"),
            "the query as sent: {sent}"
        );
        app.update(chord(KeyCode::Esc, KeyModifiers::NONE), NOW);
        assert!(app.overlay.is_none());
    }
}

#[test]
fn query_opens_an_ad_hoc_panel_and_a_second_replaces_it() {
    let mut app = app(120, 40);
    let fx = app.start(NOW);
    answer_all(&mut app, &fx, NOW);
    let n = app.dashboards.len();
    let fx = command(
        &mut app,
        "query sum by (job) (rate(http_requests_total[5m]))",
    );
    let asked = requests(&fx);
    assert_eq!(app.dashboards.len(), n + 1);
    assert!(
        asked.iter().any(|r| r
            .queries
            .iter()
            .any(|q| q.expr.contains("http_requests_total"))),
        "{asked:?}"
    );
    answer_all(&mut app, &fx, NOW);
    let text = screen_text(&render(&app, 120, 40));
    assert!(text.contains("Explore"), "{text}");
    command(&mut app, "query up");
    assert_eq!(app.dashboards.len(), n + 1, "one explore panel at a time");
    assert_eq!(app.dashboards[n].def.panels[0].queries[0].expr, "up");
    // Nothing to ask: said on the command line, nothing opened.
    let fx = command(&mut app, "query ");
    assert!(requests(&fx).is_empty());
    match &app.overlay {
        Some(Overlay::CommandLine(line)) => {
            assert!(line.error.as_deref().unwrap_or("").contains("PromQL"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_legend_hides_a_series_and_shows_only_one() {
    let mut app = app(120, 40);
    let fx = app.start(NOW);
    answer_all(&mut app, &fx, NOW);
    // A chart of three series (the first chart panel), full screen.
    let chart = app.dashboards[0]
        .def
        .panels
        .iter()
        .position(|p| {
            p.kind == oncall::dashboards::model::PanelKind::Chart
                && p.queries
                    .iter()
                    .any(|q| q.legend.as_deref().is_some_and(|l| l.contains("{{")))
        })
        .expect("a chart with several series");
    app.dashboards[0].focus = chart;
    let fx = app.update(key('f'), NOW);
    answer_all(&mut app, &fx, NOW);
    let names: Vec<String> = app.dashboards[0].panels[chart]
        .data
        .as_ref()
        .map(|d| d.series.iter().map(|s| s.legend.clone()).collect())
        .unwrap_or_default();
    assert!(names.len() >= 2, "{names:?}");
    app.update(key('n'), NOW);
    app.update(key(' '), NOW);
    let legend = &app.dashboards[0].legends[chart];
    assert_eq!(legend.hidden.len(), 1);
    assert!(
        legend.hidden.contains(&names[1]),
        "n selected the second, space hid it"
    );
    let text = screen_text(&render(&app, 120, 40));
    assert!(
        text.lines()
            .any(|l| l.contains("· ") && l.contains(&names[1])),
        "the hidden series stays in the legend, marked:\n{text}"
    );
    app.update(key('o'), NOW);
    let legend = &app.dashboards[0].legends[chart];
    assert_eq!(
        legend.hidden.len(),
        names.len() - 1,
        "only the selected one shows"
    );
    app.update(key('o'), NOW);
    assert!(
        app.dashboards[0].legends[chart].hidden.is_empty(),
        "again: all"
    );
}
