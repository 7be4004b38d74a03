//! Alerts as Alertmanager's API v2 holds them (`gettableAlert`, `postableAlert`, alert groups).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Annotation keys that commonly hold a runbook link, in the order they are tried
///.
pub const DEFAULT_RUNBOOK_KEYS: &[&str] = &["runbook_url", "runbook", "link", "sop", "playbook"];

/// One alert from `GET /api/v2/alerts` (or inside an alert group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub receivers: Vec<Receiver>,
    pub fingerprint: String,
    pub starts_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// "" when Alertmanager omitted it (older versions do when it is empty).
    #[serde(
        rename = "generatorURL",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub generator_url: String,
    pub status: AlertStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Receiver {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    pub state: AlertState,
    #[serde(default)]
    pub silenced_by: Vec<String>,
    #[serde(default)]
    pub inhibited_by: Vec<String>,
    /// Time-interval mutes; filled only in `/alerts/groups`, absent in v0.25. Serialized
    /// only when non-empty, so `--output json` shows what the server sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted_by: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Unprocessed,
    #[default]
    Active,
    Suppressed,
    /// A state a newer Alertmanager may add; shown as such rather than failing the whole list.
    #[serde(other)]
    Unknown,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Unprocessed => "unprocessed",
            AlertState::Active => "active",
            AlertState::Suppressed => "suppressed",
            AlertState::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for AlertState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Alert {
    /// The `alertname` label, or "" when the alert has none.
    pub fn alertname(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn severity(&self) -> Option<&str> {
        self.labels.get("severity").map(String::as_str)
    }

    /// The `summary` annotation, else `description`.
    pub fn summary(&self) -> Option<&str> {
        non_empty(&self.annotations, "summary")
            .or_else(|| non_empty(&self.annotations, "description"))
    }

    /// The first non-empty annotation among `keys` ([`DEFAULT_RUNBOOK_KEYS`] when `keys` is
    /// empty). The value is untrusted: check its scheme before opening it.
    pub fn runbook_url(&self, keys: &[&str]) -> Option<&str> {
        let keys = if keys.is_empty() {
            DEFAULT_RUNBOOK_KEYS
        } else {
            keys
        };
        keys.iter().find_map(|k| non_empty(&self.annotations, k))
    }

    pub fn is_silenced(&self) -> bool {
        !self.status.silenced_by.is_empty()
    }

    pub fn is_inhibited(&self) -> bool {
        !self.status.inhibited_by.is_empty()
    }

    /// Active and neither silenced nor inhibited: what needs a human.
    pub fn is_firing_unsuppressed(&self) -> bool {
        self.status.state == AlertState::Active && !self.is_silenced() && !self.is_inhibited()
    }
}

fn non_empty<'a>(map: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    map.get(key)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// An alert to `POST /api/v2/alerts` (test alerts, the demo).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(
        rename = "generatorURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub generator_url: Option<String>,
}

/// One entry of `GET /api/v2/alerts/groups`: one per (route, receiver), so an alert can be in
/// several groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertGroup {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub receiver: Receiver,
    #[serde(default)]
    pub alerts: Vec<Alert>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GETTABLE: &str = r#"[{
        "annotations": {"description": "Pod prod/api-7c9 is restarting", "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping"},
        "endsAt": "2026-08-20T10:04:00.000Z",
        "fingerprint": "4f1e0c2a9d3b7e11",
        "receivers": [{"name": "pagerduty"}],
        "startsAt": "2026-08-20T09:00:00.000Z",
        "status": {"inhibitedBy": [], "silencedBy": ["8a1b"], "state": "suppressed"},
        "updatedAt": "2026-08-20T10:00:00.123Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
        "labels": {"alertname": "KubePodCrashLooping", "namespace": "prod", "severity": "critical"}
    }]"#;

    #[test]
    fn decodes_a_gettable_alert() {
        let alerts: Vec<Alert> = serde_json::from_str(GETTABLE).unwrap();
        let a = &alerts[0];
        assert_eq!(a.alertname(), "KubePodCrashLooping");
        assert_eq!(a.severity(), Some("critical"));
        assert_eq!(a.summary(), Some("Pod prod/api-7c9 is restarting"));
        assert_eq!(
            a.runbook_url(&[]),
            Some(
                "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping"
            )
        );
        assert_eq!(a.status.state, AlertState::Suppressed);
        assert!(a.is_silenced() && !a.is_inhibited() && !a.is_firing_unsuppressed());
        assert!(a.status.muted_by.is_empty());
        assert_eq!(
            a.receivers,
            vec![Receiver {
                name: "pagerduty".into()
            }]
        );
        assert_eq!(a.starts_at.to_rfc3339(), "2026-08-20T09:00:00+00:00");
    }

    #[test]
    fn serializes_back_to_what_the_server_sent() {
        let original: serde_json::Value = serde_json::from_str(GETTABLE).unwrap();
        let alerts: Vec<Alert> = serde_json::from_value(original.clone()).unwrap();
        let mut back = serde_json::to_value(&alerts).unwrap();
        // Only the timestamps' spelling differs (".000Z" vs "Z").
        for key in ["startsAt", "endsAt", "updatedAt"] {
            back[0][key] = original[0][key].clone();
        }
        assert_eq!(back, original);
    }

    #[test]
    fn unknown_state_is_tolerated() {
        let json = GETTABLE.replace("suppressed", "snoozed");
        let alerts: Vec<Alert> = serde_json::from_str(&json).unwrap();
        assert_eq!(alerts[0].status.state, AlertState::Unknown);
    }

    #[test]
    fn summary_and_runbook_fallbacks() {
        let mut alerts: Vec<Alert> = serde_json::from_str(GETTABLE).unwrap();
        let a = &mut alerts[0];
        a.annotations.insert("summary".into(), "short".into());
        assert_eq!(a.summary(), Some("short"));
        a.annotations.clear();
        assert_eq!(a.summary(), None);
        a.annotations.insert("link".into(), "https://wiki/x".into());
        a.annotations
            .insert("sop".into(), "https://wiki/sop".into());
        assert_eq!(a.runbook_url(&[]), Some("https://wiki/x"));
        assert_eq!(a.runbook_url(&["sop", "link"]), Some("https://wiki/sop"));
        a.annotations.insert("runbook_url".into(), "  ".into());
        assert_eq!(
            a.runbook_url(&[]),
            Some("https://wiki/x"),
            "blank values are skipped"
        );
        a.labels.clear();
        assert_eq!(a.alertname(), "");
    }

    #[test]
    fn postable_alert_omits_unset_fields() {
        let p = PostableAlert {
            labels: [("alertname".to_string(), "Test".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"labels":{"alertname":"Test"}})
        );
        let p = PostableAlert {
            generator_url: Some("http://x".into()),
            starts_at: Some("2026-08-20T09:00:00Z".parse().unwrap()),
            ..p
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["generatorURL"], "http://x");
        assert_eq!(v["startsAt"], "2026-08-20T09:00:00Z");
    }

    #[test]
    fn decodes_alert_groups() {
        let json = format!(
            r#"[{{"labels":{{"alertname":"KubePodCrashLooping"}},"receiver":{{"name":"pagerduty"}},"alerts":{GETTABLE}}}]"#
        );
        let groups: Vec<AlertGroup> = serde_json::from_str(&json).unwrap();
        assert_eq!(groups[0].receiver.name, "pagerduty");
        assert_eq!(groups[0].alerts.len(), 1);
    }
}
