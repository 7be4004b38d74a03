//! Recurring maintenance windows. Alertmanager has no recurring silences, so `silence add
//! --repeat weekly --count 4` makes the next occurrences at once, each a pending silence
//! whose comment ends with a tag naming its series (`[weekly 2/4 · series 3fa9c1]`). The tag
//! is how the lists keep a series together and expire it together, on any machine, without
//! state of oncall's own.

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};

use crate::model::Silence;

/// How often a window comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Repeat {
    Daily,
    Weekly,
}

impl Repeat {
    pub fn word(self) -> &'static str {
        match self {
            Repeat::Daily => "daily",
            Repeat::Weekly => "weekly",
        }
    }

    fn days(self) -> i64 {
        match self {
            Repeat::Daily => 1,
            Repeat::Weekly => 7,
        }
    }
}

/// The most occurrences made at once (a year of weekly windows).
pub const MAX_COUNT: u32 = 52;

/// A silence's place in its series, read from its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesTag {
    pub repeat: String,
    pub index: u32,
    pub count: u32,
    pub id: String,
}

impl SeriesTag {
    pub fn text(&self) -> String {
        format!("{} {}/{}", self.repeat, self.index, self.count)
    }
}

/// The comment of occurrence `index` (1-based) of `count`.
pub fn tagged(comment: &str, repeat: Repeat, index: u32, count: u32, id: &str) -> String {
    format!(
        "{comment} [{} {index}/{count} · series {id}]",
        repeat.word()
    )
}

/// The tag at the end of a comment, if it has one.
pub fn tag_of(comment: &str) -> Option<SeriesTag> {
    let inner = comment.trim_end().strip_suffix(']')?;
    let (_, tag) = inner.rsplit_once('[')?;
    let (head, id) = tag.split_once(" · series ")?;
    let (repeat, frac) = head.split_once(' ')?;
    let (index, count) = frac.split_once('/')?;
    let ok_id = id.len() == 6 && id.chars().all(|c| c.is_ascii_hexdigit());
    let known = repeat == "daily" || repeat == "weekly";
    if !(ok_id && known) {
        return None;
    }
    let tag = SeriesTag {
        repeat: repeat.to_string(),
        index: index.parse().ok()?,
        count: count.parse().ok()?,
        id: id.to_string(),
    };
    (tag.index >= 1 && tag.index <= tag.count).then_some(tag)
}

/// A short series ID from the first window and the matchers, the same on every machine
/// for the same request (FNV-1a).
pub fn series_id(start: DateTime<Utc>, matchers: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in start
        .timestamp()
        .to_le_bytes()
        .iter()
        .chain(matchers.as_bytes())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:06x}", h & 0xff_ffff)
}

/// `count` windows from `(start, end)`, each `repeat` after the last, at the same local
/// clock time in `tz` (a DST change keeps 02:00 at 02:00).
pub fn occurrences<Tz: TimeZone>(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    repeat: Repeat,
    count: u32,
    tz: &Tz,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let local = |t: DateTime<Utc>| t.with_timezone(tz).naive_local();
    let (s0, e0) = (local(start), local(end));
    (0..count)
        .filter_map(|k| {
            let shift = ChronoDuration::days(repeat.days() * i64::from(k));
            let s = tz.from_local_datetime(&(s0 + shift)).earliest()?;
            let e = tz.from_local_datetime(&(e0 + shift)).earliest()?;
            Some((s.with_timezone(&Utc), e.with_timezone(&Utc)))
        })
        .collect()
}

/// The other silences of `s`'s series that are not expired yet (with `s` itself).
pub fn members<'a>(s: &Silence, all: &'a [Silence]) -> Vec<&'a Silence> {
    let Some(tag) = tag_of(&s.comment) else {
        return Vec::new();
    };
    all.iter()
        .filter(|x| x.status != crate::model::SilenceState::Expired)
        .filter(|x| tag_of(&x.comment).is_some_and(|t| t.id == tag.id))
        .collect()
}

/// Reorder `items` so each series sits together, in window order, where its first member
/// was; everything else keeps its place.
pub fn keep_together<T>(items: &mut Vec<T>, comment: impl Fn(&T) -> &str) {
    let tags: Vec<Option<(String, u32)>> = items
        .iter()
        .map(|i| tag_of(comment(i)).map(|t| (t.id, t.index)))
        .collect();
    if tags.iter().all(Option::is_none) {
        return;
    }
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (pos, tag) in tags.iter().enumerate() {
        if let Some((id, _)) = tag {
            first.entry(id.as_str()).or_insert(pos);
        }
    }
    let mut order: Vec<(usize, u32, usize)> = tags
        .iter()
        .enumerate()
        .map(|(pos, tag)| match tag {
            Some((id, index)) => (first[id.as_str()], *index, pos),
            None => (pos, 0, pos),
        })
        .collect();
    order.sort_unstable();
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(
        order
            .into_iter()
            .filter_map(|(_, _, pos)| slots[pos].take()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_garbage_is_not_a_tag() {
        let c = tagged("CHG-7 kernel patching", Repeat::Weekly, 2, 4, "3fa9c1");
        assert_eq!(c, "CHG-7 kernel patching [weekly 2/4 · series 3fa9c1]");
        let t = tag_of(&c).unwrap();
        assert_eq!((t.index, t.count, t.id.as_str()), (2, 4, "3fa9c1"));
        assert_eq!(t.text(), "weekly 2/4");
        assert_eq!(tag_of("plain [comment]"), None);
        assert_eq!(tag_of("x [weekly 5/4 · series 3fa9c1]"), None);
        assert_eq!(tag_of("x [hourly 1/4 · series 3fa9c1]"), None);
    }

    #[test]
    fn a_series_is_kept_together() {
        let c = |i| tagged("w", Repeat::Weekly, i, 3, "abcdef");
        let mut rows = vec![c(2), "other".to_string(), c(1), "last".to_string(), c(3)];
        keep_together(&mut rows, |r| r.as_str());
        assert_eq!(rows, vec![c(1), c(2), c(3), "other".into(), "last".into()]);
    }

    #[test]
    fn occurrences_keep_the_local_clock_time() {
        let start = DateTime::parse_from_rfc3339("2026-01-17T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let end = start + ChronoDuration::hours(2);
        let w = occurrences(start, end, Repeat::Weekly, 4, &Utc);
        assert_eq!(w.len(), 4);
        assert_eq!(w[3].0 - w[0].0, ChronoDuration::days(21));
        assert!(w.iter().all(|(s, e)| *e - *s == ChronoDuration::hours(2)));
        assert_eq!(series_id(start, "a=b"), series_id(start, "a=b"));
        assert_ne!(series_id(start, "a=b"), series_id(start, "a=c"));
    }
}
