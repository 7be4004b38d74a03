//! Silences as Alertmanager keeps them: validation with its messages, the rule that decides
//! between updating a silence in place and replacing it with a new ID,
//! expiry, and the sort order of the list.

use crate::model::matcher::{CompiledMatcher, Matcher, MatcherSet};

use crate::promql::Labels;
use crate::signals::mix;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    Pending,
    Active,
    Expired,
}

impl SilenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Pending => "pending",
            SilenceState::Active => "active",
            SilenceState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub updated_at: i64,
    pub created_by: String,
    pub comment: String,
    compiled: MatcherSet,
}

impl Silence {
    pub fn state(&self, now: i64) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if self.ends_at <= now {
            SilenceState::Expired
        } else {
            SilenceState::Active
        }
    }

    /// Whether this silence mutes an alert with these labels right now.
    pub fn mutes(&self, labels: &Labels, now: i64) -> bool {
        self.state(now) == SilenceState::Active && self.compiled.matches(labels)
    }
}

/// A silence as posted: `id` set means "update this one".
#[derive(Debug, Clone)]
pub struct SilenceRequest {
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
    pub comment: String,
}

/// Why a silence was refused: the HTTP status and Alertmanager's message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SilenceError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
}

#[derive(Debug, Default)]
pub struct SilenceStore {
    silences: Vec<Silence>,
    seed: u64,
    minted: u64,
}

impl SilenceStore {
    pub fn new(seed: u64) -> Self {
        SilenceStore {
            silences: Vec::new(),
            seed,
            minted: 0,
        }
    }

    /// A version-4 UUID from the seed and a counter: unique here, and the same on every run.
    fn mint_id(&mut self) -> String {
        self.minted += 1;
        let a = mix(self.seed ^ mix(self.minted));
        let b = mix(a ^ 0x5eed);
        let hi = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
        let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }

    pub fn get(&self, id: &str) -> Option<&Silence> {
        self.silences.iter().find(|s| s.id == id)
    }

    /// Active silences first (soonest end), then pending (soonest start), then expired
    /// (most recently ended first), as Alertmanager sorts them.
    pub fn list(&self, now: i64) -> Vec<&Silence> {
        let mut out: Vec<&Silence> = self.silences.iter().collect();
        out.sort_by_key(|s| match s.state(now) {
            SilenceState::Active => (0, s.ends_at),
            SilenceState::Pending => (1, s.starts_at),
            SilenceState::Expired => (2, -s.ends_at),
        });
        out
    }

    /// IDs of the silences muting an alert with these labels, sorted.
    pub fn muting(&self, labels: &Labels, now: i64) -> Vec<String> {
        let mut ids: Vec<String> = self
            .silences
            .iter()
            .filter(|s| s.mutes(labels, now))
            .map(|s| s.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Create or update a silence, returning its (possibly new) ID.
    pub fn set(&mut self, req: SilenceRequest, now: i64) -> Result<String, SilenceError> {
        // The API handler's own checks come first, with its wording.
        if req.starts_at >= req.ends_at {
            return Err(SilenceError::Invalid(
                "Failed to create silence: start time must be before end time".into(),
            ));
        }
        if req.ends_at < now {
            return Err(SilenceError::Invalid(
                "Failed to create silence: end time can't be in the past".into(),
            ));
        }
        let compiled = validate(&req.matchers)?;
        let previous = match &req.id {
            Some(id) if !id.is_empty() => Some(
                self.silences
                    .iter()
                    .position(|s| &s.id == id)
                    .ok_or(SilenceError::NotFound)?,
            ),
            _ => None,
        };
        if let Some(i) = previous {
            if can_update(&self.silences[i], &req, now) {
                let s = &mut self.silences[i];
                s.starts_at = req.starts_at;
                s.ends_at = req.ends_at;
                s.created_by = req.created_by;
                s.comment = req.comment;
                s.updated_at = now;
                return Ok(s.id.clone());
            }
        }
        let id = self.mint_id();
        self.silences.push(Silence {
            id: id.clone(),
            matchers: req.matchers,
            // A new silence cannot start in the past: small client clock skew is absorbed.
            starts_at: req.starts_at.max(now),
            ends_at: req.ends_at,
            updated_at: now,
            created_by: req.created_by,
            comment: req.comment,
            compiled,
        });
        if let Some(i) = previous {
            self.expire_at(i, now);
        }
        Ok(id)
    }

    /// Record a silence from the platform's past (it may already have expired), bypassing
    /// the checks a new silence must pass.
    pub fn record_history(
        &mut self,
        req: SilenceRequest,
        updated_at: i64,
    ) -> Result<String, SilenceError> {
        let compiled = validate(&req.matchers)?;
        let id = self.mint_id();
        self.silences.push(Silence {
            id: id.clone(),
            matchers: req.matchers,
            starts_at: req.starts_at,
            ends_at: req.ends_at,
            updated_at,
            created_by: req.created_by,
            comment: req.comment,
            compiled,
        });
        Ok(id)
    }

    /// Expire a silence (`DELETE /silence/{id}`): it ends now and stays listed.
    pub fn expire(&mut self, id: &str, now: i64) -> Result<(), SilenceError> {
        let i = self
            .silences
            .iter()
            .position(|s| s.id == id)
            .ok_or(SilenceError::NotFound)?;
        self.expire_at(i, now);
        Ok(())
    }

    fn expire_at(&mut self, i: usize, now: i64) {
        let s = &mut self.silences[i];
        match s.state(now) {
            SilenceState::Expired => {}
            SilenceState::Pending => {
                s.starts_at = now;
                s.ends_at = now;
                s.updated_at = now;
            }
            SilenceState::Active => {
                s.ends_at = now;
                s.updated_at = now;
            }
        }
    }
}

/// Alertmanager's `canUpdate`: same matchers, and the change keeps the silence's history
/// truthful (an active silence keeps its start; nothing moves into the past).
fn can_update(existing: &Silence, req: &SilenceRequest, now: i64) -> bool {
    if existing.matchers != req.matchers {
        return false;
    }
    match existing.state(now) {
        SilenceState::Active => req.starts_at == existing.starts_at && req.ends_at >= now,
        SilenceState::Pending => req.starts_at >= now,
        SilenceState::Expired => false,
    }
}

fn validate(matchers: &[Matcher]) -> Result<MatcherSet, SilenceError> {
    let invalid = |m: String| SilenceError::Invalid(format!("silence invalid: {m}"));
    if matchers.is_empty() {
        return Err(invalid("at least one matcher required".into()));
    }
    for (i, m) in matchers.iter().enumerate() {
        let valid_name = m
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && m.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(invalid(format!(
                "invalid label matcher {i}: invalid label name {:?}",
                m.name
            )));
        }
        if m.op.is_regex() {
            if let Err(e) = m.compile() {
                return Err(invalid(format!("invalid label matcher {i}: {e}")));
            }
        }
    }
    if matchers.iter().all(Matcher::matches_empty) {
        return Err(invalid(
            "at least one matcher must not match the empty string".into(),
        ));
    }
    MatcherSet::new(matchers).map_err(|e| invalid(e.to_string()))
}

/// `GET /silences?filter=...`: Alertmanager matches the filters against the silence's own
/// matchers read as a label set (name -> value or pattern), so `filter=alertname="Foo"`
/// finds the silences written for `alertname="Foo"`. An empty filter value means "has (or,
/// negated, lacks) that matcher".
pub fn filter_matches(silence: &Silence, filters: &[CompiledMatcher]) -> bool {
    let as_labels: Labels = silence
        .matchers
        .iter()
        .map(|m| (m.name.clone(), m.value.clone()))
        .collect();
    filters.iter().all(|f| {
        let m = f.matcher();
        let present = as_labels.contains_key(&m.name);
        if m.value.is_empty() && present != m.op.is_equal() {
            return true;
        }
        f.matches(&as_labels)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn req(matchers: &[&str], start: i64, end: i64) -> SilenceRequest {
        SilenceRequest {
            id: None,
            matchers: matchers
                .iter()
                .map(|m| Matcher::parse(m).unwrap())
                .collect(),
            starts_at: start,
            ends_at: end,
            created_by: "alice".into(),
            comment: "maintenance".into(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn validation_uses_alertmanagers_messages() {
        let now = 100 * MIN;
        let err = |r| SilenceStore::new(1).set(r, now).unwrap_err().to_string();
        assert_eq!(
            err(req(&["alertname=A"], now + MIN, now + MIN)),
            "Failed to create silence: start time must be before end time"
        );
        assert_eq!(
            err(req(&["alertname=A"], now - 10 * MIN, now - MIN)),
            "Failed to create silence: end time can't be in the past"
        );
        assert_eq!(
            err(req(&["job=~\".*\""], now, now + MIN)),
            "silence invalid: at least one matcher must not match the empty string"
        );
        assert_eq!(
            err(req(&[], now, now + MIN)),
            "silence invalid: at least one matcher required"
        );
        let mut unknown = req(&["alertname=A"], now, now + MIN);
        unknown.id = Some("nope".into());
        assert_eq!(
            SilenceStore::new(1).set(unknown, now),
            Err(SilenceError::NotFound)
        );
    }

    #[test]
    fn filters_match_the_silences_own_matchers() {
        let mut s = SilenceStore::new(2);
        let now = 100 * MIN;
        s.set(
            req(
                &["alertname=HighCPUUsage", "instance=node-4:9100"],
                now,
                now + MIN,
            ),
            now,
        )
        .unwrap();
        let f = |text: &str| vec![Matcher::parse(text).unwrap().compile().unwrap()];
        let sil = s.list(now)[0];
        assert!(filter_matches(sil, &f("alertname=HighCPUUsage")));
        assert!(filter_matches(sil, &f("instance=~\"node-.*\"")));
        assert!(!filter_matches(sil, &f("alertname=ServiceDown")));
        assert!(!filter_matches(sil, &f("service=wallet")));
        assert!(filter_matches(sil, &f("service=\"\"")));
    }

    #[test]
    fn extending_an_active_silence_keeps_its_id_and_editing_matchers_replaces_it() {
        let mut s = SilenceStore::new(7);
        let now = 100 * MIN;
        let id = s
            .set(req(&["alertname=HighErrorRate"], now, now + 60 * MIN), now)
            .unwrap();
        let later = now + 5 * MIN;

        // Same matchers, same start, later end: updated in place.
        let mut extend = req(&["alertname=HighErrorRate"], now, now + 120 * MIN);
        extend.id = Some(id.clone());
        assert_eq!(s.set(extend, later).unwrap(), id);
        assert_eq!(s.get(&id).unwrap().ends_at, now + 120 * MIN);

        // Different matchers: a new silence, and the old one expires.
        let mut edit = req(
            &["alertname=HighErrorRate", "service=wallet-service"],
            now,
            now + 120 * MIN,
        );
        edit.id = Some(id.clone());
        let new_id = s.set(edit, later).unwrap();
        assert_ne!(new_id, id);
        assert_eq!(s.get(&id).unwrap().state(later + 1), SilenceState::Expired);
        assert_eq!(
            s.get(&new_id).unwrap().state(later + 1),
            SilenceState::Active
        );

        // Moving an active silence's start: replaced too.
        let mut moved = req(
            &["alertname=HighErrorRate", "service=wallet-service"],
            later + MIN,
            now + 120 * MIN,
        );
        moved.id = Some(new_id.clone());
        assert_ne!(s.set(moved, later).unwrap(), new_id);

        // An expired silence is never updated in place.
        let mut revive = req(&["alertname=HighErrorRate"], later, later + 60 * MIN);
        revive.id = Some(id.clone());
        assert_ne!(s.set(revive, later + MIN).unwrap(), id);
    }

    #[test]
    fn silences_mute_matching_alerts_while_active_and_expire() {
        let mut s = SilenceStore::new(3);
        let now = 100 * MIN;
        let id = s
            .set(
                req(
                    &["alertname=ServiceDown", "instance=~\"wallet-.*\""],
                    now,
                    now + 30 * MIN,
                ),
                now,
            )
            .unwrap();
        let pending = s
            .set(req(&["job=redis"], now + 60 * MIN, now + 90 * MIN), now)
            .unwrap();
        let hit = labels(&[
            ("alertname", "ServiceDown"),
            ("instance", "wallet-service-1:3000"),
        ]);
        let miss = labels(&[
            ("alertname", "ServiceDown"),
            ("instance", "auth-service-0:3000"),
        ]);
        assert_eq!(s.muting(&hit, now + MIN), vec![id.clone()]);
        assert!(s.muting(&miss, now + MIN).is_empty());
        assert!(s.muting(&labels(&[("job", "redis")]), now + MIN).is_empty());
        s.expire(&id, now + 2 * MIN).unwrap();
        assert!(s.muting(&hit, now + 3 * MIN).is_empty());
        s.expire(&pending, now + 3 * MIN).unwrap();
        let p = s.get(&pending).unwrap();
        assert_eq!((p.starts_at, p.ends_at), (now + 3 * MIN, now + 3 * MIN));
        assert_eq!(s.expire("missing", now), Err(SilenceError::NotFound));
        let order: Vec<SilenceState> = s
            .list(now + 4 * MIN)
            .iter()
            .map(|x| x.state(now + 4 * MIN))
            .collect();
        assert_eq!(order, vec![SilenceState::Expired, SilenceState::Expired]);
    }

    #[test]
    fn ids_are_uuids_and_repeatable() {
        let mut a = SilenceStore::new(9);
        let mut b = SilenceStore::new(9);
        let (x, y) = (a.mint_id(), b.mint_id());
        assert_eq!(x, y);
        assert_eq!(x.len(), 36);
        assert_eq!(&x[14..15], "4");
        assert_ne!(a.mint_id(), x);
    }
}
