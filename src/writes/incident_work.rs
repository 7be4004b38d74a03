//! Working an incident: a note, a snooze, an escalation. Sent once; when the answer is lost, what PagerDuty
//! now holds decides (the note among the incident's notes, the snooze in its timeline), and
//! only when that cannot be read does the outcome stay unknown.

use chrono::{DateTime, Utc};

use super::{Progress, WriteError};
use crate::model::{Incident, Note};
use crate::sources::pagerduty::PagerDutyClient;

/// Notes and snoozes read back may carry a clock a little behind ours.
const CLOCK_SKEW_SECS: i64 = 120;

pub async fn add_note(
    pd: &PagerDutyClient,
    incident: &str,
    content: &str,
    progress: Progress<'_>,
) -> Result<Note, WriteError> {
    let sent_at = Utc::now();
    let lost = match pd.add_note(incident, content).await {
        Ok(note) => return Ok(note),
        Err(e) if e.outcome_unknown() => e,
        Err(e) => return Err(e.into()),
    };
    progress(format!(
        "PagerDuty did not answer ({}): outcome unknown, checking…",
        lost.short()
    ));
    match pd.notes(incident).await {
        Ok(notes) => notes
            .into_iter()
            .rev()
            .find(|n| n.content == content && recent(n.created_at, sent_at))
            .ok_or_else(|| {
                WriteError::failed(format!(
                    "not added: {lost}; the incident's notes do not have it (send it again)"
                ))
            }),
        Err(e) => Err(WriteError::unknown(format!(
            "{lost}; its notes could not be read to check ({e}). `oncall timeline {incident}` shows them"
        ))),
    }
}

pub async fn snooze(
    pd: &PagerDutyClient,
    incident: &str,
    secs: u64,
    progress: Progress<'_>,
) -> Result<Incident, WriteError> {
    let sent_at = Utc::now();
    match pd.snooze(incident, secs).await {
        Ok(i) => Ok(i),
        Err(e) if e.outcome_unknown() => {
            settle_from_timeline(pd, incident, e, sent_at, ("snooze", "snoozed"), progress).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn escalate(
    pd: &PagerDutyClient,
    incident: &str,
    level: u32,
    progress: Progress<'_>,
) -> Result<Incident, WriteError> {
    let sent_at = Utc::now();
    match pd.escalate(incident, level).await {
        Ok(i) => Ok(i),
        Err(e) if e.outcome_unknown() => {
            settle_from_timeline(
                pd,
                incident,
                e,
                sent_at,
                ("escalate", "escalated"),
                progress,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A change sent at `sent_at` whose answer was lost (`lost`): done if the incident's timeline
/// has a `word` entry since then (the incident as it is now), not done if not, unknown if
/// the timeline cannot be read. `(word, done)`: `("snooze", "snoozed")`.
async fn settle_from_timeline(
    pd: &PagerDutyClient,
    incident: &str,
    lost: crate::sources::SourceError,
    sent_at: DateTime<Utc>,
    (word, done): (&str, &str),
    progress: Progress<'_>,
) -> Result<Incident, WriteError> {
    progress(format!(
        "PagerDuty did not answer ({}): outcome unknown, checking…",
        lost.short()
    ));
    let log = pd.log_entries(incident).await;
    let now = pd.incident(incident).await;
    match (log, now) {
        (Ok((entries, _)), Ok(i)) => {
            let found = entries
                .iter()
                .any(|e| e.word() == word && recent(e.created_at, sent_at));
            if found {
                Ok(i)
            } else {
                Err(WriteError::failed(format!(
                    "not {done}: {lost}; its timeline has no {word} entry since it was sent"
                )))
            }
        }
        (Err(e), _) | (_, Err(e)) => Err(WriteError::unknown(format!(
            "{lost}; its timeline could not be read to check ({e})"
        ))),
    }
}

fn recent(at: DateTime<Utc>, sent_at: DateTime<Utc>) -> bool {
    (sent_at - at).num_seconds() <= CLOCK_SKEW_SECS
}
