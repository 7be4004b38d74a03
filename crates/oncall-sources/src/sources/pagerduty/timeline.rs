//! One incident's notes and timeline (log entries), read for the detail pane (each a list
//! that must be there: an answer without it is an error, never "no notes"), and the writes
//! that work on one incident: a note, a snooze.

use reqwest::Method;
use serde::Deserialize;

use super::{checked_id, PagerDutyClient};
use crate::model::{Incident, LogEntry, Note};
use crate::sources::transport::SourceKind;
use crate::sources::SourceError;

#[derive(Deserialize)]
struct NotesField {
    notes: Vec<Note>,
}

#[derive(Deserialize)]
struct LogEntriesField {
    log_entries: Vec<LogEntry>,
}

#[derive(Deserialize)]
struct NoteField {
    note: Note,
}

#[derive(Deserialize)]
struct IncidentField {
    incident: Incident,
}

/// Longest snooze PagerDuty takes: a week.
pub const MAX_SNOOZE_SECS: u64 = 604_800;

fn encode(value: &serde_json::Value) -> Result<Vec<u8>, SourceError> {
    serde_json::to_vec(value).map_err(|e| SourceError::Setup {
        kind: SourceKind::PagerDuty,
        detail: format!("could not encode the request: {e}"),
    })
}

impl PagerDutyClient {
    /// `GET /incidents/{id}/notes`, oldest first as PagerDuty lists them.
    pub async fn notes(&self, incident_id: &str) -> Result<Vec<Note>, SourceError> {
        let id = checked_id(incident_id)?;
        let body = self
            .send(Method::GET, &format!("incidents/{id}/notes"), &[], None)
            .await?;
        let field: NotesField = self.decode(&body)?;
        Ok(field.notes)
    }

    /// `GET /incidents/{id}/log_entries`, every page, newest first; `is_overview` keeps the
    /// events a person acts on (not every notification sent). The flag says the list was cut
    /// at PagerDuty's offset limit.
    pub async fn log_entries(
        &self,
        incident_id: &str,
    ) -> Result<(Vec<LogEntry>, bool), SourceError> {
        let id = checked_id(incident_id)?;
        self.paginate(
            &format!("incidents/{id}/log_entries"),
            &[("is_overview", "true".to_string())],
            |f: LogEntriesField| f.log_entries,
        )
        .await
    }

    /// `POST /incidents/{id}/notes` with `From`: the note as PagerDuty stored it.
    pub async fn add_note(&self, incident_id: &str, content: &str) -> Result<Note, SourceError> {
        let id = checked_id(incident_id)?;
        let from = self.sender_email().await?;
        let body = encode(&serde_json::json!({ "note": { "content": content } }))?;
        let answer = self
            .send(
                Method::POST,
                &format!("incidents/{id}/notes"),
                &[],
                Some((body, &from)),
            )
            .await?;
        let field: NoteField = self.decode(&answer)?;
        Ok(field.note)
    }

    /// `POST /incidents/{id}/snooze` with `From` (an acknowledged incident only; PagerDuty
    /// answers 400 otherwise): the incident as it is now.
    pub async fn snooze(&self, incident_id: &str, secs: u64) -> Result<Incident, SourceError> {
        let id = checked_id(incident_id)?;
        if secs == 0 || secs > MAX_SNOOZE_SECS {
            return Err(SourceError::Invalid {
                kind: SourceKind::PagerDuty,
                detail: format!("a snooze lasts 1 second to 1 week, not {secs} s"),
            });
        }
        let from = self.sender_email().await?;
        let body = encode(&serde_json::json!({ "duration": secs }))?;
        let answer = self
            .send(
                Method::POST,
                &format!("incidents/{id}/snooze"),
                &[],
                Some((body, &from)),
            )
            .await?;
        let field: IncidentField = self.decode(&answer)?;
        Ok(field.incident)
    }

    /// `PUT /incidents/{id}` with `escalation_level` and `From`: the incident as it is now
    /// (PagerDuty notifies that level of its escalation policy).
    pub async fn escalate(&self, incident_id: &str, level: u32) -> Result<Incident, SourceError> {
        let id = checked_id(incident_id)?;
        if level == 0 {
            return Err(SourceError::Invalid {
                kind: SourceKind::PagerDuty,
                detail: "escalation levels start at 1".into(),
            });
        }
        let from = self.sender_email().await?;
        let body = encode(&serde_json::json!({
            "incident": { "type": "incident_reference", "escalation_level": level }
        }))?;
        let answer = self
            .send(
                Method::PUT,
                &format!("incidents/{id}"),
                &[],
                Some((body, &from)),
            )
            .await?;
        let field: IncidentField = self.decode(&answer)?;
        Ok(field.incident)
    }
}
