//! PagerDuty REST v2 objects: incidents, users, on-calls and an incident's alerts. Every field
//! PagerDuty may leave out is optional or defaulted, so a sparse answer still decodes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    Triggered,
    Acknowledged,
    Resolved,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Triggered => "triggered",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Resolved => "resolved",
        }
    }
}

impl std::fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IncidentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "triggered" => Ok(IncidentStatus::Triggered),
            "acknowledged" | "ack" | "acked" => Ok(IncidentStatus::Acknowledged),
            "resolved" => Ok(IncidentStatus::Resolved),
            other => Err(format!(
                "`{other}` is not an incident status: expected triggered, acknowledged or resolved"
            )),
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    #[default]
    High,
    Low,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::High => "high",
            Urgency::Low => "low",
        }
    }
}

impl std::fmt::Display for Urgency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// PagerDuty's reference to another object (`service`, `escalation_policy`, `assignee`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reference {
    pub id: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// Only on a full service object (`include[]=services`): seconds until an acked incident
    /// re-triggers. Absent: `None`; `null` (acks never expire): `Some(None)`.
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub acknowledgement_timeout: Option<Option<u64>>,
}

/// Tells a field set to `null` (`Some(None)`) from a missing one (`None`, via `default`).
fn present_or_null<'de, D>(d: D) -> Result<Option<Option<u64>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<u64>::deserialize(d).map(Some)
}

/// PagerDuty's default `acknowledgement_timeout` of a service, in seconds (30 minutes).
pub const DEFAULT_ACK_TIMEOUT_SECS: u64 = 1800;

/// When an acknowledgement runs out and PagerDuty re-triggers the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckExpiry {
    /// Not acknowledged (or no ack time known).
    NotAcked,
    /// The service's timeout is `null`: the ack holds until resolved.
    Never,
    /// `assumed` when the service did not say its timeout and 1800 s is assumed.
    At { at: DateTime<Utc>, assumed: bool },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    #[serde(default)]
    pub incident_number: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub status: IncidentStatus,
    #[serde(default)]
    pub urgency: Urgency,
    #[serde(default)]
    pub html_url: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_status_change_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub service: Option<Reference>,
    #[serde(default)]
    pub escalation_policy: Option<Reference>,
    /// P1, P2...: `null` when the account does not use priorities.
    #[serde(default)]
    pub priority: Option<Reference>,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    #[serde(default)]
    pub acknowledgements: Vec<Acknowledgement>,
    #[serde(default)]
    pub incident_key: Option<String>,
    #[serde(default)]
    pub alert_counts: Option<AlertCounts>,
}

impl Incident {
    /// Who it is assigned to, comma-separated summaries (names).
    pub fn assignees(&self) -> String {
        self.assignments
            .iter()
            .map(|a| a.assignee.summary.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// When it was last acknowledged, if it was (PagerDuty re-triggers an incident whose ack times out).
    pub fn last_acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.acknowledgements.iter().filter_map(|a| a.at).max()
    }

    /// When the current ack expires: the latest acknowledgement plus the service's
    /// `acknowledgement_timeout`, or 1800 s (assumed) when the service object lacks it.
    pub fn ack_expiry(&self) -> AckExpiry {
        if self.status != IncidentStatus::Acknowledged {
            return AckExpiry::NotAcked;
        }
        let Some(acked) = self.last_acknowledged_at() else {
            return AckExpiry::NotAcked;
        };
        let (secs, assumed) = match self
            .service
            .as_ref()
            .and_then(|s| s.acknowledgement_timeout)
        {
            Some(None) => return AckExpiry::Never,
            Some(Some(secs)) => (secs, false),
            None => (DEFAULT_ACK_TIMEOUT_SECS, true),
        };
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        match chrono::TimeDelta::try_seconds(secs).and_then(|d| acked.checked_add_signed(d)) {
            Some(at) => AckExpiry::At { at, assumed },
            None => AckExpiry::Never,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Assignment {
    pub assignee: Reference,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub acknowledger: Reference,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertCounts {
    #[serde(default)]
    pub all: u64,
    #[serde(default)]
    pub triggered: u64,
    #[serde(default)]
    pub resolved: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCall {
    pub user: Reference,
    #[serde(default)]
    pub escalation_policy: Option<Reference>,
    #[serde(default)]
    pub escalation_level: u32,
    #[serde(default)]
    pub schedule: Option<Reference>,
    /// `None` for a permanent (direct) on-call.
    #[serde(default)]
    pub start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
}

/// A note on an incident (`GET /incidents/{id}/notes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub user: Option<Reference>,
    #[serde(default)]
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// One event of an incident's timeline (`GET /incidents/{id}/log_entries`): triggered,
/// notified, acknowledged, escalated, annotated, resolved...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    #[serde(default)]
    pub id: String,
    /// `trigger_log_entry`, `acknowledge_log_entry`, `escalate_log_entry`...
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub summary: String,
    pub created_at: DateTime<Utc>,
    /// Who or what did it (a user, a service, the API).
    #[serde(default)]
    pub agent: Option<Reference>,
}

impl LogEntry {
    /// `acknowledge` for `acknowledge_log_entry`: the event's word for a timeline.
    pub fn word(&self) -> &str {
        self.kind.strip_suffix("_log_entry").unwrap_or(&self.kind)
    }
}

/// An alert inside a PagerDuty incident (`GET /incidents/{id}/alerts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PdAlert {
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub alert_key: Option<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: PdAlertBody,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PdAlertBody {
    /// Alertmanager's custom details (firing alerts, labels) as sent to the Events API.
    #[serde(default)]
    pub details: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acked(service: serde_json::Value) -> Incident {
        serde_json::from_value(serde_json::json!({
            "id": "P1", "status": "acknowledged", "created_at": "2026-08-20T09:00:00Z",
            "service": service,
            "acknowledgements": [
                {"at": "2026-08-20T09:05:00Z", "acknowledger": {"id": "U1"}},
                {"at": "2026-08-20T09:20:00Z", "acknowledger": {"id": "U2"}}
            ]
        }))
        .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn ack_expiry_is_the_latest_ack_plus_the_service_timeout() {
        let i = acked(serde_json::json!({"id": "S", "acknowledgement_timeout": 600}));
        assert_eq!(
            i.ack_expiry(),
            AckExpiry::At {
                at: at("2026-08-20T09:30:00Z"),
                assumed: false
            }
        );
        // A reference without the field: PagerDuty's default 1800 s, marked as assumed.
        let i = acked(serde_json::json!({"id": "S", "summary": "api"}));
        assert_eq!(
            i.ack_expiry(),
            AckExpiry::At {
                at: at("2026-08-20T09:50:00Z"),
                assumed: true
            }
        );
        // `null`: acks never expire.
        let i = acked(serde_json::json!({"id": "S", "acknowledgement_timeout": null}));
        assert_eq!(i.ack_expiry(), AckExpiry::Never);
        // Triggered incidents have no ack to expire.
        let mut i = acked(serde_json::json!({"id": "S", "acknowledgement_timeout": 600}));
        i.status = IncidentStatus::Triggered;
        assert_eq!(i.ack_expiry(), AckExpiry::NotAcked);
    }

    #[test]
    fn decodes_a_full_incident() {
        let json = r#"{
            "id": "PT4KHLK", "type": "incident", "incident_number": 1234,
            "title": "KubePodCrashLooping prod", "summary": "[#1234] KubePodCrashLooping prod",
            "status": "acknowledged", "urgency": "high",
            "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
            "created_at": "2026-08-20T09:00:00Z", "updated_at": "2026-08-20T09:05:00Z",
            "last_status_change_at": "2026-08-20T09:05:00Z",
            "service": {"id": "PIJ90N7", "type": "service_reference", "summary": "api", "html_url": "https://x"},
            "escalation_policy": {"id": "PT20YPA", "summary": "Default"},
            "assignments": [{"at": "2026-08-20T09:00:00Z", "assignee": {"id": "PXPGF42", "summary": "Alice"}}],
            "acknowledgements": [{"at": "2026-08-20T09:05:00Z", "acknowledger": {"id": "PXPGF42", "summary": "Alice"}}],
            "incident_key": "baf7cf21b1da41b4b0221008339ff357",
            "alert_counts": {"all": 2, "triggered": 1, "resolved": 1},
            "teams": [], "priority": null
        }"#;
        let i: Incident = serde_json::from_str(json).unwrap();
        assert_eq!(i.status, IncidentStatus::Acknowledged);
        assert_eq!(i.service.as_ref().unwrap().summary, "api");
        assert_eq!(i.assignees(), "Alice");
        assert_eq!(i.alert_counts.unwrap().triggered, 1);
        assert_eq!(
            i.last_acknowledged_at().unwrap().to_rfc3339(),
            "2026-08-20T09:05:00+00:00"
        );
    }

    #[test]
    fn tolerates_a_sparse_incident() {
        let i: Incident =
            serde_json::from_str(r#"{"id":"P1","status":"triggered","created_at":"2026-08-20T09:00:00Z","service":null}"#)
                .unwrap();
        assert_eq!(i.urgency, Urgency::High);
        assert!(i.service.is_none() && i.assignments.is_empty() && i.incident_key.is_none());
    }

    #[test]
    fn decodes_oncalls_with_null_schedule_and_times() {
        let json = r#"{"user":{"id":"PU1","summary":"Bob"},"schedule":null,"escalation_policy":{"id":"PE1","summary":"Ops"},
                       "escalation_level":2,"start":null,"end":null}"#;
        let o: OnCall = serde_json::from_str(json).unwrap();
        assert_eq!(o.escalation_level, 2);
        assert!(o.schedule.is_none() && o.start.is_none());
    }

    #[test]
    fn decodes_pd_alert_details() {
        let json = r#"{"id":"PA1","status":"triggered","alert_key":"abc","summary":"Foo",
                       "body":{"type":"alert_body","details":{"firing":"Labels:\n - alertname = Foo","num_firing":"1"}}}"#;
        let a: PdAlert = serde_json::from_str(json).unwrap();
        assert_eq!(a.body.details["num_firing"], "1");
        let bare: PdAlert = serde_json::from_str(r#"{"id":"PA2"}"#).unwrap();
        assert!(bare.body.details.is_null());
    }

    #[test]
    fn status_parses_from_user_input() {
        assert_eq!(
            "ACK".parse::<IncidentStatus>().unwrap(),
            IncidentStatus::Acknowledged
        );
        assert!("open"
            .parse::<IncidentStatus>()
            .unwrap_err()
            .contains("triggered"));
    }
}
