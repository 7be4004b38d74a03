//! The command line: one file per command. Each command module defines its own clap `Args`
//! and a `run(&Globals, Args) -> i32` returning the exit status
//! (0 success, 1 server or network failure, 2 usage or config error).
//!
//! Output contract for scripts: results go to stdout (`-o json` is one JSON document);
//! previews, warnings, progress and errors go to stderr, errors as `oncall: <message>`.
//! Nothing prompts when stdin is not a terminal.

pub mod alerts;
pub mod completions;
pub mod config_cmd;
pub mod dashboard;
pub mod incident_link;
pub mod incident_target;
mod incident_work;
pub mod incidents;
pub mod log;
pub mod login;
pub mod output;
pub mod query;
pub mod runbook;
pub mod silence;
mod silence_add;
pub mod snapshot;
mod timeline;
pub mod watch;
pub mod who;

use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{self, ConfigError, LoadOptions, Settings};
use crate::model::MatcherError;
use crate::sources::SourceError;

pub const EXIT_OK: i32 = 0;
pub const EXIT_BACKEND: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "oncall",
    version,
    about = "Dashboards, alerts, silences, incidents and runbooks for the engineer on call",
    after_help = "Exit status: 0 success, 1 server or network failure, 2 usage or config error.\n\
                  Config: `oncall config path` shows where it is read from; `oncall config init` writes an example."
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    /// Without a command, `watch` (the terminal UI) runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Globals {
    /// Config file to read instead of the default (also ONCALL_CONFIG; see `oncall config path`).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Context to use instead of `current_context` (also ONCALL_CONTEXT).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Output format: table (fits the terminal), wide (everything, untruncated) or json.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Run against the built-in simulated platform instead of real backends.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Change nothing: silences, acks, resolves and runbook steps are refused (also
    /// ONCALL_READONLY=1, or `readonly = true` in a context).
    #[arg(long, global = true)]
    pub readonly: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The terminal UI: dashboards, alerts, silences, incidents and runbooks (the default).
    Watch(watch::Args),
    /// A dashboard's panels as plain text, for pasting into an incident channel.
    Snapshot(snapshot::Args),
    /// An ad-hoc PromQL range query as a text plot (-o json: its series).
    Query(query::Args),
    /// List, check and import dashboards.
    Dashboard(dashboard::Args),
    /// List firing alerts from every configured Alertmanager.
    Alerts(alerts::Args),
    /// Create, list, expire and extend silences.
    Silence(silence::Args),
    /// List PagerDuty incidents (open ones by default).
    Incidents(incidents::ListArgs),
    /// Acknowledge PagerDuty incidents.
    Ack(incidents::ChangeArgs),
    /// Resolve PagerDuty incidents.
    Resolve(incidents::ChangeArgs),
    /// Add a note to a PagerDuty incident.
    Note(incident_work::NoteArgs),
    /// Snooze an acknowledged PagerDuty incident.
    Snooze(incident_work::SnoozeArgs),
    /// Escalate a PagerDuty incident to a level of its escalation policy.
    Escalate(incident_work::EscalateArgs),
    /// An incident's timeline: PagerDuty's log entries with what was done here.
    Timeline(timeline::Args),
    /// Print an alert's runbook, or the argv one of its steps would run (--step N --print).
    Runbook(runbook::Args),
    /// Who is on call now, by escalation policy and level.
    Who(who::Args),
    /// Show, locate or create the config file.
    Config(config_cmd::Args),
    /// The incident log (acks, silences, runbook steps) as a timeline; --markdown for a postmortem.
    Log(log::Args),
    /// Store a credential in the OS keyring.
    Login(login::Args),
    /// Print a shell completion script.
    Completions(completions::Args),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(completions::ManArgs),
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let g = &cli.globals;
    let command = match cli.command {
        Some(command) => command,
        None => match default_watch_args() {
            Ok(args) => Command::Watch(args),
            Err(e) => {
                let _ = e.print();
                return EXIT_USAGE;
            }
        },
    };
    match command {
        Command::Watch(args) => watch::run(g, args),
        Command::Snapshot(args) => snapshot::run(g, args),
        Command::Dashboard(args) => dashboard::run(g, args),
        Command::Query(args) => query::run(g, args),
        Command::Note(args) => incident_work::run_note(g, args),
        Command::Snooze(args) => incident_work::run_snooze(g, args),
        Command::Escalate(args) => incident_work::run_escalate(g, args),
        Command::Timeline(args) => timeline::run(g, args),
        Command::Alerts(args) => alerts::run(g, args),
        Command::Silence(args) => silence::run(g, args),
        Command::Incidents(args) => incidents::run_list(g, args),
        Command::Ack(args) => incidents::run_ack(g, args),
        Command::Resolve(args) => incidents::run_resolve(g, args),
        Command::Runbook(args) => runbook::run(g, args),
        Command::Who(args) => who::run(g, args),
        Command::Config(args) => config_cmd::run(g, args),
        Command::Log(args) => log::run(g, args),
        Command::Login(args) => login::run(g, args),
        Command::Completions(args) => completions::run(g, args),
        Command::Man(args) => completions::run_man(g, args),
    }
}

/// `watch`'s arguments with every option at its default, built by clap itself so this
/// stays right whatever options `watch` grows.
fn default_watch_args() -> Result<watch::Args, clap::Error> {
    use clap::{Args as _, FromArgMatches as _};
    let matches =
        watch::Args::augment_args(clap::Command::new("watch")).try_get_matches_from(["watch"])?;
    watch::Args::from_arg_matches(&matches)
}

/// Every way a command can fail, mapped to its exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Matcher(#[from] MatcherError),
    /// Bad arguments that clap could not catch (time specs, combinations).
    #[error("{0}")]
    Usage(String),
    /// A server answered but the result is wrong (a read-back mismatch, a partial failure).
    #[error("{0}")]
    Backend(String),
    /// A write was sent and not answered, and reading could not tell whether it was made.
    #[error("outcome unknown: {0}")]
    Unknown(String),
    /// The user answered no at a confirmation.
    #[error("nothing was done")]
    Declined,
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            // A request refused before it was sent (a malformed ID) or a client that could
            // not be set up (an unreadable ca_file) is the user's to fix, not the server's.
            CliError::Source(SourceError::Invalid { .. } | SourceError::Setup { .. }) => EXIT_USAGE,
            CliError::Source(_)
            | CliError::Backend(_)
            | CliError::Unknown(_)
            | CliError::Output(_) => EXIT_BACKEND,
            CliError::Config(_)
            | CliError::Matcher(_)
            | CliError::Usage(_)
            | CliError::Declined => EXIT_USAGE,
        }
    }
}

/// A write the server did not confirm: unknown stays unknown, never "failed".
impl From<crate::writes::WriteError> for CliError {
    fn from(e: crate::writes::WriteError) -> Self {
        match e.unknown {
            true => CliError::Unknown(e.message),
            false => CliError::Backend(e.message),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Output(e)
    }
}

/// Print the error the way every command does and return its exit status. A closed pipe
/// (`oncall alerts | head`) is not an error.
pub fn finish(result: Result<(), CliError>) -> i32 {
    match result {
        Ok(()) => EXIT_OK,
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("oncall: {e}");
            e.exit_code()
        }
    }
}

/// Run a command's async body on a single-threaded runtime (the CLI does one thing at a
/// time; concurrent requests to several Alertmanagers still overlap on it).
pub fn block_on<F: Future<Output = Result<(), CliError>>>(future: F) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oncall: cannot start the async runtime: {e}");
            return EXIT_BACKEND;
        }
    };
    finish(runtime.block_on(future))
}

impl Globals {
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            config_path: self.config.clone(),
            context: self.context.clone(),
        }
    }

    /// The settings for this run. With `--demo`, the simulated platform is started and its
    /// handle kept in the session for as long as the command runs.
    pub async fn session(&self) -> Result<Session, CliError> {
        if self.demo {
            return Session::demo(self).await;
        }
        Ok(Session {
            settings: self.apply(config::load(&self.load_options())?),
            _demo: None,
        })
    }

    /// Settings with the flags that change them applied (`--readonly`). Everything that
    /// loads settings for a command (a session, the TUI's context switch) goes through here.
    pub fn apply(&self, mut settings: Settings) -> Settings {
        if self.readonly {
            settings.readonly_reasons.add(config::ReadOnlyReason::Flag);
        }
        settings
    }
}

/// Settings plus anything that must stay alive while a command runs.
pub struct Session {
    pub settings: Settings,
    /// With `--demo`: the simulated platform, served for as long as the session lives.
    _demo: Option<crate::demo::DemoPlatform>,
}

impl Session {
    async fn demo(globals: &Globals) -> Result<Session, CliError> {
        let platform = crate::demo::DemoPlatform::start()
            .await
            .map_err(|e| CliError::Backend(format!("the demo platform did not start: {e}")))?;
        let urls = (
            platform.prometheus_url.clone(),
            platform.alertmanager_url.clone(),
            platform.pagerduty_url.clone(),
        );
        // The user's preferences (author, theme, runbooks) still apply; a broken config
        // must not keep anyone from trying the demo.
        let settings = match config::load(&globals.load_options()) {
            Ok(s) => s.with_demo_backends(urls.0, urls.1, urls.2),
            Err(e) => {
                eprintln!("oncall: warning: ignoring the config for --demo: {e}");
                Settings::for_demo(urls.0, urls.1, urls.2)
            }
        };
        Ok(Session {
            settings: globals.apply(settings),
            _demo: Some(platform),
        })
    }
}

/// Whether a human can answer a question on stdin.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Ask for a yes/no on the terminal. Only called when [`interactive`]; `--yes` skips it.
pub fn confirm(question: &str) -> Result<bool, CliError> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Proceed when `--yes` was given or stdin is not a terminal (scripts); otherwise ask.
pub fn confirmed(yes: bool, question: &str) -> Result<(), CliError> {
    if yes || !interactive() || confirm(question)? {
        Ok(())
    } else {
        Err(CliError::Declined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), EXIT_USAGE);
        assert_eq!(CliError::Backend("x".into()).exit_code(), EXIT_BACKEND);
        let e = ConfigError::NoConfigDir;
        assert_eq!(CliError::from(e).exit_code(), EXIT_USAGE);
    }
}
