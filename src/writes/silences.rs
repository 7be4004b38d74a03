//! Silence writes: create (once per HA cluster, never twice), replace (extend, edit) and
//! expire, each read back, and each reconciled by reading when the answer was lost.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Progress, WriteError};
use crate::model::{Matcher, PostableSilence, Silence, SilenceState};
use crate::sources::fleet::Fleet;
use crate::sources::SourceError;
use crate::triage::read_back_differences;

/// How often, and how far apart, a lost answer is checked by reading: a server that applied
/// the write but answered late has stored it by the first read; the later reads catch one
/// that was still working on it.
const RECONCILE_READS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
];

/// What creating a silence came to, per HA cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SilenceCreation {
    /// Made now, as read back, with the URL of the member that took it.
    pub created: Vec<(String, Silence)>,
    /// An identical silence (same matchers, author and comment, overlapping window) was
    /// already there: nothing was made, as a retry must not make a duplicate.
    pub existing: Vec<(String, Silence)>,
    /// Sentences for what went wrong in clusters where nothing was made, or what was made
    /// reads back differently.
    pub problems: Vec<String>,
    /// Some cluster's outcome stayed unknown (sent, unanswered, and unreadable).
    pub unknown: bool,
    /// Answers that were lost but whose silence was found by reading, by ID.
    pub reconciled: Vec<String>,
}

impl SilenceCreation {
    /// Every silence now in place for this request (made or already there).
    pub fn silences(&self) -> impl Iterator<Item = &Silence> {
        self.created.iter().chain(&self.existing).map(|(_, s)| s)
    }
}

/// Whether `s` is the silence `body` asks for: same matchers (in any order), author and
/// comment, not expired, and a window that overlaps. A retry of the same command finds the
/// first one this way; a maintenance window of next week (same text, later window) does not.
pub fn identical(s: &Silence, body: &PostableSilence, now: DateTime<Utc>) -> bool {
    s.status != SilenceState::Expired
        && s.ends_at > now
        && s.created_by == body.created_by
        && s.comment == body.comment
        && s.starts_at < body.ends_at
        && body.starts_at < s.ends_at
        && same_matchers(&s.matchers, &body.matchers)
}

/// The same matchers, whatever their order or repeats.
pub fn same_matchers(a: &[Matcher], b: &[Matcher]) -> bool {
    let sorted = |m: &[Matcher]| {
        let mut v: Vec<String> = m.iter().map(Matcher::to_string).collect();
        v.sort();
        v.dedup();
        v
    };
    sorted(a) == sorted(b)
}

/// Whether `s` is what a request for `body` sent at `sent_at` made: identical, ending when
/// asked, and changed no earlier than the request (give or take clock skew).
fn made_by(s: &Silence, body: &PostableSilence, sent_at: DateTime<Utc>) -> bool {
    identical(s, body, sent_at)
        && (s.ends_at - body.ends_at).num_milliseconds().abs() < 1000
        && s.updated_at >= sent_at - chrono::Duration::seconds(30)
}

/// Create `body` once in every HA cluster of the fleet. A cluster that already holds an
/// identical silence gets none. Never fails as a whole once clusters are known: what
/// happened per cluster is in the answer.
pub async fn create_silence(
    fleet: &Fleet,
    body: &PostableSilence,
    progress: Progress<'_>,
) -> Result<SilenceCreation, WriteError> {
    if fleet.is_empty() {
        return Err(WriteError::failed(
            "no Alertmanager is configured for this context",
        ));
    }
    let (clusters, unplaced) = fleet.clusters().await?;
    let mut out = SilenceCreation::default();
    for (url, e) in &unplaced {
        out.problems.push(format!(
            "{url} got no silence: it did not say which cluster it is in ({e})"
        ));
    }
    for cluster in &clusters {
        if let Some((member, s)) =
            find_in(fleet, &cluster.members, |s| identical(s, body, Utc::now()))
                .await
                .ok()
                .flatten()
        {
            out.existing.push((fleet.url(member), s));
            continue;
        }
        match create_in_cluster(fleet, &cluster.members, body, progress).await {
            Ok(Placed::Made(member, back, reconciled)) => {
                let diffs = read_back_differences(body, &back);
                if !diffs.is_empty() {
                    out.problems.push(format!(
                        "silence {} on {} reads back differently: {}. Check it with `oncall silence ls`",
                        back.id,
                        fleet.url(member),
                        diffs.join("; ")
                    ));
                }
                if reconciled {
                    out.reconciled.push(back.id.clone());
                }
                out.created.push((fleet.url(member), back));
            }
            Ok(Placed::NotMade(why)) => out.problems.push(why),
            Err(e) => {
                out.unknown |= e.unknown;
                out.problems.push(e.message);
            }
        }
    }
    Ok(out)
}

enum Placed {
    /// Made on this member; `true` when found by reading after the answer was lost.
    Made(usize, Silence, bool),
    /// Certainly not made, and why.
    NotMade(String),
}

/// POST to the cluster's members in turn until one takes it, then read it back. Only a
/// request that never left (refused, no connection) or was refused with a 5xx moves on to
/// the next member; one that was sent and not answered is reconciled by reading, never sent
/// again.
async fn create_in_cluster(
    fleet: &Fleet,
    members: &[usize],
    body: &PostableSilence,
    progress: Progress<'_>,
) -> Result<Placed, WriteError> {
    let mut last: Option<SourceError> = None;
    for &member in members {
        let client = fleet.client(member);
        let sent_at = Utc::now();
        match client.create_silence(body).await {
            Ok(id) => {
                let back = client.silence(&id).await.map_err(|e| {
                    WriteError::failed(format!(
                        "silence {id} was created on {} but could not be read back: {e}",
                        fleet.url(member)
                    ))
                })?;
                return Ok(Placed::Made(member, back, false));
            }
            Err(e) if e.outcome_unknown() => {
                progress(format!(
                    "{} did not answer ({}): outcome unknown, checking…",
                    fleet.url(member),
                    e.short()
                ));
                return reconcile_create(fleet, members, body, sent_at, &e).await;
            }
            Err(e @ (SourceError::Connect { .. } | SourceError::Timeout { .. })) => last = Some(e),
            Err(e) if e.status().is_some_and(|s| s >= 500) => last = Some(e),
            Err(e) => return Ok(Placed::NotMade(e.to_string())),
        }
    }
    Ok(Placed::NotMade(
        last.map(|e| e.to_string())
            .unwrap_or_else(|| "the cluster has no members".into()),
    ))
}

/// The answer to a POST was lost: is the silence there? Read the cluster's members a few
/// times; found is made, absent on a member that answered is not made, unreadable stays
/// unknown.
async fn reconcile_create(
    fleet: &Fleet,
    members: &[usize],
    body: &PostableSilence,
    sent_at: DateTime<Utc>,
    lost: &SourceError,
) -> Result<Placed, WriteError> {
    let mut read_error: Option<SourceError> = None;
    let mut read_once = false;
    for wait in RECONCILE_READS {
        tokio::time::sleep(wait).await;
        match find_in(fleet, members, |s| made_by(s, body, sent_at)).await {
            Ok(Some((member, s))) => return Ok(Placed::Made(member, s, true)),
            Ok(None) => read_once = true,
            Err(e) => read_error = Some(e),
        }
    }
    if read_once {
        return Ok(Placed::NotMade(format!(
            "not created: {lost}; reading the silences back afterwards found no such silence, so nothing was made. Run the command again"
        )));
    }
    Err(WriteError::unknown(format!(
        "{lost}; the silences could not be read to check ({}). Run `oncall silence ls` before trying again: a retry of the same silence finds it and makes none",
        read_error.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// The first silence a member of `members` lists that `pick` accepts. `Err` only when no
/// member could be read.
async fn find_in(
    fleet: &Fleet,
    members: &[usize],
    pick: impl Fn(&Silence) -> bool,
) -> Result<Option<(usize, Silence)>, SourceError> {
    let mut last: Option<SourceError> = None;
    let mut answered = false;
    for &member in members {
        match fleet.client(member).silences(&[]).await {
            Ok(list) => {
                answered = true;
                if let Some(s) = list.into_iter().find(|s| pick(s)) {
                    return Ok(Some((member, s)));
                }
            }
            Err(e) => last = Some(e),
        }
    }
    match (answered, last) {
        (false, Some(e)) => Err(e),
        _ => Ok(None),
    }
}

/// Update a silence (extend, edit) on the member that holds it and read back what it became.
/// Alertmanager may answer with a new ID (it replaced the silence). A lost answer is
/// reconciled by reading the old silence and its possible replacement.
pub async fn replace_silence(
    fleet: &Fleet,
    body: &PostableSilence,
    progress: Progress<'_>,
) -> Result<(String, Silence), WriteError> {
    let old = body.id.clone().unwrap_or_default();
    let (member, _) = fleet.find_silence(&old).await?;
    let client = fleet.client(member);
    let sent_at = Utc::now();
    let new_id = match client.update_silence(body).await {
        Ok(id) => id,
        Err(e) if e.outcome_unknown() => {
            progress(format!(
                "{} did not answer ({}): outcome unknown, checking…",
                fleet.url(member),
                e.short()
            ));
            let asked = PostableSilence {
                id: None,
                ..body.clone()
            };
            // Changed in place (same ID, new end), or replaced (a new one made by it).
            let in_place = |s: &Silence| {
                s.id == old && (s.ends_at - body.ends_at).num_milliseconds().abs() < 1000
            };
            let replaced = |s: &Silence| s.id != old && made_by(s, &asked, sent_at);
            return match find_in(fleet, &[member], |s| in_place(s) || replaced(s)).await {
                Ok(Some((_, s))) => Ok((old, s)),
                Ok(None) => Err(WriteError::failed(format!(
                    "not changed: {e}; reading silence {old} back afterwards shows it unchanged. Try again"
                ))),
                Err(read) => Err(WriteError::unknown(format!(
                    "{e}; silence {old} could not be read to check ({read}). Look at it with `oncall silence ls` before trying again"
                ))),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let back = client.silence(&new_id).await?;
    let asked = PostableSilence {
        id: None,
        ..body.clone()
    };
    let diffs = read_back_differences(&asked, &back);
    if !diffs.is_empty() {
        return Err(WriteError::failed(format!(
            "silence {new_id} reads back differently: {}",
            diffs.join("; ")
        )));
    }
    Ok((old, back))
}

/// Expire silence `id` on the member that holds it and read back that it is expired. A lost
/// answer is settled by the same read.
pub async fn expire_silence(
    fleet: &Fleet,
    id: &str,
    progress: Progress<'_>,
) -> Result<(), WriteError> {
    let (member, _) = fleet.find_silence(id).await?;
    let client = fleet.client(member);
    let url = fleet.url(member);
    let lost = match client.expire_silence(id).await {
        Ok(()) => None,
        Err(e) if e.outcome_unknown() => {
            progress(format!(
                "{url} did not answer ({}): outcome unknown, checking…",
                e.short()
            ));
            Some(e)
        }
        Err(e) => return Err(e.into()),
    };
    match (client.silence(id).await, lost) {
        (Ok(back), _) if back.status == SilenceState::Expired => Ok(()),
        (Ok(back), None) => Err(WriteError::failed(format!(
            "{url} accepted expiring silence {id} but it still reads back as {}",
            back.status
        ))),
        (Ok(back), Some(e)) => Err(WriteError::failed(format!(
            "not expired: {e}; silence {id} reads back as {} afterwards. Try again",
            back.status
        ))),
        (Err(read), None) => Err(WriteError::failed(format!(
            "{url} accepted expiring silence {id} but it could not be read back: {read}"
        ))),
        (Err(read), Some(e)) => Err(WriteError::unknown(format!(
            "{e}; silence {id} could not be read to check ({read})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap()
    }

    fn body(start: u32, end: u32) -> PostableSilence {
        PostableSilence {
            id: None,
            matchers: crate::model::parse_matchers(&["alertname=Foo".into(), "job=x".into()])
                .unwrap(),
            starts_at: at(start),
            ends_at: at(end),
            created_by: "alice".into(),
            comment: "deploy".into(),
        }
    }

    fn silence(b: &PostableSilence, state: SilenceState) -> Silence {
        serde_json::from_value(serde_json::json!({
            "id": "s1", "matchers": b.matchers, "startsAt": b.starts_at, "endsAt": b.ends_at,
            "updatedAt": b.starts_at, "createdBy": b.created_by, "comment": b.comment,
            "status": {"state": state}
        }))
        .unwrap()
    }

    #[test]
    fn a_retry_is_identical_next_weeks_window_is_not() {
        let first = body(1, 3);
        let held = silence(&first, SilenceState::Active);
        let mut retry = body(1, 3);
        retry.matchers.reverse();
        retry.ends_at = at(3) + chrono::Duration::minutes(1);
        assert!(identical(&held, &retry, at(2)));
        assert!(!identical(&held, &body(5, 7), at(2)), "a later window");
        let mut other = body(1, 3);
        other.comment = "another reason".into();
        assert!(!identical(&held, &other, at(2)));
        assert!(!identical(
            &silence(&first, SilenceState::Expired),
            &retry,
            at(2)
        ));
    }
}
