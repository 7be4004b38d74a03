//! The reads that link alerts to PagerDuty incidents, run by the runtime off the UI thread:
//! the route tree from the Alertmanagers' status, and the alerts of a few incidents.

use crate::model::route::RouteTree;
use crate::model::PdAlert;
use crate::sources::alertmanager::AlertmanagerClient;
use crate::sources::pagerduty::PagerDutyClient;

/// The route tree of the first Alertmanager that gives one (HA peers share one config), or
/// the last failure.
pub async fn route_tree(alertmanagers: &[AlertmanagerClient]) -> Result<RouteTree, String> {
    let mut last = "no Alertmanager is configured".to_string();
    for am in alertmanagers {
        match am.route_tree().await {
            Ok(tree) => return Ok(tree),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

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
