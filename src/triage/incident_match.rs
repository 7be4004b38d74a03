//! Which PagerDuty incident belongs to an alert (apis.md 3.2.9), best evidence first:
//!
//! 1. **Dedup key.** Alertmanager sends `dedup_key = sha256(groupKey)`, which PagerDuty keeps
//!    as the incident's `incident_key`; with the route tree the key is rebuilt exactly
//!    (`triage::group_key`).
//! 2. **Alert details.** Without a route tree, or when no key matches (the tree changed, the
//!    incident came through another Alertmanager), the incident's alerts carry Alertmanager's
//!    custom details: by default a `firing` text listing each alert's labels as
//!    ` - name = value`. An incident whose details list this alert's labels is its incident.
//!    This needs `GET /incidents/{id}/alerts` per incident, so it is asked for only on `A`.
//! 3. **Title.** Alertmanager's default description names the alert and its group labels.

use std::collections::BTreeMap;

use crate::model::route::RouteTree;
use crate::model::{Alert, Incident, PdAlert};
use crate::triage::group_key::group_keys;

/// How an incident was tied to an alert, for the user to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    DedupKey,
    AlertDetails,
    Title,
}

impl MatchedBy {
    pub fn describe(self) -> &'static str {
        match self {
            MatchedBy::DedupKey => "by dedup key",
            MatchedBy::AlertDetails => "by alert details",
            MatchedBy::Title => "by title",
        }
    }
}

/// Most open incidents whose alerts are fetched for one details match: PagerDuty's rate
/// limit is shared by everyone on the account.
pub const DETAILS_LOOKUP_LIMIT: usize = 20;

/// The incidents whose `incident_key` is one of the alert's dedup keys (one per Alertmanager
/// group the alert is in; several only with `continue` routes paging more than once).
pub fn by_dedup_key<'a>(
    tree: &RouteTree,
    alert: &Alert,
    incidents: &'a [Incident],
) -> Vec<&'a Incident> {
    let keys: Vec<String> = group_keys(tree, &alert.labels)
        .into_iter()
        .map(|g| g.dedup_key)
        .collect();
    incidents
        .iter()
        .filter(|i| i.incident_key.as_ref().is_some_and(|k| keys.contains(k)))
        .collect()
}

/// Incidents whose title names the alert, those that also mention one of its other label
/// values first. Several candidates mean the user must pick.
pub fn by_title<'a>(alert: &Alert, incidents: &'a [Incident]) -> Vec<&'a Incident> {
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

/// What can be told without asking PagerDuty anything more: the dedup key match when the
/// route tree is known and it finds something, else the title match. `None`: nothing found.
pub fn related<'a>(
    tree: Option<&RouteTree>,
    alert: &Alert,
    incidents: &'a [Incident],
) -> Option<(MatchedBy, Vec<&'a Incident>)> {
    if let Some(tree) = tree {
        let exact = by_dedup_key(tree, alert, incidents);
        if !exact.is_empty() {
            return Some((MatchedBy::DedupKey, exact));
        }
    }
    let titled = by_title(alert, incidents);
    (!titled.is_empty()).then_some((MatchedBy::Title, titled))
}

/// The open incidents whose alerts to fetch for the details match, at most `limit`: those
/// whose title names the alert first (the likeliest), then the newest.
pub fn details_candidates(alert: &Alert, incidents: &[Incident], limit: usize) -> Vec<String> {
    let open = |i: &&Incident| i.status != crate::model::IncidentStatus::Resolved;
    let mut ids: Vec<String> = by_title(alert, incidents)
        .into_iter()
        .filter(open)
        .map(|i| i.id.clone())
        .collect();
    let mut rest: Vec<&Incident> = incidents
        .iter()
        .filter(open)
        .filter(|i| !ids.contains(&i.id))
        .collect();
    rest.sort_by_key(|i| std::cmp::Reverse(i.created_at));
    ids.extend(rest.into_iter().map(|i| i.id.clone()));
    ids.truncate(limit);
    ids
}

/// The incidents (by ID, in the order given) whose alerts' details name this alert.
pub fn by_details(alert: &Alert, fetched: &[(String, Vec<PdAlert>)]) -> Vec<String> {
    fetched
        .iter()
        .filter(|(_, alerts)| {
            alerts
                .iter()
                .any(|a| details_name_alert(&a.body.details, &alert.labels))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// Whether PagerDuty alert details describe an alert with these labels. Alertmanager's
/// default details hold text blocks (`Labels:` then ` - name = value` lines): one block must
/// carry every label of the alert. Custom details without such text must at least name the
/// alertname, and every label they name must have the alert's value.
pub fn details_name_alert(details: &serde_json::Value, labels: &BTreeMap<String, String>) -> bool {
    let mut texts = Vec::new();
    strings(details, &mut texts);
    let blocks: Vec<BTreeMap<String, String>> =
        texts.iter().flat_map(|t| label_blocks(t)).collect();
    if !blocks.is_empty() {
        return blocks
            .iter()
            .any(|b| labels.iter().all(|(k, v)| b.get(k) == Some(v)));
    }
    let Some(object) = details.as_object() else {
        return false;
    };
    let Some(name) = labels.get("alertname") else {
        return false;
    };
    object.get("alertname").and_then(|v| v.as_str()) == Some(name.as_str())
        && labels.iter().all(|(k, v)| match object.get(k) {
            Some(serde_json::Value::String(s)) => s == v,
            Some(_) => false,
            None => true,
        })
}

fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// The label sets in Alertmanager's `__text_alert_list` text: after each `Labels:` line,
/// the ` - name = value` lines up to the next heading.
fn label_blocks(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut blocks = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in text.lines() {
        if line.trim_end() == "Labels:" {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            current = Some(BTreeMap::new());
            continue;
        }
        let Some(block) = current.as_mut() else {
            continue;
        };
        match line.strip_prefix(" - ").and_then(|l| l.split_once(" = ")) {
            Some((k, v)) => {
                block.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Some(b) = current.take() {
                    blocks.push(b);
                }
            }
        }
    }
    blocks.extend(current);
    blocks.retain(|b| !b.is_empty());
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str, title: &str, key: Option<&str>) -> Incident {
        serde_json::from_value(serde_json::json!({
            "id": id, "title": title, "status": "triggered", "created_at": "2026-01-01T00:00:00Z",
            "incident_key": key
        }))
        .unwrap()
    }

    fn alert(labels: serde_json::Value) -> Alert {
        serde_json::from_value(serde_json::json!({
            "labels": labels,
            "fingerprint": "f", "startsAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "endsAt": "2026-01-01T01:00:00Z", "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }))
        .unwrap()
    }

    fn pd_alert(details: serde_json::Value) -> PdAlert {
        serde_json::from_value(serde_json::json!({"id": "A", "body": {"details": details}}))
            .unwrap()
    }

    #[test]
    fn names_the_alert_and_prefers_the_one_with_its_labels() {
        let a = alert(serde_json::json!({"alertname": "ServiceDown", "service": "checkout"}));
        let all = vec![
            incident("P1", "[FIRING:1] ServiceDown (payments)", None),
            incident("P2", "DiskFull on db-1", None),
            incident("P3", "[FIRING:1] ServiceDown (checkout)", None),
        ];
        let got: Vec<&str> = by_title(&a, &all).iter().map(|i| i.id.as_str()).collect();
        assert_eq!(got, vec!["P3", "P1"]);
    }

    #[test]
    fn the_dedup_key_beats_the_title() {
        let tree = RouteTree::from_config_yaml(
            "route:\n  group_by: [alertname]\n  routes:\n    - matchers: [severity=critical]\n",
        )
        .unwrap();
        let a = alert(serde_json::json!({"alertname": "Foo", "severity": "critical"}));
        let key =
            crate::triage::group_key::dedup_key("{}/{severity=\"critical\"}:{alertname=\"Foo\"}");
        let all = vec![
            incident("P1", "[FIRING:1] Foo", Some("other")),
            incident("P2", "something else", Some(&key)),
        ];
        let (by, found) = related(Some(&tree), &a, &all).unwrap();
        assert_eq!(by, MatchedBy::DedupKey);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "P2");
        // Without the tree: the title.
        let (by, found) = related(None, &a, &all).unwrap();
        assert_eq!((by, found[0].id.as_str()), (MatchedBy::Title, "P1"));
        assert!(related(None, &alert(serde_json::json!({"alertname": "Nope"})), &all).is_none());
    }

    #[test]
    fn alertmanagers_default_details_name_the_alert() {
        let firing = "Labels:\n - alertname = Foo\n - cluster = a\n - severity = critical\nAnnotations:\n - summary = s\nSource: http://x\nLabels:\n - alertname = Foo\n - cluster = b\nAnnotations:\nSource: \n";
        let details = serde_json::json!({"firing": firing, "num_firing": "2", "resolved": ""});
        let foo_a =
            alert(serde_json::json!({"alertname": "Foo", "cluster": "a", "severity": "critical"}));
        let foo_c = alert(serde_json::json!({"alertname": "Foo", "cluster": "c"}));
        assert!(details_name_alert(&details, &foo_a.labels));
        assert!(!details_name_alert(&details, &foo_c.labels));
        let fetched = vec![
            (
                "P1".to_string(),
                vec![pd_alert(
                    serde_json::json!({"firing": "Labels:\n - alertname = Foo\n - cluster = c\n"}),
                )],
            ),
            ("P2".to_string(), vec![pd_alert(details)]),
        ];
        assert_eq!(by_details(&foo_a, &fetched), vec!["P2"]);
        assert_eq!(by_details(&foo_c, &fetched), vec!["P1"]);
    }

    #[test]
    fn flat_custom_details_must_agree_with_the_labels() {
        let a = alert(serde_json::json!({"alertname": "Foo", "cluster": "a"}));
        assert!(details_name_alert(
            &serde_json::json!({"alertname": "Foo", "cluster": "a", "note": "x"}),
            &a.labels
        ));
        assert!(!details_name_alert(
            &serde_json::json!({"alertname": "Foo", "cluster": "b"}),
            &a.labels
        ));
        assert!(!details_name_alert(
            &serde_json::json!({"summary": "Foo"}),
            &a.labels
        ));
    }

    #[test]
    fn details_candidates_are_open_title_first_and_bounded() {
        let a = alert(serde_json::json!({"alertname": "Foo"}));
        let mut all: Vec<Incident> = (0..30)
            .map(|i| incident(&format!("P{i}"), "other", None))
            .collect();
        all.push(incident("PF", "[FIRING:1] Foo", None));
        let mut resolved = incident("PR", "[FIRING:1] Foo", None);
        resolved.status = crate::model::IncidentStatus::Resolved;
        all.push(resolved);
        let ids = details_candidates(&a, &all, DETAILS_LOOKUP_LIMIT);
        assert_eq!(ids.len(), DETAILS_LOOKUP_LIMIT);
        assert_eq!(ids[0], "PF");
        assert!(!ids.contains(&"PR".to_string()));
    }
}
