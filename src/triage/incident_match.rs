//! Which PagerDuty incident belongs to an alert, best evidence first:
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

use std::borrow::Borrow;
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

/// `ServiceDown{job="kyc-service"}`, sanitized: the alert as confirmations, the CLI and the
/// incident log name it.
pub fn alert_description(alert: &Alert) -> String {
    let mut rest = alert.labels.clone();
    rest.remove("alertname");
    crate::sanitize::one_line(&format!(
        "{}{}",
        alert.alertname(),
        crate::triage::group_key::label_set_string(&rest)
    ))
}

/// For callers that know no other alerts.
pub const NO_ALERTS: &[Alert] = &[];

/// Label names that say where an alert comes from. A title or service naming another value
/// of one of them (another job, service, instance) is another incident, never this one.
pub const IDENTIFYING_LABELS: [&str; 10] = [
    "service",
    "job",
    "instance",
    "namespace",
    "pod",
    "cluster",
    "app",
    "host",
    "deployment",
    "container",
];

/// Incidents whose title names the alert and does not contradict it, those that also
/// mention more of its label values first. Several candidates mean the user must pick.
/// `known` are the alerts the caller knows of (all firing ones): their identifying label
/// values are how a free-form title is seen to name another job or service.
pub fn by_title<'a, A: Borrow<Alert>>(
    alert: &Alert,
    incidents: &'a [Incident],
    known: &[A],
) -> Vec<&'a Incident> {
    let name = alert.alertname();
    if name.is_empty() {
        return Vec::new();
    }
    let named: Vec<&Incident> = incidents
        .iter()
        .filter(|i| has_word(&i.title, name))
        .collect();
    if named.is_empty() {
        // The usual case, and the cheap one: no need to look at the other alerts.
        return Vec::new();
    }
    let others = other_identifying_values(alert, known);
    let mut found: Vec<(usize, &Incident)> = named
        .into_iter()
        .filter(|i| title_contradiction(alert, i, &others).is_none())
        .map(|i| {
            let mentions = alert
                .labels
                .iter()
                .filter(|(k, v)| k.as_str() != "alertname" && v.len() > 2 && has_word(&i.title, v))
                .count();
            (mentions, i)
        })
        .collect();
    // Stable: PagerDuty's order (newest first) within the same number of mentions.
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, i)| i).collect()
}

/// Why an incident whose title names the alert's name is still not its incident, if it is
/// not: the title or the incident's service names a value the alert does not carry.
///
/// Alertmanager's default title is `[FIRING:n] <group label values> (<other common label
/// values>)`; every one of those values is a label value of every alert in the group, so a
/// title of that shape whose words are not all this alert's values is another group's. Other
/// titles are checked against `others`: identifying label values of other alerts.
pub fn title_contradiction(
    alert: &Alert,
    incident: &Incident,
    others: &[(String, String)],
) -> Option<String> {
    let title = incident.title.as_str();
    if let Some(rest) = alertmanager_subject(title) {
        let mut rest = rest.to_string();
        let mut values: Vec<&String> = alert.labels.values().filter(|v| !v.is_empty()).collect();
        // Longest first, so a value holding a shorter one is taken whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        for v in values {
            rest = rest.replace(v.as_str(), " ");
        }
        let stray: Vec<&str> = rest
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        if let Some(word) = stray.first() {
            return Some(format!(
                "its title names `{word}`, which this alert does not carry"
            ));
        }
    }
    let service = incident
        .service
        .as_ref()
        .map(|s| s.summary.as_str())
        .unwrap_or("");
    for (label, value) in others {
        let own = alert.labels.get(label).map(String::as_str).unwrap_or("");
        if own.contains(value.as_str()) {
            continue;
        }
        if has_word(title, value) {
            return Some(format!(
                "its title names {label} `{value}`, not this alert's"
            ));
        }
        if has_word(service, value) && !(own.len() > 2 && has_word(service, own)) {
            return Some(format!(
                "its service `{service}` is {label} `{value}`, not this alert's"
            ));
        }
    }
    None
}

/// The identifying label values of `known` alerts that differ from this alert's own.
pub fn other_identifying_values<A: Borrow<Alert>>(
    alert: &Alert,
    known: &[A],
) -> Vec<(String, String)> {
    let mut out: std::collections::BTreeSet<(String, String)> = Default::default();
    for other in known.iter().map(Borrow::borrow) {
        for label in IDENTIFYING_LABELS {
            let Some(v) = other.labels.get(label) else {
                continue;
            };
            // Values of two characters or fewer are words of any title.
            if v.len() <= 2 || alert.labels.get(label) == Some(v) {
                continue;
            }
            out.insert((label.to_string(), v.clone()));
        }
    }
    out.into_iter().collect()
}

/// The part of an Alertmanager default title after `[FIRING:n] ` or `[RESOLVED] `.
fn alertmanager_subject(title: &str) -> Option<&str> {
    let rest = title
        .strip_prefix("[FIRING:")
        .or_else(|| title.strip_prefix("[RESOLVED"))?;
    let (_, after) = rest.split_once(']')?;
    Some(after)
}

/// Whether `word` occurs in `text` not as part of a longer name (`Foo` is not in `FooBar`).
fn has_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

/// What can be told without asking PagerDuty anything more: the dedup key match when the
/// route tree is known and it finds something, else the title match. `None`: nothing found.
pub fn related<'a, A: Borrow<Alert>>(
    tree: Option<&RouteTree>,
    alert: &Alert,
    incidents: &'a [Incident],
    known: &[A],
) -> Option<(MatchedBy, Vec<&'a Incident>)> {
    if let Some(tree) = tree {
        let exact = by_dedup_key(tree, alert, incidents);
        if !exact.is_empty() {
            return Some((MatchedBy::DedupKey, exact));
        }
    }
    let titled = by_title(alert, incidents, known);
    (!titled.is_empty()).then_some((MatchedBy::Title, titled))
}

/// The open incidents whose alerts to fetch for the details match, at most `limit`: those
/// whose title names the alert first (the likeliest), then the newest.
pub fn details_candidates(alert: &Alert, incidents: &[Incident], limit: usize) -> Vec<String> {
    let open = |i: &&Incident| i.status != crate::model::IncidentStatus::Resolved;
    let mut ids: Vec<String> = by_title(alert, incidents, NO_ALERTS)
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
        let got: Vec<&str> = by_title(&a, &all, NO_ALERTS)
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(got, vec!["P3"], "(payments) is another group's title");
    }

    fn with_service(mut i: Incident, service: &str) -> Incident {
        i.service = Some(crate::model::incident::Reference {
            id: "PS".into(),
            summary: service.into(),
            ..Default::default()
        });
        i
    }

    #[test]
    fn a_title_naming_another_service_or_job_is_never_a_match() {
        // The case that acked the wrong incident: kyc-service's alert, wallet-service's title.
        let kyc = alert(serde_json::json!({"alertname": "ServiceDown", "job": "kyc-service"}));
        let wallet = with_service(
            incident("PW", "[FIRING:1] ServiceDown wallet-service", None),
            "wallet-service",
        );
        assert!(by_title(&kyc, std::slice::from_ref(&wallet), NO_ALERTS).is_empty());
        assert!(title_contradiction(&kyc, &wallet, &[])
            .unwrap()
            .contains("wallet-service"));
        // Its own incident, Alertmanager's shape with common labels in parentheses, matches.
        let own = incident("PK", "[FIRING:2] ServiceDown (kyc-service)", None);
        assert_eq!(
            by_title(&kyc, std::slice::from_ref(&own), NO_ALERTS).len(),
            1
        );
        // Free-form titles: another alert's job named in the title or as the service.
        let other = alert(serde_json::json!({"alertname": "ServiceDown", "job": "wallet-service"}));
        let known = [&kyc, &other];
        let free = incident("PF", "ServiceDown on wallet-service since 3am", None);
        assert!(by_title(&kyc, std::slice::from_ref(&free), &known).is_empty());
        let by_service = with_service(incident("PS", "ServiceDown", None), "wallet-service");
        assert!(by_title(&kyc, std::slice::from_ref(&by_service), &known).is_empty());
        let neutral = with_service(incident("PN", "ServiceDown", None), "Platform");
        assert_eq!(
            by_title(&kyc, std::slice::from_ref(&neutral), &known).len(),
            1
        );
        // The name must be a word of the title, not part of a longer one.
        let longer = incident("PL", "ServiceDownstream flapping", None);
        assert!(by_title(&kyc, std::slice::from_ref(&longer), NO_ALERTS).is_empty());
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
        let (by, found) = related(Some(&tree), &a, &all, NO_ALERTS).unwrap();
        assert_eq!(by, MatchedBy::DedupKey);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "P2");
        // Without the tree: the title.
        let (by, found) = related(None, &a, &all, NO_ALERTS).unwrap();
        assert_eq!((by, found[0].id.as_str()), (MatchedBy::Title, "P1"));
        let nope = alert(serde_json::json!({"alertname": "Nope"}));
        assert!(related(None, &nope, &all, NO_ALERTS).is_none());
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
