//! Text measured in terminal cells, shared by the tables of the CLI and the terminal UI.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when cut. Wide characters are never split.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut to `max` cells so that the part telling it apart from `siblings` stays visible:
/// among `node-17`, `node-18` in 6 cells it reads `…de-17`, not `node-…`. What all siblings
/// share at the end is cut first, then what they share at the start, each marked `…`.
pub fn shorten_among(s: &str, siblings: &[&str], max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let others = || siblings.iter().filter(|o| **o != s);
    let prefix = others()
        .map(|o| o.chars().zip(&chars).take_while(|(a, b)| a == *b).count())
        .max();
    let Some(prefix) = prefix else {
        return truncate(s, max);
    };
    let suffix = others()
        .map(|o| {
            o.chars()
                .rev()
                .zip(chars.iter().rev())
                .take_while(|(a, b)| a == *b)
                .count()
        })
        .max()
        .unwrap_or(0)
        .min(chars.len() - prefix.min(chars.len()));
    // The differing part: from the first differing character to the end of the shared tail.
    let core_end = chars.len() - suffix;
    let mut end = core_end;
    // Keep the shared tail when it fits (the whole value reads better).
    let cells = |a: usize, b: usize| chars[a..b].iter().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let fits = |a: usize, b: usize| {
        let marks = usize::from(a > 0) + usize::from(b < chars.len());
        cells(a, b) + marks <= max
    };
    let mut start = 0;
    while !fits(start, end) && start < prefix.min(end) {
        start += 1;
    }
    if !fits(start, end) {
        return truncate(s, max);
    }
    while end < chars.len() && fits(start, end + 1) {
        end += 1;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_among_keeps_what_differs() {
        let all = ["node-17", "node-18", "node-2"];
        assert_eq!(shorten_among("node-17", &all, 7), "node-17");
        assert_eq!(shorten_among("node-17", &all, 6), "…de-17");
        assert_eq!(shorten_among("node-17", &all, 3), "…17");
        let hosts = [
            "ip-10-0-1-17.eu-west-1.compute.internal",
            "ip-10-0-1-18.eu-west-1.compute.internal",
        ];
        assert_eq!(shorten_among(hosts[0], &hosts, 14), "ip-10-0-1-17.…");
        assert_eq!(shorten_among(hosts[1], &hosts, 6), "…1-18…");
        // Alone, or nothing shared: an ordinary cut.
        assert_eq!(shorten_among("abcdef", &["abcdef"], 4), "abc…");
        assert_eq!(shorten_among("abcdef", &["xyz"], 4), "abc…");
    }
}
