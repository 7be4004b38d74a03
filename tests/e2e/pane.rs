//! End to end through the built binary in tmux: `oncall --demo watch`, the alerts view, `!`
//! opens a shell in the pane, a typed command runs there, the prefix key gives the keys back
//! to oncall, `q` quits, and the terminal is the user's again.
//! tmux missing fails the test with the install hint.

use crate::harness;

use harness::TmuxSession;

#[test]
fn demo_shell_in_the_pane_then_quit_restores_the_terminal() {
    let data_dir = tempfile::tempdir().expect("a temp dir for the incident log");
    let session = TmuxSession::start("oncall-pane-e2e", 120, 40);
    session.watch_demo(&[
        ("ONCALL_DATA_DIR", &data_dir.path().display().to_string()),
        ("ONCALL_PAGERDUTY_TOKEN", "pd-secret-e2e"),
    ]);
    session.send("8");
    session.wait_for("the alerts view", |s| s.contains("SEVERITY"));
    session.send("!");
    session.wait_for("the shell in the pane", |s| {
        s.contains("shell (") && s.contains("keys: program")
    });
    session.type_text("echo hello-from-pane $ONCALL_PAGERDUTY_TOKEN.");
    session.send("Enter");
    let screen = session.wait_for("the command's output", |s| {
        s.lines()
            .any(|l| l.contains("hello-from-pane .") && !l.contains("echo"))
    });
    // The alerts are still on screen above the pane.
    assert!(screen.contains("SEVERITY"), "{screen}");
    assert!(!screen.contains("pd-secret-e2e"), "{screen}");
    session.send("C-g");
    session.wait_for("the keys back with oncall", |s| s.contains("keys: oncall"));
    let screen = session.quit_to_shell();
    assert!(!screen.contains("hello-from-pane"), "{screen}");
    // The alternate screen is off and the shell takes input as before.
    let alternate = session.tmux(&[
        "display-message",
        "-p",
        "-t",
        &session.name,
        "#{alternate_on}",
    ]);
    assert_eq!(alternate.trim(), "0");
    session.type_text("echo back-in-the-shell");
    session.send("Enter");
    session.wait_for("the shell answering", |s| {
        s.lines().any(|l| l.trim() == "back-in-the-shell")
    });
}
