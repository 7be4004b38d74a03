//! Runs the built `oncall` binary the way a user would: env overrides for the backends, a
//! temp HOME and XDG dirs (so no real config, keyring or history leaks in), no terminal.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The outcome of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub args: Vec<String>,
}

impl Run {
    /// Both streams, for asserting that something appears nowhere.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Fail with the full output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "`oncall {}` exited {} (expected {code})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout parsed as JSON (for `--output json`).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`oncall {}` did not print JSON ({e})\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.args.join(" "),
                self.stdout,
                self.stderr
            )
        })
    }
}

pub struct Oncall {
    home: TempDir,
    envs: Vec<(String, String)>,
    stdin: Option<String>,
    limit: Duration,
}

impl Default for Oncall {
    fn default() -> Self {
        Self::new()
    }
}

impl Oncall {
    pub fn new() -> Oncall {
        let home = tempfile::Builder::new()
            .prefix("oncall-home-")
            .tempdir()
            .expect("temp HOME");
        for sub in [".config", ".local/share", ".cache", ".local/state"] {
            std::fs::create_dir_all(home.path().join(sub)).expect("create XDG dir");
        }
        Oncall {
            home,
            envs: Vec::new(),
            stdin: None,
            limit: super::WAIT,
        }
    }

    pub fn binary() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_oncall"))
    }

    pub fn prometheus(self, url: &str) -> Self {
        self.env("ONCALL_PROMETHEUS_URL", url)
    }

    pub fn alertmanager(self, url: &str) -> Self {
        self.env("ONCALL_ALERTMANAGER_URL", url)
    }

    pub fn pagerduty(self, url: &str, token: &str, from: &str) -> Self {
        self.env("ONCALL_PAGERDUTY_URL", url)
            .env("ONCALL_PAGERDUTY_TOKEN", token)
            .env("ONCALL_PAGERDUTY_FROM", from)
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// `$XDG_CONFIG_HOME/oncall/config.toml`, where the binary looks by default.
    pub fn config_path(&self) -> PathBuf {
        self.home.path().join(".config/oncall/config.toml")
    }

    /// Write a config file at the default location, mode 0600.
    pub fn write_config(&self, toml: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.config_path();
        std::fs::create_dir_all(path.parent().expect("config has a parent dir"))
            .expect("create config dir");
        std::fs::write(&path, toml).expect("write config");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .expect("chmod config");
        path
    }

    /// Run `oncall <args>` and wait (bounded) for it to exit.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(Self::binary());
        cmd.args(args);
        // Nothing from the developer's or CI's environment may change the outcome.
        for (key, _) in std::env::vars_os() {
            if let Some(k) = key.to_str() {
                if k.starts_with("ONCALL_")
                    || k.starts_with("XDG_")
                    || k == "DBUS_SESSION_BUS_ADDRESS"
                {
                    cmd.env_remove(k);
                }
            }
        }
        let home = self.home.path();
        cmd.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("USER", "tester")
            .env("LOGNAME", "tester")
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .env_remove("RUST_LOG")
            .env_remove("RUST_BACKTRACE");
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run the oncall binary");
        if let (Some(text), Some(mut sin)) = (self.stdin.clone(), child.stdin.take()) {
            std::thread::spawn(move || {
                let _ = sin.write_all(text.as_bytes());
            });
        }
        let mut out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let out_t = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = out.read_to_end(&mut b);
            b
        });
        let err_t = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = err.read_to_end(&mut b);
            b
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for oncall") {
                break status;
            }
            if start.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`oncall {}` did not exit within {:?}",
                    args.join(" "),
                    self.limit
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
        Run {
            // A signal death has no code; -1 can never be mistaken for 0, 1 or 2.
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }
}
