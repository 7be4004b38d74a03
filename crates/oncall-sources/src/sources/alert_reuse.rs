//! Decoding Alertmanager's alert list while sharing the alerts already held. A refresh of
//! 10,000 alerts mostly answers what is already known; decoding it whole would hold a second
//! copy of every alert until the first is dropped. Here each array element is decoded on its
//! own and, when it equals the held alert of the same fingerprint, dropped at once in favour
//! of the held one, so the second copy never exists: only the alerts that changed are new.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};

use crate::model::Alert;

/// The alerts of a `GET /api/v2/alerts` body, in its order. Every alert equal to one in `held`
/// (the previous answer of the same Alertmanager) is that `Arc`, not a new one.
pub fn decode_reusing(
    bytes: &[u8],
    held: &[Arc<Alert>],
) -> Result<Vec<Arc<Alert>>, serde_json::Error> {
    let by_fingerprint: HashMap<&str, &Arc<Alert>> =
        held.iter().map(|a| (a.fingerprint.as_str(), a)).collect();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let alerts = Reusing {
        held: &by_fingerprint,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(alerts)
}

/// The last alert list decoded from each Alertmanager (by position in the config), for its
/// next decode to share. The lists are the `Arc`s the app holds, so keeping them costs no
/// second copy. Cheap to clone: clones share one store.
#[derive(Debug, Clone, Default)]
pub struct LastAnswers(Arc<Mutex<Vec<Vec<Arc<Alert>>>>>);

impl LastAnswers {
    /// Source `source`'s last list, leaving none behind while it is being refreshed (two
    /// refreshes at once then decode without sharing, which is still correct).
    pub fn take(&self, source: usize) -> Vec<Arc<Alert>> {
        // A poisoned store only loses the sharing, never an answer.
        match self.0.lock() {
            Ok(mut lists) => lists
                .get_mut(source)
                .map(std::mem::take)
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    pub fn put(&self, source: usize, alerts: Vec<Arc<Alert>>) {
        if let Ok(mut lists) = self.0.lock() {
            if lists.len() <= source {
                lists.resize_with(source + 1, Vec::new);
            }
            lists[source] = alerts;
        }
    }

    /// Forget every list (another context's Alertmanagers are other sources).
    pub fn clear(&self) {
        if let Ok(mut lists) = self.0.lock() {
            lists.clear();
        }
    }
}

/// A seed for the alert array that looks each element up as soon as it is decoded.
struct Reusing<'h> {
    held: &'h HashMap<&'h str, &'h Arc<Alert>>,
}

impl<'de> DeserializeSeed<'de> for Reusing<'_> {
    type Value = Vec<Arc<Alert>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Reusing<'_> {
    type Value = Vec<Arc<Alert>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of alerts")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        // Most refreshes answer about as many alerts as the last one.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(self.held.len()));
        while let Some(alert) = seq.next_element::<Alert>()? {
            // Equal in every field, not only fingerprint and `updatedAt`: a config reload can
            // change receivers alone, and the comparison costs little next to the decode.
            match self.held.get(alert.fingerprint.as_str()) {
                Some(held) if ***held == alert => out.push(Arc::clone(held)),
                _ => out.push(Arc::new(alert)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert_json(fp: &str, updated: &str, receiver: &str) -> serde_json::Value {
        serde_json::json!({
            "labels": {"alertname": "A", "instance": fp}, "annotations": {"summary": "s"},
            "receivers": [{"name": receiver}], "fingerprint": fp,
            "startsAt": "2026-08-20T10:00:00Z", "updatedAt": updated, "endsAt": "2026-08-20T11:00:00Z",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        })
    }

    fn body(alerts: &[serde_json::Value]) -> Vec<u8> {
        serde_json::to_vec(alerts).unwrap()
    }

    #[test]
    fn equal_alerts_are_shared_and_changed_ones_are_new() {
        let t = "2026-08-20T10:00:00Z";
        let first = decode_reusing(
            &body(&[
                alert_json("a", t, "pd"),
                alert_json("b", t, "pd"),
                alert_json("c", t, "pd"),
            ]),
            &[],
        )
        .unwrap();
        let second = decode_reusing(
            &body(&[
                alert_json("a", t, "pd"),
                alert_json("b", "2026-08-20T10:01:00Z", "pd"),
                alert_json("c", t, "slack"),
                alert_json("d", t, "pd"),
            ]),
            &first,
        )
        .unwrap();
        let fingerprints: Vec<&str> = second.iter().map(|a| a.fingerprint.as_str()).collect();
        assert_eq!(fingerprints, ["a", "b", "c", "d"]);
        assert!(Arc::ptr_eq(&first[0], &second[0]), "unchanged: shared");
        assert!(!Arc::ptr_eq(&first[1], &second[1]), "updatedAt changed");
        assert!(!Arc::ptr_eq(&first[2], &second[2]), "receivers changed");
        assert_eq!(second[2].receivers[0].name, "slack");
    }

    #[test]
    fn decodes_as_a_plain_decode_would() {
        let alerts = [
            alert_json("b", "2026-08-20T10:00:00Z", "pd"),
            alert_json("a", "2026-08-20T10:00:00Z", "pd"),
        ];
        let plain: Vec<Alert> = serde_json::from_slice(&body(&alerts)).unwrap();
        let reused = decode_reusing(&body(&alerts), &[]).unwrap();
        let reused: Vec<Alert> = reused.iter().map(|a| Alert::clone(a)).collect();
        assert_eq!(reused, plain);
    }

    #[test]
    fn last_answers_are_kept_per_source_and_taken_while_refreshing() {
        let store = LastAnswers::default();
        let list =
            decode_reusing(&body(&[alert_json("a", "2026-08-20T10:00:00Z", "pd")]), &[]).unwrap();
        store.put(1, list.clone());
        assert!(store.take(0).is_empty());
        let taken = store.take(1);
        assert!(Arc::ptr_eq(&taken[0], &list[0]));
        assert!(store.take(1).is_empty(), "taken until put back");
        store.clone().put(1, taken);
        store.clear();
        assert!(store.take(1).is_empty());
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(decode_reusing(b"{\"not\":\"a list\"}", &[]).is_err());
        assert!(decode_reusing(b"[] trailing", &[]).is_err());
        let missing_fingerprint = serde_json::json!([{"startsAt": "x"}]).to_string();
        assert!(decode_reusing(missing_fingerprint.as_bytes(), &[]).is_err());
    }
}
