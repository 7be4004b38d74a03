//! End to end through the built binary in tmux: `oncall --demo watch`, the wallet-service
//! HighErrorRate alert, `r` opens its runbook beside it with numbered steps, `n` moves to the
//! next step, `x` shows the exact argv with the alert's label value in it, and Esc or `n`
//! cancel without running anything; step 1 then runs against the demo's own Prometheus.
//! tmux missing fails the test with the install hint.

use crate::harness;

use harness::TmuxSession;

#[test]
fn demo_runbook_beside_an_alert_plans_a_step_and_cancels() {
    let data_dir = tempfile::tempdir().expect("a temp dir for the incident log");
    let session = TmuxSession::start("oncall-runbook-e2e", 160, 48);
    session.watch_demo(&[("ONCALL_DATA_DIR", &data_dir.path().display().to_string())]);
    session.send("8");
    session.send("g"); // flat: the first row is an alert, not a group
    session.wait_for("the alerts", |s| s.contains("HighErrorRate"));
    session.send("/");
    session.type_text("alertname=HighErrorRate");
    session.send("Enter");
    session.wait_for("the wallet-service alert alone", |s| {
        s.contains("service") && s.contains("wallet-service") && s.contains("filter alertname")
    });

    session.send("r");
    let screen = session.wait_for("the runbook with numbered steps", |s| {
        s.contains("Runbook HighErrorRate") && s.contains("[1] ")
    });
    assert!(screen.contains("high-error-rate.md"), "{screen}");
    // The demo's link is on a host that is not allowlisted: shown, not fetched.
    assert!(screen.contains("not fetched"), "{screen}");

    session.send("n");
    session.wait_for("step 1 selected", |s| s.contains("step 1/"));
    session.send("n");
    let screen = session.wait_for("step 2 selected", |s| s.contains("step 2/"));
    assert!(
        screen.contains("[2] "),
        "step 2 is scrolled into view: {screen}"
    );

    session.send("x");
    let screen = session.wait_for("the confirmation", |s| s.contains("Run this step?"));
    assert!(
        screen.contains("service=\"wallet-service\""),
        "the argv carries the alert's label value: {screen}"
    );
    assert!(screen.contains("y run it"), "{screen}");

    session.send("Escape");
    session.wait_for("the confirmation gone after Esc", |s| {
        !s.contains("Run this step?") && s.contains("not run")
    });
    session.send("x");
    session.wait_for("the confirmation again", |s| s.contains("Run this step?"));
    session.send("n");
    let screen = session.wait_for("the confirmation gone after n", |s| {
        !s.contains("Run this step?") && s.contains("not run")
    });
    assert!(
        screen.contains("Runbook HighErrorRate"),
        "the runbook stays open: {screen}"
    );
    assert!(!screen.contains("running "), "{screen}");

    // Step 1 queries `${prometheus_url}`: in the demo that is the demo's own Prometheus, so
    // the step runs and answers (it used to curl http://prometheus:9090 and fail with exit 6).
    session.send("p");
    session.wait_for("step 1 selected again", |s| s.contains("step 1/"));
    session.send("x");
    let screen = session.wait_for("the confirmation of step 1", |s| {
        s.contains("Run this step?")
    });
    assert!(screen.contains("http://127.0.0.1:"), "{screen}");
    assert!(!screen.contains("prometheus:9090"), "{screen}");
    session.send("y");
    session.wait_for("the step's answer in the pane", |s| {
        s.contains("\"status\":\"success\"") && s.contains("exit 0")
    });
    session.send("c"); // closes the pane of the finished step
    session.wait_for("the pane closed", |s| !s.contains("exit 0"));

    session.send("Escape");
    session.wait_for("the runbook closed", |s| {
        !s.contains("Runbook HighErrorRate")
    });
    session.quit_to_shell();
}
