//! How alerts are ordered for a person: most severe first, then newest first.

use std::cmp::Ordering;

use crate::model::Alert;
use crate::sources::fleet::MergedAlert;

/// Lower is more severe. Unknown severities sort last.
pub fn severity_rank(severity: Option<&str>) -> u8 {
    match severity.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("critical" | "page" | "emergency" | "fatal" | "p1") => 0,
        Some("error" | "high" | "major" | "p2") => 1,
        Some("warning" | "warn" | "medium" | "p3") => 2,
        Some("info" | "low" | "minor" | "notice" | "p4" | "p5") => 3,
        _ => 4,
    }
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
