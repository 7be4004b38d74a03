//! The read that links alerts to PagerDuty incidents when no dedup key matches, run by the
//! runtime off the UI thread: the alerts of a few incidents.

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
