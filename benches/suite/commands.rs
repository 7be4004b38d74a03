//! Figure 5: the one-shot commands against an Alertmanager holding many alerts, each run as a
//! process the way a user runs it, against `amtool` and a bare `curl`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::screen::median;

pub struct CommandTimes {
    pub oncall_alerts_json: Duration,
    pub oncall_alerts_table: Duration,
    pub amtool_alerts: Duration,
    pub bare_get: Duration,
    pub body_bytes: usize,
    pub oncall_silence: Duration,
    pub amtool_silence: Duration,
    pub bare_post: Duration,
    /// What the safe path needs at least: the preview GET of the matched alerts, then the POST.
    pub bare_preview_post: Duration,
    /// Parts of `silence add`'s floor: the filtered preview GET alone (the server matches
    /// every alert it holds), and starting the `oncall` process (`oncall --version`).
    pub bare_preview: Duration,
    pub oncall_start: Duration,
}

/// `oncall` with a clean environment: a temp HOME, the Alertmanager from the environment.
fn oncall(home: &Path, am_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oncall"));
    for (key, _) in std::env::vars_os() {
        if let Some(k) = key.to_str() {
            if k.starts_with("ONCALL_") || k.starts_with("XDG_") {
                cmd.env_remove(k);
            }
        }
    }
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NO_COLOR", "1")
        .env("ONCALL_ALERTMANAGER_URL", am_url);
    cmd
}

/// Run to the end with output read (and thrown away); the wall time.
fn timed(mut cmd: Command) -> (Duration, usize) {
    cmd.stdin(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let out = cmd.output().expect("run the command");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, out.stdout.len())
}

fn times(reps: usize, mut make: impl FnMut(usize) -> Command) -> (Duration, usize) {
    let mut all = Vec::new();
    let mut bytes = 0;
    for i in 0..reps.max(1) {
        let (t, b) = timed(make(i));
        all.push(t);
        bytes = b;
    }
    (median(all), bytes)
}

pub fn measure(am_url: &str, reps: usize) -> CommandTimes {
    let home = tempfile::tempdir().expect("temp HOME");
    let home = home.path();
    let alerts_url = format!("{am_url}/api/v2/alerts");
    let silences_url = format!("{am_url}/api/v2/silences");
    // One warm-up of each, so the page cache holds the binaries.
    let _ = timed(oncall(home, am_url, &["alerts", "-o", "json"]));
    let _ = timed(curl(&alerts_url));

    let (bare_get, body_bytes) = times(reps, |_| curl(&alerts_url));
    let (oncall_alerts_json, _) = times(reps, |_| oncall(home, am_url, &["alerts", "-o", "json"]));
    let (oncall_alerts_table, _) = times(reps, |_| oncall(home, am_url, &["alerts"]));
    let (amtool_alerts, _) = times(reps, |_| {
        let mut c = Command::new("amtool");
        c.args(["alert", "query", "-o", "json", "--alertmanager.url", am_url]);
        c
    });
    let (oncall_silence, _) = times(reps, |i| {
        let matcher = format!("instance=host-{:05}", i);
        oncall(
            home,
            am_url,
            &[
                "silence", "add", &matcher, "-d", "1h", "-c", "bench", "-a", "bench", "-y",
            ],
        )
    });
    let (amtool_silence, _) = times(reps, |i| {
        let mut c = Command::new("amtool");
        c.args([
            "silence",
            "add",
            &format!("instance=host-{:05}", 1000 + i),
            "-d",
            "1h",
            "-c",
            "bench",
            "-a",
            "bench",
            "--alertmanager.url",
            am_url,
        ]);
        c
    });
    let (bare_post, _) = times(reps, |i| {
        let now = chrono::Utc::now();
        let body = serde_json::json!({
            "matchers": [{"name": "instance", "value": format!("host-{:05}", 2000 + i), "isRegex": false, "isEqual": true}],
            "startsAt": now.to_rfc3339(),
            "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
            "createdBy": "bench",
            "comment": "bench",
        });
        let mut c = Command::new("curl");
        c.args(["-sf", "-H", "Content-Type: application/json", "-d"])
            .arg(body.to_string())
            .arg(&silences_url);
        c
    });
    let (bare_preview_post, _) = times(reps, |i| {
        let now = chrono::Utc::now();
        let instance = format!("host-{:05}", 3000 + i);
        let body = serde_json::json!({
            "matchers": [{"name": "instance", "value": instance, "isRegex": false, "isEqual": true}],
            "startsAt": now.to_rfc3339(),
            "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
            "createdBy": "bench",
            "comment": "bench",
        });
        let filter: String =
            url::form_urlencoded::byte_serialize(format!("instance=\"{instance}\"").as_bytes())
                .collect();
        let script = format!(
            "curl -sf \"$1?filter={filter}\" >/dev/null && curl -sf -H 'Content-Type: application/json' -d \"$2\" \"$3\""
        );
        let mut c = Command::new("sh");
        c.args(["-c", &script, "sh", &alerts_url])
            .arg(body.to_string())
            .arg(&silences_url);
        c
    });
    let (bare_preview, _) = times(reps, |i| {
        let filter: String = url::form_urlencoded::byte_serialize(
            format!("instance=\"host-{:05}\"", 4000 + i).as_bytes(),
        )
        .collect();
        curl(&format!("{alerts_url}?filter={filter}"))
    });
    let (oncall_start, _) = times(reps, |_| oncall(home, am_url, &["--version"]));
    CommandTimes {
        bare_preview,
        oncall_start,
        bare_preview_post,
        oncall_alerts_json,
        oncall_alerts_table,
        amtool_alerts,
        bare_get,
        body_bytes,
        oncall_silence,
        amtool_silence,
        bare_post,
    }
}

fn curl(url: &str) -> Command {
    let mut c = Command::new("curl");
    c.args(["-sf", url]);
    c
}
