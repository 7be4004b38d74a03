//! Working the selected incident from the incidents view (and its detail pane): `c` types a
//! note, `z` snoozes it; each is shown in full and confirmed before the one write layer
//! sends it.

use crossterm::event::{KeyCode, KeyEvent};

use super::readonly::{NOT_NOTED, NOT_SNOOZED};
use super::{App, Overlay, View};
use crate::duration::format_duration;
use crate::model::IncidentStatus;
use crate::tui::action::Write;
use crate::tui::command::ViewKind;
use crate::tui::input::{InputOutcome, LineInput};

/// The snooze lengths `1`-`4` pick, in minutes.
pub const SNOOZE_MINUTES: [u64; 4] = [30, 60, 120, 240];

impl App {
    /// The selected incident as `(ID, "#1001 title")`, in the incidents view.
    fn incident_here(&self) -> Option<(String, String, IncidentStatus)> {
        if self.view != View::Triage(ViewKind::Incidents) {
            return None;
        }
        let i = self.selected_incident()?;
        let name = format!(
            "#{} {}",
            i.incident_number,
            crate::sanitize::one_line(&i.title)
        );
        Some((i.id, name, i.status))
    }

    pub(super) fn open_note(&mut self) {
        if self.refuse_write(NOT_NOTED) {
            return;
        }
        let Some((id, name, _)) = self.incident_here() else {
            return self.info("notes go on an incident: select one in the incidents view (0)");
        };
        self.overlay = Some(Overlay::Note {
            incident: (id, name),
            input: LineInput::default(),
        });
    }

    pub(super) fn note_key(
        &mut self,
        incident: (String, String),
        mut input: LineInput,
        key: &KeyEvent,
    ) {
        match input.handle(key) {
            InputOutcome::Cancel => {}
            InputOutcome::Submit => {
                let text = input.text.trim().to_string();
                if text.is_empty() {
                    input.error = Some("the note is empty; say what was done or found".into());
                    self.overlay = Some(Overlay::Note { incident, input });
                    return;
                }
                let lines = vec![
                    format!("Add a note to {}", incident.1),
                    crate::sanitize::one_line(&text),
                ];
                self.ask(
                    lines,
                    Write::Note {
                        incident: incident.0,
                        content: text,
                    },
                );
            }
            _ => self.overlay = Some(Overlay::Note { incident, input }),
        }
    }

    pub(super) fn open_snooze(&mut self) {
        if self.refuse_write(NOT_SNOOZED) {
            return;
        }
        match self.incident_here() {
            None => self.info("select an incident to snooze in the incidents view (0)"),
            Some((_, name, status)) if status != IncidentStatus::Acknowledged => self.error(format!(
                "{name} is {status}: PagerDuty snoozes acknowledged incidents only (A acknowledges it)"
            )),
            Some((id, name, _)) => {
                self.overlay = Some(Overlay::Snooze {
                    incident: (id, name),
                })
            }
        }
    }

    pub(super) fn snooze_key(&mut self, incident: (String, String), key: &KeyEvent) {
        let minutes = match key.code {
            KeyCode::Char(c @ '1'..='4') => SNOOZE_MINUTES[(c as usize) - ('1' as usize)],
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('n') => return,
            _ => {
                self.overlay = Some(Overlay::Snooze { incident });
                return;
            }
        };
        let length = std::time::Duration::from_secs(minutes * 60);
        let lines = vec![
            format!("Snooze {} for {}", incident.1, format_duration(length)),
            "it triggers again when the snooze ends".into(),
        ];
        self.ask(
            lines,
            Write::Snooze {
                incident: incident.0,
                secs: minutes * 60,
            },
        );
    }
}
