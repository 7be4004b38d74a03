//! Times as typed on the command line: RFC 3339 (`2026-08-20T10:00:00Z`), a local clock time
//! (`22:30`, the next time the clock shows it), a weekday and clock time (`sat 02:00`, the
//! next one), relative to now (`+30m`), or `now`.

use chrono::{DateTime, Datelike, Duration as ChronoDuration, NaiveTime, TimeZone, Utc, Weekday};

use crate::duration::parse_duration;

pub const TIME_HINT: &str =
    "expected RFC 3339 (2026-08-20T10:00:00Z), a local time HH:MM (the next one), a weekday and time (sat 02:00), +DURATION (+30m) or now";

/// A time as the user wrote it, before it is pinned to a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeSpec {
    Now,
    Absolute(DateTime<Utc>),
    /// Local wall-clock time: today if still ahead, else tomorrow.
    Clock(NaiveTime),
    /// Now plus this much.
    After(ChronoDuration),
    /// Local wall-clock time on a weekday: the next one.
    Weekly(Weekday, NaiveTime),
}

impl std::str::FromStr for TimeSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s = text.trim();
        let bad = || {
            format!(
                "`{}` is not a time; {TIME_HINT}",
                crate::sanitize::one_line(text)
            )
        };
        if s.eq_ignore_ascii_case("now") {
            return Ok(TimeSpec::Now);
        }
        if let Some(rest) = s.strip_prefix('+') {
            let d = parse_duration(rest).map_err(|e| format!("`{s}`: {e}"))?;
            let d = ChronoDuration::from_std(d).map_err(|_| bad())?;
            return Ok(TimeSpec::After(d));
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(TimeSpec::Absolute(t.with_timezone(&Utc)));
        }
        for format in ["%H:%M", "%H:%M:%S"] {
            if let Ok(t) = NaiveTime::parse_from_str(s, format) {
                return Ok(TimeSpec::Clock(t));
            }
        }
        if let Some((day, time)) = s.split_once(char::is_whitespace) {
            let day: Weekday = day.trim().parse().map_err(|_| bad())?;
            for format in ["%H:%M", "%H:%M:%S"] {
                if let Ok(t) = NaiveTime::parse_from_str(time.trim(), format) {
                    return Ok(TimeSpec::Weekly(day, t));
                }
            }
        }
        Err(bad())
    }
}

impl TimeSpec {
    /// The instant this spec means, seen from `now` in `now`'s time zone.
    pub fn resolve<Tz: TimeZone>(&self, now: &DateTime<Tz>) -> Result<DateTime<Utc>, String> {
        match self {
            TimeSpec::Now => Ok(now.with_timezone(&Utc)),
            TimeSpec::Absolute(t) => Ok(*t),
            TimeSpec::After(d) => Ok(now.with_timezone(&Utc) + *d),
            TimeSpec::Weekly(weekday, t) => {
                let tz = now.timezone();
                let today = now.date_naive();
                // Today if still ahead, else up to a week on; a skipped hour (DST) is skipped.
                for ahead in 0..=7 {
                    let day = today + ChronoDuration::days(ahead);
                    if day.weekday() != *weekday {
                        continue;
                    }
                    if let Some(at) = tz.from_local_datetime(&day.and_time(*t)).earliest() {
                        if at > *now {
                            return Ok(at.with_timezone(&Utc));
                        }
                    }
                }
                Err(format!(
                    "{weekday} {} does not occur in the next week here",
                    t.format("%H:%M")
                ))
            }
            TimeSpec::Clock(t) => {
                let tz = now.timezone();
                let today = now.date_naive();
                for day in [today, today + ChronoDuration::days(1)] {
                    // `earliest` picks the first of a repeated hour; a skipped hour (DST)
                    // yields nothing, and the next day is tried.
                    if let Some(at) = tz.from_local_datetime(&day.and_time(*t)).earliest() {
                        if at > *now {
                            return Ok(at.with_timezone(&Utc));
                        }
                    }
                }
                Err(format!(
                    "{} does not occur in the next day here",
                    t.format("%H:%M")
                ))
            }
        }
    }
}

/// Start and end of a silence from `--start`, `--end` and `--duration`. `now` is injected so
/// this is testable; the end must be after the start and in the future.
pub fn silence_window<Tz: TimeZone>(
    start: Option<&TimeSpec>,
    end: Option<&TimeSpec>,
    duration: Option<std::time::Duration>,
    now: &DateTime<Tz>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let start_at = match start {
        Some(spec) => spec.resolve(now)?,
        None => now.with_timezone(&Utc),
    };
    let end_at = match (end, duration) {
        (Some(_), Some(_)) => return Err("give --end or --duration, not both".into()),
        // A clock end is the first one after the start (`--start 22:00 --end 02:00`).
        (Some(spec @ (TimeSpec::Clock(_) | TimeSpec::Weekly(..))), None) => {
            spec.resolve(&start_at.with_timezone(&now.timezone()))?
        }
        (Some(spec), None) => spec.resolve(now)?,
        (None, Some(d)) => {
            if d.is_zero() {
                return Err("--duration must be longer than 0s".into());
            }
            start_at
                + ChronoDuration::from_std(d).map_err(|_| "--duration is too long".to_string())?
        }
        (None, None) => return Err("say how long: --duration 2h, or --end TIME".into()),
    };
    if end_at <= start_at {
        return Err(format!(
            "the end ({}) must be after the start ({})",
            end_at.to_rfc3339(),
            start_at.to_rfc3339()
        ));
    }
    if end_at <= now.with_timezone(&Utc) {
        return Err(format!("the end ({}) is in the past", end_at.to_rfc3339()));
    }
    Ok((start_at, end_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use std::time::Duration;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn spec(s: &str) -> TimeSpec {
        s.parse().unwrap()
    }

    #[test]
    fn weekdays_and_clock_ends_follow_the_start() {
        // Thursday 2026-01-15 12:00 UTC.
        let now = at("2026-01-15T12:00:00+00:00");
        let sat = spec("sat 02:00").resolve(&now).unwrap();
        assert_eq!(sat.to_rfc3339(), "2026-01-17T02:00:00+00:00");
        assert_eq!(
            spec("Thursday 11:00").resolve(&now).unwrap().to_rfc3339(),
            "2026-01-22T11:00:00+00:00",
            "this week's has passed: next week's"
        );
        let (s, e) = silence_window(
            Some(&spec("sat 22:00")),
            Some(&spec("sun 02:00")),
            None,
            &now,
        )
        .unwrap();
        assert_eq!(
            (s.to_rfc3339().as_str(), e.to_rfc3339().as_str()),
            ("2026-01-17T22:00:00+00:00", "2026-01-18T02:00:00+00:00")
        );
        let (s, e) =
            silence_window(Some(&spec("22:00")), Some(&spec("02:00")), None, &now).unwrap();
        assert_eq!(
            e - s,
            ChronoDuration::hours(4),
            "the end is the first 02:00 after the start"
        );
        assert!("funday 02:00".parse::<TimeSpec>().is_err());
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(spec("now"), TimeSpec::Now);
        assert_eq!(spec("+30m"), TimeSpec::After(ChronoDuration::minutes(30)));
        assert_eq!(
            spec("22:30"),
            TimeSpec::Clock(NaiveTime::from_hms_opt(22, 30, 0).unwrap())
        );
        assert_eq!(
            spec("2026-08-20T10:00:00+02:00"),
            TimeSpec::Absolute(at("2026-08-20T08:00:00Z").with_timezone(&Utc))
        );
        for bad in ["yesterday-ish", "25:00", "+soon", "", "10"] {
            assert!(bad.parse::<TimeSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn clock_time_is_the_next_occurrence_in_local_time() {
        let now = at("2026-08-20T21:00:00+02:00");
        assert_eq!(
            spec("22:30").resolve(&now).unwrap(),
            at("2026-08-20T20:30:00Z")
        );
        // 08:00 has passed today: tomorrow.
        assert_eq!(
            spec("08:00").resolve(&now).unwrap(),
            at("2026-08-21T06:00:00Z")
        );
        // Exactly now is not "next".
        assert_eq!(
            spec("21:00").resolve(&now).unwrap(),
            at("2026-08-21T19:00:00Z")
        );
    }

    #[test]
    fn silence_window_from_duration_or_end() {
        let now = at("2026-08-20T10:00:00Z");
        let (s, e) = silence_window(None, None, Some(Duration::from_secs(7200)), &now).unwrap();
        assert_eq!(
            (s, e),
            (
                at("2026-08-20T10:00:00Z").into(),
                at("2026-08-20T12:00:00Z").into()
            )
        );
        let (s, e) = silence_window(Some(&spec("+1h")), Some(&spec("+3h")), None, &now).unwrap();
        assert_eq!(e - s, ChronoDuration::hours(2));
        let (s, e) = silence_window(
            Some(&spec("12:00")),
            None,
            Some(Duration::from_secs(60)),
            &now,
        )
        .unwrap();
        assert_eq!(s, at("2026-08-20T12:00:00Z"));
        assert_eq!(e, at("2026-08-20T12:01:00Z"));
    }

    #[test]
    fn silence_window_rejects_what_alertmanager_would() {
        let now = at("2026-08-20T10:00:00Z");
        let err = |s: Option<&str>, e: Option<&str>, d: Option<u64>| {
            silence_window(
                s.map(spec).as_ref(),
                e.map(spec).as_ref(),
                d.map(Duration::from_secs),
                &now,
            )
            .unwrap_err()
        };
        assert!(err(None, None, None).contains("--duration"));
        assert!(err(None, Some("+1h"), Some(60)).contains("not both"));
        assert!(err(Some("+2h"), Some("+1h"), None).contains("must be after the start"));
        assert!(err(
            Some("2026-08-19T00:00:00Z"),
            Some("2026-08-19T01:00:00Z"),
            None
        )
        .contains("in the past"));
        assert!(err(None, None, Some(0)).contains("longer than 0s"));
    }
}
