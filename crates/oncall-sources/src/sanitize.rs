//! Alert labels, annotations, silence comments and incident titles are untrusted: anyone who
//! can POST to Alertmanager writes them. Everything drawn or printed goes through here first.

/// Remove terminal escape sequences (CSI, OSC, DCS, ...) and control characters, keeping
/// newlines and tabs only when `keep_newlines` is set.
pub fn strip_controls(input: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers: CSI, OSC, DCS, SOS, PM, APC take a string up to ST/BEL.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\t' => out.push(if keep_newlines { '\t' } else { ' ' }),
            '\n' | '\r' => out.push(' '),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `strip_controls` would drop or change `c`: controls (every escape sequence starts
/// with one), the line and paragraph separators, and every invisible format character
/// (Unicode category Cf): bidi overrides, isolates and marks reorder what is drawn next to
/// them, and zero-width characters (U+200B, U+200D, U+FEFF, ...) take no cell, so a terminal
/// and ratatui disagree on where a row ends. Labels never need them. Text without any is
/// safe as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// Unicode general category Cf (format characters), as of Unicode 15.1.
pub fn is_format(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
        | '\u{890}'..='\u{891}' | '\u{8e2}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{110bd}' | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// `text` with every character `is_unsafe` flags written as a JSON `\uXXXX` escape (a
/// surrogate pair above U+FFFF), for JSON that goes to a terminal: serde_json and
/// Alertmanager escape only C0 controls, so C1 controls, U+202E and zero-width characters
/// would reach the terminal of whoever reads `-o json`. `None` when nothing needs escaping.
pub fn json_escape_unsafe(text: &str) -> Option<String> {
    if !text.chars().any(|c| !c.is_ascii() && is_unsafe(c)) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_ascii() || !is_unsafe(c) {
            out.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    }
    Some(out)
}

/// One printable line: controls stripped, newlines folded to spaces.
pub fn one_line(input: &str) -> String {
    strip_controls(input, false)
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two-byte sequences (ESC c, ESC 7, ...) and charset selection (ESC ( B).
        Some('(') | Some(')') | Some('*') | Some('+') | Some('#') | Some('%') => {
            chars.next();
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_unsafe_is_exactly_what_one_line_changes() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(is_unsafe(c), one_line(&text) != text, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn strips_ansi_osc52_osc8_and_controls() {
        let hostile = "a\u{1b}[31mred\u{1b}[0m \u{1b}]52;c;ZWNobyBwd25lZA==\u{7}b \u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\ \u{7}\u{8}c";
        assert_eq!(one_line(hostile), "ared b link c");
    }

    #[test]
    fn folds_newlines_and_drops_bidi_overrides() {
        assert_eq!(one_line("x\ny\r\u{202e}z"), "x y z");
        assert_eq!(strip_controls("x\ny", true), "x\ny");
    }

    #[test]
    fn drops_every_invisible_format_character() {
        let hostile = "a\u{200b}b\u{200d}c\u{feff}d\u{2060}e\u{ad}f\u{e0041}g\u{2028}h\u{2066}i";
        assert_eq!(one_line(hostile), "abcdefghi");
        // The whole of Cf, as Python's unicodedata (Unicode 14) lists it, is dropped.
        for c in [
            '\u{600}',
            '\u{61c}',
            '\u{180e}',
            '\u{fff9}',
            '\u{110bd}',
            '\u{1d173}',
        ] {
            assert!(is_unsafe(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn json_escapes_what_a_terminal_must_not_see() {
        assert_eq!(json_escape_unsafe(r#"{"a":"plain é"}"#), None);
        let escaped = json_escape_unsafe("{\"a\":\"x\u{202e}y\u{85}z\u{200b}\u{e0041}\"}").unwrap();
        assert_eq!(escaped, r#"{"a":"x\u202ey\u0085z\u200b\udb40\udc41"}"#);
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["a"], "x\u{202e}y\u{85}z\u{200b}\u{e0041}");
    }

    #[test]
    fn keeps_non_latin_and_emoji() {
        assert_eq!(one_line("שלום 日本 🔥"), "שלום 日本 🔥");
    }
}
