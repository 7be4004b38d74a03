//! What the Alertmanagers and PagerDuty told us: alerts (deduplicated across peers), silences
//! and open incidents, each kept through failures, with the health of each source. The alert
//! count by severity in the header and each dashboard's linked-alert state come from here.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::model::alert::{Alert, AlertState};
use crate::model::incident::Incident;
use crate::model::silence::{Silence, SilenceState};
use crate::sources::fleet::{merge_by_fingerprint, merge_silences};
use crate::sources::prometheus::PromAlert;
use crate::triage::alert_list;
pub use crate::triage::alert_list::{AlertFilter, Entry, Grouping, Row, Shown};
use crate::triage::severity_rank;
use crate::triage::sort::Sort;
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

/// A list view's selection, filter, order and marked rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListState {
    pub selected: usize,
    pub filter: String,
    /// The column chosen with `shift-letter` or `:sort`; `None` is the view's default order.
    pub sort: Option<Sort>,
    /// The rows marked with `space` (alert fingerprints, silence or incident IDs), acted on
    /// together. Kept by ID so a refresh never moves a mark to another row.
    pub marked: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Triage {
    /// Per configured Alertmanager.
    pub health: Vec<BackendHealth>,
    /// Shared with `alerts`: with 10,000 alerts a refresh holds one decoded copy of them
    /// besides the entries, not one per stage.
    pub alert_feeds: Vec<Feed<Arc<Alert>>>,
    pub silence_feeds: Vec<Feed<Silence>>,
    /// `None` when PagerDuty is not configured.
    pub pagerduty: Option<BackendHealth>,
    pub incidents: Feed<Incident>,
    /// All alerts, deduplicated by fingerprint, most severe first, newest first within.
    pub alerts: Vec<Arc<Alert>>,
    /// The header's firing counts by severity and each alert name's (firing, muted) counts,
    /// counted when the alerts change: the header and the dashboards' linked alerts ask on
    /// every frame.
    firing_counts: Vec<(String, usize)>,
    linked_counts: HashMap<String, (usize, usize)>,
    pub silences: Vec<Silence>,
    /// What each silence mutes and matches, and its flags, rebuilt with the entries.
    pub inventory: crate::triage::silence_inventory::Inventory,
    pub generation: u64,
    pub incidents_generation: u64,
    pub next_alerts_ms: i64,
    pub next_incidents_ms: i64,
    pub alerts_list: ListState,
    pub silences_list: ListState,
    pub incidents_list: ListState,
    /// Prometheus's pending alerts (Alertmanager never sees them).
    pub pending: Feed<PromAlert>,
    /// The alert list as shown: every alert with its state, and the rows after filter and
    /// grouping. Rebuilt when data, filter or grouping change, not per frame.
    pub entries: Vec<Entry>,
    pub rows: Vec<Row>,
    pub alert_filter: AlertFilter,
    /// Why the typed filter is not a valid matcher list (the previous filter stays applied).
    pub filter_error: Option<String>,
    pub grouping: Grouping,
    /// Groups (by their key) that are collapsed.
    pub collapsed: BTreeSet<String>,
    /// The key (fingerprint or group) of the selected row, so the selection follows the same
    /// alert when the list changes under it.
    pub anchor: Option<String>,
    /// Fingerprints present when the user last left the alerts view; others are new.
    pub seen: Option<HashSet<String>>,
    /// Who is on call (PagerDuty), once known.
    pub oncalls: Option<Vec<crate::model::OnCall>>,
    /// The PagerDuty user ID of the token, once known.
    pub me: Option<String>,
    /// The incidents view shows only incidents assigned to `me`.
    pub mine_only: bool,
    /// The route tree and the details lookups that link alerts to incidents.
    pub linking: super::ack::Linking,
    /// Alerts acknowledged through their PagerDuty incident from here, by fingerprint, with
    /// the incident: shown acknowledged (and out of the header's count) while it stays so.
    pub acked_by_incident: HashMap<String, String>,
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
        result: Result<Vec<Arc<Alert>>, FetchError>,
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
                // An incident resolved or triggered again no longer acks its alert.
                let still = |id: &String| {
                    self.incidents.items.iter().any(|i| {
                        &i.id == id && i.status == crate::model::IncidentStatus::Acknowledged
                    })
                };
                let before = self.acked_by_incident.len();
                let mut acked = std::mem::take(&mut self.acked_by_incident);
                acked.retain(|_, id| still(id));
                self.acked_by_incident = acked;
                if self.acked_by_incident.len() != before {
                    self.count_alerts();
                    self.rebuild_entries();
                }
            }
            Err(e) => h.failed(now_ms, e.full),
        }
        true
    }

    /// One Alertmanager's alerts: shared ones (`Arc<Alert>`, as the runtime decodes them) or
    /// plain ones.
    pub fn set_alerts<A: Into<Arc<Alert>>>(&mut self, source: usize, alerts: Vec<A>) {
        let Some(feed) = self.alert_feeds.get_mut(source) else {
            return;
        };
        let alerts: Vec<Arc<Alert>> = alerts.into_iter().map(Into::into).collect();
        // Most refreshes answer what is already held: keep it, and skip the merge, sort and
        // rebuild of every entry. The decode shares unchanged alerts, so this is mostly a
        // pointer comparison.
        let unchanged = feed.loaded
            && feed.items.len() == alerts.len()
            && feed
                .items
                .iter()
                .zip(&alerts)
                .all(|(held, new)| Arc::ptr_eq(held, new) || **held == **new);
        feed.loaded = true;
        if unchanged {
            return;
        }
        feed.items = alerts;
        let per_member: Vec<Vec<Arc<Alert>>> =
            self.alert_feeds.iter().map(|f| f.items.clone()).collect();
        let mut merged: Vec<Arc<Alert>> = merge_by_fingerprint(per_member)
            .into_iter()
            .map(|(alert, _)| alert)
            .collect();
        merged.sort_by_cached_key(|a| alert_list::people_order(a));
        self.alerts = merged;
        self.count_alerts();
        self.rebuild_entries();
        if self.seen.is_none() {
            // What is there at start is not news.
            self.mark_seen();
        }
    }

    pub fn set_silences(&mut self, source: usize, silences: Vec<Silence>) {
        if let Some(feed) = self.silence_feeds.get_mut(source) {
            feed.items = silences;
            feed.loaded = true;
        }
        let per_member: Vec<Vec<Silence>> =
            self.silence_feeds.iter().map(|f| f.items.clone()).collect();
        let mut merged = merge_silences(per_member);
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
        if merged == self.silences {
            // The entries' states depend on the silences: same silences, same entries.
            return;
        }
        self.silences = merged;
        self.rebuild_entries();
    }

    /// Prometheus's answer to `/api/v1/alerts` for round `generation`; a failure keeps the
    /// pending alerts already known (Prometheus's health chip shows the failure).
    pub fn absorb_pending(
        &mut self,
        generation: u64,
        result: Result<Vec<PromAlert>, FetchError>,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        match result {
            Ok(alerts) => {
                let unchanged = self.pending.loaded && self.pending.items == alerts;
                self.pending.items = alerts;
                self.pending.loaded = true;
                if !unchanged {
                    self.rebuild_entries();
                }
                true
            }
            Err(_) => false,
        }
    }

    fn rebuild_entries(&mut self) {
        // From every peer's copy: merged alerts keep only the first peer's `silencedBy`.
        self.inventory = crate::triage::silence_inventory::Inventory::build(
            &self.silences,
            self.alert_feeds
                .iter()
                .flat_map(|f| f.items.iter().map(|a| &**a)),
        );
        self.entries = alert_list::entries(self.alerts.iter(), &self.silences, &self.pending.items);
        if !self.acked_by_incident.is_empty() {
            for e in &mut self.entries {
                if e.shown == alert_list::Shown::Firing
                    && self.acked_by_incident.contains_key(&e.alert.fingerprint)
                {
                    e.shown = alert_list::Shown::Acknowledged;
                }
            }
        }
        self.rebuild_rows();
    }

    /// PagerDuty confirmed the ack of `incident`, started from the alert `fingerprint`.
    pub fn acknowledge_alert(&mut self, fingerprint: String, incident: String) {
        self.acked_by_incident.insert(fingerprint, incident);
        self.count_alerts();
        self.rebuild_entries();
    }

    /// Count what `firing_by_severity` and `linked` answer, once per change of the alerts.
    fn count_alerts(&mut self) {
        let mut by_severity: Vec<(u8, String, usize)> = Vec::new();
        let mut linked: HashMap<String, (usize, usize)> = HashMap::new();
        for a in &self.alerts {
            let muted = a.status.state == AlertState::Suppressed
                || a.is_silenced()
                || a.is_inhibited()
                || self.acked_by_incident.contains_key(&a.fingerprint);
            let firing = !muted && a.status.state == AlertState::Active;
            if firing || muted {
                let name = a.alertname();
                let counts = match linked.get_mut(name) {
                    Some(c) => c,
                    None => linked.entry(name.to_string()).or_default(),
                };
                if firing {
                    counts.0 += 1;
                } else {
                    counts.1 += 1;
                }
            }
            if !a.is_firing_unsuppressed() || self.acked_by_incident.contains_key(&a.fingerprint) {
                continue;
            }
            let sev = a.severity().unwrap_or("unlabelled");
            if sev.eq_ignore_ascii_case("none") {
                continue;
            }
            match by_severity
                .iter_mut()
                .find(|c| c.1.eq_ignore_ascii_case(sev))
            {
                Some(c) => c.2 += 1,
                None => {
                    let sev = sev.to_ascii_lowercase();
                    by_severity.push((severity_rank(Some(&sev)), sev, 1));
                }
            }
        }
        by_severity.sort();
        self.firing_counts = by_severity.into_iter().map(|(_, s, n)| (s, n)).collect();
        self.linked_counts = linked;
    }

    /// Recompute the rows and put the selection back on the anchored row (or the nearest
    /// position when it is gone).
    pub fn rebuild_rows(&mut self) {
        self.rows = alert_list::rows(
            &self.entries,
            &self.alert_filter,
            &self.grouping,
            &self.collapsed,
            self.alerts_list.sort,
        );
        let found = self
            .anchor
            .as_ref()
            .and_then(|key| self.rows.iter().position(|r| r.has_key(&self.entries, key)));
        match found {
            Some(i) => self.alerts_list.selected = i,
            None => {
                self.alerts_list.selected = self
                    .alerts_list
                    .selected
                    .min(self.rows.len().saturating_sub(1));
                self.remember_alert_selection();
            }
        }
    }

    /// Anchor the selection to the row now selected.
    pub fn remember_alert_selection(&mut self) {
        self.anchor = self
            .rows
            .get(self.alerts_list.selected)
            .map(|r| r.key(&self.entries));
    }

    /// Apply the `/` text to the alert list. A malformed matcher keeps the previous filter
    /// and returns why.
    pub fn set_alert_filter(&mut self, text: &str) -> Option<String> {
        self.alerts_list.filter = text.to_string();
        match AlertFilter::parse(text) {
            Ok(f) => {
                self.alert_filter = f;
                self.filter_error = None;
            }
            Err(e) => self.filter_error = Some(e),
        }
        self.rebuild_rows();
        self.filter_error.clone()
    }

    /// `g`: flat, or back to groups by alert name.
    pub fn toggle_grouping(&mut self) {
        let next = match self.grouping {
            Grouping::Flat => Grouping::ByName,
            _ => Grouping::Flat,
        };
        self.set_grouping(next);
    }

    pub fn set_grouping(&mut self, grouping: Grouping) {
        self.grouping = grouping;
        self.rebuild_rows();
    }

    /// Collapse or expand the group of the selected row.
    pub fn toggle_group(&mut self) {
        let name = match self.rows.get(self.alerts_list.selected) {
            Some(Row::Group { name, .. }) => name.clone(),
            Some(Row::Member(i)) => match self.entries.get(*i) {
                Some(e) => self.grouping.key(&e.alert).unwrap_or_default(),
                None => return,
            },
            Some(Row::Alert(_)) => return,
            None => return,
        };
        if !self.collapsed.remove(&name) {
            self.collapsed.insert(name.clone());
        }
        // The group header stays selected so the next toggle undoes this one.
        self.anchor = Some(format!("group:{name}"));
        self.rebuild_rows();
    }

    /// The entry of the selected row (a group's most severe alert for a group header).
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entries
            .get(self.rows.get(self.alerts_list.selected)?.entry())
    }

    /// Not there when the user last left the alerts view.
    pub fn is_new(&self, fingerprint: &str) -> bool {
        self.seen
            .as_ref()
            .is_some_and(|seen| !seen.contains(fingerprint))
    }

    /// The user left the alerts view: what it showed is no longer new.
    pub fn mark_seen(&mut self) {
        if self.alerts_known() {
            self.seen = Some(
                self.entries
                    .iter()
                    .map(|e| e.alert.fingerprint.clone())
                    .collect(),
            );
        }
    }

    /// Whether any Alertmanager has answered at all.
    pub fn alerts_known(&self) -> bool {
        self.alert_feeds.iter().any(|f| f.loaded)
    }

    /// Firing alerts that need a human (active, not silenced or inhibited), by severity,
    /// most severe first. `severity="none"` marks alerts that fire on purpose (Watchdog,
    /// InfoInhibitor); they are listed but not counted.
    pub fn firing_by_severity(&self) -> Vec<(String, usize)> {
        self.firing_counts.clone()
    }

    /// How an alert rule linked from a dashboard stands: firing (unsuppressed) and silenced
    /// (or inhibited) instance counts.
    pub fn linked(&self, alertname: &str) -> (usize, usize) {
        self.linked_counts
            .get(alertname)
            .copied()
            .unwrap_or_default()
    }

    /// The people on call at an escalation level (1 = first), across policies, in order.
    pub fn on_call_at(&self, level: u32) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for o in self.oncalls.iter().flatten() {
            if o.escalation_level == level && !names.contains(&o.user.summary.as_str()) {
                names.push(&o.user.summary);
            }
        }
        names
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

    #[test]
    fn an_unchanged_refresh_keeps_what_is_held_and_counts_follow_changes() {
        let mut t = Triage::new(&["am1".into()], false);
        let list = vec![
            alert("ServiceDown", "critical", "a", false),
            alert("DiskSpaceLow", "warning", "b", false),
            alert("HighCPUUsage", "Critical", "c", false),
        ];
        t.set_alerts(0, list.clone());
        let held = Arc::clone(&t.alerts[0]);
        t.set_alerts(0, list.clone());
        assert!(
            Arc::ptr_eq(&held, &t.alerts[0]),
            "the same answer is not rebuilt"
        );
        assert_eq!(
            t.firing_by_severity(),
            vec![("critical".to_string(), 2), ("warning".to_string(), 1)]
        );
        let mut changed = list;
        changed[1] = alert("DiskSpaceLow", "warning", "b", true);
        t.set_alerts(0, changed);
        assert_eq!(t.firing_by_severity(), vec![("critical".to_string(), 2)]);
        assert_eq!(
            (t.linked("DiskSpaceLow"), t.linked("ServiceDown")),
            ((0, 1), (1, 0))
        );
        let shown: Vec<(&str, Shown)> = t
            .entries
            .iter()
            .map(|e| (e.alert.alertname(), e.shown))
            .collect();
        assert_eq!(
            shown,
            [
                ("ServiceDown", Shown::Firing),
                ("HighCPUUsage", Shown::Firing),
                ("DiskSpaceLow", Shown::Silenced)
            ]
        );
    }
}
