//! The alert list a person triages: every alert with the state it shows (firing, pending,
//! silenced, inhibited, acknowledged), filtered by matchers or free text, grouped by alert
//! name or flat, most severe and newest first. Pure data: the terminal UI draws it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::severity::severity_rank;
use crate::model::matcher::MatcherSet;
use crate::model::{Alert, AlertState, Matcher, Silence};
use crate::sources::prometheus::{AlertingState, PromAlert};

/// A silence whose comment starts with this is an acknowledgement, not a silence.
pub const ACK_PREFIX: &str = "ACK!";

/// What an alert shows in the list, in the order a person cares about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shown {
    Firing,
    Pending,
    Acknowledged,
    Silenced,
    Inhibited,
}

impl Shown {
    pub fn as_str(self) -> &'static str {
        match self {
            Shown::Firing => "firing",
            Shown::Pending => "pending",
            Shown::Acknowledged => "acked",
            Shown::Silenced => "silenced",
            Shown::Inhibited => "inhibited",
        }
    }
}

/// One alert in the list. The alert is shared with the held alert lists: with 10,000 alerts
/// a private copy per entry would double the memory the list holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub alert: Arc<Alert>,
    pub shown: Shown,
}

/// How an Alertmanager alert shows: an alert muted only by `ACK!` silences is acknowledged.
pub fn shown_state(alert: &Alert, silences: &HashMap<&str, &Silence>) -> Shown {
    if alert.is_silenced() {
        let all_acks = alert.status.silenced_by.iter().all(|id| {
            silences
                .get(id.as_str())
                .is_some_and(|s| s.comment.starts_with(ACK_PREFIX))
        });
        return if all_acks {
            Shown::Acknowledged
        } else {
            Shown::Silenced
        };
    }
    if alert.is_inhibited() {
        return Shown::Inhibited;
    }
    match alert.status.state {
        AlertState::Suppressed => Shown::Silenced,
        _ => Shown::Firing,
    }
}

/// Alertmanager's alerts (already merged by fingerprint) with Prometheus's pending ones
/// (which Alertmanager never sees), most severe and newest first.
pub fn entries<'a>(
    alerts: impl IntoIterator<Item = &'a Arc<Alert>>,
    silences: &[Silence],
    pending: &[PromAlert],
) -> Vec<Entry> {
    let by_id: HashMap<&str, &Silence> = silences.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out: Vec<Entry> = alerts
        .into_iter()
        .map(|a| Entry {
            shown: shown_state(a, &by_id),
            alert: Arc::clone(a),
        })
        .collect();
    out.extend(
        pending
            .iter()
            .filter(|p| p.state == AlertingState::Pending)
            .map(|p| Entry {
                alert: Arc::new(pending_alert(p)),
                shown: Shown::Pending,
            }),
    );
    // Within a severity, what fires comes before what only might (pending).
    out.sort_by_cached_key(|e| {
        let (rank, newest, fingerprint) = people_order(&e.alert);
        (rank, e.shown == Shown::Pending, newest, fingerprint)
    });
    out
}

/// The sort key of `compare_for_people` (most severe, then newest, then by fingerprint),
/// for `sort_by_cached_key`: sorting 10,000 alerts by the comparator ranks two severities
/// per comparison, some 260,000 rankings against 10,000 here.
pub fn people_order(alert: &Alert) -> (u8, Reverse<DateTime<Utc>>, String) {
    (
        severity_rank(alert.severity()),
        Reverse(alert.starts_at),
        alert.fingerprint.clone(),
    )
}

/// A Prometheus pending alert in Alertmanager's shape. Its fingerprint is made here (stable
/// for the same labels) so the selection can follow it; it is marked so it never collides
/// with an Alertmanager one.
fn pending_alert(p: &PromAlert) -> Alert {
    let since = p.active_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    Alert {
        labels: p.labels.clone(),
        annotations: p.annotations.clone(),
        receivers: Vec::new(),
        fingerprint: format!("pending-{:016x}", label_hash(&p.labels)),
        starts_at: since,
        updated_at: since,
        ends_at: since,
        generator_url: String::new(),
        status: crate::model::alert::AlertStatus {
            state: AlertState::Unprocessed,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
            muted_by: Vec::new(),
        },
    }
}

/// FNV-1a over the sorted labels: stable across runs and platforms, unlike `DefaultHasher`.
fn label_hash(labels: &BTreeMap<String, String>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xfe]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Labels that tell alerts of one name apart, in the order shown (the UI and `oncall alerts`).
pub const KEY_LABELS: &[&str] = &[
    "cluster",
    "env",
    "namespace",
    "service",
    "job",
    "instance",
    "pod",
    "deployment",
    "node",
    "container",
];

/// `namespace=prod pod=api-1 +2`: the key labels (all labels when `wide`), never alertname
/// or severity, which have their own columns.
pub fn label_summary(alert: &Alert, wide: bool) -> String {
    let mut out = String::new();
    write_label_summary(
        alert.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        wide,
        &mut out,
    );
    out
}

/// [`label_summary`] of sorted `labels`, into `out` (`oncall alerts` writes 10,000 of these
/// from borrowed rows).
pub fn write_label_summary<'a, I>(labels: I, wide: bool, out: &mut String)
where
    I: Iterator<Item = (&'a str, &'a str)> + Clone,
{
    fn separate(out: &mut String) {
        if !out.is_empty() {
            out.push(' ');
        }
    }
    fn pair(out: &mut String, key: &str, value: &str) {
        separate(out);
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    fn more(out: &mut String, n: usize) {
        separate(out);
        out.push('+');
        out.push_str(&n.to_string());
    }
    let rest = |k: &str| k != "alertname" && k != "severity" && !KEY_LABELS.contains(&k);
    // One pass puts each label in its key-label slot or counts it with the rest (looking
    // each key label up instead was a third of `oncall alerts`' CPU with 10,000 alerts).
    let mut keyed: [Option<&str>; KEY_LABELS.len()] = [None; KEY_LABELS.len()];
    let mut count = 0;
    for (k, v) in labels.clone() {
        match KEY_LABELS.iter().position(|key| *key == k) {
            Some(i) => keyed[i] = Some(v),
            None if rest(k) => count += 1,
            None => {}
        }
    }
    for (key, value) in KEY_LABELS.iter().zip(keyed) {
        if let Some(value) = value {
            pair(out, key, value);
        }
    }
    if wide || keyed.iter().all(Option::is_none) {
        let take = if wide { count } else { 3 };
        for (k, v) in labels.filter(|(k, _)| rest(k)).take(take) {
            pair(out, k, v);
        }
        if count > take {
            more(out, count - take);
        }
    } else if count > 0 {
        more(out, count);
    }
}

/// The `/` filter of the alert list.
#[derive(Debug, Clone, Default)]
pub enum AlertFilter {
    #[default]
    All,
    /// Lower-cased text found in any label value, label name or the summary.
    Text(String),
    /// Matchers in amtool syntax: `severity=critical namespace=~"prod.*"`.
    Matchers(Vec<Matcher>, MatcherSet),
}

/// Two filters are equal when they were written the same (compiled regexes do not compare).
impl PartialEq for AlertFilter {
    fn eq(&self, other: &AlertFilter) -> bool {
        match (self, other) {
            (AlertFilter::All, AlertFilter::All) => true,
            (AlertFilter::Text(a), AlertFilter::Text(b)) => a == b,
            (AlertFilter::Matchers(a, _), AlertFilter::Matchers(b, _)) => a == b,
            _ => false,
        }
    }
}

impl AlertFilter {
    /// Text with an operator (`=`, `!=`, `=~`, `!~`) is matchers, anything else free text. A
    /// malformed matcher is an error that names it, so a typo is not silently "no alerts".
    pub fn parse(text: &str) -> Result<AlertFilter, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(AlertFilter::All);
        }
        if !text.contains('=') && !text.contains("!~") {
            return Ok(AlertFilter::Text(text.to_lowercase()));
        }
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let matchers = split_matchers(inner)
            .iter()
            .map(|m| Matcher::parse(m).map_err(|e| format!("`{m}`: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let set = MatcherSet::new(&matchers).map_err(|e| e.to_string())?;
        Ok(AlertFilter::Matchers(matchers, set))
    }

    pub fn matches(&self, alert: &Alert) -> bool {
        match self {
            AlertFilter::All => true,
            AlertFilter::Matchers(_, set) => set.matches(&alert.labels),
            AlertFilter::Text(needle) => {
                alert
                    .labels
                    .iter()
                    .any(|(k, v)| contains_lower(k, needle) || contains_lower(v, needle))
                    || alert.summary().is_some_and(|s| contains_lower(s, needle))
            }
        }
    }
}

fn contains_lower(hay: &str, lower_needle: &str) -> bool {
    if hay.is_ascii() {
        // Without allocating: most labels are ASCII, and this runs per alert per keystroke.
        hay.as_bytes()
            .windows(lower_needle.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(lower_needle.as_bytes()))
            || lower_needle.is_empty()
    } else {
        hay.to_lowercase().contains(lower_needle)
    }
}

/// Split `a="x, y", b=~z` on commas and spaces outside double quotes.
fn split_matchers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        match c {
            _ if escaped => {
                escaped = false;
                current.push(c);
            }
            '\\' if quoted => {
                escaped = true;
                current.push(c);
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' | ' ' | '\t' if !quoted => {
                if !current.trim().is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

pub use super::alert_rows::{rows, shared_labels, varying_keys, Grouping, Row};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::sort::{Sort, SortKey};
    use std::collections::BTreeSet;

    fn alert(name: &str, severity: &str, fp: &str, starts: &str, silenced_by: &[&str]) -> Alert {
        serde_json::from_value(serde_json::json!({
            "labels": {"alertname": name, "severity": severity, "instance": format!("{fp}:9100")},
            "annotations": {"summary": format!("{name} on {fp}")},
            "fingerprint": fp,
            "startsAt": starts, "updatedAt": starts, "endsAt": "2030-01-01T00:00:00Z",
            "status": {"state": if silenced_by.is_empty() {"active"} else {"suppressed"},
                       "silencedBy": silenced_by, "inhibitedBy": []}
        }))
        .unwrap()
    }

    fn silence(id: &str, comment: &str) -> Silence {
        serde_json::from_value(serde_json::json!({
            "id": id, "matchers": [{"name": "alertname", "value": "A", "isRegex": false}],
            "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z",
            "createdBy": "me", "comment": comment, "status": {"state": "active"},
            "updatedAt": "2026-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    fn sample() -> Vec<Entry> {
        let alerts = vec![
            alert("DiskFull", "warning", "d1", "2026-01-01T00:00:00Z", &[]),
            alert("ServiceDown", "critical", "s1", "2026-01-01T00:00:00Z", &[]),
            alert(
                "ServiceDown",
                "critical",
                "s2",
                "2026-01-01T01:00:00Z",
                &["sil"],
            ),
            alert(
                "DiskFull",
                "warning",
                "d2",
                "2026-01-01T02:00:00Z",
                &["ack"],
            ),
        ];
        let silences = vec![silence("sil", "maintenance"), silence("ack", "ACK! on it")];
        let pending: PromAlert = serde_json::from_value(serde_json::json!({
            "labels": {"alertname": "HighLatency", "severity": "critical"},
            "annotations": {}, "state": "pending", "activeAt": "2026-01-01T03:00:00Z", "value": "1"
        }))
        .unwrap();
        let alerts: Vec<Arc<Alert>> = alerts.into_iter().map(Arc::new).collect();
        entries(&alerts, &silences, &[pending])
    }

    #[test]
    fn states_distinguish_acked_from_silenced_and_pending_joins_in_order() {
        let e = sample();
        let got: Vec<(&str, Shown)> = e.iter().map(|e| (e.alert.alertname(), e.shown)).collect();
        assert_eq!(
            got,
            vec![
                ("ServiceDown", Shown::Silenced),
                ("ServiceDown", Shown::Firing),
                ("HighLatency", Shown::Pending),
                ("DiskFull", Shown::Acknowledged),
                ("DiskFull", Shown::Firing),
            ],
            "a newer pending critical alert still comes after the firing critical ones"
        );
        assert!(e[2].alert.fingerprint.starts_with("pending-"));
    }

    #[test]
    fn people_order_is_compare_for_people() {
        let mut by_key: Vec<Alert> = sample().into_iter().map(|e| (*e.alert).clone()).collect();
        by_key.reverse();
        let mut by_comparator = by_key.clone();
        by_key.sort_by_cached_key(people_order);
        by_comparator.sort_by(crate::triage::compare_for_people);
        assert_eq!(by_key, by_comparator);
    }

    #[test]
    fn filter_takes_matchers_or_free_text_and_reports_bad_matchers() {
        let e = sample();
        let count = |text: &str| {
            let f = AlertFilter::parse(text).unwrap();
            e.iter().filter(|x| f.matches(&x.alert)).count()
        };
        assert_eq!(count(""), 5);
        assert_eq!(count("severity=critical"), 3);
        assert_eq!(count("{alertname=~\"Disk.*\", instance!=\"d1:9100\"}"), 1);
        assert_eq!(count("servicedown"), 2);
        assert_eq!(count("D1:91"), 1);
        assert_eq!(count("DiskFull on d2"), 1);
        let bad = AlertFilter::parse("alertname=~\"(\"").unwrap_err();
        assert!(bad.contains("alertname"), "{bad}");
    }

    #[test]
    fn grouping_keeps_severity_order_and_collapses() {
        let e = sample();
        let flat = rows(
            &e,
            &AlertFilter::All,
            &Grouping::Flat,
            &BTreeSet::new(),
            None,
        );
        assert_eq!(flat.len(), 5);
        let collapsed = BTreeSet::from(["ServiceDown".to_string()]);
        let grouped = rows(&e, &AlertFilter::All, &Grouping::ByName, &collapsed, None);
        let keys: Vec<String> = grouped.iter().map(|r| r.key(&e)).collect();
        assert_eq!(
            keys,
            vec![
                "group:ServiceDown",
                e[2].alert.fingerprint.as_str(),
                "group:DiskFull",
                "d2",
                "d1"
            ],
            "the one pending HighLatency alert is one row, without a header"
        );
        for (row, key) in grouped.iter().zip(&keys) {
            assert!(row.has_key(&e, key), "{key}");
        }
        assert!(!grouped[0].has_key(&e, "group:DiskFull"));
        assert!(!grouped[3].has_key(&e, "d1"));
        assert_eq!(grouped[1], Row::Alert(2));
        assert_eq!(grouped[3], Row::Member(3));
        assert!(matches!(
            grouped[0],
            Row::Group {
                count: 2,
                collapsed: true,
                worst: Shown::Firing,
                worst_count: 1,
                ..
            }
        ));
    }

    #[test]
    fn sorting_by_a_column_and_back() {
        let e = sample();
        let names = |sort| -> Vec<String> {
            rows(
                &e,
                &AlertFilter::All,
                &Grouping::Flat,
                &BTreeSet::new(),
                sort,
            )
            .iter()
            .map(|r| e[r.entry()].alert.alertname().to_string())
            .collect()
        };
        let by_name = Sort {
            key: SortKey::Name,
            reverse: false,
        };
        assert_eq!(
            names(Some(by_name)),
            [
                "DiskFull",
                "DiskFull",
                "HighLatency",
                "ServiceDown",
                "ServiceDown"
            ]
        );
        let reversed = Sort::toggled(Some(by_name), SortKey::Name);
        assert_eq!(
            names(Some(reversed)),
            [
                "ServiceDown",
                "ServiceDown",
                "HighLatency",
                "DiskFull",
                "DiskFull"
            ]
        );
        let by_age = rows(
            &e,
            &AlertFilter::All,
            &Grouping::Flat,
            &BTreeSet::new(),
            Some(Sort {
                key: SortKey::Age,
                reverse: false,
            }),
        );
        assert_eq!(e[by_age[0].entry()].alert.alertname(), "HighLatency");
    }

    #[test]
    fn varying_keys_are_the_labels_that_tell_alerts_apart() {
        let e = sample();
        let all: Vec<&Alert> = e.iter().map(|x| &*x.alert).collect();
        // Every sample alert has its own instance; the pending one has none.
        assert_eq!(varying_keys(all.iter().copied()), ["instance"]);
        assert!(varying_keys(all[..1].iter().copied()).is_empty());
        let shared = shared_labels(all[..1].iter().copied());
        assert_eq!(shared, [("instance".to_string(), "s2:9100".to_string())]);
    }

    #[test]
    fn grouping_by_a_label() {
        let e = sample();
        let by = Grouping::parse("severity");
        let got = rows(&e, &AlertFilter::All, &by, &BTreeSet::new(), None);
        let keys: Vec<String> = got.iter().map(|r| r.key(&e)).collect();
        assert_eq!(keys[0], "group:severity=critical");
        assert!(keys.contains(&"group:severity=warning".to_string()));
        assert_eq!(Grouping::parse("none"), Grouping::Flat);
        assert_eq!(
            Grouping::parse("cluster").key(&e[0].alert).as_deref(),
            Some("cluster unset")
        );
    }
}
