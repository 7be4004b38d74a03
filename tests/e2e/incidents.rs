//! End to end against the PagerDuty stand-in: `oncall watch --view incidents` opens on the
//! incidents, `enter` opens the detail pane with what PagerDuty holds (its alerts, notes and
//! timeline), `esc` closes it; marking two incidents and `A` asks once and acks both in one
//! bulk change.

use crate::harness;

use harness::pagerduty::ME_ID;
use harness::{PagerDutyStandin, TmuxSession};

const TOKEN: &str = "u+e2e-token-1234";

#[test]
fn incident_detail_pane_and_a_bulk_ack_against_the_standin() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    pd.add_note(
        "P0000001",
        ME_ID,
        "2026-01-01T10:05:00Z",
        "consumer restarted, lag falling",
    );
    let data_dir = tempfile::tempdir().expect("a temp dir for the incident log");
    let session = TmuxSession::start("oncall-incidents-e2e", 120, 40);
    let url = pd.url();
    let data = data_dir.path().display().to_string();
    session.run_oncall(
        &[
            ("ONCALL_PAGERDUTY_URL", &url),
            ("ONCALL_PAGERDUTY_TOKEN", TOKEN),
            ("ONCALL_PAGERDUTY_FROM", "ada@example.com"),
            ("ONCALL_DATA_DIR", &data),
        ],
        "watch --view incidents",
    );
    session.wait_for("the incidents", |s| {
        s.contains("Incidents 3 open") && s.contains("#1")
    });
    // The first row is #1 (high urgency sorts first; the stand-in's #1 is low, so find it).
    session.send("/");
    session.type_text("Incident 0");
    session.send("Enter");
    session.wait_for("#1 alone", |s| s.contains("1 open"));
    session.send("Enter");
    let pane = session.wait_for("the detail pane with notes and timeline", |s| {
        s.contains("consumer restarted, lag falling") && s.contains("timeline")
    });
    assert!(
        pane.contains("escalation") || pane.contains("Platform"),
        "{pane}"
    );
    assert!(pane.contains("pd alerts"), "{pane}");
    assert!(pane.contains("trigger"), "{pane}");
    let asked: Vec<String> = pd.requests().into_iter().map(|r| r.path).collect();
    assert!(
        asked.iter().any(|p| p == "/incidents/P0000001/notes"),
        "{asked:?}"
    );
    assert!(
        asked.iter().any(|p| p == "/incidents/P0000001/log_entries"),
        "{asked:?}"
    );
    session.send("Escape");
    session.wait_for("the pane closed", |s| !s.contains("timeline"));
    session.send("Escape"); // the filter
    session.wait_for("all three again", |s| s.contains("3 open"));
    // Mark two and ack both with one confirmation.
    session.send("Home");
    session.send("Space");
    session.send("Space");
    session.wait_for("two marked", |s| s.contains("2 marked"));
    session.send("A");
    session.wait_for("one confirmation", |s| {
        s.contains("Acknowledge 2 incidents")
    });
    session.send("y");
    session.wait_for("both acked", |s| s.contains("2 incidents acknowledged"));
    let puts: Vec<_> = pd
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1, "one bulk change: {puts:?}");
    assert_eq!(
        puts[0].json()["incidents"].as_array().map(Vec::len),
        Some(2)
    );
    session.quit_to_shell();
}
