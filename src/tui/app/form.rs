//! The silence form in the app: opened from an alert (or several marked ones), edited at
//! its cursor, and on ctrl-s checked and shown exactly as it will be created.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::readonly::SILENCE_NOT_CREATED;
use super::{App, Overlay, View};
use crate::duration::format_duration;
use crate::triage::silence_form::{local_now, Field, SilenceForm};
use crate::tui::action::Write;
use crate::tui::command::ViewKind;

/// Longest text a silence form field takes (a comment with a ticket and a sentence or two).
const FIELD_MAX_CHARS: usize = 1024;

impl App {
    /// `s` on the alerts view: a form prefilled from the selected alert, captured now.
    pub(super) fn open_silence_form(&mut self) {
        if self.refuse_write(SILENCE_NOT_CREATED) {
            return;
        }
        if self.view == View::Triage(ViewKind::Alerts) && self.has_marks() {
            return self.open_bulk_silence_form();
        }
        let form = match self.view {
            View::Triage(ViewKind::Alerts) => match self.triage.selected_entry() {
                Some(e) => SilenceForm::for_alert(&e.alert, &self.prefs.author),
                None => SilenceForm::new(&self.prefs.author),
            },
            _ => SilenceForm::new(&self.prefs.author),
        };
        self.overlay = Some(Overlay::Silence(Box::new(form)));
    }

    /// A key while the silence form is open. Everything typed stays in the form until it is
    /// sent and accepted, or the user closes it with Esc.
    pub(super) fn form_key(&mut self, mut form: SilenceForm, key: &KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return,
            KeyCode::Char('s') if ctrl => return self.ask_to_create(form),
            KeyCode::Char('n') if ctrl => form.add_matcher(),
            KeyCode::Char('d') if ctrl => form.remove_matcher(),
            KeyCode::Char('t') if ctrl => {
                if let Err(e) = form.toggle_one_each() {
                    form.error = Some(e);
                    self.overlay = Some(Overlay::Silence(Box::new(form)));
                    return;
                }
            }
            KeyCode::Tab | KeyCode::Enter => form.next_block(true),
            KeyCode::BackTab => form.next_block(false),
            KeyCode::Down | KeyCode::Up => form.move_line(key.code == KeyCode::Down),
            KeyCode::Left | KeyCode::Right if form.focused() == Field::Length => {
                form.cycle_length(key.code == KeyCode::Right)
            }
            KeyCode::Char(' ') if form.focused() == Field::Length => form.cycle_length(true),
            // Typing and moving inside the focused text field, at its cursor.
            _ => {
                if let Some((text, cursor)) = form.focused_text_and_cursor() {
                    crate::tui::input::edit_at(text, cursor, key, FIELD_MAX_CHARS);
                }
            }
        }
        form.error = None;
        self.overlay = Some(Overlay::Silence(Box::new(form)));
    }

    /// Ctrl-S: check the form and show exactly what will be created.
    fn ask_to_create(&mut self, mut form: SilenceForm) {
        let now = local_now(self.now_ms, self.offset);
        if form.one_each {
            return self.ask_to_create_each(form, now);
        }
        let body = match form.to_postable(now) {
            Ok(b) => b,
            Err(e) => {
                form.error = Some(e);
                self.overlay = Some(Overlay::Silence(Box::new(form)));
                return;
            }
        };
        let preview = form.preview(self.triage.entries.iter().map(|e| &*e.alert), now);
        let length = (body.ends_at - body.starts_at).to_std().unwrap_or_default();
        let mut lines = vec![
            format!(
                "{} silence {}",
                if body.id.is_some() {
                    "Replace the"
                } else {
                    "Create a"
                },
                crate::sanitize::one_line(
                    &body
                        .matchers
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            ),
            format!(
                "from {} for {} by {}",
                crate::tui::widgets::format_clock(body.starts_at.timestamp_millis(), self.offset),
                format_duration(length),
                crate::sanitize::one_line(&body.created_by)
            ),
            format!("comment: {}", crate::sanitize::one_line(&body.comment)),
            format!(
                "it mutes {} current alert{}",
                preview.muted.len(),
                if preview.muted.len() == 1 { "" } else { "s" }
            ),
        ];
        lines.extend(
            preview
                .warnings
                .iter()
                .map(|w| format!("warning: {}", crate::sanitize::one_line(w))),
        );
        // Editing updates the silence in place (or Alertmanager replaces it); the rest creates.
        let write = if body.id.is_some() {
            Write::ReplaceSilence(body)
        } else {
            Write::CreateSilence(body)
        };
        self.ask_for_form(lines, write, form);
    }
}
