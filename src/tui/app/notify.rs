//! `[ui] notify`: a bell or a desktop notification when a refresh brings a new critical alert
//! (karma#3598 "Alert Popup and Noise"). One notification per refresh round, naming the
//! alerts; the first load of a context is not news; silenced, inhibited and acked alerts and
//! anything below the top severity rank stay quiet.

use std::collections::{BTreeSet, HashSet};

use super::App;
use crate::config::NotifyMode;
use crate::triage::alert_list::Shown;
use crate::triage::severity_rank;
use crate::tui::action::Effect;

/// Which alerts were there after the last complete round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifier {
    /// Fingerprints of every alert after the last complete round; `None` until the first
    /// round with an answer, which sets what is not news.
    known: Option<HashSet<String>>,
    /// The round being collected and the Alertmanagers that have answered it: the list is
    /// compared once every one has, so one refresh makes one notification.
    round: u64,
    answered: BTreeSet<usize>,
}

impl App {
    /// After an Alertmanager's answer to round `generation`: once the round is complete,
    /// announce the critical alerts that fire now and were not in the previous list.
    pub(super) fn notify_new_critical(
        &mut self,
        source: usize,
        generation: u64,
        fx: &mut Vec<Effect>,
    ) {
        // Off costs nothing: no set of fingerprints is kept.
        if self.prefs.notify == NotifyMode::Off || generation != self.triage.generation {
            return;
        }
        let n = &mut self.notifier;
        if n.round != generation {
            n.round = generation;
            n.answered.clear();
        }
        n.answered.insert(source);
        if n.answered.len() < self.triage.alert_feeds.len() || !self.triage.alerts_known() {
            return;
        }
        let current: HashSet<String> = self
            .triage
            .alerts
            .iter()
            .map(|a| a.fingerprint.clone())
            .collect();
        let Some(known) = n.known.replace(current) else {
            return;
        };
        let mut names: Vec<String> = Vec::new();
        let mut count = 0;
        for e in &self.triage.entries {
            let news = e.shown == Shown::Firing
                && e.alert.is_firing_unsuppressed()
                && severity_rank(e.alert.severity()) == 0
                && !known.contains(&e.alert.fingerprint);
            if news {
                count += 1;
                let name = crate::sanitize::one_line(e.alert.alertname());
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        if count > 0 {
            fx.push(Effect::Notify(notification_text(count, &names)));
        }
    }
}

/// "3 new critical alerts: HighErrorRate, DiskFull". The runtime caps and sanitizes it again
/// before it goes to the terminal.
fn notification_text(count: usize, names: &[String]) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} new critical alert{plural}: {}", names.join(", "))
}
