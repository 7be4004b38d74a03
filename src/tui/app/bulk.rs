//! Acting on the marked rows with one confirmation: silence the marked alerts (one silence
//! each, or one with their common matchers), acknowledge their incidents, acknowledge or
//! resolve the marked incidents, expire the marked silences. Each is one write (a PagerDuty
//! bulk change, or a batch whose items are reported one by one), so a failure of one item
//! never hides what the others did.

use crate::model::{Alert, Incident, Silence, SilenceState};
use crate::sanitize::one_line;
use crate::triage::incident_match::MatchedBy;
use crate::triage::silence_form::SilenceForm;
use crate::tui::action::{Effect, Write, Written};
use crate::tui::command::ViewKind;
use crate::writes::WriteError;

use super::{App, Message, Overlay, View};

/// Lines of a confirmation that list objects: the rest is "and N more".
const LISTED: usize = 12;

fn listed(items: impl ExactSizeIterator<Item = String>) -> Vec<String> {
    let n = items.len();
    let mut out: Vec<String> = items.take(LISTED).map(|s| format!("  {s}")).collect();
    if n > LISTED {
        out.push(format!("  … and {} more", n - LISTED));
    }
    out
}

impl App {
    /// The marked rows of a view, in the view's order (the marks may name rows the filter
    /// hides: they are acted on too, and the confirmation lists them).
    fn marked_alerts(&self) -> Vec<&Alert> {
        let marked = &self.triage.alerts_list.marked;
        self.triage
            .entries
            .iter()
            .filter(|e| marked.contains(&e.alert.fingerprint))
            .map(|e| &*e.alert)
            .collect()
    }

    fn marked_silences(&self) -> Vec<&Silence> {
        let marked = &self.triage.silences_list.marked;
        self.triage
            .silences
            .iter()
            .filter(|s| marked.contains(&s.id))
            .collect()
    }

    fn marked_incidents(&self) -> Vec<&Incident> {
        let marked = &self.triage.incidents_list.marked;
        self.triage
            .incidents
            .items
            .iter()
            .filter(|i| marked.contains(&i.id))
            .collect()
    }

    /// Whether the view shown has marked rows (then its actions take them all).
    pub(super) fn has_marks(&self) -> bool {
        match self.view {
            View::Triage(kind) => !self.list(kind).marked.is_empty(),
            View::Dashboard(_) => false,
        }
    }

    /// `s` with alerts marked: the form for all of them.
    pub(super) fn open_bulk_silence_form(&mut self) {
        let form = SilenceForm::for_alerts(&self.marked_alerts(), &self.prefs.author);
        self.overlay = Some(Overlay::Silence(Box::new(form)));
    }

    /// `e` with silences marked: expire those not expired yet, after one confirmation.
    pub(super) fn expire_marked(&mut self) {
        let live: Vec<Silence> = self
            .marked_silences()
            .into_iter()
            .filter(|s| s.status != SilenceState::Expired)
            .cloned()
            .collect();
        if live.is_empty() {
            return self.info("the marked silences have all expired already");
        }
        self.ask_to_expire(live, None);
    }

    /// `e` on a silence of a recurring series: the whole series, as it was made together
    /// (marking one with space expires only that one).
    pub(super) fn expire_series(&mut self, s: &Silence) -> bool {
        let members: Vec<Silence> = crate::triage::series::members(s, &self.triage.silences)
            .into_iter()
            .cloned()
            .collect();
        if members.len() < 2 {
            return false;
        }
        let tag = crate::triage::series::tag_of(&s.comment)
            .map(|t| t.repeat)
            .unwrap_or_default();
        let note = format!(
            "the {tag} series: {} silences not expired yet (to expire only this one, mark it with space, then e)",
            members.len()
        );
        self.ask_to_expire(members, Some(note));
        true
    }

    fn ask_to_expire(&mut self, live: Vec<Silence>, note: Option<String>) {
        let mut lines = vec![format!(
            "Expire {}",
            crate::text::counted(live.len(), "silence")
        )];
        lines.extend(note);
        lines.extend(listed(live.iter().map(|s| {
            format!(
                "{} {} by {}",
                one_line(&s.id),
                one_line(&s.matchers_display()),
                one_line(&s.created_by)
            )
        })));
        lines.push("the alerts they mute will notify again".into());
        let write = Write::Batch(
            live.iter()
                .map(|s| Write::ExpireSilence(s.id.clone()))
                .collect(),
        );
        self.ask(lines, write);
    }

    /// `A`/`R` with incidents marked: one PagerDuty bulk change, after one confirmation.
    pub(super) fn change_marked_incidents(&mut self, resolve: bool) {
        let incidents = self.marked_incidents();
        if incidents.is_empty() {
            return self.info("the marked incidents are no longer open");
        }
        let verb = if resolve { "Resolve" } else { "Acknowledge" };
        let mut lines = vec![format!("{verb} {} incidents", incidents.len())];
        lines.extend(listed(incidents.iter().map(|i| {
            format!(
                "#{} {} ({})",
                i.incident_number,
                one_line(&i.title),
                i.status.as_str()
            )
        })));
        let ids: Vec<String> = incidents.iter().map(|i| i.id.clone()).collect();
        let write = match resolve {
            true => Write::ResolveIncidents(ids),
            false => Write::AckIncidents(ids),
        };
        self.ask(lines, write);
    }

    /// `A` with alerts marked: acknowledge the incidents they belong to, when that is known
    /// for sure (dedup key or alert details); a match by title alone is not acted on in bulk.
    pub(super) fn ack_marked_alerts(&mut self) {
        if self.triage.pagerduty.is_none() {
            return self.ack_marked_with_silences();
        }
        let tr = &self.triage;
        let mut ids: Vec<String> = Vec::new();
        let mut lines: Vec<String> = Vec::new();
        let mut unsure: Vec<String> = Vec::new();
        for alert in self.marked_alerts() {
            let name = crate::triage::incident_match::alert_description(alert);
            match tr.linking.related(alert, &tr.incidents.items, &tr.alerts) {
                Some((MatchedBy::DedupKey | MatchedBy::AlertDetails, found)) => {
                    for i in found {
                        if !ids.contains(&i.id) {
                            ids.push(i.id.clone());
                            lines.push(format!(
                                "#{} {} (for {})",
                                i.incident_number,
                                one_line(&i.title),
                                one_line(&name)
                            ));
                        }
                    }
                }
                _ => unsure.push(one_line(&name)),
            }
        }
        if ids.is_empty() {
            return self.error(
                "no marked alert has an incident known for sure: ack them one by one (A), or mark incidents in the incidents view".into(),
            );
        }
        let mut confirm = vec![format!("Acknowledge {} incidents", ids.len())];
        confirm.extend(listed(lines.into_iter()));
        if !unsure.is_empty() {
            confirm.push(format!(
                "not acknowledged (no sure incident; A on each): {}",
                unsure.join(", ")
            ));
        }
        self.ask(confirm, Write::AckIncidents(ids));
    }

    /// The answer to a batch: how many were done, what failed or is unknown, in one line;
    /// silences made are shown at once; the marks go when everything was done.
    pub(super) fn on_batch_written(
        &mut self,
        results: Vec<Result<Written, WriteError>>,
        fx: &mut Vec<Effect>,
    ) {
        let n = results.len();
        let mut done = 0;
        let mut problems: Vec<String> = Vec::new();
        let mut unknown = 0;
        for r in results {
            match r {
                Ok(Written::SilencesCreated(c)) => {
                    for s in c.silences() {
                        if !self.triage.silences.iter().any(|x| x.id == s.id) {
                            self.triage.silences.push(s.clone());
                        }
                    }
                    if c.problems.is_empty() {
                        done += 1;
                    } else {
                        unknown += usize::from(c.unknown);
                        problems.push(c.problems.join("; "));
                    }
                }
                Ok(_) => done += 1,
                Err(e) => {
                    unknown += usize::from(e.unknown);
                    problems.push(e.to_string());
                }
            }
        }
        let mut text = format!("{done} of {n} done");
        if unknown > 0 {
            text.push_str(&format!(" · {unknown} outcome unknown (see the lists)"));
        }
        if let Some(first) = problems.first() {
            text.push_str(&format!(" · {}: {}", problems.len(), one_line(first)));
        }
        if problems.is_empty() {
            for kind in ViewKind::ALL {
                self.list_mut(kind).marked.clear();
            }
        }
        self.message = Some(Message {
            text,
            error: !problems.is_empty(),
        });
        self.fetch_alerts(fx);
        self.fetch_incidents(fx);
    }

    /// Ctrl-s on a form for several alerts, one silence each: every silence listed with its
    /// matchers, then the window, author and comment they share.
    pub(super) fn ask_to_create_each(
        &mut self,
        mut form: SilenceForm,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) {
        let bodies = match form.to_postables(now) {
            Ok(b) => b,
            Err(e) => {
                form.error = Some(e);
                self.overlay = Some(Overlay::Silence(Box::new(form)));
                return;
            }
        };
        let preview = form.preview(self.triage.entries.iter().map(|e| &*e.alert), now);
        let Some(first) = bodies.first() else {
            return;
        };
        let length = (first.ends_at - first.starts_at)
            .to_std()
            .unwrap_or_default();
        let mut lines = vec![format!(
            "Create {} silences, one per marked alert",
            bodies.len()
        )];
        lines.extend(listed(bodies.iter().map(|b| {
            let m: Vec<String> = b.matchers.iter().map(ToString::to_string).collect();
            one_line(&m.join(", "))
        })));
        lines.push(format!(
            "each from {} for {} by {}",
            crate::tui::widgets::format_clock(first.starts_at.timestamp_millis(), self.offset),
            crate::duration::format_duration(length),
            one_line(&first.created_by)
        ));
        lines.push(format!("comment: {}", one_line(&first.comment)));
        lines.push(format!(
            "they mute {} current alert{}",
            preview.muted.len(),
            if preview.muted.len() == 1 { "" } else { "s" }
        ));
        let write = Write::Batch(bodies.into_iter().map(Write::CreateSilence).collect());
        self.ask_for_form(lines, write, form);
    }

    /// Without PagerDuty, acks are `ACK!` silences: one per marked alert, confirmed once.
    fn ack_marked_with_silences(&mut self) {
        let alerts: Vec<Alert> = self.marked_alerts().into_iter().cloned().collect();
        let bodies: Result<Vec<_>, String> =
            alerts.iter().map(|a| self.ack_silence_body(a)).collect();
        let bodies = match bodies {
            Ok(b) => b,
            Err(e) => return self.error(e),
        };
        let mut lines = vec![format!(
            "Acknowledge {} with ACK! silences for {}",
            crate::text::counted(alerts.len(), "alert"),
            crate::duration::format_duration(self.prefs.ack_duration)
        )];
        lines.extend(listed(
            alerts
                .iter()
                .map(crate::triage::incident_match::alert_description),
        ));
        let write = Write::Batch(bodies.into_iter().map(Write::CreateSilence).collect());
        self.ask(lines, write);
    }
}
