//! Shared by the TUI tests: an app over the seven shipped dashboards at a fixed time, and
//! deterministic series to answer its queries with, for `update` and `draw` with no network
//! and no clock; and `screen`, the real runtime driven by keys and read by its frames.
#![allow(dead_code)]

pub mod screen;

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oncall::dashboards::model::{Dashboard, PanelKind, Unit};
use oncall::model::alert::Alert;
use oncall::model::series::Series;
use oncall::tui::action::{Action, ContextInfo, Effect, PanelRequest};
use oncall::tui::app::{App, AppOptions};
use oncall::tui::state::PanelFetch;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// 2026-01-15 12:00:00 UTC.
pub const NOW: i64 = 1_768_478_400_000;

pub fn context() -> ContextInfo {
    ContextInfo {
        name: "prod-eu".into(),
        prometheus: true,
        alertmanagers: vec!["alertmanager:9093".into()],
        pagerduty: true,
        insecure: vec![],
    }
}

pub fn dashboards() -> Vec<Dashboard> {
    let loaded = oncall::dashboards::load_embedded();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.dashboards
}

pub fn app(width: u16, height: u16) -> App {
    let mut opts = AppOptions::new(dashboards(), context());
    opts.width = width;
    opts.height = height;
    App::new(opts)
}

/// A key with no modifier, as the terminal hands it to `update`.
pub fn key(c: char) -> Action {
    chord(KeyCode::Char(c), KeyModifiers::NONE)
}

/// Any key with its modifiers.
pub fn chord(code: KeyCode, modifiers: KeyModifiers) -> Action {
    Action::Key(KeyEvent::new(code, modifiers))
}

/// Alertmanager's answer to the first alerts request of an app started at `NOW`.
pub fn answer_alerts(app: &mut App, alerts: Vec<Alert>) {
    app.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(alerts.into_iter().map(Into::into).collect()),
        },
        NOW,
    );
}

pub fn requests(effects: &[Effect]) -> Vec<PanelRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchPanel(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// Label names used in a legend template: `{{job}} {{instance}}` -> job, instance.
fn template_labels(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        out.push(after[..close].trim().to_string());
        rest = &after[close + 2..];
    }
    out
}

/// A plausible level for a unit, so values and axes read like a real platform.
fn base(unit: &Unit, kind: PanelKind) -> f64 {
    if kind == PanelKind::StatusGrid {
        return 1.0;
    }
    match unit {
        Unit::Percent => 42.0,
        Unit::Ratio => 0.93,
        Unit::Seconds => 0.18,
        Unit::Milliseconds => 120.0,
        Unit::Bytes => 2.5e9,
        Unit::BytesPerSec => 3.2e6,
        Unit::ReqPerSec | Unit::OpsPerSec => 350.0,
        Unit::Currency(_) => 125_000.0,
        Unit::Bool(_) => 1.0,
        _ => 48.0,
    }
}

/// Deterministic series answering `req` for `dashboard`'s panel: three series per query
/// when its legend names labels, a wave around a plausible level, a gap in the second
/// series, and one target down in status grids.
pub fn answer(dashboard: &Dashboard, req: &PanelRequest) -> Action {
    let panel = &dashboard.panels[req.key.panel];
    let w = req.window;
    let from = req.tail_from_ms.unwrap_or(w.start_ms);
    let mut per_query = Vec::new();
    for (q, query) in panel.queries.iter().enumerate() {
        let labels = template_labels(query.legend.as_deref().unwrap_or(""));
        let count = if labels.is_empty() { 1 } else { 3 };
        let mut series = Vec::new();
        for s in 0..count {
            let mut map = BTreeMap::new();
            for l in &labels {
                map.insert(l.clone(), format!("{l}-{}", s + 1));
            }
            let level = base(&panel.unit, panel.kind) * (1.0 + 0.25 * s as f64 + 0.1 * q as f64);
            let n = ((w.end_ms - from) / w.step_ms.max(1)) as usize + 1;
            let mut points = Vec::with_capacity(n);
            for i in 0..n {
                let t = from + i as i64 * w.step_ms;
                // A gap: the second series misses a stretch in the middle.
                if s == 1 && (n / 2..n / 2 + n / 10).contains(&i) {
                    continue;
                }
                let v = if panel.kind == PanelKind::StatusGrid {
                    if s == 2 && i > n / 2 {
                        0.0
                    } else {
                        1.0
                    }
                } else {
                    let phase = (t / w.step_ms.max(1)) as f64 / 9.0 + s as f64;
                    level * (1.0 + 0.2 * phase.sin())
                };
                points.push((t, v));
            }
            series.push(Series {
                labels: map,
                points,
            });
        }
        per_query.push(series);
    }
    Action::PanelData {
        key: req.key,
        generation: req.generation,
        result: Ok(PanelFetch {
            window: w,
            tail_from_ms: req.tail_from_ms,
            exprs: req.queries.iter().map(|q| q.expr.clone()).collect(),
            per_query,
            warnings: vec![],
            bytes: 1000,
        }),
    }
}

/// Answer every request in `effects`.
pub fn answer_all(app: &mut App, effects: &[Effect], now: i64) {
    for r in requests(effects) {
        let d = app.dashboards[r.key.dashboard].def.clone();
        app.update(answer(&d, &r), now);
    }
}

pub fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| oncall::tui::view::draw(f, app))
        .expect("draw");
    terminal
}

/// The screen as plain text, one line per row.
pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    screen::buffer_text(terminal.backend().buffer())
}
