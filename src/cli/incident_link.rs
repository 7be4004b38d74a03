//! `oncall ack --alert`: which open incidents belong to the firing alerts a selector picks,
//! matched as `A` in the UI matches (`triage::incident_match`): by dedup key when the route
//! tree is readable, else by the alert details PagerDuty holds, else by title. Every alert
//! must come to exactly one incident; several candidates are listed and nothing is acked.

use crate::config::Settings;
use crate::model::route::RouteTree;
use crate::model::{Alert, Incident, Matcher, PdAlert};
use crate::sanitize::one_line;
use crate::sources::alertmanager::{AlertQuery, RouteTreeError};
use crate::sources::fleet::Fleet;
use crate::sources::pagerduty::{IncidentQuery, PagerDutyClient};
use crate::triage::incident_match::{
    alert_description, by_dedup_key, by_details, by_title, details_candidates, MatchedBy,
    DETAILS_LOOKUP_LIMIT,
};

use super::CliError;

/// An incident found for a firing alert, how it was found, and the alert (for the log).
#[derive(Debug, Clone)]
pub struct Linked {
    pub incident: Incident,
    pub by: MatchedBy,
    /// `Foo{cluster="a"}`, sanitized.
    pub alert: String,
}

/// The incidents to acknowledge for the alerts `matchers` select, each printed on stderr
/// with how it was matched. A match by title is a proposal the caller must confirm.
pub async fn incidents_of_alerts(
    settings: &Settings,
    pagerduty: &PagerDutyClient,
    matchers: &[Matcher],
) -> Result<Vec<Linked>, CliError> {
    let fleet = Fleet::new(settings.require_alertmanagers()?)?;
    let gathered = fleet
        .alerts(&AlertQuery::firing().with_filter(matchers.to_vec()))
        .await?;
    for (_, e) in &gathered.failures {
        eprintln!("oncall: warning: {e}");
    }
    let selector = one_line(
        &matchers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    );
    let alerts: Vec<Alert> = gathered.items.into_iter().map(|m| m.alert).collect();
    if alerts.is_empty() {
        return Err(CliError::Backend(format!(
            "no firing alert matches {selector} (`oncall alerts` lists them)"
        )));
    }
    let tree = route_tree(&fleet).await;
    let incidents = pagerduty.incidents(&IncidentQuery::open()).await?.incidents;

    let mut linked: Vec<Linked> = Vec::new();
    let mut ambiguous = 0;
    let mut unmatched = Vec::new();
    // Incident alerts already fetched, shared by the alerts (PagerDuty's rate limit is
    // shared by the whole account).
    let mut fetched: Vec<(String, Vec<PdAlert>)> = Vec::new();
    for alert in &alerts {
        let (by, found) = link(
            alert,
            &alerts,
            tree.as_ref(),
            &incidents,
            pagerduty,
            &mut fetched,
        )
        .await;
        let name = alert_description(alert);
        match found.as_slice() {
            [] => unmatched.push(name),
            [one] => {
                eprintln!("{name} -> {} {}", incident_line(one), by.describe());
                if !linked.iter().any(|l| l.incident.id == one.id) {
                    linked.push(Linked {
                        incident: (*one).clone(),
                        by,
                        alert: name,
                    });
                }
            }
            several => {
                ambiguous += 1;
                eprintln!(
                    "{name} matches {} incidents {}:",
                    several.len(),
                    by.describe()
                );
                for i in several {
                    eprintln!("  {}", incident_line(i));
                }
            }
        }
    }
    if ambiguous > 0 {
        return Err(CliError::Usage(format!(
            "{ambiguous} alert{} match several incidents; nothing was acknowledged. Acknowledge by number: oncall ack <NUMBER>",
            if ambiguous == 1 { "" } else { "s" }
        )));
    }
    for name in &unmatched {
        eprintln!("oncall: warning: no open incident belongs to {name}");
    }
    if linked.is_empty() {
        return Err(CliError::Backend(format!(
            "no open incident belongs to the alerts matching {selector}; `oncall incidents` lists the open ones, `oncall silence add` silences the alerts"
        )));
    }
    Ok(linked)
}

/// The route tree of the first Alertmanager that gives one; without it the match goes on
/// by details, with a warning that says why.
async fn route_tree(fleet: &Fleet) -> Option<RouteTree> {
    match fleet.route_tree().await {
        Ok(tree) => Some(tree),
        Err(RouteTreeError::NoAlertmanager) => None,
        Err(e) => {
            eprintln!("oncall: warning: {e}");
            None
        }
    }
}

/// One alert's incidents and how they were found.
async fn link<'a>(
    alert: &Alert,
    known: &[Alert],
    tree: Option<&RouteTree>,
    incidents: &'a [Incident],
    pagerduty: &PagerDutyClient,
    fetched: &mut Vec<(String, Vec<PdAlert>)>,
) -> (MatchedBy, Vec<&'a Incident>) {
    if let Some(tree) = tree {
        let exact = by_dedup_key(tree, alert, incidents);
        if !exact.is_empty() {
            return (MatchedBy::DedupKey, exact);
        }
    }
    let candidates = details_candidates(alert, incidents, DETAILS_LOOKUP_LIMIT);
    for id in &candidates {
        if fetched.iter().any(|(f, _)| f == id) {
            continue;
        }
        match pagerduty.incident_alerts(id).await {
            Ok(alerts) => fetched.push((id.clone(), alerts)),
            Err(e) => eprintln!("oncall: warning: the alerts of incident {id}: {e}"),
        }
    }
    let looked: Vec<(String, Vec<PdAlert>)> = fetched
        .iter()
        .filter(|(id, _)| candidates.contains(id))
        .cloned()
        .collect();
    let by_detail = by_details(alert, &looked);
    if !by_detail.is_empty() {
        let found = incidents
            .iter()
            .filter(|i| by_detail.contains(&i.id))
            .collect();
        return (MatchedBy::AlertDetails, found);
    }
    (MatchedBy::Title, by_title(alert, incidents, known))
}

pub fn incident_line(i: &Incident) -> String {
    format!(
        "#{} {} {} ({})",
        i.incident_number,
        one_line(&i.id),
        one_line(&i.title),
        i.status
    )
}
