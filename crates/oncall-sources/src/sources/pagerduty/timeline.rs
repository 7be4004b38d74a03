//! What the incident detail pane reads of one incident besides the incident itself: its
//! notes and its timeline (log entries), each a list that must be there: an answer without
//! it is an error, never "no notes".

use reqwest::Method;
use serde::Deserialize;

use super::{checked_id, PagerDutyClient};
use crate::model::{LogEntry, Note};
use crate::sources::SourceError;

#[derive(Deserialize)]
struct NotesField {
    notes: Vec<Note>,
}

#[derive(Deserialize)]
struct LogEntriesField {
    log_entries: Vec<LogEntry>,
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
}
