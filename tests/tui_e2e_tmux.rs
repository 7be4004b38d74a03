//! End to end: the built binary in a real terminal (tmux, 160x48), `oncall --demo watch`,
//! through every view by its key, help, and quit; afterwards the shell prompt is back and the
//! alternate screen is off. Skipped (with a note) where tmux is not installed.

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
fn demo_through_every_view_and_quit_restores_the_terminal() {
    if !tmux_available() {
        eprintln!("tmux is not installed; skipping the end-to-end test");
        return;
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_oncall"));
    // An empty home: no user config, keymap or themes change what is drawn.
    let home = tempfile::tempdir().expect("temp home");
    let name = format!("oncall-e2e-{}", std::process::id());
    let shell = format!(
        "env -i HOME={} TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin PS1='e2e$ ' bash --norc --noprofile",
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
