//! Read-only sessions in the UI: every write is refused where the user starts it, with the
//! reason and the way out on the status line, and once more where writes leave the app
//! (`send`, a runbook step's confirmation), so no path reaches `Effect::Write` or runs a step.
//! The `!` shell stays allowed: it is the user's own.

use super::App;
use crate::config::ReadOnly;
use crate::tui::action::Write;

/// What a refused write did not do, for the status line.
pub(super) fn not_done(write: &Write) -> &'static str {
    match write {
        Write::CreateSilence(_) => SILENCE_NOT_CREATED,
        Write::ReplaceSilence(_) => SILENCE_NOT_CHANGED,
        Write::ExpireSilence(_) => SILENCE_NOT_EXPIRED,
        Write::AckIncidents(_) => NOT_ACKNOWLEDGED,
        Write::ResolveIncidents(_) => NOT_RESOLVED,
        Write::Note { .. } => NOT_NOTED,
        Write::Snooze { .. } => NOT_SNOOZED,
        Write::Escalate { .. } => NOT_ESCALATED,
        Write::Batch(writes) => writes.first().map_or(NOT_ACKNOWLEDGED, not_done),
    }
}

pub(super) const SILENCE_NOT_CREATED: &str = "silences are not created";
pub(super) const SILENCE_NOT_CHANGED: &str = "silences are not changed";
pub(super) const SILENCE_NOT_EXPIRED: &str = "silences are not expired";
pub(super) const NOT_ACKNOWLEDGED: &str = "nothing is acknowledged";
pub(super) const NOT_RESOLVED: &str = "incidents are not resolved";
pub(super) const NOT_NOTED: &str = "no note is added";
pub(super) const NOT_SNOOZED: &str = "nothing is snoozed";
pub(super) const NOT_ESCALATED: &str = "nothing is escalated";
pub(super) const STEP_NOT_RUN: &str = "runbook steps are not run (the ! shell is yours)";

impl App {
    /// Why the current context may not write; empty when it may. The session-wide reasons
    /// (`--readonly`, `ONCALL_READONLY`) hold everywhere, a context's `readonly = true` only
    /// while it is the current one, so a `:context` switch changes this at once.
    pub fn read_only(&self) -> ReadOnly {
        self.prefs.readonly.for_context(&self.context.name)
    }

    /// Whether writes are refused here (for the header and the hints, on every frame).
    pub fn is_read_only(&self) -> bool {
        self.prefs.readonly.holds_in(&self.context.name)
    }

    /// In a read-only session: say so on the status line (what did not happen, why, and how
    /// to lift it) and return true; the caller then does nothing.
    pub(super) fn refuse_write(&mut self, what: &str) -> bool {
        let readonly = self.read_only();
        if !readonly.is_set() {
            return false;
        }
        self.error(readonly.refusal(what));
        self.dirty = true;
        true
    }
}
