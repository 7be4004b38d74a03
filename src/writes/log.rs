//! The incident log's entries (`oncall log`) for writes, the same from the command line and
//! the terminal UI: built from what was asked and what came back. Whatever was made is
//! logged, also when the write as a whole is reported with problems.

use crate::journal::{Entry, Kind};
use crate::model::matcher::Matcher;
use crate::model::silence::PostableSilence;

use super::{Write, Written};

/// Silences whose comment starts with this are acks (no PagerDuty), logged as acks.
const ACK_PREFIX: &str = "ACK!";

/// The entries for a write's answer. `detail` is what the user saw of the objects when they
/// started it (incident numbers and titles, the alert), for incident writes; `user` and
/// `context` were captured then too.
pub fn entries(
    write: &Write,
    written: &Written,
    detail: &str,
    user: &str,
    context: &str,
) -> Vec<Entry> {
    match (write, written) {
        (Write::Batch(writes), Written::Batch(results)) => writes
            .iter()
            .zip(results)
            .filter_map(|(w, r)| r.as_ref().ok().map(|done| (w, done)))
            .flat_map(|(w, done)| entries(w, done, detail, user, context))
            .collect(),
        (Write::Note { content, .. }, Written::Noted { incident, .. }) => vec![Entry {
            detail: match detail.is_empty() {
                true => content.clone(),
                false => format!("{detail}: {content}"),
            },
            ..Entry::now(Kind::Note, user, context, incident.clone())
        }],
        (Write::Snooze { secs, .. }, Written::Snoozed(i)) => vec![Entry {
            detail: format!(
                "for {}",
                crate::duration::format_duration(std::time::Duration::from_secs(*secs))
            ),
            ..Entry::now(Kind::Snooze, user, context, i.id.clone())
        }],
        (Write::Escalate { .. }, Written::Escalated { incident, level }) => vec![Entry {
            detail: format!("to level {level}"),
            ..Entry::now(Kind::Escalate, user, context, incident.id.clone())
        }],
        (Write::CreateSilence(body), Written::SilencesCreated(created)) => {
            let kind = if body.comment.starts_with(ACK_PREFIX) {
                Kind::Ack
            } else {
                Kind::Silence
            };
            created
                .created
                .iter()
                .map(|(_, s)| Entry {
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
                detail: detail.to_string(),
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

/// [`entries`] appended to the default incident log, each failure a warning on stderr: what
/// the command line does after a write (the UI appends off its loop instead).
pub fn record(write: &Write, written: &Written, detail: &str, settings: &crate::config::Settings) {
    for entry in entries(write, written, detail, &settings.author, &settings.context) {
        crate::journal::record_or_warn(&entry);
    }
}

/// The matchers, the end and the comment.
pub fn silence_detail(body: &PostableSilence) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::silence::{Silence, SilenceState};
    use crate::sources::pagerduty::BulkOutcome;
    use crate::writes::SilenceCreation;

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

    fn created(id: &str) -> SilenceCreation {
        SilenceCreation {
            created: vec![("http://am".into(), silence(id))],
            ..SilenceCreation::default()
        }
    }

    #[test]
    fn silences_and_ack_silences_are_logged_with_their_matchers() {
        let e = entries(
            &Write::CreateSilence(body("disk swap")),
            &Written::SilencesCreated(created("s1")),
            "",
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
            &Written::SilencesCreated(created("s2")),
            "",
            "alice",
            "prod",
        );
        assert_eq!(e[0].kind, Kind::Ack);
    }

    #[test]
    fn replace_expire_and_incident_changes_are_logged() {
        let e = entries(
            &Write::ReplaceSilence(body("c")),
            &Written::SilenceReplaced {
                old: "s1".into(),
                new: silence("s9"),
            },
            "",
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
            "",
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
            "",
            "alice",
            "prod",
        );
        assert_eq!((e[0].kind, e[0].target.as_str()), (Kind::Resolve, "P1, P2"));
        assert_eq!(e[0].error.as_deref(), Some("P3: not found"));
    }
}
