//! `A` on an alert: find the PagerDuty incident it belongs to and acknowledge it, or, without
//! PagerDuty, make an `ACK!` silence. The incident is found by dedup key (rebuilt from the
//! route tree, fetched with the alerts now and then), then by the alert details PagerDuty
//! holds (one bounded lookup, answered as an action), then by title; several candidates go to
//! the picker. Whatever is acted on was captured when `A` was pressed.

use super::writes::Origin;
use super::{App, Overlay};
use crate::model::route::RouteTree;
use crate::model::{Alert, Incident, PdAlert};
use crate::triage::alert_list::ACK_PREFIX;
use crate::triage::incident_match::{
    by_details, by_title, details_candidates, related, MatchedBy, DETAILS_LOOKUP_LIMIT,
};
use crate::triage::silence_form::{local_now, SilenceForm};
use crate::tui::action::{Effect, Write};

/// The route tree is fetched with the first alerts round and then with every this many
/// rounds (every 10 minutes at the default 30 s): routing changes with deploys, not minutes.
pub const ROUTE_TREE_EVERY: u32 = 20;

/// Details matches remembered for the detail pane (most recent last).
const REMEMBERED: usize = 16;

/// What the app knows to link alerts to incidents. Part of `Triage`, so a context switch
/// starts it afresh.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Linking {
    /// The route tree of the first Alertmanager that gave one.
    pub tree: Option<RouteTree>,
    /// Why there is no route tree (shown in the detail pane).
    pub tree_error: Option<String>,
    /// The generation of the route tree request in flight.
    requested: u64,
    /// Alerts rounds since the route tree was last asked for.
    rounds: u32,
    /// The details lookup in flight.
    pub lookup: Option<Lookup>,
    next_lookup: u64,
    /// `(fingerprint, incident IDs)` found by alert details, for the detail pane.
    pub found: Vec<(String, Vec<String>)>,
}

/// A details lookup started by `A`: what was captured then.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    pub id: u64,
    pub alert: Alert,
    /// The title candidates, as `(incident ID, picker line)`, for when the details decide
    /// nothing.
    pub titled: Vec<(String, String)>,
    /// The picker lines of every incident looked at, by ID.
    pub lines: Vec<(String, String)>,
}

/// One line of the picker for an incident, already sanitized: number, title, service,
/// status and how it was matched.
fn choice(i: &Incident, by: MatchedBy) -> (String, String) {
    let service = i
        .service
        .as_ref()
        .filter(|s| !s.summary.is_empty())
        .map(|s| format!("service {}, ", crate::sanitize::one_line(&s.summary)))
        .unwrap_or_default();
    (
        i.id.clone(),
        format!(
            "#{} {} ({service}{}, {})",
            i.incident_number,
            crate::sanitize::one_line(&i.title),
            i.status.as_str(),
            by.describe()
        ),
    )
}

impl Linking {
    /// Whether this alerts round should also ask for the route tree; returns the request's
    /// generation.
    pub fn due(&mut self, generation: u64) -> Option<u64> {
        let first = self.requested == 0 && self.tree.is_none();
        self.rounds += 1;
        if first || self.rounds >= ROUTE_TREE_EVERY {
            self.rounds = 0;
            self.requested = generation;
            Some(generation)
        } else {
            None
        }
    }

    /// The answer to route tree request `generation`; a failure keeps a tree already known.
    pub fn absorb_tree(&mut self, generation: u64, result: Result<RouteTree, String>) -> bool {
        if generation != self.requested {
            return false;
        }
        match result {
            Ok(tree) => {
                self.tree = Some(tree);
                self.tree_error = None;
            }
            Err(e) => self.tree_error = Some(crate::sanitize::one_line(&e)),
        }
        true
    }

    /// The related incident(s) of an alert for the detail pane: by dedup key, else what the
    /// last details lookup found for it, else by title.
    pub fn related<'a>(
        &self,
        alert: &Alert,
        incidents: &'a [Incident],
        known: &[std::sync::Arc<Alert>],
    ) -> Option<(MatchedBy, Vec<&'a Incident>)> {
        let quick = related(self.tree.as_ref(), alert, incidents, known);
        if matches!(quick, Some((MatchedBy::DedupKey, _))) {
            return quick;
        }
        let found: Vec<&Incident> = self
            .found
            .iter()
            .rev()
            .find(|(fp, _)| *fp == alert.fingerprint)
            .map(|(_, ids)| incidents.iter().filter(|i| ids.contains(&i.id)).collect())
            .unwrap_or_default();
        if !found.is_empty() {
            return Some((MatchedBy::AlertDetails, found));
        }
        quick
    }

    fn remember(&mut self, fingerprint: &str, ids: Vec<String>) {
        self.found.retain(|(fp, _)| fp != fingerprint);
        self.found.push((fingerprint.to_string(), ids));
        if self.found.len() > REMEMBERED {
            self.found.remove(0);
        }
    }
}

impl App {
    /// `A` in the alerts view, on this alert (captured by the caller).
    pub(super) fn acknowledge_alert(&mut self, alert: Alert, fx: &mut Vec<Effect>) {
        if self.triage.pagerduty.is_none() {
            return self.ack_silence(&alert, fx);
        }
        let incidents = &self.triage.incidents.items;
        if let Some(tree) = self.triage.linking.tree.as_ref() {
            let exact: Vec<&Incident> =
                crate::triage::incident_match::by_dedup_key(tree, &alert, incidents);
            if !exact.is_empty() {
                let choices: Vec<(String, String)> = exact
                    .iter()
                    .map(|i| choice(i, MatchedBy::DedupKey))
                    .collect();
                return self.ack_or_pick(choices, &alert, MatchedBy::DedupKey, fx);
            }
        }
        let candidates = details_candidates(&alert, incidents, DETAILS_LOOKUP_LIMIT);
        let titled: Vec<(String, String)> = by_title(&alert, incidents, &self.triage.alerts)
            .into_iter()
            .map(|i| choice(i, MatchedBy::Title))
            .collect();
        if candidates.is_empty() {
            return self.ack_or_pick(titled, &alert, MatchedBy::Title, fx);
        }
        let lines = incidents
            .iter()
            .filter(|i| candidates.contains(&i.id))
            .map(|i| choice(i, MatchedBy::AlertDetails))
            .collect();
        let linking = &mut self.triage.linking;
        linking.next_lookup += 1;
        let id = linking.next_lookup;
        self.tell(format!(
            "looking for {}'s incident in the alert details of {} open incident{}…",
            crate::sanitize::one_line(alert.alertname()),
            candidates.len(),
            if candidates.len() == 1 { "" } else { "s" }
        ));
        self.triage.linking.lookup = Some(Lookup {
            id,
            alert,
            titled,
            lines,
        });
        fx.push(Effect::FetchIncidentAlerts {
            id,
            incidents: candidates,
        });
    }

    /// The alerts of the incidents looked up for lookup `id`: match on details, then title.
    pub(super) fn on_incident_alerts(
        &mut self,
        id: u64,
        result: Result<Vec<(String, Vec<PdAlert>)>, String>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(lookup) = self.triage.linking.lookup.take() else {
            return;
        };
        if lookup.id != id {
            // A newer `A` replaced this one.
            self.triage.linking.lookup = Some(lookup);
            return;
        }
        // On failure the title is still evidence; the message then says why the better
        // match was not possible.
        let (fetched, failure) = match result {
            Ok(f) => (f, None),
            Err(e) => (Vec::new(), Some(crate::sanitize::one_line(&e))),
        };
        let ids = by_details(&lookup.alert, &fetched);
        if ids.is_empty() {
            self.ack_or_pick(lookup.titled, &lookup.alert, MatchedBy::Title, fx);
            if let (Some(e), Some(m)) = (failure, self.message.as_mut()) {
                m.text.push_str(&format!(
                    " (the incidents' alert details could not be read: {e})"
                ));
            }
            return;
        }
        self.triage
            .linking
            .remember(&lookup.alert.fingerprint, ids.clone());
        let choices: Vec<(String, String)> = ids
            .iter()
            .map(|id| {
                lookup
                    .lines
                    .iter()
                    .find(|(i, _)| i == id)
                    .cloned()
                    .unwrap_or_else(|| (id.clone(), format!("{id} (by alert details)")))
            })
            .collect();
        self.ack_or_pick(choices, &lookup.alert, MatchedBy::AlertDetails, fx);
    }

    /// One candidate by dedup key or alert details: acknowledged at once. One by title: a
    /// proposal, shown whole and sent only on `y`. Several: the picker. None: said so, with
    /// where to look instead.
    fn ack_or_pick(
        &mut self,
        choices: Vec<(String, String)>,
        alert: &Alert,
        by: MatchedBy,
        fx: &mut Vec<Effect>,
    ) {
        self.dirty = true;
        let described = crate::triage::incident_match::alert_description(alert);
        match choices.as_slice() {
            [] => self.error(format!(
                "no open incident belongs to {}: 0 lists the incidents (R/A there act on one), s silences the alert",
                crate::sanitize::one_line(alert.alertname())
            )),
            [(id, line)] if by == MatchedBy::Title => {
                let lines = vec![
                    format!("Acknowledge {line}?"),
                    format!("for the alert {described}"),
                    "matched only by its title (no dedup key or alert details tie them): check it is this alert's incident".into(),
                ];
                let origin = Origin {
                    detail: format!("{line} for alert {described}"),
                    alert: Some(alert.fingerprint.clone()),
                };
                self.ask_with(lines, Write::AckIncidents(vec![id.clone()]), origin);
            }
            [(id, line)] => {
                let line = line.clone();
                let origin = Origin {
                    detail: format!("{line} for alert {described}"),
                    alert: Some(alert.fingerprint.clone()),
                };
                self.send_with(Write::AckIncidents(vec![id.clone()]), None, origin, fx);
                self.tell(format!("acknowledging {line}…"));
            }
            _ => {
                self.tell(format!(
                    "{} incidents match {}; pick one",
                    choices.len(),
                    by.describe()
                ));
                self.overlay = Some(Overlay::PickIncident {
                    choices,
                    selected: 0,
                    alert: (alert.fingerprint.clone(), described),
                });
            }
        }
    }

    /// Without PagerDuty an ack is a silence of this alert for `ack_duration`, its comment
    /// starting with `ACK!`.
    fn ack_silence(&mut self, alert: &Alert, fx: &mut Vec<Effect>) {
        match self.ack_silence_body(alert) {
            Ok(body) => self.send(Write::CreateSilence(body), None, fx),
            Err(e) => self.error(e),
        }
    }

    /// The `ACK!` silence of one alert for `ack_duration` from now.
    pub(super) fn ack_silence_body(
        &self,
        alert: &Alert,
    ) -> Result<crate::model::PostableSilence, String> {
        let now = local_now(self.now_ms, self.offset);
        let mut form = SilenceForm::for_alert(alert, &self.prefs.author);
        form.comment = format!("{ACK_PREFIX} acknowledged in oncall");
        let mut body = form.to_postable(now)?;
        body.ends_at = body.starts_at
            + chrono::Duration::from_std(self.prefs.ack_duration)
                .unwrap_or(chrono::Duration::minutes(30));
        Ok(body)
    }

    fn tell(&mut self, text: String) {
        self.message = Some(super::Message { text, error: false });
    }
}

#[cfg(test)]
#[path = "ack_tests.rs"]
mod tests;
