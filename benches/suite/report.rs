//! The figures as a plain table (stdout) and as `BENCHMARKS.md`, with the machine they were
//! measured on and the command that produced them.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::alerts_view::AlertsView;
use crate::commands::CommandTimes;
use crate::screen::{FirstDashboard, TerminalBytes};
use crate::watching::Session;

/// The dashboard's own refresh interval, used for oncall and grafatui alike.
pub const REFRESH_S: f64 = 10.0;

struct Row {
    figure: &'static str,
    what: String,
    ours: String,
    reference: String,
    ratio: String,
    aim: &'static str,
}

pub struct Report {
    quick: bool,
    /// `grafatui --version`, when it was compared.
    grafatui: Option<String>,
    rows: Vec<Row>,
    notes: Vec<String>,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `p` (0..=1) of sorted `v`, nearest rank.
fn quantile<T: Copy + Default>(v: &[T], p: f64) -> T {
    if v.is_empty() {
        return T::default();
    }
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// The median of per-repetition ratios (sorted), with the middle half: `1.05x (1.01-1.09)`.
fn paired(sorted: &[f64]) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    format!(
        "{:.2}x ({:.2}-{:.2})",
        quantile(sorted, 0.5),
        quantile(sorted, 0.25),
        quantile(sorted, 0.75)
    )
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        "-".into()
    }
}

/// grafatui's command line: the Grafana JSON of the dashboard, the same Prometheus, range and
/// refresh.
pub fn grafatui_argv(bin: &Path, prom_url: &str, fixture: &str) -> Vec<String> {
    vec![
        bin.display().to_string(),
        "--prometheus-url".into(),
        prom_url.into(),
        "--grafana-json".into(),
        fixture.into(),
        "--range".into(),
        "1h".into(),
        "--refresh-rate".into(),
        format!("{}", (REFRESH_S * 1000.0) as u64),
    ]
}

impl Report {
    pub fn new(quick: bool, grafatui: Option<&Path>) -> Report {
        Report {
            quick,
            grafatui: grafatui.map(|bin| first_line(&bin.display().to_string(), &["--version"])),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        figure: &'static str,
        what: impl Into<String>,
        ours: impl Into<String>,
        reference: impl Into<String>,
        ratio: impl Into<String>,
        aim: &'static str,
    ) {
        self.rows.push(Row {
            figure,
            what: what.into(),
            ours: ours.into(),
            reference: reference.into(),
            ratio: ratio.into(),
            aim,
        });
    }

    pub fn first_dashboard(&mut self, f: &FirstDashboard) {
        self.row(
            "1",
            format!(
                "first complete dashboard, 1h, 160x48 ({} queries, {} KiB), vs the same queries in parallel (bare reqwest)",
                f.queries,
                f.response_bytes / 1024
            ),
            ms(f.oncall),
            ms(f.bare),
            paired(&f.ratios),
            "<= 1.2x",
        );
        self.row(
            "1",
            format!(
                "the same, bare client held to {} queries in flight (the runtime's cap)",
                oncall::tui::runtime::QUERY_CONCURRENCY
            ),
            ms(f.oncall),
            ms(f.bare_capped),
            paired(&f.ratios_capped),
            "",
        );
        self.row(
            "1",
            "profile: the same queries through oncall's own client (decoded into series), capped, without the runtime; vs the capped bare client",
            ms(f.client),
            ms(f.bare_capped),
            ratio(f.client.as_secs_f64(), f.bare_capped.as_secs_f64()),
            "",
        );
        self.row(
            "1",
            format!(
                "profile: oncall's first frame (every panel loading); frames drawn per run: {}",
                f.frames
            ),
            ms(f.first_frame),
            "",
            "",
            "",
        );
        let q = |p: f64| ms(quantile(&f.oncall_runs, p));
        self.row(
            "1",
            format!(
                "spread over {} repetitions: oncall's time (p25 / p75), ratio to the bare client (min / max)",
                f.oncall_runs.len()
            ),
            format!("{} / {}", q(0.25), q(0.75)),
            "",
            format!(
                "{:.2}x / {:.2}x",
                f.ratios.first().copied().unwrap_or(0.0),
                f.ratios.last().copied().unwrap_or(0.0)
            ),
            "",
        );
        self.row(
            "1",
            "of oncall's time: building the app (embedded dashboards, keymap, themes parsed)",
            ms(f.setup),
            "",
            "",
            "",
        );
    }

    pub fn terminal_bytes(&mut self, t: &TerminalBytes) {
        self.row(
            "4",
            "bytes to the terminal: first frame",
            format!("{} B", t.first_frame),
            "",
            "",
            "",
        );
        self.row(
            "4",
            "bytes to the terminal: refresh, nothing changed (clock ticks)",
            format!("{} B", t.unchanged),
            "",
            "",
            "< 2 KB",
        );
        self.row(
            "4",
            "bytes to the terminal: refresh, one panel changed",
            format!("{} B", t.one_panel),
            "",
            "",
            "",
        );
    }

    pub fn render(&mut self, per_frame: Duration, frames: u32) {
        self.row(
            "6",
            format!("render time per dashboard frame, 200x50, TestBackend (mean of {frames})"),
            format!("{:.3} ms", per_frame.as_secs_f64() * 1000.0),
            "",
            "",
            "< 2 ms",
        );
    }

    pub fn alerts_view(&mut self, v: &AlertsView) {
        self.row(
            "6",
            format!(
                "alerts view, {} alerts: fetch to first frame, 200x50 (of which GET and decode {})",
                v.alerts,
                ms(v.fetched)
            ),
            ms(v.shown),
            "",
            "",
            "",
        );
        for (kind, typed, k) in [
            ("matcher", crate::alerts_view::MATCHER, &v.matcher),
            ("free text", crate::alerts_view::TEXT, &v.text),
        ] {
            self.row(
                "6",
                format!(
                    "filter keystroke to repaint (update + frame), {kind} `{}` typed ({} keys), mean / max",
                    typed.replace('|', "\\|"),
                    k.count
                ),
                format!("{} / {}", ms(k.mean), ms(k.max)),
                "",
                "",
                "< 16 ms",
            );
        }
        if let Some(peak) = v.peak_rss_kib {
            self.row(
                "6",
                format!(
                    "peak RSS of the bench process over the alerts view figure (before it: {:.1} MiB)",
                    v.before_rss_kib.unwrap_or(0) as f64 / 1024.0
                ),
                format!("{:.1} MiB", peak as f64 / 1024.0),
                "",
                "",
                "",
            );
        }
    }

    pub fn commands(&mut self, c: &CommandTimes, alerts: usize) {
        let bare = c.bare_get.as_secs_f64();
        self.row(
            "5",
            format!(
                "`oncall alerts -o json`, {alerts} alerts ({} KiB), vs curl GET",
                c.body_bytes / 1024
            ),
            ms(c.oncall_alerts_json),
            ms(c.bare_get),
            ratio(c.oncall_alerts_json.as_secs_f64(), bare),
            "<= 1.1x",
        );
        self.row(
            "5",
            "`oncall alerts` (table) vs curl GET",
            ms(c.oncall_alerts_table),
            ms(c.bare_get),
            ratio(c.oncall_alerts_table.as_secs_f64(), bare),
            "",
        );
        self.row(
            "5",
            "`amtool alert query -o json` vs curl GET",
            ms(c.amtool_alerts),
            ms(c.bare_get),
            ratio(c.amtool_alerts.as_secs_f64(), bare),
            "",
        );
        self.row(
            "5",
            "`oncall silence add -y` vs curl POST",
            ms(c.oncall_silence),
            ms(c.bare_post),
            ratio(c.oncall_silence.as_secs_f64(), c.bare_post.as_secs_f64()),
            "<= 1.1x",
        );
        self.row(
            "5",
            "`oncall silence add -y` vs curl preview GET (filtered) then POST",
            ms(c.oncall_silence),
            ms(c.bare_preview_post),
            ratio(
                c.oncall_silence.as_secs_f64(),
                c.bare_preview_post.as_secs_f64(),
            ),
            "",
        );
        self.row(
            "5",
            "of that floor: curl preview GET (filtered) alone; `oncall --version` (process start)",
            ms(c.bare_preview),
            ms(c.oncall_start),
            "",
            "",
        );
        self.row(
            "5",
            "`amtool silence add` vs curl POST",
            ms(c.amtool_silence),
            ms(c.bare_post),
            ratio(c.amtool_silence.as_secs_f64(), c.bare_post.as_secs_f64()),
            "",
        );
    }

    pub fn watching(
        &mut self,
        ours: &Session,
        with_alerts: &Session,
        theirs: Option<&Session>,
        alerts: usize,
    ) {
        let refreshes = |s: &Session| (s.seconds / REFRESH_S).max(1.0);
        let per_refresh = |s: &Session, v: u64| format!("{:.0}", v as f64 / refreshes(s));
        let per_minute = |s: &Session, v: u64| format!("{:.0}", s.per_minute(v));
        let vs = |ours: f64, theirs: Option<f64>| match theirs {
            Some(t) if t > 0.0 => format!("{:.1}%", 100.0 * ours / t),
            _ => "-".into(),
        };
        let t = theirs;
        self.row(
            "2",
            format!("samples touched per refresh ({REFRESH_S:.0} s), oncall vs grafatui"),
            per_refresh(ours, ours.samples),
            t.map(|t| per_refresh(t, t.samples))
                .unwrap_or_else(|| "not run".into()),
            vs(
                ours.per_minute(ours.samples),
                t.map(|t| t.per_minute(t.samples)),
            ),
            "<= 5%",
        );
        self.row(
            "2",
            "samples touched per minute",
            per_minute(ours, ours.samples),
            t.map(|t| per_minute(t, t.samples))
                .unwrap_or_else(|| "not run".into()),
            vs(
                ours.per_minute(ours.samples),
                t.map(|t| t.per_minute(t.samples)),
            ),
            "<= 5%",
        );
        self.row(
            "2",
            "bytes fetched per minute",
            per_minute(ours, ours.response_bytes),
            t.map(|t| per_minute(t, t.response_bytes))
                .unwrap_or_else(|| "not run".into()),
            vs(
                ours.per_minute(ours.response_bytes),
                t.map(|t| t.per_minute(t.response_bytes)),
            ),
            "",
        );
        self.row(
            "2",
            "queries per minute",
            per_minute(ours, ours.queries),
            t.map(|t| per_minute(t, t.queries))
                .unwrap_or_else(|| "not run".into()),
            vs(
                ours.per_minute(ours.queries),
                t.map(|t| t.per_minute(t.queries)),
            ),
            "",
        );
        let cpu = |s: &Session| {
            format!(
                "{:.2} s ({:.2}% of a core)",
                s.cpu_seconds,
                100.0 * s.cpu_seconds / s.seconds.max(1e-9)
            )
        };
        let rss = |s: &Session| format!("{:.1} MiB", s.peak_rss_kib as f64 / 1024.0);
        self.row(
            "3",
            format!(
                "CPU over {:.0} s of watching (oncall vs grafatui)",
                ours.seconds
            ),
            cpu(ours),
            t.map(cpu).unwrap_or_else(|| "not run".into()),
            "",
            "< 0.5% of a core",
        );
        self.row(
            "3",
            "peak RSS while watching",
            rss(ours),
            t.map(rss).unwrap_or_else(|| "not run".into()),
            "",
            "< 30 MiB",
        );
        self.row(
            "3",
            format!(
                "CPU over {:.0} s with {alerts} alerts loaded",
                with_alerts.seconds
            ),
            cpu(with_alerts),
            "",
            "",
            "< 0.5% of a core",
        );
        self.row(
            "3",
            format!("peak RSS with {alerts} alerts loaded"),
            rss(with_alerts),
            "",
            "",
            "< 30 MiB",
        );
        if let Some(stats) = &ours.stats {
            self.notes.push(format!(
                "oncall's own counters while watching (`--stats`): {}",
                stats
            ));
        }
        if theirs.is_none() {
            self.notes
                .push("grafatui was not run (quick mode, or no `--grafatui PATH`).".into());
        }
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        for r in &self.rows {
            out.push_str(&format!(
                "({}) {:<90} {:>26} {:>26} {:>9} {}\n",
                r.figure, r.what, r.ours, r.reference, r.ratio, r.aim
            ));
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out
    }

    pub fn markdown(&self) -> String {
        let mut md = String::from("# Benchmarks\n\n");
        md.push_str(&format!(
            "Measured {} with `{}`{}.\n\n",
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
            std::env::args()
                .skip(1)
                .filter(|a| a != "--bench")
                .fold("cargo bench --bench suite --".to_string(), |acc, a| acc
                    + " "
                    + &a),
            if self.quick {
                " (quick mode: small counts, figures indicative only)"
            } else {
                ""
            }
        ));
        md.push_str("Servers: ");
        md.push_str(&first_line("prometheus", &["--version"]));
        md.push_str("; ");
        md.push_str(&first_line("prometheus-alertmanager", &["--version"]));
        if let Some(v) = &self.grafatui {
            md.push_str(&format!("; {v} (from crates.io)"));
        }
        md.push_str(". All on loopback, on the same machine as the programs measured.\n\n");
        md.push_str("## Machine\n\n```\n");
        md.push_str(&format!("nproc: {}\n", first_line("nproc", &[])));
        md.push_str(&format!("cpu: {}\n", cpu_model()));
        md.push_str(&command_output("free", &["-h"]));
        md.push_str("```\n\n## Figures\n\n");
        md.push_str("| # | What | oncall | Reference | Ratio | Aim |\n|---|---|---|---|---|---|\n");
        for r in &self.rows {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r.figure, r.what, r.ours, r.reference, r.ratio, r.aim
            ));
        }
        md.push('\n');
        for n in &self.notes {
            md.push_str(&format!("- {n}\n"));
        }
        md
    }
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| {
            let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
            s.push_str(&String::from_utf8_lossy(&o.stderr));
            s
        })
        .unwrap_or_else(|e| format!("({cmd}: {e})\n"))
}

fn first_line(cmd: &str, args: &[&str]) -> String {
    command_output(cmd, args)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
