//! Changing things: the silence form, the one confirmation layer every write passes through,
//! and the answers to writes. A write carries what was captured when the user started it
//! (the silence body built from the form), never the row under the cursor when it lands.

use crossterm::event::{KeyCode, KeyEvent};

use super::readonly::{
    not_done, NOT_ACKNOWLEDGED, NOT_RESOLVED, SILENCE_NOT_CHANGED, SILENCE_NOT_EXPIRED,
};
use super::{App, Message, Overlay, View};
use crate::duration::format_duration;
use crate::triage::silence_form::SilenceForm;
use crate::tui::action::{Effect, Write, Written};
use crate::tui::command::ViewKind;

/// The extend presets, in minutes, on keys 1-4.
const EXTEND_MINUTES: [i64; 4] = [15, 60, 120, 240];

/// A write waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// What will happen, line by line, already sanitized.
    pub lines: Vec<String>,
    pub write: Write,
    /// The form to go back to on `n`/Esc (and on failure).
    pub form: Option<SilenceForm>,
    /// What the user saw when starting it (for the log, and the alert an ack came from).
    pub origin: Origin,
    /// Lines scrolled off the top, when the confirmation is taller than the screen.
    pub scroll: u16,
}

/// What the user saw when starting a write: the objects as the incident log should name them
/// (empty: the incidents' numbers and titles as known when sent), and the fingerprint of the
/// alert an ack was started from, so that alert shows acknowledged once PagerDuty confirms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub detail: String,
    pub alert: Option<String>,
}

impl App {
    fn clock(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        crate::tui::widgets::format_clock(t.timestamp_millis(), self.offset)
    }

    fn info_message(&mut self, text: String) {
        self.message = Some(Message { text, error: false });
    }

    /// Send a write now (acks) or after `y` (everything else).
    pub(super) fn send(&mut self, write: Write, form: Option<SilenceForm>, fx: &mut Vec<Effect>) {
        self.send_with(write, form, Origin::default(), fx)
    }

    /// [`App::send`] with what the incident log should say of the objects (`detail`; empty:
    /// the incidents' numbers and titles as known now).
    pub(super) fn send_with(
        &mut self,
        write: Write,
        form: Option<SilenceForm>,
        origin: Origin,
        fx: &mut Vec<Effect>,
    ) {
        // Every write leaves through here: the last guard of a read-only session.
        if self.refuse_write(not_done(&write)) {
            return;
        }
        let detail = match origin.detail.is_empty() {
            true => self.describe_incidents(&write),
            false => origin.detail,
        };
        self.next_write += 1;
        let id = self.next_write;
        self.writes.push((id, form));
        if let Some(fingerprint) = origin.alert {
            self.acking.push((id, fingerprint));
        }
        fx.push(Effect::Write { id, write, detail });
        self.info_message("sending…".into());
    }

    /// `#1001 PT4KHLK title; …` for the incidents an incident write names.
    pub(super) fn describe_incidents(&self, write: &Write) -> String {
        let (Write::AckIncidents(ids) | Write::ResolveIncidents(ids)) = write else {
            return String::new();
        };
        ids.iter()
            .map(
                |id| match self.triage.incidents.items.iter().find(|i| &i.id == id) {
                    Some(i) => format!(
                        "#{} {} {}",
                        i.incident_number,
                        id,
                        crate::sanitize::one_line(&i.title)
                    ),
                    None => id.clone(),
                },
            )
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(super) fn ask(&mut self, lines: Vec<String>, write: Write) {
        self.ask_with(lines, write, Origin::default())
    }

    /// "Do this?" for a silence form: `n` goes back to the form with everything typed.
    pub(super) fn ask_for_form(&mut self, lines: Vec<String>, write: Write, form: SilenceForm) {
        self.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            lines,
            write,
            form: Some(form),
            origin: Origin::default(),
            scroll: 0,
        })));
    }

    pub(super) fn ask_with(&mut self, lines: Vec<String>, write: Write, origin: Origin) {
        self.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            lines,
            write,
            form: None,
            origin,
            scroll: 0,
        })));
    }

    /// The silence under the cursor in the silences view.
    pub(super) fn selected_silence(&self) -> Option<crate::model::Silence> {
        let rows = crate::tui::app::rows::silence_rows(self);
        rows.get(self.triage.silences_list.selected)
            .map(|s| (*s).clone())
    }

    /// The incident under the cursor in the incidents view.
    pub(super) fn selected_incident(&self) -> Option<crate::model::Incident> {
        let rows = crate::tui::app::rows::incident_rows(self);
        rows.get(self.triage.incidents_list.selected)
            .map(|i| (*i).clone())
    }

    /// Run `change` (a refresh) keeping the silences and incidents views on the same silence
    /// and incident by ID, as the alerts view keeps its fingerprint: rows move when a refresh
    /// adds, removes or re-sorts them, and the cursor should not jump to a neighbour.
    pub(super) fn keeping_selection<R>(&mut self, change: impl FnOnce(&mut App) -> R) -> R {
        let silence = self.selected_silence().map(|s| s.id);
        let incident = self.selected_incident().map(|i| i.id);
        let result = change(self);
        if let Some(id) = silence {
            let rows = crate::tui::app::rows::silence_rows(self);
            if let Some(i) = rows.iter().position(|s| s.id == id) {
                self.triage.silences_list.selected = i;
            }
        }
        if let Some(id) = incident {
            let rows = crate::tui::app::rows::incident_rows(self);
            if let Some(i) = rows.iter().position(|s| s.id == id) {
                self.triage.incidents_list.selected = i;
            }
        }
        result
    }

    /// `e` in the silences view: expire the selected silence, after a confirmation.
    pub(super) fn expire_selected(&mut self) {
        if self.view != View::Triage(ViewKind::Silences) || self.refuse_write(SILENCE_NOT_EXPIRED) {
            return;
        }
        if self.has_marks() {
            return self.expire_marked();
        }
        match self.selected_silence() {
            Some(s) if s.status == crate::model::SilenceState::Expired => {
                self.info_message("that silence has already expired".into())
            }
            Some(s) if self.expire_series(&s) => {}
            Some(s) => self.ask(
                vec![
                    format!("Expire silence {}", crate::sanitize::one_line(&s.id)),
                    crate::sanitize::one_line(&s.matchers_display()),
                    format!(
                        "by {}: {}",
                        crate::sanitize::one_line(&s.created_by),
                        crate::sanitize::one_line(&s.comment)
                    ),
                    "the alerts it mutes will notify again".into(),
                ],
                Write::ExpireSilence(s.id),
            ),
            None => {}
        }
    }

    /// `x` in the silences view: pick how much longer. On an acked alert in the alerts view:
    /// the same for its ack silence, captured now.
    pub(super) fn extend_selected(&mut self) {
        let silence = match self.view {
            View::Triage(ViewKind::Silences) => self.selected_silence(),
            View::Triage(ViewKind::Alerts) => {
                let Some(e) = self.triage.selected_entry() else {
                    return;
                };
                let ack = crate::triage::silence_inventory::ack_of(&e.alert, &self.triage.silences)
                    .cloned();
                if ack.is_none() {
                    self.info_message(
                        "this alert is not acked with a silence: extend silences in the silences view"
                            .into(),
                    );
                }
                ack
            }
            _ => return,
        };
        if let Some(s) = silence {
            if self.refuse_write(SILENCE_NOT_CHANGED) {
                return;
            }
            self.overlay = Some(Overlay::Extend(Box::new(s)));
        }
    }

    /// A key in the extend picker: 1-4 pick +15m, +1h, +2h, +4h (from the end, or from now
    /// for an expired silence), then the confirmation.
    pub(super) fn extend_key(&mut self, silence: crate::model::Silence, key: &KeyEvent) {
        let minutes = match key.code {
            KeyCode::Char(c @ '1'..='4') => EXTEND_MINUTES[(c as usize) - ('1' as usize)],
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('n') => return,
            _ => {
                self.overlay = Some(Overlay::Extend(Box::new(silence)));
                return;
            }
        };
        let now =
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.now_ms).unwrap_or_default();
        let from = silence.ends_at.max(now);
        let end = from + chrono::Duration::minutes(minutes);
        let mut body = silence.extended_to(end);
        if silence.status == crate::model::SilenceState::Expired {
            // An expired silence cannot be updated: this makes a new one like it.
            body.id = None;
            body.starts_at = now;
        }
        let verb = if body.id.is_some() {
            "Extend"
        } else {
            "Recreate"
        };
        let lines = vec![
            format!(
                "{verb} silence {} to end {} (+{})",
                crate::sanitize::one_line(&silence.id),
                self.clock(end),
                format_duration(std::time::Duration::from_secs(minutes as u64 * 60))
            ),
            crate::sanitize::one_line(&silence.matchers_display()),
        ];
        let write = if body.id.is_some() {
            Write::ReplaceSilence(body)
        } else {
            Write::CreateSilence(body)
        };
        self.ask(lines, write);
    }

    /// Enter in the silences view: edit the silence (recreate it when expired) in the form.
    pub(super) fn edit_selected(&mut self) {
        if self.refuse_write(SILENCE_NOT_CHANGED) {
            return;
        }
        if let Some(s) = self.selected_silence() {
            let edit = s.status != crate::model::SilenceState::Expired;
            let form = SilenceForm::for_silence(&s, &self.prefs.author, edit);
            self.overlay = Some(Overlay::Silence(Box::new(form)));
        }
    }

    /// `A`: acknowledge. On an incident: that incident. On an alert: with PagerDuty, the
    /// incident that belongs to it (`ack.rs`; several: a picker); without, an `ACK!` silence
    /// for `ack_duration`. No confirmation: acks are undoable and urgent.
    pub(super) fn acknowledge(&mut self, fx: &mut Vec<Effect>) {
        let triage = matches!(
            self.view,
            View::Triage(ViewKind::Incidents | ViewKind::Alerts)
        );
        if triage && self.refuse_write(NOT_ACKNOWLEDGED) {
            return;
        }
        match self.view {
            View::Triage(ViewKind::Incidents) if self.has_marks() => {
                self.change_marked_incidents(false)
            }
            View::Triage(ViewKind::Alerts) if self.has_marks() => self.ack_marked_alerts(),
            View::Triage(ViewKind::Incidents) => {
                if let Some(i) = self.selected_incident() {
                    self.send(Write::AckIncidents(vec![i.id]), None, fx);
                }
            }
            View::Triage(ViewKind::Alerts) => {
                // Captured now: the lookup and the ack act on this alert, whatever the
                // cursor is on when the answers come.
                if let Some(entry) = self.triage.selected_entry().cloned() {
                    self.acknowledge_alert((*entry.alert).clone(), fx);
                }
            }
            _ => {}
        }
    }

    /// A key in the incident picker: move, Enter acknowledges the chosen one, Esc cancels.
    pub(super) fn pick_key(
        &mut self,
        choices: Vec<(String, String)>,
        selected: usize,
        alert: (String, String),
        key: &KeyEvent,
        fx: &mut Vec<Effect>,
    ) {
        let last = choices.len().saturating_sub(1);
        let selected = match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return,
            KeyCode::Enter => {
                if let Some((id, line)) = choices.get(selected) {
                    let origin = Origin {
                        detail: format!("{line} for alert {}", alert.1),
                        alert: Some(alert.0),
                    };
                    self.send_with(Write::AckIncidents(vec![id.clone()]), None, origin, fx);
                }
                return;
            }
            KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => (selected + 1).min(last),
            _ => selected,
        };
        self.overlay = Some(Overlay::PickIncident {
            choices,
            selected,
            alert,
        });
    }

    /// `R` on an incident: resolve it, after a confirmation.
    pub(super) fn resolve_selected(&mut self) {
        if self.view != View::Triage(ViewKind::Incidents) || self.refuse_write(NOT_RESOLVED) {
            return;
        }
        if self.has_marks() {
            return self.change_marked_incidents(true);
        }
        if let Some(i) = self.selected_incident() {
            self.ask(
                vec![
                    format!(
                        "Resolve incident #{} {}",
                        i.incident_number,
                        crate::sanitize::one_line(&i.title)
                    ),
                    "PagerDuty stops escalating it; it reopens only if the alert fires anew".into(),
                ],
                Write::ResolveIncidents(vec![i.id]),
            );
        }
    }

    /// `m` in the incidents view: only mine, or all.
    pub(super) fn toggle_mine(&mut self) {
        if self.view != View::Triage(ViewKind::Incidents) {
            return;
        }
        if self.triage.me.is_none() {
            self.error(
                "PagerDuty has not said who you are (an account-level token has no user)".into(),
            );
            return;
        }
        self.triage.mine_only = !self.triage.mine_only;
        self.triage.incidents_list.selected = 0;
    }

    /// `u` on an incident (or, in the alerts view, on an alert: its runbook link): with
    /// `[ui] osc52 = true` the URL goes to the clipboard through the terminal (OSC 52);
    /// otherwise it is shown in the status line to copy by hand. No browser is assumed.
    pub(super) fn show_url(&mut self, fx: &mut Vec<Effect>) {
        let (url, missing) = if self.view == View::Triage(ViewKind::Alerts) {
            let Some(e) = self.triage.selected_entry() else {
                return;
            };
            let keys: Vec<&str> = self.prefs.runbook_keys.iter().map(String::as_str).collect();
            (
                e.alert.runbook_url(&keys).unwrap_or_default().to_string(),
                "this alert has no runbook link",
            )
        } else {
            let Some(i) = self.selected_incident() else {
                return;
            };
            (i.html_url, "PagerDuty sent no URL for this incident")
        };
        let url = crate::sanitize::one_line(&url).trim().to_string();
        if url.is_empty() {
            self.info_message(missing.into());
        } else if self.prefs.osc52 {
            self.info_message(format!("copied {url} (OSC 52)"));
            fx.push(Effect::Copy(url));
        } else {
            self.info_message(format!(
                "{url}  (to copy with a key, set [ui] osc52 = true)"
            ));
        }
    }

    /// `y` sends the write; anything that means no goes back to the form (or nowhere).
    pub(super) fn confirm_key(&mut self, confirm: Confirm, key: &KeyEvent, fx: &mut Vec<Effect>) {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.send_with(confirm.write, confirm.form, confirm.origin, fx)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                self.overlay = confirm.form.map(|f| Overlay::Silence(Box::new(f)));
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown => {
                let mut confirm = confirm;
                confirm.scroll = confirm.scroll.saturating_add(1);
                self.overlay = Some(Overlay::Confirm(Box::new(confirm)));
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp => {
                let mut confirm = confirm;
                confirm.scroll = confirm.scroll.saturating_sub(1);
                self.overlay = Some(Overlay::Confirm(Box::new(confirm)));
            }
            // Any other key: still asking.
            _ => self.overlay = Some(Overlay::Confirm(Box::new(confirm))),
        }
    }

    /// Bring back a parked form once nothing else is open.
    pub(super) fn reopen_parked_form(&mut self) {
        if self.overlay.is_none() {
            if let Some(form) = self.parked_form.take() {
                self.overlay = Some(Overlay::Silence(Box::new(form)));
                self.dirty = true;
            }
        }
    }

    /// The answer to a write: shown, and the lists refreshed so its effect is seen. A failed
    /// silence reopens its form with everything typed and the error.
    pub(super) fn on_written(
        &mut self,
        id: u64,
        result: Result<Written, crate::writes::WriteError>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(at) = self.writes.iter().position(|(w, _)| *w == id) else {
            return;
        };
        let (_, form) = self.writes.remove(at);
        let acked_alert = self
            .acking
            .iter()
            .position(|(w, _)| *w == id)
            .map(|i| self.acking.remove(i).1);
        match result {
            Ok(Written::SilencesCreated(done)) => {
                let made: Vec<String> = done
                    .created
                    .iter()
                    .map(|(_, s)| crate::sanitize::one_line(&s.id))
                    .collect();
                let mut parts: Vec<String> = Vec::new();
                if !made.is_empty() {
                    parts.push(format!("silence {} created and read back", made.join(", ")));
                }
                if !done.reconciled.is_empty() {
                    parts.push("(its answer was lost; found by reading it back)".into());
                }
                for (_, s) in &done.existing {
                    parts.push(format!(
                        "an identical silence {} by {} already exists (ends {}); no second one was made",
                        crate::sanitize::one_line(&s.id),
                        crate::sanitize::one_line(&s.created_by),
                        self.clock(s.ends_at)
                    ));
                }
                let nothing = made.is_empty() && done.existing.is_empty();
                if !done.problems.is_empty() {
                    let lead = match (nothing, done.unknown) {
                        (_, true) => "outcome unknown",
                        (true, false) => "not created",
                        (false, false) => "but",
                    };
                    parts.push(format!(
                        "{lead}: {}",
                        crate::sanitize::one_line(&done.problems.join("; "))
                    ));
                }
                let text = parts.join("; ");
                if nothing {
                    self.write_failed(text, form);
                } else {
                    self.message = Some(Message {
                        text,
                        error: !done.problems.is_empty(),
                    });
                }
                // Show it at once; the refresh below confirms what Alertmanager mutes.
                let first = done.silences().next().map(|s| s.id.clone());
                for s in done.silences() {
                    if !self.triage.silences.iter().any(|x| x.id == s.id) {
                        self.triage.silences.push(s.clone());
                    }
                }
                if let Some(id) = first {
                    self.select_silence(&id);
                }
                self.fetch_alerts(fx);
            }
            Ok(Written::SilenceReplaced { old, new }) => {
                let text = if new.id == old {
                    format!("silence {} now ends {}", new.id, self.clock(new.ends_at))
                } else {
                    format!(
                        "silence {old} was replaced by {} (Alertmanager's rule); it ends {}",
                        new.id,
                        self.clock(new.ends_at)
                    )
                };
                self.info_message(text);
                self.triage.silences.retain(|s| s.id != old);
                let id = new.id.clone();
                self.triage.silences.push(new);
                self.select_silence(&id);
                self.fetch_alerts(fx);
            }
            Ok(Written::Batch(results)) => self.on_batch_written(results, fx),
            Ok(Written::Noted { incident, .. }) => {
                self.info_message("note added (PagerDuty confirmed it)".into());
                // The pane shows it with the next read of its notes.
                if self
                    .incident_detail
                    .as_ref()
                    .is_some_and(|d| d.incident == incident)
                {
                    fx.push(Effect::FetchIncidentDetail { incident });
                }
            }
            Ok(Written::Escalated { incident, level }) => {
                self.info_message(format!(
                    "#{} escalated to level {level} (PagerDuty confirmed it)",
                    incident.incident_number
                ));
                self.fetch_incidents(fx);
            }
            Ok(Written::Snoozed(i)) => {
                self.info_message(format!(
                    "#{} snoozed (PagerDuty confirmed it)",
                    i.incident_number
                ));
                self.fetch_incidents(fx);
            }
            Ok(Written::SilenceExpired(id)) => {
                self.info_message(format!(
                    "silence {} expired",
                    crate::sanitize::one_line(&id)
                ));
                self.select_silence(&id);
                self.fetch_alerts(fx);
            }
            Ok(Written::Incidents { verb, outcome }) => {
                // The alert it came from shows acknowledged now, not at the next refresh.
                let confirmed = outcome.done.iter().chain(&outcome.already).next();
                if let (Some(fingerprint), Some(incident)) = (acked_alert, confirmed) {
                    self.triage.acknowledge_alert(fingerprint, incident.clone());
                }
                let mut text = format!(
                    "{} {verb}",
                    crate::text::counted(outcome.done.len(), "incident")
                );
                if !outcome.already.is_empty() {
                    text.push_str(&format!(", {} already were", outcome.already.len()));
                }
                let failed = !outcome.failed.is_empty();
                for (id, why) in &outcome.failed {
                    text.push_str(&format!(
                        "; {} failed: {}",
                        crate::sanitize::one_line(id),
                        crate::sanitize::one_line(why)
                    ));
                }
                self.message = Some(Message {
                    text,
                    error: failed,
                });
                self.fetch_incidents(fx);
            }
            Err(e) => {
                let text = crate::sanitize::one_line(&e.to_string());
                let text = match e.unknown {
                    true => text,
                    false => format!("not done: {text}"),
                };
                self.write_failed(text, form);
            }
        }
        self.dirty = true;
    }

    /// A write that made nothing (or may have): said so, and a silence form comes back with
    /// everything typed. An unknown outcome is never called a failure.
    fn write_failed(&mut self, text: String, form: Option<SilenceForm>) {
        if let Some(mut form) = form {
            form.error = Some(text.clone());
            match self.overlay {
                // Help is only read: the form replaces it at once.
                None | Some(Overlay::Help { .. }) => {
                    self.overlay = Some(Overlay::Silence(Box::new(form)))
                }
                // The user is typing or choosing something else: the form waits until that
                // closes, with everything typed.
                Some(_) => self.parked_form = Some(form),
            }
        }
        self.message = Some(Message { text, error: true });
    }

    /// Put the silences view's cursor on silence `id` (the one just written).
    fn select_silence(&mut self, id: &str) {
        let rows = crate::tui::app::rows::silence_rows(self);
        if let Some(i) = rows.iter().position(|s| s.id == id) {
            self.triage.silences_list.selected = i;
        }
    }
}
