//! Drawings of panels and their parts. Each takes plain data and a `Theme` and draws into a
//! ratatui buffer; none of them knows about the app.

pub mod braille;
pub mod chart;
pub mod panel;
pub mod sparkline;
pub mod term_pane;

use chrono::{DateTime, FixedOffset};
use unicode_width::UnicodeWidthChar;

pub use crate::text::{truncate, width};

/// `14:05`, or `03-12 14:05` for ranges longer than a day, in the given zone.
pub fn format_time(ms: i64, offset: FixedOffset, long: bool) -> String {
    let Some(t) = DateTime::from_timestamp_millis(ms) else {
        return "?".into();
    };
    let t = t.with_timezone(&offset);
    if long {
        t.format("%m-%d %H:%M").to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

/// `14:05:09` in the given zone.
pub fn format_clock(ms: i64, offset: FixedOffset) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.with_timezone(&offset).format("%H:%M:%S").to_string(),
        None => "?".into(),
    }
}

/// A span in its two largest units, rounded down so it never promises more time than is
/// left: `12s`, `4m`, `1h59m` (not `2h`), `2d03h`.
pub fn format_age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    let two = |big: i64, unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{unit}")
        } else {
            format!("{big}{unit}{small:02}{small_unit}")
        }
    };
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => two(s / 3600, "h", (s % 3600) / 60, "m"),
        _ => two(s / 86_400, "d", (s % 86_400) / 3600, "h"),
    }
}

/// How long something ran, for the pane's frame and its end message: `42s`, `3m05s`, `1h02m`.
pub fn run_time(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Cut `s` into lines of at most `max` cells, breaking at spaces where possible.
pub fn wrap(s: &str, max: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    if max == 0 || max_lines == 0 {
        return lines;
    }
    let mut current = String::new();
    for word in s.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if width(&candidate) <= max {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // A word longer than the line is split.
        let mut rest = word.to_string();
        while width(&rest) > max {
            let mut head = String::new();
            let mut used = 0;
            let mut chars = rest.chars().peekable();
            while let Some(&c) = chars.peek() {
                let w = c.width().unwrap_or(0);
                if used + w > max {
                    break;
                }
                head.push(c);
                used += w;
                chars.next();
            }
            if head.is_empty() {
                break;
            }
            lines.push(head);
            rest = chars.collect();
        }
        current = rest;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = truncate(&format!("{last} …"), max);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("x", 0), "");
    }

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        assert_eq!(
            wrap("parse error at char 5: unexpected", 12, 5),
            vec!["parse error", "at char 5:", "unexpected"]
        );
        assert_eq!(wrap("aaaaaaaaaa", 4, 5), vec!["aaaa", "aaaa", "aa"]);
        assert_eq!(wrap("one two three four", 9, 1), vec!["one two …"]);
    }

    #[test]
    fn times_and_ages() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let plus2 = FixedOffset::east_opt(7200).unwrap();
        assert_eq!(format_time(1_700_000_000_000, utc, false), "22:13");
        assert_eq!(format_time(1_700_000_000_000, plus2, true), "11-15 00:13");
        assert_eq!(format_clock(1_700_000_000_000, utc), "22:13:20");
        assert_eq!(format_age(59_999), "59s");
        assert_eq!(format_age(3_600_000), "1h");
        // Rounded down: 1h59m59s is not "2h", nor "1h".
        assert_eq!(format_age(7_199_000), "1h59m");
        assert_eq!(format_age(3_900_000), "1h05m");
        assert_eq!(format_age(2 * 86_400_000 + 3 * 3_600_000 + 59_000), "2d03h");
    }
}
