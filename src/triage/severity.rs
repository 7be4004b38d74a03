//! How alerts are ordered for a person: most severe first, then newest first.

use std::cmp::Ordering;

use crate::model::Alert;
use crate::sources::fleet::MergedAlert;

/// Severity names by rank (index 0 is the most severe).
const RANKS: [&[&str]; 4] = [
    &["critical", "page", "emergency", "fatal", "p1"],
    &["error", "high", "major", "p2"],
    &["warning", "warn", "medium", "p3"],
    &["info", "low", "minor", "notice", "p4", "p5"],
];

/// Lower is more severe. Unknown severities sort last. Case and surrounding blanks are
/// ignored without allocating: this runs for every alert on every change of the list.
pub fn severity_rank(severity: Option<&str>) -> u8 {
    let Some(severity) = severity.map(str::trim) else {
        return 4;
    };
    RANKS
        .iter()
        .position(|names| names.iter().any(|n| n.eq_ignore_ascii_case(severity)))
        .map_or(4, |rank| rank as u8)
}

/// Most severe first, then newest first; the fingerprint keeps the order stable.
pub fn compare_for_people(a: &Alert, b: &Alert) -> Ordering {
    severity_rank(a.severity())
        .cmp(&severity_rank(b.severity()))
        .then(b.starts_at.cmp(&a.starts_at))
        .then(a.fingerprint.cmp(&b.fingerprint))
}

/// Most severe first, then newest first within a severity.
pub fn sort_for_people(alerts: &mut [MergedAlert]) {
    alerts.sort_by(|a, b| compare_for_people(&a.alert, &b.alert));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_ignore_case_and_blanks_and_put_unknown_last() {
        assert_eq!(severity_rank(Some("critical")), 0);
        assert_eq!(severity_rank(Some(" Critical ")), 0);
        assert_eq!(severity_rank(Some("P2")), 1);
        assert_eq!(severity_rank(Some("WARN")), 2);
        assert_eq!(severity_rank(Some("notice")), 3);
        assert_eq!(severity_rank(Some("none")), 4);
        assert_eq!(severity_rank(Some("")), 4);
        assert_eq!(severity_rank(None), 4);
        // Not lower-cased by Unicode rules: only ASCII names are known.
        assert_eq!(severity_rank(Some("crİtical")), 4);
    }
}
