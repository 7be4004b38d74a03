//! `oncall log`: the incident log as a timeline, ready to paste into a postmortem.

use chrono::Utc;

use super::{finish, output, CliError, Globals, OutputFormat};
use crate::duration::{parse_positive_duration, DURATION_HINT};
use crate::journal::{self, Journal};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The log is incident-log.jsonl in the data dir (ONCALL_DATA_DIR overrides \
                        it); with --demo, incident-log.demo.jsonl beside it. Every ack, resolve, silence, expire, extend and runbook step run is \
                        recorded with who, when, the context and, for steps, the argv and exit status (or the \
                        signal that ended it). The pane's interactive shell (`!`) is not recorded."
)]
pub struct Args {
    /// Only what happened in this last stretch of time, e.g. 2h or 1d.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Print the postmortem template with the Timeline filled in.
    #[arg(long)]
    pub markdown: bool,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    finish(execute(globals, args))
}

fn execute(globals: &Globals, args: Args) -> Result<(), CliError> {
    let since = match &args.since {
        Some(text) => {
            let d = parse_positive_duration(text)
                .map_err(|e| CliError::Usage(format!("--since: {e}")))?;
            let d = chrono::Duration::from_std(d).map_err(|_| {
                CliError::Usage(format!("--since {text} is too long; give {DURATION_HINT}"))
            })?;
            Some(Utc::now() - d)
        }
        None => None,
    };
    if globals.demo {
        journal::use_demo_log();
    }
    let journal = Journal::default_location().map_err(|e| CliError::Usage(e.to_string()))?;
    let read = journal
        .read(since)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if read.skipped > 0 {
        eprintln!(
            "oncall: warning: skipped {} in {}",
            crate::text::counted(read.skipped, "unreadable line"),
            journal.path().display()
        );
    }
    if globals.output == OutputFormat::Json {
        return output::print_json(&read.entries);
    }
    if args.markdown {
        return output::print(&journal::markdown(&read.entries));
    }
    if read.entries.is_empty() {
        eprintln!("nothing recorded in {}", journal.path().display());
        return Ok(());
    }
    output::print(&journal::plain(&read.entries))
}
