//! End to end through the built binary in tmux: `oncall --demo watch`, silence the first
//! alert from the alerts view with the form, confirm, and see it silenced and listed.
//! Skipped (with a note) where tmux is not installed.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

struct Session {
    name: String,
    _home: tempfile::TempDir,
}

impl Session {
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn send(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", &self.name, keys]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Wait until the pane shows what `pred` wants; fail with the pane if it never does.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("never saw {what}; the pane showed:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn demo_silence_from_an_alert_shows_it_silenced() {
    if !tmux_available() {
        eprintln!("tmux is not installed; skipping the end-to-end test");
        return;
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_oncall"));
    let home = tempfile::tempdir().expect("temp home");
    let name = format!("oncall-triage-e2e-{}", std::process::id());
    let shell = format!(
        "env -i HOME={} USER=e2e TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin PS1='e2e$ ' bash --norc --noprofile",
        home.path().display()
    );
    let session = Session {
        name: name.clone(),
        _home: home,
    };
    let out = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "160",
            "-y",
            "48",
            &shell,
        ])
        .output()
        .expect("tmux starts");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    session.wait_for("the shell prompt", |s| s.contains("e2e$"));
    session.send(&format!("{} --demo watch", binary.display()));
    session.send("Enter");
    session.wait_for("the demo", |s| s.contains("DEMO"));
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
    session.tmux(&["send-keys", "-t", &name, "-l", "tmux end-to-end"]);
    session.send("C-s");
    session.wait_for("the confirmation", |s| s.contains("y do it"));
    session.send("y");
    let screen = session.wait_for("the silence created", |s| {
        s.contains("created and read back")
    });
    assert!(!screen.contains("the write failed"), "{screen}");
    // The refresh after the write shows one more alert silenced than before.
    let before = silenced_count(&list);
    session.wait_for("the alert turned silenced", |s| {
        silenced_count(s) == before + 1
    });
    session.send("9");
    session.wait_for("the silence in the silences view", |s| {
        s.contains("tmux end-to-end")
    });
    session.send("q");
    session.wait_for("the shell again", |s| {
        !s.contains("DEMO") && s.matches("e2e$").count() >= 2
    });
}

/// The "N silenced" count of the alerts view's title line.
fn silenced_count(screen: &str) -> usize {
    screen
        .lines()
        .find(|l| l.contains(" firing · "))
        .and_then(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "silenced")?;
            words.get(at.checked_sub(1)?)?.parse().ok()
        })
        .unwrap_or(0)
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
