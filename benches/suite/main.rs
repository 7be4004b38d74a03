//! The benchmark suite of issue 6. Starts the real Prometheus (an hour of backfilled history in
//! the dashboards' metric names, plus a live scrape) and Alertmanager (many alerts), measures,
//! prints a table, and with `--write FILE` writes it as Markdown with the machine and the
//! command line.
//!
//!     cargo bench --bench suite -- [--quick] [--write BENCHMARKS.md] [--grafatui PATH]
//!                                  [--only dashboard,commands,alerts,watch]
//!
//! `--only` measures some figures: `dashboard` (1, 4, 6 render), `commands` (5), `alerts`
//! (6 in the alerts view), `watch` (2, 3); the full run takes minutes on a shared machine.
//! `--quick` uses small counts and a few seconds per figure, and skips grafatui: it runs in CI
//! to keep the suite working; no figure is asserted on.

#[path = "../../tests/it/harness/mod.rs"]
mod harness;

mod alerts_view;
mod commands;
mod report;
mod screen;
mod setup;
mod watching;

use std::path::PathBuf;
use std::time::Duration;

use report::Report;
use watching::Watcher;

struct Options {
    quick: bool,
    write: Option<PathBuf>,
    grafatui: Option<PathBuf>,
    /// Figure groups to measure; `None` measures all.
    only: Option<Vec<String>>,
}

const GROUPS: &[&str] = &["dashboard", "commands", "alerts", "watch"];

impl Options {
    fn measures(&self, group: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|g| g == group))
    }
}

fn options() -> Result<Option<Options>, String> {
    let mut args = std::env::args().skip(1);
    let mut opts = Options {
        quick: false,
        write: None,
        grafatui: None,
        only: None,
    };
    let mut bench = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bench" => bench = true,
            "--quick" => opts.quick = true,
            "--write" => opts.write = Some(args.next().ok_or("--write needs a file")?.into()),
            "--grafatui" => {
                opts.grafatui = Some(args.next().ok_or("--grafatui needs a path")?.into())
            }
            "--only" => {
                let list = args.next().ok_or("--only needs a list of figure groups")?;
                let groups: Vec<String> = list.split(',').map(|g| g.trim().to_string()).collect();
                if let Some(bad) = groups.iter().find(|g| !GROUPS.contains(&g.as_str())) {
                    return Err(format!(
                        "--only: unknown group `{bad}` (known: {})",
                        GROUPS.join(", ")
                    ));
                }
                opts.only = Some(groups);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    // `cargo test --all-targets` runs bench binaries without `--bench`: nothing to do there.
    Ok(bench.then_some(opts))
}

fn main() {
    let opts = match options() {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("oncall benchmark suite: run with `cargo bench --bench suite -- [--quick]`");
            return;
        }
        Err(e) => {
            eprintln!("suite: {e}");
            std::process::exit(2);
        }
    };
    let quick = opts.quick;
    let (alerts, reps, watch_for, frames) = if quick {
        (1_000, 2, Duration::from_secs(5), 50)
    } else {
        (10_000, 7, Duration::from_secs(60), 1_000)
    };
    let mut report = Report::new(quick, opts.grafatui.as_deref().filter(|_| !quick));

    eprintln!(
        "suite: starting Prometheus (backfilling history) and Alertmanager ({alerts} alerts)"
    );
    let servers = setup::start(alerts);
    let prom_url = servers.prometheus.url();
    let am_url = servers.alertmanager.url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");

    if opts.measures("dashboard") {
        eprintln!("suite: (1) time to the first complete dashboard");
        // Nine times the repetitions (each takes milliseconds): the ratio is the aim, and on a
        // shared machine it moves with the load of the moment.
        let first = screen::first_dashboard(&rt, &prom_url, reps * 9);
        report.first_dashboard(&first);

        eprintln!("suite: (4) bytes to the terminal, (6) render time");
        report.terminal_bytes(&screen::terminal_bytes(&first.app));
        report.render(screen::render_time(&first.app, frames), frames);
    }

    if opts.measures("alerts") {
        eprintln!(
            "suite: (6) the alerts view with {} alerts, filter keystrokes",
            servers.alerts
        );
        report.alerts_view(&alerts_view::measure(&am_url, reps));
    }

    if opts.measures("commands") {
        eprintln!(
            "suite: (5) one-shot commands against {} alerts",
            servers.alerts
        );
        report.commands(&commands::measure(&am_url, reps), servers.alerts);
    }
    if !opts.measures("watch") {
        finish(&report, opts.write.as_deref());
        return;
    }

    let home = tempfile::tempdir().expect("temp HOME");
    let stats = home.path().join("stats.json");
    let oncall_watch = |with_alerts: bool, stats: PathBuf| Watcher {
        name: "oncall",
        argv: vec![
            env!("CARGO_BIN_EXE_oncall").into(),
            "watch".into(),
            "-d".into(),
            screen::DASHBOARD.into(),
            "--range".into(),
            "1h".into(),
            "--stats".into(),
            stats.display().to_string(),
        ],
        env: [
            ("HOME", home.path().display().to_string()),
            (
                "XDG_CONFIG_HOME",
                home.path().join(".config").display().to_string(),
            ),
            ("TERM", "xterm-256color".into()),
            ("ONCALL_PROMETHEUS_URL", prom_url.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(with_alerts.then(|| ("ONCALL_ALERTMANAGER_URL".to_string(), am_url.clone())))
        .collect(),
        stats_file: Some(stats),
    };
    eprintln!("suite: (2, 3) oncall watch for {watch_for:?}");
    let ours = watching::watch(
        &servers.prometheus,
        &oncall_watch(false, stats.clone()),
        watch_for,
    );
    eprintln!(
        "suite: (3) oncall watch with {} alerts for {watch_for:?}",
        servers.alerts
    );
    let with_alerts = watching::watch(
        &servers.prometheus,
        &oncall_watch(true, home.path().join("stats-alerts.json")),
        watch_for,
    );
    let theirs = match (&opts.grafatui, quick) {
        (Some(bin), false) => {
            eprintln!("suite: (2) grafatui for {watch_for:?}");
            let fixture = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/grafana/application-performance.json"
            );
            let watcher = Watcher {
                name: "grafatui",
                argv: report::grafatui_argv(bin, &prom_url, fixture),
                env: vec![
                    ("HOME".into(), home.path().display().to_string()),
                    (
                        "XDG_CONFIG_HOME".into(),
                        home.path().join(".config").display().to_string(),
                    ),
                    ("TERM".into(), "xterm-256color".into()),
                ],
                stats_file: None,
            };
            Some(watching::watch(&servers.prometheus, &watcher, watch_for))
        }
        _ => None,
    };
    report.watching(&ours, &with_alerts, theirs.as_ref(), servers.alerts);
    finish(&report, opts.write.as_deref());
}

/// Print the table, and write the Markdown when asked.
fn finish(report: &Report, write: Option<&std::path::Path>) {
    println!("{}", report.table());
    if let Some(path) = write {
        if let Err(e) = std::fs::write(path, report.markdown()) {
            eprintln!("suite: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        eprintln!("suite: wrote {}", path.display());
    }
}
