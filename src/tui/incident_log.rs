//! What the UI's writes add to the incident log (`oncall log`): the same entries the CLI
//! makes for the same changes, built from what was asked and what came back. The runtime
//! appends them when a write's answer arrives; `update` stays free of IO.

use crate::journal::{Entry, Journal, Kind};
use crate::model::matcher::Matcher;
use crate::model::silence::PostableSilence;

use super::action::{Write, Written};

/// Silences whose comment starts with this are acks (no PagerDuty), logged as acks.
const ACK_PREFIX: &str = "ACK!";

/// The entries for a write that succeeded (nothing is logged for one that failed: nothing
/// changed, and the error is on screen). `user` and `context` are the author and context
/// captured when the write was sent.
pub fn entries(write: &Write, written: &Written, user: &str, context: &str) -> Vec<Entry> {
    match (write, written) {
        (Write::CreateSilence(body), Written::SilencesCreated(created)) => {
            let kind = if body.comment.starts_with(ACK_PREFIX) {
                Kind::Ack
            } else {
                Kind::Silence
            };
            created
                .iter()
                .map(|s| Entry {
                    detail: silence_detail(body),
                    ..Entry::now(kind, user, context, s.id.clone())
                })
                .collect()
        }
        (Write::ReplaceSilence(body), Written::SilenceReplaced { old, new }) => {
            let target = if *old == new.id {
                old.clone()
            } else {
                format!("{old} -> {}", new.id)
            };
            vec![Entry {
                detail: silence_detail(body),
                ..Entry::now(Kind::Extend, user, context, target)
            }]
        }
        (Write::ExpireSilence(_), Written::SilenceExpired(id)) => {
            vec![Entry::now(Kind::Expire, user, context, id.clone())]
        }
        (
            Write::AckIncidents(_) | Write::ResolveIncidents(_),
            Written::Incidents { verb, outcome },
        ) => {
            let kind = if *verb == "resolved" {
                Kind::Resolve
            } else {
                Kind::Ack
            };
            let ids: Vec<String> = outcome
                .done
                .iter()
                .chain(&outcome.already)
                .cloned()
                .collect();
            if ids.is_empty() && outcome.failed.is_empty() {
                return Vec::new();
            }
            vec![Entry {
                error: (!outcome.failed.is_empty()).then(|| {
                    outcome
                        .failed
                        .iter()
                        .map(|(id, why)| format!("{id}: {why}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
                ..Entry::now(kind, user, context, ids.join(", "))
            }]
        }
        // An answer that does not belong to its write: nothing trustworthy to log.
        _ => Vec::new(),
    }
}

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

/// Like the CLI's: the matchers, the end and the comment.
fn silence_detail(body: &PostableSilence) -> String {
    format!(
        "{} until {}: {}",
        body.matchers
            .iter()
            .map(Matcher::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        body.ends_at.to_rfc3339(),
        body.comment
    )
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
    use crate::model::silence::{Silence, SilenceState};
    use crate::sources::pagerduty::BulkOutcome;

    fn body(comment: &str) -> PostableSilence {
        serde_json::from_value(serde_json::json!({
            "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true}],
            "startsAt": "2026-01-15T12:00:00Z", "endsAt": "2026-01-15T13:00:00Z",
            "createdBy": "alice", "comment": comment
        }))
        .unwrap()
    }

    fn silence(id: &str) -> Silence {
        let b = body("c");
        Silence {
            id: id.into(),
            matchers: b.matchers,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            created_by: b.created_by,
            comment: b.comment,
            status: SilenceState::Active,
            updated_at: b.starts_at,
        }
    }

    #[test]
    fn silences_and_ack_silences_are_logged_with_their_matchers() {
        let e = entries(
            &Write::CreateSilence(body("disk swap")),
            &Written::SilencesCreated(vec![silence("s1")]),
            "alice",
            "prod",
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, Kind::Silence);
        assert_eq!(e[0].target, "s1");
        assert_eq!(
            (e[0].user.as_str(), e[0].context.as_str()),
            ("alice", "prod")
        );
        assert!(
            e[0].detail.contains("alertname=\"DiskFull\""),
            "{}",
            e[0].detail
        );
        assert!(e[0].detail.ends_with(": disk swap"), "{}", e[0].detail);
        let e = entries(
            &Write::CreateSilence(body("ACK! looking")),
            &Written::SilencesCreated(vec![silence("s2")]),
            "alice",
            "prod",
        );
        assert_eq!(e[0].kind, Kind::Ack);
    }

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

    #[test]
    fn replace_expire_and_incident_changes_are_logged() {
        let e = entries(
            &Write::ReplaceSilence(body("c")),
            &Written::SilenceReplaced {
                old: "s1".into(),
                new: silence("s9"),
            },
            "alice",
            "prod",
        );
        assert_eq!(
            (e[0].kind, e[0].target.as_str()),
            (Kind::Extend, "s1 -> s9")
        );
        let e = entries(
            &Write::ExpireSilence("s1".into()),
            &Written::SilenceExpired("s1".into()),
            "alice",
            "prod",
        );
        assert_eq!((e[0].kind, e[0].target.as_str()), (Kind::Expire, "s1"));
        let outcome = BulkOutcome {
            done: vec!["P1".into()],
            already: vec!["P2".into()],
            failed: vec![("P3".into(), "not found".into())],
        };
        let e = entries(
            &Write::ResolveIncidents(vec!["P1".into(), "P2".into(), "P3".into()]),
            &Written::Incidents {
                verb: "resolved",
                outcome,
            },
            "alice",
            "prod",
        );
        assert_eq!((e[0].kind, e[0].target.as_str()), (Kind::Resolve, "P1, P2"));
        assert_eq!(e[0].error.as_deref(), Some("P3: not found"));
    }
}
