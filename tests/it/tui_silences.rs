//! The silences view as a silence inventory: screens drawn from fixed data at a fixed time
//! (stale, ack-resolved, ending and duplicate silences, the detail pane, hostile comments,
//! at 80x24 and 200x50), and the real runtime against the harness's real Alertmanager: a
//! silence that matches nothing shows `stale` and 0, one that mutes two alerts shows 2.

use crate::harness;
use crate::tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use harness::{alert, Alertmanager};
use insta::assert_snapshot;
use oncall::model::alert::Alert;
use oncall::model::silence::Silence;
use oncall::sources::alertmanager::AlertmanagerClient;
use oncall::sources::transport::Endpoint;
use oncall::tui::action::{Action, ContextInfo};
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use tui_support::screen::Background;
use tui_support::*;

fn alert_at(name: &str, fp: &str, instance: &str, silenced_by: &[&str]) -> Alert {
    serde_json::from_value(serde_json::json!({
        "labels": {"alertname": name, "severity": "warning", "job": "node", "instance": instance},
        "annotations": {"summary": format!("{name} on {instance}")},
        "fingerprint": fp,
        "startsAt": "2026-01-15T11:30:00Z",
        "updatedAt": "2026-01-15T11:59:00Z",
        "endsAt": "2026-01-15T12:10:00Z",
        "status": {
            "state": if silenced_by.is_empty() { "active" } else { "suppressed" },
            "silencedBy": silenced_by,
            "inhibitedBy": []
        }
    }))
    .expect("alert JSON")
}

fn silence(id: &str, matchers: serde_json::Value, by: &str, comment: &str, ends: &str) -> Silence {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "matchers": matchers,
        "startsAt": "2026-01-15T11:00:00Z",
        "endsAt": ends,
        "createdBy": by,
        "comment": comment,
        "status": {"state": if ends < "2026-01-15T12:00:00Z" { "expired" } else { "active" }},
        "updatedAt": "2026-01-15T11:05:00Z"
    }))
    .expect("silence JSON")
}

fn name_is(value: &str) -> serde_json::Value {
    serde_json::json!([{"name": "alertname", "value": value, "isRegex": false, "isEqual": true}])
}

/// A maintenance window that has not started: what it would mute shows in brackets.
fn pending_window() -> Silence {
    let mut s = silence(
        "9999-window",
        name_is("HighCPU"),
        "frank",
        "web-1 kernel upgrade at 13:00",
        "2026-01-15T15:00:00Z",
    );
    s.starts_at = "2026-01-15T13:00:00Z".parse().expect("time");
    s.status = oncall::model::silence::SilenceState::Pending;
    s
}

/// Disk mutes two alerts (and a duplicate of it claims them too), a forgotten maintenance
/// silence matches nothing, an ack's alert resolved, another ack ends in 4 minutes, one
/// expired, a comment carries escape sequences, and a
/// maintenance window is still to come.
fn inventory_app(width: u16, height: u16) -> App {
    let mut app = app(width, height);
    app.start(NOW);
    app.update(
        Action::Silences {
            source: 0,
            generation: 1,
            result: Ok(vec![
                silence(
                    "5e1f-disk",
                    name_is("DiskFull"),
                    "alice",
                    "disk swap CHG-1234",
                    "2026-01-15T14:00:00Z",
                ),
                silence(
                    "77aa-disk-again",
                    name_is("DiskFull"),
                    "bob",
                    "same again, just in case",
                    "2026-01-15T16:00:00Z",
                ),
                silence(
                    "0c3b-maint",
                    serde_json::json!([
                        {"name": "alertname", "value": "HostDown", "isRegex": false, "isEqual": true},
                        {"name": "instance", "value": "db-9.*", "isRegex": true, "isEqual": true}
                    ]),
                    "carol",
                    "db-9 maintenance (finished early)",
                    "2026-01-18T06:00:00Z",
                ),
                silence(
                    "a11c-ack-old",
                    name_is("QueueBacklog"),
                    "dave",
                    "ACK! acknowledged in oncall",
                    "2026-01-15T12:20:00Z",
                ),
                silence(
                    "b22d-ack-cpu",
                    name_is("HighCPU"),
                    "erin",
                    "ACK! looking at it",
                    "2026-01-15T12:04:00Z",
                ),
                silence(
                    "e0e0-hostile",
                    name_is("Nothing"),
                    "mallory\u{1b}[31m",
                    "evil \u{1b}]52;c;aGVsbG8=\u{7}comment\u{1b}[2J here",
                    "2026-01-15T18:00:00Z",
                ),
                pending_window(),
                silence(
                    "f00d-old",
                    name_is("DiskFull"),
                    "alice",
                    "yesterday's swap",
                    "2026-01-15T11:40:00Z",
                ),
            ]),
        },
        NOW,
    );
    answer_alerts(
        &mut app,
        vec![
            alert_at(
                "DiskFull",
                "d1",
                "db-1:9100",
                &["5e1f-disk", "77aa-disk-again"],
            ),
            alert_at(
                "DiskFull",
                "d2",
                "db-2:9100",
                &["5e1f-disk", "77aa-disk-again"],
            ),
            alert_at("HighCPU", "c1", "web-1:9100", &["b22d-ack-cpu"]),
            alert_at("HostDown", "h1", "web-3:9100", &[]),
        ],
    );
    app.update(key('9'), NOW);
    app
}

fn screen(app: &App, width: u16, height: u16) -> String {
    screen_text(&render(app, width, height))
}

#[test]
fn inventory_80x24() {
    let app = inventory_app(80, 24);
    let text = screen(&app, 80, 24);
    assert!(text.contains("2 stale"), "{text}");
    assert!(text.contains("1 resolved"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape sequences are stripped");
    assert_snapshot!("inventory_80x24", text);
}

#[test]
fn inventory_200x50() {
    let app = inventory_app(200, 50);
    let text = screen(&app, 200, 50);
    for word in [
        "stale",
        "ack resolved",
        "ack ends soon",
        "dup",
        "MUTES",
        "BY",
    ] {
        assert!(text.contains(word), "{word}:\n{text}");
    }
    assert_snapshot!("inventory_200x50", text);
}

/// The detail pane of each kind of silence, reached with the keys.
#[test]
fn detail_pane_of_stale_duplicate_and_ack_silences() {
    let mut app = inventory_app(120, 40);
    // Rows: active by end (ack-cpu, ack-old, disk, disk-again, hostile, maint), then expired.
    let rows: Vec<String> = oncall::tui::app::rows::silence_rows(&app)
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let select = |app: &mut App, id: &str| {
        let at = rows.iter().position(|r| r == id).expect("row");
        app.update(
            chord(KeyCode::Home, crossterm::event::KeyModifiers::NONE),
            NOW,
        );
        for _ in 0..at {
            app.update(key('j'), NOW);
        }
    };
    select(&mut app, "0c3b-maint");
    let stale = screen(&app, 120, 40);
    assert!(stale.contains("matches nothing"), "{stale}");
    assert_snapshot!("detail_stale_120x40", stale);
    select(&mut app, "5e1f-disk");
    let disk = screen(&app, 120, 40);
    assert!(disk.contains("mutes 2"), "{disk}");
    assert!(disk.contains("77aa-disk-again"), "{disk}");
    assert_snapshot!("detail_duplicate_120x40", disk);
    select(&mut app, "b22d-ack-cpu");
    let ack = screen(&app, 120, 40);
    assert!(ack.contains("active ack"), "{ack}");
    assert!(ack.contains("ends soon"), "{ack}");
    assert_snapshot!("detail_ack_ending_120x40", ack);
    select(&mut app, "9999-window");
    let window = screen(&app, 120, 40);
    assert!(window.contains("would mute 1"), "{window}");
    assert!(window.contains("starts in 1h"), "{window}");
    assert_snapshot!("detail_pending_120x40", window);
}

/// The flag words filter the list.
#[test]
fn filter_by_flag_word() {
    let mut app = inventory_app(100, 30);
    app.update(key('/'), NOW);
    for c in "dup".chars() {
        app.update(key(c), NOW);
    }
    app.update(
        chord(KeyCode::Enter, crossterm::event::KeyModifiers::NONE),
        NOW,
    );
    let text = screen(&app, 100, 30);
    assert!(text.contains("2 shown"), "{text}");
    assert_snapshot!("filter_dup_100x30", text);
}

/// The alerts view: the acked alert's ack ends in 4 minutes, and says how to extend it.
#[test]
fn alert_detail_says_when_its_ack_ends() {
    let mut app = inventory_app(120, 40);
    app.update(key('8'), NOW);
    app.update(key('g'), NOW);
    let row = app
        .triage
        .rows
        .iter()
        .position(|r| r.key(&app.triage.entries) == "c1")
        .expect("the acked alert");
    for _ in 0..row {
        app.update(key('j'), NOW);
    }
    let text = screen(&app, 120, 40);
    assert!(text.contains("ack ends in 4m · x extends it"), "{text}");
    assert_snapshot!("alert_ack_ends_120x40", text);
}

/// The real runtime over the harness's Alertmanager.
fn start(am_url: &str) -> Background {
    let mut endpoint = Endpoint::parse(am_url).expect("url");
    endpoint.timeout = Duration::from_secs(5);
    let context = ContextInfo {
        name: "test".into(),
        prometheus: false,
        alertmanagers: vec!["alertmanager".into()],
        pagerduty: false,
        insecure: vec![],
    };
    let clients = Clients {
        alertmanagers: vec![AlertmanagerClient::new(endpoint).expect("client")],
        pagerduty: None,
        prometheus: None,
    };
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = 160;
    opts.height = 40;
    Background::start(App::new(opts), clients)
}

fn api_silence(name: &str, comment: &str) -> serde_json::Value {
    let now = chrono::Utc::now();
    serde_json::json!({
        "matchers": [{"name": "alertname", "value": name, "isRegex": false, "isEqual": true}],
        "startsAt": harness::alertmanager::rfc3339(now),
        "endsAt": harness::alertmanager::rfc3339(now + chrono::Duration::hours(2)),
        "createdBy": "it-silences",
        "comment": comment,
    })
}

#[test]
fn real_alertmanager_stale_and_muting_silences() {
    let am = Alertmanager::start();
    am.push(&[
        alert(
            &[("alertname", "DiskFull"), ("instance", "db-1")],
            &[("summary", "disk full on db-1")],
        ),
        alert(
            &[("alertname", "DiskFull"), ("instance", "db-2")],
            &[("summary", "disk full on db-2")],
        ),
    ]);
    am.wait_for_alerts("", 2);
    let muting = am.create_silence(&api_silence("DiskFull", "disk swap"));
    let stale = am.create_silence(&api_silence("GoneForGood", "forgotten maintenance"));
    am.wait_for_alerts("silenced=true&active=false", 2);
    let ui = start(&am.url());
    ui.screen.press(KeyCode::Char('9'));
    let row = |text: &str, id: &str| -> String {
        text.lines()
            .find(|l| l.contains(id))
            .unwrap_or_default()
            .to_string()
    };
    // The matchers identify each row (the ID is in the detail pane).
    let text = ui.wait_for("both silences with their counts", |t| {
        let m = row(t, "alertname=\"DiskFull\"");
        let s = row(t, "alertname=\"GoneForGood\"");
        m.contains(" 2 ") && s.contains(" 0 ") && s.contains("stale")
    });
    assert!(text.contains("1 stale"), "{text}");
    let m = row(&text, "alertname=\"DiskFull\"");
    assert!(!m.contains("stale"), "{m}");
    // The detail pane of the selected silence names its ID and the alerts it mutes.
    let first_is_muting = text
        .lines()
        .position(|l| l.contains("alertname=\"DiskFull\""))
        < text
            .lines()
            .position(|l| l.contains("alertname=\"GoneForGood\""));
    if !first_is_muting {
        ui.screen.press(KeyCode::Char('j'));
    }
    let detail = ui.wait_for("the muting silence's detail", |t| t.contains(&muting));
    assert!(detail.contains("mutes 2"), "{detail}");
    assert!(detail.contains("instance=db-1"), "{detail}");
    assert!(detail.contains("instance=db-2"), "{detail}");
    assert!(!detail.contains(&stale), "only the selected silence's ID");
    ui.screen.press(KeyCode::Char('q'));
}
