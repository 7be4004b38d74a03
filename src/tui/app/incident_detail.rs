//! The incident detail pane (`enter` in the incidents view): what the incidents list knows
//! (title, service, urgency, priority, assignees, escalation policy and the level the
//! assignees are on), what PagerDuty says when asked (its alerts, notes and timeline), and
//! the firing alerts that match it here. Asked for once per `enter`: PagerDuty's rate limit
//! is shared by the whole account.

use crate::model::{Incident, LogEntry, Note, PdAlert};
use crate::triage::incident_match::MatchedBy;
use crate::tui::action::Effect;
use crate::tui::command::ViewKind;

use super::{App, View};

/// What one read of an incident's details brought: each part on its own, so a failed timeline
/// still shows the notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fetched {
    pub notes: Option<Result<Vec<Note>, String>>,
    /// Newest first; `true` when PagerDuty's offset limit cut it.
    pub log: Option<Result<(Vec<LogEntry>, bool), String>>,
    pub alerts: Option<Result<Vec<PdAlert>, String>>,
}

/// The pane: open on the incident whose details were asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncidentDetail {
    pub incident: String,
    /// `None` while the answer is on its way.
    pub fetched: Option<Fetched>,
    /// The clock when the answer came, to say how old it is.
    pub at_ms: i64,
}

impl App {
    /// `enter` on an incident: open the pane on it and ask PagerDuty for the rest.
    pub(super) fn open_incident_detail(&mut self, fx: &mut Vec<Effect>) {
        let Some(incident) = self.selected_incident() else {
            return;
        };
        self.incident_detail = Some(IncidentDetail {
            incident: incident.id.clone(),
            fetched: None,
            at_ms: self.now_ms,
        });
        fx.push(Effect::FetchIncidentDetail {
            incident: incident.id,
        });
    }

    /// The answer: kept only for the incident the pane is still open on.
    pub(super) fn on_incident_detail(&mut self, incident: String, fetched: Fetched) {
        if let Some(d) = self
            .incident_detail
            .as_mut()
            .filter(|d| d.incident == incident)
        {
            d.fetched = Some(fetched);
            d.at_ms = self.now_ms;
        }
    }

    /// `esc` in the incidents view closes the pane first.
    pub(super) fn close_incident_detail(&mut self) -> bool {
        let open = self.view == View::Triage(ViewKind::Incidents) && self.incident_detail.is_some();
        if open {
            self.incident_detail = None;
        }
        open
    }

    /// The escalation policy's levels the incident's assignees are on now, from who is on
    /// call: `[1]` for the primary.
    pub fn escalation_levels(&self, incident: &Incident) -> Vec<u32> {
        let (Some(policy), Some(oncalls)) = (&incident.escalation_policy, &self.triage.oncalls)
        else {
            return Vec::new();
        };
        let mut levels: Vec<u32> = oncalls
            .iter()
            .filter(|o| {
                o.escalation_policy
                    .as_ref()
                    .is_some_and(|p| p.id == policy.id)
            })
            .filter(|o| {
                incident
                    .assignments
                    .iter()
                    .any(|a| a.assignee.id == o.user.id)
            })
            .map(|o| o.escalation_level)
            .collect();
        levels.sort_unstable();
        levels.dedup();
        levels
    }

    /// The alerts here that belong to `incident`, with how that is known (dedup key, the
    /// incident's alert details, or its title), most pressing first.
    pub fn alerts_of_incident(
        &self,
        incident: &Incident,
    ) -> Vec<(MatchedBy, &crate::model::Alert)> {
        let tr = &self.triage;
        let one = std::slice::from_ref(incident);
        tr.entries
            .iter()
            .filter_map(|e| {
                let (by, found) = tr.linking.related(&e.alert, one, &tr.alerts)?;
                (!found.is_empty()).then_some((by, &*e.alert))
            })
            .collect()
    }
}
