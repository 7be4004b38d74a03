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
    /// The alerts here that belong to it, with how that is known, by fingerprint: matched
    /// when the pane opens and when alerts change, not on every frame (10,000 alerts).
    pub alerts_here: Vec<(MatchedBy, String)>,
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
            alerts_here: Vec::new(),
        });
        self.match_incident_detail();
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

    /// Match the open pane's incident against the alerts here again.
    pub(super) fn match_incident_detail(&mut self) {
        let Some(id) = self.incident_detail.as_ref().map(|d| d.incident.clone()) else {
            return;
        };
        let Some(incident) = self.triage.incidents.items.iter().find(|i| i.id == id) else {
            return;
        };
        let tr = &self.triage;
        let one = std::slice::from_ref(incident);
        let found: Vec<(MatchedBy, String)> = tr
            .entries
            .iter()
            .filter_map(|e| {
                let (by, hit) = tr.linking.related(&e.alert, one, &tr.alerts)?;
                (!hit.is_empty()).then(|| (by, e.alert.fingerprint.clone()))
            })
            .collect();
        if let Some(d) = self.incident_detail.as_mut() {
            d.alerts_here = found;
        }
    }

    /// The alerts here that belong to `incident` (when its pane is open), most pressing
    /// first, with how that is known.
    pub fn alerts_of_incident(
        &self,
        incident: &Incident,
    ) -> Vec<(MatchedBy, &crate::model::Alert)> {
        let Some(d) = self
            .incident_detail
            .as_ref()
            .filter(|d| d.incident == incident.id)
        else {
            return Vec::new();
        };
        let here: std::collections::HashMap<&str, MatchedBy> = d
            .alerts_here
            .iter()
            .map(|(by, fp)| (fp.as_str(), *by))
            .collect();
        self.triage
            .entries
            .iter()
            .filter_map(|e| Some((*here.get(e.alert.fingerprint.as_str())?, &*e.alert)))
            .collect()
    }
}
