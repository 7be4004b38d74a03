//! Figures 2 and 3: a program watching the dashboard for a while inside tmux (a real terminal),
//! what it cost Prometheus (from Prometheus's query log) and what it cost the machine (from
//! /proc). Run for `oncall watch` and for grafatui on the same dashboard and refresh.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::Prometheus;

/// What one watching session cost.
#[derive(Debug, Default, Clone)]
pub struct Session {
    pub seconds: f64,
    pub queries: u64,
    /// Sum of `stats.samples.totalQueryableSamples` over the session's queries.
    pub samples: u64,
    pub response_bytes: u64,
    pub cpu_seconds: f64,
    pub peak_rss_kib: u64,
    /// `--stats` of oncall (frames, terminal bytes); `None` for grafatui.
    pub stats: Option<Value>,
}

impl Session {
    pub fn per_minute(&self, v: u64) -> f64 {
        v as f64 * 60.0 / self.seconds.max(1e-9)
    }
}

/// A program to watch with: its command line (the environment is the caller's).
pub struct Watcher {
    pub name: &'static str,
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stats_file: Option<PathBuf>,
}

fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux").args(args).output().expect("run tmux")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Clock ticks per second for /proc's utime and stime.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// (CPU seconds so far, peak RSS in KiB) of `pid`.
fn proc_usage(pid: u32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(((utime + stime) / ticks_per_second(), hwm))
}

/// Queries in the query log after byte `from`: (count, samples, the queries' parameters).
fn queries_since(prom: &Prometheus, from: usize) -> (u64, u64, Vec<Value>) {
    let log = prom.query_log();
    let mut count = 0;
    let mut samples = 0;
    let mut params = Vec::new();
    for line in log.get(from..).unwrap_or("").lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        count += 1;
        samples += v["stats"]["samples"]["totalQueryableSamples"]
            .as_u64()
            .unwrap_or(0);
        params.push(v["params"].clone());
    }
    (count, samples, params)
}

/// Bytes Prometheus answers to these logged queries, asked again (for a program that does not
/// count its own).
fn replay_bytes(prom_url: &str, params: &[Value]) -> u64 {
    let url_range = format!("{prom_url}/api/v1/query_range");
    let url_instant = format!("{prom_url}/api/v1/query");
    let params = params.to_vec();
    crate::harness::block_on(async move {
        let http = reqwest::Client::new();
        let mut total = 0u64;
        for p in params {
            let text = |k: &str| match &p[k] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            let mut form = vec![("query", text("query"))];
            let url = if p["step"].is_null() {
                form.push(("time", text("start")));
                &url_instant
            } else {
                form.push(("start", text("start")));
                form.push(("end", text("end")));
                form.push(("step", text("step")));
                &url_range
            };
            if let Ok(resp) = http.post(url).form(&form).send().await {
                if let Ok(body) = resp.bytes().await {
                    total += body.len() as u64;
                }
            }
        }
        total
    })
}

/// Run `watcher` in a 160x48 tmux session for `duration`, then quit it with `q`.
pub fn watch(prom: &Prometheus, watcher: &Watcher, duration: Duration) -> Session {
    let session = format!("oncall-bench-{}-{}", watcher.name, std::process::id());
    let mut line = String::from("exec env");
    for (k, v) in &watcher.env {
        line.push_str(&format!(" {}={}", k, shell_quote(v)));
    }
    for a in &watcher.argv {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    let log_from = prom.query_log().len();
    let started = Instant::now();
    let out = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "160",
        "-y",
        "48",
        &line,
    ]);
    assert!(
        out.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pane = tmux(&["list-panes", "-t", &session, "-F", "#{pane_pid}"]);
    let pid: u32 = String::from_utf8_lossy(&pane.stdout)
        .trim()
        .parse()
        .expect("tmux names the pane's process");
    let mut usage = (0.0, 0);
    while started.elapsed() < duration {
        std::thread::sleep(Duration::from_millis(250));
        match proc_usage(pid) {
            Some(u) => usage = u,
            None => panic!(
                "{} exited early; its screen:\n{}",
                watcher.name,
                String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout)
            ),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let (queries, samples, params) = queries_since(prom, log_from);
    let _ = tmux(&["send-keys", "-t", &session, "q"]);
    let quit_by = Instant::now() + Duration::from_secs(10);
    while proc_usage(pid).is_some() && Instant::now() < quit_by {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = tmux(&["kill-session", "-t", &session]);
    let stats = watcher.stats_file.as_deref().and_then(read_stats);
    let response_bytes = match stats.as_ref().and_then(|s| s["response_bytes"].as_u64()) {
        Some(b) => b,
        None => replay_bytes(&prom.url(), &params),
    };
    Session {
        seconds,
        queries,
        samples,
        response_bytes,
        cpu_seconds: usage.0,
        peak_rss_kib: usage.1,
        stats,
    }
}

fn read_stats(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}
