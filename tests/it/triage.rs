//! The triage views driven by keys against the harness's real Alertmanager: a silence made
//! from an alert lands in Alertmanager with exactly the matchers the form showed and the alert
//! turns silenced; a submit that fails keeps the form. The runtime is the real one, with a
//! test backend for a screen and a channel for a keyboard.

use crate::harness;
use crate::tui_support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use harness::{alert, Alertmanager};
use oncall::model::matcher::Matcher;
use oncall::secret::Secret;
use oncall::sources::alertmanager::AlertmanagerClient;
use oncall::sources::pagerduty::PagerDutyClient;
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::transport::Endpoint;
use oncall::sources::Auth;
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use tui_support::screen::Background;

/// The real runtime on its own tokio runtime, over the given Alertmanager URL.
fn start(am_url: &str) -> Background {
    start_with(am_url, None, None)
}

/// As `start`, with PagerDuty too.
fn start_with(
    am_url: &str,
    pagerduty: Option<PagerDutyClient>,
    prometheus: Option<PrometheusClient>,
) -> Background {
    let mut endpoint = Endpoint::parse(am_url).expect("url");
    endpoint.timeout = Duration::from_secs(5);
    let context = ContextInfo {
        name: "test".into(),
        prometheus: prometheus.is_some(),
        alertmanagers: vec!["alertmanager".into()],
        pagerduty: pagerduty.is_some(),
        insecure: vec![],
    };
    let clients = Clients {
        alertmanagers: vec![AlertmanagerClient::new(endpoint).expect("client")],
        pagerduty,
        prometheus,
    };
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = 120;
    opts.height = 40;
    opts.prefs.author = "it-triage".into();
    Background::start(App::new(opts), clients)
}

#[test]
fn a_silence_made_from_an_alert_lands_with_the_matchers_shown() {
    let am = Alertmanager::start();
    am.push(&[
        alert(
            &[
                ("alertname", "DiskFull"),
                ("severity", "critical"),
                ("instance", "db-1"),
            ],
            &[("summary", "Disk full on db-1")],
        ),
        alert(
            &[
                ("alertname", "HighCPU"),
                ("severity", "warning"),
                ("instance", "web-1"),
            ],
            &[("summary", "CPU hot on web-1")],
        ),
    ]);
    am.wait_for_alerts("", 2);
    let ui = start(&am.url());
    ui.wait_for("both alerts", |t| {
        t.contains("DiskFull") && t.contains("HighCPU")
    });
    // The first row is DiskFull's group (critical sorts first): silence its alert.
    ui.screen.press(KeyCode::Char('s'));
    let form = ui.wait_for("the form's preview", |t| {
        t.contains("mutes 1 current alert")
    });
    let shown = [
        "alertname=\"DiskFull\"",
        "instance=\"db-1\"",
        "severity=\"critical\"",
    ];
    for m in shown {
        assert!(form.contains(m), "the form shows {m}:\n{form}");
    }
    // The form opens on the comment field.
    ui.screen.typed("disk swap CHG-42");
    ui.screen.key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    ui.wait_for("the confirmation", |t| t.contains("y do it"));
    ui.screen.press(KeyCode::Char('y'));
    ui.wait_for("the alert shown as silenced", |t| {
        t.contains("created and read back")
            && t.lines()
                .any(|l| l.contains("DiskFull") && l.contains("silenced"))
    });
    let silences = am.silences();
    assert_eq!(silences.len(), 1, "{silences:?}");
    let s = &silences[0];
    let mut got: Vec<String> = s["matchers"]
        .as_array()
        .expect("matchers")
        .iter()
        .map(|m| {
            serde_json::from_value::<oncall::model::matcher::ApiMatcher>(m.clone())
                .map(|a| Matcher::from(a).to_string())
                .expect("matcher")
        })
        .collect();
    got.sort();
    assert_eq!(got, shown.to_vec(), "exactly what the form showed");
    assert_eq!(s["comment"], "disk swap CHG-42");
    assert_eq!(s["createdBy"], "it-triage");
    // Alertmanager itself says the alert is silenced.
    let silenced = am.alerts("silenced=true&filter=alertname%3D%22DiskFull%22");
    assert_eq!(silenced.len(), 1);
    // The incident log has it, under the ID Alertmanager gave, with the matchers and comment.
    let log = ui.journal();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["kind"], "silence");
    assert_eq!(log[0]["target"], s["id"]);
    assert_eq!(log[0]["user"], "it-triage");
    assert_eq!(log[0]["context"], "test");
    let detail = log[0]["detail"].as_str().unwrap_or_default();
    for m in shown {
        assert!(detail.contains(m), "{detail}");
    }
    assert!(detail.ends_with(": disk swap CHG-42"), "{detail}");
    ui.screen.press(KeyCode::Char('q'));
}

#[test]
fn a_failed_submit_keeps_the_form() {
    // Nothing listens here: every Alertmanager call fails.
    let port = harness::free_port();
    let ui = start(&format!("http://127.0.0.1:{port}"));
    ui.wait_for("the alertmanager failure", |t| t.contains("stale"));
    ui.screen.press(KeyCode::Char('s'));
    ui.screen.typed("alertname=Nope");
    // Tab: the length, tab again: the comment.
    ui.screen.press(KeyCode::Tab);
    ui.screen.press(KeyCode::Tab);
    ui.screen.typed("maintenance");
    ui.screen.key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    ui.wait_for("the confirmation", |t| t.contains("y do it"));
    ui.screen.press(KeyCode::Char('y'));
    let screen = ui.wait_for("the error in the form", |t| {
        t.contains("not done") && t.contains("New silence")
    });
    assert!(screen.contains("alertname=Nope"), "{screen}");
    assert!(screen.contains("maintenance"), "{screen}");
    ui.screen.press(KeyCode::Char('q'));
}

#[test]
fn expire_and_extend_from_the_silences_view() {
    let am = Alertmanager::start();
    am.push(&[alert(&[("alertname", "Noisy"), ("severity", "info")], &[])]);
    am.wait_for_alerts("", 1);
    let now = chrono::Utc::now();
    let ends = now + chrono::Duration::hours(1);
    let id = am.create_silence(&serde_json::json!({
        "matchers": [{"name": "alertname", "value": "Noisy", "isRegex": false, "isEqual": true}],
        "startsAt": harness::alertmanager::rfc3339(now),
        "endsAt": harness::alertmanager::rfc3339(ends),
        "createdBy": "fixture", "comment": "made by the test"
    }));
    let ui = start(&am.url());
    ui.screen.press(KeyCode::Char('9'));
    ui.wait_for("the silence", |t| t.contains("made by the test"));
    // Extend by 1h: the picker, the confirmation, then Alertmanager's answer.
    ui.screen.press(KeyCode::Char('x'));
    ui.wait_for("the extend picker", |t| t.contains("+4h"));
    ui.screen.press(KeyCode::Char('2'));
    ui.wait_for("the confirmation", |t| {
        t.contains("Extend silence") && t.contains("y do it")
    });
    ui.screen.press(KeyCode::Char('y'));
    let screen = ui.wait_for("the extension", |t| {
        t.contains("now ends") || t.contains("was replaced by")
    });
    let active: Vec<serde_json::Value> = am
        .silences()
        .into_iter()
        .filter(|s| s["status"]["state"] == "active")
        .collect();
    assert_eq!(active.len(), 1, "{active:?}\n{screen}");
    let new_end: chrono::DateTime<chrono::Utc> = active[0]["endsAt"]
        .as_str()
        .expect("endsAt")
        .parse()
        .expect("time");
    let moved = (new_end - ends).num_seconds();
    assert!((3590..=3610).contains(&moved), "the end moved by {moved}s");
    let new_id = active[0]["id"].as_str().expect("id").to_string();
    if new_id != id {
        assert!(
            screen.contains(&new_id[..8]),
            "the replacement ID is shown:\n{screen}"
        );
    }
    // Expire it: confirmation first, then Alertmanager says expired.
    ui.screen.press(KeyCode::Home);
    ui.screen.press(KeyCode::Char('e'));
    ui.wait_for("the confirmation", |t| t.contains("Expire silence"));
    ui.screen.press(KeyCode::Char('y'));
    ui.wait_for("the expiry", |t| t.contains("expired"));
    harness::wait_for("Alertmanager to expire it", || {
        let s = am.silence(&new_id);
        (s["status"]["state"] == "expired").then_some(())
    });
    // Both changes are in the incident log.
    harness::wait_for("the extend and the expiry in the incident log", || {
        let kinds: Vec<String> = ui
            .journal()
            .iter()
            .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
            .collect();
        (kinds == ["extend", "expire"]).then_some(())
    });
    ui.screen.press(KeyCode::Char('q'));
}

#[test]
fn ack_of_an_alert_sends_one_bulk_put_with_from() {
    use harness::pagerduty::{incident_at, PagerDutyStandin, ME_EMAIL};
    const TOKEN: &str = "u+standin-token-123";
    let am = Alertmanager::start();
    am.push(&[alert(
        &[
            ("alertname", "DiskFull"),
            ("severity", "critical"),
            ("instance", "db-7"),
        ],
        &[],
    )]);
    am.wait_for_alerts("", 1);
    let pd = PagerDutyStandin::start(TOKEN, 2);
    let mut incident = incident_at(0);
    incident.id = "PDISK01".into();
    incident.number = 99;
    incident.title = "[FIRING:1] DiskFull (db-7)".into();
    incident.status = "triggered".into();
    pd.add_incident(incident);
    let mut ep = Endpoint::parse(&pd.url()).expect("url");
    ep.auth = Auth::PagerDutyToken(Secret::new(TOKEN));
    let client = PagerDutyClient::new(ep, Some(ME_EMAIL.to_string())).expect("client");
    let ui = start_with(&am.url(), Some(client), None);
    ui.wait_for("the matching incident in the detail", |t| t.contains("#99"));
    ui.wait_for("who is on call in the header", |t| {
        t.contains("L1 Ada Oncall") && t.contains("L2 Bob Second")
    });
    pd.clear_requests();
    ui.screen.press(KeyCode::Char('A'));
    // Matched by title only (no route pages PagerDuty here): a proposal, sent on `y`.
    ui.wait_for("the proposal", |t| {
        t.contains("matched only by its title") && t.contains("#99")
    });
    assert!(
        pd.requests().iter().all(|r| r.method != "PUT"),
        "not before y"
    );
    ui.screen.press(KeyCode::Char('y'));
    ui.wait_for("the ack", |t| t.contains("1 incident acknowledged"));
    let writes: Vec<_> = pd
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(writes.len(), 1, "one bulk PUT: {writes:?}");
    assert_eq!(writes[0].path, "/incidents");
    assert_eq!(writes[0].header("from"), Some(ME_EMAIL));
    let body = writes[0].json();
    assert_eq!(body["incidents"][0]["id"], "PDISK01");
    assert_eq!(body["incidents"][0]["status"], "acknowledged");
    assert_eq!(
        pd.incident("PDISK01").map(|i| i.status),
        Some("acknowledged".into())
    );
    harness::wait_for("the ack in the incident log", || {
        let log = ui.journal();
        (log.len() == 1 && log[0]["kind"] == "ack" && log[0]["target"] == "PDISK01").then_some(())
    });
    ui.screen.press(KeyCode::Char('q'));
}

#[test]
fn pending_alerts_come_from_prometheus() {
    let am = Alertmanager::start();
    let prom = harness::prometheus::Prometheus::builder()
        .rules(
            r#"
groups:
  - name: triage
    interval: 1s
    rules:
      - alert: SlowBurn
        expr: vector(1)
        for: 1h
        labels: {severity: warning}
        annotations: {summary: "burning slowly"}
"#,
        )
        .start();
    prom.wait_for_alert("SlowBurn", "pending");
    let client = PrometheusClient::new(Endpoint::parse(&prom.url()).expect("url")).expect("client");
    let ui = start_with(&am.url(), None, Some(client));
    let screen = ui.wait_for("the pending alert", |t| {
        t.lines()
            .any(|l| l.contains("SlowBurn") && l.contains("pending"))
    });
    assert!(screen.contains("1 pending"), "{screen}");
    ui.screen.press(KeyCode::Char('q'));
}
