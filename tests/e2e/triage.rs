//! End to end through the built binary in tmux: `oncall --demo watch`, silence the first
//! alert from the alerts view with the form, confirm, and see it silenced and listed, and
//! written to the incident log.
//! tmux missing fails the test with the install hint.

use crate::harness;

use std::time::Duration;

use harness::TmuxSession;

#[test]
fn demo_silence_from_an_alert_shows_it_silenced() {
    let data_dir = tempfile::tempdir().expect("a temp dir for the incident log");
    let session = TmuxSession::start("oncall-triage-e2e", 160, 48);
    session.watch_demo(&[("ONCALL_DATA_DIR", &data_dir.path().display().to_string())]);
    session.send("8");
    session.send("g"); // flat: the first row is an alert, not a group
    let list = session.wait_for("firing alerts", |s| {
        s.contains("SEVERITY") && s.contains(" firing ")
    });
    assert!(list.contains("DEMO"), "{list}");
    // Move to the first firing alert (pending and silenced ones come first at times).
    for _ in 0..20 {
        if selected_state(&session.screen()).as_deref() == Some("firing") {
            break;
        }
        session.send("j");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(selected_state(&session.screen()).as_deref(), Some("firing"));
    session.send("s");
    session.wait_for("the form with its preview", |s| {
        s.contains("New silence") && s.contains("mutes 1 current alert")
    });
    session.send("Up");
    session.type_text("tmux end-to-end");
    session.send("C-s");
    session.wait_for("the confirmation", |s| s.contains("y do it"));
    session.send("y");
    let screen = session.wait_for("the silence created", |s| {
        s.contains("created and read back")
    });
    assert!(!screen.contains("the write failed"), "{screen}");
    // Wait for the objects acted on, not for counts the demo's own scenario also moves: the
    // silence's ID from the message, then the alert (still selected) turned silenced, and the
    // silence with that ID in the silences view.
    let id = silence_id(&screen).expect("the message names the silence");
    session.wait_for("the alert turned silenced", |s| {
        selected_state(s).as_deref() == Some("silenced")
    });
    session.send("9");
    session.wait_for("the silence in the silences view", |s| {
        s.contains(&id[..8]) && s.contains("tmux end-to-end")
    });
    session.quit_to_shell();
    // The silence is in the incident log, with the comment typed in the form.
    let log = std::fs::read_to_string(data_dir.path().join("incident-log.demo.jsonl"))
        .expect("the UI wrote the incident log");
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON entry per line"))
        .collect();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["kind"], "silence", "{log}");
    assert!(
        entries[0]["detail"]
            .as_str()
            .is_some_and(|d| d.ends_with(": tmux end-to-end")),
        "{log}"
    );
    assert_eq!(entries[0]["target"].as_str(), Some(id.as_str()), "{log}");
}

/// The ID in "silence <ID> created and read back".
fn silence_id(screen: &str) -> Option<String> {
    let at = screen.find("created and read back")?;
    let before = screen[..at].trim_end();
    let id = before.rsplit(' ').next()?;
    (id.len() == 36).then(|| id.to_string())
}

/// The state of the selected alert: the first word of the detail pane under the rule.
fn selected_state(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let rule = lines.iter().position(|l| l.starts_with("────"))?;
    lines
        .get(rule + 1)?
        .split_whitespace()
        .next()
        .map(str::to_string)
}
