//! End to end: the built binary in a real terminal (tmux, 160x48), `oncall --demo watch`,
//! through every view by its key, help, and quit; afterwards the shell prompt is back and the
//! alternate screen is off. tmux missing fails the test with the install hint.

use crate::harness;

use std::path::PathBuf;

use harness::TmuxSession;

#[test]
fn demo_through_every_view_and_quit_restores_the_terminal() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_oncall"));
    let session = TmuxSession::start("oncall-e2e", 160, 48);
    let name = session.name.clone();
    session.send(&format!("{} --demo watch", binary.display()));
    session.send("Enter");

    session.wait_for("the demo's first dashboard with data", |s| {
        s.contains("DEMO")
            && s.contains("System Health Overview")
            && !s.contains("loading…")
            && s.contains("▲")
    });
    let views = [
        ("2", "Application Performance"),
        ("3", "Trading Engine Metrics"),
        ("4", "Database & Cache Performance"),
        ("5", "Business Metrics"),
        ("6", "Security & Anomaly Detection"),
        ("7", "Infrastructure"),
        ("8", "SEVERITY"),
        ("9", "Silences"),
        ("0", "Incidents"),
        ("Tab", "System Health Overview"),
    ];
    for (key, expect) in views {
        session.send(key);
        let screen = session.wait_for(expect, |s| s.contains(expect) && !s.contains("loading…"));
        assert!(screen.contains("DEMO"), "the DEMO label stays:\n{screen}");
        assert!(!screen.contains("query failed"), "{key}:\n{screen}");
    }
    session.send("?");
    session.wait_for("help", |s| {
        s.contains("Everywhere") && s.contains("Zoom in")
    });
    session.send("Escape");
    session.wait_for("help closed", |s| !s.contains("Everywhere"));
    session.send("q");
    let screen = session.wait_for("the shell again", |s| {
        !s.contains("DEMO") && s.matches("e2e$").count() >= 2
    });
    assert!(
        screen.contains("--demo watch"),
        "the command line is back on the normal screen:\n{screen}"
    );
    let alternate = session.tmux(&["display", "-p", "-t", &name, "#{alternate_on}"]);
    assert_eq!(alternate.trim(), "0", "the alternate screen was left");
    // The shell still works: the terminal is out of raw mode.
    session.send("echo still-$((40+2))");
    session.send("Enter");
    session.wait_for("the shell answering", |s| s.contains("still-42"));
}
