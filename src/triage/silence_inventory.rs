//! The silence inventory: for each silence, the alerts it mutes now and the firing alerts its
//! matchers select, whether it is an acknowledgement, and the flags that make forgotten
//! silences easy to find and clean up: one that matches nothing (stale, or its problem is
//! gone), an ack whose alerts resolved (Alertmanager sends no resolved message for a silenced
//! alert, so nobody else says so), one about to end while alerts still match, and duplicates
//! (which Alertmanager lets coexist, each claiming the same alerts). Pure data, computed from
//! the alerts already held; the terminal UI draws it.

use std::collections::{HashMap, HashSet};

use crate::model::matcher::{MatchOp, MatcherSet};
use crate::model::{Alert, Silence, SilenceState};

use super::alert_list::ACK_PREFIX;

/// An active silence ending within this many milliseconds while alerts still match is about
/// to let them notify again.
pub const ENDS_SOON_MS: i64 = 10 * 60 * 1000;

/// Something about a silence worth a second look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// Active and matches no firing alert: stale, or the problem it was for is gone.
    MatchesNothing,
    /// An ack whose alerts no longer fire: the problem resolved under the ack.
    AckResolved,
    /// Fewer than ten minutes left while it still matches firing alerts.
    EndsSoon,
    /// Active with exactly the matchers of another active silence.
    Duplicate,
}

impl Flag {
    /// The short word shown in a row, and searched by the view's filter.
    pub fn word(self) -> &'static str {
        match self {
            Flag::MatchesNothing => "stale",
            Flag::AckResolved => "resolved",
            Flag::EndsSoon => "ends soon",
            Flag::Duplicate => "dup",
        }
    }

    /// What the flag means, for a detail pane.
    pub fn describe(self) -> &'static str {
        match self {
            Flag::MatchesNothing => "matches nothing: stale, or its problem is gone",
            Flag::AckResolved => "ack: its alerts are no longer firing (resolved under the ack)",
            Flag::EndsSoon => "ends in under 10m while alerts still match",
            Flag::Duplicate => "same matchers as another active silence",
        }
    }
}

/// What one silence does to the alerts held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    /// Fingerprints of the alerts whose `silencedBy` lists this silence, on any Alertmanager.
    pub mutes: Vec<String>,
    /// Fingerprints of the firing alerts its matchers select, including those another
    /// silence already mutes (Alertmanager may list only one of two duplicates). Empty for
    /// an expired silence: see [`matching`].
    pub matches: Vec<String>,
    /// Its comment starts with `ACK!`.
    pub ack: bool,
    /// IDs of the other active silences with the same matchers.
    pub duplicates: Vec<String>,
    /// How many alerts it mutes or would mute: the muted and the matched ones, once each.
    pub reach: usize,
}

/// The usage of every silence, by ID.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inventory {
    by_id: HashMap<String, Usage>,
}

impl Inventory {
    /// The inventory of `silences` over `alerts`: every Alertmanager's alerts, the same alert
    /// from several peers included (their `silencedBy` may differ while gossip settles).
    /// Expired silences get no matcher pass: there may be days of them, and what they would
    /// match matters only for the one a person looks at.
    pub fn build<'a>(
        silences: &[Silence],
        alerts: impl IntoIterator<Item = &'a Alert>,
    ) -> Inventory {
        let mut distinct: Vec<&Alert> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut mutes: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut muted: HashSet<(&str, &str)> = HashSet::new();
        for alert in alerts {
            let fp = alert.fingerprint.as_str();
            for id in &alert.status.silenced_by {
                if muted.insert((id.as_str(), fp)) {
                    mutes.entry(id.as_str()).or_default().push(fp);
                }
            }
            if seen.insert(fp) {
                distinct.push(alert);
            }
        }
        // Most silences name the alert: test only the alerts of that name.
        let mut by_name: HashMap<&str, Vec<&Alert>> = HashMap::new();
        for a in &distinct {
            by_name.entry(a.alertname()).or_default().push(a);
        }
        let mut same: HashMap<Vec<(String, &'static str, String)>, Vec<&str>> = HashMap::new();
        for s in silences.iter().filter(|s| s.status == SilenceState::Active) {
            same.entry(matcher_key(s)).or_default().push(s.id.as_str());
        }
        let by_id = silences
            .iter()
            .map(|s| {
                let duplicates = if s.status == SilenceState::Active {
                    same.get(&matcher_key(s))
                        .map(|ids| {
                            ids.iter()
                                .filter(|id| **id != s.id)
                                .map(|id| id.to_string())
                                .collect()
                        })
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let named = s
                    .matchers
                    .iter()
                    .find(|m| m.name == "alertname" && m.op == MatchOp::Eq);
                let candidates: &[&Alert] = match named {
                    Some(m) => by_name.get(m.value.as_str()).map_or(&[], Vec::as_slice),
                    None => &distinct,
                };
                let muting: &[&str] = mutes.get(s.id.as_str()).map_or(&[], Vec::as_slice);
                let matches = if s.status == SilenceState::Expired {
                    Vec::new()
                } else {
                    matching(s, candidates.iter().copied())
                };
                let reach = muting
                    .iter()
                    .copied()
                    .chain(matches.iter().map(String::as_str))
                    .collect::<HashSet<&str>>()
                    .len();
                let usage = Usage {
                    mutes: muting.iter().map(|f| f.to_string()).collect(),
                    matches,
                    ack: is_ack(s),
                    duplicates,
                    reach,
                };
                (s.id.clone(), usage)
            })
            .collect();
        Inventory { by_id }
    }

    /// The usage of silence `id`; `None` for a silence not known when this was built (one
    /// just created, until the next refresh).
    pub fn usage(&self, id: &str) -> Option<&Usage> {
        self.by_id.get(id)
    }

    /// The flags of `silence` at `now_ms`, most pressing first.
    pub fn flags(&self, silence: &Silence, now_ms: i64) -> Vec<Flag> {
        match self.usage(&silence.id) {
            Some(usage) => flags(silence, usage, now_ms),
            None => Vec::new(),
        }
    }
}

/// The flags of an active silence with this usage at `now_ms`; none for pending and expired
/// silences (a maintenance window that has not started matching nothing is normal).
pub fn flags(silence: &Silence, usage: &Usage, now_ms: i64) -> Vec<Flag> {
    let mut out = Vec::new();
    if silence.status != SilenceState::Active {
        return out;
    }
    if usage.reach == 0 {
        out.push(if usage.ack {
            Flag::AckResolved
        } else {
            Flag::MatchesNothing
        });
    } else if silence.ends_at.timestamp_millis() - now_ms < ENDS_SOON_MS {
        out.push(Flag::EndsSoon);
    }
    if !usage.duplicates.is_empty() {
        out.push(Flag::Duplicate);
    }
    out
}

/// An acknowledgement made as a silence (`ACK!` comment), not a silence.
pub fn is_ack(silence: &Silence) -> bool {
    silence.comment.starts_with(ACK_PREFIX)
}

/// Fingerprints of the alerts among `alerts` that the silence's matchers select, in their
/// order. A regex that does not compile selects nothing, as in Alertmanager.
pub fn matching<'a>(silence: &Silence, alerts: impl IntoIterator<Item = &'a Alert>) -> Vec<String> {
    let Ok(set) = MatcherSet::new(&silence.matchers) else {
        return Vec::new();
    };
    alerts
        .into_iter()
        .filter(|a| set.matches(&a.labels))
        .map(|a| a.fingerprint.clone())
        .collect()
}

/// The ack silence among those muting `alert` that ends last: the one to extend.
pub fn ack_of<'a>(alert: &Alert, silences: &'a [Silence]) -> Option<&'a Silence> {
    silences
        .iter()
        .filter(|s| is_ack(s) && alert.status.silenced_by.contains(&s.id))
        .max_by_key(|s| s.ends_at)
}

/// The matchers in an order-independent form: two silences with these equal select the same
/// alerts.
fn matcher_key(silence: &Silence) -> Vec<(String, &'static str, String)> {
    let mut key: Vec<(String, &'static str, String)> = silence
        .matchers
        .iter()
        .map(|m| (m.name.clone(), m.op.as_str(), m.value.clone()))
        .collect();
    key.sort();
    key.dedup();
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::alert::{AlertState, AlertStatus};
    use crate::model::Matcher;
    use crate::test_util::labels;
    use chrono::{DateTime, Utc};

    /// 2026-01-15 12:00:00 UTC.
    const NOW: i64 = 1_768_478_400_000;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn alert(fp: &str, pairs: &[(&str, &str)], silenced_by: &[&str]) -> Alert {
        Alert {
            labels: labels(pairs),
            annotations: Default::default(),
            receivers: vec![],
            fingerprint: fp.into(),
            starts_at: at(NOW - 600_000),
            updated_at: at(NOW),
            ends_at: at(NOW + 600_000),
            generator_url: String::new(),
            status: AlertStatus {
                state: if silenced_by.is_empty() {
                    AlertState::Active
                } else {
                    AlertState::Suppressed
                },
                silenced_by: silenced_by.iter().map(|s| s.to_string()).collect(),
                inhibited_by: vec![],
                muted_by: vec![],
            },
        }
    }

    fn silence(id: &str, matchers: &[&str], comment: &str, state: SilenceState) -> Silence {
        Silence {
            id: id.into(),
            matchers: matchers
                .iter()
                .map(|m| Matcher::parse(m).unwrap())
                .collect(),
            starts_at: at(NOW - 3_600_000),
            ends_at: at(NOW + 3_600_000),
            created_by: "alice".into(),
            comment: comment.into(),
            status: state,
            updated_at: at(NOW - 3_600_000),
        }
    }

    fn active(id: &str, matchers: &[&str]) -> Silence {
        silence(id, matchers, "maintenance", SilenceState::Active)
    }

    #[test]
    fn counts_what_a_silence_mutes_across_peers_once_each() {
        let s = active("s1", &["alertname=Disk"]);
        let a1 = alert("a1", &[("alertname", "Disk"), ("host", "1")], &["s1"]);
        let a2 = alert("a2", &[("alertname", "Disk"), ("host", "2")], &["s1"]);
        // The same alert from a second peer, and an alert another silence mutes.
        let a1_peer = a1.clone();
        let other = alert("b", &[("alertname", "Cpu")], &["s2"]);
        let inv = Inventory::build(std::slice::from_ref(&s), [&a1, &a2, &a1_peer, &other]);
        let u = inv.usage("s1").unwrap();
        assert_eq!(u.mutes, ["a1", "a2"]);
        assert_eq!(u.matches, ["a1", "a2"]);
        assert_eq!(u.reach, 2);
        assert!(!u.ack);
        assert!(inv.flags(&s, NOW).is_empty());
    }

    #[test]
    fn a_silence_without_an_alertname_matches_alerts_of_any_name() {
        let s = active("s1", &["instance=~db-.*"]);
        let disk = alert("a", &[("alertname", "Disk"), ("instance", "db-1")], &[]);
        let cpu = alert("b", &[("alertname", "Cpu"), ("instance", "db-2")], &[]);
        let web = alert("c", &[("alertname", "Cpu"), ("instance", "web-1")], &[]);
        let inv = Inventory::build(&[s], [&disk, &cpu, &web]);
        assert_eq!(inv.usage("s1").unwrap().matches, ["a", "b"]);
    }

    #[test]
    fn a_silence_matching_nothing_is_stale() {
        let s = active("s1", &["alertname=Gone"]);
        let a = alert("a", &[("alertname", "Disk")], &[]);
        let inv = Inventory::build(std::slice::from_ref(&s), [&a]);
        assert_eq!(inv.usage("s1").unwrap().reach, 0);
        assert_eq!(inv.flags(&s, NOW), [Flag::MatchesNothing]);
        assert_eq!(Flag::MatchesNothing.word(), "stale");
    }

    #[test]
    fn a_pending_or_expired_silence_is_never_flagged() {
        let mut pending = active("p", &["alertname=Disk"]);
        pending.status = SilenceState::Pending;
        let expired = silence("x", &["alertname=Gone"], "old", SilenceState::Expired);
        let a = alert("a", &[("alertname", "Disk")], &[]);
        let inv = Inventory::build(&[pending.clone(), expired.clone()], [&a]);
        // A pending silence shows what it will mute when it starts.
        assert_eq!(inv.usage("p").unwrap().matches, ["a"]);
        assert!(inv.usage("p").unwrap().mutes.is_empty());
        assert!(inv.flags(&pending, NOW).is_empty());
        assert!(inv.flags(&expired, NOW).is_empty());
        // Expired silences get no matcher pass; `matching` answers for the one looked at.
        assert!(inv.usage("x").unwrap().matches.is_empty());
        assert_eq!(matching(&pending, [&a]), ["a"]);
    }

    #[test]
    fn an_alert_another_silence_mutes_still_counts_as_matched() {
        // karma#3909: of two silences over the same alert, Alertmanager may list only one.
        let first = active("s1", &["alertname=Disk"]);
        let second = active("s2", &["alertname=Disk", "host=1"]);
        let a = alert("a", &[("alertname", "Disk"), ("host", "1")], &["s1"]);
        let inv = Inventory::build(&[first, second.clone()], [&a]);
        let u = inv.usage("s2").unwrap();
        assert!(u.mutes.is_empty());
        assert_eq!(u.matches, ["a"]);
        assert!(
            inv.flags(&second, NOW).is_empty(),
            "not stale: it matches a firing alert"
        );
    }

    #[test]
    fn an_ack_whose_alerts_resolved_says_so() {
        let ack = silence(
            "k",
            &["alertname=Disk"],
            "ACK! acknowledged in oncall",
            SilenceState::Active,
        );
        let firing = alert("a", &[("alertname", "Disk")], &["k"]);
        let inv = Inventory::build(std::slice::from_ref(&ack), [&firing]);
        assert!(inv.usage("k").unwrap().ack);
        assert!(inv.flags(&ack, NOW).is_empty());
        // The alert resolved: Alertmanager no longer holds it.
        let inv = Inventory::build(std::slice::from_ref(&ack), []);
        assert_eq!(inv.flags(&ack, NOW), [Flag::AckResolved]);
        assert_eq!(Flag::AckResolved.word(), "resolved");
    }

    #[test]
    fn a_silence_ending_soon_over_firing_alerts_is_flagged() {
        let mut s = active("s1", &["alertname=Disk"]);
        s.ends_at = at(NOW + 9 * 60_000);
        let a = alert("a", &[("alertname", "Disk")], &["s1"]);
        let inv = Inventory::build(std::slice::from_ref(&s), [&a]);
        assert_eq!(inv.flags(&s, NOW), [Flag::EndsSoon]);
        // Ten minutes or more left: fine.
        assert!(inv.flags(&s, NOW - 60_000).is_empty());
        // Ending soon over nothing is just stale: nobody needs to extend it.
        let inv = Inventory::build(std::slice::from_ref(&s), []);
        assert_eq!(inv.flags(&s, NOW), [Flag::MatchesNothing]);
    }

    #[test]
    fn silences_with_the_same_matchers_are_duplicates() {
        let a = active("a", &["alertname=Disk", "host=1"]);
        // Same matchers in another order.
        let b = active("b", &["host=1", "alertname=Disk"]);
        let narrower = active("c", &["alertname=Disk", "host=1", "env=prod"]);
        let mut expired = active("d", &["alertname=Disk", "host=1"]);
        expired.status = SilenceState::Expired;
        let alert = alert("x", &[("alertname", "Disk"), ("host", "1")], &["a", "b"]);
        let all = [a.clone(), b.clone(), narrower.clone(), expired.clone()];
        let inv = Inventory::build(&all, [&alert]);
        assert_eq!(inv.usage("a").unwrap().duplicates, ["b"]);
        assert_eq!(inv.usage("b").unwrap().duplicates, ["a"]);
        assert_eq!(inv.flags(&a, NOW), [Flag::Duplicate]);
        assert!(inv.usage("c").unwrap().duplicates.is_empty());
        assert!(inv.usage("d").unwrap().duplicates.is_empty());
        // A duplicate that also matches nothing has both flags.
        let lonely = [
            active("p", &["alertname=Gone"]),
            active("q", &["alertname=Gone"]),
        ];
        let inv = Inventory::build(&lonely, []);
        assert_eq!(
            inv.flags(&lonely[0], NOW),
            [Flag::MatchesNothing, Flag::Duplicate]
        );
    }

    #[test]
    fn a_silence_unknown_to_the_inventory_has_no_usage_and_no_flags() {
        let inv = Inventory::build(&[], []);
        let s = active("new", &["alertname=Disk"]);
        assert!(inv.usage("new").is_none());
        assert!(inv.flags(&s, NOW).is_empty());
    }

    #[test]
    fn the_ack_to_extend_is_the_one_ending_last() {
        let mut early = silence("k1", &["alertname=Disk"], "ACK! one", SilenceState::Active);
        early.ends_at = at(NOW + 60_000);
        let late = silence("k2", &["alertname=Disk"], "ACK! two", SilenceState::Active);
        let plain = active("s", &["alertname=Disk"]);
        let a = alert("a", &[("alertname", "Disk")], &["k1", "k2", "s"]);
        let all = [early, late, plain];
        assert_eq!(ack_of(&a, &all).map(|s| s.id.as_str()), Some("k2"));
        let b = alert("b", &[("alertname", "Disk")], &["s"]);
        assert!(ack_of(&b, &all).is_none());
    }
}
