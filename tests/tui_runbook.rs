//! The alerts view with a runbook open: beside the list on a wide terminal, over the whole
//! body on a narrow one, and the confirmation showing a step's exact argv. The runbook is
//! the shipped one, loaded by the runtime's loader.

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use oncall::model::alert::Alert;
use oncall::runbooks::Lookup;
use oncall::tui::action::{Action, Effect};
use oncall::tui::app::App;
use oncall::tui::runbook_loader;
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
            result: Ok(alerts()),
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
            result: Ok(vec![serde_json::from_value(serde_json::json!({
                "labels": {"alertname": "TeamSpecificThing", "severity": "warning"},
                "annotations": {},
                "fingerprint": "t",
                "startsAt": "2026-01-15T11:50:00Z", "updatedAt": "2026-01-15T11:50:00Z",
                "endsAt": "2026-01-15T13:00:00Z",
                "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
            }))
            .unwrap()]),
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
