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
    // The form opens on the comment, the only field left to fill.
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

/// k9s habits in the demo: shift-N sorts by name (again: reversed), space marks two firing
/// alerts, `s` makes one silence per marked alert after one confirmation, and both are in
/// the silences view and the incident log.
#[test]
fn demo_sort_mark_and_silence_several_alerts_at_once() {
    let data_dir = tempfile::tempdir().expect("a temp dir for the incident log");
    let session = TmuxSession::start("oncall-bulk-e2e", 160, 48);
    session.watch_demo(&[("ONCALL_DATA_DIR", &data_dir.path().display().to_string())]);
    session.send("8");
    session.send("g"); // flat
    session.wait_for("firing alerts", |s| {
        s.contains("SEVERITY") && s.contains(" firing ")
    });
    session.send("N");
    let sorted = session.wait_for("sorted by name", |s| s.contains("ALERT▲"));
    let names = column(&sorted, "ALERT▲");
    assert!(names.len() > 2, "{sorted}");
    assert!(
        names.windows(2).all(|w| w[0] <= w[1]),
        "{names:?}\n{sorted}"
    );
    session.send("N");
    let reversed = session.wait_for("reversed", |s| s.contains("ALERT▼"));
    let names = column(&reversed, "ALERT▼");
    assert!(
        names.windows(2).all(|w| w[0] >= w[1]),
        "{names:?}\n{reversed}"
    );
    // Mark the first two firing alerts (space moves down; j skips the others).
    session.send("Home");
    let mut marked = 0;
    for _ in 0..40 {
        if marked == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(150));
        if selected_state(&session.screen()).as_deref() == Some("firing") {
            session.send("Space");
            marked += 1;
        } else {
            session.send("j");
        }
    }
    assert_eq!(marked, 2, "{}", session.screen());
    session.wait_for("two marked", |s| s.contains("2 marked"));
    session.send("s");
    session.wait_for("the form for both", |s| {
        s.contains("One silence per marked alert (2)")
    });
    session.type_text("tmux bulk silence");
    session.send("C-s");
    session.wait_for("one confirmation for both", |s| {
        s.contains("Create 2 silences, one per marked alert") && s.contains("y do it")
    });
    session.send("y");
    let done = session.wait_for("both made", |s| s.contains("2 of 2 done"));
    assert!(!done.contains("failed"), "{done}");
    session.send("9");
    session.wait_for("both in the silences view", |s| {
        s.matches("tmux bulk silence").count() >= 2
    });
    session.quit_to_shell();
    let log = std::fs::read_to_string(data_dir.path().join("incident-log.demo.jsonl"))
        .expect("the UI wrote the incident log");
    let silences = log
        .lines()
        .filter(|l| l.contains("\"kind\":\"silence\"") && l.contains("tmux bulk silence"))
        .count();
    assert_eq!(silences, 2, "{log}");
}

/// The cells of the column headed `title` in the table's rows, as text.
fn column(screen: &str, title: &str) -> Vec<String> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((header, at)) = lines.iter().enumerate().find_map(|(i, l)| {
        let text: String = l.iter().collect();
        let byte = text.find(title)?;
        Some((i, text[..byte].chars().count()))
    }) else {
        return Vec::new();
    };
    lines[header + 1..]
        .iter()
        .take_while(|l| !l.is_empty() && l[0] != '─' && l.iter().any(|c| !c.is_whitespace()))
        .map(|l| {
            l.iter()
                .skip(at)
                .take_while(|c| !c.is_whitespace())
                .collect::<String>()
        })
        .collect()
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
