//! The alerts view with a runbook open: beside the list on a wide terminal, over the whole
//! body on a narrow one, and the confirmation showing a step's exact argv. The runbook is
//! the shipped one, loaded by the runtime's loader. Last, the real event loop over the real
//! Alertmanager loads a team's runbook from its directory when `r` is pressed, and shows a
//! refused label value where the step would use it.

use crate::harness;
use crate::tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use oncall::model::alert::Alert;
use oncall::runbooks::Lookup;
use oncall::tui::action::{Action, Effect};
use oncall::tui::app::App;
use oncall::tui::runtime::runbook_loader;
use tui_support::*;

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn alerts() -> Vec<Alert> {
    [
        (
            "ServiceDown",
            "critical",
            "wallet-service",
            "10.0.3.7:8080",
            "w",
        ),
        (
            "HighLatency",
            "warning",
            "api-gateway",
            "10.0.0.2:8080",
            "h",
        ),
    ]
    .iter()
    .map(|(name, severity, job, instance, fp)| {
        serde_json::from_value(serde_json::json!({
            "labels": {"alertname": name, "severity": severity, "job": job,
                       "instance": instance},
            "annotations": {"summary": format!("{job} is not answering")},
            "fingerprint": fp,
            "startsAt": "2026-01-15T11:50:00Z", "updatedAt": "2026-01-15T11:50:00Z",
            "endsAt": "2026-01-15T13:00:00Z",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }))
        .expect("alert")
    })
    .collect()
}

/// The alerts view with ServiceDown's runbook open, loaded the way the runtime loads it.
async fn with_runbook(width: u16, height: u16) -> App {
    let mut app = app(width, height);
    app.start(NOW);
    app.update(key('8'), NOW);
    app.update(key('g'), NOW);
    app.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(alerts().into_iter().map(Into::into).collect()),
        },
        NOW,
    );
    let fx = app.update(key('r'), NOW);
    let [Effect::LoadRunbook {
        generation,
        alertname,
        annotations,
        ..
    }] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(alertname, "ServiceDown");
    let loading = screen_text(&render(&app, width, height));
    assert!(loading.contains("loading runbook…"), "{loading}");
    let result =
        runbook_loader::load(alertname.clone(), annotations.clone(), Lookup::default()).await;
    app.update(
        Action::RunbookLoaded {
            generation: *generation,
            result,
        },
        NOW,
    );
    app
}

#[tokio::test]
async fn runbook_beside_the_list_160x48() {
    let mut app = with_runbook(160, 48).await;
    app.update(key('n'), NOW);
    let text = screen_text(&render(&app, 160, 48));
    assert!(text.contains("[1] curl"), "{text}");
    assert!(text.contains("step 1/"), "{text}");
    assert!(
        text.contains("HighLatency"),
        "the list stays on the left: {text}"
    );
    assert_snapshot!("runbook_beside_160x48", text);

    app.update(key('x'), NOW);
    let text = screen_text(&render(&app, 160, 48));
    assert!(
        text.contains("curl -sG http://prometheus:9090/api/v1/targets --data-urlencode"),
        "{text}"
    );
    assert!(text.contains("scrapePool=wallet-service"), "{text}");
    assert_snapshot!("runbook_confirm_160x48", text);
}

#[tokio::test]
async fn runbook_over_the_body_80x24() {
    let mut app = with_runbook(80, 24).await;
    let text = screen_text(&render(&app, 80, 24));
    assert!(text.contains("Runbook ServiceDown"), "{text}");
    assert!(!text.contains("[1]"), "it opens at the top: {text}");
    app.update(key('n'), NOW);
    let text = screen_text(&render(&app, 80, 24));
    assert!(text.contains("step 1/"), "{text}");
    assert!(
        text.contains("[1] curl"),
        "n scrolls step 1 into view: {text}"
    );
    assert_snapshot!("runbook_full_80x24", text);
}

#[tokio::test]
async fn a_missing_runbook_says_what_was_tried_and_how_to_add_one() {
    let mut app = app(120, 30);
    app.start(NOW);
    app.update(key('8'), NOW);
    app.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(vec![std::sync::Arc::new(
                serde_json::from_value(serde_json::json!({
                    "labels": {"alertname": "TeamSpecificThing", "severity": "warning"},
                    "annotations": {},
                    "fingerprint": "t",
                    "startsAt": "2026-01-15T11:50:00Z", "updatedAt": "2026-01-15T11:50:00Z",
                    "endsAt": "2026-01-15T13:00:00Z",
                    "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
                }))
                .unwrap(),
            )]),
        },
        NOW,
    );
    let fx = app.update(key('r'), NOW);
    let [Effect::LoadRunbook {
        generation,
        alertname,
        annotations,
        ..
    }] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    let team = tempfile::tempdir().unwrap();
    let lookup = Lookup {
        dirs: vec![team.path().to_path_buf()],
        ..Lookup::default()
    };
    let result = runbook_loader::load(alertname.clone(), annotations.clone(), lookup).await;
    app.update(
        Action::RunbookLoaded {
            generation: *generation,
            result,
        },
        NOW,
    );
    let text = screen_text(&render(&app, 120, 30));
    assert!(text.contains("No runbook for TeamSpecificThing"), "{text}");
    assert!(text.contains("team-specific-thing.md"), "{text}");
    assert!(text.contains("runbook_dirs"), "{text}");
}

/// ServiceDown with an `instance` the policy refuses: the steps show the values that would
/// run, the refused placeholder and the reason under its step, and `x` refuses to plan it.
#[tokio::test]
async fn a_refused_label_is_marked_in_the_step_120x40() {
    let (width, height) = (120, 40);
    let mut app = app(width, height);
    app.start(NOW);
    app.update(key('8'), NOW);
    app.update(key('g'), NOW);
    let mut hostile = alerts();
    hostile.truncate(1);
    hostile[0]
        .labels
        .insert("instance".into(), "$(touch CANARY)".into());
    app.update(
        Action::Alerts {
            source: 0,
            generation: 1,
            result: Ok(hostile.into_iter().map(Into::into).collect()),
        },
        NOW,
    );
    let fx = app.update(key('r'), NOW);
    let [Effect::LoadRunbook {
        generation,
        alertname,
        annotations,
        ..
    }] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    let result =
        runbook_loader::load(alertname.clone(), annotations.clone(), Lookup::default()).await;
    app.update(
        Action::RunbookLoaded {
            generation: *generation,
            result,
        },
        NOW,
    );
    // Step 7 hits the target directly: it is the first to use `$instance`.
    for _ in 0..7 {
        app.update(key('n'), NOW);
    }
    let text = screen_text(&render(&app, width, height));
    assert!(text.contains("step 7/"), "{text}");
    assert!(
        text.contains("[7] curl -s -m 5 http://$instance/health"),
        "{text}"
    );
    assert!(
        text.contains("! value refused: instance=\"$(touch CANARY)\": it does not match"),
        "{text}"
    );
    assert!(text.contains("app=wallet-service"), "{text}");
    assert_snapshot!("runbook_refused_label_120x40", text);

    app.update(key('x'), NOW);
    let text = screen_text(&render(&app, width, height));
    assert!(!text.contains("Run this step?"), "{text}");
    assert!(text.contains("step 7 not run"), "{text}");
}

mod runtime {
    //! `r` through the real runtime: its `Effect::LoadRunbook` arm resolves the runbook in the
    //! team directory configured in the app's preferences, before the shipped one.

    use std::time::Duration;

    use crossterm::event::KeyCode;
    use oncall::sources::alertmanager::AlertmanagerClient;
    use oncall::sources::transport::Endpoint;
    use oncall::tui::action::ContextInfo;
    use oncall::tui::app::{App, AppOptions};
    use oncall::tui::runtime::Clients;

    use super::harness::{alert, Alertmanager};
    use super::tui_support::screen::Background;

    const TEAM_RUNBOOK: &str = "# ServiceDown\n\n\
        The cache team's own runbook for a cache that stopped answering.\n\n\
        ## Diagnosis\n\n\
        1. Ask the cache itself.\n\n\
        ```sh\nredis-cli -h $instance ping\n```\n\n\
        2. Read its logs.\n\n\
        ```sh\nkubectl -n cache logs -l app=$job --tail=100\n```\n";

    /// The real runtime over `am`, with `team` as the first runbook directory.
    fn start(am: &Alertmanager, team: &std::path::Path) -> Background {
        let mut endpoint = Endpoint::parse(&am.url()).expect("url");
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
            ..Clients::default()
        };
        let mut opts = AppOptions::new(Vec::new(), context);
        opts.width = 140;
        opts.height = 40;
        opts.prefs.runbooks.dirs = vec![team.to_path_buf()];
        Background::start(App::new(opts), clients)
    }

    #[test]
    fn r_loads_the_teams_runbook_through_the_runtime_and_marks_a_refused_value() {
        let team = tempfile::tempdir().expect("team dir");
        std::fs::write(team.path().join("service-down.md"), TEAM_RUNBOOK).expect("write");
        let am = Alertmanager::start();
        am.push(&[alert(
            &[
                ("alertname", "ServiceDown"),
                ("severity", "critical"),
                ("job", "cache-service"),
                ("instance", "--kubeconfig=/x"),
            ],
            &[("summary", "cache-service is not answering")],
        )]);
        am.wait_for_alerts("", 1);
        let ui = start(&am, team.path());
        let press = |c: char| ui.screen.press(KeyCode::Char(c));
        ui.wait_for("the alert", |t| t.contains("ServiceDown"));
        press('g');
        ui.wait_for("the alert as a row", |t| {
            t.lines()
                .any(|l| l.contains("critical") && l.contains("ServiceDown"))
        });
        press('r');
        let text = ui.wait_for("the team's runbook", |t| t.contains("cache team's own"));
        assert!(text.contains("Runbook ServiceDown"), "{text}");
        assert!(
            !text.contains("shipped runbook"),
            "the team's directory comes first: {text}"
        );
        press('n');
        press('n');
        let text = ui.wait_for("step 2 selected", |t| t.contains("step 2/2"));
        assert!(
            text.contains("[2] kubectl -n cache logs -l app=cache-service --tail=100"),
            "{text}"
        );
        assert!(text.contains("[1] redis-cli -h $instance ping"), "{text}");
        assert!(
            text.contains("! value refused: instance=\"--kubeconfig=/x\": it starts with `-`"),
            "{text}"
        );
        press('p');
        press('x');
        ui.wait_for("x refusing step 1", |t| t.contains("step 1 not run"));
    }
}
