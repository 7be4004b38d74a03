//! The one write layer: every change oncall makes (create, extend and expire a silence;
//! acknowledge and resolve incidents) goes through here, from the command line and from the
//! terminal UI alike. A write carries what was captured when the user started it, is sent
//! once, and is reported done only when the server confirmed it (read back where it can be).
//!
//! A request that was sent and then got no answer (a timeout, a connection lost mid-request)
//! has an *unknown* outcome: it is never retried blindly, which could make a duplicate. It is
//! reconciled by reading what is there, and what is true is reported: done (with its ID), or
//! not done. Only when the reading fails too does the outcome stay unknown, and then it says
//! so, never "failed".

pub mod incident_work;
mod incidents;
pub mod log;
mod silences;

use crate::model::{PostableSilence, Silence};
use crate::sources::fleet::Fleet;
use crate::sources::pagerduty::{BulkOutcome, PagerDutyClient};

pub use silences::{
    create_silence, expire_silence, identical, replace_silence, same_matchers, SilenceCreation,
};

/// A change to Alertmanager or PagerDuty. It carries the IDs and bodies captured when the user
/// started it, never "the selected row".
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// POST once per HA cluster, then read it back and compare.
    CreateSilence(PostableSilence),
    /// Update silence `id` (extend, edit) on the member that holds it; Alertmanager may answer
    /// with a new ID, which replaces the old one.
    ReplaceSilence(PostableSilence),
    ExpireSilence(String),
    /// One bulk PUT with the `From` header.
    AckIncidents(Vec<String>),
    ResolveIncidents(Vec<String>),
    /// A note on an incident (`POST /incidents/{id}/notes`).
    Note {
        incident: String,
        content: String,
    },
    /// Snooze an acknowledged incident for this many seconds.
    Snooze {
        incident: String,
        secs: u64,
    },
    /// Escalate an incident to this level of its escalation policy.
    Escalate {
        incident: String,
        level: u32,
    },
    /// Several writes confirmed at once (marked rows): each is sent once, in order, and
    /// reported on its own; one failing does not stop the rest.
    Batch(Vec<Write>),
}

/// What a write did.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// Per HA cluster: the silence made (as read back), or the identical one already there.
    SilencesCreated(SilenceCreation),
    /// The silence as read back under the ID Alertmanager answered (new if it replaced it).
    SilenceReplaced {
        old: String,
        new: Silence,
    },
    SilenceExpired(String),
    /// A PagerDuty bulk change: the verb ("acknowledged", "resolved") and what it did.
    Incidents {
        verb: &'static str,
        outcome: BulkOutcome,
    },
    /// The note as PagerDuty stored it.
    Noted {
        incident: String,
        note: crate::model::Note,
    },
    /// The incident as it is after the snooze.
    Snoozed(Box<crate::model::Incident>),
    /// The incident as it is after the escalation, and the level asked for.
    Escalated {
        incident: Box<crate::model::Incident>,
        level: u32,
    },
    /// Each write of a batch with its own answer, in order.
    Batch(Vec<Result<Written, WriteError>>),
}

/// Why a write is not reported done: a sentence naming the backend and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub message: String,
    /// Sent, unanswered, and the reading that should have told could not: the change may or
    /// may not have been made. Never to be shown as "failed".
    pub unknown: bool,
}

impl WriteError {
    pub fn failed(message: impl Into<String>) -> WriteError {
        WriteError {
            message: message.into(),
            unknown: false,
        }
    }

    pub fn unknown(message: impl Into<String>) -> WriteError {
        WriteError {
            message: message.into(),
            unknown: true,
        }
    }
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.unknown {
            true => write!(f, "outcome unknown: {}", self.message),
            false => f.write_str(&self.message),
        }
    }
}

impl From<&str> for WriteError {
    fn from(message: &str) -> WriteError {
        WriteError::failed(message)
    }
}

impl From<crate::sources::SourceError> for WriteError {
    fn from(e: crate::sources::SourceError) -> WriteError {
        WriteError::failed(e.to_string())
    }
}

/// What the layer writes with: the context's Alertmanagers and, if configured, PagerDuty.
#[derive(Debug, Clone)]
pub struct Writer {
    pub fleet: Fleet,
    pub pagerduty: Option<PagerDutyClient>,
}

/// Told while a write is under way, e.g. "no answer: outcome unknown, checking…".
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// Carry out one write.
pub async fn run(w: &Writer, write: &Write, progress: Progress<'_>) -> Result<Written, WriteError> {
    match write {
        Write::CreateSilence(body) => create_silence(&w.fleet, body, progress)
            .await
            .map(Written::SilencesCreated),
        Write::ReplaceSilence(body) => {
            let (old, new) = replace_silence(&w.fleet, body, progress).await?;
            Ok(Written::SilenceReplaced { old, new })
        }
        Write::ExpireSilence(id) => {
            expire_silence(&w.fleet, id, progress).await?;
            Ok(Written::SilenceExpired(id.clone()))
        }
        Write::AckIncidents(ids) | Write::ResolveIncidents(ids) => {
            let (to, verb) = match write {
                Write::ResolveIncidents(_) => (crate::model::IncidentStatus::Resolved, "resolved"),
                _ => (crate::model::IncidentStatus::Acknowledged, "acknowledged"),
            };
            let outcome = incidents::change(pagerduty(w)?, ids, to, progress).await?;
            Ok(Written::Incidents { verb, outcome })
        }
        Write::Note { incident, content } => {
            let note = incident_work::add_note(pagerduty(w)?, incident, content, progress).await?;
            Ok(Written::Noted {
                incident: incident.clone(),
                note,
            })
        }
        Write::Snooze { incident, secs } => {
            incident_work::snooze(pagerduty(w)?, incident, *secs, progress)
                .await
                .map(|i| Written::Snoozed(Box::new(i)))
        }
        Write::Escalate { incident, level } => {
            incident_work::escalate(pagerduty(w)?, incident, *level, progress)
                .await
                .map(|i| Written::Escalated {
                    incident: Box::new(i),
                    level: *level,
                })
        }
        Write::Batch(writes) => {
            let mut out = Vec::with_capacity(writes.len());
            for write in writes {
                out.push(Box::pin(run(w, write, progress)).await);
            }
            Ok(Written::Batch(out))
        }
    }
}

pub use incidents::change as change_incidents;

fn pagerduty(w: &Writer) -> Result<&PagerDutyClient, WriteError> {
    w.pagerduty
        .as_ref()
        .ok_or_else(|| WriteError::failed("PagerDuty is not configured for this context"))
}
