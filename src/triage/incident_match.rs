//! Which PagerDuty incident belongs to an alert, best effort (apis.md 3.2.9). The exact link
//! (`dedup_key = sha256(groupKey)`) needs Alertmanager's route tree, which the client does not
//! have reliably; Alertmanager's default PagerDuty template puts the alert name (and the
//! group labels) in the incident title, so the title is what is matched.

use crate::model::{Alert, Incident};

/// Incidents whose title names the alert, those that also mention one of its other label
/// values first. Several candidates mean the user must pick.
pub fn related_incidents<'a>(alert: &Alert, incidents: &'a [Incident]) -> Vec<&'a Incident> {
    let name = alert.alertname();
    if name.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(usize, &Incident)> = incidents
        .iter()
        .filter(|i| i.title.contains(name))
        .map(|i| {
            let mentions = alert
                .labels
                .iter()
                .filter(|(k, v)| {
                    k.as_str() != "alertname" && v.len() > 2 && i.title.contains(v.as_str())
                })
                .count();
            (mentions, i)
        })
        .collect();
    // Stable: PagerDuty's order (newest first) within the same number of mentions.
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str, title: &str) -> Incident {
        serde_json::from_value(serde_json::json!({
            "id": id, "title": title, "status": "triggered", "created_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn names_the_alert_and_prefers_the_one_with_its_labels() {
        let alert: Alert = serde_json::from_value(serde_json::json!({
            "labels": {"alertname": "ServiceDown", "service": "checkout"},
            "fingerprint": "f", "startsAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "endsAt": "2026-01-01T01:00:00Z", "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }))
        .unwrap();
        let all = vec![
            incident("P1", "[FIRING:1] ServiceDown (payments)"),
            incident("P2", "DiskFull on db-1"),
            incident("P3", "[FIRING:1] ServiceDown (checkout)"),
        ];
        let got: Vec<&str> = related_incidents(&alert, &all)
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(got, vec!["P3", "P1"]);
    }
}
