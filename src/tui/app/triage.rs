//! What the Alertmanagers and PagerDuty told us: alerts (deduplicated across peers), silences
//! and open incidents, each kept through failures, with the health of each source. The alert
//! count by severity in the header and each dashboard's linked-alert state come from here.

use std::collections::HashSet;

use crate::model::alert::{Alert, AlertState};
use crate::model::incident::Incident;
use crate::model::silence::{Silence, SilenceState};
use crate::tui::state::{BackendHealth, FetchError};

/// The last good answer of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed<T> {
    pub items: Vec<T>,
    /// Some answer has arrived (an empty list then means "none", not "unknown").
    pub loaded: bool,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Feed {
            items: Vec::new(),
            loaded: false,
        }
    }
}

/// A list view's selection and filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListState {
    pub selected: usize,
    pub filter: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Triage {
    /// Per configured Alertmanager.
    pub health: Vec<BackendHealth>,
    pub alert_feeds: Vec<Feed<Alert>>,
    pub silence_feeds: Vec<Feed<Silence>>,
    /// `None` when PagerDuty is not configured.
    pub pagerduty: Option<BackendHealth>,
    pub incidents: Feed<Incident>,
    /// All alerts, deduplicated by fingerprint, most severe first, newest first within.
    pub alerts: Vec<Alert>,
    pub silences: Vec<Silence>,
    pub generation: u64,
    pub incidents_generation: u64,
    pub next_alerts_ms: i64,
    pub next_incidents_ms: i64,
    pub alerts_list: ListState,
    pub silences_list: ListState,
    pub incidents_list: ListState,
}

/// Sort rank of a severity label: critical first.
pub fn severity_rank(severity: Option<&str>) -> u8 {
    match severity.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") | Some("page") | Some("error") => 0,
        Some("warning") | Some("warn") => 1,
        Some("info") | Some("informational") => 2,
        Some(_) => 3,
        None => 4,
    }
}

impl Triage {
    pub fn new(alertmanagers: &[String], pagerduty: bool) -> Triage {
        Triage {
            health: alertmanagers.iter().map(BackendHealth::named).collect(),
            alert_feeds: vec![Feed::default(); alertmanagers.len()],
            silence_feeds: vec![Feed::default(); alertmanagers.len()],
            pagerduty: pagerduty.then(|| BackendHealth::named("PagerDuty")),
            ..Triage::default()
        }
    }

    /// One Alertmanager's answer to alerts round `generation`. Answers to an older round are
    /// dropped; a failure keeps the alerts already known and marks the source down. Returns
    /// whether anything changed.
    pub fn absorb_alerts(
        &mut self,
        source: usize,
        generation: u64,
        result: Result<Vec<Alert>, FetchError>,
        now_ms: i64,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        match result {
            Ok(alerts) => {
                self.set_alerts(source, alerts);
                if let Some(h) = self.health.get_mut(source) {
                    h.succeeded(now_ms);
                }
            }
            Err(e) => {
                if let Some(h) = self.health.get_mut(source) {
                    h.failed(now_ms, e.full);
                }
            }
        }
        true
    }

    /// As `absorb_alerts`, for the silences fetched in the same round.
    pub fn absorb_silences(
        &mut self,
        source: usize,
        generation: u64,
        result: Result<Vec<Silence>, FetchError>,
        now_ms: i64,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        match result {
            Ok(silences) => self.set_silences(source, silences),
            Err(e) => {
                if let Some(h) = self.health.get_mut(source) {
                    h.failed(now_ms, e.full);
                }
            }
        }
        true
    }

    /// PagerDuty's open incidents for round `generation`, kept through failures.
    pub fn absorb_incidents(
        &mut self,
        generation: u64,
        result: Result<Vec<Incident>, FetchError>,
        now_ms: i64,
    ) -> bool {
        if generation != self.incidents_generation {
            return false;
        }
        let Some(h) = self.pagerduty.as_mut() else {
            return false;
        };
        match result {
            Ok(incidents) => {
                self.incidents.items = incidents;
                self.incidents.loaded = true;
                h.succeeded(now_ms);
            }
            Err(e) => h.failed(now_ms, e.full),
        }
        true
    }

    pub fn set_alerts(&mut self, source: usize, alerts: Vec<Alert>) {
        if let Some(feed) = self.alert_feeds.get_mut(source) {
            feed.items = alerts;
            feed.loaded = true;
        }
        let mut seen = HashSet::new();
        let mut merged: Vec<Alert> = Vec::new();
        for a in self.alert_feeds.iter().flat_map(|f| f.items.iter()) {
            if seen.insert(a.fingerprint.as_str()) {
                merged.push(a.clone());
            }
        }
        merged.sort_by(|a, b| {
            severity_rank(a.severity())
                .cmp(&severity_rank(b.severity()))
                .then_with(|| b.starts_at.cmp(&a.starts_at))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        self.alerts = merged;
    }

    pub fn set_silences(&mut self, source: usize, silences: Vec<Silence>) {
        if let Some(feed) = self.silence_feeds.get_mut(source) {
            feed.items = silences;
            feed.loaded = true;
        }
        let mut seen = HashSet::new();
        let mut merged: Vec<Silence> = Vec::new();
        for s in self.silence_feeds.iter().flat_map(|f| f.items.iter()) {
            if seen.insert(s.id.as_str()) {
                merged.push(s.clone());
            }
        }
        let rank = |s: &SilenceState| match s {
            SilenceState::Active => 0,
            SilenceState::Pending => 1,
            SilenceState::Expired => 2,
        };
        merged.sort_by(|a, b| {
            rank(&a.status)
                .cmp(&rank(&b.status))
                .then_with(|| a.ends_at.cmp(&b.ends_at))
        });
        self.silences = merged;
    }

    /// Whether any Alertmanager has answered at all.
    pub fn alerts_known(&self) -> bool {
        self.alert_feeds.iter().any(|f| f.loaded)
    }

    /// Firing alerts that need a human (active, not silenced or inhibited), by severity,
    /// most severe first. `severity="none"` marks alerts that fire on purpose (Watchdog,
    /// InfoInhibitor); they are listed but not counted.
    pub fn firing_by_severity(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(u8, String, usize)> = Vec::new();
        for a in self.alerts.iter().filter(|a| a.is_firing_unsuppressed()) {
            let sev = a
                .severity()
                .map(str::to_ascii_lowercase)
                .unwrap_or_else(|| "unlabelled".into());
            if sev == "none" {
                continue;
            }
            match counts.iter_mut().find(|c| c.1 == sev) {
                Some(c) => c.2 += 1,
                None => counts.push((severity_rank(Some(&sev)), sev, 1)),
            }
        }
        counts.sort();
        counts.into_iter().map(|(_, s, n)| (s, n)).collect()
    }

    /// How an alert rule linked from a dashboard stands: firing (unsuppressed) and silenced
    /// (or inhibited) instance counts.
    pub fn linked(&self, alertname: &str) -> (usize, usize) {
        let mut firing = 0;
        let mut muted = 0;
        for a in self.alerts.iter().filter(|a| a.alertname() == alertname) {
            if a.status.state == AlertState::Suppressed || a.is_silenced() || a.is_inhibited() {
                muted += 1;
            } else if a.status.state == AlertState::Active {
                firing += 1;
            }
        }
        (firing, muted)
    }

    pub fn is_firing(&self, alertname: &str) -> bool {
        self.linked(alertname).0 > 0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::alert::AlertStatus;
    use chrono::{TimeZone, Utc};

    pub fn alert(name: &str, severity: &str, fingerprint: &str, silenced: bool) -> Alert {
        Alert {
            labels: [("alertname", name), ("severity", severity)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: [("summary".to_string(), format!("{name} is firing"))]
                .into_iter()
                .collect(),
            receivers: vec![],
            fingerprint: fingerprint.into(),
            starts_at: Utc
                .timestamp_opt(1_700_000_000, 0)
                .single()
                .unwrap_or_default(),
            updated_at: Utc
                .timestamp_opt(1_700_000_000, 0)
                .single()
                .unwrap_or_default(),
            ends_at: Utc
                .timestamp_opt(1_700_003_600, 0)
                .single()
                .unwrap_or_default(),
            generator_url: String::new(),
            status: AlertStatus {
                state: if silenced {
                    AlertState::Suppressed
                } else {
                    AlertState::Active
                },
                silenced_by: if silenced { vec!["s1".into()] } else { vec![] },
                inhibited_by: vec![],
                muted_by: vec![],
            },
        }
    }

    #[test]
    fn dedupes_across_peers_and_counts_by_severity() {
        let mut t = Triage::new(&["am1".into(), "am2".into()], false);
        t.set_alerts(
            0,
            vec![
                alert("ServiceDown", "critical", "a", false),
                alert("HighCPUUsage", "warning", "b", false),
            ],
        );
        t.set_alerts(
            1,
            vec![
                alert("ServiceDown", "critical", "a", false),
                alert("DiskSpaceLow", "warning", "c", true),
                alert("Watchdog", "none", "w", false),
            ],
        );
        assert_eq!(t.alerts.len(), 4);
        assert_eq!(t.alerts[0].alertname(), "ServiceDown");
        assert_eq!(
            t.firing_by_severity(),
            vec![("critical".to_string(), 1), ("warning".to_string(), 1)]
        );
        assert_eq!(t.linked("DiskSpaceLow"), (0, 1));
        assert_eq!(t.linked("ServiceDown"), (1, 0));
        assert!(!t.is_firing("Nope"));
    }
}
