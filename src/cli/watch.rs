//! `oncall watch`: the terminal UI. Loads the config (or starts the demo), the dashboards,
//! the keymap and the themes, builds the clients, and hands the terminal to the runtime.
//! Problems with user files are shown inside the UI rather than stopping it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Offset;
use crossterm::event::EventStream;
use tokio_util::sync::CancellationToken;

use super::{Globals, EXIT_BACKEND, EXIT_OK, EXIT_USAGE};
use crate::config::{self, LoadOptions, Settings};
use crate::duration::parse_positive_duration as parse_duration;
use crate::sources::alertmanager::AlertmanagerClient;
use crate::sources::pagerduty::PagerDutyClient;
use crate::sources::prometheus::PrometheusClient;
use crate::sources::transport::redact_url;
use crate::tui::action::ContextInfo;
use crate::tui::app::{App, AppOptions, DEFAULT_ALERTS_REFRESH, DEFAULT_INCIDENTS_REFRESH};
use crate::tui::keymap::Keymap;
use crate::tui::runtime::terminal::TerminalGuard;
use crate::tui::runtime::{Clients, ContextLoader, Runtime};
use crate::tui::theme::{ColorDepth, ThemeSet, DEFAULT_THEME};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Dashboard to show first: its id (e.g. trading-engine) or its number (1-7).
    #[arg(long, short = 'd', value_name = "ID|N", conflicts_with = "view")]
    pub dashboard: Option<String>,
    /// Open on a list instead of a dashboard (`:view` switches later).
    #[arg(long, value_name = "VIEW", value_parser = ["alerts", "silences", "incidents"])]
    pub view: Option<String>,
    /// Time range of every dashboard, e.g. 15m, 6h, 7d (default: each dashboard's own).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub range: Option<Duration>,
    /// Refresh interval of every dashboard, e.g. 30s (default: each dashboard's own).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub refresh: Option<Duration>,
    /// Colour theme: dark, light, high-contrast, colorblind, or one in <config dir>/themes.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Draw with ASCII only (no braille, blocks or box drawing), for fonts that lack them.
    #[arg(long)]
    pub ascii: bool,
    /// On exit, write what the session cost (frames, queries, bytes to the terminal) as JSON.
    #[arg(long, value_name = "FILE", hide = true)]
    pub stats: Option<PathBuf>,
}

fn duration_arg(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "oncall: `watch` needs a terminal; for text output use `oncall snapshot DASHBOARD`"
        );
        return EXIT_USAGE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oncall: cannot start the async runtime: {e}");
            return EXIT_BACKEND;
        }
    };
    runtime.block_on(watch(globals, args))
}

async fn watch(globals: &Globals, args: Args) -> i32 {
    let started = Instant::now();
    let session = match globals.session().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("oncall: {e}");
            return e.exit_code();
        }
    };
    let settings = &session.settings;
    let dir = config_dir(settings);
    let mut problems: Vec<String> = Vec::new();

    let loaded = crate::dashboards::load_all(dir.as_ref().map(|d| d.join("dashboards")).as_deref());
    problems.extend(loaded.errors.iter().map(|e| e.to_string()));
    problems.extend(loaded.warnings.iter().map(|w| w.to_string()));
    let (keymap, keymap_errors) =
        Keymap::load(dir.as_ref().map(|d| d.join("keymap.toml")).as_deref());
    problems.extend(keymap_errors.iter().map(|e| e.to_string()));
    let (themes, theme_errors) = ThemeSet::load(dir.as_ref().map(|d| d.join("themes")).as_deref());
    problems.extend(theme_errors.iter().map(|e| e.to_string()));

    let start_dashboard = match args.dashboard.as_ref().or(settings.ui.dashboard.as_ref()) {
        None => 0,
        Some(wanted) => match loaded
            .find(wanted)
            .and_then(|d| loaded.dashboards.iter().position(|x| x.id == d.id))
        {
            Some(i) => i,
            None => {
                let ids: Vec<&str> = loaded.dashboards.iter().map(|d| d.id.as_str()).collect();
                if args.dashboard.is_some() {
                    eprintln!("oncall: no dashboard `{wanted}`; known: {}", ids.join(", "));
                    return EXIT_USAGE;
                }
                problems.push(format!(
                    "[ui] dashboard = \"{wanted}\" is not a dashboard; known: {}",
                    ids.join(", ")
                ));
                0
            }
        },
    };
    let (clients, context, client_problems) = clients_for(settings);
    problems.extend(client_problems);

    let mut opts = AppOptions::new(loaded.dashboards, context);
    opts.keymap = keymap;
    opts.themes = themes;
    opts.theme = args
        .theme
        .clone()
        .or_else(|| settings.theme.clone())
        .unwrap_or_else(|| DEFAULT_THEME.into());
    opts.depth = ColorDepth::from_env();
    opts.contexts = settings.contexts.clone();
    opts.demo = globals.demo;
    opts.start_dashboard = start_dashboard;
    opts.start_view = args.view.as_deref().and_then(|v| {
        crate::tui::command::ViewKind::ALL
            .into_iter()
            .find(|k| k.name() == v)
    });
    opts.range = args.range.or(settings.ui.time_range);
    opts.refresh = args.refresh.or(settings.ui.refresh);
    opts.prefs.alerts_refresh = settings.ui.alerts_refresh.unwrap_or(DEFAULT_ALERTS_REFRESH);
    opts.prefs.incidents_refresh = settings
        .ui
        .incidents_refresh
        .unwrap_or(DEFAULT_INCIDENTS_REFRESH);
    opts.offset = chrono::Local::now().offset().fix();
    opts.prefs.ascii = args.ascii || settings.ui.ascii.unwrap_or(false);
    opts.prefs.osc52 = settings.ui.osc52.unwrap_or(false);
    opts.prefs.notify = settings.ui.notify.unwrap_or_default();
    // Every context's `readonly`, so a `:context` switch knows the new one's at once.
    opts.prefs.readonly = settings.readonly_reasons.clone();
    opts.problems = problems;
    opts.prefs.author = settings.author.clone();
    opts.prefs.ack_duration = settings.ack_duration;
    opts.prefs.targets = settings.response_targets;
    opts.prefs.request_timeout = settings
        .prometheus
        .iter()
        .chain(&settings.alertmanagers)
        .chain(
            settings
                .pagerduty
                .as_ref()
                .map(|p| &p.endpoint_without_token),
        )
        .map(|e| e.timeout)
        .max()
        .unwrap_or(crate::sources::Endpoint::DEFAULT_TIMEOUT);
    opts.prefs.runbook_keys = settings.runbook_annotation_keys.clone();
    opts.prefs.runbooks = crate::tui::app::runbook::RunbookPrefs {
        dirs: settings.runbook_dirs.clone(),
        allowed_hosts: settings.runbook_allowed_hosts.clone(),
        // The config checked each pattern when it loaded; the strict default stands in if not.
        policy: crate::runbooks::ValuePolicy::from_patterns(&settings.runbook_label_patterns)
            .unwrap_or_default(),
        urls: crate::runbooks::context_urls::context_urls(
            settings.prometheus.as_ref().map(|e| &e.base_url),
            settings.alertmanagers.first().map(|e| &e.base_url),
        ),
    };
    let app = App::new(opts);

    let load_options = globals.load_options();
    let flags = globals.clone();
    let readonly_known = settings.readonly_reasons.clone();
    let loader: ContextLoader = std::sync::Arc::new(move |name: &str| {
        let settings = flags.apply(
            config::load(&LoadOptions {
                context: Some(name.to_string()),
                ..load_options.clone()
            })
            .map_err(|e| e.to_string())?,
        );
        check_read_only_unchanged(&readonly_known, &settings)?;
        let (clients, info, problems) = clients_for(&settings);
        match problems.first() {
            Some(p) if clients.prometheus.is_none() && clients.alertmanagers.is_empty() => {
                Err(p.clone())
            }
            _ => Ok((clients, info)),
        }
    });

    let (guard, terminal, bytes) = match TerminalGuard::enter() {
        Ok(parts) => parts,
        Err(e) => {
            crate::tui::runtime::terminal::restore();
            eprintln!("oncall: cannot set up the terminal: {e}");
            return EXIT_BACKEND;
        }
    };
    let shutdown = CancellationToken::new();
    let signals = tokio::spawn(watch_signals(shutdown.clone()));
    let mut runtime = Runtime::new(app, clients, terminal)
        .with_context_loader(loader)
        .with_shutdown(shutdown);
    let result = runtime.run(EventStream::new()).await;
    signals.abort();
    // Give the terminal back before printing anything.
    drop(runtime);
    drop(guard);
    let written = bytes.load(std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(summary) => {
            if let Some(path) = &args.stats {
                let stats = serde_json::json!({
                    "seconds": started.elapsed().as_secs_f64(),
                    "frames": summary.frames,
                    "panel_requests": summary.panel_requests,
                    "queries": summary.queries,
                    "response_bytes": summary.response_bytes,
                    "terminal_bytes": written,
                });
                if let Err(e) = std::fs::write(path, format!("{stats:#}\n")) {
                    eprintln!("oncall: cannot write the stats to {}: {e}", path.display());
                }
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("oncall: {e}");
            EXIT_BACKEND
        }
    }
}

/// The app refuses writes by what the config said at start (`known`); a context made
/// read-only since then must not be entered with writes allowed.
fn check_read_only_unchanged(known: &config::ReadOnly, settings: &Settings) -> Result<(), String> {
    let now = settings.readonly();
    if now.is_set() && !known.holds_in(&settings.context) {
        return Err(format!(
            "context {} became read-only ({}) since oncall started; restart oncall to use it",
            crate::sanitize::one_line(&settings.context),
            now.label()
        ));
    }
    Ok(())
}

/// The folder user dashboards, keymap and themes are read from: the config file's folder.
fn config_dir(settings: &Settings) -> Option<PathBuf> {
    settings
        .path
        .clone()
        .or_else(config::default_config_path)
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// Clients for a context's backends, what the header needs to know about them, and the
/// problems of any that could not be set up (those are left out, the rest still work).
fn clients_for(settings: &Settings) -> (Clients, ContextInfo, Vec<String>) {
    let mut problems = Vec::new();
    let prometheus =
        settings
            .prometheus
            .as_ref()
            .and_then(|e| match PrometheusClient::new(e.clone()) {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.push(e.to_string());
                    None
                }
            });
    let mut alertmanagers = Vec::new();
    let mut names = Vec::new();
    for endpoint in &settings.alertmanagers {
        match AlertmanagerClient::new(endpoint.clone()) {
            Ok(c) => {
                let url = &endpoint.base_url;
                let name = match (url.host_str(), url.port()) {
                    (Some(h), Some(p)) => format!("{h}:{p}"),
                    (Some(h), None) => h.to_string(),
                    _ => redact_url(url),
                };
                alertmanagers.push(c);
                names.push(name);
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    let pagerduty = settings.pagerduty.as_ref().and_then(|pd| {
        let endpoint = match pd.endpoint() {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("PagerDuty left out: {e}"));
                return None;
            }
        };
        match PagerDutyClient::new(endpoint, pd.from.clone()) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        }
    });
    let info = ContextInfo {
        name: settings.context.clone(),
        prometheus: prometheus.is_some(),
        alertmanagers: names,
        pagerduty: pagerduty.is_some(),
        insecure: settings.insecure.clone(),
    };
    (
        Clients {
            prometheus,
            alertmanagers,
            pagerduty,
        },
        info,
        problems,
    )
}

/// SIGTERM and SIGHUP end the UI the way `q` does, so the terminal is restored.
async fn watch_signals(shutdown: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        shutdown.cancel();
    }
    #[cfg(not(unix))]
    {
        let _ = shutdown;
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ReadOnly, ReadOnlyReason};

    #[test]
    fn a_context_made_read_only_after_start_is_not_entered() {
        let mut settings = Settings::empty();
        settings.context = "prod".into();
        let writable = ReadOnly::default();
        assert!(check_read_only_unchanged(&writable, &settings).is_ok());

        settings.readonly_reasons.add(ReadOnlyReason::Context {
            name: "prod".into(),
            at: None,
        });
        let msg = check_read_only_unchanged(&writable, &settings).unwrap_err();
        assert!(
            msg.contains("context prod became read-only (context prod)"),
            "{msg}"
        );
        // Known at start: the app already refuses its writes.
        assert!(check_read_only_unchanged(&settings.readonly_reasons, &settings).is_ok());
        // Read-only for the whole session (a flag) covers it too.
        let mut flag = ReadOnly::default();
        flag.add(ReadOnlyReason::Flag);
        assert!(check_read_only_unchanged(&flag, &settings).is_ok());
    }
}
