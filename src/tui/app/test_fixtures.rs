//! What the `update` tests of the app build on: an app for a context with the backends a test
//! needs, started at a fixed time, answered as the runtime would answer it, and keys pressed.
#![cfg(test)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::model::{Alert, Incident};
use crate::tui::action::{Action, ContextInfo, Effect};
use crate::tui::app::{App, AppOptions};

/// 2026-01-15 12:00:00 UTC.
pub const NOW: i64 = 1_768_478_400_000;

/// The backends a test's context has. The Alertmanager is called `am`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backends {
    pub prometheus: bool,
    pub alertmanager: bool,
    pub pagerduty: bool,
}

pub fn context(backends: Backends) -> ContextInfo {
    ContextInfo {
        name: "test".into(),
        prometheus: backends.prometheus,
        alertmanagers: if backends.alertmanager {
            vec!["am".into()]
        } else {
            vec![]
        },
        pagerduty: backends.pagerduty,
        insecure: vec![],
    }
}

/// Options for an app with no dashboards over `backends`, for the test to adjust.
pub fn options(backends: Backends) -> AppOptions {
    AppOptions::new(Vec::new(), context(backends))
}

/// The app made from `opts`, started at `NOW`.
pub fn started(opts: AppOptions) -> App {
    let mut a = App::new(opts);
    a.start(NOW);
    a
}

/// Alertmanager's answer to the app's current alerts request.
pub fn answer_alerts(a: &mut App, alerts: Vec<Alert>) -> Vec<Effect> {
    let generation = a.triage.generation;
    a.update(
        Action::Alerts {
            source: 0,
            generation,
            result: Ok(alerts.into_iter().map(Into::into).collect()),
        },
        NOW,
    )
}

/// PagerDuty's answer to the app's current incidents request.
pub fn answer_incidents(a: &mut App, incidents: Vec<Incident>) -> Vec<Effect> {
    let generation = a.triage.incidents_generation;
    a.update(
        Action::Incidents {
            generation,
            result: Ok(incidents),
        },
        NOW,
    )
}

pub fn key(a: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    a.update(Action::Key(KeyEvent::new(code, modifiers)), NOW)
}

/// A key with no modifier.
pub fn press(a: &mut App, code: KeyCode) -> Vec<Effect> {
    key(a, code, KeyModifiers::NONE)
}

/// Each character of `text` as its own key press.
pub fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        press(a, KeyCode::Char(c));
    }
}

/// The app drawn at its size, as text (one line per row).
pub fn draw(a: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(a.width, a.height)).unwrap();
    terminal
        .draw(|f| crate::tui::view::draw(f, a))
        .expect("draws");
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}
