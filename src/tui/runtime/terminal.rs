//! The real terminal: raw mode and the alternate screen, always given back — by a drop guard
//! on every normal or error exit, and by a panic hook when something goes badly wrong — and a
//! writer that counts the bytes sent, because over a slow SSH link they are what costs.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::config::NotifyMode;

/// Counts what goes through it.
pub struct CountingWriter<W: Write> {
    inner: W,
    count: Arc<AtomicU64>,
}

impl<W: Write> CountingWriter<W> {
    pub fn new(inner: W) -> (CountingWriter<W>, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (
            CountingWriter {
                inner,
                count: count.clone(),
            },
            count,
        )
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub type TermBackend = CrosstermBackend<BufWriter<CountingWriter<Stdout>>>;

/// Raw mode and the alternate screen, for as long as it lives; dropping it restores the
/// screen the user had.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Switch to raw mode and the alternate screen, and make the terminal to draw on, whose
    /// bytes are counted. If that fails half way, what was done is undone first.
    pub fn enter() -> io::Result<(TerminalGuard, Terminal<TermBackend>, Arc<AtomicU64>)> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard { _private: () };
        let (writer, bytes) = CountingWriter::new(io::stdout());
        let mut writer = BufWriter::with_capacity(64 * 1024, writer);
        // Bracketed paste: a paste arrives whole (for the pane's program), not as keys that
        // could run commands.
        execute!(writer, EnterAlternateScreen, EnableBracketedPaste, Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(writer))?;
        Ok((guard, terminal, bytes))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leave the alternate screen, show the cursor, cooked mode. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restore the terminal before the panic message is printed, so it is readable and the shell
/// is usable afterwards.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_bytes_written() {
        let (mut w, count) = CountingWriter::new(Vec::new());
        w.write_all(b"hello").unwrap();
        w.write_all("é".as_bytes()).unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 7);
    }
}

/// Most terminals drop OSC 52 payloads beyond ~100 KB; URLs are far shorter.
const OSC52_MAX_TEXT: usize = 74_994;

/// The OSC 52 sequence that puts `text` on the clipboard: `ESC ] 52 ; c ; <base64> BEL`.
/// Control characters and escape sequences are stripped from `text` first, and overlong text
/// is cut at a character boundary, so nothing but base64 ends up inside the sequence.
pub fn osc52(text: &str) -> Vec<u8> {
    let clean = crate::sanitize::one_line(text);
    let mut end = clean.len().min(OSC52_MAX_TEXT);
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = b"\x1b]52;c;".to_vec();
    out.extend_from_slice(base64(&clean.as_bytes()[..end]).as_bytes());
    out.push(0x07);
    out
}

/// Longest notification text, in bytes: desktop notifications show a line or two.
const NOTIFY_MAX_TEXT: usize = 200;

/// The bytes that announce `text` the way `[ui] notify` says: BEL, OSC 9
/// (`ESC ] 9 ; text BEL`) or OSC 777 (`ESC ] 777 ; notify ; oncall ; text BEL`); `None` when
/// off. The text comes from alert labels, so control characters and escape sequences are
/// stripped, `;` (OSC 777's separator) becomes `,`, and it is cut at a character boundary.
pub fn notification(mode: NotifyMode, text: &str) -> Option<Vec<u8>> {
    let clean = crate::sanitize::one_line(text).replace(';', ",");
    let mut end = clean.len().min(NOTIFY_MAX_TEXT);
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    let text = &clean[..end];
    let bytes = match mode {
        NotifyMode::Off => return None,
        NotifyMode::Bell => b"\x07".to_vec(),
        NotifyMode::Osc9 => format!("\x1b]9;{text}\x07").into_bytes(),
        NotifyMode::Osc777 => format!("\x1b]777;notify;oncall;{text}\x07").into_bytes(),
    };
    Some(bytes)
}

/// Standard base64 (RFC 4648) with padding.
pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod osc52_tests {
    use super::*;

    #[test]
    fn notifications_are_bel_osc9_or_osc777_and_off_is_nothing() {
        let text = "2 new critical alerts: HighErrorRate, DiskFull";
        assert_eq!(notification(NotifyMode::Off, text), None);
        assert_eq!(notification(NotifyMode::Bell, text), Some(b"\x07".to_vec()));
        assert_eq!(
            notification(NotifyMode::Osc9, text),
            Some(format!("\x1b]9;{text}\x07").into_bytes())
        );
        assert_eq!(
            notification(NotifyMode::Osc777, text),
            Some(format!("\x1b]777;notify;oncall;{text}\x07").into_bytes())
        );
    }

    #[test]
    fn notification_text_cannot_escape_the_sequence_and_is_capped() {
        let hostile = format!(
            "1 new: X\x07\x1b]52;c;ZXZpbA==\x07;evil\n{}",
            "é".repeat(300)
        );
        for mode in [NotifyMode::Osc9, NotifyMode::Osc777] {
            let seq = notification(mode, &hostile).unwrap();
            assert_eq!(seq.iter().filter(|b| **b == 0x1b).count(), 1, "{mode:?}");
            assert_eq!(seq.iter().filter(|b| **b == 0x07).count(), 1, "{mode:?}");
            assert_eq!(seq.last(), Some(&0x07));
            let text = String::from_utf8(seq).unwrap();
            assert!(text.len() <= NOTIFY_MAX_TEXT + "\x1b]777;notify;oncall;\x07".len());
            assert!(!text.contains(";evil"), "{text:?}");
        }
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn osc52_wraps_the_base64_of_the_url() {
        let seq = osc52("https://acme.pagerduty.com/incidents/P1");
        let expected = format!(
            "\x1b]52;c;{}\x07",
            base64(b"https://acme.pagerduty.com/incidents/P1")
        );
        assert_eq!(seq, expected.into_bytes());
    }

    #[test]
    fn osc52_strips_control_characters_and_escapes_from_the_payload() {
        let hostile = "https://x/\x07\x1b]52;c;ZXZpbA==\x07\x1b[31mP1\n\r";
        let seq = osc52(hostile);
        // One ESC at the start, one BEL at the end, nothing else outside base64.
        assert_eq!(seq.iter().filter(|b| **b == 0x1b).count(), 1);
        assert_eq!(seq.iter().filter(|b| **b == 0x07).count(), 1);
        let payload = &seq[b"\x1b]52;c;".len()..seq.len() - 1];
        assert!(payload
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')));
    }
}
