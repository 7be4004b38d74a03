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

/// `1 incident`, `2 incidents`: a count with its noun, singular only for one.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Where the part of `s` that tells it apart from `siblings` starts and ends (in chars):
/// after what it shares with the closest sibling at the start, before what it shares with
/// one at the end, widened to whole words (`node-17`, not `7`). `None` without siblings.
fn core(chars: &[char], s: &str, siblings: &[&str]) -> Option<(usize, usize)> {
    let others = || siblings.iter().filter(|o| **o != s);
    let mut prefix = others()
        .map(|o| o.chars().zip(chars).take_while(|(a, b)| a == *b).count())
        .max()?;
    let mut suffix = others()
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
    let word = |c: char| c.is_alphanumeric();
    while prefix > 0 && prefix < chars.len() && word(chars[prefix - 1]) && word(chars[prefix]) {
        prefix -= 1;
    }
    while suffix > 0 && word(chars[chars.len() - suffix]) && word(chars[chars.len() - suffix - 1]) {
        suffix -= 1;
    }
    Some((prefix, chars.len() - suffix))
}

fn cells(chars: &[char]) -> usize {
    chars.iter().map(|c| c.width().unwrap_or(0)).sum()
}

/// The fewest cells [`shorten_among`] needs to keep what tells `s` apart from `siblings`.
pub fn distinct_width(s: &str, siblings: &[&str]) -> usize {
    let chars: Vec<char> = s.chars().collect();
    match core(&chars, s, siblings) {
        Some((start, end)) => {
            cells(&chars[start..end]) + usize::from(start > 0) + usize::from(end < chars.len())
        }
        None => width(s),
    }
    .min(width(s))
}

/// `s` cut to `max` cells so that the part telling it apart from `siblings` stays visible:
/// among `node-17`, `node-18` in 6 cells it reads `…de-17`, not `node-…`. What all siblings
/// share at the end is cut first, then what they share at the start, each marked `…`.
pub fn shorten_among(s: &str, siblings: &[&str], max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let Some((prefix, core_end)) = core(&chars, s, siblings) else {
        return truncate(s, max);
    };
    let fits = |a: usize, b: usize| {
        let marks = usize::from(a > 0) + usize::from(b < chars.len());
        cells(&chars[a..b]) + marks <= max
    };
    let mut end = core_end;
    let mut start = 0;
    while !fits(start, end) && start < prefix.min(end) {
        start += 1;
    }
    if !fits(start, end) {
        return truncate(s, max);
    }
    // Keep the shared tail as far as it fits (the whole value reads better).
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
    fn counts_say_one_or_many() {
        assert_eq!(counted(1, "incident"), "1 incident");
        assert_eq!(counted(0, "minute"), "0 minutes");
        assert_eq!(counted(2, "line"), "2 lines");
    }

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
        // What a column needs at least: the differing words and their marks.
        assert_eq!(distinct_width(hosts[0], &hosts), "…17…".chars().count());
        let mounts = ["/var/lib/docker/overlay2", "/var/lib/kubelet/pods"];
        assert_eq!(
            distinct_width(mounts[0], &mounts),
            "…docker/overlay2".chars().count()
        );
        assert_eq!(shorten_among(mounts[0], &mounts, 16), "…docker/overlay2");
    }
}
