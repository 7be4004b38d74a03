//! Figures for the alerts view with 10,000 alerts in the harness's real Alertmanager: time to
//! show the view (fetch, merge, sort, group, first frame), time per filter keystroke (update
//! and frame), and peak RSS. Ignored by default; run in release:
//! `cargo test --release --test it_triage_perf -- --ignored --nocapture`.
//! It prints numbers and asserts only on correctness, never on timing.

mod harness;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::alertmanager::many_alerts;
use harness::Alertmanager;
use oncall::sources::alertmanager::{AlertQuery, AlertmanagerClient};
use oncall::sources::transport::Endpoint;
use oncall::tui::action::{Action, ContextInfo};
use oncall::tui::app::{App, AppOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn ten_thousand_alerts() {
    let am = Alertmanager::start();
    am.push_many(&many_alerts(10_000));
    am.wait_for_alerts("", 10_000);
    let client = AlertmanagerClient::new(Endpoint::parse(&am.url()).expect("url")).expect("client");
    let context = ContextInfo {
        name: "perf".into(),
        prometheus: false,
        alertmanagers: vec!["am".into()],
        pagerduty: false,
        insecure: vec![],
    };
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = 160;
    opts.height = 48;
    let mut app = App::new(opts);
    let now = chrono::Utc::now().timestamp_millis();
    app.start(now);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");

    let started = Instant::now();
    let alerts = harness::block_on(async move { client.alerts(&AlertQuery::default()).await })
        .expect("alerts");
    let fetched = started.elapsed();
    let generation = app.triage.generation;
    app.update(
        Action::Alerts {
            source: 0,
            generation,
            result: Ok(alerts),
        },
        now,
    );
    terminal
        .draw(|f| oncall::tui::view::draw(f, &app))
        .expect("draw");
    let shown = started.elapsed();
    assert_eq!(app.triage.entries.len(), 10_000);

    let mut per_key = Vec::new();
    app.update(
        Action::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
        now,
    );
    for c in "instance=~\"host-1.*\"".chars() {
        let t = Instant::now();
        app.update(
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            now,
        );
        terminal
            .draw(|f| oncall::tui::view::draw(f, &app))
            .expect("draw");
        per_key.push(t.elapsed());
    }
    let text_keys: Vec<_> = {
        let mut v = Vec::new();
        for _ in 0.."instance=~\"host-1.*\"".len() {
            app.update(
                Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
                now,
            );
        }
        for c in "host-12".chars() {
            let t = Instant::now();
            app.update(
                Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
                now,
            );
            terminal
                .draw(|f| oncall::tui::view::draw(f, &app))
                .expect("draw");
            v.push(t.elapsed());
        }
        v
    };
    let max = |v: &[std::time::Duration]| v.iter().max().copied().unwrap_or_default();
    let mean =
        |v: &[std::time::Duration]| v.iter().sum::<std::time::Duration>() / v.len().max(1) as u32;
    println!("10,000 alerts: fetch {fetched:?}, view shown after {shown:?}");
    println!(
        "matcher filter keystroke: mean {:?}, max {:?}",
        mean(&per_key),
        max(&per_key)
    );
    println!(
        "free-text filter keystroke: mean {:?}, max {:?}",
        mean(&text_keys),
        max(&text_keys)
    );
    println!("peak RSS: {:?} KiB", peak_rss_kib());
}
