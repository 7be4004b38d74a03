//! Acknowledge and resolve: one bulk change per 250 incidents (the PagerDuty client), and,
//! when the answer is lost, each incident read to see what it now is.

use super::{Progress, WriteError};
use crate::model::IncidentStatus;
use crate::sources::pagerduty::{BulkOutcome, PagerDutyClient};

/// Move `ids` to `to`. A lost answer is reconciled by reading each incident: those now in
/// `to` (or past it: resolved when acknowledging) are done, the others not.
pub async fn change(
    pd: &PagerDutyClient,
    ids: &[String],
    to: IncidentStatus,
    progress: Progress<'_>,
) -> Result<BulkOutcome, WriteError> {
    let lost = match if to == IncidentStatus::Resolved {
        pd.resolve(ids).await
    } else {
        pd.acknowledge(ids).await
    } {
        Ok(outcome) => return Ok(outcome),
        Err(e) if e.outcome_unknown() => e,
        Err(e) => return Err(e.into()),
    };
    progress(format!(
        "PagerDuty did not answer ({}): outcome unknown, checking…",
        lost.short()
    ));
    let mut outcome = BulkOutcome::default();
    let mut unreadable: Vec<String> = Vec::new();
    for id in ids {
        match pd.incident(id).await {
            Ok(i) if reached(i.status, to) => outcome.done.push(id.clone()),
            Ok(i) => outcome.failed.push((
                id.clone(),
                format!("not {to}: {lost}; it reads back as {} afterwards", i.status),
            )),
            Err(e) => unreadable.push(format!("{id} ({e})")),
        }
    }
    if !unreadable.is_empty() {
        return Err(WriteError::unknown(format!(
            "{lost}; these could not be read to check: {}. `oncall incidents` shows what they are now",
            unreadable.join(", ")
        )));
    }
    Ok(outcome)
}

/// Whether an incident in `status` needs nothing more to be `to`.
fn reached(status: IncidentStatus, to: IncidentStatus) -> bool {
    status == to || (to == IncidentStatus::Acknowledged && status == IncidentStatus::Resolved)
}
