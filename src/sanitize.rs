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
/// with one) and bidi overrides, which can reorder what is drawn next to them (isolates and
/// marks too, since labels never need them). Text without any is safe as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
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
    fn keeps_non_latin_and_emoji() {
        assert_eq!(one_line("שלום 日本 🔥"), "שלום 日本 🔥");
    }
}
