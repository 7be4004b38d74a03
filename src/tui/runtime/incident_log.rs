//! What the UI adds to the incident log (`oncall log`): its writes' entries (built by the
//! write layer, `writes::log`, as the CLI's are) and the runbook steps run in the pane. The
//! runtime appends them; `update` stays free of IO.

use crate::journal::{Entry, Journal, Kind};

/// A runbook step that ran in the pane, as the pane host saw it.
#[derive(Debug, Clone, Copy)]
pub struct StepRun<'a> {
    pub alertname: &'a str,
    /// The pane's title for it, e.g. "high-error-rate.md step 2".
    pub title: &'a str,
    /// Exactly what ran.
    pub argv: &'a [String],
    pub exit: &'a crate::pty::Exit,
    pub started: chrono::DateTime<chrono::Utc>,
    pub ended: chrono::DateTime<chrono::Utc>,
}

/// The entry for a step that ended: what ran, for which alert, how it ended. A step ended
/// by a signal has no exit status; the signal is its error.
pub fn step_entry(run: StepRun<'_>, user: &str, context: &str) -> Entry {
    let signalled = run.exit.signal.is_some();
    Entry {
        started: run.started,
        ended: run.ended,
        detail: run.title.to_string(),
        argv: Some(run.argv.to_vec()),
        exit_status: (!signalled).then(|| i32::try_from(run.exit.code).unwrap_or(i32::MAX)),
        error: signalled.then(|| run.exit.to_string()),
        ..Entry::now(Kind::RunbookStep, user, context, run.alertname)
    }
}

/// Append the entries to `journal` (`None`: the default location); the first failure is
/// returned as a sentence for the status line (the terminal is in use, so nothing is printed
/// on stderr).
pub fn append(journal: Option<&Journal>, entries: &[Entry]) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let fail = |e: crate::journal::JournalError| format!("not written to the incident log: {e}");
    let default;
    let journal = match journal {
        Some(j) => j,
        None => {
            default = Journal::default_location().map_err(fail)?;
            &default
        }
    };
    for entry in entries {
        journal.append(entry).map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_logged_with_its_argv_and_how_it_ended() {
        let argv = vec!["kubectl".to_string(), "get".into(), "pods".into()];
        let started = "2026-01-15T12:00:00Z".parse().unwrap();
        let ended = "2026-01-15T12:00:07Z".parse().unwrap();
        let run = |exit| StepRun {
            alertname: "ServiceDown",
            title: "service-down.md step 2",
            argv: &argv,
            exit,
            started,
            ended,
        };
        let ok = crate::pty::Exit {
            code: 0,
            signal: None,
        };
        let e = step_entry(run(&ok), "alice", "prod");
        assert_eq!(
            (e.kind, e.target.as_str()),
            (Kind::RunbookStep, "ServiceDown")
        );
        assert_eq!(e.argv.as_deref(), Some(&argv[..]));
        assert_eq!((e.exit_status, e.error.as_deref()), (Some(0), None));
        assert_eq!((e.started, e.ended), (started, ended));
        assert_eq!(
            e.describe(),
            "Ran ServiceDown: `kubectl get pods` (service-down.md step 2), exit 0 [alice@prod]"
        );
        let killed = crate::pty::Exit {
            code: 1,
            signal: Some("Killed".into()),
        };
        let e = step_entry(run(&killed), "alice", "prod");
        assert_eq!(e.exit_status, None);
        assert_eq!(e.error.as_deref(), Some("killed by signal 9"));
    }
}
