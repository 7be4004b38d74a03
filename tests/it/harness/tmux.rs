//! A real terminal for end-to-end tests: a tmux session running a clean shell (empty HOME,
//! no rc files, prompt `e2e$ `), with keys sent by `send-keys` and the screen read back by
//! `capture-pane`. Killed on drop.

use std::process::Command;
use std::time::{Duration, Instant};

use super::process::require_binary;

pub struct TmuxSession {
    pub name: String,
    _home: tempfile::TempDir,
}

impl TmuxSession {
    /// A `cols` x `rows` session whose shell shows the prompt `e2e$ `. tmux missing fails the
    /// test with the install hint, as the servers do.
    pub fn start(prefix: &str, cols: u16, rows: u16) -> TmuxSession {
        require_binary("tmux");
        let home = tempfile::tempdir().expect("temp home");
        let name = format!("{prefix}-{}", std::process::id());
        let shell = format!(
            "env -i HOME={} USER=e2e TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin PS1='e2e$ ' bash --norc --noprofile",
            home.path().display()
        );
        let out = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                &cols.to_string(),
                "-y",
                &rows.to_string(),
                &shell,
            ])
            .output()
            .expect("tmux starts");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let session = TmuxSession { name, _home: home };
        session.wait_for("the shell prompt", |s| s.contains("e2e$"));
        session
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys by tmux name (`Enter`, `C-s`, `Up`) or plain characters.
    pub fn send(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", &self.name, keys]);
    }

    /// Text typed literally, never read as key names.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.name, "-l", text]);
    }

    /// Run the built `oncall --demo watch` in the shell with `env` set for it (values are
    /// single-quoted for the shell), and wait until the demo is drawn.
    pub fn watch_demo(&self, env: &[(&str, &str)]) {
        self.run_oncall(env, "--demo watch");
        self.wait_for("the demo", |s| s.contains("DEMO"));
    }

    /// Run the built `oncall ARGS` in the shell with `env` set for it (values single-quoted
    /// for the shell); the caller waits for what it expects.
    pub fn run_oncall(&self, env: &[(&str, &str)], args: &str) {
        let mut line = String::new();
        for (name, value) in env {
            line.push_str(&format!("{name}='{value}' "));
        }
        line.push_str(&format!("{} {args}", env!("CARGO_BIN_EXE_oncall")));
        self.send(&line);
        self.send("Enter");
    }

    /// Quit oncall with `q` and wait for the shell's prompt under the restored screen;
    /// returns that screen.
    pub fn quit_to_shell(&self) -> String {
        self.send("q");
        self.wait_for("the shell again", |s| {
            !s.contains("DEMO") && s.matches("e2e$").count() >= 2
        })
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Wait until the pane shows what `pred` wants; fail with the pane if it never does.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

impl Drop for TmuxSession {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}
