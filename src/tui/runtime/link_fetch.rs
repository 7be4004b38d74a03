//! The PagerDuty reads the runtime runs off the UI thread for the incidents: the alerts of a
//! few incidents (to link alerts when no dedup key matches), and one incident's details.

use crate::model::PdAlert;
use crate::sources::pagerduty::PagerDutyClient;

/// The alerts of each incident, one request after another: PagerDuty asks for serial
/// requests per token, and its rate limit is shared by everyone on the account, which is why
/// the caller bounds the list. Incidents that fail (resolved and gone, a 404) are left out;
/// only when all fail is it an error.
pub async fn incident_alerts(
    pagerduty: &PagerDutyClient,
    ids: &[String],
) -> Result<Vec<(String, Vec<PdAlert>)>, String> {
    let mut out = Vec::with_capacity(ids.len());
    let mut first_error = None;
    for id in ids {
        match pagerduty.incident_alerts(id).await {
            Ok(alerts) => out.push((id.clone(), alerts)),
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(e),
        _ => Ok(out),
    }
}

/// One incident's notes, timeline and alerts, one request after another; each part keeps
/// its own error.
pub async fn incident_detail(
    pagerduty: &PagerDutyClient,
    id: &str,
) -> crate::tui::app::incident_detail::Fetched {
    let text = |e: crate::sources::SourceError| e.to_string();
    crate::tui::app::incident_detail::Fetched {
        alerts: Some(pagerduty.incident_alerts(id).await.map_err(text)),
        notes: Some(pagerduty.notes(id).await.map_err(text)),
        log: Some(pagerduty.log_entries(id).await.map_err(text)),
    }
}
