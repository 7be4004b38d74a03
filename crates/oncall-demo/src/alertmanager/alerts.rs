//! What Alertmanager holds and how it sees alerts: the route tree (which receiver, which
//! group), silences and inhibition applied at query time, and Alertmanager's fingerprints.

use std::collections::BTreeMap;

use super::silences::{SilenceError, SilenceRequest, SilenceStore};
use crate::model::matcher::Matcher;
use crate::promql::Labels;
use crate::rules::{AlertState, RuleError};
use crate::Platform;

/// Alerts posted without an end resolve after this long (Alertmanager's `resolve_timeout`).
pub(super) const RESOLVE_TIMEOUT_MS: i64 = 5 * 60_000;

/// Prometheus re-sends firing alerts valid for four times its resend delay (1 minute).
const ALERT_VALIDITY_MS: i64 = 4 * 60_000;

/// Alerts are grouped by these labels, per route.
pub const GROUP_BY: [&str; 2] = ["alertname", "service"];

/// The child routes, first match wins; `(receiver, label, value, route key)`.
const ROUTES: [(&str, &str, &str, &str); 2] = [
    (
        "null",
        "alertname",
        "Watchdog",
        "{}/{alertname=\"Watchdog\"}",
    ),
    (
        "pagerduty-critical",
        "severity",
        "critical",
        "{}/{severity=\"critical\"}",
    ),
];
pub(super) const DEFAULT_RECEIVER: (&str, &str) = ("slack-platform", "{}");
pub const PAGING_RECEIVER: &str = "pagerduty-critical";

/// The inhibition rule: a firing HighErrorRate hides the ElevatedErrorRate of the same
/// service (the warning adds nothing while the critical alert is up).
const INHIBIT_SOURCE: &str = "HighErrorRate";
const INHIBIT_TARGET: &str = "ElevatedErrorRate";
const INHIBIT_EQUAL: &str = "service";

pub(super) const CONFIG_YAML: &str = r#"global:
  resolve_timeout: 5m
route:
  receiver: slack-platform
  group_by: ['alertname', 'service']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
  - receiver: 'null'
    matchers:
    - alertname="Watchdog"
  - receiver: pagerduty-critical
    matchers:
    - severity="critical"
inhibit_rules:
- source_matchers:
  - alertname="HighErrorRate"
  target_matchers:
  - alertname="ElevatedErrorRate"
  equal: ['service']
receivers:
- name: 'null'
- name: pagerduty-critical
  pagerduty_configs:
  - routing_key: <secret>
    send_resolved: true
- name: slack-platform
  slack_configs:
  - api_url: <secret>
    channel: '#platform-alerts'
    send_resolved: true
templates: []
"#;

/// What Alertmanager holds that the rules do not: silences and posted alerts.
pub struct AmState {
    pub silences: SilenceStore,
    posted: Vec<PostedAlert>,
}

#[derive(Debug, Clone)]
pub(super) struct PostedAlert {
    pub(super) labels: Labels,
    pub(super) annotations: Labels,
    pub(super) starts_at: i64,
    pub(super) ends_at: i64,
    pub(super) updated_at: i64,
    pub(super) generator_url: String,
}

impl AmState {
    /// The platform's silence history: a planned change (active), a finished one (expired)
    /// and a drill next to come (pending).
    pub fn new(seed: u64, anchor: i64) -> Result<AmState, SilenceError> {
        let min = 60_000;
        let mut silences = SilenceStore::new(seed);
        let parse = |items: &[(&str, &str)]| -> Vec<Matcher> {
            items.iter().map(|(k, v)| Matcher::eq(*k, *v)).collect()
        };
        let regex = |name: &str, value: &str| Matcher {
            name: name.into(),
            op: crate::model::matcher::MatchOp::Re,
            value: value.into(),
        };
        let mut expired = parse(&[("instance", "postgres-replica:9187")]);
        expired.insert(
            0,
            regex("alertname", "DatabaseReplicationLagCritical|DatabaseDown"),
        );
        silences.record_history(
            SilenceRequest {
                id: None,
                matchers: expired,
                starts_at: anchor - 26 * 60 * min,
                ends_at: anchor - 22 * 60 * min,
                created_by: "bob@mycrypto.example".into(),
                comment: "CHG-2207 PostgreSQL 15.8 minor upgrade on the replica".into(),
            },
            anchor - 26 * 60 * min,
        )?;
        silences.record_history(
            SilenceRequest {
                id: None,
                matchers: parse(&[("alertname", "HighCPUUsage"), ("instance", "node-4:9100")]),
                starts_at: anchor - 95 * min,
                ends_at: anchor + 100 * min,
                created_by: "alice@mycrypto.example".into(),
                comment:
                    "CHG-2231 ledger reindex on node-4; CPU above 80% is expected until it finishes"
                        .into(),
            },
            anchor - 95 * min,
        )?;
        let mut drill = parse(&[("job", "redis-exporter")]);
        drill.insert(0, regex("alertname", "RedisDown|RedisMemory.*"));
        silences.record_history(
            SilenceRequest {
                id: None,
                matchers: drill,
                starts_at: anchor + 180 * min,
                ends_at: anchor + 240 * min,
                created_by: "carol@mycrypto.example".into(),
                comment: "CHG-2240 Redis failover drill".into(),
            },
            anchor - 300 * min,
        )?;
        Ok(AmState {
            silences,
            posted: Vec::new(),
        })
    }

    /// Take a posted alert: one with the same labels is updated (an alert that is still
    /// firing keeps its start), a new one is added.
    pub(super) fn receive(&mut self, a: PostedAlert) {
        match self.posted.iter_mut().find(|x| x.labels == a.labels) {
            Some(existing) => {
                if existing.ends_at > a.starts_at {
                    existing.starts_at = existing.starts_at.min(a.starts_at);
                } else {
                    existing.starts_at = a.starts_at;
                }
                existing.ends_at = a.ends_at;
                existing.annotations = a.annotations;
                existing.updated_at = a.updated_at;
                existing.generator_url = a.generator_url;
            }
            None => self.posted.push(a),
        }
    }
}

/// An alert as Alertmanager reports it at one moment.
#[derive(Debug, Clone)]
pub struct AmAlert {
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: i64,
    pub updated_at: i64,
    pub ends_at: i64,
    pub generator_url: String,
    pub fingerprint: String,
    pub receiver: &'static str,
    pub route_key: &'static str,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

impl AmAlert {
    pub fn suppressed(&self) -> bool {
        !self.silenced_by.is_empty() || !self.inhibited_by.is_empty()
    }

    /// The labels this alert is grouped by (those it has).
    pub fn group_labels(&self) -> Labels {
        GROUP_BY
            .iter()
            .filter_map(|k| self.labels.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect()
    }

    /// Alertmanager's group key, `<route key>:<group labels>`; PagerDuty's dedup key is
    /// its SHA-256.
    pub fn group_key(&self) -> String {
        format!(
            "{}:{}",
            self.route_key,
            format_label_set(&self.group_labels())
        )
    }
}

/// `{a="1", b="2"}`, Go's `LabelSet.String()` (shared with the client that rebuilds keys).
pub fn format_label_set(labels: &Labels) -> String {
    oncall_sources::model::group_key::label_set_string(labels)
}

/// Alertmanager's fingerprint: FNV-1a over the sorted label pairs, each part followed by
/// the 0xff separator, printed as 16 hex digits.
pub fn fingerprint(labels: &Labels) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (k, v) in labels {
        add(k.as_bytes());
        add(&[0xff]);
        add(v.as_bytes());
        add(&[0xff]);
    }
    format!("{h:016x}")
}

fn route(labels: &Labels) -> (&'static str, &'static str) {
    for (receiver, label, value, key) in ROUTES {
        if labels.get(label).map(String::as_str) == Some(value) {
            return (receiver, key);
        }
    }
    DEFAULT_RECEIVER
}

/// Every alert Alertmanager holds at `now` (resolved ones excluded), sorted by fingerprint,
/// with silences and inhibition applied.
pub fn current_alerts(p: &Platform, now: i64) -> Result<Vec<AmAlert>, RuleError> {
    let rules = p.rules.evaluate(&p.scenario, now)?;
    let mut alerts: BTreeMap<String, AmAlert> = BTreeMap::new();
    for rule in &rules {
        for a in rule.alerts.iter().filter(|a| a.state == AlertState::Firing) {
            let fp = fingerprint(&a.labels);
            let (receiver, route_key) = route(&a.labels);
            let evaluated = rule.last_evaluation;
            alerts.insert(
                fp.clone(),
                AmAlert {
                    labels: a.labels.clone(),
                    annotations: a.annotations.clone(),
                    starts_at: a.fired_at.unwrap_or(a.active_at),
                    updated_at: evaluated,
                    ends_at: evaluated + ALERT_VALIDITY_MS,
                    generator_url: p.generator_url(rule.def.expr),
                    fingerprint: fp,
                    receiver,
                    route_key,
                    silenced_by: Vec::new(),
                    inhibited_by: Vec::new(),
                },
            );
        }
    }
    let state = p.alertmanager.lock().map_err(|_| RuleError::Poisoned)?;
    for a in state
        .posted
        .iter()
        .filter(|a| a.starts_at <= now && now < a.ends_at)
    {
        let fp = fingerprint(&a.labels);
        let (receiver, route_key) = route(&a.labels);
        alerts.insert(
            fp.clone(),
            AmAlert {
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: a.starts_at,
                updated_at: a.updated_at,
                ends_at: a.ends_at,
                generator_url: a.generator_url.clone(),
                fingerprint: fp,
                receiver,
                route_key,
                silenced_by: Vec::new(),
                inhibited_by: Vec::new(),
            },
        );
    }
    let mut out: Vec<AmAlert> = alerts.into_values().collect();
    for a in out.iter_mut() {
        a.silenced_by = state.silences.muting(&a.labels, now);
    }
    let sources: Vec<(String, Option<String>)> = out
        .iter()
        .filter(|a| a.labels.get("alertname").map(String::as_str) == Some(INHIBIT_SOURCE))
        .map(|a| (a.fingerprint.clone(), a.labels.get(INHIBIT_EQUAL).cloned()))
        .collect();
    for a in out.iter_mut() {
        if a.labels.get("alertname").map(String::as_str) != Some(INHIBIT_TARGET) {
            continue;
        }
        let equal = a.labels.get(INHIBIT_EQUAL).cloned();
        a.inhibited_by = sources
            .iter()
            .filter(|(fp, v)| *v == equal && *fp != a.fingerprint)
            .map(|(fp, _)| fp.clone())
            .collect();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_alertmanager() {
        // prometheus/common's signature test vector (LabelsToSignature hashes the same way).
        let labels: Labels = [("name", "garland, briggs"), ("fear", "love is not enough")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            fingerprint(&labels),
            format!("{:016x}", 5_799_056_148_416_392_346u64)
        );
    }

    #[test]
    fn routing_and_group_keys() {
        let labels: Labels = [
            ("alertname", "HighErrorRate"),
            ("service", "wallet-service"),
            ("severity", "critical"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            route(&labels),
            ("pagerduty-critical", "{}/{severity=\"critical\"}")
        );
        let a = AmAlert {
            fingerprint: fingerprint(&labels),
            labels,
            annotations: Labels::new(),
            starts_at: 0,
            updated_at: 0,
            ends_at: 0,
            generator_url: String::new(),
            receiver: "pagerduty-critical",
            route_key: "{}/{severity=\"critical\"}",
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        };
        assert_eq!(
            a.group_key(),
            "{}/{severity=\"critical\"}:{alertname=\"HighErrorRate\", service=\"wallet-service\"}"
        );
        let watchdog = Labels::from([("alertname".to_string(), "Watchdog".to_string())]);
        assert_eq!(route(&watchdog).0, "null");
        let warning = Labels::from([("severity".to_string(), "warning".to_string())]);
        assert_eq!(route(&warning).0, "slack-platform");
    }
}
