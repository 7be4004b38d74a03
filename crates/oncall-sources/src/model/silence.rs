//! Silences in Alertmanager's API v2 shape (`gettableSilence`, `postableSilence`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::matcher::{Matcher, MatcherSet};

/// A silence as `GET /api/v2/silences` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    /// Alertmanager nests it: `"status": {"state": "active"}`.
    #[serde(with = "status_object")]
    pub status: SilenceState,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

impl SilenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
            SilenceState::Expired => "expired",
        }
    }
}

impl std::fmt::Display for SilenceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

mod status_object {
    use super::SilenceState;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Status {
        state: SilenceState,
    }

    pub fn serialize<S: Serializer>(state: &SilenceState, s: S) -> Result<S::Ok, S::Error> {
        Status { state: *state }.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SilenceState, D::Error> {
        Ok(Status::deserialize(d)?.state)
    }
}

impl Silence {
    /// Whether this silence's matchers select an alert with these labels (all must match).
    /// A matcher with a regex that does not compile selects nothing. This compiles the
    /// regexes on each call: to test thousands of alerts, build a `MatcherSet` once.
    pub fn matches_alert(&self, labels: &BTreeMap<String, String>) -> bool {
        match MatcherSet::new(&self.matchers) {
            Ok(set) => set.matches(labels),
            Err(_) => false,
        }
    }

    /// The matchers in amtool's syntax, space-separated, e.g. `alertname="Foo" env=~"prod|dr"`.
    pub fn matchers_display(&self) -> String {
        self.matchers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The body that updates this silence in place (or, per Alertmanager's rules, replaces it)
    /// with a new end; matchers, start, author and comment unchanged.
    pub fn extended_to(&self, new_end: DateTime<Utc>) -> PostableSilence {
        PostableSilence {
            id: Some(self.id.clone()),
            matchers: self.matchers.clone(),
            starts_at: self.starts_at,
            ends_at: new_end,
            created_by: self.created_by.clone(),
            comment: self.comment.clone(),
        }
    }
}

/// The body of `POST /api/v2/silences`. Without `id` it creates a silence; with `id` it
/// updates that one, which Alertmanager may answer with a new ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::matcher::MatchOp;

    const SILENCE: &str = r#"{
        "id": "a1b2c3d4-0000-4000-8000-000000000001",
        "matchers": [
            {"name": "alertname", "value": "KubePodCrashLooping", "isRegex": false, "isEqual": true},
            {"name": "namespace", "value": "prod|staging", "isRegex": true, "isEqual": true},
            {"name": "pod", "value": "canary-.*", "isRegex": true, "isEqual": false}
        ],
        "startsAt": "2026-08-20T10:00:00.000Z",
        "endsAt": "2026-08-20T12:00:00.000Z",
        "createdBy": "alice@example.com",
        "comment": "Maintenance CHG-1234",
        "status": {"state": "active"},
        "updatedAt": "2026-08-20T10:00:00.000Z"
    }"#;

    use crate::test_util::labels;

    #[test]
    fn decodes_alertmanagers_shape() {
        let s: Silence = serde_json::from_str(SILENCE).unwrap();
        assert_eq!(s.status, SilenceState::Active);
        assert_eq!(s.matchers.len(), 3);
        assert_eq!(s.matchers[2].op, MatchOp::NotRe);
        assert_eq!(s.created_by, "alice@example.com");
        assert_eq!(
            s.matchers_display(),
            r#"alertname="KubePodCrashLooping" namespace=~"prod|staging" pod!~"canary-.*""#
        );
        // And back to the same JSON shape.
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["status"], serde_json::json!({"state": "active"}));
        assert_eq!(
            v["matchers"][2],
            serde_json::json!({"name":"pod","value":"canary-.*","isRegex":true,"isEqual":false})
        );
        assert_eq!(serde_json::from_value::<Silence>(v).unwrap(), s);
    }

    #[test]
    fn matches_alert_uses_every_matcher() {
        let s: Silence = serde_json::from_str(SILENCE).unwrap();
        let hit = labels(&[
            ("alertname", "KubePodCrashLooping"),
            ("namespace", "staging"),
            ("pod", "api-1"),
        ]);
        assert!(s.matches_alert(&hit));
        let canary = labels(&[
            ("alertname", "KubePodCrashLooping"),
            ("namespace", "prod"),
            ("pod", "canary-1"),
        ]);
        assert!(!s.matches_alert(&canary));
        let other_ns = labels(&[
            ("alertname", "KubePodCrashLooping"),
            ("namespace", "production"),
            ("pod", "x"),
        ]);
        assert!(!s.matches_alert(&other_ns), "regex is anchored");
    }

    #[test]
    fn postable_silence_has_the_required_fields_and_no_id_when_creating() {
        let s: Silence = serde_json::from_str(SILENCE).unwrap();
        let mut body = s.extended_to("2026-08-20T13:00:00Z".parse().unwrap());
        assert_eq!(
            body.id.as_deref(),
            Some("a1b2c3d4-0000-4000-8000-000000000001")
        );
        assert_eq!(body.starts_at, s.starts_at);
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["endsAt"], "2026-08-20T13:00:00Z");
        assert_eq!(v["createdBy"], "alice@example.com");
        assert_eq!(v["matchers"][1]["isRegex"], true);
        body.id = None;
        let v = serde_json::to_value(&body).unwrap();
        assert!(v.get("id").is_none(), "{v}");
    }

    #[test]
    fn unknown_silence_state_is_a_decode_error() {
        let json = SILENCE.replace(r#""active""#, r#""weird""#);
        assert!(serde_json::from_str::<Silence>(&json).is_err());
    }
}

/// A silence as the user names it: its whole ID (a UUID) or, as the tables show them, the
/// first characters of it (at least 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SilenceRef {
    Id(String),
    Prefix(String),
}

impl SilenceRef {
    pub const MIN_PREFIX: usize = 4;

    /// Checked before any request: anything but a UUID or the start of one is a usage error.
    pub fn parse(text: &str) -> Result<SilenceRef, String> {
        let t = text.trim().to_ascii_lowercase();
        let shape_ok = t.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
        match (shape_ok, t.len()) {
            (true, 36) => Ok(SilenceRef::Id(t)),
            (true, n) if (Self::MIN_PREFIX..36).contains(&n) => Ok(SilenceRef::Prefix(t)),
            _ => Err(format!(
                "`{}` is not a silence ID: IDs are UUIDs like 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d, \
                 or their first {} or more characters as the tables show them",
                crate::sanitize::one_line(text),
                Self::MIN_PREFIX
            )),
        }
    }

    /// Whether `id` is the silence this names.
    pub fn matches(&self, id: &str) -> bool {
        match self {
            SilenceRef::Id(full) => id.eq_ignore_ascii_case(full),
            SilenceRef::Prefix(p) => id.to_ascii_lowercase().starts_with(p.as_str()),
        }
    }
}

impl std::fmt::Display for SilenceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SilenceRef::Id(id) | SilenceRef::Prefix(id) => f.write_str(id),
        }
    }
}

#[cfg(test)]
mod silence_ref_tests {
    use super::SilenceRef;

    #[test]
    fn whole_ids_and_prefixes_parse_anything_else_is_refused() {
        let id = "cd20182c-1f3a-4b5c-9d8e-7f6a5b4c3d2e";
        assert_eq!(SilenceRef::parse(id), Ok(SilenceRef::Id(id.into())));
        assert_eq!(
            SilenceRef::parse("CD20182C"),
            Ok(SilenceRef::Prefix("cd20182c".into()))
        );
        assert_eq!(
            SilenceRef::parse("cd20182c-1f"),
            Ok(SilenceRef::Prefix("cd20182c-1f".into()))
        );
        for bad in [
            "cd2",
            "not-an-id",
            "cd20182c1f3a",
            "../../etc",
            "",
            "cd20182c-1f3a-4b5c-9d8e-7f6a5b4c3d2e0",
        ] {
            assert!(SilenceRef::parse(bad).is_err(), "{bad}");
        }
        assert!(SilenceRef::Prefix("cd20".into()).matches(id));
        assert!(!SilenceRef::Prefix("cd21".into()).matches(id));
    }
}
