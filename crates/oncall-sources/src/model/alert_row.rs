//! The part of an alert a table prints, decoded straight from `GET /api/v2/alerts` and
//! borrowing its text from the body: `oncall alerts` reads 10,000 alerts and prints one line
//! each, so copying every label into its own `String` (and freeing them all again) was most
//! of its time. Receivers, `updatedAt`, `endsAt`, `generatorURL` are skipped unread.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::alert::{Alert, AlertState, DEFAULT_RUNBOOK_KEYS};

/// One alert as a table needs it; text borrowed from the body where JSON allows (a string
/// with escapes is the rare one that is copied).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRow<'a> {
    #[serde(default, borrow)]
    pub labels: TextMap<'a>,
    #[serde(default, borrow)]
    pub annotations: TextMap<'a>,
    #[serde(borrow)]
    pub fingerprint: Cow<'a, str>,
    pub starts_at: DateTime<Utc>,
    pub status: RowStatus,
}

/// `status` reduced to what decides the STATE column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowStatus {
    pub state: AlertState,
    /// `silencedBy` is not empty.
    #[serde(default, rename = "silencedBy", deserialize_with = "non_empty_list")]
    pub silenced: bool,
    /// `inhibitedBy` is not empty.
    #[serde(default, rename = "inhibitedBy", deserialize_with = "non_empty_list")]
    pub inhibited: bool,
}

/// Labels or annotations: sorted by name, one value per name (the last, as in a
/// `BTreeMap`), so they list in the same order as [`Alert`]'s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextMap<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> TextMap<'a> {
    pub fn get(&self, name: &str) -> Option<&str> {
        // A handful of entries: a scan comparing lengths first beats a binary search.
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// `(name, value)` in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn from_entries(mut entries: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> TextMap<'a> {
        // Stable, so a repeated name keeps its entries in body order; `dedup_by` keeps the
        // first of a run, so the later value is swapped into it first.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        TextMap(entries)
    }
}

impl<'a> AlertRow<'a> {
    /// A row borrowing from a decoded alert (several Alertmanagers are merged on [`Alert`]s).
    pub fn from_alert(alert: &'a Alert) -> AlertRow<'a> {
        let borrowed = |map: &'a std::collections::BTreeMap<String, String>| {
            TextMap(
                map.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
                    .collect(),
            )
        };
        AlertRow {
            labels: borrowed(&alert.labels),
            annotations: borrowed(&alert.annotations),
            fingerprint: Cow::Borrowed(&alert.fingerprint),
            starts_at: alert.starts_at,
            status: RowStatus {
                state: alert.status.state,
                silenced: alert.is_silenced(),
                inhibited: alert.is_inhibited(),
            },
        }
    }

    /// The `alertname` label, or "" when the alert has none.
    pub fn alertname(&self) -> &str {
        self.labels.get("alertname").unwrap_or("")
    }

    pub fn severity(&self) -> Option<&str> {
        self.labels.get("severity")
    }

    /// The `summary` annotation, else `description` (as [`Alert::summary`]).
    pub fn summary(&self) -> Option<&str> {
        self.non_empty_annotation("summary")
            .or_else(|| self.non_empty_annotation("description"))
    }

    /// The first non-empty annotation among `keys` ([`DEFAULT_RUNBOOK_KEYS`] when empty), as
    /// [`Alert::runbook_url`]. Untrusted: check its scheme before opening it.
    pub fn runbook_url(&self, keys: &[&str]) -> Option<&str> {
        let keys = if keys.is_empty() {
            DEFAULT_RUNBOOK_KEYS
        } else {
            keys
        };
        keys.iter().find_map(|k| self.non_empty_annotation(k))
    }

    fn non_empty_annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).filter(|v| !v.trim().is_empty())
    }
}

/// A list whose items are skipped unread: only whether it has any matters.
fn non_empty_list<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    // `IgnoredAny` is zero-sized, so the Vec never allocates.
    Ok(!Vec::<IgnoredAny>::deserialize(d)?.is_empty())
}

impl<'de: 'a, 'a> Deserialize<'de> for TextMap<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<'a>(std::marker::PhantomData<TextMap<'a>>);

        impl<'de: 'a, 'a> Visitor<'de> for MapVisitor<'a> {
            type Value = TextMap<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<TextMap<'a>, M::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<Text<'a>, Text<'a>>()? {
                    entries.push((k.0, v.0));
                }
                Ok(TextMap::from_entries(entries))
            }
        }

        d.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// A string borrowed from the input when it has no escapes, copied when it has.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<Text<'a>>);

        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }

        d.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"[{
        "annotations": {"summary": "  ", "description": "Pod \"prod/api\" restarts", "runbook_url": "https://rb/x"},
        "endsAt": "2026-08-20T10:04:00.000Z",
        "fingerprint": "4f1e0c2a9d3b7e11",
        "receivers": [{"name": "pagerduty"}],
        "startsAt": "2026-08-20T09:00:00.000Z",
        "status": {"inhibitedBy": [], "silencedBy": ["8a1b"], "state": "suppressed"},
        "updatedAt": "2026-08-20T10:00:00.123Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
        "labels": {"severity": "critical", "alertname": "KubePodCrashLooping", "namespace": "prod", "namespace": "staging"}
    }]"#;

    #[test]
    fn decodes_what_a_table_prints_borrowing_plain_text() {
        let rows: Vec<AlertRow> = serde_json::from_str(BODY).unwrap();
        let r = &rows[0];
        assert_eq!(r.alertname(), "KubePodCrashLooping");
        assert_eq!(r.severity(), Some("critical"));
        assert_eq!(r.summary(), Some("Pod \"prod/api\" restarts"));
        assert_eq!(r.runbook_url(&[]), Some("https://rb/x"));
        assert_eq!(r.status.state, AlertState::Suppressed);
        assert!(r.status.silenced && !r.status.inhibited);
        assert_eq!(r.starts_at.to_rfc3339(), "2026-08-20T09:00:00+00:00");
        assert!(matches!(r.fingerprint, Cow::Borrowed(_)));
        assert!(matches!(r.labels.0[0].1, Cow::Borrowed(_)));
        assert!(
            matches!(r.annotations.0[0].1, Cow::Owned(_)),
            "the escaped quote needs a copy"
        );
    }

    #[test]
    fn labels_sort_and_dedupe_as_the_full_decode_does() {
        let rows: Vec<AlertRow> = serde_json::from_str(BODY).unwrap();
        let alerts: Vec<Alert> = serde_json::from_str(BODY).unwrap();
        let from_full = AlertRow::from_alert(&alerts[0]);
        assert_eq!(rows[0].labels, from_full.labels);
        assert_eq!(rows[0].annotations, from_full.annotations);
        assert_eq!(rows[0].labels.get("namespace"), Some("staging"));
        assert_eq!(rows[0], from_full);
    }

    #[test]
    fn optional_parts_default_and_required_ones_are_required() {
        let minimal = r#"[{"fingerprint": "f", "startsAt": "2026-08-20T09:00:00Z", "status": {"state": "active"}}]"#;
        let rows: Vec<AlertRow> = serde_json::from_str(minimal).unwrap();
        assert!(rows[0].labels.is_empty() && !rows[0].status.silenced);
        assert_eq!(rows[0].alertname(), "");
        let no_status = r#"[{"fingerprint": "f", "startsAt": "2026-08-20T09:00:00Z"}]"#;
        assert!(serde_json::from_str::<Vec<AlertRow>>(no_status).is_err());
        let bad_label = r#"[{"labels": {"a": 1}, "fingerprint": "f", "startsAt": "2026-08-20T09:00:00Z", "status": {"state": "active"}}]"#;
        assert!(serde_json::from_str::<Vec<AlertRow>>(bad_label).is_err());
    }
}
