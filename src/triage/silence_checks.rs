//! Checks on a silence before and after it is made: signs that it is broader than its author
//! meant, and whether Alertmanager stored what was asked. Shared by
//! `oncall silence add` and the terminal UI's silence form.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::severity::severity_rank;
use crate::duration::format_duration;
use crate::model::{Alert, MatchOp, Matcher, PostableSilence, Silence, SilenceState};

/// More selected alerts than this earns a warning.
pub const MANY_ALERTS: usize = 20;
/// Alerts whose job is to fire all the time, proving the pipeline works.
const HEARTBEATS: &[&str] = &["Watchdog", "DeadMansSwitch", "DeadMansSnitch"];

/// What differs between the silence asked for and the one Alertmanager holds, to the second.
pub fn read_back_differences(asked: &PostableSilence, got: &Silence) -> Vec<String> {
    let mut diffs = Vec::new();
    let sorted = |m: &[Matcher]| {
        let mut v: Vec<String> = m.iter().map(Matcher::to_string).collect();
        v.sort();
        v
    };
    if sorted(&asked.matchers) != sorted(&got.matchers) {
        diffs.push(format!("matchers are {}", got.matchers_display()));
    }
    // Alertmanager moves a start in the past to its own "now" (the creation time, give or
    // take clock skew); any other start must come back as sent.
    let same_start = (got.starts_at - asked.starts_at).num_milliseconds().abs() < 1000;
    let moved_to_now = got.starts_at > asked.starts_at
        && got.starts_at <= got.updated_at + chrono::Duration::minutes(2);
    if !same_start && !moved_to_now {
        diffs.push(format!(
            "starts {} instead of {}",
            got.starts_at.to_rfc3339(),
            asked.starts_at.to_rfc3339()
        ));
    }
    if (got.ends_at - asked.ends_at).num_milliseconds().abs() >= 1000 {
        diffs.push(format!(
            "ends {} instead of {}",
            got.ends_at.to_rfc3339(),
            asked.ends_at.to_rfc3339()
        ));
    }
    if got.created_by != asked.created_by {
        diffs.push(format!(
            "author is {:?}",
            crate::sanitize::one_line(&got.created_by)
        ));
    }
    if got.comment != asked.comment {
        diffs.push("the comment differs".into());
    }
    if got.status == SilenceState::Expired {
        diffs.push("it is already expired".into());
    }
    diffs
}

/// Signs that a silence is broader than its author meant.
pub fn broad_silence_warnings(
    matchers: &[Matcher],
    selected: &[&Alert],
    length: Duration,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let names_an_alert = matchers.iter().any(|m| {
        m.name == "alertname"
            && (m.op == MatchOp::Eq || (m.op == MatchOp::Re && !matches_any_value(m)))
    });
    if !names_an_alert {
        warnings.push(
            "no alertname matcher: this silences every alert with these labels, including alerts that start firing later"
                .to_string(),
        );
    }
    for m in matchers.iter().filter(|m| matches_any_value(m)) {
        warnings.push(format!("`{m}` matches any value of {}", m.name));
    }
    if selected.is_empty() {
        warnings.push(
            "it matches no current alert: a typo? (fine for a planned maintenance window)".into(),
        );
    }
    let severities: BTreeSet<&str> = selected.iter().filter_map(|a| a.severity()).collect();
    if severities.len() > 1 {
        let mut list: Vec<&str> = severities.into_iter().collect();
        list.sort_by_key(|s| severity_rank(Some(s)));
        warnings.push(format!(
            "it covers alerts of {} severities ({})",
            list.len(),
            list.join(", ")
        ));
    }
    if selected.len() > MANY_ALERTS {
        warnings.push(format!("it silences {} current alerts", selected.len()));
    }
    let heartbeats: BTreeSet<&str> = selected
        .iter()
        .map(|a| a.alertname())
        .filter(|n| HEARTBEATS.contains(n))
        .collect();
    for name in heartbeats {
        warnings.push(format!(
            "it silences {name}, the alert that shows the alerting pipeline works"
        ));
    }
    if length > Duration::from_secs(7 * 86_400) {
        warnings.push(format!(
            "it lasts {}; silences longer than a week are easily forgotten",
            format_duration(length)
        ));
    }
    warnings
}

/// A regex matcher that accepts every non-empty value (`.+`, `.*`, `(.*)`, `[^/]*|.*`).
fn matches_any_value(m: &Matcher) -> bool {
    const PROBES: &[&str] = &["a", "prod", "KubePodCrashLooping", "zz-9.x/Y_1:2", " "];
    m.op == MatchOp::Re
        && PROBES.iter().all(|probe| {
            let labels = BTreeMap::from([(m.name.clone(), probe.to_string())]);
            m.matches(&labels)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_matchers;

    fn matchers(args: &[&str]) -> Vec<Matcher> {
        parse_matchers(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn alert(name: &str, severity: &str) -> Alert {
        let alert: Alert = serde_json::from_value(serde_json::json!({
            "labels": {"alertname": name, "severity": severity}, "fingerprint": name,
            "startsAt": "2026-08-20T10:00:00Z", "updatedAt": "2026-08-20T10:00:00Z", "endsAt": "2026-08-20T11:00:00Z",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }))
        .unwrap();
        alert
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_precise_silence_gets_no_warning() {
        let w = broad_silence_warnings(
            &matchers(&["DiskFull", "instance=db-1"]),
            &[&alert("DiskFull", "critical")],
            HOUR,
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn warns_without_alertname_or_with_a_match_anything_regex() {
        let w = broad_silence_warnings(&matchers(&["cluster=eu"]), &[&alert("A", "warning")], HOUR);
        assert!(w[0].contains("no alertname matcher"), "{w:?}");
        let w = broad_silence_warnings(
            &matchers(&["alertname=~\".+\""]),
            &[&alert("A", "warning")],
            HOUR,
        );
        assert!(
            w.iter().any(|x| x.contains("no alertname matcher")),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|x| x.contains("matches any value of alertname")),
            "{w:?}"
        );
        let w = broad_silence_warnings(
            &matchers(&["alertname=~\"Disk.*\""]),
            &[&alert("DiskFull", "critical")],
            HOUR,
        );
        assert!(w.is_empty(), "a narrowing regex is fine: {w:?}");
    }

    #[test]
    fn warns_about_nothing_matched_many_severities_heartbeats_and_length() {
        let w = broad_silence_warnings(&matchers(&["NoSuch"]), &[], HOUR);
        assert!(
            w.iter().any(|x| x.contains("matches no current alert")),
            "{w:?}"
        );
        let mixed = [alert("A", "warning"), alert("A", "critical")];
        let mixed: Vec<&Alert> = mixed.iter().collect();
        let w = broad_silence_warnings(&matchers(&["A"]), &mixed, HOUR);
        assert!(
            w.iter()
                .any(|x| x.contains("2 severities (critical, warning)")),
            "{w:?}"
        );
        let w = broad_silence_warnings(
            &matchers(&["alertname=~\"Watchdog|X\""]),
            &[&alert("Watchdog", "none")],
            HOUR,
        );
        assert!(
            w.iter()
                .any(|x| x.contains("Watchdog, the alert that shows")),
            "{w:?}"
        );
        let w = broad_silence_warnings(
            &matchers(&["A"]),
            &[&alert("A", "info")],
            Duration::from_secs(30 * 86_400),
        );
        assert!(w.iter().any(|x| x.contains("lasts 30d")), "{w:?}");
        let many: Vec<Alert> = (0..25).map(|_| alert("A", "info")).collect();
        let many: Vec<&Alert> = many.iter().collect();
        let w = broad_silence_warnings(&matchers(&["A"]), &many, HOUR);
        assert!(
            w.iter().any(|x| x.contains("silences 25 current alerts")),
            "{w:?}"
        );
    }

    fn silence(state: &str, starts: &str, ends: &str) -> Silence {
        serde_json::from_value(serde_json::json!({
            "id": format!("{state}-{ends}"), "matchers": [{"name": "alertname", "value": "A", "isRegex": false}],
            "startsAt": starts, "endsAt": ends, "createdBy": "me", "comment": "c",
            "status": {"state": state}, "updatedAt": starts
        }))
        .unwrap()
    }

    #[test]
    fn read_back_is_checked_field_by_field() {
        let s = silence("active", "2026-08-20T10:00:00Z", "2026-08-20T12:00:00Z");
        let asked = PostableSilence {
            id: None,
            matchers: s.matchers.clone(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            created_by: "me".into(),
            comment: "c".into(),
        };
        assert!(read_back_differences(&asked, &s).is_empty());
        // A start yesterday comes back as the creation time: that is Alertmanager's rule.
        let yesterday = PostableSilence {
            starts_at: s.starts_at - chrono::Duration::days(1),
            ..asked.clone()
        };
        assert!(read_back_differences(&yesterday, &s).is_empty());
        let later = PostableSilence {
            starts_at: s.starts_at + chrono::Duration::hours(1),
            ..asked.clone()
        };
        assert!(read_back_differences(&later, &s)[0].starts_with("starts "));
        let mut other = s.clone();
        other.ends_at += chrono::Duration::hours(1);
        other.comment = "x".into();
        other.matchers[0].value = "B".into();
        let d = read_back_differences(&asked, &other);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("alertname=\"B\""), "{d:?}");
    }
}
